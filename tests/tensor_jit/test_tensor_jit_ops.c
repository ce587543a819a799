/* Every tensor operation alone through the JIT against the reference
 * interpreter, forward and backward, in double and float.
 *
 * Tolerances, relative to the largest value of each tensor:
 * - double, elementwise operations: none.  The JIT uses the interpreter's
 *   formulas and the same C library functions (exp, log, pow, tanh,
 *   log1p), evaluated in the same order, so the results must be equal.
 *   Reductions whose reduced dimension is not the innermost one add in the
 *   interpreter's order too, and so do softmax and the copies of roll,
 *   slice, pad and concat.
 * - double, other reductions and matrix products: 1e-13.  A reduction
 *   along the innermost dimension is vectorised with several partial
 *   sums, and matrix products use fused multiply-adds and, for A B^T,
 *   partial sums across vector lanes: each rounding moves a sum of n terms
 *   by about n * 2^-53 of the terms' magnitude, below 1e-13 for the sizes
 *   here (n <= 130).
 * - float: 1e-5.  The JIT computes in float and the interpreter in double
 *   from the same (rounded) inputs; float's 2^-24 relative rounding
 *   accumulated over these small graphs stays well below 1e-5.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jit/graph_jit.h"
#include "jit_check.h"
#include "tensor/autodiff.h"
#include "tensor/graph.h"

#define NM_F64_TOLERANCE 1e-13
#define NM_F32_TOLERANCE 1e-5

typedef enum nm_exactness { NM_ROUNDED, NM_EXACT_FORWARD, NM_EXACT } nm_exactness;

/* Checks GRAPH in double (equal results where EXACTNESS demands) and in
 * float, with leaves in [LOW, HIGH], over STEPS steps; frees GRAPH. */
static void nm_check_range(nm_graph *graph, nm_exactness exactness, double low, double high, int steps)
{
    nm_check_options options = nm_check_defaults(NM_F64);
    options.low = options.state_low = low;
    options.high = options.state_high = high;
    options.steps = steps;
    nm_assert_cell(graph, &options, NM_F64_TOLERANCE, exactness != NM_ROUNDED, exactness == NM_EXACT);
    options.dtype = NM_F32;
    nm_assert_cell(graph, &options, NM_F32_TOLERANCE, false, false);
    nm_graph_free(graph);
}

static void nm_check(nm_graph *graph, nm_exactness exactness)
{
    nm_check_range(graph, exactness, -1.0, 1.0, 1);
}

/* y = A op B with A an input and B a parameter. */
static nm_graph *nm_binary_graph(nm_op op, nm_shape a, nm_shape b)
{
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "a", a);
    int y = nm_graph_param(graph, "b", b);
    nm_graph_output(graph, nm_graph_binary(graph, op, x, y), "y");
    return graph;
}

static nm_graph *nm_unary_graph(nm_op op, nm_shape shape)
{
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "x", shape);
    nm_graph_output(graph, nm_graph_unary(graph, op, x), "y");
    return graph;
}

/* ---- elementwise ------------------------------------------------------- */

static void test_binary_same_shape(void **state)
{
    (void)state;
    nm_op ops[] = {NM_OP_ADD, NM_OP_SUB, NM_OP_MUL, NM_OP_DIV};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        nm_check(nm_binary_graph(ops[i], nm_shape2(3, 37), nm_shape2(3, 37)), NM_EXACT);
    nm_check_range(nm_binary_graph(NM_OP_POW, nm_shape2(3, 37), nm_shape2(3, 37)), NM_EXACT, 0.5, 2.0, 1);
}

