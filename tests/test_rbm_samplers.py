"""Parallel tempering and centring (issue 15): exact distributions, exact gradients, every backend."""
import itertools

import numpy as np
import pytest
from support import is_simulated

import fastrbm
from fastrbm.models._centering import centered_update

N_VIS = 6


def bimodal_rbm(backend="numpy", n_temperatures=6):
    """An RBM whose mass sits on all-off and all-on visible states: Gibbs chains started at
    all-off stay there for thousands of steps, so only a sampler that crosses modes passes."""
    rbm = fastrbm.RBM(2, n_epochs=0, n_temperatures=n_temperatures, dtype="float64", backend=backend,
                      random_state=0).fit(np.zeros((2, N_VIS)))
    W = np.zeros((N_VIS, 2))
    W[:, 0], W[:, 1] = 4.0, -4.0
    rbm.W_, rbm.b_, rbm.c_ = W, np.zeros(N_VIS), np.array([-12.0, 12.0])
    return rbm


def exact_visible_distribution(rbm):
    V = np.array(list(itertools.product([0.0, 1.0], repeat=rbm.n_visible)))
    log_p = -rbm.free_energy(V)
    p = np.exp(log_p - log_p.max())
    return V, p / p.sum()


def total_variation(samples, p):
    index = (samples @ (2 ** np.arange(samples.shape[1])[::-1])).astype(int)
    return 0.5 * np.abs(np.bincount(index, minlength=len(p)) / len(samples) - p).sum()


def test_parallel_tempering_samples_the_exact_distribution_where_gibbs_is_stuck():
    rbm = bimodal_rbm()
    V, p = exact_visible_distribution(rbm)
    assert p[0] > 0.3 and p[-1] > 0.3  # two modes, far apart
    n = 20000
    start = np.zeros((n, N_VIS))
    gibbs = total_variation(rbm.sample(n, 150, init=start), p)
    tempered = total_variation(rbm.sample(n, 150, init=start, sampler="pt"), p)
    # sampling noise alone: the TV of n exact draws is about 0.01 here
    noise = total_variation(V[np.random.default_rng(0).choice(len(V), size=n, p=p)], p)
    assert gibbs > 0.3, gibbs
    assert tempered < max(0.03, 3 * noise), (tempered, noise)
    acceptance = rbm.sample_swap_acceptance_
    assert acceptance.shape == (5,) and np.all((acceptance > 0.2) & (acceptance <= 1)), acceptance


def test_parallel_tempering_draws_the_same_samples_on_every_backend(backend):
    n, steps = (8, 4) if is_simulated(backend) else (200, 20)
    start = np.zeros((n, N_VIS))
    got = bimodal_rbm(backend.name, 4).sample(n, steps, init=start, sampler="pt", return_probabilities=True)
    want = bimodal_rbm("numpy", 4).sample(n, steps, init=start, sampler="pt", return_probabilities=True)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)


CONFIGS = [dict(sampler="pt", n_temperatures=4), dict(centered=True), dict(centered=True, persistent=True),
           dict(centered=True, sampler="pt", n_temperatures=3)]


@pytest.mark.parametrize("config", CONFIGS, ids=["pt", "centered", "centered-pcd", "centered-pt"])
def test_same_parameters_on_every_backend(backend, rng, config):
    n = 10 if is_simulated(backend) else 60
    X = (rng.random((n, 8)) < np.linspace(0.1, 0.8, 8)).astype(np.float64)
    kw = dict(n_epochs=2, batch_size=10, k=2, dtype="float64", random_state=3, momentum_switch_epoch=1, **config)
    got = fastrbm.RBM(4, backend=backend.name, **kw).fit(X)
    want = fastrbm.RBM(4, backend="numpy", **kw).fit(X)
    for attr in ("W_", "b_", "c_"):
        np.testing.assert_allclose(getattr(got, attr), getattr(want, attr), rtol=1e-9, atol=1e-12)
    if config.get("sampler") == "pt":
        rates = got.history_[-1]["swap_acceptance"]
        assert len(rates) == config["n_temperatures"] - 1 and all(r is None or 0 <= r <= 1 for r in rates)
        assert rates == want.history_[-1]["swap_acceptance"]


def exact_statistics(W, b, c, weights):
    """``<v h^T>``, ``<v>``, ``<h>`` with ``h`` at its conditional mean, over the visible states
    weighted by ``weights`` (the data distribution, or the model's own p(v))."""
    V = np.array(list(itertools.product([0.0, 1.0], repeat=len(b))))
    H = 1 / (1 + np.exp(-(V @ W + c)))
    return (V * weights[:, None]).T @ H, weights @ V, weights @ H


def model_weights(W, b, c):
    V = np.array(list(itertools.product([0.0, 1.0], repeat=len(b))))
    log_p = V @ b + np.logaddexp(0, V @ W + c).sum(axis=1)
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def one_exact_step(W, b, c, data, offsets):
    params = [W.copy(), b.copy(), c.copy()]
    stats = exact_statistics(W, b, c, data) + exact_statistics(W, b, c, model_weights(W, b, c))
    velocity = [np.zeros_like(a) for a in params]
    centered_update(params, velocity, stats, offsets, 0.5, 0.0, 0.0)
    return params


