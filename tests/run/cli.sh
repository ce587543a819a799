#!/usr/bin/env bash
# Checks how nmc run reports the ways a run can end, and its exit statuses.
# The status is 0 when the machine halts, in a halting state or on a missing
# transition.  It is 1 for an error in the input, 2 for bad usage, and 3
# when --max-steps is reached.
#
#   cli.sh NMC CASE
#
# CASE is step-limit, no-transition, usage, input or machine-choice.
set -u
source "$(dirname "$0")/lib.sh"
NMC=$1
case=$2
bb4=1RB1LB_1LA0LC_1RZ1LD_1RD0RA

# A machine that stops on a missing transition at the blank after its input.
cat >"$work/scan.nm" <<'NM'
machine scan {
    alphabet 0 1 _;
    blank _;
    start scan;
    input "0110";
    scan 0 -> 0 R scan;
    scan 1 -> 1 R scan;
}
NM

# The same on two tapes: tape 2 gets a 1 for each symbol of tape 1.
cat >"$work/scan2.nm" <<'NM'
machine scan2 {
    tapes 2;
    alphabet 0 1 _;
    blank _;
    start scan;
    input "0110";
    scan (0, _) -> (0, 1) (R, R) scan;
    scan (1, _) -> (1, 1) (R, R) scan;
}
NM

case "$case" in
step-limit)
    run_nmc run --from bbchallenge "$bb4" --direct --json --max-steps 50
    expect_equal "bb4 with --max-steps 50: exit status" 3 "$status"
    expect_equal "bb4 with --max-steps 50: halted" false "$(json .halted)"
    expect_equal "bb4 with --max-steps 50: reason" "step limit" "$(json .reason)"
    expect_equal "bb4 with --max-steps 50: steps" 50 "$(json .steps)"

    run_nmc run "$work/scan2.nm" --direct --json --max-steps 2
    expect_equal "two tapes with --max-steps 2: exit status" 3 "$status"
    expect_equal "two tapes with --max-steps 2: halted" false "$(json .halted)"
    expect_equal "two tapes with --max-steps 2: reason" "step limit" "$(json .reason)"
    expect_equal "two tapes with --max-steps 2: steps" 2 "$(json .steps)"

    run_nmc run --from bbchallenge "$bb4" --direct --max-steps 50
    expect_equal "bb4 with --max-steps 50, text report: exit status" 3 "$status"
    expect_contains "bb4 with --max-steps 50, text report" \
        "stopped at the step limit after 50 steps" "$out"

    # A machine that enters its halting state on the last allowed step halts.
    run_nmc run --from bbchallenge "$bb4" --direct --json --max-steps 107
    expect_equal "bb4 with --max-steps 107: exit status" 0 "$status"
    expect_equal "bb4 with --max-steps 107: halted" true "$(json .halted)"
    expect_equal "bb4 with --max-steps 107: steps" 107 "$(json .steps)"
    ;;
no-transition)
    run_nmc run "$work/scan.nm" --direct --json
    expect_equal "scan: exit status" 0 "$status"
    expect_equal "scan: halted" true "$(json .halted)"
    expect_equal "scan: reason" "no transition" "$(json .reason)"
    expect_equal "scan: final state" scan "$(json .state)"
    expect_equal "scan: steps (the missing transition is no step)" 4 "$(json .steps)"
    expect_equal "scan: tape" 0110 "$(tape_text 0 _)"

    run_nmc run "$work/scan.nm" --direct
    expect_equal "scan, text report: exit status" 0 "$status"
    expect_contains "scan, text report" \
        "halted after 4 steps: state scan has no transition for reading _" "$out"

    run_nmc run "$work/scan2.nm" --direct --json
    expect_equal "scan2: exit status" 0 "$status"
    expect_equal "scan2: reason" "no transition" "$(json .reason)"
    expect_equal "scan2: steps" 4 "$(json .steps)"
    expect_equal "scan2: tape 2" 1111 "$(tape_text 1 _)"
    ;;
