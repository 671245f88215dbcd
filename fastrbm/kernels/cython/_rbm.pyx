# Fused element-wise passes of the RBM kernels (OpenMP over rows); see fastrbm/kernels/_rbm_compose.py.
from cython.parallel cimport parallel
from libc.math cimport cos, fabs, log, log1p, sqrt
from libc.stdlib cimport free, malloc

include "common.pxi"

cdef extern from "rbm_simd.h":
    void gather_row32 "fastrbm_gather_row32" (const float *a_row, Py_ssize_t a_step, const float *b,
                                              Py_ssize_t k, Py_ssize_t m, float *o,
                                              Py_ssize_t *idx) noexcept nogil
    void sigmoid_sample_row32 "fastrbm_sigmoid_sample_row32" (
        const float *pre, float scale, const float *bias, uint64_t key, uint64_t base,
        float *p_out, float *s_out, float sign, Py_ssize_t m) noexcept nogil

cdef double TWO_PI = 6.283185307179586


def sigmoid_sample(const floating[:, ::1] pre, floating scale, const floating[::1] bias,
                   uint64_t key, uint64_t offset, floating[:, ::1] p_out, floating[:, ::1] s_out,
                   floating sign):
    """p = sigmoid(scale pre + bias); p_out = sign p; s_out = (uniform < p)."""
    cdef Py_ssize_t n = pre.shape[0], m = pre.shape[1], i, j
    cdef uint64_t base
    cdef floating p
    if m == 0:
        return
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            base = offset + <uint64_t>i * <uint64_t>m
            if floating is float:
                sigmoid_sample_row32(&pre[i, 0], scale, &bias[0], key, base, &p_out[i, 0], &s_out[i, 0],
                                     sign, m)
            else:
                for j in range(m):
                    p = 1 / (1 + exp(-(scale * pre[i, j] + bias[j])))
                    s_out[i, j] = 1 if uniform64(key, base + <uint64_t>j) < p else 0
                    p_out[i, j] = sign * p


def gaussian_sample(const floating[:, ::1] pre, const floating[::1] bias, uint64_t key,
                    uint64_t offset, floating[:, ::1] mean_out, floating[:, ::1] s_out):
    """mean = pre + bias; sample = mean + Box-Muller normal from two float64 uniforms."""
    cdef Py_ssize_t n = pre.shape[0], m = pre.shape[1], i, j
    cdef uint64_t counter
    cdef double z, u1, u2
    cdef floating mean
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            for j in range(m):
                counter = offset + 2 * (<uint64_t>i * <uint64_t>m + <uint64_t>j)
                u1 = uniform64(key, counter)
                u2 = uniform64(key, counter + 1)
                z = sqrt(-2.0 * log1p(-u1)) * cos(TWO_PI * u2)
                mean = pre[i, j] + bias[j]
                mean_out[i, j] = mean
                s_out[i, j] = <floating>(mean + z)


def free_energy_rows(const floating[:, ::1] pre, floating scale, const floating[::1] hbias,
                     const floating[:, ::1] V, const floating[::1] vbias, bint gaussian,
                     floating[::1] out):
    """out_i = vterm(V_i) - sum_j softplus(scale pre_ij + hbias_j), accumulated in double."""
    cdef Py_ssize_t n = pre.shape[0], m = pre.shape[1], n_vis = V.shape[1], i, j
    cdef double acc, x, d
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            acc = 0.0
            for j in range(m):
                x = scale * pre[i, j] + hbias[j]
                acc = acc - (max(x, 0.0) + log1p(exp(-fabs(x))))
            for j in range(n_vis):
                if gaussian:
                    d = V[i, j] - vbias[j]
                    acc = acc + 0.5 * d * d
                else:
                    acc = acc - V[i, j] * vbias[j]
            out[i] = <floating>acc


cdef inline void momentum_row(floating *param, floating *velocity, const floating *grad, Py_ssize_t m,
                              floating grad_scale, floating momentum, floating decay) noexcept nogil:
    """velocity = momentum velocity + grad_scale grad - decay param; param += velocity."""
    cdef Py_ssize_t j
    cdef floating v
    for j in range(m):
        v = momentum * velocity[j] + grad_scale * grad[j] - decay * param[j]
        velocity[j] = v
        param[j] = param[j] + v


