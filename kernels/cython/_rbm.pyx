# Fused element-wise passes of the RBM kernels (OpenMP over rows); see kernels/_rbm_compose.py.
from cython.parallel cimport prange
from libc.math cimport cos, exp, expf, fabs, log, log1p, sqrt
from libc.stdint cimport uint64_t

include "stream.pxi"

ctypedef fused floating:
    float
    double

cdef double TWO_PI = 6.283185307179586


def sigmoid_sample(const floating[:, ::1] pre, floating scale, const floating[::1] bias,
                   uint64_t key, uint64_t offset, floating[:, ::1] p_out, floating[:, ::1] s_out,
                   floating sign):
    """p = sigmoid(scale pre + bias); p_out = sign p; s_out = (uniform < p)."""
    cdef Py_ssize_t n = pre.shape[0], m = pre.shape[1], i, j
    cdef uint64_t base
    cdef floating p
    with nogil:
        for i in prange(n, schedule="static"):
            base = offset + <uint64_t>i * <uint64_t>m
            for j in range(m):
                if floating is float:
                    p = 1 / (1 + expf(-(scale * pre[i, j] + bias[j])))
                    s_out[i, j] = 1 if uniform32(key, base + <uint64_t>j) < p else 0
                else:
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
        for i in prange(n, schedule="static"):
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
        for i in prange(n, schedule="static"):
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


def momentum_update(floating[:, ::1] param, floating[:, ::1] velocity, const floating[:, ::1] grad,
                    floating grad_scale, floating momentum, floating decay):
    """velocity = momentum velocity + grad_scale grad - decay param; param += velocity."""
    cdef Py_ssize_t n = param.shape[0], m = param.shape[1], i, j
    cdef floating v
    with nogil:
        for i in prange(n, schedule="static"):
            for j in range(m):
                v = momentum * velocity[i, j] + grad_scale * grad[i, j] - decay * param[i, j]
                velocity[i, j] = v
                param[i, j] = param[i, j] + v
