# The header every Cython kernel module includes first: the counter-based stream, the OpenMP team
# size, the fused float type and its exp and uniform (textual include: one inline copy per module).
from cython.parallel cimport prange
from libc.math cimport exp, expf
from libc.stdint cimport uint64_t

include "stream.pxi"
include "threads.pxi"

ctypedef fused floating:
    float
    double


cdef inline floating _exp(floating x) noexcept nogil:
    if floating is float:
        return expf(x)
    else:
        return exp(x)


cdef inline floating _uniform(uint64_t key, uint64_t counter, floating like) noexcept nogil:
    """uniform(key, counter) in the type of ``like`` (its value is not read)."""
    if floating is float:
        return uniform32(key, counter)
    else:
        return uniform64(key, counter)
