/* Random compositions of every tensor operation through the JIT against
 * the reference interpreter, forward and backward over two steps, in
 * double and float.  Each graph starts from an input, a state and two
 * parameters of related random shapes, then applies 6 to 20 random
 * operations to random earlier nodes.  Operations with a restricted
 * domain get operands that are in it: log and square root of 0.5 +
 * sigmoid, exponentials of tanh.  A failure names the seed that built the
 * graph.
 *
 * Tolerances, relative to the largest value of each result: 1e-11 in
 * double and 2e-3 in float.  Random graphs subtract nearly equal values
 * and divide by sums of few terms, which amplifies the reordered additions
 * of reductions and matrix products (about 1e-16 in double, 1e-7 in
 * float) by up to a few thousand; the largest errors over the first 800
 * seeds were 5e-13 and 1.3e-3.  In float, results smaller than 1e-3
 * are measured against 1e-3: a gradient through a saturated tanh is
 * 1e-13 in double but exactly 0 in float, where tanh rounds to 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jit_check.h"
#include "tensor/graph.h"
#include "tensor/sequence.h"

#define NM_F64_TOLERANCE 1e-11
#define NM_F32_TOLERANCE 2e-3
#define NM_GRAPHS 60
/* Elements of the largest node a random operation may make. */
#define NM_MAX_ELEMENTS 600

typedef struct nm_generator {
    nm_graph *graph;
    uint64_t random;
    NM_VEC(int) nodes;       /* candidate operands */
} nm_generator;

static int nm_pick(nm_generator *gen, int count)
{
    return (int)(nm_random_uniform(&gen->random) * count);
}

static int nm_any_node(nm_generator *gen)
{
    return gen->nodes.items[nm_pick(gen, (int)gen->nodes.count)];
}

static nm_shape nm_shape_of(const nm_generator *gen, int node)
{
    return gen->graph->nodes[node].shape;
}

static void nm_keep(nm_generator *gen, int node)
{
    nm_vec_push(&gen->nodes, node);
}

/* Values in [0.5, 1.5], where log, square root, division and powers are
 * well behaved. */
static int nm_positive(nm_generator *gen, int node)
{
    nm_graph *g = gen->graph;
    return nm_graph_binary(g, NM_OP_ADD, nm_graph_unary(g, NM_OP_SIGMOID, node), nm_graph_scalar(g, 0.5));
}

/* A shape like SHAPE with some dimensions 1 and maybe fewer of them. */
static nm_shape nm_reduced_shape(nm_generator *gen, nm_shape shape)
{
    nm_shape result = shape;
    for (int d = 0; d < shape.rank; d++)
        if (nm_pick(gen, 3) == 0)
            result.dims[d] = 1;
    int drop = nm_pick(gen, shape.rank + 1);
    if (nm_pick(gen, 2) == 0)
        drop = 0;
    result = nm_shape_make(shape.rank - drop, shape.dims + drop);
    for (int d = 0; d < result.rank; d++)
        if (nm_pick(gen, 3) == 0)
            result.dims[d] = 1;
    return result;
}

/* Two candidates whose shapes broadcast to at most NM_MAX_ELEMENTS. */
static bool nm_pick_pair(nm_generator *gen, int *a, int *b)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        *a = nm_any_node(gen);
        *b = nm_any_node(gen);
        nm_shape shape;
        if (nm_shape_broadcast(nm_shape_of(gen, *a), nm_shape_of(gen, *b), &shape)
            && nm_shape_size(shape) <= NM_MAX_ELEMENTS)
            return true;
    }
    return false;
}

static int nm_random_unary(nm_generator *gen)
{
    nm_graph *g = gen->graph;
    int x = nm_any_node(gen);
    switch (nm_pick(gen, 7)) {
    case 0:
        return nm_graph_unary(g, NM_OP_NEG, x);
    case 1:
        return nm_graph_unary(g, NM_OP_TANH, x);
    case 2:
        return nm_graph_unary(g, NM_OP_SIGMOID, x);
    case 3:
        return nm_graph_unary(g, NM_OP_SOFTPLUS, x);
    case 4:
        return nm_graph_unary(g, NM_OP_EXP, nm_graph_unary(g, NM_OP_TANH, x));
    case 5:
        return nm_graph_unary(g, NM_OP_LOG, nm_positive(gen, x));
    default:
        return nm_graph_unary(g, NM_OP_SQRT, nm_positive(gen, x));
    }
}

