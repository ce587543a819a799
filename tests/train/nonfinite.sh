#!/bin/bash
# A learning rate far too large drives the parameters to infinity: the run
# stops with a message naming the sequence, the tensor and the time step
# (or the update), and the checkpoint of the last evaluation before it
# stays as it was.  No checkpoint or log row ever contains a value that
# is not finite, and a checkpoint that does is rejected.
set -euo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

sed -e 's/optimizer rmsprop([^;]*;/optimizer sgd(lr 1e30, momentum 0);/' -e '/clip value/d' \
    -e 's/evaluate every 50 on 20;/evaluate every 2 on 4;/' "$here/tiny.nm" > "$dir/diverge.nm"
grep -q 'sgd(lr 1e30' "$dir/diverge.nm"

status=0
"$nmc" train "$dir/diverge.nm" --sequences 100 --checkpoint "$dir/run.st" --log "$dir/run.csv" \
    > "$dir/out" 2> "$dir/err" || status=$?
cat "$dir/err"
test $status -eq 1
grep -Eq "training stopped at sequence [0-9]+: the (gradient|value) of '[a-z0-9_.]+' became (NaN|infinite) at time step [0-9]+ of [0-9]+ in the (forward|backward) pass" "$dir/err"
grep -q "the last good checkpoint, $dir/run.st, was kept" "$dir/err"

# The checkpoint holds a sequence count below the failing one and loads.
stopped=$(sed -n 's/.*training stopped at sequence \([0-9]*\).*/\1/p' "$dir/err")
kept=$(sed -n 's/.*it contains the run up to sequence \([0-9]*\).*/\1/p' "$dir/err")
test "$kept" -lt "$stopped"
"$nmc" eval "$dir/diverge.nm" --checkpoint "$dir/run.st" --sequences 4 --json > "$dir/eval.json"
jq -e '.sequences == 4' "$dir/eval.json" > /dev/null
# The log holds only finished evaluations: every row has all its columns.
awk -F, 'NR > 1 && NF != 8 { exit 1 }' "$dir/run.csv"
echo "stopped at sequence $stopped; checkpoint of sequence $kept kept"

# diverge LR EVERY NAME: a copy of tiny.nm with plain SGD at learning rate
# LR, evaluated every EVERY sequences on 4, as $dir/NAME.nm.
diverge() {
    sed -e "s/optimizer rmsprop([^;]*;/optimizer sgd(lr $1, momentum 0);/" -e '/clip value/d' \
        -e "s/evaluate every 50 on 20;/evaluate every $2 on 4;/" "$here/tiny.nm" > "$dir/$3.nm"
    grep -q "sgd(lr $1" "$dir/$3.nm"
}

