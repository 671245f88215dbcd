"""Partition functions of RBMs: exact enumeration and annealed importance sampling.

Both run on any backend through the ``rbm`` kernels (``free_energy``,
``gibbs_half_step``, ``ais_step``); the loops here are over chunks of states
or over inverse temperatures, never over samples.
"""
import numpy as np

from .kernels.reference.rbm import softplus

__all__ = ["MAX_EXACT_UNITS", "exact_log_partition", "exact_log_partition_gaussian", "ais_log_partition",
           "beta_schedule", "base_rate_biases"]

MAX_EXACT_UNITS = 25
CHUNK_ELEMENTS = 1 << 22  # states x units per chunk of the enumeration


def logsumexp(x):
    top = np.max(x)
    return float(top + np.log(np.sum(np.exp(x - top))))


def exact_log_partition(kernels, W, b, c):
    """log Z of a Bernoulli RBM by enumerating its smaller layer (at most 25 units).

    Summing out the larger layer analytically gives ``log Z = logsumexp_v -F(v)``
    or, over the hidden layer, ``logsumexp_h [h.c + sum_i softplus(b_i + (W h)_i)]``,
    which is ``-F`` of the transposed RBM (W^T, c, b). Runs in float64.

    Parameters
    ----------
    kernels : kernel set; W : ndarray (n_visible, n_hidden); b, c : ndarrays (n_visible,), (n_hidden,)
    """
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    if W.shape[1] < W.shape[0]:
        W, b, c = W.T, c, b  # enumerate the hidden layer
    n_units, n_other = W.shape
    if n_units > MAX_EXACT_UNITS:
        raise ValueError(f"exact log Z needs a layer of at most {MAX_EXACT_UNITS} units; the smaller "
                         f"has {n_units}: use method='ais'")
    Wk, bk, ck = (kernels.asarray(np.ascontiguousarray(a)) for a in (W, b, c))

    def minus_free_energy(states):
        return -kernels.to_numpy(kernels.free_energy(kernels.asarray(states), Wk, bk, ck))

    return logsumexp_over_states(n_units, n_other, minus_free_energy)


def logsumexp_over_states(n_units, n_other, log_weight):
    """``logsumexp`` of ``log_weight(states)`` over all 2^n_units binary states, in chunks of
    about CHUNK_ELEMENTS numbers (``n_other``: the width of the other layer, for the chunk size)."""
    bits = np.arange(n_units - 1, -1, -1, dtype=np.int64)
    chunk = max(1, CHUNK_ELEMENTS // max(n_units, n_other))
    parts = []
    for start in range(0, 1 << n_units, chunk):
        index = np.arange(start, min(start + chunk, 1 << n_units), dtype=np.int64)
        parts.append(logsumexp(log_weight(((index[:, None] >> bits) & 1).astype(np.float64))))
    return logsumexp(np.array(parts))


def exact_log_partition_gaussian(W, b, c):
    """log Z of a unit-variance Gaussian-Bernoulli RBM by enumerating its hidden layer (<= 25 units).

    ``E(u, h) = |u - b|^2 / 2 - c.h - u.W h``; integrating ``u`` out is a Gaussian integral,
    ``Z = (2 pi)^(n/2) sum_h exp(c.h + |b + W h|^2 / 2 - |b|^2 / 2)``. Host NumPy, float64.

    Parameters
    ----------
    W : ndarray (n_visible, n_hidden); b, c : ndarrays (n_visible,), (n_hidden,)
    """
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    n_vis, n_hid = W.shape
    if n_hid > MAX_EXACT_UNITS:
        raise ValueError(f"exact log Z of a Gaussian RBM enumerates the hidden layer: at most "
                         f"{MAX_EXACT_UNITS} units, got {n_hid}")

    def log_weight(h):
        mean = b + h @ W.T
        return h @ c + 0.5 * np.einsum("ij,ij->i", mean, mean)

    return logsumexp_over_states(n_hid, n_vis, log_weight) - 0.5 * b @ b + 0.5 * n_vis * np.log(2 * np.pi)


def base_rate_biases(X, eps=1e-3):
    """Visible biases of the base-rate model: log(p / (1 - p)) of the data marginals, clipped."""
    # float64 accumulation without a float64 copy of X (0.6 s for full MNIST)
    p = np.clip(np.asarray(X).mean(axis=0, dtype=np.float64), eps, 1 - eps)
    return np.log(p / (1 - p))


def beta_schedule(n_betas=14500):
    """Inverse temperatures 0 = beta_0 < ... < beta_K = 1, spaced as in Salakhutdinov & Murray
    (2008): 1000 in [0, 0.5), 4000 in [0.5, 0.9), 10000 in [0.9, 1], scaled to ``n_betas``."""
    n1 = max(1, round(n_betas * 1000 / 14500))
    n2 = max(1, round(n_betas * 4000 / 14500))
    n3 = max(1, n_betas - n1 - n2)
    return np.concatenate([np.linspace(0, 0.5, n1, endpoint=False),
                           np.linspace(0.5, 0.9, n2, endpoint=False),
                           np.linspace(0.9, 1.0, n3 + 1)])


def ais_log_partition(kernels, W, b, c, base_b, keys, n_betas=14500, n_runs=100, verbose=False):
    """log Z by annealed importance sampling from the base-rate model (Salakhutdinov & Murray 2008).

    Parameters
    ----------
    kernels : kernel set
    W, b, c : backend arrays of the RBM
    base_b : ndarray (n_visible,), biases of the base-rate model (``base_rate_biases``)
    keys : fastrbm.rng.KeyStream supplying one key per transition
    n_betas, n_runs : number of intermediate distributions and of independent runs

    Returns
    -------
    log_z : float
    std : float
        standard error of ``log_z`` (delta method on the mean importance weight).
    log_weights : ndarray (n_runs,)
    """
    from tqdm.auto import tqdm

    dtype = kernels.to_numpy(W).dtype
    n_vis, n_hid = W.shape
    base_b = np.asarray(base_b, dtype=dtype)
    base_k = kernels.asarray(base_b)
    log_z_base = float(softplus(base_b.astype(np.float64)).sum() + n_hid * np.log(2.0))
    _, V = kernels.gibbs_half_step(kernels.zeros((n_runs, n_vis), dtype), base_k, keys.next_key())
    betas = beta_schedule(n_betas)
    log_w = np.zeros(n_runs)
    for k in tqdm(range(1, len(betas)), disable=not verbose, desc="AIS", leave=False):
        V, delta = kernels.ais_step(V, W, b, c, base_k, float(betas[k - 1]), float(betas[k]), keys.next_key())
        log_w += kernels.to_numpy(delta)
    log_mean_w = logsumexp(log_w) - np.log(n_runs)
    w = np.exp(log_w - log_w.max())
    std = float(w.std(ddof=1) / np.sqrt(n_runs) / w.mean()) if n_runs > 1 else float("inf")
    return log_z_base + log_mean_w, std, log_w
