"""Centred RBM training (Montavon & Mueller 2012; Melchior, Fischer & Wiskott 2016, JMLR 17:99).

A centred RBM has the energy ``E(v, h) = -(v - mu) W (h - lam) - b~.(v - mu) - c~.(h - lam)``
with offsets ``mu`` (visible) and ``lam`` (hidden). It is the ordinary RBM with the same ``W``
and ``b = b~ - W lam``, ``c = c~ - W^T mu`` (plus a constant), so the model keeps its ordinary
parameters ``W_, b_, c_`` (sampling, likelihood and files are unchanged) and only the update
differs. The centred gradient is

    grad_W~ = <(v - mu)(h - lam)^T>_data - <(v - mu)(h - lam)^T>_model
            = grad_W - mu grad_c^T - grad_b lam^T,
    grad_b~ = grad_b,   grad_c~ = grad_c,

with the ordinary gradients ``grad_*`` of ``cd_step``. A momentum step ``dW, db~, dc~`` on the
centred parameters moves the ordinary ones by ``W += dW``, ``b += db~ - dW lam``,
``c += dc~ - dW^T mu``. Then the offsets follow the data by a moving average with rate ``nu``
(``mu <- (1 - nu) mu + nu <v>_data``, ``lam <- (1 - nu) lam + nu <h>_data``); in ordinary
coordinates the model does not change when they do. Melchior et al. recommend exactly this
(their algorithm 1, the data means for both offsets, nu = 0.01 with batch size 100).
"""
import numpy as np


def centered_update(params, velocity, stats, offsets, learning_rate, momentum, weight_decay):
    """One momentum step of centred training, in place on the ordinary parameters (NumPy arrays).

    Parameters
    ----------
    params : (W, b, c) ordinary parameters, shapes (n_v, n_h), (n_v,), (n_h,)
    velocity : (dW, db, dc) the centred parameters' velocities, same shapes (updated in place)
    stats : (vh_data, v_data, h_data, vh_model, v_model, h_model) the means
        ``<v h^T>``, ``<v>``, ``<h>`` under the data and the model (negative phase)
    offsets : (mu, lam)
    """
    W, b, c = params
    dW, db, dc = velocity
    vh_d, v_d, h_d, vh_m, v_m, h_m = stats
    mu, lam = offsets
    grad_b, grad_c = v_d - v_m, h_d - h_m
    grad_W = (vh_d - vh_m) - np.outer(mu, grad_c) - np.outer(grad_b, lam)
    dW *= momentum
    dW += learning_rate * (grad_W - weight_decay * W)
    db *= momentum
    db += learning_rate * grad_b
    dc *= momentum
    dc += learning_rate * grad_c
    W += dW
    b += db - dW @ lam
    c += dc - dW.T @ mu


def follow(offset, mean, rate):
    """Moving average of an offset towards this minibatch's mean (in place)."""
    offset *= 1.0 - rate
    offset += rate * mean
