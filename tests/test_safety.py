"""Issue 14: models are safe to use like any scikit-learn estimator.

NaN / inf hyper-parameters, NumPy scalars, pickling on every backend, model
files as untrusted input (a loader fuzz), inputs never modified, and clear
errors for complex, sparse, ragged and otherwise malformed arguments.
"""
import copy
import os
import pickle
import re
import time

import numpy as np
import pytest

import fastrbm
from fastrbm import DBN, MLP, DBNClassifier, GaussianRBM, Hopfield, RBM
from fastrbm import ModelFileError

pytestmark = pytest.mark.filterwarnings("ignore:fastrbm.RBM is not available:RuntimeWarning")

NAN, INF = float("nan"), float("inf")


def binary(n=20, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, d)) < np.linspace(0.2, 0.8, d)).astype(np.float32)


def labels(n=20):
    return np.arange(n) % 2


def bipolar(p=2, n=8, seed=1):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(p, n)).astype(np.float32)


# ---------------------------------------------------------------- models used across the tests
def build(kind, backend="numpy"):
    """A tiny fitted model of ``kind`` on ``backend``."""
    X, y = binary(), labels()
    if kind == "RBM":
        return RBM(3, n_epochs=1, batch_size=10, persistent=True, backend=backend, random_state=0).fit(X)
    if kind == "GaussianRBM":
        return GaussianRBM(3, n_epochs=1, batch_size=10, variance="learned", backend=backend,
                           random_state=0).fit(X * 2 - 0.5)
    if kind == "MLP":
        return MLP((4,), n_epochs=1, batch_size=10, early_stopping=False, backend=backend, random_state=0).fit(X, y)
    if kind == "DBN":
        return DBN((6, 4, 5), n_labels=2, n_epochs=1, batch_size=10, up_down_epochs=1, backend=backend,
                   random_state=0).fit(X, y)
    if kind == "DBNClassifier":
        return DBNClassifier((4, 5), pretrain_epochs=1, n_epochs=1, batch_size=10, early_stopping=False,
                             backend=backend, random_state=0).fit(X, y)
    if kind == "Hopfield":
        return Hopfield(8, backend=backend, random_state=0).store(bipolar())
    raise AssertionError(kind)


KINDS = ("RBM", "GaussianRBM", "MLP", "DBN", "DBNClassifier", "Hopfield")
CLASSES = {"RBM": RBM, "GaussianRBM": GaussianRBM, "MLP": MLP, "DBN": DBN, "DBNClassifier": DBNClassifier,
           "Hopfield": Hopfield}


def outputs(model):
    """Deterministic outputs of a fitted model (for comparing copies)."""
    X = binary(5, seed=3)
    if isinstance(model, RBM):
        Xm = X * 2 - 0.5 if model._gaussian else X
        return [model.transform(Xm), model.free_energy(Xm), model.reconstruct(Xm)]
    if isinstance(model, MLP):
        return [model.predict_proba(X), model.predict(X)]
    if isinstance(model, DBN):
        return [model.transform(X), model.predict_proba(X)]
    return [model.weights_, model.thresholds_, model.energy(bipolar(3))]


# ---------------------------------------------------------------- 1. NaN / inf hyper-parameters
FIT_PARAMS = [
    (RBM, ("learning_rate", "momentum", "final_momentum", "weight_decay")),
    (GaussianRBM, ("learning_rate", "momentum", "final_momentum", "weight_decay")),
    (MLP, ("learning_rate", "lr_decay", "momentum", "beta1", "beta2", "epsilon", "weight_decay", "max_norm",
           "dropout", "input_dropout", "validation_size")),
    (DBN, ("learning_rate", "momentum", "final_momentum", "weight_decay")),
    (DBNClassifier, ("pretrain_learning_rate", "learning_rate", "momentum", "weight_decay")),
]


