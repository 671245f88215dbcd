"""Dense associative memories: the modern Hopfield networks.

Three interaction forms beside the classical network (:class:`fastrbm.Hopfield`):

* ``"polynomial"`` (Krotov & Hopfield 2016, "Dense associative memory for pattern
  recognition"): binary states, ``E = -sum_mu F(xi_mu . s)`` with
  ``F(x) = x^n / (n N^(n-1))`` (``"rectified"``: ``max(x, 0)^n / (n N^(n-1))``);
  capacity grows like ``N^(n-1)``. Degree 2 is the classical Hebbian network.
* ``"exponential"`` (Demircigil, Heusel, Loewe, Upgang & Vermet 2017, "On a model of
  associative memory with huge storage capacity"): ``F(x) = exp(x - N)``, Demircigil's
  ``exp(x)`` times the constant ``e^-N`` (same deterministic dynamics, energies that
  never overflow); capacity exponential in N.
* ``"softmax"`` (Ramsauer et al. 2020, "Hopfield networks is all you need"): continuous
  states, ``E = -lse(beta, X^T xi) / beta + xi . xi / 2 + log(K) / beta + M^2 / 2``
  and the update ``xi <- X softmax(beta X^T xi)`` (attention), which decreases E
  and typically retrieves in one step.

The discrete forms run asynchronous sweeps (random visiting orders from the
model's counter-based stream, deterministic or Glauber) that keep the K overlaps
of each state up to date: O(K) per visited neuron, O(NK) per flip. The kernels and
their exact semantics are in ``fastrbm/kernels/reference/dense.py``.
"""
import math
import numbers

import numpy as np

from .._io import ModelFileError, check_entries, check_entry, load_npz, save_npz
from .._validation import check_binary, check_data, check_param, integer, one_of, real
from ..kernels.reference.dense import EXPONENTIAL, POLYNOMIAL, RECTIFIED
from ..rng import KeyStream
from ._estimator import Estimator, LazyKernels
from ._pickle import BackendPickleMixin
from .hopfield import RecallResult, iterate_synchronously

__all__ = ["DenseHopfield"]

KINDS = {"polynomial": POLYNOMIAL, "rectified": RECTIFIED, "exponential": EXPONENTIAL}
INTERACTIONS = tuple(KINDS) + ("softmax",)
STATES = ("bipolar", "binary")


