"""Feed-forward network kernels (the specification the other backends follow).

Everything between the dense products of a sigmoid MLP with a softmax output,
fused so that compiled backends make one pass over memory per step. Arrays
are modified in place where the name says ``_inplace`` semantics (documented
per function); the functions also return the array they wrote.

Layout: activations are (n_samples, n_units), weights (n_in, n_out), so a
layer is ``Z = A @ W + b``.
"""
import numpy as np

from .rng import uniform

__all__ = [
    "bias_sigmoid",
    "sigmoid_backward",
    "dropout",
    "bias_softmax",
    "softmax_cross_entropy_grad",
    "column_sums",
    "sgd_momentum_update",
    "adam_update",
    "max_norm",
]


def bias_sigmoid(z, bias):
    """In place: ``z[i, j] <- sigmoid(z[i, j] + bias[j])``; returns ``z``.

    The logistic unit 1 / (1 + exp(-x)); exp overflow for very negative x gives 0.
    """
    with np.errstate(over="ignore"):
        np.add(z, bias, out=z)
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1
        np.reciprocal(z, out=z)
    return z


def sigmoid_backward(delta, activation):
    """In place: ``delta <- delta * a * (1 - a)`` (chain rule through a = sigmoid(z)); returns ``delta``."""
    delta *= activation * (1 - activation)
    return delta


def dropout(x, rate, key, offset=0, out=None):
    """Inverted dropout: ``out[k] <- x[k] / (1 - rate)`` if ``u_k >= rate`` else 0 (``out`` None: in place).

    ``u_k = uniform(key, offset + k)`` for the C-order flat index ``k``, so
    calling it again with the same key on the back-propagated gradient
    applies the same mask (no mask is stored). ``0 <= rate < 1``. Returns ``out``.
    """
    out = x if out is None else out
    keep = uniform(key, x.shape, x.dtype, offset) >= rate
    np.multiply(x, keep * x.dtype.type(1.0 / (1.0 - rate)), out=out)
    return out


def bias_softmax(z, bias):
    """In place: ``z[i] <- softmax(z[i] + bias)`` (max-subtracted, stable); returns ``z``."""
    np.add(z, bias, out=z)
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def softmax_cross_entropy_grad(z, bias, labels, scale):
    """Softmax + cross-entropy + its gradient in one pass.

    With ``p = softmax(z + bias)`` row-wise and ``y = labels`` (int64 class
    indices), writes ``z <- scale * (p - onehot(y))``, the gradient of
    ``scale * sum_i loss_i`` with respect to the pre-activations, and returns
    ``loss`` of shape (n,), ``loss_i = -log p_{i, y_i} = log sum_j exp(s_ij - m_i) - (s_iy - m_i)``
    with ``s = z + bias`` and ``m_i = max_j s_ij``.
    """
    n = z.shape[0]
    np.add(z, bias, out=z)
    z -= z.max(axis=1, keepdims=True)
    rows = np.arange(n)
    target = z[rows, labels].copy()
    np.exp(z, out=z)
    total = z.sum(axis=1)
    loss = (np.log(total) - target).astype(z.dtype)
    z /= total[:, None]
    z[rows, labels] -= 1
    z *= z.dtype.type(scale)
    return loss


def column_sums(x, out):
    """``out[j] <- sum_i x[i, j]`` (the bias gradient of a layer); returns ``out``."""
    np.sum(x, axis=0, out=out)
    return out


def sgd_momentum_update(param, grad, velocity, learning_rate, momentum, weight_decay):
    """In place SGD with momentum and L2 weight decay (element-wise, any shape):

    ``v <- momentum * v - learning_rate * (grad + weight_decay * param)``;
    ``param <- param + v``. Returns ``param``.
    """
    t = param.dtype.type
    velocity *= t(momentum)
    velocity -= t(learning_rate) * (grad + t(weight_decay) * param)
    param += velocity
    return param


def adam_update(param, grad, m, v, step_size, beta1, beta2, eps, weight_decay):
    """In place Adam step (Kingma & Ba 2015, Algorithm 1) with L2 weight decay:

    ``g = grad + weight_decay * param``; ``m <- beta1 m + (1 - beta1) g``;
    ``v <- beta2 v + (1 - beta2) g^2``; ``param <- param - step_size * m / (sqrt(v) + eps)``,
    where the caller folds the bias corrections into
    ``step_size = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``. Returns ``param``.
    """
    t = param.dtype.type
    g = grad + t(weight_decay) * param
    m *= t(beta1)
    m += t(1 - beta1) * g
    v *= t(beta2)
    v += t(1 - beta2) * (g * g)
    param -= t(step_size) * m / (np.sqrt(v) + t(eps))
    return param


def max_norm(weights, limit):
    """In place: rescale each column (the incoming weights of one unit) whose L2 norm exceeds
    ``limit`` down to norm ``limit`` (Srivastava et al. 2014, max-norm constraint). Returns ``weights``."""
    norms = np.sqrt((weights * weights).sum(axis=0))
    factor = np.where(norms > limit, weights.dtype.type(limit) / np.maximum(norms, 1e-30), 1)
    weights *= factor.astype(weights.dtype)
    return weights
