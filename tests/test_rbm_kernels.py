"""RBM kernels: every backend against the NumPy reference, and the reference against exact math."""
import itertools

import numpy as np
import pytest

from fastrbm.kernels.reference import rbm as reference
from fastrbm.kernels.reference.rng import uniform
from support import is_simulated

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 2e-5, np.float64: 1e-12}


def tiny_model(rng, n_vis, n_hid, dtype, scale=1.0):
    W = (rng.standard_normal((n_vis, n_hid)) * scale).astype(dtype)
    b = (rng.standard_normal(n_vis) * 0.5).astype(dtype)
    c = (rng.standard_normal(n_hid) * 0.5).astype(dtype)
    return W, b, c


def binary(rng, shape, dtype, p=0.5):
    return (rng.random(shape) < p).astype(dtype)


def host(backend, arrays):
    return [backend.to_numpy(a) for a in arrays]


def assert_samples_match(got, want, u, p, dtype):
    """Equal except where the uniform is within rounding of the probability."""
    tie = np.abs(u - p) <= 8 * np.finfo(dtype).eps
    np.testing.assert_array_equal(got[~tie], want[~tie])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gibbs_half_step_matches_reference(backend, rng, dtype):
    x = (rng.standard_normal((9, 23)) * 4).astype(dtype)
    x[0, :2] = [-300, 300]  # saturated: no overflow, exact 0 and 1
    bias = rng.standard_normal(23).astype(dtype)
    p, s = host(backend, backend.gibbs_half_step(backend.asarray(x), backend.asarray(bias), 55, 7))
    p_ref, s_ref = reference.gibbs_half_step(x, bias, 55, 7)
    assert p.dtype == s.dtype == np.dtype(dtype)
    np.testing.assert_allclose(p, p_ref, rtol=RTOL[dtype], atol=1e-30)
    assert p[0, 0] <= 1e-30 and s[0, 0] == 0 and s[0, 1] == 1
    assert_samples_match(s, s_ref, uniform(55, x.shape, dtype, 7), p_ref, dtype)


def test_gibbs_half_step_frequencies(ref):
    target = np.array([0.1, 0.5, 0.8])
    pre = np.zeros((40_000, 3))
    p, s = ref.gibbs_half_step(pre, np.log(target / (1 - target)), 3)
    np.testing.assert_allclose(p[0], target)
    assert np.all(np.abs(s.mean(0) - target) < 5 * np.sqrt(target * (1 - target) / 40_000))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gaussian_half_step_matches_reference(backend, rng, dtype):
    x = rng.standard_normal((6, 11)).astype(dtype)
    bias = rng.standard_normal(11).astype(dtype)
    mean, s = host(backend, backend.gaussian_half_step(backend.asarray(x), backend.asarray(bias), 8, 2))
    mean_ref, s_ref = reference.gaussian_half_step(x, bias, 8, 2)
    np.testing.assert_allclose(mean, mean_ref, rtol=RTOL[dtype])
    np.testing.assert_allclose(s, s_ref, rtol=1e-5, atol=1e-5)


def test_gaussian_half_step_is_standard_normal(ref):
    _, z = ref.gaussian_half_step(np.zeros((50_000, 2)), np.zeros(2), 4)
    assert abs(z.mean()) < 5 / np.sqrt(100_000)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / 100_000)
    assert abs(np.mean(z > 1.0) - 0.15865525) < 5 * np.sqrt(0.16 * 0.84 / 100_000)


@pytest.mark.parametrize("gaussian", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_free_energy_matches_reference(backend, rng, dtype, gaussian):
    W, b, c = tiny_model(rng, 13, 7, dtype, scale=3.0)
    V = binary(rng, (17, 13), dtype) if not gaussian else rng.standard_normal((17, 13)).astype(dtype)
    got = backend.to_numpy(backend.free_energy(*(backend.asarray(a) for a in (V, W, b, c)), gaussian))
    want = reference.free_energy(V, W, b, c, gaussian)
    assert got.shape == (17,) and got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 5, atol=1e-4 if dtype == np.float32 else 1e-10)


def test_free_energy_is_minus_log_sum_over_hidden(rng):
    W, b, c = tiny_model(rng, 5, 4, np.float64, scale=2.0)
    V = binary(rng, (6, 5), np.float64)
    H = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    energy = -(V @ b)[:, None] - (H @ c)[None, :] - V @ W @ H.T  # E(v, h), eq. of the module docstring
    want = -np.log(np.exp(-energy).sum(axis=1))
    np.testing.assert_allclose(reference.free_energy(V, W, b, c), want, rtol=1e-12)
    # huge pre-activations do not overflow
    assert np.isfinite(reference.free_energy(V, W * 1e4, b, c)).all()