static void test_binary_broadcast(void **state)
{
    (void)state;
    /* Reductions in the gradient run over outer dimensions only: exact. */
    nm_check(nm_binary_graph(NM_OP_ADD, nm_shape2(5, 17), nm_shape1(17)), NM_EXACT);
    nm_check(nm_binary_graph(NM_OP_MUL, nm_shape3(2, 3, 9), nm_shape2(3, 9)), NM_EXACT);
    nm_check(nm_binary_graph(NM_OP_SUB, nm_shape2(4, 6), nm_shape_make(0, NULL)), NM_EXACT_FORWARD);
    /* The operand's gradient sums along the innermost dimension. */
    nm_check(nm_binary_graph(NM_OP_MUL, nm_shape2(6, 33), nm_shape2(6, 1)), NM_EXACT_FORWARD);
    nm_check(nm_binary_graph(NM_OP_DIV, nm_shape3(2, 1, 5), nm_shape2(3, 1)), NM_EXACT_FORWARD);
    nm_check(nm_binary_graph(NM_OP_ADD, nm_shape3(4, 1, 7), nm_shape3(1, 5, 1)), NM_EXACT_FORWARD);
    nm_check_range(nm_binary_graph(NM_OP_POW, nm_shape2(4, 5), nm_shape2(4, 1)), NM_EXACT_FORWARD, 0.5, 2.0, 1);
}

static void test_unary(void **state)
{
    (void)state;
    nm_op ops[] = {NM_OP_NEG, NM_OP_EXP, NM_OP_SIGMOID, NM_OP_TANH, NM_OP_SOFTPLUS};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        nm_check_range(nm_unary_graph(ops[i], nm_shape3(2, 3, 11)), NM_EXACT, -6.0, 6.0, 1);
    nm_check_range(nm_unary_graph(NM_OP_LOG, nm_shape2(3, 19)), NM_EXACT, 0.1, 3.0, 1);
    nm_check_range(nm_unary_graph(NM_OP_SQRT, nm_shape2(3, 19)), NM_EXACT, 0.1, 3.0, 1);
}

/* Sigmoid and softplus far out on both sides, where the naive formulas
 * overflow. */
static void test_unary_extremes(void **state)
{
    (void)state;
    nm_op ops[] = {NM_OP_SIGMOID, NM_OP_SOFTPLUS, NM_OP_TANH, NM_OP_EXP};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        nm_check_range(nm_unary_graph(ops[i], nm_shape1(64)), NM_EXACT_FORWARD, -80.0, 80.0, 1);
}

/* A chain that fuses into one loop, with a constant and a scalar. */
static void test_fused_chain(void **state)
{
    (void)state;
    nm_graph *graph = nm_graph_new(1);
    int a = nm_graph_input(graph, "a", nm_shape2(4, 25));
    int b = nm_graph_param(graph, "b", nm_shape1(25));
    int product = nm_graph_binary(graph, NM_OP_MUL, a, b);
    int shifted = nm_graph_binary(graph, NM_OP_ADD, product, nm_graph_scalar(graph, 0.25));
    int squashed = nm_graph_unary(graph, NM_OP_TANH, shifted);
    int gated = nm_graph_binary(graph, NM_OP_MUL, squashed, nm_graph_unary(graph, NM_OP_SIGMOID, a));
    nm_graph_output(graph, nm_graph_binary(graph, NM_OP_SUB, nm_graph_scalar(graph, 1.0), gated), "y");
    nm_check(graph, NM_EXACT);
}

/* A state that feeds itself through several steps. */
static void test_state_steps(void **state)
{
    (void)state;
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "x", nm_shape2(2, 10));
    int h = nm_graph_state(graph, "h", nm_shape2(2, 10));
    int decay = nm_graph_param(graph, "decay", nm_shape1(10));
    int mixed = nm_graph_binary(graph, NM_OP_ADD, nm_graph_binary(graph, NM_OP_MUL, h, decay), x);
    int next = nm_graph_unary(graph, NM_OP_TANH, mixed);
    nm_graph_next_state(graph, next, h);
    nm_graph_output(graph, nm_graph_unary(graph, NM_OP_SIGMOID, next), "y");
    nm_check_range(graph, NM_EXACT, -1.0, 1.0, 4);
}

/* Constants folded, a constant result and a state passed through. */
static void test_constants_and_identity(void **state)
{
    (void)state;
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "x", nm_shape2(3, 4));
    int s = nm_graph_state(graph, "s", nm_shape2(3, 4));
    int folded = nm_graph_unary(graph, NM_OP_EXP, nm_graph_scalar(graph, 0.5));
    nm_graph_output(graph, nm_graph_binary(graph, NM_OP_MUL, x, folded), "scaled");
    nm_graph_output(graph, nm_graph_const(graph, 2.5, nm_shape2(3, 4)), "constant");
    nm_graph_next_state(graph, s, s);
    nm_check_range(graph, NM_EXACT, -1.0, 1.0, 3);
}

