"""Class-conditional and free-running generation of a DBN on MNIST, judged by classifiers of real digits.

Trains ``fastrbm.DBN((784, 500, 500, 2000), n_labels=10)`` with its defaults (or
the flags below) on the first ``--n-train`` real MNIST training images, draws
``--per-label`` samples with each label clamped (``dbn.sample(n, label=k)``)
and ``--n-free`` free-running samples (``label=None``), and reports:

* recognition: the fraction of label-clamped samples that independent
  classifiers trained on the real training images (scikit-learn
  ``LogisticRegression`` and a small ``MLPClassifier``, both fitted on all
  60,000 training images and scored on the 10,000 test images) assign to the
  clamped label, per label and on average;
* diversity: the mean pairwise Euclidean distance of the samples of one label
  divided by that of as many real test digits of that label;
* the class histogram (by the logistic regression) of the free-running samples;
* the wall time of fitting and sampling.

It writes ``--png`` (10 samples per label, one row per label) and ``--json``.

Examples (the runs in docs/dbn.md)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        python scripts/dbn_generation.py --n-train 10000 --json runs/dbn_gen_10k.json
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        python scripts/dbn_generation.py --n-train 60000 --png docs/dbn_samples.png --json runs/dbn_gen_60k.json
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fastrbm  # noqa: E402
from fastrbm.plotting import save_image_grid  # noqa: E402
from mnist_local import load  # noqa: E402


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="cython")
    ap.add_argument("--n-train", type=int, default=10000, help="first N training images for the DBN (60000: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-label", type=int, default=50, help="label-clamped samples per label")
    ap.add_argument("--n-free", type=int, default=500, help="free-running samples (label=None)")
    ap.add_argument("--n-steps", type=int, default=None, help="Gibbs steps (default: sample()'s default)")
    ap.add_argument("--n-epochs", default=None, help="DBN n_epochs: one value or one per RBM (default: DBN's)")
    ap.add_argument("--top-k", default=None, help="DBN top_k: one value or a comma-separated schedule")
    ap.add_argument("--top-pcd-epochs", type=int, default=None, help="DBN top_pcd_epochs (default: DBN's)")
    ap.add_argument("--up-down-epochs", type=int, default=None, help="DBN up_down_epochs (default: DBN's)")
    ap.add_argument("--load", default=None, help="evaluate a saved DBN instead of training one")
    ap.add_argument("--save", default=None, help="save the trained DBN here")
    ap.add_argument("--png", default=None, help="grid of 10 samples per label")
    ap.add_argument("--json", default=None)
    ap.add_argument("--no-mlp", action="store_true", help="only the logistic-regression judge")
    return ap.parse_args(argv)


def ints(text):
    values = [int(v) for v in text.split(",")]
    return values[0] if len(values) == 1 else values


def judges(X, y, Xt, yt, mlp=True):
    """Classifiers of real digits: name -> (fitted model, test accuracy, fit seconds)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    models = {"logreg": LogisticRegression(C=0.1, max_iter=200)}
    if mlp:
        models["mlp"] = MLPClassifier((256,), max_iter=15, random_state=0)
    out = {}
    for name, model in models.items():
        start = time.perf_counter()
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter reached: fine for a judge
            model.fit(X, y)
        out[name] = (model, float(model.score(Xt, yt)), time.perf_counter() - start)
    return out


def mean_pairwise_distance(A):
    sq = (A ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * A @ A.T, 0)
    n = len(A)
    return float(np.sqrt(d2)[np.triu_indices(n, 1)].mean())


def main(argv=None):
    args = parse_args(argv)
    X, y = load("train")
    Xt, yt = load("test")
    report = {"args": vars(args)}
    kw = {}
    if args.n_epochs:
        kw["n_epochs"] = ints(args.n_epochs)
    if args.top_k:
        kw["top_k"] = ints(args.top_k)
    if args.up_down_epochs is not None:
        kw["up_down_epochs"] = args.up_down_epochs
    if args.top_pcd_epochs is not None:
        kw["top_pcd_epochs"] = args.top_pcd_epochs
    if args.load:
        dbn = fastrbm.DBN.load(args.load, backend=args.backend)
    else:
        dbn = fastrbm.DBN((784, 500, 500, 2000), n_labels=10, backend=args.backend, random_state=args.seed, **kw)
        start = time.perf_counter()
        dbn.fit(X[:args.n_train], y[:args.n_train])
        report["fit_seconds"] = time.perf_counter() - start
        print(f"fit on {args.n_train} images: {report['fit_seconds']:.0f} s", flush=True)
        report["up_down_seconds"] = sum(r["time"] for r in dbn.history_.get("up_down", []))
        report["pretrain_seconds"] = sum(r["time"] for r in dbn.history_["pretrain"])
        print(f"  of which pretraining {report['pretrain_seconds']:.0f} s, up-down {report['up_down_seconds']:.0f} s")
        if args.save:
            dbn.save(args.save)
    report["free_energy_test_error"] = 1 - dbn.score(Xt, yt)
    steps = {} if args.n_steps is None else {"n_steps": args.n_steps}
    start = time.perf_counter()
    clamped = np.vstack([dbn.sample(args.per_label, label=k, **steps) for k in range(10)])
    report["clamped_sample_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    free = dbn.sample(args.n_free, **steps)
    report["free_sample_seconds"] = time.perf_counter() - start
    labels = np.repeat(np.arange(10), args.per_label)

    for name, (model, acc, seconds) in judges(X, y, Xt, yt, mlp=not args.no_mlp).items():
        pred = model.predict(clamped)
        per_label = [float(np.mean(pred[labels == k] == k)) for k in range(10)]
        free_hist = np.bincount(model.predict(free), minlength=10) / len(free)
        report[name] = {"test_accuracy": acc, "fit_seconds": seconds, "recognised_per_label": per_label,
                        "recognised_mean": float(np.mean(per_label)), "free_histogram": free_hist.tolist()}
        print(f"{name} (test accuracy on real digits {acc:.2%}): clamped samples recognised "
              f"{np.mean(per_label):.1%} (min {min(per_label):.0%}); per label "
              + " ".join(f"{k}:{p:.0%}" for k, p in enumerate(per_label)), flush=True)
        print(f"  free-running class histogram: " + " ".join(f"{k}:{p:.0%}" for k, p in enumerate(free_hist)))
    rng = np.random.default_rng(0)
    ratios = []
    for k in range(10):
        real = Xt[rng.choice(np.flatnonzero(yt == k), args.per_label, replace=False)].astype(np.float64)
        ratios.append(mean_pairwise_distance(clamped[labels == k].astype(np.float64)) / mean_pairwise_distance(real))
    report["diversity_per_label"] = ratios
    report["diversity_mean"] = float(np.mean(ratios))
    print(f"diversity (mean pairwise distance, samples / real digits of the label): {np.mean(ratios):.0%} "
          f"(min {min(ratios):.0%}); per label " + " ".join(f"{k}:{r:.0%}" for k, r in enumerate(ratios)))
    print(f"free-energy test error {report['free_energy_test_error']:.2%}; sampling {len(clamped)} clamped in "
          f"{report['clamped_sample_seconds']:.0f} s, {len(free)} free in {report['free_sample_seconds']:.0f} s")
    if args.png:
        rows = np.vstack([clamped[labels == k][:10] for k in range(10)])
        save_image_grid(args.png, rows, n_cols=10, zoom=2)
        print(f"wrote {args.png}")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return report


if __name__ == "__main__":
    main()
