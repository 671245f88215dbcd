"""
Train an RBM, sample digits, look at its filters
================================================

A 784-200 Bernoulli RBM trained with PCD-1 on the bundled 5,000 digits, then 1000 Gibbs steps
from noise and the first 40 filters (columns of ``W_``).
"""
from _show import show_digits

import fastrbm
from fastrbm.datasets import load_mnist

X, _ = load_mnist("train", source="sample")
X_test, _ = load_mnist("test", source="sample")
rbm = fastrbm.RBM(200, persistent=True, learning_rate=0.05, n_epochs=10, random_state=0).fit(X)
print("reconstruction error per epoch:", [round(h["reconstruction_error"], 4) for h in rbm.history_])

_, samples = rbm.sample(10, n_steps=1000, init=X_test[:10], return_probabilities=True)  # (states, p(v | h))
show_digits([X_test[:10], samples], ["start (test digits)", "after 1000 Gibbs steps"])

W = rbm.W_.T[:40]
W = (W - W.min(axis=1, keepdims=True)) / (W.max(axis=1, keepdims=True) - W.min(axis=1, keepdims=True))
show_digits([W[:20], W[20:]], ["filters 1-20", "filters 21-40"])
