/* Planning for the tensor graph JIT: which nodes are live, which are
 * constants, views or inline expressions, and which are materialized; see
 * graph_jit_internal.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph_jit_internal.h"
#include "util/map.h"

/* Operations in one inline expression: keeps kernels small enough for
 * the register allocator and the compile time low. */
#define NM_MAX_TREE 48
/* Operations in an expression that several consumers compute each. */
#define NM_MAX_SHARED_TREE 3

void nm_contiguous_strides(nm_shape shape, long *strides)
{
    long stride = 1;
    for (int d = shape.rank - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= shape.dims[d];
    }
}

bool nm_view_is_contiguous(const nm_view *view, nm_shape shape)
{
    long expected[NM_MAX_RANK];
    nm_contiguous_strides(shape, expected);
    for (int d = 0; d < shape.rank; d++)
        if (shape.dims[d] > 1 && view->strides[d] != expected[d])
            return false;
    return true;
}

/* Rows with unit stride as a matrix product reads them: contiguous, or a
 * matrix whose rows are apart by a stride of at least their length. */
static bool nm_view_is_matrix(const nm_view *view, nm_shape shape)
{
    if (nm_view_is_contiguous(view, shape))
        return true;
    return shape.rank == 2 && (shape.dims[1] == 1 || view->strides[1] == 1)
           && view->strides[0] >= shape.dims[1];
}

static int nm_operand_count(const nm_node *node)
{
    return node->op == NM_OP_CONCAT ? node->list_count : node->input_count;
}

static int nm_operand(const nm_node *node, int position)
{
    return node->op == NM_OP_CONCAT ? node->list[position] : node->inputs[position];
}

/* Whether node CONSUMER can compute its operand OPERAND inside its own
 * loop: when it iterates over the operand's elements one to one (a
 * broadcast operand would be computed again for every element it
 * stretches over). */
static bool nm_fuses_operand(const nm_graph *graph, const nm_node *consumer, int operand)
{
    switch (consumer->op) {
    case NM_OP_SUM:
    case NM_OP_SUM_TO:
    case NM_OP_PAD:
    case NM_OP_CONCAT:
        return true;
    default:
        return nm_op_is_elementwise(consumer->op)
               && nm_shape_size(consumer->shape) == nm_shape_size(graph->nodes[operand].shape);
    }
}

/* Marks the nodes that results (and EXTRA, when not NULL, indexed by
 * the original nodes) depend on, counts their uses and notes what their
 * consumers need. */
static void nm_mark_live(nm_graph_plan *plan, const bool *extra)
{
    const nm_graph *graph = plan->graph;
    for (int i = 0; i < graph->count; i++)
        if (extra && extra[i])
            plan->nodes[plan->canonical[i]].saved = true;
    for (int i = graph->count - 1; i >= 0; i--) {
        nm_node_plan *np = &plan->nodes[i];
        const nm_node *node = &graph->nodes[i];
        np->result = node->result != NM_RESULT_NONE;
        if (np->result || np->saved)
            np->live = true;
        if (!np->live)
            continue;
        for (int p = 0; p < nm_operand_count(node); p++) {
            int index = nm_operand(node, p);
            nm_node_plan *operand = &plan->nodes[index];
            operand->live = true;
            operand->uses++;
            operand->fusable = operand->fusable && nm_fuses_operand(graph, node, index);
            if (node->op == NM_OP_RESHAPE || node->op == NM_OP_SOFTMAX)
                operand->need_contiguous = true;
            if (node->op == NM_OP_MATMUL)
                operand->need_matrix = true;
            if (node->op == NM_OP_SOFTMAX || node->op == NM_OP_MATMUL)
                operand->need_memory = true;
        }
    }
}

/* The key under which identical nodes meet: operation, operands (already
 * canonical), attributes and shape. */
static void nm_node_key(const nm_node *node, nm_buf *key)
{
    key->length = 0;
    nm_buf_printf(key, "%d %d %d %d %d %d %d %d %a %d", (int)node->op, node->axis, node->start, node->length,
                  node->shift, node->transpose_a, node->transpose_b, node->ref, node->value, node->shape.rank);
    for (int d = 0; d < node->shape.rank; d++)
        nm_buf_printf(key, " %d", node->shape.dims[d]);
    for (int p = 0; p < nm_operand_count(node); p++)
        nm_buf_printf(key, " %%%d", nm_operand(node, p));
}

/* Copies GRAPH into the plan with every operand replaced by the first
 * node identical to it (common subexpressions computed once), and SAVED
 * references by FORWARD_CANONICAL when given.  Results and leaves keep
 * their identity. */
