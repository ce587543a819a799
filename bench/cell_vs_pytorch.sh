#!/bin/bash
# One forward and backward pass of the copy model's NTM over 41 steps, in
# f32, at batch 1, 8 and 32: nmc's JIT (bench_cell) and the PyTorch peer of
# the same model (ntm_pytorch.py, eager and traced, one thread), run in
# turn ROUNDS times so that load on the machine falls on both alike.
#
#   bash bench/cell_vs_pytorch.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
rounds=${2:-2}
python=/usr/bin/python3
"$python" -c 'import torch' 2> /dev/null || { echo "$python cannot import torch; install python3-torch" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
    echo "== round $round: nmc"
    "$build/bench/bench_cell" --batch 1,8,32 --repeats 20
    echo "== round $round: PyTorch"
    "$python" "$root/bench/ntm_pytorch.py" --batch 1,8,32 --repeats 10 --threads 1 --torchscript \
        | grep -E '^(variant|eager|torchscript) '
done
