"""The RBM kernels of the compiled backends, assembled from a few fused passes.

Every compiled backend (numba, cython, cuda) provides the same four
element-wise primitives; this module chains them with the dense products of
the backend's ``arrays.matmul`` (the vendor BLAS) into the public kernels of
``fastrbm/kernels/reference/rbm.py``, with the same random counters. Work buffers are
kept per (shape, dtype) and per thread, so that a training loop allocates nothing
and models trained at once in several threads stay independent.

Primitives (``prims`` namespace), all writing into given outputs:

* ``sigmoid_sample(pre, scale, bias, key, offset, p_out, s_out, sign)``:
  ``p = sigmoid(scale * pre + bias)``, ``p_out = sign * p``, ``s_out = u < p``.
* ``gaussian_sample(pre, bias, key, offset, mean_out, s_out)``: Box-Muller.
* ``free_energy_rows(pre, scale, hbias, V, vbias, gaussian, out)``:
  ``out_i = vterm(V_i) - sum_j softplus(scale * pre_ij + hbias_j)`` with
  ``vterm = -V_i . vbias`` (Bernoulli) or ``|V_i - vbias|^2 / 2`` (Gaussian).
* ``momentum_update(param, velocity, grad, grad_scale, momentum, decay)`` on 2-D arrays:
  ``velocity = momentum velocity + grad_scale grad - decay param``; ``param += velocity``.
* ``copy(dst, src)``.
* ``mask(a, keep)``: ``a *= keep`` (2-D, the dropout mask of ``cd_step``).
* ``sparse_matmul(a, b, out)``: ``out = a @ b`` adding only the rows of ``b`` where ``a`` is
  non-zero; ``use_sparse_products`` says whether the products below use it.
* ``sparse_gradient_update(a, b, param, velocity, grad_scale, momentum, decay)``:
  ``momentum_update(param, velocity, a^T @ b, ...)`` with the product by gather-add down the
  columns of ``a``, one row at a time (the gradient row never leaves L1); only where
  ``use_sparse_products``.

The products with the visible states on the left (``v0 W``, ``v_k W`` and the statistics
``[v0; v_k]^T [ph0; -ph_k]``) go through the gather-add when fewer than
``SPARSE_DENSITY`` of the states are non-zero (MNIST pixels: ~19 %), else through BLAS.
"""
import threading
from collections import namedtuple

import numpy as np

STRIDE = 2**40
# Below this fraction of non-zeros the gather-add beats BLAS (measured break-even ~0.4).
SPARSE_DENSITY = 0.3

# The public kernels of one backend, in the order of fastrbm/kernels/reference/rbm.py's __all__.
RBMKernels = namedtuple("RBMKernels", ["gibbs_half_step", "gaussian_half_step", "cd_step", "gibbs_chain",
                                       "free_energy", "ais_step", "sparse_matmul"])


def host_mask(a, keep):
    """``a *= keep`` for NumPy arrays: the ``mask`` primitive of the host backends."""
    np.multiply(a, keep, out=a)


