"""
DBN pretraining, then backprop: against the Xavier baseline
===========================================================

``DBNClassifier`` pretrains a stack of RBMs, unrolls it into an MLP and fine-tunes it by
backpropagation (Hinton & Salakhutdinov 2006). The same MLP started from Xavier initialisation
(Glorot & Bengio 2010) is the baseline. Small layers and few epochs on the bundled sample.
"""
import matplotlib.pyplot as plt

import fastrbm
from fastrbm.datasets import load_mnist

X, y = load_mnist("train", source="sample")
X_test, y_test = load_mnist("test", source="sample")
common = dict(learning_rate=1e-3, n_epochs=10, validation_size=500, random_state=0)
dbn = fastrbm.DBNClassifier((300, 300), pretrain_epochs=5, **common).fit(X, y)
xavier = fastrbm.MLP((300, 300), optimizer="adam", **common).fit(X, y)
for name, model in (("DBN + backprop", dbn), ("Xavier MLP", xavier)):
    print(f"{name:15s} test error {100 * (1 - model.score(X_test, y_test)):.2f} %")

fig, ax = plt.subplots(figsize=(5, 3))
for name, model in (("DBN + backprop", dbn), ("Xavier MLP", xavier)):
    ax.plot([100 * h["val_error"] for h in model.history_], label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("validation error (%)")
ax.legend()
fig.tight_layout()
