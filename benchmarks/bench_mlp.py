"""An MLP training epoch (784-500-500-2000-10, batch 100) on every backend against the NumPy reference.

Smoke mode (plain ``pytest``) runs a few minibatches; ``--benchmark-only``
times ``N_BATCHES`` minibatches of backprop + Adam updates. The GEMM-only
bound (the same products alone, NumPy BLAS) is in the same group.
"""
import numpy as np
import pytest

from fastrbm import MLP

SIZES = (500, 500, 2000)
BATCH = 100


def n_batches(config):
    return 50 if config.getoption("benchmark_only", False) else 2


def make_data(n):
    rng = np.random.default_rng(0)
    X = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return X, y


def train(backend_name, X, y, dropout):
    return MLP(SIZES, optimizer="adam", learning_rate=1e-3, n_epochs=1, batch_size=BATCH, dropout=dropout,
               early_stopping=False, backend=backend_name, random_state=0).fit(X, y)


@pytest.mark.parametrize("dropout", [0.0, 0.2], ids=lambda d: f"dropout={d}")
def bench_mlp_epoch(benchmark, bench_backend, request, dropout):
    n = n_batches(request.config) * BATCH
    benchmark.group = f"MLP epoch 784-500-500-2000-10, {n // BATCH} batches of {BATCH}, dropout={dropout}"
    X, y = make_data(n)
    model = benchmark.pedantic(train, args=(bench_backend.name, X, y, dropout), rounds=3, iterations=1)
    reference = train("numpy", X, y, dropout)
    for a, b in zip(model.coefs_, reference.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=2e-4)


def bench_gemm_bound(benchmark, request):
    """The products of forward + backward passes alone: the floor for any backend on this BLAS."""
    nb = n_batches(request.config)
    benchmark.group = f"MLP epoch 784-500-500-2000-10, {nb} batches of {BATCH}, dropout=0.0"
    rng = np.random.default_rng(0)
    widths = [784, *SIZES, 10]
    Ws = [rng.standard_normal((a, b)).astype(np.float32) for a, b in zip(widths[:-1], widths[1:])]
    X = rng.random((BATCH, 784), dtype=np.float32)

    def products():
        for _ in range(nb):
            acts = [X]
            for W in Ws:
                acts.append(acts[-1] @ W)
            delta = acts[-1]
            for W, A in zip(reversed(Ws), reversed(acts[:-1])):
                _ = A.T @ delta
                delta = delta @ W.T
        return delta

    out = benchmark.pedantic(products, rounds=3, iterations=1)
    assert out.shape == (BATCH, 784)
