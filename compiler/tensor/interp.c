/* The reference interpreter of tensor graphs; see interp.h. */
#include "interp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double **nm_graph_values_new(const nm_graph *graph)
{
    double **values = nm_xcalloc((size_t)graph->count + 1, sizeof *values);
    for (int i = 0; i < graph->count; i++)
        values[i] = nm_xcalloc(nm_shape_size(graph->nodes[i].shape) + 1, sizeof(double));
    return values;
}

void nm_graph_values_free(const nm_graph *graph, double **values)
{
    if (!values)
        return;
    for (int i = 0; i < graph->count; i++)
        free(values[i]);
    free(values);
}

/* Row-major strides of SHAPE seen from a result of rank RANK: dimensions
 * of length 1 and missing leading dimensions get stride 0 (broadcast). */
static void nm_broadcast_strides(nm_shape shape, int rank, size_t *strides)
{
    size_t stride = 1;
    for (int i = rank - 1; i >= 0; i--) {
        int source = i - (rank - shape.rank);
        if (source < 0 || shape.dims[source] == 1) {
            strides[i] = 0;
        } else {
            strides[i] = stride;
        }
        if (source >= 0)
            stride *= (size_t)shape.dims[source];
    }
}

/* Visits every element of SHAPE with the offsets into two broadcast
 * operands. */
typedef struct nm_walk {
    nm_shape shape;
    size_t strides_a[NM_MAX_RANK], strides_b[NM_MAX_RANK];
    int index[NM_MAX_RANK];
    size_t offset_a, offset_b;
} nm_walk;

static void nm_walk_init(nm_walk *walk, nm_shape shape, nm_shape a, nm_shape b)
{
    memset(walk, 0, sizeof *walk);
    walk->shape = shape;
    nm_broadcast_strides(a, shape.rank, walk->strides_a);
    nm_broadcast_strides(b, shape.rank, walk->strides_b);
}

static void nm_walk_next(nm_walk *walk)
{
    for (int i = walk->shape.rank - 1; i >= 0; i--) {
        walk->index[i]++;
        walk->offset_a += walk->strides_a[i];
        walk->offset_b += walk->strides_b[i];
        if (walk->index[i] < walk->shape.dims[i])
            return;
        walk->offset_a -= walk->strides_a[i] * (size_t)walk->shape.dims[i];
        walk->offset_b -= walk->strides_b[i] * (size_t)walk->shape.dims[i];
        walk->index[i] = 0;
    }
}

static double nm_sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

static double nm_softplus(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double nm_apply_binary(nm_op op, double a, double b)
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
    default:
        return 0;
    }
}

static double nm_apply_unary(nm_op op, double a)
{
    switch (op) {
    case NM_OP_NEG:
        return -a;
    case NM_OP_EXP:
        return exp(a);
    case NM_OP_LOG:
        return log(a);
    case NM_OP_SQRT:
        return sqrt(a);
    case NM_OP_SIGMOID:
        return nm_sigmoid(a);
    case NM_OP_TANH:
        return tanh(a);
    case NM_OP_SOFTPLUS:
        return nm_softplus(a);
    default:
        return 0;
    }
}

static void nm_eval_elementwise(const nm_graph *graph, const nm_node *node, double **values,
                                double *out)
{
    const nm_node *a = &graph->nodes[node->inputs[0]];
    const nm_node *b = node->input_count > 1 ? &graph->nodes[node->inputs[1]] : a;
    nm_walk walk;
    nm_walk_init(&walk, node->shape, a->shape, b->shape);
    size_t size = nm_shape_size(node->shape);
    const double *x = values[node->inputs[0]];
    const double *y = node->input_count > 1 ? values[node->inputs[1]] : x;
    for (size_t i = 0; i < size; i++) {
        out[i] = node->input_count > 1 ? nm_apply_binary(node->op, x[walk.offset_a], y[walk.offset_b])
                                       : nm_apply_unary(node->op, x[walk.offset_a]);
        nm_walk_next(&walk);
    }
}

