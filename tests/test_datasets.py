"""fastrbm.datasets: IDX reader, source order, checked download, sample, binarize, tfds adapter.

Tests that need the real MNIST files (``$FASTRBM_DATA`` or ``shared/data/mnist``
beside the repository) skip with the reason when they are absent; everything
else runs on the bundled sample or on small IDX files made here. Downloads go
to a local HTTP server on 127.0.0.1 only.
"""
import gzip
import hashlib
import http.server
import importlib.machinery
import logging
import os
import shutil
import sys
import threading
import types
from pathlib import Path

import numpy as np
import pytest

from fastrbm import datasets
from fastrbm.datasets import (MNIST_FILES, ChecksumMismatchError, MNISTDownloadError, MNISTFormatError,
                              MNISTNotFoundError, TFDSUnavailableError, binarize, download_mnist,
                              find_real_mnist, load_mnist, read_idx)
from fastrbm.datasets.idx import _write_idx
from fastrbm.rng import KeyStream, seed_from_random_state, uniform

FIRST_TRAIN = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
FIRST_TEST = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
GZ_NAMES = [f"{stem}.gz" for split in ("train", "test") for stem in MNIST_FILES[split]]


REAL_DIR = find_real_mnist()
needs_real = pytest.mark.skipif(
    REAL_DIR is None, reason="real MNIST files absent (set FASTRBM_DATA or provide ../shared/data/mnist)")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No user data, an empty cache and tfds store, loopback without proxies."""
    monkeypatch.delenv("FASTRBM_DATA", raising=False)
    monkeypatch.delenv("FASTRBM_MNIST_URL", raising=False)
    monkeypatch.setenv("FASTRBM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def make_mnist_dir(directory, n_train=12, n_test=7, compress=True, seed=0):
    """Small valid IDX files under the canonical names; returns {split: (images, labels)}."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, count in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        images[0, 0, 0] = 255
        labels = rng.integers(0, 10, size=count, dtype=np.uint8)
        suffix = ".gz" if compress else ""
        _write_idx(directory / f"{MNIST_FILES[split][0]}{suffix}", images, compress)
        _write_idx(directory / f"{MNIST_FILES[split][1]}{suffix}", labels, compress)
        out[split] = (images, labels)
    return out


def fail_on_network(monkeypatch):
    def urlopen(*args, **kwargs):
        raise AssertionError("auto must not touch the network")
    monkeypatch.setattr(datasets.download.urllib.request, "urlopen", urlopen)


# ----------------------------------------------------------------------------
# Bundled sample and real files


