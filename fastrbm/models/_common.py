"""Helpers shared by the MLP and DBN models: labels, shuffling, initialisation, splits."""
import numbers
import warnings

import numpy as np

from .._validation import DataConversionWarning, as_array, sklearn_compatible
from ..rng import uniform

__all__ = ["check_labels", "permutation", "split_validation", "uniform_matrix"]


def check_labels(y, n_samples, *, name="y", n_classes=None, owner="the model", min_classes=1):
    """Return ``(classes, indices)`` for the class labels ``y`` of shape (n_samples,).

    Labels are any integers, booleans or strings (``classes`` are the sorted distinct
    values), or with ``n_classes`` the integers ``0..n_classes-1`` (``classes`` is
    ``arange(n_classes)``). A column vector (n_samples, 1) is accepted with a
    :class:`~fastrbm.DataConversionWarning`, as in scikit-learn.

    Raises ``ValueError`` naming ``name`` for: None, a length other than ``n_samples``,
    NaN, infinity and non-integer numbers ("continuous" labels), and labels outside
    ``0..n_classes-1``, or fewer than ``min_classes`` distinct labels; ``TypeError`` for
    sparse or complex labels.
    """
    if y is None:
        raise ValueError(f"{owner} requires y to be passed, but the target y is None")
    arr = as_array(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        warnings.warn(sklearn_compatible(DataConversionWarning)(
            f"A column-vector y was passed when a 1d array was expected: {name} of shape {arr.shape} "
            "is used as shape (n_samples,)"), stacklevel=3)
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if len(arr) != n_samples:
        raise ValueError(f"X and {name} have different lengths: {n_samples} samples, {len(arr)} labels")
    if arr.dtype == object:
        arr = _from_objects(arr, name)
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise ValueError(f"Input {name} contains NaN.")  # scikit-learn's wording
        if np.isinf(arr).any():
            raise ValueError(f"Input {name} contains infinity or a value too large for dtype('float64').")
        if np.any(np.abs(arr) >= 2.0 ** 63):
            raise ValueError(f"{name} has labels too large for int64: {arr[np.abs(arr) >= 2.0 ** 63][0]!r}")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"Unknown label type: continuous. {name} must hold class labels, "
                             f"found {arr[arr != np.round(arr)][0].item()!r}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iubU":
        raise TypeError(f"Unknown label type: {name} must hold integer, boolean or string class labels, "
                        f"got dtype {arr.dtype}")
    if n_classes is not None:
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer labels 0..{n_classes - 1}, got dtype {arr.dtype}")
        bad = (arr < 0) | (arr >= n_classes)
        if bad.any():
            raise ValueError(f"{name} has labels out of range: {arr[bad][0]} (expected 0..{n_classes - 1})")
        return np.arange(n_classes), arr.astype(np.int64)
    classes, idx = np.unique(arr, return_inverse=True)
    if len(classes) < min_classes:
        raise ValueError(f"{name} has {len(classes)} class ({classes[0]!r}): {owner} needs at least "
                         f"{min_classes} classes")
    if classes.dtype.kind in "iu":
        classes = classes.astype(np.int64)
    return classes, idx.astype(np.int64)


def _from_objects(arr, name):
    """An object array of labels as numbers or strings (all of one kind), else a clear error."""
    kinds = {type(v) for v in arr.tolist()}
    if all(issubclass(k, str) for k in kinds):
        return arr.astype(str)
    if all(issubclass(k, numbers.Real) for k in kinds):
        return arr.astype(np.float64)
    raise TypeError(f"Unknown label type: {name} mixes {sorted(k.__name__ for k in kinds)}; "
                    "use integers or strings")


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
