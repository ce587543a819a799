#!/usr/bin/env bash
# Checks nmc plot beyond the golden charts and the error messages: the help,
# how the output file is written, legend labels and escaping, the limits on
# logs, and how values are drawn.  Every failed check prints one line, and
# the script exits 1 when any check failed.
#
#     cli.sh NMC DATA CASE
#
# DATA is tests/plot/data; CASE is help, output, labels, limits or values.
set -u
NMC=$1
data=$2
case=$3

failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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
    *) fail "$1: expected the text to contain '$2', got '${3:0:300}'" ;;
    esac
}

# expect_lacks WHAT NEEDLE TEXT
expect_lacks() {
    case "$3" in
    *"$2"*) fail "$1: expected the text not to contain '$2'" ;;
    esac
}

# Runs nmc plot with the given arguments and stores its standard output,
# standard error and exit status in out, err and status.
run_plot() {
    out=$("$NMC" plot "$@" 2>"$work/stderr")
    status=$?
    err=$(<"$work/stderr")
}

expect_xml() {
    if command -v xmllint >/dev/null && ! xmllint --noout "$2" 2>/dev/null; then
        fail "$1: $2 is not well-formed XML"
    fi
}

seed1=$data/copy_seed1.csv
seed2=$data/copy_seed2.csv

case "$case" in
help)
    run_plot --help
    expect_equal "plot --help: exit status" 0 "$status"
    expect_contains "plot --help" "usage: nmc plot LOG.csv [LOG.csv ...] -o OUT.svg" "$out"
    expect_contains "plot --help: the default columns" "eval_cost_bits as a solid line" "$out"
    expect_contains "plot --help: --log-y" "values of
                   0 or less are drawn at the bottom of the axis" "$out"
    expect_contains "nmc --help" "plot LOG.csv ... -o OUT.svg" "$("$NMC" --help)"
    ;;
output)
    run_plot "$seed1" -o "$work/chart.svg"
    expect_equal "-o FILE: exit status" 0 "$status"
    expect_xml "-o FILE" "$work/chart.svg"
    run_plot "$seed1" -o -
    expect_equal "-o -: exit status" 0 "$status"
    expect_equal "-o -: standard output equals the file" "$(<"$work/chart.svg")" "$out"

    "$NMC" plot "$seed1" -o "$work/again.svg"
    if ! cmp -s "$work/chart.svg" "$work/again.svg"; then
        fail "two runs on the same log wrote different files"
    fi

    echo old >"$work/kept.svg"
    run_plot "$data/bad/short_row.csv" -o "$work/kept.svg"
    expect_equal "a bad log: exit status" 1 "$status"
    expect_equal "a bad log leaves the old output file" old "$(<"$work/kept.svg")"
    run_plot "$seed1" -o "$work/kept.svg"
    expect_equal "replacing a file: exit status" 0 "$status"
    expect_equal "replacing a file: the new file" "$(<"$work/chart.svg")" "$(<"$work/kept.svg")"
    expect_equal "no temporary file is left" "again.svg chart.svg kept.svg stderr" \
        "$(cd "$work" && echo *)"

    run_plot "$seed1" -o "$work/missing/chart.svg"
    expect_equal "an output in a missing folder: exit status" 1 "$status"
    expect_equal "an output in a missing folder" \
        "nmc: error: cannot write '$work/missing/chart.svg': No such file or directory" "$err"
    ;;
labels)
    cp "$seed2" "$work/run.v2.csv"
    run_plot "$seed1" "$work/run.v2.csv" --label "seed one" -o -
    expect_equal "one label for two logs: exit status" 0 "$status"
    expect_contains "the label given" '>seed one</text>' "$out"
    expect_contains "the file name without folder and extension" '>run.v2</text>' "$out"

    run_plot "$seed1" --label $'bad \x01 byte \xff' --title 'a < b & c > d' -o "$work/escaped.svg"
    expect_equal "escaped texts: exit status" 0 "$status"
    expect_xml "escaped texts" "$work/escaped.svg"
    expect_contains "control character and invalid UTF-8" $'>bad \xef\xbf\xbd byte \xef\xbf\xbd<' \
        "$(<"$work/escaped.svg")"
    expect_contains "escaped title" '<title>a &lt; b &amp; c &gt; d</title>' \
        "$(<"$work/escaped.svg")"
    ;;