@pytest.mark.parametrize("split, size, first", [("train", 5000, FIRST_TRAIN), ("test", 1000, FIRST_TEST)])
def test_sample(split, size, first):
    X, y, src = load_mnist(split, source="sample", return_source=True)
    assert X.shape == (size, 784) and X.dtype == np.float32 and X.flags.c_contiguous
    assert y.shape == (size,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert y[:10].tolist() == first
    assert set(np.unique(y)) == set(range(10))
    assert src.kind == "sample" and not src.full
    assert str(src).startswith("bundled sample of real MNIST digits (5000 train / 1000 test)")


@needs_real
@pytest.mark.parametrize("split", ["train", "test"])
def test_sample_is_the_first_real_digits(split):
    images, labels = datasets.mnist._load_idx_dir(REAL_DIR, split)
    sample_images, sample_labels = datasets.mnist._load_idx_dir(datasets.SAMPLE_DIR, split)
    n = len(sample_labels)
    np.testing.assert_array_equal(sample_images, images[:n])
    np.testing.assert_array_equal(sample_labels, labels[:n])


@needs_real
@pytest.mark.mnist
@pytest.mark.parametrize("split, size, first, mean", [("train", 60000, FIRST_TRAIN, 0.1307),
                                                      ("test", 10000, FIRST_TEST, 0.1325)])
def test_real_files(split, size, first, mean):
    X, y, src = load_mnist(split, source="idx", data_dir=REAL_DIR, return_source=True)
    assert X.shape == (size, 784) and X.dtype == np.float32 and X.flags.c_contiguous
    assert y.dtype == np.int64 and y[:10].tolist() == first
    assert X.max() == 1.0 and X.min() == 0.0
    # Scaling is /255: every value is an exact multiple of 1/255, and 255 maps to 1.
    assert np.array_equal(np.round(X[:50] * 255), X[:50] * np.float32(255))
    assert abs(X.mean() - mean) < 5e-5
    assert src.kind == "idx" and src.full
    assert str(src) == f"full MNIST from IDX files in {REAL_DIR}"


def test_scaling_and_subset(tmp_path):
    made = make_mnist_dir(tmp_path / "d")
    X, y = load_mnist("train", source="idx", data_dir=tmp_path / "d", n=5)
    images, labels = made["train"]
    assert X.shape == (5, 784)
    np.testing.assert_array_equal(X, images[:5].reshape(5, 784).astype(np.float32) / np.float32(255))
    assert X[0, 0] == 1.0
    np.testing.assert_array_equal(y, labels[:5])
    with pytest.warns(UserWarning, match="n=99"):
        X, _ = load_mnist("train", source="idx", data_dir=tmp_path / "d", n=99)
    assert X.shape == (12, 784)


def test_raw_and_gzip_files_agree(tmp_path):
    make_mnist_dir(tmp_path / "gz", compress=True)
    make_mnist_dir(tmp_path / "raw", compress=False)
    X1, y1 = load_mnist("test", source="idx", data_dir=tmp_path / "gz")
    X2, y2 = load_mnist("test", source="idx", data_dir=tmp_path / "raw")
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("kwargs, match", [
    ({"split": "valid"}, "split must be one of"),
    ({"source": "web"}, "source must be one of"),
    ({"n": 0}, "n must be a positive int"),
    ({"n": 2.5}, "n must be a positive int"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_mnist(**kwargs)


# ----------------------------------------------------------------------------
# auto: source order, never the network


def test_auto_order(tmp_path, monkeypatch, caplog):
    fail_on_network(monkeypatch)
    caplog.set_level(logging.INFO, logger="fastrbm.datasets")
    # Nothing anywhere: the bundled sample.
    _, y, src = load_mnist("test", return_source=True)
    assert src.kind == "sample" and y[:10].tolist() == FIRST_TEST
    assert "loaded bundled sample" in caplog.text
    # The cache comes before the sample ...
    make_mnist_dir(tmp_path / "cache" / "mnist", n_test=3)
    _, y, src = load_mnist("test", return_source=True)
    assert (src.kind, src.location, len(y)) == ("idx", str(tmp_path / "cache" / "mnist"), 3)
    assert not src.full and str(src).startswith("partial MNIST from IDX files")
    # ... FASTRBM_DATA before the cache ...
    make_mnist_dir(tmp_path / "env", n_test=4)
    monkeypatch.setenv("FASTRBM_DATA", str(tmp_path / "env"))
    _, y, src = load_mnist("test", return_source=True)
    assert (src.location, len(y)) == (str(tmp_path / "env"), 4)
    # ... and the data_dir argument before FASTRBM_DATA.
    make_mnist_dir(tmp_path / "arg", n_test=5)
    _, y, src = load_mnist("test", data_dir=tmp_path / "arg", return_source=True)
    assert (src.location, len(y)) == (str(tmp_path / "arg"), 5)
    assert f"IDX files in {tmp_path / 'arg'}" in caplog.text


def test_auto_skips_empty_env_dir_but_not_missing_data_dir(tmp_path, monkeypatch, caplog):
    fail_on_network(monkeypatch)
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("FASTRBM_DATA", str(tmp_path / "empty"))
    _, _, src = load_mnist("train", n=3, return_source=True)
    assert src.kind == "sample"
    assert "FASTRBM_DATA" in caplog.text and "does not contain" in caplog.text
    with pytest.raises(MNISTNotFoundError, match="does not contain the MNIST train files"):
        load_mnist("train", data_dir=tmp_path / "empty")
    with pytest.raises(MNISTNotFoundError, match="download_mnist"):
        monkeypatch.delenv("FASTRBM_DATA")
        load_mnist("train", source="idx")


# ----------------------------------------------------------------------------
# Corrupt and truncated files


def corrupt(directory, case):
    """Damage the test split in ``directory``; returns the name the error must mention."""
    images_gz = directory / "t10k-images-idx3-ubyte.gz"
    labels_gz = directory / "t10k-labels-idx1-ubyte.gz"
    data = gzip.decompress(images_gz.read_bytes())
    if case == "truncated gzip":
        raw = images_gz.read_bytes()
        images_gz.write_bytes(raw[: len(raw) // 2])
    elif case == "garbled gzip":
        raw = bytearray(images_gz.read_bytes())
        raw[len(raw) // 2: len(raw) // 2 + 64] = bytes(64)
        images_gz.write_bytes(bytes(raw))
    elif case == "wrong magic":
        shutil.copy(labels_gz, images_gz)
    elif case == "short payload":
        images_gz.write_bytes(gzip.compress(data[:-100]))
    elif case == "trailing bytes":
        images_gz.write_bytes(gzip.compress(data + b"\0"))
    elif case == "header only":
        images_gz.write_bytes(gzip.compress(data[:10]))
    elif case == "not 28x28":
        _write_idx(images_gz, np.zeros((7, 27, 29), np.uint8))
        return images_gz.name
    elif case == "count mismatch":
        _write_idx(labels_gz, np.zeros(6, np.uint8))
        return labels_gz.name
    elif case == "label > 9":
        _write_idx(labels_gz, np.full(7, 10, np.uint8))
        return labels_gz.name
    return images_gz.name


@pytest.mark.parametrize("case, message", [
    ("truncated gzip", "corrupt or truncated gzip"),
    ("garbled gzip", "corrupt or truncated gzip"),
    ("wrong magic", "magic number 2049, expected 2051"),
    ("short payload", "payload truncated"),
    ("trailing bytes", "trailing bytes"),
    ("header only", "header truncated"),
    ("not 28x28", r"\(27, 29\), expected \(28, 28\)"),
    ("count mismatch", "6 labels but .* 7 images"),
    ("label > 9", "label 10 outside 0-9"),
])
def test_corrupt_files_raise(tmp_path, case, message):
    make_mnist_dir(tmp_path)
    name = corrupt(tmp_path, case)
    with pytest.raises(MNISTFormatError, match=message) as info:
        load_mnist("test", source="idx", data_dir=tmp_path)
    assert isinstance(info.value, ValueError)
    assert name in str(info.value)


def test_read_idx_raw_and_unknown_magic(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    _write_idx(tmp_path / "raw", labels, compress=False)
    np.testing.assert_array_equal(read_idx(tmp_path / "raw", expected_magic=2049), labels)
    (tmp_path / "bad").write_bytes(b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + bytes(12))
    with pytest.raises(MNISTFormatError, match="not an IDX file of unsigned bytes"):
        read_idx(tmp_path / "bad")
    (tmp_path / "tiny").write_bytes(b"\x00\x00")
    with pytest.raises(MNISTFormatError, match="too short"):
        read_idx(tmp_path / "tiny")


# ----------------------------------------------------------------------------
# Download from a local server


class Server:
    """http.server on 127.0.0.1 serving ``files``; names in ``drop`` are cut midway."""

    def __init__(self, files):
        self.files = dict(files)
        self.drop = set()
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                server.requests.append(name)
                data = server.files.get(name)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if name in server.drop:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path_factory):
    """(server, sums, source dir): the real files with the published sums when
    present, else small generated files with their own sums."""
    if REAL_DIR is not None:
        source, sums = REAL_DIR, None
    else:
        source = tmp_path_factory.mktemp("made")
        make_mnist_dir(source)
        sums = {name: hashlib.sha256((source / name).read_bytes()).hexdigest() for name in GZ_NAMES}
    server = Server({f"mnist/{name}": (source / name).read_bytes() for name in GZ_NAMES})
    yield server, sums, source
    server.close()


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir())


def test_download_and_load(tmp_path, served, monkeypatch):
    server, sums, source = served
    dest = download_mnist(tmp_path / "dl", base_url=server.url, sha256=sums, progress=True, timeout=10)
    assert leftovers(dest) == sorted(GZ_NAMES)
    for name in GZ_NAMES:
        assert (dest / name).read_bytes() == (source / name).read_bytes()
    # Verified files are not fetched again.
    count = len(server.requests)
    download_mnist(dest, base_url=server.url, sha256=sums, progress=False)
    assert len(server.requests) == count
    # source="download" with the URL from the environment.
    monkeypatch.setenv("FASTRBM_MNIST_URL", server.url)
    monkeypatch.setattr(datasets.download, "MNIST_SHA256", sums or datasets.MNIST_SHA256)
    X, y, src = load_mnist("test", source="download", data_dir=tmp_path / "dl2", progress=False,
                           return_source=True)
    X0, y0 = load_mnist("test", source="idx", data_dir=source)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert src.kind == "download" and src.location == str(tmp_path / "dl2")
    if REAL_DIR is not None:
        assert y[:10].tolist() == FIRST_TEST and src.full


def test_download_checksum_mismatch_deletes_file(tmp_path, served):
    server, sums, _ = served
    name = "t10k-labels-idx1-ubyte.gz"
    bad = bytearray(server.files[f"mnist/{name}"])
    bad[-1] ^= 0xFF
    server.files[f"mnist/{name}"] = bytes(bad)
    expected = (sums or datasets.MNIST_SHA256)[name]
    with pytest.raises(ChecksumMismatchError) as info:
        download_mnist(tmp_path, base_url=server.url, sha256=sums, progress=False, timeout=10)
    message = str(info.value)
    assert name in message and expected in message
    assert hashlib.sha256(bytes(bad)).hexdigest() in message
    assert leftovers(tmp_path) == sorted(set(GZ_NAMES) - {name})


def test_download_dropped_connection_leaves_nothing(tmp_path, served):
    server, sums, _ = served
    server.drop.add("mnist/train-images-idx3-ubyte.gz")
    with pytest.raises(MNISTDownloadError, match="connection closed after .* bytes") as info:
        download_mnist(tmp_path, base_url=server.url, sha256=sums, progress=False, timeout=10)
    assert "train-images-idx3-ubyte.gz" in str(info.value)
    assert leftovers(tmp_path) == []


def test_download_http_error(tmp_path, served):
    server, sums, _ = served
    with pytest.raises(MNISTDownloadError, match="404"):
        download_mnist(tmp_path, base_url=server.url + "missing/", sha256=sums, progress=False)
    assert leftovers(tmp_path) == []


def test_published_sums_match_real_files():
    if REAL_DIR is None:
        pytest.skip("real MNIST files absent (set FASTRBM_DATA or provide ../shared/data/mnist)")
    for name in GZ_NAMES:
        assert datasets.download._sha256(REAL_DIR / name) == datasets.MNIST_SHA256[name], name


# ----------------------------------------------------------------------------
# binarize


def test_binarize_threshold():
    X = np.array([[0.0, 0.5, 0.50001, 1.0]], dtype=np.float64)
    out = binarize(X)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert out.tolist() == [[0.0, 0.0, 1.0, 1.0]]
    assert binarize(X, threshold=0.0).tolist() == [[0.0, 1.0, 1.0, 1.0]]


def test_binarize_stochastic_uses_project_stream():
    X = np.full((200, 500), 0.3, dtype=np.float32)
    X[0] = 0.0
    X[1] = 1.0
    out = binarize(X, method="stochastic", random_state=7)
    key = KeyStream(seed_from_random_state(7)).next_key()
    np.testing.assert_array_equal(out, (uniform(key, X.shape, np.float32) < X).astype(np.float32))
    assert out.dtype == np.float32 and set(np.unique(out)) == {0.0, 1.0}
    assert not out[0].any() and out[1].all()
    # Strict u < X: intensities equal to their own uniforms give 0 (so X = 0 never gives 1).
    assert not binarize(uniform(key, X.shape, np.float32), "stochastic", random_state=7).any()
    assert abs(out[2:].mean() - 0.3) < 0.005  # 99,000 draws: sd 0.0015
    np.testing.assert_array_equal(out, binarize(X, method="stochastic", random_state=7))
    assert not np.array_equal(out, binarize(X, method="stochastic", random_state=8))
    gen = np.random.default_rng(0)
    assert binarize(X, "stochastic", random_state=gen).shape == X.shape


@pytest.mark.parametrize("X, kwargs, match", [
    ([[0.5, np.nan]], {}, "NaN"),
    ([[0.5, 1.5]], {}, r"\[0, 1\]"),
    ([[-0.1, 0.5]], {"method": "stochastic"}, r"\[0, 1\]"),
    ([[0.5]], {"method": "bernoulli"}, "method must be one of"),
    ([[0.5]], {"threshold": 2}, "threshold must lie in"),
    (["a"], {}, "numeric"),
])
def test_binarize_errors(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        binarize(np.asarray(X), **kwargs)


# ----------------------------------------------------------------------------
# tensorflow-datasets adapter


def fake_tfds(images, labels, prepared=True):
    """A stand-in ``tensorflow_datasets`` module with just what the adapter calls."""
    calls = []

    class Dataset:
        def __init__(self, split):
            self.split = split

        def batch(self, size):
            name, _, rest = self.split.partition("[")
            stop = int(rest.strip(":]")) if rest else len(labels)
            return [(images[i:min(i + size, stop)], labels[i:min(i + size, stop)])
                    for i in range(0, stop, size)]

    class Builder:
        data_dir = "/fake/tensorflow_datasets/mnist/3.0.1"

        def is_prepared(self):
            return prepared

        def download_and_prepare(self):
            calls.append("download_and_prepare")

        def as_dataset(self, split, as_supervised):
            assert as_supervised
            calls.append(split)
            return Dataset(split)

    module = types.ModuleType("tensorflow_datasets")
    module.__spec__ = importlib.machinery.ModuleSpec("tensorflow_datasets", None)
    module.builder = lambda name: Builder() if name == "mnist" else None
    module.as_numpy = lambda dataset: dataset
    return module, calls


@pytest.fixture
def tfds_images():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(25000, 28, 28, 1), dtype=np.uint8)
    images[3, 5, 5, 0] = 255
    return images, rng.integers(0, 10, size=25000).astype(np.int64)


def test_tfds_adapter_reshapes_and_scales(monkeypatch, tfds_images):
    images, labels = tfds_images
    module, calls = fake_tfds(images, labels, prepared=False)
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", module)
    X, y, src = load_mnist("train", source="tfds", return_source=True)
    assert calls == ["download_and_prepare", "train"]
    assert X.shape == (25000, 784) and X.dtype == np.float32 and X.flags.c_contiguous
    np.testing.assert_array_equal(X, images.reshape(25000, 784) / np.float32(255))
    assert X.max() == 1.0 and y.dtype == np.int64
    np.testing.assert_array_equal(y, labels)
    assert src.kind == "tfds" and str(src).startswith("full MNIST from tensorflow-datasets /fake")
    X, _ = load_mnist("test", source="tfds", n=7)
    assert calls[-1] == "test[:7]" and X.shape == (7, 784)


def test_auto_uses_tfds_only_when_prepared(tmp_path, monkeypatch, tfds_images):
    images, labels = tfds_images
    module, calls = fake_tfds(images[:30], labels[:30], prepared=False)
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", module)
    (tmp_path / "tfds" / "mnist").mkdir(parents=True)
    _, _, src = load_mnist("train", return_source=True)
    assert src.kind == "sample" and "download_and_prepare" not in calls
    module.builder = fake_tfds(images[:30], labels[:30], prepared=True)[0].builder
    X, _, src = load_mnist("train", return_source=True)
    assert src.kind == "tfds" and X.shape == (30, 784)


def test_tfds_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(TFDSUnavailableError, match=r"pip install 'fastrbm\[tfds\]'") as info:
        load_mnist(source="tfds")
    assert isinstance(info.value, ImportError)
    assert load_mnist("test", n=2, return_source=True)[2].kind == "sample"


def test_tfds_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets", reason="tensorflow-datasets not installed "
                               "(pip install 'fastrbm[tfds]')")
    with tfds.testing.mock_data(num_examples=20):
        X, y, src = load_mnist("test", source="tfds", return_source=True)
        images, labels = next(iter(tfds.as_numpy(
            tfds.builder("mnist").as_dataset(split="test", as_supervised=True).batch(100))))
    assert X.shape == (20, 784) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, images.reshape(20, 784) / np.float32(255))
    np.testing.assert_array_equal(y, labels)
    assert 0.0 <= X.min() and X.max() <= 1.0 and src.kind == "tfds"
