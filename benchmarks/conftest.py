"""Benchmarks share the tests' ``backend`` fixture (root conftest.py).

A plain ``pytest`` runs every benchmark once, as a smoke test; timings are
taken only with ``pytest --benchmark-only`` (or ``--benchmark-enable``).
The CUDA simulator is skipped here: its timings mean nothing.
"""
import pytest

from fastrbm.testing import is_simulated


def pytest_configure(config):
    if not (config.getoption("benchmark_only", False) or config.getoption("benchmark_enable", False)):
        config.option.benchmark_disable = True


@pytest.fixture
def bench_backend(backend):
    """Like ``backend``, but skips the CUDA simulator (correctness is tested in tests/)."""
    if is_simulated(backend):
        pytest.skip("cuda runs on the simulator here: timings would be meaningless")
    return backend