/* ---- matrix products --------------------------------------------------- */

static nm_graph *nm_matmul_graph(nm_shape a, nm_shape b, bool transpose_a, bool transpose_b)
{
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "a", a);
    int w = nm_graph_param(graph, "w", b);
    nm_graph_output(graph, nm_graph_matmul(graph, x, w, transpose_a, transpose_b), "y");
    return graph;
}

static void test_matmul_plain(void **state)
{
    (void)state;
    int rows[] = {1, 3, 4, 5, 9};
    int sizes[][2] = {{29, 100}, {1, 1}, {7, 8}, {100, 92}, {3, 33}, {16, 40}, {120, 8}};
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            nm_check(nm_matmul_graph(nm_shape2(rows[r], sizes[s][0]), nm_shape2(sizes[s][0], sizes[s][1]), false,
                                     false),
                     NM_ROUNDED);
    nm_check(nm_matmul_graph(nm_shape3(2, 3, 13), nm_shape2(13, 21), false, false), NM_ROUNDED);
    nm_check(nm_matmul_graph(nm_shape1(13), nm_shape2(13, 21), false, false), NM_ROUNDED);
}

static void test_matmul_transposed(void **state)
{
    (void)state;
    int rows[] = {1, 2, 3, 7};
    int sizes[][2] = {{29, 100}, {1, 1}, {8, 5}, {130, 9}, {3, 17}};
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            int k = sizes[s][0], m = sizes[s][1];
            nm_check(nm_matmul_graph(nm_shape2(rows[r], k), nm_shape2(m, k), false, true), NM_ROUNDED);
            nm_check(nm_matmul_graph(nm_shape2(k, rows[r]), nm_shape2(k, m), true, false), NM_ROUNDED);
        }
    }
    nm_check(nm_matmul_graph(nm_shape3(2, 2, 9), nm_shape2(4, 9), false, true), NM_ROUNDED);
}

/* A^T B^T, which autodiff does not differentiate: forward only. */
static void test_matmul_both_transposed(void **state)
{
    (void)state;
    nm_graph *graph = nm_matmul_graph(nm_shape2(7, 3), nm_shape2(5, 7), true, true);
    nm_check_options options = nm_check_defaults(NM_F64);
    options.backward = false;
    nm_assert_cell(graph, &options, NM_F64_TOLERANCE, false, false);
    options.dtype = NM_F32;
    nm_assert_cell(graph, &options, NM_F32_TOLERANCE, false, false);
    nm_graph_free(graph);
}

/* Operands that are slices, broadcast constants and fused results. */
static void test_matmul_operands(void **state)
{
    (void)state;
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "x", nm_shape2(4, 30));
    int w = nm_graph_param(graph, "w", nm_shape2(12, 6));
    int left = nm_graph_slice(graph, x, 1, 5, 12);
    int right = nm_graph_slice(graph, w, 0, 2, 10);
    int product = nm_graph_matmul(graph, nm_graph_slice(graph, left, 1, 1, 10), right, false, false);
    int ones = nm_graph_const(graph, 1.0, nm_shape2(6, 3));
    int activated = nm_graph_unary(graph, NM_OP_TANH, product);
    nm_graph_output(graph, nm_graph_matmul(graph, activated, ones, false, false), "y");
    nm_check(graph, NM_ROUNDED);
}

/* ---- reductions and softmax -------------------------------------------- */

static void test_sum_every_axis(void **state)
{
    (void)state;
    nm_shape shape = nm_shape3(3, 4, 21);
    for (int axis = 0; axis < 3; axis++) {
        nm_graph *graph = nm_graph_new(1);
        int x = nm_graph_input(graph, "x", shape);
        int squared = nm_graph_binary(graph, NM_OP_MUL, x, x);
        nm_graph_output(graph, nm_graph_sum(graph, squared, axis), "y");
        nm_check(graph, axis == 2 ? NM_ROUNDED : NM_EXACT);
    }
    nm_graph *graph = nm_graph_new(1);
    nm_graph_output(graph, nm_graph_sum(graph, nm_graph_input(graph, "x", nm_shape1(40)), 0), "y");
    nm_check(graph, NM_ROUNDED);
}

