# Hopfield kernels (OpenMP over independent states); semantics in fastrbm/kernels/reference/hopfield.py.
from libc.math cimport INFINITY, copysign, fabs, log, lround
from libc.stdint cimport int32_t, int64_t, uint8_t

include "common.pxi"

cdef extern from "hopfield_simd.h":
    float hopfield_dot_f(const float *a, const float *b, Py_ssize_t n) noexcept nogil
    double hopfield_dot_d(const double *a, const double *b, Py_ssize_t n) noexcept nogil
    int hopfield_has_avx2() noexcept nogil
    Py_ssize_t hopfield_sweep_in_registers(const float *q, Py_ssize_t p, const float *d, float scale,
                                           const float *theta, float *s, float *m, const int64_t *order,
                                           Py_ssize_t n) noexcept nogil


cdef inline void shuffle(int64_t *order, Py_ssize_t n, uint64_t key, uint64_t base) noexcept nogil:
    """Fisher-Yates permutation of 0..N-1 from counters base + 1 .. base + N-1."""
    cdef Py_ssize_t i, j
    cdef int64_t tmp
    cdef uint64_t r
    cdef uint64_t z = key + (base + <uint64_t>(n - 1)) * GOLDEN  # counter base + i's pre-hash, stepped down
    for i in range(n):
        order[i] = i
    for i in range(n - 1, 0, -1):
        r = finalise(z)
        z -= GOLDEN
        j = <Py_ssize_t>(((r >> 32) * <uint64_t>(i + 1)) >> 32)
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp


cdef inline uint64_t sweep_start(int64_t *o, Py_ssize_t n, Py_ssize_t n_states, Py_ssize_t b, Py_ssize_t t,
                                 uint64_t key) noexcept nogil:
    """Sweep t of state b: its counter base, and the visiting order o shuffled from it.

    With sweep_end, the loop of ``fastrbm/kernels/_sweep.py`` (its Numba twin)."""
    cdef uint64_t base = (<uint64_t>t * <uint64_t>n_states + <uint64_t>b) * <uint64_t>(2 * n)
    shuffle(o, n, key, base)
    return base


cdef inline bint sweep_end(int32_t *sweeps, uint8_t *converged, Py_ssize_t t, Py_ssize_t flips,
                           bint stochastic) noexcept nogil:
    """Record sweep t of a state (``sweeps``, ``converged``: its entries); true when its sweeps stop."""
    sweeps[0] = t + 1
    converged[0] = flips == 0
    return flips == 0 and not stochastic


cdef inline bint glauber_up(floating h, double beta2, uint64_t key, uint64_t counter) noexcept nogil:
    cdef float p32
    cdef double p64
    if floating is float:
        p32 = <float>1.0 / (<float>1.0 + expf(-(<float>beta2 * h)))
        return uniform32(key, counter) < p32
    else:
        p64 = 1.0 / (1.0 + exp(-(beta2 * h)))
        return uniform64(key, counter) < p64


cdef inline floating decide(floating h, floating old, bint stochastic, double beta2, uint64_t key,
                            uint64_t counter) noexcept nogil:
    """Glauber draw, or sign(h) with ties keeping ``old``, written as "flip when h * old < 0":
    a branch that is almost never taken near a fixed point (branching on the sign of h
    mispredicts half the time)."""
    if stochastic:
        return 1 if glauber_up(h, beta2, key, counter) else -1
    return -old if h * old < 0 else old


def async_sweeps(const floating[:, ::1] weights, const floating[::1] thresholds,
                 floating[:, ::1] states, floating[:, ::1] fields, uint64_t key,
                 Py_ssize_t max_sweeps, double beta2, bint stochastic,
                 int64_t[:, ::1] order, int32_t[::1] sweeps, uint8_t[::1] converged,
                 int n_threads):
    cdef Py_ssize_t n_states = states.shape[0], n = states.shape[1]
    cdef Py_ssize_t b, t, k, i, j, flips
    cdef uint64_t base
    cdef floating old, new, delta
    cdef floating *s
    cdef floating *f
    cdef const floating *w
    cdef int64_t *o
    with nogil:
        for b in prange(n_states, schedule="dynamic", num_threads=n_threads):
            s, f, o = &states[b, 0], &fields[b, 0], &order[b, 0]  # raw rows: see the low-rank sweep
            for t in range(max_sweeps):
                base = sweep_start(o, n, n_states, b, t, key)
                flips = 0
                for k in range(n):
                    i = o[k]
                    old = s[i]
                    new = decide(f[i] - thresholds[i], old, stochastic, beta2, key, base + <uint64_t>(n + k))
                    if new != old:
                        delta = new - old
                        w = &weights[i, 0]
                        for j in range(n):
                            f[j] = f[j] + delta * w[j]
                        s[i] = new
                        flips = flips + 1
                if sweep_end(&sweeps[b], &converged[b], t, flips, stochastic):
                    break


