"""``fastrbm demo`` (the README's main job) and ``fastrbm hopfield``."""
import time
from pathlib import Path

import numpy as np

from .common import (
    add_backend_option, add_data_options, check_backend, check_output_path, fraction, load_data,
    non_negative_float, positive_int, say,
)

DEMO_SUBSET = 20000  # digits trained on when full MNIST is present, so the demo fits its budget


# ------------------------------------------------------------------ hopfield
def pick_digits(X, y, n):
    """``n`` digits of different classes where possible (0, 1, 2, ... in order of first appearance)."""
    firsts = [int(np.flatnonzero(y == label)[0]) for label in range(10) if np.any(y == label)]
    chosen = set(firsts)
    rest = (i for i in range(len(X)) if i not in chosen)
    order = firsts + [next(rest) for _ in range(max(0, min(n, len(X)) - len(firsts)))]
    return X[order[:n]]


def random_patterns(n_neurons, n_patterns, seed):
    """Random {0, 1} patterns with P(1) = 1/2."""
    return (np.random.default_rng(seed).random((n_patterns, n_neurons)) < 0.5).astype(np.float32)


def run_hopfield(patterns, noise, corruption, rule, beta, sweeps, backend, seed, path):
    """Store ``patterns`` (p, N) in {0, 1}, corrupt, recall, save originals/corrupted/recalled rows
    (:func:`fastrbm.models.hopfield.recall_demo`). Returns a dict of summary numbers."""
    from ..models.hopfield import recall_demo

    r = recall_demo(patterns, n_patterns=len(patterns), noise=noise, corruption=corruption, rule=rule,
                    path=path, max_sweeps=sweeps, beta=beta, backend=backend, random_state=seed)
    original, corrupted, recalled = r["original"], r["corrupted"], r["recalled"]
    return {
        "exact": int(np.sum(np.all(recalled == original, axis=1))),
        "bit_error_before": float(np.mean(corrupted != original)),
        "bit_error_after": float(np.mean(recalled != original)),
        "energy_before": float(np.mean(r["energy_before"])),
        "energy_after": float(np.mean(r["energy_after"])),
        "converged": int(np.sum(r["converged"])),
        "sweeps": int(np.max(r["sweeps"])),
    }


def cmd_hopfield(args):
    backend = check_backend(args.backend)
    path = check_output_path(args.out)
    if args.neurons:
        patterns = random_patterns(args.neurons, args.patterns, args.seed)
        what = f"{args.patterns} random patterns of {args.neurons} neurons"
    else:
        X, y, source = load_data(args.data, "train")
        if args.patterns > len(X):
            raise ValueError(f"--patterns {args.patterns}: the data has only {len(X)} digits")
        patterns = (pick_digits(X, y, args.patterns) > 0.5).astype(np.float32)
        what = f"{args.patterns} binarised MNIST digits ({source.kind})"
    dynamics = "deterministic" if args.beta is None else f"Glauber, beta={args.beta:g}"
    say(f"hopfield: {args.rule} rule, {what}, {args.corruption} corruption"
        + (f" {args.noise:.0%}" if args.corruption == "flip" else "") + f", {dynamics}, backend {backend}")
    r = run_hopfield(patterns, args.noise, args.corruption, args.rule, args.beta, args.sweeps, backend,
                     args.seed, path)
    say(f"recalled exactly: {r['exact']}/{len(patterns)}; wrong bits {r['bit_error_before']:.1%} -> "
        f"{r['bit_error_after']:.1%}; mean energy {r['energy_before']:.1f} -> {r['energy_after']:.1f}; "
        f"converged {r['converged']}/{len(patterns)} within {r['sweeps']} sweeps")
    say(f"picture (rows: stored, corrupted, recalled): {path}")
    return 0


def add_hopfield_options(p):
    p.add_argument("--patterns", type=positive_int, default=3, help="patterns stored (default 3)")
    p.add_argument("--noise", type=fraction, default=0.15, help="fraction of bits flipped (default 0.15)")
    p.add_argument("--corruption", choices=("flip", "mask"), default="flip",
                   help="flip random bits (default) or blank the lower half")
    p.add_argument("--rule", choices=("hebbian", "storkey"), default="storkey", help="storage rule (default storkey)")
    p.add_argument("--beta", type=non_negative_float, default=None,
                   help="Glauber dynamics at this inverse temperature (default: deterministic)")
    p.add_argument("--sweeps", type=positive_int, default=50, help="at most this many sweeps (default 50)")


def register_hopfield(sub):
    p = sub.add_parser("hopfield", help="store patterns, corrupt them, recall them; writes a PNG",
                       description="Hopfield associative memory: store digits (or random patterns), flip "
                                   "some bits, recall, and draw stored / corrupted / recalled rows.")
    p.add_argument("--neurons", "-N", type=positive_int, default=None, metavar="N",
                   help="use random patterns of N neurons instead of MNIST digits")
    add_hopfield_options(p)
    p.add_argument("--out", default="hopfield.png", help="PNG to write (default hopfield.png)")
    p.add_argument("--seed", type=int, default=0)
    add_backend_option(p)
    add_data_options(p)
    p.set_defaults(func=cmd_hopfield)


