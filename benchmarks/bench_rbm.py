"""RBM kernels at MNIST sizes (784 x 500, minibatch 100, float32), every backend vs the NumPy reference.

Also in the epoch groups: the same matrix products alone ("gemm-only", the lower
bound) and scikit-learn's BernoulliRBM (one epoch, batch 100). A plain
``pytest`` runs each once on a small epoch (smoke test); timings come from
``pytest --benchmark-only benchmarks/bench_rbm.py``.
"""

import numpy as np
import pytest

import fastrbm
from fastrbm import likelihood
from fastrbm.datasets import load_mnist
from fastrbm.rng import KeyStream
from fastrbm.datasets import find_real_mnist

N_VIS, N_HID, BATCH = 784, 500, 100


def training_data(n):
    """The first n MNIST training images in [0, 1], else random binary data with ~13 % ones."""
    directory = find_real_mnist()
    if directory is not None:
        return load_mnist("train", source="idx", data_dir=directory, n=n)[0]
    return (np.random.default_rng(0).random((n, N_VIS)) < 0.13).astype(np.float32)


def epoch_samples(benchmark):
    return 1000 if benchmark.disabled else 60_000


def initial_params(dtype=np.float32):
    rng = np.random.default_rng(1)
    W = (0.01 * rng.standard_normal((N_VIS, N_HID))).astype(dtype)
    return W, np.full(N_VIS, -1.0, dtype), np.zeros(N_HID, dtype)


def fresh_state(kernels):
    params = [kernels.asarray(a) for a in initial_params()]
    velocity = [kernels.zeros(a.shape, np.float32) for a in params]
    return params, velocity


def run_epoch(kernels, X, persistent=False):
    """One CD-1 (or PCD-1) epoch over X in order, batch 100; returns W on the host."""
    params, velocity = fresh_state(kernels)
    chain = kernels.asarray((np.arange(BATCH * N_HID).reshape(BATCH, N_HID) % 3 == 0).astype(np.float32)) \
        if persistent else None
    keys = KeyStream(5)
    for lo in range(0, len(X), BATCH):
        kernels.cd_step(*params, *velocity, kernels.asarray(X[lo:lo + BATCH]), keys.next_key(), k=1,
                        learning_rate=0.1, momentum=0.5, weight_decay=2e-4, chain=chain)
    return kernels.to_numpy(params[0])


def gemm_only_epoch(X):
    """The four products of a CD-1 step (stacked statistics) per minibatch, nothing else."""
    W = initial_params()[0]
    pre_h, pre_v = np.empty((BATCH, N_HID), np.float32), np.empty((BATCH, N_VIS), np.float32)
    vv, pp = np.ones((2 * BATCH, N_VIS), np.float32), np.ones((2 * BATCH, N_HID), np.float32)
    grad = np.empty((N_VIS, N_HID), np.float32)
    for lo in range(0, len(X), BATCH):
        v0 = X[lo:lo + BATCH]
        np.matmul(v0, W, out=pre_h)
        np.matmul(pp[:BATCH], W.T, out=pre_v)
        np.matmul(vv[BATCH:], W, out=pre_h)
        np.matmul(vv.T, pp, out=grad)
    return grad


@pytest.fixture(scope="module")
def reference_epochs():
    """Reference W after a smoke-size epoch (CD and PCD), to check every backend against."""
    X = training_data(1000)
    ref = fastrbm.get_backend("numpy")
    return {False: run_epoch(ref, X), True: run_epoch(ref, X, persistent=True)}


@pytest.mark.parametrize("persistent", [False, True], ids=["cd1", "pcd1"])
def bench_epoch(benchmark, bench_backend, persistent, reference_epochs):
    n = epoch_samples(benchmark)
    benchmark.group = f"{'PCD' if persistent else 'CD'}-1 epoch 784x500 batch 100 float32, {n} samples"
    X = training_data(n)
    W = benchmark.pedantic(run_epoch, args=(bench_backend, X, persistent), rounds=2, iterations=1,
                           warmup_rounds=0)
    if n == 1000:  # random-counter ties may flip a few samples; parameters stay close
        np.testing.assert_allclose(W, reference_epochs[persistent], atol=2e-3)
    assert np.isfinite(W).all()


