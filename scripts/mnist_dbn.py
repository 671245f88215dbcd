"""Full MNIST pipeline: DBN pretraining -> (up-down) -> backprop fine-tuning -> test error.

Reads MNIST from ``FASTRBM_DATA`` or /work/shared/data/mnist. Prints the wall
time of every stage and the backend, writes ``results.json``, the generated
digits (per class and unconditional) as PNGs and the models into ``--out``.
The last 10,000 training images are the validation split for early stopping
(pretraining never sees them). With ``--final-epochs N`` there is no split:
pretraining and fine-tuning use all 60,000 training images and fine-tuning runs
exactly N epochs, N taken from an earlier run's early stopping (the usual last
step once the hyper-parameters are chosen; the test set is never looked at
before the end).

Example (the reported run)::

    python scripts/mnist_dbn.py --backend numba --out runs/mnist --baseline
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fastrbm  # noqa: E402
from fastrbm.backend import resolve_backend_name  # noqa: E402
from fastrbm.plotting import save_image_grid  # noqa: E402
from mnist_local import load  # noqa: E402


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=None, help="numpy | numba | cython | cuda | auto (default: FASTRBM_BACKEND)")
    ap.add_argument("--layers", default="500,500,2000", help="hidden layer sizes")
    ap.add_argument("--pretrain-epochs", default="10", help="one value or one per RBM, comma-separated")
    ap.add_argument("--pretrain-lr", type=float, default=0.1)
    ap.add_argument("--up-down-epochs", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=30, help="backprop fine-tuning epochs (maximum)")
    ap.add_argument("--optimizer", default="adam", choices=["sgd", "adam"])
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-decay", type=float, default=0.9)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--input-dropout", type=float, default=0.0)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--patience", type=int, default=8)
    ap.add_argument("--final-epochs", type=int, default=None,
                    help="no validation split: pretrain and fine-tune on all training images for exactly N epochs")
    ap.add_argument("--baseline", action="store_true", help="also train the Xavier-initialised MLP, same budget")
    ap.add_argument("--baseline-only", action="store_true", help="only the Xavier-initialised MLP")
    ap.add_argument("--n-train", type=int, default=60000, help="use the first N training images (smoke runs)")
    ap.add_argument("--sample-steps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/mnist_dbn")
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="cap NumPy's BLAS threads (threadpoolctl); 1 is much faster on an oversubscribed machine")
    ap.add_argument("--verbose", action="store_true")
    return ap.parse_args(argv)


def stage(results, name, fn):
    start = time.perf_counter()
    value = fn()
    results["seconds"][name] = round(time.perf_counter() - start, 1)
    print(f"[{name}] {results['seconds'][name]:.1f} s", flush=True)
    return value


def main(argv=None):
    args = parse_args(argv)
    if args.blas_threads:
        # OpenBLAS threads spin-wait: with more runnable threads than cores (a shared machine)
        # a 100x784x500 product took 75 ms with 2 threads and 4 ms with 1.
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.blas_threads, user_api="blas")
    os.makedirs(args.out, exist_ok=True)
    backend = resolve_backend_name(args.backend)
    hidden = [int(s) for s in args.layers.split(",")]
    pre_epochs = [int(s) for s in args.pretrain_epochs.split(",")]
    pre_epochs = pre_epochs[0] if len(pre_epochs) == 1 else pre_epochs
    results = {"backend": backend, "args": vars(args), "seconds": {}}
    print(f"backend: {backend}; threads: {os.cpu_count()} cpus", flush=True)

    X, y = stage(results, "load", lambda: load("train"))
    Xt, yt = load("test")
    X, y = X[:args.n_train], y[:args.n_train]
    n_val = 10000 if len(X) > 20000 else len(X) // 6
    X_pre, y_pre = (X, y) if args.final_epochs else (X[:-n_val], y[:-n_val])

    mlp_params = dict(optimizer=args.optimizer, learning_rate=args.lr, lr_decay=args.lr_decay,
                      n_epochs=args.final_epochs or args.epochs, early_stopping=not args.final_epochs,
                      dropout=args.dropout, input_dropout=args.input_dropout, weight_decay=args.weight_decay,
                      patience=args.patience, validation_size=n_val, backend=backend, random_state=args.seed,
                      verbose=args.verbose)
    if not args.baseline_only:
        run_dbn(args, results, backend, hidden, pre_epochs, mlp_params, X, y, Xt, yt, X_pre, y_pre)
    if args.baseline or args.baseline_only:
        base = fastrbm.MLP(hidden, **mlp_params)
        stage(results, "baseline", lambda: base.fit(X, y))
        results["xavier_mlp_test_error"] = 1 - base.score(Xt, yt)
        results["xavier_mlp_best_epoch"] = base.best_epoch_
        results["xavier_mlp_history"] = base.history_
        print(f"Xavier MLP: test error {results['xavier_mlp_test_error']:.2%}", flush=True)

    results["seconds"]["pipeline_total"] = round(sum(v for k, v in results["seconds"].items()
                                                     if k not in ("baseline",)), 1)
    with open(os.path.join(args.out, "results.json"), "w") as fh:
        json.dump(results, fh, indent=1)
    print(json.dumps({k: v for k, v in results.items() if not k.endswith("history")}, indent=1))


def run_dbn(args, results, backend, hidden, pre_epochs, mlp_params, X, y, Xt, yt, X_pre, y_pre):
    """Pretrain (and optionally up-down) the DBN, draw digits, fine-tune the MLP from it."""
    dbn = fastrbm.DBN((784, *hidden), n_labels=10, learning_rate=args.pretrain_lr, n_epochs=pre_epochs,
                      backend=backend, random_state=args.seed, verbose=args.verbose)
    stage(results, "pretrain", lambda: dbn.fit(X_pre, y_pre))
    results["dbn_free_energy_test_error"] = 1 - stage(results, "dbn_classify", lambda: dbn.score(Xt, yt))
    if args.up_down_epochs:
        stage(results, "up_down", lambda: dbn.fine_tune(X_pre, y_pre, n_epochs=args.up_down_epochs))
        results["dbn_up_down_free_energy_test_error"] = 1 - dbn.score(Xt, yt)
    dbn.save(os.path.join(args.out, "dbn.npz"))

    def samples():
        per_class = np.vstack([dbn.sample(10, label=c, n_steps=args.sample_steps) for c in range(10)])
        save_image_grid(os.path.join(args.out, "samples_per_class.png"), per_class, n_cols=10)
        save_image_grid(os.path.join(args.out, "samples_per_class_small.png"), per_class, n_cols=10, zoom=1)
        free = dbn.sample(50, n_steps=args.sample_steps)
        save_image_grid(os.path.join(args.out, "samples_unconditional.png"), free, n_cols=10)
        return per_class

    per_class = stage(results, "generate", samples)

    clf = fastrbm.MLP(hidden, **mlp_params)
    stage(results, "fine_tune", lambda: clf.fit(X, y, init_layers=dbn.recognition_layers()))
    results["dbn_mlp_test_error"] = 1 - clf.score(Xt, yt)
    results["dbn_mlp_best_epoch"] = clf.best_epoch_
    results["dbn_mlp_history"] = clf.history_
    clf.save(os.path.join(args.out, "dbn_mlp.npz"))
    # How often the classifier recognises the clamped label of the generated digits
    results["generated_label_accuracy"] = float(np.mean(clf.predict(per_class) == np.repeat(np.arange(10), 10)))
    print(f"DBN + backprop: test error {results['dbn_mlp_test_error']:.2%} (best epoch {clf.best_epoch_})",
          flush=True)


if __name__ == "__main__":
    main()
