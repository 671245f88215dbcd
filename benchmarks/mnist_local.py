"""Full MNIST for the benchmark scripts.

Uses ``fastrbm.datasets.load_mnist`` when it exists; until then reads the four
canonical gzip IDX files from ``FASTRBM_DATA`` or /work/shared/data/mnist.
"""
import gzip
import os

import numpy as np

DEFAULT_DIR = "/work/shared/data/mnist"


def data_dir():
    return os.environ.get("FASTRBM_DATA", DEFAULT_DIR)


def _read_idx(path):
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    ndim = raw[3]
    dims = np.frombuffer(raw[4:4 + 4 * ndim], dtype=">u4")
    return np.frombuffer(raw[4 + 4 * ndim:], dtype=np.uint8).reshape(tuple(int(d) for d in dims))


def load(split):
    """``(X, y)``: float32 images in [0, 1] of shape (n, 784) and int64 labels; split 'train' or 'test'."""
    try:
        from fastrbm.datasets import load_mnist
    except ImportError:
        load_mnist = None
    if load_mnist is not None:
        X, y = load_mnist(split=split)
        return np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64)
    prefix = "train" if split == "train" else "t10k"
    d = data_dir()
    X = _read_idx(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz")).reshape(-1, 784)
    y = _read_idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz"))
    return (X / np.float32(255)).astype(np.float32), y.astype(np.int64)
