"""
Gaussian RBM on real-valued data
================================

A ``GaussianRBM`` has Gaussian visible units: it models real-valued data. Here two-dimensional
points from a mixture of three equally likely Gaussians; the model's samples (1000 Gibbs steps
from noise) land on the same three clusters, in roughly (not exactly) equal shares.
"""
import matplotlib.pyplot as plt
import numpy as np

import fastrbm

rng = np.random.default_rng(0)
centres = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 5.0]])
X = (centres[rng.integers(3, size=3000)] + 0.7 * rng.standard_normal((3000, 2))).astype(np.float32)

model = fastrbm.GaussianRBM(32, learning_rate=0.01, n_epochs=100, random_state=0).fit(X)
S = model.sample(500, n_steps=1000)
nearest = np.argmin(((S[:, None, :] - centres) ** 2).sum(axis=2), axis=1)
print("samples per cluster:", np.bincount(nearest, minlength=3))

fig, ax = plt.subplots(figsize=(4.5, 4))
ax.scatter(*X[:500].T, s=4, alpha=0.4, label="data")
ax.scatter(*S.T, s=4, alpha=0.6, label="GaussianRBM samples")
ax.legend(loc="lower right")
fig.tight_layout()
