"""Counter-based uniforms and the fused sigmoid + Bernoulli draw, Numba CUDA.

Same stream as ``fastrbm/kernels/reference/rng.py``. Grid-stride loops over the flat
index, which is also the counter (plus ``offset``).
"""
import math
import warnings

import numpy as np
from numba import cuda, float32, float64, uint64

from . import config
from .arrays import asarray, empty

__all__ = ["uniform", "bernoulli_sigmoid"]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)

# The simulator runs kernels as Python on NumPy scalars, which warn on the
# wrapping uint64 arithmetic the stream relies on.
warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)


@cuda.jit(device=True, inline=True)
def mix(key, counter):
    z = key + counter * GOLDEN
    z = (z ^ (z >> uint64(30))) * MIX1
    z = (z ^ (z >> uint64(27))) * MIX2
    return z ^ (z >> uint64(31))


@cuda.jit(device=True, inline=True)
def uniform32(key, counter):
    return float32(mix(key, counter) >> uint64(40)) * float32(5.9604644775390625e-08)


@cuda.jit(device=True, inline=True)
def uniform64(key, counter):
    return float64(mix(key, counter) >> uint64(11)) * float64(1.1102230246251565e-16)


@cuda.jit
def uniform32_kernel(key, offset, out):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, out.size, stride):
        out[k] = uniform32(key, offset + uint64(k))


@cuda.jit
def uniform64_kernel(key, offset, out):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, out.size, stride):
        out[k] = uniform64(key, offset + uint64(k))


@cuda.jit
def bernoulli_sigmoid32_kernel(x, key, offset, p, s):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, x.size, stride):
        pk = float32(1.0) / (float32(1.0) + math.exp(-x[k]))
        p[k] = pk
        s[k] = float32(1.0) if uniform32(key, offset + uint64(k)) < pk else float32(0.0)


@cuda.jit
def bernoulli_sigmoid64_kernel(x, key, offset, p, s):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, x.size, stride):
        pk = 1.0 / (1.0 + math.exp(-x[k]))
        p[k] = pk
        s[k] = 1.0 if uniform64(key, offset + uint64(k)) < pk else 0.0


def flat(a):
    return a.reshape(a.size)


def uniform(key, shape, dtype=np.float32, offset=0):
    shape = (int(shape),) if np.isscalar(shape) else tuple(int(s) for s in shape)
    out = empty(shape, dtype=dtype)
    kernel = uniform32_kernel if out.dtype == np.float32 else uniform64_kernel
    kernel[config.grid_1d(out.size)](np.uint64(key), np.uint64(offset), flat(out))
    return out


def bernoulli_sigmoid(pre_activation, key, offset=0):
    x = asarray(pre_activation)
    p, s = empty(x.shape, x.dtype), empty(x.shape, x.dtype)
    kernel = bernoulli_sigmoid32_kernel if x.dtype == np.float32 else bernoulli_sigmoid64_kernel
    kernel[config.grid_1d(x.size)](flat(x), np.uint64(key), np.uint64(offset), flat(p), flat(s))
    return p, s
