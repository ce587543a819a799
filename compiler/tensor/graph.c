/* Tensor graphs: nodes, shape inference and printing; see graph.h. */
#include "graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const nm_op_names[NM_OP_COUNT] = {
    [NM_OP_INPUT] = "input",     [NM_OP_STATE] = "state",       [NM_OP_PARAM] = "param",
    [NM_OP_CONST] = "const",     [NM_OP_SAVED] = "saved",       [NM_OP_SEED] = "seed",
    [NM_OP_ADD] = "add",         [NM_OP_SUB] = "sub",           [NM_OP_MUL] = "mul",
    [NM_OP_DIV] = "div",         [NM_OP_POW] = "pow",           [NM_OP_NEG] = "neg",
    [NM_OP_EXP] = "exp",         [NM_OP_LOG] = "log",           [NM_OP_SQRT] = "sqrt",
    [NM_OP_SIGMOID] = "sigmoid", [NM_OP_TANH] = "tanh",         [NM_OP_SOFTPLUS] = "softplus",
    [NM_OP_MATMUL] = "matmul",   [NM_OP_SUM] = "sum",           [NM_OP_SUM_TO] = "sum_to",
    [NM_OP_SOFTMAX] = "softmax", [NM_OP_ROLL] = "roll",         [NM_OP_SLICE] = "slice",
    [NM_OP_PAD] = "pad",         [NM_OP_CONCAT] = "concat",     [NM_OP_RESHAPE] = "reshape",
};

const char *nm_op_name(nm_op op)
{
    return op >= 0 && op < NM_OP_COUNT && nm_op_names[op] ? nm_op_names[op] : "unknown";
}

bool nm_op_is_elementwise(nm_op op)
{
    return op >= NM_OP_ADD && op <= NM_OP_SOFTPLUS;
}

static void nm_graph_fail(const char *format, ...) __attribute__((format(printf, 1, 2), noreturn));

static void nm_graph_fail(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "nmc: internal error in a tensor graph: ");
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
    abort();
}

nm_graph *nm_graph_new(int batch)
{
    nm_graph *graph = nm_xcalloc(1, sizeof *graph);
    nm_arena_init(&graph->arena);
    graph->batch = batch;
    return graph;
}

void nm_graph_free(nm_graph *graph)
{
    if (!graph)
        return;
    free(graph->nodes);
    nm_arena_free(&graph->arena);
    free(graph);
}

nm_shape nm_shape_make(int rank, const int *dims)
{
    nm_shape shape;
    memset(&shape, 0, sizeof shape);
    if (rank < 0 || rank > NM_MAX_RANK)
        nm_graph_fail("rank %d is beyond %d", rank, NM_MAX_RANK);
    shape.rank = rank;
    for (int i = 0; i < rank; i++)
        shape.dims[i] = dims[i];
    return shape;
}

nm_shape nm_shape1(int a)
{
    return nm_shape_make(1, (int[]){a});
}

nm_shape nm_shape2(int a, int b)
{
    return nm_shape_make(2, (int[]){a, b});
}

nm_shape nm_shape3(int a, int b, int c)
{
    return nm_shape_make(3, (int[]){a, b, c});
}

size_t nm_shape_size(nm_shape shape)
{
    size_t size = 1;
    for (int i = 0; i < shape.rank; i++)
        size *= (size_t)shape.dims[i];
    return size;
}

bool nm_shape_equal(nm_shape a, nm_shape b)
{
    if (a.rank != b.rank)
        return false;
    for (int i = 0; i < a.rank; i++)
        if (a.dims[i] != b.dims[i])
            return false;
    return true;
}

bool nm_shape_broadcast(nm_shape a, nm_shape b, nm_shape *out)
{
    int rank = a.rank > b.rank ? a.rank : b.rank;
    nm_shape result;
    memset(&result, 0, sizeof result);
    result.rank = rank;
    for (int i = 0; i < rank; i++) {
        int da = i < rank - a.rank ? 1 : a.dims[i - (rank - a.rank)];
        int db = i < rank - b.rank ? 1 : b.dims[i - (rank - b.rank)];
        if (da != db && da != 1 && db != 1)
            return false;
        result.dims[i] = da == 1 ? db : da;
    }
    *out = result;
    return true;
}

