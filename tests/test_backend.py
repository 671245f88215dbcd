"""The registry: selection, errors, and the kernel contract on every backend."""
import inspect
import os
import subprocess
import sys

import pytest

import fastrbm
from fastrbm import backend as registry
from fastrbm._contract import DOMAINS


def test_backend_info_lists_every_backend():
    rows = fastrbm.backend_info()
    assert [r["name"] for r in rows] == list(registry.BACKENDS)
    for row in rows:
        assert row["available"] == (row["name"] in registry.available_backends())
        if not row["available"]:
            assert row["reason"]
    assert sum(r["default"] for r in rows) == 1
    assert rows[0]["available"]  # numpy is always there


def test_unknown_backend_lists_valid_names():
    with pytest.raises(ValueError, match="valid choices are: auto, numpy, numba, cython, cuda"):
        fastrbm.get_backend("nonsense")


def test_unknown_backend_from_env(monkeypatch):
    monkeypatch.setenv("FASTRBM_BACKEND", "nonsense")
    with pytest.raises(ValueError, match="FASTRBM_BACKEND='nonsense'"):
        fastrbm.get_backend()


def test_env_var_selects_backend(monkeypatch):
    monkeypatch.setenv("FASTRBM_BACKEND", "numpy")
    assert fastrbm.get_backend().name == "numpy"
    assert fastrbm.get_backend("NumPy").name == "numpy"  # argument overrides, case-insensitive


def test_auto_prefers_compiled_backend():
    name = registry.resolve_backend_name("auto")
    available = registry.available_backends()
    expected = next(n for n in registry.AUTO_ORDER
                    if n in available and not (n == "cuda" and registry.simulated_cuda()))
    assert name == expected


def test_unavailable_backend_raises_with_reason(monkeypatch):
    monkeypatch.setitem(registry._loaded, "cuda", "no CUDA device (test)")
    with pytest.raises(registry.BackendUnavailable, match="no CUDA device"):
        fastrbm.get_backend("cuda")


def test_cuda_without_simulator_or_gpu_says_no_device():
    # The check runs in a child without the simulator: this process may have it enabled.
    code = ("import fastrbm; from numba import cuda; "
            "print(cuda.is_available()); "
            "print([r['reason'] for r in fastrbm.backend_info() if r['name'] == 'cuda'][0])")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    has_gpu, reason = out.stdout.splitlines()[:2]
    if has_gpu == "False":
        assert "no CUDA device" in reason
    else:
        assert reason == "None"


def test_contract_same_functions_and_signatures(backend, ref):
    for domain in DOMAINS:
        module = __import__(f"fastrbm.kernels.reference.{domain}", fromlist=["__all__"])
        for fn_name in module.__all__:
            fn = getattr(backend, fn_name, None)
            assert fn is not None, f"{backend.name} lacks {domain}.{fn_name}"
            want = inspect.signature(getattr(ref, fn_name))
            got = inspect.signature(fn)
            assert list(got.parameters) == list(want.parameters), f"{backend.name}.{fn_name}"


def test_import_from_any_directory(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import fastrbm.kernels.cython.rng as m; print(m.__name__)"],
                         cwd=tmp_path, capture_output=True, text=True)
    if "cython" in registry.available_backends():
        assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("code,preset,want", [
    ("import fastrbm", None, "4"),                 # fastrbm first: a short OpenBLAS spin
    ("import fastrbm", "28", "28"),                # the user's setting wins
    ("import numpy, fastrbm", None, "unset"),      # too late: OpenBLAS has read it already
])
def test_openblas_spin_default(code, preset, want):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    if preset is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = preset
    probe = code + "; import os; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset'))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == want
