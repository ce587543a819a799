#!/usr/bin/env python3
"""Runs a network from `nmc build --emit=json --input STR` without nmc.

An outside evaluator: it reads the weights as exact fractions, iterates
x(t+1) = sigma(W x(t) + b) from the initial state in the file, and decodes
the machine's configuration from the stack and state neurons the file
names.  It prints one JSON object with the state, the machine steps and the
tape, for comparison with `nmc run --direct --json`.

usage: eval_json.py NETWORK.json [MAX_MACHINE_STEPS]
"""
import json
import sys
from fractions import Fraction


def sigma(y):
    return Fraction(0) if y < 0 else Fraction(1) if y > 1 else y


def step(neurons, x):
    out = []
    for neuron in neurons:
        total = Fraction(neuron["bias"])
        for source, weight in neuron["weights"]:
            total += Fraction(weight) * x[source]
        out.append(sigma(total))  # the input lines stay at 0 after loading
    return out


def stack_symbols(value, base):
    """Digits of a stack code, top first: value = sum (2 s_i + 1) / base^i."""
    symbols = []
    while value != 0:
        value *= base
        digit = value.numerator // value.denominator
        if digit % 2 == 0:
            raise ValueError("not a stack code")
        symbols.append((digit - 1) // 2)
        value -= digit
    return symbols


def decode(network, x):
    decode_info = network["decode"]
    base = network["encoding"]["base"]
    names = network["encoding"]["symbols"]
    blank = network["encoding"]["blank"]
    states = [s["name"] for s in decode_info["states"] if x[s["neuron"]] == 1]
    tapes = []
    for tape in decode_info["tapes"]:
        left = stack_symbols(sum(x[i] for i in tape["left_stack"]), base)
        right = stack_symbols(sum(x[i] for i in tape["right_stack"]), base) or [blank]
        cells = list(reversed(left)) + right
        head = len(left)
        first, last = 0, len(cells) - 1
        while first < head and cells[first] == blank:
            first += 1
        while last > head and cells[last] == blank:
            last -= 1
        tapes.append({"cells": [names[c] for c in cells[first:last + 1]], "head": head - first})
    return states, tapes


def main():
    network = json.load(open(sys.argv[1]))
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    neurons = network["neurons"]
    x = [Fraction(v) for v in network["initial_state"]]
    period = network["steps_per_machine_step"]
    fired = network["decode"]["fired"]
    fired_offset = network["decode"]["fired_offset"]
    steps = 0
    while steps < limit:
        moved = None
        for offset in range(1, period + 1):
            x = step(neurons, x)
            if offset == fired_offset:
                moved = x[fired]
        if moved == 0:
            break
        steps += 1
    states, tapes = decode(network, x)
    print(json.dumps({"state": states[0] if len(states) == 1 else None, "steps": steps,
                      "tapes": tapes}))


if __name__ == "__main__":
    main()
