"""The user path: what ``fastrbm.RBM(...).fit(X)`` costs end to end, beside what users run instead.

Groups (each fastrbm entry once per backend through ``bench_backend``, plus
``[default]``: ``backend=None``, whatever ``auto`` picks, its name in ``extra_info``):

* ``RBM.fit``: construct + fit, 500 hidden units, batch 100, lr 0.05, CD-1, E epochs,
  against scikit-learn's BernoulliRBM, a plain PyTorch CD-1 script, TensorFlow 2 under
  ``tf.function`` and the GEMM-only lower bound (the four CD-1 products per minibatch).
* ``MLP.fit``: a 784-500-500-2000-10 sigmoid MLP, Adam lr 1e-3, one epoch, against
  scikit-learn's MLPClassifier and plain PyTorch.
* ``Hopfield.recall``: 64 corrupted probes of p = 0.05 N random patterns, N = 784, against a
  plain NumPy asynchronous loop.
* ``DBN.fit``: greedy pretraining of a 784-500-500-2000 labelled DBN, one epoch per layer.

``pytest benchmarks/bench_user.py`` runs every entry once at a small size (smoke test);
``pytest --benchmark-only benchmarks/bench_user.py --benchmark-json=user.json`` times the
full sizes (60,000 MNIST rows) and ``python benchmarks/report.py user.json`` tabulates them.

Every entry checks its result (held-out reconstruction error, accuracy, recall), so that a
fast broken path cannot win; none asserts anything about time. torch and TensorFlow are
optional (``pip install -e ".[bench]"``): without them their entries skip with the reason.
The torch / TensorFlow entries come last in this file, so that the fastrbm entries of a run
are timed before either is imported (importing them changes the process's thread pools;
``benchmarks/coexist.py`` measures that). ``extra_info["peers_loaded"]`` records it.
"""
import os

import numpy as np
import pytest

import fastrbm
import peers
from bench_rbm import gemm_only_epoch

N_VIS, N_HID, BATCH, LR = 784, 500, 100, 0.05
# Adam, lr 1e-3 (scikit-learn's default): fastrbm.MLP's default SGD (lr 0.1, momentum 0.9) leaves this
# sigmoid net predicting one class after one epoch, in fastrbm, scikit-learn and PyTorch alike.
MLP_HIDDEN, MLP_OPTIMIZER, MLP_LR, MLP_MOMENTUM = (500, 500, 2000), "adam", 1e-3, 0.9


def full_size(benchmark):
    """Timing runs use the full sizes; ``FASTRBM_BENCH_SMALL=1`` keeps the smoke sizes (a quick
    ``--benchmark-only`` run to try the report on)."""
    return not benchmark.disabled and os.environ.get("FASTRBM_BENCH_SMALL", "") in ("", "0")


def rbm_size(benchmark):
    """(rows, epochs): 60,000 x 3 when timing, 2,000 x 2 for the smoke run."""
    return (60_000, 3) if full_size(benchmark) else (2_000, 2)


def rounds(benchmark, timed=2):
    return timed if full_size(benchmark) else 1


def default_backend_name():
    return fastrbm.get_backend(None).name


def record(benchmark, role, **info):
    """``extra_info``: the entry's role (fastrbm / sklearn / torch / tensorflow / gemm / numpy-loop),
    what else is loaded in the process, and the entry's own check values."""
    benchmark.extra_info.update(role=role, data=peers.data_source(), threads=peers.fastrbm_threads(),
                                peers_loaded=",".join(peers.peer_modules_loaded()) or "none", check="failed",
                                **info)


def passed(benchmark):
    """The last line of every entry: pytest-benchmark saves an entry's timing even when its check
    fails afterwards, so the report flags entries whose ``extra_info["check"]`` is not "passed"."""
    benchmark.extra_info["check"] = "passed"


# ============================================================================ RBM.fit
@pytest.fixture(scope="module")
def rbm_data(request):
    """Training rows, held-out digits and the untrained model's held-out error, per size."""
    cache = {}

    def get(n):
        if n not in cache:
            X, H = peers.train_images(n), peers.heldout_images(1000)
            cache[n] = X, H, peers.untrained_error(X, H, N_HID)
        return cache[n]

    return get


