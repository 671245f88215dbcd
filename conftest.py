"""Shared fixtures: one ``backend`` fixture whose ids are backend names.

Unavailable backends are skipped with their reason, except those named in
``FASTRBM_REQUIRE_BACKENDS`` (CI sets it to all four), which fail instead, so
that no backend is silently skipped there. ``--disable-backend NAME`` drops one.
"""
import fastrbm  # first: it sets OPENBLAS_THREAD_TIMEOUT before NumPy loads OpenBLAS

import numpy as np
import pytest
from fastrbm.backend import BACKENDS, backend_info
from support import kernels_or_skip, required_backends


def pytest_addoption(parser):
    parser.addoption("--disable-backend", action="append", default=[], choices=BACKENDS,
                     help="do not run tests on this backend (repeatable)")


def pytest_sessionstart(session):
    required = required_backends()
    missing = {row["name"]: row["reason"] for row in backend_info()
               if row["name"] in required and not row["available"]}
    if missing:
        raise pytest.UsageError(f"required backends are unavailable: {missing}")


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Kernel set of each backend in turn (cuda runs under the simulator off-GPU)."""
    kernels = kernels_or_skip(request.config, request.param)
    if request.param == "cuda":
        # Small blocks and a capped grid so that grid-stride loops really stride.
        from fastrbm.kernels.numba_cuda import config
        patch = pytest.MonkeyPatch()
        patch.setattr(config, "THREADS_PER_BLOCK", 10)
        patch.setattr(config, "MAX_BLOCKS", 3)
        yield kernels
        patch.undo()
    else:
        yield kernels


@pytest.fixture
def ref():
    """The NumPy reference kernel set."""
    return fastrbm.get_backend("numpy")


@pytest.fixture
def rng():
    """A seeded NumPy generator for test inputs (never for the kernels' own draws)."""
    return np.random.default_rng(20261128)

