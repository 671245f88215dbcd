/* C of the Cython RBM kernels (_rbm.pyx declares these functions with cdef extern from
   "rbm_simd.h"): the float32 half-step row and the sparse gather-add row. */
#ifndef FASTRBM_RBM_SIMD_H
#define FASTRBM_RBM_SIMD_H
#include <Python.h>  /* Py_ssize_t (the Cython module has included it already) */
#include <stdint.h>
#include "stream.h"  /* FASTRBM_GOLDEN */

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
    uint64_t pre_hash = key + base * FASTRBM_GOLDEN;
    for (Py_ssize_t j = 0; j < m; j++, pre_hash += FASTRBM_GOLDEN) {
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

#endif /* FASTRBM_RBM_SIMD_H */
