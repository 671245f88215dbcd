"""The command line, run end to end in a subprocess."""
import json
import subprocess
import sys

import pytest


def run_cli(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "fastrbm", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_help_lists_commands():
    out = run_cli("--help")
    assert out.returncode == 0
    for command in ("info", "bench"):
        assert command in out.stdout


@pytest.mark.parametrize("command", ["info", "bench"])
def test_subcommand_help(command):
    out = run_cli(command, "--help")
    assert out.returncode == 0 and "usage: fastrbm " + command in out.stdout


def test_info_lists_backends():
    out = run_cli("info")
    assert out.returncode == 0, out.stderr
    for name in ("numpy", "numba", "cython", "cuda"):
        assert f"  {name}" in out.stdout


def test_bench_json_has_reference_and_speedups():
    out = run_cli("bench", "--json", "--repeats", "1", "--case", "uniform", "--backend", "numpy",
                  "--backend", "numba")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {r["backend"] for r in rows} <= {"numpy", "numba"}
    ref = next(r for r in rows if r["backend"] == "numpy")
    assert ref["speedup_vs_numpy"] == pytest.approx(1.0)
    assert all(r["seconds"] > 0 for r in rows)


def test_errors_are_one_line_with_nonzero_exit():
    out = run_cli("bench", "--case", "nope")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0
    assert "unknown benchmark case" in out.stderr and "Traceback" not in out.stderr
    verbose = run_cli("--verbose", "bench", "--case", "nope")
    assert "Traceback" in verbose.stderr


def test_unknown_backend_env_is_one_line_error():
    import os

    env = dict(os.environ, FASTRBM_BACKEND="nonsense")
    out = run_cli("bench", "--repeats", "1", "--case", "uniform", env=env)
    assert out.returncode == 1 and "valid choices" in out.stderr and "Traceback" not in out.stderr


def test_bad_arguments_exit_2():
    out = run_cli("bench", "--repeats", "many")
    assert out.returncode == 2 and "invalid int value" in out.stderr
