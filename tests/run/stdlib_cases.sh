#!/usr/bin/env bash
# Runs the machines of the standard library on the cases that their header
# comments describe, and checks the final state and tapes.
#
#   stdlib_cases.sh NMC STDLIB_DIR MODULE
#
# MODULE is arithmetic, palindromes or parentheses.
set -u
source "$(dirname "$0")/lib.sh"
NMC=$1
stdlib=$2
module=$3

# check_result MACHINE INPUT STATE TAPE RESULT: runs MACHINE on INPUT (the
# default input when INPUT is -) and expects it to halt in STATE with RESULT
# on tape TAPE (from 0), read from the head to the last non-blank cell.
check_result() {
    local machine=$1 input=$2 state=$3 tape=$4 result=$5
    local -a input_option=(--input "$input")
    if [ "$input" = - ]; then
        input_option=()
    fi
    run_nmc run "$stdlib/$module.nm" --machine "$machine" --direct --json "${input_option[@]}"
    local what="$machine on input '$input'"
    expect_equal "$what: exit status" 0 "$status"
    expect_equal "$what: final state" "$state" "$(json .state)"
    expect_equal "$what: halting reason" "halting state" "$(json .reason)"
    expect_equal "$what: tape $((tape + 1)) from the head" "$result" "$(tape_from_head "$tape" _)"
    expect_equal "$what: tape $((tape + 1))" "$result" "$(tape_text "$tape" _)"
}

# check_stuck MACHINE INPUT STATE: expects MACHINE to stop on INPUT in STATE
# because no transition matches, as the module header says for inputs that
# do not follow the layout.
check_stuck() {
    local machine=$1 input=$2 state=$3
    run_nmc run "$stdlib/$module.nm" --machine "$machine" --direct --json --input "$input"
    local what="$machine on malformed input '$input'"
    expect_equal "$what: exit status" 0 "$status"
    expect_equal "$what: halting reason" "no transition" "$(json .reason)"
    expect_equal "$what: final state" "$state" "$(json .state)"
}

# check_verdict MACHINE INPUT STATE: expects an acceptor to halt in STATE.
check_verdict() {
    local machine=$1 input=$2 state=$3
    run_nmc run "$stdlib/$module.nm" --machine "$machine" --direct --json --input "$input"
    local what="$machine on input '$input'"
    expect_equal "$what: exit status" 0 "$status"
    expect_equal "$what: halting reason" "halting state" "$(json .reason)"
    expect_equal "$what: final state" "$state" "$(json .state)"
}

case "$module" in
arithmetic)
    check_result binary_increment - done 0 1100
    check_result binary_increment 1011 done 0 1100
    check_result binary_increment 111 done 0 1000
    check_result binary_increment 0011 done 0 0100
    check_result binary_increment 0 done 0 1
    check_result binary_increment "" done 0 1

    check_result binary_add - done 1 10001
    check_result binary_add 1011+110 done 1 10001
    check_result binary_add 111+1 done 1 1000
    check_result binary_add 01+01 done 1 10
    check_result binary_add 1+1111 done 1 10000
    check_result binary_add 0+0 done 1 0
    check_result binary_add +11 done 1 11
    check_result binary_add + done 1 ""
    # Tape 1 keeps the input, with its head on the +.
    run_nmc run "$stdlib/arithmetic.nm" --machine binary_add --direct --json --input 110+11
    expect_equal "binary_add on input '110+11': tape 1" 110+11 "$(tape_text 0 _)"
    expect_equal "binary_add on input '110+11': symbol under head 1" + \
        "$(json '.tapes[0] | .cells[.head]')"
    check_stuck binary_add 11 copy
    check_stuck binary_add 1+1+1 seek

    check_result unary_add - done 0 11111
    check_result unary_add 11+111 done 0 11111
    check_result unary_add 111+ done 0 111
    check_result unary_add +1 done 0 1
    check_result unary_add + done 0 ""
    check_stuck unary_add 11 first

    check_result unary_multiply - done 0 111111
    check_result unary_multiply '111*11' done 0 111111
    check_result unary_multiply '1*1' done 0 1
    check_result unary_multiply '111*111' done 0 111111111
    check_result unary_multiply '11*' done 0 ""
    check_result unary_multiply '*11' done 0 ""
    check_result unary_multiply '*' done 0 ""
    check_stuck unary_multiply 11 skip_a
    check_stuck unary_multiply '1*1*1' grow

    # The step count that the header of unary_multiply quotes.
    run_nmc run "$stdlib/arithmetic.nm" --machine unary_multiply --direct --json \
        --input '1111111111*1111111111'
    expect_equal "unary_multiply on 10*10: steps" 11596 "$(json .steps)"
    ;;
palindromes)
    check_verdict binary_palindrome "" accept
    check_verdict binary_palindrome 0 accept
    check_verdict binary_palindrome 11 accept
    check_verdict binary_palindrome 010 accept
    check_verdict binary_palindrome 1001 accept
    check_verdict binary_palindrome 0110110 accept
    check_verdict binary_palindrome 01 reject
    check_verdict binary_palindrome 100 reject
    check_verdict binary_palindrome 1011 reject
    check_verdict binary_palindrome 0110100 reject
    # The default input is a palindrome, and the tape is blank after accepting.
    run_nmc run "$stdlib/palindromes.nm" --direct --json
    expect_equal "binary_palindrome on its default input: final state" accept "$(json .state)"
    expect_equal "binary_palindrome on its default input: nonblank" 0 "$(json .nonblank)"
    ;;
parentheses)
    check_verdict balanced_parentheses "" accept
    check_verdict balanced_parentheses "()" accept
    check_verdict balanced_parentheses "(())" accept
    check_verdict balanced_parentheses "()()" accept
    check_verdict balanced_parentheses "(()(()))()" accept
    check_verdict balanced_parentheses "(" reject
    check_verdict balanced_parentheses ")" reject
    check_verdict balanced_parentheses ")(" reject
    check_verdict balanced_parentheses "(()" reject
    check_verdict balanced_parentheses "())" reject
    check_verdict balanced_parentheses "())(()" reject
    # The default input is balanced, and every pair ends crossed out.
    run_nmc run "$stdlib/parentheses.nm" --direct --json
    expect_equal "balanced_parentheses on its default input: final state" accept "$(json .state)"
    expect_equal "balanced_parentheses on its default input: tape" xxxxxx "$(tape_text 0 _)"
    ;;
*)
    echo "stdlib_cases.sh: unknown module '$module'" >&2
    exit 2
    ;;
esac
finish
