"""Input checks shared by every model: clear errors before any kernel runs."""
import math
import numbers
import sys

import numpy as np

__all__ = ["check_data", "check_binary", "check_is_fitted", "check_param", "check_params", "integer", "real",
           "one_of", "FLAG", "NotFittedError",
           "DataConversionWarning", "as_array", "sklearn_compatible"]


class NotFittedError(ValueError, AttributeError):
    """A method that needs learned parameters was called before ``fit``.

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> fastrbm.RBM(8).transform(np.zeros((2, 4)))
    Traceback (most recent call last):
    ...
    fastrbm.NotFittedError: this RBM is not fitted yet: call fit (or load a saved model) first
    """


class DataConversionWarning(UserWarning):
    """The input was converted to what the model needs (a column-vector ``y`` to 1-D).

    Examples
    --------
    >>> import warnings, numpy as np, fastrbm
    >>> X, y = np.eye(4, dtype=np.float32), np.array([[0], [1], [0], [1]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = fastrbm.MLP((4,), n_epochs=1, early_stopping=False, random_state=0).fit(X, y)
    >>> caught[0].category.__name__
    'DataConversionWarning'
    """


_compatible = {}


def sklearn_compatible(cls):
    """``cls``, or a subclass of it and scikit-learn's class of the same name when scikit-learn
    is loaded, so that ``except sklearn.exceptions.NotFittedError`` (and its estimator checks)
    catch fastrbm's errors too. scikit-learn is never imported for this: code that names its
    classes has imported it already."""
    sk_exceptions = sys.modules.get("sklearn.exceptions")
    if sk_exceptions is None:
        return cls
    if cls not in _compatible:
        theirs = getattr(sk_exceptions, cls.__name__)
        _compatible[cls] = type(cls.__name__, (cls, theirs), {"__module__": cls.__module__})
    return _compatible[cls]


def as_array(X, name="X"):
    """``np.asarray(X)`` with errors that name ``name``: sparse matrices, ragged
    nested sequences and complex values are rejected (imaginary parts are never
    dropped silently)."""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):  # scipy.sparse, by duck typing (no scipy import)
        raise TypeError(f"{name}: sparse input is not supported; call .toarray() first "
                        f"(got {type(X).__name__})")
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # ragged lists: NumPy's "inhomogeneous shape" message
        raise ValueError(f"{name} must be a rectangular array; could not convert it ({exc})") from exc
    if np.iscomplexobj(arr):  # a ValueError, as in scikit-learn
        raise ValueError(f"{name} must be real-valued: Complex data not supported (got {arr.dtype})")
    return arr


def check_data(X, *, name="X", n_features=None, dtype=None, ndim=2, allow_empty=False,
               low=None, high=None, copy=False, owner="the model"):
    """Return ``X`` as a C-contiguous float array after checking it.

    Raises ``ValueError``/``TypeError`` naming ``name`` for: sparse, ragged,
    complex or non-numeric data, wrong ``ndim``, the wrong number of features,
    NaN or infinity, an empty array, and values outside ``[low, high]``.
    ``owner`` (the model's class name) is named when the number of features is wrong.
    The messages contain scikit-learn's phrases, so that its estimator checks
    recognise them.
    ``dtype`` None keeps float32 and float64 as they are and turns anything
    else into float32. ``copy`` guarantees the result never shares memory with
    ``X`` (for callers whose kernels update the array in place).
    """
    arr = as_array(X, name)
    if arr.dtype == object:  # numbers in an object array are converted, anything else named
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric; converting its object dtype failed: {exc}") from exc
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        hint = ("; Reshape your data with X.reshape(1, -1) for a single sample"
                if ndim == 2 and arr.ndim == 1 else "")
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}{hint}")
    if not allow_empty and arr.size == 0:
        if ndim == 2:
            count, what = (arr.shape[1], "feature") if arr.shape[0] else (arr.shape[0], "sample")
            raise ValueError(f"{name} is empty: {count} {what}(s) (shape={arr.shape}) while a minimum of 1 "
                             "is required.")
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if n_features is not None and arr.shape[-1] != n_features:
        raise ValueError(f"{name} has {arr.shape[-1]} features, but {owner} is expecting {n_features} "
                         "features as input")
    if dtype is None:
        dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float32
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if copy and np.may_share_memory(arr, np.asarray(X)):
        arr = arr.copy()
    if not arr.size:
        return arr
    # min and max propagate NaN and reach any infinity: two passes, no temporary (np.isfinite
    # wrote a full-size bool array and made a third pass over the data)
    lo, hi = arr.min(), arr.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        bad = "NaN" if np.isnan(lo) or np.isnan(hi) else "infinite values"
        raise ValueError(f"{name} contains {bad}")
    if low is not None and lo < low:
        negative = "Negative values in data: " if low == 0 else ""
        raise ValueError(f"{negative}{name} has values below {low} (min {lo:g}); "
                         f"expected values in [{low}, {high}]")
    if high is not None and hi > high:
        raise ValueError(f"{name} has values above {high} (max {hi:g}); expected values in [{low}, {high}]")
    return arr


