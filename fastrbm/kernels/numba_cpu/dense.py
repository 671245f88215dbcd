"""Dense associative memory kernels, Numba CPU: independent states in parallel.

Same semantics and random stream as ``kernels/reference/dense.py``; the field of a visit is
the body shared with the CUDA backend (``kernels/_dense_field.py``).
"""
import math

import numpy as np
from numba import njit, prange

from .. import _dense_field, _sweep
from ..reference.dense import __all__, energy_lookup, polynomial_scale, sweep_table  # noqa: F401 - the same kernel names on every backend
from .hopfield import shuffle, sweep_args
from .rng import uniform32, uniform64

refresh = njit(fastmath={"reassoc", "contract"})(_dense_field.refresh)  # exact for the polynomial sums
field_from_sum = njit(inline="always")(_dense_field.field_from_sum)
row_dot = njit(fastmath={"reassoc", "contract"})(_dense_field.row_dot)  # SIMD; exact for the polynomial sums


@njit(inline="always")
def dense_decide(h, old, stochastic, beta2, key, counter, single, one):
    """Glauber draw (float64 probability, state-dtype uniform), or sign(h) with ties keeping ``old``
    (``one``, the state dtype's, unused: the signature of _sweep's ``decide``)."""
    if stochastic:
        p = 1.0 / (1.0 + math.exp(-(beta2 * h)))
        u = np.float64(uniform32(key, counter)) if single else uniform64(key, counter)
        return 1.0 if u < p else -1.0
    return -old if h * old < 0 else old


dense_sweep = _sweep.state_sweep(njit(inline="always"), shuffle, dense_decide,
                                 *_sweep.dense_visit(njit(inline="always"), refresh, row_dot, field_from_sum))


@njit(parallel=True, cache=True)
def _dense_async(q, kind, table, offset, scale, states, overlaps, u, total, shift, key, max_sweeps, beta2,
                 stochastic, single, one, order, sweeps, converged):
    for b in prange(states.shape[0]):
        refresh(overlaps, b, q, 0, 0.0, kind, table, offset, u, total, shift)
        dense_sweep(b, key, max_sweeps, beta2, stochastic, single, one, states, order, sweeps, converged,
                    (q, kind, table, offset, scale, overlaps, u, total, shift, stochastic))


def dense_async(patterns_t, kind, degree, states, overlaps, key, max_sweeps, beta=np.inf):
    n_states, n = states.shape
    order, sweeps, converged, flags = sweep_args(states, beta)
    table, offset = sweep_table(kind, degree, n)
    u = np.empty((n_states, patterns_t.shape[1]), np.float64)
    total, shift = np.empty(n_states, np.float64), np.empty(n_states, np.float64)
    _dense_async(np.ascontiguousarray(patterns_t, dtype=states.dtype), int(kind), table, offset,
                 polynomial_scale(degree, n), states, overlaps, u, total, shift, np.uint64(key), int(max_sweeps),
                 *flags, order, sweeps, converged)
    return states, overlaps, sweeps, converged


@njit(parallel=True, cache=True)
def _dense_energy(overlaps, offset, sign, table, norm, out):
    """``-sum_mu table[offset + sign * m_mu] / norm`` per row, in the order of mu."""
    n_states, p = overlaps.shape
    for b in prange(n_states):
        acc = 0.0
        for mu in range(p):
            acc += table[offset + sign * int(round(overlaps[b, mu]))]
        out[b] = -acc / norm


def dense_energy(overlaps, kind, degree, n_neurons):
    out = np.empty(overlaps.shape[0], dtype=np.float64)
    _dense_energy(overlaps, *energy_lookup(kind, degree, n_neurons), out)
    return out


@njit(parallel=True, cache=True)
def _softmax_rows(z, beta):
    n_rows, m = z.shape
    for b in prange(n_rows):
        top = -math.inf
        for j in range(m):
            x = z[b, j] * beta
            z[b, j] = x
            top = max(top, x)
        total = 0.0
        for j in range(m):
            e = math.exp(z[b, j] - top)
            z[b, j] = e
            total += e
        inv = 1.0 / total
        for j in range(m):
            z[b, j] *= inv


def softmax_rows(z, beta):
    _softmax_rows(z, z.dtype.type(beta))
    return z


@njit(parallel=True, cache=True)
def _logsumexp_rows(z, beta, out):
    n_rows, m = z.shape
    for b in prange(n_rows):
        top = -math.inf
        for j in range(m):
            top = max(top, float(z[b, j]) * beta)
        total = 0.0
        for j in range(m):
            total += math.exp(float(z[b, j]) * beta - top)
        out[b] = top + math.log(total)


def logsumexp_rows(z, beta):
    out = np.empty(z.shape[0], dtype=np.float64)
    _logsumexp_rows(z, float(beta), out)
    return out


@njit(parallel=True, cache=True)
def _max_abs_change(new, old, out):
    n_rows, m = new.shape
    for b in prange(n_rows):
        acc = abs(new[b, 0] - old[b, 0])
        for j in range(m):
            acc = max(acc, abs(new[b, j] - old[b, j]))
        out[b] = acc


def max_abs_change(new, old):
    out = np.empty(new.shape[0], dtype=new.dtype)
    _max_abs_change(new, old, out)
    return out
