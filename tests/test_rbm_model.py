"""fastrbm.RBM / GaussianRBM: training, backends agreeing, likelihoods, sklearn API, files, bad input."""
import functools
import itertools

import numpy as np
import pytest

import fastrbm
from fastrbm._io import ModelFileError
from fastrbm._validation import NotFittedError
from fastrbm.plotting import read_png
from support import is_simulated


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8x8 digits scaled to [0, 1] (the bundled MNIST sample replaces this on main)."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    data = sklearn_datasets.load_digits()
    return data.data.astype(np.float32) / 16.0, data.target


def small_binary(rng, n=60, n_vis=8):
    return (rng.random((n, n_vis)) < np.linspace(0.1, 0.8, n_vis)).astype(np.float64)


def test_training_lowers_reconstruction_error(digits):
    X, _ = digits
    untrained = fastrbm.RBM(48, n_epochs=0, random_state=0).fit(X[:1000])
    before = np.mean((untrained.reconstruct(X[:1000]) - X[:1000]) ** 2)
    rbm = fastrbm.RBM(48, n_epochs=8, batch_size=20, random_state=0).fit(X[:1000], X_val=X[1000:1200])
    errors = [h["reconstruction_error"] for h in rbm.history_]
    assert errors[-1] < 0.7 * before and errors[-1] < errors[0]
    assert {"val_reconstruction_error", "val_pseudo_likelihood", "free_energy_gap", "time_s"} <= set(rbm.history_[0])
    assert rbm.W_.shape == (64, 48) and rbm.W_.dtype == np.float32


@pytest.mark.parametrize("persistent", [False, True])
def test_same_parameters_on_every_backend(backend, rng, persistent):
    sim = is_simulated(backend)
    X = small_binary(rng, 10 if sim else 60)
    kw = dict(n_epochs=1 if sim else 2, batch_size=5 if sim else 10, k=2, persistent=persistent,
              dtype="float64", random_state=3, momentum_switch_epoch=1)
    got = fastrbm.RBM(4, backend=backend.name, **kw).fit(X)
    want = fastrbm.RBM(4, backend="numpy", **kw).fit(X)
    for attr in ("W_", "b_", "c_"):
        np.testing.assert_allclose(getattr(got, attr), getattr(want, attr), rtol=1e-9, atol=1e-12)


def test_deterministic_for_a_seed(rng):
    X = small_binary(rng)
    a, b = (fastrbm.RBM(5, n_epochs=2, random_state=11).fit(X) for _ in range(2))
    np.testing.assert_array_equal(a.W_, b.W_)
    np.testing.assert_array_equal(a.sample(3, 5), b.sample(3, 5))
    c = fastrbm.RBM(5, n_epochs=2, random_state=12).fit(X)
    assert not np.array_equal(a.W_, c.W_)


def brute_force_log_z(W, b, c):
    V = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[0])))
    H = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[1])))
    minus_e = (V @ b)[:, None] + (H @ c)[None, :] + V @ W @ H.T
    top = minus_e.max()
    return top + np.log(np.exp(minus_e - top).sum())


@pytest.mark.parametrize("shape", [(7, 5), (5, 7)])
def test_exact_log_partition(backend, rng, shape):
    rbm = fastrbm.RBM(shape[1], dtype="float64", backend=backend.name)
    rbm.W_ = rng.standard_normal(shape)
    rbm.b_ = rng.standard_normal(shape[0])
    rbm.c_ = rng.standard_normal(shape[1])
    want = brute_force_log_z(rbm.W_, rbm.b_, rbm.c_)
    assert rbm.log_partition("exact") == pytest.approx(want, rel=1e-10)
    # log-likelihoods of all states then sum to one
    V = np.array(list(itertools.product([0.0, 1.0], repeat=shape[0])))
    assert np.exp(-rbm.free_energy(V) - want).sum() == pytest.approx(1.0, rel=1e-9)


def test_ais_agrees_with_exact_log_partition(bench_like_backend, digits):
    X, _ = digits
    Xb = (X[:500] > 0.5).astype(np.float32)
    rbm = fastrbm.RBM(12, n_epochs=3, learning_rate=0.1, random_state=1, backend=bench_like_backend).fit(Xb)
    exact = rbm.log_partition("exact")
    ais, std = rbm.log_partition("ais", n_betas=3000, n_runs=200, base_data=Xb, return_std=True)
    assert abs(ais - exact) < 3 * std + 0.05, (ais, exact, std)
    assert rbm.log_likelihood(Xb, log_z=exact) == pytest.approx(rbm.log_likelihood(Xb, method="exact"))


@pytest.fixture(params=["numpy", "numba", "cython"])
def bench_like_backend(request):
    """Host backends only: AIS runs thousands of steps (too slow on the CUDA simulator)."""
    from support import kernels_or_skip

    return kernels_or_skip(request.config, request.param).name


