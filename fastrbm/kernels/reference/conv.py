"""Convolutional RBM helpers, pure NumPy: the specification (Lee, Grosse, Ranganath & Ng 2009).

Images are (n, H, W); a valid, stride-1 convolution with an (h, w) filter gives
hidden maps of (Ho, Wo) = (H - h + 1, W - w + 1). The model turns both
convolutions into one matrix product each:

* ``im2col``: the (n * Ho * Wo, h * w) matrix of patches, so ``im2col(v) @ W``
  (W: (h * w, F), one filter per column) is the hidden pre-activation, one row
  per hidden position (n, y, x) and one column per filter;
* ``col2im``: the adjoint, summing the rows of ``H @ W.T`` back onto the pixels
  they came from: the full convolution ``sum_f h_f * flip(W_f)`` of the visible step.

Probabilistic max-pooling (Lee et al. 2009, section 3.3) groups each filter's
hidden map into p x p blocks B_a with at most one unit on per block. With
``I_i = (vW)_i + c_f``:

* ``P(h_i = 1 | v) = exp(I_i) / (1 + sum_{j in B_a} exp(I_j))``
* ``P(pooling unit a off | v) = 1 / (1 + sum_{j in B_a} exp(I_j))``
* ``F(v)`` gets ``-sum_a log(1 + sum_{j in B_a} exp(I_j))`` from the hidden layer
  (p = 1: the usual ``-sum_i softplus(I_i)``).

Random numbers: a pooled half-step draws one uniform per (image, block row,
block column, filter), C order, at counter ``offset + index``; the block takes
the first unit (raster order inside the block) whose cumulative probability
exceeds the uniform, or stays off. For p = 1 this is exactly ``u < p`` at
counter ``offset + i * F + f``: the contract of ``gibbs_half_step``.
"""
import numpy as np

from .rng import uniform

__all__ = ["im2col", "col2im", "pool_probabilities", "pool_half_step", "pool_log_partition"]


def im2col(V, filter_shape):
    """Patches of the images ``V`` (n, H, W) as rows: shape (n * Ho * Wo, h * w).

    Row ``(i * Ho + y) * Wo + x`` holds ``V[i, y:y + h, x:x + w]`` in C order.

    Examples
    --------
    >>> im2col(np.arange(9.0).reshape(1, 3, 3), (2, 2))[0]
    array([0., 1., 3., 4.])
    """
    h, w = filter_shape
    windows = np.lib.stride_tricks.sliding_window_view(V, (h, w), axis=(1, 2))  # (n, Ho, Wo, h, w), a view
    return np.ascontiguousarray(windows).reshape(-1, h * w)


def col2im(Q, image_shape, filter_shape):
    """The adjoint of :func:`im2col`: rows of ``Q`` (n * Ho * Wo, h * w) summed onto (n, H, W).

    ``col2im(H @ W.T)`` is the visible pre-activation ``sum_f h_f * flip(W_f)`` (full convolution).
    One vectorised add per filter tap (h * w of them), each over all images and positions.
    """
    (H, W), (h, w) = image_shape, filter_shape
    Ho, Wo = H - h + 1, W - w + 1
    taps = Q.reshape(-1, Ho, Wo, h, w)
    out = np.zeros((taps.shape[0], H, W), dtype=Q.dtype)
    for dy in range(h):
        for dx in range(w):
            out[:, dy:dy + Ho, dx:dx + Wo] += taps[:, :, :, dy, dx]
    return out


def _blocks(x, pool, map_shape):
    """Rows (n * Ho * Wo, F) as (n, Ho/p, Wo/p, F, p * p): the units of each block last."""
    Ho, Wo = map_shape
    F = x.shape[1]
    b = x.reshape(-1, Ho // pool, pool, Wo // pool, pool, F).transpose(0, 1, 3, 5, 2, 4)
    return b.reshape(b.shape[:4] + (pool * pool,))


def _unblocks(b, pool, map_shape):
    """Inverse of :func:`_blocks`."""
    Ho, Wo = map_shape
    n, F = b.shape[0], b.shape[3]
    x = b.reshape(n, Ho // pool, Wo // pool, F, pool, pool).transpose(0, 1, 4, 2, 5, 3)
    return np.ascontiguousarray(x).reshape(-1, F)


def _shifted(pre, bias, pool, map_shape):
    """Block view of ``I = pre + bias`` and ``m = max(0, max_block I)``, so ``exp(I - m)`` cannot overflow."""
    I = _blocks(pre.astype(np.float64) + bias, pool, map_shape)
    return I, np.maximum(I.max(axis=-1, keepdims=True), 0.0)


def pool_probabilities(pre, bias, pool, map_shape):
    """``P(h_i = 1 | v)`` under probabilistic max-pooling, and ``P(pooling unit off | v)``.

    Parameters
    ----------
    pre : array of shape (n * Ho * Wo, F)
        ``im2col(v) @ W``, rows in (image, y, x) order.
    bias : array of shape (F,)
    pool : int
        Block side p; ``map_shape`` (Ho, Wo) must be multiples of it.

    Returns
    -------
    p_on : array of shape (n * Ho * Wo, F), dtype of ``pre``
    p_off : array of shape (n, Ho / p, Wo / p, F)
    """
    I, m = _shifted(pre, bias, pool, map_shape)
    e = np.exp(I - m)
    off = np.exp(-m)
    total = off + e.sum(axis=-1, keepdims=True)
    return _unblocks(e / total, pool, map_shape).astype(pre.dtype), (off / total)[..., 0]


def pool_half_step(pre, bias, pool, map_shape, key, offset=0):
    """Probabilistic max-pooling hidden step: ``(p_on, h)``, both of shape (n * Ho * Wo, F).

    Each block is one categorical draw over its p * p units and "off" (module docstring),
    so at most one unit per block is on.
    """
    p_on, _ = pool_probabilities(pre, bias, pool, map_shape)
    blocks = _blocks(p_on.astype(np.float64), pool, map_shape)
    u = uniform(key, blocks.shape[:4], np.float64, offset)[..., None]
    cum = np.cumsum(blocks, axis=-1)
    below = np.concatenate([np.zeros_like(cum[..., :1]), cum[..., :-1]], axis=-1)
    chosen = (below <= u) & (u < cum)  # at most one unit: the intervals [below, cum) are disjoint
    return p_on, _unblocks(chosen.astype(pre.dtype), pool, map_shape)


def pool_log_partition(pre, bias, pool, map_shape):
    """Hidden part of ``-F(v)``: ``sum_a log(1 + sum_{j in B_a} exp(I_j))`` per image, shape (n,).

    With ``pool=1`` this is ``sum_i softplus(I_i)``, the dense RBM's term.
    """
    I, m = _shifted(pre, bias, pool, map_shape)
    log_z = m[..., 0] + np.log(np.exp(-m[..., 0]) + np.exp(I - m).sum(axis=-1))
    return log_z.reshape(log_z.shape[0], -1).sum(axis=1)
