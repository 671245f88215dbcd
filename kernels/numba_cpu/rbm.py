"""RBM kernels, Numba CPU: fused element-wise passes between NumPy BLAS products.

Semantics and random counters: ``kernels/reference/rbm.py``. The passes are
generic in the float type: constants arrive as arguments of the array's type
so float32 stays float32, and the uniform is formed exactly (top 24 or 53
bits) so comparisons match the reference bit for bit.
"""
import math

import numpy as np
from numba import njit, prange, uint64

from .. import _rbm_compose
from . import arrays
from .rng import mix

__all__ = ["gibbs_half_step", "gaussian_half_step", "cd_step", "gibbs_chain", "free_energy", "ais_step"]


@njit(inline="always")
def exact_uniform(key, counter, shift, unit):
    """uniform(key, counter) as float64 (exact for float32 and float64 streams)."""
    return np.float64(mix(key, counter) >> shift) * unit


@njit(parallel=True, cache=True, fastmath=False)
def _sigmoid_sample(pre, scale, bias, key, offset, p_out, s_out, sign, one, shift, unit):
    n, m = pre.shape
    zero = one - one
    for i in prange(n):
        base = offset + uint64(i) * uint64(m)
        for j in range(m):
            p = one / (one + math.exp(-(scale * pre[i, j] + bias[j])))
            p_out[i, j] = sign * p
            s_out[i, j] = one if exact_uniform(key, base + uint64(j), shift, unit) < p else zero


@njit(parallel=True, cache=True)
def _gaussian_sample(pre, bias, key, offset, mean_out, s_out):
    n, m = pre.shape
    for i in prange(n):
        base = offset + uint64(2) * uint64(i) * uint64(m)
        for j in range(m):
            counter = base + uint64(2) * uint64(j)
            u1 = exact_uniform(key, counter, uint64(11), 2.0**-53)
            u2 = exact_uniform(key, counter + uint64(1), uint64(11), 2.0**-53)
            z = math.sqrt(-2.0 * math.log1p(-u1)) * math.cos(2.0 * math.pi * u2)
            mean = pre[i, j] + bias[j]
            mean_out[i, j] = mean
            s_out[i, j] = mean + z


@njit(parallel=True, cache=True)
def _free_energy_rows(pre, scale, hbias, V, vbias, gaussian, out):
    n, m = pre.shape
    n_vis = V.shape[1]
    for i in prange(n):
        acc = 0.0
        for j in range(m):
            x = scale * pre[i, j] + hbias[j]
            acc -= max(x, 0.0) + math.log1p(math.exp(-abs(x)))
        for k in range(n_vis):
            if gaussian:
                d = V[i, k] - vbias[k]
                acc += 0.5 * d * d
            else:
                acc -= V[i, k] * vbias[k]
        out[i] = acc


@njit(parallel=True, cache=True, fastmath=True)
def _momentum_update(param, velocity, grad, grad_scale, momentum, decay):
    n, m = param.shape
    for i in prange(n):
        for j in range(m):
            v = momentum * velocity[i, j] + grad_scale * grad[i, j] - decay * param[i, j]
            velocity[i, j] = v
            param[i, j] += v


def stream_bits(dtype):
    """(shift, unit) turning a 64-bit hash into the stream's uniform of ``dtype``."""
    return (uint64(40), 2.0**-24) if dtype == np.float32 else (uint64(11), 2.0**-53)


class prims:  # noqa: N801 - a namespace of functions
    """The element-wise primitives ``kernels/_rbm_compose.py`` chains with BLAS products."""

    @staticmethod
    def sigmoid_sample(pre, scale, bias, key, offset, p_out, s_out, sign):
        t = pre.dtype.type
        _sigmoid_sample(pre, t(scale), bias, np.uint64(key), np.uint64(offset), p_out, s_out, t(sign),
                        t(1), *stream_bits(pre.dtype))

    @staticmethod
    def gaussian_sample(pre, bias, key, offset, mean_out, s_out):
        _gaussian_sample(pre, bias, np.uint64(key), np.uint64(offset), mean_out, s_out)

    @staticmethod
    def free_energy_rows(pre, scale, hbias, V, vbias, gaussian, out):
        _free_energy_rows(pre, pre.dtype.type(scale), hbias, V, vbias, bool(gaussian), out)

    @staticmethod
    def momentum_update(param, velocity, grad, grad_scale, momentum, decay):
        t = param.dtype.type
        _momentum_update(param, velocity, grad, t(grad_scale), t(momentum), t(decay))

    copy = staticmethod(np.copyto)


_rbm_compose.install(globals(), prims, arrays, np.asarray)
