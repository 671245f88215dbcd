"""Hopfield kernels: every backend against the NumPy reference, the reference against
the textbook formulas, and the Glauber sampler against the exact Gibbs measure."""
import itertools

import numpy as np
import pytest

from fastrbm.kernels.reference import hopfield as reference
from fastrbm.kernels.reference.rng import uniform
from support import is_simulated

DTYPES = [np.float32, np.float64]


def random_network(rng, n, dtype, scale=1.0):
    a = rng.standard_normal((n, n)) * scale
    w = (a + a.T) / 2
    np.fill_diagonal(w, 0)
    return w.astype(dtype), (rng.standard_normal(n) * 0.3 * scale).astype(dtype)


def bipolar(rng, shape, dtype=np.float32):
    return rng.choice(np.array([-1.0, 1.0], dtype=dtype), size=shape)


def sizes(backend):
    """(N, B, sweeps): the CUDA simulator runs one Python thread per state, so keep it tiny."""
    return (9, 4, 3) if is_simulated(backend) else (23, 11, 8)


def run_async(kernels, w, theta, s0, key, max_sweeps, beta):
    states, fields = kernels.asarray(s0.copy()), kernels.asarray(s0 @ w)
    out = kernels.hopfield_async(kernels.asarray(w), kernels.asarray(theta), states, fields,
                                 key, max_sweeps, beta)
    return [kernels.to_numpy(a) for a in out]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [np.inf, 0.7], ids=["deterministic", "glauber"])
def test_async_same_trajectory_as_reference(backend, ref, rng, dtype, beta):
    n, b, sweeps = sizes(backend)
    w, theta = random_network(rng, n, dtype)
    s0 = bipolar(rng, (b, n), dtype)
    got = run_async(backend, w, theta, s0, 987654321, sweeps, beta)
    want = run_async(ref, w, theta, s0, 987654321, sweeps, beta)
    np.testing.assert_array_equal(got[0], want[0])  # states, bit for bit
    np.testing.assert_array_equal(got[1], want[1])  # fields: same exact updates
    np.testing.assert_array_equal(got[2], want[2])  # sweeps
    np.testing.assert_array_equal(got[3], want[3])  # converged
    assert got[2].dtype == np.int32 and got[3].dtype == bool
    # the incremental fields still equal S W
    np.testing.assert_allclose(got[1], got[0] @ w, rtol=1e-4, atol=1e-4)


def test_async_deterministic_reaches_fixed_points(ref, rng):
    w, theta = random_network(rng, 30, np.float64)
    s, f, sweeps, converged = run_async(ref, w, theta, bipolar(rng, (20, 30), np.float64), 5, 100, np.inf)
    assert converged.all()
    h = f - theta
    # at a fixed point every neuron agrees with its field (ties keep the state)
    assert np.all((h * s >= 0))


def test_visiting_order_is_uniform_permutation(ref):
    n, b = 3, 30000
    bases = np.arange(b, dtype=np.uint64) * np.uint64(2 * n)
    orders = reference.visiting_orders(42, bases, n)
    assert np.all(np.sort(orders, axis=1) == np.arange(n))
    codes = orders @ np.array([9, 3, 1])
    counts = np.array([np.sum(codes == sum(p * c for p, c in zip(perm, (9, 3, 1))))
                       for perm in itertools.permutations(range(n))])
    chi2 = ((counts - b / 6) ** 2 / (b / 6)).sum()
    assert counts.sum() == b and chi2 < 20.5  # 5 dof, 0.1 % critical value


