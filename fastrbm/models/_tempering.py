"""Parallel tempering for Bernoulli RBMs (Swendsen & Wang 1986; for RBMs Desjardins et al. 2010).

``M`` replicas of the chains run at inverse temperatures ``0 = beta_0 < ... < beta_{M-1} = 1`` on
the path that AIS uses (Salakhutdinov & Murray 2008, eq. 10):

    p*_beta(v) = exp((1 - beta) v.b_A + beta v.b) prod_j (1 + exp(beta (c_j + (v W)_j))),

so ``beta = 0`` is the base-rate model (independent visible units with biases ``b_A``), which
mixes in one step, and ``beta = 1`` is the RBM. A PT step first proposes to swap the states of
neighbouring replicas, chain by chain, accepting with probability
``min(1, p*_r(x_{r+1}) p*_{r+1}(x_r) / (p*_r(x_r) p*_{r+1}(x_{r+1})))`` (Metropolis), which leaves
the product of the tempered distributions invariant; then it moves every replica by one Gibbs
step at its temperature (the AIS transition ``ais_step``, on the model's backend and stream). The pairs alternate between
(0, 1), (2, 3), ... and (1, 2), (3, 4), ... (the deterministic even-odd scheme, which moves
states across the ladder faster than random pairs: Syed et al. 2022).

The swap decisions use float64 log-densities and uniforms from the model's key stream, so
every backend makes the same decisions.
"""
import numpy as np

from ..kernels.reference.rbm import softplus
from ..rng import uniform


class TemperingLadder:
    """The temperatures, base-rate biases and swap statistics of one parallel-tempering sampler.

    The replicas themselves are a list ``states`` of backend arrays (visible states, shape
    (n_chains, n_visible), ``states[r]`` at ``betas[r]``) held by the model, so that pickling
    moves them like the model's other arrays; the ladder holds host values only."""

    def __init__(self, n_temperatures, base_b):
        self.betas = np.linspace(0.0, 1.0, int(n_temperatures))
        self.base_b = np.asarray(base_b, dtype=np.float64)
        self.parity = 0
        self.attempted = np.zeros(len(self.betas) - 1)
        self.accepted = np.zeros(len(self.betas) - 1)

    def move(self, K, states, W, b, c, keys):
        """One Gibbs step of every replica below ``beta = 1`` at its temperature (in ``states``); the
        caller moves the top one (by the CD step in training, by ``gibbs_chain`` in ``sample``)."""
        base = K.asarray(self.base_b.astype(states[0].dtype))
        for r in range(len(self.betas) - 1):
            beta = float(self.betas[r])
            states[r], _ = K.ais_step(states[r], W, b, c, base, beta, beta, keys.next_key())

    def swap(self, K, states, W, b, c, keys):
        """Propose to swap, chain by chain, the neighbours of this step's parity (in ``states``)."""
        W_host, b_host, c_host = (K.to_numpy(a).astype(np.float64) for a in (W, b, c))
        b_minus_base = b_host - self.base_b
        pairs = range(self.parity, len(self.betas) - 1, 2)
        self.parity = 1 - self.parity
        host = [K.to_numpy(s) for s in states]
        for r in pairs:
            lo, hi = self.betas[r], self.betas[r + 1]
            log_accept = (log_density_gap(host[r], W_host, b_minus_base, c_host, lo, hi)
                          - log_density_gap(host[r + 1], W_host, b_minus_base, c_host, lo, hi))
            u = uniform(keys.next_key(), (len(log_accept),), np.float64)
            swap = np.log(np.maximum(u, 1e-300)) < log_accept
            self.attempted[r] += len(swap)
            self.accepted[r] += swap.sum()
            if swap.any():
                a, z = host[r].copy(), host[r + 1].copy()
                a[swap], z[swap] = host[r + 1][swap], host[r][swap]
                host[r], host[r + 1] = a, z
                states[r], states[r + 1] = K.asarray(a), K.asarray(z)

    def acceptance(self):
        """Fraction of accepted swaps per neighbouring pair since the last reset (NaN: none proposed)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.accepted / self.attempted

    def reset_counts(self):
        self.attempted[:] = 0
        self.accepted[:] = 0


def log_density_gap(V, W, b_minus_base, c, lo, hi):
    """``log p*_hi(v) - log p*_lo(v)`` for each row of ``V`` (float64)."""
    V = V.astype(np.float64)
    pre = V @ W + c
    return (hi - lo) * (V @ b_minus_base) + (softplus(hi * pre) - softplus(lo * pre)).sum(axis=1)
