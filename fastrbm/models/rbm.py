"""Restricted Boltzmann machines: Bernoulli (``RBM``) and Gaussian-visible (``GaussianRBM``).

The model holds its parameters as backend arrays and calls the ``rbm``
kernels (``fastrbm/kernels/reference/rbm.py`` documents the maths); this module only
validates, schedules epochs and minibatches, and keeps the history.
"""
import numbers
import time

import numpy as np
from tqdm.auto import tqdm

from .. import interrupt, likelihood
from .._io import ModelFileError, check_entries, check_entry, load_npz, meta_value, save_npz
from .._validation import FLAG, check_data, check_is_fitted, check_param, integer, one_of, real
from ..kernels.reference import rbm as reference
from ..kernels.reference.rng import uniform
from ..rng import KeyStream, seed_from_random_state
from ._centering import centered_update, follow
from ._estimator import Estimator, LazyKernels
from ._pickle import BackendPickleMixin
from ._tempering import TemperingLadder

__all__ = ["RBM", "GaussianRBM"]

MONITOR_ROWS = 1000  # rows of the training data for the per-epoch reconstruction error (~2 % of an MNIST epoch)


# Key of the fixed uniforms that hash a row to the unit score_samples flips.
PSEUDO_LIKELIHOOD_KEY = 0x5EED_F11B
SAMPLERS = ("gibbs", "pt")


# The CD/PCD training hyper-parameters shared by RBM and ConvRBM.
CD_CONSTRAINTS = {
    "learning_rate": real(0, low_open=True),
    "batch_size": integer(1),
    "n_epochs": integer(0),
    "k": integer(1),
    "persistent": FLAG,
    "momentum": real(0, 1),
    "final_momentum": real(0, 1),
    "momentum_switch_epoch": integer(0),
    "weight_decay": real(0),
}


