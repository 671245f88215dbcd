"""Counter-based random stream (the specification every backend reproduces).

``uniform(key, counter)`` is a pure function of a 64-bit key and a 64-bit
counter: the SplitMix64 finaliser applied to ``key + counter * GOLDEN``
(arithmetic modulo 2**64). float32 uniforms take the top 24 bits, float64 the
top 53, so every value is exactly representable and lies in [0, 1).
A draw of shape (n, m) uses counters ``offset + i * m + j``.
"""
import numpy as np

__all__ = ["uniform", "bernoulli_sigmoid"]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
SCALE32 = np.float32(2.0**-24)
SCALE64 = np.float64(2.0**-53)


def splitmix64(z):
    """SplitMix64 finaliser of a uint64 array (wrapping arithmetic)."""
    z = z ^ (z >> np.uint64(30))
    z = z * MIX1
    z = z ^ (z >> np.uint64(27))
    z = z * MIX2
    return z ^ (z >> np.uint64(31))


def uniform_from_counters(key, counters, dtype):
    """Uniforms in [0, 1) for an array of uint64 counters."""
    with np.errstate(over="ignore"):
        z = splitmix64(np.uint64(key) + counters * GOLDEN)
    if np.dtype(dtype) == np.float32:
        return (z >> np.uint64(40)).astype(np.float32) * SCALE32
    return (z >> np.uint64(11)).astype(np.float64) * SCALE64


def uniform(key, shape, dtype=np.float32, offset=0):
    """Array of ``shape`` uniforms in [0, 1) from the stream ``key``.

    Element with flat (C-order) index ``k`` uses counter ``offset + k``.
    """
    shape = (shape,) if np.isscalar(shape) else tuple(shape)
    n = int(np.prod(shape, dtype=np.int64))
    counters = np.arange(n, dtype=np.uint64) + np.uint64(offset)
    return uniform_from_counters(key, counters, dtype).reshape(shape)


def sigmoid(x):
    """Logistic function; exp overflow for very negative x gives exactly 0."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def bernoulli_sigmoid(pre_activation, key, offset=0):
    """Probabilities ``sigmoid(x)`` and Bernoulli samples ``u < p`` (same dtype).

    Element (i, j) compares against ``uniform(key, x.shape)[i, j]``.
    """
    x = pre_activation
    p = sigmoid(x).astype(x.dtype, copy=False)
    u = uniform(key, x.shape, x.dtype, offset)
    return p, (u < p).astype(x.dtype)
