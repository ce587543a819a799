#!/usr/bin/env bash
# Prints a file's machines with nmc build --emit=nm and checks that the
# printed source checks as cleanly as the original, prints back to itself,
# and runs every machine to the same result.
#
#   round_trip.sh NMC FILE
#
# Both versions of each machine run on their default input with a step limit
# of 100000, so that long or endless machines compare at the limit.
set -u
source "$(dirname "$0")/lib.sh"
NMC=$1
file=$2
emitted=$work/emitted.nm

run_nmc build "$file" --emit=nm -o "$emitted"
expect_equal "nmc build $file --emit=nm: exit status" 0 "$status"
if [ "$status" -ne 0 ]; then
    finish
fi

# The same warnings, and no error.
run_nmc check "$file"
original_warnings=$(grep -c ': warning: ' <<<"$err")
run_nmc check "$emitted"
expect_equal "nmc check on the emitted source: exit status" 0 "$status"
expect_equal "nmc check on the emitted source: warnings" "$original_warnings" \
    "$(grep -c ': warning: ' <<<"$err")"

# Printing the printed source gives it back unchanged.
run_nmc build "$emitted" --emit=nm
expect_equal "nmc build --emit=nm on the emitted source: output" "$(<"$emitted")" "$out"

mapfile -t machines < <(sed -n 's/^machine \([A-Za-z0-9_]*\) {$/\1/p' "$emitted")
if [ "${#machines[@]}" -eq 0 ]; then
    fail "the emitted source of $file declares no machine"
fi
for machine in "${machines[@]}"; do
    run_nmc run "$file" --machine "$machine" --direct --json --max-steps 100000
    original_status=$status original_out=$out
    run_nmc run "$emitted" --machine "$machine" --direct --json --max-steps 100000
    expect_equal "$machine: exit status of the emitted machine" "$original_status" "$status"
    expect_equal "$machine: result of the emitted machine" "$original_out" "$out"
done
finish