@pytest.fixture(scope="module")
def rbm_reference(rbm_data):
    """Held-out reconstruction error of the NumPy reference backend's fit, per (rows, epochs)."""
    cache = {}

    def get(n, epochs):
        if (n, epochs) not in cache:
            X, H, _ = rbm_data(n)
            rbm = fastrbm.RBM(N_HID, n_epochs=epochs, batch_size=BATCH, learning_rate=LR, random_state=0,
                              backend="numpy").fit(X)
            cache[n, epochs] = peers.reconstruction_error(rbm.W_, rbm.b_, rbm.c_, H)
        return cache[n, epochs]

    return get


def check_learned(benchmark, error, untrained):
    """Held-out reconstruction error well below the untrained model's (MNIST only: random data has
    nothing to learn beyond the marginals, which the untrained model already has)."""
    benchmark.extra_info.update(heldout_error=round(error, 5), untrained_error=round(untrained, 5))
    assert np.isfinite(error)
    if peers.data_source() == "mnist":
        bar = 0.85 if full_size(benchmark) else 0.98  # the smoke fit is 40 steps (scikit-learn's barely move)
        assert error < bar * untrained, f"held-out error {error:.4f} vs untrained {untrained:.4f}"
    else:
        assert error < 1.05 * untrained


def rbm_group(n, epochs):
    return f"RBM.fit 784x500 batch 100, {n} rows x {epochs} epochs"


def run_fastrbm_rbm(benchmark, backend, rbm_data, rbm_reference):
    n, epochs = rbm_size(benchmark)
    benchmark.group = rbm_group(n, epochs)
    X, H, untrained = rbm_data(n)
    # untimed: load the JIT cache / start thread pools (the first call is measured by first_call.py)
    fastrbm.RBM(16, n_epochs=1, batch_size=BATCH, backend=backend).fit(X[:200])

    def fit():
        return fastrbm.RBM(N_HID, n_epochs=epochs, batch_size=BATCH, learning_rate=LR, random_state=0,
                           backend=backend).fit(X)

    rbm = benchmark.pedantic(fit, rounds=rounds(benchmark), iterations=1, warmup_rounds=0)
    record(benchmark, "fastrbm", backend=rbm._K.name)
    error = peers.reconstruction_error(rbm.W_, rbm.b_, rbm.c_, H)
    check_learned(benchmark, error, untrained)
    # every backend follows the same random stream: the same fit up to float32 rounding
    assert error == pytest.approx(rbm_reference(n, epochs), rel=0.05)
    passed(benchmark)


def bench_rbm_fit(benchmark, bench_backend, rbm_data, rbm_reference):
    run_fastrbm_rbm(benchmark, bench_backend.name, rbm_data, rbm_reference)


def bench_rbm_fit_default(benchmark, rbm_data, rbm_reference):
    run_fastrbm_rbm(benchmark, None, rbm_data, rbm_reference)


def bench_rbm_fit_sklearn(benchmark, rbm_data):
    pytest.importorskip("sklearn.neural_network")
    n, epochs = rbm_size(benchmark)
    benchmark.group = rbm_group(n, epochs)
    X, H, untrained = rbm_data(n)
    params = benchmark.pedantic(peers.sklearn_rbm_fit, args=(X, N_HID, epochs, BATCH, LR, 0),
                                rounds=rounds(benchmark), iterations=1)
    record(benchmark, "sklearn")
    check_learned(benchmark, peers.reconstruction_error(*params, H), untrained)
    passed(benchmark)


def bench_rbm_fit_gemm_only(benchmark, rbm_data):
    """The lower bound: the four CD-1 products per minibatch, E epochs, nothing else."""
    n, epochs = rbm_size(benchmark)
    benchmark.group = rbm_group(n, epochs)
    X = rbm_data(n)[0]

    def run():
        for _ in range(epochs):
            grad = gemm_only_epoch(X)
        return grad

    grad = benchmark.pedantic(run, rounds=rounds(benchmark), iterations=1)
    record(benchmark, "gemm")
    np.testing.assert_allclose(grad[0, :3], np.full(3, 2 * BATCH, np.float32))  # ones^T ones
    passed(benchmark)


