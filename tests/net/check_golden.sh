#!/bin/sh
# Runs nmc with the arguments of a .args file (one per line, relative paths
# from the file's folder) and compares stdout with the .expected file
# beside it.
# usage: check_golden.sh NMC FILE.args
nmc=$1 args_file=$2
dir=$(dirname "$args_file")
expected="${args_file%.args}.expected"
cd "$dir" || exit 1
set --
while IFS= read -r line; do
  set -- "$@" "$line"
done < "$(basename "$args_file")"
actual=$("$nmc" "$@") || { echo "nmc $* failed with exit $?"; exit 1; }
if [ "$actual" != "$(cat "$(basename "$expected")")" ]; then
  echo "output of nmc $* differs from $(basename "$expected"):"
  printf '%s\n' "$actual" | diff "$(basename "$expected")" - | head -40
  exit 1
fi