@pytest.mark.parametrize("value", [NAN, INF, -INF])
@pytest.mark.parametrize("cls,names", FIT_PARAMS, ids=lambda v: getattr(v, "__name__", "params"))
def test_nan_and_inf_hyper_parameters_are_rejected(cls, names, value):
    X, y = binary(), labels()
    for name in names:
        small = {"n_epochs": 1} if cls is not DBN else {"n_epochs": 1, "n_labels": 0}
        if cls is DBN:
            model = cls((6, 3), **small, backend="numpy", **{name: value})
            fit = lambda: model.fit(X)  # noqa: E731
        elif cls in (MLP, DBNClassifier):
            model = cls((3,), **small, backend="numpy", **{name: value})
            fit = lambda: model.fit(X, y)  # noqa: E731
        else:
            model = cls(3, **small, backend="numpy", **{name: value})
            fit = lambda: model.fit(X)  # noqa: E731
        with pytest.raises(ValueError, match=name):
            fit()


def test_run_time_arguments_reject_nan_and_inf():
    net = build("Hopfield")
    S = bipolar(3)
    with pytest.raises(ValueError, match="beta"):
        net.recall(S, beta=NAN)
    for beta in (NAN, INF):
        with pytest.raises(ValueError, match="beta"):
            net.exact_distribution(beta)
    # beta = inf is zero temperature: the deterministic dynamics, draw for draw
    cold = build("Hopfield").recall(S, beta=INF, max_sweeps=5)
    det = build("Hopfield").recall(S, max_sweeps=5)
    np.testing.assert_array_equal(cold.states, det.states)
    np.testing.assert_array_equal(cold.sweeps, det.sweeps)
    rbm = build("RBM")
    for n_betas in (0, -5, 2.5, NAN):
        with pytest.raises((ValueError, TypeError), match="n_betas"):
            rbm.log_partition("ais", n_betas=n_betas, n_runs=2)
    with pytest.raises(ValueError, match="n_runs"):
        rbm.log_partition("ais", n_betas=10, n_runs=0)


def test_init_layers_are_checked():
    X, y = binary(), labels()
    W = np.full((6, 3), np.nan)
    with pytest.raises(ValueError, match=r"init_layers\[0\] weights contains NaN"):
        MLP((3,), n_epochs=1, early_stopping=False, backend="numpy").fit(X, y, init_layers=[(W, np.zeros(3))])


def test_fine_tune_checks_every_parameter():
    dbn = build("DBN")
    X, y = binary(), labels()
    for kwargs, name in [({"momentum": 5}, "momentum"), ({"momentum": NAN}, "momentum"),
                         ({"weight_decay": -1.0}, "weight_decay"), ({"weight_decay": NAN}, "weight_decay"),
                         ({"top_learning_rate": INF}, "top_learning_rate"), ({"k": 0}, "k"),
                         ({"learning_rate": NAN}, "learning_rate")]:
        with pytest.raises(ValueError, match=name):
            dbn.fine_tune(X, y, n_epochs=1, **kwargs)


def test_errors_name_the_parameter_the_user_set():
    X, y = binary(), labels()
    with pytest.raises(ValueError, match="pretrain_epochs"):
        DBNClassifier((3,), pretrain_epochs=-1, n_epochs=1, backend="numpy").fit(X, y)
    with pytest.raises(ValueError, match="pretrain_learning_rate"):
        DBNClassifier((3,), pretrain_learning_rate=0.0, n_epochs=1, backend="numpy").fit(X, y)
    with pytest.raises(ValueError, match="up_down_epochs"):
        DBNClassifier((3,), up_down_epochs=-2, n_epochs=1, backend="numpy").fit(X, y)


