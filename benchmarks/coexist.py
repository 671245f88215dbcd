"""fastrbm living beside PyTorch / TensorFlow in one process: RBM.fit timed in fresh processes.

    python benchmarks/coexist.py                       # default + cython backends, torch and tensorflow
    python benchmarks/coexist.py --rows 10000 --backends cython --peers torch
    python benchmarks/coexist.py --json coexist.json   # also write the measurements

Each case runs in its own fresh interpreter, because import order matters:

* ``none``: only fastrbm is imported.
* ``<peer>-before``: ``import torch; torch.set_num_threads(n)`` (TensorFlow:
  ``tf.config.threading.set_intra_op_parallelism_threads(n)``), and one small product so
  that the peer's thread pool has really started, all BEFORE ``import fastrbm``.
* ``<peer>-after``: ``import fastrbm`` first, then the same peer import, threads and product.

In each: an untimed warm-up fit on 200 rows (JIT cache, thread pools), then the timed
``fastrbm.RBM(500, n_epochs=E, batch_size=100, learning_rate=0.05, random_state=0).fit(X)``
(median of ``--repeats``). The table gives the time, its ratio to ``none`` for the same
backend, and the OpenMP / BLAS runtimes ``threadpoolctl.threadpool_info()`` sees at fit time
(user_api:internal_api:library (threads)). n is the thread count fastrbm uses: Numba's pool
size, capped by ``OMP_NUM_THREADS``. No timing is asserted anywhere.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = ("torch", "tensorflow")


def default_threads():
    """fastrbm's thread count without importing numba (the parent must stay peer- and fastrbm-neutral)."""
    env = os.environ.get("NUMBA_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS", "").split(",")[0]
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def start_peer(peer, threads):
    """Import the peer, set its threads, run one small product (starts its pool); returns its version."""
    if peer == "torch":
        import torch
        torch.set_num_threads(threads)
        a = torch.ones(256, 256)
        float((a @ a).sum())
        return torch.__version__
    import tensorflow as tf
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # already initialised
        pass
    a = tf.ones((256, 256))
    float(tf.reduce_sum(tf.matmul(a, a)))
    return tf.__version__


def child(args):
    """One case in this (fresh) process; prints one JSON line."""
    peer, _, when = args.child.partition("-")
    info = {"case": args.child, "backend_requested": args.backend}
    if when == "before":
        info["peer_version"] = start_peer(peer, args.threads)
    sys.path.insert(0, str(HERE))
    import fastrbm
    import peers as peer_helpers
    if when == "after":
        info["peer_version"] = start_peer(peer, args.threads)
    from threadpoolctl import threadpool_info

    X = peer_helpers.train_images(args.rows)
    backend = None if args.backend == "default" else args.backend
    fastrbm.RBM(16, n_epochs=1, backend=backend).fit(X[:200])  # untimed warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        rbm = fastrbm.RBM(500, n_epochs=args.epochs, batch_size=100, learning_rate=0.05, random_state=0,
                          backend=backend).fit(X)
        times.append(time.perf_counter() - start)
    H = peer_helpers.heldout_images(1000)
    info.update(backend=rbm._K.name, times=times, time=statistics.median(times),
                heldout_error=peer_helpers.reconstruction_error(rbm.W_, rbm.b_, rbm.c_, H),
                threadpools=[{k: i.get(k) for k in ("user_api", "internal_api", "prefix", "filepath",
                                                   "version", "num_threads")} for i in threadpool_info()],
                loaded=[m for m in PEERS if m in sys.modules])
    print("COEXIST " + json.dumps(info))
    return 0


def run_case(case, backend, args):
    cmd = [sys.executable, __file__, "--child", case, "--backend", backend, "--rows", str(args.rows),
           "--epochs", str(args.epochs), "--repeats", str(args.repeats), "--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    for line in proc.stdout.splitlines():
        if line.startswith("COEXIST "):
            return json.loads(line[len("COEXIST "):])
    return {"case": case, "backend_requested": backend, "error": (proc.stderr or proc.stdout)[-2000:]}


def available(peer):
    """Is the peer importable? (checked in a subprocess: this process must stay clean)"""
    return subprocess.run([sys.executable, "-c", f"import importlib.util, sys; "
                           f"sys.exit(importlib.util.find_spec('{peer}') is None)"],
                          stderr=subprocess.DEVNULL).returncode == 0


def short_runtimes(pools):
    return ", ".join(sorted({f"{p['user_api']}:{p['internal_api']}:{os.path.basename(p['filepath'] or '?')} "
                             f"({p['num_threads']})" for p in pools}))


def table(results):
    lines = ["| backend | case | fit time | vs none | held-out error | runtimes loaded (threadpoolctl) |",
             "|---|---|---|---|---|---|"]
    base = {r["backend_requested"]: r["time"] for r in results if r["case"] == "none" and "time" in r}
    for r in results:
        if "error" in r:
            lines.append(f"| {r['backend_requested']} | {r['case']} | failed | - | - | "
                         f"{r['error'].strip().splitlines()[-1][:120] if r['error'].strip() else '?'} |")
            continue
        name = r["backend_requested"] + (f" ({r['backend']})" if r["backend_requested"] == "default" else "")
        ratio = r["time"] / base[r["backend_requested"]] if r["backend_requested"] in base else float("nan")
        lines.append(f"| {name} | {r['case']} | {r['time']:.2f} s | {ratio:.2f}x | {r['heldout_error']:.4f} | "
                     f"{short_runtimes(r['threadpools'])} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["default", "cython"],
                        help="fastrbm backends ('default' = backend=None, what auto picks)")
    parser.add_argument("--peers", nargs="+", default=list(PEERS), choices=PEERS)
    parser.add_argument("--rows", type=int, default=60_000, help="training rows (MNIST when present)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="timed fits per process (median)")
    parser.add_argument("--threads", type=int, default=default_threads(), help="threads given to the peer")
    parser.add_argument("--json", help="write all measurements here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    cases = ["none"]
    for peer in args.peers:
        if available(peer):
            cases += [f"{peer}-before", f"{peer}-after"]
        else:
            print(f"skipping {peer}: not installed (pip install -e '.[bench]')", file=sys.stderr)
    results = []
    for backend in args.backends:
        for case in cases:
            result = run_case(case, backend, args)
            results.append(result)
            status = f"{result['time']:.2f} s" if "time" in result else "FAILED"
            print(f"  {backend:8s} {case:18s} {status}", file=sys.stderr, flush=True)
    print(f"RBM.fit 784x500, {args.rows} rows x {args.epochs} epochs, peer threads {args.threads}, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(table(results))
    print("\nthreadpoolctl.threadpool_info() per case:")
    for r in results:
        if "threadpools" in r:
            print(f"- {r['backend_requested']} / {r['case']} (loaded: {', '.join(r['loaded']) or 'none'}):")
            for p in r["threadpools"]:
                print(f"    {p['user_api']:8s} {p['internal_api']:10s} {p['num_threads']:>3} threads  "
                      f"{p['version']}  {p['filepath']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": args.rows, "epochs": args.epochs, "threads": args.threads,
                                               "results": results}, indent=1))
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
