"""DiscriminativeRBM (Larochelle & Bengio 2008): exact p(y|x), its gradient, backends, learning, files."""
import itertools
import pickle

import numpy as np
import pytest

import fastrbm
from fastrbm import DiscriminativeRBM
from fastrbm.kernels.reference import drbm as terms

OBJECTIVES = ("generative", "discriminative", "hybrid")


def tiny_params(rng, F=3, C=3, H=4, scale=1.0):
    """Random float64 parameters large enough that p(y|x) is far from uniform."""
    return (scale * rng.normal(size=(F, H)), scale * rng.normal(size=(C, H)), rng.normal(size=F),
            rng.normal(size=H), rng.normal(size=C))


def brute_force_log_p(x, W, U, b, c, d):
    """log p(y | x) by summing exp(-E(y, x, h)) over every h in {0,1}^H and every y."""
    H, C = W.shape[1], U.shape[0]
    joint = np.empty(C)
    for y in range(C):
        energies = [-(h @ (x @ W) + b @ x + c @ h + d[y] + h @ U[y]) for h in
                    (np.array(bits, dtype=float) for bits in itertools.product((0, 1), repeat=H))]
        joint[y] = np.logaddexp.reduce(-np.array(energies))
    return joint - np.logaddexp.reduce(joint)


def with_params(model, W, U, b, c, d, classes):
    """A DiscriminativeRBM holding the given parameters (as ``load`` sets them)."""
    model.classes_, model.n_features_in_ = np.asarray(classes), W.shape[0]
    model._restore([np.vstack([W, U]), np.concatenate([b, d]), c.copy()])  # training updates in place
    return model


def blobs(n=300, F=24, C=3, seed=0, flip=0.1):
    """Binary prototypes per class with ``flip`` of the bits flipped: separable well above chance."""
    rng = np.random.default_rng(seed)
    prototypes = rng.random((C, F)) < 0.5
    y = rng.integers(0, C, n)
    X = prototypes[y] ^ (rng.random((n, F)) < flip)
    return X.astype(np.float32), y


def test_p_y_given_x_matches_brute_force_enumeration(rng):
    W, U, b, c, d = tiny_params(rng)
    X = (rng.random((5, 3)) < 0.5).astype(float)
    X[0] = [0.3, 0.9, 0.0]  # mean-field inputs are allowed too: the formula still holds
    expected = np.array([brute_force_log_p(x, W, U, b, c, d) for x in X])
    np.testing.assert_allclose(terms.class_log_probabilities(X @ W + c, U, d), expected, rtol=1e-12, atol=1e-12)
    model = with_params(DiscriminativeRBM(4, dtype="float64", backend="numpy"), W, U, b, c, d, [10, 20, 30])
    np.testing.assert_allclose(model.predict_log_proba(X), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), np.array([10, 20, 30])[expected.argmax(axis=1)])


def test_probabilities_stay_finite_for_huge_activations(rng):
    W, U, b, c, d = tiny_params(rng, scale=1e4)
    X = (rng.random((6, 3)) < 0.5).astype(float)
    log_p = terms.class_log_probabilities(X @ W + c, U, d)
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(np.logaddexp.reduce(log_p, axis=1), 0.0, atol=1e-9)


def test_discriminative_gradient_matches_finite_differences(rng):
    W, U, b, c, d = tiny_params(rng, F=4, C=3, H=5)
    X = (rng.random((7, 4)) < 0.5).astype(float)
    labels = rng.integers(0, 3, 7)

    def objective(W, U, c, d):
        return terms.class_log_probabilities(X @ W + c, U, d)[np.arange(7), labels].sum()

    _, G, grad_U, grad_d = terms.discriminative_gradient(X @ W + c, U, d, labels)
    analytic = [X.T @ G, grad_U, G.sum(axis=0), grad_d]
    params = [W, U, c, d]
    eps = 1e-6
    for which, (param, grad) in enumerate(zip(params, analytic)):
        numeric = np.empty_like(param)
        for idx in np.ndindex(param.shape):
            shifted = []
            for sign in (1, -1):
                p = [q.copy() for q in params]
                p[which][idx] += sign * eps
                shifted.append(objective(*p))
            numeric[idx] = (shifted[0] - shifted[1]) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8, err_msg=f"parameter {which}")


def test_one_discriminative_step_is_learning_rate_times_mean_gradient(rng):
    """The model's composition ([X, 0; 0, I] products, cd_update) applies exactly eq. 5."""
    W, U, b, c, d = tiny_params(rng, F=4, C=3, H=5)
    X = (rng.random((8, 4)) < 0.5).astype(float)
    labels = rng.integers(0, 3, 8)
    model = with_params(DiscriminativeRBM(5, objective="discriminative", learning_rate=0.3, dtype="float64",
                                          backend="numpy"), W, U, b, c, d, [0, 1, 2])
    model._initialise_optimiser()
    model._discriminative_step(X, labels)
    _, G, grad_U, grad_d = terms.discriminative_gradient(X @ W + c, U, d, labels)
    np.testing.assert_allclose(model.W_, W + 0.3 * X.T @ G / 8, rtol=1e-12)
    np.testing.assert_allclose(model.U_, U + 0.3 * grad_U / 8, rtol=1e-12)
    np.testing.assert_allclose(model.c_, c + 0.3 * G.sum(axis=0) / 8, rtol=1e-12)
    np.testing.assert_allclose(model.d_, d + 0.3 * grad_d / 8, rtol=1e-12)
    np.testing.assert_array_equal(model.b_, b)  # log p(y|x) does not depend on b


