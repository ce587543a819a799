#!/bin/sh
# Runs an imported machine and the same machine written by hand in .nm, and
# checks that both end in the same configuration after the same number of
# steps.
#
#     check_same_run.sh NMC FORMAT FILE NM_FILE
set -u
nmc=$1 format=$2 file=$3 nm_file=$4
summary='{halted, reason, state, steps, tapes, nonblank}'

imported=$("$nmc" run --from "$format" "$file" --json) || {
    echo "FAIL: nmc run --from $format $file failed" >&2
    exit 1
}
by_hand=$("$nmc" run "$nm_file" --json) || {
    echo "FAIL: nmc run $nm_file failed" >&2
    exit 1
}
imported=$(printf '%s\n' "$imported" | jq -c "$summary")
by_hand=$(printf '%s\n' "$by_hand" | jq -c "$summary")
if [ "$imported" != "$by_hand" ]; then
    echo "FAIL: $file and $nm_file end differently:" >&2
    echo "  imported: $imported" >&2
    echo "  by hand:  $by_hand" >&2
    exit 1
fi
echo "ok: $file and $nm_file both end as $imported"
