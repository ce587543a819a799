#!/bin/bash
# Usage errors of nmc gradcheck and of the model forms of nmc build: each
# must exit with status 2 and a message that names the option.
set -euo pipefail
nmc=$1
stdlib=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat > "$dir/sized.nm" <<'NM'
model sized = ntm { controller lstm(8); memory 1024 x 1024; inputs 2; outputs 2; }
NM
cat > "$dir/unsized.nm" <<'NM'
model unsized = ntm { controller lstm(8); memory 16 x 4; }
NM

# usage MESSAGE ARGS...: nmc ARGS must exit with status 2 and print MESSAGE.
usage() {
    local message=$1
    shift
    local status=0
    "$nmc" "$@" > "$dir/out" 2> "$dir/err" || status=$?
    if [ "$status" -ne 2 ] || ! grep -qF -- "$message" "$dir/err"; then
        echo "FAIL: nmc $* exited with status $status, expected 2 and '$message':"
        cat "$dir/err"
        exit 1
    fi
    if [ -s "$dir/out" ]; then
        echo "FAIL: nmc $* printed on stdout:"
        cat "$dir/out"
        exit 1
    fi
    echo "ok: nmc $*: $(head -n 1 "$dir/err")"
}

# A check of no entries is not a pass.
usage "--samples must be at least 1" gradcheck "$dir/sized.nm" --samples 0
# Sizes that the model declares, or that its train declaration gives.
usage "--inputs 5 does not match model 'sized', which declares 2 inputs" \
    gradcheck "$dir/sized.nm" --inputs 5 --outputs 2
usage "--outputs 5 does not match model 'copy_lstm', whose train declaration's task has 8 outputs" \
    gradcheck "$stdlib/ntm.nm" --model copy_lstm --outputs 5
usage "--inputs must be from 1 to 65536" gradcheck "$dir/unsized.nm" --inputs 0 --outputs 2
usage "--outputs must be from 1 to 65536" gradcheck "$dir/unsized.nm" --inputs 2 --outputs 70000
# Batches whose tensors would overflow the JIT's indexing.
usage "--batch 4096 is too large for model 'sized': its largest tensor has 1048576 elements per sequence" \
    build "$dir/sized.nm" --emit=llvm --model sized --batch 4096
usage "use --batch 1024 or less" build "$dir/sized.nm" --emit=graph --batch 1025
usage "--batch 2000 is too large for model 'sized'" gradcheck "$dir/sized.nm" --batch 2000
# A single-valued option given twice.
usage "option --seed given twice" gradcheck "$dir/sized.nm" --seed 1 --seed 2
usage "option --batch given twice" build "$dir/sized.nm" --emit=graph --batch=1 --batch 2

# The same sizes as the model's, and the largest batch, are accepted.
"$nmc" gradcheck "$dir/sized.nm" --inputs 2 --outputs 2 --steps 1 --batch 1 --samples 1 > "$dir/out"
grep -q "^all 7 tensors within" "$dir/out"
"$nmc" build "$dir/sized.nm" --emit=graph --batch 1024 > "$dir/out"
grep -q "^# forward cell of model sized (batch 1024)" "$dir/out"
"$nmc" gradcheck "$dir/unsized.nm" --inputs 3 --outputs 2 --steps 1 --batch 1 --samples 1 > "$dir/out"
grep -q "^all 7 tensors within" "$dir/out"
echo "ok: the model's own sizes and the largest batch pass"
