# Helpers shared by the end-to-end scripts of tests/run.  A script sources
# this file, sets NMC to the nmc executable, calls its checks, and ends with
# `finish`: every failed check prints one line saying what differed, and the
# script exits 1 when any check failed.

failures=0

# A folder for the files of one script, removed when the script exits.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints a failure and counts it.  The script goes on, so that one run
# reports every difference.
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect_equal WHAT EXPECTED ACTUAL
expect_equal() {
    if [ "$2" != "$3" ]; then
        fail "$1: expected '$2', got '$3'"
    fi
}

# expect_contains WHAT NEEDLE TEXT
expect_contains() {
    case "$3" in
    *"$2"*) ;;
    *) fail "$1: expected the text to contain '$2', got '$3'" ;;
    esac
}

# Runs nmc with the given arguments and stores its standard output, standard
# error and exit status in out, err and status.
run_nmc() {
    out=$("$NMC" "$@" 2>"$work/stderr")
    status=$?
    err=$(<"$work/stderr")
}

# Applies the jq FILTER to the JSON in out and prints the result as raw text.
# A run whose output is not JSON makes the filter print nothing.
json() {
    jq -r "$1" <<<"$out" 2>/dev/null
}

# The non-blank cells of tape INDEX (from 0) as one string, read from out:
# the cells between the first and the last non-blank one, joined.  BLANK is
# the machine's blank symbol.
tape_text() {
    jq -r --argjson index "$1" --arg blank "$2" '
        .tapes[$index].cells
        | until(length == 0 or .[0] != $blank; .[1:])
        | until(length == 0 or .[-1] != $blank; .[:-1])
        | join("")' <<<"$out" 2>/dev/null
}

# The cells of tape INDEX from the head to the last non-blank cell, joined:
# what a machine that leaves its head on the first symbol of its result
# points at.
tape_from_head() {
    jq -r --argjson index "$1" --arg blank "$2" '
        .tapes[$index] | .cells[.head:]
        | until(length == 0 or .[-1] != $blank; .[:-1])
        | join("")' <<<"$out" 2>/dev/null
}

# Prints every string over the characters of ALPHABET with at most MAX
# characters, the empty string first, one a line.
all_strings() {
    local alphabet=$1 max=$2 length
    local -a current=("") next
    for ((length = 0; length <= max; length++)); do
        printf '%s\n' "${current[@]}"
        next=()
        local prefix i
        for prefix in "${current[@]}"; do
            for ((i = 0; i < ${#alphabet}; i++)); do
                next+=("$prefix${alphabet:i:1}")
            done
        done
        current=("${next[@]}")
    done
}

# Ends the script: exit status 1 when any check failed.
finish() {
    if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
    fi
    exit 0
}
