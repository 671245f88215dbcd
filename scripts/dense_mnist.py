"""Store 1,000 MNIST digits in a dense associative memory and recall them from corrupted
copies (10 % of pixels flipped, or the lower half blanked); the classical network beside it.

Usage: python scripts/dense_mnist.py [--n-stored 1000] [--png docs/dense_mnist.png]
Runs on the bundled 5,000-image sample when the full MNIST files are absent.
"""
import argparse
import json
import time

import numpy as np

import fastrbm
from fastrbm.datasets import load_mnist
from fastrbm.plotting import save_image_grid


def corrupt(x, how, rng):
    if how == "flip":
        return np.where(rng.random(x.shape) < 0.1, 1 - x, x)
    out = x.copy()
    out[:, x.shape[1] // 2:] = 0
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-stored", type=int, default=1000)
    parser.add_argument("--png")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    X, _ = load_mnist("train")
    digits = (X[:args.n_stored] > 0.5).astype(np.float32)
    rng = np.random.default_rng(0)
    models = {"exponential (DenseHopfield)": fastrbm.DenseHopfield(784, "exponential", states="binary", random_state=0),
              "polynomial n=3 (DenseHopfield)": fastrbm.DenseHopfield(784, "polynomial", degree=3, states="binary",
                                                                      random_state=0),
              "classical Storkey (Hopfield)": fastrbm.Hopfield(784, "storkey", states="binary", random_state=0)}
    report, rows = {}, []
    for how in ("flip", "mask"):
        probes = corrupt(digits, how, rng)
        for name, net in models.items():
            if not getattr(net, "n_patterns_", 0):
                t = time.perf_counter()
                net.store(digits)
                report[f"{name} store s"] = time.perf_counter() - t
            t = time.perf_counter()
            result = net.recall(probes, max_sweeps=20)
            wrong = (result.states != digits).mean(axis=1)
            report[f"{name}, {how}"] = {"recalled exactly": float((wrong == 0).mean()),
                                        "within 2 % of pixels": float((wrong <= 0.02).mean()),
                                        "recall s": time.perf_counter() - t}
            print(f"{name:32s} {how}: {report[f'{name}, {how}']}", flush=True)
            if name.startswith("exponential"):
                rows += [probes[:10], result.states[:10]]
    if args.png:  # rows: originals, then (corrupted, recalled) for flip and mask
        save_image_grid(args.png, np.vstack([digits[:10], *rows]), (28, 28), n_cols=10)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return report


if __name__ == "__main__":
    main()
