"""The kernel contract: what every backend's kernel set provides.

Each backend package under ``fastrbm.kernels`` has one module per domain
listed in :data:`DOMAINS`; each module's ``__all__`` names the functions it
contributes. The reference (NumPy) module of a domain defines the names and
signatures; ``tests/test_contract.py`` checks that every backend matches it.

Conventions shared by all kernels:

* arrays are *backend arrays* (NumPy on numpy/numba/cython, Numba device
  arrays on cuda); ``asarray``/``to_numpy`` move data in and out;
* float32 stays float32 and float64 stays float64;
* randomness comes only from the counter-based stream
  (``kernels/reference/rng.py``): a kernel that draws takes a 64-bit ``key``
  and element ``k`` of its draw (C order) uses counter ``offset + k``;
* kernels trust their inputs: shapes, dtypes and values are validated by the
  models before any kernel runs.
"""
from typing import Protocol

# One module of this name in every backend package.
DOMAINS = ("arrays", "rng", "rbm")


class KernelSet(Protocol):
    """Functions every backend provides (see each reference module for semantics)."""

    name: str

    # arrays
    def asarray(self, x, dtype=None): ...
    def to_numpy(self, x): ...
    def matmul(self, a, b, out=None, transpose_a=False, transpose_b=False): ...
    def empty(self, shape, dtype=...): ...
    def zeros(self, shape, dtype=...): ...

    # rng
    def uniform(self, key, shape, dtype=..., offset=0): ...
    def bernoulli_sigmoid(self, pre_activation, key, offset=0): ...

    # rbm (kernels/reference/rbm.py)
    def gibbs_half_step(self, pre_activation, bias, key, offset=0): ...
    def gaussian_half_step(self, pre_activation, bias, key, offset=0): ...
    def cd_step(self, W, b, c, dW, db, dc, v0, key, k=1, learning_rate=0.1, momentum=0.0,
                weight_decay=0.0, chain=None, gaussian_visible=False): ...
    def gibbs_chain(self, V, W, b, c, key, n_steps, offset=0, gaussian_visible=False): ...
    def free_energy(self, V, W, b, c, gaussian_visible=False): ...
    def ais_step(self, V, W, b, c, base_b, beta_prev, beta, key): ...
