"""Counter-based uniforms and the fused sigmoid + Bernoulli draw, Cython/OpenMP."""
import numpy as np

from . import _rng
from .._shapes import as_2d

__all__ = ["uniform", "bernoulli_sigmoid"]


def uniform(key, shape, dtype=np.float32, offset=0):
    shape, shape2 = as_2d(shape)
    out = np.empty(shape2, dtype=dtype)
    _rng.uniform_into(np.uint64(key), np.uint64(offset), out)
    return out.reshape(shape)


def bernoulli_sigmoid(pre_activation, key, offset=0):
    x = np.ascontiguousarray(pre_activation)
    shape, shape2 = as_2d(x.shape)
    x2 = x.reshape(shape2)
    p = np.empty_like(x2)
    s = np.empty_like(x2)
    _rng.bernoulli_sigmoid_into(x2, np.uint64(key), np.uint64(offset), p, s)
    return p.reshape(shape), s.reshape(shape)
