"""Numba CPU backend arrays are NumPy arrays."""
from ..reference.arrays import asarray, empty, matmul, to_numpy, zeros

__all__ = ["asarray", "to_numpy", "matmul", "empty", "zeros"]
