"""The DBN and DBNClassifier: pretraining helps, clamped generation, up-down, save/load, bad input."""
import numpy as np
import pytest
from _digits import load_digits_split

from fastrbm import DBN, MLP, DBNClassifier
from fastrbm._io import ModelFileError
from fastrbm._validation import NotFittedError

pytestmark = pytest.mark.filterwarnings("ignore:fastrbm.RBM is not available:RuntimeWarning")


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


@pytest.fixture(scope="module")
def trained(digits):
    """A small labelled DBN on the digits (shared by the generation and save/load tests)."""
    X, y, _, _ = digits
    return DBN((64, 100, 200), n_labels=10, n_epochs=[15, 30], learning_rate=0.05, batch_size=20,
               backend="numba", random_state=0).fit(X, y)


def test_pretraining_then_fine_tuning_beats_random_init(digits):
    X, y, Xt, yt = digits
    budget = dict(optimizer="sgd", learning_rate=0.1, momentum=0.9, n_epochs=10, batch_size=20, validation_size=200,
                  backend="numba", random_state=0)
    pre = DBNClassifier((100, 100, 200), pretrain_epochs=10, pretrain_learning_rate=0.05, **budget).fit(X, y)
    base = MLP((100, 100, 200), **budget).fit(X, y)
    acc_pre, acc_base = pre.score(Xt, yt), base.score(Xt, yt)
    assert acc_pre > 0.9
    assert acc_pre > acc_base
    assert set(pre.timings_) == {"pretrain", "fine_tune"}
    # fine-tuning works on copies: the DBN keeps its pretrained weights
    assert not np.array_equal(pre.dbn_.rec_weights_[0], pre.coefs_[0])


def test_free_energy_classification(trained, digits):
    _, _, Xt, yt = digits
    assert trained.score(Xt, yt) > 0.7
    proba = trained.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)


def test_label_clamped_generation_is_recognised(trained, digits):
    X, y, _, _ = digits
    clf = MLP((64,), optimizer="adam", learning_rate=3e-3, n_epochs=15, batch_size=32, validation_size=200,
              backend="numba", random_state=0).fit(X, y)
    labels = np.repeat(np.arange(10), 10)
    samples = np.vstack([trained.sample(10, label=c, n_steps=100) for c in range(10)])
    assert samples.shape == (100, 64) and samples.min() >= 0 and samples.max() <= 1
    hit = np.mean(clf.predict(samples) == labels)
    assert hit > 0.3  # chance is 0.1
    free = trained.sample(20, n_steps=20, stochastic_down=True)
    assert free.shape == (20, 64)


def test_up_down_unties_and_keeps_classifying(digits):
    X, y, Xt, yt = digits
    dbn = DBN((64, 60, 60, 100), n_epochs=5, learning_rate=0.05, batch_size=20, up_down_epochs=0, backend="numba",
              random_state=1).fit(X, y)
    assert all(np.array_equal(r, g) for r, g in zip(dbn.rec_weights_, dbn.gen_weights_))
    before = dbn.score(Xt, yt)
    dbn.fine_tune(X, y, n_epochs=3, learning_rate=0.01)
    assert not any(np.array_equal(r, g) for r, g in zip(dbn.rec_weights_, dbn.gen_weights_))
    assert len(dbn.history_["up_down"]) == 3
    assert dbn.score(Xt, yt) > min(before - 0.1, 0.5)


def test_up_down_step_matches_reference(backend):
    """Same seed, same data: pretraining and one up-down epoch agree with the NumPy reference (float64)."""
    rng = np.random.default_rng(3)
    X = (rng.random((12, 6)) < 0.5).astype(np.float64)
    y = rng.integers(0, 3, 12)
    kw = dict(n_labels=3, n_epochs=1, batch_size=6, up_down_epochs=0, dtype="float64", random_state=4)
    runs = []
    for name in (backend.name, "numpy"):
        dbn = DBN((6, 5, 4), backend=name, **kw).fit(X, y)
        dbn.fine_tune(X, y, n_epochs=1)
        runs.append(dbn)
    got, want = runs
    for a, b in zip([got.top_W_, *got.rec_weights_, *got.gen_weights_],
                    [want.top_W_, *want.rec_weights_, *want.gen_weights_]):
        # samples can differ only at float rounding ties, which these sizes make vanishingly rare
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(got.predict(X), want.predict(X))
    assert got.sample(2, label=1, n_steps=1).shape == (2, 6)


