"""Compiled and reference kernels, one sub-package per backend.

Every backend package has the same domain modules (``arrays``, ``rng``, ...)
exposing the same functions with the same signatures and semantics; the
registry in :mod:`fastrbm.backend` gathers them into one kernel set.
``reference`` (pure NumPy) is the specification the others are tested against.
"""
