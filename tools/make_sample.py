"""Regenerate the bundled MNIST sample in fastrbm/_data from the real IDX files.

Usage: python tools/make_sample.py [MNIST_DIR] [--train 5000] [--test 1000]

MNIST_DIR defaults to $FASTRBM_DATA, else ../shared/data/mnist next to the
repository. The sample is the first N examples of each split, in the original
order, written as gzip IDX files under the canonical names (gzip level 9,
no file name, mtime 0, so the output bytes are reproducible).
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fastrbm.datasets import MNIST_FILES, SAMPLE_DIR  # noqa: E402
from fastrbm.datasets.idx import _idx_paths, _read_idx_split, _write_idx  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("FASTRBM_DATA") or REPO.parent / "shared" / "data" / "mnist"
    parser.add_argument("mnist_dir", nargs="?", default=default, type=Path)
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR)
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    for split, count in (("train", args.train), ("test", args.test)):
        paths = _idx_paths(args.mnist_dir, split)
        if paths is None:
            sys.exit(f"{args.mnist_dir} lacks the MNIST {split} files")
        images, labels = _read_idx_split(*paths)
        images_name, labels_name = MNIST_FILES[split]
        _write_idx(args.out / f"{images_name}.gz", images[:count])
        _write_idx(args.out / f"{labels_name}.gz", labels[:count])
        print(f"{split}: first {count} of {len(labels)}; label counts "
              f"{np.bincount(labels[:count], minlength=10).tolist()}")
    for path in sorted(args.out.glob("*.gz")):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
