"""Pieces shared by the ``fastrbm`` commands: option types, data, backends, model files, history."""
import argparse
import csv
import importlib
import json
import os
import sys
from pathlib import Path

import numpy as np

# Model kind (the ``kind`` in a saved file's header) -> "module:Class".
MODEL_CLASSES = {
    "MLP": "fastrbm.models.mlp:MLP",
    "RBM": "fastrbm.models.rbm:RBM",
    "DBN": "fastrbm.models.dbn:DBN",
}


# ------------------------------------------------------------------ option types
def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def fraction(text):
    value = non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


def int_list(text):
    """``"500,500,2000"`` -> ``(500, 500, 2000)``."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 500,500,2000, got {text!r}")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return values


# ------------------------------------------------------------------ common options
def add_backend_option(parser):
    parser.add_argument("--backend", default=None,
                        help="numpy, numba, cython, cuda or auto (default: $FASTRBM_BACKEND, else auto)")


def add_data_options(parser, n_help="use only the first N training digits (default: all)"):
    parser.add_argument("--data", default="auto", metavar="DIR|sample|auto",
                        help="a directory of MNIST IDX files, 'sample' for the bundled 5,000/1,000 digits, "
                             "or 'auto' (default): $FASTRBM_DATA, the cache, tfds, then the sample")
    parser.add_argument("--n-train", type=positive_int, default=None, metavar="N", help=n_help)


def add_training_options(parser, epochs):
    add_backend_option(parser)
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--epochs", type=positive_int, default=epochs, help=f"passes over the data (default {epochs})")
    parser.add_argument("--batch-size", type=positive_int, default=100, help="minibatch size (default 100)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    add_data_options(parser)
    parser.add_argument("--save", metavar="PATH.npz", help="write the trained model here (atomically; also on Ctrl-C)")
    parser.add_argument("--history", metavar="PATH", help="per-epoch history: .csv gives CSV, anything else JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


# ------------------------------------------------------------------ output
def say(message):
    """A status line on stdout, flushed at once (progress bars go to stderr)."""
    print(message, flush=True)


def check_backend(name):
    """Resolve ``--backend`` now, so an unknown or unavailable one fails before any work."""
    from ..backend import get_backend

    return get_backend(name).name


def check_output_path(path):
    """``path`` as a Path whose directory exists (a clear error otherwise)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: directory {parent} does not exist")
    return path


# ------------------------------------------------------------------ data
def load_data(spec, split="train", n=None):
    """``(X, y, source)`` for ``--data`` (DIR, ``sample`` or ``auto``)."""
    from ..datasets import load_mnist

    if spec == "auto":
        kwargs = {"source": "auto"}
    elif spec == "sample":
        kwargs = {"source": "sample"}
    else:
        if not Path(spec).is_dir():
            raise FileNotFoundError(f"--data {spec}: no such directory")
        kwargs = {"source": "idx", "data_dir": spec}
    return load_mnist(split, n=n, return_source=True, progress=False, **kwargs)


def describe_source(source, X):
    return f"{len(X):,} digits from {source}"


# ------------------------------------------------------------------ history
def history_rows(history):
    """Per-epoch dicts from a model's ``history_``: a list as it is; a DBN's dict of stages flattened.

    ``{"pretrain": [{"layer": 0, "epochs": [...]}, ...], "up_down": [...]}`` becomes one row per
    epoch with ``stage`` (and ``layer``) columns.
    """
    if not isinstance(history, dict):
        return [dict(record) for record in history]
    rows = []
    for stage, records in history.items():
        for record in records:
            if "epochs" in record:
                rows.extend({"stage": stage, "layer": record["layer"], **epoch} for epoch in record["epochs"])
            else:
                rows.append({"stage": stage, **record})
    return rows


def write_history(path, history):
    """Write per-epoch records as CSV (``.csv``) or JSON (any other suffix); see :func:`history_rows`."""
    path = check_output_path(path)
    rows = history_rows(history)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as fh:
        if path.suffix.lower() == ".csv":
            fields = list(dict.fromkeys(key for row in rows for key in row))
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        else:
            json.dump(rows, fh, indent=2, default=float)
            fh.write("\n")
    os.replace(tmp, path)
    return path


# ------------------------------------------------------------------ model files
def model_kind(path):
    """The ``kind`` recorded in a saved model's header (a ModelFileError when unreadable)."""
    import zipfile

    from .._io import ModelFileError

    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such model file")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a fastrbm model file (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            if "__meta__" not in data.files:
                raise ModelFileError(f"{path}: not a fastrbm model file (no header)")
            return json.loads(data["__meta__"].tobytes().decode()).get("kind")
    except ModelFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: corrupt or unreadable model file ({exc})") from exc


def model_class(kind, path=""):
    from .._io import ModelFileError

    if kind not in MODEL_CLASSES:
        raise ModelFileError(f"{path}: unknown model kind {kind!r} (known: {', '.join(MODEL_CLASSES)})")
    module, name = MODEL_CLASSES[kind].split(":")
    return getattr(importlib.import_module(module), name)


def load_model(path, backend=None):
    """Load any saved fastrbm model; returns ``(kind, model)``."""
    kind = model_kind(path)
    return kind, model_class(kind, path).load(path, backend=backend)


# ------------------------------------------------------------------ training
def fit_interruptibly(fit, announce):
    """Run ``fit()`` so that Ctrl-C stops after the current minibatch; True when it was stopped.

    ``announce`` is printed once the Ctrl-C handler is in place.
    """
    from .. import interrupt

    with interrupt.stop_on_interrupt():
        say(announce)
        fit()
        return interrupt.requested()


def finish_training(model, args, stopped):
    """Save the model and its history as asked; return the exit code (130 after Ctrl-C)."""
    if args.save:
        written = model.save(args.save)
        say(f"{'checkpoint' if stopped else 'model'} saved to {written}")
    if args.history:
        say(f"history written to {write_history(args.history, model.history_)}")
    if stopped:
        print("fastrbm: interrupted: training stopped after the current minibatch", file=sys.stderr)
        return 130
    return 0
