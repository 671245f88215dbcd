"""ConvRBM: the conditionals against a dense RBM with tied weights, exact distributions on an
enumerable model, every backend against the reference, learning on MNIST, errors, files."""
import itertools
import os
import pickle

import numpy as np
import pytest
from support import is_simulated

import fastrbm
from fastrbm.kernels import _conv_host
from fastrbm.kernels.reference import conv


def conv_model(n_filters, filter_shape, image_shape, *, W=None, b=0.0, c=None, rng=None, scale=1.0, **kw):
    """An unfitted-then-set ConvRBM: random filters of ``scale`` unless given."""
    model = fastrbm.ConvRBM(n_filters, filter_shape, image_shape, n_epochs=0, dtype="float64", random_state=0, **kw)
    model.fit(np.zeros((1, image_shape[0] * image_shape[1])))
    model.W_ = scale * rng.standard_normal((n_filters, *filter_shape)) if W is None else W
    model.b_ = np.array([b])
    model.c_ = rng.standard_normal(n_filters) if c is None else c
    return model


def toeplitz(model):
    """Dense (H * W, F * Ho * Wo) weights of the convolution; hidden units in (filter, y, x) order."""
    (H, W), (h, w), (Ho, Wo) = model.image_shape, model.filter_shape, model.map_shape
    dense = np.zeros((H, W, model.n_filters, Ho, Wo))
    for f, y, x in itertools.product(range(model.n_filters), range(Ho), range(Wo)):
        dense[y:y + h, x:x + w, f, y, x] = model.W_[f]
    return dense.reshape(H * W, -1)


