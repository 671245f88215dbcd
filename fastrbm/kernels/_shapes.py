"""Shape helpers shared by the compiled backends' Python wrappers."""
import numpy as np


def as_2d(shape):
    """Return ``(shape, (rows, cols))``: the 2-D view a kernel loops over.

    Counters stay the C-order flat index, so any shape maps onto rows x cols.
    """
    shape = (int(shape),) if np.isscalar(shape) else tuple(int(s) for s in shape)
    if len(shape) == 0:
        return shape, (1, 1)
    return shape, (int(np.prod(shape[:-1], dtype=np.int64)), shape[-1])


def uniform_rows(kernel_for, key, shape, dtype, offset):
    """``rng.uniform`` of the host backends: ``kernel_for(dtype)(key, offset, out)`` fills ``out``,
    the rows x cols view of the result."""
    shape, shape2 = as_2d(shape)
    out = np.empty(shape2, dtype=dtype)
    kernel_for(out.dtype)(np.uint64(key), np.uint64(offset), out)
    return out.reshape(shape)


def bernoulli_sigmoid_rows(kernel_for, pre_activation, key, offset):
    """``rng.bernoulli_sigmoid`` of the host backends: ``kernel_for(dtype)(x, key, offset, p, s)``
    writes the probabilities and the draws of the rows x cols view ``x``."""
    x = np.ascontiguousarray(pre_activation)
    shape, shape2 = as_2d(x.shape)
    x2 = x.reshape(shape2)
    p = np.empty_like(x2)
    s = np.empty_like(x2)
    kernel_for(x.dtype)(x2, np.uint64(key), np.uint64(offset), p, s)
    return p.reshape(shape), s.reshape(shape)
