"""Compares two safetensors checkpoints: the same tensors with the same
bytes and the same metadata, apart from the keys named with --ignore.
Reads the format directly (an 8-byte little-endian header length, a JSON
header, then the data), so it also checks that other tools can read it."""
import json
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        tensors[name] = (entry["dtype"], tuple(entry["shape"]), body[start:end])
    return tensors, metadata


def main():
    args = sys.argv[1:]
    ignore = set()
    while args and args[0] == "--ignore":
        ignore.add(args[1])
        args = args[2:]
    a, b = args
    ta, ma = read(a)
    tb, mb = read(b)
    problems = []
    if set(ta) != set(tb):
        problems.append("tensor names differ: %s" % sorted(set(ta) ^ set(tb)))
    for name in sorted(set(ta) & set(tb)):
        if ta[name] != tb[name]:
            problems.append("tensor %s differs" % name)
    for key in sorted(set(ma) | set(mb)):
        if key not in ignore and ma.get(key) != mb.get(key):
            problems.append("metadata %s differs: %r against %r" % (key, ma.get(key), mb.get(key)))
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print("%d tensors and %d metadata entries equal" % (len(ta), len(ma)))


main()
