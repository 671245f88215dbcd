"""Hopfield kernels, Numba CUDA: one thread per state for the sequential sweeps,
grid-stride loops elsewhere; products through ``arrays.matmul`` (cuBLAS when available).

Same semantics and random stream as ``fastrbm/kernels/reference/hopfield.py``.
"""
import math

import numpy as np
from numba import cuda, uint64

from . import config
from .. import _numba_rows, _sweep
from .arrays import asarray, empty, matmul, zeros
from .rng import mix, uniform32, uniform64
from ..reference.hopfield import __all__  # noqa: F401 - the same kernel names on every backend


@cuda.jit(device=True)
def shuffle(order, b, n, key, base):
    """Fisher-Yates permutation of 0..N-1 into order[b] from counters base + 1 .. base + N-1."""
    for i in range(n):
        order[b, i] = i
    for i in range(n - 1, 0, -1):
        r = mix(key, base + uint64(i))
        j = ((r >> uint64(32)) * uint64(i + 1)) >> uint64(32)
        tmp = order[b, i]
        order[b, i] = order[b, j]
        order[b, j] = tmp


@cuda.jit(device=True)
def glauber_up(h, beta2, key, counter, single, one):
    """u < sigmoid(2 beta h), computed in the state dtype (``one`` carries it)."""
    x = (one * beta2) * h
    p = one / (one + math.exp(-x))
    if single:
        return uniform32(key, counter) < p
    return uniform64(key, counter) < p


@cuda.jit(device=True)
def decide(h, old, stochastic, beta2, key, counter, single, one):
    """Glauber draw, or sign(h) with ties keeping ``old`` (as "flip when h * old < 0")."""
    if stochastic:
        return one if glauber_up(h, beta2, key, counter, single, one) else -one
    return -old if h * old < 0 else old


device = cuda.jit(device=True)
weights_sweep = _sweep.state_sweep(device, shuffle, decide, device(_sweep.weights_field), device(_sweep.weights_flip))


@cuda.jit
def async_kernel(weights, thresholds, states, fields, key, max_sweeps, beta2, stochastic, single,
                 one, order, sweeps, converged):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, states.shape[0], stride):
        weights_sweep(b, key, max_sweeps, beta2, stochastic, single, one, states, order, sweeps, converged,
                      (weights, thresholds, fields))


@cuda.jit(device=True)
def lowrank_field(data, b, i, old):
    """h_i = scale (Q[i] . m - d_i s_i) - theta_i (the twin of numba_cpu's, which calls a SIMD dot)."""
    patterns_t, d, scale, thresholds, overlaps = data
    c = old - old  # zero of the state dtype
    for mu in range(patterns_t.shape[1]):
        c += patterns_t[i, mu] * overlaps[b, mu]
    return scale * (c - d[i] * old) - thresholds[i]


lowrank_sweep = _sweep.state_sweep(device, shuffle, decide, lowrank_field, device(_sweep.lowrank_flip))


@cuda.jit
def async_lowrank_kernel(patterns_t, d, scale, thresholds, states, overlaps, key, max_sweeps, beta2,
                         stochastic, single, one, order, sweeps, converged):
    """One thread per state: h_i = scale (Q[i] . m - d_i s_i) - theta_i, m += delta Q[i] on a flip."""
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, states.shape[0], stride):
        lowrank_sweep(b, key, max_sweeps, beta2, stochastic, single, one, states, order, sweeps, converged,
                      (patterns_t, d, scale, thresholds, overlaps))


def sweep_args(states, beta):
    """order, sweeps, converged and the flags (beta2, stochastic, single, one) of both sweeps."""
    n_states, n = states.shape
    stochastic = bool(np.isfinite(beta))
    dt = np.dtype(states.dtype)
    flags = (dt.type(2.0 * beta if stochastic else 0.0), stochastic, dt == np.float32, dt.type(1))
    return (empty((n_states, n), dtype=np.int64), zeros(n_states, dtype=np.int32),
            zeros(n_states, dtype=np.bool_), flags)


def hopfield_async(weights, thresholds, states, fields, key, max_sweeps, beta=np.inf):
    weights, thresholds, states, fields = (asarray(a) for a in (weights, thresholds, states, fields))
    order, sweeps, converged, flags = sweep_args(states, beta)
    async_kernel[config.grid_1d(states.shape[0])](
        weights, thresholds, states, fields, np.uint64(key), int(max_sweeps), *flags, order, sweeps, converged)
    return states, fields, sweeps, converged


def hopfield_async_lowrank(patterns_t, scale, thresholds, states, overlaps, key, max_sweeps, beta=np.inf):
    patterns_t, thresholds, states, overlaps = (asarray(a) for a in (patterns_t, thresholds, states, overlaps))
    order, sweeps, converged, flags = sweep_args(states, beta)
    d = diagonal(patterns_t.T, 1.0)  # row squares of Q = column squares of P (exact integers)
    async_lowrank_kernel[config.grid_1d(states.shape[0])](
        patterns_t, d, np.dtype(states.dtype).type(scale), thresholds, states, overlaps, np.uint64(key),
        int(max_sweeps), *flags, order, sweeps, converged)
    return states, overlaps, sweeps, converged