static int nm_random_binary(nm_generator *gen)
{
    nm_graph *g = gen->graph;
    int a, b;
    if (!nm_pick_pair(gen, &a, &b))
        return -1;
    switch (nm_pick(gen, 5)) {
    case 0:
        return nm_graph_binary(g, NM_OP_ADD, a, b);
    case 1:
        return nm_graph_binary(g, NM_OP_SUB, a, b);
    case 2:
        return nm_graph_binary(g, NM_OP_MUL, a, b);
    case 3:
        return nm_graph_binary(g, NM_OP_DIV, a, nm_positive(gen, b));
    default:
        return nm_graph_binary(g, NM_OP_POW, nm_positive(gen, a), nm_graph_unary(g, NM_OP_TANH, b));
    }
}

/* A product with a new parameter, in one of the three layouts that
 * autodiff differentiates. */
static int nm_random_matmul(nm_generator *gen)
{
    nm_graph *g = gen->graph;
    int a = nm_any_node(gen);
    nm_shape shape = nm_shape_of(gen, a);
    int m = 1 + nm_pick(gen, 11);
    if (shape.rank == 0)
        return -1;
    int k = shape.dims[shape.rank - 1];
    if (shape.rank == 2 && nm_pick(gen, 3) == 0) {
        int w = nm_graph_param(g, NULL, nm_shape2(shape.dims[0], m));
        return nm_graph_matmul(g, a, w, true, false);
    }
    if (nm_pick(gen, 2) == 0)
        return nm_graph_matmul(g, a, nm_graph_param(g, NULL, nm_shape2(m, k)), false, true);
    return nm_graph_matmul(g, a, nm_graph_param(g, NULL, nm_shape2(k, m)), false, false);
}

/* A reshape to the flat shape, to two factors, or with a unit dimension. */
static int nm_random_reshape(nm_generator *gen, int x)
{
    nm_shape shape = nm_shape_of(gen, x);
    int size = (int)nm_shape_size(shape);
    switch (nm_pick(gen, 3)) {
    case 0:
        return nm_graph_reshape(gen->graph, x, nm_shape1(size));
    case 1:
        for (int factor = 2; factor < size; factor++)
            if (size % factor == 0)
                return nm_graph_reshape(gen->graph, x, nm_shape2(factor, size / factor));
        return nm_graph_reshape(gen->graph, x, nm_shape2(1, size));
    default:
        if (shape.rank >= NM_MAX_RANK)
            return -1;
        nm_shape wider = nm_shape_make(shape.rank, shape.dims);
        wider.rank++;
        for (int d = wider.rank - 1; d > 0; d--)
            wider.dims[d] = wider.dims[d - 1];
        wider.dims[0] = 1;
        return nm_graph_reshape(gen->graph, x, wider);
    }
}

static int nm_random_structure(nm_generator *gen)
{
    nm_graph *g = gen->graph;
    int x = nm_any_node(gen);
    nm_shape shape = nm_shape_of(gen, x);
    if (shape.rank == 0)
        return -1;
    int axis = nm_pick(gen, shape.rank);
    int length = shape.dims[axis];
    switch (nm_pick(gen, 8)) {
    case 0:
        return nm_graph_sum(g, x, axis);
    case 1:
        return nm_graph_sum_to(g, x, nm_reduced_shape(gen, shape));
    case 2:
        return nm_graph_softmax(g, x, axis);
    case 3:
        return nm_graph_roll(g, x, axis, nm_pick(gen, 7) - 3);
    case 4: {
        int start = nm_pick(gen, length);
        return nm_graph_slice(g, x, axis, start, 1 + nm_pick(gen, length - start));
    }
    case 5:
        if (nm_shape_size(shape) * 3 > NM_MAX_ELEMENTS)
            return -1;
        return nm_graph_pad(g, x, axis, nm_pick(gen, 3), length + 2 + nm_pick(gen, 2));
    case 6: {
        if (nm_shape_size(shape) * 3 > NM_MAX_ELEMENTS)
            return -1;
        int parts[3] = {x, nm_graph_unary(g, NM_OP_TANH, x), nm_graph_slice(g, x, axis, 0, 1)};
        return nm_graph_concat(g, parts, 3, axis);
    }
    default:
        return nm_random_reshape(gen, x);
    }
}