cdef void gather_row(const floating *a_row, Py_ssize_t a_step, const floating *b, Py_ssize_t k,
                     Py_ssize_t m, floating *o, Py_ssize_t *idx) noexcept nogil:
    """o = a_row @ b adding the rows b[j] with a_row[j * a_step] != 0 (float32: gather_row32)."""
    cdef Py_ssize_t j, c, t = 0, nnz = 0
    cdef floating x0, x1, x2, x3
    cdef const floating *r0
    cdef const floating *r1
    cdef const floating *r2
    cdef const floating *r3
    if floating is float:
        gather_row32(a_row, a_step, b, k, m, o, idx)
        return
    for j in range(k):
        if a_row[j * a_step] != 0:
            idx[nnz] = j
            nnz = nnz + 1
    for c in range(m):
        o[c] = 0
    while t + 4 <= nnz:
        x0, x1 = a_row[idx[t] * a_step], a_row[idx[t + 1] * a_step]
        x2, x3 = a_row[idx[t + 2] * a_step], a_row[idx[t + 3] * a_step]
        r0, r1, r2, r3 = b + idx[t] * m, b + idx[t + 1] * m, b + idx[t + 2] * m, b + idx[t + 3] * m
        for c in range(m):
            o[c] = o[c] + ((x0 * r0[c] + x1 * r1[c]) + (x2 * r2[c] + x3 * r3[c]))
        t = t + 4
    while t < nnz:
        x0, r0 = a_row[idx[t] * a_step], b + idx[t] * m
        for c in range(m):
            o[c] = o[c] + x0 * r0[c]
        t = t + 1


def momentum_update(floating[:, ::1] param, floating[:, ::1] velocity, const floating[:, ::1] grad,
                    floating grad_scale, floating momentum, floating decay):
    """velocity = momentum velocity + grad_scale grad - decay param; param += velocity."""
    cdef Py_ssize_t n = param.shape[0], m = param.shape[1], i
    if m == 0:
        return
    with nogil:
        if n == 1:  # a bias vector: waking the OpenMP team would cost more than the row
            momentum_row(&param[0, 0], &velocity[0, 0], &grad[0, 0], m, grad_scale, momentum, decay)
        else:
            for i in prange(n, schedule="static", num_threads=num_threads):
                momentum_row(&param[i, 0], &velocity[i, 0], &grad[i, 0], m, grad_scale, momentum, decay)


def sparse_matmul(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] out):
    """out = a @ b by gather-add, a row of a per task."""
    cdef Py_ssize_t n = a.shape[0], k = a.shape[1], m = b.shape[1], i
    cdef Py_ssize_t *idx
    if n == 0 or m == 0:
        return
    with nogil, parallel(num_threads=num_threads):
        idx = <Py_ssize_t *> malloc((k + 1) * sizeof(Py_ssize_t))
        for i in prange(n, schedule="static"):
            gather_row(&a[i, 0], 1, &b[0, 0], k, m, &out[i, 0], idx)
        free(idx)


def sparse_gradient_update(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] param,
                           floating[:, ::1] velocity, floating grad_scale, floating momentum,
                           floating decay):
    """momentum_update(param, velocity, a^T @ b, ...) a row at a time, the gathered row in L1.

    Row i of a^T is column i of a: the gather walks it with a stride (no transposed copy)."""
    cdef Py_ssize_t k = a.shape[0], n = a.shape[1], m = b.shape[1], i
    cdef Py_ssize_t *idx
    cdef floating *grad
    if n == 0 or m == 0 or k == 0:
        return
    with nogil, parallel(num_threads=num_threads):
        idx = <Py_ssize_t *> malloc((k + 1) * sizeof(Py_ssize_t))
        grad = <floating *> malloc(m * sizeof(floating))
        for i in prange(n, schedule="static"):
            gather_row(&a[0, i], n, &b[0, 0], k, m, grad, idx)
            momentum_row(&param[i, 0], &velocity[i, 0], grad, m, grad_scale, momentum, decay)
        free(grad)
        free(idx)
