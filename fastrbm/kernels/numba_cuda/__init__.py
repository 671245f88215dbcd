"""Numba CUDA kernels (``*_kernel``) with host wrappers.

Backend arrays are Numba device arrays. Without a GPU the same code runs under
Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``), slowly: tests use tiny sizes.
"""
