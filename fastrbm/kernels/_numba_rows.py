"""Per-element and per-row bodies written once for both Numba targets: ``numba_cpu`` compiles
them with ``njit``, ``numba_cuda`` with ``cuda.jit(device=True)`` (as ``_dense_field.py``).

Plain Python on purpose: no calls to jitted helpers (the stream's uniforms differ by target,
so the callers draw them and pass them in). Semantics: ``kernels/reference/rbm.py``,
``kernels/reference/dbn.py`` and ``kernels/reference/hopfield.py``.
"""
import math


def gaussian_store(pre, bias, i, j, u1, u2, mean_out, s_out):
    """Box-Muller from the uniforms ``u1, u2``: ``mean_out = pre + bias``, ``s_out = mean + z``."""
    z = math.sqrt(-2.0 * math.log1p(-u1)) * math.cos(2.0 * math.pi * u2)
    mean = pre[i, j] + bias[j]
    mean_out[i, j] = mean
    s_out[i, j] = mean + z


def free_energy_row(pre, scale, hbias, V, vbias, gaussian, i):
    """``vterm(V_i) - sum_j softplus(scale * pre_ij + hbias_j)`` in float64."""
    acc = 0.0
    for j in range(pre.shape[1]):
        x = scale * pre[i, j] + hbias[j]
        acc -= max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    for k in range(V.shape[1]):
        if gaussian:
            d = V[i, k] - vbias[k]
            acc += 0.5 * d * d
        else:
            acc -= V[i, k] * vbias[k]
    return acc


def label_softmax_row(x, bias, i, d, u, zero, one, p, s):
    """The label group ``d:`` of row ``i``: softmax of ``x + bias`` into ``p``, then in ``s`` a
    one-hot at the first label whose cumulative probability exceeds ``u`` (the last if none
    does). ``zero`` and ``one`` set the type of the sums (the caller's precision)."""
    m = x.shape[1]
    top = x[i, d] + bias[d]
    for j in range(d, m):
        top = max(top, x[i, j] + bias[j])
    total = zero
    for j in range(d, m):
        e = math.exp(x[i, j] + bias[j] - top)
        p[i, j] = e
        total += e
    for j in range(d, m):
        p[i, j] = p[i, j] / total
        s[i, j] = 0
    cum = zero
    chosen = m - 1
    for j in range(d, m - 1):
        cum += p[i, j]
        if u < cum:
            chosen = j
            break
    s[i, chosen] = one


def sync_row(fields, thresholds, states, one, new, b):
    """hopfield_sync of state ``b``: ``new = sign(h)`` (``h = 0`` keeps the state); returns how many changed."""
    count = 0
    for i in range(states.shape[1]):
        h = fields[b, i] - thresholds[i]
        s = states[b, i]
        if h > 0:
            s = one
        elif h < 0:
            s = -one
        if s != states[b, i]:
            count += 1
        new[b, i] = s
    return count


def softmax_row(z, bias, i, zero):
    """``z[i] <- exp(z[i] + bias - max)``; returns (sum, max), the sum started from ``zero`` (its type
    is the sum's)."""
    m = z.shape[1]
    top = z[i, 0] + bias[0]
    for j in range(m):
        z[i, j] += bias[j]
        top = max(top, z[i, j])
    total = zero
    for j in range(m):
        e = math.exp(z[i, j] - top)
        z[i, j] = e
        total += e
    return total, top
