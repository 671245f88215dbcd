"""Quick kernel timings across backends (``fastrbm bench``).

Each case builds a callable per backend at a realistic size; every backend is
timed in the same run (best of a few repeats, after a warm-up call that also
compiles) and reported as a speed-up against the NumPy reference and as a
multiple of the GEMM-only bound (the same products alone in NumPy's BLAS);
the RBM step is also timed with scikit-learn's BernoulliRBM when installed. Heavier
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


def _rng_array(shape, seed=0, binary=False):
    x = np.random.default_rng(seed).random(shape, dtype=np.float32)
    return (x < 0.5).astype(np.float32) if binary else x


def _rbm_arrays(kernels, n_vis=784, n_hid=500, batch=100):
    W = 0.01 * np.random.default_rng(1).standard_normal((n_vis, n_hid)).astype(np.float32)
    arrays = [W, np.zeros(n_vis, np.float32), np.zeros(n_hid, np.float32), np.zeros_like(W),
              np.zeros(n_vis, np.float32), np.zeros(n_hid, np.float32), _rng_array((batch, n_vis), binary=True)]
    return [kernels.asarray(a) for a in arrays]


def case_rbm_cd1(kernels):
    args = _rbm_arrays(kernels)

    def step():
        kernels.cd_step(*args, 7, k=1, learning_rate=0.01, momentum=0.5, weight_decay=2e-4)
        return kernels.to_numpy(args[0][:1, :1])
    return step


def gemm_rbm_cd1():
    """The five products of a CD-1 step: v0 W, h0 W^T, v1 W, v0^T ph0, v1^T ph1."""
    W, v, h = _rng_array((784, 500)), _rng_array((100, 784)), _rng_array((100, 500))
    return lambda: (v @ W, h @ W.T, v @ W, v.T @ h, v.T @ h)


def sklearn_rbm_cd1():
    """scikit-learn's BernoulliRBM.partial_fit on one minibatch (its PCD-1 step), or None."""
    try:
        from sklearn.neural_network import BernoulliRBM
    except ImportError:
        return None
    v = _rng_array((100, 784), binary=True)
    rbm = BernoulliRBM(n_components=500, learning_rate=0.01, random_state=0)
    rbm.partial_fit(v)
    return lambda: rbm.partial_fit(v)


def _hopfield_arrays(kernels, n=784, batch=64, p=20):
    xi = np.where(_rng_array((p, n), seed=2) < 0.5, -1.0, 1.0).astype(np.float32)
    W = (xi.T @ xi) / n
    np.fill_diagonal(W, 0.0)
    states = np.where(_rng_array((batch, n), seed=3) < 0.5, -1.0, 1.0).astype(np.float32)
    return kernels.asarray(W), kernels.asarray(np.zeros(n, np.float32)), states


def case_hopfield_sweep(kernels):
    W, theta, states = _hopfield_arrays(kernels)

    def sweep():
        s = kernels.asarray(states.copy())
        out = kernels.hopfield_async(W, theta, s, kernels.matmul(s, W), 11, 1, np.inf)
        return kernels.to_numpy(out[0])
    return sweep


def gemm_hopfield_sweep():
    """The initial local fields of the batch (the O(N^2) part when few neurons flip)."""
    W, s = _rng_array((784, 784)), _rng_array((64, 784))
    return lambda: s @ W


def case_hopfield_energy(kernels):
    W, theta, states = _hopfield_arrays(kernels, batch=256)
    s = kernels.asarray(states)
    return lambda: kernels.to_numpy(kernels.hopfield_energy(W, theta, s))


def gemm_hopfield_energy():
    W, s = _rng_array((784, 784)), _rng_array((256, 784))
    return lambda: s @ W


def case_mlp_epoch(kernels):
    from .models.mlp import MLP

    X, y = _rng_array((1000, 784)), np.arange(1000) % 10
    model = MLP((500,), n_epochs=1, early_stopping=False, backend=kernels.name, random_state=0)
    return lambda: model.fit(X, y).coefs_[0][:1, :1]


def gemm_mlp_epoch():
    """Per minibatch of 100: X W1, A W2, d2 W2^T, A^T d2, X^T d1 (10 minibatches)."""
    X, W1, W2 = _rng_array((100, 784)), _rng_array((784, 500)), _rng_array((500, 10))
    A, d2 = _rng_array((100, 500)), _rng_array((100, 10))
    return lambda: [(X @ W1, A @ W2, d2 @ W2.T, A.T @ d2, X.T @ A) for _ in range(10)]


# name -> (description, builder(kernels) -> callable, GEMM-only builder or None); models add theirs here.
CASES = {
    "uniform": ("uniform float32 100x784", case_uniform, None),
    "bernoulli_sigmoid": ("fused sigmoid + Bernoulli 100x784", case_bernoulli_sigmoid, None),
    "rbm_cd1": ("RBM CD-1 step 784-500, batch 100", case_rbm_cd1, gemm_rbm_cd1),
    "hopfield_sweep": ("Hopfield async sweep N=784, 64 states", case_hopfield_sweep, gemm_hopfield_sweep),
    "hopfield_energy": ("Hopfield energy N=784, 256 states", case_hopfield_energy, gemm_hopfield_energy),
    "mlp_epoch": ("MLP 784-500-10 epoch, 1000 rows", case_mlp_epoch, gemm_mlp_epoch),
}
# Other libraries timed on the same case, when installed.
EXTERNAL = {"rbm_cd1": ("sklearn", sklearn_rbm_cd1)}


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
        description, build, build_gemm = CASES[case]
        times = {}
        for name in names:
            times[name] = best_time(build(get_backend(name)), repeats)
        if case in EXTERNAL and (external := EXTERNAL[case][1]()) is not None:
            times[EXTERNAL[case][0]] = best_time(external, repeats)
        gemm = best_time(build_gemm(), repeats) if build_gemm else None
        ref = times.get("numpy")
        for name, seconds in times.items():
            results.append({
                "case": case, "description": description, "backend": name, "seconds": seconds,
                "speedup_vs_numpy": (ref / seconds) if ref else None,
                "gemm_seconds": gemm, "x_gemm_bound": (seconds / gemm) if gemm else None,
            })
    return results


def format_table(results):
    """A plain-text table: one row per case and backend.

    ``vs numpy``: speed-up over the NumPy reference; ``x GEMM``: time over the
    same products alone in NumPy's BLAS (1.0 would mean the rest is free).
    """
    lines = [f"{'case':<40} {'backend':<8} {'time':>11} {'vs numpy':>9} {'x GEMM':>7}", "-" * 79]
    for r in results:
        speed = f"{r['speedup_vs_numpy']:.2f}x" if r["speedup_vs_numpy"] else "-"
        bound = f"{r['x_gemm_bound']:.2f}" if r.get("x_gemm_bound") else "-"
        lines.append(f"{r['description']:<40} {r['backend']:<8} {r['seconds'] * 1e3:>8.3f} ms {speed:>9} {bound:>7}")
    return "\n".join(lines)
