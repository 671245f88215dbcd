"""MNIST for the RBM tests: the canonical IDX files when present (tiny local reader), else skip."""
import gzip
import os

import numpy as np
import pytest

MNIST_DIR = os.environ.get("FASTRBM_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist"))
if not os.path.isdir(MNIST_DIR):
    MNIST_DIR = "/work/shared/data/mnist"


def read_idx_images(name):
    path = os.path.join(MNIST_DIR, name)
    if not os.path.exists(path):
        pytest.skip(f"MNIST not found at {path}")
    with gzip.open(path) as fh:
        data = fh.read()
    return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255


def mnist(split="train", n=None):
    images = read_idx_images("train-images-idx3-ubyte.gz" if split == "train" else "t10k-images-idx3-ubyte.gz")
    return images if n is None else images[:n]