usage)
    run_nmc run "$work/scan.nm" --no-such-option
    expect_equal "unknown option: exit status" 2 "$status"
    expect_contains "unknown option: message" "unknown option '--no-such-option'" "$err"

    run_nmc run
    expect_equal "missing FILE: exit status" 2 "$status"
    expect_contains "missing FILE: message" "missing FILE" "$err"

    run_nmc run "$work/scan.nm" --input
    expect_equal "--input without a value: exit status" 2 "$status"
    expect_contains "--input without a value: message" "option --input needs a value" "$err"

    run_nmc run "$work/scan.nm" --max-steps many
    expect_equal "--max-steps many: exit status" 2 "$status"
    expect_contains "--max-steps many: message" "invalid value 'many' for --max-steps" "$err"

    run_nmc no-such-command
    expect_equal "unknown command: exit status" 2 "$status"
    expect_contains "unknown command: message" "unknown command 'no-such-command'" "$err"

    # A file that does not exist is an error in the input, not bad usage.
    run_nmc run "$work/no-such-file.nm"
    expect_equal "file not found: exit status" 1 "$status"
    expect_contains "file not found: message" "cannot open '$work/no-such-file.nm'" "$err"
    ;;
input)
    run_nmc run "$work/scan.nm" --direct --json --input 0120
    expect_equal "input with a symbol outside the alphabet: exit status" 1 "$status"
    expect_equal "input with a symbol outside the alphabet: output" "" "$out"
    expect_equal "input with a symbol outside the alphabet: message" \
        "nmc: error: invalid input: '2' at byte 3 is not a symbol of machine 'scan' (alphabet: 0 1 _)" \
        "$err"

    # --input replaces the default input, and may be empty.
    run_nmc run "$work/scan.nm" --direct --json --input 11
    expect_equal "--input 11: steps" 2 "$(json .steps)"
    run_nmc run "$work/scan.nm" --direct --json --input ""
    expect_equal "empty --input: steps" 0 "$(json .steps)"
    expect_equal "empty --input: nonblank" 0 "$(json .nonblank)"

    # Symbols are matched longest first: aab is a then ab.
    cat >"$work/longest.nm" <<'NM'
machine longest {
    alphabet a b "ab" _;
    blank _;
    start go;
    halt done;
    go * -> * R go;
    go _ -> _ S done;
}
NM
    run_nmc run "$work/longest.nm" --direct --json --input aab
    expect_equal "longest match of aab: cells" 'a,ab,_' "$(json '.tapes[0].cells | join(",")')"

    # A default input with a symbol outside the alphabet fails the check.
    sed 's/input "0110"/input "0210"/' "$work/scan.nm" >"$work/bad_input.nm"
    run_nmc check "$work/bad_input.nm"
    expect_equal "input declaration outside the alphabet: exit status" 1 "$status"
    expect_contains "input declaration outside the alphabet: message" \
        "invalid input: '2' at byte 2 is not a symbol of machine 'scan'" "$err"
    ;;
machine-choice)
    cat "$work/scan.nm" "$work/scan2.nm" >"$work/both.nm"
    run_nmc run "$work/both.nm" --direct --json
    expect_equal "two machines without --machine: exit status" 1 "$status"
    expect_contains "two machines without --machine: message" \
        "declares 2 machines (scan, scan2); choose one with --machine NAME" "$err"

    run_nmc run "$work/both.nm" --machine scan2 --direct --json
    expect_equal "--machine scan2: exit status" 0 "$status"
    expect_equal "--machine scan2: machine" scan2 "$(json .machine)"

    run_nmc run "$work/both.nm" --machine nothing --direct --json
    expect_equal "--machine nothing: exit status" 1 "$status"
    expect_contains "--machine nothing: message" "no machine named 'nothing'" "$err"
    ;;
*)
    echo "cli.sh: unknown case '$case'" >&2
    exit 2
    ;;
esac
finish
