"""The ConvRBM figure of docs/conv_rbm.md: 24 filters 7 x 7 trained 5 epochs on 10,000 binarised MNIST digits.

Writes ``docs/conv_rbm_filters.png`` and prints the per-epoch reconstruction error, the held-out
error on 1,000 test images, the mean hidden probability and the training seconds as JSON.
Needs the full MNIST files (``scripts/mnist_local.py``).
"""
import json

import numpy as np
from mnist_local import load

import fastrbm


def main():
    X = (load("train")[0][:10000] > 0.5).astype(np.float32)
    held = (load("test")[0][:1000] > 0.5).astype(np.float32)
    model = fastrbm.ConvRBM(24, (7, 7), (28, 28), n_epochs=5, random_state=0).fit(X)
    model.save_filters_png("docs/conv_rbm_filters.png")
    print(json.dumps({"reconstruction_error": [round(h["reconstruction_error"], 4) for h in model.history_],
                      "heldout_error": round(float(np.mean((model.reconstruct(held) - held) ** 2)), 4),
                      "mean_p_h": round(float(model.transform(held[:200]).mean()), 3),
                      "seconds": round(sum(h["seconds"] for h in model.history_), 1)}))


if __name__ == "__main__":
    main()
