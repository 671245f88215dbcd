"""Dense associative memory kernels, Numba CUDA: one thread per state for the sweeps (the
field of a visit is the body shared with Numba CPU, ``kernels/_dense_field.py``), one thread
per row for the row-wise passes; products through ``arrays.matmul``.

Same semantics and random stream as ``kernels/reference/dense.py``.
"""
import math

import numpy as np
from numba import cuda

from . import config
from .. import _dense_field, _sweep
from ..reference.dense import __all__, energy_lookup, polynomial_scale, sweep_table  # noqa: F401
from .arrays import asarray, empty, zeros
from .hopfield import shuffle
from .rng import uniform32, uniform64

refresh = cuda.jit(device=True)(_dense_field.refresh)
row_dot = cuda.jit(device=True)(_dense_field.row_dot)
field_from_sum = cuda.jit(device=True)(_dense_field.field_from_sum)


@cuda.jit(device=True)
def dense_decide(h, old, stochastic, beta2, key, counter, single, one):
    """Glauber draw (float64 probability, state-dtype uniform), or sign(h) with ties keeping ``old``
    (``one`` unused: the signature of _sweep's ``decide``)."""
    if stochastic:
        p = 1.0 / (1.0 + math.exp(-(beta2 * h)))
        u = float(uniform32(key, counter)) if single else uniform64(key, counter)
        return 1.0 if u < p else -1.0
    return -old if h * old < 0 else old


dense_sweep = _sweep.state_sweep(cuda.jit(device=True), shuffle, dense_decide,
                                 *_sweep.dense_visit(cuda.jit(device=True), refresh, row_dot, field_from_sum))


@cuda.jit
def dense_kernel(q, kind, table, offset, scale, states, overlaps, u, total, shift, key, max_sweeps, beta2,
                 stochastic, single, order, sweeps, converged):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, states.shape[0], stride):
        refresh(overlaps, b, q, 0, 0.0, kind, table, offset, u, total, shift)
        dense_sweep(b, key, max_sweeps, beta2, stochastic, single, 1.0, states, order, sweeps, converged,
                    (q, kind, table, offset, scale, overlaps, u, total, shift, stochastic))


def dense_async(patterns_t, kind, degree, states, overlaps, key, max_sweeps, beta=np.inf):
    patterns_t, states, overlaps = asarray(patterns_t), asarray(states), asarray(overlaps)
    n_states, n = states.shape
    stochastic = bool(np.isfinite(beta))
    table, offset = sweep_table(kind, degree, n)
    order = empty((n_states, n), dtype=np.int64)
    sweeps, converged = zeros(n_states, dtype=np.int32), zeros(n_states, dtype=np.bool_)
    u = empty((n_states, patterns_t.shape[1]), dtype=np.float64)
    total, shift = empty(n_states, dtype=np.float64), empty(n_states, dtype=np.float64)
    dense_kernel[config.grid_1d(n_states)](
        patterns_t, int(kind), asarray(table), offset, polynomial_scale(degree, n), states, overlaps, u, total,
        shift, np.uint64(key), int(max_sweeps), 2.0 * beta if stochastic else 0.0, stochastic,
        np.dtype(states.dtype) == np.float32, order, sweeps, converged)
    return states, overlaps, sweeps, converged


@cuda.jit
def energy_kernel(overlaps, offset, sign, table, norm, out):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, overlaps.shape[0], stride):
        acc = 0.0
        for mu in range(overlaps.shape[1]):
            acc += table[offset + sign * int(round(overlaps[b, mu]))]
        out[b] = -acc / norm


def dense_energy(overlaps, kind, degree, n_neurons):
    overlaps = asarray(overlaps)
    offset, sign, table, norm = energy_lookup(kind, degree, n_neurons)
    out = empty(overlaps.shape[0], dtype=np.float64)
    energy_kernel[config.grid_1d(overlaps.shape[0])](overlaps, offset, sign, asarray(table), norm, out)
    return out


@cuda.jit
def softmax_kernel(z, beta):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, z.shape[0], stride):
        top = -math.inf
        for j in range(z.shape[1]):
            z[b, j] = z[b, j] * beta
            top = max(top, z[b, j])
        total = 0.0
        for j in range(z.shape[1]):
            z[b, j] = math.exp(z[b, j] - top)
            total += z[b, j]
        inv = 1.0 / total
        for j in range(z.shape[1]):
            z[b, j] = z[b, j] * inv


def softmax_rows(z, beta):
    z = asarray(z)
    softmax_kernel[config.grid_1d(z.shape[0])](z, np.dtype(z.dtype).type(beta))
    return z


@cuda.jit
def logsumexp_kernel(z, beta, out):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, z.shape[0], stride):
        top = -math.inf
        for j in range(z.shape[1]):
            top = max(top, float(z[b, j]) * beta)
        total = 0.0
        for j in range(z.shape[1]):
            total += math.exp(float(z[b, j]) * beta - top)
        out[b] = top + math.log(total)


def logsumexp_rows(z, beta):
    z = asarray(z)
    out = empty(z.shape[0], dtype=np.float64)
    logsumexp_kernel[config.grid_1d(z.shape[0])](z, float(beta), out)
    return out


@cuda.jit
def change_kernel(new, old, out):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, new.shape[0], stride):
        acc = abs(new[b, 0] - old[b, 0])
        for j in range(new.shape[1]):
            acc = max(acc, abs(new[b, j] - old[b, j]))
        out[b] = acc


def max_abs_change(new, old):
    new, old = asarray(new), asarray(old)
    out = empty(new.shape[0], dtype=new.dtype)
    change_kernel[config.grid_1d(new.shape[0])](new, old, out)
    return out
