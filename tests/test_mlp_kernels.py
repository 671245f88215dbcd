"""The ``mlp`` kernels on every backend against the NumPy reference."""
import numpy as np
import pytest

from fastrbm.kernels.reference import mlp as reference
from fastrbm.kernels.reference.rng import uniform

DTYPES = [np.float32, np.float64]


def tol(dtype):
    return {"rtol": 2e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}


def run(backend, fn, *arrays, scalars=()):
    """Call kernel ``fn`` on backend copies of ``arrays``; return the NumPy results (written arrays, output)."""
    dev = [backend.asarray(a.copy()) if isinstance(a, np.ndarray) else a for a in arrays]
    out = getattr(backend, fn)(*dev, *scalars)
    return [backend.to_numpy(a) for a in dev], backend.to_numpy(out)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_sigmoid_and_backward(backend, rng, dtype):
    z = (rng.standard_normal((13, 7)) * 5).astype(dtype)
    z[0, 0] = -200  # saturates to exactly 0 without overflow trouble
    b = rng.standard_normal(7).astype(dtype)
    _, got = run(backend, "bias_sigmoid", z, b)
    want = reference.bias_sigmoid(z.copy(), b)
    np.testing.assert_allclose(got, want, **tol(dtype))
    np.testing.assert_allclose(want, 1 / (1 + np.exp(-(z.astype(np.float64) + b))), rtol=1e-5, atol=1e-30)
    delta = rng.standard_normal((13, 7)).astype(dtype)
    _, got = run(backend, "sigmoid_backward", delta, want)
    np.testing.assert_allclose(got, delta * want * (1 - want), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_mask_from_stream(backend, rng, dtype):
    x = rng.standard_normal((11, 9)).astype(dtype)
    _, got = run(backend, "dropout", x, scalars=(0.3, 99, 5))
    u = uniform(99, x.shape, dtype, 5)
    want = np.where(u >= dtype(0.3), x * dtype(1 / 0.7), 0).astype(dtype)
    tie = np.abs(u - 0.3) < 4 * np.finfo(dtype).eps
    np.testing.assert_allclose(got[~tie], want[~tie], **tol(dtype))
    np.testing.assert_allclose(reference.dropout(x.copy(), 0.3, 99, 5), want, **tol(dtype))
    out = backend.zeros(x.shape, dtype)
    got_out = backend.to_numpy(backend.dropout(backend.asarray(x), 0.3, 99, 5, out=out))
    np.testing.assert_allclose(got_out[~tie], want[~tie], **tol(dtype))


def test_dropout_keep_rate(ref):
    x = np.ones((500, 400), dtype=np.float32)
    kept = ref.dropout(x, 0.2, 7) > 0
    n = kept.size
    assert abs(kept.mean() - 0.8) < 5 * np.sqrt(0.16 / n)
    # inverted dropout keeps the expectation
    assert abs(x.mean() - 1.0) < 5 * np.sqrt(0.25 / n)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_and_cross_entropy(backend, rng, dtype):
    z = (rng.standard_normal((17, 10)) * 10).astype(dtype)
    z[0, 3] = 500  # stable for huge logits
    b = rng.standard_normal(10).astype(dtype)
    y = rng.integers(0, 10, 17).astype(np.int64)
    _, p = run(backend, "bias_softmax", z, b)
    s = z.astype(np.float64) + b
    p64 = np.exp(s - s.max(1, keepdims=True))
    p64 /= p64.sum(1, keepdims=True)
    np.testing.assert_allclose(p, p64, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-7)
    (grad, _, _), loss = run(backend, "softmax_cross_entropy_grad", z, b, y, scalars=(0.5,))
    onehot = np.eye(10)[y]
    np.testing.assert_allclose(grad, 0.5 * (p64 - onehot), rtol=1e-4 if dtype == np.float32 else 1e-12,
                               atol=1e-7)
    want_loss = -np.log(np.maximum(p64[np.arange(17), y], 1e-300))
    np.testing.assert_allclose(loss, want_loss, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-5)
    assert loss.dtype == grad.dtype == np.dtype(dtype)
    ref_loss = reference.softmax_cross_entropy_grad(z.copy(), b, y, 0.5)
    np.testing.assert_allclose(loss, ref_loss, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_column_sums(backend, rng, dtype):
    x = rng.standard_normal((23, 6)).astype(dtype)
    (_, _), got = run(backend, "column_sums", x, np.zeros(6, dtype))
    np.testing.assert_allclose(got, x.astype(np.float64).sum(0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_momentum_update(backend, rng, dtype):
    p, g, v = (rng.standard_normal((5, 8)).astype(dtype) for _ in range(3))
    (p1, _, v1), _ = run(backend, "sgd_momentum_update", p, g, v, scalars=(0.1, 0.9, 1e-3))
    v_want = 0.9 * v - 0.1 * (g + 1e-3 * p)
    np.testing.assert_allclose(v1, v_want, **tol(dtype))
    np.testing.assert_allclose(p1, p + v_want, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_update(backend, rng, dtype):
    p, g, m = (rng.standard_normal((5, 8)).astype(dtype) for _ in range(3))
    v = rng.random((5, 8)).astype(dtype)
    (p1, _, m1, v1), _ = run(backend, "adam_update", p, g, m, v, scalars=(1e-3, 0.9, 0.999, 1e-8, 1e-4))
    g2 = g + 1e-4 * p
    m_want = 0.9 * m + 0.1 * g2
    v_want = 0.999 * v + 0.001 * g2 * g2
    np.testing.assert_allclose(m1, m_want, **tol(dtype))
    np.testing.assert_allclose(v1, v_want, **tol(dtype))
    np.testing.assert_allclose(p1, p - 1e-3 * m_want / (np.sqrt(v_want) + 1e-8), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_norm(backend, rng, dtype):
    w = rng.standard_normal((9, 6)).astype(dtype)
    w[:, 0] *= 0.01  # below the limit: unchanged
    (got,), _ = run(backend, "max_norm", w, scalars=(1.5,))
    norms = np.linalg.norm(w.astype(np.float64), axis=0)
    want = w * np.where(norms > 1.5, 1.5 / norms, 1.0)
    np.testing.assert_allclose(got, want, **tol(dtype))
    np.testing.assert_allclose(reference.max_norm(w.copy(), 1.5), want, **tol(dtype))
    assert np.linalg.norm(got, axis=0).max() <= 1.5 * (1 + 1e-5)
