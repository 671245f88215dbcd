"""Dense associative memory kernels, Cython/OpenMP: dtype and layout are checked here.

Same semantics and random stream as ``kernels/reference/dense.py``.
"""
import numpy as np

from . import _hopfield
from ..reference.dense import __all__, energy_lookup, polynomial_scale, sweep_table  # noqa: F401
from .hopfield import _c, _check_inplace, sweep_buffers


def dense_async(patterns_t, kind, degree, states, overlaps, key, max_sweeps, beta=np.inf):
    _check_inplace(states)
    _check_inplace(overlaps)
    n = states.shape[1]
    order, sweeps, converged, n_threads = sweep_buffers(states)
    stochastic = bool(np.isfinite(beta))
    table, offset = sweep_table(kind, degree, n)
    u = np.empty((states.shape[0], patterns_t.shape[1]), np.float64)
    _hopfield.dense_sweeps(_c(patterns_t, states.dtype), int(kind), table, offset, polynomial_scale(degree, n),
                           states, overlaps, u, np.uint64(key), int(max_sweeps), 2.0 * beta if stochastic else 0.0,
                           stochastic, order, sweeps, converged, n_threads)
    return states, overlaps, sweeps, converged.astype(bool)


def dense_energy(overlaps, kind, degree, n_neurons):
    out = np.empty(overlaps.shape[0], dtype=np.float64)
    offset, sign, table, norm = energy_lookup(kind, degree, n_neurons)
    _hopfield.dense_energy(_c(overlaps, overlaps.dtype), offset, sign, table, norm, out)
    return out


def softmax_rows(z, beta):
    _check_inplace(z)
    _hopfield.softmax_rows(z, z.dtype.type(beta))
    return z


def logsumexp_rows(z, beta):
    out = np.empty(z.shape[0], dtype=np.float64)
    _hopfield.logsumexp_rows(_c(z, z.dtype), float(beta), out)
    return out


def max_abs_change(new, old):
    out = np.empty(new.shape[0], dtype=new.dtype)
    _hopfield.max_abs_change(_c(new, new.dtype), _c(old, new.dtype), out)
    return out
