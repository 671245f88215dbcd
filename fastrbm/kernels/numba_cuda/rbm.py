"""RBM kernels, Numba CUDA: fused grid-stride passes between device matrix products.

Semantics and random counters: ``fastrbm/kernels/reference/rbm.py``. Element-wise
passes stride over the flat index ``k = i * m + j`` (also the counter);
row reductions (free energy) give one thread per row.
"""
import math

import numpy as np
from numba import cuda, uint64

from .. import _numba_rows, _rbm_compose
from . import arrays, config
from .rng import uniform32, uniform64

__all__ = ["gibbs_half_step", "gaussian_half_step", "cd_step", "gibbs_chain", "free_energy", "ais_step", "sparse_matmul"]

gaussian_store = cuda.jit(device=True)(_numba_rows.gaussian_store)
free_energy_row = cuda.jit(device=True)(_numba_rows.free_energy_row)


@cuda.jit
def sigmoid_sample_kernel(pre, scale, bias, key, offset, p_out, s_out, sign, one, use64):
    n, m = pre.shape
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, n * m, stride):
        i, j = k // m, k % m
        p = one / (one + math.exp(-(scale * pre[i, j] + bias[j])))
        if use64:
            u = uniform64(key, offset + uint64(k))
        else:
            u = uniform32(key, offset + uint64(k))
        p_out[i, j] = sign * p
        s_out[i, j] = one if u < p else one - one


@cuda.jit
def gaussian_sample_kernel(pre, bias, key, offset, mean_out, s_out):
    n, m = pre.shape
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, n * m, stride):
        i, j = k // m, k % m
        counter = offset + uint64(2) * uint64(k)
        gaussian_store(pre, bias, i, j, uniform64(key, counter), uniform64(key, counter + uint64(1)), mean_out, s_out)


@cuda.jit
def free_energy_rows_kernel(pre, scale, hbias, V, vbias, gaussian, out):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for i in range(start, pre.shape[0], stride):
        out[i] = free_energy_row(pre, scale, hbias, V, vbias, gaussian, i)


@cuda.jit
def momentum_update_kernel(param, velocity, grad, grad_scale, momentum, decay):
    n, m = param.shape
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, n * m, stride):
        i, j = k // m, k % m
        v = momentum * velocity[i, j] + grad_scale * grad[i, j] - decay * param[i, j]
        velocity[i, j] = v
        param[i, j] += v


@cuda.jit
def mask_kernel(a, keep):
    n, m = a.shape
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, n * m, stride):
        i, j = k // m, k % m
        a[i, j] *= keep[i, j]


@cuda.jit
def sparse_matmul_kernel(a, b, out, zero):
    """out = a @ b, one output element per thread, skipping the zeros of a."""
    n, m = out.shape
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for idx in range(start, n * m, stride):
        i, c = idx // m, idx % m
        acc = zero
        for j in range(a.shape[1]):
            x = a[i, j]
            if x != 0:
                acc += x * b[j, c]
        out[i, c] = acc


class prims:  # noqa: N801 - a namespace of functions
    """The element-wise primitives ``fastrbm/kernels/_rbm_compose.py`` chains with device products."""

    @staticmethod
    def sigmoid_sample(pre, scale, bias, key, offset, p_out, s_out, sign):
        t = pre.dtype.type
        sigmoid_sample_kernel[config.grid_1d(pre.size)](
            pre, t(scale), bias, np.uint64(key), np.uint64(offset), p_out, s_out, t(sign), t(1),
            pre.dtype == np.float64)

    @staticmethod
    def gaussian_sample(pre, bias, key, offset, mean_out, s_out):
        gaussian_sample_kernel[config.grid_1d(pre.size)](pre, bias, np.uint64(key), np.uint64(offset),
                                                         mean_out, s_out)

    @staticmethod
    def free_energy_rows(pre, scale, hbias, V, vbias, gaussian, out):
        free_energy_rows_kernel[config.grid_1d(pre.shape[0])](pre, pre.dtype.type(scale), hbias, V, vbias,
                                                              bool(gaussian), out)

    @staticmethod
    def momentum_update(param, velocity, grad, grad_scale, momentum, decay):
        t = param.dtype.type
        momentum_update_kernel[config.grid_1d(param.size)](param, velocity, grad, t(grad_scale),
                                                           t(momentum), t(decay))

    @staticmethod
    def copy(dst, src):
        dst.copy_to_device(src)

    @staticmethod
    def mask(a, keep):
        mask_kernel[config.grid_1d(a.size)](a, keep)

    @staticmethod
    def sparse_matmul(a, b, out):
        sparse_matmul_kernel[config.grid_1d(out.size)](a, b, out, out.dtype.type(0))

    # cd_step keeps the dense (cuBLAS) products: counting non-zeros would sync with the host.
    use_sparse_products = False


_kernels = _rbm_compose.build(prims, arrays, arrays.to_numpy)
gibbs_half_step, gaussian_half_step = _kernels.gibbs_half_step, _kernels.gaussian_half_step
cd_step, gibbs_chain, free_energy = _kernels.cd_step, _kernels.gibbs_chain, _kernels.free_energy
ais_step, sparse_matmul = _kernels.ais_step, _kernels.sparse_matmul
