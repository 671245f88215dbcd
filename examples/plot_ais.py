"""
Log-likelihood by annealed importance sampling
==============================================

The partition function of an RBM is a sum over 2^n states. For a small RBM it can be computed
exactly; annealed importance sampling (Salakhutdinov & Murray 2008) estimates it for any size.
Here both, on a 784-10 RBM (2^10 hidden states), and AIS alone for a 784-200 RBM.
"""
import matplotlib.pyplot as plt

import fastrbm
from fastrbm.datasets import binarize, load_mnist

X, _ = load_mnist("train", source="sample")
X_test, _ = load_mnist("test", source="sample")
X, X_test = binarize(X), binarize(X_test)

small = fastrbm.RBM(10, n_epochs=5, random_state=0).fit(X)
exact = small.log_partition("exact")
estimates = [small.log_partition("ais", n_betas=n, n_runs=20, base_data=X, return_std=True) for n in (100, 1000, 5000)]
for n, (log_z, se) in zip((100, 1000, 5000), estimates):
    print(f"AIS, {n:5d} temperatures: log Z = {log_z:.2f} +- {se:.2f}   (exact {exact:.2f})")

big = fastrbm.RBM(200, persistent=True, learning_rate=0.05, n_epochs=10, random_state=0).fit(X)
log_z, se = big.log_partition("ais", n_betas=2000, n_runs=20, base_data=X, return_std=True)
print(f"784-200 RBM: average test log-likelihood {big.log_likelihood(X_test, log_z=log_z):.1f} nats")

fig, ax = plt.subplots(figsize=(5, 3))
ax.errorbar([100, 1000, 5000], [e[0] for e in estimates], yerr=[e[1] for e in estimates], fmt="o-", label="AIS")
ax.axhline(exact, color="k", ls=":", label="exact")
ax.set_xscale("log")
ax.set_xlabel("intermediate distributions")
ax.set_ylabel("log Z (784-10 RBM)")
ax.legend()
fig.tight_layout()