def build(prims, arrays, to_host_vector):
    """Return the public RBM kernels for one backend, an ``RBMKernels``.

    ``to_host_vector(x)`` gives a NumPy copy of a 1-D backend array (small bias vectors only).
    """
    matmul, empty, asarray = arrays.matmul, arrays.empty, arrays.asarray
    # One set of work buffers per thread: models fitted at once from several Python
    # threads must not write into each other's (issue 14).
    per_thread = threading.local()

    def buffers(*spec):
        """Reusable work arrays for one problem size: spec is ((rows, cols), ...) + (dtype,)."""
        key = spec[:-1] + (np.dtype(spec[-1]).str,)
        workspaces = per_thread.__dict__.setdefault("workspaces", {})
        if key not in workspaces:
            if len(workspaces) > 16:
                workspaces.clear()
            workspaces[key] = [empty(shape, spec[-1]) for shape in spec[:-1]]
        return workspaces[key]

    def nonzeros(a):
        """How many entries of ``a`` are non-zero, or None where the gather-add is not used.

        Counted on the bits (a -0.0 counts): 6x faster than on floats, and only the
        choice of product depends on it."""
        if not prims.use_sparse_products:
            return None
        return np.count_nonzero(a.view(f"i{a.itemsize}"))

    def is_sparse(count, size):
        return count is not None and count < SPARSE_DENSITY * size

    def product(a, b, out):
        """``out = a @ b``, by gather-add when ``a`` is sparse; returns ``nonzeros(a)``."""
        count = nonzeros(a)
        if is_sparse(count, a.size):
            prims.sparse_matmul(a, b, out)
        else:
            matmul(a, b, out=out)
        return count

    def sparse_matmul(a, b, out=None):
        a, b = asarray(a), asarray(b)
        if out is None:
            out = empty((a.shape[0], b.shape[1]), a.dtype)
        prims.sparse_matmul(a, b, out)
        return out

    def gibbs_half_step(pre_activation, bias, key, offset=0):
        x = asarray(pre_activation)
        p, s = empty(x.shape, x.dtype), empty(x.shape, x.dtype)
        prims.sigmoid_sample(x, 1.0, asarray(bias), key, offset, p, s, 1.0)
        return p, s

    def gaussian_half_step(pre_activation, bias, key, offset=0):
        x = asarray(pre_activation)
        mean, s = empty(x.shape, x.dtype), empty(x.shape, x.dtype)
        prims.gaussian_sample(x, asarray(bias), key, offset, mean, s)
        return mean, s

    def visible_step(pre, b, key, offset, p_out, s_out, gaussian_visible):
        if gaussian_visible:
            prims.gaussian_sample(pre, b, key, offset, p_out, s_out)
        else:
            prims.sigmoid_sample(pre, 1.0, b, key, offset, p_out, s_out, 1.0)

    def masked(keep, *layers):
        if keep is not None:
            for a in layers:
                prims.mask(a, keep)

    def cd_step(W, b, c, dW, db, dc, v0, key, k=1, learning_rate=0.1, momentum=0.0,
                weight_decay=0.0, chain=None, gaussian_visible=False, keep=None):
        n, n_vis = v0.shape
        n_hid = W.shape[1]
        dtype = W.dtype
        # Stacked statistics: vv = [v0; v_k], pp = [ph0; -ph_k], so that one
        # product vv^T pp gives v0^T ph0 - v_k^T ph_k; ones_signed gives the bias sums.
        vv, pp, pre_h, h, pre_v, pv, grad_W, grad_b, grad_c = buffers(
            (2 * n, n_vis), (2 * n, n_hid), (n, n_hid), (n, n_hid), (n, n_vis), (n, n_vis),
            (n_vis, n_hid), (1, n_vis), (1, n_hid), dtype)
        prims.copy(vv[:n], v0)
        count0 = product(v0, W, pre_h)
        prims.sigmoid_sample(pre_h, 1.0, c, key, 0, pp[:n], h, 1.0)
        masked(keep, pp[:n], h)
        h_neg = h if chain is None else chain
        if chain is not None:
            masked(keep, chain)  # (overwritten with the final states below)
        for s in range(k):
            matmul(h_neg, W, out=pre_v, transpose_b=True)
            visible_step(pre_v, b, key, (2 * s + 1) * STRIDE, pv, vv[n:], gaussian_visible)
            count_k = product(vv[n:], W, pre_h)
            prims.sigmoid_sample(pre_h, 1.0, c, key, (2 * s + 2) * STRIDE, pp[n:], h, -1.0)
            masked(keep, pp[n:], h)
            h_neg = h
        if chain is not None:
            prims.copy(chain, h)
        signs, ones = stat_rows(n, dtype)
        matmul(signs, vv, out=grad_b)
        matmul(ones, pp, out=grad_c)
        scale = learning_rate / n
        lr_decay = learning_rate * weight_decay
        if is_sparse(None if count0 is None else count0 + count_k, vv.size):
            prims.sparse_gradient_update(vv, pp, W, dW, scale, momentum, lr_decay)
        else:
            matmul(vv, pp, out=grad_W, transpose_a=True)
            prims.momentum_update(W, dW, grad_W, scale, momentum, lr_decay)
        prims.momentum_update(b.reshape(1, n_vis), db.reshape(1, n_vis), grad_b, scale, momentum, 0.0)
        prims.momentum_update(c.reshape(1, n_hid), dc.reshape(1, n_hid), grad_c, scale, momentum, 0.0)

    stat_cache = {}

    def stat_rows(n, dtype):
        """Rows (1, 2n): n ones then n minus ones (sums v0 - v_k), and 2n ones."""
        key = (n, np.dtype(dtype).str)
        if key not in stat_cache:
            signs = np.concatenate([np.ones(n), -np.ones(n)])[None, :]
            stat_cache[key] = (asarray(signs, dtype), asarray(np.ones((1, 2 * n)), dtype))
        return stat_cache[key]

    def gibbs_chain(V, W, b, c, key, n_steps, offset=0, gaussian_visible=False):
        V = asarray(V)
        n, n_vis = V.shape
        n_hid = W.shape[1]
        pre_h, p_h, h, pre_v = (empty(shape, V.dtype) for shape in
                                ((n, n_hid), (n, n_hid), (n, n_hid), (n, n_vis)))
        p, v = empty((n, n_vis), V.dtype), empty((n, n_vis), V.dtype)
        prims.copy(v, V)
        prims.copy(p, V)
        for s in range(n_steps):
            product(v, W, pre_h)
            prims.sigmoid_sample(pre_h, 1.0, c, key, offset + 2 * s * STRIDE, p_h, h, 1.0)
            matmul(h, W, out=pre_v, transpose_b=True)
            visible_step(pre_v, b, key, offset + (2 * s + 1) * STRIDE, p, v, gaussian_visible)
        return p, v

    def free_energy(V, W, b, c, gaussian_visible=False):
        V = asarray(V)
        pre = empty((V.shape[0], W.shape[1]), V.dtype)
        product(V, W, pre)
        out = empty((V.shape[0],), V.dtype)
        prims.free_energy_rows(pre, 1.0, c, V, b, gaussian_visible, out)
        return out

    def ais_step(V, W, b, c, base_b, beta_prev, beta, key):
        V = asarray(V)
        n, n_vis = V.shape
        dtype = V.dtype.type
        pre = empty((n, W.shape[1]), V.dtype)
        product(V, W, pre)
        b_host, c_host, base_host = to_host_vector(b), to_host_vector(c), to_host_vector(base_b)

        def neg_log_unnormalised(bt, out):
            vbias = asarray(((1 - bt) * base_host + bt * b_host).astype(dtype))
            prims.free_energy_rows(pre, bt, asarray((bt * c_host).astype(dtype)), V, vbias, False, out)

        f_prev, f_now = empty((n,), V.dtype), empty((n,), V.dtype)
        neg_log_unnormalised(beta_prev, f_prev)
        neg_log_unnormalised(beta, f_now)
        p_h, h = empty(pre.shape, V.dtype), empty(pre.shape, V.dtype)
        prims.sigmoid_sample(pre, beta, asarray((beta * c_host).astype(dtype)), key, 0, p_h, h, 1.0)
        pre_v = matmul(h, W, transpose_b=True)
        p_v, v = empty((n, n_vis), V.dtype), empty((n, n_vis), V.dtype)
        vbias = asarray((beta * b_host + (1 - beta) * base_host).astype(dtype))
        prims.sigmoid_sample(pre_v, beta, vbias, key, STRIDE, p_v, v, 1.0)
        # delta = F_prev - F_now, computed on the host side of the (n,) vectors
        delta = asarray((to_host_vector(f_prev) - to_host_vector(f_now)).astype(dtype))
        return v, delta

    return RBMKernels(gibbs_half_step, gaussian_half_step, cd_step, gibbs_chain, free_energy, ais_step,
                      sparse_matmul)