def run_cd(kernels, params, v0, chain, **kw):
    P = [kernels.asarray(a.copy()) for a in params]
    D = [kernels.asarray(np.full_like(a, 0.01)) for a in params]
    ch = None if chain is None else kernels.asarray(chain.copy())
    kernels.cd_step(*P, *D, kernels.asarray(v0), 2024, **kw, chain=ch)
    return host(kernels, P + D + ([] if ch is None else [ch]))


@pytest.mark.parametrize("gaussian", [False, True])
@pytest.mark.parametrize("persistent", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cd_step_matches_reference(backend, rng, dtype, persistent, gaussian):
    n_vis, n_hid, n = (11, 7, 5) if is_simulated(backend) else (40, 30, 16)
    params = tiny_model(rng, n_vis, n_hid, dtype, scale=0.3)
    v0 = rng.standard_normal((n, n_vis)).astype(dtype) if gaussian else binary(rng, (n, n_vis), dtype)
    chain = binary(rng, (n, n_hid), dtype) if persistent else None
    kw = dict(k=2, learning_rate=0.1, momentum=0.5, weight_decay=0.01, gaussian_visible=gaussian)
    got = run_cd(backend, params, v0, chain, **kw)
    want = run_cd(reference_kernels(), params, v0, chain, **kw)
    for g, w in zip(got, want):
        assert g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g, w, rtol=1e-4 if dtype == np.float32 else 1e-10,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_matmul_matches_dense_product(backend, rng, dtype):
    n, k, m = (4, 19, 6) if is_simulated(backend) else (13, 70, 37)
    a = (binary(rng, (n, k), dtype, p=0.2) * rng.random((n, k))).astype(dtype)
    a[0] = 0  # an empty row
    a[1, : 11] = rng.random(11)  # non-zeros not a multiple of the unrolling
    b = rng.standard_normal((k, m)).astype(dtype)
    got = backend.to_numpy(backend.sparse_matmul(backend.asarray(a), backend.asarray(b)))
    assert got.dtype == np.dtype(dtype) and got.shape == (n, m)
    np.testing.assert_allclose(got, reference.sparse_matmul(a, b), rtol=RTOL[dtype] * 10,
                               atol=1e-5 if dtype == np.float32 else 1e-12)
    out = backend.zeros((n, m), dtype)
    backend.sparse_matmul(backend.asarray(a), backend.asarray(b), out)
    np.testing.assert_allclose(backend.to_numpy(out), got)


@pytest.mark.parametrize("persistent", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cd_step_on_sparse_data_matches_reference(backend, rng, dtype, persistent):
    """Sparse data and visible samples (strong negative b): the gather-add products and,
    on the CPU backends, the gradient gathered and applied a row at a time."""
    n_vis, n_hid, n = (11, 7, 5) if is_simulated(backend) else (60, 30, 16)
    W, b, c = tiny_model(rng, n_vis, n_hid, dtype, scale=0.3)
    b[:] = -3.0
    v0 = (binary(rng, (n, n_vis), dtype, p=0.1) * rng.random((n, n_vis))).astype(dtype)
    chain = binary(rng, (n, n_hid), dtype) if persistent else None
    kw = dict(k=2, learning_rate=0.1, momentum=0.5, weight_decay=0.01)
    got = run_cd(backend, (W, b, c), v0, chain, **kw)
    want = run_cd(reference_kernels(), (W, b, c), v0, chain, **kw)
    for g, w in zip(got, want):
        assert g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g, w, rtol=1e-4 if dtype == np.float32 else 1e-10,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)


def reference_kernels():
    import fastrbm

    return fastrbm.get_backend("numpy")


def test_cd_step_update_rule(ref, rng):
    """With k=1, zero momentum and decay, dW is lr * (v0^T ph0 - v1^T ph1) / n (recomputed here)."""
    W, b, c = tiny_model(rng, 6, 4, np.float64)
    v0 = binary(rng, (8, 6), np.float64)
    got = run_cd(ref, (W, b, c), v0, None, k=1, learning_rate=0.5, momentum=0.0, weight_decay=0.0)
    ph0, h0 = reference.gibbs_half_step(v0 @ W, c, 2024, 0)
    _, v1 = reference.gibbs_half_step(h0 @ W.T, b, 2024, reference.STRIDE)
    ph1, _ = reference.gibbs_half_step(v1 @ W, c, 2024, 2 * reference.STRIDE)
    np.testing.assert_allclose(got[3], 0.5 * (v0.T @ ph0 - v1.T @ ph1) / 8)
    np.testing.assert_allclose(got[0], W + got[3])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gibbs_chain_matches_reference(backend, rng, dtype):
    W, b, c = tiny_model(rng, 9, 5, dtype)
    V = binary(rng, (4, 9), dtype)
    steps = 2 if is_simulated(backend) else 6
    p, v = host(backend, backend.gibbs_chain(*(backend.asarray(a) for a in (V, W, b, c)), 31, steps, 5))
    p_ref, v_ref = reference.gibbs_chain(V, W, b, c, 31, steps, 5)
    np.testing.assert_allclose(p, p_ref, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(v, v_ref)  # a rounding tie here would be a 1e-7 event


@pytest.mark.parametrize("dtype", DTYPES)
def test_ais_step_matches_reference(backend, rng, dtype):
    W, b, c = tiny_model(rng, 9, 5, dtype)
    base_b = (rng.standard_normal(9) * 0.3).astype(dtype)
    V = binary(rng, (6, 9), dtype)
    args = (V, W, b, c, base_b)
    v, delta = host(backend, backend.ais_step(*(backend.asarray(a) for a in args), 0.25, 0.5, 17))
    v_ref, delta_ref = reference.ais_step(*args, 0.25, 0.5, 17)
    np.testing.assert_array_equal(v, v_ref)
    np.testing.assert_allclose(delta, delta_ref, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)


def exact_visible_marginal(W, b, c):
    """p(v) over all 2^n_vis states (index = binary number, first unit most significant)."""
    states = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[0])))
    log_p = -reference.free_energy(states, W, b, c)
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def empirical_marginal(samples):
    n_vis = samples.shape[1]
    index = (samples.astype(np.int64) * (1 << np.arange(n_vis - 1, -1, -1))).sum(axis=1)
    return np.bincount(index, minlength=2**n_vis) / len(samples)


