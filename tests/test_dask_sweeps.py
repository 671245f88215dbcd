"""Issue 14: sweeps on an existing distributed engine (joblib on Dask), no home-made scheduler.

A ``dask.distributed.LocalCluster`` on 127.0.0.1 with two worker processes stands
in for a real cluster (``docs/sweeps.md`` shows the same code pointed at one):
a Hopfield capacity sweep and a scikit-learn grid search over an RBM pipeline
run under ``joblib.parallel_backend("dask")`` and must give exactly the results
of the same sweeps run serially.
"""
import logging

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="needs the dask extra: pip install 'fastrbm[dask]'")
joblib = pytest.importorskip("joblib")
pytest.importorskip("sklearn")

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from fastrbm import RBM  # noqa: E402
from fastrbm.capacity import capacity_curve  # noqa: E402


@pytest.fixture(scope="module")
def dask_client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_capacity_sweep_on_dask_equals_serial(dask_client):
    loads = [0.05, 0.1, 0.15, 0.2]
    serial = capacity_curve(64, loads, n_trials=2, random_state=3)
    with joblib.parallel_backend("dask"):
        spread = capacity_curve(64, loads, n_trials=2, random_state=3, n_jobs=-1)
    for key in serial:
        np.testing.assert_array_equal(spread[key], serial[key])
    workers = dask_client.run(lambda: __import__("os").getpid())
    assert len(workers) == 2
    assert serial["recalled"][0] > serial["recalled"][-1]  # low load recalls more than high load


def test_grid_search_on_dask_equals_serial(dask_client):
    rng = np.random.default_rng(0)
    X = (rng.random((120, 16)) < 0.4).astype(np.float32)
    y = (X[:, :8].sum(axis=1) > X[:, 8:].sum(axis=1)).astype(int)
    pipe = make_pipeline(RBM(8, n_epochs=3, batch_size=20, random_state=0), LogisticRegression(max_iter=200))
    grid = {"rbm__n_hidden": [4, 8], "rbm__learning_rate": [0.05, 0.1]}
    serial = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        spread = GridSearchCV(pipe, grid, cv=3, n_jobs=-1).fit(X, y)
    np.testing.assert_allclose(spread.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"],
                               rtol=0, atol=1e-12)
    assert spread.best_params_ == serial.best_params_
