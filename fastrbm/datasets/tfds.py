"""MNIST through tensorflow-datasets (the book's route; the ``tfds`` extra)."""
import importlib.util
import os
from pathlib import Path

import numpy as np

from .errors import MNISTFormatError, MNISTNotFoundError, TFDSUnavailableError
from .idx import COLS, N_PIXELS, ROWS

TFDS_BATCH = 10000


def _import_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError as exc:
        raise TFDSUnavailableError(
            "source='tfds' needs tensorflow-datasets: pip install 'fastrbm[tfds]' "
            f"({exc})") from exc
    return tfds


def _tfds_prepared_locally():
    """Cheap check, without importing TensorFlow, that tfds may have MNIST prepared."""
    try:
        if importlib.util.find_spec("tensorflow_datasets") is None:
            return False
    except ValueError:  # a module in sys.modules without __spec__
        pass
    root = os.environ.get("TFDS_DATA_DIR") or Path.home() / "tensorflow_datasets"
    return (Path(root) / "mnist").is_dir()


def _load_tfds(split, n, download):
    """``(images uint8 (n, 784), labels, location)`` through ``tfds.builder("mnist")``.

    With ``download=False`` a builder whose data is not prepared raises
    :class:`MNISTNotFoundError` instead of fetching anything.
    """
    tfds = _import_tfds()
    builder = tfds.builder("mnist")
    if not builder.is_prepared():
        if not download:
            raise MNISTNotFoundError(f"tensorflow-datasets has no prepared mnist in {builder.data_dir}")
        builder.download_and_prepare()
    tfds_split = split if n is None else f"{split}[:{n}]"
    dataset = builder.as_dataset(split=tfds_split, as_supervised=True)
    # Batches rather than batch_size=-1: the latter needs the split's size in
    # the dataset info, which tfds.testing.mock_data does not provide.
    batches = list(tfds.as_numpy(dataset.batch(TFDS_BATCH)))
    if not batches:
        raise MNISTNotFoundError(f"tensorflow-datasets mnist split {tfds_split!r} is empty")
    images = np.concatenate([np.asarray(b[0]) for b in batches])
    labels = np.concatenate([np.asarray(b[1]) for b in batches])
    if images.ndim < 3 or images.shape[1:3] != (ROWS, COLS) or images.size != images.shape[0] * N_PIXELS:
        raise MNISTFormatError(f"tensorflow-datasets mnist images have shape {images.shape}, "
                               "expected (n, 28, 28[, 1])")
    return images.reshape(images.shape[0], N_PIXELS), np.asarray(labels), str(builder.data_dir)