static void test_sum_to(void **state)
{
    (void)state;
    nm_shape targets[] = {nm_shape2(4, 21), nm_shape3(3, 1, 21), nm_shape1(21), nm_shape3(1, 4, 1),
                          nm_shape_make(0, NULL)};
    bool outer_only[] = {true, true, true, false, false};
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        nm_graph *graph = nm_graph_new(1);
        int x = nm_graph_input(graph, "x", nm_shape3(3, 4, 21));
        int y = nm_graph_unary(graph, NM_OP_SIGMOID, x);
        nm_graph_output(graph, nm_graph_sum_to(graph, y, targets[i]), "y");
        nm_check(graph, outer_only[i] ? NM_EXACT : NM_ROUNDED);
    }
}

static void test_softmax_every_axis(void **state)
{
    (void)state;
    for (int axis = 0; axis < 3; axis++) {
        nm_graph *graph = nm_graph_new(1);
        int x = nm_graph_input(graph, "x", nm_shape3(3, 5, 9));
        int scaled = nm_graph_binary(graph, NM_OP_MUL, x, nm_graph_scalar(graph, 4.0));
        nm_graph_output(graph, nm_graph_softmax(graph, scaled, axis), "y");
        /* The gradient sums along the axis: in order unless it is innermost. */
        nm_check(graph, axis == 2 ? NM_EXACT_FORWARD : NM_EXACT);
    }
    nm_graph *graph = nm_graph_new(1);
    nm_graph_output(graph, nm_graph_softmax(graph, nm_graph_const(graph, 3.0, nm_shape2(2, 6)), 1), "y");
    nm_graph_output(graph, nm_graph_input(graph, "x", nm_shape1(1)), "x");
    nm_check(graph, NM_EXACT_FORWARD);
}

/* ---- moving data ------------------------------------------------------- */

static void test_roll(void **state)
{
    (void)state;
    int shifts[] = {1, -1, 3, 6};
    for (int axis = 0; axis < 3; axis++) {
        for (size_t s = 0; s < sizeof shifts / sizeof *shifts; s++) {
            nm_graph *graph = nm_graph_new(1);
            int x = nm_graph_input(graph, "x", nm_shape3(4, 5, 7));
            int rolled = nm_graph_roll(graph, x, axis, shifts[s]);
            nm_graph_output(graph, nm_graph_binary(graph, NM_OP_ADD, rolled, nm_graph_scalar(graph, 1.0)), "y");
            nm_check(graph, NM_EXACT);
        }
    }
}

static void test_slice_pad(void **state)
{
    (void)state;
    for (int axis = 0; axis < 3; axis++) {
        nm_graph *graph = nm_graph_new(1);
        int x = nm_graph_input(graph, "x", nm_shape3(4, 5, 7));
        int part = nm_graph_slice(graph, x, axis, 1, 2);
        nm_graph_output(graph, nm_graph_unary(graph, NM_OP_EXP, part), "slice");
        nm_graph_output(graph, part, "view");
        int padded = nm_graph_pad(graph, nm_graph_unary(graph, NM_OP_TANH, part), axis, 2, 6);
        nm_graph_output(graph, padded, "pad");
        nm_check(graph, NM_EXACT);
    }
}

static void test_concat(void **state)
{
    (void)state;
    for (int axis = 0; axis < 3; axis++) {
        nm_graph *graph = nm_graph_new(1);
        nm_shape shape = nm_shape3(2, 3, 4);
        int a = nm_graph_input(graph, "a", shape);
        shape.dims[axis] = 1;
        int b = nm_graph_param(graph, "b", shape);
        int c = nm_graph_unary(graph, NM_OP_SIGMOID, a);
        int parts[3] = {a, b, c};
        int joined = nm_graph_concat(graph, parts, 3, axis);
        nm_graph_output(graph, nm_graph_binary(graph, NM_OP_MUL, joined, joined), "y");
        nm_check(graph, NM_EXACT);
    }
}

