/* C of the Cython Hopfield kernels (_hopfield.pyx declares these functions with cdef extern
   from "hopfield_simd.h"): dot products and the in-register low-rank sweep. */
#ifndef FASTRBM_HOPFIELD_SIMD_H
#define FASTRBM_HOPFIELD_SIMD_H
#include <Python.h>  /* Py_ssize_t (the Cython module has included it already) */
#include <stdint.h>

/* Dot products of the low-rank sweep. They are integer-valued and exact, so their order
   does not matter, but their latency does: a flip is a mispredicted branch on the sign of
   this sum, resolved only when the sum is. float32 therefore sums 16 products a step into
   four independent 4-lane accumulators (GCC/clang vector types, SSE registers): `omp simd`
   chained every add through one register (corrupted sweep N=1024, 64 states: 1.6 -> 1.05
   ms; 8-lane types were slower on SSE2). Elsewhere `omp simd reduction` lets the compiler
   reassociate this one sum without -ffast-math (FASTRBM_OMP_SIMD_DOT). */
#define FASTRBM_OMP_SIMD_DOT(NAME, T)                                                           \
static inline T NAME(const T *a, const T *b, Py_ssize_t n) {                                    \
    T acc = 0;                                                                                  \
    _Pragma("omp simd reduction(+:acc)")                                                        \
    for (Py_ssize_t k = 0; k < n; k++) acc += a[k] * b[k];                                      \
    return acc;                                                                                 \
}
#if defined(__GNUC__)
typedef float fastrbm_v4sf __attribute__((vector_size(16), aligned(4)));
static inline float hopfield_dot_f(const float *a, const float *b, Py_ssize_t n) {
    fastrbm_v4sf acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
    const fastrbm_v4sf *va = (const fastrbm_v4sf *) a, *vb = (const fastrbm_v4sf *) b;
    Py_ssize_t k = 0;
    for (; k + 16 <= n; k += 16, va += 4, vb += 4) {
        acc0 += va[0] * vb[0];
        acc1 += va[1] * vb[1];
        acc2 += va[2] * vb[2];
        acc3 += va[3] * vb[3];
    }
    acc0 = (acc0 + acc1) + (acc2 + acc3);
    float acc = (acc0[0] + acc0[1]) + (acc0[2] + acc0[3]);
    for (; k < n; k++) acc += a[k] * b[k];
    return acc;
}
#else
FASTRBM_OMP_SIMD_DOT(hopfield_dot_f, float)
#endif
FASTRBM_OMP_SIMD_DOT(hopfield_dot_d, double)

/* One deterministic low-rank sweep of one float32 state with 32 or 64 (padded) patterns,
   the overlaps held in R = p / 8 AVX registers for the whole sweep: a visit loads only its
   pattern row, and a flip updates registers instead of memory that the next visit's dot
   reads straight back. Same numbers as the generic loop: the products sum exactly
   (integers) and h = scale (c - d_i s_i) - theta_i rounds step by step (AVX2 without FMA:
   nothing is contracted). GCC on x86-64 only; the caller checks hopfield_has_avx2(). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
typedef float fastrbm_v8sf __attribute__((vector_size(32), aligned(4)));
#define FASTRBM_SWEEP_IN_REGISTERS(NAME, R)                                                  \
__attribute__((target("avx2")))                                                              \
static Py_ssize_t NAME(const float *q, const float *d, float scale, const float *theta,      \
                       float *s, float *m, const int64_t *order, Py_ssize_t n) {             \
    fastrbm_v8sf mm[R];                                                                      \
    Py_ssize_t flips = 0;                                                                    \
    for (int r = 0; r < R; r++) mm[r] = ((const fastrbm_v8sf *) m)[r];                      \
    for (Py_ssize_t k = 0; k < n; k++) {                                                     \
        const Py_ssize_t i = order[k];                                                       \
        const fastrbm_v8sf *row = (const fastrbm_v8sf *) (q + i * (8 * R));                  \
        fastrbm_v8sf acc[R];                                                                 \
        for (int r = 0; r < R; r++) acc[r] = row[r] * mm[r];                                 \
        for (int w = R / 2; w > 0; w /= 2)                                                   \
            for (int r = 0; r < w; r++) acc[r] += acc[r + w];                                \
        const float c = ((acc[0][0] + acc[0][1]) + (acc[0][2] + acc[0][3]))                  \
                      + ((acc[0][4] + acc[0][5]) + (acc[0][6] + acc[0][7]));                 \
        const float old = s[i];                                                              \
        if ((scale * (c - d[i] * old) - theta[i]) * old < 0) {                               \
            const float delta = -2.0f * old;                                                 \
            for (int r = 0; r < R; r++) mm[r] += delta * row[r];                             \
            s[i] = -old;                                                                     \
            flips++;                                                                         \
        }                                                                                    \
    }                                                                                        \
    for (int r = 0; r < R; r++) ((fastrbm_v8sf *) m)[r] = mm[r];                             \
    return flips;                                                                            \
}
FASTRBM_SWEEP_IN_REGISTERS(hopfield_sweep32_f, 4)
FASTRBM_SWEEP_IN_REGISTERS(hopfield_sweep64_f, 8)
static int hopfield_has_avx2(void) { return __builtin_cpu_supports("avx2"); }
/* The sweep for p = 32 or 64 padded patterns; -1: none here (use the generic loop). */
static Py_ssize_t hopfield_sweep_in_registers(const float *q, Py_ssize_t p, const float *d,
                                              float scale, const float *theta, float *s,
                                              float *m, const int64_t *order, Py_ssize_t n) {
    if (p == 64) return hopfield_sweep64_f(q, d, scale, theta, s, m, order, n);
    if (p == 32) return hopfield_sweep32_f(q, d, scale, theta, s, m, order, n);
    return -1;
}
#else
static int hopfield_has_avx2(void) { return 0; }
static Py_ssize_t hopfield_sweep_in_registers(const float *q, Py_ssize_t p, const float *d,
                                              float scale, const float *theta, float *s,
                                              float *m, const int64_t *order, Py_ssize_t n) {
    return -1;
}
#endif

#endif /* FASTRBM_HOPFIELD_SIMD_H */
