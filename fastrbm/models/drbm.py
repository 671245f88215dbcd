"""The classification RBM of Larochelle & Bengio (2008): generative, discriminative or hybrid training.

One RBM over the input ``x`` and a one-hot class ``y`` in its visible layer (a softmax group,
as in the labelled top level of a DBN). ``p(y | x)`` is exact (a sum over C classes of
softplus sums); ``fastrbm/kernels/reference/drbm.py`` has the equations. The parameters are
stored as the joint RBM: ``W`` of shape (n_features + n_classes, n_hidden) whose last rows are
``U``, and ``b`` whose last entries are ``d``, so that the generative term is the existing
CD-k step with a label group (:func:`._top_rbm.cd_k_step`).

Each discriminative step is two backend products around a small host part:

1. ``[X, 0; 0, I] W`` (one ``matmul``) gives the hidden pre-activations ``X W`` and, in its
   last C rows, ``U``;
2. on the host, :func:`~fastrbm.kernels.reference.drbm.discriminative_gradient` forms the
   (n, C, H) class terms: ``G`` (n, H), ``grad_U`` (C, H) and ``grad_d`` (C);
3. ``[X, 0; 0, I]^T [G; grad_U]`` (one ``matmul``) is the whole weight gradient, applied
   with the backend's ``cd_update`` (as are those of the biases).

The (n, C, H) part has no compiled kernel yet: on the cuda backend it costs one (n + C, H)
copy each way per minibatch.
"""
import time

import numpy as np
from tqdm.auto import tqdm

from .. import interrupt
from .._io import ModelFileError, check_entries, check_entry, load_npz, meta_value, save_npz
from .._validation import check_data, check_is_fitted, integer, one_of, real
from ..kernels.reference import drbm as terms
from ..rng import KeyStream, seed_from_random_state
from ._common import check_labels, permutation
from ._estimator import Estimator, LazyKernels
from ._pickle import BackendPickleMixin
from ._top_rbm import cd_k_step, initial_parameters

__all__ = ["DiscriminativeRBM"]

OBJECTIVES = ("generative", "discriminative", "hybrid")
PREDICT_BATCH = 500  # rows per prediction pass: the host class terms hold (rows, C, H) floats
MONITOR_ROWS = 1000  # training rows whose error history_ records each epoch
INIT_STD = 0.1  # initial weights (standard deviation) with a discriminative term
INIT_STD_GENERATIVE = 0.01  # ... and for CD alone (Hinton 2010, sec. 8)