static void nm_plan_merge(nm_graph_plan *plan, const nm_graph *graph, const int *forward_canonical)
{
    nm_graph *copy = nm_xmalloc(sizeof *copy);
    *copy = *graph;
    copy->nodes = nm_xcalloc((size_t)graph->count + 1, sizeof *copy->nodes);
    memcpy(copy->nodes, graph->nodes, (size_t)graph->count * sizeof *copy->nodes);
    plan->graph = copy;
    plan->canonical = nm_xcalloc((size_t)graph->count + 1, sizeof *plan->canonical);

    nm_map seen;
    nm_arena keys;
    nm_buf key;
    nm_map_init(&seen);
    nm_arena_init(&keys);
    nm_buf_init(&key);
    for (int i = 0; i < graph->count; i++) {
        nm_node *node = &copy->nodes[i];
        for (int p = 0; p < node->input_count; p++)
            node->inputs[p] = plan->canonical[node->inputs[p]];
        if (node->op == NM_OP_CONCAT) {
            node->list = nm_xcalloc((size_t)node->list_count, sizeof *node->list);
            for (int p = 0; p < node->list_count; p++)
                node->list[p] = plan->canonical[graph->nodes[i].list[p]];
        }
        if (node->op == NM_OP_SAVED && forward_canonical)
            node->ref = forward_canonical[node->ref];

        plan->canonical[i] = i;
        if (node->op == NM_OP_INPUT || node->op == NM_OP_STATE || node->op == NM_OP_PARAM)
            continue;
        nm_node_key(node, &key);
        int first;
        if (node->result == NM_RESULT_NONE && nm_map_get(&seen, key.data, key.length, &first))
            plan->canonical[i] = first;
        else if (!nm_map_get(&seen, key.data, key.length, &first))
            nm_map_put(&seen, nm_arena_strndup(&keys, key.data, key.length), key.length, i);
    }
    nm_buf_free(&key);
    nm_map_free(&seen);
    nm_arena_free(&keys);
}

static void nm_plan_init(nm_graph_plan *plan, const nm_graph *graph, bool backward, const bool *extra,
                         const int *forward_canonical)
{
    memset(plan, 0, sizeof *plan);
    plan->backward = backward;
    nm_plan_merge(plan, graph, forward_canonical);
    plan->nodes = nm_xcalloc((size_t)graph->count + 1, sizeof *plan->nodes);
    for (int i = 0; i < graph->count; i++) {
        plan->nodes[i].last_read = -1;
        plan->nodes[i].fusable = true;
    }
    nm_mark_live(plan, extra);
}

void nm_plan_free(nm_graph_plan *plan)
{
    if (plan->graph) {
        for (int i = 0; i < plan->graph->count; i++)
            if (plan->graph->nodes[i].op == NM_OP_CONCAT)
                free(plan->graph->nodes[i].list);
        free(plan->graph->nodes);
        free((nm_graph *)plan->graph);
    }
    free(plan->canonical);
    free(plan->nodes);
    plan->graph = NULL;
    plan->canonical = NULL;
    plan->nodes = NULL;
}

bool *nm_plan_saved_nodes(const nm_graph *backward, int forward_count)
{
    nm_graph_plan plan;
    nm_plan_init(&plan, backward, true, NULL, NULL);
    bool *saved = nm_xcalloc((size_t)forward_count + 1, sizeof *saved);
    for (int i = 0; i < backward->count; i++)
        if (plan.nodes[i].live && backward->nodes[i].op == NM_OP_SAVED)
            saved[backward->nodes[i].ref] = true;
    nm_plan_free(&plan);
    return saved;
}

static nm_place nm_const_place(double value)
{
    nm_place place;
    memset(&place, 0, sizeof place);
    place.kind = NM_PLACE_CONST;
    place.constant = value;
    return place;
}

static nm_place nm_view_place(nm_base_kind base, int index, nm_shape shape)
{
    nm_place place;
    memset(&place, 0, sizeof place);
    place.kind = NM_PLACE_VIEW;
    place.view.base = base;
    place.view.index = index;
    nm_contiguous_strides(shape, place.view.strides);
    return place;
}

/* Gives node I its own buffer, which its operation writes. */
static void nm_materialize(nm_graph_plan *plan, int i)
{
    nm_node_plan *np = &plan->nodes[i];
    np->materialized = true;
    np->place = nm_view_place(NM_BASE_NODE, i, plan->graph->nodes[i].shape);
}

/* Gives node I, a view or a constant, a buffer that a copy fills. */
static void nm_materialize_copy(nm_graph_plan *plan, int i)
{
    nm_node_plan *np = &plan->nodes[i];
    np->copy = true;
    np->source = np->place;
    nm_materialize(plan, i);
}