def test_numpy_scalars_are_accepted_and_saved(tmp_path):
    X, y = binary(), labels()
    rbm = RBM(np.int64(3), learning_rate=np.float32(0.1), n_epochs=np.int64(2), batch_size=np.int64(10),
              momentum=np.float64(0.5), random_state=np.int64(4), dtype=np.float32, backend="numpy").fit(X)
    back = RBM.load(rbm.save(tmp_path / "rbm"))
    assert back.n_hidden == 3 and back.random_state == 4 and back.n_epochs == 2
    np.testing.assert_array_equal(back.transform(X), rbm.transform(X))
    mlp = MLP((np.int64(3),), learning_rate=np.float32(0.1), n_epochs=np.int64(1), batch_size=np.int64(10),
              early_stopping=False, random_state=np.int64(1), backend="numpy").fit(X, y)
    np.testing.assert_array_equal(MLP.load(mlp.save(tmp_path / "mlp")).predict_proba(X), mlp.predict_proba(X))
    dbn = DBN((np.int64(6), np.int64(4)), n_labels=np.int64(0), learning_rate=np.float32(0.1),
              n_epochs=np.int64(1), batch_size=np.int64(10), momentum=np.float32(0.5), backend="numpy").fit(X)
    np.testing.assert_array_equal(DBN.load(dbn.save(tmp_path / "dbn")).transform(X), dbn.transform(X))
    net = Hopfield(np.int64(8), backend="numpy").store(bipolar())
    np.testing.assert_array_equal(Hopfield.load(net.save(tmp_path / "hop")).weights_, net.weights_)


# ---------------------------------------------------------------- 3. pickling on every backend
@pytest.mark.parametrize("kind", KINDS)
def test_pickle_and_deepcopy_on_every_backend(backend, kind):
    model = build(kind, backend.name)
    expected = outputs(model)
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert type(clone) is type(model)
        for got, want in zip(outputs(clone), expected):
            np.testing.assert_array_equal(got, want)
    unfitted = CLASSES[kind](8, backend=backend.name) if kind == "Hopfield" else CLASSES[kind](backend=backend.name)
    assert type(pickle.loads(pickle.dumps(unfitted))) is type(unfitted)


def test_unpickled_models_keep_training(backend):
    X = binary()
    rbm = build("RBM", backend.name)
    clone = pickle.loads(pickle.dumps(rbm))
    rbm.partial_fit(X)
    clone.partial_fit(X)
    np.testing.assert_allclose(clone.W_, rbm.W_, rtol=1e-6, atol=1e-7)
    net = pickle.loads(pickle.dumps(build("Hopfield", backend.name)))
    net.store(bipolar(1, seed=9))
    assert net.n_patterns_ == 3
    dbn = pickle.loads(pickle.dumps(build("DBN", backend.name)))
    dbn.fine_tune(X[:10], labels(10), n_epochs=1)
    assert np.isfinite(dbn.top_W_).all()


# ---------------------------------------------------------------- 5. model files are untrusted input
def rewrite(path, entries):
    """Write ``entries`` (name -> array, the header included) back to ``path`` as a plain .npz."""
    with open(path, "wb") as fh:
        np.savez(fh, **entries)


def read(path):
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def corruptions(a):
    """Wrong shapes, wrong dtypes, NaN for one entry ``a``."""
    yield "shape+1", np.zeros(tuple(s + 1 for s in a.shape), dtype=a.dtype)
    if a.shape != (2, 2):
        yield "shape(2,2)", np.zeros((2, 2), dtype=a.dtype)
    yield "scalar", np.zeros((), dtype=a.dtype)
    yield "object", np.empty(a.shape, dtype=object)
    yield "complex", a.astype(np.complex128)
    yield "str", a.astype(str)
    yield "bool", np.ones(a.shape, dtype=bool)
    if a.size:
        bad = a.astype(np.float64)
        bad.flat[0] = np.nan
        yield "nan", bad


