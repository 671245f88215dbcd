"""Issue 14: models fitted at once from several Python threads are independent.

Each job trains one model (RBM, GaussianRBM, MLP, DBN, Hopfield recall) of its own
seed; same-shaped jobs share the backend's kernels, so any state shared between
models (work buffers, Numba's thread pool) shows as a result different from the
job's solo run, or as an aborted process.
"""
import threading

import numpy as np
import pytest

from fastrbm import DBN, MLP, GaussianRBM, Hopfield, RBM
from support import kernels_or_skip

pytestmark = pytest.mark.filterwarnings("ignore:fastrbm.RBM is not available:RuntimeWarning")

CPU_BACKENDS = ("numpy", "numba", "cython")
rng = np.random.default_rng(0)
X = (rng.random((120, 16)) < np.linspace(0.2, 0.7, 16)).astype(np.float32)
Y = np.arange(120) % 3


def job(kind, seed, backend, n_hidden=8):
    """Train one small model; return an array that depends on every step of its training."""
    if kind == "RBM":
        return RBM(n_hidden, n_epochs=3, batch_size=20, persistent=seed % 2 == 1, backend=backend,
                   random_state=seed).fit(X).W_
    if kind == "GaussianRBM":
        return GaussianRBM(n_hidden, n_epochs=3, batch_size=20, backend=backend, random_state=seed).fit(X * 2 - 0.5).W_
    if kind == "MLP":
        return MLP((n_hidden,), n_epochs=3, batch_size=20, early_stopping=False, backend=backend,
                   random_state=seed).fit(X, Y).predict_proba(X)
    if kind == "DBN":
        return DBN((16, n_hidden, 6), n_labels=3, n_epochs=2, batch_size=20, backend=backend,
                   random_state=seed).fit(X, Y).sample(4, label=1, n_steps=20)
    patterns = np.where(X[:3] > 0, 1.0, -1.0).astype(np.float32)
    flips = np.where(np.random.default_rng(seed).random(patterns.shape) < 0.15, -1.0, 1.0).astype(np.float32)
    states = Hopfield(16, backend=backend, random_state=seed).store(patterns).recall(patterns * flips, beta=2.0)
    return states[0] if isinstance(states, tuple) else states


def run_at_once(jobs):
    """Results of ``jobs`` (callables) run in one thread each, started together."""
    results, errors = {}, []
    barrier = threading.Barrier(len(jobs))

    def target(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i, fn)) for i, fn in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(jobs))]


@pytest.mark.parametrize("name", CPU_BACKENDS)
@pytest.mark.parametrize("n_threads", [2, 4])
@pytest.mark.parametrize("kind", ["RBM", "GaussianRBM", "MLP", "DBN", "Hopfield"])
def test_same_shaped_models_in_threads_equal_their_solo_runs(request, name, n_threads, kind):
    kernels_or_skip(request.config, name)
    seeds = range(1, n_threads + 1)
    solo = [job(kind, seed, name) for seed in seeds]
    for _ in range(2):
        together = run_at_once([lambda seed=seed: job(kind, seed, name) for seed in seeds])
        for seed, got, want in zip(seeds, together, solo):
            np.testing.assert_array_equal(got, want, err_msg=f"{kind} seed {seed} on {name}")


@pytest.mark.parametrize("name", CPU_BACKENDS)
def test_mixed_models_and_shapes_in_four_threads(request, name):
    """Different models and sizes at once: a DBN's lower RBM has the shape of the plain RBM."""
    kernels_or_skip(request.config, name)
    specs = [("RBM", 1, 8), ("DBN", 2, 8), ("MLP", 3, 5), ("RBM", 4, 11)]
    solo = [job(kind, seed, name, n_hidden) for kind, seed, n_hidden in specs]
    together = run_at_once([lambda s=s: job(s[0], s[1], name, s[2]) for s in specs])
    for spec, got, want in zip(specs, together, solo):
        np.testing.assert_array_equal(got, want, err_msg=f"{spec} on {name}")