static void nm_eval_matmul(const nm_graph *graph, const nm_node *node, double **values, double *out)
{
    nm_shape sa = graph->nodes[node->inputs[0]].shape, sb = graph->nodes[node->inputs[1]].shape;
    const double *a = values[node->inputs[0]], *b = values[node->inputs[1]];
    int m = node->shape.dims[node->shape.rank - 1];
    size_t rows = nm_shape_size(node->shape) / (size_t)m;
    int k = node->transpose_a ? sa.dims[0] : sa.dims[sa.rank - 1];
    for (size_t r = 0; r < rows; r++) {
        for (int j = 0; j < m; j++) {
            double total = 0;
            for (int t = 0; t < k; t++) {
                double left = node->transpose_a ? a[(size_t)t * rows + r] : a[r * (size_t)k + (size_t)t];
                double right = node->transpose_b ? b[(size_t)j * (size_t)sb.dims[1] + (size_t)t]
                                                 : b[(size_t)t * (size_t)m + (size_t)j];
                total += left * right;
            }
            out[r * (size_t)m + (size_t)j] = total;
        }
    }
}

/* Sizes around an axis: OUTER blocks of AXIS_LENGTH times INNER elements. */
static void nm_axis_split(nm_shape shape, int axis, size_t *outer, size_t *inner)
{
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= (size_t)shape.dims[i];
    for (int i = axis + 1; i < shape.rank; i++)
        *inner *= (size_t)shape.dims[i];
}

static void nm_eval_sum(const nm_graph *graph, const nm_node *node, double **values, double *out)
{
    nm_shape source = graph->nodes[node->inputs[0]].shape;
    const double *x = values[node->inputs[0]];
    size_t outer, inner;
    nm_axis_split(source, node->axis, &outer, &inner);
    size_t length = (size_t)source.dims[node->axis];
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            double total = 0;
            for (size_t a = 0; a < length; a++)
                total += x[(o * length + a) * inner + i];
            out[o * inner + i] = total;
        }
}

static void nm_eval_sum_to(const nm_graph *graph, const nm_node *node, double **values, double *out)
{
    const nm_node *source = &graph->nodes[node->inputs[0]];
    memset(out, 0, nm_shape_size(node->shape) * sizeof *out);
    nm_walk walk;
    nm_walk_init(&walk, source->shape, node->shape, source->shape);
    size_t size = nm_shape_size(source->shape);
    const double *x = values[node->inputs[0]];
    for (size_t i = 0; i < size; i++) {
        out[walk.offset_a] += x[i];
        nm_walk_next(&walk);
    }
}

static void nm_eval_softmax(const nm_graph *graph, const nm_node *node, double **values, double *out)
{
    const double *x = values[node->inputs[0]];
    size_t outer, inner;
    nm_axis_split(node->shape, node->axis, &outer, &inner);
    size_t length = (size_t)node->shape.dims[node->axis];
    (void)graph;
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            double top = -INFINITY, total = 0;
            for (size_t a = 0; a < length; a++)
                if (x[(o * length + a) * inner + i] > top)
                    top = x[(o * length + a) * inner + i];
            for (size_t a = 0; a < length; a++) {
                size_t at = (o * length + a) * inner + i;
                out[at] = exp(x[at] - top);
                total += out[at];
            }
            for (size_t a = 0; a < length; a++)
                out[(o * length + a) * inner + i] /= total;
        }
}

