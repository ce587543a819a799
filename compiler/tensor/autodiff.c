/* Reverse-mode differentiation of tensor graphs.
 *
 * From a forward cell it builds the backward cell: a graph whose leaves
 * are the forward values it needs (SAVED), the gradients of the forward
 * results (SEED: the outputs and the next states) and the parameters, and
 * whose results are the gradients of the forward inputs, of the forward
 * states (which become the seeds of the previous step's next states) and of
 * the parameters.  Forward nodes are visited in reverse order; each rule
 * adds its operands' gradient contributions with the same primitives the
 * forward graph uses, so the backward cell is interpreted, compiled and
 * differentiated like any other graph.
 */
#include "autodiff.h"

#include <stdlib.h>
#include <string.h>

typedef struct nm_ad {
    const nm_graph *forward;
    nm_graph *backward;
    int *gradient;   /* per forward node: its gradient in the backward graph, or -1 */
    int *saved;      /* per forward node: its SAVED leaf, or -1 */
} nm_ad;

static int nm_value(nm_ad *ad, int node)
{
    if (ad->saved[node] < 0)
        ad->saved[node] = nm_graph_saved(ad->backward, ad->forward, node);
    return ad->saved[node];
}

static nm_shape nm_forward_shape(const nm_ad *ad, int node)
{
    return ad->forward->nodes[node].shape;
}

/* Adds CONTRIBUTION (already of NODE's shape) to NODE's gradient. */
static void nm_accumulate(nm_ad *ad, int node, int contribution)
{
    if (ad->gradient[node] < 0)
        ad->gradient[node] = contribution;
    else
        ad->gradient[node] = nm_graph_binary(ad->backward, NM_OP_ADD, ad->gradient[node], contribution);
}

/* Adds a contribution computed at a broadcast shape, summed down to NODE's. */
static void nm_accumulate_broadcast(nm_ad *ad, int node, int contribution)
{
    nm_accumulate(ad, node, nm_graph_sum_to(ad->backward, contribution, nm_forward_shape(ad, node)));
}

static int nm_bin(nm_ad *ad, nm_op op, int a, int b)
{
    return nm_graph_binary(ad->backward, op, a, b);
}

static int nm_scalar(nm_ad *ad, double value)
{
    return nm_graph_scalar(ad->backward, value);
}

/* GY stretched to SHAPE (adds a zero of that shape). */
static int nm_broadcast_to(nm_ad *ad, int gy, nm_shape shape)
{
    return nm_bin(ad, NM_OP_ADD, gy, nm_graph_const(ad->backward, 0.0, shape));
}

static void nm_rule_binary(nm_ad *ad, const nm_node *node, int y, int gy)
{
    int a = node->inputs[0], b = node->inputs[1];
    switch (node->op) {
    case NM_OP_ADD:
        nm_accumulate_broadcast(ad, a, gy);
        nm_accumulate_broadcast(ad, b, gy);
        break;
    case NM_OP_SUB:
        nm_accumulate_broadcast(ad, a, gy);
        nm_accumulate_broadcast(ad, b, nm_graph_unary(ad->backward, NM_OP_NEG, gy));
        break;
    case NM_OP_MUL:
        nm_accumulate_broadcast(ad, a, nm_bin(ad, NM_OP_MUL, gy, nm_value(ad, b)));
        nm_accumulate_broadcast(ad, b, nm_bin(ad, NM_OP_MUL, gy, nm_value(ad, a)));
        break;
    case NM_OP_DIV: {
        /* d(a/b)/da = 1/b; d(a/b)/db = -(a/b)/b. */
        int over_b = nm_bin(ad, NM_OP_DIV, gy, nm_value(ad, b));
        nm_accumulate_broadcast(ad, a, over_b);
        int term = nm_bin(ad, NM_OP_MUL, over_b, nm_value(ad, y));
        nm_accumulate_broadcast(ad, b, nm_graph_unary(ad->backward, NM_OP_NEG, term));
        break;
    }
    case NM_OP_POW: {
        /* d(a^b)/da = b a^b / a; d(a^b)/db = a^b log a. */
        int value = nm_value(ad, y);
        int power = nm_bin(ad, NM_OP_MUL, gy, value);
        int da = nm_bin(ad, NM_OP_DIV, nm_bin(ad, NM_OP_MUL, power, nm_value(ad, b)), nm_value(ad, a));
        nm_accumulate_broadcast(ad, a, da);
        int log_a = nm_graph_unary(ad->backward, NM_OP_LOG, nm_value(ad, a));
        nm_accumulate_broadcast(ad, b, nm_bin(ad, NM_OP_MUL, power, log_a));
        break;
    }
    default:
        break;
    }
}

