"""Issue 14: every estimator follows the scikit-learn contract.

scikit-learn's own estimator checks run on RBM, GaussianRBM, MLP, DBNClassifier and
DiscriminativeRBM. The Bernoulli models (RBM, DiscriminativeRBM, and DBNClassifier whose
pretraining is a stack of Bernoulli RBMs) reject data outside [0, 1] with a clear error, and most checks
feed Gaussian or positive unbounded data; scikit-learn has no tag for a bounded
input domain. Those checks are listed below with that one reason, and the same
checks run again on ``MinMaxScaler(clip=True)`` + the model, where the data is in
the model's domain and every check passes. DBN is not run through the checks:
its ``layer_sizes`` fix the data's width, which the checks vary; it has
``get_params``/``set_params``/``clone`` (tested here).
"""
import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import fastrbm  # noqa: E402
from fastrbm import DBN, MLP, DBNClassifier, DiscriminativeRBM, GaussianRBM, RBM  # noqa: E402

OUTSIDE_0_1 = ("feeds data outside [0, 1], which a Bernoulli model rejects with a clear error "
               "(the check passes on MinMaxScaler(clip=True) + the model)")
# Every one fails with "X has values above 1.0 ..." (or below 0.0) and nothing else.
RANGE_CHECKS = {
    "common": [
        "check_dict_unchanged", "check_dont_overwrite_parameters", "check_estimators_dtypes",
        "check_estimators_fit_returns_self", "check_estimators_overwrite_params", "check_estimators_pickle",
        "check_f_contiguous_array_estimator", "check_fit2d_1feature", "check_fit2d_predict1d",
        "check_fit_check_is_fitted", "check_fit_idempotent", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_n_features_in", "check_n_features_in_after_fitting",
        "check_pipeline_consistency", "check_readonly_memmap_input",
    ],
    "RBM": ["check_fit2d_1sample", "check_transformer_data_not_an_array", "check_transformer_general",
            "check_transformer_preserve_dtypes"],
    "DBNClassifier": ["check_classifier_data_not_an_array", "check_classifiers_classes",
                      "check_classifiers_train"],
}
RANGE_CHECKS["DiscriminativeRBM"] = RANGE_CHECKS["DBNClassifier"]


PIPELINE_OWN = ("scikit-learn's Pipeline changes its own `steps` parameter in fit; scikit-learn "
                "expects this check to fail for its Pipeline too")


def expected_failures(estimator):
    name = type(estimator).__name__
    if name == "Pipeline":
        return {"check_dont_overwrite_parameters": PIPELINE_OWN, "check_estimators_overwrite_params": PIPELINE_OWN}
    if name not in RANGE_CHECKS:
        return {}
    return {check: OUTSIDE_0_1 for check in RANGE_CHECKS["common"] + RANGE_CHECKS[name]}


# DBNClassifier's Adam step (1e-3) is sized for MNIST's 600 steps per epoch; on the checks'
# 300-row blobs (3 steps per epoch) it needs 1e-2 to pass check_classifiers_train, and no dropout
# (its default 0.2 is for MNIST-sized layers: 8 hidden units with dropout underfit the blobs).
# DiscriminativeRBM's 0.05 is the paper's for 784 MNIST inputs; the checks' blobs have two
# features (small fields), and 0.5 passes check_classifiers_train in 10 epochs.
ESTIMATORS = [
    RBM(4, n_epochs=2, random_state=0),
    GaussianRBM(4, n_epochs=2, random_state=0),
    MLP((8,), random_state=0),
    DBNClassifier((8,), learning_rate=1e-2, dropout=0.0, random_state=0),
    make_pipeline(MinMaxScaler(clip=True), RBM(4, n_epochs=2, random_state=0)),
    make_pipeline(MinMaxScaler(clip=True), DBNClassifier((8,), learning_rate=1e-2, dropout=0.0, random_state=0)),
    DiscriminativeRBM(32, learning_rate=0.5, n_epochs=10, random_state=0),
    make_pipeline(MinMaxScaler(clip=True), DiscriminativeRBM(32, learning_rate=0.5, n_epochs=10, random_state=0)),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_expected_failures_fail_for_the_stated_reason():
    """Each listed check does fail on the bare model, and only with the [0, 1] error."""
    from sklearn.utils.estimator_checks import check_estimator

    for estimator in (RBM(4, n_epochs=2, random_state=0), DBNClassifier((8,), learning_rate=1e-2, dropout=0.0, random_state=0),
                      DiscriminativeRBM(32, learning_rate=0.5, n_epochs=10, random_state=0)):
        results = check_estimator(estimator, on_fail=None)
        failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
        assert set(failed) == set(expected_failures(estimator)), type(estimator).__name__
        for name, exc in failed.items():  # the error itself, or the check's report quoting it
            text = " ".join(str(e) for e in (exc, exc.__cause__, exc.__context__) if e is not None)
            assert "expected values in [0.0, 1.0]" in text, (name, exc)


def binary(n=60, d=8, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, d)) < np.linspace(0.2, 0.8, d)).astype(np.float32)