# ============================================================================ MLP.fit
def mlp_rows(benchmark):
    return 60_000 if full_size(benchmark) else 2_000


def mlp_group(n):
    return f"MLP.fit 784-500-500-2000-10 sigmoid, Adam lr 1e-3, batch 100, {n} rows x 1 epoch"


@pytest.fixture(scope="module")
def mlp_data():
    cache = {}

    def get(n):
        if n not in cache:
            cache[n] = (*peers.train_images(n, with_labels=True), *peers.heldout_images(1000, with_labels=True))
        return cache[n]

    return get


@pytest.fixture(scope="module")
def mlp_reference(mlp_data):
    """The NumPy reference backend's held-out predictions, per size."""
    cache = {}

    def get(n):
        if n not in cache:
            X, y, H, hy = mlp_data(n)
            cache[n] = fastrbm.MLP(MLP_HIDDEN, optimizer=MLP_OPTIMIZER, n_epochs=1, early_stopping=False,
                                   batch_size=BATCH, learning_rate=MLP_LR, momentum=MLP_MOMENTUM, random_state=0,
                                   backend="numpy").fit(X, y).predict(H)
        return cache[n]

    return get


def check_accuracy(benchmark, predictions, labels):
    """Accuracy on 1,000 held-out digits well above chance (0.1) at full size; valid labels always.
    (The smoke fit is 20 optimizer steps: a sigmoid MLP is still on its plateau there.)"""
    predictions = np.asarray(predictions)
    accuracy = float(np.mean(predictions == labels))
    benchmark.extra_info["heldout_accuracy"] = round(accuracy, 4)
    assert predictions.shape == labels.shape and np.isin(predictions, np.arange(10)).all()
    if full_size(benchmark) and peers.data_source() == "mnist":
        assert accuracy > 0.5, f"held-out accuracy {accuracy:.3f} after one epoch"
    return accuracy


def run_fastrbm_mlp(benchmark, backend, mlp_data, mlp_reference):
    n = mlp_rows(benchmark)
    benchmark.group = mlp_group(n)
    X, y, H, hy = mlp_data(n)
    fastrbm.MLP((16,), n_epochs=1, early_stopping=False, backend=backend).fit(X[:200], y[:200])  # untimed warm-up

    def fit():
        return fastrbm.MLP(MLP_HIDDEN, optimizer=MLP_OPTIMIZER, n_epochs=1, early_stopping=False,
                           batch_size=BATCH, learning_rate=MLP_LR,
                           momentum=MLP_MOMENTUM, random_state=0, backend=backend).fit(X, y)

    model = benchmark.pedantic(fit, rounds=1, iterations=1)
    record(benchmark, "fastrbm", backend=model._K.name)
    predictions = model.predict(H)
    check_accuracy(benchmark, predictions, hy)
    # the same stream on every backend: the same network up to float32 rounding
    assert np.mean(predictions == mlp_reference(n)) > 0.95
    passed(benchmark)


def bench_mlp_fit(benchmark, bench_backend, mlp_data, mlp_reference):
    run_fastrbm_mlp(benchmark, bench_backend.name, mlp_data, mlp_reference)


def bench_mlp_fit_default(benchmark, mlp_data, mlp_reference):
    run_fastrbm_mlp(benchmark, None, mlp_data, mlp_reference)


def bench_mlp_fit_sklearn(benchmark, mlp_data):
    pytest.importorskip("sklearn.neural_network")
    n = mlp_rows(benchmark)
    benchmark.group = mlp_group(n)
    X, y, H, hy = mlp_data(n)
    predict = benchmark.pedantic(peers.sklearn_mlp_fit, args=(X, y, MLP_HIDDEN, BATCH, MLP_LR, MLP_MOMENTUM, 0, MLP_OPTIMIZER),
                                 rounds=1, iterations=1)
    record(benchmark, "sklearn")
    check_accuracy(benchmark, predict(H), hy)
    passed(benchmark)


# ============================================================================ Hopfield.recall
HOP_N, HOP_PROBES, HOP_CORRUPT = 784, 64, 0.2


