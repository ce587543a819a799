#!/bin/sh
# Prints an imported machine as .nm with `nmc import`, then checks that the
# printed file passes `nmc check` without any diagnostic and runs like the
# original.
#
#     check_reimport.sh NMC FORMAT FILE OUTPUT_FOLDER
set -u
nmc=$1 format=$2 file=$3 folder=$4
mkdir -p "$folder"
printed="$folder/$(basename "$file").nm"

"$nmc" import --from "$format" "$file" > "$printed" || {
    echo "FAIL: nmc import --from $format $file failed" >&2
    exit 1
}
diagnostics=$("$nmc" check "$printed" 2>&1) || {
    echo "FAIL: nmc check $printed failed:" >&2
    printf '%s\n' "$diagnostics" >&2
    exit 1
}
if [ -n "$diagnostics" ]; then
    echo "FAIL: nmc check $printed printed diagnostics:" >&2
    printf '%s\n' "$diagnostics" >&2
    exit 1
fi

summary='{halted, reason, state, steps, tapes, nonblank}'
imported=$("$nmc" run --from "$format" "$file" --json | jq -c "$summary")
printed_run=$("$nmc" run "$printed" --json | jq -c "$summary")
if [ -z "$imported" ] || [ "$imported" != "$printed_run" ]; then
    echo "FAIL: $printed runs differently from $file:" >&2
    echo "  imported: $imported" >&2
    echo "  printed:  $printed_run" >&2
    exit 1
fi
echo "ok: $printed checks cleanly and runs as $printed_run"