def test_tie_rule_keeps_state(backend):
    w = np.zeros((4, 4), np.float32)
    theta = np.zeros(4, np.float32)
    s0 = np.array([[1, -1, 1, -1], [-1, -1, 1, 1]], np.float32)
    s, _, sweeps, converged = run_async(backend, w, theta, s0, 1, 5, np.inf)
    np.testing.assert_array_equal(s, s0)
    assert converged.all() and np.all(sweeps == 1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sync_matches_reference(backend, ref, rng, dtype):
    w, theta = random_network(rng, 17, dtype)
    s = bipolar(rng, (6, 17), dtype)
    fields = s @ w
    fields[0, :3] = theta[:3]  # exact ties keep the state
    new, changed = (backend.to_numpy(a) for a in backend.hopfield_sync(*map(backend.asarray, (fields, theta, s))))
    new_ref, changed_ref = ref.hopfield_sync(fields, theta, s)
    np.testing.assert_array_equal(new, new_ref)
    np.testing.assert_array_equal(changed, changed_ref)
    np.testing.assert_array_equal(new_ref[0, :3], s[0, :3])


def naive_energy(w, theta, s):
    return -0.5 * s @ w @ s + theta @ s


@pytest.mark.parametrize("dtype", DTYPES)
def test_energy_matches_reference_and_formula(backend, ref, rng, dtype):
    w, theta = random_network(rng, 19, dtype)
    s = bipolar(rng, (8, 19), dtype)
    e = backend.to_numpy(backend.hopfield_energy(*map(backend.asarray, (w, theta, s))))
    e_ref = ref.hopfield_energy(w, theta, s)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert e.dtype == np.dtype(dtype)
    np.testing.assert_allclose(e, e_ref, rtol=rtol, atol=rtol)
    want = [naive_energy(w.astype(float), theta.astype(float), row.astype(float)) for row in s]
    np.testing.assert_allclose(e_ref, want, rtol=rtol, atol=rtol)


def hebbian_dense(patterns, scale):
    w = scale * patterns.T @ patterns
    np.fill_diagonal(w, 0)
    return w


@pytest.mark.parametrize("dtype", DTYPES)
def test_lowrank_equals_dense(backend, ref, rng, dtype):
    n, p = 21, 4
    patterns = bipolar(rng, (p, n), dtype)
    patterns[0, :5] = 0.5  # general (non +-1) patterns keep a non-constant diagonal
    theta = (rng.standard_normal(n) * 0.2).astype(dtype)
    s = bipolar(rng, (9, n), dtype)
    w = hebbian_dense(patterns.astype(np.float64), 1 / n).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    e = backend.to_numpy(backend.hopfield_energy_lowrank(backend.asarray(patterns), 1 / n,
                                                         backend.asarray(theta), backend.asarray(s)))
    np.testing.assert_allclose(e, ref.hopfield_energy(w, theta, s), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(e, ref.hopfield_energy_lowrank(patterns, 1 / n, theta, s), rtol=rtol, atol=rtol)
    f = backend.to_numpy(backend.hopfield_fields_lowrank(backend.asarray(patterns), 1 / n, backend.asarray(s)))
    assert f.dtype == np.dtype(dtype)
    np.testing.assert_allclose(f, s @ w, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(f, ref.hopfield_fields_lowrank(patterns, 1 / n, s), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_hebbian_incremental(backend, ref, rng, dtype):
    n = 15
    first, second = bipolar(rng, (3, n), dtype), bipolar(rng, (2, n), dtype)
    w = backend.asarray(np.zeros((n, n), dtype))
    w = backend.hebbian_update(w, backend.asarray(first), 1 / n)
    w = backend.to_numpy(backend.hebbian_update(w, backend.asarray(second), 1 / n))
    both = np.vstack([first, second]).astype(np.float64)
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(w, hebbian_dense(both, 1 / n), rtol=rtol, atol=rtol)
    assert np.all(np.diag(w) == 0) and np.array_equal(w, w.T)


def storkey_naive(w, xi, n):
    """Storkey (1997) written out: h_ij = sum_{k != i, j} w_ik xi_k."""
    new = w.copy()
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            h_ij = sum(w[i, k] * xi[k] for k in range(n) if k not in (i, j))
            h_ji = sum(w[j, k] * xi[k] for k in range(n) if k not in (i, j))
            new[i, j] += (xi[i] * xi[j] - xi[i] * h_ji - h_ij * xi[j]) / n
    return new


def test_storkey_reference_is_the_published_rule(ref, rng):
    n = 7
    patterns = bipolar(rng, (3, n), np.float64)
    want = np.zeros((n, n))
    for xi in patterns:
        want = storkey_naive(want, xi, n)
    got = ref.storkey_update(np.zeros((n, n)), patterns, 1 / n)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_storkey_matches_reference(backend, ref, rng, dtype):
    n = 14
    patterns = bipolar(rng, (5, n), dtype)
    w = backend.storkey_update(backend.asarray(np.zeros((n, n), dtype)), backend.asarray(patterns[:3]), 1 / n)
    w = backend.to_numpy(backend.storkey_update(w, backend.asarray(patterns[3:]), 1 / n))
    want = ref.storkey_update(np.zeros((n, n), dtype), patterns, 1 / n)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(w, want, rtol=rtol, atol=rtol)
    assert np.array_equal(w, w.T) and np.all(np.diag(w) == 0)


def exact_gibbs(w, theta, beta):
    n = len(theta)
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    e = -0.5 * np.einsum("bi,ij,bj->b", states, w, states) + states @ theta
    logp = -beta * e
    p = np.exp(logp - logp.max())
    return states, p / p.sum()


@pytest.mark.parametrize("beta", [0.5, 1.0])
def test_glauber_samples_gibbs_measure(backend, rng, beta):
    """The empirical distribution of the chains matches exp(-beta E) / Z (total variation)."""
    n = 8
    w, theta = random_network(rng, n, np.float64, scale=0.6)
    states_all, p = exact_gibbs(w, theta, beta)
    if is_simulated(backend):
        pytest.skip("the simulator runs one Python thread per chain; the trajectory itself "
                    "is compared exactly with the reference in test_async_same_trajectory_as_reference")
    n_chains, burn_in, n_records = 2000, 10, 50
    s = bipolar(rng, (n_chains, n), np.float64)
    f = s @ w
    wd, td = backend.asarray(w), backend.asarray(theta)
    s, f = backend.asarray(s), backend.asarray(f)
    codes = []
    for call in range(burn_in + n_records):
        s, f, _, _ = backend.hopfield_async(wd, td, s, f, 1000 + call, 1, beta)
        if call >= burn_in:
            codes.append(((backend.to_numpy(s) > 0) @ (1 << np.arange(n)[::-1])).astype(int))
    counts = np.bincount(np.concatenate(codes), minlength=2**n)
    k = counts.sum()
    tv = 0.5 * np.abs(counts / k - p).sum()
    # E[TV] <= 1/2 sum_x sqrt(p_x / k) for k independent samples; consecutive sweeps of a
    # chain are correlated, so allow 3x that (k / 9 effective samples).
    bound = 3 * 0.5 * np.sqrt(p / k).sum()
    assert tv < bound, (tv, bound)
    assert (states_all[:, 0] == -1).sum() == 2 ** (n - 1)  # enumeration order: first neuron is the top bit


def test_glauber_high_beta_is_deterministic_limit(ref, rng):
    w, theta = random_network(rng, 12, np.float64)
    s0 = bipolar(rng, (5, 12), np.float64)
    det = run_async(ref, w, theta, s0, 3, 1, np.inf)
    cold = run_async(ref, w, theta, s0, 3, 1, 1e6)
    np.testing.assert_array_equal(det[0], cold[0])


def test_glauber_uses_documented_counters(ref):
    """With W = 0, theta = 0 each visit is a fair coin: u(base + N + k) < 1/2."""
    n, b = 5, 3
    s0 = -np.ones((b, n))
    s, _, _, _ = run_async(ref, np.zeros((n, n)), np.zeros(n), s0, 77, 1, 1.0)
    u = uniform(77, (b, 2 * n), np.float64)
    bases = np.arange(b, dtype=np.uint64) * np.uint64(2 * n)
    orders = reference.visiting_orders(77, bases, n)
    want = np.where(u[:, n:] < 0.5, 1.0, -1.0)
    got = np.take_along_axis(s, orders, axis=1)
    np.testing.assert_array_equal(got, want)


def hebbian_problem(rng, n, p, b, dtype, theta_scale=0.0, corrupt=0.3):
    """+-1 patterns (p, N), W = P^T P / N with zero diagonal, thresholds, corrupted start states."""
    patterns = bipolar(rng, (p, n), dtype)
    w = hebbian_dense(patterns.astype(np.float64), 1 / n).astype(dtype)
    theta = (rng.standard_normal(n) * theta_scale / n).astype(dtype)
    start = patterns[np.arange(b) % p]
    start = np.where(rng.random(start.shape) < corrupt, -start, start).astype(dtype)
    return patterns, w, theta, start


def run_lowrank(kernels, patterns, theta, s0, key, max_sweeps, beta):
    n = s0.shape[1]
    q = np.ascontiguousarray(patterns.T)
    out = kernels.hopfield_async_lowrank(kernels.asarray(q), 1 / n, kernels.asarray(theta),
                                         kernels.asarray(s0.copy()), kernels.asarray(s0 @ q), key, max_sweeps, beta)
    return [kernels.to_numpy(a) for a in out]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [np.inf, 0.7], ids=["deterministic", "glauber"])
@pytest.mark.parametrize("p", [3, 32, 33])  # the CPU backends pad p to a multiple of 32 (none, 29, 31 zeros)
def test_async_lowrank_same_trajectory_as_reference(backend, ref, rng, dtype, beta, p):
    n, b, sweeps = sizes(backend)
    patterns, _, theta, s0 = hebbian_problem(rng, n, p, b, dtype, theta_scale=1.0)
    theta[:2] = 0  # exact ties are possible there (integer c == 0): every backend keeps s_i
    got = run_lowrank(backend, patterns, theta, s0, 424242, sweeps, beta)
    want = run_lowrank(ref, patterns, theta, s0, 424242, sweeps, beta)
    for g, w_ in zip(got, want):  # states, overlaps, sweeps, converged: bit for bit
        np.testing.assert_array_equal(g, w_)
    assert got[2].dtype == np.int32 and got[3].dtype == bool
    np.testing.assert_array_equal(got[1], got[0] @ patterns.T)  # overlaps stay exact: P s


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [np.inf, 0.7], ids=["deterministic", "glauber"])
@pytest.mark.parametrize("n,theta_scale", [(64, 0.0), (23, 1.0)], ids=["N=2^6,theta=0", "N=23,theta"])
def test_async_lowrank_equals_dense(ref, rng, dtype, beta, n, theta_scale):
    """Same trajectory as the dense sweep. N = 64: 1/N is a power of two, the dense fields are
    exact, so even exact ties agree. N = 23: the dense weights fl(k/23) carry rounding, so
    thresholds keep h away from 0 (at theta = 0 the exact ties c == 0 could differ, by design)."""
    patterns, w, theta, s0 = hebbian_problem(rng, n, 5, 16, dtype, theta_scale=theta_scale)
    low = run_lowrank(ref, patterns, theta, s0, 99, 6, beta)
    dense = run_async(ref, w, theta, s0, 99, 6, beta)
    np.testing.assert_array_equal(low[0], dense[0])
    np.testing.assert_array_equal(low[2], dense[2])
    np.testing.assert_array_equal(low[3], dense[3])


def test_async_lowrank_energy_never_increases(backend, ref, rng):
    n, b, _ = sizes(backend)
    patterns, w, theta, s = hebbian_problem(rng, n, 3, b, np.float64, theta_scale=1.0, corrupt=0.5)
    energy = ref.hopfield_energy(w, theta, s)
    for call in range(4):  # one sweep per call: the energy after every sweep
        s = run_lowrank(backend, patterns, theta, s, 7 + call, 1, np.inf)[0]
        new = ref.hopfield_energy(w, theta, s)
        assert np.all(new <= energy + 1e-12)
        energy = new
