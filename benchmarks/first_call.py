"""What a user's first fit costs: ``import fastrbm`` and the first ``RBM.fit`` in a fresh process.

    python benchmarks/first_call.py                    # default and numba, JIT cache as it is
    python benchmarks/first_call.py --backends default numba cython --cold

Each backend runs in a fresh interpreter that times ``import fastrbm``, then
``fastrbm.RBM(64, n_epochs=1).fit(X)`` on 1,000 x 784 rows (MNIST when present) twice:
the first fit pays for compiling or loading the JIT cache and starting thread pools,
the second is the steady state. ``--cold`` also runs every backend with
``NUMBA_CACHE_DIR`` set to an empty temporary directory, so that Numba compiles
from scratch (what a fresh install sees before its cache exists; Cython and NumPy
are unaffected). No timing is asserted.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(backend):
    start = time.perf_counter()
    import fastrbm
    t_import = time.perf_counter() - start
    sys.path.insert(0, str(HERE))
    import peers
    X = peers.train_images(1000)
    name = None if backend == "default" else backend
    fits = []
    for _ in range(2):
        start = time.perf_counter()
        rbm = fastrbm.RBM(64, n_epochs=1, backend=name).fit(X)
        fits.append(time.perf_counter() - start)
    assert rbm.history_[0]["reconstruction_error"] < 0.5 and len(rbm.history_) == 1
    print("FIRSTCALL " + json.dumps({"backend_requested": backend, "backend": rbm._K.name, "import": t_import,
                                     "first_fit": fits[0], "second_fit": fits[1]}))
    return 0


def run(backend, cache_dir=None):
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", backend], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    for line in proc.stdout.splitlines():
        if line.startswith("FIRSTCALL "):
            return {**json.loads(line[len("FIRSTCALL "):]), "process": wall,
                    "cache": "empty NUMBA_CACHE_DIR" if cache_dir else "as installed"}
    return {"backend_requested": backend, "error": (proc.stderr or proc.stdout)[-2000:]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["default", "numba"])
    parser.add_argument("--cold", action="store_true", help="also run with an empty Numba cache")
    parser.add_argument("--json", help="write the measurements here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    results = []
    for backend in args.backends:
        results.append(run(backend))
        if args.cold:
            with tempfile.TemporaryDirectory(prefix="fastrbm-numba-cache-") as tmp:
                results.append(run(backend, tmp))
    print(f"First RBM(64, n_epochs=1).fit(1000 x 784) in a fresh process, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print("| backend | JIT cache | import fastrbm | first fit | second fit | first / second | whole process |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['backend_requested']} | - | failed: {r['error'].strip().splitlines()[-1][:100]} | | | | |")
            continue
        name = r["backend_requested"] + (f" ({r['backend']})" if r["backend_requested"] == "default" else "")
        print(f"| {name} | {r['cache']} | {r['import']:.2f} s | {r['first_fit']:.2f} s | {r['second_fit']:.3f} s | "
              f"{r['first_fit'] / r['second_fit']:.0f}x | {r['process']:.1f} s |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