def bench_epoch_gemm_only(benchmark):
    n = epoch_samples(benchmark)
    benchmark.group = f"CD-1 epoch 784x500 batch 100 float32, {n} samples"
    X = training_data(n)
    grad = benchmark.pedantic(gemm_only_epoch, args=(X,), rounds=2, iterations=1)
    np.testing.assert_allclose(grad[0, :3], np.full(3, 2 * BATCH, np.float32))  # ones^T ones


def bench_epoch_sklearn(benchmark):
    neural_network = pytest.importorskip("sklearn.neural_network")
    n = epoch_samples(benchmark)
    benchmark.group = f"CD-1 epoch 784x500 batch 100 float32, {n} samples"
    X = training_data(n)

    def fit():
        return neural_network.BernoulliRBM(n_components=N_HID, batch_size=BATCH, n_iter=1,
                                           learning_rate=0.1, random_state=0).fit(X)

    rbm = benchmark.pedantic(fit, rounds=2, iterations=1)
    assert rbm.components_.shape == (N_HID, N_VIS) and rbm.components_.dtype == np.float32


@pytest.mark.parametrize("width", [N_HID, N_VIS])
def bench_gibbs_half_step(benchmark, bench_backend, width):
    benchmark.group = f"gibbs_half_step float32 100x{width} (bias + sigmoid + sample)"
    rng = np.random.default_rng(0)
    pre, bias = rng.standard_normal((BATCH, width)).astype(np.float32), rng.standard_normal(width).astype(np.float32)
    pre_k, bias_k = bench_backend.asarray(pre), bench_backend.asarray(bias)
    p, _ = benchmark(lambda: [bench_backend.to_numpy(a) for a in bench_backend.gibbs_half_step(pre_k, bias_k, 9)])
    np.testing.assert_allclose(p, fastrbm.get_backend("numpy").gibbs_half_step(pre, bias, 9)[0], rtol=1e-5)


def bench_sparse_matmul(benchmark, bench_backend):
    """v0 W for an MNIST minibatch (~19 % non-zero pixels): gather-add vs the dense product."""
    benchmark.group = "sparse_matmul MNIST batch 100 x (784x500) float32"
    v0, W = training_data(BATCH), initial_params()[0]
    args = [bench_backend.asarray(a) for a in (v0, W)]
    got = benchmark(lambda: bench_backend.to_numpy(bench_backend.sparse_matmul(*args)))
    np.testing.assert_allclose(got, v0 @ W, rtol=1e-4, atol=1e-5)


def bench_cd1_step(benchmark, bench_backend):
    benchmark.group = "cd_step CD-1 784x500 batch 100 float32"
    params, velocity = fresh_state(bench_backend)
    v0 = bench_backend.asarray(training_data(BATCH))

    def step():
        bench_backend.cd_step(*params, *velocity, v0, 77, k=1, learning_rate=0.01, momentum=0.5,
                              weight_decay=2e-4)
        return params[2]

    benchmark(lambda: bench_backend.to_numpy(step()))
    assert np.isfinite(bench_backend.to_numpy(params[0])).all()


def bench_free_energy(benchmark, bench_backend):
    benchmark.group = "free_energy 10000 x 784x500 float32"
    X = training_data(10_000)
    W, b, c = initial_params()
    args = [bench_backend.asarray(a) for a in (X, W, b, c)]
    F = benchmark(lambda: bench_backend.to_numpy(bench_backend.free_energy(*args)))
    np.testing.assert_allclose(F, fastrbm.get_backend("numpy").free_energy(X, W, b, c), rtol=1e-4)


def bench_ais(benchmark, bench_backend):
    n_betas = 50 if benchmark.disabled else 500
    benchmark.group = f"AIS 100 runs x {n_betas} betas, 784x500 float32"
    W, b, c = initial_params()
    args = [bench_backend.asarray(a) for a in (W, b, c)]
    base_b = np.full(N_VIS, -1.5)

    def run():
        return likelihood.ais_log_partition(bench_backend, *args, base_b, KeyStream(3), n_betas=n_betas, n_runs=100)

    log_z, std, _ = benchmark.pedantic(run, rounds=1 if benchmark.disabled else 2, iterations=1)
    want = likelihood.ais_log_partition(fastrbm.get_backend("numpy"), W, b, c, base_b, KeyStream(3), n_betas, 100)[0]
    assert abs(log_z - want) < 1e-2 * abs(want) and np.isfinite(std)
