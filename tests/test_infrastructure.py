"""Shared helpers: validation, atomic model files, PNG pictures."""
import numpy as np
import pytest

from fastrbm import _io, _validation, plotting


def test_check_data_errors():
    with pytest.raises(ValueError, match="NaN"):
        _validation.check_data([[0.0, np.nan]])
    with pytest.raises(ValueError, match="3 features, but the model is expecting 2"):
        _validation.check_data(np.zeros((4, 3)), n_features=2)
    with pytest.raises(ValueError, match="2-dimensional"):
        _validation.check_data(np.zeros(3))
    with pytest.raises(TypeError, match="numeric"):
        _validation.check_data(np.array([["a"]]))
    with pytest.raises(ValueError, match="above 1"):
        _validation.check_data([[0.0, 1.5]], low=0, high=1)
    assert _validation.check_data(np.zeros((2, 2), np.float64)).dtype == np.float64
    assert _validation.check_data(np.zeros((2, 2), np.uint8)).dtype == np.float32


def test_check_binary_and_param():
    with pytest.raises(ValueError, match="only 0 and 1; found 0.5"):
        _validation.check_binary(np.array([0.0, 0.5]))
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        _validation.check_param("learning_rate", 0.0, low=0, low_open=True)
    with pytest.raises(ValueError, match="rule must be one of"):
        _validation.check_param("rule", "oja", choices=("hebbian", "storkey"))


def test_model_file_round_trip_and_errors(tmp_path):
    path = _io.save_npz(tmp_path / "m", "RBM", {"W": np.arange(6.0).reshape(2, 3)}, {"n_hidden": 3})
    arrays, meta = _io.load_npz(path, "RBM")
    np.testing.assert_array_equal(arrays["W"], np.arange(6.0).reshape(2, 3))
    assert meta["n_hidden"] == 3 and meta["format_version"] == _io.FORMAT_VERSION
    with pytest.raises(_io.ModelFileError, match="holds a 'RBM' model"):
        _io.load_npz(path, "DBN")
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(open(path, "rb").read()[:100])
    with pytest.raises(_io.ModelFileError, match="corrupt"):
        _io.load_npz(corrupt, "RBM")
    with pytest.raises(_io.ModelFileError, match="no such model file"):
        _io.load_npz(tmp_path / "missing.npz", "RBM")


def test_failed_save_keeps_previous_model(tmp_path, monkeypatch):
    path = _io.save_npz(tmp_path / "m.npz", "RBM", {"W": np.ones(3)}, {})

    def crash_midway(fh, **arrays):  # half a file written, then the "disk" fails
        fh.write(b"PK\x03\x04 partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(_io.np, "savez", crash_midway)
    with pytest.raises(RuntimeError):
        _io.save_npz(path, "RBM", {"W": np.zeros(3)}, {})
    monkeypatch.undo()
    arrays, _ = _io.load_npz(path, "RBM")
    np.testing.assert_array_equal(arrays["W"], np.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_png_round_trip_and_grid(tmp_path):
    images = np.random.default_rng(0).random((10, 784))
    path = plotting.save_image_grid(tmp_path / "g.png", images, n_cols=5, gap=2, zoom=1)
    grid = plotting.read_png(path)
    assert grid.shape == (2 * 30 + 2, 5 * 30 + 2)
    np.testing.assert_array_equal(grid[2:30, 2:30], np.round(255 * (1 - images[0].reshape(28, 28))).astype(np.uint8))
    assert (grid[0] == 255).all()  # white gap
