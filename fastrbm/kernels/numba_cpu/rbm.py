"""RBM kernels, Numba CPU: fused element-wise passes between NumPy BLAS products.

Semantics and random counters: ``fastrbm/kernels/reference/rbm.py``. The passes are
generic in the float type: constants arrive as arguments of the array's type
so float32 stays float32, and the uniform is formed exactly (top 24 or 53
bits) so comparisons match the reference bit for bit.
"""
import math

import numpy as np
from numba import njit, prange, uint64
from numba.core import types
from numba.extending import intrinsic

from .. import _numba_rows, _rbm_compose
from . import arrays
from .rng import GOLDEN, finalise, mix, uniform64, unit32

__all__ = ["gibbs_half_step", "gaussian_half_step", "cd_step", "gibbs_chain", "free_energy", "ais_step", "sparse_matmul"]


@njit(inline="always")
def exact_uniform(key, counter, shift, unit):
    """uniform(key, counter) as float64 (exact for float32 and float64 streams)."""
    return np.float64(mix(key, counter) >> shift) * unit


@intrinsic
def int32_bits_as_float32(typingctx, bits):
    """Reinterpret an int32's bits as a float32 (a vectorisable 2**k)."""
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float32))

    return sig, codegen


@njit(inline="always")
def exp32(x):
    """float32 exp in plain arithmetic (Cephes expf: 2**k times a degree-6 polynomial, ~2 ulp).

    ``math.exp`` stays a scalar libm call in Numba; this form vectorises.
    """
    x = min(max(x, np.float32(-87.33654)), np.float32(88.72283))
    # floor(y + 0.5) as a truncation of a positive number (y >= -126 after the clamp): math.floor
    # stays a libm call, the int conversion vectorises.
    k = np.float32(np.int32(x * np.float32(1.442695) + np.float32(128.5))) - np.float32(128.0)
    r = x - k * np.float32(0.693359375) + k * np.float32(2.12194440e-4)
    p = np.float32(1.9875691500e-4) * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    p = p * r * r + r + np.float32(1.0)
    return p * int32_bits_as_float32((np.int32(k) + np.int32(127)) << np.int32(23))


@njit(parallel=True, cache=True)
def _sigmoid_sample32(pre, scale, bias, key, offset, p_out, s_out, sign):
    n, m = pre.shape
    one, zero = np.float32(1.0), np.float32(0.0)
    for i in prange(n):
        z = key + (offset + uint64(i) * uint64(m)) * GOLDEN  # the stream's pre-hash (see rng.finalise)
        for j in range(m):
            p = one / (one + exp32(-(scale * pre[i, j] + bias[j])))
            p_out[i, j] = sign * p
            u = unit32(finalise(z))
            s_out[i, j] = one if u < p else zero
            z += GOLDEN


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

gaussian_store = njit(inline="always")(_numba_rows.gaussian_store)
free_energy_row = njit(inline="always")(_numba_rows.free_energy_row)


@njit(parallel=True, cache=True)
def _gaussian_sample(pre, bias, key, offset, mean_out, s_out):
    n, m = pre.shape
    for i in prange(n):
        base = offset + uint64(2) * uint64(i) * uint64(m)
        for j in range(m):
            counter = base + uint64(2) * uint64(j)
            gaussian_store(pre, bias, i, j, uniform64(key, counter), uniform64(key, counter + uint64(1)), mean_out, s_out)


@njit(parallel=True, cache=True)
def _free_energy_rows(pre, scale, hbias, V, vbias, gaussian, out):
    for i in prange(pre.shape[0]):
        out[i] = free_energy_row(pre, scale, hbias, V, vbias, gaussian, i)


@njit(inline="always")
def _momentum_row(param, velocity, grad, grad_scale, momentum, decay):
    """velocity = momentum velocity + grad_scale grad - decay param; param += velocity (1-D)."""
    for j in range(param.shape[0]):
        v = momentum * velocity[j] + grad_scale * grad[j] - decay * param[j]
        velocity[j] = v
        param[j] += v


@njit(parallel=True, cache=True, fastmath=True)
def _momentum_update(param, velocity, grad, grad_scale, momentum, decay):
    for i in prange(param.shape[0]):
        _momentum_row(param[i], velocity[i], grad[i], grad_scale, momentum, decay)


