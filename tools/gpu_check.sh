#!/usr/bin/env bash
# One prepared run for a lent NVIDIA GPU (the device tool runs it from the repository root):
#   bash tools/gpu_check.sh            # results in $OUT (or ./gpu-check)
# 1. builds the package in place with the machine's own Python, which already holds numba,
#    numba-cuda, cupy, Cython, pytest, pytest-benchmark, hypothesis and scikit-learn (the device
#    reaches no package index: no venv, no build isolation, no dependency resolution);
# 2. runs every CUDA test on the real device (no simulator; a skipped cuda test is a failure);
# 3. times the CD-1 epoch (784x500, batch 100) and the fused half-step on cuda beside the CPU
#    backends, in the same run, as pytest-benchmark JSON and a table. Real MNIST is used when
#    FASTRBM_DATA points at the IDX files (carry a copy), else random binary data with 13 % ones.
# Size: build ~1 min, tests ~2 min, benchmarks ~2 min on a 16-core host.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-check}
mkdir -p "$out"
unset NUMBA_ENABLE_CUDASIM
py=${PYTHON:-python3}

$py -m pip install -q --no-build-isolation --no-deps -e . 2>&1 | tail -3
$py -c "import fastrbm, json; print(json.dumps(fastrbm.backend_info(), indent=1))" | tee "$out/backend_info.json"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.csv" || true

echo "== CUDA tests on the device =="
FASTRBM_REQUIRE_BACKENDS=numpy,cuda $py -m pytest -q -x tests -k cuda \
    -p no:cacheprovider 2>&1 | tee "$out/tests.txt" | tail -5

echo "== benchmarks: cuda beside the CPU backends =="
$py -m pytest -q --benchmark-only benchmarks/bench_rbm.py \
    -k "(epoch and not pcd) or half_step or cd1_step" -p no:cacheprovider \
    --benchmark-columns=min,median,rounds --benchmark-json="$out/bench_rbm.json" 2>&1 \
    | tee "$out/bench.txt" | grep -E "^(Name|bench_)|benchmark '" || true
$py benchmarks/report.py "$out/bench_rbm.json" | tee "$out/bench_table.md" || true