@pytest.mark.parametrize("visible", ["binary", "gaussian"])
def test_conditionals_and_free_energy_equal_the_dense_rbm_with_tied_weights(rng, visible):
    model = conv_model(2, (2, 3), (5, 4), b=-0.3, rng=rng, visible=visible)
    dense_cls = fastrbm.GaussianRBM if visible == "gaussian" else fastrbm.RBM
    dense = dense_cls(model.n_hidden, n_epochs=0, dtype="float64", random_state=0).fit(np.zeros((2, 20)))
    dense.W_, dense.b_ = toeplitz(model), np.full(20, -0.3)
    dense.c_ = np.repeat(model.c_, np.prod(model.map_shape))
    V = rng.random((7, 20))
    if visible == "binary":
        V = (V < 0.5).astype(float)
    H = (rng.random((7, model.n_hidden)) < 0.3).astype(float)
    np.testing.assert_allclose(model.transform(V), dense.transform(V), rtol=1e-12)
    np.testing.assert_allclose(model.sample_visible(H)[0], dense.sample_visible(H)[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.free_energy(V), dense.free_energy(V), rtol=1e-12)
    np.testing.assert_allclose(model.reconstruct(V), dense.reconstruct(V), rtol=1e-12, atol=1e-14)


def test_compiled_im2col_and_col2im_equal_the_reference_and_are_adjoint(rng):
    V = rng.random((3, 6, 5))
    Q = rng.random((3 * 4 * 3, 3 * 3))
    P = conv.im2col(V, (3, 3))
    np.testing.assert_array_equal(_conv_host.im2col(V, (3, 3)), P)
    back = conv.col2im(Q, (6, 5), (3, 3))
    np.testing.assert_allclose(_conv_host.col2im(Q, (6, 5), (3, 3)), back, rtol=1e-13)
    np.testing.assert_allclose(np.sum(P * Q), np.sum(V * back), rtol=1e-12)  # <im2col v, q> = <v, col2im q>


def brute_force_log_p(model, V):
    """log p*(v) summed over every allowed hidden state (pooling: at most one unit on per block)."""
    pre = conv.im2col(V.reshape(-1, *model.image_shape), model.filter_shape) @ model.W_.reshape(
        model.n_filters, -1).T + model.c_  # (n * Ho * Wo, F)
    units = pre.reshape(len(V), -1)
    states = np.array(list(itertools.product([0.0, 1.0], repeat=units.shape[1])))
    if model.pooling > 1:  # one block here: all of a filter's map
        states = states[states.sum(axis=1) <= 1]
    log_terms = units @ states.T
    top = log_terms.max(axis=1, keepdims=True)
    return model.b_[0] * V.sum(axis=1) + (top + np.log(np.exp(log_terms - top).sum(axis=1, keepdims=True)))[:, 0]


def total_variation(samples, p):
    index = (samples @ (2 ** np.arange(samples.shape[1])[::-1])).astype(int)
    return 0.5 * np.abs(np.bincount(index, minlength=len(p)) / len(samples) - p).sum()


@pytest.mark.parametrize("pooling", [1, 2])
def test_gibbs_chain_samples_the_exact_distribution_of_a_3x3_model(pooling):
    rng = np.random.default_rng(5)
    W = np.array([[[2.5, -1.5], [-1.5, 2.0]]])
    model = conv_model(1, (2, 2), (3, 3), W=W, b=-0.5, c=np.array([-1.0]), rng=rng, pooling=pooling)
    V = np.array(list(itertools.product([0.0, 1.0], repeat=9)))
    log_p = brute_force_log_p(model, V)
    np.testing.assert_allclose(-model.free_energy(V) - log_p, 0.0, atol=1e-10)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    n = 20000
    samples = model.sample(n, 40)
    noise = total_variation(V[rng.choice(len(V), size=n, p=p)], p)
    tv = total_variation(samples, p)
    assert tv < 1.3 * noise + 0.01, (tv, noise)
    # the bound can fail: the same chains judged against the other pooling's distribution
    other = conv_model(1, (2, 2), (3, 3), W=W, b=-0.5, c=np.array([-1.0]), rng=rng, pooling=3 - pooling)
    q = np.exp(brute_force_log_p(other, V) - log_p.max())
    assert total_variation(samples, q / q.sum()) > 2 * noise


def test_pooled_hidden_step_has_at_most_one_unit_on_per_block_with_the_exact_frequencies(rng):
    pre = rng.standard_normal((4 * 4, 3))  # one image, 4 x 4 map, 3 filters, 2 x 2 blocks
    p_on, p_off = conv.pool_probabilities(pre, np.zeros(3), 2, (4, 4))
    np.testing.assert_allclose(conv._blocks(p_on, 2, (4, 4)).sum(axis=-1) + p_off, 1.0)
    draws = np.stack([conv.pool_half_step(pre, np.zeros(3), 2, (4, 4), key)[1] for key in range(4000)])
    assert conv._blocks(draws[0], 2, (4, 4)).sum(axis=-1).max() <= 1
    np.testing.assert_allclose(draws.mean(axis=0), p_on, atol=0.03)


@pytest.mark.parametrize("config", [dict(), dict(pooling=2), dict(visible="gaussian")], ids=["plain", "pooled",
                                                                                           "gaussian"])
def test_gradient_statistics_are_minus_the_free_energy_derivatives(rng, config):
    """The CD gradient's data term equals -dF/dtheta (finite differences), scaled as documented."""
    model = conv_model(2, (2, 3), (5, 6), b=0.2, rng=rng, **config)  # maps 4 x 4; non-square to catch transposes
    V = rng.random((4, 30))
    if not model._gaussian:
        V = (V < 0.5).astype(float)
    images = V.reshape(4, 5, 6)
    P = model._im2col(images).copy()
    stats = model._statistics(images, P, model._hidden_step(P, sample=False)[0].copy())
    rows = len(P)
    scales = (rows, V.size, rows)  # W and c: images x positions; b: images x pixels
    for param, stat, scale in zip(("W_", "b_", "c_"), stats, scales):
        theta = getattr(model, param)
        numeric = np.zeros_like(theta)
        for index in np.ndindex(theta.shape):
            for sign in (1, -1):
                shifted = theta.copy()
                shifted[index] += sign * 1e-6
                setattr(model, param, shifted)
                numeric[index] -= sign * model.free_energy(V).sum() / 2e-6
            setattr(model, param, theta)
        np.testing.assert_allclose(stat * scale, numeric, rtol=1e-5, atol=1e-6, err_msg=param)


def test_pooling_units_are_on_when_one_unit_of_their_block_is(rng):
    model = conv_model(3, (3, 3), (6, 6), rng=rng, pooling=2)
    V = (rng.random((5, 36)) < 0.4).astype(float)
    per_unit = model.transform(V).reshape(5, 3, 2, 2, 2, 2)  # (n, F, block y, y in block, block x, x in block)
    np.testing.assert_allclose(model.transform_pooled(V), per_unit.sum(axis=(3, 5)).reshape(5, -1), rtol=1e-12)
    plain = conv_model(3, (3, 3), (6, 6), W=model.W_, c=model.c_, rng=rng)
    np.testing.assert_allclose(plain.transform_pooled(V), plain.transform(V), rtol=1e-12)


def test_get_params_clone_and_set_params():
    from sklearn.base import clone

    model = fastrbm.ConvRBM(5, (3, 3), (10, 10), pooling=2, sparsity_target=0.05)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and twin is not model
    with pytest.raises(ValueError, match="invalid parameter 'nope'"):
        model.set_params(nope=1)


CONFIGS = [dict(), dict(persistent=True, k=2), dict(pooling=2, sparsity_target=0.1), dict(visible="gaussian")]


@pytest.mark.parametrize("config", CONFIGS, ids=["cd", "pcd2", "pooled-sparse", "gaussian"])
def test_same_parameters_on_every_backend(backend, rng, config):
    simulated = is_simulated(backend)  # the simulator runs every thread in Python: one tiny step
    if simulated and (config.get("persistent") or config.get("pooling")):
        pytest.skip("8 s each on the simulator; PCD and pooling differ from 'cd' only in host code")
    X = (rng.random((3 if simulated else 40, 36)) < 0.3).astype(np.float64)
    kw = dict(n_epochs=1 if simulated else 2, batch_size=3 if simulated else 10, learning_rate=0.5,
              dtype="float64", random_state=3, momentum_switch_epoch=1, **config)
    got = fastrbm.ConvRBM(2, (3, 3), (6, 6), backend=backend.name, **kw).fit(X)
    want = fastrbm.ConvRBM(2, (3, 3), (6, 6), backend="numpy", **kw).fit(X)
    for attr in ("W_", "b_", "c_"):
        np.testing.assert_allclose(getattr(got, attr), getattr(want, attr), rtol=1e-9, atol=1e-12)
    start = fastrbm.ConvRBM(2, (3, 3), (6, 6), **{**kw, "n_epochs": 0}).fit(X)
    assert np.abs(want.W_ - start.W_).max() > 1e-3  # training moved the filters
    np.testing.assert_allclose(got.sample(3, 2), want.sample(3, 2), rtol=1e-9, atol=1e-12)  # binary: exactly


@pytest.fixture(scope="module")
def digits():
    X = fastrbm.datasets.load_mnist(source="sample", progress=False)[0][:500]
    return (X > 0.5).astype(np.float32)


def test_learns_mnist_digits(digits):
    kw = dict(n_filters=8, filter_shape=(5, 5), batch_size=20, backend="numba", random_state=0)  # default lr
    before = fastrbm.ConvRBM(n_epochs=0, **kw).fit(digits)
    model = fastrbm.ConvRBM(n_epochs=4, **kw).fit(digits)
    errors = [h["reconstruction_error"] for h in model.history_]
    start = float(np.mean((before.reconstruct(digits) - digits) ** 2))
    assert errors[-1] < 0.6 * start, (start, errors)
    assert model.transform(digits[:3]).shape == (3, 8 * 24 * 24)


def test_sparsity_target_lowers_the_mean_hidden_activation(digits):
    kw = dict(n_filters=4, filter_shape=(5, 5), n_epochs=2, learning_rate=0.3, batch_size=50, backend="numba",
              random_state=0)
    free = fastrbm.ConvRBM(**kw).fit(digits[:200]).transform(digits[:200]).mean()
    sparse = fastrbm.ConvRBM(sparsity_target=0.02, sparsity_cost=0.5, **kw).fit(digits[:200])
    assert sparse.transform(digits[:200]).mean() < 0.5 * free


@pytest.mark.parametrize("change, message", [
    (dict(filter_shape=(9, 9)), "larger than image_shape"),
    (dict(filter_shape=(3,)), "pair of positive integers"),
    (dict(learning_rate=float("nan")), "learning_rate must be a number, got NaN"),
    (dict(pooling=3), "pooling=3 must divide"),
    (dict(sparsity_target=1.0), "sparsity_target must be < 1"),
    (dict(visible="poisson"), "visible must be one of"),
])
def test_bad_hyper_parameters_are_named(change, message):
    with pytest.raises(ValueError, match=message):
        fastrbm.ConvRBM(2, **{**dict(filter_shape=(3, 3), image_shape=(6, 6)), **change}).fit(np.zeros((2, 36)))


@pytest.mark.parametrize("X, message", [
    (np.zeros((2, 35)), "35 features, but image_shape"),
    (np.zeros((2, 6, 5)), r"images of shape \(6, 5\)"),
    (np.full((2, 36), np.nan), "contains NaN"),
    (np.full((2, 36), 1.5), "values above 1"),
    (np.full((2, 36), -0.5), "values below 0"),
])
def test_bad_data_is_named(X, message):
    with pytest.raises(ValueError, match=message):
        fastrbm.ConvRBM(2, (3, 3), (6, 6)).fit(X)


def test_save_load_and_pickle_continue_the_same_training(tmp_path, rng):
    X = (rng.random((30, 36)) < 0.3).astype(np.float32)
    kw = dict(n_epochs=1, batch_size=10, persistent=True, pooling=2, random_state=1)
    model = fastrbm.ConvRBM(2, (3, 3), (6, 6), **kw).fit(X)
    path = model.save(tmp_path / "crbm.npz")
    copies = [fastrbm.ConvRBM.load(path), pickle.loads(pickle.dumps(model))]
    model.partial_fit(X)
    for copy in copies:
        np.testing.assert_array_equal(copy.partial_fit(X).W_, model.W_)
        np.testing.assert_array_equal(copy.transform(X), model.transform(X))
        assert [h["reconstruction_error"] for h in copy.history_] == [
            h["reconstruction_error"] for h in model.history_]
        assert copy.filter_shape == (3, 3)
    assert os.path.getsize(model.save_filters_png(tmp_path / "filters.png")) > 0


def test_load_rejects_a_file_whose_filters_do_not_match_the_header(tmp_path):
    model = fastrbm.ConvRBM(2, (3, 3), (6, 6), n_epochs=1, random_state=1).fit(np.zeros((4, 36)))
    path = model.save(tmp_path / "crbm.npz")
    with np.load(path) as f:
        arrays = dict(f)
    np.savez(path, **{**arrays, "W": np.zeros((2, 4, 4), np.float32)})
    with pytest.raises(fastrbm.ModelFileError, match="'W'"):
        fastrbm.ConvRBM.load(path)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_outputs_keep_the_models_dtype(rng, dtype):
    X = (rng.random((12, 36)) < 0.3).astype(dtype)
    model = fastrbm.ConvRBM(2, (3, 3), (6, 6), pooling=2, n_epochs=1, batch_size=5, dtype=dtype, random_state=0).fit(X)
    outputs = [model.transform(X), model.transform_pooled(X), model.reconstruct(X), model.free_energy(X),
               model.sample(3, 2), *model.sample_hidden(X), *model.sample_visible(model.sample_hidden(X)[1])]
    assert {o.dtype.name for o in outputs} == {dtype} and model.W_.dtype.name == dtype
    assert model.transform(X[:5]).shape == (5, 2 * 4 * 4) and model.transform_pooled(X).shape == (12, 2 * 2 * 2)