def tv_bound(n_states, n_samples, delta=1e-6):
    """E[TV] <= sqrt(K / N) / 2 (Cauchy-Schwarz) plus McDiarmid's sqrt(log(1/delta) / 2N)."""
    return 0.5 * np.sqrt(n_states / n_samples) + np.sqrt(np.log(1 / delta) / (2 * n_samples))


def test_gibbs_chains_sample_the_model(backend, rng):
    """Independent chains' final states follow the exact marginal p(v) (8 visible, 6 hidden)."""
    if is_simulated(backend):
        pytest.skip("simulator: exact agreement with the reference chain is checked above instead")
    W, b, c = tiny_model(rng, 8, 6, np.float64, scale=1.0)
    n_chains = 20_000
    start = binary(rng, (n_chains, 8), np.float64)
    _, v = backend.gibbs_chain(*(backend.asarray(a) for a in (start, W, b, c)), 99, 60)
    empirical = empirical_marginal(backend.to_numpy(v))
    bound = tv_bound(256, n_chains)
    assert 0.5 * np.abs(empirical - exact_visible_marginal(W, b, c)).sum() < bound
    # the test has power: a slightly different model is rejected
    assert 0.5 * np.abs(empirical - exact_visible_marginal(W * 1.3, b, c)).sum() > bound


def test_cd_k_with_large_k_approaches_exact_gradient(ref, rng):
    """CD-k (k=200) averaged over many chains ~ the exact log-likelihood gradient."""
    W, b, c = tiny_model(rng, 6, 4, np.float64, scale=0.7)
    data = binary(rng, (5, 6), np.float64, p=0.4)
    v0 = np.repeat(data, 4000, axis=0)
    # exact: <v h>_data - <v h>_model, the model term by enumeration
    states = np.array(list(itertools.product([0.0, 1.0], repeat=6)))
    p_v = exact_visible_marginal(W, b, c)
    ph = reference.sigmoid(states @ W + c)
    exact = data.T @ reference.sigmoid(data @ W + c) / len(data) - (states * p_v[:, None]).T @ ph
    got = run_cd(ref, (W, b, c), v0, None, k=200, learning_rate=1.0, momentum=0.0, weight_decay=0.0)
    dW = got[3]  # zero momentum: the velocity is the gradient estimate
    assert np.abs(dW - exact).max() < 0.02
    # CD-1 on the same model is visibly biased, so the tolerance above means something
    cd1 = run_cd(ref, (W, b, c), v0, None, k=1, learning_rate=1.0, momentum=0.0, weight_decay=0.0)[3]
    assert np.abs(cd1 - exact).max() > np.abs(dW - exact).max()
