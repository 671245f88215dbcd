"""CD-k training of one RBM whose visible layer may end in a softmax label group.

Used for the labelled top level of a DBN (Hinton, Osindero & Teh 2006) and,
with ``n_labels=0``, as the layer trainer when ``fastrbm.RBM`` is unavailable.
All arithmetic is in backend kernels: ``gibbs_half_step`` (rbm domain),
``labelled_visible_step`` and ``cd_update`` (dbn domain), ``column_sums``.
"""
import numbers

import numpy as np
from tqdm.auto import tqdm

from .. import interrupt
from ._common import permutation, uniform_matrix

__all__ = ["train_rbm", "hidden_probabilities", "initial_parameters", "cd_k_step"]


def cd_k_step(K, params, velocities, v0, n_labels, keys, k, learning_rate, momentum, weight_decay, scratch,
              chain=None):
    """One CD-k (or PCD-k) minibatch update of ``params = [W, b, c]`` (backend arrays, in place).

    Positive statistics from ``v0`` and ``p(h | v0)``; the chain starts at a
    sample of ``h`` (CD) or at the persistent hidden states ``chain`` (PCD,
    Tieleman 2008), alternates labelled visible steps and hidden steps, and
    the negative statistics use the final visible probabilities and ``p(h | v_k)``.
    Returns ``(p_k, v_k, h_k)``: the final visible probabilities and samples and
    the final hidden sample (the next persistent state).
    """
    W, b, c = params
    n = v0.shape[0]
    ph0, h = K.gibbs_half_step(K.matmul(v0, W), c, keys.next_key())
    if chain is not None:
        h = chain
    for _ in range(k):
        pv, v = K.labelled_visible_step(K.matmul(h, W, transpose_b=True), b, n_labels, keys.next_key())
        ph, h = K.gibbs_half_step(K.matmul(v, W), c, keys.next_key())
    pos_W, neg_W, pos_b, neg_b, pos_c, neg_c = scratch
    K.matmul(v0, ph0, out=pos_W, transpose_a=True)
    K.matmul(pv, ph, out=neg_W, transpose_a=True)
    K.column_sums(v0, pos_b)
    K.column_sums(pv, neg_b)
    K.column_sums(ph0, pos_c)
    K.column_sums(ph, neg_c)
    stats = ((pos_W, neg_W, weight_decay), (pos_b, neg_b, 0.0), (pos_c, neg_c, 0.0))
    for param, vel, (pos, neg, decay) in zip(params, velocities, stats):
        K.cd_update(param, vel, pos, neg, learning_rate, momentum, decay, 1.0 / n)
    return pv, v, h


