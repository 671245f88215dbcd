"""Turn a pytest-benchmark JSON file into a markdown table of speed-ups.

    pytest --benchmark-only benchmarks/bench_user.py --benchmark-json=user.json
    python benchmarks/report.py user.json             # the user-path table (README)
    pytest --benchmark-only benchmarks --benchmark-json=bench.json
    python benchmarks/report.py bench.json --table kernels

User path (``bench_user.py``, ``--table user``, the default when the file has such
entries): one table, per group (RBM.fit, MLP.fit, Hopfield.recall, DBN.fit) each
entry's time, its speed-up over scikit-learn and over the PyTorch script (>1: fastrbm
is faster), its time over the GEMM-only bound (1.00x = nothing but the matrix
products) and the entry's own result check; headed by the machine and date.

Kernels (``--table kernels``, the other benchmark files): in each group the NumPy
reference (``[numpy...]``) is 1.00x; a benchmark whose name contains ``gemm`` is the
GEMM-only lower bound, and every row also shows its time relative to that bound.
"""
import argparse
import json
import re
import sys
from collections import defaultdict


def backend_of(name):
    """The fixture id in brackets (``bench_x[numba-100x784]`` -> ``numba``)."""
    match = re.search(r"\[([^\]-]+)", name)
    return match.group(1) if match else name


def rows_by_group(data):
    groups = defaultdict(list)
    for bench in data["benchmarks"]:
        groups[bench["group"] or bench["name"]].append(bench)
    return groups


def table(data, stat="median"):
    lines = [f"| group | benchmark | {stat} | vs numpy | vs GEMM bound |", "|---|---|---|---|---|"]
    for group, benches in sorted(rows_by_group(data).items()):
        ref = next((b for b in benches if backend_of(b["name"]) == "numpy"), None)
        bound = next((b for b in benches if "gemm" in b["name"].lower()), None)
        for b in sorted(benches, key=lambda b: b["stats"][stat]):
            t = b["stats"][stat]
            vs_ref = f"{ref['stats'][stat] / t:.2f}x" if ref else "-"
            vs_bound = f"{t / bound['stats'][stat]:.2f}x" if bound else "-"
            lines.append(f"| {group} | {b['name']} | {format_time(t)} | {vs_ref} | {vs_bound} |")
    return "\n".join(lines)


USER_ROLES = {"fastrbm": "fastrbm", "sklearn": "scikit-learn", "torch": "PyTorch script",
              "tensorflow": "TensorFlow tf.function", "gemm": "GEMM-only (bound)", "numpy-loop": "NumPy loop"}


def is_user_path(bench):
    return "role" in bench.get("extra_info", {})


def user_label(bench):
    info = bench["extra_info"]
    if info["role"] != "fastrbm":
        return USER_ROLES.get(info["role"], info["role"])
    if "[" not in bench["name"]:  # backend=None: what auto picks
        return f"fastrbm default ({info.get('backend', '?')})"
    return f"fastrbm {info.get('backend', backend_of(bench['name']))}"


def user_check(info):
    """The entry's own result check, as recorded in extra_info (flagged when it failed)."""
    flag = "**CHECK FAILED**: " if info.get("check", "passed") != "passed" else ""
    return flag + _check_value(info)


def _check_value(info):
    if "heldout_error" in info:
        return f"held-out rec. error {info['heldout_error']:.4f} (untrained {info['untrained_error']:.4f})"
    if "heldout_accuracy" in info:
        return f"held-out accuracy {info['heldout_accuracy']:.3f}"
    if "mean_overlap" in info:
        return f"overlap {info['mean_overlap']:.3f}, {info['exact']} exact"
    return "gradient checked" if info.get("role") == "gemm" else "-"


def user_table(data, stat="median"):
    """One markdown table of the user path: per group, time and ratios vs the peers."""
    lines = [f"| group | entry | {stat} time | vs scikit-learn | vs PyTorch | vs GEMM-only | check |",
             "|---|---|---|---|---|---|---|"]
    groups = rows_by_group({"benchmarks": [b for b in data["benchmarks"] if is_user_path(b)]})
    for group, benches in sorted(groups.items()):
        peer = {role: next((b["stats"][stat] for b in benches if b["extra_info"]["role"] == role), None)
                for role in ("sklearn", "torch", "gemm")}
        for i, b in enumerate(sorted(benches, key=lambda b: b["stats"][stat])):
            t = b["stats"][stat]
            cells = [f"{peer['sklearn'] / t:.2f}x" if peer["sklearn"] else "-",
                     f"{peer['torch'] / t:.2f}x" if peer["torch"] else "-",
                     f"{t / peer['gemm']:.2f}x" if peer["gemm"] else "-"]
            lines.append(f"| {group if i == 0 else ''} | {user_label(b)} | {format_time(t)} | "
                         f"{' | '.join(cells)} | {user_check(b['extra_info'])} |")
    return "\n".join(lines)


def machine_line(data):
    machine = data.get("machine_info", {})
    cpu = machine.get("cpu", {})
    threads = next((b["extra_info"].get("threads") for b in data["benchmarks"] if is_user_path(b)), None)
    return (f"Machine: {cpu.get('brand_raw', '?')}, {cpu.get('count', '?')} cores"
            + (f" ({threads} threads for fastrbm and the peers)" if threads else "")
            + f", Python {machine.get('python_version', '?')}; run {data.get('datetime', '?')[:16].replace('T', ' ')}"
            + (f" UTC, commit {data['commit_info'].get('id', '?')[:10]}" if data.get("commit_info") else ""))


def format_time(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json_file")
    parser.add_argument("--stat", default="median", choices=["min", "median", "mean"])
    parser.add_argument("--table", default="auto", choices=["auto", "user", "kernels"],
                        help="auto: the user-path table when the file has bench_user.py entries, else kernels")
    args = parser.parse_args(argv)
    with open(args.json_file) as fh:
        data = json.load(fh)
    kind = args.table
    if kind == "auto":
        kind = "user" if any(is_user_path(b) for b in data["benchmarks"]) else "kernels"
    print(machine_line(data) + "\n")
    if kind == "user":
        print(user_table(data, args.stat))
    else:
        print(table({"benchmarks": [b for b in data["benchmarks"] if not is_user_path(b)]}, args.stat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