def check_binary(X, values=(0.0, 1.0), *, name="X"):
    """Raise ``ValueError`` unless every entry of ``X`` is one of ``values``."""
    arr = np.asarray(X)
    ok = np.zeros(arr.shape, dtype=bool)
    for v in values:
        ok |= arr == v
    if not ok.all():
        bad = arr[~ok].flat[0]
        raise ValueError(f"{name} must contain only {values[0]:g} and {values[1]:g}; found {bad:g}")
    return X


def check_is_fitted(model, attribute):
    """Raise :class:`NotFittedError` when ``model`` has no ``attribute`` yet."""
    if getattr(model, attribute, None) is None:
        raise sklearn_compatible(NotFittedError)(
            f"this {type(model).__name__} is not fitted yet: call fit (or load a saved model) first"
        )


# ------------------------------------------------------------------ hyper-parameter tables
# Each model declares its hyper-parameters' constraints in one table, ``_constraints``
# (name -> one of these), and ``check_params`` turns it into the errors of ``check_param``.
def integer(low=None, high=None):
    """An integer in [low, high] (None: unbounded)."""
    return {"kind": numbers.Integral, "low": low, "high": high}


def real(low=None, high=None, *, low_open=False, high_open=False, allow_inf=False, optional=False):
    """A finite number in the interval (``allow_inf``: infinity too; ``optional``: None too)."""
    return {"low": low, "high": high, "low_open": low_open, "high_open": high_open, "allow_inf": allow_inf,
            "optional": optional}


def one_of(*choices):
    """One of ``choices``."""
    return {"choices": choices}


FLAG = one_of(True, False)


def check_params(owner, table):
    """Check ``owner``'s hyper-parameters against ``table`` (name -> constraint), in the table's order."""
    for name, constraint in table.items():
        constraint = dict(constraint)
        value = getattr(owner, name)
        if constraint.pop("optional", False) and value is None:
            continue
        check_param(name, value, **constraint)


def check_param(name, value, *, kind=numbers.Real, low=None, high=None, low_open=False, high_open=False,
                choices=None, allow_inf=False):
    """Check one hyper-parameter; the error names it and the allowed values.

    NaN is always rejected, and infinity unless ``allow_inf`` (for the few
    parameters where it means something, such as ``beta=inf``: zero
    temperature). NumPy scalars (``np.int64(4)``, ``np.float32(0.1)``) are
    accepted like Python numbers.
    """
    if choices is not None:
        try:
            ok = value in choices
        except (TypeError, ValueError):  # e.g. an array compared with strings
            ok = False
        if not ok:
            raise ValueError(f"{name} must be one of {sorted(map(str, choices))}, got {value!r}")
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {'an integer' if kind is numbers.Integral else 'a number'}, got {value!r}")
    if not isinstance(value, numbers.Integral):
        if math.isnan(value):
            raise ValueError(f"{name} must be a number, got NaN")
        if math.isinf(value) and not allow_inf:
            raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        bound = f"> {low}" if low_open else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        bound = f"< {high}" if high_open else f"<= {high}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return value
