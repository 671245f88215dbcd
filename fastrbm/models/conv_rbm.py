"""Convolutional RBM (Lee, Grosse, Ranganath & Ng 2009; Norouzi 2009).

F filters of shape (h, w) share their weights over every position of an (H, W)
image (valid convolution, stride 1), so each filter has one hidden map of
(Ho, Wo) = (H - h + 1, W - w + 1) units and one bias; the visible units share
one bias. The maths and the random-number contract are in
``fastrbm/kernels/reference/conv.py``; this module schedules the steps.

Every convolution is ``im2col`` / ``col2im`` (NumPy, on the host) around one
``K.matmul`` (BLAS on the CPU backends, the device product on cuda), and every
Bernoulli draw is the backend's ``gibbs_half_step``, so all backends draw the
same samples from the stream. On cuda the patches and the visible accumulation
cross to the host and back at every half-step: correct, not fast.
"""
import numbers
import time

import numpy as np
from tqdm.auto import tqdm

from .. import interrupt, likelihood
from .._io import ModelFileError, check_entries, check_entry, load_npz, meta_value, save_npz
from .._validation import as_array, check_data, check_is_fitted, check_param, integer, one_of, real
from ..kernels import _conv_host
from ..kernels.reference import conv
from ..kernels.reference import rbm as reference
from ..kernels.reference.rng import uniform
from ..rng import KeyStream, seed_from_random_state
from ._estimator import Estimator, LazyKernels
from ._pickle import BackendPickleMixin
from .rbm import CD_CONSTRAINTS, MONITOR_ROWS

__all__ = ["ConvRBM"]

VISIBLE = ("binary", "gaussian")


def _check_shape(name, value):
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise ValueError(f"{name} must be a pair of positive integers (height, width), got {value!r}")
    for v in value:
        check_param(name, v, kind=numbers.Integral, low=1)
    return tuple(int(v) for v in value)


