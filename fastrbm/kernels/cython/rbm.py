"""RBM kernels, Cython/OpenMP: fused passes from ``_rbm.pyx`` between NumPy BLAS products.

Semantics and random counters: ``fastrbm/kernels/reference/rbm.py``. The wrappers
check dtype and layout before entering ``nogil`` code.
"""
import numpy as np

from .. import _rbm_compose
from . import _rbm, arrays

__all__ = ["gibbs_half_step", "gaussian_half_step", "cd_step", "gibbs_chain", "free_energy", "ais_step", "sparse_matmul"]


def checked(*arrays_in):
    """Raise unless all arrays share one float dtype and are C-contiguous."""
    dtype = arrays_in[0].dtype
    for a in arrays_in:
        if a.dtype != dtype or a.dtype not in (np.float32, np.float64):
            raise TypeError(f"cython rbm kernels need matching float32/float64 arrays, got {a.dtype} and {dtype}")
        if not a.flags.c_contiguous:
            raise ValueError("cython rbm kernels need C-contiguous arrays")
    return dtype.type


class prims:  # noqa: N801 - a namespace of functions
    """The element-wise primitives ``fastrbm/kernels/_rbm_compose.py`` chains with BLAS products."""

    @staticmethod
    def sigmoid_sample(pre, scale, bias, key, offset, p_out, s_out, sign):
        t = checked(pre, bias, p_out, s_out)
        _rbm.sigmoid_sample(pre, t(scale), bias, np.uint64(key), np.uint64(offset), p_out, s_out, t(sign))

    @staticmethod
    def gaussian_sample(pre, bias, key, offset, mean_out, s_out):
        checked(pre, bias, mean_out, s_out)
        _rbm.gaussian_sample(pre, bias, np.uint64(key), np.uint64(offset), mean_out, s_out)

    @staticmethod
    def free_energy_rows(pre, scale, hbias, V, vbias, gaussian, out):
        t = checked(pre, hbias, V, vbias, out)
        _rbm.free_energy_rows(pre, t(scale), hbias, V, vbias, bool(gaussian), out)

    @staticmethod
    def momentum_update(param, velocity, grad, grad_scale, momentum, decay):
        t = checked(param, velocity, grad)
        _rbm.momentum_update(param, velocity, grad, t(grad_scale), t(momentum), t(decay))

    @staticmethod
    def sparse_matmul(a, b, out):
        checked(a, b, out)
        _rbm.sparse_matmul(a, b, out)

    @staticmethod
    def sparse_gradient_update(a, b, param, velocity, grad_scale, momentum, decay):
        t = checked(a, b, param, velocity)
        _rbm.sparse_gradient_update(a, b, param, velocity, t(grad_scale), t(momentum), t(decay))

    copy = staticmethod(np.copyto)
    mask = staticmethod(_rbm_compose.host_mask)
    use_sparse_products = True


_kernels = _rbm_compose.build(prims, arrays, np.asarray)
gibbs_half_step, gaussian_half_step = _kernels.gibbs_half_step, _kernels.gaussian_half_step
cd_step, gibbs_chain, free_energy = _kernels.cd_step, _kernels.gibbs_chain, _kernels.free_energy
ais_step, sparse_matmul = _kernels.ais_step, _kernels.sparse_matmul
