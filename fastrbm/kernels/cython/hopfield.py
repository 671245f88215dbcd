"""Hopfield kernels, Cython/OpenMP: dtype and layout are checked here, before the nogil code.

The sweep asks for no more OpenMP threads than states: a team larger than the work
only waits at the barrier (measured: ~10 ms per call for one state on a busy 2-core machine).

Same semantics and random stream as ``fastrbm/kernels/reference/hopfield.py``.
"""
import os

import numpy as np

from . import _hopfield
from .._hopfield_host import pad_patterns, storkey_rows
from ..reference.arrays import matmul
from ..reference.hopfield import __all__  # noqa: F401 - the same kernel names on every backend


def _c(x, dtype):
    """C-contiguous array of ``dtype`` (float32/float64 only: the fused types compiled)."""
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise TypeError(f"Cython Hopfield kernels need float32 or float64, got {dtype}")
    return np.ascontiguousarray(x, dtype=dtype)


def _check_inplace(a):
    if not (a.flags.c_contiguous and a.flags.writeable and a.dtype in (np.float32, np.float64)):
        raise ValueError("arrays updated in place must be writeable C-contiguous float32/float64")


def sweep_buffers(states):
    """order, sweeps, converged and the OpenMP team size (no more threads than states)."""
    n_states, n = states.shape
    return (np.empty((n_states, n), dtype=np.int64), np.zeros(n_states, dtype=np.int32),
            np.zeros(n_states, dtype=np.uint8), max(1, min(n_states, os.cpu_count() or 1)))


def hopfield_async(weights, thresholds, states, fields, key, max_sweeps, beta=np.inf):
    _check_inplace(states)
    _check_inplace(fields)
    dt = states.dtype
    order, sweeps, converged, n_threads = sweep_buffers(states)
    stochastic = bool(np.isfinite(beta))
    _hopfield.async_sweeps(_c(weights, dt), _c(thresholds, dt), states, fields, np.uint64(key),
                           int(max_sweeps), 2.0 * beta if stochastic else 0.0, stochastic,
                           order, sweeps, converged, n_threads)
    return states, fields, sweeps, converged.astype(bool)


def hopfield_async_lowrank(patterns_t, scale, thresholds, states, overlaps, key, max_sweeps, beta=np.inf):
    _check_inplace(states)
    _check_inplace(overlaps)
    dt = states.dtype
    patterns_t = _c(patterns_t, dt)
    order, sweeps, converged, n_threads = sweep_buffers(states)
    stochastic = bool(np.isfinite(beta))
    q, m = pad_patterns(patterns_t, overlaps)
    d = np.empty(len(q), dt)
    _hopfield.row_squares(q, d)
    _hopfield.async_sweeps_lowrank(q, d, dt.type(scale),
                                   _c(thresholds, dt), states, m, np.uint64(key), int(max_sweeps),
                                   2.0 * beta if stochastic else 0.0, stochastic, order, sweeps, converged,
                                   n_threads)
    overlaps[:] = m[:, :overlaps.shape[1]]
    return states, overlaps, sweeps, converged.astype(bool)


def hopfield_sync(fields, thresholds, states):
    dt = states.dtype
    new = np.empty_like(states)
    changed = np.empty(states.shape[0], dtype=np.int32)
    _hopfield.sync_update(_c(fields, dt), _c(thresholds, dt), _c(states, dt), new, changed)
    return new, changed


def hopfield_energy(weights, thresholds, states):
    dt = states.dtype
    fields = matmul(states, _c(weights, dt))
    out = np.empty(states.shape[0], dtype=dt)
    _hopfield.energy_from_fields(_c(states, dt), fields, _c(thresholds, dt), out)
    return out


def diagonal(patterns, scale):
    d = np.empty(patterns.shape[1], dtype=patterns.dtype)
    _hopfield.column_squares(patterns, patterns.dtype.type(scale), d)
    return d


def hopfield_energy_lowrank(patterns, scale, thresholds, states):
    dt = states.dtype
    patterns = _c(patterns, dt)
    overlaps = matmul(states, patterns, transpose_b=True)
    out = np.empty(states.shape[0], dtype=dt)
    _hopfield.energy_lowrank(overlaps, diagonal(patterns, scale), _c(thresholds, dt), _c(states, dt),
                             dt.type(scale), out)
    return out


def hopfield_fields_lowrank(patterns, scale, states):
    dt = states.dtype
    patterns = _c(patterns, dt)
    fields = matmul(matmul(states, patterns, transpose_b=True), patterns)
    _hopfield.scale_minus_diagonal(fields, _c(states, dt), diagonal(patterns, scale), dt.type(scale))
    return fields


def hebbian_update(weights, patterns, scale):
    _check_inplace(weights)
    patterns = _c(patterns, weights.dtype)
    gram = matmul(patterns, patterns, transpose_a=True)
    _hopfield.add_scaled_zero_diagonal(weights, gram, weights.dtype.type(scale))
    return weights


def storkey_update(weights, patterns, scale):
    _check_inplace(weights)
    return storkey_rows(weights, _c(patterns, weights.dtype), scale, _hopfield.storkey_step)
