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

Because ``Q[i, mu] s_i = +-1``, each term is ``s_i A(m_mu) + Q[i, mu] B(m_mu)`` with
``A(m) = F(m) - (F(m - 2) + F(m + 2)) / 2`` and ``B(m) = (F(m + 2) - F(m - 2)) / 2``, which do
not depend on i. So each state keeps ``u_mu = B(m_mu)`` and ``T = sum_mu A(m_mu)``
(refreshed when it flips, O(K)), and a visit is one dot product::

    S = s_i T + sum_mu Q[i, mu] u_mu

F is read from a float64 table (:func:`sweep_table`) over the integers an overlap can
take, so no kernel evaluates a power or an exponential in its inner loop:

* polynomial / rectified: the table holds ``G(x) = x^n`` (or ``max(x, 0)^n``) and
  ``h = S / (2 n N^(n-1))``. Every value is an integer or a half: while
  ``2 K (N + 2)^n < 2**53`` every sum is exact whatever its order, so all backends
  compute the same S bit for bit.
* exponential: the table holds ``exp(x - A)`` for the state's largest overlap
  ``A = max_mu m_mu`` (so nothing overflows, and no field underflows to a false tie),
  and ``h = sign(S) exp(A - N + log(|S| / 2))``. Compiled backends may sum the dot
  product in another order (SIMD), so their S can differ from the reference's in the
  last bits; a decision can differ only where S is within rounding of 0.

Deterministic dynamics decide on the sign of S, which is the sign of ``h``: ``s_i =
sign``, ties keep ``s_i``. Glauber dynamics at a finite ``beta`` set ``s_i = +1`` when
``u < sigmoid(2 beta h)``, the probability in float64 and ``u`` the state-dtype uniform
of counter ``base + N + k``. A flip by ``delta`` updates ``m += delta Q[i]`` (exact:
integers). Visiting orders, counters and the stop rule are those of the classical
sweep (``kernels/reference/hopfield.py``).

Continuous form (Ramsauer et al. 2020)
--------------------------------------
Real states ``xi`` and patterns; the update ``xi <- softmax(beta xi P^T) P`` is
two products around :func:`softmax_rows`; the energy uses
:func:`logsumexp_rows`.
"""
import numpy as np

from .hopfield import async_sweeps

__all__ = ["dense_async", "dense_energy", "softmax_rows", "logsumexp_rows", "max_abs_change"]

POLYNOMIAL, RECTIFIED, EXPONENTIAL = 0, 1, 2


def polynomial_scale(degree, n_neurons):
    """``1 / (2 n N^(n-1))``: the polynomial field ``h`` per unit of the integer sum ``c``."""
    return 1.0 / (2.0 * degree * float(n_neurons) ** (degree - 1))


def sweep_table(kind, degree, n_neurons):
    """``(table, offset)``: ``F(m - A) = table[m - A + offset]`` for the overlaps a sweep meets
    (``A = 0`` for the polynomial kinds, whose table holds the integers ``G(x) = x^n``, or
    ``max(x, 0)^n``, for x in [-N - 2, N + 2]; for the exponential, ``exp(x)`` for x in
    [-2N - 2, 2])."""
    j = np.arange(2 * n_neurons + 5, dtype=np.float64)
    if kind == EXPONENTIAL:
        return np.exp(j - (2 * n_neurons + 2)), 2 * n_neurons + 2
    return integer_powers(j - (n_neurons + 2), kind, degree), n_neurons + 2


def integer_powers(x, kind, degree):
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
    table, offset = sweep_table(kind, degree, n)
    q = patterns_t.astype(np.float64)
    u = np.empty(overlaps.shape, np.float64)
    total = np.empty(len(states), np.float64)
    shift = np.zeros(len(states), np.float64)

    def refresh(rows):
        """u and T of ``rows`` from their overlaps (and, exponential: their new largest overlap)."""
        m = overlaps[rows].astype(np.float64)
        if kind == EXPONENTIAL:
            shift[rows] = m.max(axis=1)
        index = (m - shift[rows][:, None]).astype(np.int64) + offset
        low, mid, high = table[index - 2], table[index], table[index + 2]
        u[rows] = (high - low) * 0.5
        total[rows] = sequential_sum(mid - (low + high) * 0.5)

    def local_field(rows, i):
        s = states[rows, i].astype(np.float64) * total[rows] + sequential_sum(u[rows] * q[i])
        if not stochastic:
            return s
        if kind == EXPONENTIAL:
            with np.errstate(divide="ignore"):
                return np.copysign(np.exp(shift[rows] - n + np.log(0.5 * np.abs(s))), s)
        return s * scale

    def flip(b, i, delta):
        overlaps[b] += delta[:, None] * patterns_t[i]
        refresh(b)

    refresh(np.arange(len(states)))
    sweeps, converged = async_sweeps(states, local_field, flip, key, max_sweeps, beta)
    return states, overlaps, sweeps, converged


def energy_lookup(kind, degree, n_neurons):
    """``(offset, sign, table, norm)``: the energy is ``-sum_mu table[offset + sign * m_mu] / norm``
    (``exp(m - N) = table[N - m]``; ``G(m) = table[m + N]``)."""
    if kind == EXPONENTIAL:  # exp(m - N) = exp(-j) for j = N - m in [0, 2N]
        return n_neurons, -1, np.exp(-np.arange(2 * n_neurons + 1, dtype=np.float64)), 1.0
    table = integer_powers(np.arange(-n_neurons, n_neurons + 1, dtype=np.float64), kind, degree)
    return n_neurons, 1, table, degree * float(n_neurons) ** (degree - 1)


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
