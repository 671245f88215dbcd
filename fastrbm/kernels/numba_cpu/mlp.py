"""Feed-forward network kernels, Numba CPU (see ``fastrbm/kernels/reference/mlp.py`` for semantics).

One fused pass per step, rows in parallel. Scalars are cast to the array's
dtype before the call so float32 stays float32 inside the kernels.
"""
import math

import numpy as np
from numba import njit, prange, uint64

from .. import _numba_rows
from .rng import uniform_like
from ..reference.mlp import __all__  # noqa: F401 - the same kernel names on every backend


# No fastmath: exp overflows to inf for very negative inputs and 1 / inf must give 0.
@njit(parallel=True, cache=True)
def _bias_sigmoid(z, bias):
    n, m = z.shape
    one = z.dtype.type(1.0)
    for i in prange(n):
        for j in range(m):
            z[i, j] = one / (one + math.exp(-(z[i, j] + bias[j])))


@njit(parallel=True, cache=True, fastmath=True)
def _sigmoid_backward(delta, a):
    n, m = delta.shape
    one = delta.dtype.type(1.0)
    for i in prange(n):
        for j in range(m):
            aij = a[i, j]
            delta[i, j] *= aij * (one - aij)


@njit(parallel=True, cache=True)
def _dropout(x, rate, inv_keep, key, offset, out):
    n, m = x.shape
    zero = x.dtype.type(0.0)
    for i in prange(n):
        base = offset + uint64(i) * uint64(m)
        for j in range(m):
            if uniform_like(key, base + uint64(j), rate) >= rate:
                out[i, j] = x[i, j] * inv_keep
            else:
                out[i, j] = zero


softmax_row = njit(inline="always")(_numba_rows.softmax_row)


@njit(parallel=True, cache=True)
def _bias_softmax(z, bias):
    n, m = z.shape
    for i in prange(n):
        total, _ = softmax_row(z, bias, i, z.dtype.type(0.0))
        for j in range(m):
            z[i, j] /= total


@njit(parallel=True, cache=True)
def _softmax_cross_entropy_grad(z, bias, labels, scale, loss):
    n, m = z.shape
    for i in prange(n):
        y = labels[i]
        shifted = z[i, y] + bias[y]
        total, top = softmax_row(z, bias, i, z.dtype.type(0.0))
        loss[i] = math.log(total) - (shifted - top)
        for j in range(m):
            z[i, j] = z[i, j] / total
        z[i, y] -= z.dtype.type(1.0)
        for j in range(m):
            z[i, j] *= scale


@njit(cache=True)
def _column_sums(x, out):
    # Row-major accumulation keeps the inner loop contiguous (and vectorised).
    n, m = x.shape
    for j in range(m):
        out[j] = 0
    for i in range(n):
        for j in range(m):
            out[j] += x[i, j]


@njit(parallel=True, cache=True, fastmath=True)
def _sgd(p, g, v, lr, mom, wd):
    for k in prange(p.size):
        v[k] = mom * v[k] - lr * (g[k] + wd * p[k])
        p[k] += v[k]


@njit(parallel=True, cache=True)
def _adam(p, g, m, v, step, b1, b2, eps, wd):
    one = p.dtype.type(1.0)
    for k in prange(p.size):
        gk = g[k] + wd * p[k]
        m[k] = b1 * m[k] + (one - b1) * gk
        v[k] = b2 * v[k] + (one - b2) * (gk * gk)
        p[k] -= step * m[k] / (math.sqrt(v[k]) + eps)


@njit(cache=True)
def _max_norm(w, limit):
    n, m = w.shape
    sq = np.zeros(m, dtype=w.dtype)
    for i in range(n):
        for j in range(m):
            sq[j] += w[i, j] * w[i, j]
    factor = np.ones(m, dtype=w.dtype)
    for j in range(m):
        norm = math.sqrt(sq[j])
        if norm > limit:
            factor[j] = limit / norm
    for i in range(n):
        for j in range(m):
            w[i, j] *= factor[j]


def bias_sigmoid(z, bias):
    _bias_sigmoid(z, bias)
    return z


def sigmoid_backward(delta, activation):
    _sigmoid_backward(delta, activation)
    return delta


def dropout(x, rate, key, offset=0, out=None):
    t = x.dtype.type
    out = x if out is None else out
    _dropout(x.reshape(-1, x.shape[-1]), t(rate), t(1.0 / (1.0 - rate)), np.uint64(key), np.uint64(offset),
             out.reshape(-1, x.shape[-1]))
    return out


def bias_softmax(z, bias):
    _bias_softmax(z, bias)
    return z


def softmax_cross_entropy_grad(z, bias, labels, scale):
    loss = np.empty(z.shape[0], dtype=z.dtype)
    _softmax_cross_entropy_grad(z, bias, labels, z.dtype.type(scale), loss)
    return loss


def column_sums(x, out):
    _column_sums(x, out)
    return out


def sgd_momentum_update(param, grad, velocity, learning_rate, momentum, weight_decay):
    t = param.dtype.type
    _sgd(param.reshape(-1), grad.reshape(-1), velocity.reshape(-1), t(learning_rate), t(momentum),
         t(weight_decay))
    return param


def adam_update(param, grad, m, v, step_size, beta1, beta2, eps, weight_decay):
    t = param.dtype.type
    _adam(param.reshape(-1), grad.reshape(-1), m.reshape(-1), v.reshape(-1), t(step_size), t(beta1),
          t(beta2), t(eps), t(weight_decay))
    return param


def max_norm(weights, limit):
    _max_norm(weights, weights.dtype.type(limit))
    return weights
