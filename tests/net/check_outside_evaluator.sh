#!/bin/sh
# Emits a machine's network as JSON, runs it with the outside evaluator
# (eval_json.py, plain Python with exact fractions) and compares the state,
# steps and tapes with nmc's direct simulator.
# usage: check_outside_evaluator.sh NMC EVAL FILE MACHINE LAYOUT INPUT
nmc=$1 evaluator=$2 file=$3 machine=$4 layout=$5 input=$6
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$nmc" build "$file" --machine "$machine" --emit=json --layout "$layout" --input "$input" \
  > "$scratch/net.json" || { echo "nmc build --emit=json failed"; exit 1; }
python3 "$evaluator" "$scratch/net.json" > "$scratch/outside.json" || { echo "the evaluator failed"; exit 1; }
"$nmc" run "$file" --machine "$machine" --input "$input" --direct --json > "$scratch/direct.json"
outside=$(jq -c '{state, steps, tapes}' "$scratch/outside.json")
direct=$(jq -c '{state, steps, tapes}' "$scratch/direct.json")
if [ "$outside" != "$direct" ]; then
  echo "the outside evaluator and nmc differ for $machine ($layout):"
  echo "  outside: $outside"
  echo "  direct:  $direct"
  exit 1
fi
echo "$machine ($layout): $outside"
