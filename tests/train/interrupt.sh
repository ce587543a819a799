#!/bin/bash
# SIGINT stops a run after its current batch with a checkpoint of exactly
# where it stopped (exit status 130), and resuming from there ends where a
# run that never stopped ends.  Where the signal lands varies from run to
# run; the equality must hold wherever it lands.
set -euo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
total=4000

"$nmc" train "$here/tiny.nm" --sequences $total --checkpoint "$dir/whole.st" --log "$dir/whole.csv" --quiet

"$nmc" train "$here/tiny.nm" --sequences 100000000 --checkpoint "$dir/parts.st" --log "$dir/parts.csv" --quiet \
    2> "$dir/err" &
pid=$!
# Wait for the first evaluation, then interrupt.
for _ in $(seq 200); do
    [ "$(wc -l < "$dir/parts.csv" 2> /dev/null || echo 0)" -ge 2 ] && break
    sleep 0.05
done
kill -INT $pid
status=0
wait $pid || status=$?
cat "$dir/err"
if [ $status -ne 130 ]; then
    echo "expected exit status 130 after SIGINT, got $status"
    exit 1
fi
grep -q "interrupted at sequence [0-9]*; the checkpoint .* contains the run so far" "$dir/err"
stopped=$(sed -n 's/.*interrupted at sequence \([0-9]*\).*/\1/p' "$dir/err")
if [ "$stopped" -ge $total ]; then
    echo "the signal landed at sequence $stopped, after the $total this test compares"
    exit 1
fi

"$nmc" train "$here/tiny.nm" --sequences $total --checkpoint "$dir/parts.st" --log "$dir/parts.csv" --resume --quiet
python3 "$here/compare_checkpoints.py" --ignore seconds "$dir/whole.st" "$dir/parts.st"
cut -d, -f1,3- "$dir/whole.csv" > "$dir/whole.rows"
cut -d, -f1,3- "$dir/parts.csv" > "$dir/parts.rows"
diff "$dir/whole.rows" "$dir/parts.rows"
echo "interrupted at sequence $stopped and resumed to the same end"
