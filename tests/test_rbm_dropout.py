"""Dropout RBMs (Srivastava et al. 2014, section 8): masks, exact gradients, every backend, errors."""
import itertools
import math

import numpy as np
import pytest
from support import is_simulated

import fastrbm
from fastrbm.kernels.reference.rbm import dropout_mask, sigmoid
from fastrbm.rng import KeyStream


def skip_cd_on_simulator(backend, persistent):
    """The CUDA simulator runs the persistent case only (it takes every CD path but one masking line)."""
    if is_simulated(backend) and not persistent:
        pytest.skip("the simulator runs persistent=True only (time)")


def binary_data(n, n_vis, seed=0, density=0.3):
    return (np.random.default_rng(seed).random((n, n_vis)) < density).astype(np.float64)


def fit(X, **params):
    defaults = dict(n_hidden=7, n_epochs=2, batch_size=10, k=2, dtype="float64", random_state=3)
    return fastrbm.RBM(**{**defaults, **params}).fit(X)


def parameters(rbm):
    return rbm.W_, rbm.b_, rbm.c_


@pytest.mark.parametrize("persistent", [False, True])
def test_dropout_zero_is_the_plain_training_bit_for_bit(persistent):
    X = binary_data(40, 12)
    plain = fit(X, persistent=persistent, dtype="float32")
    for zero in (0.0, 0):
        zeroed = fit(X, persistent=persistent, dtype="float32", dropout=zero)
        for got, want in zip(parameters(zeroed), parameters(plain)):
            np.testing.assert_array_equal(got, want)
    dropped = fit(X, persistent=persistent, dtype="float32", dropout=0.5)
    assert not np.allclose(dropped.W_, plain.W_)  # the comparison above can fail


