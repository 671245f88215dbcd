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


# ----------------------------------------------------------------------------- the model commands
# Every run uses the bundled sample (FASTRBM_DATA points at an empty directory and --data sample) and
# the NumPy backend with tiny models, so nothing compiles and the whole file stays well under 90 s.

import os
import signal
import time

import numpy as np

from fastrbm import cli
from fastrbm.plotting import read_png

TINY = ("--data", "sample", "--backend", "numpy", "--quiet")


def grid_size(n_rows, n_cols, side=28, gap=2, zoom=2):
    """(height, width) of a save_image_grid PNG."""
    return ((n_rows * (side + gap) + gap) * zoom, (n_cols * (side + gap) + gap) * zoom)


@pytest.fixture
def env(tmp_path):
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    return dict(os.environ, FASTRBM_DATA=str(empty), FASTRBM_CACHE=str(empty))


def ok(out):
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize("command", [["demo"], ["train"], ["train", "rbm"], ["train", "mlp"], ["sample"],
                                     ["evaluate"], ["hopfield"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("usage: fastrbm " + " ".join(command))


@pytest.mark.parametrize("argv, message", [
    (["train", "rbm", "--epochs", "0"], "must be a positive integer"),
    (["train", "mlp", "--layers", "500,x"], "comma-separated integers"),
    (["hopfield", "--noise", "2"], "must be in [0, 1]"),
    (["train", "dbm"], "invalid choice"),
])
def test_bad_arguments_are_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and message in err and err.strip().count("\n") == 0


@pytest.fixture(scope="module")
def rbm_run(tmp_path_factory):
    """One tiny `train rbm` run shared by the tests that need a saved RBM."""
    tmp = tmp_path_factory.mktemp("rbm")
    empty = tmp / "no-mnist"
    empty.mkdir()
    env = dict(os.environ, FASTRBM_DATA=str(empty))
    out = run_cli("train", "rbm", *TINY, "--hidden", "16", "--epochs", "2", "--n-train", "300", "--n-val", "50",
                  "--save", str(tmp / "rbm.npz"), "--history", str(tmp / "history.csv"),
                  "--samples", str(tmp / "samples.png"), "--filters", str(tmp / "filters.png"),
                  "--gibbs-steps", "5", env=env)
    return tmp, out, env


def test_train_rbm_writes_model_history_and_pictures(rbm_run):
    tmp, out, _ = rbm_run
    stdout = ok(out)
    assert "bundled sample" in stdout and "reconstruction error" in stdout
    import fastrbm

    model = fastrbm.RBM.load(tmp / "rbm.npz")
    assert model.W_.shape == (784, 16) and len(model.history_) == 2
    lines = (tmp / "history.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,") and "val_reconstruction_error" in lines[0] and len(lines) == 3
    assert read_png(tmp / "samples.png").shape == grid_size(10, 10)
    filters = read_png(tmp / "filters.png")
    assert filters.shape == grid_size(4, 4) and filters.std() > 0


def test_sample_and_evaluate_a_saved_rbm(rbm_run):
    tmp, _, env = rbm_run
    ok(run_cli("sample", str(tmp / "rbm.npz"), "--out", str(tmp / "s.png"), "-n", "12", "--steps", "3",
               "--backend", "numpy", env=env))
    image = read_png(tmp / "s.png")
    assert image.shape == grid_size(3, 4) and image.min() < 128  # some ink
    stdout = ok(run_cli("evaluate", str(tmp / "rbm.npz"), *TINY[:4], "--n-test", "100", "--n-train", "300",
                        "--ais-runs", "4", "--ais-betas", "50", env=env))
    ll = float(stdout.split("average test log-likelihood:")[1].split()[0])
    assert -784 * np.log(2) * 2 < ll < 0


def test_train_mlp_then_evaluate(tmp_path, env):
    model = tmp_path / "mlp.npz"
    stdout = ok(run_cli("train", "mlp", *TINY, "--layers", "16", "--epochs", "2", "--n-train", "600",
                        "--save", str(model), "--history", str(tmp_path / "h.json"), env=env))
    trained = float(stdout.split("test error:")[1].split("%")[0])
    history = json.loads((tmp_path / "h.json").read_text())
    assert [r["epoch"] for r in history] == [1, 2] and all("val_error" in r for r in history)
    stdout = ok(run_cli("evaluate", str(model), "--data", "sample", "--backend", "numpy", env=env))
    assert float(stdout.split("test error")[1].split("%")[0]) == pytest.approx(trained)
    assert 0 < trained < 90  # better than chance after 2 epochs


def test_hopfield_random_patterns_and_digits(tmp_path, env):
    stdout = ok(run_cli("hopfield", "-N", "64", "--patterns", "2", "--noise", "0.05", "--out",
                        str(tmp_path / "h.png"), "--backend", "numpy", env=env))
    assert "random patterns of 64 neurons" in stdout
    assert read_png(tmp_path / "h.png").shape == grid_size(3, 2, side=8)
    stdout = ok(run_cli("hopfield", "--data", "sample", "--beta", "50", "--sweeps", "5", "--out",
                        str(tmp_path / "d.png"), "--backend", "numpy", env=env))
    assert "MNIST digits (sample)" in stdout and "Glauber" in stdout
    assert read_png(tmp_path / "d.png").shape == grid_size(3, 3)


def test_demo_small_budget(tmp_path, env):
    out_dir = tmp_path / "demo"
    stdout = ok(run_cli("demo", *TINY, "--out", str(out_dir), "--seconds", "1", "--epochs", "2",
                        "--n-train", "300", "--gibbs-steps", "5", env=env))
    assert "bundled sample" in stdout
    for field in ("backend               numpy", "epochs", "training time", "reconstruction error"):
        assert field in stdout
    for name, rows in (("samples.png", 10), ("filters.png", 10), ("hopfield.png", 3)):
        assert str(out_dir / name) in stdout
        image = read_png(out_dir / name)
        assert image.shape == (grid_size(10, 10) if rows == 10 else grid_size(3, 3))
        assert image.min() < 128 < image.max()


@pytest.mark.parametrize("argv, message", [
    (["train", "rbm", "--data", "/no/such/dir"], "--data /no/such/dir: no such directory"),
    (["train", "rbm", "--backend", "tpu"], "unknown backend"),
    (["sample", "missing.npz"], "no such model file"),
    (["evaluate", "{corrupt}"], "not a fastrbm model file"),
    (["train", "mlp", "--data", "sample", "--save", "/no/such/dir/m.npz"], "does not exist"),
])
def test_runtime_errors_are_one_line(argv, message, tmp_path, env):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip file")
    out = run_cli(*[a.replace("{corrupt}", str(corrupt)) for a in argv], env=env)
    assert out.returncode == 1 and message in out.stderr
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr


def test_unavailable_gpu_is_one_line(env):
    env = {k: v for k, v in env.items() if k != "NUMBA_ENABLE_CUDASIM"}
    from numba import cuda

    from fastrbm.backend import simulated_cuda

    if cuda.is_available() and not simulated_cuda():
        pytest.skip("a real GPU is present")
    out = run_cli("hopfield", "-N", "16", "--backend", "cuda", env=env)
    assert out.returncode == 1 and "not available" in out.stderr and out.stderr.strip().count("\n") == 0


def test_ctrl_c_stops_training_and_saves_a_checkpoint(tmp_path, env):
    model = tmp_path / "m.npz"
    proc = subprocess.Popen([sys.executable, "-m", "fastrbm", "train", "rbm", *TINY, "--hidden", "32",
                             "--epochs", "1000", "--batch-size", "10", "--n-val", "0", "--save", str(model)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.startswith("training "):
                break
        time.sleep(0.5)  # some minibatches in
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert "checkpoint saved" in stdout
    import fastrbm

    rbm = fastrbm.RBM.load(model)
    assert rbm.W_.shape == (784, 32) and np.isfinite(rbm.W_).all()
    assert 1 <= len(rbm.history_) < 1000
    X = np.random.default_rng(0).random((5, 784)).astype(np.float32)
    assert rbm.transform(X).shape == (5, 32)


def test_train_dbn_sample_a_label_and_evaluate(tmp_path, env):
    model = tmp_path / "dbn.npz"
    stdout = ok(run_cli("train", "dbn", *TINY, "--layers", "16,16,32", "--epochs", "1", "--n-train", "300",
                        "--up-down-epochs", "1", "--save", str(model), "--history", str(tmp_path / "h.csv"),
                        env=env))
    assert "test error (free-energy classification)" in stdout
    rows = (tmp_path / "h.csv").read_text().splitlines()
    assert rows[0].startswith("stage,layer,epoch") and sum(r.startswith("pretrain,") for r in rows) == 3
    assert sum(r.startswith("up_down,") for r in rows) == 1
    ok(run_cli("sample", str(model), "--label", "7", "-n", "10", "--steps", "5", "--out", str(tmp_path / "7.png"),
               "--backend", "numpy", env=env))
    assert read_png(tmp_path / "7.png").shape == grid_size(3, 4)
    bad = run_cli("sample", str(model), "--label", "12", "--backend", "numpy", env=env)
    assert bad.returncode == 1 and "label" in bad.stderr and bad.stderr.strip().count("\n") == 0
    assert "test error" in ok(run_cli("evaluate", str(model), "--data", "sample", "--backend", "numpy", env=env))


def test_bench_model_cases_report_gemm_bound_and_sklearn():
    out = run_cli("bench", "--json", "--repeats", "1", "--case", "rbm_cd1", "--case", "hopfield_energy",
                  "--case", "mlp_epoch", "--backend", "numpy")
    rows = json.loads(ok(out))
    assert {r["case"] for r in rows} == {"rbm_cd1", "hopfield_energy", "mlp_epoch"}
    assert all(r["gemm_seconds"] > 0 and r["x_gemm_bound"] == pytest.approx(r["seconds"] / r["gemm_seconds"])
               for r in rows)
    pytest.importorskip("sklearn")
    assert any(r["backend"] == "sklearn" and r["case"] == "rbm_cd1" for r in rows)