def test_propagate_samples_trains_on_binary_states(digits):
    X, y, Xt, yt = digits
    dbn = DBN((64, 50, 80), n_epochs=[10, 20], learning_rate=0.05, propagate="samples", batch_size=20,
              backend="numba", random_state=2).fit(X, y)
    assert dbn.score(Xt, yt) > 0.7  # chance is 0.1; 0.85 with propagate="probabilities"


def test_save_load_roundtrip(tmp_path, trained, digits):
    _, _, Xt, _ = digits
    path = trained.save(tmp_path / "dbn.npz")
    back = DBN.load(path)
    np.testing.assert_array_equal(back.free_energies(Xt[:50]), trained.free_energies(Xt[:50]))
    for a, b in zip(back.recognition_layers(), trained.recognition_layers()):
        np.testing.assert_array_equal(a[0], b[0])
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError):
        DBN.load(tmp_path / "bad.npz")
    with pytest.raises(ModelFileError, match="MLP"):
        MLP.load(path)



def test_a_loaded_dbn_continues_the_saved_random_stream(tmp_path, digits):
    """Two loads of one file draw the same samples as the saved model would have, even without a
    seed: the file keeps the key stream (before, a file dropped random_state and every load drew anew)."""
    X, y, _, _ = digits
    dbn = DBN((64, 10, 12), n_epochs=[2, 2], up_down_epochs=0, backend="numpy").fit(X, y)  # random_state=None
    path = dbn.save(tmp_path / "dbn.npz")
    first, second = (DBN.load(path).sample(5, label=3, n_steps=3) for _ in range(2))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, dbn.sample(5, label=3, n_steps=3))

def test_bad_input(digits):
    X, y, _, _ = digits
    dbn = DBN((64, 10, 10), n_epochs=1, backend="numpy")
    with pytest.raises(ValueError, match="out of range"):
        dbn.fit(X, np.where(y == 9, 10, y))
    with pytest.raises(ValueError, match="different lengths"):
        dbn.fit(X, y[:-2])
    with pytest.raises(ValueError, match="first layer size must equal the data's width"):
        DBN((784, 10, 10), n_epochs=1, backend="numpy").fit(X, y)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        dbn.fit(bad, y)
    with pytest.raises(ValueError, match="needs y"):
        dbn.fit(X)
    with pytest.raises(ValueError, match="n_epochs has 3 entries for 2 RBMs"):
        DBN((64, 10, 10), n_epochs=[1, 2, 3]).fit(X, y)
    with pytest.raises(NotFittedError):
        dbn.sample(3)
    dbn.fit(X, y)
    with pytest.raises(ValueError, match="label"):
        dbn.sample(2, label=10)
    with pytest.raises(ValueError, match="out of range"):
        dbn.score(X, y + 1)


def test_ctrl_c_during_pretraining_leaves_a_complete_checkpoint(tmp_path, digits, monkeypatch):
    """Ctrl-C (under stop_on_interrupt) in the first RBM: it stops after that minibatch, the RBMs
    above keep their initial weights (no training), and the DBN is whole: it saves and predicts."""
    from fastrbm import interrupt

    X, y, Xt, _ = digits
    polls = iter([False, False, False])
    monkeypatch.setattr(interrupt, "requested", lambda: next(polls, True))  # pressed at the 4th poll
    dbn = DBN((64, 32, 16), n_labels=10, n_epochs=5, batch_size=20, backend="numba", random_state=0).fit(X, y)
    assert dbn.interrupted_
    epochs = [len(layer["epochs"]) for layer in dbn.history_["pretrain"]]
    assert epochs[0] == 1 and epochs[1:] == [0]
    back = DBN.load(dbn.save(tmp_path / "checkpoint.npz"))
    np.testing.assert_array_equal(back.free_energies(Xt[:5]), dbn.free_energies(Xt[:5]))


