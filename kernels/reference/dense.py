"""Dense associative memory kernels: the NumPy specification.

Discrete forms (Krotov & Hopfield 2016; Demircigil et al. 2017)
---------------------------------------------------------------
Bipolar states ``s`` (B, N) and patterns ``P`` (K, N), both +-1, in the state
dtype; the sweep takes the patterns transposed, ``Q = P^T`` (N, K), and keeps
the overlaps ``m = s P^T`` (B, K) up to date. The energy is
``E(s) = -sum_mu F(m_mu)`` with an interaction function ``F`` of kind:

* ``POLYNOMIAL`` (0): ``F(x) = x^n / (n N^(n-1))``; degree ``n = 2`` is the
  classical Hebbian network (``-1/2 sum_mu m_mu^2 / N``, up to a constant);
* ``RECTIFIED`` (1): ``F(x) = max(x, 0)^n / (n N^(n-1))``;
* ``EXPONENTIAL`` (2): ``F(x) = exp(x - N)``, Demircigil's ``exp(x)`` times the
  constant ``e^-N``: the same deterministic dynamics, energies in [-K, 0] that
  never overflow, and a Glauber temperature on the scale where a stored
  pattern's own term is 1.

The normalisations make the energy of a retrieved pattern O(N) (polynomial) or
O(1) (exponential), so that a Glauber ``beta`` has a scale; they do not change
the deterministic dynamics.

Visit of neuron i of state b, with ``a_mu = m_mu - Q[i, mu] s_i`` (the overlap
without neuron i), defines the local field ``h`` through
``E(s_i = -1) - E(s_i = +1) = 2 h``::

    h = 1/2 sum_mu [F(a_mu + Q[i, mu]) - F(a_mu - Q[i, mu])]

Both sums read a table of F computed once per call (:func:`interaction_table`), so no
backend evaluates a power or an exponential in its inner loop, and every backend reads
the same float64 values:

* polynomial / rectified: ``c = sum_mu [G(a_mu + q_mu) - G(a_mu - q_mu)]`` with
  ``G(x) = x^n`` (or ``max(x, 0)^n``) read from ``table[x + N + 1]``, and
  ``h = c / (2 n N^(n-1))``. Every term is an integer: while ``2 K (N + 1)^n < 2**53``
  the sum is exact whatever the order.
* exponential (``q_mu = +-1``): ``h = sinh(1) sum_mu q_mu exp(a_mu - N)``, computed as
  ``S = sum_mu q_mu exp(a_mu - A)`` with ``A = max_mu a_mu`` (integers: ``exp(-j)`` is
  ``table[j]``), so that nothing overflows or underflows to a false tie, and
  ``h = sign(S) exp(A - N + log(sinh(1) |S|))``.

Sums run in the order ``mu = 0 .. K-1`` on every backend (the reference uses a
cumulative sum, which is sequential), so all backends compute the same field bit for
bit.

Deterministic dynamics decide on the sign of ``c`` (or ``S``), which is the
sign of ``h``: ``s_i = sign``, ties keep ``s_i``. Glauber dynamics at a finite
``beta`` set ``s_i = +1`` when ``u < sigmoid(2 beta h)``, the probability in
float64 and ``u`` the state-dtype uniform of counter ``base + N + k``. A flip by
``delta`` updates ``m += delta Q[i]`` (exact: integers). Visiting orders,
counters and the stop rule are those of the classical sweep
(``kernels/reference/hopfield.py``).

Continuous form (Ramsauer et al. 2020)
--------------------------------------
Real states ``xi`` and patterns; the update ``xi <- softmax(beta xi P^T) P`` is
two products around :func:`softmax_rows`; the energy uses
:func:`logsumexp_rows`.
"""
import math

import numpy as np

from .hopfield import async_sweeps

__all__ = ["dense_async", "dense_energy", "softmax_rows", "logsumexp_rows", "max_abs_change"]

POLYNOMIAL, RECTIFIED, EXPONENTIAL = 0, 1, 2
SINH1 = math.sinh(1.0)


def polynomial_scale(degree, n_neurons):
    """``1 / (2 n N^(n-1))``: the polynomial field ``h`` per unit of the integer sum ``c``."""
    return 1.0 / (2.0 * degree * float(n_neurons) ** (degree - 1))


