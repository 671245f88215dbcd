"""Helpers for fastrbm's tests and benchmarks that need pytest (not installed with the package).

pytest finds this module through ``pythonpath = ["tests"]`` in pyproject.toml, so the
root ``conftest.py``, ``tests/`` and ``benchmarks/`` all import it as ``support``.
"""
import os

import pytest

import fastrbm
from fastrbm.backend import backend_info, simulated_cuda

__all__ = ["required_backends", "kernels_or_skip", "is_simulated"]


def required_backends():
    """Backends named in ``FASTRBM_REQUIRE_BACKENDS`` (comma-separated): absent means failure."""
    value = os.environ.get("FASTRBM_REQUIRE_BACKENDS", "")
    return {name.strip() for name in value.split(",") if name.strip()}


def kernels_or_skip(config, name):
    """The kernel set of ``name``; skip (or fail, when required) with the reason it is unavailable."""
    if name in config.getoption("--disable-backend"):
        pytest.skip(f"backend {name} disabled with --disable-backend")
    row = next(r for r in backend_info() if r["name"] == name)
    if not row["available"]:
        if name in required_backends():
            pytest.fail(f"backend {name} is required here but unavailable: {row['reason']}")
        pytest.skip(f"backend {name} unavailable: {row['reason']}")
    return fastrbm.get_backend(name)


def is_simulated(kernels):
    """True for the CUDA backend running on Numba's simulator."""
    return kernels.name == "cuda" and simulated_cuda()
