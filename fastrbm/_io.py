"""Saving and loading models: one ``.npz`` per model, written atomically.

Every file holds the arrays of the model, a JSON header (``__meta__``) with
the model class, the format version and the hyper-parameters. Writing goes to
a temporary file in the same directory, flushed and fsynced, then renamed over
the target, so a crash never leaves a half-written model and never destroys
the previous one.
"""
import json
import os
import tempfile
import zipfile

import numpy as np

__all__ = ["save_npz", "load_npz", "ModelFileError", "FORMAT_VERSION"]

FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A saved model file is missing, corrupt, or of another kind or version."""


def save_npz(path, kind, arrays, meta):
    """Atomically write ``arrays`` and ``meta`` (JSON-able dict) for a model of ``kind``."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    header = {"kind": kind, "format_version": FORMAT_VERSION, **meta}
    payload = {name: np.asarray(a) for name, a in arrays.items()}
    payload["__meta__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_npz(path, kind):
    """Return ``(arrays, meta)`` of a model file written by :func:`save_npz`.

    Raises :class:`ModelFileError` naming the file when it is missing, not a
    fastrbm model, corrupt, of another model kind, or of a newer format.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such model file")
    try:
        with np.load(path, allow_pickle=False) as data:
            if "__meta__" not in data.files:
                raise ModelFileError(f"{path}: not a fastrbm model file (no header)")
            meta = json.loads(data["__meta__"].tobytes().decode())
            arrays = {name: data[name] for name in data.files if name != "__meta__"}
    except ModelFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: corrupt or unreadable model file ({exc})") from exc
    if meta.get("kind") != kind:
        raise ModelFileError(f"{path}: holds a {meta.get('kind')!r} model, not a {kind!r}")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {meta.get('format_version')} is newer than this fastrbm "
            f"reads ({FORMAT_VERSION}); upgrade fastrbm"
        )
    return arrays, meta
