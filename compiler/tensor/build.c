/* Composite tensor operations; see build.h. */
#include "build.h"

#include <stdio.h>
#include <string.h>

static int nm_dim(const nm_graph *graph, int node, int axis)
{
    return graph->nodes[node].shape.dims[axis];
}

int nm_build_one_minus(nm_graph *graph, int a)
{
    return nm_graph_binary(graph, NM_OP_SUB, nm_graph_scalar(graph, 1.0), a);
}

int nm_build_add_scalar(nm_graph *graph, int a, double value)
{
    return nm_graph_binary(graph, NM_OP_ADD, a, nm_graph_scalar(graph, value));
}

int nm_build_mul_scalar(nm_graph *graph, int a, double value)
{
    return nm_graph_binary(graph, NM_OP_MUL, a, nm_graph_scalar(graph, value));
}

/* [B, W] -> [B, 1, W], so that it broadcasts over memory rows. */
static int nm_row_view(nm_graph *graph, int vector)
{
    return nm_graph_reshape(graph, vector, nm_shape3(nm_dim(graph, vector, 0), 1, nm_dim(graph, vector, 1)));
}

/* [B, N] -> [B, N, 1], so that it broadcasts over memory columns. */
static int nm_column_view(nm_graph *graph, int vector)
{
    return nm_graph_reshape(graph, vector, nm_shape3(nm_dim(graph, vector, 0), nm_dim(graph, vector, 1), 1));
}

/* [B, N, 1] -> [B, N]. */
static int nm_drop_last(nm_graph *graph, int node)
{
    return nm_graph_reshape(graph, node, nm_shape2(nm_dim(graph, node, 0), nm_dim(graph, node, 1)));
}

/* Added under the square root of a norm: the square root's derivative at 0
 * is infinite, and an all-zero row would turn 0 times it into NaN.  The
 * norm moves by at most 1e-15, far below the epsilon of the cosine. */
#define NM_NORM_FLOOR 1e-30

static int nm_norm(nm_graph *graph, int squares, int axis)
{
    int sum = nm_graph_sum(graph, squares, axis);
    return nm_graph_unary(graph, NM_OP_SQRT, nm_build_add_scalar(graph, sum, NM_NORM_FLOOR));
}

int nm_build_cosine(nm_graph *graph, int key, int memory, double epsilon)
{
    int key_rows = nm_row_view(graph, key);
    int dot = nm_drop_last(graph, nm_graph_sum(graph, nm_graph_binary(graph, NM_OP_MUL, memory, key_rows), 2));
    int key_norm = nm_norm(graph, nm_graph_binary(graph, NM_OP_MUL, key, key), 1);
    int memory_squares = nm_graph_binary(graph, NM_OP_MUL, memory, memory);
    int row_norms = nm_drop_last(graph, nm_norm(graph, memory_squares, 2));
    int denominator = nm_build_add_scalar(graph, nm_graph_binary(graph, NM_OP_MUL, row_norms, key_norm), epsilon);
    return nm_graph_binary(graph, NM_OP_DIV, dot, denominator);
}

int nm_build_circular_conv(nm_graph *graph, int weighting, int shifts, int range)
{
    int result = -1;
    for (int k = -range; k <= range; k++) {
        /* s(k) times w rolled by k: w_s(i) gets w(i - k) s(k). */
        int share = nm_graph_slice(graph, shifts, 1, k + range, 1);
        int rolled = nm_graph_roll(graph, weighting, 1, k);
        int term = nm_graph_binary(graph, NM_OP_MUL, rolled, share);
        result = result < 0 ? term : nm_graph_binary(graph, NM_OP_ADD, result, term);
    }
    return result;
}

int nm_build_outer(nm_graph *graph, int a, int b)
{
    return nm_graph_binary(graph, NM_OP_MUL, nm_column_view(graph, a), nm_row_view(graph, b));
}

int nm_build_read(nm_graph *graph, int weighting, int memory)
{
    int weighted = nm_graph_binary(graph, NM_OP_MUL, memory, nm_column_view(graph, weighting));
    int summed = nm_graph_sum(graph, weighted, 1);
    return nm_graph_reshape(graph, summed, nm_shape2(nm_dim(graph, summed, 0), nm_dim(graph, summed, 2)));
}

int nm_build_linear(nm_graph *graph, int x, int out, const char *name)
{
    char weight_name[256], bias_name[256];
    snprintf(weight_name, sizeof weight_name, "%s.weight", name);
    snprintf(bias_name, sizeof bias_name, "%s.bias", name);
    nm_shape shape = graph->nodes[x].shape;
    int in = shape.dims[shape.rank - 1];
    int weight = nm_graph_param(graph, weight_name, nm_shape2(in, out));
    int bias = nm_graph_param(graph, bias_name, nm_shape1(out));
    return nm_graph_binary(graph, NM_OP_ADD, nm_graph_matmul(graph, x, weight, false, false), bias);
}

void nm_build_lstm(nm_graph *graph, int x, int h, int c, const char *name, int *h_next, int *c_next)
{
    int size = nm_dim(graph, h, 1);
    char part[256];
    snprintf(part, sizeof part, "%s.input", name);
    int from_input = nm_build_linear(graph, x, 4 * size, part);
    snprintf(part, sizeof part, "%s.recurrent.weight", name);
    int recurrent = nm_graph_param(graph, part, nm_shape2(size, 4 * size));
    int gates = nm_graph_binary(graph, NM_OP_ADD, from_input, nm_graph_matmul(graph, h, recurrent, false, false));

    /* Gate order: input, forget, cell candidate, output. */
    int input = nm_graph_unary(graph, NM_OP_SIGMOID, nm_graph_slice(graph, gates, 1, 0, size));
    int forget = nm_graph_unary(graph, NM_OP_SIGMOID, nm_graph_slice(graph, gates, 1, size, size));
    int candidate = nm_graph_unary(graph, NM_OP_TANH, nm_graph_slice(graph, gates, 1, 2 * size, size));
    int output = nm_graph_unary(graph, NM_OP_SIGMOID, nm_graph_slice(graph, gates, 1, 3 * size, size));
    *c_next = nm_graph_binary(graph, NM_OP_ADD, nm_graph_binary(graph, NM_OP_MUL, forget, c),
                              nm_graph_binary(graph, NM_OP_MUL, input, candidate));
    *h_next = nm_graph_binary(graph, NM_OP_MUL, output, nm_graph_unary(graph, NM_OP_TANH, *c_next));
}