static void nm_rule_unary(nm_ad *ad, const nm_node *node, int y, int gy)
{
    int a = node->inputs[0];
    int contribution;
    switch (node->op) {
    case NM_OP_NEG:
        contribution = nm_graph_unary(ad->backward, NM_OP_NEG, gy);
        break;
    case NM_OP_EXP:
        contribution = nm_bin(ad, NM_OP_MUL, gy, nm_value(ad, y));
        break;
    case NM_OP_LOG:
        contribution = nm_bin(ad, NM_OP_DIV, gy, nm_value(ad, a));
        break;
    case NM_OP_SQRT:
        contribution = nm_bin(ad, NM_OP_DIV, nm_bin(ad, NM_OP_MUL, gy, nm_scalar(ad, 0.5)), nm_value(ad, y));
        break;
    case NM_OP_SIGMOID: {
        int value = nm_value(ad, y);
        int slope = nm_bin(ad, NM_OP_MUL, value, nm_bin(ad, NM_OP_SUB, nm_scalar(ad, 1.0), value));
        contribution = nm_bin(ad, NM_OP_MUL, gy, slope);
        break;
    }
    case NM_OP_TANH: {
        int value = nm_value(ad, y);
        int slope = nm_bin(ad, NM_OP_SUB, nm_scalar(ad, 1.0), nm_bin(ad, NM_OP_MUL, value, value));
        contribution = nm_bin(ad, NM_OP_MUL, gy, slope);
        break;
    }
    case NM_OP_SOFTPLUS:
        contribution = nm_bin(ad, NM_OP_MUL, gy, nm_graph_unary(ad->backward, NM_OP_SIGMOID, nm_value(ad, a)));
        break;
    default:
        return;
    }
    nm_accumulate(ad, a, contribution);
}

/* The left operand of a matmul as a matrix [rows, K] (or [K, rows]). */
static int nm_as_matrix(nm_ad *ad, int node, int last)
{
    nm_shape shape = ad->backward->nodes[node].shape;
    if (shape.rank == 2)
        return node;
    size_t rows = nm_shape_size(shape) / (size_t)last;
    return nm_graph_reshape(ad->backward, node, nm_shape2((int)rows, last));
}

static void nm_rule_matmul(nm_ad *ad, const nm_node *node, int gy)
{
    int a = node->inputs[0], b = node->inputs[1];
    nm_graph *g = ad->backward;
    int m = node->shape.dims[node->shape.rank - 1];
    nm_shape sa = nm_forward_shape(ad, a);
    int k = node->transpose_a ? sa.dims[0] : sa.dims[sa.rank - 1];
    if (node->transpose_a && node->transpose_b)
        abort();
    if (node->transpose_a) {
        /* y = A^T B: dA = B dy^T, dB = A dy. */
        nm_accumulate(ad, a, nm_graph_matmul(g, nm_value(ad, b), gy, false, true));
        nm_accumulate(ad, b, nm_graph_matmul(g, nm_value(ad, a), gy, false, false));
        return;
    }
    int gy_matrix = nm_as_matrix(ad, gy, m);
    int a_matrix = nm_as_matrix(ad, nm_value(ad, a), k);
    if (node->transpose_b) {
        /* y = A B^T: dA = dy B, dB = dy^T A. */
        nm_accumulate(ad, a, nm_graph_matmul(g, gy, nm_value(ad, b), false, false));
        nm_accumulate(ad, b, nm_graph_matmul(g, gy_matrix, a_matrix, true, false));
    } else {
        /* y = A B: dA = dy B^T, dB = A^T dy. */
        nm_accumulate(ad, a, nm_graph_matmul(g, gy, nm_value(ad, b), false, true));
        nm_accumulate(ad, b, nm_graph_matmul(g, a_matrix, gy_matrix, true, false));
    }
}