def interaction_table(kind, degree, n_neurons):
    """float64 table of the interaction, read by every backend's sweep (see the module docstring):
    ``G(j - N - 1)`` for ``j = 0 .. 2N + 2`` (polynomial kinds), ``exp(-j)`` (exponential)."""
    j = np.arange(2 * n_neurons + 3, dtype=np.float64)
    if kind == EXPONENTIAL:
        return np.exp(-j)
    x = j - (n_neurons + 1)
    if kind == RECTIFIED:
        x = np.maximum(x, 0.0)
    power = np.ones_like(x)
    for _ in range(degree):  # repeated products, not pow(): the same rounding wherever x^n is inexact
        power *= x
    return power


def sequential_sum(x):
    """Row sums in the order of the columns (``cumsum`` is sequential, unlike ``sum``)."""
    return np.cumsum(x, axis=1)[:, -1]


def dense_async(patterns_t, kind, degree, states, overlaps, key, max_sweeps, beta=np.inf):
    """Asynchronous sweeps of a batch of states, in place (see the module docstring).

    Parameters
    ----------
    patterns_t : (N, K) the +-1 patterns transposed.
    kind : POLYNOMIAL, RECTIFIED or EXPONENTIAL; degree : int n >= 2 (polynomial kinds).
    states : (B, N) +-1, updated in place.
    overlaps : (B, K) equal to ``states @ patterns_t`` on entry, kept equal.
    key, max_sweeps, beta : as in ``hopfield_async`` (``beta = inf``: deterministic).

    Returns
    -------
    states, overlaps, sweeps : int32 (B,), converged : bool (B,)
    """
    n = states.shape[1]
    stochastic = bool(np.isfinite(beta))
    scale = polynomial_scale(degree, n)
    table = interaction_table(kind, degree, n)

    def local_field(rows, i):
        q = patterns_t[i].astype(np.float64)
        a = overlaps[rows].astype(np.float64) - states[rows, i].astype(np.float64)[:, None] * q
        if kind == EXPONENTIAL:
            top = a.max(axis=1)
            total = sequential_sum(q * table[(top[:, None] - a).astype(np.int64)])
            if not stochastic:
                return total
            with np.errstate(divide="ignore"):
                magnitude = np.exp(top - n + np.log(SINH1 * np.abs(total)))
            return np.copysign(magnitude, total)
        offset = n + 1
        c = sequential_sum(table[(a + q).astype(np.int64) + offset] - table[(a - q).astype(np.int64) + offset])
        return c * scale if stochastic else c

    def flip(b, i, delta):
        overlaps[b] += delta[:, None] * patterns_t[i]

    sweeps, converged = async_sweeps(states, local_field, flip, key, max_sweeps, beta)
    return states, overlaps, sweeps, converged


def energy_lookup(kind, degree, n_neurons):
    """``(offset, sign, table, norm)``: the energy is ``-sum_mu table[offset + sign * m_mu] / norm``
    (``exp(m - N) = table[N - m]``; ``G(m) = table[m + N + 1]``)."""
    table = interaction_table(kind, degree, n_neurons)
    if kind == EXPONENTIAL:
        return n_neurons, -1, table, 1.0
    return n_neurons + 1, 1, table, degree * float(n_neurons) ** (degree - 1)


def dense_energy(overlaps, kind, degree, n_neurons):
    """Energies ``-sum_mu F(m_mu)`` (float64, (B,)) from the overlaps ``m`` (B, K), summed in the
    order of mu."""
    offset, sign, table, norm = energy_lookup(kind, degree, n_neurons)
    index = offset + sign * np.rint(overlaps).astype(np.int64)  # integers: overlaps of +-1 vectors
    return -sequential_sum(table[index]) / norm


def softmax_rows(z, beta):
    """``z[b] <- softmax(beta z[b])`` in place (max-shifted: no overflow), returned."""
    x = z * z.dtype.type(beta)
    x -= x.max(axis=1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=1, keepdims=True)
    z[...] = x
    return z


def logsumexp_rows(z, beta):
    """``log sum_mu exp(beta z[b, mu])`` per row, float64 (B,), max-shifted."""
    x = z.astype(np.float64) * beta
    top = x.max(axis=1)
    return top + np.log(np.exp(x - top[:, None]).sum(axis=1))


def max_abs_change(new, old):
    """``max_i |new[b, i] - old[b, i]|`` per row (B,), in the dtype of the states."""
    return np.abs(new - old).max(axis=1).astype(new.dtype)
