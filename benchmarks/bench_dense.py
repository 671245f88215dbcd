"""Dense associative memories: one asynchronous sweep (the discrete forms) and one continuous
update, 64 states, K = 1,000 patterns, N = 784 and 4096; every backend against the reference,
the continuous update also against its two GEMMs (NumPy) and a plain PyTorch version.
Timings: ``pytest --benchmark-only benchmarks/bench_dense.py``.
"""
import functools

import numpy as np
import pytest

import fastrbm
from fastrbm.kernels.reference.dense import EXPONENTIAL, POLYNOMIAL

KEY, K, BATCH = 7, 1000, 64
SIZES = (784, 4096)


@functools.lru_cache(maxsize=None)
def memory(n):
    """K random +-1 patterns and 64 probes: stored patterns with 10 % of their bits flipped."""
    rng = np.random.default_rng(n)
    patterns = rng.choice(np.array([-1.0, 1.0], np.float32), size=(K, n))
    probes = patterns[:BATCH] * np.where(rng.random((BATCH, n)) < 0.1, -1, 1).astype(np.float32)
    return patterns, probes


@functools.lru_cache(maxsize=None)
def reference_sweep(n, kind):
    patterns, probes = memory(n)
    q = np.ascontiguousarray(patterns.T)
    return fastrbm.get_backend("numpy").dense_async(q, kind, 3, probes.copy(), probes @ q, KEY, 1)


@pytest.mark.parametrize("kind", [POLYNOMIAL, EXPONENTIAL], ids=["polynomial3", "exponential"])
@pytest.mark.parametrize("n", SIZES, ids=[f"N{n}" for n in SIZES])
def bench_dense_sweep(benchmark, bench_backend, n, kind):
    """One sweep from 10 %-corrupted patterns: O(K) per visit, O(NK) per flip."""
    benchmark.group = f"dense sweep {['polynomial n=3', '', 'exponential'][kind]} N={n} K={K} batch={BATCH}"
    kernels = bench_backend
    patterns, probes = memory(n)
    q = np.ascontiguousarray(patterns.T)
    qd = kernels.asarray(q)

    def setup():  # fresh states each round: the sweep updates them in place
        return (qd, kind, 3, kernels.asarray(probes.copy()), kernels.asarray(probes @ q), KEY, 1), {}

    def sweep(*args):
        return [kernels.to_numpy(a) for a in kernels.dense_async(*args)]

    slow = kernels.name == "numpy"
    got = benchmark.pedantic(sweep, setup=setup, rounds=1 if slow else 5, warmup_rounds=0 if slow else 1)
    want = reference_sweep(n, kind)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def continuous(n):
    patterns, probes = memory(n)
    scale = 1 / np.sqrt(n)
    return patterns * scale, probes * scale  # unit-norm patterns; beta 8 retrieves in one step


def check_retrieved(states, n):
    patterns, _ = continuous(n)
    np.testing.assert_allclose(states, patterns[:BATCH], atol=1e-4)


@pytest.mark.parametrize("n", SIZES, ids=[f"N{n}" for n in SIZES])
def bench_continuous_recall(benchmark, bench_backend, n):
    """``DenseHopfield(interaction="softmax").recall(states, max_sweeps=1)``: two products and a softmax."""
    benchmark.group = f"continuous update N={n} K={K} batch={BATCH}"
    patterns, probes = continuous(n)
    net = fastrbm.DenseHopfield(n, "softmax", beta=8.0 * n, backend=bench_backend.name).store(patterns)
    result = benchmark(net.recall, probes, max_sweeps=1)
    check_retrieved(result.states, n)


@pytest.mark.parametrize("n", SIZES, ids=[f"N{n}" for n in SIZES])
def bench_continuous_two_gemms(benchmark, n):
    """The floor: the update's two products alone (NumPy/BLAS), no softmax."""
    benchmark.group = f"continuous update N={n} K={K} batch={BATCH}"
    patterns, probes = continuous(n)
    out = benchmark(lambda: (probes @ patterns.T) @ patterns)
    assert out.shape == probes.shape and np.isfinite(out).all()


@pytest.mark.parametrize("n", SIZES, ids=[f"N{n}" for n in SIZES])
def bench_continuous_torch(benchmark, n):
    """A plain PyTorch version of the update (the peer), when torch is installed."""
    torch = pytest.importorskip("torch", reason="torch not installed: pip install torch")
    benchmark.group = f"continuous update N={n} K={K} batch={BATCH}"
    patterns, probes = (torch.from_numpy(a) for a in continuous(n))
    beta = 8.0 * n

    def update():
        with torch.no_grad():
            return torch.softmax(beta * probes @ patterns.T, dim=1) @ patterns

    check_retrieved(benchmark(update).numpy(), n)