@pytest.mark.parametrize("kind", KINDS)
def test_loader_fuzz(tmp_path, kind):
    model = build(kind)
    path = model.save(tmp_path / "model")
    good = read(path)
    cls = CLASSES[kind]
    cls.load(path)  # the untouched file loads
    names = [name for name in good if name != "__meta__"]
    assert len(names) >= 3
    for name in names:
        for label, bad in corruptions(good[name]):
            entries = dict(good)
            entries[name] = bad
            target = tmp_path / f"{name}-{label}.npz"
            rewrite(target, entries)
            with pytest.raises(ModelFileError, match=name):
                cls.load(target)
        entries = {k: v for k, v in good.items() if k != name}
        rewrite(tmp_path / "missing.npz", entries)
        optional = {"chain": ("RBM", "GaussianRBM"),  # PCD chains (CD models have none)
                    "label_frequencies": ("DBN",)}  # DBN files written before it existed
        if kind in optional.get(name, ()):
            cls.load(tmp_path / "missing.npz")
            continue
        with pytest.raises(ModelFileError, match=name):
            cls.load(tmp_path / "missing.npz")
    rewrite(tmp_path / "extra.npz", {**good, "surprise": np.zeros(3)})
    with pytest.raises(ModelFileError, match="surprise"):
        cls.load(tmp_path / "extra.npz")


def test_reported_crafted_files(tmp_path):
    X, y = binary(), labels()
    rbm = RBM(4, n_epochs=1, batch_size=10, backend="numpy").fit(X)
    good = read(rbm.save(tmp_path / "rbm"))
    rewrite(tmp_path / "dW.npz", {**good, "dW": np.zeros((2, 2), np.float32)})
    with pytest.raises(ModelFileError, match="'dW' has shape"):
        RBM.load(tmp_path / "dW.npz")
    rewrite(tmp_path / "nan.npz", {**good, "W": np.full_like(good["W"], np.nan)})
    with pytest.raises(ModelFileError, match="'W' contains NaN"):
        RBM.load(tmp_path / "nan.npz")
    g = GaussianRBM(3, n_epochs=1, batch_size=10, backend="numpy").fit(X)
    good = read(g.save(tmp_path / "g"))
    rewrite(tmp_path / "sigma.npz", {**good, "sigma": np.ones(1, np.float32)})
    with pytest.raises(ModelFileError, match="'sigma' has shape"):
        GaussianRBM.load(tmp_path / "sigma.npz")
    dbn = DBN((6, 4, 5), n_labels=2, n_epochs=1, batch_size=10, backend="numpy").fit(X, y)
    good = read(dbn.save(tmp_path / "dbn"))
    for name in ("r0", "top_b"):
        rewrite(tmp_path / f"{name}.npz", {**good, name: good[name][:-1]})
        with pytest.raises(ModelFileError, match=f"'{name}' has shape"):
            DBN.load(tmp_path / f"{name}.npz")
    mlp = MLP((3,), n_epochs=1, batch_size=10, early_stopping=False, backend="numpy").fit(X, y)
    good = read(mlp.save(tmp_path / "mlp"))
    rewrite(tmp_path / "classes.npz", {**good, "classes": good["classes"][None, :]})
    with pytest.raises(ModelFileError, match="'classes' has shape"):
        MLP.load(tmp_path / "classes.npz")


@pytest.mark.parametrize("kind", KINDS)
def test_crafted_headers(tmp_path, kind):
    import json

    good = read(build(kind).save(tmp_path / "model"))
    meta = json.loads(good["__meta__"].tobytes().decode())
    crafted = []
    if "params" in meta:
        for name, value in meta["params"].items():
            if isinstance(value, float):
                crafted.append({**meta, "params": {**meta["params"], name: float("nan")}})
        crafted.append({**meta, "params": {**meta["params"], "no_such_param": 1}})
        crafted.append({**meta, "params": [1, 2]})
    else:
        crafted += [{**meta, "n_neurons": -1}, {**meta, "n_patterns": "x"}, {**meta, "rule": 5},
                    {**meta, "dtype": "int32"}, {k: v for k, v in meta.items() if k != "seed"}]
    crafted.append({**meta, "format_version": "1"})
    for i, header in enumerate(crafted):
        raw = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        rewrite(tmp_path / f"h{i}.npz", {**good, "__meta__": raw})
        with pytest.raises(ModelFileError):
            CLASSES[kind].load(tmp_path / f"h{i}.npz")