def test_every_backend_matches_the_reference(backend):
    X, y = blobs(n=30, F=6, C=3, seed=1)
    # three hybrid steps (both terms, CD sampling included) from one seed; float64 so that no
    # Bernoulli draw flips between backends
    kwargs = dict(objective="hybrid", alpha=0.5, learning_rate=0.1, batch_size=10, n_epochs=1, dtype="float64",
                  random_state=3)
    ref = DiscriminativeRBM(4, backend="numpy", **kwargs).fit(X, y)
    got = DiscriminativeRBM(4, backend=backend.name, **kwargs).fit(X, y)
    np.testing.assert_allclose(got.W_, ref.W_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got.predict_proba(X), ref.predict_proba(X), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(got.predict(X), ref.predict(X))


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_learns_a_separable_problem(objective):
    X_all, y_all = blobs(n=600, seed=2)
    X, y, X_test, y_test = X_all[:400], y_all[:400], X_all[400:], y_all[400:]
    lr = 0.1 if objective == "generative" else 0.05
    model = DiscriminativeRBM(16, objective=objective, learning_rate=lr, n_epochs=10, backend="numpy",
                              random_state=0).fit(X, y)
    assert model.score(X_test, y_test) > 0.9  # chance: 1/3
    if objective != "generative":  # the objective it climbs went down
        losses = [h["train_log_loss"] for h in model.history_]
        assert losses[-1] < 0.5 * losses[0]


def test_string_labels_and_validation_keeps_the_best_epoch():
    X_all, y_all = blobs(n=300, seed=4, flip=0.25)
    names = np.array(["ant", "bee", "cat"])[y_all]
    model = DiscriminativeRBM(8, objective="discriminative", n_epochs=6, backend="numpy", random_state=0)
    model.fit(X_all[:200], names[:200], X_val=X_all[200:], y_val=names[200:])
    assert model.classes_.tolist() == ["ant", "bee", "cat"]
    errors = [h["val_error"] for h in model.history_]
    assert model.best_epoch_ == 1 + int(np.argmin(errors))
    assert 1 - model.score(X_all[200:], names[200:]) == pytest.approx(min(errors))
    with pytest.raises(ValueError, match="not among the training classes"):
        model.fit(X_all[:200], names[:200], X_val=X_all[200:], y_val=np.full(100, "dog"))


@pytest.mark.parametrize("params, match", [
    ({"learning_rate": float("nan")}, "learning_rate must be a number, got NaN"),
    ({"objective": "adversarial"}, "objective must be one of"),
    ({"alpha": -0.1}, "alpha must be >= 0"),
    ({"n_hidden": 0}, "n_hidden must be >= 1"),
    ({"dtype": "int8"}, "dtype must be one of"),
])
def test_bad_hyper_parameters(params, match):
    X, y = blobs(n=20)
    with pytest.raises(ValueError, match=match):
        DiscriminativeRBM(**{"n_hidden": 4, "backend": "numpy", **params}).fit(X, y)


def test_bad_inputs():
    X, y = blobs(n=20)
    model = DiscriminativeRBM(4, n_epochs=1, backend="numpy")
    with pytest.raises(fastrbm.NotFittedError, match="not fitted yet"):
        model.predict(X)
    bad_nan = X.copy()
    bad_nan[0, 0] = np.nan
    for bad, match in ((bad_nan, "contains NaN"), (X * 2, "above 1.0"), (X - 1, "below 0.0"),
                       (X[0], "must be 2-dimensional")):
        with pytest.raises(ValueError, match=match):
            model.fit(bad, y if bad.ndim == 2 else y[:1])
    with pytest.raises(ValueError, match="different lengths"):
        model.fit(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        model.fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="must be given together"):
        model.fit(X, y, X_val=X)
    model.fit(X, y)
    with pytest.raises(ValueError, match="expecting 24 features"):
        model.predict(X[:, :5])


def test_save_load_and_pickle_round_trip(tmp_path, backend):
    X, y = blobs(n=20, F=6)
    model = DiscriminativeRBM(3, n_epochs=1, batch_size=20, backend=backend.name, random_state=0).fit(X, y)
    expected = model.predict_proba(X)
    loaded = DiscriminativeRBM.load(model.save(tmp_path / "drbm"))
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    assert loaded.get_params() == model.get_params() and loaded.history_ == model.history_
    on_numpy = DiscriminativeRBM.load(tmp_path / "drbm.npz", backend="numpy")
    np.testing.assert_allclose(on_numpy.predict_proba(X), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X), expected)


def test_load_rejects_an_inconsistent_file(tmp_path):
    X, y = blobs(n=30, F=6)
    path = DiscriminativeRBM(5, n_epochs=1, backend="numpy", random_state=0).fit(X, y).save(tmp_path / "m")
    with np.load(path) as data:
        arrays = dict(data)
    arrays["W"] = arrays["W"][:-1]  # one class row short
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(fastrbm.ModelFileError, match="entry 'W' has shape"):
        DiscriminativeRBM.load(tmp_path / "bad.npz")
