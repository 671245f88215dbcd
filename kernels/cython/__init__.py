"""Cython (OpenMP) kernels: compiled ``_*.pyx`` modules behind Python wrappers
that check dtype and layout before entering ``nogil`` code.

``OMP_WAIT_POLICY=PASSIVE`` unless the user set it (read when libgomp starts, so
before any extension loads): idle OpenMP threads sleep instead of spinning. On a
shared, oversubscribed machine spinning threads steal the cores the working ones
need (measured: Hopfield sweep at a fixed point, N = 1024, B = 64: median 24 ms
spinning vs 0.28 ms passive; N = 4096 vs 1024 went from erratic to 4.2x, i.e. O(N)).
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
