"""Counter-based uniforms and the fused sigmoid + Bernoulli draw, Cython/OpenMP."""
import numpy as np

from . import _rng
from .._shapes import bernoulli_sigmoid_rows, uniform_rows

__all__ = ["uniform", "bernoulli_sigmoid"]


def uniform(key, shape, dtype=np.float32, offset=0):
    return uniform_rows(lambda t: _rng.uniform_into, key, shape, dtype, offset)


def bernoulli_sigmoid(pre_activation, key, offset=0):
    return bernoulli_sigmoid_rows(lambda t: _rng.bernoulli_sigmoid_into, pre_activation, key, offset)
