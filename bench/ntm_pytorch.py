"""The PyTorch peer of nmc's Neural Turing Machine, for benchmarks and gradient checks.

The model replicates the cell that nm_ntm_build (compiler/tensor/ntm.c and
build.c) builds: the same parameters with the same names, shapes and order,
and the same operations in the same order, so that both do the same
floating-point work.  Only the LSTM controller is implemented (nmc's
default); the feed-forward controller and learned or random initial states
are not.

One step, for a batch of B sequences:
  controller input  cat(x, r_1..r_R)                  [B, I + R*W]
  LSTM layer        gates = (in @ W_in + b_in) + h @ W_rec, gate order
                    input, forget, candidate, output;
                    c' = f*c + i*g, h' = o*tanh(c')
  heads             proj = h' @ W_heads + b_heads, sliced read heads first,
                    each head: key (W) tanh, beta (1) softplus, gate (1)
                    sigmoid, shift (2S+1) softmax, gamma (1) 1+softplus, and
                    for write heads erase (W) sigmoid, add (W) tanh
  addressing        K_i = k.M_i / (sqrt(|k|^2 + 1e-30) sqrt(|M_i|^2 + 1e-30)
                    + 1e-8); w_c = softmax(beta K); w_g = g w_c + (1-g) w_prev;
                    w_s = sum_k roll(w_g, k) s[k+S]; w = (w_s + 1e-20)^gamma /
                    (sum(...) + 1e-20)
  read              r = sum_i w(i) M(i), from the previous memory
  write             M' = M * prod_h (1 - w_h e_h^T), then + sum_h w_h a_h^T
  output            logits = cat(h', r_1..r_R) @ W_out + b_out
Initial state: memory 1e-6, read vectors, weightings, h and c 0.

The task is copy at length L (default 20): 2L+1 steps, L random 8-bit
vectors, a delimiter on a 9th input channel, then L steps of zero input
whose targets are the L vectors.  The loss is
binary_cross_entropy_with_logits summed over the output steps, the batch
and the bits.

Run with Debian's interpreter, which has torch (CPU only):

  /usr/bin/python3 bench/ntm_pytorch.py [--batch 1,8,32] [--repeats 20]
      [--threads 1,2] [--torchscript]
    Prints the parameter count, the work per step, then one row per batch
    and thread count: the median wall-clock seconds of a forward+backward
    pass over one batch of sequences (after warm-up), their min, the median
    CPU seconds of the process (all threads; less disturbed than wall time
    by other load with one thread), and sequences per second from the
    median.  --threads defaults to torch's default and 1.  --torchscript
    adds rows where the step is traced with torch.jit.trace.

  /usr/bin/python3 bench/ntm_pytorch.py --dump-grads FILE.json --seed S
      [--batch 1] [--params-from FILE.json]
    Runs one forward+backward pass in float64 and writes to FILE.json the
    model, the parameters, the input sequence, the loss and every parameter
    gradient.  Without --params-from, the parameters and the data come from
    splitmix64 (below).  With it, the script uses the "params" of that file,
    and its "inputs", "targets" and "mask" when present.  A file that this
    mode wrote can be fed back, and so can one with nmc's values in the
    same layout.

  /usr/bin/python3 bench/ntm_pytorch.py --count-ops [--batch 1]
    Prints the work per step from the formula and as counted from the
    operations PyTorch runs, by operation, and checks that they agree.

Deterministic values (--dump-grads without --params-from): splitmix64
(state += 0x9E3779B97F4A7C15; z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
z = (z ^ z>>27) * 0x94D049BB133111EB; z ^= z>>31), uniform u = (z >> 11) / 2^53.
Parameters: one generator seeded with S, every parameter leaf in nmc's
order, each element in row-major order of nmc's shape, value
(2u - 1) * scale (--scale, default 0.1).  Data: a second generator seeded with S + 1, bit (step t,
sequence b, channel j) = 1 if u < 0.5, drawn t-major, then b, then j.
The parameters are those of nmc's nm_sequence_model_randomize(model, S,
scale) (compiler/tensor/sequence.c) for a model with constant initial
states.  The data scheme is this script's own, so nmc has to read the
"inputs", "targets" and "mask" of the JSON.

JSON layout: {"spec": {...}, "dtype", "seed", "scale", "loss",
"params": [{"name", "shape", "values"}...] in leaf order with values
flattened row-major, "grads": the same for the gradients, "inputs": [T][B][I],
"targets": [T][B][O] (zeros where the mask is 0), "mask": [T] of 0/1}.
Floats are written with Python's repr, which round-trips float64 exactly.

Work per step (forward only): matmul multiply-adds (MACs); elementwise
arithmetic (add, sub, mul, div), one per output element; transcendental
functions (exp, sqrt, pow, sigmoid, tanh, softplus), one per output element;
sum reductions, n - 1 additions per output of n inputs; softmax elements.
Flops = 2 MACs + arithmetic + transcendentals + reduction adds
+ 5 per softmax element (max, subtract, exp, sum, divide).  Copies (cat,
roll, slices, views) are not counted.  nmc's graph builder does no common
subexpression elimination, so the memory's squared row norms are computed
once per head, and this model does the same.

NOTE: F.softplus returns x itself for x > 20, where nmc computes
log1p(exp(x)) at every x.  The two differ by less than 2.1e-9 there.
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

NORM_FLOOR = 1e-30     # under the square roots of the cosine's norms (build.c)
WEIGHT_FLOOR = 1e-20   # before sharpening and in its normaliser (ntm.c)
MASK64 = (1 << 64) - 1


@dataclass
class Spec:
    """nm_ntm_spec with nmc's defaults (nm_ntm_defaults), LSTM controller only."""
    inputs: int = 9
    outputs: int = 8
    sizes: list = field(default_factory=lambda: [100])   # units per LSTM layer
    rows: int = 128
    width: int = 20
    read_heads: int = 1
    write_heads: int = 1
    shift_range: int = 1
    epsilon: float = 1e-8
    memory_init: float = 1e-6

    def head_size(self, write):
        size = self.width + 1 + 1 + (2 * self.shift_range + 1) + 1
        return size + 2 * self.width if write else size


