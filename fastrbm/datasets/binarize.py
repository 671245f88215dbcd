"""Binarisation of intensities in [0, 1]: by threshold, or by Bernoulli draws from the fastrbm stream."""
import numpy as np

from ..rng import KeyStream, seed_from_random_state, uniform
from .mnist import _check_choice

BINARIZE_METHODS = ("threshold", "stochastic")


def binarize(X, method="threshold", threshold=0.5, random_state=None):
    """Map intensities in [0, 1] to {0, 1}.

    Parameters
    ----------
    X : array_like of any shape, values in [0, 1]
        Typically ``(n_samples, 784)`` from :func:`load_mnist`.
    method : {"threshold", "stochastic"}, default "threshold"
        ``"threshold"``: 1 where ``X > threshold``. ``"stochastic"``: 1 with
        probability ``X``, as ``u < X`` with ``u = fastrbm.rng.uniform(key,
        X.shape, float32)`` and ``key`` the first key of
        ``KeyStream(seed_from_random_state(random_state))``.
    threshold : float in [0, 1], default 0.5
        Only for ``"threshold"``.
    random_state : None, int or numpy.random.Generator
        Only for ``"stochastic"``. An int gives the same draws every call.

    Returns
    -------
    ndarray of X's shape, float32, values in {0.0, 1.0}, C-contiguous

    Raises
    ------
    ValueError
        Unknown method, NaN, values outside [0, 1], or a threshold outside [0, 1].

    Examples
    --------
    >>> binarize([[0.2, 0.5, 0.9]]).tolist()
    [[0.0, 0.0, 1.0]]
    >>> binarize([[0.0, 1.0]], method="stochastic", random_state=0).tolist()
    [[0.0, 1.0]]
    """
    _check_choice("method", method, BINARIZE_METHODS)
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}")
    X = X.astype(np.float32, copy=False)
    if np.isnan(X).any():
        raise ValueError("X contains NaN")
    if X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError(f"X must lie in [0, 1], got values in [{X.min()}, {X.max()}]")
    if method == "threshold":
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold must lie in [0, 1], got {threshold!r}")
        return np.ascontiguousarray(X > threshold, dtype=np.float32)
    key = KeyStream(seed_from_random_state(random_state)).next_key()
    u = uniform(key, X.shape, np.float32)
    return np.ascontiguousarray(u < X, dtype=np.float32)
