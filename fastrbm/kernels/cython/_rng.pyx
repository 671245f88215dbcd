# Counter-based uniforms and the fused sigmoid + Bernoulli draw (OpenMP rows).
include "common.pxi"


def uniform_into(uint64_t key, uint64_t offset, floating[:, ::1] out):
    cdef Py_ssize_t n = out.shape[0], m = out.shape[1], i, j
    cdef uint64_t base
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            base = offset + <uint64_t>i * <uint64_t>m
            for j in range(m):
                out[i, j] = _uniform(key, base + <uint64_t>j, <floating>0)


def bernoulli_sigmoid_into(const floating[:, ::1] x, uint64_t key, uint64_t offset,
                           floating[:, ::1] p, floating[:, ::1] s):
    cdef Py_ssize_t n = x.shape[0], m = x.shape[1], i, j
    cdef uint64_t base
    cdef floating pij, one = 1, zero = 0
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            base = offset + <uint64_t>i * <uint64_t>m
            for j in range(m):
                pij = one / (one + _exp(-x[i, j]))
                p[i, j] = pij
                s[i, j] = one if _uniform(key, base + <uint64_t>j, pij) < pij else zero
