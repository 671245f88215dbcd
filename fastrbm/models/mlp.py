"""Feed-forward classifier: sigmoid hidden layers, softmax output, backprop on the kernels.

All arithmetic between dense products runs in the backend's ``mlp`` kernels
(fused bias + sigmoid, its derivative, dropout from the shared stream,
softmax + cross-entropy + gradient, optimizer updates); products go through
``K.matmul`` (BLAS / cuBLAS). No per-sample Python loops.
"""
import math
import numbers
import time

import numpy as np
from tqdm.auto import tqdm

from .. import _io, interrupt
from .._validation import FLAG, check_data, check_is_fitted, check_param, integer, one_of, real
from ..backend import get_backend
from ..rng import KeyStream, seed_from_random_state
from ._common import check_labels, permutation, split_validation, uniform_matrix
from ._estimator import Estimator, LazyKernels
from ._pickle import BackendPickleMixin

__all__ = ["MLP"]

KIND = "MLP"


class MLP(LazyKernels, BackendPickleMixin, Estimator):
    """Multi-layer perceptron with sigmoid hidden units and a softmax output.

    Parameters
    ----------
    hidden_layer_sizes : sequence of int, default (500, 500, 2000)
        Units per hidden layer.
    optimizer : {"sgd", "adam"}, default "sgd"
        SGD with (classical) momentum, or Adam.
    learning_rate : float, default 0.1
        Step size (Adam: ``lr`` of Kingma & Ba; 1e-3 is typical).
    lr_decay : float, default 1.0
        The learning rate is multiplied by this after every epoch.
    momentum : float, default 0.9
        SGD momentum.
    beta1, beta2, epsilon : float
        Adam's moment decay rates and denominator floor.
    batch_size : int, default 100
    n_epochs : int, default 50
        Maximum number of passes over the training data.
    weight_decay : float, default 0.0
        L2 penalty on weights (not biases), added to the gradient.
    max_norm : float or None, default None
        Upper bound on the L2 norm of each unit's incoming weights.
    dropout, input_dropout : float, default 0.0
        Drop rates of hidden units and of input pixels (inverted dropout).
    early_stopping : bool, default True
        Hold out ``validation_size`` samples (the *last* ones of ``X``) unless
        ``fit`` gets ``X_val``/``y_val``; stop after ``patience`` epochs without
        a better validation error and restore the best weights.
    validation_size : int or float, default 10000
        Samples (int, capped at a fifth of the data) or fraction (float < 1) held out for early stopping.
    patience : int, default 10
    init : {"xavier"}, default "xavier"
        Glorot & Bengio (2010) uniform initialisation of layers not given to ``fit``
        through ``init_layers``: U(-r, r), ``r = sqrt(6 / (fan_in + fan_out))``,
        times 4 for sigmoid units.
    dtype : {"float32", "float64"}, default "float32"
    backend : str or None
        ``numpy``, ``numba``, ``cython``, ``cuda`` or ``auto`` (None: ``FASTRBM_BACKEND``).
    random_state : int, numpy.random.Generator or None
    verbose : bool, default False
        Progress bars and per-epoch validation error.

    Attributes
    ----------
    coefs_ : list of ndarray, ``coefs_[l]`` of shape (n_in, n_out)
    intercepts_ : list of ndarray of shape (n_out,)
    classes_ : ndarray of shape (n_classes,)
    history_ : list of dict, one per epoch (``loss``, ``val_error``, ``time``)
    best_epoch_ : int
        The epoch with the lowest validation error (its weights are restored
        under early stopping); without a validation set, the last epoch run.

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((2000, 20)).astype(np.float32)
    >>> y = (X[:, 0] + X[:, 1] > 1).astype(int)             # two classes
    >>> clf = fastrbm.MLP((32,), n_epochs=20, validation_size=500, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _kind = KIND
    _sklearn_role = "classifier"

    def __init__(self, hidden_layer_sizes=(500, 500, 2000), *, optimizer="sgd", learning_rate=0.1,
                 lr_decay=1.0, momentum=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8, batch_size=100,
                 n_epochs=50, weight_decay=0.0, max_norm=None, dropout=0.0, input_dropout=0.0,
                 early_stopping=True, validation_size=10000, patience=10, init="xavier", dtype="float32",
                 backend=None, random_state=None, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_decay = lr_decay
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.weight_decay = weight_decay
        self.max_norm = max_norm
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.early_stopping = early_stopping
        self.validation_size = validation_size
        self.patience = patience
        self.init = init
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    _constraints = {
        "optimizer": one_of("sgd", "adam"),
        "learning_rate": real(0, low_open=True),
        "lr_decay": real(0, 1, low_open=True),
        "momentum": real(0, 1),
        "beta1": real(0, 1),
        "beta2": real(0, 1),
        "epsilon": real(0, low_open=True),
        "batch_size": integer(1),
        "n_epochs": integer(1),
        "weight_decay": real(0),
        "max_norm": real(0, low_open=True, optional=True),
        "dropout": real(0, 0.99),
        "input_dropout": real(0, 0.99),
        "patience": integer(1),
        "early_stopping": FLAG,
        "validation_size": real(0, low_open=True),
        "init": one_of("xavier"),
    }

    def _check_params(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        sizes = tuple(sizes)
        for s in sizes:
            check_param("hidden_layer_sizes[i]", s, kind=numbers.Integral, low=1)
        self._check_declared_params()
        self._check_dtype()
        return sizes

    # ------------------------------------------------------------- parameters
    def _initialise(self, layer_sizes, init_layers, keys):
        """Xavier/Glorot uniform weights and zero biases; ``init_layers`` overrides the first ones."""
        K, dt = self._K, self._dtype
        init_layers = list(init_layers or [])
        if len(init_layers) > len(layer_sizes) - 1:
            raise ValueError(f"init_layers has {len(init_layers)} layers, the network only {len(layer_sizes) - 1}")
        self._W, self._b = [], []
        for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
            if l < len(init_layers):
                W = check_data(init_layers[l][0], name=f"init_layers[{l}] weights", ndim=2)
                b = check_data(init_layers[l][1], name=f"init_layers[{l}] biases", ndim=1)
                if W.shape != (n_in, n_out) or b.shape != (n_out,):
                    raise ValueError(f"init_layers[{l}] has shapes {W.shape}, {b.shape}; expected "
                                     f"({n_in}, {n_out}), ({n_out},)")
            else:
                gain = 1.0
                r = gain * math.sqrt(6.0 / (n_in + n_out))
                W, b = uniform_matrix(keys.next_key(), (n_in, n_out), r), np.zeros(n_out)
            # copies: on host backends asarray would alias the caller's arrays (e.g. a DBN's weights)
            self._W.append(K.asarray(np.array(W, dtype=dt, copy=True)))
            self._b.append(K.asarray(np.array(b, dtype=dt, copy=True)))

    def _params(self):
        return [p for pair in zip(self._W, self._b) for p in pair]

    def _set_param(self, k, value):
        """Replace parameter ``k`` (order W0, b0, W1, b1, ...) with the NumPy array ``value``."""
        target = self._W if k % 2 == 0 else self._b
        target[k // 2] = self._K.asarray(value, dtype=self._dtype)

    def _sync_out(self):
        """Copy the backend parameters into the NumPy attributes ``coefs_``/``intercepts_``."""
        self.coefs_ = [self._K.to_numpy(W).copy() for W in self._W]
        self.intercepts_ = [self._K.to_numpy(b).copy() for b in self._b]

    def _sync_in(self):
        K, dt = self._K, self._dtype
        self._W = [K.asarray(np.array(W, dtype=dt, copy=True)) for W in self.coefs_]
        self._b = [K.asarray(np.array(b, dtype=dt, copy=True)) for b in self.intercepts_]

    # ---------------------------------------------------------------- forward
    def _buffers(self, n):
        """Activation (and dropped-activation / gradient) buffers for batches of up to ``n`` rows."""
        K, dt = self._K, self._dtype
        sizes = [W.shape[1] for W in self._W]
        self._act = [K.empty((n, s), dt) for s in sizes]
        self._grad_act = [K.empty((n, s), dt) for s in sizes[:-1]]
        drop = self.dropout > 0
        self._dropped = [K.empty((n, s), dt) for s in sizes[:-1]] if drop else None
        self._dropped_in = K.empty((n, self._W[0].shape[0]), dt) if self.input_dropout > 0 else None
        self._gW = [K.empty(W.shape, dt) for W in self._W]
        self._gb = [K.empty(b.shape, dt) for b in self._b]
        self._buffer_rows = n

    def _forward_hidden(self, A, n, drop_keys=None, act=None):
        """Hidden activations of a batch; with ``drop_keys`` returns the dropped inputs of each layer too.

        ``act``: activation buffers (default: the training buffers ``_act``)."""
        K = self._K
        act = self._act if act is None else act
        inputs = []
        if drop_keys is not None and self.input_dropout > 0:
            A = K.dropout(A, self.input_dropout, drop_keys[0], 0, out=self._dropped_in[:n])
        for l in range(len(self._W) - 1):
            inputs.append(A)
            H = K.matmul(A, self._W[l], out=act[l][:n])
            K.bias_sigmoid(H, self._b[l])
            if drop_keys is not None and self.dropout > 0:
                A = K.dropout(H, self.dropout, drop_keys[l + 1], 0, out=self._dropped[l][:n])
            else:
                A = H
        inputs.append(A)
        return inputs

    def _loss_and_gradients(self, Xb, yb, drop_keys=None):
        """Summed cross-entropy of a batch; leaves the mean-loss gradients in ``_gW``/``_gb``.

        ``Xb`` is a backend array (n, n_features), ``yb`` a backend int64 array of class indices.
        """
        K = self._K
        n = Xb.shape[0]
        if n > self._buffer_rows:
            self._buffers(n)
        inputs = self._forward_hidden(Xb, n, drop_keys)
        L = len(self._W) - 1
        delta = K.matmul(inputs[L], self._W[L], out=self._act[L][:n])
        loss = K.softmax_cross_entropy_grad(delta, self._b[L], yb, 1.0 / n)
        for l in range(L, -1, -1):
            K.matmul(inputs[l], delta, out=self._gW[l], transpose_a=True)
            K.column_sums(delta, self._gb[l])
            if l == 0:
                break
            grad = K.matmul(delta, self._W[l], out=self._grad_act[l - 1][:n], transpose_b=True)
            if drop_keys is not None and self.dropout > 0:
                K.dropout(grad, self.dropout, drop_keys[l], 0)  # same key: same mask as forward
            delta = K.sigmoid_backward(grad, self._act[l - 1][:n])
        return loss

    def _step(self, learning_rate, t):
        K = self._K
        grads = [g for pair in zip(self._gW, self._gb) for g in pair]
        for k, (p, g) in enumerate(zip(self._params(), grads)):
            decay = self.weight_decay if k % 2 == 0 else 0.0  # no decay on biases
            if self.optimizer == "sgd":
                K.sgd_momentum_update(p, g, self._state[0][k], learning_rate, self.momentum, decay)
            else:
                step = learning_rate * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
                K.adam_update(p, g, self._state[0][k], self._state[1][k], step, self.beta1, self.beta2,
                              self.epsilon, decay)
        if self.max_norm is not None:
            for W in self._W:
                K.max_norm(W, self.max_norm)

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, *, X_val=None, y_val=None, init_layers=None):
        """Train with minibatch backprop; returns ``self``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            Class labels: integers, booleans or strings (``classes_`` are the sorted distinct values).
        X_val, y_val : ndarrays, optional
            Validation set for early stopping (default: the last ``validation_size`` rows of X).
        init_layers : list of (W, b), optional
            Initial weights (n_in, n_out) and biases of the first layers (e.g. from a DBN);
            the other layers get Xavier initialisation.
        """
        hidden = self._check_params()
        self._kernels = get_backend(self.backend)
        self._dtype = np.dtype(self.dtype)
        X = check_data(X, dtype=self._dtype)
        self.classes_, y_idx = check_labels(y, len(X), owner=type(self).__name__, min_classes=2)
        if X_val is not None or y_val is not None:
            if X_val is None or y_val is None:
                raise ValueError("give both X_val and y_val, or neither")
            X_val = check_data(X_val, name="X_val", n_features=X.shape[1], dtype=self._dtype, owner=type(self).__name__)
            y_val_idx = self._encode(y_val, len(X_val), name="y_val")
        elif self.early_stopping:
            X, y_idx, X_val, y_val_idx = split_validation(X, y_idx, self.validation_size)
        else:
            y_val_idx = None
        self.n_features_in_ = X.shape[1]
        keys = KeyStream(seed_from_random_state(self.random_state))
        sizes = [X.shape[1], *hidden, len(self.classes_)]
        self._initialise(sizes, init_layers, keys)
        return self._train(X, y_idx, X_val, y_val_idx, keys)

    def _encode(self, y, n, name="y"):
        classes, idx = check_labels(y, n, name=name)
        unknown = np.setdiff1d(classes, self.classes_)
        if unknown.size:
            raise ValueError(f"{name} has labels {unknown[:5].tolist()} not seen in y "
                             f"(classes {self.classes_.tolist()})")
        return np.searchsorted(self.classes_, classes)[idx]

    def _train(self, X, y_idx, X_val, y_val_idx, keys):
        K = self._K
        n = len(X)
        bs = min(self.batch_size, n)
        self._buffers(bs)
        self._state = [[K.zeros(p.shape, self._dtype) for p in self._params()] for _ in range(2)]
        self.history_ = []
        best = (np.inf, None)
        self.best_epoch_ = 0
        lr, t, stale = self.learning_rate, 0, 0
        n_batches = (n + bs - 1) // bs
        n_keys = len(self._W)
        for epoch in range(self.n_epochs):
            start = time.perf_counter()
            order = permutation(keys.next_key(), n)
            total = 0.0
            bar = tqdm(range(n_batches), desc=f"MLP epoch {epoch + 1}/{self.n_epochs}", disable=not self.verbose,
                       leave=False)
            for b in bar:
                idx = order[b * bs:(b + 1) * bs]
                Xb, yb = K.asarray(X[idx]), K.asarray(y_idx[idx])
                drop = [keys.next_key() for _ in range(n_keys)] if self.dropout or self.input_dropout else None
                loss = self._loss_and_gradients(Xb, yb, drop)
                t += 1
                self._step(lr, t)
                total += float(K.to_numpy(loss).sum())
                if interrupt.requested():  # Ctrl-C under fastrbm.interrupt.stop_on_interrupt()
                    break
            record = {"epoch": epoch + 1, "loss": total / n, "lr": lr}
            if X_val is not None:
                err = float(np.mean(self._predict_idx(X_val) != y_val_idx))
                record["val_error"] = err
                if err < best[0]:
                    best = (err, [K.to_numpy(p).copy() for p in self._params()])
                    self.best_epoch_ = epoch + 1
                    stale = 0
                else:
                    stale += 1
            else:
                self.best_epoch_ = epoch + 1
            record["time"] = time.perf_counter() - start
            self.history_.append(record)
            if self.verbose:
                tqdm.write(f"MLP epoch {epoch + 1}: loss {record['loss']:.4f}"
                           + (f", validation error {record['val_error']:.4%}" if X_val is not None else "")
                           + f" ({record['time']:.1f} s)")
            lr *= self.lr_decay
            if interrupt.requested():
                break
            if self.early_stopping and X_val is not None and stale >= self.patience:
                break
        if best[1] is not None and self.early_stopping:
            params = [K.asarray(p) for p in best[1]]
            self._W, self._b = params[0::2], params[1::2]
        self.interrupted_ = interrupt.requested()
        self._sync_out()
        return self

    # ---------------------------------------------------------------- predict
    def _probabilities(self, X, batch=1000):
        K = self._K
        out = np.empty((len(X), len(self.classes_)), dtype=self._dtype)
        # Buffers of this call: predicting changes nothing in the model, so several
        # threads may predict with one fitted model at once.
        act = [K.empty((min(batch, len(X)), W.shape[1]), self._dtype) for W in self._W]
        for s in range(0, len(X), batch):
            Xb = K.asarray(X[s:s + batch])
            n = Xb.shape[0]
            A = self._forward_hidden(Xb, n, act=act)[-1]
            L = len(self._W) - 1
            Z = K.matmul(A, self._W[L], out=act[L][:n])
            out[s:s + n] = K.to_numpy(K.bias_softmax(Z, self._b[L]))
        return out

    def _predict_idx(self, X):
        return self._probabilities(X).argmax(axis=1)

    def _checked(self, X):
        check_is_fitted(self, "coefs_")
        if not hasattr(self, "_W"):
            self._kernels = get_backend(self.backend)
            self._dtype = np.dtype(self.dtype)
            self._sync_in()
        return check_data(X, n_features=self.n_features_in_, dtype=self._dtype, owner=type(self).__name__)

    def predict_proba(self, X):
        """Class probabilities, ndarray of shape (n_samples, n_classes), columns in ``classes_`` order."""
        return self._probabilities(self._checked(X))

    def predict(self, X):
        """Most probable class of each row, ndarray of shape (n_samples,)."""
        X = self._checked(X)
        return self.classes_[self._probabilities(X).argmax(axis=1)]

    def score(self, X, y):
        """Mean accuracy on ``(X, y)``."""
        X = self._checked(X)
        classes, idx = check_labels(y, len(X))
        return float(np.mean(self.classes_[self._probabilities(X).argmax(axis=1)] == classes[idx]))

    # ------------------------------------------------------------ save / load
    def save(self, path):
        """Write the fitted network to ``path`` (.npz, atomic); returns the path written."""
        check_is_fitted(self, "coefs_")
        hidden = self._check_params()
        fitted = tuple(W.shape[1] for W in self.coefs_[:-1])
        if hidden != fitted:
            raise ValueError(f"hidden_layer_sizes was changed to {hidden} after fitting, but the fitted network "
                             f"has hidden layers {fitted}: call fit to train a new network")
        arrays = {f"W{l}": W for l, W in enumerate(self.coefs_)}
        arrays.update({f"b{l}": b for l, b in enumerate(self.intercepts_)})
        arrays["classes"] = self.classes_
        params = self._header_params()
        params["hidden_layer_sizes"] = list(np.atleast_1d(params["hidden_layer_sizes"]).tolist())
        meta = {"params": params, "n_layers": len(self.coefs_), "n_features_in": self.n_features_in_,
                "label_kind": self.classes_.dtype.kind, "keys": self._keys().state(),
                "history": self.history_, "best_epoch": self.best_epoch_}
        return _io.save_npz(path, self._kind, arrays, meta)

    @classmethod
    def load(cls, path, backend=None):
        """Read a network written by :meth:`save` (``backend`` overrides the saved one).

        Every array of the (untrusted) file is checked against the header before
        use; a crafted or inconsistent file raises :class:`~fastrbm.ModelFileError`.
        """
        arrays, meta = _io.load_npz(path, cls._load_kinds())
        cls._check_kind(path, meta)
        try:
            params = dict(meta["params"])
            if backend is not None:
                params["backend"] = backend
            model = cls(**params)
            hidden = model._check_params()
        except (KeyError, TypeError, ValueError) as exc:
            raise _io.ModelFileError(f"{path}: invalid hyper-parameters in the header ({exc})") from exc
        n = _io.meta_value(path, meta, "n_layers", low=1)
        if n != len(hidden) + 1:
            raise _io.ModelFileError(f"{path}: header has n_layers={n} but hidden_layer_sizes={hidden}")
        n_in = _io.meta_value(path, meta, "n_features_in", low=1)
        label_kind = meta.get("label_kind", "i")  # files before string labels: integers
        if label_kind not in ("i", "u", "b", "U"):
            raise _io.ModelFileError(f"{path}: header field 'label_kind' is {label_kind!r}, expected i, u, b or U")
        classes = _io.check_entry(path, arrays, "classes", (None,), kinds="iu" if label_kind in "iu" else label_kind)
        if len(classes) == 0 or np.any(classes[1:] <= classes[:-1]):
            raise _io.ModelFileError(f"{path}: entry 'classes' must be non-empty, sorted and distinct")
        widths = [n_in, *hidden, len(classes)]
        coefs = [_io.check_entry(path, arrays, f"W{l}", (widths[l], widths[l + 1])) for l in range(n)]
        intercepts = [_io.check_entry(path, arrays, f"b{l}", (widths[l + 1],)) for l in range(n)]
        _io.check_entries(path, arrays, {"classes", *(f"{p}{l}" for p in "Wb" for l in range(n))})
        history = meta.get("history", [])
        if not isinstance(history, list):
            raise _io.ModelFileError(f"{path}: header field 'history' is not a list")
        dt = np.dtype(model.dtype)
        model.coefs_ = [np.ascontiguousarray(W, dtype=dt) for W in coefs]
        model.intercepts_ = [np.ascontiguousarray(b, dtype=dt) for b in intercepts]
        model.classes_ = classes.astype(np.int64) if classes.dtype.kind in "iu" else classes
        model.n_features_in_ = n_in
        model.history_ = history
        model.best_epoch_ = _io.meta_value(path, meta, "best_epoch", default=0)
        model._restore_keys(path, meta)
        return model

    @classmethod
    def _load_kinds(cls):
        return (cls._kind,)

    @classmethod
    def _check_kind(cls, path, meta):
        """Hook: reject a file of an accepted kind that holds another model (DBNClassifier's legacy files)."""
