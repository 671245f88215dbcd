"""Cython (OpenMP) kernels: compiled ``_*.pyx`` modules behind Python wrappers
that check dtype and layout before entering ``nogil`` code."""
