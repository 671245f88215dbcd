"""Cython (OpenMP) kernels: compiled ``_*.pyx`` modules behind Python wrappers
that check dtype and layout before entering ``nogil`` code.

The OpenMP team size of the per-minibatch loops comes from
``fastrbm._threads.compiled_threads()`` (1 when PyTorch or TensorFlow loaded a
spinning OpenMP runtime first; see that module), set once when the backend loads.
"""
from ... import _threads
from . import _dbn, _hopfield, _mlp, _rbm, _rng

for _module in (_dbn, _hopfield, _mlp, _rbm, _rng):
    _module.set_num_threads(_threads.compiled_threads())