void nm_shape_print(nm_shape shape, nm_buf *out)
{
    nm_buf_putc(out, '[');
    for (int i = 0; i < shape.rank; i++)
        nm_buf_printf(out, "%s%d", i ? ", " : "", shape.dims[i]);
    nm_buf_putc(out, ']');
}

static int nm_graph_add(nm_graph *graph, nm_op op, nm_shape shape)
{
    if (graph->count == graph->capacity) {
        graph->capacity = graph->capacity ? 2 * graph->capacity : 64;
        graph->nodes = nm_xrealloc(graph->nodes, (size_t)graph->capacity * sizeof *graph->nodes);
    }
    nm_node *node = &graph->nodes[graph->count];
    memset(node, 0, sizeof *node);
    node->op = op;
    node->shape = shape;
    node->inputs[0] = node->inputs[1] = -1;
    node->state_of = -1;
    node->ref = -1;
    node->leaf_index = -1;
    node->result_index = -1;
    return graph->count++;
}

static const nm_node *nm_graph_node(const nm_graph *graph, int index)
{
    if (index < 0 || index >= graph->count)
        nm_graph_fail("node %d does not exist", index);
    return &graph->nodes[index];
}

static int nm_graph_leaf(nm_graph *graph, nm_op op, const char *name, nm_shape shape, int *counter)
{
    int index = nm_graph_add(graph, op, shape);
    graph->nodes[index].name = name ? nm_arena_strdup(&graph->arena, name) : NULL;
    graph->nodes[index].leaf_index = (*counter)++;
    return index;
}

int nm_graph_input(nm_graph *graph, const char *name, nm_shape shape)
{
    return nm_graph_leaf(graph, NM_OP_INPUT, name, shape, &graph->input_count);
}

int nm_graph_state(nm_graph *graph, const char *name, nm_shape shape)
{
    return nm_graph_leaf(graph, NM_OP_STATE, name, shape, &graph->state_count);
}

int nm_graph_param(nm_graph *graph, const char *name, nm_shape shape)
{
    return nm_graph_leaf(graph, NM_OP_PARAM, name, shape, &graph->param_count);
}

int nm_graph_const(nm_graph *graph, double value, nm_shape shape)
{
    int index = nm_graph_add(graph, NM_OP_CONST, shape);
    graph->nodes[index].value = value;
    return index;
}

int nm_graph_scalar(nm_graph *graph, double value)
{
    nm_shape scalar;
    memset(&scalar, 0, sizeof scalar);
    return nm_graph_const(graph, value, scalar);
}

int nm_graph_binary(nm_graph *graph, nm_op op, int a, int b)
{
    nm_shape shape;
    nm_shape sa = nm_graph_node(graph, a)->shape, sb = nm_graph_node(graph, b)->shape;
    if (op < NM_OP_ADD || op > NM_OP_POW)
        nm_graph_fail("%s is not a binary elementwise operation", nm_op_name(op));
    if (!nm_shape_broadcast(sa, sb, &shape))
        nm_graph_fail("shapes of %%%d and %%%d do not broadcast in %s", a, b, nm_op_name(op));
    int index = nm_graph_add(graph, op, shape);
    graph->nodes[index].inputs[0] = a;
    graph->nodes[index].inputs[1] = b;
    graph->nodes[index].input_count = 2;
    return index;
}

int nm_graph_unary(nm_graph *graph, nm_op op, int a)
{
    if (op < NM_OP_NEG || op > NM_OP_SOFTPLUS)
        nm_graph_fail("%s is not a unary elementwise operation", nm_op_name(op));
    int index = nm_graph_add(graph, op, nm_graph_node(graph, a)->shape);
    graph->nodes[index].inputs[0] = a;
    graph->nodes[index].input_count = 1;
    return index;
}

