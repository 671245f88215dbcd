"""What a user would run instead of fastrbm: the peer implementations of the user-path benchmarks.

Each RBM peer trains CD-1 with the hyper-parameters of ``fastrbm.RBM``'s defaults
(momentum 0.5 then 0.9 from epoch 5, weight decay 2e-4 on W, W ~ N(0, 0.01^2),
visible biases at the data's base rates, shuffled minibatches) and returns
``(W, b, c)`` as NumPy arrays (n_visible, n_hidden), (n_visible,), (n_hidden,),
so that one function (:func:`reconstruction_error`) checks them all.

* :func:`sklearn_rbm_fit` - scikit-learn's ``BernoulliRBM`` (its own CD/PCD
  variant: no momentum, no weight decay, visible biases start at 0).
* :func:`torch_rbm_fit` - the plain PyTorch script a researcher writes (CPU,
  no autograd, in-place updates); ``torch`` is imported inside, optional.
* :func:`tf_rbm_fit` - the book's way: one CD-1 step under ``tf.function``
  with ``tf.matmul``, ``tf.nn.sigmoid`` and ``tf.random.uniform``; optional.
* :func:`torch_mlp_fit`, :func:`sklearn_mlp_fit` - the MLP peers.
* :func:`numpy_hopfield_recall` - a plain NumPy asynchronous recall loop.

Also the data (:func:`train_images`, :func:`heldout_images`) and the thread
count fastrbm uses (:func:`fastrbm_threads`), which the peers are given.
"""
import os
import sys

import numpy as np

N_VIS = 784


# ---------------------------------------------------------------------------- data
def _mnist_dir():
    from fastrbm.datasets import find_real_mnist
    return find_real_mnist()


def data_source():
    """``"mnist"`` (full MNIST files found) or ``"random"`` (random binary data of MNIST's density)."""
    return "mnist" if _mnist_dir() is not None else "random"


def _images(split, n, seed, with_labels):
    """The first ``n`` MNIST images of ``split`` (and labels), else random data, ~13 % ones."""
    from fastrbm.datasets import load_mnist
    directory = _mnist_dir()
    if directory is not None:
        X, y = load_mnist(split, source="idx", data_dir=directory, n=n, progress=False)
    else:
        rng = np.random.default_rng(seed)
        X = (rng.random((n, N_VIS)) < 0.13).astype(np.float32)
        y = rng.integers(0, 10, n)
    return (X, y) if with_labels else X


def train_images(n, with_labels=False):
    """The first ``n`` MNIST training images in [0, 1] (and labels); else random data, ~13 % ones.

    The random fallback has no structure to learn beyond the pixel marginals, so the
    "it learned" checks of the benchmarks only run on real MNIST (see ``bench_user.py``).
    """
    return _images("train", n, 0, with_labels)


def heldout_images(n=1000, with_labels=False):
    """The first ``n`` MNIST test images (and labels), else random data of the same density (seed 1)."""
    return _images("test", n, 1, with_labels)


def fastrbm_threads():
    """Threads fastrbm's compiled backends use: Numba's pool size (``NUMBA_NUM_THREADS``,
    default the usable cores), capped by ``OMP_NUM_THREADS`` when that is set."""
    import numba
    n = int(numba.config.NUMBA_NUM_THREADS)
    omp = os.environ.get("OMP_NUM_THREADS", "").split(",")[0]
    return min(n, int(omp)) if omp.isdigit() and int(omp) > 0 else n


def loaded_runtimes():
    """``threadpoolctl.threadpool_info()`` reduced to 'api:internal_api:prefix (threads)' strings."""
    from threadpoolctl import threadpool_info
    return sorted({f"{i.get('user_api')}:{i.get('internal_api')}:{os.path.basename(i.get('filepath', '?'))}"
                   f" ({i.get('num_threads')} threads)" for i in threadpool_info()})


def peer_modules_loaded():
    """Which of torch / tensorflow this process has imported (they change thread pools)."""
    return [m for m in ("torch", "tensorflow") if m in sys.modules]


# ---------------------------------------------------------------------------- RBM checks
def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def reconstruction_error(W, b, c, X):
    """Mean squared error per pixel of the mean-field reconstruction p(v | p(h | v)) (float64)."""
    W, b, c, X = (np.asarray(a, np.float64) for a in (W, b, c, X))
    ph = _sigmoid(X @ W + c)
    return float(np.mean((_sigmoid(ph @ W.T + b) - X) ** 2))


