"""Deep belief net: greedy RBM stack, labelled top level, generation, up-down fine-tuning.

Hinton, Osindero & Teh (2006), "A fast learning algorithm for deep belief
nets". Below the top level every layer has recognition weights ``R_l`` (up)
and generative weights ``G_l`` (down), tied after pretraining and untied by
up-down fine-tuning; the top level is an RBM whose visible layer is the
penultimate layer plus ``n_labels`` softmax label units.
"""
import numbers
import time
import warnings

import numpy as np
from tqdm.auto import tqdm

from .. import _io, interrupt
from .._validation import check_data, check_is_fitted, check_param, integer, one_of, real
from ..backend import get_backend
from ..rng import KeyStream, seed_from_random_state
from ._common import check_labels, permutation
from ._estimator import Estimator, LazyKernels
from ._pickle import BackendPickleMixin
from ._top_rbm import cd_k_step, hidden_probabilities, train_rbm

__all__ = ["DBN"]

KIND = "DBN"
PER_LAYER = ("learning_rate", "n_epochs")
DEFAULT_EPOCHS = 10  # each lower RBM, when n_epochs is None
TOP_EPOCHS = 30  # the top RBM, when n_epochs is None
UP_DOWN_EPOCHS = 15  # up-down fine-tuning at the end of fit (docs/dbn.md: 83 % recognised on 10,000 images)


