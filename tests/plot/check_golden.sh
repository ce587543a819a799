#!/bin/sh
# Draws a chart with nmc plot and compares it byte for byte with a golden
# SVG file.  The SVG must also be well-formed XML, checked with xmllint when
# it is installed.
#
#     check_golden.sh GOLDEN_FILE FOLDER NMC ARGS...
#
# The logs in ARGS are relative to FOLDER, because the legend shows their
# names.  To update a golden file after an intended change, run the same
# command with -o GOLDEN_FILE and look at the chart before committing it.
set -u
golden=$1
cd "$2" || exit 1
nmc=$3
shift 3

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

"$nmc" plot "$@" -o "$work/chart.svg"
status=$?
if [ "$status" -ne 0 ]; then
    echo "FAIL: nmc plot $* -o OUT.svg exited with status $status" >&2
    exit 1
fi
failed=0
if command -v xmllint >/dev/null && ! xmllint --noout "$work/chart.svg"; then
    echo "FAIL: nmc plot $*: the SVG is not well-formed XML" >&2
    failed=1
fi
if ! cmp -s "$golden" "$work/chart.svg"; then
    echo "FAIL: nmc plot $*: the SVG differs from $golden:" >&2
    diff "$golden" "$work/chart.svg" | head -n 20 >&2
    failed=1
fi
[ "$failed" -eq 0 ] && echo "ok: nmc plot $*"
exit "$failed"
