#!/bin/bash
# A run stopped and resumed must go on exactly as a run that never stopped:
# the same parameters, optimiser state and generator at the end, and the
# same log apart from the times.  The first part stops between two
# evaluations, so the counters in the checkpoint matter too.
set -euo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
config=$here/${2:-tiny}.nm
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$nmc" train "$config" --sequences 200 --checkpoint "$dir/whole.st" --log "$dir/whole.csv" --quiet
"$nmc" train "$config" --sequences 120 --checkpoint "$dir/parts.st" --log "$dir/parts.csv" --quiet
"$nmc" train "$config" --sequences 170 --checkpoint "$dir/parts.st" --log "$dir/parts.csv" --resume --quiet
"$nmc" train "$config" --sequences 200 --checkpoint "$dir/parts.st" --log "$dir/parts.csv" --resume --json \
    > "$dir/parts.json"

python3 "$here/compare_checkpoints.py" --ignore seconds "$dir/whole.st" "$dir/parts.st"
# The logs match once the seconds column is dropped.
cut -d, -f1,3- "$dir/whole.csv" > "$dir/whole.rows"
cut -d, -f1,3- "$dir/parts.csv" > "$dir/parts.rows"
if ! diff "$dir/whole.rows" "$dir/parts.rows"; then
    echo "the logs of the whole run and the resumed run differ" >&2
    exit 1
fi
test "$(wc -l < "$dir/whole.rows")" -eq 5
# The resumed run reports what it trained itself and the run's total.
jq -e '.sequences == 200 and .trained == 30' "$dir/parts.json" > /dev/null
echo "resumed run identical to the uninterrupted one"
