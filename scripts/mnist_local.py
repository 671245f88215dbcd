"""Full MNIST for the experiment scripts: the real IDX files, never the bundled sample.

The files are looked up in ``$FASTRBM_DATA``, then ``shared/data/mnist`` beside the repository.
"""
from fastrbm.datasets import MNISTNotFoundError, load_mnist
from fastrbm.datasets import find_real_mnist


def load(split):
    """``(X, y)``: float32 images in [0, 1] of shape (n, 784) and int64 labels; split 'train' or 'test'."""
    directory = find_real_mnist()
    if directory is None:
        raise MNISTNotFoundError("full MNIST not found: set FASTRBM_DATA to a directory of the four IDX files")
    return load_mnist(split, source="idx", data_dir=directory)
