"""scikit-learn's 8x8 digits (bundled with scikit-learn, so offline) as a small real data set for model tests."""
import numpy as np


def load_digits_split():
    """``(X_train, y_train, X_test, y_test)``: 1400 / 397 images of 64 pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    return X[:1400], y[:1400], X[1400:], y[1400:]
