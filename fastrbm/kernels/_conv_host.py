"""im2col / col2im of the convolutional RBM on the host, compiled with Numba.

Same results as ``fastrbm/kernels/reference/conv.py`` (the specification; ``col2im``
up to the order of the float sums). Measured on one core, 100 MNIST images, 7 x 7
filters: im2col 44 ms (NumPy, a strided copy) vs a few ms here; col2im 16 ms vs 3.5 ms.
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


@njit(cache=True)
def _patches(images, h, w, cols, gather):
    """Patch row ``(i * Ho + y) * Wo + x``, column ``dy * w + dx`` <-> pixel ``(i, y + dy, x + dx)``:
    copied into ``cols`` (``gather``, im2col) or added onto ``images`` (col2im)."""
    n, H, W = images.shape
    Ho, Wo = H - h + 1, W - w + 1
    for i in range(n):
        for y in range(Ho):
            for x in range(Wo):
                r = (i * Ho + y) * Wo + x
                for dy in range(h):
                    for dx in range(w):
                        if gather:
                            cols[r, dy * w + dx] = images[i, y + dy, x + dx]
                        else:
                            images[i, y + dy, x + dx] += cols[r, dy * w + dx]


def im2col(V, filter_shape):
    """As :func:`fastrbm.kernels.reference.conv.im2col`: (n, H, W) -> (n * Ho * Wo, h * w)."""
    V = np.ascontiguousarray(V)
    (h, w), (n, H, W) = filter_shape, V.shape
    out = np.empty((n * (H - h + 1) * (W - w + 1), h * w), dtype=V.dtype)
    _patches(V, h, w, out, True)
    return out


def col2im(Q, image_shape, filter_shape):
    """As :func:`fastrbm.kernels.reference.conv.col2im`: (n * Ho * Wo, h * w) -> (n, H, W)."""
    (H, W), (h, w) = image_shape, filter_shape
    Q = np.ascontiguousarray(Q)
    out = np.zeros((Q.shape[0] // ((H - h + 1) * (W - w + 1)), H, W), dtype=Q.dtype)
    _patches(out, h, w, Q, False)
    return out


def helpers_for(backend_name):
    """``(im2col, col2im)`` for a backend: the NumPy specification on ``numpy``, compiled elsewhere."""
    if backend_name == "numpy":
        return reference.im2col, reference.col2im
    return im2col, col2im
