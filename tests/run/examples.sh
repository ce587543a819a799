#!/usr/bin/env bash
# Runs each example the way the README shows it and compares the output and
# the exit status with what the README prints.  The README runs the direct
# simulator, whose report is the same for every build of nmc.  The same
# commands without --direct run the default engine, which must report the
# same result, followed by lines about the engine that are not compared.
#
#   examples.sh NMC SOURCE_DIR
#
# The commands run from SOURCE_DIR, so file names in the output read
# examples/NAME.nm as in the README.
set -u
source "$(dirname "$0")/lib.sh"
NMC=$1
cd "$2" || exit 1
export NMC_STDLIB=$PWD/stdlib

# expect_run STATUS EXPECTED_STDOUT ARGS...: runs nmc with ARGS.  For
# `nmc run ... --direct`, it also runs the command without --direct and
# compares the report up to the first line that starts with "network:".
expect_run() {
    local expected_status=$1 expected_out=$2
    shift 2
    run_nmc "$@"
    expect_equal "nmc $*: exit status" "$expected_status" "$status"
    expect_equal "nmc $*: output" "$expected_out" "$out"

    local -a default_engine=()
    local arg
    for arg in "$@"; do
        if [ "$arg" != --direct ]; then
            default_engine+=("$arg")
        fi
    done
    if [ "$1" != run ] || [ "${#default_engine[@]}" -eq "$#" ]; then
        return
    fi
    run_nmc "${default_engine[@]}"
    expect_equal "nmc ${default_engine[*]}: exit status" "$expected_status" "$status"
    case " $* " in
    *" --json "*)
        # The JSON of another engine names it and adds its own fields.
        local fields='{machine, halted, reason, state, steps, tapes, nonblank}'
        expect_equal "nmc ${default_engine[*]}: result" \
            "$(jq -c "$fields" <<<"$expected_out")" "$(jq -c "$fields" <<<"$out" 2>&1)"
        ;;
    *)
        expect_equal "nmc ${default_engine[*]}: report" "$expected_out" \
            "$(sed '/^network:/,$d' <<<"$out")"
        ;;
    esac
}

expect_run 0 "$(cat <<'OUT'
increment: halted in state done after 8 steps
tape: 1100
       ^ head
non-blank cells: 4
OUT
)" run examples/hello_increment.nm --direct

expect_run 0 "$(cat <<'OUT'
increment: halted in state done after 8 steps
tape: 1000
      ^ head
non-blank cells: 4
OUT
)" run examples/hello_increment.nm --direct --input 111

expect_run 0 "$(cat <<'OUT'
{"machine": "increment", "engine": "direct", "halted": true, "reason": "halting state", "state": "done", "steps": 8, "tapes": [{"cells": ["1", "1", "0", "0"], "head": 1}], "nonblank": 4}
OUT
)" run examples/hello_increment.nm --direct --json

expect_run 0 "$(cat <<'OUT'
bb2_by_hand: halted in state Z after 6 steps
tape: 1111
        ^ head
non-blank cells: 4
OUT
)" run examples/busy_beaver.nm --direct

expect_run 0 "$(cat <<'OUT'
bb4: halted in state Z after 107 steps
tape: 10111111111111
       ^ head
non-blank cells: 13
OUT
)" run examples/busy_beaver.nm --direct --machine bb4

expect_run 0 "$(cat <<'OUT'
copy: halted in state done after 12 steps
tape 1: 10110
        ^ head
tape 2: 10110
        ^ head
non-blank cells: 10
OUT
)" run examples/copy.nm --direct

expect_run 0 "$(cat <<'OUT'
palindrome: halted in state accept after 21 steps
tape: _
      ^ head
non-blank cells: 0
OUT
)" run examples/palindrome.nm --direct

expect_run 0 "$(cat <<'OUT'
palindrome: halted in state reject after 13 steps
tape: c
      ^ head
non-blank cells: 1
OUT
)" run examples/palindrome.nm --direct --input abca

expect_run 0 "$(cat <<'OUT'
bb3: halted in state Z after 21 steps
tape: 11111
        ^ head
non-blank cells: 5
OUT
)" run examples/bbchallenge.nm --direct

expect_run 0 "$(cat <<'OUT'
machine bb3 {
    alphabet 0 1;
    blank 0;
    start A;
    halt Z;

    A 0 -> 1 R B;
    A 1 -> 1 R Z;
    B 0 -> 1 L B;
    B 1 -> 0 R C;
    C 0 -> 1 L C;
    C 1 -> 1 L A;
}
OUT
)" build examples/bbchallenge.nm --emit=nm

expect_run 0 "$(cat <<'OUT'
bbchallenge: halted in state Z after 21 steps
tape: 11111
        ^ head
non-blank cells: 5
OUT
)" run --from bbchallenge 1RB1RZ_1LB0RC_1LC1LA --direct

# The counter never halts: nmc check warns, and nmc run stops at the limit.
# Only the start of the warning is compared, so that rewording it does not
# fail this test.
counter_warning="examples/counter.nm:13:11: warning: machine 'counter' can never halt"
expect_run 0 "" check examples/counter.nm
expect_contains "nmc check examples/counter.nm: diagnostics" "$counter_warning" "$err"
expect_contains "nmc check examples/counter.nm: summary" "0 errors and 1 warning" "$err"

expect_run 3 "$(cat <<'OUT'
counter: stopped at the step limit after 1000 steps, in state carry (raise it with --max-steps)
tape: 11111101
             ^ head
non-blank cells: 8
OUT
)" run examples/counter.nm --direct --max-steps 1000
expect_contains "nmc run examples/counter.nm --direct --max-steps 1000: diagnostics" \
    "$counter_warning" "$err"

# Every other example checks with no error or warning.
for example in examples/*.nm; do
    if [ "$example" = examples/counter.nm ]; then
        continue
    fi
    run_nmc check "$example"
    expect_equal "nmc check $example: exit status" 0 "$status"
    expect_equal "nmc check $example: diagnostics" "" "$err"
done
finish