def train_rbm(K, V, n_hidden, *, n_labels, learning_rate, n_epochs, batch_size, k, momentum, final_momentum,
              momentum_switch_epoch, weight_decay, dtype, keys, persistent=False, desc="RBM", verbose=False,
              init=None):
    """Train an RBM on the rows of ``V`` (NumPy, (n, n_visible)); returns NumPy ``(W, b, c, history)``.

    ``persistent`` uses PCD-k: one persistent chain per minibatch row, which
    removes the spurious free-energy minima far from the data that CD-1 leaves
    (and that Gibbs sampling from noise would otherwise fall into).

    The last ``n_labels`` columns of ``V`` are one-hot labels (a softmax group).
    Weights start at N(0, 0.01^2)-like small uniform values, the visible biases
    at log(p / (1 - p)) of the data means (Hinton 2010, sec. 8), hidden biases at 0, unless
    ``init = (W, b, c)`` (NumPy) gives the parameters to continue from.
    """
    n, m = V.shape
    if init is None:
        W, b, c = initial_parameters(K, V, n_hidden, dtype, keys)
    else:  # continue training from NumPy (W, b, c)
        W, b, c = (K.asarray(np.array(a, dtype=dtype, copy=True), dtype=dtype) for a in init)
    params = [W, b, c]
    velocities = [K.zeros(p.shape, dtype) for p in params]
    bs = min(batch_size, n)
    scratch = [K.empty((m, n_hidden), dtype), K.empty((m, n_hidden), dtype), K.empty(m, dtype),
               K.empty(m, dtype), K.empty(n_hidden, dtype), K.empty(n_hidden, dtype)]
    history = []
    chain = None
    for epoch in range(n_epochs):
        mom = momentum if epoch < momentum_switch_epoch else final_momentum
        k_epoch = epoch_k(k, epoch, n_epochs)
        order = permutation(keys.next_key(), n)
        err = 0.0
        n_batches = (n + bs - 1) // bs
        for i in tqdm(range(n_batches), desc=f"{desc} epoch {epoch + 1}/{n_epochs}", disable=not verbose,
                      leave=False):
            vb = V[order[i * bs:(i + 1) * bs]]
            use_chain = chain if chain is not None and len(vb) == bs else None
            recon, _, h = cd_k_step(K, params, velocities, K.asarray(vb, dtype=dtype), n_labels, keys, k_epoch,
                                    learning_rate, mom, weight_decay, scratch, chain=use_chain)
            if persistent and len(vb) == bs:
                chain = h
            if i % 50 == 0:  # a sampled reconstruction error keeps host transfers rare
                err += float(np.mean((K.to_numpy(recon) - vb) ** 2))
            if interrupt.requested():  # Ctrl-C under fastrbm.interrupt.stop_on_interrupt()
                break
        history.append({"epoch": epoch + 1, "k": k_epoch, "reconstruction_error": err / len(range(0, i + 1, 50))})
        if interrupt.requested():
            break
        if verbose:
            tqdm.write(f"{desc} epoch {epoch + 1}: reconstruction error {history[-1]['reconstruction_error']:.4f}")
    return K.to_numpy(W), K.to_numpy(b), K.to_numpy(c), history


def initial_parameters(K, V, n_hidden, dtype, keys, std=0.01):
    """Backend arrays ``(W, b, c)`` to start CD on the rows of ``V`` (NumPy, (n, n_visible)) from.

    W uniform with standard deviation ``std``, b the log-odds of the data means (clipped to
    [1e-3, 1 - 1e-3]), c = 0 (Hinton 2010, sec. 8); draws one key from ``keys``.
    """
    mean = np.clip(V.mean(axis=0), 1e-3, 1 - 1e-3)
    W = K.asarray(uniform_matrix(keys.next_key(), (V.shape[1], n_hidden), std * np.sqrt(3)), dtype=dtype)
    b = K.asarray(np.log(mean / (1 - mean)), dtype=dtype)
    return W, b, K.zeros(n_hidden, dtype)


def epoch_k(k, epoch, n_epochs):
    """Gibbs steps of CD-k in ``epoch`` (0-based) of ``n_epochs``.

    ``k`` is an int (every epoch) or a sequence ``(k_1, ..., k_s)``: the epochs are
    split into ``s`` equal consecutive parts and part ``i`` uses ``k_i`` (Hinton et al.
    2006 raise k from 1 to 3 to 10 as the top level learns).
    """
    if isinstance(k, numbers.Integral):
        return int(k)
    k = list(k)
    return int(k[min(len(k) - 1, epoch * len(k) // max(n_epochs, 1))])


def hidden_probabilities(K, V, W, c, dtype, batch=1000):
    """``sigmoid(V W + c)`` for NumPy ``V``, in batches on the backend; returns NumPy (n, n_hidden)."""
    Wd, cd = K.asarray(W, dtype=dtype), K.asarray(c, dtype=dtype)
    out = np.empty((len(V), W.shape[1]), dtype=dtype)
    for s in range(0, len(V), batch):
        out[s:s + batch] = K.to_numpy(K.bias_sigmoid(K.matmul(K.asarray(V[s:s + batch], dtype=dtype), Wd), cd))
    return out
