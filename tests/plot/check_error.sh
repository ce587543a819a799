#!/bin/sh
# Runs nmc plot on a bad log or a bad command line and checks that it fails
# with the expected exit status and exactly the expected messages, and that
# it writes no output file.
#
#     check_error.sh STATUS EXPECTED_FILE FOLDER NMC ARGS...
#
# The file names in ARGS are relative to FOLDER, so that messages name them
# the same way on every machine.  An argument @OUT@ stands for an output
# path in an empty temporary folder, which must still be empty afterwards.
set -u
status_expected=$1
expected_file=$2
cd "$3" || exit 1
nmc=$4
shift 4

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/out" || exit 1
for arg in "$@"; do
    shift
    if [ "$arg" = @OUT@ ]; then
        set -- "$@" "$work/out/chart.svg"
    else
        set -- "$@" "$arg"
    fi
done

"$nmc" plot "$@" >"$work/stdout" 2>"$work/stderr"
status=$?
messages=$(cat "$work/stderr")
expected=$(cat "$expected_file") || exit 1

failed=0
if [ "$status" -ne "$status_expected" ]; then
    echo "FAIL: nmc plot $*: exit status $status, expected $status_expected" >&2
    failed=1
fi
if [ "$messages" != "$expected" ]; then
    echo "FAIL: nmc plot $*: expected the messages" >&2
    printf '%s\n' "$expected" >&2
    echo "got" >&2
    printf '%s\n' "$messages" >&2
    failed=1
fi
if [ -n "$(ls -A "$work/out")" ]; then
    echo "FAIL: nmc plot $*: wrote files after an error:" $(ls -A "$work/out") >&2
    failed=1
fi
[ "$failed" -eq 0 ] && echo "ok: nmc plot $*: status $status"
exit "$failed"
