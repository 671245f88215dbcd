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
