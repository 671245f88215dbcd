"""Saving and loading models: one ``.npz`` per model, written atomically.

Every file holds the arrays of the model, a JSON header (``__meta__``) with
the model class, the format version and the hyper-parameters. Writing goes to
a temporary file in the same directory, flushed and fsynced, then renamed over
the target, so a crash never leaves a half-written model and never destroys
the previous one. The temporary file is named after the target and the
writing process (``.tmp-<name>-<pid>-<random>.npz``): a later save of the same
target removes those left behind by an interrupted save (dead process, or more
than a day old).

Model files are untrusted input: :func:`load_npz` reads every entry without
pickle, and :func:`check_entry` / :func:`check_entries` let each model check
the kind, dimensions, shape and finiteness of every array before a kernel can
see it. Every problem raises :class:`ModelFileError` naming the file and entry.
"""
import glob
import json
import numbers
import os
import tempfile
import time
import zipfile

import numpy as np

__all__ = ["save_npz", "load_npz", "ModelFileError", "FORMAT_VERSION", "check_entry", "check_entries",
           "to_builtin"]

FORMAT_VERSION = 1
STALE_TMP_AGE_S = 24 * 3600  # a temporary file this old is stale whoever wrote it
TMP_GRACE_S = 60  # ... and one of a dead process once it is this old (no one still writing it)


class ModelFileError(ValueError):
    """A saved model file is missing, corrupt, or of another kind or version.

    Examples
    --------
    >>> import fastrbm
    >>> fastrbm.RBM.load("no-such-model.npz")
    Traceback (most recent call last):
    ...
    fastrbm.ModelFileError: no-such-model.npz: no such model file
    """


def to_builtin(value):
    """``value`` with NumPy scalars, arrays and dtypes turned into JSON-able Python objects."""
    if isinstance(value, dict):
        return {str(k): to_builtin(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_builtin(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_builtin(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    return value


def _tmp_prefix(path):
    return f".tmp-{os.path.basename(path)}-"


def _remove_stale_tmp(directory, path):
    """Delete temporary files of earlier, interrupted saves of ``path`` (same name pattern)."""
    now = time.time()
    pattern = os.path.join(glob.escape(directory), glob.escape(_tmp_prefix(path)) + "*.npz")
    for tmp in glob.glob(pattern):
        try:
            pid = int(os.path.basename(tmp)[len(_tmp_prefix(path)):].split("-", 1)[0])
        except ValueError:
            continue  # not one of ours
        try:
            age = now - os.stat(tmp).st_mtime
            if age > STALE_TMP_AGE_S or (age > TMP_GRACE_S and pid != os.getpid() and not _alive(pid)):
                os.unlink(tmp)
        except OSError:
            pass  # removed meanwhile, or not ours to remove


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def save_npz(path, kind, arrays, meta):
    """Atomically write ``arrays`` and ``meta`` (JSON-able dict; NumPy scalars are converted) for ``kind``."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    header = to_builtin({"kind": kind, "format_version": FORMAT_VERSION, **meta})
    payload = {name: np.asarray(a) for name, a in arrays.items()}
    payload["__meta__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save {path}: directory {directory} does not exist")
    _remove_stale_tmp(directory, path)
    fd, tmp = tempfile.mkstemp(prefix=f"{_tmp_prefix(path)}{os.getpid()}-", suffix=".npz", dir=directory)
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

    ``kind`` is the expected model kind (or a tuple of accepted kinds). Raises
    :class:`ModelFileError` naming the file when it is missing, not a fastrbm
    model, corrupt (naming the entry), of another model kind, or of a newer format.
    """
    path = os.fspath(path)
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a fastrbm model file (not an .npz archive: "
                             "another format, or corrupt or truncated)")
    arrays = {}
    try:
        with np.load(path, allow_pickle=False) as data:
            if "__meta__" not in data.files:
                raise ModelFileError(f"{path}: not a fastrbm model file (no header)")
            for name in data.files:
                try:
                    arrays[name] = data[name]
                except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
                    raise ModelFileError(f"{path}: entry {name!r} is corrupt or not a plain array ({exc})") from exc
    except ModelFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise ModelFileError(f"{path}: corrupt or unreadable model file ({exc})") from exc
    raw = arrays.pop("__meta__")
    try:
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"header of dtype {raw.dtype} and shape {raw.shape}")
        meta = json.loads(raw.tobytes().decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not a fastrbm model file (unreadable header: {exc})") from exc
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: not a fastrbm model file (the header is not a JSON object)")
    if meta.get("kind") not in kinds:
        expected = " or ".join(repr(k) for k in kinds)
        raise ModelFileError(f"{path}: holds a {meta.get('kind')!r} model, not a {expected} "
                             f"(expected a {expected} model file)")
    version = meta.get("format_version", 0)
    if not isinstance(version, numbers.Integral) or isinstance(version, bool):
        raise ModelFileError(f"{path}: format_version {version!r} in the header is not an integer")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version} is newer than this fastrbm "
            f"reads ({FORMAT_VERSION}); upgrade fastrbm"
        )
    return arrays, meta


_KIND_NAMES = {"f": "floating-point", "i": "integer", "u": "integer", "b": "boolean", "U": "string"}


def check_entry(path, arrays, name, shape, *, kinds="f", finite=True, low=None, high=None, optional=False):
    """The array ``arrays[name]`` of model file ``path`` after checking it, else :class:`ModelFileError`.

    ``shape`` is a tuple whose items are ints or None (any length); its length
    fixes the number of dimensions. ``kinds`` are the accepted dtype kinds
    (``"f"`` float, ``"iu"`` integer). Floating arrays must be finite (unless
    ``finite=False``) and within ``[low, high]`` when given. A missing entry is
    an error unless ``optional`` (then None is returned).
    """
    if name not in arrays:
        if optional:
            return None
        raise ModelFileError(f"{path}: entry {name!r} is missing")
    a = arrays[name]
    if not isinstance(a, np.ndarray) or a.dtype.kind not in kinds:
        want = " or ".join(sorted({_KIND_NAMES.get(k, k) for k in kinds}))
        raise ModelFileError(f"{path}: entry {name!r} has dtype {getattr(a, 'dtype', type(a).__name__)}, "
                             f"expected {want}")
    if a.ndim != len(shape) or any(want is not None and got != want for got, want in zip(a.shape, shape)):
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ModelFileError(f"{path}: entry {name!r} has shape {a.shape}, expected {want}")
    if a.dtype.kind == "f" and finite and not np.isfinite(a).all():
        raise ModelFileError(f"{path}: entry {name!r} contains NaN or infinite values")
    if low is not None and a.size and a.min() < low:
        raise ModelFileError(f"{path}: entry {name!r} has values below {low} (min {a.min():g})")
    if high is not None and a.size and a.max() > high:
        raise ModelFileError(f"{path}: entry {name!r} has values above {high} (max {a.max():g})")
    return a


def check_entries(path, arrays, allowed):
    """Raise :class:`ModelFileError` for an entry of the file that the model does not know."""
    unknown = sorted(set(arrays) - set(allowed))
    if unknown:
        raise ModelFileError(f"{path}: unexpected entries {unknown} (not written by this model)")


def meta_value(path, meta, name, kind=numbers.Integral, low=0, default=None):
    """An integer (or other ``kind``) field of the header, checked; :class:`ModelFileError` otherwise."""
    value = meta.get(name, default)
    if isinstance(value, bool) or not isinstance(value, kind) or (low is not None and value < low):
        raise ModelFileError(f"{path}: header field {name!r} = {value!r} is not valid")
    return value
