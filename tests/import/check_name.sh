#!/bin/sh
# The machine names that `nmc import` writes.  An invalid --name makes nmc
# exit with status 2 and a message that lists what a name may contain.  A
# name derived from a file name is valid, and the printed machine passes
# `nmc check`.
#
#     check_name.sh NMC DATA_FOLDER
set -u
nmc=$1 data=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0

for name in "bad name" machine train task model import 9x 'a"b' "" "é"; do
    status=0
    "$nmc" import --from bbchallenge 1RB1LB_1LA1RZ --name "$name" > "$dir/out" 2> "$dir/err" || status=$?
    if [ "$status" -ne 2 ] || ! grep -q "invalid --name .*a name is a letter or '_' followed by letters, digits and '_'" "$dir/err" \
        || [ -s "$dir/out" ]; then
        echo "FAIL: nmc import --name '$name' exited with status $status, expected 2 and a usage error:" >&2
        cat "$dir/err" "$dir/out" >&2
        failed=1
    else
        echo "ok: --name '$name' is refused"
    fi
done

# check_printed NAME ARGS...: nmc import ARGS prints machine NAME, and the
# printed file passes nmc check without a diagnostic.
check_printed() {
    expected=$1
    shift
    if ! "$nmc" import "$@" > "$dir/printed.nm"; then
        echo "FAIL: nmc import $* failed" >&2
        failed=1
        return
    fi
    if ! grep -q "^machine $expected {" "$dir/printed.nm"; then
        echo "FAIL: nmc import $* did not name the machine $expected:" >&2
        cat "$dir/printed.nm" >&2
        failed=1
        return
    fi
    diagnostics=$("$nmc" check "$dir/printed.nm" 2>&1)
    if [ $? -ne 0 ] || [ -n "$diagnostics" ]; then
        echo "FAIL: the machine printed by nmc import $* does not pass nmc check:" >&2
        printf '%s\n' "$diagnostics" >&2
        failed=1
        return
    fi
    echo "ok: nmc import $* prints machine $expected"
}

check_printed _champion_2 --from bbchallenge 1RB1LB_1LA1RZ --name _champion_2
# Names from file names that are keywords, or that have no base name.
cp "$data/binary_increment.txt" "$dir/train.txt"
check_printed train_ --from morphett "$dir/train.txt"
cp "$data/binary_increment.txt" "$dir/.txt"
check_printed imported --from morphett "$dir/.txt"
cp "$data/binary_increment.txt" "$dir/2 bits.txt"
check_printed m2_bits --from morphett "$dir/2 bits.txt"
exit $failed