int nm_graph_matmul(nm_graph *graph, int a, int b, bool transpose_a, bool transpose_b)
{
    nm_shape sa = nm_graph_node(graph, a)->shape, sb = nm_graph_node(graph, b)->shape;
    if (sa.rank < 1 || sb.rank != 2)
        nm_graph_fail("matmul needs a matrix on the right (%%%d)", b);
    /* With transpose_a the left operand is a matrix [K, rows]; otherwise its
     * last dimension is K and the others are rows. */
    int k = transpose_a ? sa.dims[0] : sa.dims[sa.rank - 1];
    int kb = transpose_b ? sb.dims[1] : sb.dims[0];
    int m = transpose_b ? sb.dims[0] : sb.dims[1];
    if (transpose_a && sa.rank != 2)
        nm_graph_fail("transposed matmul needs a matrix on the left (%%%d)", a);
    if (k != kb)
        nm_graph_fail("matmul of %%%d and %%%d: %d against %d", a, b, k, kb);
    nm_shape shape = sa;
    if (transpose_a)
        shape = nm_shape2(sa.dims[1], m);
    else
        shape.dims[sa.rank - 1] = m;
    int index = nm_graph_add(graph, NM_OP_MATMUL, shape);
    nm_node *node = &graph->nodes[index];
    node->inputs[0] = a;
    node->inputs[1] = b;
    node->input_count = 2;
    node->transpose_a = transpose_a;
    node->transpose_b = transpose_b;
    return index;
}

static void nm_check_axis(const nm_graph *graph, int a, int axis)
{
    if (axis < 0 || axis >= nm_graph_node(graph, a)->shape.rank)
        nm_graph_fail("axis %d is out of range for %%%d", axis, a);
}

static int nm_graph_structure(nm_graph *graph, nm_op op, int a, nm_shape shape, int axis)
{
    int index = nm_graph_add(graph, op, shape);
    graph->nodes[index].inputs[0] = a;
    graph->nodes[index].input_count = 1;
    graph->nodes[index].axis = axis;
    return index;
}

int nm_graph_sum(nm_graph *graph, int a, int axis)
{
    nm_check_axis(graph, a, axis);
    nm_shape shape = nm_graph_node(graph, a)->shape;
    shape.dims[axis] = 1;
    return nm_graph_structure(graph, NM_OP_SUM, a, shape, axis);
}

int nm_graph_sum_to(nm_graph *graph, int a, nm_shape shape)
{
    nm_shape source = nm_graph_node(graph, a)->shape, check;
    if (!nm_shape_broadcast(source, shape, &check) || !nm_shape_equal(check, source))
        nm_graph_fail("%%%d does not sum down to the requested shape", a);
    if (nm_shape_equal(source, shape))
        return a;
    return nm_graph_structure(graph, NM_OP_SUM_TO, a, shape, 0);
}

int nm_graph_softmax(nm_graph *graph, int a, int axis)
{
    nm_check_axis(graph, a, axis);
    return nm_graph_structure(graph, NM_OP_SOFTMAX, a, nm_graph_node(graph, a)->shape, axis);
}

int nm_graph_roll(nm_graph *graph, int a, int axis, int shift)
{
    nm_check_axis(graph, a, axis);
    int length = nm_graph_node(graph, a)->shape.dims[axis];
    shift %= length;
    if (shift < 0)
        shift += length;
    if (shift == 0)
        return a;
    int index = nm_graph_structure(graph, NM_OP_ROLL, a, nm_graph_node(graph, a)->shape, axis);
    graph->nodes[index].shift = shift;
    return index;
}

int nm_graph_slice(nm_graph *graph, int a, int axis, int start, int length)
{
    nm_check_axis(graph, a, axis);
    nm_shape shape = nm_graph_node(graph, a)->shape;
    if (start < 0 || length < 1 || start + length > shape.dims[axis])
        nm_graph_fail("slice %d..%d of %%%d is out of range", start, start + length, a);
    if (start == 0 && length == shape.dims[axis])
        return a;
    shape.dims[axis] = length;
    int index = nm_graph_structure(graph, NM_OP_SLICE, a, shape, axis);
    graph->nodes[index].start = start;
    graph->nodes[index].length = length;
    return index;
}

