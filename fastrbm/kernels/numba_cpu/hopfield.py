"""Hopfield kernels, Numba CPU: independent states in parallel (prange over rows).

Same semantics and random stream as ``fastrbm/kernels/reference/hopfield.py``.
No fastmath: the field updates must round exactly like the reference.
"""
import math

import numpy as np
from numba import njit, prange, uint64

from .. import _numba_rows, _sweep
from .._hopfield_host import pad_patterns, storkey_rows
from ..reference.arrays import matmul
from .rng import GOLDEN, finalise, uniform32, uniform64
from ..reference.hopfield import __all__  # noqa: F401 - the same kernel names on every backend


@njit(inline="always")
def shuffle(order, b, n, key, base):
    """Fisher-Yates permutation of 0..N-1 into order[b] from counters base + 1 .. base + N-1."""
    o = order[b]
    for i in range(n):
        o[i] = i
    z = key + (base + uint64(n - 1)) * GOLDEN  # the pre-hash of counter base + i, stepped down
    for i in range(n - 1, 0, -1):
        r = finalise(z)
        j = ((r >> uint64(32)) * uint64(i + 1)) >> uint64(32)
        tmp = o[i]
        o[i] = o[j]
        o[j] = tmp
        z -= GOLDEN


@njit(inline="always")
def glauber_up(h, beta2, key, counter, single):
    """True when the Glauber draw sets the neuron to +1 (u < sigmoid(2 beta h), in the state dtype)."""
    if single:
        p = np.float32(1.0) / (np.float32(1.0) + math.exp(-(np.float32(beta2) * np.float32(h))))
        return uniform32(key, counter) < p
    p = 1.0 / (1.0 + math.exp(-(np.float64(beta2) * np.float64(h))))
    return uniform64(key, counter) < p


@njit(inline="always")
def decide(h, old, stochastic, beta2, key, counter, single, one):
    """The new value of a visited neuron: Glauber draw, or sign(h) with ties keeping ``old``.

    sign(h) is written as "flip when h disagrees with old" (``h * old < 0``, exact for old = +-1):
    near a fixed point that branch is almost never taken, whereas branching on the sign of h
    mispredicts half the time (measured: 3x slower low-rank sweeps at a fixed point).
    """
    if stochastic:
        return one if glauber_up(h, beta2, key, counter, single) else -one
    return -old if h * old < 0 else old


inline = njit(inline="always")
weights_sweep = _sweep.state_sweep(inline, shuffle, decide, inline(_sweep.weights_field), inline(_sweep.weights_flip))


@njit(parallel=True, cache=True)
def _async(weights, thresholds, states, fields, key, max_sweeps, beta2, stochastic, single, one,
           order, sweeps, converged):
    for b in prange(states.shape[0]):
        weights_sweep(b, key, max_sweeps, beta2, stochastic, single, one, states, order, sweeps, converged,
                      (weights, thresholds, fields))


def sweep_args(states, beta):
    """Per-call buffers and flags shared by both sweeps: order, sweeps, converged, (beta2, stochastic, single, one)."""
    n_states, n = states.shape
    order = np.empty((n_states, n), dtype=np.uint64)
    sweeps = np.zeros(n_states, dtype=np.int32)
    converged = np.zeros(n_states, dtype=np.bool_)
    stochastic = bool(np.isfinite(beta))
    flags = (2.0 * beta if stochastic else 0.0, stochastic, states.dtype == np.float32, states.dtype.type(1))
    return order, sweeps, converged, flags


def hopfield_async(weights, thresholds, states, fields, key, max_sweeps, beta=np.inf):
    order, sweeps, converged, flags = sweep_args(states, beta)
    _async(weights, thresholds, states, fields, np.uint64(key), int(max_sweeps), *flags, order, sweeps, converged)
    return states, fields, sweeps, converged


@njit(cache=True, fastmath={"reassoc", "contract"})
def dot(a, b):
    """sum_mu a[mu] b[mu], reassociated (SIMD): exact for the integer-valued low-rank sums."""
    acc = a[0] - a[0]  # zero of the array's dtype (``a[0] * 0`` would promote float32 to float64)
    for mu in range(a.shape[0]):
        acc += a[mu] * b[mu]
    return acc


@njit(inline="always")
def lowrank_field(data, b, i, old):
    """h_i = scale (Q[i] . m - d_i s_i) - theta_i (the twin of numba_cuda's, which sums in a loop)."""
    patterns_t, d, scale, thresholds, overlaps = data
    # No named view of row i: a view kept across the branch costs an atomic
    # reference-count pair per visit (measured: 2.1 -> 1.3 ms for a 64-state sweep).
    return scale * (dot(patterns_t[i], overlaps[b]) - d[i] * old) - thresholds[i]


lowrank_sweep = _sweep.state_sweep(inline, shuffle, decide, lowrank_field, inline(_sweep.lowrank_flip))


@njit(parallel=True, cache=True)
def _async_lowrank(patterns_t, d, scale, thresholds, states, overlaps, key, max_sweeps, beta2, stochastic,
                   single, one, order, sweeps, converged):
    for b in prange(states.shape[0]):
        lowrank_sweep(b, key, max_sweeps, beta2, stochastic, single, one, states, order, sweeps, converged,
                      (patterns_t, d, scale, thresholds, overlaps))


