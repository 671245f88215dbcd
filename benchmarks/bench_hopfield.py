"""Hopfield kernels: asynchronous sweeps, recall, batched energy, storage.

Networks store p = 0.05 N random patterns (Hebbian). The NumPy reference
sweep is the per-neuron loop a user would write (vectorised across states).
Timings: ``pytest --benchmark-only benchmarks/bench_hopfield.py``.
"""
import functools

import numpy as np
import pytest

import fastrbm

KEY = 2024


@functools.lru_cache(maxsize=None)
def network(n, batch, corrupt=0.2):
    """Weights, thresholds, patterns and start states (patterns with ``corrupt`` bits flipped)."""
    rng = np.random.default_rng(n)
    p = max(1, round(0.05 * n))
    patterns = rng.choice(np.array([-1.0, 1.0], np.float32), size=(p, n))
    ref = fastrbm.get_backend("numpy")
    w = ref.hebbian_update(np.zeros((n, n), np.float32), patterns, 1.0 / n)
    theta = np.zeros(n, np.float32)
    start = patterns[np.arange(batch) % p]
    start = np.where(rng.random(start.shape) < corrupt, -start, start).astype(np.float32)
    return w, theta, patterns, start


@functools.lru_cache(maxsize=None)
def reference_async(n, batch, max_sweeps, corrupt):
    w, theta, _, start = network(n, batch, corrupt)
    s = start.copy()
    return fastrbm.get_backend("numpy").hopfield_async(w, theta, s, s @ w, KEY, max_sweeps)


def run_async(benchmark, kernels, n, batch, max_sweeps, corrupt, lowrank=False):
    """Time ``hopfield_async`` (dense fields) or ``hopfield_async_lowrank`` (overlaps, Q = P^T)."""
    w, theta, patterns, start = network(n, batch, corrupt)
    q = np.ascontiguousarray(patterns.T)
    weights, running = (q, start @ q) if lowrank else (w, start @ w)
    sweep_kernel = kernels.hopfield_async_lowrank if lowrank else kernels.hopfield_async
    head = (kernels.asarray(weights), 1.0 / n) if lowrank else (kernels.asarray(weights),)
    td = kernels.asarray(theta)

    def setup():  # fresh states each round: the sweep updates them in place
        return (*head, td, kernels.asarray(start.copy()), kernels.asarray(running.copy()), KEY, max_sweeps), {}

    def sweep(*args):
        return [kernels.to_numpy(a) for a in sweep_kernel(*args)]

    slow = kernels.name == "numpy" and n * batch > 64 * 1024
    rounds = 1 if slow else (3 if kernels.name == "numpy" else 20)  # compiled: ~2 ms a round, noisy machine
    got = benchmark.pedantic(sweep, setup=setup, rounds=rounds, warmup_rounds=0 if slow else 1)
    want = reference_async(n, batch, max_sweeps, corrupt)
    np.testing.assert_array_equal(got[0], want[0])  # the low-rank form follows the dense trajectory
    np.testing.assert_array_equal(got[2], want[2])
    return got


SWEEP_GRID = [(n, b) for n in (784, 1024, 4096) for b in (1, 64, 256)]


@pytest.mark.parametrize("n,batch", SWEEP_GRID, ids=[f"N{n}-B{b}" for n, b in SWEEP_GRID])
def bench_async_sweep(benchmark, bench_backend, n, batch):
    """One asynchronous sweep from 20 %-corrupted patterns (about 0.2 N flips per state)."""
    benchmark.group = f"hopfield async sweep N={n} batch={batch}"
    run_async(benchmark, bench_backend, n, batch, 1, 0.2)


LOWRANK_GRID = [(1024, 64), (4096, 64)]


