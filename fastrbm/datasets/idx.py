"""IDX files (LeCun's MNIST format): read and write, gzip or raw, every header checked."""
import gzip
import zlib
from pathlib import Path

import numpy as np

from .errors import MNISTFormatError

#: Canonical IDX file names (without ``.gz``) per split: (images, labels).
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
ROWS = COLS = 28
N_PIXELS = ROWS * COLS


def _idx_paths(directory, split):
    """Paths of the images and labels files of ``split`` in ``directory``, or None.

    Each file may be gzip (``name.gz``, preferred) or raw (``name``).
    """
    directory = Path(directory)
    found = []
    for name in MNIST_FILES[split]:
        for candidate in (directory / f"{name}.gz", directory / name):
            if candidate.is_file():
                found.append(candidate)
                break
        else:
            return None
    return tuple(found)


def _read_bytes(path):
    """Contents of ``path``, decompressed when it starts with the gzip magic."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        if head != b"\x1f\x8b":
            return fh.read()
        try:
            with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                return gz.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise MNISTFormatError(f"{path}: corrupt or truncated gzip data ({exc})") from exc


def read_idx(path, expected_magic=None):
    """Read one IDX file of unsigned bytes (gzip-compressed or raw).

    Parameters
    ----------
    path : str or path-like
        The file; gzip is recognised by its content, not its name.
    expected_magic : int, optional
        2051 for MNIST images, 2049 for labels. Other magic numbers are an error.

    Returns
    -------
    ndarray of uint8, shape given by the header
        ``(count, 28, 28)`` for images, ``(count,)`` for labels.

    Raises
    ------
    MNISTFormatError
        Bad gzip data, a wrong magic number or a payload whose length does not
        match the header. The message names the file.

    Examples
    --------
    >>> from fastrbm.datasets import SAMPLE_DIR, read_idx
    >>> read_idx(SAMPLE_DIR / "t10k-labels-idx1-ubyte.gz", expected_magic=2049).shape
    (1000,)
    """
    data = _read_bytes(path)
    if len(data) < 4:
        raise MNISTFormatError(f"{path}: only {len(data)} bytes, too short for an IDX header")
    magic = int.from_bytes(data[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise MNISTFormatError(f"{path}: magic number {magic}, expected {expected_magic}")
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise MNISTFormatError(f"{path}: magic number {magic} is not an IDX file of unsigned bytes")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise MNISTFormatError(f"{path}: header truncated ({len(data)} bytes, needs {header})")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64))
    payload = len(data) - header
    if payload != expected:
        problem = "truncated" if payload < expected else "has trailing bytes"
        raise MNISTFormatError(
            f"{path}: payload {problem}: {payload} bytes, header {shape} needs {expected}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _write_idx(path, array, compress=True):
    """Write a uint8 array as an IDX file (magic ``0x0800 + ndim``), gzip by default.

    The gzip stream has no file name and mtime 0, so equal arrays give equal
    bytes. Used by ``tools/make_sample.py`` and the tests.
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = (0x0800 + array.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as raw:
        if not compress:
            raw.write(header + array.tobytes())
            return
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(header + array.tobytes())


def _read_idx_split(images_path, labels_path):
    """Validated ``(images, labels)`` as uint8 arrays ``(n, 28, 28)`` and ``(n,)``."""
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.ndim != 3 or images.shape[1:] != (ROWS, COLS):
        raise MNISTFormatError(f"{images_path}: images of shape {images.shape[1:]}, expected (28, 28)")
    if labels.shape[0] != images.shape[0]:
        raise MNISTFormatError(
            f"{labels_path} has {labels.shape[0]} labels but {images_path} has {images.shape[0]} images")
    if labels.size and labels.max() > 9:
        raise MNISTFormatError(f"{labels_path}: label {int(labels.max())} outside 0-9")
    return images, labels


