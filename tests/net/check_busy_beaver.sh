#!/bin/sh
# Runs a busy beaver through a network and checks the published counts.
# usage: check_busy_beaver.sh NMC FILE MACHINE LAYOUT ENGINE STEPS ONES [noverify]
nmc=$1 file=$2 machine=$3 layout=$4 engine=$5 steps=$6 ones=$7
verify=--verify
[ "$8" = noverify ] && verify=
out=$("$nmc" run "$file" --machine "$machine" --layout "$layout" "--$engine" $verify --json) || {
  echo "nmc run failed (exit $?) for $machine in the $layout layout ($engine)"
  exit 1
}
got=$(printf '%s' "$out" | jq -r '"\(.halted) \(.state) \(.steps) \(.nonblank)"')
expected="true Z $steps $ones"
if [ "$got" != "$expected" ]; then
  echo "$machine ($layout, $engine): expected halted/state/steps/ones '$expected', got '$got'"
  exit 1
fi
echo "$machine ($layout, $engine): $got"
