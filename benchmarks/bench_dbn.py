"""One up-down epoch-slice (wake, top-level CD-1 with labels, sleep) of a 784-500-500-2000 DBN,
on every backend against the NumPy reference; plus the labelled visible step kernel."""
import warnings

import numpy as np
import pytest

from fastrbm import DBN
from fastrbm.kernels.reference import dbn as reference

BATCH = 100


def n_batches(config):
    return 20 if config.getoption("benchmark_only", False) else 1


@pytest.fixture(scope="module")
def pretrained():
    """A 784-500-500-2000 DBN with small random weights (pretraining is not what is timed)."""
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = (rng.random((BATCH, 784)) < 0.2).astype(np.float32)
        y = rng.integers(0, 10, BATCH)
        dbn = DBN((784, 500, 500, 2000), n_epochs=0, backend="numpy", random_state=0).fit(X, y)
    return dbn


def up_down(dbn, backend_name, X, y):
    model = DBN.__new__(DBN)
    model.__dict__.update({k: v for k, v in dbn.__dict__.items() if not k.startswith("_")})
    model.backend = backend_name
    model.history_ = {}
    return model.fine_tune(X, y, n_epochs=1)


def bench_up_down(benchmark, bench_backend, request, pretrained):
    n = n_batches(request.config) * BATCH
    benchmark.group = f"up-down 784-500-500-(2000+10), {n // BATCH} batches of {BATCH}"
    rng = np.random.default_rng(1)
    X = (rng.random((n, 784)) < 0.2).astype(np.float32)
    y = rng.integers(0, 10, n)
    got = benchmark.pedantic(up_down, args=(pretrained, bench_backend.name, X, y), rounds=3, iterations=1)
    want = up_down(pretrained, "numpy", X, y)
    # same stream: equal up to float32 rounding and the rare sample flipped by it
    for a, b in zip([got.top_W_, *got.gen_weights_], [want.top_W_, *want.gen_weights_]):
        assert np.mean(np.abs(a - b) > 1e-3) < 1e-3


@pytest.mark.parametrize("shape", [(100, 510)], ids=lambda s: f"{s[0]}x{s[1]}")
def bench_labelled_visible_step(benchmark, bench_backend, shape):
    benchmark.group = f"labelled_visible_step float32 {shape[0]}x{shape[1]} (10 labels)"
    rng = np.random.default_rng(0)
    x = bench_backend.asarray(rng.standard_normal(shape).astype(np.float32))
    b = bench_backend.asarray(rng.standard_normal(shape[1]).astype(np.float32))
    p, s = benchmark(lambda: [bench_backend.to_numpy(a) for a in bench_backend.labelled_visible_step(x, b, 10, 7)])
    p_ref, s_ref = reference.labelled_visible_step(bench_backend.to_numpy(x), bench_backend.to_numpy(b), 10, 7)
    np.testing.assert_allclose(p, p_ref, rtol=1e-5, atol=1e-7)
    assert np.mean(s != s_ref) < 1e-3
