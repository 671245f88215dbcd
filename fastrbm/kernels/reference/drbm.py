"""Class terms of the discriminative RBM (Larochelle & Bengio 2008), pure NumPy: the specification.

Joint RBM over binary ``x`` (F features), one-hot ``y`` (C classes) and binary ``h`` (H units):
``E(y, x, h) = -h.W x - b.x - c.h - d.y - h.U y``. Summing out ``h`` exactly gives (paper, eq. 2)

``p(y | x) = exp(d_y + sum_j softplus(o_yj(x))) / sum_y' exp(d_y' + sum_j softplus(o_y'j(x)))``

with ``o_yj(x) = c_j + U_yj + (W x)_j``; and the gradient of ``log p(y_t | x)`` (paper, eq. 5) is

``d/dθ = sum_j sigmoid(o_{y_t j}) d o_{y_t j}/dθ - sum_{y, j} p(y | x) sigmoid(o_yj) d o_yj/dθ``

(plus ``1[y = y_t] - p(y | x)`` for ``d_y``). Both work on the hidden pre-activation
``A = X W + c`` of a minibatch, which the model computes on its backend with ``matmul``;
these functions do the small (n, C, H) part. Arrays are NumPy; the result keeps ``A``'s dtype.

Here ``W`` is stored as (F, H) and ``U`` as (C, H) (rows: visible units), as in the other RBMs.
"""
import numpy as np

from .rbm import sigmoid, softplus

__all__ = ["class_log_probabilities", "discriminative_gradient"]


def _class_scores(pre_hidden, U, d):
    """``o`` of shape (n, C, H) and the unnormalised log-probabilities ``d_y + sum_j softplus(o_yj)`` (n, C)."""
    o = pre_hidden[:, None, :] + U[None, :, :]
    return o, d + softplus(o).sum(axis=2)


def _log_softmax(scores):
    """Row-wise ``scores - logsumexp(scores)``: the max is subtracted first, so nothing overflows."""
    z = scores - scores.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def class_log_probabilities(pre_hidden, U, d):
    """``log p(y | x)`` for every class.

    Parameters
    ----------
    pre_hidden : ndarray of shape (n, H)
        ``X W + c``.
    U : ndarray of shape (C, H)
        Class-to-hidden weights.
    d : ndarray of shape (C,)
        Class biases.

    Returns
    -------
    ndarray of shape (n, C)
        Each row's log-probabilities (they log-sum-exp to 0).
    """
    return _log_softmax(_class_scores(pre_hidden, U, d)[1])


def discriminative_gradient(pre_hidden, U, d, labels):
    """Minibatch sums of the gradient of ``log p(y_t | x)`` (ascent direction), paper eq. 5.

    With ``T_ny = 1[y = y_n] - p(y | x_n)`` and ``S_nyj = sigmoid(o_yj(x_n))``:

    * ``G = sum_y T_ny S_nyj``, shape (n, H): the gradient for ``c`` (column sums of ``G``)
      and, through ``d o / dW_ij = x_i``, for ``W`` (``X^T G``, left to the backend's matmul);
    * ``grad_U = sum_n T_ny S_nyj``, shape (C, H);
    * ``grad_d = sum_n T_ny``, shape (C,).

    Parameters
    ----------
    pre_hidden : ndarray of shape (n, H)
        ``X W + c``.
    U : ndarray of shape (C, H)
    d : ndarray of shape (C,)
    labels : ndarray of shape (n,)
        Class indices ``0..C-1``.

    Returns
    -------
    log_p : ndarray of shape (n, C)
        ``log p(y | x)`` at the current parameters (for monitoring).
    G : ndarray of shape (n, H)
    grad_U : ndarray of shape (C, H)
    grad_d : ndarray of shape (C,)
    """
    o, scores = _class_scores(pre_hidden, U, d)
    log_p = _log_softmax(scores)
    T = -np.exp(log_p)
    T[np.arange(len(labels)), labels] += 1
    S = sigmoid(o).astype(pre_hidden.dtype, copy=False)
    G = np.einsum("ny,nyj->nj", T, S)
    grad_U = np.einsum("ny,nyj->yj", T, S)
    return log_p, G, grad_U, T.sum(axis=0)