static void test_reshape(void **state)
{
    (void)state;
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "x", nm_shape2(6, 8));
    int flat = nm_graph_reshape(graph, nm_graph_unary(graph, NM_OP_NEG, x), nm_shape1(48));
    nm_graph_output(graph, flat, "flat");
    int sliced = nm_graph_slice(graph, x, 1, 2, 4);
    int square = nm_graph_reshape(graph, sliced, nm_shape3(3, 2, 4));
    nm_graph_output(graph, nm_graph_binary(graph, NM_OP_ADD, square, nm_graph_scalar(graph, 2.0)), "square");
    nm_graph_output(graph, nm_graph_reshape(graph, x, nm_shape3(2, 3, 8)), "view");
    nm_check(graph, NM_EXACT);
}

/* The last step's next-state seeds NULL: the JIT reads zeros for them. */
static void test_null_seeds(void **state)
{
    (void)state;
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "x", nm_shape2(2, 9));
    int h = nm_graph_state(graph, "h", nm_shape2(2, 9));
    int next = nm_graph_unary(graph, NM_OP_TANH, nm_graph_binary(graph, NM_OP_ADD, x, h));
    nm_graph_next_state(graph, next, h);
    nm_graph_output(graph, nm_graph_binary(graph, NM_OP_MUL, next, x), "y");
    nm_check_options options = nm_check_defaults(NM_F64);
    options.steps = 3;
    options.null_last_seeds = true;
    nm_assert_cell(graph, &options, NM_F64_TOLERANCE, true, true);
    nm_graph_free(graph);
}

/* The IR for --emit=llvm, before and after optimisation. */
static void test_emit_llvm_ir(void **state)
{
    (void)state;
    nm_graph *graph = nm_matmul_graph(nm_shape2(3, 5), nm_shape2(5, 4), false, false);
    nm_graph *backward = nm_graph_backward(graph);
    for (int optimize = 0; optimize < 2; optimize++) {
        char *error = NULL;
        char *ir = nm_cell_jit_ir(graph, backward, NM_F32, optimize, &error);
        assert_non_null(ir);
        assert_non_null(strstr(ir, "define void @nm_graph_forward("));
        assert_non_null(strstr(ir, "define void @nm_graph_backward("));
        /* The matrix product is written with vectors (of 4 elements or more). */
        assert_non_null(strstr(ir, " x float>"));
        free(ir);
    }
    nm_graph_free(backward);
    nm_graph_free(graph);
}

/* Shapes with an empty dimension are rejected with a message. */
static void test_empty_dimension_rejected(void **state)
{
    (void)state;
    nm_graph *graph = nm_graph_new(1);
    int x = nm_graph_input(graph, "x", nm_shape2(3, 0));
    nm_graph_output(graph, nm_graph_unary(graph, NM_OP_EXP, x), "y");
    char *error = NULL;
    nm_cell_jit *jit = nm_cell_jit_compile(graph, NULL, NM_F64, &error);
    assert_null(jit);
    assert_non_null(error);
    assert_non_null(strstr(error, "[3, 0]"));
    free(error);
    nm_graph_free(graph);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_same_shape),
        cmocka_unit_test(test_binary_broadcast),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_unary_extremes),
        cmocka_unit_test(test_fused_chain),
        cmocka_unit_test(test_state_steps),
        cmocka_unit_test(test_constants_and_identity),
        cmocka_unit_test(test_matmul_plain),
        cmocka_unit_test(test_matmul_transposed),
        cmocka_unit_test(test_matmul_both_transposed),
        cmocka_unit_test(test_matmul_operands),
        cmocka_unit_test(test_sum_every_axis),
        cmocka_unit_test(test_sum_to),
        cmocka_unit_test(test_softmax_every_axis),
        cmocka_unit_test(test_roll),
        cmocka_unit_test(test_slice_pad),
        cmocka_unit_test(test_concat),
        cmocka_unit_test(test_reshape),
        cmocka_unit_test(test_null_seeds),
        cmocka_unit_test(test_emit_llvm_ir),
        cmocka_unit_test(test_empty_dimension_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
