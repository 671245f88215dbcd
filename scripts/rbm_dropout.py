"""Dropout RBMs on MNIST: what dropout costs per step and per fit, and what it changes.

Three measurements, one JSON line each, for ``dropout=0`` against ``dropout=p`` (the same fused
``cd_step`` with a mask), 784-500, batch 100, float32:

* ``step``: one minibatch step on a 100 x 784 MNIST batch, minimum over ``--repeats``;
* ``fit``: ``RBM(500, n_epochs=...)`` fit time, the two settings interleaved, minimum over ``--rounds``;
* ``quality``: held-out reconstruction error, pseudo-likelihood, the hidden units' mean activity,
  and the test accuracy of a logistic regression on ``transform`` features (scikit-learn); for
  the dropout model also with its weights scaled by ``1 - p``.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python scripts/rbm_dropout.py --backend numba

Full MNIST must be present (``scripts/mnist_local.py``).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import fastrbm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mnist_local import load  # noqa: E402


def model(dropout, backend, n_epochs, seed=0):
    return fastrbm.RBM(500, n_epochs=n_epochs, learning_rate=0.05, dropout=dropout, backend=backend,
                       random_state=seed)


def step_times(X, dropout, backend, repeats):
    """Minimum seconds of one minibatch step without and with dropout (mask drawn and applied)."""
    rbm = model(dropout, backend, 0).fit(X[:1000])
    v0 = rbm._K.asarray(X[:100])

    def step(keep):
        rbm._K.cd_step(rbm._W, rbm._b, rbm._c, *rbm._velocity, v0, rbm._keys().next_key(), k=1,
                       learning_rate=0.05, momentum=0.5, weight_decay=2e-4, keep=keep)

    steps = {"dropout_0": lambda: step(None), f"dropout_{dropout}": lambda: step(rbm._dropout_mask(len(v0)))}
    times = {}
    for name, run in steps.items():
        run()  # warm-up (compilation, buffers)
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        times[name] = best
    return times


def fit_times(X, dropout, backend, n_epochs, rounds):
    """Minimum fit seconds of dropout 0 and ``dropout``, interleaved round by round."""
    best = {0.0: np.inf, dropout: np.inf}
    for _ in range(rounds):
        for p in best:
            start = time.perf_counter()
            model(p, backend, n_epochs).fit(X)
            best[p] = min(best[p], time.perf_counter() - start)
    return best


def quality(X, y, X_test, y_test, dropout, backend, n_epochs):
    """Held-out metrics of the trained model, and for ``dropout > 0`` of the same model with W scaled by
    ``1 - dropout`` (the weight-scaling rule of dropout nets, which fastrbm does not apply)."""
    rbm = model(dropout, backend, n_epochs).fit(X)
    rows = [evaluate(rbm, X, y, X_test, y_test, dropout=dropout, weights="learned")]
    if dropout > 0:
        rbm.W_ = rbm.W_ * (1 - dropout)
        rows.append(evaluate(rbm, X, y, X_test, y_test, dropout=dropout, weights=f"learned x {1 - dropout:g}"))
    return rows


def evaluate(rbm, X, y, X_test, y_test, **labels):
    from sklearn.linear_model import LogisticRegression

    H, H_test = rbm.transform(X), rbm.transform(X_test)
    classifier = LogisticRegression(max_iter=500).fit(H, y)
    return {**labels, "test_reconstruction_error": float(np.mean((rbm.reconstruct(X_test) - X_test) ** 2)),
            "test_pseudo_likelihood": float(np.mean(rbm.score_samples(X_test))),
            "mean_hidden_activity": float(H_test.mean()),
            "logistic_regression_test_accuracy": float(classifier.score(H_test, y_test))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numba")
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--repeats", type=int, default=50, help="step: timed steps per setting")
    parser.add_argument("--fit-rows", type=int, default=10000)
    parser.add_argument("--fit-epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-rows", type=int, default=20000, help="quality: training images")
    parser.add_argument("--test-rows", type=int, default=10000, help="quality: held-out images")
    parser.add_argument("--epochs", type=int, default=20, help="quality: training epochs")
    parser.add_argument("--skip", nargs="*", default=[], choices=("step", "fit", "quality"))
    args = parser.parse_args(argv)
    X, y = load("train")
    X_test, y_test = load("test")
    if "step" not in args.skip:
        times = step_times(X, args.dropout, args.backend, args.repeats)
        print(json.dumps({"measure": "step", "backend": args.backend, **times,
                          "ratio": times[f"dropout_{args.dropout}"] / times["dropout_0"]}), flush=True)
    if "fit" not in args.skip:
        times = fit_times(X[:args.fit_rows], args.dropout, args.backend, args.fit_epochs, args.rounds)
        print(json.dumps({"measure": "fit", "backend": args.backend, "rows": args.fit_rows,
                          "epochs": args.fit_epochs, "rounds": args.rounds, "dropout_0_s": times[0.0],
                          f"dropout_{args.dropout}_s": times[args.dropout],
                          "ratio": times[args.dropout] / times[0.0]}), flush=True)
    if "quality" not in args.skip:
        for p in (0.0, args.dropout):
            for row in quality(X[:args.train_rows], y[:args.train_rows], X_test[:args.test_rows],
                               y_test[:args.test_rows], p, args.backend, args.epochs):
                print(json.dumps({"measure": "quality", "backend": args.backend, "train_rows": args.train_rows,
                                  "epochs": args.epochs, **row}), flush=True)


if __name__ == "__main__":
    main()