sync_row = device(_numba_rows.sync_row)


@cuda.jit
def sync_kernel(fields, thresholds, states, one, new, changed):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, states.shape[0], stride):
        changed[b] = sync_row(fields, thresholds, states, one, new, b)


def hopfield_sync(fields, thresholds, states):
    fields, thresholds, states = (asarray(a) for a in (fields, thresholds, states))
    new = empty(states.shape, dtype=states.dtype)
    changed = empty(states.shape[0], dtype=np.int32)
    sync_kernel[config.grid_1d(states.shape[0])](fields, thresholds, states,
                                                 np.dtype(states.dtype).type(1), new, changed)
    return new, changed


@cuda.jit
def energy_kernel(states, fields, thresholds, half, out):
    n_states, n = states.shape
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, n_states, stride):
        acc = half * 0
        for i in range(n):
            acc += states[b, i] * (thresholds[i] - fields[b, i] * half)
        out[b] = acc


def hopfield_energy(weights, thresholds, states):
    weights, thresholds, states = (asarray(a) for a in (weights, thresholds, states))
    fields = matmul(states, weights)
    out = empty(states.shape[0], dtype=states.dtype)
    energy_kernel[config.grid_1d(states.shape[0])](states, fields, thresholds,
                                                   np.dtype(states.dtype).type(0.5), out)
    return out


@cuda.jit
def column_squares_kernel(patterns, scale, d):
    p, n = patterns.shape
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for i in range(start, n, stride):
        acc = scale * 0
        for mu in range(p):
            acc += patterns[mu, i] * patterns[mu, i]
        d[i] = scale * acc


def diagonal(patterns, scale):
    d = empty(patterns.shape[1], dtype=patterns.dtype)
    column_squares_kernel[config.grid_1d(patterns.shape[1])](patterns, np.dtype(patterns.dtype).type(scale), d)
    return d


@cuda.jit
def energy_lowrank_kernel(overlaps, d, thresholds, states, scale, half, out):
    n_states, n = states.shape
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for b in range(start, n_states, stride):
        q = half * 0
        for mu in range(overlaps.shape[1]):
            q += overlaps[b, mu] * overlaps[b, mu]
        lin = half * 0
        for i in range(n):
            s = states[b, i]
            lin += s * (thresholds[i] + half * d[i] * s)
        out[b] = -half * scale * q + lin


def hopfield_energy_lowrank(patterns, scale, thresholds, states):
    patterns, thresholds, states = (asarray(a) for a in (patterns, thresholds, states))
    dt = np.dtype(states.dtype)
    overlaps = matmul(states, patterns, transpose_b=True)
    out = empty(states.shape[0], dtype=dt)
    energy_lowrank_kernel[config.grid_1d(states.shape[0])](
        overlaps, diagonal(patterns, scale), thresholds, states, dt.type(scale), dt.type(0.5), out)
    return out


@cuda.jit
def scale_minus_diagonal_kernel(fields, states, d, scale):
    n = states.shape[1]
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, states.size, stride):
        b, i = k // n, k % n
        fields[b, i] = scale * fields[b, i] - states[b, i] * d[i]


def hopfield_fields_lowrank(patterns, scale, states):
    patterns, states = asarray(patterns), asarray(states)
    fields = matmul(matmul(states, patterns, transpose_b=True), patterns)
    scale_minus_diagonal_kernel[config.grid_1d(states.size)](
        fields, states, diagonal(patterns, scale), np.dtype(states.dtype).type(scale))
    return fields


@cuda.jit
def add_scaled_zero_diagonal_kernel(weights, gram, scale):
    n = weights.shape[0]
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, n * n, stride):
        i, j = k // n, k % n
        weights[i, j] = 0 if i == j else weights[i, j] + scale * gram[i, j]


def hebbian_update(weights, patterns, scale):
    weights, patterns = asarray(weights), asarray(patterns)
    gram = matmul(patterns, patterns, transpose_a=True)
    n = weights.shape[0]
    add_scaled_zero_diagonal_kernel[config.grid_1d(n * n)](weights, gram, np.dtype(weights.dtype).type(scale))
    return weights


@cuda.jit
def storkey_kernel(weights, xi, h, scale):
    n = weights.shape[0]
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, n * n, stride):
        i, j = k // n, k % n
        if i != j:
            w = weights[i, j]
            h_ij = h[i, 0] - w * xi[j]
            h_ji = h[j, 0] - w * xi[i]
            weights[i, j] = w + scale * (xi[i] * xi[j] - (xi[i] * h_ji + h_ij * xi[j]))


def storkey_update(weights, patterns, scale):
    weights, patterns = asarray(weights), asarray(patterns)
    n = weights.shape[0]
    scale = np.dtype(weights.dtype).type(scale)
    for mu in range(patterns.shape[0]):
        xi = patterns[mu]
        h = matmul(weights, xi.reshape(n, 1))
        storkey_kernel[config.grid_1d(n * n)](weights, xi, h, scale)
    return weights
