"""Pickling of models whose kernel set (and, on cuda, parameters) live outside Python's reach.

A kernel set is a namespace of compiled functions (Numba closures, Cython
extension functions) that cannot be pickled; on the cuda backend the model's
arrays are device arrays. :class:`BackendPickleMixin` drops the kernel set,
copies every backend array to a NumPy array and records the backend's name;
unpickling resolves the kernel set again by that name and moves the arrays
back onto it. ``copy.deepcopy`` goes through the same hooks.
"""
import numpy as np

from ..backend import BackendUnavailable, get_backend

__all__ = ["BackendPickleMixin"]


class _OnDevice:
    """A backend (non-NumPy) array saved as NumPy, to be moved back onto the backend on unpickling."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __reduce__(self):
        return (_OnDevice, (self.array,))


def _is_backend_array(value):
    return (not isinstance(value, np.ndarray) and hasattr(value, "shape") and hasattr(value, "dtype")
            and hasattr(value, "copy_to_host"))


def _to_host(value, K):
    if isinstance(value, list):
        return [_to_host(v, K) for v in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return tuple(_to_host(v, K) for v in value)
    if _is_backend_array(value):
        return _OnDevice(np.array(K.to_numpy(value), copy=True))
    return value


def _to_backend(value, K):
    if isinstance(value, list):
        return [_to_backend(v, K) for v in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return tuple(_to_backend(v, K) for v in value)
    if isinstance(value, _OnDevice):
        return K.asarray(value.array)
    return value


class BackendPickleMixin:
    """``__getstate__``/``__setstate__`` for a model holding its kernel set in ``_kernel_attr``."""

    _kernel_attr = "_K"
    _pickle_drop = ()  # attributes (caches) rebuilt on demand, dropped from the pickle

    def __getstate__(self):
        state = dict(self.__dict__)
        K = state.pop(self._kernel_attr, None)
        for name in self._pickle_drop:
            state.pop(name, None)
        if K is not None:
            state["_pickled_backend"] = K.name
            state = {name: _to_host(value, K) for name, value in state.items()}
        return state

    def __setstate__(self, state):
        state = dict(state)
        name = state.pop("_pickled_backend", None)
        if name is not None:
            try:
                K = get_backend(name)
            except BackendUnavailable as exc:
                raise BackendUnavailable(f"cannot unpickle this {type(self).__name__}: it was pickled on backend "
                                         f"{name!r}, which is not available here ({exc}). On the machine that "
                                         "pickled it, save() it and load(path, backend=...) here") from exc
            state = {key: _to_backend(value, K) for key, value in state.items()}
            state[self._kernel_attr] = K
        for key in self._pickle_drop:
            state.setdefault(key, None)
        self.__dict__.update(state)
