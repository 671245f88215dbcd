"""Helpers shared by the MLP and DBN models: labels, shuffling, initialisation, splits."""
import numpy as np

from .._validation import as_array
from ..rng import uniform

__all__ = ["check_labels", "permutation", "split_validation", "uniform_matrix"]


def check_labels(y, n_samples, *, name="y", n_classes=None):
    """Return ``(classes, indices)`` for integer labels ``y`` of shape (n_samples,).

    Raises ``ValueError`` naming ``name`` for: a length other than ``n_samples``,
    NaN, infinity, non-integer values, and (with ``n_classes``) labels outside ``0..n_classes-1``;
    ``TypeError`` for sparse, complex or non-numeric labels.
    """
    arr = as_array(y, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if len(arr) != n_samples:
        raise ValueError(f"X and {name} have different lengths: {n_samples} samples, {len(arr)} labels")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN")
        if np.isinf(arr).any():
            raise ValueError(f"{name} contains infinite values")
        if np.any(np.abs(arr) >= 2.0 ** 63):
            raise ValueError(f"{name} has labels too large for int64: {arr[np.abs(arr) >= 2.0 ** 63][0]!r}")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels, found {arr[arr != np.round(arr)][0]!r}")
    arr = arr.astype(np.int64)
    if n_classes is not None:
        bad = (arr < 0) | (arr >= n_classes)
        if bad.any():
            raise ValueError(f"{name} has labels out of range: {arr[bad][0]} (expected 0..{n_classes - 1})")
        return np.arange(n_classes), arr
    classes, idx = np.unique(arr, return_inverse=True)
    return classes, idx.astype(np.int64)


def permutation(key, n):
    """A permutation of ``range(n)`` from the shared stream (argsort of ``n`` uniforms)."""
    return np.argsort(uniform(key, (n,), np.float64), kind="stable")


def uniform_matrix(key, shape, scale):
    """float64 array of ``shape`` uniform on [-scale, scale) from the shared stream."""
    return (2.0 * uniform(key, shape, np.float64) - 1.0) * scale


def split_validation(X, y, size):
    """Hold out the *last* ``size`` rows (int) or fraction (float < 1): ``X_tr, y_tr, X_val, y_val``.

    An int above a fifth of the data (the MNIST default of 10,000 on a small set) is capped at a fifth.
    """
    n = len(X)
    n_val = int(round(size * n)) if isinstance(size, float) and size < 1 else min(int(size), n // 5)
    if not 0 < n_val < n:
        raise ValueError(f"validation_size={size!r} leaves no training or no validation data for {n} samples")
    return X[:n - n_val], y[:n - n_val], X[n - n_val:], y[n - n_val:]