/* The interpreter's formulas, for operations on constants. */
static double nm_fold(nm_op op, double a, double b)
{
    switch (op) {
    case NM_OP_ADD:
        return a + b;
    case NM_OP_SUB:
        return a - b;
    case NM_OP_MUL:
        return a * b;
    case NM_OP_DIV:
        return a / b;
    case NM_OP_POW:
        return pow(a, b);
    case NM_OP_NEG:
        return -a;
    case NM_OP_EXP:
        return exp(a);
    case NM_OP_LOG:
        return log(a);
    case NM_OP_SQRT:
        return sqrt(a);
    case NM_OP_SIGMOID:
        return a >= 0 ? 1.0 / (1.0 + exp(-a)) : exp(a) / (1.0 + exp(a));
    case NM_OP_TANH:
        return tanh(a);
    case NM_OP_SOFTPLUS:
        return a > 0 ? a + log1p(exp(-a)) : log1p(exp(a));
    default:
        return 0;
    }
}

/* Operations cheap enough to compute again in every consumer instead of
 * writing them to memory once. */
static bool nm_is_cheap(nm_op op)
{
    return op == NM_OP_ADD || op == NM_OP_SUB || op == NM_OP_MUL || op == NM_OP_DIV || op == NM_OP_NEG;
}

static bool nm_can_inline(const nm_graph_plan *plan, int i)
{
    const nm_node_plan *np = &plan->nodes[i];
    if (np->result || np->saved || !np->fusable || np->tree_size > NM_MAX_TREE)
        return false;
    if (np->uses == 1)
        return true;
    return !np->costly && np->tree_size <= NM_MAX_SHARED_TREE;
}

static void nm_plan_elementwise(nm_graph_plan *plan, int i)
{
    const nm_node *node = &plan->graph->nodes[i];
    nm_node_plan *np = &plan->nodes[i];
    const nm_place *a = &plan->nodes[node->inputs[0]].place;
    const nm_place *b = node->input_count > 1 ? &plan->nodes[node->inputs[1]].place : a;
    if (a->kind == NM_PLACE_CONST && b->kind == NM_PLACE_CONST) {
        np->place = nm_const_place(nm_fold(node->op, a->constant, b->constant));
        return;
    }

    np->tree_size = 1;
    np->costly = !nm_is_cheap(node->op);
    for (int p = 0; p < node->input_count; p++) {
        const nm_node_plan *operand = &plan->nodes[node->inputs[p]];
        if (operand->place.kind == NM_PLACE_INLINE) {
            np->tree_size += operand->tree_size;
            np->costly = np->costly || operand->costly;
        }
    }
    if (nm_can_inline(plan, i))
        np->place.kind = NM_PLACE_INLINE;
    else
        nm_materialize(plan, i);
}

static void nm_plan_slice(nm_graph_plan *plan, int i)
{
    const nm_node *node = &plan->graph->nodes[i];
    nm_place place = plan->nodes[node->inputs[0]].place;
    if (place.kind == NM_PLACE_VIEW)
        place.view.offset += (long)node->start * place.view.strides[node->axis];
    plan->nodes[i].place = place;
}

/* A reshape is a view of a contiguous operand (need_contiguous makes sure
 * that the operand is one). */
static void nm_plan_reshape(nm_graph_plan *plan, int i)
{
    const nm_node *node = &plan->graph->nodes[i];
    nm_place place = plan->nodes[node->inputs[0]].place;
    if (place.kind == NM_PLACE_VIEW)
        nm_contiguous_strides(node->shape, place.view.strides);
    plan->nodes[i].place = place;
}

/* A SAVED leaf reads what the forward plan left in the frame. */
static void nm_plan_saved(nm_graph_plan *plan, const nm_graph_plan *forward, int i)
{
    int ref = plan->graph->nodes[i].ref;
    nm_place place = forward->nodes[ref].place;
    if (place.kind == NM_PLACE_VIEW)
        place.view = nm_plan_resolve(forward, place.view);
    plan->nodes[i].place = place;
}

static void nm_plan_leaf(nm_graph_plan *plan, int i)
{
    const nm_node *node = &plan->graph->nodes[i];
    nm_node_plan *np = &plan->nodes[i];
    switch (node->op) {
    case NM_OP_INPUT:
        np->place = nm_view_place(NM_BASE_INPUT, node->leaf_index, node->shape);
        break;
    case NM_OP_STATE:
        np->place = nm_view_place(NM_BASE_STATE, node->leaf_index, node->shape);
        break;
    case NM_OP_PARAM:
        np->place = nm_view_place(NM_BASE_PARAM, node->leaf_index, node->shape);
        break;
    case NM_OP_SEED:
        np->place = nm_view_place(NM_BASE_SEED, node->ref, node->shape);
        break;
    default:
        np->place = nm_const_place(node->value);
        break;
    }
}