class DiscriminativeRBM(LazyKernels, BackendPickleMixin, Estimator):
    """Classification RBM (Larochelle & Bengio 2008) with the scikit-learn classifier API.

    Energy ``E(y, x, h) = -h.W x - b.x - c.h - d.y - h.U y`` over binary inputs ``x``, a
    one-hot class ``y`` and binary hidden units ``h``; predictions use the exact ``p(y | x)``.

    Parameters
    ----------
    n_hidden : int, default 1500
        Hidden units (the paper's hybrid model on MNIST: 1500; its discriminative one: 500).
    objective : {"hybrid", "discriminative", "generative"}, default "hybrid"
        ``"generative"``: CD-k on the joint ``log p(y, x)``. ``"discriminative"``: gradient
        ascent on ``log p(y | x)`` (paper, eq. 5, exact). ``"hybrid"``: on
        ``log p(y | x) + alpha log p(y, x)``, the second term by CD-k.
    alpha : float, default 0.01
        Weight of the generative term in the hybrid objective (the paper's choice on MNIST).
    learning_rate : float, default 0.5
        Step on the minibatch *mean* gradient. The paper's MNIST rate, 0.05, is per example
        (stochastic gradient); over a minibatch of 10 the same step per example is 0.5.
    batch_size : int, default 10
    n_epochs : int, default 30
    k : int, default 1
        Gibbs steps of the CD term.
    momentum : float, default 0.0
    weight_decay : float, default 0.0
        L2 penalty on the weights (W and U).
    dtype : {"float32", "float64"}
    backend : str or None
        ``numpy``, ``numba``, ``cython``, ``cuda`` or None (``FASTRBM_BACKEND``, default auto).
    random_state : None, int or numpy.random.Generator
    verbose : bool
        Progress bars over epochs and minibatches.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    W_ : ndarray of shape (n_features, n_hidden)
    U_ : ndarray of shape (n_classes, n_hidden)
    b_ : ndarray of shape (n_features,)
    c_ : ndarray of shape (n_hidden,)
    d_ : ndarray of shape (n_classes,)
    history_ : list of dict
        Per epoch: ``train_error`` (on the first 1000 rows), ``train_log_loss`` (mean
        ``-log p(y | x)`` over the epoch's minibatches, before each step; not for the
        generative objective), ``val_error`` when validation data was given, ``time_s``.
    best_epoch_ : int
        The epoch whose parameters were kept (the last, or the best ``val_error``).

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> X = (rng.random((400, 20)) < np.where(y[:, None] == 1, 0.8, 0.2)).astype(np.float32)
    >>> clf = fastrbm.DiscriminativeRBM(16, n_epochs=5, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    _kind = "DiscriminativeRBM"
    _sklearn_role = "classifier"
    _non_negative_input = True  # Bernoulli inputs: X in [0, 1]

    def __init__(self, n_hidden=1500, *, objective="hybrid", alpha=0.01, learning_rate=0.5, batch_size=10,
                 n_epochs=30, k=1, momentum=0.0, weight_decay=0.0, dtype="float32", backend=None,
                 random_state=None, verbose=False):
        self.n_hidden = n_hidden
        self.objective = objective
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.k = k
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    _constraints = {
        "n_hidden": integer(1),
        "objective": one_of(*OBJECTIVES),
        "alpha": real(0),
        "learning_rate": real(0, low_open=True),
        "batch_size": integer(1),
        "n_epochs": integer(0),
        "k": integer(1),
        "momentum": real(0, 1),
        "weight_decay": real(0),
    }

    def _check_params(self):
        self._check_declared_params()
        self._check_dtype()

    # ------------------------------------------------------------------ parameters (NumPy views)
    def _joint(self, name):
        value = getattr(self, name, None)
        return None if value is None else self._K.to_numpy(value)

    def _block(name, inputs):  # noqa: N805 - builds properties at class creation
        """The input rows (``inputs``) or the class rows of the joint parameter ``name``."""
        def getter(self):
            value = self._joint(name)
            if value is None:
                return None
            return value[:self.n_features_in_] if inputs else value[self.n_features_in_:]

        return property(getter)

    W_ = _block("_W", inputs=True)
    U_ = _block("_W", inputs=False)
    b_ = _block("_b", inputs=True)
    d_ = _block("_b", inputs=False)
    del _block

    @property
    def c_(self):
        return self._joint("_c")

    # ------------------------------------------------------------------ validation
    def _check_X(self, X, name="X", fitted=True):
        if fitted:
            check_is_fitted(self, "_W")
        return check_data(X, name=name, n_features=self.n_features_in_ if fitted else None,
                          dtype=np.dtype(self.dtype), low=0.0, high=1.0, owner=type(self).__name__)

    def _augmented(self, X):
        """``[X, 0; 0, I]`` of shape (n + C, F + C): times ``W`` it gives ``X W`` and ``U``."""
        n, F = X.shape
        C = len(self.classes_)
        out = np.zeros((n + C, F + C), dtype=X.dtype)
        out[:n, :F] = X
        out[n:, F:] = np.eye(C, dtype=X.dtype)
        return out

    def _class_inputs(self, X):
        """``(V, pre_hidden, U, d)``: the backend ``[X, 0; 0, I]`` and host ``X W + c``, ``U``, ``d``."""
        K = self._K
        V = K.asarray(self._augmented(X))
        product = K.to_numpy(K.matmul(V, self._W))
        n = len(X)
        d = K.to_numpy(self._b)[self.n_features_in_:]
        return V, product[:n] + K.to_numpy(self._c), product[n:], d

    # ------------------------------------------------------------------ training
    def fit(self, X, y, *, X_val=None, y_val=None):
        """Train from scratch for ``n_epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), values in [0, 1]
            Binary inputs (intensities in [0, 1] are used as they are, as mean-field inputs).
        y : array-like of shape (n_samples,)
            Class labels (integers, booleans or strings; at least two classes).
        X_val, y_val : array-like, optional
            Held-out data: its error is recorded each epoch and the parameters of the epoch
            with the lowest error are kept (early stopping by model selection).

        Returns
        -------
        self
        """
        self._check_params()
        # the labels are checked before the range of X: scikit-learn expects their errors first
        classes, labels = check_labels(y, len(check_data(X, dtype=np.dtype(self.dtype))),
                                       owner=type(self).__name__, min_classes=2)
        X = self._check_X(X, fitted=False)
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        self.classes_, self.n_features_in_ = classes, X.shape[1]
        if X_val is not None:
            X_val = self._check_X(X_val, "X_val", fitted=False)
            if X_val.shape[1] != X.shape[1]:
                raise ValueError(f"X_val has {X_val.shape[1]} features, but X has {X.shape[1]}")
            check_labels(y_val, len(X_val), name="y_val", owner=type(self).__name__)
            val_labels = self._encode(y_val)
        self._initialise(X, labels)
        best = (np.inf, None, 0)
        for _ in tqdm(range(self.n_epochs), disable=not self.verbose, desc=type(self).__name__):
            self._epoch(X, labels)
            if X_val is not None:
                error = float(np.mean(self._predict_indices(X_val) != val_labels))
                self.history_[-1]["val_error"] = error
                if error < best[0]:
                    best = (error, self._snapshot(), len(self.history_))
            if self.verbose:
                tqdm.write(f"{type(self).__name__} " + ", ".join(f"{k} {v:.4g}" for k, v in self.history_[-1].items()))
            if interrupt.requested():  # Ctrl-C under fastrbm.interrupt.stop_on_interrupt()
                break
        self.best_epoch_ = len(self.history_)
        if best[1] is not None:
            self._restore(best[1])
            self.best_epoch_ = best[2]
        self.interrupted_ = interrupt.requested()
        return self

    def _encode(self, y):
        """Indices into ``classes_`` of labels ``y``; a label not seen in ``fit`` is an error."""
        y = np.asarray(y).ravel()
        idx = np.searchsorted(self.classes_, y)
        idx = np.minimum(idx, len(self.classes_) - 1)
        if not np.all(self.classes_[idx] == y):
            unknown = y[self.classes_[idx] != y][0]
            raise ValueError(f"y_val has label {unknown!r}, which is not among the training classes "
                             f"{self.classes_.tolist()}")
        return idx

    def _initialise(self, X, labels):
        dtype = np.dtype(self.dtype)
        self._kernels = None  # hyper-parameters (backend) may have changed since the last fit
        self._keystream = KeyStream(seed_from_random_state(self.random_state))
        K = self._K
        V = np.hstack([X, np.eye(len(self.classes_), dtype=dtype)[labels]])
        # Gradient ascent on log p(y | x) starts on a plateau when W is tiny (all classes see the
        # same hidden units); std 0.1 leaves it within an epoch on MNIST (0.01: several).
        std = INIT_STD_GENERATIVE if self.objective == "generative" else INIT_STD
        self._W, self._b, self._c = initial_parameters(K, V, self.n_hidden, dtype, self._keys(), std=std)
        self._initialise_optimiser()
        self.history_ = []

    def _initialise_optimiser(self):
        """Velocities, zero arrays (the discriminative step has no negative statistics) and CD scratch."""
        K, dtype = self._K, np.dtype(self.dtype)
        shapes = [p.shape for p in (self._W, self._b, self._c)]
        # the two terms keep velocities of their own: one momentum per gradient
        self._velocity = [K.zeros(s, dtype) for s in shapes]
        self._cd_velocity = [K.zeros(s, dtype) for s in shapes]
        self._zeros = [K.zeros(s, dtype) for s in shapes]
        m, H = shapes[0]
        self._cd_scratch = [K.empty((m, H), dtype), K.empty((m, H), dtype), K.empty(m, dtype), K.empty(m, dtype),
                            K.empty(H, dtype), K.empty(H, dtype)]

    def _epoch(self, X, labels):
        start = time.perf_counter()
        n = len(X)
        order = permutation(self._keys().next_key(), n)
        one_hot = np.eye(len(self.classes_), dtype=X.dtype)
        log_loss, n_batches = 0.0, (n + self.batch_size - 1) // self.batch_size
        for i in tqdm(range(n_batches), disable=not self.verbose, leave=False,
                      desc=f"epoch {len(self.history_) + 1}/{self.n_epochs}"):
            rows = order[i * self.batch_size:(i + 1) * self.batch_size]
            if self.objective != "generative":
                log_loss += self._discriminative_step(X[rows], labels[rows]) * len(rows)
            if self.objective != "discriminative":
                self._generative_step(np.hstack([X[rows], one_hot[labels[rows]]]))
            if interrupt.requested():
                break
        record = {"epoch": len(self.history_) + 1,
                  "train_error": float(np.mean(self._predict_indices(X[:MONITOR_ROWS]) != labels[:MONITOR_ROWS]))}
        if self.objective != "generative":
            record["train_log_loss"] = log_loss / n
        record["time_s"] = time.perf_counter() - start
        self.history_.append(record)

    def _discriminative_step(self, X, labels):
        """One ascent step on ``mean log p(y | x)`` (paper, eq. 5); returns the minibatch's mean ``-log p``."""
        K = self._K
        n = len(X)
        V, pre_hidden, U, d = self._class_inputs(X)
        log_p, G, grad_U, grad_d = terms.discriminative_gradient(pre_hidden, U, d, labels)
        grad_W = K.matmul(V, K.asarray(np.vstack([G, grad_U])), transpose_a=True)
        grad_b = np.concatenate([np.zeros(self.n_features_in_, G.dtype), grad_d.astype(G.dtype)])
        lr, mom = float(self.learning_rate), float(self.momentum)
        for param, vel, grad, zero, decay in zip((self._W, self._b, self._c), self._velocity,
                                                 (grad_W, grad_b, G.sum(axis=0)), self._zeros,
                                                 (float(self.weight_decay), 0.0, 0.0)):
            K.cd_update(param, vel, grad, zero, lr, mom, decay, 1.0 / n)
        return float(-np.mean(log_p[np.arange(n), labels]))

    def _generative_step(self, V):
        """CD-k on ``log p(y, x)`` with the label group; weighted by ``alpha`` in the hybrid."""
        weight = float(self.alpha) if self.objective == "hybrid" else 1.0
        # weight decay is applied once per step: by the discriminative term when there is one
        decay = float(self.weight_decay) if self.objective == "generative" else 0.0
        cd_k_step(self._K, [self._W, self._b, self._c], self._cd_velocity, self._K.asarray(V),
                  len(self.classes_), self._keys(), self.k, float(self.learning_rate) * weight,
                  float(self.momentum), decay, self._cd_scratch)

    def _snapshot(self):
        return [self._K.to_numpy(p).copy() for p in (self._W, self._b, self._c)]

    def _restore(self, arrays):
        self._W, self._b, self._c = (self._K.asarray(a) for a in arrays)

    # ------------------------------------------------------------------ prediction
    def predict_log_proba(self, X):
        """Exact ``log p(y | x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), values in [0, 1]

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        X = self._check_X(X)
        out = np.empty((len(X), len(self.classes_)), dtype=X.dtype)
        for s in range(0, len(X), PREDICT_BATCH):
            _, pre_hidden, U, d = self._class_inputs(X[s:s + PREDICT_BATCH])
            out[s:s + PREDICT_BATCH] = terms.class_log_probabilities(pre_hidden, U, d)
        return out

    def predict_proba(self, X):
        """``p(y | x)``, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        return np.exp(self.predict_log_proba(X))

    def _predict_indices(self, X):
        return np.argmax(self.predict_log_proba(X), axis=1)

    def predict(self, X):
        """The most probable class of each row, shape (n_samples,), values from ``classes_``."""
        indices = self._predict_indices(X)  # first: it checks that the model is fitted
        return self.classes_[indices]

    def score(self, X, y):
        """Mean accuracy of :meth:`predict` on ``(X, y)``."""
        return float(np.mean(self.predict(X) == np.asarray(y).ravel()))

    # ------------------------------------------------------------------ files
    def save(self, path):
        """Save hyper-parameters, parameters, classes and history to ``path`` (.npz); returns the path.

        Velocities are not saved: a loaded model predicts, and ``fit`` starts afresh.
        """
        check_is_fitted(self, "_W")
        self._check_params()
        arrays = {"W": self._joint("_W"), "b": self._joint("_b"), "c": self._joint("_c"), "classes": self.classes_}
        meta = {"params": self._header_params(), "history": getattr(self, "history_", []),
                "n_features": int(self.n_features_in_), "best_epoch": int(getattr(self, "best_epoch_", 0)),
                "keys": self._keys().state()}
        return save_npz(path, self._kind, arrays, meta)

    @classmethod
    def load(cls, path, backend=None):
        """Load a model saved by :meth:`save` (optionally onto another ``backend``).

        Every entry is checked before use; a crafted or inconsistent file raises
        :class:`~fastrbm.ModelFileError`.
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
        classes = check_entry(path, arrays, "classes", (None,), kinds="iubU")
        n_features = meta_value(path, meta, "n_features", low=1)
        if len(classes) < 2 or len(np.unique(classes)) != len(classes):
            raise ModelFileError(f"{path}: entry 'classes' must hold at least two distinct labels")
        m = n_features + len(classes)
        W = check_entry(path, arrays, "W", (m, model.n_hidden))
        b = check_entry(path, arrays, "b", (m,))
        c = check_entry(path, arrays, "c", (model.n_hidden,))
        check_entries(path, arrays, {"W", "b", "c", "classes"})
        history = meta.get("history", [])
        if not isinstance(history, list):
            raise ModelFileError(f"{path}: header field 'history' is not a list")
        dtype = np.dtype(model.dtype)
        model.classes_, model.n_features_in_ = classes, n_features
        model._restore([np.ascontiguousarray(a, dtype=dtype) for a in (W, b, c)])
        model.history_ = history
        model.best_epoch_ = meta_value(path, meta, "best_epoch", default=0)
        model._restore_keys(path, meta)
        return model
