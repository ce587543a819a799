#!/bin/bash
# Checkpoints that cannot be used are refused with a message naming the
# file and what is wrong, and nothing is overwritten: a corrupt file, a
# truncated one, one that is not a safetensors file, one written for
# another model or another run, one with invalid seconds, a directory, an
# existing checkpoint without --resume, and one that already contains
# more sequences than requested.
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

# Edited seconds, which the checksum leaves out, are checked on their own.
for seconds in nan -1e9 inf abc ''; do
    cp "$dir/good.st" "$dir/seconds.st"
    python3 "$here/edit_checkpoint.py" "$dir/seconds.st" --seconds "$seconds"
    expect_error "seconds '$seconds'" "seconds.st records invalid training seconds '$seconds'" \
        "$nmc" train "$here/tiny.nm" --sequences 100 --checkpoint "$dir/seconds.st" --resume --quiet
done
cp "$dir/good.st" "$dir/seconds.st"
python3 "$here/edit_checkpoint.py" "$dir/seconds.st" --seconds 12.5
"$nmc" train "$here/tiny.nm" --sequences 70 --checkpoint "$dir/seconds.st" --resume --quiet \
    || { echo "FAIL: valid edited seconds refused" >&2; failures=$((failures + 1)); }

# A checkpoint that contains more sequences than requested is rejected.
# One that contains as many is left unchanged, with a note and no cost.
expect_error "fewer sequences" "good.st already contains 60 sequences, more than the 50 that --sequences requests" \
    "$nmc" train "$here/tiny.nm" --sequences 50 --checkpoint "$dir/good.st" --resume
if grep -qi nan "$dir/out"; then
    echo "FAIL: fewer sequences: a NaN was printed" >&2
    failures=$((failures + 1))
fi
"$nmc" train "$here/tiny.nm" --sequences 60 --checkpoint "$dir/good.st" --resume > "$dir/out" 2> "$dir/err"
status=$?
if [ $status -ne 0 ] || ! grep -q "nothing left to train: the checkpoint .*good.st already contains 60 sequences" "$dir/err" \
    || grep -qi nan "$dir/out"; then
    echo "FAIL: as many sequences: status $status" >&2
    cat "$dir/out" "$dir/err" >&2
    failures=$((failures + 1))
fi
"$nmc" train "$here/tiny.nm" --sequences 60 --checkpoint "$dir/good.st" --resume --json > "$dir/out" 2> /dev/null
jq -e '.sequences == 60 and .trained == 0 and .cost_bits == null' "$dir/out" > /dev/null \
    || { echo "FAIL: as many sequences, JSON: $(cat "$dir/out")" >&2; failures=$((failures + 1)); }

# A directory is named as one.
mkdir "$dir/folder"
expect_error "directory, resume" "the checkpoint .*folder is a directory" \
    "$nmc" train "$here/tiny.nm" --sequences 100 --checkpoint "$dir/folder" --resume --quiet
expect_error "directory, eval" "folder' is a directory" "$nmc" eval "$here/tiny.nm" --checkpoint "$dir/folder"
rmdir "$dir/folder"

# None of the refused runs touched the good checkpoint.
cmp -s "$dir/good.st" "$dir/keep.st" || { echo "FAIL: the good checkpoint changed" >&2; failures=$((failures + 1)); }
ls "$dir" | grep -q tmp && { echo "FAIL: a temporary file was left: $(ls "$dir")" >&2; failures=$((failures + 1)); }
exit $((failures > 0))
