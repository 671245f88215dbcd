"""
DBN: "draw me a 0 ... 9"
========================

A deep belief network with a labelled top level (Hinton, Osindero & Teh 2006): greedy
pretraining, the top-level RBM learns the joint distribution of the penultimate features and the
label, and up-down fine-tuning adjusts the generative weights. Clamping the label and running the
top-level Gibbs chain generates digits of that class. To run in seconds this example trains small
layers for 3 epochs on the 5,000 bundled digits, with a short CD-k schedule and one up-down epoch
(without it the samples are at chance); the defaults on full MNIST are in the user guide.
"""
import numpy as np
from _show import show_digits

import fastrbm
from fastrbm.datasets import load_mnist

X, y = load_mnist("train", source="sample")
dbn = fastrbm.DBN((784, 200, 200, 500), n_labels=10, n_epochs=3, top_k=(1, 3), up_down_epochs=1, random_state=0)
dbn.fit(X, y)
rows = [dbn.sample(8, label=k, n_steps=200) for k in range(10)]
show_digits(rows, [f"label {k}" for k in range(10)], size=0.6)

# A classifier fitted on real digits judges the samples (chance: 10 %).
from sklearn.linear_model import LogisticRegression  # noqa: E402 - only the judge needs it

judge = LogisticRegression(max_iter=300).fit(X, y)
read = np.array([judge.predict(r) for r in rows])
print("samples read as their label:", (read == np.arange(10)[:, None]).mean())
