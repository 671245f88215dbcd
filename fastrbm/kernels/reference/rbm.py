"""Restricted Boltzmann machine kernels, pure NumPy: the specification.

Model (Hinton 2010, "A practical guide to training RBMs"; Bernoulli units):
``E(v, h) = -v.b - h.c - v W h``, so that

* ``p(h_j = 1 | v) = sigmoid(c_j + (v W)_j)``     (hidden half-step)
* ``p(v_i = 1 | h) = sigmoid(b_i + (W h)_i)``     (visible half-step)
* ``F(v) = -v.b - sum_j softplus(c_j + (v W)_j)`` (free energy, ``p(v) ~ exp(-F(v))``)

Gaussian visible units with unit variance (``gaussian_visible=True``):
``E = |v - b|^2 / 2 - h.c - v W h``, ``p(v | h) = N(b + W h, I)`` and
``F(v) = |v - b|^2 / 2 - sum_j softplus(c_j + (v W)_j)``.

Random numbers (the contract every backend reproduces bit for bit):

* a Bernoulli half-step on an (n, m) array compares element (i, j) with
  ``uniform(key, offset + i*m + j)`` (sample 1 when ``u < p``);
* a Gaussian half-step draws element (i, j) by Box-Muller (in float64) from
  the two float64 uniforms at counters ``offset + 2(i*m + j)`` and ``offset + 2(i*m + j) + 1``:
  ``z = sqrt(-2 log(1 - u1)) cos(2 pi u2)``;
* in a chain, half-step number ``t`` (0, 1, 2, ...) uses ``offset + t * STRIDE``
  (``STRIDE = 2**40``), so no two draws of one call share a counter;
* a dropout mask on (n, n_hidden) keeps element (i, j) when ``uniform(key, i*m + j) >= rate``
  (the comparison of the MLP's ``dropout`` kernel), one fresh key per minibatch.
"""
import numpy as np

from .rng import uniform

__all__ = ["gibbs_half_step", "gaussian_half_step", "cd_step", "gibbs_chain", "free_energy", "ais_step", "sparse_matmul"]

STRIDE = 2**40


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def gibbs_half_step(pre_activation, bias, key, offset=0):
    """Bernoulli half-step after the product: ``p = sigmoid(pre + bias)``, ``s = u < p``.

    Parameters
    ----------
    pre_activation : array of shape (n, m)
        ``v W`` (hidden step) or ``h W^T`` (visible step).
    bias : array of shape (m,)
    key, offset : the random stream; element (i, j) uses counter ``offset + i*m + j``.

    Returns
    -------
    (p, s) : arrays of shape (n, m), the probabilities and the 0/1 samples.
    """
    x = pre_activation
    p = sigmoid(x + bias).astype(x.dtype, copy=False)
    u = uniform(key, x.shape, x.dtype, offset)
    return p, (u < p).astype(x.dtype)


def gaussian_half_step(pre_activation, bias, key, offset=0):
    """Unit-variance Gaussian half-step: mean ``pre + bias`` and ``mean + z`` (Box-Muller)."""
    x = pre_activation
    mean = (x + bias).astype(x.dtype, copy=False)
    u = uniform(key, (x.size, 2), np.float64, offset)
    z = np.sqrt(-2.0 * np.log1p(-u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])
    return mean, (mean + z.reshape(x.shape)).astype(x.dtype)


def visible_half_step(pre, b, key, offset, gaussian_visible):
    step = gaussian_half_step if gaussian_visible else gibbs_half_step
    return step(pre, b, key, offset)


def dropout_mask(key, shape, rate, dtype=np.float32):
    """0/1 mask of the hidden units a dropout RBM keeps (Srivastava et al. 2014, section 8).

    Element (i, j) is 1 (unit j of training case i retained, probability ``1 - rate``)
    when ``uniform(key, i*m + j) >= rate``, else 0. It is drawn on the host from the
    shared stream, so every backend trains with the same masks.
    """
    return (uniform(key, shape, dtype) >= rate).astype(dtype)


