"""Edits an nmc checkpoint in place and writes a valid checksum, to make
files that only the value checks can reject:

    edit_checkpoint.py FILE --nan TENSOR     the first entry of TENSOR becomes NaN
    edit_checkpoint.py FILE --seconds TEXT   the seconds metadata becomes TEXT
    edit_checkpoint.py FILE --first PREFIX   prints the first tensor name starting with PREFIX

The checksum is FNV-1a, 64 bits, over each tensor's name, a zero byte and
its bytes, in header order, as compiler/train/checkpoint.c computes it."""
import json
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    return header, bytearray(data[8 + length:])


def checksum(header, body):
    value = 0xCBF29CE484222325
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        for byte in name.encode() + b"\0" + bytes(body[start:end]):
            value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % value


def main():
    path, option = sys.argv[1], sys.argv[2]
    header, body = read(path)
    if option == "--first":
        print(next(name for name in header if name.startswith(sys.argv[3])))
        return
    if option == "--nan":
        entry = header[sys.argv[3]]
        start = entry["data_offsets"][0]
        if entry["dtype"] == "F32":
            body[start:start + 4] = struct.pack("<f", float("nan"))
        else:
            body[start:start + 8] = struct.pack("<d", float("nan"))
    elif option == "--seconds":
        header["__metadata__"]["seconds"] = sys.argv[3]
    else:
        sys.exit("unknown option " + option)
    header["__metadata__"]["checksum"] = checksum(header, body)
    text = json.dumps(header, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(body))


main()
