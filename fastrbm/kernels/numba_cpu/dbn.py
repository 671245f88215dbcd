"""Deep belief net kernels, Numba CPU (see ``fastrbm/kernels/reference/dbn.py`` for semantics)."""
import math

import numpy as np
from numba import njit, prange, uint64

from .. import _numba_rows
from .rng import uniform_like

__all__ = ["labelled_visible_step", "sigmoid_error", "cd_update"]

label_softmax_row = njit(inline="always")(_numba_rows.label_softmax_row)


@njit(parallel=True, cache=True)
def _labelled_visible_step(x, bias, n_labels, key, offset, p, s):
    n, m = x.shape
    d = m - n_labels
    one = x.dtype.type(1.0)
    for i in prange(n):
        base = offset + uint64(i) * uint64(m)
        for j in range(d):
            pij = one / (one + math.exp(-(x[i, j] + bias[j])))
            p[i, j] = pij
            s[i, j] = one if uniform_like(key, base + uint64(j), pij) < pij else x.dtype.type(0.0)
        if n_labels > 0:
            label_softmax_row(x, bias, i, d, uniform_like(key, base + uint64(d), x[i, d]), x.dtype.type(0.0), one, p, s)


@njit(parallel=True, cache=True)
def _sigmoid_error(x, bias, target, scale):
    n, m = x.shape
    one = x.dtype.type(1.0)
    for i in prange(n):
        for j in range(m):
            x[i, j] = scale * (one / (one + math.exp(-(x[i, j] + bias[j]))) - target[i, j])


@njit(parallel=True, cache=True, fastmath=True)
def _cd_update(param, velocity, positive, negative, lr, mom, wd, scale):
    for k in prange(param.size):
        velocity[k] = mom * velocity[k] + lr * (scale * (positive[k] - negative[k]) - wd * param[k])
        param[k] += velocity[k]


def labelled_visible_step(pre_activation, bias, n_labels, key, offset=0):
    x = np.ascontiguousarray(pre_activation)
    p, s = np.empty_like(x), np.empty_like(x)
    _labelled_visible_step(x, bias, int(n_labels), np.uint64(key), np.uint64(offset), p, s)
    return p, s


def sigmoid_error(pre_activation, bias, target, scale):
    _sigmoid_error(pre_activation, bias, target, pre_activation.dtype.type(scale))
    return pre_activation


def cd_update(param, velocity, positive, negative, learning_rate, momentum, weight_decay, scale):
    t = param.dtype.type
    _cd_update(param.reshape(-1), velocity.reshape(-1), positive.reshape(-1), negative.reshape(-1),
               t(learning_rate), t(momentum), t(weight_decay), t(scale))
    return param