def test_get_params_deep_set_params_and_clone_for_every_model():
    models = [RBM(5, learning_rate=0.05), GaussianRBM(3), MLP((3, 2), dropout=0.1),
              DBNClassifier((4,), pretrain_epochs=2), DBN((8, 4, 6), n_labels=2, top_k=(1, 2)),
              DiscriminativeRBM(6, objective="discriminative", alpha=0.1)]
    for model in models:
        params = model.get_params(deep=True)
        assert params == model.get_params(deep=False)
        twin = clone(model)
        assert type(twin) is type(model) and twin is not model
        assert repr(twin.get_params()) == repr(params)
        with pytest.raises(ValueError, match="invalid parameter 'nope'"):
            model.set_params(nope=1)
    mlp = MLP((3,)).set_params(hidden_layer_sizes=(7,), learning_rate=0.3)
    assert mlp.hidden_layer_sizes == (7,) and clone(mlp).learning_rate == 0.3


def test_unsupervised_fit_takes_and_ignores_y():
    X, y = binary(), np.arange(60) % 2
    a = RBM(4, n_epochs=2, random_state=0, backend="numpy").fit(X)
    b = RBM(4, n_epochs=2, random_state=0, backend="numpy").fit(X, y)
    np.testing.assert_array_equal(a.W_, b.W_)
    assert a.n_features_in_ == 8
    with pytest.raises(TypeError):
        RBM(4, n_epochs=1, backend="numpy").fit(X, None, X[:10])  # held-out data is keyword-only
    RBM(4, n_epochs=1, backend="numpy").fit(X, X_val=X[:10])
    with pytest.raises(TypeError):
        MLP((3,), n_epochs=1, backend="numpy").fit(X, y, X[:10], y[:10])


def test_not_fitted_is_scikit_learns_error_too():
    for model, method in ((RBM(3), "transform"), (MLP((3,)), "predict"), (DBN((8, 4)), "transform"),
                          (DiscriminativeRBM(3), "predict_proba")):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(model, method)(binary(2))
        with pytest.raises(fastrbm.NotFittedError):
            getattr(model, method)(binary(2))


def test_string_and_column_labels(tmp_path):
    X = binary()
    y = np.where(np.arange(60) % 3 == 0, "cat", np.where(np.arange(60) % 3 == 1, "dog", "eel"))
    clf = MLP((6,), n_epochs=3, early_stopping=False, backend="numpy", random_state=0).fit(X, y)
    assert clf.classes_.tolist() == ["cat", "dog", "eel"]
    assert set(clf.predict(X)) <= {"cat", "dog", "eel"}
    assert 0 <= clf.score(X, y) <= 1
    loaded = MLP.load(clf.save(tmp_path / "labels"))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    with pytest.warns(fastrbm.DataConversionWarning, match="column-vector y"):
        col = MLP((6,), n_epochs=3, early_stopping=False, backend="numpy", random_state=0).fit(X, y[:, None])
    np.testing.assert_array_equal(col.predict_proba(X), clf.predict_proba(X))
    with pytest.raises(ValueError, match="needs at least 2 classes"):
        MLP((6,), n_epochs=1, backend="numpy").fit(X, np.zeros(60))


def test_predict_changes_nothing_and_is_safe_from_threads():
    """Prediction uses buffers of its own call: two threads predicting with one model agree."""
    import threading

    X, y = binary(300), np.arange(300) % 2
    clf = MLP((16,), n_epochs=2, early_stopping=False, batch_size=50, random_state=0).fit(X, y)
    state = {k: v for k, v in vars(clf).items()}
    expected = clf.predict_proba(X)
    assert vars(clf).keys() == state.keys() and all(vars(clf)[k] is v for k, v in state.items())
    results = [None] * 4

    def work(i):
        for _ in range(20):
            results[i] = clf.predict_proba(X[i:] if i % 2 else X)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, got in enumerate(results):
        np.testing.assert_array_equal(got, expected[i:] if i % 2 else expected)


def test_grid_search_with_two_processes_equals_one():
    """GridSearchCV(n_jobs=2) pickles the pipeline into loky workers: the same scores as n_jobs=1."""
    X = binary(120, 16)
    y = (X[:, :8].sum(axis=1) > X[:, 8:].sum(axis=1)).astype(int)
    pipe = make_pipeline(RBM(8, n_epochs=3, batch_size=20, random_state=0), LogisticRegression(max_iter=200))
    grid = {"rbm__n_hidden": [4, 8], "rbm__learning_rate": [0.05, 0.1]}
    scores = []
    for n_jobs in (1, 2):
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs).fit(X, y)
        scores.append(search.cv_results_["mean_test_score"])
        assert search.best_estimator_.named_steps["rbm"].n_hidden in (4, 8)
    np.testing.assert_allclose(scores[1], scores[0], rtol=0, atol=1e-12)
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X), search.best_estimator_.predict(X))