class DenseHopfield(LazyKernels, BackendPickleMixin, Estimator):
    """A dense associative memory (modern Hopfield network) with compiled recall.

    Parameters
    ----------
    n_neurons : int
        N, the number of neurons (the length of a pattern).
    interaction : {"polynomial", "rectified", "exponential", "softmax"}
        The energy's interaction function (see the module docstring); ``"softmax"`` is the
        continuous model.
    degree : int, default 3
        n of the polynomial forms (n >= 2; n = 2 is the classical Hebbian network).
    states : {"bipolar", "binary"}
        Discrete forms: how states and patterns are read and written, +-1 or 0/1 (converted
        exactly, ``s = 2x - 1``). The softmax form takes any real vectors.
    beta : float, default 1.0
        Softmax form only: the inverse temperature of its energy and update. Large beta
        retrieves single patterns; small beta gives metastable averages of many.
    dtype : "float32" or "float64"
    backend : str, optional
        Kernel backend (``FASTRBM_BACKEND`` / ``auto`` by default).
    random_state : None, int or numpy.random.Generator
        Seeds the stream of visiting orders and Glauber decisions.

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.choice([-1.0, 1.0], size=(200, 64))   # 200 patterns: 23x the classical limit
    >>> net = fastrbm.DenseHopfield(64, "polynomial", degree=4, random_state=0).store(patterns)
    >>> noisy = patterns * np.where(rng.random(patterns.shape) < 0.1, -1, 1)
    >>> bool((net.recall(noisy).states == patterns).mean() > 0.99)
    True
    """

    _pickle_drop = ("_patterns_dev", "_patterns_t_dev")  # caches, rebuilt on demand

    def __init__(self, n_neurons, interaction="polynomial", degree=3, *, states="bipolar", beta=1.0,
                 dtype="float32", backend=None, random_state=None):
        self.n_neurons = n_neurons
        self.interaction = interaction
        self.degree = degree
        self.states = states
        self.beta = beta
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state

    # ------------------------------------------------------------------ parameters and state
    _constraints = {
        "n_neurons": integer(1),
        "interaction": one_of(*INTERACTIONS),
        "degree": integer(2),
        "states": one_of(*STATES),
        "beta": real(0, low_open=True),
    }

    def _check_params(self):
        self._check_declared_params()
        self._check_dtype()

    @property
    def _continuous(self):
        return self.interaction == "softmax"

    @property
    def n_patterns_(self):
        """The number of stored patterns."""
        return 0 if getattr(self, "_patterns", None) is None else len(self._patterns)

    @property
    def patterns_(self):
        """ndarray (K, N): the stored patterns, in the model's representation (a copy)."""
        if self.n_patterns_ == 0:
            return np.zeros((0, self.n_neurons), dtype=np.dtype(self.dtype))
        return self._from_bipolar(self._patterns.copy())

    def _pattern_arrays(self):
        """The patterns P (K, N) and their transpose Q (N, K, C order) on the backend (cached)."""
        if getattr(self, "_patterns_dev", None) is None:
            K = self._K
            self._patterns_dev = K.asarray(self._patterns)
            self._patterns_t_dev = K.asarray(np.ascontiguousarray(self._patterns.T))
        return self._patterns_dev, self._patterns_t_dev

    def _check_set(self, x, name):
        """Validated (B, N) array in the model's dtype: bipolar for the discrete forms (a copy:
        the sweeps update it in place), real for the softmax form."""
        self._check_params()
        arr = check_data(x, name=name, n_features=self.n_neurons, dtype=np.dtype(self.dtype), copy=True,
                         owner=type(self).__name__)
        if self._continuous:
            return arr
        if self.states == "binary":
            check_binary(arr, (0.0, 1.0), name=name)
            return 2 * arr - 1
        check_binary(arr, (-1.0, 1.0), name=name)
        return arr

    def _from_bipolar(self, s):
        return (s + 1) / 2 if self.states == "binary" and not self._continuous else s

    def _check_stored(self):
        if self.n_patterns_ == 0:
            raise ValueError(f"this {type(self).__name__} stores no patterns yet: call store(patterns) first")

    # ------------------------------------------------------------------ storage
    def store(self, patterns):
        """Add patterns (K, N) to the memory; may be called again to add more. Returns self."""
        new = self._check_set(patterns, "patterns")
        self._K  # noqa: B018 - resolve the backend now: an unknown or unavailable one fails here, named
        if getattr(self, "_patterns", None) is not None and self._patterns.dtype != new.dtype:
            raise ValueError(f"dtype changed from {self._patterns.dtype} to {new.dtype} after storing patterns")
        self._patterns = new if self.n_patterns_ == 0 else np.vstack([self._patterns, new])
        self._patterns_dev = self._patterns_t_dev = None
        return self

    # ------------------------------------------------------------------ dynamics
    def recall(self, states, max_sweeps=100, beta=None, tol=None):
        """Run a batch of states to a fixed point (or ``max_sweeps``).

        Parameters
        ----------
        states : array-like of shape (B, N)
            Start states: +-1 (0/1 with ``states="binary"``) for the discrete forms, any real
            vectors for the softmax form.
        max_sweeps : int
            Discrete forms: at most this many asynchronous sweeps (each neuron once, in a
            random order). Softmax form: at most this many updates.
        beta : float, optional
            Discrete forms: None for deterministic dynamics (``s_i = sign(h_i)``, ties keep
            ``s_i``); a number >= 0 for Glauber dynamics at that inverse temperature for
            exactly ``max_sweeps`` sweeps (``inf``: zero temperature). The softmax form is
            deterministic: its beta is the model's ``beta`` parameter.
        tol : float, optional
            Softmax form: a state has converged when no entry changes by more than ``tol``
            in an update (default: 100 float epsilons times the largest pattern entry).

        Returns
        -------
        RecallResult
            ``states`` (B, N), ``converged`` (B,) bool, ``sweeps`` (B,) int.
        """
        check_param("max_sweeps", max_sweeps, kind=numbers.Integral, low=1)
        s = self._check_set(states, "states")
        self._check_stored()
        if self._continuous:
            if beta is not None:
                raise ValueError("the softmax form's update is deterministic: set the model's beta instead "
                                 "of recall(beta=...)")
            return self._recall_continuous(s, max_sweeps, tol)
        if tol is not None:
            raise ValueError("tol applies to the softmax form only")
        if beta is not None:
            check_param("beta", beta, low=0, allow_inf=True)
        K = self._K
        s = K.asarray(s)
        _, q = self._pattern_arrays()
        s, _, sweeps, converged = K.dense_async(q, KINDS[self.interaction], self.degree, s, K.matmul(s, q),
                                                self._keys().next_key(), max_sweeps,
                                                np.inf if beta is None else float(beta))
        return RecallResult(self._from_bipolar(K.to_numpy(s)), K.to_numpy(converged).astype(bool),
                            K.to_numpy(sweeps).astype(np.int64))

    def _recall_continuous(self, s, max_steps, tol):
        K = self._K
        p, _ = self._pattern_arrays()
        if tol is None:
            tol = 100 * np.finfo(s.dtype).eps * max(1.0, float(np.abs(self._patterns).max()))
        check_param("tol", tol, low=0)

        def step(s):  # Ramsauer et al.'s update: s <- softmax(beta s P^T) P
            new = K.matmul(K.softmax_rows(K.matmul(s, p, transpose_b=True), self.beta), p)
            return new, K.to_numpy(K.max_abs_change(new, s)) <= tol

        s, converged, steps = iterate_synchronously(step, K.asarray(s), max_steps)
        return RecallResult(K.to_numpy(s), converged, steps)

    # ------------------------------------------------------------------ energy
    def energy(self, states):
        """Energies of states (B, N) -> float64 ndarray (B,) (see the module docstring).

        Binary states are evaluated through their bipolar image ``2x - 1``.
        """
        s = self._check_set(states, "states")
        self._check_stored()
        K = self._K
        p, q = self._pattern_arrays()
        overlaps = K.matmul(K.asarray(s), q)
        if not self._continuous:
            return K.to_numpy(K.dense_energy(overlaps, KINDS[self.interaction], self.degree, self.n_neurons))
        beta = float(self.beta)
        lse = K.to_numpy(K.logsumexp_rows(overlaps, beta))
        s64 = s.astype(np.float64)
        radius = float(np.max(np.sum(self._patterns.astype(np.float64) ** 2, axis=1)))
        return -lse / beta + 0.5 * np.sum(s64 * s64, axis=1) + math.log(self.n_patterns_) / beta + 0.5 * radius

    # ------------------------------------------------------------------ persistence
    def save(self, path):
        """Write the memory to ``path`` (.npz, atomic); returns the path written."""
        self._check_params()
        meta = {"params": {name: value for name, value in self.get_params().items()
                           if name not in ("backend", "random_state")},
                **self._keys().state()}
        meta["params"]["dtype"] = np.dtype(self.dtype).name
        patterns = self._patterns if self.n_patterns_ else np.zeros((0, self.n_neurons), np.dtype(self.dtype))
        return save_npz(path, "DenseHopfield", {"patterns": patterns}, meta)

    @classmethod
    def load(cls, path, backend=None):
        """Read a memory written by :meth:`save` (same patterns and random stream)."""
        arrays, meta = load_npz(path, "DenseHopfield")
        try:  # the file is untrusted: check the header and the patterns before any kernel sees them
            net = cls(**meta["params"], backend=backend, random_state=0)
            net._check_params()
            keys = KeyStream(meta["seed"], meta["counter"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: invalid header ({exc})") from exc
        continuous = net._continuous
        patterns = check_entry(path, arrays, "patterns", (None, net.n_neurons),
                               low=None if continuous else -1.0, high=None if continuous else 1.0)
        if not continuous and np.any(np.abs(patterns) != 1):
            raise ModelFileError(f"{path}: entry 'patterns' must hold only -1 and +1")
        check_entries(path, arrays, {"patterns"})
        if len(patterns):
            net._patterns = np.ascontiguousarray(patterns, dtype=np.dtype(net.dtype))
        net._keystream = keys
        return net


def capacity_theory(interaction, n_neurons, degree=3):
    """The number of patterns a memory of N neurons is predicted to store, for random patterns.

    ``"polynomial"``/``"rectified"`` (Krotov & Hopfield 2016, eq. for the no-error limit):
    ``N^(n-1) / (2 (2n-3)!! ln N)``; degree 2 gives the classical ``N / (2 ln N)``.
    ``"exponential"`` (Demircigil et al. 2017): ``exp(alpha N)`` for any ``alpha < ln(2) / 2``,
    returned at ``alpha = ln(2) / 2``, an upper bound.
    """
    n = float(n_neurons)
    if interaction in ("polynomial", "rectified"):
        double_factorial = math.prod(range(2 * degree - 3, 0, -2))
        return n ** (degree - 1) / (2 * double_factorial * math.log(n))
    if interaction == "exponential":
        return math.exp(math.log(2) / 2 * n)
    raise ValueError(f"no capacity law for interaction {interaction!r}")
