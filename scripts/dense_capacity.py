"""Capacity of dense associative memories against theory (issue 16): the largest number of
random patterns K such that >= 95 % of probes (stored patterns with 10 % of their bits
flipped) are recalled, for N = 64 ... 1024. "Recalled": the fixed point equals the pattern
(the dense models: the no-error capacity that the polynomial law is about), or is within 2 %
of its bits (the classical rules: retrieval with errors, where 0.138 N applies).

Models: the classical network (Hebbian and Storkey rules, fastrbm.Hopfield) and
fastrbm.DenseHopfield with polynomial n = 2, 3, 4 and exponential interactions. K_max is found
by doubling, then bisection to 5 %. The measured growth law is the least-squares slope of
log K_max against log N, compared with the slope of the theory over the same N:
N^(n-1) / (2 (2n-3)!! ln N) for the polynomial family (Krotov & Hopfield 2016), 0.138 N for
Hebbian retrieval with errors (Amit, Gutfreund & Sompolinsky 1985).

Usage: python scripts/dense_capacity.py [--json out.json] [--png docs/dense_capacity.png]
"""
import argparse
import json
import math
import time

import numpy as np

import fastrbm
from fastrbm.models.dense_hopfield import capacity_theory

NOISE, PROBES, TARGET = 0.10, 100, 0.95
TOLERANCE = {"hebbian": 0.02, "storkey": 0.02}  # the dense models: 0, exact recall
MODELS = {  # name: (constructor, the N range measured)
    "hebbian": (lambda n, seed: fastrbm.Hopfield(n, "hebbian", random_state=seed), (64, 128, 256, 512, 1024)),
    "storkey": (lambda n, seed: fastrbm.Hopfield(n, "storkey", random_state=seed), (64, 128, 256, 512)),
    "polynomial n=2": (lambda n, seed: fastrbm.DenseHopfield(n, "polynomial", degree=2, random_state=seed),
                       (64, 128, 256, 512, 1024)),
    "polynomial n=3": (lambda n, seed: fastrbm.DenseHopfield(n, "polynomial", degree=3, random_state=seed),
                       (64, 128, 256, 512, 1024)),
    "polynomial n=4": (lambda n, seed: fastrbm.DenseHopfield(n, "polynomial", degree=4, random_state=seed),
                       (32, 48, 64, 96)),
    "exponential": (lambda n, seed: fastrbm.DenseHopfield(n, "exponential", random_state=seed), (24, 32, 40, 48)),
}
THEORY = {"hebbian": lambda n: 0.138 * n, "polynomial n=2": lambda n: capacity_theory("polynomial", n, 2),
          "polynomial n=3": lambda n: capacity_theory("polynomial", n, 3),
          "polynomial n=4": lambda n: capacity_theory("polynomial", n, 4)}


def recalled_fraction(make, n, k, seed, tolerance):
    rng = np.random.default_rng(seed)
    patterns = rng.choice(np.array([-1.0, 1.0], np.float32), size=(k, n))
    probes = patterns[:PROBES] * np.where(rng.random((min(k, PROBES), n)) < NOISE, -1, 1).astype(np.float32)
    result = make(n, seed).store(patterns).recall(probes, max_sweeps=20)
    wrong = (result.states != patterns[:PROBES]).mean(axis=1)
    return float((wrong <= tolerance).mean())


def k_max(make, n, seed, start, tolerance):
    """Largest K with >= 95 % recalled: double from ``start`` until it fails, then bisect to 5 %."""
    ok, bad = 0, max(2, int(start))
    while recalled_fraction(make, n, bad, seed, tolerance) >= TARGET:
        ok, bad = bad, 2 * bad
    while bad - ok > max(1, 0.05 * ok):
        mid = (ok + bad) // 2
        if recalled_fraction(make, n, mid, seed, tolerance) >= TARGET:
            ok = mid
        else:
            bad = mid
    return ok


def slope(ns, ks):
    return float(np.polyfit(np.log(ns), np.log(ks), 1)[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json")
    parser.add_argument("--png")
    parser.add_argument("--only", nargs="*", help="model names to run (default: all)")
    args = parser.parse_args(argv)
    rows = {}
    for name, (make, ns) in MODELS.items():
        if args.only and name not in args.only:
            continue
        ks, seconds = [], []
        for n in ns:
            t = time.perf_counter()
            start = THEORY[name](n) / 2 if name in THEORY else 8
            ks.append(k_max(make, n, seed=n, start=start, tolerance=TOLERANCE.get(name, 0.0)))
            seconds.append(time.perf_counter() - t)
            print(f"{name:15s} N={n:5d} K_max={ks[-1]:7d}  ({seconds[-1]:.1f} s)", flush=True)
        row = {"N": list(ns), "K_max": ks, "seconds": seconds, "slope": slope(ns, ks)}
        if name in THEORY:
            row["theory_slope"] = slope(ns, [THEORY[name](n) for n in ns])
            row["theory_K"] = [THEORY[name](n) for n in ns]
        elif name == "exponential":  # log K_max against N: K ~ exp(alpha N)
            row["alpha"] = float(np.polyfit(ns, np.log(ks), 1)[0])
        rows[name] = row
        print(f"{name:15s} slope {row['slope']:.2f}" + (f" (theory {row['theory_slope']:.2f})"
                                                       if "theory_slope" in row else ""), flush=True)
    if "exponential" in rows and "polynomial n=3" in rows:  # the comparison at N = 64
        cubic = rows["polynomial n=3"]["K_max"][rows["polynomial n=3"]["N"].index(64)]
        make = MODELS["exponential"][0]
        rows["exponential at N=64"] = {
            f"K={factor * cubic}": recalled_fraction(make, 64, factor * cubic, 64, 0.0) for factor in (10, 100)}
        print("exponential at N=64, recalled fraction:", rows["exponential at N=64"], flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if args.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        for name, row in rows.items():
            if "K_max" not in row:
                continue
            label = (f"{name} (K ~ exp({row['alpha']:.2f} N))" if "alpha" in row
                     else f"{name} (slope {row['slope']:.2f}" + (f", theory {row['theory_slope']:.2f})"
                                                                 if "theory_slope" in row else ")"))
            line, = ax.loglog(row["N"], row["K_max"], "o-", label=label)
            if "theory_K" in row:
                ax.loglog(row["N"], row["theory_K"], ":", color=line.get_color())
        ax.set_xlabel("N (neurons)")
        ax.set_ylabel("K_max (patterns, >= 95 % recalled from 10 % noise)")
        ax.set_title("Capacity of classical and dense Hopfield networks\n(dotted: theory)", fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(args.png, dpi=110)
    return rows


if __name__ == "__main__":
    main()
