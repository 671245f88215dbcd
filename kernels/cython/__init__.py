"""Cython (OpenMP) kernels: compiled ``_*.pyx`` modules behind Python wrappers
that check dtype and layout before entering ``nogil`` code.

OpenMP (libgomp) workers spin after a parallel region by default and then
compete with OpenBLAS for the same cores between products; ask for passive
waiting before the first extension loads, unless the user chose a policy.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
