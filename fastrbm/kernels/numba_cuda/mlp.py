"""Feed-forward network kernels, Numba CUDA (see ``fastrbm/kernels/reference/mlp.py`` for semantics).

Element-wise kernels use grid-stride loops over the flat index (also the
random counter); row kernels (softmax) give each thread a row; column sums
and max-norm give each thread a column. Host wrappers accept NumPy or device
arrays and work in place on device arrays.
"""
import math

import numpy as np
from numba import cuda, uint64

from . import config
from .. import _numba_rows
from .arrays import asarray, empty
from .rng import flat, uniform32, uniform64
from ..reference.mlp import __all__  # noqa: F401 - the same kernel names on every backend


@cuda.jit
def bias_sigmoid_kernel(z, bias, one):
    m = bias.size
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, z.size, stride):
        z[k] = one / (one + math.exp(-(z[k] + bias[k % m])))


@cuda.jit
def sigmoid_backward_kernel(delta, a, one):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, delta.size, stride):
        delta[k] *= a[k] * (one - a[k])


def make_dropout_kernel(uniform_fn):
    @cuda.jit
    def dropout_kernel(x, rate, inv_keep, key, offset, out):
        start, stride = cuda.grid(1), cuda.gridsize(1)
        for k in range(start, x.size, stride):
            if uniform_fn(key, offset + uint64(k)) >= rate:
                out[k] = x[k] * inv_keep
            else:
                out[k] = 0

    return dropout_kernel


dropout32_kernel, dropout64_kernel = make_dropout_kernel(uniform32), make_dropout_kernel(uniform64)


softmax_row = cuda.jit(device=True)(_numba_rows.softmax_row)  # zero = z * 0: float64 sums (int 0 promotes)


@cuda.jit
def bias_softmax_kernel(z, bias):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for i in range(start, z.shape[0], stride):
        total, _ = softmax_row(z, bias, i, z[i, 0] * 0)
        for j in range(z.shape[1]):
            z[i, j] /= total


@cuda.jit
def softmax_cross_entropy_grad_kernel(z, bias, labels, scale, one, loss):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for i in range(start, z.shape[0], stride):
        y = labels[i]
        shifted = z[i, y] + bias[y]
        total, top = softmax_row(z, bias, i, z[i, 0] * 0)
        loss[i] = math.log(total) - (shifted - top)
        for j in range(z.shape[1]):
            z[i, j] /= total
        z[i, y] -= one
        for j in range(z.shape[1]):
            z[i, j] *= scale


@cuda.jit
def column_sums_kernel(x, out):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for j in range(start, x.shape[1], stride):
        acc = x[0, j] * 0
        for i in range(x.shape[0]):
            acc += x[i, j]
        out[j] = acc


@cuda.jit
def sgd_kernel(p, g, v, lr, mom, wd):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, p.size, stride):
        v[k] = mom * v[k] - lr * (g[k] + wd * p[k])
        p[k] += v[k]


@cuda.jit
def adam_kernel(p, g, m, v, step, b1, b2, eps, wd, one):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, p.size, stride):
        gk = g[k] + wd * p[k]
        m[k] = b1 * m[k] + (one - b1) * gk
        v[k] = b2 * v[k] + (one - b2) * (gk * gk)
        p[k] -= step * m[k] / (math.sqrt(v[k]) + eps)


@cuda.jit
def max_norm_kernel(w, limit):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for j in range(start, w.shape[1], stride):
        sq = w[0, j] * 0
        for i in range(w.shape[0]):
            sq += w[i, j] * w[i, j]
        norm = math.sqrt(sq)
        if norm > limit:
            factor = limit / norm
            for i in range(w.shape[0]):
                w[i, j] *= factor


def bias_sigmoid(z, bias):
    z, bias = asarray(z), asarray(bias)
    bias_sigmoid_kernel[config.grid_1d(z.size)](flat(z), bias, z.dtype.type(1.0))
    return z


def sigmoid_backward(delta, activation):
    delta, activation = asarray(delta), asarray(activation)
    sigmoid_backward_kernel[config.grid_1d(delta.size)](flat(delta), flat(activation), delta.dtype.type(1.0))
    return delta


def dropout(x, rate, key, offset=0, out=None):
    x = asarray(x)
    out = x if out is None else asarray(out)
    t = x.dtype.type
    kernel = dropout32_kernel if x.dtype == np.float32 else dropout64_kernel
    kernel[config.grid_1d(x.size)](flat(x), t(rate), t(1.0 / (1.0 - rate)), np.uint64(key), np.uint64(offset),
                                   flat(out))
    return out


def bias_softmax(z, bias):
    z, bias = asarray(z), asarray(bias)
    bias_softmax_kernel[config.grid_1d(z.shape[0])](z, bias)
    return z


def softmax_cross_entropy_grad(z, bias, labels, scale):
    z, bias, labels = asarray(z), asarray(bias), asarray(labels, dtype=np.int64)
    loss = empty(z.shape[0], dtype=z.dtype)
    t = z.dtype.type
    softmax_cross_entropy_grad_kernel[config.grid_1d(z.shape[0])](z, bias, labels, t(scale), t(1.0), loss)
    return loss


def column_sums(x, out):
    x, out = asarray(x), asarray(out)
    column_sums_kernel[config.grid_1d(x.shape[1])](x, out)
    return out


def sgd_momentum_update(param, grad, velocity, learning_rate, momentum, weight_decay):
    t = param.dtype.type
    sgd_kernel[config.grid_1d(param.size)](flat(param), flat(asarray(grad)), flat(velocity), t(learning_rate),
                                           t(momentum), t(weight_decay))
    return param


def adam_update(param, grad, m, v, step_size, beta1, beta2, eps, weight_decay):
    t = param.dtype.type
    adam_kernel[config.grid_1d(param.size)](flat(param), flat(asarray(grad)), flat(m), flat(v), t(step_size),
                                            t(beta1), t(beta2), t(eps), t(weight_decay), t(1.0))
    return param


def max_norm(weights, limit):
    weights = asarray(weights)
    max_norm_kernel[config.grid_1d(weights.shape[1])](weights, weights.dtype.type(limit))
    return weights