@njit(cache=True)
def _row_squares(q):
    """``d_i = q_i . q_i``: a fifth of the time of NumPy's ``(q * q).sum(1)``, which makes a temporary."""
    d = np.empty(q.shape[0], q.dtype)
    for i in range(q.shape[0]):
        d[i] = dot(q[i], q[i])
    return d


def hopfield_async_lowrank(patterns_t, scale, thresholds, states, overlaps, key, max_sweeps, beta=np.inf):
    order, sweeps, converged, flags = sweep_args(states, beta)
    q, m = pad_patterns(patterns_t, overlaps)
    d = _row_squares(q)
    _async_lowrank(q, d, states.dtype.type(scale), thresholds, states, m, np.uint64(key),
                   int(max_sweeps), *flags, order, sweeps, converged)
    overlaps[:] = m[:, :overlaps.shape[1]]
    return states, overlaps, sweeps, converged


sync_row = inline(_numba_rows.sync_row)


@njit(parallel=True, cache=True)
def _sync(fields, thresholds, states, one, new, changed):
    for b in prange(states.shape[0]):
        changed[b] = sync_row(fields, thresholds, states, one, new, b)


def hopfield_sync(fields, thresholds, states):
    new = np.empty_like(states)
    changed = np.empty(states.shape[0], dtype=np.int32)
    _sync(fields, thresholds, states, states.dtype.type(1), new, changed)
    return new, changed


@njit(parallel=True, cache=True)
def _energy_from_fields(states, fields, thresholds, half, out):
    n_states, n = states.shape
    for b in prange(n_states):
        acc = out[b] * 0
        for i in range(n):
            acc += states[b, i] * (thresholds[i] - fields[b, i] * half)
        out[b] = acc


def hopfield_energy(weights, thresholds, states):
    fields = matmul(states, weights)
    out = np.zeros(states.shape[0], dtype=states.dtype)
    _energy_from_fields(states, fields, thresholds, states.dtype.type(0.5), out)
    return out


@njit(parallel=True, cache=True)
def _column_squares(patterns, scale, d):
    p, n = patterns.shape
    for i in prange(n):
        acc = d[i] * 0
        for mu in range(p):
            acc += patterns[mu, i] * patterns[mu, i]
        d[i] = scale * acc


@njit(parallel=True, cache=True)
def _energy_lowrank(overlaps, d, thresholds, states, scale, half, out):
    n_states, n = states.shape
    for b in prange(n_states):
        q = out[b] * 0
        for mu in range(overlaps.shape[1]):
            q += overlaps[b, mu] * overlaps[b, mu]
        lin = out[b] * 0
        for i in range(n):
            s = states[b, i]
            lin += s * (thresholds[i] + half * d[i] * s)
        out[b] = -half * scale * q + lin


def diagonal(patterns, scale):
    """``d_i = scale * sum_mu P_mu,i^2`` (the diagonal removed from scale P^T P)."""
    d = np.zeros(patterns.shape[1], dtype=patterns.dtype)
    _column_squares(patterns, patterns.dtype.type(scale), d)
    return d


def hopfield_energy_lowrank(patterns, scale, thresholds, states):
    overlaps = matmul(states, patterns, transpose_b=True)
    out = np.zeros(states.shape[0], dtype=states.dtype)
    _energy_lowrank(overlaps, diagonal(patterns, scale), thresholds, states,
                    states.dtype.type(scale), states.dtype.type(0.5), out)
    return out


@njit(parallel=True, cache=True)
def _scale_minus_diagonal(fields, states, d, scale):
    n_states, n = states.shape
    for b in prange(n_states):
        for i in range(n):
            fields[b, i] = scale * fields[b, i] - states[b, i] * d[i]


def hopfield_fields_lowrank(patterns, scale, states):
    fields = matmul(matmul(states, patterns, transpose_b=True), patterns)
    _scale_minus_diagonal(fields, states, diagonal(patterns, scale), states.dtype.type(scale))
    return fields


@njit(parallel=True, cache=True)
def _add_scaled_zero_diagonal(weights, gram, scale):
    n = weights.shape[0]
    for i in prange(n):
        for j in range(n):
            weights[i, j] = 0 if i == j else weights[i, j] + scale * gram[i, j]


def hebbian_update(weights, patterns, scale):
    gram = matmul(patterns, patterns, transpose_a=True)
    _add_scaled_zero_diagonal(weights, gram, weights.dtype.type(scale))
    return weights


@njit(parallel=True, cache=True)
def _storkey_step(weights, xi, h, scale):
    n = weights.shape[0]
    for i in prange(n):
        for j in range(n):
            if i == j:
                continue
            w = weights[i, j]
            h_ij = h[i] - w * xi[j]
            h_ji = h[j] - w * xi[i]
            weights[i, j] = w + scale * (xi[i] * xi[j] - (xi[i] * h_ji + h_ij * xi[j]))


def storkey_update(weights, patterns, scale):
    return storkey_rows(weights, patterns, scale, _storkey_step)