class DBN(LazyKernels, BackendPickleMixin, Estimator):
    """Deep belief net over binary (or [0, 1]-valued) data, optionally with a labelled top level.

    Parameters
    ----------
    layer_sizes : sequence of int, default (784, 500, 500, 2000)
        Widths from the data layer to the top layer; the first must equal the data's width.
    n_labels : int, default 10
        Softmax label units joined to the penultimate layer in the top RBM (0: unlabelled).
    learning_rate : float or sequence of float (one per RBM), default 0.1
    n_epochs : int, sequence of int (one per RBM) or None, default None
        Pretraining epochs. None: 10 for each lower RBM and ``TOP_EPOCHS`` (30) for the
        top RBM, whose equilibrium distribution is what :meth:`sample` draws from
        and which needs the longer training (docs/dbn.md, "Generation").
    batch_size : int, default 100
    k : int, default 1
        Gibbs steps of CD-k for the lower RBMs and in the up-down top level.
    top_k : int or sequence of int, default (1, 3, 10)
        Gibbs steps of CD-k for the top RBM in pretraining. A sequence is a schedule:
        the top RBM's epochs are split into equal consecutive parts, part ``i`` using
        ``top_k[i]`` (Hinton et al. 2006 raise k from 1 to 3 to 10). CD-1 alone leaves
        deep spurious minima of the free energy (a nearly silent penultimate layer
        drawing a blurred "8" or "5") into which every Gibbs chain falls, clamped
        label or not; the schedule removes most of them. ``top_k=1`` is the old
        behaviour (enough for classification).
    momentum, final_momentum : float, default 0.5, 0.9
    momentum_switch_epoch : int, default 5
    weight_decay : float, default 2e-4
    propagate : {"probabilities", "samples"}, default "probabilities"
        What each RBM passes up as the next one's training data.
    top_persistent : bool, default False
        Train the top-level RBM with PCD-k instead of CD-k from the start. CD-1 leaves
        spurious modes (on MNIST a nearly silent penultimate layer that draws a faint
        blur) that generation falls into; PCD from scratch (lr 0.05 or 0.01) collapsed
        the labelled top level onto one or two digits, so the default is the CD-k
        schedule ``top_k`` alone.
    top_pcd_epochs : int, default 0
        After its CD epochs, the top RBM trains this many more epochs with PCD-1
        (Tieleman 2008; one persistent chain per minibatch row) at ``top_pcd_learning_rate``
        and momentum ``momentum`` (the low, initial one: with 0.9 the PCD phase collapsed
        the samples onto one or two digits). Its persistent chains wander into the
        silent-penultimate mode that CD-k cannot see (a clamped chain needs ~200 steps
        to reach it) and the negative phase raises that mode's free energy. Off by
        default because it is erratic: on 10,000 MNIST images 5 epochs raised the
        recognised fraction of clamped samples from 66 % to 89 % on one fit and lowered
        it from ~70 % to 56 % (a thick dark blob instead) on another (docs/dbn.md).
    top_pcd_learning_rate : float, default 0.01
    up_down_epochs : int, default 15
        Epochs of up-down fine-tuning (:meth:`fine_tune`) at the end of :meth:`fit`, with
        CD-``up_down_k`` in the top level and learning rate ``up_down_learning_rate``
        (Hinton et al. 2006, sec. 5). On 10,000 MNIST images the fraction of label-clamped
        samples recognised as their label went from 68 % (0 epochs) to 76 % (5), 79 % (10),
        83 % (15), 84 % (20) and 81 % (30), 50 samples per label (docs/dbn.md). Each epoch
        costs about a tenth of the pretraining. 0: pretraining only (recognition and
        generative weights stay tied).
    up_down_k : int, default 10
    up_down_learning_rate : float, default 0.01
    dtype : {"float32", "float64"}, default "float32"
    backend : str or None
    random_state : int, numpy.random.Generator or None
    verbose : bool, default False

    Attributes
    ----------
    rec_weights_, rec_biases_ : lists of ndarray (n_l, n_{l+1}) and (n_{l+1},): up pass
    gen_weights_, gen_biases_ : lists of ndarray (n_l, n_{l+1}) and (n_l,): down pass
    top_W_ : ndarray of shape (n_pen + n_labels, n_top)
    top_b_, top_c_ : top RBM visible (penultimate + labels) and hidden biases
    history_ : dict of per-stage training records

    Examples
    --------
    >>> import numpy as np, fastrbm
    >>> from fastrbm.datasets import load_mnist
    >>> X, y = load_mnist("train", source="sample", n=500)
    >>> dbn = fastrbm.DBN((784, 64, 64, 128), n_labels=10, n_epochs=1, up_down_epochs=1,
    ...                   random_state=0).fit(X, y)
    >>> dbn.sample(3, label=7, n_steps=20).shape             # three "7"s, 784 pixels each
    (3, 784)
    >>> dbn.transform(X[:2]).shape                           # the up pass to the penultimate layer
    (2, 64)
    """

    def __init__(self, layer_sizes=(784, 500, 500, 2000), *, n_labels=10, learning_rate=0.1, n_epochs=10,
                 batch_size=100, k=1, top_k=(1, 3, 10), momentum=0.5, final_momentum=0.9, momentum_switch_epoch=5,
                 weight_decay=2e-4, propagate="probabilities", top_persistent=False, top_pcd_epochs=0,
                 top_pcd_learning_rate=0.01, up_down_epochs=UP_DOWN_EPOCHS, up_down_k=10, up_down_learning_rate=0.01,
                 dtype="float32", backend=None,
                 random_state=None, verbose=False):
        self.layer_sizes = layer_sizes
        self.n_labels = n_labels
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.k = k
        self.top_k = top_k
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.momentum_switch_epoch = momentum_switch_epoch
        self.weight_decay = weight_decay
        self.propagate = propagate
        self.top_persistent = top_persistent
        self.top_pcd_epochs = top_pcd_epochs
        self.top_pcd_learning_rate = top_pcd_learning_rate
        self.up_down_epochs = up_down_epochs
        self.up_down_k = up_down_k
        self.up_down_learning_rate = up_down_learning_rate
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    _constraints = {
        "n_labels": integer(0),
        "batch_size": integer(1),
        "k": integer(1),
        "momentum": real(0, 1),
        "final_momentum": real(0, 1),
        "weight_decay": real(0),
        "top_pcd_epochs": integer(0),
        "top_pcd_learning_rate": real(0, low_open=True),
        "up_down_epochs": integer(0),
        "up_down_k": integer(1),
        "up_down_learning_rate": real(0, low_open=True),
        "propagate": one_of("probabilities", "samples"),
    }

    def _check_params(self):
        sizes = tuple(self.layer_sizes)
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes needs at least 2 layers, got {sizes}")
        for s in sizes:
            check_param("layer_sizes[i]", s, kind=numbers.Integral, low=1)
        self._check_declared_params()
        if self.n_labels == 1:
            raise ValueError("n_labels must be 0 (unlabelled) or at least 2")
        top_k = [self.top_k] if isinstance(self.top_k, numbers.Integral) else list(self.top_k)
        if not top_k:
            raise ValueError("top_k needs at least one entry")
        for v in top_k:
            check_param("top_k[i]", v, kind=numbers.Integral, low=1)
        self._check_dtype()
        per_layer = {}
        for name in PER_LAYER:
            value = getattr(self, name)
            if name == "n_epochs" and value is None:
                value = [DEFAULT_EPOCHS] * (len(sizes) - 2) + [TOP_EPOCHS]
            values = list(value) if isinstance(value, (list, tuple)) else [value] * (len(sizes) - 1)
            if len(values) != len(sizes) - 1:
                raise ValueError(f"{name} has {len(values)} entries for {len(sizes) - 1} RBMs")
            for v in values:
                if name == "n_epochs":
                    check_param(name, v, kind=numbers.Integral, low=0)
                else:
                    check_param(name, v, low=0, low_open=True)
            per_layer[name] = values
        return sizes, per_layer

    def _setup(self):
        self._kernels = get_backend(self.backend)
        self._dtype = np.dtype(self.dtype)

    def _check_xy(self, X, y, labels_required):
        sizes = tuple(self.layer_sizes)
        X = check_data(X, dtype=self._dtype, low=0.0, high=1.0)
        if X.shape[1] != sizes[0]:
            raise ValueError(f"X has {X.shape[1]} features, but DBN is expecting {sizes[0]} features as input "
                             f"(layer_sizes[0]; the first layer size must equal the data's width)")
        if y is None:
            if labels_required and self.n_labels:
                raise ValueError(f"this DBN has a labelled top level (n_labels={self.n_labels}): fit needs y")
            return X, None
        if not self.n_labels:
            raise ValueError("y was given but n_labels=0 (an unlabelled DBN)")
        _, y = check_labels(y, len(X), n_classes=self.n_labels)
        return X, y

    def _onehot(self, y, n):
        out = np.zeros((n, self.n_labels), dtype=self._dtype)
        if y is not None:
            out[np.arange(n), y] = 1
        return out

    # ----------------------------------------------------------- pretraining
    def fit(self, X, y=None):
        """Greedy layer-wise pretraining; returns ``self``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, layer_sizes[0]), values in [0, 1]
        y : ndarray of shape (n_samples,), integers in ``0..n_labels-1`` (needed when ``n_labels > 0``)
        """
        sizes, per_layer = self._check_params()
        self._setup()
        X, y = self._check_xy(X, y, labels_required=True)
        self._keystream = KeyStream(seed_from_random_state(self.random_state))
        K, dt = self._K, self._dtype
        self.rec_weights_, self.rec_biases_, self.gen_weights_, self.gen_biases_ = [], [], [], []
        self.history_ = {"pretrain": []}
        data = X
        n_rbms = len(sizes) - 1
        for l in range(n_rbms):
            top = l == n_rbms - 1
            start = time.perf_counter()
            n_lab = self.n_labels if top else 0
            V = np.hstack([data, self._onehot(y, len(data))]) if n_lab else data
            if interrupt.requested():
                # Ctrl-C stopped a lower RBM: the layers above get no training, only their
                # initialisation, so that the DBN is complete and can be saved as a checkpoint.
                per_layer["n_epochs"][l] = 0
            W, b, c, hist = self._train_layer(V, sizes[l + 1], n_lab, per_layer, l)
            self.history_["pretrain"].append({"layer": l, "time": time.perf_counter() - start, "epochs": hist})
            if top:
                self.top_W_, self.top_b_, self.top_c_ = W, b, c
                break
            self.rec_weights_.append(W)
            self.rec_biases_.append(c)
            self.gen_weights_.append(W.copy())
            self.gen_biases_.append(b)
            data = hidden_probabilities(K, data, W, c, dt)
            if self.propagate == "samples":
                u = K.to_numpy(K.uniform(self._keys().next_key(), data.shape, dt))
                data = (u < data).astype(dt)
        self.label_frequencies_ = (np.bincount(y, minlength=self.n_labels) / len(y) if self.n_labels
                                   else np.zeros(0))
        self.n_features_in_ = sizes[0]
        if self.up_down_epochs and not interrupt.requested():
            self.fine_tune(X, y, n_epochs=self.up_down_epochs, k=self.up_down_k,
                           learning_rate=self.up_down_learning_rate)
        self.interrupted_ = interrupt.requested()
        return self

    def _train_layer(self, V, n_hidden, n_labels, per_layer, l):
        common = dict(learning_rate=per_layer["learning_rate"][l], n_epochs=per_layer["n_epochs"][l],
                      batch_size=self.batch_size, k=self.k, momentum=self.momentum,
                      final_momentum=self.final_momentum, momentum_switch_epoch=self.momentum_switch_epoch,
                      weight_decay=self.weight_decay)
        top = l == len(per_layer["n_epochs"]) - 1
        persistent = bool(self.top_persistent and top)
        if top:
            common["k"] = (int(self.top_k) if isinstance(self.top_k, numbers.Integral)
                           else tuple(int(v) for v in self.top_k))
        rbm_cls = _rbm_class()
        if n_labels == 0 and rbm_cls is not None and isinstance(common["k"], int):
            rbm = rbm_cls(n_hidden, **common, persistent=persistent, dtype=self.dtype, backend=self.backend,
                          random_state=self._keys().next_key() & 0x7FFFFFFF, verbose=self.verbose).fit(V)
            return rbm.W_, rbm.b_, rbm.c_, list(getattr(rbm, "history_", []))
        W, b, c, hist = train_rbm(self._K, V, n_hidden, n_labels=n_labels, dtype=self._dtype, keys=self._keys(),
                                  persistent=persistent, desc=f"RBM {l + 1}", verbose=self.verbose, **common)
        if top and self.top_pcd_epochs and common["n_epochs"] and not interrupt.requested():
            # PCD phase: continue from the CD-trained parameters (fresh velocities, low momentum)
            pcd = dict(common, learning_rate=self.top_pcd_learning_rate, n_epochs=self.top_pcd_epochs, k=1,
                       final_momentum=self.momentum)
            W, b, c, more = train_rbm(self._K, V, n_hidden, n_labels=n_labels, dtype=self._dtype, keys=self._keys(),
                                      persistent=True, desc=f"RBM {l + 1} PCD", verbose=self.verbose,
                                      init=(W, b, c), **pcd)
            hist = hist + [dict(r, epoch=len(hist) + r["epoch"], persistent=True) for r in more]
        return W, b, c, hist

    # -------------------------------------------------------------- up / down
    def _device_params(self):
        """Backend copies of the parameters (copies: host backends would otherwise alias the attributes)."""
        K, dt = self._K, self._dtype

        def put(arrays):
            return [K.asarray(np.array(a, dtype=dt, copy=True)) for a in arrays]

        self._R, self._r = put(self.rec_weights_), put(self.rec_biases_)
        self._G, self._g = put(self.gen_weights_), put(self.gen_biases_)
        self._top = put((self.top_W_, self.top_b_, self.top_c_))

    def _ensure_fitted(self):
        check_is_fitted(self, "top_W_")
        if getattr(self, "_kernels", None) is None or not hasattr(self, "_dtype"):
            self._setup()
        self._device_params()

    def transform(self, X):
        """Deterministic up pass to the penultimate layer: ndarray of shape (n_samples, layer_sizes[-2])."""
        self._ensure_fitted()
        X, _ = self._check_xy(X, None, labels_required=False)
        return self._up(X)

    def _up(self, X):
        data = X
        for W, c in zip(self.rec_weights_, self.rec_biases_):
            data = hidden_probabilities(self._K, data, W, c, self._dtype)
        return data

    def free_energies(self, X):
        """Top-level free energy of each row of ``X`` with each label, ndarray (n_samples, n_labels).

        ``F(x, y) = -b . [p, e_y] - sum_j softplus([p, e_y] W_j + c_j)`` where ``p`` is the deterministic
        up pass of ``x``: lower is more probable (Hinton et al. 2006, sec. 6).
        """
        self._ensure_fitted()
        if not self.n_labels:
            raise ValueError("free energies over labels need a labelled top level (n_labels > 0)")
        X, _ = self._check_xy(X, None, labels_required=False)
        K = self._K
        pen = self._up(X)
        W, b, c = self._top
        out = np.empty((len(X), self.n_labels))
        for label in range(self.n_labels):
            V = np.hstack([pen, self._onehot(np.full(len(X), label), len(X))])
            out[:, label] = K.to_numpy(K.free_energy(K.asarray(V), W, b, c))
        return out

    def predict_proba(self, X):
        """``p(y | x)`` from the free energies: softmax over labels of ``-F(x, y)``; shape (n_samples, n_labels)."""
        F = -self.free_energies(X)
        F -= F.max(axis=1, keepdims=True)
        p = np.exp(F)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Label of lowest top-level free energy, ndarray of shape (n_samples,)."""
        return self.free_energies(X).argmin(axis=1)

    def score(self, X, y):
        """Accuracy of :meth:`predict` on ``(X, y)``."""
        predicted = self.predict(X)  # checks X first
        _, y = check_labels(y, len(predicted), n_classes=self.n_labels)
        return float(np.mean(predicted == y))

    # ------------------------------------------------------------- generation
    def sample(self, n, label=None, n_steps=1000, stochastic_down=False, init=None, free_labels="prior"):
        """Generate ``n`` data vectors: Gibbs in the top RBM, then a down pass.

        Parameters
        ----------
        n : int
        label : int or None
            Clamp the label units to this class ("draw me a 7"); None lets them run freely
            (see ``free_labels``).
        n_steps : int, default 1000
            Alternating Gibbs steps in the top-level RBM (Hinton et al. 2006 used 1000; from
            the Bernoulli(1/2) start, 200 steps left a quarter of MNIST chains unrecognisable).
        stochastic_down : bool, default False
            Sample each layer on the way down (True) or pass probabilities (False).
        init : ndarray of shape (n, layer_sizes[-2]), optional
            Starting penultimate states (default: Bernoulli(1/2) noise).
        free_labels : {"prior", "gibbs"}, default "prior"
            How ``label=None`` treats the labels. "prior": each sample's label is drawn from
            the training label frequencies (``label_frequencies_``), then its chain runs with
            that label clamped, i.e. ``y ~ p_data(y)``, ``x ~ p(x | y)``. "gibbs": the label
            units are part of the chain (each chain starts at a uniformly drawn label and the
            softmax label group is resampled at every step), i.e. the top RBM's own joint; its
            chains mix poorly between classes and on MNIST half of them ended on "2"s
            (docs/dbn.md).

        Returns
        -------
        ndarray of shape (n, layer_sizes[0]): visible probabilities of the final down pass. With
        ``label=None`` and ``free_labels="prior"`` the drawn labels are left in ``sample_labels_``.
        """
        self._ensure_fitted()
        check_param("n", n, kind=numbers.Integral, low=1)
        check_param("n_steps", n_steps, kind=numbers.Integral, low=0)
        if label is not None:
            if not self.n_labels:
                raise ValueError("label needs a labelled top level (n_labels > 0)")
            check_param("label", label, kind=numbers.Integral, low=0, high=self.n_labels - 1)
        check_param("free_labels", free_labels, choices=("prior", "gibbs"))
        K, dt = self._K, self._dtype
        d = self.top_W_.shape[0] - self.n_labels
        if init is None:
            pen = (K.to_numpy(K.uniform(self._keys().next_key(), (n, d), dt)) < 0.5).astype(dt)
        else:
            pen = check_data(init, name="init", n_features=d, dtype=dt, owner=type(self).__name__)
            if len(pen) != n:
                raise ValueError(f"init has {len(pen)} rows, expected n={n}")
        if label is None and self.n_labels and free_labels == "prior":
            freq = np.asarray(getattr(self, "label_frequencies_", ()), dtype=np.float64)
            if freq.shape != (self.n_labels,) or not freq.sum() > 0:
                freq = np.full(self.n_labels, 1.0 / self.n_labels)
            u = K.to_numpy(K.uniform(self._keys().next_key(), (n,), dt)).astype(np.float64)
            labels = np.minimum(np.searchsorted(np.cumsum(freq / freq.sum()), u, side="right"), self.n_labels - 1)
            out = np.empty((n, self.layer_sizes[0]), dtype=dt)
            for c in np.unique(labels):
                rows = np.flatnonzero(labels == c)
                out[rows] = self._down(self._top_gibbs(pen[rows], int(c), n_steps), stochastic_down)
            self.sample_labels_ = labels
            return out
        pen = self._top_gibbs(pen, label, n_steps)
        return self._down(pen, stochastic_down)

    def _top_gibbs(self, pen, label, n_steps):
        """``n_steps`` Gibbs steps in the top RBM from penultimate states ``pen``; returns pen samples (backend)."""
        K, dt = self._K, self._dtype
        n, d = pen.shape
        W, b, c = self.top_W_, self.top_b_, self.top_c_
        if label is None and self.n_labels:
            # free labels: the full labelled chain, visible = [pen, labels]. Each chain starts at a
            # label drawn uniformly (the label units are resampled at every step); starting every
            # chain at the uniform mixture 1/n_labels sent half of them to one digit on MNIST.
            Wd, bd, cd = self._top
            u = K.to_numpy(K.uniform(self._keys().next_key(), (n,), dt))
            start = np.minimum((u * self.n_labels).astype(np.int64), self.n_labels - 1)
            v = K.asarray(np.hstack([pen, self._onehot(start, n)]), dtype=dt)
            for _ in range(n_steps):
                _, h = K.gibbs_half_step(K.matmul(v, Wd), cd, self._keys().next_key())
                _, v = K.labelled_visible_step(K.matmul(h, Wd, transpose_b=True), bd, self.n_labels,
                                               self._keys().next_key())
            return K.asarray(K.to_numpy(v)[:, :d], dtype=dt)
        # clamped label y: its weights row is a constant addition to the hidden biases
        c_eff = c + (W[d + label] if label is not None else 0.0)
        Wp, bp, cp = (K.asarray(a, dtype=dt) for a in (W[:d], b[:d], c_eff))
        v = K.asarray(pen, dtype=dt)
        for _ in range(n_steps):
            _, h = K.gibbs_half_step(K.matmul(v, Wp), cp, self._keys().next_key())
            _, v = K.gibbs_half_step(K.matmul(h, Wp, transpose_b=True), bp, self._keys().next_key())
        return v

    def _down(self, pen, stochastic):
        """Down pass through the generative weights from penultimate states; returns NumPy visible probabilities."""
        K = self._K
        v = K.asarray(pen, dtype=self._dtype)
        p = v
        for G, g in zip(reversed(self._G), reversed(self._g)):
            pre = K.matmul(v, G, transpose_b=True)
            if stochastic:
                p, v = K.gibbs_half_step(pre, g, self._keys().next_key())
            else:
                p = v = K.bias_sigmoid(pre, g)
        return K.to_numpy(p)

    # ---------------------------------------------------------------- up-down
    def fine_tune(self, X, y=None, *, n_epochs=10, learning_rate=0.01, top_learning_rate=None, k=None,
                  momentum=0.9, weight_decay=None):
        """Contrastive wake-sleep (up-down) fine-tuning (Hinton et al. 2006, sec. 5 and appendix B).

        Per minibatch: *wake*: a stochastic up pass through the recognition
        weights; each generative layer learns to reconstruct the state below
        from the state above. *Top*: CD-k in the top RBM on the wake
        penultimate states with the labels. *Sleep*: a stochastic down pass
        from the top RBM's negative-phase (fantasy) penultimate states, not from
        the data; each recognition layer learns to infer the state above from
        the state below. Recognition and generative weights become untied.
        Returns ``self``.
        """
        self._ensure_fitted()
        check_param("n_epochs", n_epochs, kind=numbers.Integral, low=1)
        check_param("learning_rate", learning_rate, low=0, low_open=True)
        if top_learning_rate is not None:
            check_param("top_learning_rate", top_learning_rate, low=0, low_open=True)
        if k is not None:
            check_param("k", k, kind=numbers.Integral, low=1)
        check_param("momentum", momentum, low=0, high=1)
        if weight_decay is not None:
            check_param("weight_decay", weight_decay, low=0)
        X, y = self._check_xy(X, y, labels_required=True)
        K, dt = self._K, self._dtype
        top_lr = learning_rate if top_learning_rate is None else top_learning_rate
        k = self.k if k is None else k
        wd = self.weight_decay if weight_decay is None else weight_decay
        n = len(X)
        bs = min(self.batch_size, n)
        lower = [self._G, self._g, self._R, self._r]
        vel = [[K.zeros(p.shape, dt) for p in group] for group in lower]
        top_vel = [K.zeros(p.shape, dt) for p in self._top]
        m_top = self.top_W_.shape[0]
        scratch = [K.empty((m_top, self.top_W_.shape[1]), dt), K.empty((m_top, self.top_W_.shape[1]), dt),
                   K.empty(m_top, dt), K.empty(m_top, dt), K.empty(self.top_W_.shape[1], dt),
                   K.empty(self.top_W_.shape[1], dt)]
        grads = [[K.empty(p.shape, dt) for p in group] for group in lower]
        records = self.history_.setdefault("up_down", [])
        for epoch in range(n_epochs):
            start = time.perf_counter()
            order = permutation(self._keys().next_key(), n)
            for i in tqdm(range((n + bs - 1) // bs), desc=f"up-down epoch {epoch + 1}/{n_epochs}",
                          disable=not self.verbose, leave=False):
                idx = order[i * bs:(i + 1) * bs]
                labels = self._onehot(y[idx], len(idx)) if self.n_labels else None
                self._up_down_step(K.asarray(X[idx], dtype=dt), labels, k, learning_rate, top_lr, momentum, wd,
                                   vel, top_vel, grads, scratch)
                if interrupt.requested():  # Ctrl-C under fastrbm.interrupt.stop_on_interrupt()
                    break
            records.append({"epoch": epoch + 1, "time": time.perf_counter() - start})
            if interrupt.requested():
                break
        self._sync_out()
        return self

    def _up_down_step(self, v0, labels, k, lr, top_lr, momentum, wd, vel, top_vel, grads, scratch):
        K, dt = self._K, self._dtype
        n = v0.shape[0]
        # wake: stochastic up pass (the data layer keeps its real values as probabilities)
        wake = [v0]
        for R, r in zip(self._R, self._r):
            wake.append(K.gibbs_half_step(K.matmul(wake[-1], R), r, self._keys().next_key())[1])
        # top level: CD-k on [penultimate, labels]; its final visible sample seeds the sleep phase
        top_v = wake[-1] if labels is None else K.asarray(np.hstack([K.to_numpy(wake[-1]), labels]), dtype=dt)
        _, fantasy, _ = cd_k_step(K, self._top, top_vel, top_v, self.n_labels, self._keys(), k, top_lr, momentum,
                                  wd, scratch)
        d = self.top_W_.shape[0] - self.n_labels
        pen = K.asarray(K.to_numpy(fantasy)[:, :d], dtype=dt) if self.n_labels else fantasy
        # sleep: stochastic down pass from the fantasy
        sleep = [pen]
        for G, g in zip(reversed(self._G), reversed(self._g)):
            sleep.append(K.gibbs_half_step(K.matmul(sleep[-1], G, transpose_b=True), g, self._keys().next_key())[1])
        sleep.reverse()  # sleep[l] is the state of layer l
        gG, gg, gR, gr = grads
        vG, vg, vR, vr = vel
        for l in range(len(self._G)):
            # wake: generative weights predict layer l from layer l+1
            err = K.sigmoid_error(K.matmul(wake[l + 1], self._G[l], transpose_b=True), self._g[l], wake[l], 1.0 / n)
            K.matmul(err, wake[l + 1], out=gG[l], transpose_a=True)
            K.column_sums(err, gg[l])
            K.sgd_momentum_update(self._G[l], gG[l], vG[l], lr, momentum, wd)
            K.sgd_momentum_update(self._g[l], gg[l], vg[l], lr, momentum, 0.0)
            # sleep: recognition weights predict layer l+1 from layer l
            err = K.sigmoid_error(K.matmul(sleep[l], self._R[l]), self._r[l], sleep[l + 1], 1.0 / n)
            K.matmul(sleep[l], err, out=gR[l], transpose_a=True)
            K.column_sums(err, gr[l])
            K.sgd_momentum_update(self._R[l], gR[l], vR[l], lr, momentum, wd)
            K.sgd_momentum_update(self._r[l], gr[l], vr[l], lr, momentum, 0.0)

    def _sync_out(self):
        K = self._K
        self.rec_weights_ = [K.to_numpy(a).copy() for a in self._R]
        self.rec_biases_ = [K.to_numpy(a).copy() for a in self._r]
        self.gen_weights_ = [K.to_numpy(a).copy() for a in self._G]
        self.gen_biases_ = [K.to_numpy(a).copy() for a in self._g]
        self.top_W_, self.top_b_, self.top_c_ = (K.to_numpy(a).copy() for a in self._top)

    def recognition_layers(self):
        """``[(W, b), ...]`` of the up pass, the top RBM's penultimate-to-top weights last (MLP initialisation)."""
        check_is_fitted(self, "top_W_")
        d = self.top_W_.shape[0] - self.n_labels
        return [*zip(self.rec_weights_, self.rec_biases_), (self.top_W_[:d], self.top_c_)]

    # ------------------------------------------------------------ save / load
    def save(self, path):
        """Write the fitted DBN to ``path`` (.npz, atomic, versioned); returns the path written."""
        check_is_fitted(self, "top_W_")
        self._check_params()
        fitted = (*(W.shape[0] for W in self.rec_weights_), self.top_W_.shape[0] - self.n_labels,
                  self.top_W_.shape[1])
        if tuple(self.layer_sizes) != fitted:
            raise ValueError(f"layer_sizes (or n_labels) was changed to {tuple(self.layer_sizes)} after fitting, "
                             f"but the fitted DBN has layers {fitted}: call fit to train a new DBN")
        arrays = {"top_W": self.top_W_, "top_b": self.top_b_, "top_c": self.top_c_}
        if getattr(self, "label_frequencies_", None) is not None:
            arrays["label_frequencies"] = np.asarray(self.label_frequencies_, dtype=np.float64)
        for l in range(len(self.rec_weights_)):
            arrays.update({f"R{l}": self.rec_weights_[l], f"r{l}": self.rec_biases_[l],
                           f"G{l}": self.gen_weights_[l], f"g{l}": self.gen_biases_[l]})
        params = self._header_params()
        params["layer_sizes"] = [int(s) for s in self.layer_sizes]
        if not isinstance(self.top_k, numbers.Integral):
            params["top_k"] = [int(v) for v in self.top_k]
        for name in PER_LAYER:
            value = getattr(self, name)
            params[name] = list(value) if isinstance(value, (list, tuple)) else value
        params["verbose"] = bool(self.verbose)
        meta = {"params": params, "history": self.history_, "keys": self._keys().state()}
        return _io.save_npz(path, KIND, arrays, meta)

    @classmethod
    def load(cls, path, backend=None):
        """Read a DBN written by :meth:`save` (``backend`` overrides the saved one)."""
        arrays, meta = _io.load_npz(path, KIND)
        try:  # the file is untrusted: check the header and every array before any kernel sees them
            params = dict(meta["params"])
            params.setdefault("top_k", 1)  # files written before top_k existed: CD-1 at the top
            params.setdefault("top_pcd_epochs", 0)  # ... and no PCD phase
            params.setdefault("up_down_epochs", 0)  # ... and no up-down in fit
            if backend is not None:
                params["backend"] = backend
            model = cls(**params)
            sizes, _ = model._check_params()
        except (KeyError, TypeError, ValueError) as exc:
            raise _io.ModelFileError(f"{path}: invalid hyper-parameters in the header ({exc})") from exc
        n_lower, n_top_vis = len(sizes) - 2, sizes[-2] + model.n_labels
        dt = np.dtype(model.dtype)

        def entry(name, shape):
            return np.ascontiguousarray(_io.check_entry(path, arrays, name, shape), dtype=dt)

        model.rec_weights_ = [entry(f"R{l}", (sizes[l], sizes[l + 1])) for l in range(n_lower)]
        model.rec_biases_ = [entry(f"r{l}", (sizes[l + 1],)) for l in range(n_lower)]
        model.gen_weights_ = [entry(f"G{l}", (sizes[l], sizes[l + 1])) for l in range(n_lower)]
        model.gen_biases_ = [entry(f"g{l}", (sizes[l],)) for l in range(n_lower)]
        model.top_W_ = entry("top_W", (n_top_vis, sizes[-1]))
        model.top_b_, model.top_c_ = entry("top_b", (n_top_vis,)), entry("top_c", (sizes[-1],))
        freq = _io.check_entry(path, arrays, "label_frequencies", (model.n_labels,), low=0.0, high=1.0,
                               optional=True)  # absent from files written before issue 12: uniform then
        if freq is not None:
            model.label_frequencies_ = freq
        _io.check_entries(path, arrays, {"top_W", "top_b", "top_c", "label_frequencies",
                                         *(f"{p}{l}" for p in "RrGg" for l in range(n_lower))})
        model.history_ = meta.get("history", {})
        if not isinstance(model.history_, dict):
            raise _io.ModelFileError(f"{path}: header field 'history' is not an object")
        model.n_features_in_ = sizes[0]
        model._restore_keys(path, meta)
        return model


def _rbm_class():
    """``fastrbm.RBM`` when it exists; None otherwise (the DBN then trains layers itself, with a warning)."""
    try:
        from .rbm import RBM
    except ImportError:
        warnings.warn("fastrbm.RBM is not available: the DBN trains its lower layers with its own CD-k trainer",
                      RuntimeWarning, stacklevel=3)
        return None
    return RBM
