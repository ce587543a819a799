#!/usr/bin/env bash
# Checks that a module of the standard library passes nmc check with no error
# or warning, both on its own and through `import "std/MODULE";`.
#
#   stdlib_check.sh NMC STDLIB_DIR MODULE
set -u
source "$(dirname "$0")/lib.sh"
NMC=$1
stdlib=$2
module=$3
export NMC_STDLIB=$stdlib

run_nmc check "$stdlib/$module.nm"
expect_equal "nmc check $module.nm: exit status" 0 "$status"
expect_equal "nmc check $module.nm: diagnostics" "" "$err"

printf 'import "std/%s";\n' "$module" >"$work/use.nm"
run_nmc check "$work/use.nm"
expect_equal "import \"std/$module\": exit status" 0 "$status"
expect_equal "import \"std/$module\": diagnostics" "" "$err"
finish