@pytest.fixture(scope="module")
def hopfield_problem():
    """p = 0.05 N random +-1 patterns and 64 probes with 20 % of the bits flipped.

    Random patterns, not MNIST digits: binarised digits are so correlated that Hebbian
    recall of a few of them ends in mixture states (10 digits, 10 % noise: 0 of 64 exact).
    """
    rng = np.random.default_rng(HOP_N)
    p = round(0.05 * HOP_N)
    patterns = rng.choice(np.array([-1.0, 1.0], np.float32), size=(p, HOP_N))
    targets = patterns[np.arange(HOP_PROBES) % p]
    probes = np.where(rng.random(targets.shape) < HOP_CORRUPT, -targets, targets).astype(np.float32)
    return patterns, targets, probes


def check_recall(benchmark, states, targets):
    overlap = np.mean(states * targets, axis=1)  # m = 1: the stored pattern exactly
    benchmark.extra_info.update(mean_overlap=round(float(overlap.mean()), 4),
                                exact=int(np.sum(overlap == 1.0)))
    assert np.mean(overlap == 1.0) >= 0.9 and overlap.min() > 0.5


def hopfield_group():
    return f"Hopfield.recall N={HOP_N}, p={round(0.05 * HOP_N)} Hebbian, {HOP_PROBES} probes 20 % corrupted"


def run_fastrbm_hopfield(benchmark, backend, hopfield_problem):
    benchmark.group = hopfield_group()
    patterns, targets, probes = hopfield_problem

    def setup():
        net = fastrbm.Hopfield(HOP_N, "hebbian", backend=backend, random_state=0).store(patterns)
        return (net, probes.copy()), {}

    def recall(net, states):
        return net.recall(states)

    recall(*setup()[0])  # untimed warm-up (JIT cache, thread pool)
    result = benchmark.pedantic(recall, setup=setup, rounds=20 if full_size(benchmark) else 1, iterations=1)
    record(benchmark, "fastrbm", backend=fastrbm.get_backend(backend).name)
    check_recall(benchmark, result.states, targets)
    assert result.converged.all()
    passed(benchmark)


def bench_hopfield_recall(benchmark, bench_backend, hopfield_problem):
    run_fastrbm_hopfield(benchmark, bench_backend.name, hopfield_problem)


def bench_hopfield_recall_default(benchmark, hopfield_problem):
    run_fastrbm_hopfield(benchmark, None, hopfield_problem)


def bench_hopfield_recall_numpy_loop(benchmark, hopfield_problem):
    """The loop a user writes: per neuron in random order, vectorised across the 64 probes."""
    benchmark.group = hopfield_group()
    patterns, targets, probes = hopfield_problem
    W = peers.hebbian_weights(patterns)
    states, _ = benchmark.pedantic(peers.numpy_hopfield_recall, args=(W, probes, 100, 0),
                                   rounds=3 if full_size(benchmark) else 1, iterations=1)
    record(benchmark, "numpy-loop")
    check_recall(benchmark, states, targets)
    passed(benchmark)


# ============================================================================ DBN.fit
DBN_LAYERS = (784, 500, 500, 2000)


# Up-down epochs of the DBN.fit entries: 5, the default when these entries were first measured
# (docs/benchmarks.md), so that later runs stay comparable.
UP_DOWN = 5


def dbn_rows(benchmark):
    return 10_000 if full_size(benchmark) else 1_000


@pytest.fixture(scope="module")
def dbn_reference(mlp_data):
    cache = {}

    def get(n):
        if n not in cache:
            X, y, H, hy = mlp_data(n)
            dbn = fastrbm.DBN(DBN_LAYERS, n_epochs=1, up_down_epochs=UP_DOWN, random_state=0, backend="numpy").fit(X, y)
            cache[n] = dbn.score(H, hy), first_layer_error(dbn, H)
        return cache[n]

    return get


def first_layer_error(dbn, H):
    """Held-out reconstruction error through the first RBM of the stack."""
    return peers.reconstruction_error(dbn.rec_weights_[0], dbn.gen_biases_[0], dbn.rec_biases_[0], H)


