"""
Hopfield recall of MNIST digits
===============================

Store three binarised digits in a classical Hopfield network with Storkey's rule, flip 15 % of
their pixels, and let the asynchronous dynamics run to a fixed point. Digits are strongly
correlated (mostly background), so a recall may end near its digit rather than on it; random
patterns are stored far more easily (see the capacity example).
"""
import numpy as np
from _show import show_digits

import fastrbm
from fastrbm.datasets import binarize, load_mnist

X, y = load_mnist("train", source="sample")
digits = binarize(X[[int(np.flatnonzero(y == c)[0]) for c in (0, 1, 7)]])  # the first 0, 1 and 7

net = fastrbm.Hopfield(784, rule="storkey", states="binary", random_state=0).store(digits)
flip = np.random.default_rng(0).random(digits.shape) < 0.15
noisy = np.where(flip, 1 - digits, digits)
result = net.recall(noisy, max_sweeps=50)

print("pixels wrong before:", (noisy != digits).mean(axis=1).round(3))
print("pixels wrong after: ", (result.states != digits).mean(axis=1).round(3))
print("energy before / after:", net.energy(noisy).round(1), net.energy(result.states).round(1))
show_digits([digits, noisy, result.states], ["stored", "15 % flipped", "recalled"])
