"""The shared random stream and the fused sigmoid + Bernoulli draw at MNIST sizes."""
import numpy as np
import pytest

from fastrbm.kernels.reference import rng as reference

SHAPES = [(100, 500), (100, 784)]


def finish(kernels, result):
    """Make GPU work count: copy back to the host (a no-op on CPU backends)."""
    return kernels.to_numpy(result)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def bench_uniform(benchmark, bench_backend, shape):
    benchmark.group = f"uniform float32 {shape[0]}x{shape[1]}"
    out = benchmark(lambda: finish(bench_backend, bench_backend.uniform(1234, shape, np.float32)))
    np.testing.assert_array_equal(out, reference.uniform(1234, shape, np.float32))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def bench_bernoulli_sigmoid(benchmark, bench_backend, shape):
    benchmark.group = f"bernoulli_sigmoid float32 {shape[0]}x{shape[1]}"
    x = bench_backend.asarray(np.random.default_rng(0).standard_normal(shape).astype(np.float32))
    p, s = benchmark(lambda: [finish(bench_backend, a) for a in bench_backend.bernoulli_sigmoid(x, 99)])
    p_ref, s_ref = reference.bernoulli_sigmoid(finish(bench_backend, x), 99)
    np.testing.assert_allclose(p, p_ref, rtol=1e-5)
    assert np.mean(s != s_ref) < 1e-3
