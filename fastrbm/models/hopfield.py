"""Hopfield networks: Hebbian and Storkey storage, asynchronous / synchronous /
Glauber dynamics, energies and the exact Gibbs measure of small networks.

The network has N neurons, symmetric weights W with zero diagonal and
thresholds theta. Internally states are bipolar, ``s in {-1, +1}^N``; with
``states="binary"`` the model reads and writes ``x in {0, 1}^N`` through the
exact conversion ``s = 2x - 1``, ``x = (s + 1) / 2``: the same network, the
same dynamics and the same energy ``E = -1/2 s^T W s + theta . s`` of the
bipolar state (patterns are stored as their bipolar images too).

Hebbian networks are kept in low-rank form as well (``W = P^T P / N - p/N I``
for the stored bipolar patterns P): while ``p < N/2`` energies and the initial
local fields of a recall go through the overlaps ``P s`` in O(pN) per state
instead of O(N^2), and asynchronous recall keeps the p overlaps up to date
instead of the N fields (``hopfield_async_lowrank``: O(p) per visited neuron
and per flip, exact integer arithmetic for the +-1 patterns, the same
trajectory as the dense sweep). Storkey networks and user-given weights use W
directly.
"""
import math
import numbers
from collections import namedtuple

import numpy as np

from .._io import ModelFileError, check_entries, check_entry, load_npz, meta_value, save_npz
from .._validation import check_binary, check_data, check_param, integer, one_of
from ..rng import KeyStream
from ._estimator import Estimator, LazyKernels
from ._pickle import BackendPickleMixin

__all__ = ["Hopfield", "RecallResult", "iterate_synchronously", "recall_demo"]

RULES = ("hebbian", "storkey")
STATES = ("bipolar", "binary")
MODES = ("async", "sync")
MAX_EXACT_NEURONS = 20

RecallResult = namedtuple("RecallResult", ["states", "converged", "sweeps"])
RecallResult.__doc__ = """Result of :meth:`Hopfield.recall`.

states : ndarray (B, N), the final states (in the model's representation).
converged : bool ndarray (B,), a fixed point was reached (Glauber: the last sweep flipped nothing).
sweeps : int ndarray (B,), sweeps (or synchronous steps) run per state.
"""


def iterate_synchronously(step, s, max_steps):
    """Apply ``new, done = step(s)`` to a batch of states until every row is done or ``max_steps``.

    ``done`` (host bool array (B,)) marks the rows that reached their fixed point in this step;
    returns ``(s, converged, steps)`` with the number of steps each row took (``max_steps`` if it
    never converged). Shared by the synchronous dynamics of Hopfield and DenseHopfield.
    """
    converged = np.zeros(s.shape[0], dtype=bool)
    steps = np.full(s.shape[0], max_steps, dtype=np.int64)
    for step_number in range(max_steps):  # one vectorised step of the whole batch per iteration
        new, done = step(s)
        done = done & ~converged
        steps[done] = step_number + 1
        converged |= done
        s = new
        if converged.all():
            break
    return s, converged, steps