/* ROLL, SLICE and PAD move blocks along one axis. */
static void nm_eval_along_axis(const nm_graph *graph, const nm_node *node, double **values,
                               double *out)
{
    nm_shape source = graph->nodes[node->inputs[0]].shape;
    const double *x = values[node->inputs[0]];
    size_t outer, inner;
    nm_axis_split(node->shape, node->axis, &outer, &inner);
    size_t out_length = (size_t)node->shape.dims[node->axis];
    size_t in_length = (size_t)source.dims[node->axis];
    if (node->op == NM_OP_PAD)
        memset(out, 0, nm_shape_size(node->shape) * sizeof *out);
    for (size_t o = 0; o < outer; o++) {
        for (size_t a = 0; a < out_length; a++) {
            size_t from;
            if (node->op == NM_OP_ROLL)
                from = (a + out_length - (size_t)node->shift) % out_length;
            else if (node->op == NM_OP_SLICE)
                from = a + (size_t)node->start;
            else if (a >= (size_t)node->start && a < (size_t)(node->start + node->length))
                from = a - (size_t)node->start;
            else
                continue;
            memcpy(out + (o * out_length + a) * inner, x + (o * in_length + from) * inner,
                   inner * sizeof *out);
        }
    }
}

static void nm_eval_concat(const nm_graph *graph, const nm_node *node, double **values, double *out)
{
    size_t outer, inner;
    nm_axis_split(node->shape, node->axis, &outer, &inner);
    size_t total = (size_t)node->shape.dims[node->axis];
    size_t offset = 0;
    for (int p = 0; p < node->list_count; p++) {
        const nm_node *part = &graph->nodes[node->list[p]];
        size_t length = (size_t)part->shape.dims[node->axis];
        for (size_t o = 0; o < outer; o++)
            memcpy(out + (o * total + offset) * inner, values[node->list[p]] + o * length * inner,
                   length * inner * sizeof *out);
        offset += length;
    }
}

static void nm_eval_leaf(const nm_node *node, const nm_eval_env *env, int index, double *out)
{
    size_t size = nm_shape_size(node->shape);
    const double *source = NULL;
    switch (node->op) {
    case NM_OP_INPUT:
        source = env->inputs[node->leaf_index];
        break;
    case NM_OP_STATE:
        source = env->states[node->leaf_index];
        break;
    case NM_OP_PARAM:
        source = env->params[node->leaf_index];
        break;
    case NM_OP_SAVED:
        source = env->forward[node->ref];
        break;
    case NM_OP_SEED:
        source = env->seeds[node->ref];
        break;
    default:
        for (size_t i = 0; i < size; i++)
            out[i] = node->value;
        return;
    }
    (void)index;
    if (source)
        memcpy(out, source, size * sizeof *out);
    else
        memset(out, 0, size * sizeof *out);
}

void nm_graph_eval(const nm_graph *graph, const nm_eval_env *env, double **values)
{
    for (int i = 0; i < graph->count; i++) {
        const nm_node *node = &graph->nodes[i];
        double *out = values[i];
        switch (node->op) {
        case NM_OP_INPUT:
        case NM_OP_STATE:
        case NM_OP_PARAM:
        case NM_OP_CONST:
        case NM_OP_SAVED:
        case NM_OP_SEED:
            nm_eval_leaf(node, env, i, out);
            break;
        case NM_OP_MATMUL:
            nm_eval_matmul(graph, node, values, out);
            break;
        case NM_OP_SUM:
            nm_eval_sum(graph, node, values, out);
            break;
        case NM_OP_SUM_TO:
            nm_eval_sum_to(graph, node, values, out);
            break;
        case NM_OP_SOFTMAX:
            nm_eval_softmax(graph, node, values, out);
            break;
        case NM_OP_ROLL:
        case NM_OP_SLICE:
        case NM_OP_PAD:
            nm_eval_along_axis(graph, node, values, out);
            break;
        case NM_OP_CONCAT:
            nm_eval_concat(graph, node, values, out);
            break;
        case NM_OP_RESHAPE:
            memcpy(out, values[node->inputs[0]], nm_shape_size(node->shape) * sizeof *out);
            break;
        default:
            nm_eval_elementwise(graph, node, values, out);
            break;
        }
    }
}