@pytest.mark.parametrize("n,batch", LOWRANK_GRID, ids=[f"N{n}-B{b}" for n, b in LOWRANK_GRID])
def bench_async_sweep_lowrank(benchmark, bench_backend, n, batch):
    """The same sweep through the p = 0.05 N overlaps (O(Np) per sweep instead of O(flips N))."""
    benchmark.group = f"hopfield async sweep N={n} batch={batch}"
    run_async(benchmark, bench_backend, n, batch, 1, 0.2, lowrank=True)


@pytest.mark.parametrize("lowrank", [False, True], ids=["dense", "lowrank"])
@pytest.mark.parametrize("n", [1024, 4096])
def bench_sweep_at_fixed_point(benchmark, bench_backend, n, lowrank):
    """One sweep of 64 stored patterns (no flips): O(N) per state with the dense fields,
    O(Np) through the overlaps."""
    benchmark.group = "hopfield sweep at a fixed point batch=64 (N=1024 vs 4096)"
    out = run_async(benchmark, bench_backend, n, 64, 1, 0.0, lowrank)
    assert out[3].mean() > 0.9  # (almost) all stored patterns are fixed points at p = 0.05 N


@pytest.mark.parametrize("lowrank", [False, True], ids=["dense", "lowrank"])
def bench_recall(benchmark, bench_backend, lowrank):
    """Recall to convergence from 20 %-corrupted patterns, N = 1024, batch 64."""
    benchmark.group = "hopfield recall to convergence N=1024 batch=64"
    out = run_async(benchmark, bench_backend, 1024, 64, 50, 0.2, lowrank)
    _, _, patterns, _ = network(1024, 64)
    overlaps = (out[0] * patterns[np.arange(64) % len(patterns)]).mean(axis=1)
    assert out[3].all() and overlaps.min() > 0.98


ENERGY_N, ENERGY_B = 1024, 1000


@functools.lru_cache(maxsize=None)
def energy_inputs():
    w, theta, patterns, _ = network(ENERGY_N, 1)
    s = np.random.default_rng(1).choice(np.array([-1.0, 1.0], np.float32), size=(ENERGY_B, ENERGY_N))
    return w, theta, patterns, s, fastrbm.get_backend("numpy").hopfield_energy(w, theta, s)


def bench_energy(benchmark, bench_backend):
    benchmark.group = "hopfield energy N=1024 states=1000"
    w, theta, _, s, want = energy_inputs()
    k = bench_backend
    args = [k.asarray(a) for a in (w, theta, s)]
    got = benchmark(lambda: k.to_numpy(k.hopfield_energy(*args)))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-2)


def bench_energy_lowrank(benchmark, bench_backend):
    benchmark.group = "hopfield energy N=1024 states=1000"
    w, theta, patterns, s, want = energy_inputs()
    k = bench_backend
    args = [k.asarray(patterns), 1.0 / ENERGY_N, k.asarray(theta), k.asarray(s)]
    got = benchmark(lambda: k.to_numpy(k.hopfield_energy_lowrank(*args)))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-2)


def bench_energy_gemm_bound(benchmark):
    """The single GEMM S W that the dense energy needs: its lower bound."""
    benchmark.group = "hopfield energy N=1024 states=1000"
    w, theta, _, s, want = energy_inputs()
    fields = benchmark(lambda: np.matmul(s, w))
    np.testing.assert_allclose((s * (theta - fields / 2)).sum(axis=1), want, rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def bench_storage(benchmark, bench_backend, rule):
    benchmark.group = f"hopfield {rule} storage N=1024 p=51"
    _, _, patterns, _ = network(1024, 1)
    k = bench_backend
    update = getattr(k, f"{rule}_update")
    pd = k.asarray(patterns)

    def store():
        return k.to_numpy(update(k.zeros((1024, 1024), np.float32), pd, 1.0 / 1024))

    rounds = 1 if (k.name == "numpy" and rule == "storkey") else 3
    got = benchmark.pedantic(store, rounds=rounds)
    want = getattr(fastrbm.get_backend("numpy"), f"{rule}_update")(np.zeros((1024, 1024), np.float32), patterns,
                                                                   1.0 / 1024)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