static void nm_rule_structure(nm_ad *ad, const nm_node *node, int y, int gy)
{
    nm_graph *g = ad->backward;
    int a = node->inputs[0];
    if (node->op != NM_OP_CONCAT && a < 0)
        return;   /* a leaf: its gradient is a result */
    nm_shape shape_a = node->op == NM_OP_CONCAT ? node->shape : nm_forward_shape(ad, a);
    switch (node->op) {
    case NM_OP_SUM:
    case NM_OP_SUM_TO:
        nm_accumulate(ad, a, nm_broadcast_to(ad, gy, shape_a));
        break;
    case NM_OP_SOFTMAX: {
        /* dx = y (dy - sum(dy y)). */
        int value = nm_value(ad, y);
        int dot = nm_graph_sum(g, nm_bin(ad, NM_OP_MUL, gy, value), node->axis);
        nm_accumulate(ad, a, nm_bin(ad, NM_OP_MUL, value, nm_bin(ad, NM_OP_SUB, gy, dot)));
        break;
    }
    case NM_OP_ROLL:
        nm_accumulate(ad, a, nm_graph_roll(g, gy, node->axis, -node->shift));
        break;
    case NM_OP_SLICE:
        nm_accumulate(ad, a, nm_graph_pad(g, gy, node->axis, node->start, shape_a.dims[node->axis]));
        break;
    case NM_OP_PAD:
        nm_accumulate(ad, a, nm_graph_slice(g, gy, node->axis, node->start, node->length));
        break;
    case NM_OP_RESHAPE:
        nm_accumulate(ad, a, nm_graph_reshape(g, gy, shape_a));
        break;
    case NM_OP_CONCAT: {
        int offset = 0;
        for (int p = 0; p < node->list_count; p++) {
            int length = nm_forward_shape(ad, node->list[p]).dims[node->axis];
            nm_accumulate(ad, node->list[p], nm_graph_slice(g, gy, node->axis, offset, length));
            offset += length;
        }
        break;
    }
    default:
        break;
    }
}

static void nm_differentiate_node(nm_ad *ad, int y)
{
    const nm_node *node = &ad->forward->nodes[y];
    int gy = ad->gradient[y];
    if (gy < 0)
        return;
    if (node->op >= NM_OP_ADD && node->op <= NM_OP_POW)
        nm_rule_binary(ad, node, y, gy);
    else if (node->op >= NM_OP_NEG && node->op <= NM_OP_SOFTPLUS)
        nm_rule_unary(ad, node, y, gy);
    else if (node->op == NM_OP_MATMUL)
        nm_rule_matmul(ad, node, gy);
    else
        nm_rule_structure(ad, node, y, gy);
}

/* The gradient results: one per forward input, state and parameter, 0
 * when the forward results do not depend on it. */
static void nm_emit_gradients(nm_ad *ad)
{
    static const struct {
        nm_op leaf;
        nm_result_kind result;
    } kinds[3] = {{NM_OP_INPUT, NM_RESULT_INPUT_GRAD},
                  {NM_OP_STATE, NM_RESULT_STATE_GRAD},
                  {NM_OP_PARAM, NM_RESULT_PARAM_GRAD}};
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < ad->forward->count; i++) {
            const nm_node *node = &ad->forward->nodes[i];
            if (node->op != kinds[k].leaf)
                continue;
            int gradient = ad->gradient[i];
            if (gradient < 0)
                gradient = nm_graph_const(ad->backward, 0.0, node->shape);
            int result = nm_graph_gradient(ad->backward, gradient, kinds[k].result, i);
            ad->backward->nodes[result].result_index = node->leaf_index;
        }
    }
}

nm_graph *nm_graph_backward(const nm_graph *forward)
{
    nm_ad ad;
    ad.forward = forward;
    ad.backward = nm_graph_new(forward->batch);
    ad.gradient = nm_xcalloc((size_t)forward->count + 1, sizeof *ad.gradient);
    ad.saved = nm_xcalloc((size_t)forward->count + 1, sizeof *ad.saved);
    for (int i = 0; i < forward->count; i++)
        ad.gradient[i] = ad.saved[i] = -1;

    /* Seeds: the gradients of the outputs and of the next states. */
    for (int i = 0; i < forward->count; i++)
        if (forward->nodes[i].result == NM_RESULT_OUTPUT || forward->nodes[i].result == NM_RESULT_NEXT_STATE)
            ad.gradient[i] = nm_graph_seed(ad.backward, forward, i);
    for (int i = forward->count - 1; i >= 0; i--)
        nm_differentiate_node(&ad, i);
    nm_emit_gradients(&ad);

    free(ad.gradient);
    free(ad.saved);
    return ad.backward;
}