class RBM(LazyKernels, BackendPickleMixin, Estimator):
    """Bernoulli-Bernoulli restricted Boltzmann machine trained with CD-k or PCD-k.

    Parameters
    ----------
    n_hidden : int
        Number of hidden units.
    learning_rate : float
    batch_size : int
    n_epochs : int
        Epochs run by ``fit``.
    k : int
        Gibbs steps of the negative phase (CD-k / PCD-k).
    persistent : bool
        PCD: keep the negative chains across minibatches (Tieleman 2008).
    sampler : {"gibbs", "pt"}
        Negative phase (and default for :meth:`sample`): Gibbs chains, or parallel tempering
        (Desjardins et al. 2010): ``n_temperatures`` persistent replicas at inverse temperatures
        evenly spaced on [0, 1] between the data's base-rate model and the RBM, neighbours
        swapped by the Metropolis rule; the replica at 1 is the PCD chain (``persistent`` is
        implied). The swap acceptance per pair is in ``history_`` (``swap_acceptance``).
    n_temperatures : int
        Replicas of parallel tempering (>= 2), the RBM's own included.
    centered : bool
        Centred gradient (Melchior, Fischer & Wiskott 2016): the visible and hidden offsets
        (``offsets_``) follow the data means; ``W_``, ``b_``, ``c_`` stay the ordinary parameters.
    centering_rate : float
        Moving-average rate of the offsets, per minibatch.
    dropout : float in [0, 1)
        Probability of dropping a hidden unit in training (Srivastava et al. 2014, section 8,
        "Dropout RBMs"): each training case of each minibatch draws a mask ``r`` (unit ``j``
        kept with probability ``1 - dropout``) from the model's random stream, the same on every
        backend, and keeps it for all ``k`` steps of its chain: ``p(h_j = 1 | v, r) =
        r_j sigmoid(c_j + (v W)_j)``, so a dropped unit is 0 in the positive and the negative
        statistics. Works with CD-k and PCD-k (the persistent hidden states are masked too);
        not with ``sampler="pt"`` or ``centered=True``. After training the model is the full RBM
        with the learned weights, unscaled (the paper gives no test-time rescaling for RBMs;
        ``p(h_j | v)`` of a retained unit does not depend on the mask). 0 (default): plain CD.
    momentum, final_momentum : float
        Momentum before and from epoch ``momentum_switch_epoch`` on (Hinton's guide: 0.5 -> 0.9).
    momentum_switch_epoch : int
    weight_decay : float
        L2 penalty on W (not the biases).
    dtype : {"float32", "float64"}
    backend : str or None
        ``numpy``, ``numba``, ``cython``, ``cuda`` or None (``FASTRBM_BACKEND``, default auto).
    random_state : None, int or numpy.random.Generator
    verbose : bool
        Show a progress bar over epochs.

    Attributes
    ----------
    W_ : ndarray of shape (n_visible, n_hidden)
    b_ : ndarray of shape (n_visible,)  visible biases
    c_ : ndarray of shape (n_hidden,)   hidden biases
    history_ : list of dict, one per epoch (``reconstruction_error``, ...)

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> X = (np.random.default_rng(0).random((500, 64)) < 0.2).astype(np.float32)
    >>> rbm = fastrbm.RBM(32, n_epochs=2, random_state=0).fit(X)
    >>> rbm.transform(X).shape
    (500, 32)
    """

    _kind = "RBM"
    _gaussian = False
    _sklearn_role = "transformer"
    _non_negative_input = True  # Bernoulli units: X in [0, 1]

    def __init__(self, n_hidden=256, *, learning_rate=0.1, batch_size=100, n_epochs=10, k=1,
                 persistent=False, sampler="gibbs", n_temperatures=10, centered=False, centering_rate=0.01,
                 dropout=0.0, momentum=0.5, final_momentum=0.9, momentum_switch_epoch=5,
                 weight_decay=2e-4, dtype="float32", backend=None, random_state=None, verbose=False):
        self.n_hidden = n_hidden
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.k = k
        self.persistent = persistent
        self.sampler = sampler
        self.n_temperatures = n_temperatures
        self.centered = centered
        self.centering_rate = centering_rate
        self.dropout = dropout
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.momentum_switch_epoch = momentum_switch_epoch
        self.weight_decay = weight_decay
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose
        self._W = self._b = self._c = None

    # ------------------------------------------------------------------ parameters
    _constraints = {
        "n_hidden": integer(1),
        **CD_CONSTRAINTS,
        "sampler": one_of(*SAMPLERS),
        "n_temperatures": integer(2),
        "centered": FLAG,
        "centering_rate": real(0, 1),
        "dropout": real(0, 1, high_open=True),
    }

    def _check_params(self):
        self._check_declared_params()
        if self.dropout > 0 and (self.sampler == "pt" or self.centered):
            raise ValueError(f"dropout={self.dropout!r} works with the Gibbs negative phase of plain CD/PCD only, "
                             f"not with sampler={self.sampler!r}, centered={self.centered!r}: use "
                             "sampler='gibbs' and centered=False, or dropout=0")
        self._check_dtype()

    def _np_dtype(self):
        return np.dtype(self.dtype)

    def _array_property(name):  # noqa: N805 - builds properties at class creation
        def getter(self):
            value = getattr(self, name, None)
            return None if value is None else self._K.to_numpy(value)

        def setter(self, value):
            self._set_param(name, value)

        return property(getter, setter)

    W_ = _array_property("_W")
    b_ = _array_property("_b")
    c_ = _array_property("_c")
    del _array_property

    def _set_param(self, name, value):
        self._check_params()
        # a copy: training updates the parameters in place, which must never write into the caller's array
        value = check_data(value, name=name.lstrip("_") + "_", ndim=np.ndim(value), dtype=self._np_dtype(),
                           copy=True)
        setattr(self, name, self._K.asarray(value))
        if name == "_W":
            self.n_features_in_ = np.shape(value)[0]

    @property
    def n_visible(self):
        check_is_fitted(self, "W_")
        return self.n_features_in_

    # ------------------------------------------------------------------ validation
    def _check_X(self, X, name="X", fitted=True):
        if fitted:
            check_is_fitted(self, "W_")
        bounds = {} if self._gaussian else {"low": 0.0, "high": 1.0}
        n_features = self.n_features_in_ if fitted else None
        return check_data(X, name=name, n_features=n_features, dtype=self._np_dtype(), **bounds, owner=type(self).__name__)

    # ------------------------------------------------------------------ training
    def _initialise(self, X):
        """W ~ N(0, 0.01^2), b = log(p / (1 - p)) of the data marginals (clipped), c = 0 (Hinton 2010)."""
        dtype = self._np_dtype()
        n_vis = X.shape[1]
        self._kernels = None  # hyper-parameters (backend) may have changed since the last fit
        self._keystream = KeyStream(seed_from_random_state(self.random_state))
        _, noise = reference.gaussian_half_step(np.zeros((n_vis, self.n_hidden)), 0.0, self._keys().next_key())
        self._set_param("_W", 0.01 * noise)
        self._set_param("_b", self._initial_visible_bias(X))
        self._set_param("_c", np.zeros(self.n_hidden))
        K = self._K
        self._velocity = [K.zeros(shape, dtype) for shape in ((n_vis, self.n_hidden), (n_vis,), (self.n_hidden,))]
        self._chain = None
        self._ladder, self._replicas = None, None
        # centring offsets (visible: the data means; hidden: 1/2, p(h) of the initial model)
        self.offsets_ = (X.mean(axis=0, dtype=np.float64), np.full(self.n_hidden, 0.5)) if self.centered else None
        self.history_ = []
        self.n_epochs_done_ = 0

    def _initial_visible_bias(self, X):
        return likelihood.base_rate_biases(X, eps=1e-2)

    def _prepare(self, X):
        """Model-space data (identity here; GaussianRBM rescales)."""
        return X

    def fit(self, X, y=None, *, X_val=None):
        """Train from scratch for ``n_epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_visible), values in [0, 1]
        y : ignored
            Accepted so that ``fit(X, y)`` works in scikit-learn pipelines and searches.
        X_val : array-like of shape (n_val, n_visible), optional
            Held-out data monitored each epoch (reconstruction error,
            pseudo-likelihood and the free-energy gap of Hinton's guide, section 6).

        Returns
        -------
        self
        """
        self._check_params()
        X = self._check_X(X, fitted=False)
        self._initialise(X)
        X_val = None if X_val is None else self._check_X(X_val, "X_val")
        for _ in tqdm(range(self.n_epochs), disable=not self.verbose, desc=type(self).__name__):
            self._epoch(X, X_val)
            if interrupt.requested():  # Ctrl-C under fastrbm.interrupt.stop_on_interrupt()
                break
        self.interrupted_ = interrupt.requested()
        return self

    def fit_transform(self, X, y=None, *, X_val=None):
        """``fit(X, X_val)`` then ``transform(X)``; ``y`` is ignored (scikit-learn Pipeline API)."""
        return self.fit(X, X_val=X_val).transform(X)

    def partial_fit(self, X, y=None):
        """One more epoch over ``X`` (initialising the model on the first call); ``y`` is ignored."""
        self._check_params()
        if getattr(self, "_W", None) is None or getattr(self, "_velocity", None) is None:
            X = self._check_X(X, fitted=False)
            self._initialise(X)
        else:
            self._check_unchanged("partial_fit")
            X = self._check_X(X)
        self._epoch(X, None)
        return self

    def _n_hidden_fitted(self):
        """Hidden units of the fitted weights (``n_hidden`` may have been changed by set_params since)."""
        return int(self._W.shape[1])

    def _check_unchanged(self, method):
        """Raise when a hyper-parameter that fixes the fitted arrays changed since ``fit`` (set_params)."""
        W = self._K.to_numpy(self._W) if getattr(self, "_W", None) is not None else None
        if W is None:
            return
        if W.shape[1] != self.n_hidden:
            raise ValueError(f"n_hidden was changed to {self.n_hidden} after fitting, but the fitted weights have "
                             f"{W.shape[1]} hidden units: call fit to train a new model ({method} continues "
                             "the fitted one)")
        if W.dtype != self._np_dtype():
            raise ValueError(f"dtype was changed to {self._np_dtype().name} after fitting, but the fitted weights "
                             f"are {W.dtype.name}: call fit to train a new model ({method} continues the fitted one)")

    def _epoch(self, X, X_val):
        K = self._K
        start = time.perf_counter()
        epoch = self.n_epochs_done_
        momentum = self.momentum if epoch < self.momentum_switch_epoch else self.final_momentum
        n = len(X)
        order = np.argsort(uniform(self._keys().next_key(), (n,), np.float64), kind="stable")
        pt = self._tempering(X, order) if self.sampler == "pt" else None
        if pt is None and self.persistent and (self._chain is None or len(self._chain) < min(self.batch_size, n)):
            first = K.asarray(self._prepare(X[order[:self.batch_size]]))
            _, self._chain = self._sample_hidden_k(first)
        for lo in range(0, n, self.batch_size):
            # prepared per minibatch: a learned visible scale (GaussianRBM) changes between steps
            v0 = K.asarray(self._prepare(X[order[lo:lo + self.batch_size]]))
            if pt is not None:  # the replica at beta = 1 is the persistent chain
                pt.swap(K, self._replicas, self._W, self._b, self._c, self._keys())
                pt.move(K, self._replicas, self._W, self._b, self._c, self._keys())
                _, hidden = self._sample_hidden_k(self._replicas[-1])
            else:
                hidden = self._chain if self.persistent else None
            chain = None if hidden is None else hidden[:len(v0)]
            if self.centered:
                end = self._centered_step(v0, chain, momentum)
                if chain is not None:  # (cd_step writes the chain in place)
                    hidden = self._with_first_rows(hidden, end)
            else:
                keep = self._dropout_mask(len(v0))  # (its key before the step's)
                K.cd_step(self._W, self._b, self._c, *self._velocity, v0, self._keys().next_key(),
                          k=self.k, learning_rate=float(self.learning_rate), momentum=float(momentum),
                          weight_decay=float(self.weight_decay), chain=chain, gaussian_visible=self._gaussian,
                          keep=keep)
            if pt is not None:
                _, self._replicas[-1] = self._sample_visible_k(hidden)
            elif self.persistent:
                self._chain = hidden
            self._after_step(v0)
            if interrupt.requested():
                break
        record = {"epoch": epoch + 1, "momentum": momentum,
                  "reconstruction_error": self._reconstruction_error(X[:MONITOR_ROWS])}
        if X_val is not None:
            record["val_reconstruction_error"] = self._reconstruction_error(X_val)
            if not self._gaussian:
                record["val_pseudo_likelihood"] = float(np.mean(self.score_samples(X_val)))
            record["free_energy_gap"] = float(np.mean(self.free_energy(X_val[:MONITOR_ROWS]))
                                              - np.mean(self.free_energy(X[:MONITOR_ROWS])))
        if pt is not None:
            # per neighbouring pair; None for a pair no swap was proposed to (one minibatch, odd pairs)
            record["swap_acceptance"] = [None if np.isnan(r) else float(r) for r in pt.acceptance()]
            pt.reset_counts()
        record["time_s"] = time.perf_counter() - start
        self.history_.append(record)
        self.n_epochs_done_ = epoch + 1

    def _tempering(self, X, order):
        """The parallel-tempering ladder; its replicas start on the first minibatch (every temperature)."""
        if getattr(self, "_ladder", None) is None:
            start = self._prepare(X[order[:self.batch_size]])
            self._ladder = TemperingLadder(self.n_temperatures, self.b_)
            self._replicas = [self._K.asarray(start.copy()) for _ in range(self.n_temperatures)]
        return self._ladder

    def _dropout_mask(self, n):
        """The hidden units each of ``n`` training cases keeps (``reference.dropout_mask``, a backend array,
        from the minibatch's own key); None without dropout, which then draws no key."""
        if self.dropout == 0:
            return None
        keep = reference.dropout_mask(self._keys().next_key(), (n, self._n_hidden_fitted()), float(self.dropout),
                                      self._np_dtype())
        return self._K.asarray(keep)

    def _centered_step(self, v0, chain, momentum):
        """CD-k / PCD-k with the centred gradient (``_centering``); returns the chain's final hidden states."""
        K = self._K
        ph0, h = self._sample_hidden_k(v0)
        if chain is not None:
            h = chain
        for _ in range(self.k):
            _, v = self._sample_visible_k(h)
            ph, h = self._sample_hidden_k(v)
        n = len(v0)

        def means(v, p):
            return (K.to_numpy(K.matmul(v, p, transpose_a=True)) / n, K.to_numpy(v).mean(axis=0),
                    K.to_numpy(p).mean(axis=0))

        stats = means(v0, ph0) + means(v, ph)
        params = [K.to_numpy(a) for a in (self._W, self._b, self._c)]  # the arrays themselves on host backends
        velocity = [K.to_numpy(a) for a in self._velocity]
        centered_update(params, velocity, stats, self.offsets_, float(self.learning_rate), float(momentum),
                        float(self.weight_decay))
        if not isinstance(self._W, np.ndarray):  # device backends: copy the updated parameters back
            self._W, self._b, self._c = (K.asarray(a) for a in params)
            self._velocity = [K.asarray(a) for a in velocity]
        mu, lam = self.offsets_
        follow(mu, stats[1], self.centering_rate)
        follow(lam, stats[2], self.centering_rate)
        return h

    def _with_first_rows(self, states, rows):
        """``states`` with its first ``len(rows)`` rows replaced by ``rows`` (backend arrays)."""
        if len(rows) == len(states):
            return rows
        K = self._K
        host = K.to_numpy(states).copy()
        host[:len(rows)] = K.to_numpy(rows)
        return K.asarray(host)

    def _after_step(self, v0):
        """Hook after each CD step on the model-space minibatch ``v0`` (GaussianRBM learns its scale)."""

    def _reconstruction_error(self, X):
        """Mean squared error per unit of the mean-field reconstruction."""
        return float(np.mean((self._restore(self._mean_field(self._prepare(X))) - X) ** 2))

    # ------------------------------------------------------------------ conditionals
    def _sample_hidden_k(self, V):
        K = self._K
        return K.gibbs_half_step(K.matmul(V, self._W), self._c, self._keys().next_key())

    def _sample_visible_k(self, H):
        K = self._K
        step = K.gaussian_half_step if self._gaussian else K.gibbs_half_step
        return step(K.matmul(H, self._W, transpose_b=True), self._b, self._keys().next_key())

    def transform(self, X):
        """Hidden probabilities ``p(h = 1 | v)``, shape (n_samples, n_hidden)
        (a DataFrame under ``set_output(transform="pandas")``)."""
        V = self._prepare(self._check_X(X))
        return self._wrap_output(self._K.to_numpy(self._sample_hidden_k(self._K.asarray(V))[0]), X)

    def _n_features_out(self):
        check_is_fitted(self, "W_")
        return self._n_hidden_fitted()

    def sample_hidden(self, V):
        """``(p(h | v), h)`` for visible states ``V`` (n, n_visible): probabilities and 0/1 samples."""
        V = self._prepare(self._check_X(V, "V"))
        return tuple(self._K.to_numpy(a) for a in self._sample_hidden_k(self._K.asarray(V)))

    def sample_visible(self, H):
        """``(p(v | h), v)`` for hidden states ``H`` (n, n_hidden): probabilities (means) and samples."""
        check_is_fitted(self, "W_")
        H = check_data(H, name="H", n_features=self._n_hidden_fitted(), dtype=self._np_dtype(), low=0.0, high=1.0, owner=type(self).__name__)
        return tuple(self._restore(self._K.to_numpy(a)) for a in self._sample_visible_k(self._K.asarray(H)))

    def _restore(self, V):
        """Data-space visible values (identity here; GaussianRBM rescales)."""
        return V

    def reconstruct(self, X):
        """Mean-field reconstruction ``p(v | p(h | v))``, shape (n_samples, n_visible)."""
        return self._restore(self._mean_field(self._prepare(self._check_X(X))))

    def _mean_field(self, V):
        """``E[v | p(h | v)]`` of model-space rows ``V`` (NumPy), without drawing samples."""
        K = self._K
        ph = K.bias_sigmoid(K.matmul(K.asarray(V), self._W), self._c)
        pre = K.matmul(ph, self._W, transpose_b=True)
        if self._gaussian:
            return K.to_numpy(pre) + self.b_
        return K.to_numpy(K.bias_sigmoid(pre, self._b))

    # ------------------------------------------------------------------ energies
    def free_energy(self, X):
        """Free energy ``F(v)`` of each row, shape (n_samples,); ``p(v) = exp(-F(v)) / Z``."""
        K = self._K
        X = self._prepare(self._check_X(X))
        return K.to_numpy(K.free_energy(K.asarray(X), self._W, self._b, self._c, self._gaussian))

    def energy(self, V, H):
        """Joint energy ``E(v, h)`` of paired rows of ``V`` (n, n_visible) and ``H`` (n, n_hidden)."""
        V = self._prepare(self._check_X(V, "V"))
        H = check_data(H, name="H", n_features=self._n_hidden_fitted(), dtype=self._np_dtype(), low=0.0, high=1.0, owner=type(self).__name__)
        if len(V) != len(H):
            raise ValueError(f"V and H need the same number of rows, got {len(V)} and {len(H)}")
        W, b, c = self.W_, self.b_, self.c_
        visible = 0.5 * ((V - b) ** 2).sum(axis=1) if self._gaussian else -(V @ b)
        return visible - H @ c - np.einsum("ij,ij->i", V @ W, H)

    def score_samples(self, X):
        """Pseudo-log-likelihood of each row (as scikit-learn's BernoulliRBM: one random unit flipped).

        ``n_visible * log sigmoid(F(v~) - F(v))`` where ``v~`` is ``v`` with one
        unit set to ``1 - v_i``. Binary data give the usual estimate; for values in
        (0, 1) it is a heuristic, as in scikit-learn. The unit is drawn per row from a
        hash of the row (the fractional part of ``v . r``, ``r`` fixed uniforms), so a
        row's score does not depend on the other rows, their order or the call.
        """
        X = self._check_X(X)
        n, n_vis = X.shape
        h = X.astype(np.float64) @ uniform(PSEUDO_LIKELIHOOD_KEY, (n_vis,), np.float64)
        unit = np.minimum(((h - np.floor(h)) * n_vis).astype(np.int64), n_vis - 1)
        flipped = X.copy()
        rows = np.arange(n)
        flipped[rows, unit] = 1 - flipped[rows, unit]
        gap = self.free_energy(flipped).astype(np.float64) - self.free_energy(X)
        return n_vis * -reference.softplus(-gap)

    # ------------------------------------------------------------------ generation
    def sample(self, n, n_steps=1000, init=None, return_probabilities=False, sampler=None):
        """Run ``n`` independent Gibbs chains (or tempered replica sets) for ``n_steps`` steps.

        Parameters
        ----------
        n : int
        n_steps : int
        init : None or array-like of shape (n, n_visible)
            Start states: None draws Bernoulli(1/2) noise; data start chains from data.
        return_probabilities : bool
            Also return the final ``p(v | h)``.
        sampler : {None, "gibbs", "pt"}
            None: the model's ``sampler``. ``"pt"``: parallel tempering with ``n_temperatures``
            replicas per chain, all started at ``init``; each step swaps neighbours, then moves
            every replica (the acceptance per pair is left in ``sample_swap_acceptance_``).

        Returns
        -------
        samples : ndarray (n, n_visible), binary for Bernoulli units
        probabilities : ndarray (n, n_visible), only when ``return_probabilities``
        """
        check_is_fitted(self, "W_")
        check_param("n", n, kind=numbers.Integral, low=1)
        check_param("n_steps", n_steps, kind=numbers.Integral, low=1)
        K = self._K
        if init is None:
            noise = uniform(self._keys().next_key(), (n, self.n_features_in_), np.float64)
            start = (noise < 0.5).astype(self._np_dtype())
        else:
            start = self._prepare(self._check_X(init, "init"))
            if len(start) != n:
                raise ValueError(f"init has {len(start)} rows, expected n={n}")
        sampler = self.sampler if sampler is None else sampler
        check_param("sampler", sampler, choices=SAMPLERS)
        if sampler == "pt":
            if self._gaussian:
                raise ValueError("sampler='pt' needs Bernoulli visible units; GaussianRBM samples with 'gibbs'")
            W, b, c = self._W, self._b, self._c
            pt = TemperingLadder(self.n_temperatures, self.b_)
            states = [K.asarray(start.copy()) for _ in range(self.n_temperatures)]
            for _ in range(int(n_steps)):
                pt.swap(K, states, W, b, c, self._keys())
                pt.move(K, states, W, b, c, self._keys())
                p, states[-1] = K.gibbs_chain(states[-1], W, b, c, self._keys().next_key(), 1, 0, False)
            self.sample_swap_acceptance_ = pt.acceptance()
            v = states[-1]
        else:
            p, v = K.gibbs_chain(K.asarray(start), self._W, self._b, self._c, self._keys().next_key(),
                                 int(n_steps), 0, self._gaussian)
        v = self._restore(K.to_numpy(v))
        return (v, self._restore(K.to_numpy(p))) if return_probabilities else v

    def gibbs(self, V):
        """One Gibbs step v -> h -> v from ``V`` (like scikit-learn's BernoulliRBM.gibbs)."""
        return self.sample(len(np.asarray(V)), 1, init=V)

    def save_samples_png(self, path, n=100, n_steps=1000, init=None, image_shape=(28, 28)):
        """Save a PNG grid of ``n`` samples (final probabilities, which read better than 0/1)."""
        from ..plotting import save_image_grid

        _, p = self.sample(n, n_steps, init=init, return_probabilities=True)
        return save_image_grid(path, p, image_shape=image_shape)

    def save_filters_png(self, path, n=100, image_shape=(28, 28)):
        """Save the first ``n`` learned filters (columns of W) as a PNG grid, each tile scaled to its range."""
        from ..plotting import save_image_grid

        check_is_fitted(self, "W_")
        return save_image_grid(path, self.W_.T[:n], image_shape=image_shape, scale_each=True)

    # ------------------------------------------------------------------ likelihood
    def log_partition(self, method="auto", *, n_betas=14500, n_runs=100, base_data=None, return_std=False):
        """log Z, exactly (smaller layer <= 25 units) or by AIS.

        Parameters
        ----------
        method : {"auto", "exact", "ais"}
            ``auto`` is exact when possible, else AIS.
        n_betas, n_runs : int
            AIS: intermediate distributions and independent runs.
        base_data : array-like (n, n_visible), optional
            AIS: data whose marginals set the base-rate model (default: the biases' sigmoid).
        return_std : bool
            Also return the standard error (0 for exact).
        """
        check_is_fitted(self, "W_")
        check_param("method", method, choices=("auto", "exact", "ais"))
        check_param("n_betas", n_betas, kind=numbers.Integral, low=2)
        check_param("n_runs", n_runs, kind=numbers.Integral, low=1)
        small = min(self.n_features_in_, self.n_hidden) <= likelihood.MAX_EXACT_UNITS
        if method == "exact" or (method == "auto" and small):
            log_z, std = likelihood.exact_log_partition(self._K, self.W_, self.b_, self.c_), 0.0
        else:
            if base_data is None:
                base_b = self.b_.astype(np.float64)
            else:
                base_b = likelihood.base_rate_biases(self._check_X(base_data, "base_data"))
            log_z, std, _ = likelihood.ais_log_partition(self._K, self._W, self._b, self._c, base_b,
                                                         self._keys(), n_betas, n_runs, self.verbose)
        return (log_z, std) if return_std else log_z

    def log_likelihood(self, X, *, log_z=None, **log_partition_args):
        """Average log-likelihood ``mean(-F(v)) - log Z`` of the rows of ``X`` (nats)."""
        if log_z is None:
            log_z = self.log_partition(**log_partition_args)
        return float(np.mean(-self.free_energy(X).astype(np.float64)) - log_z)

    # ------------------------------------------------------------------ files
    def save(self, path):
        """Save hyper-parameters, parameters, velocities, PCD chains and history to ``path`` (.npz)."""
        check_is_fitted(self, "W_")
        self._check_params()
        self._check_unchanged("save")
        params = self._header_params()
        arrays = {"W": self.W_, "b": self.b_, "c": self.c_}
        if getattr(self, "_velocity", None) is not None:
            arrays.update(zip(("dW", "db", "dc"), (self._K.to_numpy(v) for v in self._velocity)))
        if getattr(self, "_chain", None) is not None:
            arrays["chain"] = self._K.to_numpy(self._chain)
        if getattr(self, "offsets_", None) is not None:
            arrays["offset_visible"], arrays["offset_hidden"] = self.offsets_
        if getattr(self, "_ladder", None) is not None:
            arrays["replicas"] = np.stack([self._K.to_numpy(s) for s in self._replicas])
            arrays["replica_base"] = self._ladder.base_b
        arrays.update(self._extra_arrays())
        meta = {"params": params, "history": getattr(self, "history_", []),
                "n_epochs_done": getattr(self, "n_epochs_done_", 0), "keys": self._keys().state()}
        if getattr(self, "_ladder", None) is not None:
            meta["swap_parity"] = self._ladder.parity  # which neighbours the next swap proposes to
        return save_npz(path, self._kind, arrays, meta)

    def _extra_arrays(self):
        return {}

    @classmethod
    def load(cls, path, backend=None):
        """Load a model saved by :meth:`save` (optionally onto another ``backend``).

        The file is untrusted input: every array is checked (presence, dtype,
        shape against the hyper-parameters, finiteness) before any kernel sees
        it; a crafted or inconsistent file raises :class:`~fastrbm.ModelFileError`.
        """
        arrays, meta = load_npz(path, cls._kind)
        try:
            params = dict(meta["params"])
            if backend is not None:
                params["backend"] = backend
            model = cls(**params)
            model._check_params()
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: invalid hyper-parameters in the header ({exc})") from exc
        n_hid = model.n_hidden
        W = check_entry(path, arrays, "W", (None, n_hid))
        n_vis = W.shape[0]
        if n_vis < 1:
            raise ModelFileError(f"{path}: entry 'W' has shape {W.shape}, expected at least one visible unit")
        b = check_entry(path, arrays, "b", (n_vis,))
        c = check_entry(path, arrays, "c", (n_hid,))
        velocity = [check_entry(path, arrays, name, shape, optional=True)
                    for name, shape in (("dW", (n_vis, n_hid)), ("db", (n_vis,)), ("dc", (n_hid,)))]
        if any(v is None for v in velocity) and not all(v is None for v in velocity):
            missing = [n for n, v in zip(("dW", "db", "dc"), velocity) if v is None]
            raise ModelFileError(f"{path}: entry {missing[0]!r} is missing (the velocities come together)")
        chain = check_entry(path, arrays, "chain", (None, n_hid), low=0.0, high=1.0, optional=True)
        if chain is not None and len(chain) == 0:
            raise ModelFileError(f"{path}: entry 'chain' has shape {chain.shape}, expected at least one row")
        offsets = [check_entry(path, arrays, name, (size,), low=0.0, high=1.0, optional=not model.centered)
                   for name, size in (("offset_visible", n_vis), ("offset_hidden", n_hid))]
        replicas = check_entry(path, arrays, "replicas", (model.n_temperatures, None, n_vis), low=0.0, high=1.0,
                               optional=True)
        replica_base = check_entry(path, arrays, "replica_base", (n_vis,), optional=replicas is None)
        extra = model._check_extra(path, arrays, n_vis)
        check_entries(path, arrays, {"W", "b", "c", "dW", "db", "dc", "chain", "offset_visible", "offset_hidden",
                                     "replicas", "replica_base", *extra})
        try:
            history = meta.get("history", [])
            if not isinstance(history, list):
                raise TypeError(f"history is a {type(history).__name__}, not a list")
            n_done = meta_value(path, meta, "n_epochs_done", default=0)
            keys = KeyStream(**meta["keys"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: invalid header ({exc})") from exc
        model._set_param("_W", W)
        model._set_param("_b", b)
        model._set_param("_c", c)
        K = model._K
        dtype = model._np_dtype()
        if velocity[0] is not None:
            model._velocity = [K.asarray(np.ascontiguousarray(v, dtype=dtype)) for v in velocity]
        model._chain = K.asarray(np.ascontiguousarray(chain, dtype=dtype)) if chain is not None else None
        model.offsets_ = tuple(o.astype(np.float64) for o in offsets) if model.centered else None
        if replicas is not None:
            model._ladder = TemperingLadder(model.n_temperatures, replica_base)
            model._ladder.parity = min(meta_value(path, meta, "swap_parity", default=0), 1)
            model._replicas = [K.asarray(np.ascontiguousarray(r, dtype=dtype)) for r in replicas]
        model._load_extra(arrays)
        model.history_ = history
        model.n_epochs_done_ = n_done
        model._keystream = keys
        return model

    def _check_extra(self, path, arrays, n_vis):
        """Check the subclass's own entries of a model file; returns their names."""
        return ()

    def _load_extra(self, arrays):
        pass


VARIANCES = ("unit", "data", "learned")
MAX_LOG_SCALE_STEP = 0.1  # largest change of log s per CD step (learned variance)
MIN_SCALE = 1e-3


class GaussianRBM(RBM):
    """RBM with real-valued (Gaussian) visible units and Bernoulli hidden units.

    ``E(v, h) = sum_i (v_i - b_i)^2 / (2 s_i^2) - c.h - sum_ij (v_i / s_i) W_ij h_j``
    with the visible scales ``s`` (``sigma_``) chosen by ``variance``:

    * ``"unit"``: ``s = 1`` (standardise your data first);
    * ``"data"``: the per-feature standard deviation of the training data, fixed at ``fit``;
    * ``"learned"``: starts there and is learned with the other parameters, by gradient
      ascent on ``z = log s`` (Cho, Ilin & Raiko 2011): after each CD step,
      ``dz_i = lr * (<(u_i - b~_i)^2 - u_i (W p(h|u))_i>_data - <same>_model)`` with
      ``u = v / s`` and ``b~ = b / s``, the model term from a k-step chain started at the
      minibatch; ``|dz_i| <= 0.1`` per step, ``s >= 1e-3``.

    The model works on ``v / s`` internally (the same unit-variance kernels) and returns
    visible values in data units. Same API as :class:`RBM`; use a smaller learning rate
    (default 0.01). ``log_partition`` / ``log_likelihood`` are exact for ``n_hidden <= 25``
    (no AIS for Gaussian visible units).

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> X = np.random.default_rng(0).normal(3.0, 2.0, size=(500, 8)).astype(np.float32)
    >>> rbm = fastrbm.GaussianRBM(6, variance="data", n_epochs=3, random_state=0).fit(X)
    >>> rbm.sigma_.round(0)                                  # the data's standard deviations
    array([2., 2., 2., 2., 2., 2., 2., 2.], dtype=float32)
    >>> rbm.sample(4, n_steps=100).shape                     # samples in data units
    (4, 8)
    """

    _kind = "GaussianRBM"
    _gaussian = True
    _non_negative_input = False

    def __init__(self, n_hidden=256, *, learning_rate=0.01, batch_size=100, n_epochs=10, k=1,
                 persistent=False, dropout=0.0, momentum=0.5, final_momentum=0.9, momentum_switch_epoch=5,
                 weight_decay=2e-4, variance="unit", dtype="float32", backend=None, random_state=None,
                 verbose=False):
        super().__init__(n_hidden, learning_rate=learning_rate, batch_size=batch_size, n_epochs=n_epochs, k=k,
                         persistent=persistent, dropout=dropout, momentum=momentum, final_momentum=final_momentum,
                         momentum_switch_epoch=momentum_switch_epoch, weight_decay=weight_decay, dtype=dtype,
                         backend=backend, random_state=random_state, verbose=verbose)
        self.variance = variance

    _constraints = {"variance": one_of(*VARIANCES)}

    def _initialise(self, X):
        std = np.ones(X.shape[1]) if self.variance == "unit" else X.std(axis=0)
        self.sigma_ = np.where(std > 1e-6, std, 1.0).astype(self._np_dtype())
        super()._initialise(X)

    def _initial_visible_bias(self, X):
        return self._prepare(X).mean(axis=0)

    def _prepare(self, X):
        return X / self.sigma_

    def _restore(self, V):
        return V * self.sigma_

    def _after_step(self, v0):
        if self.variance != "learned":
            return
        K = self._K
        W, b_scaled = self._W, K.to_numpy(self._b)

        def statistic(u, ph):  # -s_i dE/ds_i averaged over the rows: (u - b~)^2 - u (W ph)
            top_down = K.to_numpy(K.matmul(ph, W, transpose_b=True))
            u = K.to_numpy(u)
            return np.mean((u - b_scaled) ** 2 - u * top_down, axis=0)

        _, u_model = K.gibbs_chain(v0, W, self._b, self._c, self._keys().next_key(), self.k, 0, True)
        grad = statistic(v0, self._sample_hidden_k(v0)[0]) - statistic(u_model, self._sample_hidden_k(u_model)[0])
        step = np.clip(float(self.learning_rate) * grad, -MAX_LOG_SCALE_STEP, MAX_LOG_SCALE_STEP)
        new_sigma = np.maximum(self.sigma_ * np.exp(step), MIN_SCALE).astype(self._np_dtype())
        # b (data units) = s * b~ stays put while s moves: rescale b~ and its velocity.
        ratio = self.sigma_ / new_sigma
        dtype = self._np_dtype()
        self._b = K.asarray((b_scaled * ratio).astype(dtype))  # not _set_param: no re-validation per step
        self._velocity[1] = K.asarray((K.to_numpy(self._velocity[1]) * ratio).astype(dtype))
        self.sigma_ = new_sigma

    def log_partition(self, method="auto", *, return_std=False, **_ais_options):
        """log Z of the model on ``u = v / s``, exactly (``n_hidden <= 25``: the visible units
        integrate out in closed form). No AIS for Gaussian visible units yet, so the AIS
        options of :meth:`RBM.log_partition` are accepted and unused."""
        check_is_fitted(self, "W_")
        check_param("method", method, choices=("auto", "exact", "ais"))
        if method == "ais" or self.n_hidden > likelihood.MAX_EXACT_UNITS:
            raise NotImplementedError(f"GaussianRBM: only exact log Z (n_hidden <= {likelihood.MAX_EXACT_UNITS}, "
                                      f"got {self.n_hidden}); AIS is implemented for Bernoulli RBMs only")
        log_z = likelihood.exact_log_partition_gaussian(self.W_, self.b_, self.c_)
        return (log_z, 0.0) if return_std else log_z

    def log_likelihood(self, X, *, log_z=None, **log_partition_args):
        """Average log-density of the rows of ``X`` in data units (nats):
        ``mean(-F(v / s)) - log Z - sum_i log s_i`` (the last term: the change of variables)."""
        if log_z is None:
            log_z = self.log_partition(**log_partition_args)
        return super().log_likelihood(X, log_z=log_z) - float(np.sum(np.log(self.sigma_.astype(np.float64))))

    @property
    def score_samples(self):
        """Not available: pseudo-likelihood is defined for binary visible units only
        (an AttributeError, so that ``hasattr`` and scikit-learn see no such method)."""
        raise AttributeError("GaussianRBM has no score_samples: pseudo-likelihood is defined for binary "
                             "visible units only")

    def _extra_arrays(self):
        return {"sigma": self.sigma_}

    def _check_extra(self, path, arrays, n_vis):
        # files without sigma: unit variance only (a learned or data scale cannot be guessed)
        check_entry(path, arrays, "sigma", (n_vis,), low=np.finfo(np.float64).tiny, optional=self.variance == "unit")
        return ("sigma",)

    def _load_extra(self, arrays):
        self.sigma_ = arrays.get("sigma", np.ones(self.n_features_in_)).astype(self._np_dtype())
