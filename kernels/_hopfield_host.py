"""Host-side helpers shared by the CPU backends' Hopfield wrappers (pure NumPy)."""
import numpy as np

from .reference.arrays import matmul


def storkey_rows(weights, patterns, scale, step):
    """Storkey's rule, pattern after pattern: ``h = W xi`` by BLAS, then ``step(W, xi, h, scale)``
    updates W in place (see ``kernels/reference/hopfield.py``)."""
    scale = weights.dtype.type(scale)
    for xi in patterns:
        xi = np.ascontiguousarray(xi)
        step(weights, xi, matmul(weights, xi), scale)
    return weights
