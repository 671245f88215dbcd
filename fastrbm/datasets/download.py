"""The fastrbm cache directory and the checked download of the four MNIST files."""
import hashlib
import http.client
import logging
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from .errors import ChecksumMismatchError, MNISTDownloadError
from .idx import MNIST_FILES

logger = logging.getLogger(__name__)

#: Published SHA-256 of the four original ``.gz`` files.
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
#: Default mirror (the one torchvision uses first); override with ``$FASTRBM_MNIST_URL``.
DEFAULT_BASE_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"


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

    Examples
    --------
    >>> from fastrbm.datasets import get_cache_dir
    >>> get_cache_dir("/data/fastrbm") / "mnist"
    PosixPath('/data/fastrbm/mnist')
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get("FASTRBM_CACHE"):
        return Path(os.environ["FASTRBM_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg).expanduser() / "fastrbm"


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

    Any mirror works, with its own checksums; here the bundled sample through a ``file:`` URL:

    >>> import hashlib, tempfile
    >>> from fastrbm.datasets import SAMPLE_DIR, download_mnist, load_mnist
    >>> sums = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_DIR.glob("*.gz")}
    >>> path = download_mnist(tempfile.mkdtemp(), base_url=SAMPLE_DIR.as_uri(), sha256=sums, progress=False)
    >>> load_mnist("test", source="idx", data_dir=path)[0].shape
    (1000, 784)
    """
    dest = Path(dest).expanduser() if dest is not None else get_cache_dir() / "mnist"
    base_url = base_url or os.environ.get("FASTRBM_MNIST_URL") or DEFAULT_BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    sums = MNIST_SHA256 if sha256 is None else sha256
    dest.mkdir(parents=True, exist_ok=True)
    for stems in MNIST_FILES.values():
        for stem in stems:
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