class NTM(torch.nn.Module):
    """nmc's NTM cell; parameters are registered in nmc's leaf order."""

    def __init__(self, spec, dtype=torch.float32):
        super().__init__()
        self.spec = spec
        self.leaf_names = []
        self.leaves = []
        self.by_name = {}
        controller_in = spec.inputs + spec.read_heads * spec.width
        for layer, size in enumerate(spec.sizes):
            prefix = f"controller.lstm{layer}"
            self._leaf(f"{prefix}.input.weight", (controller_in, 4 * size), dtype)
            self._leaf(f"{prefix}.input.bias", (4 * size,), dtype)
            self._leaf(f"{prefix}.recurrent.weight", (size, 4 * size), dtype)
            controller_in = size
        projection = (spec.read_heads * spec.head_size(False)
                      + spec.write_heads * spec.head_size(True))
        self._leaf("heads.weight", (controller_in, projection), dtype)
        self._leaf("heads.bias", (projection,), dtype)
        self._leaf("output.weight", (controller_in + spec.read_heads * spec.width, spec.outputs), dtype)
        self._leaf("output.bias", (spec.outputs,), dtype)

    def _leaf(self, name, shape, dtype):
        parameter = torch.nn.Parameter(torch.zeros(shape, dtype=dtype))
        self.register_parameter(name.replace(".", "_"), parameter)
        self.leaf_names.append(name)
        self.leaves.append(parameter)
        self.by_name[name] = parameter

    def param(self, name):
        return self.by_name[name]

    def initial_state(self, batch):
        """Returns nmc's constant initial states: (memory, reads, weightings, lstm),
        in the order of nmc's state leaves."""
        spec = self.spec
        dtype = self.leaves[0].dtype
        memory = torch.full((batch, spec.rows, spec.width), spec.memory_init, dtype=dtype)
        reads = tuple(torch.zeros(batch, spec.width, dtype=dtype) for _ in range(spec.read_heads))
        heads = spec.read_heads + spec.write_heads
        weightings = tuple(torch.zeros(batch, spec.rows, dtype=dtype) for _ in range(heads))
        lstm = tuple((torch.zeros(batch, size, dtype=dtype), torch.zeros(batch, size, dtype=dtype))
                     for size in spec.sizes)
        return memory, reads, weightings, lstm

    def step(self, x, state):
        """Runs one time step: (x [B, I], state) -> (logits [B, O], next state)."""
        spec = self.spec
        memory, reads, weightings, lstm = state

        hidden = torch.cat((x,) + tuple(reads), 1)
        next_lstm = []
        for layer, (h, c) in enumerate(lstm):
            prefix = f"controller.lstm{layer}"
            size = h.shape[1]
            from_input = hidden @ self.param(f"{prefix}.input.weight") + self.param(f"{prefix}.input.bias")
            gates = from_input + h @ self.param(f"{prefix}.recurrent.weight")
            i = torch.sigmoid(gates[:, 0:size])
            f = torch.sigmoid(gates[:, size:2 * size])
            g = torch.tanh(gates[:, 2 * size:3 * size])
            o = torch.sigmoid(gates[:, 3 * size:4 * size])
            c = f * c + i * g
            h = o * torch.tanh(c)
            next_lstm.append((h, c))
            hidden = h

        projection = hidden @ self.param("heads.weight") + self.param("heads.bias")
        heads = []
        offset = 0
        for index in range(spec.read_heads + spec.write_heads):
            head, offset = self._head_params(projection, offset, index >= spec.read_heads)
            head["weighting"] = self._address(head, memory, weightings[index])
            heads.append(head)

        next_reads = tuple(self._read(heads[r]["weighting"], memory) for r in range(spec.read_heads))
        next_memory = memory
        writes = heads[spec.read_heads:]
        for head in writes:
            next_memory = next_memory * (1 - self._outer(head["weighting"], head["erase"]))
        for head in writes:
            next_memory = next_memory + self._outer(head["weighting"], head["add"])

        logits = torch.cat((hidden,) + next_reads, 1) @ self.param("output.weight") + self.param("output.bias")
        next_weightings = tuple(head["weighting"] for head in heads)
        return logits, (next_memory, next_reads, next_weightings, tuple(next_lstm))

    def _head_params(self, projection, offset, write):
        spec = self.spec
        layout = [("key", spec.width, torch.tanh),
                  ("beta", 1, F.softplus),
                  ("gate", 1, torch.sigmoid),
                  ("shift", 2 * spec.shift_range + 1, lambda v: torch.softmax(v, 1)),
                  ("gamma", 1, lambda v: F.softplus(v) + 1)]
        if write:
            layout += [("erase", spec.width, torch.sigmoid), ("add", spec.width, torch.tanh)]
        head = {}
        for name, size, activation in layout:
            head[name] = activation(projection[:, offset:offset + size])
            offset += size
        return head, offset

    def _cosine(self, key, memory):
        dot = (memory * key.unsqueeze(1)).sum(2)                                   # [B, N]
        key_norm = torch.sqrt((key * key).sum(1, keepdim=True) + NORM_FLOOR)      # [B, 1]
        row_norms = torch.sqrt((memory * memory).sum(2) + NORM_FLOOR)             # [B, N]
        return dot / (row_norms * key_norm + self.spec.epsilon)

    def _address(self, head, memory, previous):
        spec = self.spec
        similarity = self._cosine(head["key"], memory)
        content = torch.softmax(similarity * head["beta"], 1)
        gate = head["gate"]
        gated = gate * content + (1 - gate) * previous
        shifted = None
        for k in range(-spec.shift_range, spec.shift_range + 1):
            share = head["shift"][:, k + spec.shift_range:k + spec.shift_range + 1]
            term = torch.roll(gated, k, 1) * share          # w_s(i) gets w_g(i - k) s(k)
            shifted = term if shifted is None else shifted + term
        powered = (shifted + WEIGHT_FLOOR) ** head["gamma"]
        return powered / (powered.sum(1, keepdim=True) + WEIGHT_FLOOR)

    @staticmethod
    def _read(weighting, memory):
        return (memory * weighting.unsqueeze(2)).sum(1)

    @staticmethod
    def _outer(a, b):
        return a.unsqueeze(2) * b.unsqueeze(1)

    def parameter_count(self):
        return sum(p.numel() for p in self.leaves)