int nm_graph_pad(nm_graph *graph, int a, int axis, int start, int total)
{
    nm_check_axis(graph, a, axis);
    nm_shape shape = nm_graph_node(graph, a)->shape;
    int length = shape.dims[axis];
    if (start < 0 || start + length > total)
        nm_graph_fail("pad of %%%d to %d at %d is out of range", a, total, start);
    if (start == 0 && length == total)
        return a;
    shape.dims[axis] = total;
    int index = nm_graph_structure(graph, NM_OP_PAD, a, shape, axis);
    graph->nodes[index].start = start;
    graph->nodes[index].length = length;
    return index;
}

int nm_graph_concat(nm_graph *graph, const int *parts, int count, int axis)
{
    if (count == 1)
        return parts[0];
    nm_check_axis(graph, parts[0], axis);
    nm_shape shape = nm_graph_node(graph, parts[0])->shape;
    int total = 0;
    for (int i = 0; i < count; i++) {
        nm_shape part = nm_graph_node(graph, parts[i])->shape;
        nm_shape probe = part;
        probe.dims[axis] = shape.dims[axis];
        if (!nm_shape_equal(probe, shape))
            nm_graph_fail("concat of %%%d: shapes differ outside axis %d", parts[i], axis);
        total += part.dims[axis];
    }
    shape.dims[axis] = total;
    int index = nm_graph_add(graph, NM_OP_CONCAT, shape);
    nm_node *node = &graph->nodes[index];
    node->axis = axis;
    node->list = nm_arena_alloc(&graph->arena, (size_t)count * sizeof *node->list);
    memcpy(node->list, parts, (size_t)count * sizeof *node->list);
    node->list_count = count;
    return index;
}

int nm_graph_reshape(nm_graph *graph, int a, nm_shape shape)
{
    if (nm_shape_size(shape) != nm_shape_size(nm_graph_node(graph, a)->shape))
        nm_graph_fail("reshape of %%%d changes the number of elements", a);
    if (nm_shape_equal(shape, nm_graph_node(graph, a)->shape))
        return a;
    return nm_graph_structure(graph, NM_OP_RESHAPE, a, shape, 0);
}

void nm_graph_output(nm_graph *graph, int node, const char *name)
{
    nm_node *n = &graph->nodes[node];
    if (n->result != NM_RESULT_NONE)
        nm_graph_fail("%%%d is already a result", node);
    n->result = NM_RESULT_OUTPUT;
    n->result_index = graph->output_count++;
    n->name = nm_arena_strdup(&graph->arena, name);
}

void nm_graph_next_state(nm_graph *graph, int node, int state)
{
    nm_node *n = &graph->nodes[node];
    const nm_node *s = nm_graph_node(graph, state);
    if (s->op != NM_OP_STATE || !nm_shape_equal(s->shape, n->shape))
        nm_graph_fail("%%%d cannot be the next value of state %%%d", node, state);
    if (n->result != NM_RESULT_NONE)
        nm_graph_fail("%%%d is already a result", node);
    n->result = NM_RESULT_NEXT_STATE;
    n->result_index = graph->next_state_count++;
    n->state_of = state;
}

int nm_graph_saved(nm_graph *graph, const nm_graph *forward, int node)
{
    int index = nm_graph_add(graph, NM_OP_SAVED, nm_graph_node(forward, node)->shape);
    graph->nodes[index].ref = node;
    return index;
}

int nm_graph_seed(nm_graph *graph, const nm_graph *forward, int result)
{
    int index = nm_graph_add(graph, NM_OP_SEED, nm_graph_node(forward, result)->shape);
    graph->nodes[index].ref = result;
    return index;
}

