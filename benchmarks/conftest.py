"""Benchmarks share the tests' ``backend`` fixture (root conftest.py).

A plain ``pytest`` runs every benchmark once, as a smoke test; timings are
taken only with ``pytest --benchmark-only`` (or ``--benchmark-enable``).
The CUDA simulator is skipped here: its timings mean nothing.
"""
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from support import is_simulated


def pytest_configure(config):
    if not (config.getoption("benchmark_only", False) or config.getoption("benchmark_enable", False)):
        config.option.benchmark_disable = True


@pytest.fixture
def bench_backend(backend):
    """Like ``backend``, but skips the CUDA simulator (correctness is tested in tests/)."""
    if is_simulated(backend):
        pytest.skip("cuda runs on the simulator here: timings would be meaningless")
    return backend


class WarmBenchmarkFixture(BenchmarkFixture):
    """pytest-benchmark's fixture, with one untimed call before ``benchmark(fn)``.

    pytest-benchmark sizes its rounds from the first call; for a compiled kernel that call
    also loads the JIT cache and starts the thread pool (hundreds of ms), so a 0.3 ms kernel
    got 5 rounds instead of a thousand. ``pedantic`` already takes ``warmup_rounds``.
    """

    def __call__(self, function_to_benchmark, *args, **kwargs):
        if not self.disabled:
            function_to_benchmark(*args, **kwargs)
        return super().__call__(function_to_benchmark, *args, **kwargs)


@pytest.fixture
def benchmark(benchmark):
    benchmark.__class__ = WarmBenchmarkFixture  # the plugin insists on a BenchmarkFixture instance
    return benchmark