def sequence_loss(model, inputs, targets, mask, step=None):
    """Runs the model over inputs [T, B, I]; returns the BCE-with-logits
    loss against targets [T, B, O] summed over the steps where mask is set."""
    step = step or model.step
    state = model.initial_state(inputs.shape[1])
    outputs, output_targets = [], []
    for t in range(inputs.shape[0]):
        logits, state = step(inputs[t], state)
        if mask[t]:
            outputs.append(logits)
            output_targets.append(targets[t])
    return F.binary_cross_entropy_with_logits(torch.stack(outputs), torch.stack(output_targets),
                                              reduction="sum")


def forward_backward(model, inputs, targets, mask, step=None):
    """Runs one training pass without the update: forward, loss, loss.backward()."""
    loss = sequence_loss(model, inputs, targets, mask, step)
    loss.backward()
    return loss


def copy_task(bits, spec):
    """Builds the copy task from bits [L, B, O]: inputs [2L+1, B, I],
    targets [2L+1, B, O] and mask [2L+1]."""
    length, batch, width = bits.shape
    steps = 2 * length + 1
    inputs = torch.zeros(steps, batch, spec.inputs, dtype=bits.dtype)
    targets = torch.zeros(steps, batch, spec.outputs, dtype=bits.dtype)
    inputs[:length, :, :width] = bits
    inputs[length, :, width] = 1
    targets[length + 1:] = bits
    mask = [0] * (length + 1) + [1] * length
    return inputs, targets, mask


