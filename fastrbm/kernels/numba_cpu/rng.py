"""Counter-based uniforms and the fused sigmoid + Bernoulli draw, Numba CPU.

Same stream as ``fastrbm/kernels/reference/rng.py``; see there for the definition.
"""
import math

import numpy as np
from numba import njit, prange, types, uint64
from numba.extending import overload

from .._shapes import bernoulli_sigmoid_rows, uniform_rows

__all__ = ["uniform", "bernoulli_sigmoid"]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


@njit(inline="always")
def finalise(z):
    """SplitMix64's finaliser of the pre-hash ``z = key + counter * GOLDEN``.

    Loops over consecutive counters keep ``z`` and add GOLDEN per element (the same value
    modulo 2**64): a vector induction instead of an emulated 64-bit multiply per element
    (AVX2 has none), 13 % off the fused half-step.
    """
    z = (z ^ (z >> uint64(30))) * MIX1
    z = (z ^ (z >> uint64(27))) * MIX2
    return z ^ (z >> uint64(31))


@njit(inline="always")
def mix(key, counter):
    """SplitMix64 hash of key + counter * GOLDEN (uint64 in, uint64 out)."""
    return finalise(key + counter * GOLDEN)


@njit(inline="always")
def unit32(bits):
    """The stream's float32 uniform from a 64-bit hash: its top 24 bits."""
    return np.float32(bits >> uint64(40)) * np.float32(2.0**-24)


@njit(inline="always")
def unit64(bits):
    """The stream's float64 uniform from a 64-bit hash: its top 53 bits."""
    return np.float64(bits >> uint64(11)) * 2.0**-53


@njit(inline="always")
def uniform32(key, counter):
    return unit32(mix(key, counter))


@njit(inline="always")
def uniform64(key, counter):
    return unit64(mix(key, counter))


def unit_like(bits, like):
    """The stream's uniform from a 64-bit hash in the precision of the scalar ``like``."""


@overload(unit_like, inline="always")
def _unit_like_overload(bits, like):
    if like == types.float32:
        return lambda bits, like: unit32(bits)
    return lambda bits, like: unit64(bits)


@njit(inline="always")
def uniform_like(key, counter, like):
    """uniform(key, counter) in the precision of ``like`` (resolved at compile time)."""
    return unit_like(mix(key, counter), like)


@njit(parallel=True, cache=True)
def _uniform(key, offset, out):
    n, m = out.shape
    zero = out.dtype.type(0.0)
    for i in prange(n):
        z = key + (offset + uint64(i) * uint64(m)) * GOLDEN
        for j in range(m):
            out[i, j] = unit_like(finalise(z), zero)
            z += GOLDEN


@njit(parallel=True, cache=True)
def _bernoulli_sigmoid(x, key, offset, p, s):
    n, m = x.shape
    one, zero = x.dtype.type(1.0), x.dtype.type(0.0)
    for i in prange(n):
        base = offset + uint64(i) * uint64(m)
        for j in range(m):
            pij = one / (one + math.exp(-x[i, j]))  # math.exp keeps float32 (expf)
            p[i, j] = pij
            s[i, j] = one if uniform_like(key, base + uint64(j), pij) < pij else zero

def uniform(key, shape, dtype=np.float32, offset=0):
    return uniform_rows(lambda t: _uniform, key, shape, dtype, offset)


def bernoulli_sigmoid(pre_activation, key, offset=0):
    return bernoulli_sigmoid_rows(lambda t: _bernoulli_sigmoid, pre_activation, key, offset)
