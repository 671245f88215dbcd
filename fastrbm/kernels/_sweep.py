"""The sequential sweeps of one state, written once for the three Hopfield sweeps (full
weights, low rank, dense memory) and both Numba targets: ``numba_cpu`` compiles these
closures with ``njit``, ``numba_cuda`` as device functions (as ``_dense_field.py``).

A sweep visits the neurons of state ``b`` in a fresh random order; the kernel says how a
visit reads the local field (``field(data, b, i, old)``) and what a flip updates
(``flip(data, b, i, delta)``), ``data`` being the kernel's tuple of arrays and constants.
Semantics and counters: ``kernels/reference/hopfield.py`` and ``kernels/reference/dense.py``.
"""
from numba import uint64


def state_sweep(jit, shuffle, decide, field, flip):
    """``sweep(b, key, max_sweeps, beta2, stochastic, single, one, states, order, sweeps, converged,
    data)``, compiled with ``jit`` from the target's ``shuffle(order, b, n, key, base)`` and
    ``decide(h, old, stochastic, beta2, key, counter, single, one)``."""
    def sweep(b, key, max_sweeps, beta2, stochastic, single, one, states, order, sweeps, converged, data):
        n_states, n = states.shape
        for t in range(max_sweeps):
            base = (uint64(t) * uint64(n_states) + uint64(b)) * uint64(2 * n)
            shuffle(order, b, n, key, base)
            flips = 0
            for k in range(n):
                i = order[b, k]
                old = states[b, i]
                new = decide(field(data, b, i, old), old, stochastic, beta2, key, base + uint64(n + k), single, one)
                if new != old:
                    flip(data, b, i, new - old)
                    states[b, i] = new
                    flips += 1
            sweeps[b] = t + 1
            converged[b] = flips == 0
            if flips == 0 and not stochastic:
                break

    return jit(sweep)


def weights_field(data, b, i, old):
    """hopfield_async, ``data = (weights, thresholds, fields)``: h_i = f_i - theta_i."""
    return data[2][b, i] - data[1][i]


def weights_flip(data, b, i, delta):
    """f += delta W[i]."""
    weights, fields = data[0], data[2]
    for j in range(fields.shape[1]):
        fields[b, j] += delta * weights[i, j]


def lowrank_flip(data, b, i, delta):
    """hopfield_async_lowrank, ``data = (patterns_t, d, scale, thresholds, overlaps)``: m += delta Q[i]."""
    patterns_t, overlaps = data[0], data[4]
    for mu in range(patterns_t.shape[1]):
        overlaps[b, mu] += delta * patterns_t[i, mu]


def dense_visit(jit, refresh, row_dot, field_from_sum):
    """``(field, flip)`` of dense_async, ``data = (q, kind, table, offset, scale, overlaps, u, total,
    shift, stochastic)``, from the target's compiled ``_dense_field`` pieces."""
    def field(data, b, i, old):
        q, kind, scale, u, total, shift, stochastic = data[0], data[1], data[4], data[6], data[7], data[8], data[9]
        return field_from_sum(old * total[b] + row_dot(q, i, u, b), shift[b], q.shape[0], kind, scale, stochastic)

    def flip(data, b, i, delta):
        refresh(data[5], b, data[0], i, delta, data[1], data[2], data[3], data[6], data[7], data[8])

    return jit(field), jit(flip)
