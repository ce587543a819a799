#!/usr/bin/env bash
# Runs one busy beaver of stdlib/busy_beavers.nm with the direct simulator
# and checks the published number of steps and of ones.
#
#   busy_beaver.sh NMC STDLIB_DIR MACHINE STEPS ONES
set -u
source "$(dirname "$0")/lib.sh"
NMC=$1
stdlib=$2
machine=$3
steps=$4
ones=$5

run_nmc run "$stdlib/busy_beavers.nm" --machine "$machine" --direct --json
expect_equal "$machine: exit status" 0 "$status"
expect_equal "$machine: halted" true "$(json .halted)"
expect_equal "$machine: reason" "halting state" "$(json .reason)"
expect_equal "$machine: final state" Z "$(json .state)"
expect_equal "$machine: steps" "$steps" "$(json .steps)"
expect_equal "$machine: ones (nonblank)" "$ones" "$(json .nonblank)"
finish
