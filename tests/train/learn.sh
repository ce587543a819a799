#!/bin/bash
# The small copy configuration of learn.nm learns: its cost on 100 fresh
# sequences falls from several bits per sequence at the first evaluation to
# under 0.1 bits, with no wrong bit, within 5,000 sequences.
set -euo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$nmc" train "$here/learn.nm" --log "$dir/log.csv" --checkpoint "$dir/learner.st" --json > "$dir/result.json"
cat "$dir/log.csv"
cat "$dir/result.json"
first=$(awk -F, 'NR == 2 { print $4 }' "$dir/log.csv")
awk -v c="$first" 'BEGIN { exit !(c > 5) }' || { echo "the first evaluation already costs only $first bits" >&2; exit 1; }
jq -e '.sequences == 5000 and .cost_bits < 0.1 and .bit_errors == 0' "$dir/result.json" > /dev/null \
    || { echo "the model did not learn to copy" >&2; exit 1; }

# The trained model copies fresh sequences of each training length too.
for length in 1 3 5; do
    "$nmc" eval "$here/learn.nm" --checkpoint "$dir/learner.st" --length "$length" --sequences 50 --json \
        > "$dir/eval.json"
    jq -e ".min_length == $length and .cost_bits < 0.5" "$dir/eval.json" > /dev/null \
        || { echo "evaluation at length $length failed: $(cat "$dir/eval.json")" >&2; exit 1; }
done
echo "learned to copy"
