"""The Hopfield model: storage, recall, energy descent, the Gibbs measure, bad input, files."""

import numpy as np
import pytest

import fastrbm
from fastrbm import Hopfield
from fastrbm._io import ModelFileError
from fastrbm.capacity import capacity_curve
from fastrbm.datasets import load_mnist
from fastrbm.models.hopfield import recall_demo
from fastrbm.plotting import read_png
from support import is_simulated



def bipolar(rng, shape):
    return rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=shape)


def flip(rng, patterns, fraction):
    """Flip exactly ``fraction`` of the bits of every pattern."""
    out = patterns.copy()
    n = patterns.shape[1]
    for row in out:
        row[rng.choice(n, int(round(fraction * n)), replace=False)] *= -1
    return out


def size(backend, big):
    return 40 if is_simulated(backend) else big


@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_stored_patterns_are_fixed_points(backend, rng, rule):
    n = size(backend, 200)
    patterns = bipolar(rng, (max(1, n // 20), n))
    net = Hopfield(n, rule, backend=backend.name, random_state=1).store(patterns)
    result = net.recall(patterns, max_sweeps=5)
    np.testing.assert_array_equal(result.states, patterns)
    assert result.converged.all() and np.all(result.sweeps == 1)


@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_recall_from_ten_percent_noise(backend, rng, rule):
    n = size(backend, 400)
    patterns = bipolar(rng, (max(1, n // 20), n))  # p = 0.05 N
    net = Hopfield(n, rule, backend=backend.name, random_state=2).store(patterns)
    result = net.recall(flip(rng, patterns, 0.1), max_sweeps=20)
    np.testing.assert_array_equal(result.states, patterns)
    assert result.converged.all()


def test_energy_never_increases_along_async_updates(backend, rng):
    n = size(backend, 60)
    a = rng.standard_normal((n, n))
    w = ((a + a.T) / 2).astype(np.float64)
    np.fill_diagonal(w, 0)
    net = Hopfield.from_weights(w, thresholds=rng.standard_normal(n) * 0.5, backend=backend.name,
                                random_state=3)
    s = bipolar(rng, (3 if is_simulated(backend) else 12, n)).astype(np.float64)
    energy = net.energy(s)
    for _ in range(4 if is_simulated(backend) else 8):  # one sweep at a time, a fresh visiting order each call
        s = net.recall(s, max_sweeps=1).states
        new = net.energy(s)
        assert np.all(new <= energy + 1e-9 * np.abs(energy).max())
        energy = new


def test_energy_decrease_per_flip_reference(rng):
    """Flip by flip (one neuron per visit): the energy change is -2 |h_i| <= 0 for every flip."""
    n = 12
    a = rng.standard_normal((n, n))
    w = (a + a.T) / 2
    np.fill_diagonal(w, 0)
    theta = rng.standard_normal(n) * 0.5
    net = Hopfield.from_weights(w, theta, backend="numpy")
    s = bipolar(rng, (1, n)).astype(np.float64)[0]
    for _ in range(5 * n):
        i = rng.integers(n)
        h = w[i] @ s - theta[i]
        before = net.energy(s[None])[0]
        s[i] = 1.0 if h > 0 else (-1.0 if h < 0 else s[i])
        assert net.energy(s[None])[0] <= before + 1e-12


def test_lowrank_and_dense_forms_agree(backend, rng):
    n = size(backend, 100)
    patterns = bipolar(rng, (3, n))
    hebb = Hopfield(n, backend=backend.name, random_state=4).store(patterns)
    assert hebb._lowrank and hebb._lowrank_sweep  # odd p, even N: c = N h is odd, never a tie
    dense = Hopfield.from_weights(hebb.weights_, backend=backend.name, random_state=4)
    probes = flip(rng, patterns, 0.2)
    np.testing.assert_allclose(hebb.energy(probes), dense.energy(probes), rtol=1e-5)
    np.testing.assert_array_equal(hebb.recall(probes).states, dense.recall(probes).states)


def test_same_seed_same_trajectory_on_every_backend(backend, rng):
    n = size(backend, 64)
    patterns = bipolar(rng, (3, n))
    probes = bipolar(rng, (3, n))
    got, want = (Hopfield(n, backend=name, random_state=9).store(patterns).recall(probes, 3, beta=2.0)
                 for name in (backend.name, "numpy"))
    np.testing.assert_array_equal(got.states, want.states)
    np.testing.assert_array_equal(got.sweeps, want.sweeps)


def test_synchronous_recall(rng):
    n = 200
    patterns = bipolar(rng, (5, n))
    net = Hopfield(n, random_state=0).store(patterns)
    result = net.recall(flip(rng, patterns, 0.1), mode="sync", max_sweeps=20)
    np.testing.assert_array_equal(result.states, patterns)
    assert result.converged.all() and np.all(result.sweeps >= 2)
    with pytest.raises(ValueError, match="asynchronous"):
        net.recall(patterns, beta=1.0, mode="sync")


def test_synchronous_two_cycle_not_converged():
    # two mutually excitatory neurons with opposite states swap forever under synchronous updates
    net = Hopfield.from_weights(np.array([[0.0, 1.0], [1.0, 0.0]]), backend="numpy")
    result = net.recall([[1.0, -1.0]], mode="sync", max_sweeps=7)
    assert not result.converged[0] and result.sweeps[0] == 7
    assert net.recall([[1.0, -1.0]], mode="async").converged[0]


def test_binary_states_are_the_bipolar_network(rng):
    n = 50
    patterns = bipolar(rng, (3, n))
    probes = flip(rng, patterns, 0.2)
    bi = Hopfield(n, random_state=5).store(patterns)
    zo = Hopfield(n, states="binary", random_state=5).store((patterns + 1) / 2)
    np.testing.assert_array_equal(zo.weights_, bi.weights_)
    np.testing.assert_array_equal(zo.recall((probes + 1) / 2).states, (bi.recall(probes).states + 1) / 2)
    np.testing.assert_allclose(zo.energy((probes + 1) / 2), bi.energy(probes))
    with pytest.raises(ValueError, match="only 0 and 1"):
        zo.recall(probes)


def test_exact_distribution_small_network(rng):
    w = np.array([[0.0, 0.5, -0.3], [0.5, 0.0, 0.2], [-0.3, 0.2, 0.0]])
    theta = np.array([0.1, -0.2, 0.0])
    net = Hopfield.from_weights(w, theta, backend="numpy")
    states, p, log_z = net.exact_distribution(0.7)
    assert states.shape == (8, 3) and np.isclose(p.sum(), 1.0)
    np.testing.assert_array_equal(states[1], [-1, -1, 1])  # last neuron is the lowest bit
    e = np.array([-0.5 * s @ w @ s + theta @ s for s in states])
    np.testing.assert_allclose(log_z, np.log(np.exp(-0.7 * e).sum()), rtol=1e-12)
    np.testing.assert_allclose(p, np.exp(-0.7 * e - log_z), rtol=1e-12)
    with pytest.raises(ValueError, match="too many"):
        Hopfield(21).exact_distribution(1.0)


def test_model_chain_samples_exact_distribution(rng):
    n = 10
    a = rng.standard_normal((n, n)) * 0.5
    w = (a + a.T) / 2
    np.fill_diagonal(w, 0)
    net = Hopfield.from_weights(w, rng.standard_normal(n) * 0.2, backend="numba", random_state=11)
    _, p, _ = net.exact_distribution(1.0)
    s = bipolar(rng, (4000, n)).astype(np.float64)
    s = net.recall(s, max_sweeps=15, beta=1.0).states  # burn in
    counts = np.zeros(2**n)
    for _ in range(25):
        s = net.recall(s, max_sweeps=1, beta=1.0).states
        counts += np.bincount(((s > 0) @ (1 << np.arange(n)[::-1])).astype(int), minlength=2**n)
    k = counts.sum()
    assert 0.5 * np.abs(counts / k - p).sum() < 3 * 0.5 * np.sqrt(p / k).sum()


def test_bad_input():
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    net = Hopfield(2, backend="numpy")
    with pytest.raises(ValueError, match="2 features, but Hopfield is expecting 3"):
        Hopfield(3).recall(np.ones((1, 2)))
    with pytest.raises(ValueError, match="only -1 and 1"):
        net.recall([[1.0, 0.5]])
    with pytest.raises(ValueError, match="empty"):
        net.recall(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="empty"):
        net.store(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="NaN"):
        Hopfield.from_weights(np.array([[0.0, np.nan], [np.nan, 0.0]]))
    with pytest.raises(ValueError, match="symmetric"):
        Hopfield.from_weights(np.array([[0.0, 1.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match="zero diagonal"):
        Hopfield.from_weights(a + np.eye(2))
    with pytest.raises(ValueError, match="square"):
        Hopfield.from_weights(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="no storage rule"):
        Hopfield.from_weights(a).store([[1.0, -1.0]])
    with pytest.raises(ValueError, match="rule must be one of"):
        Hopfield(4, "oja").store(np.ones((1, 4)))
    with pytest.raises(ValueError, match="states must be one of"):
        Hopfield(4, states="spins").recall(np.ones((1, 4)))
    with pytest.raises(ValueError, match="thresholds has 3 features"):
        Hopfield(2, thresholds=np.zeros(3)).energy(np.ones((1, 2)))
    with pytest.raises(ValueError, match="n_neurons must be >= 1"):
        Hopfield(0).store(np.ones((1, 1)))
    with pytest.raises(ValueError, match="dtype must be one of"):
        Hopfield(2, dtype="int8").weights_  # noqa: B018 - reading it builds the network
    with pytest.raises(ValueError, match="max_sweeps must be >= 1"):
        net.recall([[1.0, 1.0]], max_sweeps=0)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        net.recall([[1.0, 1.0]], beta=-1.0)


def test_save_load_round_trip(tmp_path, rng):
    patterns = bipolar(rng, (4, 30))
    net = Hopfield(30, "hebbian", thresholds=rng.standard_normal(30) * 0.1, random_state=6).store(patterns)
    net.recall(patterns)  # advance the stream
    path = net.save(tmp_path / "net")
    back = Hopfield.load(path)
    np.testing.assert_array_equal(back.weights_, net.weights_)
    np.testing.assert_array_equal(back.thresholds_, net.thresholds_)
    probes = bipolar(rng, (3, 30))
    np.testing.assert_array_equal(back.recall(probes, beta=1.0).states, net.recall(probes, beta=1.0).states)
    back.store(patterns[:1])  # Hebbian storage continues from the saved patterns
    assert back.n_patterns_ == 5 and back._lowrank
    with pytest.raises(ModelFileError):
        Hopfield.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("corruption", ["flip", "mask"])
def test_recall_demo(tmp_path, rng, corruption):
    X, y = load_mnist("train", source="sample")
    images = X[[int(np.flatnonzero(y == c)[0]) for c in range(5)]]  # one digit per class
    out = recall_demo(images, n_patterns=3, noise=0.1, corruption=corruption,
                      path=str(tmp_path / "demo.png"), random_state=0)
    assert out["original"].shape == out["recalled"].shape == (3, 784)
    wrong_after = (out["recalled"] != out["original"]).mean(axis=1)
    if corruption == "flip":
        assert wrong_after.mean() < (out["corrupted"] != out["original"]).mean() / 2
    # correlated digits leave spurious mixtures, but some digit comes back exactly
    assert np.any(wrong_after == 0)
    picture = read_png(out["path"])
    assert picture.shape == (2 * (3 * 30 + 2), 2 * (3 * 30 + 2))


def test_capacity_curve_hebbian_and_storkey():
    loads = [0.05, 0.2]
    hebb = capacity_curve(200, loads, "hebbian", random_state=0)
    stork = capacity_curve(200, loads, "storkey", random_state=0)
    assert list(hebb["n_patterns"]) == [10, 40]
    assert hebb["recalled"][0] == 1.0 and stork["recalled"][0] == 1.0
    assert hebb["recalled"][1] < 0.5  # beyond the Hebbian limit ~0.138 N
    assert stork["recalled"][1] > 0.9  # Storkey stores more


def test_constructor_only_records_and_set_params_guards_the_built_network():
    net = Hopfield(4, "oja", thresholds="not an array", backend="no such backend")  # nothing checked yet
    assert net.get_params() == {"n_neurons": 4, "rule": "oja", "states": "bipolar", "thresholds": "not an array",
                                "dtype": "float32", "backend": "no such backend", "random_state": None}
    net.set_params(rule="storkey", thresholds=None, backend="numpy")
    patterns = np.array([[1.0, -1.0, 1.0, -1.0]])
    net.store(patterns)
    assert net.n_patterns_ == 1 and net.weights_[0, 1] == -0.25
    net.set_params(states="binary")  # a reading convention only: allowed after storing
    np.testing.assert_array_equal(net.recall((patterns + 1) / 2).states, (patterns + 1) / 2)
    for change in ({"n_neurons": 5}, {"rule": "storkey"}, {"dtype": "float64"}, {"thresholds": np.zeros(4)}):
        copy = Hopfield(4, backend="numpy").store(patterns)
        copy.set_params(**change)
        with pytest.raises(ValueError, match=f"{next(iter(change))} was changed after this Hopfield network"):
            copy.recall(patterns)
    with pytest.raises(ValueError, match="fitted on backend 'numpy'"):
        net.set_params(backend="numba")


def test_clone_gives_an_unbuilt_network_with_the_same_parameters(rng):
    sklearn_base = pytest.importorskip("sklearn.base")
    patterns = bipolar(rng, (3, 20))
    net = Hopfield(20, "storkey", random_state=3, backend="numpy").store(patterns)
    fresh = sklearn_base.clone(net)
    assert fresh.n_patterns_ == 0 and fresh.get_params() == net.get_params()
    np.testing.assert_array_equal(fresh.store(patterns).weights_, net.weights_)


def test_backend_argument_is_used():
    assert Hopfield(3, backend="numpy")._K is fastrbm.get_backend("numpy")


def test_recall_demo_any_size_glauber(tmp_path, rng):
    """A vector of 50 neurons is drawn as an 8x8 tile (padded); beta reaches the dynamics."""
    patterns = (rng.random((2, 50)) < 0.5).astype(np.float32)
    out = recall_demo(patterns, n_patterns=2, noise=0.0, rule="hebbian", path=str(tmp_path / "d.png"),
                      max_sweeps=3, beta=50.0, random_state=1)
    assert read_png(out["path"]).shape == (2 * (3 * 10 + 2), 2 * (2 * 10 + 2))
    assert np.all(out["sweeps"] == 3)  # Glauber runs exactly max_sweeps
    assert out["energy_before"].shape == out["energy_after"].shape == (2,)
