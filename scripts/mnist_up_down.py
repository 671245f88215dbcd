"""Up-down (contrastive wake-sleep) fine-tuning of a DBN saved by mnist_dbn.py, then generation.

Loads ``<run>/dbn.npz`` and the fine-tuned classifier ``<run>/dbn_mlp.npz``,
runs ``--epochs`` of up-down on the 50,000 pretraining images, and reports the
free-energy test error before/after, the wall time, and how often the
classifier recognises the clamped label of generated digits; writes
``<run>/updown_samples_per_class.png`` and ``<run>/dbn_updown.npz``.

Example::

    python scripts/mnist_up_down.py --run runs/mnist_run1 --epochs 3 --lr 0.01 --blas-threads 1
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fastrbm  # noqa: E402
from fastrbm.plotting import save_image_grid  # noqa: E402
from mnist_local import load  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--backend", default=None)
    ap.add_argument("--sample-steps", type=int, default=1000)
    ap.add_argument("--blas-threads", type=int, default=None)
    args = ap.parse_args(argv)
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.blas_threads, user_api="blas")
    dbn = fastrbm.DBN.load(os.path.join(args.run, "dbn.npz"), backend=args.backend)
    clf = fastrbm.MLP.load(os.path.join(args.run, "dbn_mlp.npz"), backend=args.backend)
    X, y = load("train")
    Xt, yt = load("test")
    before = 1 - dbn.score(Xt, yt)
    start = time.perf_counter()
    dbn.fine_tune(X[:50000], y[:50000], n_epochs=args.epochs, learning_rate=args.lr)
    seconds = time.perf_counter() - start
    after = 1 - dbn.score(Xt, yt)
    labels = np.repeat(np.arange(10), 10)
    per_class = np.vstack([dbn.sample(10, label=c, n_steps=args.sample_steps) for c in range(10)])
    hit = float(np.mean(clf.predict(per_class) == labels))
    save_image_grid(os.path.join(args.run, "updown_samples_per_class.png"), per_class, n_cols=10, zoom=1)
    save_image_grid(os.path.join(args.run, "updown_samples_unconditional.png"),
                    dbn.sample(50, n_steps=args.sample_steps), n_cols=10, zoom=1)
    dbn.save(os.path.join(args.run, "dbn_updown.npz"))
    print(f"backend {fastrbm.get_backend(args.backend).name}: up-down {args.epochs} epochs in {seconds:.1f} s; "
          f"free-energy test error {before:.2%} -> {after:.2%}; clamped digits recognised {hit:.0%}")


if __name__ == "__main__":
    main()
