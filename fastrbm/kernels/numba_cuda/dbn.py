"""Deep belief net kernels, Numba CUDA (see ``fastrbm/kernels/reference/dbn.py`` for semantics).

The labelled visible step gives each thread a row (the softmax group needs
the whole row); the others are grid-stride loops over the flat index.
"""
import math

import numpy as np
from numba import cuda, uint64

from . import config
from .. import _numba_rows
from .arrays import asarray, empty
from .rng import flat, uniform32, uniform64

__all__ = ["labelled_visible_step", "sigmoid_error", "cd_update"]

label_softmax_row = cuda.jit(device=True)(_numba_rows.label_softmax_row)


def make_labelled_kernel(uniform_fn):
    @cuda.jit
    def labelled_visible_step_kernel(x, bias, n_labels, key, offset, p, s):
        n, m = x.shape
        d = m - n_labels
        start, stride = cuda.grid(1), cuda.gridsize(1)
        for i in range(start, n, stride):
            base = offset + uint64(i) * uint64(m)
            for j in range(d):
                pij = 1 / (1 + math.exp(-(x[i, j] + bias[j])))
                p[i, j] = pij
                s[i, j] = 1 if uniform_fn(key, base + uint64(j)) < pij else 0
            if n_labels > 0:  # zero = x * 0: the sums in float64 (int 0 promotes float32)
                label_softmax_row(x, bias, i, d, uniform_fn(key, base + uint64(d)), x[i, d] * 0, 1, p, s)

    return labelled_visible_step_kernel


LABELLED_KERNELS = {np.dtype(np.float32): make_labelled_kernel(uniform32),
                    np.dtype(np.float64): make_labelled_kernel(uniform64)}


@cuda.jit
def sigmoid_error_kernel(x, bias, target, scale, one):
    m = bias.size
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, x.size, stride):
        x[k] = scale * (one / (one + math.exp(-(x[k] + bias[k % m]))) - target[k])


@cuda.jit
def cd_update_kernel(param, velocity, positive, negative, lr, mom, wd, scale):
    start, stride = cuda.grid(1), cuda.gridsize(1)
    for k in range(start, param.size, stride):
        velocity[k] = mom * velocity[k] + lr * (scale * (positive[k] - negative[k]) - wd * param[k])
        param[k] += velocity[k]


def labelled_visible_step(pre_activation, bias, n_labels, key, offset=0):
    x, bias = asarray(pre_activation), asarray(bias)
    p, s = empty(x.shape, x.dtype), empty(x.shape, x.dtype)
    LABELLED_KERNELS[x.dtype][config.grid_1d(x.shape[0])](x, bias, int(n_labels), np.uint64(key),
                                                         np.uint64(offset), p, s)
    return p, s


def sigmoid_error(pre_activation, bias, target, scale):
    x, bias, target = asarray(pre_activation), asarray(bias), asarray(target)
    t = x.dtype.type
    sigmoid_error_kernel[config.grid_1d(x.size)](flat(x), bias, flat(target), t(scale), t(1.0))
    return x


def cd_update(param, velocity, positive, negative, learning_rate, momentum, weight_decay, scale):
    t = param.dtype.type
    cd_update_kernel[config.grid_1d(param.size)](flat(param), flat(velocity), flat(asarray(positive)),
                                                 flat(asarray(negative)), t(learning_rate), t(momentum),
                                                 t(weight_decay), t(scale))
    return param