class Hopfield(LazyKernels, BackendPickleMixin, Estimator):
    """A Hopfield network with compiled asynchronous dynamics.

    Parameters
    ----------
    n_neurons : int
        N, the number of neurons.
    rule : {"hebbian", "storkey"} or None
        Storage rule for :meth:`store` (None: a network of user-given weights, :meth:`from_weights`). Hebbian: ``w_ij = (1/N) sum_mu xi_i^mu xi_j^mu``
        (N = number of neurons), ``w_ii = 0``. Storkey (1997):
        ``w_ij += (1/N) (xi_i xi_j - xi_i h_ji - h_ij xi_j)`` with
        ``h_ij = sum_{k != i, j} w_ik xi_k``; higher capacity. Both are incremental.
    states : {"bipolar", "binary"}
        How states and patterns are read and written: +-1, or 0/1 (converted exactly).
    thresholds : array-like of shape (N,), optional
        theta; zeros by default.
    dtype : "float32" or "float64"
    backend : str, optional
        Kernel backend (``FASTRBM_BACKEND`` / ``auto`` by default).
    random_state : None, int or numpy.random.Generator
        Seeds the stream that draws visiting orders and Glauber decisions.

    The constructor only records these (scikit-learn's convention): they are checked, and the
    N x N weights allocated on the backend, by the first :meth:`store`, :meth:`recall`,
    :meth:`energy` or read of ``weights_``.

    Attributes
    ----------
    weights_ : ndarray of shape (N, N)
        The weight matrix (a host copy).
    thresholds_ : ndarray of shape (N,)
        theta (a host copy).
    n_patterns_ : int
        Patterns stored so far.

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.choice([-1.0, 1.0], size=(5, 100))
    >>> net = fastrbm.Hopfield(100, rule="storkey", random_state=0).store(patterns)
    >>> noisy = patterns * np.where(rng.random(patterns.shape) < 0.1, -1, 1)
    >>> result = net.recall(noisy)
    >>> bool((result.states == patterns).all())
    True
    """

    _pickle_drop = ("_patterns_dev", "_patterns_t_dev")  # caches, rebuilt on demand
    # hyper-parameters that fix the built network: set_params may not change them afterwards
    _structural = ("n_neurons", "rule", "dtype", "thresholds")

    def __init__(self, n_neurons, rule="hebbian", *, states="bipolar", thresholds=None,
                 dtype="float32", backend=None, random_state=None):
        self.n_neurons = n_neurons
        self.rule = rule
        self.states = states
        self.thresholds = thresholds
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state

    # ------------------------------------------------------------------ parameters and state
    _constraints = {
        "n_neurons": integer(1),
        "rule": one_of(*RULES, None),  # None: user-given weights (from_weights)
        "states": one_of(*STATES),
    }

    def _check_params(self):
        self._check_declared_params()
        self._check_dtype()

    @property
    def _dtype(self):
        return np.dtype(self.dtype)

    def _network(self):
        """The kernel set, with the network built on it: checked hyper-parameters, zero weights
        (N, N), thresholds and no patterns on first use; afterwards the structural
        hyper-parameters must not have changed (set_params)."""
        built = getattr(self, "_built_with", None)
        if built is None:
            self._check_params()
            n = self.n_neurons
            theta = np.zeros(n) if self.thresholds is None else self.thresholds
            theta = check_data(theta, name="thresholds", ndim=1, n_features=n, dtype=self._dtype, copy=True)
            K = self._K
            self._theta = K.asarray(theta)
            self._w = K.zeros((n, n), dtype=self._dtype)
            self._patterns = np.zeros((0, n), dtype=self._dtype)  # stored bipolar patterns (Hebbian)
            self._patterns_dev = self._patterns_t_dev = None
            self._n_patterns = 0
            self._built_with = {name: getattr(self, name) for name in self._structural}
        else:
            for name, value in built.items():
                now = getattr(self, name)
                # thresholds: a new array (the built network holds a copy of the old one)
                same = now is value if name == "thresholds" else (
                    np.dtype(now) == np.dtype(value) if name == "dtype" else now == value)
                if not same:
                    raise ValueError(f"{name} was changed after this Hopfield network was built (by store, "
                                     f"recall or energy): make a new Hopfield({name}=...) instead")
            self._check_params()  # states may change: it only converts
        return self._K

    @property
    def n_patterns_(self):
        """The number of patterns stored so far."""
        return getattr(self, "_n_patterns", 0)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_weights(cls, weights, thresholds=None, *, states="bipolar", dtype=None, backend=None,
                     random_state=None):
        """A network with user-given weights (square, symmetric, zero diagonal, finite).

        Symmetry is checked to a relative tolerance of 1e-6 and then made exact.
        Such a network has no storage rule: :meth:`store` raises.
        """
        w = np.asarray(weights)
        if w.ndim != 2 or w.shape[0] != w.shape[1]:
            raise ValueError(f"weights must be a square matrix, got shape {w.shape}")
        w = check_data(w, name="weights", dtype=dtype)
        problem = weights_problem(w)
        if problem:
            raise ValueError(f"weights {problem}")
        net = cls(w.shape[0], rule=None, states=states, thresholds=thresholds, dtype=w.dtype.name,
                  backend=backend, random_state=random_state)
        net._w = net._network().asarray((w + w.T) / 2)
        return net

    # ------------------------------------------------------------------ properties
    @property
    def weights_(self):
        """ndarray of shape (N, N): the weight matrix (a host copy)."""
        return self._network().to_numpy(self._w).copy()

    @property
    def thresholds_(self):
        """ndarray of shape (N,): theta (a host copy)."""
        return self._network().to_numpy(self._theta).copy()

    @property
    def _lowrank(self):
        """Use the Hebbian overlaps P s (O(pN)) instead of W s (O(N^2))?"""
        return self.rule == "hebbian" and 0 < self.n_patterns_ < self.n_neurons / 2

    # ------------------------------------------------------------------ conversions
    def _to_bipolar(self, x, name):
        """Validated (B, N) states in the model's representation -> bipolar array (never ``x`` itself:
        the dynamics update it in place)."""
        self._network()
        arr = check_data(x, name=name, n_features=self.n_neurons, dtype=self._dtype, copy=True, owner=type(self).__name__)
        if self.states == "binary":
            check_binary(arr, (0.0, 1.0), name=name)
            arr = 2 * arr - 1
        else:
            check_binary(arr, (-1.0, 1.0), name=name)
        return arr

    def _from_bipolar(self, s):
        s = self._K.to_numpy(s)
        return (s + 1) / 2 if self.states == "binary" else s

    # ------------------------------------------------------------------ storage
    def store(self, patterns):
        """Store patterns (p, N) with the network's rule; may be called again to add more.

        Returns
        -------
        self
        """
        K = self._network()
        if self.rule is None:
            raise ValueError("this network has user-given weights (from_weights): it has no storage rule")
        xi = self._to_bipolar(patterns, "patterns")
        if self.rule == "hebbian":
            self._w = K.hebbian_update(self._w, K.asarray(xi), 1.0 / self.n_neurons)
            self._patterns = np.vstack([self._patterns, xi])
            self._patterns_dev = self._patterns_t_dev = None
        else:
            self._w = K.storkey_update(self._w, K.asarray(xi), 1.0 / self.n_neurons)
        self._n_patterns += len(xi)
        return self

    @property
    def _lowrank_sweep(self):
        """Low-rank asynchronous sweeps? Their sums are exact integers below p N: keep p N
        within the dtype's exact-integer range."""
        return self._lowrank and self.n_patterns_ * self.n_neurons < 2 ** (np.finfo(self._dtype).nmant + 1)

    def _pattern_t_array(self):
        """The patterns transposed (N, p), C order: one neuron's entries are one contiguous row."""
        if self._patterns_t_dev is None:
            self._patterns_t_dev = self._K.asarray(np.ascontiguousarray(self._patterns.T))
        return self._patterns_t_dev

    def _pattern_array(self):
        if self._patterns_dev is None:
            self._patterns_dev = self._K.asarray(self._patterns)
        return self._patterns_dev

    # ------------------------------------------------------------------ dynamics
    def _fields(self, s):
        """Local fields S W (low rank when cheaper)."""
        K = self._K
        if self._lowrank:
            return K.hopfield_fields_lowrank(self._pattern_array(), 1.0 / self.n_neurons, s)
        return K.matmul(s, self._w)

    def recall(self, states, max_sweeps=100, beta=None, mode="async"):
        """Run a batch of independent states to a fixed point (or ``max_sweeps``).

        Parameters
        ----------
        states : array-like of shape (B, N)
            Start states (+-1, or 0/1 with ``states="binary"``).
        max_sweeps : int
            At most this many sweeps (asynchronous) or steps (synchronous).
        beta : float, optional
            None: deterministic ``s_i = sign(h_i)``, ties ``h_i == 0`` keep ``s_i``
            (``h_i = sum_j w_ij s_j - theta_i``). A number >= 0: Glauber dynamics at inverse
            temperature beta, ``P(s_i = +1) = sigmoid(2 beta h_i)``, for exactly
            ``max_sweeps`` sweeps (it samples ``exp(-beta E)``). ``beta=inf`` is zero
            temperature: the same deterministic dynamics as None. NaN is rejected.
        mode : {"async", "sync"}
            Asynchronous sweeps (every neuron once per sweep, random order from the
            model's stream) or synchronous updates of all neurons at once
            (deterministic only; may end in a 2-cycle, reported as not converged).

        Returns
        -------
        RecallResult
            ``states`` (B, N), ``converged`` (B,) bool, ``sweeps`` (B,) int.
        """
        check_param("max_sweeps", max_sweeps, kind=numbers.Integral, low=1)
        check_param("mode", mode, choices=MODES)
        if beta is not None:
            check_param("beta", beta, low=0, allow_inf=True)  # inf: zero temperature
            if mode == "sync":
                raise ValueError("Glauber dynamics (beta given) are asynchronous: use mode='async'")
        s = self._to_bipolar(states, "states")
        K = self._K
        s = K.asarray(s)
        if mode == "sync":
            return self._recall_sync(s, max_sweeps)
        beta = np.inf if beta is None else float(beta)
        if self._lowrank_sweep:
            q = self._pattern_t_array()
            s, _, sweeps, converged = K.hopfield_async_lowrank(q, 1.0 / self.n_neurons, self._theta, s,
                                                              K.matmul(s, q), self._keys().next_key(),
                                                              max_sweeps, beta)
        else:
            s, _, sweeps, converged = K.hopfield_async(self._w, self._theta, s, self._fields(s),
                                                      self._keys().next_key(), max_sweeps, beta)
        return RecallResult(self._from_bipolar(s), K.to_numpy(converged).astype(bool),
                            K.to_numpy(sweeps).astype(np.int64))

    def _recall_sync(self, s, max_steps):
        K = self._K

        def step(s):
            new, changed = K.hopfield_sync(self._fields(s), self._theta, s)
            return new, K.to_numpy(changed) == 0

        s, converged, steps = iterate_synchronously(step, s, max_steps)
        return RecallResult(self._from_bipolar(s), converged, steps)

    # ------------------------------------------------------------------ energy and Gibbs measure
    def energy(self, states):
        """Energies ``E(s) = -1/2 s^T W s + theta . s`` of states (B, N) -> ndarray (B,).

        Binary states are evaluated through their bipolar image ``2x - 1``.
        """
        s = self._to_bipolar(states, "states")
        K = self._K
        s = K.asarray(s)
        if self._lowrank:
            e = K.hopfield_energy_lowrank(self._pattern_array(), 1.0 / self.n_neurons, self._theta, s)
        else:
            e = K.hopfield_energy(self._w, self._theta, s)
        return K.to_numpy(e)

    def exact_distribution(self, beta):
        """Enumerate all 2^N states (N <= 20): the Gibbs measure ``exp(-beta E) / Z``.

        Returns
        -------
        states : ndarray (2^N, N)
            Every state, in the model's representation; row k has neuron i equal to
            bit ``N - 1 - i`` of k (0 -> -1 or 0, 1 -> +1 or 1): lexicographic order.
        probabilities : ndarray (2^N,), float64
        log_z : float
            ``log Z(beta) = log sum_s exp(-beta E(s))``.
        """
        check_param("beta", beta, low=0)  # finite: beta = inf would give 0 * inf = NaN for zero-energy states
        n = self.n_neurons
        if n > MAX_EXACT_NEURONS:
            raise ValueError(f"exact_distribution enumerates 2^N states: N = {n} > {MAX_EXACT_NEURONS} is too many")
        codes = np.arange(2**n, dtype=np.int64)
        bits = (codes[:, None] >> np.arange(n - 1, -1, -1)) & 1
        bipolar = (2 * bits - 1).astype(np.float64)
        K = self._network()
        w64 = K.asarray(self.weights_.astype(np.float64))
        t64 = K.asarray(self.thresholds_.astype(np.float64))
        chunk = 1 << 16
        energies = np.concatenate([K.to_numpy(K.hopfield_energy(w64, t64, K.asarray(bipolar[i:i + chunk])))
                                   for i in range(0, len(bipolar), chunk)])
        logp = -beta * energies
        top = logp.max()
        log_z = top + math.log(np.exp(logp - top).sum())
        states = bits.astype(self._dtype) if self.states == "binary" else bipolar.astype(self._dtype)
        return states, np.exp(logp - log_z), float(log_z)

    # ------------------------------------------------------------------ persistence
    def save(self, path):
        """Write the network to ``path`` (.npz, atomic); returns the path written."""
        self._network()
        meta = {"n_neurons": self.n_neurons, "rule": self.rule, "states": self.states,
                "dtype": self._dtype.name, "n_patterns": self.n_patterns_,
                "random_state": self._header_params()["random_state"], **self._keys().state()}
        arrays = {"weights": self.weights_, "thresholds": self.thresholds_, "patterns": self._patterns}
        return save_npz(path, "Hopfield", arrays, meta)

    @classmethod
    def load(cls, path, backend=None):
        """Read a network written by :meth:`save` (same weights, thresholds and random stream)."""
        arrays, meta = load_npz(path, "Hopfield")
        try:  # the file is untrusted: check the header and every array before any kernel sees them
            n = meta_value(path, meta, "n_neurons", low=1)
            n_patterns = meta_value(path, meta, "n_patterns", low=0)
            keys = KeyStream(meta["seed"], meta["counter"])
            seed = meta.get("random_state")
            if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
                raise ModelFileError(f"{path}: header field 'random_state' must be an integer or null, got {seed!r}")
            thresholds = check_entry(path, arrays, "thresholds", (n,))
            net = cls(n, rule=meta["rule"], states=meta["states"], thresholds=thresholds,
                      dtype=meta["dtype"], backend=backend, random_state=seed)
            net._network()
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: invalid header ({exc})") from exc
        weights = check_entry(path, arrays, "weights", (n, n))
        problem = weights_problem(weights)
        if problem:  # asymmetric weights: the energy and the dynamics' convergence no longer hold
            raise ModelFileError(f"{path}: entry 'weights' {problem}")
        n_stored = n_patterns if net.rule == "hebbian" else 0
        patterns = check_entry(path, arrays, "patterns", (n_stored, n), low=-1.0, high=1.0)
        if np.any(np.abs(patterns) != 1):
            raise ModelFileError(f"{path}: entry 'patterns' must hold only -1 and +1")
        check_entries(path, arrays, {"weights", "thresholds", "patterns"})
        net._w = net._K.asarray(np.ascontiguousarray(weights, dtype=net._dtype))
        net._patterns = np.ascontiguousarray(patterns, dtype=net._dtype)
        net._n_patterns = n_patterns
        net._keystream = keys
        return net