def async_sweeps_lowrank(const floating[:, ::1] patterns_t, const floating[::1] d, floating scale,
                         const floating[::1] thresholds, floating[:, ::1] states,
                         floating[:, ::1] overlaps, uint64_t key, Py_ssize_t max_sweeps, double beta2,
                         bint stochastic, int64_t[:, ::1] order, int32_t[::1] sweeps,
                         uint8_t[::1] converged, int n_threads):
    """Low-rank sweeps: h_i = scale (Q[i] . m - d_i s_i) - theta_i, m += delta Q[i] on a flip.

    The visit loop runs on raw row pointers: 2-D memoryview indexing recomputes the
    row offset at every access (and, in the flip's update, kept it from vectorising)."""
    cdef Py_ssize_t n_states = states.shape[0], n = states.shape[1], p = patterns_t.shape[1]
    cdef Py_ssize_t b, t, k, i, mu, flips
    cdef uint64_t base
    cdef floating c, old, new, delta
    cdef floating *s
    cdef floating *m
    cdef const floating *q
    cdef int64_t *o
    cdef bint registers = not stochastic and hopfield_has_avx2()
    with nogil:
        for b in prange(n_states, schedule="dynamic", num_threads=n_threads):
            s, m, o = &states[b, 0], &overlaps[b, 0], &order[b, 0]
            for t in range(max_sweeps):
                base = sweep_start(o, n, n_states, b, t, key)
                flips = -1  # -1: no register sweep for this p, dtype or machine
                if floating is float:
                    if registers:
                        flips = hopfield_sweep_in_registers(&patterns_t[0, 0], p, &d[0], scale,
                                                            &thresholds[0], s, m, o, n)
                if flips < 0:
                    flips = 0
                    for k in range(n):
                        i = o[k]
                        old = s[i]
                        q = &patterns_t[i, 0]
                        if floating is float:
                            c = hopfield_dot_f(q, m, p)
                        else:
                            c = hopfield_dot_d(q, m, p)
                        new = decide(scale * (c - d[i] * old) - thresholds[i], old, stochastic, beta2, key,
                                     base + <uint64_t>(n + k))
                        if new != old:
                            delta = new - old
                            for mu in range(p):
                                m[mu] = m[mu] + delta * q[mu]
                            s[i] = new
                            flips = flips + 1
                if sweep_end(&sweeps[b], &converged[b], t, flips, stochastic):
                    break


def row_squares(const floating[:, ::1] q, floating[::1] d):
    """d_i = q_i . q_i (without the temporary of NumPy's ``(q * q).sum(1)``)."""
    cdef Py_ssize_t i
    with nogil:
        for i in range(q.shape[0]):
            if floating is float:
                d[i] = hopfield_dot_f(&q[i, 0], &q[i, 0], q.shape[1])
            else:
                d[i] = hopfield_dot_d(&q[i, 0], &q[i, 0], q.shape[1])


def sync_update(const floating[:, ::1] fields, const floating[::1] thresholds,
                const floating[:, ::1] states, floating[:, ::1] new, int32_t[::1] changed):
    cdef Py_ssize_t n_states = states.shape[0], n = states.shape[1], b, i, count
    cdef floating h, s
    with nogil:
        for b in prange(n_states, schedule="static", num_threads=num_threads):
            count = 0
            for i in range(n):
                h = fields[b, i] - thresholds[i]
                s = states[b, i]
                if h > 0:
                    s = 1
                elif h < 0:
                    s = -1
                if s != states[b, i]:
                    count = count + 1
                new[b, i] = s
            changed[b] = count


def energy_from_fields(const floating[:, ::1] states, const floating[:, ::1] fields,
                       const floating[::1] thresholds, floating[::1] out):
    cdef Py_ssize_t n_states = states.shape[0], n = states.shape[1], b, i
    cdef floating acc
    with nogil:
        for b in prange(n_states, schedule="static", num_threads=num_threads):
            acc = 0
            for i in range(n):
                acc = acc + states[b, i] * (thresholds[i] - fields[b, i] * <floating>0.5)
            out[b] = acc


