"""Hopfield capacity report: fraction of random patterns recalled against the load p / N.

Usage: ``python scripts/hopfield_capacity.py [--neurons 500] [--noise 0.0] [--out capacity.png]``

Prints one table row per load for the Hebbian and Storkey rules and saves a
plot: with matplotlib (the ``plot`` extra) a line plot, otherwise a plain PNG
drawn with :func:`fastrbm.plotting.write_png`.
"""
import argparse

import numpy as np

from fastrbm.capacity import capacity_curve
from fastrbm.plotting import write_png

RULES = ("hebbian", "storkey")


def draw_png(path, loads, curves, size=(240, 360)):
    """A dependency-free plot: one dark curve (Hebbian) and one grey (Storkey), axes and the 0.138 mark."""
    h, w = size
    img = np.full((h, w), 255, np.uint8)
    pad = 20
    img[h - pad, pad:w - pad] = 0
    img[pad:h - pad, pad] = 0
    x_of = lambda a: pad + int((a - loads.min()) / (loads.max() - loads.min()) * (w - 2 * pad - 1))  # noqa: E731
    img[pad:h - pad:4, x_of(0.138)] = 128 if loads.min() <= 0.138 <= loads.max() else 255
    for shade, ys in zip((0, 150), curves):
        xs = np.linspace(loads.min(), loads.max(), 4 * w)
        yy = np.interp(xs, loads, ys)
        for x, y in zip(xs, yy):
            r = h - pad - int(y * (h - 2 * pad - 1))
            img[max(0, r - 1):r + 1, x_of(x)] = shade
    write_png(path, img)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=500)
    parser.add_argument("--noise", type=float, default=0.0, help="fraction of bits flipped in the probes")
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--out", default="hopfield_capacity.png")
    args = parser.parse_args(argv)
    loads = np.round(np.arange(0.02, 0.42, 0.02), 3)
    results = {rule: capacity_curve(args.neurons, loads, rule, noise=args.noise, n_trials=args.trials,
                                    backend=args.backend, random_state=0) for rule in RULES}
    print(f"N = {args.neurons}, probes with {args.noise:.0%} flipped bits; recalled = at most 2 % wrong bits")
    print(f"{'p/N':>6} {'p':>5} | {'hebbian':>8} {'exact':>6} {'overlap':>7} | {'storkey':>8} {'exact':>6} {'overlap':>7}")
    for k, load in enumerate(loads):
        cells = [f"{results[r]['recalled'][k]:8.3f} {results[r]['exact'][k]:6.3f} {results[r]['overlap'][k]:7.3f}"
                 for r in RULES]
        print(f"{load:6.2f} {results['hebbian']['n_patterns'][k]:5d} | " + " | ".join(cells))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        draw_png(args.out, loads, [results[r]["recalled"] for r in RULES])
        print(f"saved {args.out} (plain PNG: black = Hebbian, grey = Storkey; install fastrbm[plot] for matplotlib)")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for rule in RULES:
        ax.plot(loads, results[rule]["recalled"], marker="o", label=rule)
    ax.axvline(0.138, color="grey", ls="--", label="0.138 (Hebbian limit)")
    ax.set(xlabel="load p / N", ylabel="fraction recalled", title=f"Hopfield capacity, N = {args.neurons}")
    ax.legend()
    fig.savefig(args.out, dpi=120, bbox_inches="tight")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