# Checks that the checkpoint contains finite values only and that every
# row of the log has a finite evaluation cost.
check_finite() {
    python3 - "$1" << 'PYTHON'
import json, math, struct, sys
data = open(sys.argv[1], "rb").read()
(length,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + length])
body = data[8 + length:]
for name, entry in header.items():
    if name == "__metadata__" or entry["dtype"] not in ("F32", "F64"):
        continue
    start, end = entry["data_offsets"]
    code = "f" if entry["dtype"] == "F32" else "d"
    values = struct.unpack("<%d%s" % ((end - start) // struct.calcsize(code), code), body[start:end])
    if not all(math.isfinite(v) for v in values):
        sys.exit("%s: tensor %s is not finite" % (sys.argv[1], name))
PYTHON
    awk -F, 'NR > 1 && ($4 ~ /nan|inf/) { exit 1 }' "$2"
}

# A huge learning rate makes the second update's parameters infinite: the
# run stops naming the parameter and the update, and keeps the checkpoint
# of sequence 1, which contains finite values, evaluates and resumes.
diverge 3e38 1 huge
status=0
"$nmc" train "$dir/huge.nm" --sequences 20 --checkpoint "$dir/huge.st" --log "$dir/huge.csv" \
    > "$dir/out" 2> "$dir/err" || status=$?
cat "$dir/err"
test $status -eq 1
grep -Eq "training stopped at sequence 2: the parameter '[a-z0-9_.]+' became infinite in update 2, at entry [0-9]+ of [0-9]+" "$dir/err"
grep -q "the last good checkpoint, $dir/huge.st, was kept; it contains the run up to sequence 1" "$dir/err"
check_finite "$dir/huge.st" "$dir/huge.csv"
test "$(wc -l < "$dir/huge.csv")" -eq 2
cp "$dir/huge.st" "$dir/huge.keep"
"$nmc" eval "$dir/huge.nm" --checkpoint "$dir/huge.st" --sequences 4 --json > "$dir/eval.json"
jq -e '.sequences == 4 and .cost_bits != null' "$dir/eval.json" > /dev/null
# Resuming loads the checkpoint and stops again at the same update.
status=0
"$nmc" train "$dir/huge.nm" --sequences 20 --checkpoint "$dir/huge.st" --log "$dir/huge.csv" --resume \
    > "$dir/out" 2> "$dir/err" || status=$?
test $status -eq 1
grep -q "training stopped at sequence 2: the parameter" "$dir/err"
cmp "$dir/huge.st" "$dir/huge.keep"
check_finite "$dir/huge.st" "$dir/huge.csv"

# Larger still, the first update breaks them: no checkpoint, no log row.
diverge 1e300 1 first
status=0
"$nmc" train "$dir/first.nm" --sequences 20 --checkpoint "$dir/first.st" --log "$dir/first.csv" \
    > "$dir/out" 2> "$dir/err" || status=$?
test $status -eq 1
grep -q "training stopped at sequence 1: the parameter '.*' became infinite in update 1" "$dir/err"
grep -q "no checkpoint was written: the run stopped before its first evaluation" "$dir/err"
test ! -e "$dir/first.st"
test "$(wc -l < "$dir/first.csv")" -eq 1

# Finite parameters whose evaluation overflows: the run stops before the
# row or the checkpoint of that evaluation is written.
diverge 1e38 1 overflow
status=0
"$nmc" train "$dir/overflow.nm" --sequences 20 --checkpoint "$dir/overflow.st" --log "$dir/overflow.csv" \
    > "$dir/out" 2> "$dir/err" || status=$?
test $status -eq 1
grep -Eq "training stopped at sequence [0-9]+: (the evaluation cost became (NaN|infinite)|the parameter)" "$dir/err"
check_finite "$dir/overflow.st" "$dir/overflow.csv"

# A checkpoint with a NaN parameter is rejected, naming the tensor, by
# nmc eval and by --resume.
cp "$dir/huge.keep" "$dir/nan.st"
param=$(python3 "$here/edit_checkpoint.py" "$dir/nan.st" --first param.)
python3 "$here/edit_checkpoint.py" "$dir/nan.st" --nan "$param"
for command in eval train; do
    status=0
    if [ $command = eval ]; then
        "$nmc" eval "$dir/huge.nm" --checkpoint "$dir/nan.st" > "$dir/out" 2> "$dir/err" || status=$?
    else
        "$nmc" train "$dir/huge.nm" --sequences 20 --checkpoint "$dir/nan.st" --resume --quiet \
            > "$dir/out" 2> "$dir/err" || status=$?
    fi
    cat "$dir/err"
    test $status -eq 1
    grep -q "nan.st contains a value that is not finite: tensor '$param' is NaN at entry 0" "$dir/err"
    if grep -qi nan "$dir/out"; then
        echo "nmc $command printed a NaN" >&2
        exit 1
    fi
done
# So is one whose optimiser state contains a NaN, when resuming.
cp "$dir/huge.keep" "$dir/nan.st"
slot=$(python3 "$here/edit_checkpoint.py" "$dir/nan.st" --first optimizer.)
python3 "$here/edit_checkpoint.py" "$dir/nan.st" --nan "$slot"
status=0
"$nmc" train "$dir/huge.nm" --sequences 20 --checkpoint "$dir/nan.st" --resume --quiet 2> "$dir/err" || status=$?
test $status -eq 1
grep -q "tensor '$slot' is NaN" "$dir/err"
echo "huge learning rates stop the run and keep only finite checkpoints"