/* Whether node I, a view or constant, must have a buffer of its own. */
static bool nm_needs_copy(const nm_graph_plan *plan, int i)
{
    const nm_node_plan *np = &plan->nodes[i];
    nm_shape shape = plan->graph->nodes[i].shape;
    bool forward_result = np->result && !plan->backward;
    if (np->materialized || np->place.kind == NM_PLACE_INLINE)
        return false;
    if (np->place.kind == NM_PLACE_CONST)
        return forward_result || np->need_memory;

    /* Frames hold what later steps and the backward cell read, and the
     * caller's arrays may change after the step. */
    nm_base_kind base = np->place.view.base;
    bool caller_array = base == NM_BASE_INPUT || base == NM_BASE_STATE;
    if ((forward_result || np->saved) && caller_array)
        return true;
    if (forward_result && base == NM_BASE_PARAM)
        return true;
    bool contiguous = nm_view_is_contiguous(&np->place.view, shape);
    if ((forward_result || np->need_contiguous) && !contiguous)
        return true;
    return np->need_matrix && !nm_view_is_matrix(&np->place.view, shape);
}

static void nm_plan_node(nm_graph_plan *plan, const nm_graph_plan *forward, int i)
{
    const nm_node *node = &plan->graph->nodes[i];
    if (!plan->nodes[i].live)
        return;
    if (nm_op_is_elementwise(node->op)) {
        nm_plan_elementwise(plan, i);
    } else if (node->op == NM_OP_SAVED) {
        nm_plan_saved(plan, forward, i);
    } else if (node->op <= NM_OP_SEED) {
        nm_plan_leaf(plan, i);
    } else if (node->op == NM_OP_SLICE) {
        nm_plan_slice(plan, i);
    } else if (node->op == NM_OP_RESHAPE) {
        nm_plan_reshape(plan, i);
    } else if (node->op == NM_OP_ROLL && plan->nodes[node->inputs[0]].place.kind == NM_PLACE_CONST) {
        plan->nodes[i].place = plan->nodes[node->inputs[0]].place;
    } else {
        nm_materialize(plan, i);
    }
    if (nm_needs_copy(plan, i))
        nm_materialize_copy(plan, i);
}

void nm_plan_forward(nm_graph_plan *plan, const nm_graph *forward, const bool *saved)
{
    nm_plan_init(plan, forward, false, saved, NULL);
    for (int i = 0; i < forward->count; i++)
        nm_plan_node(plan, NULL, i);
    nm_plan_layout(plan);
}

/* Whether the kernels of materialized node I can add into their output
 * instead of storing. */
static bool nm_can_accumulate(const nm_graph_plan *plan, int i)
{
    nm_op op = plan->graph->nodes[i].op;
    return plan->nodes[i].copy || nm_op_is_elementwise(op) || op == NM_OP_SUM || op == NM_OP_SUM_TO
           || op == NM_OP_MATMUL;
}

/* Gradient results that nothing else reads are computed straight into the
 * caller's arrays. */
static void nm_plan_destinations(nm_graph_plan *plan)
{
    static const nm_base_kind kinds[] = {
        [NM_RESULT_INPUT_GRAD] = NM_BASE_INPUT_GRAD,
        [NM_RESULT_STATE_GRAD] = NM_BASE_STATE_GRAD,
        [NM_RESULT_PARAM_GRAD] = NM_BASE_PARAM_GRAD,
    };
    for (int i = 0; i < plan->graph->count; i++) {
        const nm_node *node = &plan->graph->nodes[i];
        nm_node_plan *np = &plan->nodes[i];
        if (node->result < NM_RESULT_INPUT_GRAD || !np->materialized || np->uses > 0)
            continue;
        bool accumulate = node->result == NM_RESULT_PARAM_GRAD;
        if (accumulate && !nm_can_accumulate(plan, i))
            continue;
        np->storage.base = kinds[node->result];
        np->storage.index = node->result_index;
        nm_contiguous_strides(node->shape, np->storage.strides);
        np->accumulate = accumulate;
    }
}

void nm_plan_backward(nm_graph_plan *plan, const nm_graph *backward, const nm_graph_plan *forward)
{
    nm_plan_init(plan, backward, true, NULL, forward->canonical);
    for (int i = 0; i < backward->count; i++)
        nm_plan_node(plan, forward, i);
    nm_plan_destinations(plan);
    nm_plan_layout(plan);
}