def column_squares(const floating[:, ::1] patterns, floating scale, floating[::1] d):
    cdef Py_ssize_t p = patterns.shape[0], n = patterns.shape[1], i, mu
    cdef floating acc
    for i in range(n):
        d[i] = 0
    for mu in range(p):  # row-major walk: contiguous
        for i in range(n):
            d[i] = d[i] + patterns[mu, i] * patterns[mu, i]
    for i in range(n):
        d[i] = scale * d[i]


def energy_lowrank(const floating[:, ::1] overlaps, const floating[::1] d,
                   const floating[::1] thresholds, const floating[:, ::1] states,
                   floating scale, floating[::1] out):
    cdef Py_ssize_t n_states = states.shape[0], n = states.shape[1], p = overlaps.shape[1]
    cdef Py_ssize_t b, i, mu
    cdef floating q, lin, s
    with nogil:
        for b in prange(n_states, schedule="static", num_threads=num_threads):
            q = 0
            for mu in range(p):
                q = q + overlaps[b, mu] * overlaps[b, mu]
            lin = 0
            for i in range(n):
                s = states[b, i]
                lin = lin + s * (thresholds[i] + <floating>0.5 * d[i] * s)
            out[b] = -<floating>0.5 * scale * q + lin


def scale_minus_diagonal(floating[:, ::1] fields, const floating[:, ::1] states,
                         const floating[::1] d, floating scale):
    cdef Py_ssize_t n_states = states.shape[0], n = states.shape[1], b, i
    with nogil:
        for b in prange(n_states, schedule="static", num_threads=num_threads):
            for i in range(n):
                fields[b, i] = scale * fields[b, i] - states[b, i] * d[i]


def add_scaled_zero_diagonal(floating[:, ::1] weights, const floating[:, ::1] gram, floating scale):
    cdef Py_ssize_t n = weights.shape[0], i, j
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            for j in range(n):
                weights[i, j] = 0 if i == j else weights[i, j] + scale * gram[i, j]


def storkey_step(floating[:, ::1] weights, const floating[::1] xi, const floating[::1] h,
                 floating scale):
    cdef Py_ssize_t n = weights.shape[0], i, j
    cdef floating w, h_ij, h_ji
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            for j in range(n):
                if i != j:
                    w = weights[i, j]
                    h_ij = h[i] - w * xi[j]
                    h_ji = h[j] - w * xi[i]
                    weights[i, j] = w + scale * (xi[i] * xi[j] - (xi[i] * h_ji + h_ij * xi[j]))


# ---------------------------------------------------------------- dense associative memories
# Semantics in kernels/reference/dense.py: a visit is S = s_i T + Q[i] . u, with u and T refreshed
# from the state's overlaps (a float64 table of F) when it flips; decisions as in the classical
# sweep (Glauber: float64 probability).

cdef extern from "dense_dot.h":
    double dense_dot_f(const float *q, const double *u, Py_ssize_t n) noexcept nogil
    double dense_dot_d(const double *q, const double *u, Py_ssize_t n) noexcept nogil


cdef inline double dense_refresh(floating *m, const floating *q, floating delta, Py_ssize_t p, int kind,
                                 const double *table, Py_ssize_t offset, double *u, double *top) noexcept nogil:
    """m += delta q (delta = 0: no flip), then u and the returned T from m; *top = the shift."""
    cdef Py_ssize_t mu, j
    cdef double acc = 0.0, low, high, shift = 0.0
    if kind == 2:
        shift = -INFINITY
        for mu in range(p):
            m[mu] = m[mu] + delta * q[mu]
            if m[mu] > shift:
                shift = m[mu]
    for mu in range(p):
        if kind != 2:
            m[mu] = m[mu] + delta * q[mu]
        j = <Py_ssize_t>(<double>m[mu] - shift) + offset
        low = table[j - 2]
        high = table[j + 2]
        u[mu] = (high - low) * 0.5
        acc = acc + (table[j] - (low + high) * 0.5)
    top[0] = shift
    return acc


cdef inline double dense_field(double s, double shift, Py_ssize_t n, int kind, double scale,
                               bint stochastic) noexcept nogil:
    """The sum S itself when deterministic (its sign decides), else the local field h."""
    if not stochastic or s == 0.0:
        return s
    if kind == 2:
        return copysign(exp(shift - <double>n + log(0.5 * fabs(s))), s)
    return s * scale


cdef inline floating dense_decide(double h, floating old, bint stochastic, double beta2, uint64_t key,
                                  uint64_t counter) noexcept nogil:
    cdef double p, u
    if stochastic:
        p = 1.0 / (1.0 + exp(-(beta2 * h)))
        if floating is float:
            u = uniform32(key, counter)
        else:
            u = uniform64(key, counter)
        return 1 if u < p else -1
    return -old if h * old < 0 else old


