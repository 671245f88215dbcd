# Counter-based stream shared by every Cython kernel (see fastrbm/kernels/reference/rng.py).
# Included (not cimported): each extension gets its own inline copy of these functions.
from libc.stdint cimport uint64_t

cdef extern from "stream.h":
    # A C constant, not a `cdef` module variable: that would be a mutable static, loaded from
    # memory at every use (and reloaded in loops whose int64 stores may alias it).
    const uint64_t GOLDEN "FASTRBM_GOLDEN"

cdef inline uint64_t finalise(uint64_t z) noexcept nogil:
    """SplitMix64's output mix of the pre-hash z = key + counter * GOLDEN; a loop over
    consecutive counters can step z by GOLDEN instead of multiplying each counter."""
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)

cdef inline uint64_t mix(uint64_t key, uint64_t counter) noexcept nogil:
    return finalise(key + counter * GOLDEN)

cdef inline float uniform32(uint64_t key, uint64_t counter) noexcept nogil:
    return <float>(mix(key, counter) >> 40) * <float>5.9604644775390625e-08

cdef inline double uniform64(uint64_t key, uint64_t counter) noexcept nogil:
    return <double>(mix(key, counter) >> 11) * 1.1102230246251565e-16