@pytest.mark.parametrize("centred", [True, False])
def test_the_centred_gradient_is_invariant_to_flipping_the_units(rng, centred):
    """Melchior et al. (2016), section 3: a centred RBM learns the same model from data with its
    visible units flipped (v -> 1 - v); an ordinary RBM does not. One exact gradient step on a
    3x2 model (every expectation enumerated) checks it; the flip maps W -> -W, b -> -b,
    c -> c + W^T 1, mu -> 1 - mu."""
    W, b, c = rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 3), rng.normal(0, 1, 2)
    data = rng.dirichlet(np.ones(8))
    flipped_data = data[::-1]  # state index i <-> 7 - i is v <-> 1 - v
    mu = exact_statistics(W, b, c, data)[1] if centred else np.zeros(3)
    lam = exact_statistics(W, b, c, data)[2] if centred else np.zeros(2)
    W1, b1, c1 = one_exact_step(W, b, c, data, (mu, lam))
    flipped_mu = 1 - mu if centred else np.zeros(3)
    W2, b2, c2 = one_exact_step(-W, -b, c + W.sum(axis=0), flipped_data, (flipped_mu, lam))
    gap = max(np.abs(W2 + W1).max(), np.abs(b2 + b1).max(), np.abs(c2 - (c1 + W1.sum(axis=0))).max())
    if centred:
        assert gap < 1e-12, gap
    else:
        assert gap > 1e-3, gap


def test_the_centred_gradient_ascends_the_exact_likelihood(rng):
    """Exact centred gradient steps raise the exact log-likelihood of a 4x3 model to the same
    optimum region as ordinary steps (the two gradients vanish at the same points)."""
    data = rng.dirichlet(np.ones(16) * 0.3)
    V = np.array(list(itertools.product([0.0, 1.0], repeat=4)))

    def log_likelihood(W, b, c):
        log_p = V @ b + np.logaddexp(0, V @ W + c).sum(axis=1)
        return data @ log_p - np.logaddexp.reduce(log_p)

    start = (rng.normal(0, 0.1, (4, 3)), np.zeros(4), np.zeros(3))
    results = {}
    for centred in (True, False):
        W, b, c = (a.copy() for a in start)
        for _ in range(3000):
            mu, lam = exact_statistics(W, b, c, data)[1:] if centred else (np.zeros(4), np.zeros(3))
            W, b, c = one_exact_step(W, b, c, data, (mu, lam))
        results[centred] = log_likelihood(W, b, c)
    assert results[True] > log_likelihood(*start) + 0.5
    assert abs(results[True] - results[False]) < 0.05, results


def test_samplers_and_centring_learn_digits():
    """On binarised 8x8 digits (16 hidden units: exact log-likelihood) every variant learns with a
    gentle schedule; with an aggressive one (learning rate 0.05, momentum 0.9), where plain PCD
    hardly moves from the base-rate model, centred PCD still learns (Melchior et al.'s finding)."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X = (sklearn_datasets.load_digits().data / 16.0 > 0.5).astype(np.float32)[:1500]
    untrained = fastrbm.RBM(16, n_epochs=0, random_state=0).fit(X).log_likelihood(X)
    variants = {"pcd": dict(persistent=True), "pt": dict(sampler="pt", n_temperatures=5),
                "centered-pcd": dict(centered=True, persistent=True)}

    def score(kw, **schedule):
        return fastrbm.RBM(16, n_epochs=30, batch_size=20, random_state=0, **schedule, **kw).fit(X).log_likelihood(X)

    gentle = {name: score(kw, learning_rate=0.02, final_momentum=0.5) for name, kw in variants.items()}
    assert min(gentle.values()) > untrained + 3, (gentle, untrained)
    aggressive = {name: score(variants[name], learning_rate=0.05) for name in ("pcd", "centered-pcd")}
    assert aggressive["centered-pcd"] > aggressive["pcd"] + 2, aggressive


def test_bad_sampler_parameters(rng):
    X = (rng.random((20, 5)) < 0.5).astype(np.float32)
    for bad, match in ((dict(sampler="mcmc"), "sampler"), (dict(n_temperatures=1), "n_temperatures"),
                       (dict(centering_rate=float("nan")), "centering_rate"), (dict(centered="yes"), "centered")):
        with pytest.raises(ValueError, match=match):
            fastrbm.RBM(3, n_epochs=1, **bad).fit(X)
    rbm = fastrbm.RBM(3, n_epochs=1).fit(X)
    with pytest.raises(ValueError, match="sampler"):
        rbm.sample(2, 2, sampler="tempering")
    gaussian = fastrbm.GaussianRBM(3, n_epochs=1).fit(X)
    with pytest.raises(ValueError, match="Bernoulli"):
        gaussian.sample(2, 2, sampler="pt")


@pytest.mark.parametrize("config", CONFIGS[1:], ids=["centered", "centered-pcd", "centered-pt"])
def test_files_and_pickles_keep_the_offsets_and_replicas(tmp_path, rng, config):
    """A saved (or pickled) model resumes training exactly where the original would have gone."""
    import pickle

    X = (rng.random((30, 8)) < 0.4).astype(np.float64)  # 3 minibatches: the next swap is of the odd pairs
    kw = dict(n_epochs=1, batch_size=10, dtype="float64", random_state=5, backend="numpy", **config)
    rbm = fastrbm.RBM(4, **kw).fit(X)
    copies = [fastrbm.RBM.load(rbm.save(tmp_path / "rbm.npz")), pickle.loads(pickle.dumps(rbm))]
    for copy in copies:
        assert getattr(copy, "_ladder", None) is None or copy._ladder.parity == rbm._ladder.parity == 1
    rbm.partial_fit(X)
    for copy in copies:
        copy.partial_fit(X)
        np.testing.assert_array_equal(copy.W_, rbm.W_)
        for mine, theirs in zip(copy.offsets_, rbm.offsets_):
            np.testing.assert_array_equal(mine, theirs)
    bad = dict(np.load(tmp_path / "rbm.npz"))
    del bad["offset_visible"]
    np.savez(tmp_path / "bad.npz", **bad)
    with pytest.raises(fastrbm.ModelFileError, match="offset_visible"):
        fastrbm.RBM.load(tmp_path / "bad.npz")
