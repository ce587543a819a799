#!/bin/bash
# Checks the files of nmc train and nmc plot.  A new run never overwrites
# an existing log, and the log and the checkpoint must be different files.
# A chart never replaces one of its logs.  Links are written through.
# Paths that cannot be written are rejected before any work, and a failed
# write to the log stops the run with a message.
set -uo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

# expect STATUS WHAT PATTERN COMMAND...: the command exits with STATUS and
# its stderr matches PATTERN.
expect() {
    local want=$1 what=$2 pattern=$3
    shift 3
    "$@" > "$dir/out" 2> "$dir/err"
    local status=$?
    if [ $status -ne "$want" ] || ! grep -q -- "$pattern" "$dir/err"; then
        echo "FAIL: $what: status $status (expected $want), stderr:" >&2
        cat "$dir/err" >&2
        failures=$((failures + 1))
    else
        echo "ok: $what: $(head -1 "$dir/err")"
    fi
}

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

train() {
    "$nmc" train "$here/tiny.nm" --quiet "$@"
}

# A new run rejects an existing log and leaves it unchanged.
printf '// a source file\n' > "$dir/source.nm"
cp "$dir/source.nm" "$dir/source.keep"
expect 1 "existing log" "the log .*source.nm exists; remove it or choose another --log" \
    train --sequences 50 --log "$dir/source.nm"
cmp -s "$dir/source.nm" "$dir/source.keep" || fail "the existing log changed"
expect 1 "existing log, with a checkpoint" "exists; pass --resume to continue its run" \
    train --sequences 50 --log "$dir/source.nm" --checkpoint "$dir/new.st"
test ! -e "$dir/new.st" || fail "a checkpoint was written beside a refused log"

# The log and the checkpoint may not be the same file, however spelled.
expect 2 "same path" "--checkpoint and --log both name" \
    train --sequences 50 --checkpoint "$dir/same" --log "$dir/same"
expect 2 "same path, spelled differently" "--checkpoint and --log both name" \
    train --sequences 50 --checkpoint "$dir/same" --log "$dir/../$(basename "$dir")/./same"
test ! -e "$dir/same" || fail "a file was written for the same path"
train --sequences 50 --checkpoint "$dir/run.st" --log "$dir/run.csv" || fail "a plain run failed"
ln -s run.st "$dir/alias.st"
expect 2 "same file through a link" "--checkpoint and --log both name" \
    train --sequences 100 --checkpoint "$dir/run.st" --log "$dir/alias.st" --resume

# Links are written through: the link stays, and its target contains the run.
ln -s run.st "$dir/link.st"
ln -s run.csv "$dir/link.csv"
train --sequences 100 --checkpoint "$dir/link.st" --log "$dir/link.csv" --resume || fail "resume through links"
test -L "$dir/link.st" || fail "the checkpoint link was replaced by a file"
test -L "$dir/link.csv" || fail "the log link was replaced by a file"
python3 -c '
import json, struct, sys
data = open(sys.argv[1], "rb").read()
(length,) = struct.unpack("<Q", data[:8])
sys.exit(json.loads(data[8:8 + length])["__metadata__"]["sequences"] != "100")' "$dir/run.st" \
    || fail "the link's target was not updated"
test "$(wc -l < "$dir/run.csv")" -eq 3 || fail "the log's target was not updated"
ls "$dir" | grep -q tmp && fail "a temporary file was left: $(ls "$dir")"

# Paths that cannot be written fail before any training.
expect 1 "checkpoint in a missing directory" "invalid --checkpoint $dir/missing/run.st: No such file or directory" \
    train --sequences 50 --checkpoint "$dir/missing/run.st"
expect 1 "log in a missing directory" "invalid --log $dir/missing/run.csv: No such file or directory" \
    train --sequences 50 --log "$dir/missing/run.csv"
mkdir "$dir/folder"
expect 1 "checkpoint is a directory" "the checkpoint $dir/folder is a directory" \
    train --sequences 50 --checkpoint "$dir/folder"
expect 1 "log is a directory" "the log $dir/folder is a directory" train --sequences 50 --log "$dir/folder"
expect 2 "empty checkpoint" "invalid --checkpoint ''" train --sequences 50 --checkpoint ''
expect 2 "empty log" "invalid --log ''" train --sequences 50 --log ''
expect 2 "resume without a checkpoint" "--resume needs --checkpoint F" train --resume

# A log that cannot be written stops the run with its reason.
if [ -w /dev/full ]; then
    expect 1 "log on a full device" "failed to write the log /dev/full: No space left on device" \
        train --sequences 50 --log /dev/full
fi

# A chart may not replace one of its logs.
cp "$dir/run.csv" "$dir/run.keep"
expect 2 "plot over its log" "-o $dir/run.csv names the log" "$nmc" plot "$dir/run.csv" -o "$dir/run.csv"
expect 2 "plot over its log through a link" "names the log" "$nmc" plot "$dir/run.csv" -o "$dir/link.csv"
cmp -s "$dir/run.csv" "$dir/run.keep" || fail "the plotted log changed"
"$nmc" plot "$dir/run.csv" -o "$dir/run.svg" || fail "a plot to another file failed"
grep -q "<svg" "$dir/run.svg" || fail "no chart was written"
exit $((failures > 0))