class ConvRBM(LazyKernels, BackendPickleMixin, Estimator):
    """Convolutional RBM with binary (or unit-variance Gaussian) visible units, trained by CD-k or PCD-k.

    ``E(v, h) = -sum_f sum_{yx} h_f[y, x] ((W_f conv v)[y, x] + c_f) - b sum v`` (binary visible
    units; Gaussian: ``+ sum (v - b)^2 / 2`` instead of ``- b sum v``), so that
    ``p(h_f = 1 | v) = sigmoid(W_f conv v + c_f)`` (valid correlation) and
    ``p(v = 1 | h) = sigmoid(sum_f h_f conv_full flip(W_f) + b)``.

    Parameters
    ----------
    n_filters : int
        F, the number of filters (hidden maps).
    filter_shape : (int, int)
        (h, w), at most ``image_shape``.
    image_shape : (int, int)
        (H, W); rows of ``X`` are images flattened in C order (or ``X`` is (n, H, W)).
    visible : {"binary", "gaussian"}
        Gaussian units have unit variance: standardise the data first.
    pooling : int
        p: probabilistic max-pooling over p x p blocks of each hidden map (Lee et al. 2009,
        section 3.3), at most one unit on per block; 1 means none. (Ho, Wo) must be multiples of p.
    learning_rate, batch_size, n_epochs, k, persistent, momentum, final_momentum, momentum_switch_epoch,
    weight_decay : as in :class:`fastrbm.RBM`.
        Gradients are means over the images and the hidden positions of the minibatch. On binarised
        MNIST (24 filters 7 x 7) ``learning_rate=0.5`` turned most hidden units off for good
        (mean p(h) 0.02, reconstruction error stuck at 0.075); 0.1-0.2 learn, and smaller
        minibatches (more steps) learn faster (docs/conv_rbm.md).
    sparsity_target : float in (0, 1) or None
        Lee et al.'s regulariser: after each step the hidden biases move by
        ``sparsity_cost * (sparsity_target - mean p(h_f | v))`` (mean over the minibatch's positions).
    sparsity_cost : float
    dtype, backend, random_state, verbose : as in :class:`fastrbm.RBM`.

    Attributes
    ----------
    W_ : ndarray of shape (n_filters, h, w)
    b_ : ndarray of shape (1,)  the shared visible bias
    c_ : ndarray of shape (n_filters,)  one hidden bias per filter
    history_ : list of dict, one per epoch (``reconstruction_error``, ``seconds``)

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> X = (np.random.default_rng(0).random((50, 64)) < 0.2).astype(np.float32)
    >>> crbm = fastrbm.ConvRBM(4, (3, 3), (8, 8), n_epochs=1, random_state=0).fit(X)
    >>> crbm.transform(X).shape  # 4 maps of 6 x 6
    (50, 144)
    """

    _kind = "ConvRBM"
    _pickle_drop = ("_buffers",)  # workspaces, rebuilt on demand
    _sklearn_role = "transformer"

    def __init__(self, n_filters=24, filter_shape=(7, 7), image_shape=(28, 28), *, visible="binary", pooling=1,
                 learning_rate=0.1, batch_size=100, n_epochs=10, k=1, persistent=False, momentum=0.5,
                 final_momentum=0.9, momentum_switch_epoch=5, weight_decay=2e-4, sparsity_target=None,
                 sparsity_cost=0.1, dtype="float32", backend=None, random_state=None, verbose=False):
        self.n_filters = n_filters
        self.filter_shape = filter_shape
        self.image_shape = image_shape
        self.visible = visible
        self.pooling = pooling
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.k = k
        self.persistent = persistent
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.momentum_switch_epoch = momentum_switch_epoch
        self.weight_decay = weight_decay
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose
        self.W_ = self.b_ = self.c_ = None

    # ------------------------------------------------------------------ parameters
    _constraints = {
        "n_filters": integer(1),
        "visible": one_of(*VISIBLE),
        "pooling": integer(1),
        **CD_CONSTRAINTS,
        "sparsity_target": real(0, 1, low_open=True, high_open=True, optional=True),
        "sparsity_cost": real(0),
    }

    def _check_params(self):
        self._check_declared_params()
        h, w = _check_shape("filter_shape", self.filter_shape)
        H, W = _check_shape("image_shape", self.image_shape)
        if h > H or w > W:
            raise ValueError(f"filter_shape {self.filter_shape} is larger than image_shape {self.image_shape}; "
                             "a valid convolution needs h <= H and w <= W")
        Ho, Wo = H - h + 1, W - w + 1
        if Ho % self.pooling or Wo % self.pooling:
            raise ValueError(f"pooling={self.pooling} must divide the hidden map shape ({Ho}, {Wo}) "
                             f"= image_shape - filter_shape + 1")
        self._check_dtype()

    @property
    def _gaussian(self):
        return self.visible == "gaussian"

    @property
    def map_shape(self):
        """(Ho, Wo): the shape of each hidden map."""
        (H, W), (h, w) = self.image_shape, self.filter_shape
        return H - h + 1, W - w + 1

    @property
    def n_hidden(self):
        """F * Ho * Wo hidden units."""
        Ho, Wo = self.map_shape
        return self.n_filters * Ho * Wo

    # ------------------------------------------------------------------ validation
    def _check_X(self, X, name="X", fitted=True):
        """Images as (n, H, W) of the model's dtype; ``X`` is (n, H * W) or (n, H, W)."""
        if fitted:
            check_is_fitted(self, "W_")
        H, W = self.image_shape
        X = as_array(X, name)  # sparse, ragged and complex input rejected with its name
        if np.ndim(X) == 3:
            if tuple(np.shape(X)[1:]) != (H, W):
                raise ValueError(f"{name} holds images of shape {np.shape(X)[1:]}, but image_shape is {(H, W)}")
            X = np.reshape(X, (len(X), H * W))
        elif np.ndim(X) == 2 and np.shape(X)[1] != H * W:
            raise ValueError(f"{name} has {np.shape(X)[1]} features, but image_shape {(H, W)} needs {H * W} "
                             "(images flattened in C order)")
        bounds = {} if self._gaussian else {"low": 0.0, "high": 1.0}
        X = check_data(X, name=name, dtype=np.dtype(self.dtype), owner=type(self).__name__, **bounds)
        return X.reshape(len(X), H, W)

    def _check_H(self, H_):
        check_is_fitted(self, "W_")
        n = check_data(H_, name="H", n_features=self.n_hidden, dtype=np.dtype(self.dtype), low=0.0, high=1.0,
                       owner=type(self).__name__)
        F, (Ho, Wo) = self.n_filters, self.map_shape
        return np.ascontiguousarray(n.reshape(-1, F, Ho, Wo).transpose(0, 2, 3, 1)).reshape(-1, F)

    # ------------------------------------------------------------------ conditionals
    def _workspace(self, slot, shape, dtype, make=np.empty):
        """A reused array for ``slot`` (made by ``make``: host, or ``K.empty`` for product outputs).

        A fresh 5-10 MB array per half-step cost more in page faults than the work written into
        it (``H @ W.T`` for 100 MNIST images: 13-39 ms fresh, 2.5 ms into a reused array). What a
        slot holds is valid until the next call that uses the slot.
        """
        buffers = getattr(self, "_buffers", None)
        if buffers is None:  # first call, or unpickled (dropped from the pickle)
            buffers = self._buffers = {}
        buf = buffers.get(slot)
        if buf is None or tuple(buf.shape) != tuple(shape) or buf.dtype != dtype:
            buf = buffers[slot] = make(shape, dtype)
        return buf

    def _im2col(self, V, slot="patches"):
        """Patches (n * Ho * Wo, h * w) of images ``V`` (n, H, W), on the host (CD keeps the data's
        patches in their own slot while the chain runs)."""
        rows = len(V) * self.map_shape[0] * self.map_shape[1]
        out = self._workspace(slot, (rows, self.filter_shape[0] * self.filter_shape[1]), np.dtype(V.dtype))
        return _conv_host.helpers_for(self._K.name)[0](V, self.filter_shape, out=out)

    def _col2im(self, Q):
        return _conv_host.helpers_for(self._K.name)[1](Q, self.image_shape, self.filter_shape)

    def _filters(self):
        """Filters as the (h * w, F) matrix of the products."""
        return np.ascontiguousarray(self.W_.reshape(self.n_filters, -1).T)

    def _hidden_pre(self, P):
        """``im2col(v) @ W`` from the patches ``P`` (n * Ho * Wo, h * w): shape (n * Ho * Wo, F), host."""
        K = self._K
        out = self._workspace("hidden_pre", (len(P), self.n_filters), P.dtype, K.empty)
        return K.to_numpy(K.matmul(K.asarray(P), K.asarray(self._filters()), out=out))

    def _hidden_step(self, P, sample=True):
        """``(p(h | v), h)`` as rows (n * Ho * Wo, F) from the patches ``P`` of v; ``h`` is None without ``sample``."""
        pre = self._hidden_pre(P)
        if self.pooling > 1:
            if not sample:
                return conv.pool_probabilities(pre, self.c_, self.pooling, self.map_shape)[0], None
            return conv.pool_half_step(pre, self.c_, self.pooling, self.map_shape, self._keys().next_key())
        K = self._K
        if not sample:  # in place on the host copy of the product
            return K.to_numpy(K.bias_sigmoid(K.asarray(pre), self.c_)), None
        return tuple(K.to_numpy(a) for a in K.gibbs_half_step(pre, self.c_, self._keys().next_key()))

    def _visible_pre(self, H_rows, n):
        """``sum_f h_f conv_full flip(W_f)``: ``col2im(H @ W.T)``, shape (n, H * W), host."""
        K = self._K
        out = self._workspace("visible_pre", (len(H_rows), self.W_[0].size), H_rows.dtype, K.empty)
        Q = K.to_numpy(K.matmul(K.asarray(H_rows), K.asarray(self._filters()), out=out, transpose_b=True))
        return self._col2im(Q).reshape(n, -1)

    def _visible_step(self, H_rows, n, sample=True):
        """``(p(v | h), v)`` (means for Gaussian units), images (n, H, W); ``v`` is None without ``sample``."""
        pre = self._visible_pre(H_rows, n)
        bias = np.full(pre.shape[1], self.b_[0], dtype=pre.dtype)
        K = self._K
        if not sample:
            p = pre + bias if self._gaussian else K.to_numpy(K.bias_sigmoid(K.asarray(pre), bias))
            return p.reshape(-1, *self.image_shape), None
        step = K.gaussian_half_step if self._gaussian else K.gibbs_half_step
        return tuple(K.to_numpy(a).reshape(-1, *self.image_shape) for a in step(pre, bias, self._keys().next_key()))

    def _rows_to_maps(self, rows):
        """(n * Ho * Wo, F) rows -> (n, F * Ho * Wo), maps in (filter, y, x) order."""
        Ho, Wo = self.map_shape
        return np.ascontiguousarray(rows.reshape(-1, Ho, Wo, self.n_filters).transpose(0, 3, 1, 2)).reshape(
            -1, self.n_hidden)

    def _in_batches(self, fn, V):
        """``fn`` over minibatches of ``V`` (the workspaces stay minibatch-sized), results concatenated."""
        return np.concatenate([fn(V[lo:lo + self.batch_size]) for lo in range(0, len(V), self.batch_size)])

    def transform(self, X):
        """Hidden probabilities ``p(h = 1 | v)``, shape (n_samples, n_filters * Ho * Wo) (maps flattened)."""
        return self._wrap_output(self._in_batches(
            lambda V: self._rows_to_maps(self._hidden_step(self._im2col(V), sample=False)[0]), self._check_X(X)), X)

    def transform_pooled(self, X):
        """Pooling-unit probabilities ``P(pooling unit on | v) = 1 - P(off | v)`` (Lee et al. 2009,
        the next layer's input in a convolutional DBN), shape (n_samples, n_filters * Ho/p * Wo/p),
        maps flattened in (filter, y, x) order; with ``pooling=1`` the same as :meth:`transform`."""
        def pooled(V):
            pre = self._hidden_pre(self._im2col(V))
            _, p_off = conv.pool_probabilities(pre, self.c_, self.pooling, self.map_shape)  # (n, Bo, Bx, F)
            return np.ascontiguousarray((1.0 - p_off).transpose(0, 3, 1, 2).astype(V.dtype)).reshape(len(V), -1)

        return self._in_batches(pooled, self._check_X(X))

    def _n_features_out(self):
        return self.n_hidden

    def sample_hidden(self, V):
        """``(p(h | v), h)`` for images ``V``: each (n, n_filters * Ho * Wo)."""
        return tuple(self._rows_to_maps(a) for a in self._hidden_step(self._im2col(self._check_X(V, "V"))))

    def sample_visible(self, H):
        """``(p(v | h), v)`` for hidden states ``H`` (n, n_filters * Ho * Wo): each (n, H * W)."""
        rows = self._check_H(H)
        n = len(rows) // (self.map_shape[0] * self.map_shape[1])
        return tuple(a.reshape(n, -1) for a in self._visible_step(rows, n))

    def reconstruct(self, X):
        """Mean-field reconstruction ``p(v | p(h | v))``, shape (n_samples, H * W)."""
        return self._in_batches(lambda V: self._mean_field(V).reshape(len(V), -1), self._check_X(X))

    def _mean_field(self, V):
        return self._visible_step(self._hidden_step(self._im2col(V), sample=False)[0], len(V), sample=False)[0]

    def free_energy(self, X):
        """Free energy ``F(v)`` of each image, shape (n_samples,); ``p(v) = exp(-F(v)) / Z``."""
        def energy(V):
            flat = V.reshape(len(V), -1).astype(np.float64)
            b = float(self.b_[0])
            visible = 0.5 * ((flat - b) ** 2).sum(axis=1) if self._gaussian else -b * flat.sum(axis=1)
            hidden = conv.pool_log_partition(self._hidden_pre(self._im2col(V)), self.c_, self.pooling, self.map_shape)
            return (visible - hidden).astype(V.dtype)

        return self._in_batches(energy, self._check_X(X))

    # ------------------------------------------------------------------ training
    def _initialise(self, X):
        """W ~ N(0, 0.01^2) from the stream; b the base-rate logit of the mean pixel (binary) or the mean; c = 0."""
        dtype = np.dtype(self.dtype)
        self._kernels = None  # the backend may have changed since the last fit
        self._keystream = KeyStream(seed_from_random_state(self.random_state))
        h, w = self.filter_shape
        _, noise = reference.gaussian_half_step(np.zeros((self.n_filters, h * w)), 0.0, self._keys().next_key())
        self.W_ = (0.01 * noise).reshape(self.n_filters, h, w).astype(dtype)
        mean = np.array([X.mean(dtype=np.float64)])
        self.b_ = (mean if self._gaussian else likelihood.base_rate_biases(mean[None], eps=1e-2)).astype(dtype)
        self.c_ = np.zeros(self.n_filters, dtype)
        self._velocity = [np.zeros_like(a) for a in (self.W_, self.b_, self.c_)]
        self._chain = None
        self.history_ = []
        self.n_epochs_done_ = 0

    def fit(self, X, y=None):
        """Train from scratch for ``n_epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, H * W) or (n_samples, H, W)
            Values in [0, 1] for binary visible units.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        X = self._check_X(X, fitted=False)
        self._initialise(X)
        for _ in tqdm(range(self.n_epochs), disable=not self.verbose, desc=type(self).__name__):
            self._epoch(X)
            if interrupt.requested():
                break
        self.interrupted_ = interrupt.requested()
        return self

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def partial_fit(self, X, y=None):
        """One more epoch over ``X`` (initialising the model on the first call)."""
        self._check_params()
        if self.W_ is None or getattr(self, "_velocity", None) is None:
            X = self._check_X(X, fitted=False)
            self._initialise(X)
        else:
            self._check_unchanged()
            X = self._check_X(X)
        self._epoch(X)
        return self

    def _check_unchanged(self):
        fitted = (self.W_.shape, self.W_.dtype)
        wanted = ((self.n_filters, *self.filter_shape), np.dtype(self.dtype))
        if fitted != wanted:
            raise ValueError(f"the fitted filters are {fitted[0]} {fitted[1].name}, but the hyper-parameters now "
                             f"ask for {wanted[0]} {wanted[1].name}: call fit to train a new model")

    def _epoch(self, X):
        start = time.perf_counter()
        momentum = self.momentum if self.n_epochs_done_ < self.momentum_switch_epoch else self.final_momentum
        n = len(X)
        order = np.argsort(uniform(self._keys().next_key(), (n,), np.float64), kind="stable")
        positions = self.map_shape[0] * self.map_shape[1]
        if self.persistent and (self._chain is None or len(self._chain) < min(self.batch_size, n) * positions):
            self._chain = self._hidden_step(self._im2col(X[order[:self.batch_size]]))[1]
        for lo in range(0, n, self.batch_size):
            self._cd_step(X[order[lo:lo + self.batch_size]], float(momentum))
            if interrupt.requested():
                break
        self.history_.append({"epoch": self.n_epochs_done_ + 1, "momentum": momentum,
                              "reconstruction_error": self._reconstruction_error(X[:MONITOR_ROWS]),
                              "seconds": time.perf_counter() - start})
        self.n_epochs_done_ += 1

    def _cd_step(self, v0, momentum):
        """One CD-k / PCD-k minibatch step on images ``v0`` (n, H, W), as ``reference.rbm.cd_step``
        with tied weights: the gradients sum over positions and are divided by n * Ho * Wo."""
        n = len(v0)
        rows = n * self.map_shape[0] * self.map_shape[1]
        P0 = self._im2col(v0, slot="data_patches")
        ph0, h = self._hidden_step(P0)
        if self.persistent:
            h = self._chain[:rows]
        for _ in range(self.k):
            _, v = self._visible_step(h, n)
            Pk = self._im2col(v)
            ph, h = self._hidden_step(Pk)
        if self.persistent:
            self._chain[:rows] = h
        grads = [pos - neg for pos, neg in zip(self._statistics(v0, P0, ph0), self._statistics(v, Pk, ph))]
        lr = float(self.learning_rate)
        for param, velocity, grad, decay in zip((self.W_, self.b_, self.c_), self._velocity, grads,
                                                (self.weight_decay, 0.0, 0.0)):
            velocity *= momentum
            velocity += (lr * (grad - decay * param)).astype(param.dtype)
            param += velocity
        if self.sparsity_target is not None:  # Lee et al. 2009: pull each map's mean activation to the target
            self.c_ += (self.sparsity_cost * (self.sparsity_target - ph0.mean(axis=0))).astype(self.c_.dtype)

    def _statistics(self, V, P, ph):
        """``-dF(v)/d(W, b, c)`` averaged over images and positions (pixels for ``b``), from the images
        ``V`` (n, H, W), their patches ``P`` and ``ph = p(h | v)`` rows: the CD gradient is the data's
        statistics minus the chain's. Shapes: (F, h, w), (1,), (F,)."""
        K = self._K
        corr = K.to_numpy(K.matmul(K.asarray(P), K.asarray(ph), transpose_a=True))  # (h * w, F)
        if self._gaussian:  # -dF/db = sum (v - b) for Gaussian units, sum v for binary ones
            db = np.mean(V - self.b_[0], dtype=np.float64)
        else:
            db = np.mean(V, dtype=np.float64)
        return corr.T.reshape(self.W_.shape) / len(P), np.array([db]), ph.sum(axis=0) / len(P)

    def _reconstruction_error(self, X):
        """Mean squared error per pixel of the mean-field reconstruction of images ``X``."""
        # in minibatches: 1,000 rows at once reallocated ~150 MB of workspaces twice per epoch
        sums = self._in_batches(lambda V: [np.sum((self._mean_field(V) - V) ** 2, dtype=np.float64)], X)
        return float(np.sum(sums) / X.size)

    # ------------------------------------------------------------------ generation
    def sample(self, n, n_steps=1000, init=None, return_probabilities=False):
        """Run ``n`` Gibbs chains for ``n_steps`` steps v -> h -> v.

        Parameters
        ----------
        n, n_steps : int
        init : None or array-like of shape (n, H * W)
            None starts from Bernoulli(1/2) noise.
        return_probabilities : bool
            Also return the last ``p(v | h)``.

        Returns
        -------
        samples : ndarray of shape (n, H * W)
        probabilities : ndarray of shape (n, H * W), only with ``return_probabilities``
        """
        check_is_fitted(self, "W_")
        check_param("n", n, kind=numbers.Integral, low=1)
        check_param("n_steps", n_steps, kind=numbers.Integral, low=1)
        if init is None:
            noise = uniform(self._keys().next_key(), (n, *self.image_shape), np.float64)
            v = (noise < 0.5).astype(self.dtype)
        else:
            v = self._check_X(init, "init")
            if len(v) != n:
                raise ValueError(f"init has {len(v)} rows, expected n={n}")
        p = v
        for _ in range(int(n_steps)):
            p, v = self._visible_step(self._hidden_step(self._im2col(v))[1], n)
        v, p = v.reshape(n, -1), p.reshape(n, -1)
        return (v, p) if return_probabilities else v

    def save_filters_png(self, path, n=100):
        """Save the first ``n`` filters as a PNG grid, each tile scaled to its own range."""
        from ..plotting import save_image_grid

        check_is_fitted(self, "W_")
        return save_image_grid(path, self.W_[:n].reshape(len(self.W_[:n]), -1), image_shape=self.filter_shape,
                               scale_each=True)

    # ------------------------------------------------------------------ files
    def save(self, path):
        """Save hyper-parameters, parameters, velocities, the PCD chain and history to ``path`` (.npz)."""
        check_is_fitted(self, "W_")
        self._check_params()
        self._check_unchanged()
        arrays = {"W": self.W_, "b": self.b_, "c": self.c_}
        if getattr(self, "_velocity", None) is not None:
            arrays.update(zip(("dW", "db", "dc"), self._velocity))
        if getattr(self, "_chain", None) is not None:
            arrays["chain"] = self._chain
        params = self._header_params()
        params["filter_shape"], params["image_shape"] = list(self.filter_shape), list(self.image_shape)
        meta = {"params": params, "history": getattr(self, "history_", []),
                "n_epochs_done": getattr(self, "n_epochs_done_", 0), "keys": self._keys().state()}
        return save_npz(path, self._kind, arrays, meta)

    @classmethod
    def load(cls, path, backend=None):
        """Load a model saved by :meth:`save`; every entry is checked (``ModelFileError`` otherwise)."""
        arrays, meta = load_npz(path, cls._kind)
        try:
            params = dict(meta["params"])
            params["filter_shape"], params["image_shape"] = tuple(params["filter_shape"]), tuple(
                params["image_shape"])
            if backend is not None:
                params["backend"] = backend
            model = cls(**params)
            model._check_params()
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: invalid hyper-parameters in the header ({exc})") from exc
        shapes = {"W": (model.n_filters, *model.filter_shape), "b": (1,), "c": (model.n_filters,)}
        dtype = np.dtype(model.dtype)
        params = [check_entry(path, arrays, name, shape).astype(dtype) for name, shape in shapes.items()]
        velocity = [check_entry(path, arrays, "d" + name, shape, optional=True) for name, shape in shapes.items()]
        if any(v is None for v in velocity) and not all(v is None for v in velocity):
            raise ModelFileError(f"{path}: the velocities dW, db, dc come together")
        chain = check_entry(path, arrays, "chain", (None, model.n_filters), low=0.0, high=1.0, optional=True)
        check_entries(path, arrays, {"W", "b", "c", "dW", "db", "dc", "chain"})
        try:
            model.history_ = list(meta.get("history", []))
            model.n_epochs_done_ = meta_value(path, meta, "n_epochs_done", default=0)
            model._keystream = KeyStream(**meta["keys"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: invalid header ({exc})") from exc
        model.W_, model.b_, model.c_ = params
        model._velocity = None if velocity[0] is None else [v.astype(dtype) for v in velocity]
        model._chain = None if chain is None else chain.astype(dtype)
        return model
