"""Regenerate the bundled MNIST sample in fastrbm/_data from the real IDX files.

Usage: python tools/make_sample.py [MNIST_DIR] [--train 5000] [--test 1000]

MNIST_DIR defaults to $FASTRBM_DATA, else ../shared/data/mnist next to the
repository. The sample is the first N examples of each split, in the original
order, written as gzip IDX files under the canonical names (gzip level 9,
no file name, mtime 0, so the output bytes are reproducible).
"""
import argparse
import gzip
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fastrbm.datasets import (IMAGES_MAGIC, LABELS_MAGIC, MNIST_FILES,  # noqa: E402
                              SAMPLE_DIR, _idx_paths, _read_idx_split)


def write_idx_gz(path, array, magic):
    """Write a uint8 array as a reproducible gzip IDX file."""
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                compresslevel=9, mtime=0) as gz:
        gz.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


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
        write_idx_gz(args.out / f"{images_name}.gz", images[:count], IMAGES_MAGIC)
        write_idx_gz(args.out / f"{labels_name}.gz", labels[:count], LABELS_MAGIC)
        print(f"{split}: first {count} of {len(labels)}; label counts "
              f"{np.bincount(labels[:count], minlength=10).tolist()}")
    for path in sorted(args.out.glob("*.gz")):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
