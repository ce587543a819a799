#!/bin/sh
# Runs nmc on a malformed input in FOLDER and checks that it fails with exit
# status 1 (not a crash) and that the first line of its output is the
# expected located error.
#
#     check_error.sh EXPECTED_FILE FOLDER NMC ARGS...
#
# The file names in ARGS are relative to FOLDER, so that messages name them
# the same way on every machine.  EXPECTED_FILE contains the expected line.
set -u
expected=$(cat "$1") || exit 1
cd "$2" || exit 1
nmc=$3
shift 3

messages=$("$nmc" "$@" 2>&1 >/dev/null)
status=$?
if [ "$status" -ne 1 ]; then
    echo "FAIL: nmc $* exited with status $status, expected 1:" >&2
    printf '%s\n' "$messages" >&2
    exit 1
fi
first=$(printf '%s\n' "$messages" | head -n 1)
if [ "$first" != "$expected" ]; then
    echo "FAIL: nmc $*: expected the first message" >&2
    echo "  $expected" >&2
    echo "got" >&2
    printf '%s\n' "$messages" >&2
    exit 1
fi
echo "ok: nmc $*: $first"
