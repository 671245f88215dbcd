"""
Convolutional RBM: filters shared over the image
================================================

A ``ConvRBM`` (Lee, Grosse, Ranganath & Ng 2009) shares each filter over every position of the
image: 16 filters of 7 x 7 give 16 x 22 x 22 hidden units on a 28 x 28 digit with only 784
weights. Trained for two epochs on 2,000 bundled digits, its filters become stroke detectors;
its reconstructions of held-out digits are shown below them.
"""
import numpy as np
from _show import show_digits

import fastrbm
from fastrbm.datasets import load_mnist

X, _ = load_mnist("train", source="sample", n=2000)
X_test, _ = load_mnist("test", source="sample", n=10)
crbm = fastrbm.ConvRBM(16, (7, 7), (28, 28), n_epochs=2, random_state=0).fit(X)
print("reconstruction error per epoch:", [round(h["reconstruction_error"], 4) for h in crbm.history_])

W = crbm.W_.reshape(16, 49)
W = (W - W.min(axis=1, keepdims=True)) / np.ptp(W, axis=1, keepdims=True)
show_digits([W[:8], W[8:]], ["filters 1-8", "filters 9-16"], image_shape=(7, 7))
show_digits([X_test, crbm.reconstruct(X_test)], ["held-out digits", "reconstructed"])
