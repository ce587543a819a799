#!/bin/bash
# Builds the forward and backward cells of each NTM of the paper's table
# and checks its parameter count: the counts docs/ntm.md sets beside the
# paper's.  The largest cells (eight head pairs) exercise the
# differentiation of graphs with over a thousand nodes.
set -euo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
status=0
while read -r model expected; do
    header=$("$nmc" build "$here/paper_models.nm" --emit=graph --model "$model" | sed -n 1p)
    count=$(echo "$header" | sed -n 's/.* \([0-9]*\) parameters.*/\1/p')
    if [ "$count" != "$expected" ]; then
        echo "FAIL: $model has ${count:-no} parameters; expected $expected" >&2
        status=1
    else
        echo "ok: $model: $count parameters"
    fi
done <<'COUNTS'
copy_ff 13260
copy_lstm 62260
repeat_ff 13481
repeat_lstm 62781
recall_ff 119382
recall_lstm 61618
ngrams_ff 11613
ngrams_lstm 58213
sort_ff 469992
sort_lstm 212468
COUNTS
exit $status
