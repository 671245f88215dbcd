"""The counter-based stream: identical on every backend, and statistically sound."""
import numpy as np
import pytest

from fastrbm.kernels.reference import rng as reference
from fastrbm.rng import KeyStream, seed_from_random_state
from support import kernels_or_skip

SHAPES = [(1,), (37,), (7, 13), (3, 4, 5)]


def test_splitmix64_known_answer():
    # SplitMix64 (Steele, Lea & Flood 2014) seeded with 0 outputs 0xE220A8397B1DCDAF first:
    # its first state is 0 + golden, i.e. key 0, counter 1 here.
    z = reference.splitmix64(np.array([0x9E3779B97F4A7C15], dtype=np.uint64))
    assert int(z[0]) == 0xE220A8397B1DCDAF
    u = reference.uniform(0, (2,), np.float64)
    assert u[1] == (0xE220A8397B1DCDAF >> 11) * 2.0**-53


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_uniform_bit_identical_to_reference(backend, dtype, shape):
    for key, offset in [(0, 0), (123456789, 0), (2**64 - 1, 5), (42, 2**40)]:
        got = backend.to_numpy(backend.uniform(key, shape, dtype, offset))
        want = reference.uniform(key, shape, dtype, offset)
        assert got.dtype == np.dtype(dtype)
        assert got.shape == shape
        np.testing.assert_array_equal(got, want)


def test_uniform_offset_is_counter_shift(ref):
    full = ref.uniform(7, (50,), np.float64)
    np.testing.assert_array_equal(ref.uniform(7, (30,), np.float64, offset=20), full[20:])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_statistics(ref, dtype):
    n = 400_000
    u = ref.uniform(2026, (n,), dtype).astype(np.float64)
    assert u.min() >= 0.0 and u.max() < 1.0
    # mean and variance of U(0, 1): 1/2 and 1/12, within 5 standard errors
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / n)
    # chi-square over 100 equal bins; 99 degrees of freedom, 0.1 % critical value 148.2
    counts = np.bincount((u * 100).astype(int), minlength=100)
    chi2 = ((counts - n / 100) ** 2 / (n / 100)).sum()
    assert chi2 < 148.2
    # neighbouring counters are uncorrelated
    r = np.corrcoef(u[:-1], u[1:])[0, 1]
    assert abs(r) < 5 / np.sqrt(n)


def test_neighbouring_keys_uncorrelated(ref):
    n = 200_000
    a = ref.uniform(1000, (n,), np.float64)
    b = ref.uniform(1001, (n,), np.float64)
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(n)
    stream = KeyStream(5)
    keys = [stream.next_key() for _ in range(2)]
    c, d = (ref.uniform(k, (n,), np.float64) for k in keys)
    assert abs(np.corrcoef(c, d)[0, 1]) < 5 / np.sqrt(n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bernoulli_sigmoid_matches_reference(backend, rng, dtype):
    x = (rng.standard_normal((23, 31)) * 4).astype(dtype)
    x[0, :3] = [-200.0, 200.0, 0.0]  # saturated and exactly one half
    p, s = (backend.to_numpy(a) for a in backend.bernoulli_sigmoid(backend.asarray(x), 77, 3))
    p_ref, s_ref = reference.bernoulli_sigmoid(x, 77, 3)
    assert p.dtype == s.dtype == np.dtype(dtype)
    np.testing.assert_allclose(p, p_ref, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-30)
    assert set(np.unique(s)) <= {0.0, 1.0}
    # Samples agree exactly except where the uniform falls within rounding of p.
    u = reference.uniform(77, x.shape, dtype, 3)
    tie = np.abs(u - p_ref) <= 4 * np.finfo(dtype).eps
    np.testing.assert_array_equal(s[~tie], s_ref[~tie])


def test_bernoulli_frequencies(ref):
    p_target = np.array([0.05, 0.3, 0.5, 0.9], dtype=np.float64)
    x = np.tile(np.log(p_target / (1 - p_target)), (50_000, 1))
    _, s = ref.bernoulli_sigmoid(x, 9)
    se = np.sqrt(p_target * (1 - p_target) / 50_000)
    assert np.all(np.abs(s.mean(axis=0) - p_target) < 5 * se)


def test_numba_result_independent_of_thread_count(request):
    import numba

    kernels = kernels_or_skip(request.config, "numba")
    x = np.linspace(-5, 5, 4000, dtype=np.float32).reshape(40, 100)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = kernels.bernoulli_sigmoid(x, 3)[1]
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = kernels.bernoulli_sigmoid(x, 3)[1]
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, many)


def test_key_stream_reproducible_and_distinct():
    a, b = KeyStream(11), KeyStream(11)
    keys_a = [a.next_key() for _ in range(100)]
    assert keys_a == [b.next_key() for _ in range(100)]
    assert len(set(keys_a)) == 100
    resumed = KeyStream(**a.state())
    assert resumed.next_key() == a.next_key()


def test_seed_from_random_state():
    assert seed_from_random_state(5) == 5
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert seed_from_random_state(g1) == seed_from_random_state(g2)
    with pytest.raises(TypeError, match="random_state"):
        seed_from_random_state("five")
