"""load_mnist: local IDX files, tensorflow-datasets, a checked download, or the bundled sample."""
import gzip
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .download import MNIST_SHA256, download_mnist, get_cache_dir
from .errors import MNISTNotFoundError
from .idx import MNIST_FILES, N_PIXELS, _idx_paths, _read_idx_split
from .tfds import _load_tfds, _tfds_prepared_locally

logger = logging.getLogger(__name__)

SPLITS = ("train", "test")
SOURCES = ("auto", "idx", "tfds", "download", "sample")
FULL_SIZES = {"train": 60000, "test": 10000}

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "_data"


@dataclass(frozen=True)
class MNISTSource:
    """Where :func:`load_mnist` got its data.

    Attributes
    ----------
    kind : {"idx", "tfds", "download", "sample"}
    location : str
        Directory of the files, or a description of the tfds store.
    full : bool
        True when the source holds the whole split (60,000 train or 10,000
        test), whatever ``n`` was asked for.
    """

    kind: str
    location: str
    full: bool

    def __str__(self):
        if self.kind == "sample":
            sizes = " / ".join(f"{_sample_size(s)} {s}" for s in SPLITS)
            return f"bundled sample of real MNIST digits ({sizes}) in {self.location}"
        size = "full MNIST" if self.full else "partial MNIST"
        via = {"idx": "IDX files in", "download": "downloaded IDX files in",
               "tfds": "tensorflow-datasets"}[self.kind]
        return f"{size} from {via} {self.location}"


def find_real_mnist():
    """Directory holding the four full MNIST ``.gz`` files, or None (a helper of the repository's
    tests, benchmarks and scripts, which need the real files and never the bundled sample).

    Looks at ``$FASTRBM_DATA``, then ``shared/data/mnist`` beside the repository (found from
    the working directory and from an editable install).
    """
    here = Path(__file__).resolve().parents[2]
    candidates = [os.environ.get("FASTRBM_DATA"), Path.cwd().parent / "shared/data/mnist",
                  here.parent / "shared/data/mnist"]
    for candidate in filter(None, candidates):
        if all((Path(candidate) / name).is_file() for name in MNIST_SHA256):
            return Path(candidate)
    return None


def _missing_message(directory, split):
    names = " and ".join(f"{name}[.gz]" for name in MNIST_FILES[split])
    return f"{directory} does not contain the MNIST {split} files ({names})"


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def _to_xy(images, labels, n):
    """First ``n`` examples as float32 ``(n, 784)`` in [0, 1] and int64 labels."""
    if n is not None and n > images.shape[0]:
        warnings.warn(f"asked for n={n} examples but the source has {images.shape[0]}; "
                      "returning all of them", stacklevel=3)
    count = images.shape[0] if n is None else min(n, images.shape[0])
    flat = np.ascontiguousarray(images[:count]).reshape(count, N_PIXELS)
    X = flat.astype(np.float32) / np.float32(255.0)
    y = np.asarray(labels[:count], dtype=np.int64)
    return np.ascontiguousarray(X), np.ascontiguousarray(y)


def _load_idx_dir(directory, split):
    paths = _idx_paths(directory, split)
    if paths is None:
        raise MNISTNotFoundError(_missing_message(directory, split))
    return _read_idx_split(*paths)


def _auto_idx_dir(data_dir, split):
    """The first directory in (data_dir, $FASTRBM_DATA, cache) with the split's files."""
    if data_dir is not None:
        if _idx_paths(data_dir, split) is None:
            # An explicit argument is a request, not a hint: do not fall back silently.
            raise MNISTNotFoundError(_missing_message(data_dir, split))
        return Path(data_dir)
    env = os.environ.get("FASTRBM_DATA")
    if env:
        if _idx_paths(env, split) is not None:
            return Path(env)
        logger.warning("FASTRBM_DATA=%s: %s; trying other sources", env, _missing_message(env, split))
    cache = get_cache_dir() / "mnist"
    if _idx_paths(cache, split) is not None:
        return cache
    return None


