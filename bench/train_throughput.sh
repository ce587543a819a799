#!/bin/bash
# Training throughput on the copy task of the NTM paper, side by side: nmc
# train (the JIT, f32) against the PyTorch peer of the same model
# (bench/ntm_pytorch.py, eager and traced), all at batch 1 with the paper's
# RMSProp and lengths drawn from 1 to 20.  Each engine runs ROUNDS times,
# interleaved, so that load on the machine falls on all of them alike; the
# table gives the median sequences per second and the ratios.
#
#   bash bench/train_throughput.sh [NMC] [ROUNDS] [NMC_SEQUENCES] [TORCH_SEQUENCES]
#
# NMC defaults to build/nmc.  Needs Debian's python3-torch in /usr/bin/python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
nmc=${1:-$root/build/nmc}
rounds=${2:-3}
nmc_sequences=${3:-3000}
torch_sequences=${4:-100}
python=/usr/bin/python3
"$python" -c 'import torch' 2> /dev/null || { echo "$python cannot import torch; install python3-torch" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
    NMC_STDLIB=$root/stdlib "$nmc" train "$root/stdlib/ntm.nm" --train copy_lstm --sequences "$nmc_sequences" \
        --seed "$round" --json | jq -r '.sequences_per_second' >> "$dir/nmc"
    "$python" "$root/bench/ntm_pytorch.py" --train "$torch_sequences" --threads 1 --seed "$round" \
        | jq -r '.sequences_per_second' >> "$dir/eager"
    "$python" "$root/bench/ntm_pytorch.py" --train "$torch_sequences" --threads 1 --seed "$round" --torchscript \
        | jq -r '.sequences_per_second' >> "$dir/traced"
done

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
nmc_rate=$(median "$dir/nmc")
eager_rate=$(median "$dir/eager")
traced_rate=$(median "$dir/traced")
printf '%-28s %12s %s\n' "engine" "sequences/s" "(each round)"
rounds() { awk '{ printf "%s%.2f", NR > 1 ? " " : "", $1 }' "$1"; }
printf '%-28s %12.2f %s\n' "nmc train (jit, f32)" "$nmc_rate" "$(rounds "$dir/nmc")"
printf '%-28s %12.2f %s\n' "PyTorch eager (1 thread)" "$eager_rate" "$(rounds "$dir/eager")"
printf '%-28s %12.2f %s\n' "PyTorch traced (1 thread)" "$traced_rate" "$(rounds "$dir/traced")"
awk -v n="$nmc_rate" -v e="$eager_rate" -v t="$traced_rate" \
    'BEGIN { printf "nmc / PyTorch eager: %.1f x; nmc / PyTorch traced: %.1f x\n", n / e, n / t }'
