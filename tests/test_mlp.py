"""The MLP model: gradient check on every backend, learning, early stopping, save/load, bad input."""
import numpy as np
import pytest
from _digits import load_digits_split

import fastrbm
from fastrbm import MLP
from fastrbm._io import ModelFileError
from fastrbm._validation import NotFittedError
from support import is_simulated


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


def tiny_problem(seed=0, n=7, d=5, classes=3):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)), rng.integers(0, classes, n)


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_gradient_check(backend, dropout):
    """Backprop gradients equal central finite differences of the mean loss (float64, tiny net).

    The CUDA simulator runs every GPU thread as a Python thread: there it checks
    three coordinates by finite differences and all of them against the
    reference's (finite-difference-checked) backprop.
    """
    simulated = is_simulated(backend)
    if simulated and dropout == 0.0:
        pytest.skip("simulator: the dropout case covers the no-dropout path too")
    X, y = tiny_problem()
    m = MLP((4, 3), n_epochs=1, dtype="float64", backend=backend.name, early_stopping=False, dropout=dropout,
            input_dropout=dropout / 2, random_state=1).fit(X, y)
    K = m._K
    Xb, yb = K.asarray(X), K.asarray(np.searchsorted(m.classes_, y))
    keys = [11, 12, 13]  # fixed dropout masks: the loss is a deterministic function of the weights

    def loss():
        return float(K.to_numpy(m._loss_and_gradients(Xb, yb, keys)).sum()) / len(X)

    loss()
    grads = [K.to_numpy(g).copy() for pair in zip(m._gW, m._gb) for g in pair]
    params = [K.to_numpy(p).copy() for p in m._params()]
    eps = 1e-6
    if simulated:
        ref = MLP((4, 3), n_epochs=1, dtype="float64", backend="numpy", early_stopping=False, dropout=dropout,
                  input_dropout=dropout / 2, random_state=1).fit(X, y)
        for k, p in enumerate(params):
            ref._set_param(k, p)
        ref._loss_and_gradients(X, np.searchsorted(m.classes_, y), keys)
        for g, g_ref in zip(grads, [g for pair in zip(ref._gW, ref._gb) for g in pair]):
            np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-14)
    for k, (p, g) in enumerate(zip(params, grads)):
        numeric = g.copy()
        coordinates = list(np.ndindex(p.shape))
        if simulated:
            coordinates = coordinates[:1] if k in (0, 3, 4) else []
        for idx in coordinates:
            q = p.copy()
            q[idx] += eps
            m._set_param(k, q)
            f_plus = loss()
            q[idx] -= 2 * eps
            m._set_param(k, q)
            numeric[idx] = (f_plus - loss()) / (2 * eps)
        m._set_param(k, p)
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-8, err_msg=f"parameter {k}")


def test_backends_train_identically(backend):
    """One epoch from the same seed gives the same weights as the NumPy reference (float64)."""
    X, y = tiny_problem(1, n=16, d=5, classes=3)
    kw = dict(n_epochs=1, batch_size=8, dtype="float64", early_stopping=False, dropout=0.2, random_state=3)
    got = MLP((5,), backend=backend.name, optimizer="adam", learning_rate=0.01, **kw).fit(X, y)
    want = MLP((5,), backend="numpy", optimizer="adam", learning_rate=0.01, **kw).fit(X, y)
    for a, b in zip(got.coefs_ + got.intercepts_, want.coefs_ + want.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.predict_proba(X), want.predict_proba(X), rtol=1e-9)


@pytest.mark.parametrize("name", ["numpy", "numba"])
def test_learns_digits(request, digits, name):
    from support import kernels_or_skip

    kernels_or_skip(request.config, name)
    X, y, Xt, yt = digits
    clf = MLP((64,), optimizer="adam", learning_rate=3e-3, n_epochs=15, batch_size=32, backend=name,
              validation_size=200, random_state=0).fit(X, y)
    assert clf.score(Xt, yt) > 0.9
    proba = clf.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(Xt), clf.classes_[proba.argmax(1)])


def test_early_stopping_restores_best(digits):
    X, y, Xt, yt = digits
    clf = MLP((32,), optimizer="sgd", learning_rate=0.5, momentum=0.9, n_epochs=12, patience=3, batch_size=50,
              validation_size=250, backend="numpy", random_state=0).fit(X, y)
    errors = [h["val_error"] for h in clf.history_]
    assert clf.best_epoch_ == int(np.argmin(errors)) + 1
    X_val, y_val = X[-250:], y[-250:]
    assert np.isclose(1 - clf.score(X_val, y_val), min(errors))
    assert len(clf.history_) <= 12


def test_without_validation_runs_every_epoch_and_keeps_the_last(digits):
    X, y, _, _ = digits
    clf = MLP((16,), n_epochs=3, batch_size=50, early_stopping=False, backend="numpy", random_state=0).fit(X, y)
    assert clf.best_epoch_ == len(clf.history_) == 3
    assert all("val_error" not in h for h in clf.history_)


def test_sgd_max_norm_and_weight_decay(digits):
    X, y, _, _ = digits
    clf = MLP((16,), optimizer="sgd", learning_rate=0.5, max_norm=0.5, weight_decay=1e-3, n_epochs=2,
              early_stopping=False, backend="numpy", random_state=0).fit(X, y)
    assert max(np.linalg.norm(W, axis=0).max() for W in clf.coefs_) <= 0.5 * (1 + 1e-5)


def test_save_load_roundtrip(tmp_path, digits):
    X, y, Xt, _ = digits
    clf = MLP((8,), n_epochs=1, backend="numpy", validation_size=100, random_state=0).fit(X, y + 3)
    path = clf.save(tmp_path / "mlp")
    back = MLP.load(path, backend="numpy")
    np.testing.assert_array_equal(back.predict_proba(Xt), clf.predict_proba(Xt))
    np.testing.assert_array_equal(back.predict(Xt), clf.predict(Xt))
    assert back.classes_.tolist() == list(range(3, 13))
    assert back._keys().state() == clf._keys().state()  # the stream continues where it was saved
    with pytest.raises(ModelFileError, match="holds a 'MLP' model, not a 'DBN'"):
        fastrbm.DBN.load(path)


def test_bad_input(digits):
    X, y, _, _ = digits
    clf = MLP((4,), n_epochs=1, backend="numpy", early_stopping=False)
    with pytest.raises(ValueError, match="different lengths"):
        clf.fit(X, y[:-1])
    bad = X.copy()
    bad[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(bad, y)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        clf.fit(X, y + 0.5)
    with pytest.raises(NotFittedError, match="not fitted"):
        clf.predict(X)
    with pytest.raises(ValueError, match="optimizer"):
        MLP(optimizer="lbfgs").fit(X, y)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="features, but MLP is expecting"):
        clf.predict(X[:, :10])


def test_cuda_simulator_predicts_like_numpy(request):
    from support import kernels_or_skip

    K = kernels_or_skip(request.config, "cuda")
    if not is_simulated(K):
        pytest.skip("only meaningful as a simulator check here")
    X, y = tiny_problem(2, n=12, d=4, classes=3)
    a = MLP((3,), n_epochs=1, batch_size=6, dtype="float64", early_stopping=False, random_state=0,
            backend="cuda").fit(X, y)
    b = MLP((3,), n_epochs=1, batch_size=6, dtype="float64", early_stopping=False, random_state=0,
            backend="numpy").fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9)
