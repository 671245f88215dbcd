/* The dot product of a dense-memory visit: sum_mu q[mu] u[mu], a +-1 pattern row (float32 or
   float64) against the state's float64 u. `omp simd reduction` lets the compiler reassociate this
   one sum (SIMD) without -ffast-math elsewhere; the polynomial sums are exact whatever the order.
   Included by _hopfield.pyx (Py_ssize_t comes from Python.h, which Cython includes first). */
static inline double dense_dot_f(const float *q, const double *u, Py_ssize_t n) {
    double acc = 0;
    #pragma omp simd reduction(+:acc)
    for (Py_ssize_t k = 0; k < n; k++) acc += (double) q[k] * u[k];
    return acc;
}

static inline double dense_dot_d(const double *q, const double *u, Py_ssize_t n) {
    double acc = 0;
    #pragma omp simd reduction(+:acc)
    for (Py_ssize_t k = 0; k < n; k++) acc += q[k] * u[k];
    return acc;
}