def cd_step(W, b, c, dW, db, dc, v0, key, k=1, learning_rate=0.1, momentum=0.0,
            weight_decay=0.0, chain=None, gaussian_visible=False, keep=None):
    """One CD-k (``chain=None``) or PCD-k minibatch step, updating parameters in place.

    Positive phase from the data ``v0``: ``ph0 = p(h | v0)``, ``h0 ~ ph0``
    (half-step 0). The negative chain starts from ``h0`` (CD) or from the
    persistent hidden states ``chain`` (PCD, shape (n, n_hidden), overwritten
    with the chain's final hidden sample) and runs ``k`` full steps:
    ``v_s ~ p(v | h)`` (half-step 2s+1), ``ph_s = p(h | v_s)``, ``h ~ ph_s``
    (half-step 2s+2). With the final ``v_k, ph_k`` and n = len(v0):

    ``grad_W = (v0^T ph0 - v_k^T ph_k) / n``, ``grad_b = mean(v0 - v_k)``,
    ``grad_c = mean(ph0 - ph_k)``;
    ``dW <- momentum dW + learning_rate (grad_W - weight_decay W)``, ``W <- W + dW``;
    the biases likewise, without weight decay.

    Dropout (``keep``, a 0/1 array (n, n_hidden) from :func:`dropout_mask`): every hidden
    layer of the step, ``ph0``, ``h0``, the persistent start ``chain`` and each ``ph_s``, ``h``,
    is multiplied by ``keep``, so ``p(h_j = 1 | v) = keep_ij sigmoid(...)`` for case ``i``
    (Srivastava et al. 2014, section 8.1) and dropped units add nothing to either statistic.

    Parameters
    ----------
    W : (n_visible, n_hidden); b : (n_visible,); c : (n_hidden,)
    dW, db, dc : velocities of the same shapes (updated in place)
    v0 : (n, n_visible) minibatch
    """
    n = v0.shape[0]

    def masked(*layers):
        return layers if keep is None else tuple(a * keep for a in layers)

    ph0, h0 = masked(*gibbs_half_step(v0 @ W, c, key, 0))
    h = h0 if chain is None else masked(chain)[0]
    for s in range(k):
        _, v = visible_half_step(h @ W.T, b, key, (2 * s + 1) * STRIDE, gaussian_visible)
        ph, h = masked(*gibbs_half_step(v @ W, c, key, (2 * s + 2) * STRIDE))
    if chain is not None:
        chain[...] = h
    grad_W = (v0.T @ ph0 - v.T @ ph) / n
    grad_b = (v0 - v).mean(axis=0)
    grad_c = (ph0 - ph).mean(axis=0)
    for param, velocity, grad, decay in ((W, dW, grad_W, weight_decay), (b, db, grad_b, 0.0),
                                         (c, dc, grad_c, 0.0)):
        velocity *= momentum
        velocity += learning_rate * (grad - decay * param)
        param += velocity


def gibbs_chain(V, W, b, c, key, n_steps, offset=0, gaussian_visible=False):
    """``n_steps`` full Gibbs steps v -> h -> v from the visible states ``V`` (n, n_visible).

    Step s draws the hidden layer at half-step 2s and the visible layer at
    half-step 2s+1. Returns ``(p, v)``: the last visible probabilities (means
    for Gaussian units) and samples.
    """
    v, p = V, V
    for s in range(n_steps):
        _, h = gibbs_half_step(v @ W, c, key, offset + 2 * s * STRIDE)
        p, v = visible_half_step(h @ W.T, b, key, offset + (2 * s + 1) * STRIDE, gaussian_visible)
    return p, v


def free_energy(V, W, b, c, gaussian_visible=False):
    """Free energy ``F(v)`` of each row of ``V`` (n, n_visible); returns shape (n,)."""
    hidden = softplus(V @ W + c).sum(axis=1)
    if gaussian_visible:
        return (0.5 * ((V - b) ** 2).sum(axis=1) - hidden).astype(V.dtype, copy=False)
    return (-(V @ b) - hidden).astype(V.dtype, copy=False)


def ais_step(V, W, b, c, base_b, beta_prev, beta, key):
    """One AIS transition (Salakhutdinov & Murray 2008, eq. 10-12) at inverse temperature ``beta``.

    Intermediate distributions ``p_beta(v) ~ exp((1 - beta) v.base_b + beta v.b)
    prod_j (1 + exp(beta (c_j + (v W)_j)))`` bridge the base-rate model
    (``beta = 0``, ``W = 0``, visible biases ``base_b``) to the RBM (``beta = 1``).

    Returns ``(V_new, delta)``: the log-weight increment
    ``delta = log p*_beta(V) - log p*_beta_prev(V)`` for each run, and ``V_new``
    drawn by one Gibbs step that leaves ``p_beta`` invariant: ``h ~ sigmoid(beta
    (vW + c))`` (counters from 0), ``v ~ sigmoid(beta (h W^T + b) + (1 - beta)
    base_b)`` (counters from ``STRIDE``).
    """
    pre = V @ W

    def log_unnormalised(bt):
        return V @ ((1 - bt) * base_b + bt * b) + softplus(bt * (pre + c)).sum(axis=1)

    delta = (log_unnormalised(beta) - log_unnormalised(beta_prev)).astype(V.dtype, copy=False)
    _, h = gibbs_half_step(beta * pre, beta * c, key, 0)
    _, v = gibbs_half_step(beta * (h @ W.T), beta * b + (1 - beta) * base_b, key, STRIDE)
    return v, delta


def sparse_matmul(a, b, out=None):
    """``a @ b`` for a mostly-zero ``a`` (n, k) and dense ``b`` (k, m); returns (n, m).

    Compiled backends add only the rows ``b[j]`` with ``a[i, j] != 0`` (a gather-add,
    cost ~ nnz(a) * m instead of n * k * m), so results equal the dense product up
    to the order of the float sums. The RBM uses it for ``v W`` and ``[v0; v_k]^T p``
    when the visible states are sparse (MNIST: ~19 % non-zero pixels).
    """
    return np.matmul(a, b, out=out)