class SplitMix64:
    """The splitmix64 generator, with uniform draws in [0, 1) from its top 53 bits."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * (1.0 / (1 << 53))


# ---- work per step ----

def step_work(spec, batch):
    """Counts the forward work of one step from the shapes, by category."""
    B, N, W = batch, spec.rows, spec.width
    S = 2 * spec.shift_range + 1
    work = {"macs": 0, "arith": 0, "transcendental": 0, "reduction_adds": 0, "softmax_elements": 0}

    def linear(n_in, n_out, bias=True):
        work["macs"] += B * n_in * n_out
        if bias:
            work["arith"] += B * n_out

    def head_activations(write):
        work["transcendental"] += B * (W + 1 + 1 + 1)      # key tanh, beta, gate, gamma softplus
        work["arith"] += B                                 # 1 + softplus
        work["softmax_elements"] += B * S
        if write:
            work["transcendental"] += 2 * B * W            # erase sigmoid, add tanh

    n_in = spec.inputs + spec.read_heads * W
    for size in spec.sizes:
        linear(n_in, 4 * size)                             # input weights and bias
        linear(size, 4 * size, bias=False)                 # recurrent weights
        work["arith"] += B * 4 * size                      # gates = from_input + recurrent
        work["transcendental"] += B * 5 * size             # 3 sigmoid, 2 tanh
        work["arith"] += B * 4 * size                      # f*c, i*g, +, o*tanh
        n_in = size
    projection = spec.read_heads * spec.head_size(False) + spec.write_heads * spec.head_size(True)
    linear(n_in, projection)
    for index in range(spec.read_heads + spec.write_heads):
        head_activations(index >= spec.read_heads)
        # cosine similarity
        work["arith"] += B * N * W                         # memory * key
        work["reduction_adds"] += B * N * (W - 1)
        work["arith"] += B * W + B                         # key * key, + floor
        work["reduction_adds"] += B * (W - 1)
        work["transcendental"] += B                        # sqrt
        work["arith"] += B * N * W + B * N                 # memory * memory, + floor
        work["reduction_adds"] += B * N * (W - 1)
        work["transcendental"] += B * N                    # sqrt
        work["arith"] += 3 * B * N                         # norms product, + eps, dot / denominator
        # content, interpolation, shift, sharpening
        work["arith"] += B * N                             # * beta
        work["softmax_elements"] += B * N
        work["arith"] += B + 3 * B * N                     # 1 - g, g*wc, (1-g)*wp, +
        work["arith"] += S * B * N + (S - 1) * B * N       # shift products and their sum
        work["arith"] += B * N                             # + floor
        work["transcendental"] += B * N                    # pow
        work["reduction_adds"] += B * (N - 1)
        work["arith"] += B + B * N                         # + floor, divide
    for _ in range(spec.read_heads):
        work["arith"] += B * N * W                         # memory * weighting
        work["reduction_adds"] += B * (N - 1) * W
    for _ in range(spec.write_heads):
        work["arith"] += 3 * B * N * W                     # outer, 1 - outer, memory *
        work["arith"] += 2 * B * N * W                     # outer, memory +
    linear(n_in + spec.read_heads * W, spec.outputs)
    return work


def total_flops(work):
    return (2 * work["macs"] + work["arith"] + work["transcendental"]
            + work["reduction_adds"] + 5 * work["softmax_elements"])


ARITH_OPS = {"add", "sub", "mul", "div", "rsub"}
TRANSCENDENTAL_OPS = {"exp", "log", "sqrt", "sigmoid", "tanh", "softplus", "pow"}
COPY_OPS = {"cat", "roll", "slice", "unsqueeze", "view", "_unsafe_view", "expand", "t",
            "select", "detach", "alias", "clone", "copy_", "zeros", "full", "empty", "stack"}


def count_ops(model, batch):
    """Runs one step under a dispatch mode; returns (work, per-op tally,
    number of operations dispatched)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    work = {"macs": 0, "arith": 0, "transcendental": 0, "reduction_adds": 0, "softmax_elements": 0}
    tally = {}
    calls = [0]

    class Counter(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            calls[0] += 1
            name = func.__name__.split(".")[0]
            if name == "mm":
                amount = args[0].shape[0] * args[0].shape[1] * args[1].shape[1]
                work["macs"] += amount
            elif name in ARITH_OPS:
                amount = out.numel()
                work["arith"] += amount
            elif name in TRANSCENDENTAL_OPS:
                amount = out.numel()
                work["transcendental"] += amount
            elif name == "sum":
                amount = args[0].numel() - out.numel()
                work["reduction_adds"] += amount
            elif name == "_softmax":
                amount = out.numel()
                work["softmax_elements"] += amount
            elif name in COPY_OPS:
                amount = 0
            else:
                raise RuntimeError(f"count_ops: no flop rule for {func}; "
                                   "add it to ARITH_OPS, TRANSCENDENTAL_OPS or COPY_OPS")
            tally[name] = tally.get(name, 0) + amount
            return out

    state = model.initial_state(batch)
    x = torch.zeros(batch, model.spec.inputs, dtype=model.leaves[0].dtype)
    with torch.no_grad(), Counter():
        model.step(x, state)
    return work, tally, calls[0]


def print_model(model, batch):
    spec = model.spec
    print(f"model: LSTM{spec.sizes}, memory {spec.rows}x{spec.width}, {spec.read_heads} read + "
          f"{spec.write_heads} write heads, shifts -{spec.shift_range}..{spec.shift_range}, "
          f"inputs {spec.inputs}, outputs {spec.outputs}")
    print(f"parameters: {model.parameter_count()}")
    for name, leaf in zip(model.leaf_names, model.leaves):
        print(f"  {name} {list(leaf.shape)}")
    work = step_work(spec, batch)
    print(f"forward work per step at batch {batch}: {total_flops(work)} flops "
          f"({total_flops(step_work(spec, 1))} per sequence); " + ", ".join(f"{k} {v}" for k, v in work.items()))


# ---- modes ----

def benchmark(args, spec):
    default_threads = torch.get_num_threads()
    threads = ([int(t) for t in args.threads.split(",")] if args.threads
               else sorted({default_threads, 1}))
    batches = [int(b) for b in args.batch.split(",")]
    print(f"torch {torch.__version__}, default threads {default_threads}, "
          f"float32, copy length {args.length} ({2 * args.length + 1} steps), "
          f"{args.warmup} warm-up passes, median of {args.repeats}")
    print(f"{'variant':<12} {'batch':>5} {'threads':>7} {'median s':>10} {'min s':>10} {'cpu s':>10} "
          f"{'seq/s':>9}")
    generator = torch.Generator().manual_seed(args.seed)
    for batch in batches:
        model = NTM(spec, torch.float32)
        with torch.no_grad():
            for leaf in model.leaves:
                leaf.uniform_(-0.1, 0.1, generator=generator)
        bits = torch.randint(0, 2, (args.length, batch, spec.outputs), generator=generator).float()
        inputs, targets, mask = copy_task(bits, spec)
        variants = [("eager", None)]
        if args.torchscript:
            variants.append(("torchscript", traced_step(model, batch)))
        for variant, step in variants:
            for count in threads:
                torch.set_num_threads(count)
                times, cpu_times = [], []
                for run in range(args.warmup + args.repeats):
                    model.zero_grad(set_to_none=True)
                    start, cpu_start = time.perf_counter(), time.process_time()
                    forward_backward(model, inputs, targets, mask, step)
                    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
                    if run >= args.warmup:
                        times.append(elapsed)
                        cpu_times.append(cpu)
                median = statistics.median(times)
                print(f"{variant:<12} {batch:>5} {count:>7} {median:>10.5f} {min(times):>10.5f} "
                      f"{statistics.median(cpu_times):>10.5f} {batch / median:>9.1f}", flush=True)
    torch.set_num_threads(default_threads)


def traced_step(model, batch):
    """Returns model.step traced by torch.jit.trace over flat tensors, for BATCH."""
    spec = model.spec
    reads = spec.read_heads
    heads = spec.read_heads + spec.write_heads

    class Flat(torch.nn.Module):
        def __init__(self, ntm):
            super().__init__()
            self.ntm = ntm

        def forward(self, x, memory, *rest):
            state = (memory, tuple(rest[:reads]), tuple(rest[reads:reads + heads]),
                     tuple((rest[i], rest[i + 1]) for i in range(reads + heads, len(rest), 2)))
            logits, (m, r, w, lstm) = self.ntm.step(x, state)
            return (logits, m) + r + w + tuple(t for pair in lstm for t in pair)

    def flatten(state):
        memory, r, w, lstm = state
        return (memory,) + r + w + tuple(t for pair in lstm for t in pair)

    example = (torch.zeros(batch, spec.inputs),) + flatten(model.initial_state(batch))
    traced = torch.jit.trace(Flat(model), example, check_trace=False)

    def step(x, state):
        out = traced(x, *flatten(state))
        rest = out[2:]
        return out[0], (out[1], tuple(rest[:reads]), tuple(rest[reads:reads + heads]),
                        tuple((rest[i], rest[i + 1]) for i in range(reads + heads, len(rest), 2)))
    return step


def leaf_json(names, tensors):
    return [{"name": name, "shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}
            for name, t in zip(names, tensors)]


def dump_grads(args, spec):
    model = NTM(spec, torch.float64)
    batch = int(args.batch)
    source = None
    if args.params_from:
        try:
            with open(args.params_from) as f:
                source = json.load(f)
        except (OSError, ValueError) as err:
            sys.exit(f"--params-from {args.params_from}: failed to read the JSON: {err}")
    with torch.no_grad():
        if source:
            by_name = {entry["name"]: entry for entry in source["params"]}
            for name, leaf in zip(model.leaf_names, model.leaves):
                if name not in by_name:
                    sys.exit(f"{args.params_from}: parameter {name} is missing from \"params\"")
                entry = by_name[name]
                if list(entry["shape"]) != list(leaf.shape):
                    sys.exit(f"{args.params_from}: parameter {name} has shape {entry['shape']}, "
                             f"expected {list(leaf.shape)}")
                leaf.copy_(torch.tensor(entry["values"], dtype=torch.float64).reshape(leaf.shape))
        else:
            generator = SplitMix64(args.seed)
            for leaf in model.leaves:
                values = [(2 * generator.uniform() - 1) * args.scale for _ in range(leaf.numel())]
                leaf.copy_(torch.tensor(values, dtype=torch.float64).reshape(leaf.shape))
    if source and "inputs" in source:
        inputs = torch.tensor(source["inputs"], dtype=torch.float64)
        targets = torch.tensor(source["targets"], dtype=torch.float64)
        mask = [int(m) for m in source["mask"]]
        batch = inputs.shape[1]
    else:
        generator = SplitMix64(args.seed + 1)
        bits = [[[1.0 if generator.uniform() < 0.5 else 0.0 for _ in range(spec.outputs)]
                 for _ in range(batch)] for _ in range(args.length)]
        inputs, targets, mask = copy_task(torch.tensor(bits, dtype=torch.float64), spec)
    print_model(model, batch)
    loss = forward_backward(model, inputs, targets, mask)
    result = {
        "spec": asdict(spec),
        "dtype": "float64",
        "seed": args.seed,
        "scale": args.scale,
        "params_from": args.params_from,
        "loss": loss.item(),
        "params": leaf_json(model.leaf_names, model.leaves),
        "grads": leaf_json(model.leaf_names, [leaf.grad for leaf in model.leaves]),
        "inputs": inputs.tolist(),
        "targets": targets.tolist(),
        "mask": mask,
    }
    with open(args.dump_grads, "w") as f:
        json.dump(result, f)
    print(f"loss {loss.item()!r}; wrote {args.dump_grads}")


def show_count(args, spec):
    batch = int(args.batch.split(",")[0])
    model = NTM(spec, torch.float32)
    print_model(model, batch)
    counted, tally, calls = count_ops(model, batch)
    print(f"operations dispatched in one forward step: {calls}")
    print("counted from the operations run: " + ", ".join(f"{k} {v}" for k, v in counted.items()))
    print("by operation: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items()) if v))
    formula = step_work(spec, batch)
    if counted != formula:
        sys.exit(f"count_ops: the formula {formula} and the count {counted} differ")
    print(f"the formula and the count agree: {total_flops(formula)} flops per step")


class GravesRMSProp:
    """RMSProp in the form of A. Graves, "Generating Sequences With Recurrent
    Neural Networks" (2013), as nmc's runtime/optim.c applies it, with
    elementwise clipping of the gradients first."""

    def __init__(self, params, lr=1e-4, momentum=0.9, decay=0.95, epsilon=1e-4, clip=10.0):
        self.params = list(params)
        self.lr, self.momentum, self.decay, self.epsilon, self.clip = lr, momentum, decay, epsilon, clip
        self.n = [torch.zeros_like(p, dtype=torch.float64) for p in self.params]
        self.m = [torch.zeros_like(p, dtype=torch.float64) for p in self.params]
        self.d = [torch.zeros_like(p, dtype=torch.float64) for p in self.params]

    @torch.no_grad()
    def step(self):
        for p, n, m, d in zip(self.params, self.n, self.m, self.d):
            g = p.grad.to(torch.float64).clamp_(-self.clip, self.clip)
            n.mul_(self.decay).add_((1 - self.decay) * g * g)
            m.mul_(self.decay).add_((1 - self.decay) * g)
            d.mul_(self.momentum).sub_(self.lr * g / torch.sqrt(n - m * m + self.epsilon))
            p.add_(d.to(p.dtype))


def train(args, spec):
    """Trains on copy at lengths 1..20 for --train sequences, batch --batch,
    and prints the training throughput, as nmc train reports it."""
    batch = int(args.batch.split(",")[0])
    torch.set_num_threads(int(args.threads.split(",")[0]) if args.threads else torch.get_num_threads())
    generator = torch.Generator().manual_seed(args.seed)
    model = NTM(spec, torch.float32)
    with torch.no_grad():
        for leaf in model.leaves:
            leaf.uniform_(-args.scale, args.scale, generator=generator)
    optimizer = GravesRMSProp(model.leaves)
    step = traced_step(model, batch) if args.torchscript else None
    costs = []
    done = 0
    start = time.perf_counter()
    while done < args.train:
        length = int(torch.randint(1, 21, (1,), generator=generator))
        bits = torch.randint(0, 2, (length, batch, spec.outputs), generator=generator).float()
        inputs, targets, mask = copy_task(bits, spec)
        model.zero_grad(set_to_none=False)
        for leaf in model.leaves:
            if leaf.grad is None:
                leaf.grad = torch.zeros_like(leaf)
        loss = forward_backward(model, inputs, targets, mask, step)
        for leaf in model.leaves:
            leaf.grad.div_(batch)
        optimizer.step()
        costs.append(float(loss) / batch / 0.6931471805599453)
        done += batch
    seconds = time.perf_counter() - start
    recent = costs[-100:]
    print(json.dumps({"engine": "torchscript" if args.torchscript else "eager", "batch": batch,
                      "threads": torch.get_num_threads(), "sequences": done, "seconds": seconds,
                      "sequences_per_second": done / seconds,
                      "train_cost_bits": sum(recent) / len(recent), "parameters": model.parameter_count()}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", default=None, help="batch sizes, comma-separated (benchmark: 1,8,32; else 1)")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", default=None, help="thread counts, comma-separated")
    parser.add_argument("--torchscript", action="store_true", help="also time the step traced by torch.jit.trace")
    parser.add_argument("--length", type=int, default=20, help="copy length L (2L+1 steps)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=0.1, help="parameters uniform in [-scale, scale]")
    parser.add_argument("--dump-grads", metavar="FILE.json")
    parser.add_argument("--params-from", metavar="FILE.json")
    parser.add_argument("--count-ops", action="store_true")
    parser.add_argument("--train", type=int, metavar="N", help="train on copy for N sequences; print the throughput")
    args = parser.parse_args()
    spec = Spec()
    if args.dump_grads:
        args.batch = args.batch or "1"
        dump_grads(args, spec)
    elif args.train:
        args.batch = args.batch or "1"
        train(args, spec)
    elif args.count_ops:
        args.batch = args.batch or "1"
        show_count(args, spec)
    else:
        args.batch = args.batch or "1,8,32"
        print_model(NTM(spec), 1)
        benchmark(args, spec)


if __name__ == "__main__":
    main()
