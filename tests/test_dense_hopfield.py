"""Dense associative memories: kernels on every backend against the NumPy reference, the
reference against the energy it claims, the Glauber sampler against the exact Gibbs measure,
the continuous update against Ramsauer et al.'s theorem, and the model's surface."""
import itertools
import pickle

import numpy as np
import pytest

import fastrbm
from fastrbm.kernels.reference import dense as reference
from fastrbm.models.dense_hopfield import capacity_theory
from support import is_simulated

DTYPES = [np.float32, np.float64]
KINDS = [(reference.POLYNOMIAL, 3), (reference.RECTIFIED, 4), (reference.EXPONENTIAL, 2)]
KIND_IDS = ["polynomial3", "rectified4", "exponential"]
INTERACTION = {reference.POLYNOMIAL: "polynomial", reference.RECTIFIED: "rectified",
               reference.EXPONENTIAL: "exponential"}


def bipolar(rng, shape, dtype=np.float32):
    return rng.choice(np.array([-1.0, 1.0], dtype=dtype), size=shape)


def flip(rng, x, fraction):
    return x * np.where(rng.random(x.shape) < fraction, -1, 1).astype(x.dtype)


def sizes(backend):
    """(N, K, B, sweeps): the CUDA simulator runs one Python thread per state, so keep it tiny."""
    return (10, 6, 3, 3) if is_simulated(backend) else (31, 40, 9, 6)


def run_dense(kernels, patterns, s0, kind, degree, key, max_sweeps, beta):
    q = np.ascontiguousarray(patterns.T)
    states, overlaps = kernels.asarray(s0.copy()), kernels.asarray(s0 @ q)
    out = kernels.dense_async(kernels.asarray(q), kind, degree, states, overlaps, key, max_sweeps, beta)
    return [kernels.to_numpy(a) for a in out]


def energy(patterns, states, kind, degree):
    """The energy written out from its definition (float64)."""
    n = patterns.shape[1]
    m = states.astype(np.float64) @ patterns.T.astype(np.float64)
    if kind == reference.EXPONENTIAL:
        return -np.exp(m - n).sum(axis=1)
    if kind == reference.RECTIFIED:
        m = np.maximum(m, 0)
    return -(m ** degree).sum(axis=1) / (degree * n ** (degree - 1))


# ---------------------------------------------------------------- kernels against the reference
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [np.inf, 0.8], ids=["deterministic", "glauber"])
@pytest.mark.parametrize("kind,degree", KINDS, ids=KIND_IDS)
def test_sweep_same_trajectory_as_reference(backend, ref, rng, dtype, beta, kind, degree):
    n, k, b, sweeps = sizes(backend)
    patterns = bipolar(rng, (k, n), dtype)
    s0 = np.vstack([flip(rng, patterns[:b - 1], 0.3), bipolar(rng, (1, n), dtype)])
    got = run_dense(backend, patterns, s0, kind, degree, 424242, sweeps, beta)
    want = run_dense(ref, patterns, s0, kind, degree, 424242, sweeps, beta)
    for g, w in zip(got, want):  # states, overlaps, sweeps, converged: bit for bit
        np.testing.assert_array_equal(g, w)
    assert got[0].dtype == dtype and got[2].dtype == np.int32 and got[3].dtype == bool
    np.testing.assert_array_equal(got[1], got[0] @ patterns.T)  # the overlaps kept up to date, exactly
    if beta == np.inf:
        assert not np.array_equal(got[0], s0)  # the dynamics did something


