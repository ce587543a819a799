#!/bin/sh
# Runs `NMC run ARGS... --json` and compares the final configuration with
# the expected one.
#
#     check_run.sh EXPECTED NMC ARGS...
#
# EXPECTED is "state|steps|tape|head": TAPE is the cells of the JSON report
# joined into one string, and HEAD is the head's index in it.
set -u
expected=$1
nmc=$2
shift 2

output=$("$nmc" run "$@" --json)
status=$?
if [ "$status" -ne 0 ]; then
    echo "FAIL: nmc run $* exited with status $status" >&2
    exit 1
fi

actual=$(printf '%s\n' "$output" \
    | jq -r '"\(.state)|\(.steps)|\(.tapes[0].cells | join(""))|\(.tapes[0].head)"')
if [ "$actual" != "$expected" ]; then
    echo "FAIL: nmc run $*: expected state|steps|tape|head '$expected', got '$actual'" >&2
    exit 1
fi
echo "ok: nmc run $* ends as $actual"
