"""MNIST test error of the classification RBM (Larochelle & Bengio 2008), beside the paper's.

Trains :class:`fastrbm.DiscriminativeRBM` on the first 50,000 training digits (intensities in
[0, 1]), keeps the epoch with the lowest error on the last 10,000 (early stopping by model
selection, as the paper selects on its validation set), and reports the error on the 10,000
test digits and the wall time; one JSON per run in ``docs/drbm_runs``.

    python scripts/drbm_mnist.py --objective hybrid                       # the paper's HDRBM settings
    python scripts/drbm_mnist.py --objective discriminative --n-hidden 500
    python scripts/drbm_mnist.py --objective hybrid --epochs 3 --train-size 5000   # a quick look

Full MNIST must be present (``scripts/mnist_local.py``).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import fastrbm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mnist_local import load  # noqa: E402

RUNS = Path(__file__).resolve().parents[1] / "docs" / "drbm_runs"
# Test error (%) of Larochelle & Bengio (2008), table 1 (quoted from memory of the paper; the PDF
# was not reachable here): RBM (generative) with 6000 hidden units, DRBM with 500, HDRBM with 1500
# and alpha = 0.01.
PUBLISHED = {"generative": 3.39, "discriminative": 1.81, "hybrid": 1.28}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", default="hybrid", choices=("generative", "discriminative", "hybrid"))
    parser.add_argument("--n-hidden", type=int, default=1500)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--learning-rate", type=float, default=0.5,
                        help="on the mean gradient of a minibatch (the paper's 0.05 per example x 10)")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--train-size", type=int, default=50000, help="training rows (the first ones)")
    parser.add_argument("--backend", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tag", default="", help="suffix of the JSON file name")
    args = parser.parse_args(argv)

    (X, y), (X_test, y_test) = load("train"), load("test")
    X_train, y_train = X[:min(args.train_size, 50000)], y[:min(args.train_size, 50000)]
    X_val, y_val = X[50000:], y[50000:]
    model = fastrbm.DiscriminativeRBM(args.n_hidden, objective=args.objective, alpha=args.alpha,
                                      learning_rate=args.learning_rate, batch_size=args.batch_size,
                                      n_epochs=args.epochs, backend=args.backend, random_state=args.seed,
                                      verbose=True)
    start = time.perf_counter()
    model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    train_s = time.perf_counter() - start
    test_error = 100 * (1 - model.score(X_test, y_test))
    result = {"objective": args.objective, "params": model._header_params(), "train_rows": len(X_train),
              "epochs_run": len(model.history_), "best_epoch": model.best_epoch_,
              "val_error_pct": 100 * model.history_[model.best_epoch_ - 1]["val_error"] if model.history_ else None,
              "test_error_pct": test_error, "published_test_error_pct": PUBLISHED.get(args.objective),
              "train_wall_s": train_s, "backend": model._K.name,
              "threads": os.environ.get("FASTRBM_NUM_THREADS"), "history": model.history_}
    print(f"{args.objective}: test error {test_error:.2f} % (published {PUBLISHED.get(args.objective)} %), "
          f"best epoch {model.best_epoch_}/{len(model.history_)}, training {train_s:.0f} s")
    RUNS.mkdir(parents=True, exist_ok=True)
    name = f"{args.objective}-h{args.n_hidden}-e{args.epochs}-n{len(X_train)}{args.tag}.json"
    (RUNS / name).write_text(json.dumps(result, indent=1))
    print("wrote", RUNS / name)


if __name__ == "__main__":
    main()
