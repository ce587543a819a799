#!/bin/bash
# Checkpoints that cannot be used are refused with a message naming the
# file and what is wrong, and nothing is overwritten: a corrupt file, a
# truncated one, one that is not a safetensors file, one written for
# another model or another run, and an existing checkpoint without --resume.
set -uo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

# expect_error WHAT PATTERN COMMAND...: the command fails with status 1 and
# its stderr matches PATTERN.
expect_error() {
    local what=$1 pattern=$2
    shift 2
    "$@" > "$dir/out" 2> "$dir/err"
    local status=$?
    if [ $status -ne 1 ] || ! grep -q -- "$pattern" "$dir/err"; then
        echo "FAIL: $what: status $status, stderr:" >&2
        cat "$dir/err" >&2
        failures=$((failures + 1))
    else
        echo "ok: $what: $(head -1 "$dir/err")"
    fi
}

"$nmc" train "$here/tiny.nm" --sequences 60 --checkpoint "$dir/good.st" --quiet || exit 1
cp "$dir/good.st" "$dir/keep.st"

# An existing checkpoint is not overwritten by a new run.
expect_error "existing checkpoint" "exists; pass --resume" \
    "$nmc" train "$here/tiny.nm" --sequences 60 --checkpoint "$dir/good.st" --quiet
cmp -s "$dir/good.st" "$dir/keep.st" || { echo "FAIL: the existing checkpoint changed" >&2; failures=$((failures + 1)); }

# One flipped byte near the end, in the tensor data.
cp "$dir/good.st" "$dir/flipped.st"
size=$(stat -c %s "$dir/flipped.st")
printf '\x55' | dd of="$dir/flipped.st" bs=1 seek=$((size - 40)) conv=notrunc status=none
expect_error "flipped byte" "flipped.st is corrupt: its checksum" \
    "$nmc" train "$here/tiny.nm" --sequences 100 --checkpoint "$dir/flipped.st" --resume --quiet
expect_error "flipped byte, eval" "is corrupt" \
    "$nmc" eval "$here/tiny.nm" --checkpoint "$dir/flipped.st"

head -c $((size / 2)) "$dir/good.st" > "$dir/truncated.st"
expect_error "truncated" "truncated.st" \
    "$nmc" train "$here/tiny.nm" --sequences 100 --checkpoint "$dir/truncated.st" --resume --quiet

echo "not a checkpoint" > "$dir/text.st"
expect_error "not safetensors" "text.st" "$nmc" eval "$here/tiny.nm" --checkpoint "$dir/text.st"

expect_error "missing file" "missing.st" "$nmc" eval "$here/tiny.nm" --checkpoint "$dir/missing.st"
expect_error "resume without a file" "missing.st" \
    "$nmc" train "$here/tiny.nm" --checkpoint "$dir/missing.st" --resume --quiet

# Another model: a larger memory.
sed 's/memory 12 x 6;/memory 16 x 6;/' "$here/tiny.nm" > "$dir/wider.nm"
expect_error "other memory" "its model.memory is '12 x 6', but the model has '16 x 6'" \
    "$nmc" eval "$dir/wider.nm" --checkpoint "$dir/good.st"
# Another run of the same model: a different seed or learning rate.
expect_error "other seed" "its seed is '7', but the run has '8'" \
    "$nmc" train "$here/tiny.nm" --seed 8 --sequences 100 --checkpoint "$dir/good.st" --resume --quiet
sed 's/lr 1e-3/lr 2e-3/' "$here/tiny.nm" > "$dir/faster.nm"
expect_error "other optimizer" "its optimizer is" \
    "$nmc" train "$dir/faster.nm" --sequences 100 --checkpoint "$dir/good.st" --resume --quiet
# Evaluation only needs the same model: a different optimiser is fine.
"$nmc" eval "$dir/faster.nm" --checkpoint "$dir/good.st" --sequences 10 > /dev/null \
    || { echo "FAIL: eval with another optimiser" >&2; failures=$((failures + 1)); }

# None of the refused runs touched the good checkpoint.
cmp -s "$dir/good.st" "$dir/keep.st" || { echo "FAIL: the good checkpoint changed" >&2; failures=$((failures + 1)); }
ls "$dir" | grep -q tmp && { echo "FAIL: a temporary file was left: $(ls "$dir")" >&2; failures=$((failures + 1)); }
exit $((failures > 0))