@pytest.mark.parametrize("kind,degree", KINDS, ids=KIND_IDS)
def test_energy_kernel_matches_definition(backend, ref, rng, kind, degree):
    n, k, b, _ = sizes(backend)
    patterns = bipolar(rng, (k, n), np.float64)
    states = np.vstack([patterns[:2], bipolar(rng, (b, n), np.float64)])
    overlaps = states @ patterns.T
    got = backend.to_numpy(backend.dense_energy(backend.asarray(overlaps), kind, degree, n))
    np.testing.assert_array_equal(got, ref.dense_energy(overlaps, kind, degree, n))
    np.testing.assert_allclose(got, energy(patterns, states, kind, degree), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_logsumexp_change_kernels(backend, ref, rng, dtype):
    z = (rng.standard_normal((7, 13)) * 30).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    got = backend.to_numpy(backend.softmax_rows(backend.asarray(z.copy()), 0.5))
    want = np.exp(0.5 * z.astype(np.float64) - (0.5 * z.astype(np.float64)).max(1, keepdims=True))
    np.testing.assert_allclose(got, want / want.sum(1, keepdims=True), rtol=tol * 10, atol=tol)
    np.testing.assert_allclose(got, ref.softmax_rows(z.copy(), 0.5), rtol=tol * 10, atol=tol)
    lse = backend.to_numpy(backend.logsumexp_rows(backend.asarray(z), 2.0))
    x = 2.0 * z.astype(np.float64)
    np.testing.assert_allclose(lse, x.max(1) + np.log(np.exp(x - x.max(1, keepdims=True)).sum(1)), rtol=1e-12)
    other = z + np.arange(13, dtype=dtype)
    change = backend.to_numpy(backend.max_abs_change(backend.asarray(other), backend.asarray(z)))
    np.testing.assert_allclose(change, np.abs(other - z).max(1), rtol=1e-6)


# ---------------------------------------------------------------- the reference's dynamics
@pytest.mark.parametrize("kind,degree", KINDS, ids=KIND_IDS)
def test_energy_never_increases_under_asynchronous_updates(ref, rng, kind, degree):
    n, k = 40, 60
    patterns = bipolar(rng, (k, n), np.float64)
    states = np.vstack([flip(rng, patterns[:8], 0.3), bipolar(rng, (8, n), np.float64)])
    e = energy(patterns, states, kind, degree)
    for sweep in range(6):  # one sweep at a time: every accepted flip lowers the energy
        states = run_dense(ref, patterns, states, kind, degree, 77 + sweep, 1, np.inf)[0]
        e_next = energy(patterns, states, kind, degree)
        assert np.all(e_next <= e + 1e-12 * np.abs(e))
        e = e_next
    s, m, sweeps, converged = run_dense(ref, patterns, states, kind, degree, 5, 100, np.inf)
    assert converged.all()
    # at a fixed point no single flip lowers the energy
    e = energy(patterns, s, kind, degree)
    for i in range(n):
        t = s.copy()
        t[:, i] *= -1
        assert np.all(energy(patterns, t, kind, degree) >= e - 1e-12 * np.abs(e))


def test_degree_two_is_the_classical_hebbian_network(rng):
    patterns = bipolar(rng, (12, 80))
    noisy = flip(rng, patterns, 0.25)
    classical = fastrbm.Hopfield(80, "hebbian", backend="numpy", random_state=3).store(patterns).recall(noisy)
    dense = fastrbm.DenseHopfield(80, "polynomial", degree=2, backend="numpy", random_state=3).store(patterns)
    result = dense.recall(noisy)
    np.testing.assert_array_equal(result.states, classical.states)
    np.testing.assert_array_equal(result.sweeps, classical.sweeps)
    # the classical energy -1/2 s W s = -1/2 sum m^2 / N + p / 2: the same up to a constant
    shift = fastrbm.Hopfield(80, "hebbian", dtype=np.float64).store(patterns).energy(noisy) - dense.energy(noisy)
    np.testing.assert_allclose(shift, 12 / 2, rtol=1e-6)


@pytest.mark.parametrize("kind,degree", KINDS, ids=KIND_IDS)
def test_glauber_samples_the_gibbs_measure(rng, kind, degree):
    """Many independent Glauber chains on N = 5 neurons against exp(-beta E) / Z, enumerated."""
    n, beta = 5, 1.5 if kind != reference.EXPONENTIAL else 3.0
    patterns = bipolar(rng, (3, n), np.float64)
    every = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    logp = -beta * energy(patterns, every, kind, degree)
    exact = np.exp(logp - logp.max())
    exact /= exact.sum()
    chains = np.tile(every, (400, 1))  # 12,800 chains from every start
    states = run_dense(fastrbm.get_backend("numba"), patterns, chains, kind, degree, 99, 30, beta)[0]
    codes = ((states > 0) * (1 << np.arange(n - 1, -1, -1))).sum(axis=1)
    empirical = np.bincount(codes, minlength=2 ** n) / len(codes)
    assert 0.5 * np.abs(empirical - exact).sum() < 0.03
    assert exact.max() < 0.5  # a measure with several likely states, not a point mass


# ---------------------------------------------------------------- the model
@pytest.mark.parametrize("interaction", ["polynomial", "rectified", "exponential"])
def test_retrieves_far_beyond_classical_capacity(rng, interaction):
    n, k = 64, 200  # 23 times the classical Hebbian limit 0.138 N
    patterns = bipolar(rng, (k, n))
    net = fastrbm.DenseHopfield(n, interaction, degree=4, random_state=0).store(patterns)
    result = net.recall(flip(rng, patterns, 0.1))
    assert (result.states == patterns).all(axis=1).mean() > 0.95
    assert result.converged.all()
    classical = fastrbm.Hopfield(n, "hebbian", random_state=0).store(patterns).recall(flip(rng, patterns, 0.1))
    assert (classical.states == patterns).all(axis=1).mean() < 0.2


def test_exponential_stores_more_than_polynomial(rng):
    n, k = 40, 400  # theory: polynomial n = 3 stores about 40^2 / (6 ln 40) = 72 patterns
    patterns = bipolar(rng, (k, n))
    probes = flip(rng, patterns[:100], 0.1)
    recalled = {}
    for interaction in ("polynomial", "exponential"):
        net = fastrbm.DenseHopfield(n, interaction, degree=3, random_state=1).store(patterns)
        recalled[interaction] = (net.recall(probes).states == patterns[:100]).all(axis=1).mean()
    assert recalled["exponential"] > 0.95 > 0.5 > recalled["polynomial"]
    assert capacity_theory("polynomial", n, 3) < 100 < k < capacity_theory("exponential", n)


def test_binary_states_are_the_bipolar_network(rng):
    patterns = bipolar(rng, (30, 50))
    noisy = flip(rng, patterns, 0.1)
    a = fastrbm.DenseHopfield(50, "exponential", random_state=2).store(patterns)
    b = fastrbm.DenseHopfield(50, "exponential", states="binary", random_state=2).store((patterns + 1) / 2)
    np.testing.assert_array_equal(b.recall((noisy + 1) / 2).states, (a.recall(noisy).states + 1) / 2)
    np.testing.assert_array_equal(b.energy((noisy + 1) / 2), a.energy(noisy))
    np.testing.assert_array_equal(b.patterns_, (patterns + 1) / 2)


@pytest.mark.parametrize("name", ["numba", "cython", "cuda"])
def test_model_same_results_on_every_backend(rng, name):
    from fastrbm.backend import available_backends
    if name not in available_backends():
        pytest.skip(f"backend {name} unavailable")
    n, k, b = (12, 8, 3) if name == "cuda" else (60, 90, 16)
    patterns = bipolar(rng, (k, n))
    probes = flip(rng, patterns[:b], 0.2)
    for interaction in ("polynomial", "exponential"):
        results = [fastrbm.DenseHopfield(n, interaction, backend=be, random_state=5).store(patterns)
                   for be in ("numpy", name)]
        det = [net.recall(probes) for net in results]
        glauber = [net.recall(probes, beta=1.0, max_sweeps=2) for net in results]
        for got, want in ((det[1], det[0]), (glauber[1], glauber[0])):
            np.testing.assert_array_equal(got.states, want.states)
            np.testing.assert_array_equal(got.sweeps, want.sweeps)
        np.testing.assert_array_equal(results[1].energy(probes), results[0].energy(probes))


# ---------------------------------------------------------------- the continuous (softmax) form
def continuous_energy(patterns, xi, beta):
    z = beta * xi @ patterns.T
    lse = z.max(1) + np.log(np.exp(z - z.max(1, keepdims=True)).sum(1))
    radius = (patterns ** 2).sum(1).max()
    return -lse / beta + 0.5 * (xi ** 2).sum(1) + np.log(len(patterns)) / beta + 0.5 * radius


@pytest.mark.parametrize("name", ["numpy", "numba", "cython"])
def test_continuous_update_decreases_energy_and_retrieves_in_one_step(rng, name):
    n, k = 64, 500
    patterns = rng.standard_normal((k, n)) / np.sqrt(n) * 4
    net = fastrbm.DenseHopfield(n, "softmax", beta=0.1, dtype="float64", backend=name).store(patterns)
    xi = rng.standard_normal((20, n))
    e = net.energy(xi)
    np.testing.assert_allclose(e, continuous_energy(patterns, xi, 0.1), rtol=1e-10)
    for _ in range(5):  # Ramsauer et al. (2020), Theorem 1: the update never increases E
        xi_next = net.recall(xi, max_sweeps=1).states
        e_next = net.energy(xi_next)
        assert np.all(e_next <= e + 1e-9)
        xi, e = xi_next, e_next
    sharp = fastrbm.DenseHopfield(n, "softmax", beta=8.0, dtype="float64", backend=name).store(patterns)
    noisy = patterns[:50] + 0.3 * rng.standard_normal((50, n)) / np.sqrt(n) * 4
    one_step = sharp.recall(noisy, max_sweeps=1).states
    assert np.abs(one_step - patterns[:50]).max() < 1e-6
    result = sharp.recall(noisy)
    assert result.converged.all() and result.sweeps.max() <= 2


def test_continuous_small_beta_gives_a_metastable_average(rng):
    patterns = rng.standard_normal((10, 32))
    net = fastrbm.DenseHopfield(32, "softmax", beta=1e-4, dtype="float64").store(patterns)
    result = net.recall(patterns[:1] * 0.0 + rng.standard_normal((1, 32)), max_sweeps=200)
    np.testing.assert_allclose(result.states[0], patterns.mean(0), atol=1e-2)


# ---------------------------------------------------------------- surface: errors, persistence, params
def test_bad_input_is_named(rng):
    net = fastrbm.DenseHopfield(8)
    with pytest.raises(ValueError, match="store"):
        net.recall(bipolar(rng, (2, 8)))
    net.store(bipolar(rng, (3, 8)))
    with pytest.raises(ValueError, match="only -1 and 1"):
        net.recall(np.full((2, 8), 0.5))
    with pytest.raises(ValueError, match="8 features"):
        net.recall(bipolar(rng, (2, 9)))
    with pytest.raises(ValueError, match="NaN"):
        net.recall(np.full((1, 8), np.nan))
    with pytest.raises(ValueError, match="beta"):
        net.recall(bipolar(rng, (1, 8)), beta=float("nan"))
    with pytest.raises(ValueError, match="tol"):
        net.recall(bipolar(rng, (1, 8)), tol=1e-3)
    for params, match in (({"degree": 1}, "degree"), ({"interaction": "cubic"}, "interaction"),
                          ({"states": "spin"}, "states"), ({"n_neurons": 0}, "n_neurons")):
        with pytest.raises(ValueError, match=match):
            fastrbm.DenseHopfield(**{"n_neurons": 8, **params}).store(bipolar(rng, (3, 8)))
    soft = fastrbm.DenseHopfield(8, "softmax", beta=float("nan"))
    with pytest.raises(ValueError, match="beta"):
        soft.store(rng.standard_normal((3, 8)))
    soft.set_params(beta=2.0).store(rng.standard_normal((3, 8)))
    with pytest.raises(ValueError, match="deterministic"):
        soft.recall(rng.standard_normal((1, 8)), beta=1.0)
    with pytest.raises(ValueError, match="unknown backend"):
        fastrbm.DenseHopfield(8, backend="tpu").store(bipolar(rng, (3, 8)))


@pytest.mark.parametrize("interaction", ["rectified", "softmax"])
def test_save_load_and_pickle_round_trip(tmp_path, rng, interaction):
    patterns = bipolar(rng, (20, 30)) if interaction != "softmax" else rng.standard_normal((20, 30))
    net = fastrbm.DenseHopfield(30, interaction, degree=5, beta=3.0, random_state=4).store(patterns)
    probes = flip(rng, patterns[:5], 0.2)
    path = net.save(tmp_path / "memory")
    clone = fastrbm.DenseHopfield.load(path)
    unpickled = pickle.loads(pickle.dumps(net))
    assert clone.get_params() == {**net.get_params(), "random_state": 0}
    want = net.recall(probes)  # same random stream: the same sweeps after the round trip
    np.testing.assert_array_equal(clone.recall(probes).states, want.states)
    np.testing.assert_array_equal(unpickled.recall(probes).states, want.states)
    np.testing.assert_array_equal(clone.patterns_, net.patterns_)


def test_corrupt_model_file_is_named(tmp_path, rng):
    path = fastrbm.DenseHopfield(6).store(bipolar(rng, (4, 6))).save(tmp_path / "m.npz")
    data = dict(np.load(path))
    data["patterns"] = data["patterns"] * 0.5
    np.savez(tmp_path / "bad.npz", **data)
    with pytest.raises(fastrbm.ModelFileError, match="patterns"):
        fastrbm.DenseHopfield.load(tmp_path / "bad.npz")


def test_params_and_clone(rng):
    sklearn = pytest.importorskip("sklearn")
    net = fastrbm.DenseHopfield(16, "exponential", random_state=1)
    copy = sklearn.base.clone(net)
    assert copy.get_params() == net.get_params() and "DenseHopfield(" in repr(net)
    with pytest.raises(ValueError, match="invalid parameter"):
        net.set_params(temperature=1.0)
