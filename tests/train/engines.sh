#!/bin/bash
# Training through the JIT in double precision follows the reference
# interpreter: after 100 updates the costs and every parameter agree to
# 1e-9 relative (the JIT sums in another order, vectorised, so the last
# bits may differ; they cannot grow large in so few updates).
set -euo pipefail
nmc=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

sed 's/precision f32;/precision f64;/' "$here/tiny_random.nm" > "$dir/tiny64.nm"
"$nmc" train "$dir/tiny64.nm" --sequences 100 --checkpoint "$dir/jit.st" --json > "$dir/jit.json"
"$nmc" train "$dir/tiny64.nm" --sequences 100 --checkpoint "$dir/interp.st" --json --interp > "$dir/interp.json"
jq -e '.engine == "jit"' "$dir/jit.json" > /dev/null
jq -e '.engine == "interp"' "$dir/interp.json" > /dev/null

python3 - "$dir" <<'PY'
import json, struct, sys
d = sys.argv[1]

def close(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-3)

def tensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        if e["dtype"] != "F64":
            continue
        a, b = e["data_offsets"]
        raw = data[8 + n + a:8 + n + b]
        out[name] = struct.unpack("<%dd" % (len(raw) // 8), raw)
    return out

jit = json.load(open(d + "/jit.json"))
ref = json.load(open(d + "/interp.json"))
bad = [k for k in ("cost_bits", "bit_errors", "train_cost_bits") if not close(jit[k], ref[k])]
a, b = tensors(d + "/jit.st"), tensors(d + "/interp.st")
assert set(a) == set(b), "the checkpoints hold different tensors"
worst = 0.0
for name in a:
    for x, y in zip(a[name], b[name]):
        if not close(x, y):
            bad.append("%s: %r against %r" % (name, x, y))
            break
        worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-3))
if bad:
    print("the JIT and the interpreter differ:\n  " + "\n  ".join(bad))
    sys.exit(1)
print("costs equal to 1e-9; %d tensors, largest relative difference %.3g" % (len(a), worst))
PY