def test_pipeline_with_logistic_regression(digits):
    pipeline_mod = pytest.importorskip("sklearn.pipeline")
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    X, y = digits
    pipe = pipeline_mod.Pipeline([
        ("rbm", fastrbm.RBM(100, n_epochs=15, batch_size=20, random_state=0)),
        ("logistic", LogisticRegression(max_iter=1000)),
    ])
    pipe.fit(X[:1400], y[:1400])
    assert pipe.score(X[1400:], y[1400:]) > 0.85
    cloned = clone(pipe.named_steps["rbm"])
    assert cloned.get_params() == pipe.named_steps["rbm"].get_params() and cloned.W_ is None


def test_get_set_params():
    rbm = fastrbm.RBM(7, k=3)
    params = rbm.get_params()
    assert params["n_hidden"] == 7 and params["k"] == 3 and "backend" in params
    assert rbm.set_params(k=5).k == 5
    with pytest.raises(ValueError, match="invalid parameter"):
        rbm.set_params(nonsense=1)
    assert "k=5" in repr(rbm)


def test_sampling_and_pictures(tmp_path, digits):
    X, _ = digits
    rbm = fastrbm.RBM(16, n_epochs=1, random_state=0).fit(X[:200])
    v, p = rbm.sample(6, n_steps=5, return_probabilities=True)
    assert v.shape == p.shape == (6, 64) and set(np.unique(v)) <= {0.0, 1.0} and (0 <= p).all() and (p <= 1).all()
    assert rbm.sample(3, 2, init=X[:3]).shape == (3, 64)
    assert rbm.gibbs(X[:4]).shape == (4, 64)
    probs, h = rbm.sample_hidden(X[:4])
    assert probs.shape == h.shape == (4, 16)
    pv, v1 = rbm.sample_visible(h)
    assert pv.shape == v1.shape == (4, 64)
    assert rbm.reconstruct(X[:4]).shape == (4, 64)
    np.testing.assert_allclose(rbm.energy(X[:4], h).shape, (4,))
    grid = read_png(rbm.save_samples_png(tmp_path / "samples.png", n=4, n_steps=3, image_shape=(8, 8)))
    assert grid.ndim == 2
    assert read_png(rbm.save_filters_png(tmp_path / "filters.png", n=9, image_shape=(8, 8))).ndim == 2


def test_energy_and_free_energy_agree(rng):
    """F(v) = -log sum_h exp(-E(v, h))."""
    rbm = fastrbm.RBM(4, dtype="float64")
    rbm.W_, rbm.b_, rbm.c_ = rng.standard_normal((6, 4)), rng.standard_normal(6), rng.standard_normal(4)
    V = small_binary(rng, 3, 6)
    H = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    E = np.stack([rbm.energy(np.repeat(v[None], len(H), 0), H) for v in V])
    np.testing.assert_allclose(rbm.free_energy(V), -np.log(np.exp(-E).sum(axis=1)), rtol=1e-12)


def test_save_load_round_trip(tmp_path, rng):
    X = small_binary(rng)
    rbm = fastrbm.RBM(5, n_epochs=2, persistent=True, random_state=2).fit(X)
    path = rbm.save(tmp_path / "model")
    loaded = fastrbm.RBM.load(path)
    for attr in ("W_", "b_", "c_"):
        np.testing.assert_array_equal(getattr(loaded, attr), getattr(rbm, attr))
    assert loaded.get_params() == rbm.get_params() and loaded.history_ == rbm.history_
    rbm.partial_fit(X)
    loaded.partial_fit(X)  # resumes the same random stream, chains and velocities
    np.testing.assert_array_equal(loaded.W_, rbm.W_)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError):
        fastrbm.RBM.load(tmp_path / "bad.npz")
    with pytest.raises(ModelFileError, match="RBM"):
        fastrbm.GaussianRBM.load(path)


def test_gaussian_rbm(rng, tmp_path):
    centres = rng.standard_normal((3, 10)) * 2
    X = (centres[rng.integers(0, 3, 600)] + 0.3 * rng.standard_normal((600, 10))) * 5 + 1
    rbm = fastrbm.GaussianRBM(8, n_epochs=6, variance="data", random_state=0).fit(X)
    errors = [h["reconstruction_error"] for h in rbm.history_]
    assert errors[-1] < errors[0]
    assert rbm.sample(5, 3).shape == (5, 10) and rbm.transform(X[:2]).shape == (2, 8)
    loaded = fastrbm.GaussianRBM.load(rbm.save(tmp_path / "g"))
    np.testing.assert_array_equal(loaded.sigma_, rbm.sigma_)
    np.testing.assert_allclose(loaded.transform(X[:5]), rbm.transform(X[:5]))


