#!/usr/bin/env bash
# Runs one golden diagnostics case: `nmc check NAME.nm`, run from this
# folder, must print exactly NAME.expected on stderr and nothing on stdout.
# Its exit status must be 1 when NAME.expected reports an error and 0 when
# it reports only warnings.  Any other status, such as a crash, fails.
#
# Usage: run_case.sh NMC NAME
# With NMC_UPDATE_GOLDEN=1 the case rewrites NAME.expected from the output
# first; reread the new file before committing it.
set -euo pipefail

nmc=$1
name=$2
cd "$(dirname "$0")"
# import "std/..." reads this folder's stdlib/, whatever is installed.
export NMC_STDLIB=stdlib

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
"$nmc" check "$name.nm" >"$scratch/stdout" 2>"$scratch/stderr" || status=$?

if [ "${NMC_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$scratch/stderr" "$name.expected"
fi

expected_status=0
if grep -q ': error: ' "$name.expected"; then
    expected_status=1
fi

failed=0
if ! diff -u "$name.expected" "$scratch/stderr"; then
    echo "FAIL: the diagnostics of $name.nm differ from $name.expected (- expected, + actual)"
    failed=1
fi
if [ -s "$scratch/stdout" ]; then
    echo "FAIL: nmc check $name.nm printed on stdout:"
    cat "$scratch/stdout"
    failed=1
fi
if [ "$status" -ne "$expected_status" ]; then
    echo "FAIL: nmc check $name.nm exited with status $status; expected $expected_status"
    failed=1
fi
exit "$failed"
