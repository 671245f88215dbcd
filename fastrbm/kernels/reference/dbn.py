"""Deep belief net kernels (the specification the other backends follow).

The labelled top level of Hinton, Osindero & Teh (2006) treats its visible
layer as binary units plus one softmax group of ``n_labels`` label units (the
last columns); the up-down algorithm's wake and sleep phases learn with the
delta rule ``(target - sigmoid(pre)) x input``; both share a fused update.
"""
import numpy as np

from .rng import sigmoid, uniform

__all__ = ["labelled_visible_step", "sigmoid_error", "cd_update"]


def labelled_visible_step(pre_activation, bias, n_labels, key, offset=0):
    """Visible half-step of an RBM whose last ``n_labels`` visible units form a softmax group.

    With ``x = pre_activation + bias`` of shape (n, m) and ``d = m - n_labels``:

    * columns ``j < d`` are binary: ``p = sigmoid(x)``, ``s = u_ij < p`` with
      ``u_ij = uniform(key, offset + i*m + j)``;
    * columns ``j >= d`` are one softmax unit (Hinton et al. 2006, sec. 2):
      ``p = softmax(x[i, d:])``, and ``s`` is one-hot at the first label ``c``
      with ``u_i < p_d + ... + p_{d+c}`` where ``u_i = uniform(key, offset + i*m + d)``
      (the counter of the group's first column; the others are unused).

    Returns ``(p, s)``, new arrays of shape (n, m) in the input's dtype.
    """
    x = pre_activation + bias
    n, m = x.shape
    d = m - n_labels
    u = uniform(key, (n, m), x.dtype, offset)
    p = np.empty_like(x)
    s = np.zeros_like(x)
    p[:, :d] = sigmoid(x[:, :d])
    s[:, :d] = u[:, :d] < p[:, :d]
    if n_labels:
        z = x[:, d:] - x[:, d:].max(axis=1, keepdims=True)
        e = np.exp(z)
        p[:, d:] = e / e.sum(axis=1, keepdims=True)
        cum = np.cumsum(p[:, d:], axis=1)
        choice = np.minimum((u[:, d:d + 1] >= cum).sum(axis=1), n_labels - 1)
        s[np.arange(n), d + choice] = 1
    return p, s


def sigmoid_error(pre_activation, bias, target, scale):
    """In place: ``pre <- scale * (sigmoid(pre + bias) - target)``; returns ``pre``.

    The gradient of the cross-entropy of ``target`` under the prediction
    ``sigmoid(pre + bias)`` with respect to the pre-activation: the wake phase
    (generative weights predicting the layer below) and the sleep phase
    (recognition weights predicting the layer above) of the up-down algorithm
    (Hinton et al. 2006, appendix B) learn with ``-input^T @ this``.
    """
    x = pre_activation
    np.add(x, bias, out=x)
    x[...] = sigmoid(x)
    x -= target
    x *= x.dtype.type(scale)
    return x


def cd_update(param, velocity, positive, negative, learning_rate, momentum, weight_decay, scale):
    """In place: ``v <- momentum v + learning_rate (scale (positive - negative) - weight_decay param)``;
    ``param <- param + v``. Returns ``param``.

    The contrastive-divergence step (Hinton 2002): ``positive`` and
    ``negative`` are the summed data-driven and model-driven statistics
    (``v0^T h0`` and ``vk^T hk``, or column sums for biases) and ``scale``
    is ``1 / batch size``.
    """
    t = param.dtype.type
    velocity *= t(momentum)
    velocity += t(learning_rate) * (t(scale) * (positive - negative) - t(weight_decay) * param)
    param += velocity
    return param
