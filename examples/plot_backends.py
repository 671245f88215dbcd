"""
Backends: the same samples on every backend
===========================================

Every model takes ``backend=`` (or ``FASTRBM_BACKEND``). All backends draw their random numbers
from one counter-based stream, so the same seed gives the same model and the same samples,
whichever backend runs them (up to float rounding in the products).
"""
import numpy as np
from _show import show_digits

import fastrbm
from fastrbm.datasets import load_mnist

X, _ = load_mnist("train", source="sample")
available = [row["name"] for row in fastrbm.backend_info() if row["available"] and row["name"] != "cuda"]
print("available CPU backends:", available)

rows = []
for name in available:
    rbm = fastrbm.RBM(100, n_epochs=2, random_state=0, backend=name).fit(X[:2000])
    rows.append(rbm.sample(8, n_steps=100, init=X[:8], return_probabilities=True)[1])  # p(v | h)
for name, row in zip(available, rows):
    print(f"{name:6s} largest difference from numpy: {np.abs(row - rows[0]).max():.2e}")
show_digits(rows, available)