@njit(inline="always")
def _gather_row(a_row, b, idx, o):
    """o = a_row @ b adding the rows b[j] with a_row[j] != 0, eight per pass over o.

    Eight rows per pass cut the loads and stores of o eightfold; under the callers'
    fastmath the sum of the eight is reassociated and vectorised. idx: scratch, len(a_row).
    """
    zero = o.dtype.type(0)
    nnz = 0
    for j in range(a_row.shape[0]):
        if a_row[j] != zero:
            idx[nnz] = j
            nnz += 1
    o[:] = zero
    t = 0
    while t + 8 <= nnz:
        j0, j1, j2, j3 = idx[t], idx[t + 1], idx[t + 2], idx[t + 3]
        j4, j5, j6, j7 = idx[t + 4], idx[t + 5], idx[t + 6], idx[t + 7]
        x0, x1, x2, x3, x4, x5, x6, x7 = a_row[j0], a_row[j1], a_row[j2], a_row[j3], a_row[j4], a_row[j5], a_row[j6], a_row[j7]
        r0, r1, r2, r3, r4, r5, r6, r7 = b[j0], b[j1], b[j2], b[j3], b[j4], b[j5], b[j6], b[j7]
        for c in range(o.shape[0]):
            o[c] += ((x0 * r0[c] + x1 * r1[c]) + (x2 * r2[c] + x3 * r3[c])) + \
                    ((x4 * r4[c] + x5 * r5[c]) + (x6 * r6[c] + x7 * r7[c]))
        t += 8
    while t < nnz:
        x, r = a_row[idx[t]], b[idx[t]]
        for c in range(o.shape[0]):
            o[c] += x * r[c]
        t += 1


@njit(parallel=True, cache=True, fastmath=True)
def _sparse_matmul(a, b, out):
    """out = a @ b by gather-add, a row of a per task."""
    for i in prange(a.shape[0]):
        _gather_row(a[i], b, np.empty(a.shape[1], np.int64), out[i])


@njit(parallel=True, cache=True, fastmath=True)
def _sparse_gradient_update(a, b, param, velocity, grad_scale, momentum, decay):
    """_momentum_update(param, velocity, a^T @ b, ...) a row at a time, the gathered row in L1.

    Row i of a^T is the column a[:, i], walked in place (no transposed copy)."""
    m = param.shape[1]
    for i in prange(a.shape[1]):
        grad = np.empty(m, param.dtype)
        _gather_row(a[:, i], b, np.empty(a.shape[0], np.int64), grad)
        _momentum_row(param[i], velocity[i], grad, grad_scale, momentum, decay)


def stream_bits(dtype):
    """(shift, unit) turning a 64-bit hash into the stream's uniform of ``dtype``."""
    return (uint64(40), 2.0**-24) if dtype == np.float32 else (uint64(11), 2.0**-53)


class prims:  # noqa: N801 - a namespace of functions
    """The element-wise primitives ``fastrbm/kernels/_rbm_compose.py`` chains with BLAS products."""

    @staticmethod
    def sigmoid_sample(pre, scale, bias, key, offset, p_out, s_out, sign):
        t = pre.dtype.type
        if t is np.float32:
            _sigmoid_sample32(pre, t(scale), bias, np.uint64(key), np.uint64(offset), p_out, s_out, t(sign))
            return
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

    @staticmethod
    def sparse_gradient_update(a, b, param, velocity, grad_scale, momentum, decay):
        t = param.dtype.type
        _sparse_gradient_update(a, b, param, velocity, t(grad_scale), t(momentum), t(decay))

    copy = staticmethod(np.copyto)
    mask = staticmethod(_rbm_compose.host_mask)
    use_sparse_products = True
    sparse_matmul = staticmethod(_sparse_matmul)


_kernels = _rbm_compose.build(prims, arrays, np.asarray)
gibbs_half_step, gaussian_half_step = _kernels.gibbs_half_step, _kernels.gaussian_half_step
cd_step, gibbs_chain, free_energy = _kernels.cd_step, _kernels.gibbs_chain, _kernels.free_energy
ais_step, sparse_matmul = _kernels.ais_step, _kernels.sparse_matmul
