"""Quick kernel timings across backends (``fastrbm bench``).

Each case builds a callable per backend at a realistic size; every backend is
timed in the same run (best of a few repeats, after a warm-up call that also
compiles) and reported as a speed-up against the NumPy reference. Heavier
and statistically careful runs belong to ``pytest --benchmark-only``.
"""
import time

import numpy as np

from .backend import BACKENDS, backend_info, get_backend, simulated_cuda

__all__ = ["CASES", "run_benchmarks", "format_table"]


def case_uniform(kernels):
    return lambda: kernels.to_numpy(kernels.uniform(1234, (100, 784), np.float32))


def case_bernoulli_sigmoid(kernels):
    x = kernels.asarray(np.random.default_rng(0).standard_normal((100, 784)).astype(np.float32))
    return lambda: kernels.to_numpy(kernels.bernoulli_sigmoid(x, 99)[1])


# name -> (description, builder(kernels) -> callable); models add their hot loops here.
CASES = {
    "uniform": ("uniform float32 100x784", case_uniform),
    "bernoulli_sigmoid": ("fused sigmoid + Bernoulli 100x784", case_bernoulli_sigmoid),
}


def best_time(fn, repeats, min_time=0.05):
    """Best wall time of ``fn`` over ``repeats`` batches, each at least ``min_time`` long."""
    fn()  # warm-up (and JIT compilation)
    t0 = time.perf_counter()
    fn()
    single = max(time.perf_counter() - t0, 1e-9)
    inner = max(1, int(min_time / single))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def run_benchmarks(cases=None, backends=None, repeats=3):
    """Time each case on each available backend; return a list of result dicts.

    The CUDA simulator is skipped: its timings mean nothing.
    """
    cases = list(CASES) if cases is None else list(cases)
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        raise ValueError(f"unknown benchmark case(s) {unknown}; valid: {', '.join(CASES)}")
    available = {row["name"] for row in backend_info() if row["available"]}
    if simulated_cuda():
        available.discard("cuda")
    names = [b for b in (backends or BACKENDS) if b in available]
    results = []
    for case in cases:
        description, build = CASES[case]
        times = {}
        for name in names:
            times[name] = best_time(build(get_backend(name)), repeats)
        ref = times.get("numpy")
        for name, seconds in times.items():
            results.append({
                "case": case, "description": description, "backend": name, "seconds": seconds,
                "speedup_vs_numpy": (ref / seconds) if ref else None,
            })
    return results


def format_table(results):
    """A plain-text table: one row per case and backend."""
    lines = [f"{'case':<34} {'backend':<8} {'time':>11} {'vs numpy':>9}", "-" * 65]
    for r in results:
        speed = f"{r['speedup_vs_numpy']:.2f}x" if r["speedup_vs_numpy"] else "-"
        lines.append(f"{r['description']:<34} {r['backend']:<8} {r['seconds'] * 1e3:>8.3f} ms {speed:>9}")
    return "\n".join(lines)