def base_rate_biases(X, eps=1e-2):
    """log(p / (1 - p)) of the pixel marginals, clipped (fastrbm's initial visible biases)."""
    p = np.clip(np.asarray(X, np.float64).mean(axis=0), eps, 1 - eps)
    return np.log(p / (1 - p))


def untrained_error(X_train, X_heldout, n_hidden=500):
    """Held-out reconstruction error of the untrained model (W = 0, base-rate visible biases):
    the error of predicting every pixel by its training marginal, the bar every RBM must beat."""
    return reconstruction_error(np.zeros((X_train.shape[1], n_hidden)), base_rate_biases(X_train),
                                np.zeros(n_hidden), X_heldout)


# ---------------------------------------------------------------------------- RBM peers
def sklearn_rbm_fit(X, n_hidden, n_epochs, batch_size, learning_rate, seed):
    from sklearn.neural_network import BernoulliRBM
    rbm = BernoulliRBM(n_components=n_hidden, learning_rate=learning_rate, batch_size=batch_size,
                       n_iter=n_epochs, random_state=seed).fit(X)
    return rbm.components_.T, rbm.intercept_visible_, rbm.intercept_hidden_


def torch_rbm_fit(X, n_hidden, n_epochs, batch_size, learning_rate, seed, threads,
                  momentum=0.5, final_momentum=0.9, momentum_switch_epoch=5, weight_decay=2e-4):
    """Plain PyTorch CD-1 on the CPU: what a researcher would write instead of fastrbm."""
    import torch
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(seed)
    data = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    n, n_vis = data.shape
    with torch.no_grad():
        W = 0.01 * torch.randn(n_vis, n_hidden, generator=gen)
        p = data.mean(0).clamp(1e-2, 1 - 1e-2)
        b, c = torch.log(p / (1 - p)), torch.zeros(n_hidden)
        vW, vb, vc = torch.zeros_like(W), torch.zeros_like(b), torch.zeros_like(c)
        for epoch in range(n_epochs):
            mom = momentum if epoch < momentum_switch_epoch else final_momentum
            order = torch.randperm(n, generator=gen)
            for lo in range(0, n, batch_size):
                v0 = data[order[lo:lo + batch_size]]
                ph0 = torch.sigmoid(v0 @ W + c)
                h0 = torch.bernoulli(ph0, generator=gen)
                v1 = torch.bernoulli(torch.sigmoid(h0 @ W.T + b), generator=gen)
                ph1 = torch.sigmoid(v1 @ W + c)
                m = v0.shape[0]
                vW.mul_(mom).add_((v0.T @ ph0 - v1.T @ ph1).div_(m).sub_(weight_decay * W), alpha=learning_rate)
                vb.mul_(mom).add_((v0 - v1).mean(0), alpha=learning_rate)
                vc.mul_(mom).add_((ph0 - ph1).mean(0), alpha=learning_rate)
                W.add_(vW)
                b.add_(vb)
                c.add_(vc)
    return W.numpy(), b.numpy(), c.numpy()


def tf_rbm_fit(X, n_hidden, n_epochs, batch_size, learning_rate, seed, threads,
               momentum=0.5, final_momentum=0.9, momentum_switch_epoch=5, weight_decay=2e-4):
    """TensorFlow 2: one CD-1 step under ``tf.function`` (the book's way), shuffled minibatches."""
    import tensorflow as tf
    try:  # only possible before TensorFlow's runtime has started in this process
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    tf.random.set_seed(seed)
    X = np.ascontiguousarray(X, dtype=np.float32)
    n, n_vis = X.shape
    W = tf.Variable(tf.random.normal((n_vis, n_hidden), stddev=0.01))
    b = tf.Variable(base_rate_biases(X).astype(np.float32))
    c = tf.Variable(tf.zeros(n_hidden))
    vW, vb, vc = (tf.Variable(tf.zeros_like(v)) for v in (W, b, c))

    def sample(p):
        return tf.cast(tf.random.uniform(tf.shape(p)) < p, tf.float32)

    @tf.function
    def cd1_step(v0, mom):
        ph0 = tf.nn.sigmoid(tf.matmul(v0, W) + c)
        v1 = sample(tf.nn.sigmoid(tf.matmul(sample(ph0), W, transpose_b=True) + b))
        ph1 = tf.nn.sigmoid(tf.matmul(v1, W) + c)
        m = tf.cast(tf.shape(v0)[0], tf.float32)
        grad_W = (tf.matmul(v0, ph0, transpose_a=True) - tf.matmul(v1, ph1, transpose_a=True)) / m
        vW.assign(mom * vW + learning_rate * (grad_W - weight_decay * W))
        vb.assign(mom * vb + learning_rate * tf.reduce_mean(v0 - v1, axis=0))
        vc.assign(mom * vc + learning_rate * tf.reduce_mean(ph0 - ph1, axis=0))
        W.assign_add(vW)
        b.assign_add(vb)
        c.assign_add(vc)

    data = tf.constant(X)
    for epoch in range(n_epochs):
        mom = tf.constant(momentum if epoch < momentum_switch_epoch else final_momentum)
        order = tf.random.shuffle(tf.range(n))
        for lo in range(0, n, batch_size):
            cd1_step(tf.gather(data, order[lo:lo + batch_size]), mom)
    return W.numpy(), b.numpy(), c.numpy()


