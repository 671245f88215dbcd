"""The ``fastrbm`` command line (also ``python -m fastrbm``): this module builds the parser and
runs a command; ``demo`` (demo, hopfield), ``train`` (train, sample, evaluate) and ``common``
(options, data, model files) hold the commands.

Errors are one line on stderr with a non-zero exit code; ``--verbose`` shows
the traceback.
"""
import argparse
import json
import os
import platform
import sys

__all__ = ["main"]


def cmd_info(args):
    import numba

    import fastrbm
    from fastrbm.backend import backend_info

    print(f"fastrbm {fastrbm.__version__} (Python {platform.python_version()}, NumPy "
          f"{__import__('numpy').__version__}, Numba {numba.__version__})")
    print("backends:")
    for row in backend_info():
        state = "available" if row["available"] else "unavailable"
        mark = " (default)" if row["default"] else ""
        reason = f": {row['reason']}" if row["reason"] else ""
        print(f"  {row['name']:<7} {state}{mark}{reason}")
    print(f"threads: numba {numba.get_num_threads()} ({numba.config.THREADING_LAYER} layer requested), "
          f"cores {os.cpu_count()}")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            print(f"  {pool['user_api']}: {pool['internal_api']} {pool.get('version') or ''} "
                  f"threads={pool['num_threads']} ({os.path.basename(pool['filepath'])})")
    except ImportError:
        print("  (install threadpoolctl to see the BLAS in use)")
    try:
        from numba import cuda

        if cuda.is_available() and not numba.config.ENABLE_CUDASIM:
            print(f"GPU: {cuda.get_current_device().name.decode()}")
        else:
            print("GPU: none")
    except Exception as exc:  # noqa: BLE001 - info must not fail on a broken driver
        print(f"GPU: none ({exc})")
    return 0


def cmd_bench(args):
    from fastrbm.bench import format_table, run_benchmarks

    results = run_benchmarks(args.case or None, args.backend or None, repeats=args.repeats)
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2) instead of usage + error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser():
    from . import demo, train

    parser = _Parser(prog="fastrbm", description="Fast Hopfield nets, RBMs and DBNs.")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo.register_demo(sub)

    p = sub.add_parser("info", help="version, backends (and why one is unavailable), BLAS, threads, GPU")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("train", help="train a model on MNIST and save it",
                       description="Train a model on MNIST. Ctrl-C stops after the current minibatch and, "
                                   "with --save, writes a checkpoint before exiting (exit code 130).")
    train_sub = p.add_subparsers(dest="model_kind", required=True, metavar="MODEL")
    train.register_train(train_sub)
    train.register(sub)
    demo.register_hopfield(sub)

    p = sub.add_parser("bench", help="quick kernel timings on every backend, with speed-ups")
    p.add_argument("--case", action="append", help="run only this case (repeatable)")
    p.add_argument("--backend", action="append", help="run only this backend (repeatable)")
    p.add_argument("--repeats", type=int, default=3, help="timing repeats per case (best is kept)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command != "info":
            from fastrbm.backend import resolve_backend_name

            resolve_backend_name()  # a bad FASTRBM_BACKEND is reported before any work starts
        return args.func(args)
    except KeyboardInterrupt:
        print("fastrbm: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's contract: one line, non-zero exit
        if args.verbose:
            raise
        print(f"fastrbm: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
