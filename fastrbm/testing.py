"""Helpers for testing fastrbm's backends (used by its tests and benchmarks)."""
import os
from pathlib import Path

import pytest

import fastrbm
from fastrbm.backend import backend_info, simulated_cuda

__all__ = ["required_backends", "kernels_or_skip", "is_simulated", "find_real_mnist"]


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


MNIST_GZ_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def find_real_mnist():
    """Directory holding the four real MNIST files, or None.

    Looks at ``$FASTRBM_DATA``, then ``shared/data/mnist`` beside the repository
    (found from the working directory and from an editable install).
    """
    here = Path(__file__).resolve().parents[1]
    candidates = [os.environ.get("FASTRBM_DATA"), Path.cwd().parent / "shared/data/mnist",
                  here.parent / "shared/data/mnist"]
    for candidate in filter(None, candidates):
        if all((Path(candidate) / name).is_file() for name in MNIST_GZ_NAMES):
            return Path(candidate)
    return None