int nm_graph_gradient(nm_graph *graph, int node, nm_result_kind kind, int forward_node)
{
    /* A node that already is a result, or a leaf whose `ref` names what it
     * reads (a seed passed straight through), gets a copy to carry the
     * result. */
    const nm_node *n = &graph->nodes[node];
    if (n->result != NM_RESULT_NONE || n->op == NM_OP_SEED || n->op == NM_OP_SAVED)
        node = nm_graph_binary(graph, NM_OP_ADD, node, nm_graph_scalar(graph, 0.0));
    nm_node *target = &graph->nodes[node];
    target->result = kind;
    target->ref = forward_node;
    return node;
}

int nm_graph_find_leaf(const nm_graph *graph, nm_op kind, int index)
{
    for (int i = 0; i < graph->count; i++)
        if (graph->nodes[i].op == kind && graph->nodes[i].leaf_index == index)
            return i;
    return -1;
}

int nm_graph_find_result(const nm_graph *graph, nm_result_kind kind, int index)
{
    for (int i = 0; i < graph->count; i++)
        if (graph->nodes[i].result == kind && graph->nodes[i].result_index == index)
            return i;
    return -1;
}

static void nm_print_operands(const nm_node *node, nm_buf *out)
{
    if (node->op == NM_OP_CONCAT) {
        for (int i = 0; i < node->list_count; i++)
            nm_buf_printf(out, "%s%%%d", i ? ", " : " ", node->list[i]);
        return;
    }
    for (int i = 0; i < node->input_count; i++)
        nm_buf_printf(out, "%s%%%d", i ? ", " : " ", node->inputs[i]);
}

static void nm_print_attributes(const nm_node *node, nm_buf *out)
{
    switch (node->op) {
    case NM_OP_CONST:
        nm_buf_printf(out, " %.17g", node->value);
        break;
    case NM_OP_MATMUL:
        if (node->transpose_a)
            nm_buf_puts(out, " transpose_a");
        if (node->transpose_b)
            nm_buf_puts(out, " transpose_b");
        break;
    case NM_OP_SUM:
    case NM_OP_SOFTMAX:
    case NM_OP_CONCAT:
        nm_buf_printf(out, " axis %d", node->axis);
        break;
    case NM_OP_ROLL:
        nm_buf_printf(out, " axis %d shift %d", node->axis, node->shift);
        break;
    case NM_OP_SLICE:
    case NM_OP_PAD:
        nm_buf_printf(out, " axis %d from %d length %d", node->axis, node->start, node->length);
        break;
    case NM_OP_SAVED:
    case NM_OP_SEED:
        nm_buf_printf(out, " forward %%%d", node->ref);
        break;
    default:
        break;
    }
}

static const char *nm_result_name(nm_result_kind kind)
{
    switch (kind) {
    case NM_RESULT_OUTPUT:
        return "output";
    case NM_RESULT_NEXT_STATE:
        return "next state of";
    case NM_RESULT_INPUT_GRAD:
        return "gradient of input";
    case NM_RESULT_STATE_GRAD:
        return "gradient of state";
    case NM_RESULT_PARAM_GRAD:
        return "gradient of parameter";
    case NM_RESULT_NONE:
        break;
    }
    return "";
}

void nm_graph_print(const nm_graph *graph, nm_buf *out)
{
    for (int i = 0; i < graph->count; i++) {
        const nm_node *node = &graph->nodes[i];
        nm_buf_printf(out, "%%%d = %s", i, nm_op_name(node->op));
        if (node->name && node->result == NM_RESULT_NONE)
            nm_buf_printf(out, " \"%s\"", node->name);
        nm_print_operands(node, out);
        nm_print_attributes(node, out);
        nm_buf_puts(out, " : ");
        nm_shape_print(node->shape, out);
        if (node->result == NM_RESULT_OUTPUT)
            nm_buf_printf(out, "  -> output \"%s\"", node->name);
        else if (node->result == NM_RESULT_NEXT_STATE)
            nm_buf_printf(out, "  -> next state of %%%d", node->state_of);
        else if (node->result != NM_RESULT_NONE)
            nm_buf_printf(out, "  -> %s %%%d", nm_result_name(node->result), node->ref);
        nm_buf_putc(out, '\n');
    }
}
