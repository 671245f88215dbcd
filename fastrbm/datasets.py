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
"""
import gzip
import hashlib
import http.client
import importlib.util
import logging
import os
import tempfile
import urllib.error
import urllib.request
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .rng import KeyStream, seed_from_random_state, uniform

__all__ = [
    "load_mnist",
    "download_mnist",
    "read_idx",
    "binarize",
    "get_cache_dir",
    "MNISTSource",
    "MNISTFormatError",
    "MNISTNotFoundError",
    "MNISTDownloadError",
    "ChecksumMismatchError",
    "TFDSUnavailableError",
]

logger = logging.getLogger(__name__)

SPLITS = ("train", "test")
SOURCES = ("auto", "idx", "tfds", "download", "sample")
BINARIZE_METHODS = ("threshold", "stochastic")

#: Canonical IDX file names (without ``.gz``) per split: (images, labels).
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
#: Published SHA-256 of the four original ``.gz`` files.
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
#: Default mirror (the one torchvision uses first); override with ``$FASTRBM_MNIST_URL``.
DEFAULT_BASE_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
ROWS = COLS = 28
N_PIXELS = ROWS * COLS
FULL_SIZES = {"train": 60000, "test": 10000}
TFDS_BATCH = 10000

SAMPLE_DIR = Path(__file__).resolve().parent / "_data"


class MNISTFormatError(ValueError):
    """An IDX file is not valid MNIST (bad gzip, wrong magic, wrong size, ...)."""


class MNISTNotFoundError(FileNotFoundError):
    """The requested MNIST source has no data here."""


class MNISTDownloadError(OSError):
    """A download failed; no partial file is left behind."""


class ChecksumMismatchError(MNISTDownloadError):
    """A downloaded file does not have the expected SHA-256; it has been deleted."""


class TFDSUnavailableError(ImportError):
    """tensorflow-datasets is not installed."""


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


# ----------------------------------------------------------------------------
# Directories


def get_cache_dir(cache_dir=None):
    """The fastrbm cache directory (not created).

    Parameters
    ----------
    cache_dir : str or path-like, optional
        Returned as a :class:`~pathlib.Path` when given.

    Returns
    -------
    pathlib.Path
        ``cache_dir``, else ``$FASTRBM_CACHE``, else ``$XDG_CACHE_HOME/fastrbm``
        (``~/.cache/fastrbm``). MNIST lives in its ``mnist`` subfolder.
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get("FASTRBM_CACHE"):
        return Path(os.environ["FASTRBM_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg).expanduser() / "fastrbm"


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


def find_real_mnist():
    """Directory holding the four full MNIST ``.gz`` files, or None (a helper of the repository's
    tests, benchmarks and scripts, which need the real files and never the bundled sample).

    Looks at ``$FASTRBM_DATA``, then ``shared/data/mnist`` beside the repository (found from
    the working directory and from an editable install).
    """
    here = Path(__file__).resolve().parents[1]
    candidates = [os.environ.get("FASTRBM_DATA"), Path.cwd().parent / "shared/data/mnist",
                  here.parent / "shared/data/mnist"]
    for candidate in filter(None, candidates):
        if all((Path(candidate) / name).is_file() for name in MNIST_SHA256):
            return Path(candidate)
    return None


def _missing_message(directory, split):
    names = " and ".join(f"{name}[.gz]" for name in MNIST_FILES[split])
    return f"{directory} does not contain the MNIST {split} files ({names})"


# ----------------------------------------------------------------------------
# IDX reader


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


# ----------------------------------------------------------------------------
# Download


def _sha256(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _fetch(url, target, expected_sha256, progress, timeout):
    """Download ``url`` to ``target`` through a temp file in the same folder.

    The temp file is renamed only when the body is complete and its SHA-256
    matches; otherwise it is deleted and an error raised.
    """
    from tqdm.auto import tqdm

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    digest = hashlib.sha256()
    try:
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                length = resp.headers.get("Content-Length")
                total = int(length) if length is not None else None
                received = 0
                with tqdm(total=total, unit="B", unit_scale=True, desc=target.name,
                          disable=not progress, leave=False) as bar:
                    # read(amt) returns b"" at a premature EOF instead of raising,
                    # so completeness is checked against Content-Length below.
                    while block := resp.read(1 << 16):
                        out.write(block)
                        digest.update(block)
                        received += len(block)
                        bar.update(len(block))
        except (OSError, http.client.HTTPException) as exc:
            raise MNISTDownloadError(f"downloading {url} failed: {exc!r}") from exc
        if total is not None and received != total:
            raise MNISTDownloadError(
                f"downloading {url} failed: connection closed after {received} of {total} bytes")
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise ChecksumMismatchError(
                f"{target.name} from {url}: SHA-256 mismatch, expected {expected_sha256}, "
                f"got {actual}; the file was deleted")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def download_mnist(dest=None, base_url=None, progress=True, sha256=None, timeout=60, force=False):
    """Download the four canonical MNIST ``.gz`` files, checking their SHA-256.

    Files already present with the right checksum are kept. Each file is
    written to a temp file and renamed into place only when complete and
    verified, so ``dest`` never holds a partial or unverified file.

    Parameters
    ----------
    dest : str or path-like, optional
        Target directory (created). Default: ``get_cache_dir() / "mnist"``.
    base_url : str, optional
        URL prefix the file names are appended to. Default:
        ``$FASTRBM_MNIST_URL``, else :data:`DEFAULT_BASE_URL`.
    progress : bool, default True
        Show a tqdm progress bar per file.
    sha256 : dict of str to str, optional
        Expected SHA-256 per ``.gz`` name; default :data:`MNIST_SHA256` (the
        published sums). Meant for tests with their own files.
    timeout : float, default 60
        Socket timeout in seconds.
    force : bool, default False
        Download again even when a verified file is present.

    Returns
    -------
    pathlib.Path
        The directory holding the four files.

    Raises
    ------
    ChecksumMismatchError
        A file's SHA-256 differs from the expected one (names the file and both sums).
    MNISTDownloadError
        Connection failure, HTTP error or a body shorter than its Content-Length.

    Examples
    --------
    >>> path = download_mnist()  # doctest: +SKIP
    >>> X, y = load_mnist("train", source="idx", data_dir=path)  # doctest: +SKIP
    """
    dest = Path(dest).expanduser() if dest is not None else get_cache_dir() / "mnist"
    base_url = base_url or os.environ.get("FASTRBM_MNIST_URL") or DEFAULT_BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    sums = MNIST_SHA256 if sha256 is None else sha256
    dest.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        for stem in MNIST_FILES[split]:
            name = f"{stem}.gz"
            target = dest / name
            if target.exists() and not force:
                if _sha256(target) == sums[name]:
                    logger.info("%s already present and verified", target)
                    continue
                logger.warning("%s has the wrong SHA-256; downloading it again", target)
            logger.info("downloading %s%s to %s", base_url, name, dest)
            _fetch(base_url + name, target, sums[name], progress, timeout)
    return dest


# ----------------------------------------------------------------------------
# tensorflow-datasets


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


# ----------------------------------------------------------------------------
# Public loader


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


# ----------------------------------------------------------------------------
# Binarisation


def binarize(X, method="threshold", threshold=0.5, random_state=None):
    """Map intensities in [0, 1] to {0, 1}.

    Parameters
    ----------
    X : array_like of any shape, values in [0, 1]
        Typically ``(n_samples, 784)`` from :func:`load_mnist`.
    method : {"threshold", "stochastic"}, default "threshold"
        ``"threshold"``: 1 where ``X > threshold``. ``"stochastic"``: 1 with
        probability ``X``, as ``u < X`` with ``u = fastrbm.rng.uniform(key,
        X.shape, float32)`` and ``key`` the first key of
        ``KeyStream(seed_from_random_state(random_state))``.
    threshold : float in [0, 1], default 0.5
        Only for ``"threshold"``.
    random_state : None, int or numpy.random.Generator
        Only for ``"stochastic"``. An int gives the same draws every call.

    Returns
    -------
    ndarray of X's shape, float32, values in {0.0, 1.0}, C-contiguous

    Raises
    ------
    ValueError
        Unknown method, NaN, values outside [0, 1], or a threshold outside [0, 1].

    Examples
    --------
    >>> binarize([[0.2, 0.5, 0.9]]).tolist()
    [[0.0, 0.0, 1.0]]
    >>> binarize([[0.0, 1.0]], method="stochastic", random_state=0).tolist()
    [[0.0, 1.0]]
    """
    _check_choice("method", method, BINARIZE_METHODS)
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}")
    X = X.astype(np.float32, copy=False)
    if np.isnan(X).any():
        raise ValueError("X contains NaN")
    if X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError(f"X must lie in [0, 1], got values in [{X.min()}, {X.max()}]")
    if method == "threshold":
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold must lie in [0, 1], got {threshold!r}")
        return np.ascontiguousarray(X > threshold, dtype=np.float32)
    key = KeyStream(seed_from_random_state(random_state)).next_key()
    u = uniform(key, X.shape, np.float32)
    return np.ascontiguousarray(u < X, dtype=np.float32)
