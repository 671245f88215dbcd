"""Hopfield network kernels: the NumPy specification.

States are bipolar (+-1) rows ``S`` of shape (B, N) in the float dtype of the
weights ``W`` (N, N: symmetric, zero diagonal); ``theta`` (N,) are thresholds.

* Local fields ``F = S W`` (without thresholds); neuron i of state b sees
  ``h_bi = F_bi - theta_i``.
* Energy (Hopfield 1982): ``E(s) = -1/2 s^T W s + theta . s``.
* Low-rank Hebbian form: ``W = scale * P^T P - diag(d)``, ``d_i = scale * sum_mu P_mu,i^2``
  for patterns ``P`` (p, N); then ``F = scale * (S P^T) P - S * d`` and
  ``E = -scale/2 |P s|^2 + 1/2 sum_i d_i s_i^2 + theta . s``, O(pN) per state.

The asynchronous sweep and its random stream
--------------------------------------------
State b, at sweep t (counted from 0 within one call), owns the counters
``base(b, t) + [0, 2N)`` with ``base(b, t) = (t * B + b) * 2N``: the C-order
flat index of a draw of shape (sweeps, B, 2N).

* Visiting order: a Fisher-Yates shuffle of ``0..N-1`` (starting from the
  identity every sweep). For ``i = N-1 .. 1``: ``r = mix(key, base + i)``
  (the raw 64-bit SplitMix64 output), ``j = ((r >> 32) * (i + 1)) >> 32``
  (integer arithmetic, so exact on every backend), swap ``order[i]`` and
  ``order[j]``. Neurons are then visited as ``order[0], order[1], ...``.
* Visit k (neuron ``i = order[k]``), with ``h = F_bi - theta_i``:
  deterministic (``beta = inf``): ``s_i = +1`` if ``h > 0``, ``-1`` if ``h < 0``,
  unchanged if ``h == 0`` (the tie rule); Glauber (finite ``beta``):
  ``s_i = +1`` if ``uniform(key, base + N + k) < sigmoid(2 beta h)`` else ``-1``,
  computed in the state dtype. This samples ``exp(-beta E)``.
* A flip of neuron i by ``delta = s_new - s_old = +-2`` updates the fields by
  ``F_b += delta * W[i]`` (one row of the symmetric W), so a sweep without
  flips costs O(N). ``delta * W`` is exact, so every backend that starts from
  the same fields follows the same trajectory bit for bit (Glauber: except
  where a uniform lies within rounding of its probability).

The low-rank asynchronous sweep (Hebbian networks)
--------------------------------------------------
For ``W = scale * P^T P - diag(scale * D)``, ``D_i = sum_mu P_mu,i^2``, the
sweep keeps the overlaps ``m = P s`` (B, p) instead of the fields (B, N), and
takes the pattern matrix transposed, ``Q = P^T`` (N, p), so that the patterns'
entries at one neuron are one contiguous row. Visit of neuron i::

    c = sum_mu Q[i, mu] m_mu - D_i s_i      (= N h_i + N theta_i for scale = 1/N)
    h = scale * c - theta_i

and a flip by ``delta`` updates ``m += delta * Q[i]``: O(p) per visit, O(pN)
per sweep. Same visiting order, counters, tie rule and Glauber rule as the
dense sweep. **Exactness**: when the patterns are integers (the model's +-1
patterns) every ``m``, ``c`` and ``D`` is an integer below ``p * N`` in
magnitude; while ``p * N < 2**24`` (float32; ``2**53`` float64) all of them are
exact whatever the summation order, so every backend computes the same ``h``
bit for bit and ties (``c == 0`` when theta = 0) are exact ties. Compared
with the dense sweep: when ``scale = 1/N`` is a power of two the dense fields
are exact too and both forms give the same ``h``, hence the same trajectory;
otherwise the dense weights ``fl(k/N)`` carry rounding, so the two forms can
differ only where ``c/N`` and ``theta_i`` agree to within that rounding (with
theta = 0: only at the exact ties ``c == 0``, which the low-rank form resolves
exactly by keeping ``s_i``).
"""
import numpy as np

from .rng import GOLDEN, splitmix64, uniform_from_counters

__all__ = [
    "hopfield_async",
    "hopfield_async_lowrank",
    "hopfield_sync",
    "hopfield_energy",
    "hopfield_energy_lowrank",
    "hopfield_fields_lowrank",
    "hebbian_update",
    "storkey_update",
]

MASK32 = np.uint64(32)


