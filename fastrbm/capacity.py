"""Storage capacity of Hopfield networks: store p random patterns, try to recall them.

For each load ``alpha = p / N`` a network stores p random +-1 patterns; each
pattern, with a fraction ``noise`` of its bits flipped, is run to a fixed point
by asynchronous deterministic dynamics. A pattern counts as *recalled* when
the fixed point differs from it in at most ``tolerance * N`` bits (the
classical Hebbian limit alpha_c ~ 0.138 (Amit, Gutfreund & Sompolinsky 1985)
is where the retrieval state, ~1.5 % wrong bits, disappears; exact recall of
every bit fails earlier, near N / (2 ln N) patterns).
"""
import numpy as np

from .models.hopfield import Hopfield

__all__ = ["capacity_curve"]


def capacity_curve(n_neurons, loads, rule="hebbian", noise=0.0, tolerance=0.02, n_trials=1,
                   max_sweeps=100, backend=None, random_state=None, n_jobs=None):
    """Fraction of stored patterns recalled, for each load p / N.

    Parameters
    ----------
    n_neurons : int
    loads : sequence of float
        Values of p / N (p is rounded, at least 1).
    rule : {"hebbian", "storkey"}
    noise : float
        Fraction of bits flipped in each probe before recall.
    tolerance : float
        Fraction of wrong bits still counted as recalled.
    n_trials : int
        Independent networks per load (results are averaged).
    n_jobs : int or None
        None: one load after the other in this process. Otherwise the loads run as
        ``joblib`` tasks (``pip install joblib``), on whatever joblib backend is
        active: local processes, or a Dask cluster under
        ``joblib.parallel_backend("dask")``. Each load has its own random stream
        (spawned from ``random_state``), so the result does not depend on ``n_jobs``.

    Returns
    -------
    dict of ndarrays, one entry per load: ``load``, ``n_patterns``, ``recalled``
    (fraction of patterns within tolerance), ``exact`` (fraction recalled without
    error), ``overlap`` (mean overlap m = s . xi / N of the fixed point).
    """
    if isinstance(random_state, np.random.Generator):
        random_state = int(random_state.integers(2**63))
    seeds = np.random.SeedSequence(random_state).spawn(len(loads))
    tasks = [(n_neurons, load, seed, rule, noise, tolerance, n_trials, max_sweeps, backend)
             for load, seed in zip(loads, seeds)]
    if n_jobs is None:
        rows = [_one_load(*task) for task in tasks]
    else:
        try:
            import joblib
        except ImportError as exc:
            raise ImportError("capacity_curve(n_jobs=...) needs joblib: pip install joblib") from exc
        rows = joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(_one_load)(*task) for task in tasks)
    load, n_patterns, recalled, exact, overlap = map(np.array, zip(*rows))
    return {"load": load, "n_patterns": n_patterns.astype(int), "recalled": recalled,
            "exact": exact, "overlap": overlap}


def _one_load(n_neurons, load, seed, rule, noise, tolerance, n_trials, max_sweeps, backend):
    """``(load, p, recalled, exact, overlap)`` averaged over ``n_trials`` networks."""
    rng = np.random.default_rng(seed)
    p = max(1, int(round(load * n_neurons)))
    recalled = exact = overlap = 0.0
    for _ in range(n_trials):
        patterns = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(p, n_neurons))
        probes = np.where(rng.random(patterns.shape) < noise, -patterns, patterns)
        net = Hopfield(n_neurons, rule, backend=backend, random_state=rng.integers(2**63))
        final = net.store(patterns).recall(probes, max_sweeps=max_sweeps).states
        wrong = (final != patterns).sum(axis=1)
        recalled += np.mean(wrong <= tolerance * n_neurons)
        exact += np.mean(wrong == 0)
        overlap += np.mean((final * patterns).sum(axis=1) / n_neurons)
    return load, p, recalled / n_trials, exact / n_trials, overlap / n_trials
