#!/bin/bash
# nmc eval and the evaluations of nmc train count exactly the sequences
# requested, even when they do not fill the last batch, of which only the
# first rows count.
set -euo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

sed -e 's/seed 7;/seed 7; batch 8;/' -e 's/evaluate every 50 on 20;/evaluate every 8 on 5;/' \
    "$here/tiny.nm" > "$dir/batch.nm"
grep -q 'batch 8;' "$dir/batch.nm"
"$nmc" train "$dir/batch.nm" --sequences 16 --checkpoint "$dir/batch.st" --json > "$dir/train.json"
jq -e '.eval_sequences == 5' "$dir/train.json" > /dev/null

for n in 1 7 8 9; do
    "$nmc" eval "$dir/batch.nm" --checkpoint "$dir/batch.st" --sequences $n --json > "$dir/eval$n.json"
    jq -e ".sequences == $n" "$dir/eval$n.json" > /dev/null
done
"$nmc" eval "$dir/batch.nm" --checkpoint "$dir/batch.st" --sequences 7 > "$dir/eval7.txt"
grep -q "7 sequences of length" "$dir/eval7.txt"

# The first 7 sequences are the first 7 of the first batch of 8: their
# summed cost and bit errors are at most those of all 8, and 8 and 9
# share their first 8.
python3 - "$dir" << 'PYTHON'
import json, sys
d = sys.argv[1]
r = {n: json.load(open("%s/eval%d.json" % (d, n))) for n in (1, 7, 8, 9)}
total = lambda n, key: r[n][key] * n
for key in ("cost_bits", "bit_errors"):
    assert total(1, key) <= total(7, key) <= total(8, key) <= total(9, key) + 1e-9, (key, r)
assert total(7, "cost_bits") < total(8, "cost_bits"), r
print("eval counts exactly the sequences asked for:", {n: r[n]["cost_bits"] for n in r})
PYTHON