def dense_sweeps(const floating[:, ::1] patterns_t, int kind, const double[::1] table, Py_ssize_t offset,
                 double scale, floating[:, ::1] states, floating[:, ::1] overlaps, double[:, ::1] u,
                 uint64_t key, Py_ssize_t max_sweeps, double beta2, bint stochastic, int64_t[:, ::1] order,
                 int32_t[::1] sweeps, uint8_t[::1] converged, int n_threads):
    """Dense-memory sweeps: S = s_i T + Q[i] . u per visit, u and T refreshed on a flip."""
    cdef Py_ssize_t n_states = states.shape[0], n = states.shape[1], p = patterns_t.shape[1]
    cdef Py_ssize_t b, t, k, i, flips
    cdef uint64_t base
    cdef floating old, new
    cdef floating *s
    cdef floating *m
    cdef double *ub
    cdef double total, shift, dot
    cdef int64_t *o
    with nogil:
        for b in prange(n_states, schedule="dynamic", num_threads=n_threads):
            s, m, o, ub = &states[b, 0], &overlaps[b, 0], &order[b, 0], &u[b, 0]
            shift = 0.0
            total = dense_refresh(m, &patterns_t[0, 0], 0, p, kind, &table[0], offset, ub, &shift)
            for t in range(max_sweeps):
                base = sweep_start(o, n, n_states, b, t, key)
                flips = 0
                for k in range(n):
                    i = o[k]
                    old = s[i]
                    if floating is float:
                        dot = dense_dot_f(&patterns_t[i, 0], ub, p)
                    else:
                        dot = dense_dot_d(&patterns_t[i, 0], ub, p)
                    new = dense_decide(dense_field(old * total + dot, shift, n, kind, scale, stochastic), old,
                                       stochastic, beta2, key, base + <uint64_t>(n + k))
                    if new != old:
                        total = dense_refresh(m, &patterns_t[i, 0], new - old, p, kind, &table[0], offset, ub,
                                              &shift)
                        s[i] = new
                        flips = flips + 1
                if sweep_end(&sweeps[b], &converged[b], t, flips, stochastic):
                    break


def dense_energy(const floating[:, ::1] overlaps, Py_ssize_t offset, Py_ssize_t sign, const double[::1] table,
                 double norm, double[::1] out):
    """-sum_mu table[offset + sign * m_mu] / norm per row, in the order of mu."""
    cdef Py_ssize_t b, mu
    cdef double acc
    with nogil:
        for b in prange(overlaps.shape[0], schedule="static"):
            acc = 0.0
            for mu in range(overlaps.shape[1]):
                acc = acc + table[offset + sign * <Py_ssize_t>lround(overlaps[b, mu])]
            out[b] = -acc / norm


def softmax_rows(floating[:, ::1] z, floating beta):
    """z[b] <- softmax(beta z[b]) in place (max-shifted)."""
    cdef Py_ssize_t b, j, m = z.shape[1]
    cdef double top, total
    with nogil:
        for b in prange(z.shape[0], schedule="static"):
            top = -INFINITY
            for j in range(m):
                z[b, j] = z[b, j] * beta
                if z[b, j] > top:
                    top = z[b, j]
            total = 0.0
            for j in range(m):
                z[b, j] = <floating>exp(z[b, j] - top)
                total = total + z[b, j]
            total = 1.0 / total
            for j in range(m):
                z[b, j] = <floating>(z[b, j] * total)


def logsumexp_rows(const floating[:, ::1] z, double beta, double[::1] out):
    cdef Py_ssize_t b, j, m = z.shape[1]
    cdef double top, total
    with nogil:
        for b in prange(z.shape[0], schedule="static"):
            top = -INFINITY
            for j in range(m):
                if z[b, j] * beta > top:
                    top = z[b, j] * beta
            total = 0.0
            for j in range(m):
                total = total + exp(z[b, j] * beta - top)
            out[b] = top + log(total)


def max_abs_change(const floating[:, ::1] new, const floating[:, ::1] old, floating[::1] out):
    cdef Py_ssize_t b, j
    cdef floating acc, d
    with nogil:
        for b in prange(new.shape[0], schedule="static"):
            acc = 0
            for j in range(new.shape[1]):
                d = fabs(new[b, j] - old[b, j])
                if d > acc:
                    acc = d
            out[b] = acc