# ---------------------------------------------------------------------------- MLP peers
def sklearn_mlp_fit(X, y, hidden, batch_size, learning_rate, momentum, seed, optimizer="adam"):
    """scikit-learn's MLPClassifier with fastrbm.MLP's optimizer (Adam, or SGD with classical momentum),
    logistic units, no L2, one epoch."""
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="logistic", solver=optimizer, alpha=0.0,
                        batch_size=batch_size, learning_rate="constant", learning_rate_init=learning_rate,
                        momentum=momentum, nesterovs_momentum=False, max_iter=1, shuffle=True,
                        early_stopping=False, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1 is one epoch on purpose
        clf.fit(X, y)
    return clf.predict


def torch_mlp_fit(X, y, hidden, batch_size, learning_rate, momentum, seed, threads, optimizer="adam"):
    """Plain PyTorch: nn.Sequential of Linear + Sigmoid, softmax cross-entropy, Adam (or SGD with
    momentum), one epoch."""
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    widths = [X.shape[1], *hidden]
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(n_in, n_out), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(widths[-1], int(y.max()) + 1))
    for m in model:  # fastrbm.MLP's init: Glorot uniform weights, zero biases
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    opt = (torch.optim.Adam(model.parameters(), lr=learning_rate) if optimizer == "adam"
           else torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum))
    loss_fn = nn.CrossEntropyLoss()
    data, labels = torch.from_numpy(np.ascontiguousarray(X, np.float32)), torch.from_numpy(np.asarray(y, np.int64))
    order = torch.randperm(len(data))
    for lo in range(0, len(data), batch_size):
        idx = order[lo:lo + batch_size]
        opt.zero_grad()
        loss_fn(model(data[idx]), labels[idx]).backward()
        opt.step()

    def predict(X_test):
        with torch.no_grad():
            return model(torch.from_numpy(np.ascontiguousarray(X_test, np.float32))).argmax(1).numpy()

    return predict


# ---------------------------------------------------------------------------- Hopfield peer
def hebbian_weights(patterns):
    """W = P^T P / N with a zero diagonal, for bipolar patterns P (p, N)."""
    P = np.asarray(patterns, np.float32)
    W = P.T @ P / P.shape[1]
    np.fill_diagonal(W, 0.0)
    return W


def numpy_hopfield_recall(W, states, max_sweeps, seed):
    """Plain NumPy asynchronous recall, vectorised across states: for each neuron in a random
    order, ``s_i = sign(W_i . s)`` (ties keep ``s_i``), until a sweep flips nothing."""
    s = np.array(states, np.float32, copy=True)
    rng = np.random.default_rng(seed)
    h = s @ W
    for sweep in range(max_sweeps):
        flips = 0
        for i in rng.permutation(W.shape[0]):
            new = np.where(h[:, i] > 0, 1.0, np.where(h[:, i] < 0, -1.0, s[:, i])).astype(np.float32)
            changed = np.flatnonzero(new != s[:, i])
            if changed.size:
                h[changed] += np.outer(new[changed] - s[changed, i], W[i])
                s[changed, i] = new[changed]
                flips += changed.size
        if flips == 0:
            return s, sweep + 1
    return s, max_sweeps
