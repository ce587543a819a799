#!/bin/bash
# nmc gradcheck passes on the standard library's models through the JIT,
# and on a model with several heads and learned initial states through
# both engines; each run names its engine and checks every tensor.
set -euo pipefail
nmc=$1
stdlib=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

check() {
    local engine=$1
    shift
    "$nmc" gradcheck "$@" > "$dir/out"
    cat "$dir/out"
    grep -q "engine $engine," "$dir/out"
    grep -Eq '^all [0-9]+ tensors within 1e-06$' "$dir/out"
    ! grep -q FAILED "$dir/out"
}

check jit "$stdlib/ntm.nm" --model copy_lstm --steps 4
check jit "$stdlib/ntm.nm" --model copy_feedforward --steps 4
check jit "$stdlib/ntm.nm" --model repeat_copy_lstm --steps 3 --batch 1

cat > "$dir/heads.nm" <<'NM'
model heads = ntm {
    controller lstm(12, 2);
    memory 10 x 5;
    read_heads 2;
    write_heads 3;
    shifts -2 .. 2;
    memory_init random(0.3);
    read_init learned;
    weighting_init learned;
    inputs 4;
    outputs 3;
}
NM
check jit "$dir/heads.nm" --steps 5 --samples 40
check interp "$dir/heads.nm" --steps 5 --samples 40 --interp