def test_ctrl_c_stops_the_labelled_top_rbm(digits, monkeypatch):
    """The top RBM (with label units) polls Ctrl-C per minibatch too: one epoch, cut short."""
    import fastrbm
    from fastrbm import interrupt
    from fastrbm.models._top_rbm import train_rbm
    from fastrbm.rng import KeyStream

    X, y, _, _ = digits
    V = np.hstack([X, np.eye(10, dtype=np.float32)[y]]).astype(np.float32)
    calls = []
    monkeypatch.setattr(interrupt, "requested", lambda: calls.append(1) or len(calls) > 2)
    *_, history = train_rbm(fastrbm.get_backend("numpy"), V, 16, n_labels=10, dtype=np.float32,
                            keys=KeyStream(0), n_epochs=5, batch_size=20, learning_rate=0.05, k=1, momentum=0.5,
                            final_momentum=0.9, momentum_switch_epoch=5, weight_decay=0.0)
    assert len(history) == 1 and len(calls) == 4  # 3 minibatches, then the epoch loop's check


def _pooled_mnist_sample(pool, labels):
    """The bundled real MNIST sample, ``pool`` x ``pool`` mean-pooled, restricted to ``labels`` (relabelled 0..)."""
    from fastrbm.datasets import load_mnist

    out = []
    for split in ("train", "test"):
        X, y = load_mnist(split, source="sample")
        keep = np.isin(y, labels)
        X = X[keep].reshape(-1, 28 // pool, pool, 28 // pool, pool).mean(axis=(2, 4)).reshape(int(keep.sum()), -1)
        out += [X.astype(np.float32), np.searchsorted(labels, y[keep])]
    return out


# Per backend: (pool, training images, hidden sizes, top epochs, samples per label, Gibbs steps). The CUDA
# simulator runs every device thread in Python, too slowly to train even a small DBN: there the DBN is
# fitted by the NumPy reference (which the other backends match, test_up_down_step_matches_reference) and
# only the generation runs on the simulated device: 7x7 images, a 49-16-(16+2) net, 5 Gibbs steps.
CLAMP_SIZES = {"cuda": (4, 500, (16, 16), 30, 10, 5)}
CLAMP_DEFAULT = (2, 1000, (100, 200), 30, 30, 200)


def test_clamping_the_label_changes_what_is_generated(backend, tmp_path):
    """Samples drawn with label 0 or 1 clamped are told apart by a classifier of real 0s and 1s.

    If the label were ignored (the bug of issue 12: one blob for every label), both labels
    would give the same distribution and the classifier would be right half the time at
    most on average; the threshold is far above that (binomial tail below 1e-3 at p = 0.5).
    """
    from scipy.stats import binom
    from sklearn.linear_model import LogisticRegression

    pool, n_train, hidden, top_epochs, per_label, n_steps = CLAMP_SIZES.get(backend.name, CLAMP_DEFAULT)
    labels = np.array([0, 1])
    X, y, Xt, yt = _pooled_mnist_sample(pool, labels)
    X, y = X[:n_train], y[:n_train]
    fit_backend = "numpy" if backend.name == "cuda" else backend.name
    dbn = DBN((X.shape[1], *hidden), n_labels=2, n_epochs=[10] * (len(hidden) - 1) + [top_epochs],
              learning_rate=0.1, batch_size=20, backend=fit_backend, random_state=0).fit(X, y)
    if fit_backend != backend.name:
        dbn = DBN.load(dbn.save(tmp_path / "dbn.npz"), backend=backend.name)
    judge = LogisticRegression(C=1.0, max_iter=500).fit(Xt, yt)  # real test digits: independent of the DBN
    assert judge.score(X, y) > 0.95
    samples = np.vstack([dbn.sample(per_label, label=c, n_steps=n_steps) for c in range(2)])
    truth = np.repeat(np.arange(2), per_label)
    n_right = int(np.sum(judge.predict(samples) == truth))
    threshold = int(binom.isf(1e-3, 2 * per_label, 0.5)) + 1
    assert n_right >= max(threshold, int(np.ceil(0.8 * 2 * per_label))), (n_right, 2 * per_label)
    # and within a label the samples differ from one another (not one fixed image per label): their
    # per-pixel spread is at least a fifth of the real digits' (about a third to a half here)
    for c in range(2):
        assert samples[truth == c].std(axis=0).mean() > 0.2 * Xt[yt == c].std(axis=0).mean()
    if backend.name != "cuda":
        # free-running (labels drawn from the training frequencies, about half each): both digits appear
        free = judge.predict(dbn.sample(2 * per_label, n_steps=n_steps))
        assert 0.2 < free.mean() < 0.8, free.mean()
        np.testing.assert_array_equal(np.bincount(dbn.sample_labels_, minlength=2) > 0, [True, True])
