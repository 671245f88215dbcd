"""Deep belief net kernels, Cython/OpenMP (see ``fastrbm/kernels/reference/dbn.py`` for semantics)."""
import numpy as np

from . import _dbn
from .mlp import _check

__all__ = ["labelled_visible_step", "sigmoid_error", "cd_update"]


def labelled_visible_step(pre_activation, bias, n_labels, key, offset=0):
    x = np.ascontiguousarray(pre_activation)
    _check(x, bias)
    p, s = np.empty_like(x), np.empty_like(x)
    _dbn.labelled_visible_step_into(x, bias, int(n_labels), np.uint64(key), np.uint64(offset), p, s)
    return p, s


def sigmoid_error(pre_activation, bias, target, scale):
    t = _check(pre_activation, bias, target)
    _dbn.sigmoid_error_into(pre_activation, bias, target, t(scale))
    return pre_activation


def cd_update(param, velocity, positive, negative, learning_rate, momentum, weight_decay, scale):
    t = _check(param, velocity, positive, negative)
    _dbn.cd_update_into(param.reshape(-1), velocity.reshape(-1), positive.reshape(-1), negative.reshape(-1),
                        t(learning_rate), t(momentum), t(weight_decay), t(scale))
    return param
