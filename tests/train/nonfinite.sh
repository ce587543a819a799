#!/bin/bash
# A learning rate far too large drives the parameters to infinity: the run
# stops with a message naming the sequence, the tensor and the time step,
# and the checkpoint of the last evaluation before it stays as it was.
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
kept=$(sed -n 's/.*it holds the run up to sequence \([0-9]*\).*/\1/p' "$dir/err")
test "$kept" -lt "$stopped"
"$nmc" eval "$dir/diverge.nm" --checkpoint "$dir/run.st" --sequences 4 --json > "$dir/eval.json"
jq -e '.sequences == 4' "$dir/eval.json" > /dev/null
# The log holds only finished evaluations: every row has all its columns.
awk -F, 'NR > 1 && NF != 8 { exit 1 }' "$dir/run.csv"
echo "stopped at sequence $stopped; checkpoint of sequence $kept kept"
