"""The per-state pieces of a dense associative memory sweep, written once for both Numba
targets: ``numba_cpu`` compiles them with ``njit``, ``numba_cuda`` as device functions.

Plain Python on purpose (no calls to other jitted helpers, which differ by target); the
semantics, and the table of the interaction they read, are those of
``kernels/reference/dense.py``.
"""
import math

from numba import uint64

EXPONENTIAL = 2


def refresh(overlaps, b, q, i, delta, kind, table, offset, u, total, shift):
    """``overlaps[b] += delta * q[i]`` (``delta = 0``: no flip), then ``u[b]``, ``total[b]`` and,
    exponential, ``shift[b]`` (the largest overlap) from the new overlaps, in one pass when the
    shift is fixed (polynomial kinds) and two otherwise."""
    p = overlaps.shape[1]
    top = 0.0
    if kind == EXPONENTIAL:
        top = -math.inf
        for mu in range(p):
            overlaps[b, mu] += delta * q[i, mu]
            top = max(top, float(overlaps[b, mu]))
    shift[b] = top
    acc = 0.0
    for mu in range(p):
        if kind != EXPONENTIAL:
            overlaps[b, mu] += delta * q[i, mu]
        j = uint64(int(float(overlaps[b, mu]) - top) + offset)  # unsigned: no negative-index wrap
        low = table[j - uint64(2)]
        high = table[j + uint64(2)]
        u[b, mu] = (high - low) * 0.5
        acc += table[j] - (low + high) * 0.5
    total[b] = acc


def row_dot(q, i, u, b):
    """``sum_mu q[i, mu] u[b, mu]`` (the CPU target compiles it with reassociation: SIMD)."""
    acc = 0.0
    for mu in range(q.shape[1]):
        acc += float(q[i, mu]) * u[b, mu]
    return acc


def field_from_sum(s, shift, n, kind, scale, stochastic):
    """The sum S itself when deterministic (its sign decides), else the local field h."""
    if not stochastic or s == 0.0:
        return s
    if kind == EXPONENTIAL:
        return math.copysign(math.exp(shift - n + math.log(0.5 * abs(s))), s)
    return s * scale
