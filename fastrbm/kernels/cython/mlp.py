"""Feed-forward network kernels, Cython/OpenMP (see ``fastrbm/kernels/reference/mlp.py`` for semantics).

The wrappers check dtype and layout before the ``nogil`` code runs, and cast
scalars to the arrays' dtype.
"""
import numpy as np

from . import _mlp
from ..reference.mlp import __all__  # noqa: F401 - the same kernel names on every backend


def _check(*arrays):
    dtype = arrays[0].dtype
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"cython mlp kernels take float32 or float64 arrays, got {dtype}")
    for a in arrays:
        if a.dtype != dtype or not a.flags.c_contiguous:
            raise ValueError("cython mlp kernels need C-contiguous arrays of one dtype")
    return dtype.type


def bias_sigmoid(z, bias):
    _check(z, bias)
    _mlp.bias_sigmoid_into(z, bias)
    return z


def sigmoid_backward(delta, activation):
    _check(delta, activation)
    _mlp.sigmoid_backward_into(delta, activation)
    return delta


def dropout(x, rate, key, offset=0, out=None):
    out = x if out is None else out
    t = _check(x, out)
    _mlp.dropout_into(x.reshape(-1, x.shape[-1]), t(rate), t(1.0 / (1.0 - rate)), np.uint64(key),
                      np.uint64(offset), out.reshape(-1, x.shape[-1]))
    return out


def bias_softmax(z, bias):
    _check(z, bias)
    _mlp.bias_softmax_into(z, bias)
    return z


def softmax_cross_entropy_grad(z, bias, labels, scale):
    t = _check(z, bias)
    loss = np.empty(z.shape[0], dtype=z.dtype)
    _mlp.softmax_cross_entropy_grad_into(z, bias, np.ascontiguousarray(labels, dtype=np.int64), t(scale), loss)
    return loss


def column_sums(x, out):
    _check(x, out)
    _mlp.column_sums_into(x, out)
    return out


def sgd_momentum_update(param, grad, velocity, learning_rate, momentum, weight_decay):
    t = _check(param, grad, velocity)
    _mlp.sgd_into(param.reshape(-1), grad.reshape(-1), velocity.reshape(-1), t(learning_rate), t(momentum),
                  t(weight_decay))
    return param


def adam_update(param, grad, m, v, step_size, beta1, beta2, eps, weight_decay):
    t = _check(param, grad, m, v)
    _mlp.adam_into(param.reshape(-1), grad.reshape(-1), m.reshape(-1), v.reshape(-1), t(step_size), t(beta1),
                   t(beta2), t(eps), t(weight_decay))
    return param


def max_norm(weights, limit):
    t = _check(weights)
    _mlp.max_norm_into(weights, t(limit), np.empty(weights.shape[1], dtype=weights.dtype))
    return weights
