# Fused element-wise passes of the RBM kernels (OpenMP over rows); see fastrbm/kernels/_rbm_compose.py.
from cython.parallel cimport parallel, prange
from libc.math cimport cos, exp, fabs, log, log1p, sqrt
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc

include "stream.pxi"
include "threads.pxi"

cdef extern from *:
    """
    /* float32 Bernoulli half-step of one row in plain C so that GCC vectorises it:
       exp is Cephes expf in arithmetic (as fastrbm/kernels/numba_cpu/rbm.py's exp32; libm's
       expf is a scalar call), floor is a truncation of a positive number, and the
       counter hash is stream.pxi's mix written again in C. The selects vectorise only
       under -fno-trapping-math (setup.py sets it for this extension) together with
       FASTRBM_FINITE_MATH below.

       FASTRBM_CLONES compiles a function twice, for AVX2 and for the baseline x86-64
       (SSE2), and picks one when the module loads (GCC's target_clones, an ifunc): the
       wheel stays portable while AVX2 machines run 8 float lanes instead of 4. AVX2
       alone, not FMA, so that no product is contracted and the results match the
       reference's rounding. */
    #include <stdint.h>
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define FASTRBM_CLONES __attribute__((target_clones("avx2", "default")))
    #define FASTRBM_FINITE_MATH __attribute__((optimize("finite-math-only", "no-signed-zeros")))
    #else
    #define FASTRBM_CLONES
    #define FASTRBM_FINITE_MATH
    #endif
    /* finite-math-only and no-signed-zeros let GCC turn the clamp's selects into vector
       min/max (without them the loop below stayed scalar: "control flow in loop"); the
       inputs are finite (the models reject NaN), so the results are the same. always_inline:
       GCC does not inline across differing optimize attributes otherwise. */
    __attribute__((always_inline)) FASTRBM_FINITE_MATH
    static inline float fastrbm_expf(float x) {
        x = x < -87.33654f ? -87.33654f : (x > 88.72283f ? 88.72283f : x);
        float k = (float)(int32_t)(x * 1.442695f + 128.5f) - 128.0f;
        float r = x - k * 0.693359375f + k * 2.12194440e-4f;
        float p = 1.9875691500e-4f * r + 1.3981999507e-3f;
        p = p * r + 8.3334519073e-3f;
        p = p * r + 4.1665795894e-2f;
        p = p * r + 1.6666665459e-1f;
        p = p * r + 5.0000001201e-1f;
        p = p * r * r + r + 1.0f;
        union { int32_t i; float f; } two_k;
        two_k.i = ((int32_t)k + 127) << 23;
        return p * two_k.f;
    }
    FASTRBM_CLONES FASTRBM_FINITE_MATH
    static void fastrbm_sigmoid_sample_row32(const float *pre, float scale, const float *bias,
                                             uint64_t key, uint64_t base, float *p_out,
                                             float *s_out, float sign, Py_ssize_t m) {
        /* the pre-hash key + counter * golden advances by golden per element (mod 2**64) */
        uint64_t pre_hash = key + base * 0x9E3779B97F4A7C15ULL;
        for (Py_ssize_t j = 0; j < m; j++, pre_hash += 0x9E3779B97F4A7C15ULL) {
            float p = 1.0f / (1.0f + fastrbm_expf(-(scale * pre[j] + bias[j])));
            uint64_t z = pre_hash;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
            z = z ^ (z >> 31);
            float u = (float)(int32_t)(z >> 40) * 5.9604644775390625e-08f;
            p_out[j] = sign * p;
            s_out[j] = u < p ? 1.0f : 0.0f;
        }
    }

    /* One row of out = a @ b by gather-add: the rows b[j] where a_row[j * a_step] != 0, eight
       per pass over the output row (eight times fewer loads and stores of it); a_step > 1 walks
       a column of a, for a^T @ b without a transposed copy. idx: k slots. The products may
       contract into FMAs: this sum is reassociated against BLAS's anyway (tests compare it
       with a tolerance), and the AVX2 + FMA clone (x86-64-v3, GCC 12+) gathers ~5 % faster. */
    #if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__) && defined(__linux__)
    #define FASTRBM_CLONES_FMA __attribute__((target_clones("arch=x86-64-v3", "default")))
    #else
    #define FASTRBM_CLONES_FMA FASTRBM_CLONES
    #endif
    FASTRBM_CLONES_FMA
    static void fastrbm_gather_row32(const float *a_row, Py_ssize_t a_step, const float *b,
                                     Py_ssize_t k, Py_ssize_t m, float *o, Py_ssize_t *idx) {
        Py_ssize_t nnz = 0, t = 0;
        for (Py_ssize_t j = 0; j < k; j++) {
            idx[nnz] = j;
            nnz += a_row[j * a_step] != 0.0f;
        }
        for (Py_ssize_t c = 0; c < m; c++) o[c] = 0.0f;
        for (; t + 8 <= nnz; t += 8) {
            const Py_ssize_t *q = idx + t;
            const float x0 = a_row[q[0] * a_step], x1 = a_row[q[1] * a_step];
            const float x2 = a_row[q[2] * a_step], x3 = a_row[q[3] * a_step];
            const float x4 = a_row[q[4] * a_step], x5 = a_row[q[5] * a_step];
            const float x6 = a_row[q[6] * a_step], x7 = a_row[q[7] * a_step];
            const float *r0 = b + q[0] * m, *r1 = b + q[1] * m, *r2 = b + q[2] * m, *r3 = b + q[3] * m;
            const float *r4 = b + q[4] * m, *r5 = b + q[5] * m, *r6 = b + q[6] * m, *r7 = b + q[7] * m;
            for (Py_ssize_t c = 0; c < m; c++)
                o[c] += ((x0 * r0[c] + x1 * r1[c]) + (x2 * r2[c] + x3 * r3[c])) +
                        ((x4 * r4[c] + x5 * r5[c]) + (x6 * r6[c] + x7 * r7[c]));
        }
        for (; t < nnz; t++) {
            const float x = a_row[idx[t] * a_step], *r = b + idx[t] * m;
            for (Py_ssize_t c = 0; c < m; c++) o[c] += x * r[c];
        }
    }
    """
    void gather_row32 "fastrbm_gather_row32" (const float *a_row, Py_ssize_t a_step, const float *b,
                                              Py_ssize_t k, Py_ssize_t m, float *o,
                                              Py_ssize_t *idx) noexcept nogil
    void sigmoid_sample_row32 "fastrbm_sigmoid_sample_row32" (
        const float *pre, float scale, const float *bias, uint64_t key, uint64_t base,
        float *p_out, float *s_out, float sign, Py_ssize_t m) noexcept nogil

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
