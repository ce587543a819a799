#!/usr/bin/env bash
# Runs a machine of the standard library on every input up to a size and
# compares each result with the expected result that jq computes itself.
#
#   stdlib_sweep.sh NMC STDLIB_DIR MACHINE
#
# Inputs, about 500 runs or fewer per machine:
#   binary_increment       every binary string of up to 7 digits
#   binary_add             A+B for every pair of binary strings of up to 3 digits
#   unary_add              A+B for A and B from 0 to 7
#   unary_multiply         A*B for A and B from 0 to 6
#   binary_palindrome      every binary string of up to 8 digits
#   balanced_parentheses   every string of ( and ) of up to 8 characters
set -u
source "$(dirname "$0")/lib.sh"
NMC=$1
stdlib=$2
machine=$3

# The standard library file that declares each machine, and the inputs.
unary() { printf '%*s' "$1" '' | tr ' ' 1; }
inputs=()
case "$machine" in
binary_increment)
    file=arithmetic.nm
    mapfile -t inputs < <(all_strings 01 7)
    ;;
binary_add)
    file=arithmetic.nm
    mapfile -t numbers < <(all_strings 01 3)
    for a in "${numbers[@]}"; do
        for b in "${numbers[@]}"; do
            inputs+=("$a+$b")
        done
    done
    ;;
unary_add | unary_multiply)
    file=arithmetic.nm
    operator=+ largest=7
    if [ "$machine" = unary_multiply ]; then
        operator='*' largest=6
    fi
    for ((a = 0; a <= largest; a++)); do
        for ((b = 0; b <= largest; b++)); do
            inputs+=("$(unary $a)$operator$(unary $b)")
        done
    done
    ;;
binary_palindrome)
    file=palindromes.nm
    mapfile -t inputs < <(all_strings 01 8)
    ;;
balanced_parentheses)
    file=parentheses.nm
    mapfile -t inputs < <(all_strings '()' 8)
    ;;
*)
    echo "stdlib_sweep.sh: unknown machine '$machine'" >&2
    exit 2
    ;;
esac

# One JSON line per run.  The inputs hold only 0 1 + * ( and ), so they need
# no escaping inside a JSON string.
results=$work/results.jsonl
: >"$results"
for input in "${inputs[@]}"; do
    run_nmc run "$stdlib/$file" --machine "$machine" --direct --json --input "$input"
    if [ "$status" -ne 0 ] || [ -z "$out" ]; then
        fail "$machine: input '$input': exit status $status: $err"
        continue
    fi
    printf '{"input": "%s", "run": %s}\n' "$input" "$out" >>"$results"
done

# Prints one line for each run whose result differs from the expected one.
mismatches=$(jq -r --arg machine "$machine" '
    def bin2num: reduce (split("")[] | tonumber) as $digit (0; 2 * . + $digit);
    def num2bin:
        if . == 0 then "0"
        else [recurse(if . > 1 then (. / 2 | floor) else empty end) | . % 2 | tostring]
             | reverse | join("")
        end;
    def lpad($width): if length >= $width then . else ("0" * ($width - length)) + . end;
    def trimmed: until(length == 0 or .[0] != "_"; .[1:])
                 | until(length == 0 or .[-1] != "_"; .[:-1]) | join("");
    def tape($index): .run.tapes[$index].cells | trimmed;
    def from_head($index): .run.tapes[$index] | .cells[.head:]
                           | until(length == 0 or .[-1] != "_"; .[:-1]) | join("");
    def report($expected; $actual; $what):
        if $expected == $actual then empty
        else "\($machine): input \"\(.input)\": expected \($what) \"\($expected)\", got \"\($actual)\""
        end;
    def halts_in($state): report($state; .run.state; "final state"),
                          report("halting state"; .run.reason; "halting reason");
    def under_head: .run.tapes[0] | .cells[.head];
    def blank_up_to_head: .run.tapes[0] | .cells[:.head + 1] | all(. == "_");
    def on_last_symbol: .run.tapes[0]
                        | ([.cells | to_entries[] | select(.value != "_") | .key] | max) == .head;
    def result_tape($expected; $index):
        report($expected; tape($index); "tape \($index + 1)"),
        report($expected; from_head($index); "tape \($index + 1) from the head");

    if $machine == "binary_increment" then
        (.input | length) as $width
        | halts_in("done"),
          result_tape(.input | (if . == "" then 0 else bin2num end) + 1 | num2bin
                      | lpad($width); 0)
    elif $machine == "binary_add" then
        (.input | split("+")) as [$a, $b]
        | ([($a | length), ($b | length)] | max) as $width
        | halts_in("done"),
          report(.input; tape(0); "tape 1"),
          report("+"; .run.tapes[0] | .cells[.head]; "symbol under head 1"),
          result_tape(if $width == 0 then ""
                      else ([$a, $b] | map(if . == "" then 0 else bin2num end) | add
                            | num2bin | lpad($width))
                      end; 1)
    elif $machine == "unary_add" or $machine == "unary_multiply" then
        (.input | split(if $machine == "unary_add" then "+" else "*" end)
         | map(length)) as [$a, $b]
        | halts_in("done"),
          result_tape(if $machine == "unary_add" then $a + $b else $a * $b end
                      | if . == 0 then "" else "1" * . end; 0)
    elif $machine == "binary_palindrome" then
        (if (.input | explode | reverse | implode) == .input then "accept" else "reject" end)
            as $verdict
        | halts_in($verdict),
          if $verdict == "accept" then
              report(""; tape(0); "tape"),
              report("_"; under_head; "symbol under the head")
          else
              report(true; on_last_symbol; "head on the last symbol left")
          end
    elif $machine == "balanced_parentheses" then
        (reduce (.input | explode[]) as $c ({depth: 0, ok: true};
            .depth += (if $c == 40 then 1 else -1 end)
            | if .depth < 0 then .ok = false else . end)
         | if .ok and .depth == 0 then "accept" else "reject" end) as $verdict
        | halts_in($verdict),
          if $verdict == "accept" then
              report(.input | gsub("[()]"; "x"); tape(0); "tape"),
              report(true; blank_up_to_head; "head on the blank cell left of the string")
          else
              report(true; blank_up_to_head or under_head == "("; "head on a ( or left of the string")
          end
    else empty
    end' "$results")
jq_status=$?

expect_equal "$machine: exit status of the jq comparison" 0 "$jq_status"
if [ -n "$mismatches" ]; then
    while IFS= read -r line; do
        fail "$line"
    done <<<"$mismatches"
fi
runs=$(wc -l <"$results")
expect_equal "$machine: runs that printed JSON" "${#inputs[@]}" "$runs"
finish
