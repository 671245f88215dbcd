"""The ``dbn`` kernels on every backend against the NumPy reference, and the label sampler's distribution."""
import numpy as np
import pytest

from fastrbm.kernels.reference import dbn as reference
from fastrbm.kernels.reference.rng import uniform

DTYPES = [np.float32, np.float64]


def rtol(dtype):
    return 2e-5 if dtype == np.float32 else 1e-12


@pytest.mark.parametrize("n_labels", [0, 4])
@pytest.mark.parametrize("dtype", DTYPES)
def test_labelled_visible_step_matches_reference(backend, rng, dtype, n_labels):
    x = (rng.standard_normal((9, 11)) * 3).astype(dtype)
    b = rng.standard_normal(11).astype(dtype)
    p, s = (backend.to_numpy(a) for a in backend.labelled_visible_step(backend.asarray(x), backend.asarray(b),
                                                                         n_labels, 5, 7))
    p_ref, s_ref = reference.labelled_visible_step(x, b, n_labels, 5, 7)
    np.testing.assert_allclose(p, p_ref, rtol=rtol(dtype), atol=1e-7)
    d = 11 - n_labels
    u = uniform(5, x.shape, dtype, 7)
    tie = np.abs(u[:, :d] - p_ref[:, :d]) < 4 * np.finfo(dtype).eps
    np.testing.assert_array_equal(s[:, :d][~tie], s_ref[:, :d][~tie])
    if n_labels:
        np.testing.assert_array_equal(s[:, d:].sum(1), 1)
        np.testing.assert_array_equal(s[:, d:], s_ref[:, d:])
        np.testing.assert_allclose(p[:, d:].sum(1), 1, rtol=1e-5)


def test_label_group_samples_softmax(ref):
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    x = np.tile(np.r_[0.0, logits], (40_000, 1))
    _, s = ref.labelled_visible_step(x, np.zeros(5), 4, 3)
    freq = s[:, 1:].mean(0)
    se = np.sqrt(np.exp(logits) * (1 - np.exp(logits)) / 40_000)
    assert np.all(np.abs(freq - np.exp(logits)) < 5 * se)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_error(backend, rng, dtype):
    x = rng.standard_normal((6, 8)).astype(dtype)
    b = rng.standard_normal(8).astype(dtype)
    t = (rng.random((6, 8)) < 0.5).astype(dtype)
    got = backend.to_numpy(backend.sigmoid_error(backend.asarray(x.copy()), backend.asarray(b),
                                                 backend.asarray(t), 0.25))
    want = 0.25 * (1 / (1 + np.exp(-(x.astype(np.float64) + b))) - t)
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)
    np.testing.assert_allclose(reference.sigmoid_error(x.copy(), b, t, 0.25), want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cd_update(backend, rng, dtype):
    p, v, pos, neg = (rng.standard_normal((4, 5)).astype(dtype) for _ in range(4))
    dp, dv = backend.asarray(p.copy()), backend.asarray(v.copy())
    backend.cd_update(dp, dv, backend.asarray(pos), backend.asarray(neg), 0.1, 0.5, 0.01, 0.2)
    v_want = 0.5 * v + 0.1 * (0.2 * (pos - neg) - 0.01 * p)
    np.testing.assert_allclose(backend.to_numpy(dv), v_want, rtol=rtol(dtype), atol=1e-7)
    np.testing.assert_allclose(backend.to_numpy(dp), p + v_want, rtol=rtol(dtype), atol=1e-7)