# ------------------------------------------------------------------ demo
def train_for_budget(rbm, X, max_epochs, seconds, progress):
    """``partial_fit`` epoch by epoch until ``max_epochs`` or the time budget (or Ctrl-C); returns seconds."""
    from tqdm.auto import tqdm

    from .. import interrupt

    start = time.perf_counter()
    with interrupt.stop_on_interrupt(), tqdm(total=max_epochs, unit="epoch", desc="RBM 784-500",
                                             disable=not progress) as bar:
        for epoch in range(max_epochs):
            t0 = time.perf_counter()
            rbm.partial_fit(X)
            bar.update()
            bar.set_postfix(reconstruction_error=f"{rbm.history_[-1]['reconstruction_error']:.4f}")
            elapsed = time.perf_counter() - start
            if interrupt.requested() or elapsed + (time.perf_counter() - t0) > seconds:
                break
    return time.perf_counter() - start


def cmd_demo(args):
    from .. import RBM

    backend = check_backend(args.backend)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    X, y, source = load_data(args.data, "train")
    n = min(args.n_train or (DEMO_SUBSET if source.full else len(X)), len(X))
    say(f"data: {source}" + (f" (training on the first {n:,} of {len(X):,})" if n < len(X) else ""))
    X, y = X[:n], y[:n]
    say(f"training a 784-500 RBM (PCD-1) on {len(X):,} digits, backend {backend}, budget {args.seconds:g} s "
        f"or {args.epochs} epochs")
    # PCD with a small learning rate and small batches: CD-1 models reconstruct well but
    # their long Gibbs chains all fall into one blurred blob, which makes a poor picture.
    rbm = RBM(500, learning_rate=0.01, batch_size=20, persistent=True, n_epochs=args.epochs,
              backend=backend, random_state=args.seed)
    seconds = train_for_budget(rbm, X, args.epochs, args.seconds, not args.quiet)
    error = rbm.history_[-1]["reconstruction_error"]

    say("drawing samples and filters ...")
    # Chains start from held-out test digits: from noise a briefly trained RBM mixes too
    # slowly to reach its digit modes within the demo's budget.
    X_test, _, _ = load_data(args.data, "test")
    start = (X_test[:100] > 0.5).astype(np.float32)
    samples = rbm.save_samples_png(out / "samples.png", n=len(start), n_steps=args.gibbs_steps, init=start)
    filters = rbm.save_filters_png(out / "filters.png", n=100)
    r = run_hopfield((pick_digits(X, y, args.patterns) > 0.5).astype(np.float32), args.noise, "flip", "storkey",
                     None, 50, backend, args.seed, out / "hopfield.png")

    say("")
    say("fastrbm demo summary")
    say(f"  backend               {backend}")
    say(f"  data                  {len(X):,} digits, {source.kind}")
    say(f"  epochs                {len(rbm.history_)}")
    say(f"  training time         {seconds:.1f} s")
    say(f"  reconstruction error  {error:.4f} (mean squared error per pixel)")
    say(f"  hopfield recall       {r['exact']}/{args.patterns} digits exact from {args.noise:.0%} flipped bits")
    say(f"  pictures              {samples}  (generated digits: {args.gibbs_steps} Gibbs steps from test digits)")
    say(f"                        {filters}  (learned weights)")
    say(f"                        {out / 'hopfield.png'}  (stored / corrupted / recalled)")
    return 0


def register_demo(sub):
    p = sub.add_parser("demo", help="train a 784-500 RBM on MNIST for a short budget; draw samples, filters, "
                                    "Hopfield recall",
                       description="Works offline: full MNIST when a local copy is found ($FASTRBM_DATA, the cache), "
                                   "else the bundled sample. Writes samples.png, filters.png and hopfield.png.")
    p.add_argument("--out", default="fastrbm-demo", help="output directory (default ./fastrbm-demo)")
    p.add_argument("--seconds", type=non_negative_float, default=45.0,
                   help="training time budget, checked after each epoch (default 45)")
    p.add_argument("--epochs", type=positive_int, default=15, help="at most this many epochs (default 15)")
    p.add_argument("--gibbs-steps", type=positive_int, default=1000,
                   help="Gibbs steps per generated sample (default 1000)")
    p.add_argument("--patterns", type=positive_int, default=3, help="digits stored in the Hopfield net (default 3)")
    p.add_argument("--noise", type=fraction, default=0.15, help="Hopfield corruption: bits flipped (default 0.15)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_backend_option(p)
    add_data_options(p, n_help=f"train on the first N digits (default: {DEMO_SUBSET:,} of full MNIST, "
                               "all of the sample)")
    p.set_defaults(func=cmd_demo)
