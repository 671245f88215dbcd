"""Thread pools shared with other libraries, and where Numba keeps its cache."""
import ctypes.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fastrbm
from fastrbm import _threads
from fastrbm.rng import KeyStream
from support import kernels_or_skip


def run_python(code, env=None, cwd=None):
    """Run ``code`` in a fresh interpreter; return its last stdout line parsed as JSON."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "FASTRBM_NUM_THREADS",
                                                                    "OMP_NUM_THREADS")}
    full_env.update(env or {})
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, cwd=cwd,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_team_size_from_environment(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("FASTRBM_NUM_THREADS", "3")
    assert _threads.compiled_threads() == 3
    monkeypatch.delenv("FASTRBM_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "5,2")  # nested-level list: the outer level counts
    assert _threads.compiled_threads() == 5
    monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setattr(_threads, "SPINNING_OPENMP", True)
    assert _threads.compiled_threads() == 1
    monkeypatch.setattr(_threads, "SPINNING_OPENMP", False)
    monkeypatch.setattr(_threads, "cpu_count", lambda: 8)
    assert _threads.compiled_threads() == 8
    monkeypatch.setattr(_threads, "cpu_count", lambda: 2)
    assert _threads.compiled_threads() == 1


CHECK_POLICY = """
import ctypes, json, os
if {load_first}:
    ctypes.CDLL({lib!r})           # an OpenMP runtime loaded before fastrbm, as PyTorch does
import fastrbm
from fastrbm import _threads
print(json.dumps([_threads.SPINNING_OPENMP, _threads.compiled_threads(), os.environ.get("OMP_WAIT_POLICY")]))
"""


@pytest.mark.skipif(ctypes.util.find_library("gomp") is None, reason="no libgomp on this machine")
def test_a_spinning_openmp_runtime_loaded_first_is_detected():
    lib = ctypes.util.find_library("gomp")
    alone = run_python(CHECK_POLICY.format(load_first=False, lib=lib))
    assert alone == [False, _threads.compiled_threads(), "PASSIVE"]
    first = run_python(CHECK_POLICY.format(load_first=True, lib=lib))
    assert first == [True, 1, "PASSIVE"]
    # A wait policy the user chose is left alone, and the runtime then is not assumed to spin.
    chosen = run_python(CHECK_POLICY.format(load_first=True, lib=lib), env={"OMP_WAIT_POLICY": "ACTIVE"})
    assert chosen == [False, _threads.compiled_threads(), "ACTIVE"]


def test_cython_results_do_not_depend_on_the_team_size(request, rng):
    """The per-row OpenMP loops give the same CD steps on 1 thread and on several."""
    kernels = kernels_or_skip(request.config, "cython")
    from fastrbm.kernels.cython import _dbn, _hopfield, _mlp, _rbm, _rng

    X = (rng.random((64, 40)) < 0.2).astype(np.float32)

    def train(n_threads):
        for module in (_dbn, _hopfield, _mlp, _rbm, _rng):
            module.set_num_threads(n_threads)
        W = kernels.asarray((0.01 * rng_fixed.standard_normal((40, 24))).astype(np.float32))
        b, c = kernels.zeros(40, np.float32), kernels.zeros(24, np.float32)
        vel = [kernels.zeros(a.shape, np.float32) for a in (W, b, c)]
        keys = KeyStream(7)
        for lo in range(0, 64, 16):
            kernels.cd_step(W, b, c, *vel, X[lo:lo + 16], keys.next_key(), k=2, learning_rate=0.1, momentum=0.5,
                            weight_decay=1e-3)
        return np.concatenate([W.ravel(), b, c])

    try:
        rng_fixed = np.random.default_rng(1)
        one = train(1)
        rng_fixed = np.random.default_rng(1)
        several = train(4)
    finally:
        for module in (_dbn, _hopfield, _mlp, _rbm, _rng):
            module.set_num_threads(_threads.compiled_threads())
    np.testing.assert_array_equal(one, several)


NUMBA_FIT = """
import json, numpy as np, fastrbm
X = (np.random.default_rng(0).random((40, 12)) < 0.3).astype(np.float32)
fastrbm.RBM(5, n_epochs=1, backend="numba").fit(X)
print(json.dumps(fastrbm.__file__))
"""


def test_numba_cache_goes_to_the_user_cache_not_the_package(tmp_path):
    pytest.importorskip("numba")
    package = Path(fastrbm.__file__).parent
    before = set(package.rglob("*.nbi"))
    run_python(NUMBA_FIT, env={"FASTRBM_CACHE": str(tmp_path), "NUMBA_CACHE_DIR": ""}, cwd=tmp_path)
    assert list((tmp_path / "numba").rglob("*.nbi")), "no Numba index files in the user cache"
    assert set(package.rglob("*.nbi")) == before, "Numba wrote its cache into the installed package"