def run_fastrbm_dbn(benchmark, backend, mlp_data, dbn_reference):
    n = dbn_rows(benchmark)
    benchmark.group = f"DBN.fit {'-'.join(map(str, DBN_LAYERS))} + 10 labels, {n} rows x 1 epoch per layer"
    X, y, H, hy = mlp_data(n)
    fastrbm.DBN((784, 16, 16), n_epochs=1, up_down_epochs=1, backend=backend).fit(X[:200], y[:200])  # untimed warm-up

    def fit():
        return fastrbm.DBN(DBN_LAYERS, n_epochs=1, up_down_epochs=UP_DOWN, random_state=0, backend=backend).fit(X, y)

    dbn = benchmark.pedantic(fit, rounds=1, iterations=1)
    record(benchmark, "fastrbm", backend=dbn._K.name)
    accuracy, error = dbn.score(H, hy), first_layer_error(dbn, H)
    benchmark.extra_info["heldout_accuracy"] = round(accuracy, 4)
    assert all(np.isfinite(W).all() for W in [dbn.top_W_, *dbn.rec_weights_])
    # The first RBM learns (one epoch of pretraining leaves the labelled top level predicting one
    # class: 0.126 held-out accuracy at 10,000 rows, so no accuracy bar) ...
    if full_size(benchmark):  # the smoke run is 10 steps per layer
        check_learned(benchmark, error, peers.untrained_error(X, H, DBN_LAYERS[1]))
    # ... and every backend pretrains like the NumPy reference (one random stream)
    ref_accuracy, ref_error = dbn_reference(n)
    assert abs(accuracy - ref_accuracy) < 0.05 and error == pytest.approx(ref_error, rel=0.05)
    passed(benchmark)


def bench_dbn_fit(benchmark, bench_backend, mlp_data, dbn_reference):
    run_fastrbm_dbn(benchmark, bench_backend.name, mlp_data, dbn_reference)


def bench_dbn_fit_default(benchmark, mlp_data, dbn_reference):
    run_fastrbm_dbn(benchmark, None, mlp_data, dbn_reference)


# ============================================================================ torch / TensorFlow (last)
def bench_rbm_fit_torch(benchmark, rbm_data):
    pytest.importorskip("torch", reason="the PyTorch peer needs torch (pip install -e '.[bench]')")
    n, epochs = rbm_size(benchmark)
    benchmark.group = rbm_group(n, epochs)
    X, H, untrained = rbm_data(n)
    threads = peers.fastrbm_threads()
    params = benchmark.pedantic(peers.torch_rbm_fit, args=(X, N_HID, epochs, BATCH, LR, 0, threads),
                                rounds=rounds(benchmark), iterations=1)
    record(benchmark, "torch")
    check_learned(benchmark, peers.reconstruction_error(*params, H), untrained)
    passed(benchmark)


def bench_mlp_fit_torch(benchmark, mlp_data):
    pytest.importorskip("torch", reason="the PyTorch peer needs torch (pip install -e '.[bench]')")
    n = mlp_rows(benchmark)
    benchmark.group = mlp_group(n)
    X, y, H, hy = mlp_data(n)
    predict = benchmark.pedantic(peers.torch_mlp_fit,
                                 args=(X, y, MLP_HIDDEN, BATCH, MLP_LR, MLP_MOMENTUM, 0, peers.fastrbm_threads(),
                                       MLP_OPTIMIZER),
                                 rounds=1, iterations=1)
    record(benchmark, "torch")
    check_accuracy(benchmark, predict(H), hy)
    passed(benchmark)


def bench_rbm_fit_tensorflow(benchmark, rbm_data):
    pytest.importorskip("tensorflow", reason="the TensorFlow peer needs tensorflow-cpu (pip install -e '.[bench]')")
    n, epochs = rbm_size(benchmark)
    benchmark.group = rbm_group(n, epochs)
    X, H, untrained = rbm_data(n)
    params = benchmark.pedantic(peers.tf_rbm_fit, args=(X, N_HID, epochs, BATCH, LR, 0, peers.fastrbm_threads()),
                                rounds=rounds(benchmark), iterations=1)
    record(benchmark, "tensorflow")
    check_learned(benchmark, peers.reconstruction_error(*params, H), untrained)
    passed(benchmark)
