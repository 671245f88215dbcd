# Deep belief net kernels (see fastrbm/kernels/reference/dbn.py), OpenMP over rows.
include "common.pxi"


def labelled_visible_step_into(const floating[:, ::1] x, const floating[::1] bias, Py_ssize_t n_labels,
                               uint64_t key, uint64_t offset, floating[:, ::1] p, floating[:, ::1] s):
    cdef Py_ssize_t n = x.shape[0], m = x.shape[1], d = m - n_labels, i, j, chosen
    cdef uint64_t base
    cdef floating pij, top, total, e, u, cum
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            base = offset + <uint64_t>i * <uint64_t>m
            for j in range(d):
                pij = 1 / (1 + _exp(-(x[i, j] + bias[j])))
                p[i, j] = pij
                s[i, j] = 1 if _uniform(key, base + <uint64_t>j, pij) < pij else 0
            if n_labels == 0:
                continue
            top = x[i, d] + bias[d]
            for j in range(d, m):
                if x[i, j] + bias[j] > top:
                    top = x[i, j] + bias[j]
            total = 0
            for j in range(d, m):
                e = _exp(x[i, j] + bias[j] - top)
                p[i, j] = e
                total = total + e
            for j in range(d, m):
                p[i, j] = p[i, j] / total
                s[i, j] = 0
            u = _uniform(key, base + <uint64_t>d, top)
            cum = 0
            chosen = m - 1
            for j in range(d, m - 1):
                cum = cum + p[i, j]
                if u < cum:
                    chosen = j
                    break
            s[i, chosen] = 1


def sigmoid_error_into(floating[:, ::1] x, const floating[::1] bias, const floating[:, ::1] target, floating scale):
    cdef Py_ssize_t n = x.shape[0], m = x.shape[1], i, j
    with nogil:
        for i in prange(n, schedule="static", num_threads=num_threads):
            for j in range(m):
                x[i, j] = scale * (1 / (1 + _exp(-(x[i, j] + bias[j]))) - target[i, j])


def cd_update_into(floating[::1] param, floating[::1] velocity, const floating[::1] positive,
                   const floating[::1] negative, floating lr, floating mom, floating wd, floating scale):
    cdef Py_ssize_t k
    with nogil:
        for k in prange(param.shape[0], schedule="static", num_threads=num_threads):
            velocity[k] = mom * velocity[k] + lr * (scale * (positive[k] - negative[k]) - wd * param[k])
            param[k] = param[k] + velocity[k]