def learned_scale_data(rng, n=2000):
    """Features 0-3: one of two clusters, +-2 on all four, plus independent noise of std 0.3
    (marginal std ~2); feature 4: pure noise of std 1.5, nothing for hidden units to explain."""
    cluster = rng.integers(0, 2, n)[:, None] * 2.0 - 1.0
    return np.hstack([2 * cluster + 0.3 * rng.standard_normal((n, 4)),
                      1.5 * rng.standard_normal((n, 1))]).astype(np.float32)


def test_gaussian_rbm_learns_its_visible_scales(rng):
    """Once a hidden unit explains the clusters, the learned scales of features 0-3 fall from the
    marginal std (~2) to the noise within a cluster (0.3); feature 4 keeps its std (Cho et al. 2011)."""
    X = learned_scale_data(rng)
    rbm = fastrbm.GaussianRBM(4, n_epochs=16, variance="learned", learning_rate=0.02, batch_size=50,
                              backend="numba", random_state=0).fit(X)
    assert np.all((rbm.sigma_[:4] > 0.2) & (rbm.sigma_[:4] < 0.45)), rbm.sigma_
    np.testing.assert_allclose(rbm.sigma_[4], 1.5, rtol=0.15)
    fixed = fastrbm.GaussianRBM(4, n_epochs=1, variance="data", random_state=0).fit(X)
    np.testing.assert_allclose(fixed.sigma_, X.std(axis=0), rtol=1e-5)  # "data" does not move


def test_gaussian_rbm_learned_scales_agree_across_backends(backend, rng):
    X = learned_scale_data(rng, 50)  # one step: the CUDA simulator takes ~20 s a step
    make = functools.partial(fastrbm.GaussianRBM, 4, n_epochs=1, variance="learned", batch_size=50,
                             learning_rate=0.05, random_state=0)
    ref = make(backend="numpy").fit(X)
    got = make(backend=backend.name).fit(X)
    assert not np.allclose(ref.sigma_, X.std(axis=0))  # the scales did move
    np.testing.assert_allclose(got.sigma_, ref.sigma_, rtol=1e-3)


def test_gaussian_rbm_exact_log_z_and_likelihood_match_numerical_integration(rng):
    """Two visible units, three hidden: Z = integral of exp(-F(u)) du on a fine grid, and the
    log-likelihood in data units (scales s != 1) against the grid-normalised density."""
    X = (rng.standard_normal((400, 2)) * [2.0, 0.5] + [1.0, -3.0]).astype(np.float32)
    rbm = fastrbm.GaussianRBM(3, n_epochs=5, variance="data", learning_rate=0.05, random_state=0).fit(X)
    rbm.W_ = rbm.W_ + rng.standard_normal(rbm.W_.shape).astype(np.float32)  # make the hidden layer matter
    step = 0.01
    grid = np.arange(-12, 12, step)
    u = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)
    minus_f = -rbm.free_energy((u * rbm.sigma_).astype(np.float32)).astype(np.float64)
    top = minus_f.max()
    log_z_grid = top + np.log(np.exp(minus_f - top).sum() * step * step)
    assert rbm.log_partition() == pytest.approx(log_z_grid, abs=1e-3)
    want = np.mean(-rbm.free_energy(X).astype(np.float64)) - log_z_grid - np.log(rbm.sigma_).sum()
    assert rbm.log_likelihood(X) == pytest.approx(want, abs=1e-3)
    with pytest.raises(NotImplementedError, match="AIS"):
        rbm.log_partition(method="ais")


@pytest.mark.parametrize("bad, error, match", [
    (np.ones((3, 5)), ValueError, "features"),
    (np.full((3, 8), 1.5), ValueError, "above"),
    (np.full((3, 8), np.nan), ValueError, "NaN"),
    (np.array([["a"] * 8] * 3), TypeError, "numeric"),
    (np.ones((3, 8), dtype=complex), ValueError, "Complex data not supported"),
    (np.ones(8), ValueError, "2-dimensional"),
])
def test_bad_input(rng, bad, error, match):
    rbm = fastrbm.RBM(3, n_epochs=1, random_state=0).fit(small_binary(rng))
    with pytest.raises(error, match=match):
        rbm.transform(bad)


def test_bad_params_and_not_fitted(rng):
    with pytest.raises(NotFittedError, match="not fitted"):
        fastrbm.RBM(3).transform(np.zeros((2, 8)))
    with pytest.raises(ValueError, match="n_hidden"):
        fastrbm.RBM(0).fit(small_binary(rng))
    with pytest.raises(ValueError, match="dtype"):
        fastrbm.RBM(3, dtype="int8").fit(small_binary(rng))
    with pytest.raises(ValueError, match="backend"):
        fastrbm.RBM(3, backend="tpu").fit(small_binary(rng))
    with pytest.raises(ValueError, match="values below"):
        fastrbm.RBM(3).fit(-small_binary(rng) - 1)
