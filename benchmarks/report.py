"""Turn a pytest-benchmark JSON file into a table of speed-ups.

    pytest --benchmark-only benchmarks --benchmark-json=bench.json
    python benchmarks/report.py bench.json            # markdown table

In each group the NumPy reference (``[numpy...]``) is 1.00x; a benchmark whose
name contains ``gemm`` is the GEMM-only lower bound, and every row also shows
its time relative to that bound (1.00x = nothing but the matrix products).
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


def format_time(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json_file")
    parser.add_argument("--stat", default="median", choices=["min", "median", "mean"])
    args = parser.parse_args(argv)
    with open(args.json_file) as fh:
        data = json.load(fh)
    machine = data.get("machine_info", {})
    print(f"Machine: {machine.get('cpu', {}).get('brand_raw', '?')}, "
          f"{machine.get('cpu', {}).get('count', '?')} cores, Python {machine.get('python_version', '?')}\n")
    print(table(data, args.stat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