def test_file_errors_say_what_is_wrong(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(np.random.default_rng(0).bytes(300))
    for cls in CLASSES.values():
        with pytest.raises(ModelFileError, match="not a fastrbm model file"):
            cls.load(junk)
    rbm_path = build("RBM").save(tmp_path / "rbm")
    with pytest.raises(ModelFileError, match="holds a 'RBM' model.*'DBNClassifier'"):
        DBNClassifier.load(rbm_path)
    mlp_path = build("MLP").save(tmp_path / "mlp")
    with pytest.raises(ModelFileError, match="holds a 'MLP' model.*'DBNClassifier'"):
        DBNClassifier.load(mlp_path)
    clf_path = build("DBNClassifier").save(tmp_path / "clf")
    assert isinstance(DBNClassifier.load(clf_path), DBNClassifier)
    with pytest.raises(ModelFileError, match="holds a 'DBNClassifier' model.*'MLP'"):
        MLP.load(clf_path)
    missing = tmp_path / "no" / "such" / "dir"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))) as info:
        build("RBM").save(missing / "m.npz")
    assert ".tmp-" not in str(info.value)


def test_stale_temp_files_are_removed_on_the_next_save(tmp_path):
    rbm = build("RBM")
    old = time.time() - 3600
    dead = tmp_path / ".tmp-m.npz-999999999-abcd.npz"  # an interrupted save of m.npz by a dead process
    ancient = tmp_path / f".tmp-m.npz-{os.getpid()}-old.npz"  # any writer: more than a day old
    fresh = tmp_path / ".tmp-m.npz-999999998-new.npz"  # maybe another host still writing it: kept
    other = tmp_path / ".tmp-other.npz-999999999-abcd.npz"  # another target's: kept
    for f in (dead, ancient, fresh, other):
        f.write_bytes(b"partial")
    os.utime(dead, (old, old))
    os.utime(other, (old, old))
    os.utime(ancient, (old - 2 * 86400, old - 2 * 86400))
    rbm.save(tmp_path / "m.npz")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["m.npz", fresh.name, other.name])


