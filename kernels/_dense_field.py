"""The visit of one neuron in a dense associative memory sweep, written once for both Numba
targets: ``numba_cpu`` compiles it with ``njit``, ``numba_cuda`` as a device function.

Plain Python on purpose (no calls to other jitted helpers, which differ by target); the
semantics, and the table of the interaction it reads, are those of ``kernels/reference/dense.py``.
"""
import math

EXPONENTIAL = 2
SINH1 = math.sinh(1.0)


def visit_field(patterns_t, i, overlaps, b, old, kind, table, n, scale, stochastic):
    """The local field of neuron ``i`` of state ``b`` (float64): the integer sum ``c`` (or the
    shifted exponential sum ``S``) when deterministic, ``h`` itself when ``stochastic``."""
    p = patterns_t.shape[1]
    s_old = float(old)
    if kind == EXPONENTIAL:
        top = -math.inf
        for mu in range(p):
            top = max(top, float(overlaps[b, mu]) - float(patterns_t[i, mu]) * s_old)
        total = 0.0
        for mu in range(p):
            q = float(patterns_t[i, mu])
            total += q * table[int(top - (float(overlaps[b, mu]) - q * s_old))]
        if not stochastic or total == 0.0:
            return total
        return math.copysign(math.exp(top - n + math.log(SINH1 * abs(total))), total)
    c = 0.0
    offset = n + 1
    for mu in range(p):
        q = float(patterns_t[i, mu])
        a = int(float(overlaps[b, mu]) - q * s_old) + offset
        j = int(q)
        c += table[a + j] - table[a - j]
    return c * scale if stochastic else c
