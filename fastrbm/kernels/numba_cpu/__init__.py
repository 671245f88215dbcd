"""Numba CPU-parallel kernels.

Numba's default OpenMP threading layer keeps its workers spinning after a
parallel region and starves OpenBLAS on small machines (measured: a fused
CD-1 epoch 15 s instead of 1.8 s), so the ``workqueue`` layer is selected
before any parallel kernel compiles, unless the user chose one explicitly.
Compiled kernels are cached in the user's cache directory (``_numba_cache``).

The ``workqueue`` layer must not be entered from two threads at once (Numba aborts the
process), so :func:`guard_kernel` serialises the kernels' launches with one process-wide
lock: models fitted in several Python threads get exactly their solo results. The
``omp`` layer is thread-safe but spins when PyTorch or TensorFlow loaded libgomp first
(a 10,000-row RBM fit 4x slower, measured), and the lock costs a fraction of a
microsecond per kernel call.
"""
import functools
import os
import threading

import numba

from .._numba_cache import use_user_cache

use_user_cache()

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"


_launch = threading.RLock()


def guard_kernel(kernel):
    """``kernel`` run under the process-wide launch lock (the backend registry applies it)."""
    if not callable(kernel):
        return kernel
    @functools.wraps(kernel)
    def guarded(*args, **kwargs):
        with _launch:
            return kernel(*args, **kwargs)
    return guarded