def load_mnist(split="train", source="auto", data_dir=None, n=None, return_source=False,
               progress=True):
    """Load an MNIST split as flattened float32 intensities and int64 labels.

    Parameters
    ----------
    split : {"train", "test"}, default "train"
    source : {"auto", "idx", "tfds", "download", "sample"}, default "auto"
        ``"idx"``: the canonical IDX files (gzip or raw) in ``data_dir``,
        ``$FASTRBM_DATA`` or the cache. ``"tfds"``: ``tfds.builder("mnist")``,
        preparing it if needed (may download). ``"download"``: fetch the
        checksummed files into ``data_dir`` or the cache, then read them.
        ``"sample"``: the bundled 5,000 train / 1,000 test real digits.
        ``"auto"``: IDX directory, then an already prepared tfds, then the
        sample; it never downloads.
    data_dir : str or path-like, optional
        Directory of IDX files. When given, ``"auto"`` and ``"idx"`` use only
        this directory and raise :class:`MNISTNotFoundError` if the files are
        missing.
    n : int, optional
        Return only the first ``n`` examples (all when None). If the source
        has fewer, all are returned with a warning.
    return_source : bool, default False
        Also return an :class:`MNISTSource` saying where the data came from
        (``str()`` of it reads "full MNIST from IDX files in ..." or
        "bundled sample of real MNIST digits ...").
    progress : bool, default True
        Progress bar for ``source="download"``.

    Returns
    -------
    X : ndarray of shape (n_samples, 784), float32
        Pixel intensities / 255, C-contiguous, row-major 28x28 images.
    y : ndarray of shape (n_samples,), int64
        Digit labels 0-9.
    source : MNISTSource
        Only when ``return_source`` is True.

    Raises
    ------
    MNISTNotFoundError
        The requested source has no data (never raised by ``"auto"`` without
        ``data_dir``, which ends at the bundled sample).
    MNISTFormatError
        A file is corrupt or truncated.
    TFDSUnavailableError
        ``source="tfds"`` without tensorflow-datasets installed.

    Examples
    --------
    >>> from fastrbm.datasets import load_mnist
    >>> X, y, src = load_mnist("test", source="sample", n=100, return_source=True)
    >>> X.shape, X.dtype, y.dtype
    ((100, 784), dtype('float32'), dtype('int64'))
    >>> y[:5].tolist()
    [7, 2, 1, 0, 4]
    """
    _check_choice("split", split, SPLITS)
    _check_choice("source", source, SOURCES)
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1):
        raise ValueError(f"n must be a positive int or None, got {n!r}")

    location = None
    if source in ("auto", "idx"):
        location = _auto_idx_dir(data_dir, split)
        if location is None and source == "idx":
            raise MNISTNotFoundError(
                f"no MNIST {split} IDX files: pass data_dir, set FASTRBM_DATA, or run "
                f"fastrbm.datasets.download_mnist() (cache: {get_cache_dir() / 'mnist'})")
        kind = "idx"
    if source == "download":
        location = download_mnist(dest=data_dir, progress=progress)
        kind = "download"

    if location is not None:
        images, labels = _load_idx_dir(location, split)
        full = images.shape[0] == FULL_SIZES[split]
        info = MNISTSource(kind, str(location), full)
    elif source == "tfds" or (source == "auto" and _tfds_prepared_locally()):
        try:
            images, labels, where = _load_tfds(split, n, download=source == "tfds")
        except MNISTNotFoundError as exc:
            logger.info("%s; using the bundled sample", exc)
            images = None
        else:
            info = MNISTSource("tfds", where, True)
    else:
        images = None
    if images is None:
        images, labels = _load_idx_dir(SAMPLE_DIR, split)
        info = MNISTSource("sample", str(SAMPLE_DIR), False)

    X, y = _to_xy(images, labels, n)
    logger.info("loaded %s (%s split, %d examples)", info, split, X.shape[0])
    return (X, y, info) if return_source else (X, y)


def _sample_size(split):
    """Number of examples in the bundled sample's ``split`` (read from the label header)."""
    labels_path = _idx_paths(SAMPLE_DIR, split)[1]
    with gzip.open(labels_path, "rb") as fh:
        return int.from_bytes(fh.read(8)[4:8], "big")


