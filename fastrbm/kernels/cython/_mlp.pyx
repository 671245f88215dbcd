# Feed-forward network kernels (see fastrbm/kernels/reference/mlp.py), OpenMP over rows.
from libc.math cimport log, logf, sqrt, sqrtf
from libc.stdint cimport int64_t

include "common.pxi"


def bias_sigmoid_into(floating[:, ::1] z, const floating[::1] bias):
    cdef Py_ssize_t n = z.shape[0], m = z.shape[1], i, j
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            for j in range(m):
                z[i, j] = 1 / (1 + _exp(-(z[i, j] + bias[j])))


def sigmoid_backward_into(floating[:, ::1] delta, const floating[:, ::1] a):
    cdef Py_ssize_t n = delta.shape[0], m = delta.shape[1], i, j
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            for j in range(m):
                delta[i, j] = delta[i, j] * (a[i, j] * (1 - a[i, j]))


def dropout_into(const floating[:, ::1] x, floating rate, floating inv_keep, uint64_t key, uint64_t offset,
                 floating[:, ::1] out):
    cdef Py_ssize_t n = x.shape[0], m = x.shape[1], i, j
    cdef uint64_t base
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            base = offset + <uint64_t>i * <uint64_t>m
            for j in range(m):
                if _uniform(key, base + <uint64_t>j, rate) >= rate:
                    out[i, j] = x[i, j] * inv_keep
                else:
                    out[i, j] = 0


cdef inline floating _shift_and_max(floating[:, ::1] z, const floating[::1] bias, Py_ssize_t i) noexcept nogil:
    cdef Py_ssize_t j
    cdef floating top = z[i, 0] + bias[0]
    for j in range(z.shape[1]):
        z[i, j] = z[i, j] + bias[j]
        if z[i, j] > top:
            top = z[i, j]
    return top


cdef inline floating _exp_and_sum(floating[:, ::1] z, Py_ssize_t i, floating top) noexcept nogil:
    cdef Py_ssize_t j
    cdef floating e, total = 0
    for j in range(z.shape[1]):
        e = _exp(z[i, j] - top)
        z[i, j] = e
        total = total + e
    return total


def bias_softmax_into(floating[:, ::1] z, const floating[::1] bias):
    cdef Py_ssize_t n = z.shape[0], m = z.shape[1], i, j
    cdef floating top, total
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            top = _shift_and_max(z, bias, i)
            total = _exp_and_sum(z, i, top)
            for j in range(m):
                z[i, j] = z[i, j] / total


def softmax_cross_entropy_grad_into(floating[:, ::1] z, const floating[::1] bias, const int64_t[::1] labels,
                                    floating scale, floating[::1] loss):
    cdef Py_ssize_t n = z.shape[0], m = z.shape[1], i, j, y
    cdef floating top, total, target
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            top = _shift_and_max(z, bias, i)
            y = labels[i]
            target = z[i, y] - top
            total = _exp_and_sum(z, i, top)
            if floating is float:
                loss[i] = logf(total) - target
            else:
                loss[i] = log(total) - target
            for j in range(m):
                z[i, j] = z[i, j] / total
            z[i, y] = z[i, y] - 1
            for j in range(m):
                z[i, j] = z[i, j] * scale


def column_sums_into(const floating[:, ::1] x, floating[::1] out):
    cdef Py_ssize_t n = x.shape[0], m = x.shape[1], i, j
    with nogil:
        for j in range(m):
            out[j] = 0
        for i in range(n):
            for j in range(m):
                out[j] = out[j] + x[i, j]


def sgd_into(floating[::1] p, const floating[::1] g, floating[::1] v, floating lr, floating mom, floating wd):
    cdef Py_ssize_t k
    with nogil:
        for k in prange(p.shape[0], schedule="static", num_threads=num_threads):
            v[k] = mom * v[k] - lr * (g[k] + wd * p[k])
            p[k] = p[k] + v[k]


def adam_into(floating[::1] p, const floating[::1] g, floating[::1] m, floating[::1] v, floating step,
              floating b1, floating b2, floating eps, floating wd):
    cdef Py_ssize_t k
    cdef floating gk
    with nogil:
        for k in prange(p.shape[0], schedule="static", num_threads=num_threads):
            gk = g[k] + wd * p[k]
            m[k] = b1 * m[k] + (1 - b1) * gk
            v[k] = b2 * v[k] + (1 - b2) * (gk * gk)
            if floating is float:
                p[k] = p[k] - step * m[k] / (sqrtf(v[k]) + eps)
            else:
                p[k] = p[k] - step * m[k] / (sqrt(v[k]) + eps)


def max_norm_into(floating[:, ::1] w, floating limit, floating[::1] scratch):
    cdef Py_ssize_t n = w.shape[0], m = w.shape[1], i, j
    cdef floating norm
    with nogil:
        for j in range(m):
            scratch[j] = 0
        for i in range(n):
            for j in range(m):
                scratch[j] = scratch[j] + w[i, j] * w[i, j]
        for j in range(m):
            if floating is float:
                norm = sqrtf(scratch[j])
            else:
                norm = sqrt(scratch[j])
            scratch[j] = limit / norm if norm > limit else 1
        for i in prange(n, schedule="static", num_threads=num_threads):
            for j in range(m):
                w[i, j] = w[i, j] * scratch[j]