@pytest.mark.parametrize("persistent", [False, True])
def test_every_backend_trains_the_reference_dropout_rbm(backend, persistent):
    skip_cd_on_simulator(backend, persistent)
    simulated = is_simulated(backend)  # the CUDA simulator: a few small minibatches
    X = binary_data(8 if simulated else 40, 6)
    params = dict(n_hidden=5, n_epochs=1 if simulated else 2, batch_size=4 if simulated else 10, dropout=0.5,
                  persistent=persistent)
    got = fit(X, backend=backend.name, **params)
    want = fit(X, backend="numpy", **params)
    for a, b in zip(parameters(got), parameters(want)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    if persistent:
        np.testing.assert_array_equal(backend.to_numpy(got._chain), want._chain)


def test_gaussian_rbm_dropout_on_every_backend(backend):
    """GaussianRBM takes dropout too: the same masked training as the reference, and unlike none."""
    X = np.random.default_rng(1).normal(size=(8 if is_simulated(backend) else 40, 6))
    params = dict(n_hidden=5, n_epochs=1, batch_size=4 if is_simulated(backend) else 10, dtype="float64",
                  random_state=3, variance="data", dropout=0.5)
    got = fastrbm.GaussianRBM(backend=backend.name, **params).fit(X)
    want = fastrbm.GaussianRBM(backend="numpy", **params).fit(X)
    for a, b in zip(parameters(got), parameters(want)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    plain = fastrbm.GaussianRBM(backend="numpy", **{**params, "dropout": 0.0}).fit(X)
    assert not np.allclose(plain.W_, want.W_)


def cd_step(kernels, params, v0, chain, keep):
    """One CD-2 step of ``kernels`` from copies of ``params``; the updated arrays on the host."""
    arrays = [kernels.asarray(a.copy()) for a in params] + [kernels.asarray(np.full_like(a, 0.01)) for a in params]
    states = None if chain is None else kernels.asarray(chain.copy())
    kernels.cd_step(*arrays, kernels.asarray(v0), 99, k=2, learning_rate=0.1, momentum=0.5, weight_decay=1e-3,
                    chain=states, keep=None if keep is None else kernels.asarray(keep))
    return [kernels.to_numpy(a) for a in arrays + ([] if states is None else [states])]


@pytest.mark.parametrize("persistent", [False, True])
def test_cd_step_with_a_mask_matches_the_reference_and_all_ones_is_no_mask(backend, persistent):
    skip_cd_on_simulator(backend, persistent)
    rng = np.random.default_rng(5)
    n_vis, n_hid, n = (9, 6, 4) if is_simulated(backend) else (30, 20, 16)
    params = [rng.normal(0, 0.3, (n_vis, n_hid)), rng.normal(0, 0.3, n_vis), rng.normal(0, 0.3, n_hid)]
    v0 = binary_data(n, n_vis, seed=6)
    chain = binary_data(n, n_hid, seed=7, density=0.5) if persistent else None
    keep = dropout_mask(11, (n, n_hid), 0.5, np.float64)
    ref = fastrbm.get_backend("numpy")
    got, want = cd_step(backend, params, v0, chain, keep), cd_step(ref, params, v0, chain, keep)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert not np.allclose(want[0], cd_step(ref, params, v0, chain, None)[0])
    if persistent:  # the chain's final hidden states respect the mask
        assert np.all(want[-1][keep == 0] == 0)
    ones = cd_step(backend, params, v0, chain, np.ones((n, n_hid)))
    for a, b in zip(ones, cd_step(backend, params, v0, chain, None)):
        np.testing.assert_array_equal(a, b)


def test_the_mask_drops_each_unit_with_probability_p():
    n, m, p = 400, 50, 0.3
    keep = dropout_mask(12345, (n, m), p, np.float32)
    assert set(np.unique(keep)) == {0.0, 1.0}
    # binomial: 5 standard deviations of the dropped fraction
    assert abs((1 - keep.mean()) - p) < 5 * math.sqrt(p * (1 - p) / keep.size)
    # fresh keys give fresh masks; the same key the same mask
    assert not np.array_equal(keep, dropout_mask(12346, (n, m), p, np.float32))
    np.testing.assert_array_equal(keep, dropout_mask(12345, (n, m), p, np.float32))


def test_a_unit_dropped_for_every_case_gets_only_weight_decay():
    X = binary_data(4, 10, seed=1)
    lr, wd, p, seed = 0.1, 0.01, 0.5, 7
    params = dict(n_hidden=60, batch_size=len(X), dropout=p, momentum=0.0, learning_rate=lr,
                  weight_decay=wd, random_state=seed)
    start = fit(X, n_epochs=0, **params)
    trained = fit(X, n_epochs=1, **params)
    # the stream of fit: key 0 draws W, key 1 the epoch's order, key 2 the minibatch's mask (then its step)
    keys = KeyStream(seed)
    keys.next_key(), keys.next_key()
    keep = dropout_mask(keys.next_key(), (len(X), 60), p, np.float64)
    dropped = keep.sum(axis=0) == 0
    assert 0 < dropped.sum() < 60
    np.testing.assert_allclose(trained.W_[:, dropped], start.W_[:, dropped] * (1 - lr * wd), rtol=1e-12)
    np.testing.assert_array_equal(trained.c_[dropped], start.c_[dropped])
    assert np.all(np.abs(trained.c_[~dropped] - start.c_[~dropped]) > 0)


def exact_cd1_gradient(v0, W, b, c, p):
    """E[grad] of one CD-1 step of the dropout RBM on the row ``v0``, by enumerating the mask r,
    the hidden sample h0 <= r and the reconstruction v1 (no sampling)."""
    n_vis, n_hid = W.shape
    states = [np.array(s, dtype=float) for s in itertools.product([0, 1], repeat=n_hid)]
    visible = [np.array(s, dtype=float) for s in itertools.product([0, 1], repeat=n_vis)]
    grads = [np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)]

    def bernoulli(x, prob):
        return np.prod(np.where(x == 1, prob, 1 - prob))

    for r in states:
        p_r = bernoulli(r, np.full(n_hid, 1 - p))
        ph0 = r * sigmoid(c + v0 @ W)
        for h0 in states:
            p_h = bernoulli(h0, ph0)
            pv = sigmoid(b + W @ h0)
            for v1 in visible:
                weight = p_r * p_h * bernoulli(v1, pv)
                ph1 = r * sigmoid(c + v1 @ W)
                for g, term in zip(grads, (np.outer(v0, ph0) - np.outer(v1, ph1), v0 - v1, ph0 - ph1)):
                    g += weight * term
    return grads


def test_the_step_is_unbiased_for_the_exact_dropout_gradient():
    rng = np.random.default_rng(0)
    W, b, c = rng.normal(0, 1.0, (3, 3)), rng.normal(0, 0.5, 3), rng.normal(0, 0.5, 3)
    v0 = np.array([[1.0, 0.0, 1.0]])
    p = 0.4
    rbm = fastrbm.RBM(3, n_epochs=0, batch_size=1, dropout=p, momentum=0.0, final_momentum=0.0, learning_rate=1.0,
                      weight_decay=0.0, dtype="float64", backend="numpy", random_state=1).fit(v0)
    runs = []
    for _ in range(3000):  # momentum 0, learning rate 1: each step moves the parameters by one gradient sample
        rbm.W_, rbm.b_, rbm.c_ = W, b, c
        rbm.partial_fit(v0)
        runs.append(np.concatenate([(rbm.W_ - W).ravel(), rbm.b_ - b, rbm.c_ - c]))
    runs = np.array(runs)
    mean, se = runs.mean(axis=0), runs.std(axis=0) / np.sqrt(len(runs))
    exact = np.concatenate([g.ravel() for g in exact_cd1_gradient(v0[0], W, b, c, p)])
    assert np.all(np.abs(mean - exact) < 5 * se + 1e-12), (mean, exact, se)
    # the bound discriminates: plain CD-1's expected gradient is far outside it
    plain = np.concatenate([g.ravel() for g in exact_cd1_gradient(v0[0], W, b, c, 0.0)])
    assert np.any(np.abs(mean - plain) > 10 * se)


@pytest.mark.parametrize("value, error, message", [
    (1.0, ValueError, "dropout must be < 1"),
    (-0.1, ValueError, "dropout must be >= 0"),
    (float("nan"), ValueError, "dropout must be a number, got NaN"),
    (float("inf"), ValueError, "dropout must be"),
    ("0.5", TypeError, "dropout must be a number"),
    (True, TypeError, "dropout must be a number"),
])
def test_bad_dropout_is_rejected_naming_it(value, error, message):
    with pytest.raises(error, match=message):
        fastrbm.RBM(4, dropout=value).fit(binary_data(10, 5))


@pytest.mark.parametrize("other", [dict(sampler="pt"), dict(centered=True)])
def test_dropout_with_tempering_or_centring_is_rejected(other):
    with pytest.raises(ValueError, match="dropout=0.5 works with the Gibbs negative phase"):
        fastrbm.RBM(4, dropout=0.5, **other).fit(binary_data(10, 5))
    fastrbm.RBM(4, n_epochs=1, dropout=0.0, **other).fit(binary_data(10, 5))  # dropout=0 still combines


def test_save_load_keeps_dropout_and_continues_the_same_training(tmp_path):
    X = binary_data(40, 12)
    rbm = fit(X, dropout=0.3, persistent=True)
    path = tmp_path / "rbm.npz"
    rbm.save(path)
    loaded = fastrbm.RBM.load(path)
    assert loaded.get_params()["dropout"] == 0.3
    rbm.partial_fit(X)
    loaded.partial_fit(X)
    for a, b in zip(parameters(loaded), parameters(rbm)):
        np.testing.assert_array_equal(a, b)
