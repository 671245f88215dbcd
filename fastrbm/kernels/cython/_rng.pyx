# Counter-based uniforms and the fused sigmoid + Bernoulli draw (OpenMP rows).
include "common.pxi"


def uniform_into(uint64_t key, uint64_t offset, floating[:, ::1] out):
    cdef Py_ssize_t n = out.shape[0], m = out.shape[1], i, j
    cdef uint64_t base
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            base = offset + <uint64_t>i * <uint64_t>m
            for j in range(m):
                if floating is float:
                    out[i, j] = uniform32(key, base + <uint64_t>j)
                else:
                    out[i, j] = uniform64(key, base + <uint64_t>j)


def bernoulli_sigmoid_into(const floating[:, ::1] x, uint64_t key, uint64_t offset,
                           floating[:, ::1] p, floating[:, ::1] s):
    cdef Py_ssize_t n = x.shape[0], m = x.shape[1], i, j
    cdef uint64_t base
    cdef floating pij, one = 1, zero = 0
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            base = offset + <uint64_t>i * <uint64_t>m
            for j in range(m):
                if floating is float:
                    pij = one / (one + expf(-x[i, j]))
                    p[i, j] = pij
                    s[i, j] = one if uniform32(key, base + <uint64_t>j) < pij else zero
                else:
                    pij = one / (one + exp(-x[i, j]))
                    p[i, j] = pij
                    s[i, j] = one if uniform64(key, base + <uint64_t>j) < pij else zero