/* Leaves of related shapes: the input and the state have the base shape,
 * the parameters broadcast against it. */
static void nm_random_leaves(nm_generator *gen, int *state)
{
    nm_graph *g = gen->graph;
    int rank = 1 + nm_pick(gen, 3);
    int dims[NM_MAX_RANK];
    for (int d = 0; d < rank; d++)
        dims[d] = 1 + nm_pick(gen, 6);
    nm_shape base = nm_shape_make(rank, dims);
    nm_keep(gen, nm_graph_input(g, "x", base));
    *state = nm_graph_state(g, "s", base);
    nm_keep(gen, *state);
    nm_keep(gen, nm_graph_param(g, "p", nm_reduced_shape(gen, base)));
    nm_keep(gen, nm_graph_param(g, "q", nm_reduced_shape(gen, base)));
}

static nm_graph *nm_random_graph(uint64_t seed)
{
    nm_generator gen;
    memset(&gen, 0, sizeof gen);
    gen.random = seed * 7919 + 1;
    gen.graph = nm_graph_new(1);
    nm_graph *g = gen.graph;
    int state;
    nm_random_leaves(&gen, &state);

    int operations = 6 + nm_pick(&gen, 15);
    for (int i = 0; i < operations; i++) {
        int kind = nm_pick(&gen, 10);
        int node = kind < 3 ? nm_random_unary(&gen)
                   : kind < 6 ? nm_random_binary(&gen)
                   : kind < 7 ? nm_random_matmul(&gen)
                              : nm_random_structure(&gen);
        if (node >= 0 && nm_shape_size(g->nodes[node].shape) <= NM_MAX_ELEMENTS)
            nm_keep(&gen, node);
    }

    /* The last node and another one are outputs; the state moves by the
     * total of a third. */
    int last = gen.nodes.items[gen.nodes.count - 1];
    int other = nm_any_node(&gen);
    nm_graph_output(g, nm_graph_unary(g, NM_OP_NEG, last), "last");
    nm_graph_output(g, nm_graph_unary(g, NM_OP_TANH, other), "other");
    int total_of = nm_any_node(&gen);
    int flat = nm_graph_reshape(g, total_of, nm_shape1((int)nm_shape_size(g->nodes[total_of].shape)));
    int total = nm_graph_sum(g, flat, 0);
    nm_graph_next_state(g, nm_graph_unary(g, NM_OP_TANH, nm_graph_binary(g, NM_OP_ADD, state, total)), state);
    nm_vec_free(&gen.nodes);
    return g;
}

static void test_random_graphs(void **state)
{
    (void)state;
    double worst[2] = {0, 0};
    for (uint64_t seed = 0; seed < NM_GRAPHS; seed++) {
        nm_graph *graph = nm_random_graph(seed);
        for (int d = 0; d < 2; d++) {
            nm_check_options options = nm_check_defaults(d == 0 ? NM_F64 : NM_F32);
            options.steps = 2;
            options.seed = seed;
            options.floor = d == 0 ? 0.0 : 1e-3;
            nm_check_report report;
            nm_check_cell(graph, &options, &report);
            double error = report.forward;
            if (report.backward > error)
                error = report.backward;
            if (report.params > error)
                error = report.params;
            if (error > worst[d])
                worst[d] = error;
            double tolerance = d == 0 ? NM_F64_TOLERANCE : NM_F32_TOLERANCE;
            if (report.reference_nans > 0 || error > tolerance) {
                nm_buf text;
                nm_buf_init(&text);
                nm_graph_print(graph, &text);
                fail_msg("graph of seed %llu in %s: error %g (tolerance %g), %d NaN values from the "
                         "interpreter:\n%s",
                         (unsigned long long)seed, d == 0 ? "double" : "float", error, tolerance,
                         report.reference_nans, text.data);
            }
        }
        nm_graph_free(graph);
    }
    printf("  largest relative errors over %d graphs: double %.2g, float %.2g\n", NM_GRAPHS, worst[0], worst[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_graphs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
