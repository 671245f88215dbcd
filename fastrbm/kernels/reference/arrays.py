"""Array placement for host backends: backend arrays are NumPy arrays."""
import numpy as np

__all__ = ["asarray", "to_numpy", "matmul", "empty", "zeros"]


def asarray(x, dtype=None):
    """Backend array (C-contiguous) holding ``x``."""
    return np.ascontiguousarray(x, dtype=dtype)


def to_numpy(x):
    """NumPy array holding the backend array ``x``."""
    return np.asarray(x)


def matmul(a, b, out=None, transpose_a=False, transpose_b=False):
    """``op(a) @ op(b)`` through NumPy's BLAS, written into ``out`` when given."""
    a = a.T if transpose_a else a
    b = b.T if transpose_b else b
    return np.matmul(a, b, out=out)


def empty(shape, dtype=np.float32):
    return np.empty(shape, dtype=dtype)


def zeros(shape, dtype=np.float32):
    return np.zeros(shape, dtype=dtype)