# ---------------------------------------------------------------- 6. inputs are never modified
def calls(kind, model):
    """(description, callable, arrays) for the public methods of a fitted ``model``."""
    X, y = binary(6, seed=5), labels(6)
    if kind in ("RBM", "GaussianRBM"):
        Xm = X * 2 - 0.5 if kind == "GaussianRBM" else X
        H = (binary(6, d=3, seed=6))
        out = [("transform", model.transform, (Xm,)), ("sample_hidden", model.sample_hidden, (Xm,)),
               ("sample_visible", model.sample_visible, (H,)), ("reconstruct", model.reconstruct, (Xm,)),
               ("free_energy", model.free_energy, (Xm,)), ("energy", model.energy, (Xm, H)),
               ("sample", lambda a: model.sample(6, 2, init=a), (Xm,)), ("gibbs", model.gibbs, (Xm,)),
               ("partial_fit", model.partial_fit, (Xm,)), ("fit_transform", model.fit_transform, (Xm,)),
               ("fit", lambda a, b: model.fit(a, X_val=b), (Xm, Xm.copy()))]
        if kind == "RBM":
            out.append(("score_samples", model.score_samples, (X,)))
        return out
    if kind in ("MLP", "DBNClassifier"):
        return [("predict", model.predict, (X,)), ("predict_proba", model.predict_proba, (X,)),
                ("score", model.score, (X, y)), ("fit", model.fit, (binary(), labels()))]
    if kind == "DBN":
        pen = binary(3, d=4, seed=7)
        return [("transform", model.transform, (X,)), ("predict", model.predict, (X,)),
                ("predict_proba", model.predict_proba, (X,)), ("free_energies", model.free_energies, (X,)),
                ("score", model.score, (X, y)), ("sample", lambda a: model.sample(3, n_steps=2, init=a), (pen,)),
                ("fine_tune", lambda a, b: model.fine_tune(a, b, n_epochs=1), (binary(), labels())),
                ("fit", model.fit, (binary(), labels()))]
    S = bipolar(3, seed=8)
    return [("recall async", lambda a: model.recall(a, max_sweeps=3), (S,)),
            ("recall sync", lambda a: model.recall(a, max_sweeps=3, mode="sync"), (S,)),
            ("recall beta", lambda a: model.recall(a, max_sweeps=3, beta=1.0), (S,)),
            ("energy", model.energy, (S,)), ("store", model.store, (bipolar(1, seed=10),))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_public_methods_never_modify_their_inputs(backend, kind, dtype):
    if backend.name == "cuda" and dtype == np.float64:
        pytest.skip("simulator: the device copy makes the dtype irrelevant; float32 covers cuda")
    model = build(kind, backend.name)
    for what, method, args in calls(kind, model):
        args = [np.ascontiguousarray(a, dtype=dtype) if a.dtype.kind == "f" else a for a in args]
        before = [a.copy() for a in args]
        method(*args)
        for a, b in zip(args, before):
            np.testing.assert_array_equal(a, b, err_msg=f"{kind}.{what} modified its input")


def test_reported_recall_overwrote_the_callers_array():
    net = Hopfield(16, backend="numpy", random_state=0).store(bipolar(2, 16))
    S = -bipolar(2, 16)
    kept = S.copy()
    result = net.recall(S)
    np.testing.assert_array_equal(S, kept)
    assert not np.shares_memory(result.states, S)


def test_constructor_and_setter_arrays_are_copied(backend):
    theta = np.zeros(8, np.float32)
    net = Hopfield(8, thresholds=theta, backend=backend.name).store(bipolar())
    theta[0] = 5.0
    assert net.thresholds_[0] == 0.0
    rbm = build("RBM", backend.name)
    W = rbm.W_.copy()
    kept = W.copy()
    rbm.W_ = W
    rbm.partial_fit(binary())
    np.testing.assert_array_equal(W, kept)


# ---------------------------------------------------------------- 7. clear errors for malformed arguments
class FakeSparse:
    """Duck-typed like a scipy.sparse matrix (no scipy needed)."""

    nnz = 3
    shape = (20, 6)
    dtype = np.dtype(np.float32)

    def toarray(self):
        return binary()


def test_complex_sparse_and_ragged_input_are_named():
    with pytest.raises(ValueError, match="patterns must be real-valued"):
        Hopfield(16, backend="numpy").store(bipolar(2, 16) + 0.5j)
    with pytest.raises(ValueError, match="X must be real-valued"):
        RBM(3, n_epochs=1, backend="numpy").fit(binary() + 0.5j)
    with pytest.raises(TypeError, match="X: sparse input is not supported; call .toarray"):
        RBM(3, n_epochs=1, backend="numpy").fit(FakeSparse())
    with pytest.raises(TypeError, match="sparse input is not supported"):
        MLP((3,), n_epochs=1, backend="numpy").fit(FakeSparse(), labels())
    with pytest.raises(TypeError, match="sparse input is not supported"):
        build("Hopfield").recall(FakeSparse())
    ragged = [[0.0, 1.0], [1.0]]
    with pytest.raises(ValueError, match="X must be a rectangular array"):
        RBM(3, n_epochs=1, backend="numpy").fit(ragged)
    with pytest.raises(ValueError, match="states must be a rectangular array"):
        build("Hopfield").recall(ragged)
    with pytest.raises(ValueError, match="y must be a rectangular array"):
        MLP((3,), n_epochs=1, backend="numpy").fit(binary(2), [[0], [1, 2]])


def test_inf_labels_are_rejected():
    y = labels().astype(np.float64)
    y[3] = np.inf
    with pytest.raises(ValueError, match="y contains infinity"):
        MLP((3,), n_epochs=1, early_stopping=False, backend="numpy").fit(binary(), y)
    with pytest.raises(ValueError, match="y contains infinity"):
        DBNClassifier((3,), pretrain_epochs=1, n_epochs=1, early_stopping=False, backend="numpy").fit(binary(), y)


def test_changed_shape_parameters_after_fit(tmp_path):
    X = binary()
    rbm = RBM(4, n_epochs=1, batch_size=10, backend="numpy", random_state=0).fit(X)
    rbm.set_params(n_hidden=7)
    with pytest.raises(ValueError, match="n_hidden was changed to 7"):
        rbm.partial_fit(X)
    assert rbm.sample_visible(np.zeros((2, 4)))[0].shape == (2, 6)  # the fitted weights still decide
    with pytest.raises(ValueError, match="H has 7 features, but RBM is expecting 4"):
        rbm.energy(X[:2], np.zeros((2, 7)))
    with pytest.raises(ValueError, match="n_hidden was changed to 7"):
        rbm.save(tmp_path / "rbm")
    rbm.fit(X)  # fit starts again with the new shape
    assert rbm.W_.shape == (6, 7)
    assert RBM.load(rbm.save(tmp_path / "rbm")).W_.shape == (6, 7)
    rbm.set_params(dtype="float64")
    with pytest.raises(ValueError, match="dtype was changed"):
        rbm.partial_fit(X)
    mlp = build("MLP")
    mlp.hidden_layer_sizes = (9,)
    with pytest.raises(ValueError, match="hidden_layer_sizes was changed"):
        mlp.save(tmp_path / "mlp")
    dbn = build("DBN")
    dbn.set_params(layer_sizes=(6, 4, 9))
    with pytest.raises(ValueError, match=r"layer_sizes \(or n_labels\) was changed"):
        dbn.save(tmp_path / "dbn")
    dbn.set_params(layer_sizes=(6, 4, 5))
    assert DBN.load(dbn.save(tmp_path / "dbn")).top_W_.shape == dbn.top_W_.shape


def test_backend_of_a_fitted_model_cannot_change_silently():
    for kind in ("RBM", "MLP", "DBN"):
        model = build(kind, "numpy")
        model.set_params(backend="numpy")  # the same backend: nothing to move
        with pytest.raises(ValueError, match="fitted on backend 'numpy'; set_params cannot move it"):
            model.set_params(backend="numba" if "numba" in fastrbm.backend.available_backends() else "cuda")
        assert model.backend == "numpy"
    RBM(3, backend="numpy").set_params(backend="numba")  # unfitted: any backend


def test_unpickling_where_the_backend_is_missing_says_so(monkeypatch):
    blob = pickle.dumps(build("RBM", "numpy"))
    monkeypatch.setitem(fastrbm.backend._loaded, "numpy", "pretend it is missing")
    with pytest.raises(fastrbm.BackendUnavailable, match="cannot unpickle this RBM: it was pickled on backend 'numpy'"):
        pickle.loads(blob)


def test_asymmetric_hopfield_file_is_rejected(tmp_path):
    path = build("Hopfield").save(tmp_path / "hop")
    entries = read(path)
    entries["weights"] = entries["weights"].copy()
    entries["weights"][0, 1] += 1.0
    rewrite(path, entries)
    with pytest.raises(ModelFileError, match="'weights' must be symmetric"):
        Hopfield.load(path)


def test_dbn_sample_init_rows_must_match_n():
    dbn = build("DBN")
    with pytest.raises(ValueError, match="init has 5 rows, expected n=3"):
        dbn.sample(3, init=binary(5, d=4))


def test_input_fuzz_gives_only_clear_errors():
    """scripts/fuzz_inputs.py: every public method x malformed argument x CPU backend."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "fuzz_inputs.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"unclear error: 0, answer: 0, crash: 0 \(\d{3,} cases\)", done.stdout), done.stdout[-2000:]
