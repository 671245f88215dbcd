"""MNIST as NumPy arrays: local IDX files, tensorflow-datasets, a checked download, or a bundled sample.

:func:`load_mnist` returns ``X`` of shape ``(n, 784)``, float32 in [0, 1]
(pixel / 255), and ``y`` of shape ``(n,)``, int64. With ``source="auto"`` it
tries, in order and without touching the network:

1. a directory with the four canonical IDX files (gzip or raw): the
   ``data_dir`` argument, else ``$FASTRBM_DATA``, else the cache
   directory (``$FASTRBM_CACHE/mnist``, default ``~/.cache/fastrbm/mnist``);
2. tensorflow-datasets, when it is installed and its ``mnist`` data is
   already prepared locally;
3. the bundled sample: the first 5,000 training and 1,000 test digits of
   the real files, shipped in ``fastrbm/_data``.

:func:`download_mnist` (or ``source="download"``) fetches the four files into
the cache, checking each against its published SHA-256. :func:`binarize`
turns intensities into {0, 1}, by threshold or by Bernoulli sampling from the
project's counter-based stream.

The package's modules: ``mnist`` (:func:`load_mnist` and the choice of source), ``idx``
(the file format), ``download`` (the cache directory and the checked download), ``tfds``
(tensorflow-datasets) and ``binarize``.
"""
from .binarize import binarize
from .download import MNIST_SHA256, download_mnist, get_cache_dir
from .errors import (
                     ChecksumMismatchError,
                     MNISTDownloadError,
                     MNISTFormatError,
                     MNISTNotFoundError,
                     TFDSUnavailableError,
)
from .idx import MNIST_FILES, read_idx
from .mnist import SAMPLE_DIR, MNISTSource, find_real_mnist, load_mnist

__all__ = [
    "load_mnist",
    "download_mnist",
    "read_idx",
    "binarize",
    "get_cache_dir",
    "find_real_mnist",
    "MNIST_FILES",
    "MNIST_SHA256",
    "SAMPLE_DIR",
    "MNISTSource",
    "MNISTFormatError",
    "MNISTNotFoundError",
    "MNISTDownloadError",
    "ChecksumMismatchError",
    "TFDSUnavailableError",
]
