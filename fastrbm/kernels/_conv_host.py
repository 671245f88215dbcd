"""im2col / col2im of the convolutional RBM on the host, compiled with Numba.

Same results as ``fastrbm/kernels/reference/conv.py`` (the specification; ``col2im``
up to the order of the float sums). Measured on one core, 100 MNIST images, 7 x 7
filters: im2col 44 ms (NumPy, a strided copy) vs 1.7 ms here; col2im 16 ms vs 2-3.5 ms.
The model takes the NumPy pair on the ``numpy`` backend, so that backend stays the
plain specification end to end, and this pair on every other backend (on cuda the
patches are made on the host: see ``fastrbm/models/conv_rbm.py``).
"""
import numpy as np
from numba import njit

from ._numba_cache import use_user_cache
from .reference import conv as reference

use_user_cache()  # before the decorators below pick their cache locator

__all__ = ["im2col", "col2im", "helpers_for"]


# Two loops, not one with a gather/scatter flag: the flag in the inner loop kept Numba from
# vectorising the copy (im2col 37 ms instead of 1.7 ms per 100 MNIST images).
@njit(cache=True)
def _im2col(V, h, w, out):
    """``out[(i * Ho + y) * Wo + x, dy * w + dx] = V[i, y + dy, x + dx]``."""
    n, H, W = V.shape
    Ho, Wo = H - h + 1, W - w + 1
    for i in range(n):
        for y in range(Ho):
            for dy in range(h):
                src = V[i, y + dy]
                for x in range(Wo):
                    row = out[(i * Ho + y) * Wo + x]
                    for dx in range(w):
                        row[dy * w + dx] = src[x + dx]


@njit(cache=True)
def _col2im(Q, h, w, out):
    """``out[i, y + dy, x + dx] += Q[(i * Ho + y) * Wo + x, dy * w + dx]``."""
    n, H, W = out.shape
    Ho, Wo = H - h + 1, W - w + 1
    for i in range(n):
        for y in range(Ho):
            for x in range(Wo):
                r = (i * Ho + y) * Wo + x
                for dy in range(h):
                    for dx in range(w):
                        out[i, y + dy, x + dx] += Q[r, dy * w + dx]


def im2col(V, filter_shape, out=None):
    """As :func:`fastrbm.kernels.reference.conv.im2col`: (n, H, W) -> (n * Ho * Wo, h * w),
    written into ``out`` when given (a reused buffer: a fresh 10 MB array per call cost
    30 ms of page faults against the copy's 2 ms, per 100 MNIST images)."""
    V = np.ascontiguousarray(V)
    (h, w), (n, H, W) = filter_shape, V.shape
    if out is None:
        out = np.empty((n * (H - h + 1) * (W - w + 1), h * w), dtype=V.dtype)
    _im2col(V, h, w, out)
    return out


def col2im(Q, image_shape, filter_shape):
    """As :func:`fastrbm.kernels.reference.conv.col2im`: (n * Ho * Wo, h * w) -> (n, H, W)."""
    (H, W), (h, w) = image_shape, filter_shape
    Q = np.ascontiguousarray(Q)
    out = np.zeros((Q.shape[0] // ((H - h + 1) * (W - w + 1)), H, W), dtype=Q.dtype)
    _col2im(Q, h, w, out)
    return out


def _reference_im2col(V, filter_shape, out=None):
    patches = reference.im2col(V, filter_shape)
    if out is None:
        return patches
    out[...] = patches
    return out


def helpers_for(backend_name):
    """``(im2col, col2im)`` for a backend: the NumPy specification on ``numpy``, compiled elsewhere;
    the ``im2col`` takes an optional ``out``."""
    if backend_name == "numpy":
        return _reference_im2col, reference.col2im
    return im2col, col2im