limits)
    {
        echo "sequences,eval_cost_bits,note"
        printf '500,80,%05000d\n' 0
    } >"$work/long.csv"
    run_plot "$work/long.csv" -o "$work/chart.svg"
    expect_equal "a long line: exit status" 1 "$status"
    expect_equal "a long line" "$work/long.csv:2: error: the line has 5007 bytes, more than the \
limit of 4096; is this a training log written by nmc train --log?" "$err"

    awk 'BEGIN { print "sequences,eval_cost_bits"; for (i = 1; i <= 1000001; i++) print i ",1" }' \
        >"$work/rows.csv"
    run_plot "$work/rows.csv" -o "$work/chart.svg"
    expect_equal "too many rows: exit status" 1 "$status"
    expect_equal "too many rows" "$work/rows.csv:1000002: error: the log has more than 1000000 \
rows, the limit of nmc plot; keep fewer rows, such as every tenth" "$err"

    # A million rows are drawn with a few points per half-pixel column.
    head -n 1000001 "$work/rows.csv" | awk -F, 'NR == 1 || $1 % 2 { print; next }
        { print $1 ",2" }' >"$work/million.csv"
    run_plot "$work/million.csv" -o "$work/chart.svg"
    expect_equal "a million rows: exit status" 0 "$status"
    size=$(wc -c <"$work/chart.svg")
    if [ "$size" -gt 100000 ]; then
        fail "a million rows: the SVG has $size bytes, expected at most 100000"
    fi

    truncate -s 65M "$work/large.csv"
    run_plot "$work/large.csv" -o "$work/chart.svg"
    expect_equal "a large file: exit status" 1 "$status"
    expect_equal "a large file" "nmc: error: cannot read '$work/large.csv': it is larger than \
the limit of 64 MiB for a training log" "$err"
    ;;
values)
    # eval_bit_errors reaches 0, which --log-y draws at the bottom (y 428).
    run_plot "$seed1" --y eval_bit_errors --log-y -o -
    expect_equal "--log-y with zeros: exit status" 0 "$status"
    expect_contains "--log-y draws 0 at the bottom" ',428.0 ' "$out"

    printf 'sequences,eval_cost_bits\n500,nan\n1000,\n1500,-nan\n2000,inf\n' >"$work/no_values.csv"
    run_plot "$work/no_values.csv" -o "$work/chart.svg"
    expect_equal "no value: exit status" 1 "$status"
    expect_equal "no value" "nmc plot: error: the logs have no eval_cost_bits value to draw" "$err"

    printf 'sequences,eval_cost_bits\n500,0\n1000,0\n' >"$work/zeros.csv"
    run_plot "$work/zeros.csv" --log-y -o "$work/chart.svg"
    expect_equal "--log-y with only zeros: exit status" 1 "$status"
    expect_equal "--log-y with only zeros" "nmc plot: error: the logs have no eval_cost_bits \
value above 0 to draw; plot without --log-y" "$err"

    printf 'sequences , train_cost_bits\n 500 , 80.5 \n' >"$work/one_row.csv"
    run_plot "$work/one_row.csv" -o -
    expect_equal "one row with blanks around the fields: exit status" 0 "$status"
    expect_contains "one row is drawn as a dot" '<circle ' "$out"

    printf 'sequences,train_cost_bits\n500,80\n1000,40\n' >"$work/train_only.csv"
    run_plot "$work/train_only.csv" -o -
    expect_equal "a log with train_cost_bits only: exit status" 0 "$status"
    expect_contains "train_cost_bits only: the title" '<title>Training cost</title>' "$out"
    expect_lacks "train_cost_bits only: a solid line" 'dasharray="5 3" points' "$out"
    ;;
*)
    echo "unknown case '$case'; expected help, output, labels, limits or values" >&2
    exit 2
    ;;
esac

if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "ok: plot $case"
