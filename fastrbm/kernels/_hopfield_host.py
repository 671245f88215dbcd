"""Host-side helpers shared by the CPU backends' Hopfield wrappers (pure NumPy)."""
import numpy as np

from .reference.arrays import matmul


def storkey_rows(weights, patterns, scale, step):
    """Storkey's rule, pattern after pattern: ``h = W xi`` by BLAS, then ``step(W, xi, h, scale)``
    updates W in place (see ``fastrbm/kernels/reference/hopfield.py``)."""
    scale = weights.dtype.type(scale)
    for xi in patterns:
        xi = np.ascontiguousarray(xi)
        step(weights, xi, matmul(weights, xi), scale)
    return weights


# The compiled low-rank dot products run in vector steps of up to 32 float32 lanes
# (AVX2: 8 lanes x 4 accumulators); a pattern count that is not a multiple of that
# ends in a scalar tail loop (p = 51: 32 lanes, then 19 scalar steps).
LOWRANK_LANES = 32


def pad_patterns(patterns_t, overlaps):
    """Zero columns appended to ``patterns_t`` (N, p) and ``overlaps`` (B, p) up to a multiple
    of ``LOWRANK_LANES``. Zero patterns add nothing to any dot product or overlap, so the sweep
    computes the same numbers, with no scalar tail. Returns (patterns_t, overlaps), copies
    when padded (the caller copies the overlaps back)."""
    p = patterns_t.shape[1]
    padded = -(-p // LOWRANK_LANES) * LOWRANK_LANES
    if padded == p:
        return patterns_t, overlaps
    q = np.zeros((patterns_t.shape[0], padded), patterns_t.dtype)
    q[:, :p] = patterns_t
    m = np.zeros((overlaps.shape[0], padded), overlaps.dtype)
    m[:, :p] = overlaps
    return q, m