def weights_problem(w):
    """What is wrong with Hopfield weights ``w`` (finite, square): not symmetric (relative
    tolerance 1e-6) or a non-zero diagonal; None when they are fine."""
    scale = max(float(np.abs(w).max()), np.finfo(w.dtype).tiny)
    if not np.allclose(w, w.T, rtol=1e-6, atol=1e-6 * scale):
        i, j = np.unravel_index(np.argmax(np.abs(w - w.T)), w.shape)
        return f"must be symmetric: w[{i}, {j}] = {w[i, j]:g} but w[{j}, {i}] = {w[j, i]:g}"
    if np.any(np.diag(w) != 0):
        i = int(np.flatnonzero(np.diag(w))[0])
        return f"must have a zero diagonal (no self-connections): w[{i}, {i}] = {w[i, i]:g}"
    return None


def recall_demo(images, n_patterns=3, noise=0.1, corruption="flip", rule="storkey", path=None,
                image_shape=None, max_sweeps=50, beta=None, backend=None, random_state=None):
    """Store binarised images, corrupt them, recall them, optionally save a picture.

    Parameters
    ----------
    images : array-like of shape (n, h*w), values in [0, 1]
        For example MNIST digits; the first ``n_patterns`` are stored (binarised at 0.5).
    noise : float
        Fraction of pixels flipped (``corruption="flip"``).
    corruption : {"flip", "mask"}
        Flip a random fraction of pixels, or blank the lower half of each image.
    path : str, optional
        Where to save a PNG grid: originals / corrupted / recalled, one row each.
    image_shape : (h, w), optional
        Tile shape in the picture; default: square, padded with background when N is not.
    max_sweeps, beta
        As in :meth:`Hopfield.recall` (beta None: deterministic dynamics).

    Returns
    -------
    dict with ``original``, ``corrupted``, ``recalled`` (each (n_patterns, N) in {0, 1}),
    ``converged``, ``sweeps``, ``energy_before`` and ``energy_after`` (per pattern) and ``path``.

    Notes
    -----
    Digits are strongly correlated (mostly background), so with more than a few
    stored digits some recalls end in spurious mixtures; Storkey's rule copes
    better than Hebb's (whose digits all fall into one mixture state).
    """
    check_param("corruption", corruption, choices=("flip", "mask"))
    check_param("noise", noise, low=0, high=1)
    images = check_data(images, name="images", low=0.0, high=1.0)
    if not 1 <= n_patterns <= len(images):
        raise ValueError(f"n_patterns must be in [1, {len(images)}], got {n_patterns}")
    original = (images[:n_patterns] > 0.5).astype(np.float32)
    rng = np.random.default_rng(random_state)
    if corruption == "flip":
        flip = rng.random(original.shape) < noise
        corrupted = np.where(flip, 1 - original, original)
    else:
        corrupted = original.copy()
        corrupted[:, original.shape[1] // 2:] = 0
    net = Hopfield(original.shape[1], rule=rule, states="binary", backend=backend,
                   random_state=rng.integers(2**63)).store(original)
    result = net.recall(corrupted, max_sweeps=max_sweeps, beta=beta)
    if path is not None:
        from ..plotting import pad_to_square, save_image_grid
        rows = np.vstack([original, corrupted, result.states])
        if image_shape is None:
            rows, image_shape = pad_to_square(rows)
        save_image_grid(path, rows, image_shape, n_cols=n_patterns)
    return {"original": original, "corrupted": corrupted, "recalled": result.states,
            "converged": result.converged, "sweeps": result.sweeps,
            "energy_before": net.energy(corrupted), "energy_after": net.energy(result.states), "path": path}