def shuffle_draws(key, bases, n):
    """Fisher-Yates swap partners ``j[b, i]`` in [0, i] for the states' counter ``bases`` (B,)."""
    counters = bases[:, None] + np.arange(n, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        r = splitmix64(np.uint64(key) + counters * GOLDEN)
    return ((r >> MASK32) * np.arange(1, n + 1, dtype=np.uint64)) >> MASK32


def visiting_orders(key, bases, n):
    """The permutations (B, N) that one sweep visits, one per counter base."""
    j = shuffle_draws(key, bases, n).astype(np.int64)
    order = np.tile(np.arange(n, dtype=np.int64), (len(bases), 1))
    rows = np.arange(len(bases))
    for i in range(n - 1, 0, -1):
        partner = j[:, i]
        order[rows, i], order[rows, partner] = order[rows, partner], order[rows, i].copy()
    return order


def glauber_probability(h, beta):
    """``sigmoid(2 beta h)`` in the dtype of ``h`` (exp overflow gives exactly 0)."""
    x = np.asarray(h.dtype.type(2 * beta) * h)
    with np.errstate(over="ignore"):
        return (h.dtype.type(1) / (h.dtype.type(1) + np.exp(-x))).astype(h.dtype)


def hopfield_async(weights, thresholds, states, fields, key, max_sweeps, beta=np.inf):
    """Asynchronous sweeps of a batch of states, in place (see the module docstring).

    Parameters
    ----------
    weights : (N, N) symmetric, zero diagonal.
    thresholds : (N,)
    states : (B, N) +-1, updated in place.
    fields : (B, N) equal to ``states @ weights`` on entry, kept equal (incrementally).
    key : 64-bit stream key.
    max_sweeps : int, sweeps at most.
    beta : inverse temperature; ``inf`` gives deterministic dynamics, which stop
        per state after the first sweep without a flip (a fixed point).

    Returns
    -------
    states, fields, sweeps : int32 (B,) sweeps run, converged : bool (B,)
        deterministic: a fixed point was reached; Glauber: the last sweep flipped nothing.
    """
    def local_field(rows, i):
        return fields[rows, i] - thresholds[i]

    def flip(b, i, delta):
        fields[b] += delta[:, None] * weights[i]

    sweeps, converged = async_sweeps(states, local_field, flip, key, max_sweeps, beta)
    return states, fields, sweeps, converged


def hopfield_async_lowrank(patterns_t, scale, thresholds, states, overlaps, key, max_sweeps, beta=np.inf):
    """Asynchronous sweeps for Hebbian ``W = scale P^T P - diag(scale D)`` through the overlaps.

    Same dynamics and stream as :func:`hopfield_async` (see "The low-rank asynchronous sweep"
    in the module docstring): ``h_i = scale (Q[i] . m - D_i s_i) - theta_i``, O(p) per visit.

    Parameters
    ----------
    patterns_t : (N, p) the patterns transposed, ``Q = P^T`` (integer entries for exactness).
    scale : float, 1/N for Hebb's rule.
    thresholds : (N,)
    states : (B, N) +-1, updated in place.
    overlaps : (B, p) equal to ``states @ patterns_t`` on entry, kept equal (incrementally).
    key, max_sweeps, beta : as in :func:`hopfield_async`.

    Returns
    -------
    states, overlaps, sweeps : int32 (B,), converged : bool (B,)
    """
    dt = states.dtype.type
    d = (patterns_t * patterns_t).sum(axis=1)

    def local_field(rows, i):
        c = np.einsum("bm,bm->b", overlaps[rows], patterns_t[i]) - d[i] * states[rows, i]
        return dt(scale) * c - thresholds[i]

    def flip(b, i, delta):
        overlaps[b] += delta[:, None] * patterns_t[i]

    sweeps, converged = async_sweeps(states, local_field, flip, key, max_sweeps, beta)
    return states, overlaps, sweeps, converged


def async_sweeps(states, local_field, flip, key, max_sweeps, beta):
    """The sweep loop shared by both forms: ``local_field(rows, i)`` gives h (one per row),
    ``flip(b, i, delta)`` updates the form's running sums after ``s_bi += delta``."""
    n_states, n = states.shape
    dtype = states.dtype
    stochastic = np.isfinite(beta)
    sweeps = np.zeros(n_states, dtype=np.int32)
    converged = np.zeros(n_states, dtype=bool)
    active = np.ones(n_states, dtype=bool)
    for t in range(max_sweeps):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        bases = (np.uint64(t) * np.uint64(n_states) + rows.astype(np.uint64)) * np.uint64(2 * n)
        order = visiting_orders(key, bases, n)
        flips = np.zeros(rows.size, dtype=np.int64)
        for k in range(n):  # the per-neuron loop, vectorised across the batch
            i = order[:, k]
            h = local_field(rows, i)
            old = states[rows, i]
            if stochastic:
                u = uniform_from_counters(key, bases + np.uint64(n + k), dtype)
                new = np.where(u < glauber_probability(h, beta), dtype.type(1), dtype.type(-1))
            else:
                new = np.where(h > 0, dtype.type(1), np.where(h < 0, dtype.type(-1), old))
            changed = new != old
            if changed.any():
                flip(rows[changed], i[changed], new[changed] - old[changed])
                states[rows[changed], i[changed]] = new[changed]
                flips[changed] += 1
        sweeps[rows] += 1
        converged[rows] = flips == 0
        if not stochastic:
            active[rows[flips == 0]] = False
    return sweeps, converged


def hopfield_sync(fields, thresholds, states):
    """One synchronous update ``s_i <- sign(F_i - theta_i)`` (ties keep ``s_i``).

    Returns the new states (B, N) and the number of changed neurons per state (int32, B).
    """
    h = fields - thresholds
    new = np.where(h > 0, states.dtype.type(1), np.where(h < 0, states.dtype.type(-1), states))
    return new.astype(states.dtype), (new != states).sum(axis=1).astype(np.int32)


def energy_from_fields(states, fields, thresholds):
    """``E_b = sum_i s_bi (theta_i - F_bi / 2)``."""
    return (states * (thresholds - fields * states.dtype.type(0.5))).sum(axis=1).astype(states.dtype)


def hopfield_energy(weights, thresholds, states):
    """Energies ``E(s) = -1/2 s^T W s + theta . s`` of a batch (B, N) -> (B,); one GEMM."""
    return energy_from_fields(states, states @ weights, thresholds)


def hopfield_energy_lowrank(patterns, scale, thresholds, states):
    """Energies for ``W = scale P^T P - diag(d)`` from the overlaps ``m = P s``, O(pN) per state.

    ``E = -scale/2 |m|^2 + 1/2 sum_i d_i s_i^2 + theta . s`` with ``d_i = scale sum_mu P_mu,i^2``.
    """
    dt = states.dtype.type
    overlaps = states @ patterns.T
    d = dt(scale) * (patterns * patterns).sum(axis=0)
    quadratic = dt(-0.5 * scale) * (overlaps * overlaps).sum(axis=1)
    diagonal = dt(0.5) * ((states * states) @ d)
    return (quadratic + diagonal + states @ thresholds).astype(states.dtype)


def hopfield_fields_lowrank(patterns, scale, states):
    """Fields ``F = S W`` for ``W = scale P^T P - diag(d)``: ``scale (S P^T) P - S d``, two thin GEMMs."""
    dt = states.dtype.type
    d = dt(scale) * (patterns * patterns).sum(axis=0)
    return (dt(scale) * ((states @ patterns.T) @ patterns) - states * d).astype(states.dtype)


def hebbian_update(weights, patterns, scale):
    """Hebb's rule, incremental: ``W += scale P^T P``, then ``W_ii = 0``; in place, returned.

    With ``scale = 1/N`` this is ``w_ij = (1/N) sum_mu xi_i^mu xi_j^mu``.
    """
    weights += weights.dtype.type(scale) * (patterns.T @ patterns)
    np.fill_diagonal(weights, 0)
    return weights


def storkey_update(weights, patterns, scale):
    """Storkey's rule (1997), one pattern after another; in place, returned.

    For pattern xi with fields ``h = W xi`` (W the weights before this pattern):
    ``h_ij = h_i - w_ij xi_j`` (the field at i leaving out neurons i and j; w_ii = 0) and
    ``w_ij += scale (xi_i xi_j - (xi_i h_ji + h_ij xi_j))`` for i != j. The sum in
    parentheses is written so that ``(i, j)`` and ``(j, i)`` round identically: W stays
    exactly symmetric.
    """
    dt = weights.dtype.type
    for xi in patterns:
        h = weights @ xi
        weights[...] = storkey_step(weights, xi, h, dt(scale))
    return weights


def storkey_step(weights, xi, h, scale):
    """The new weights after one Storkey pattern, given ``h = W xi``."""
    h_ij = h[:, None] - weights * xi[None, :]
    h_ji = h[None, :] - weights * xi[:, None]
    new = weights + scale * (xi[:, None] * xi[None, :] - (xi[:, None] * h_ji + h_ij * xi[None, :]))
    np.fill_diagonal(new, 0)
    return new
