/* Gradients of every tensor operation alone, of the composites the NTM is
 * built from, and of whole NTM cells through time: reverse-mode results
 * against central finite differences (extrapolated), in double precision,
 * with the reference interpreter.  Includes the cases other NTM
 * implementations trip on: an all-zero memory row in the cosine, a
 * sharpening exponent of exactly 1, a shift weighting on one shift, and
 * saturated outputs with the loss computed from logits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tensor/autodiff.h"
#include "tensor/build.h"
#include "tensor/gradcheck.h"
#include "tensor/interp.h"

#define NM_TOLERANCE 1e-6

/* A graph under test: parameters are the operands, with their values. */
typedef struct nm_case {
    nm_graph *graph;
    double *values[16];
    uint64_t random;
} nm_case;

static void nm_case_init(nm_case *c)
{
    memset(c, 0, sizeof *c);
    c->graph = nm_graph_new(1);
    c->random = 12345;
}

/* A parameter with uniform values in [low, high]. */
static int nm_operand(nm_case *c, nm_shape shape, double low, double high)
{
    int node = nm_graph_param(c->graph, NULL, shape);
    int index = c->graph->nodes[node].leaf_index;
    size_t size = nm_shape_size(shape);
    c->values[index] = malloc(size * sizeof(double));
    for (size_t i = 0; i < size; i++)
        c->values[index][i] = low + (high - low) * nm_random_uniform(&c->random);
    return node;
}

static double nm_loss(nm_case *c, int output, const double *weights)
{
    double **values = nm_graph_values_new(c->graph);
    nm_eval_env env = {NULL, NULL, c->values, NULL, NULL};
    nm_graph_eval(c->graph, &env, values);
    double loss = 0;
    size_t size = nm_shape_size(c->graph->nodes[output].shape);
    for (size_t i = 0; i < size; i++)
        loss += weights[i] * values[output][i];
    nm_graph_values_free(c->graph, values);
    return loss;
}

/* Checks d(sum of weights * output)/d(every operand entry); returns the
 * largest relative error. */
static double nm_check(nm_case *c, int output)
{
    nm_graph_output(c->graph, output, "y");
    size_t size = nm_shape_size(c->graph->nodes[output].shape);
    double *weights = malloc(size * sizeof *weights);
    for (size_t i = 0; i < size; i++)
        weights[i] = 2 * nm_random_uniform(&c->random) - 1;

    nm_graph *backward = nm_graph_backward(c->graph);
    double **forward_values = nm_graph_values_new(c->graph);
    nm_eval_env env = {NULL, NULL, c->values, NULL, NULL};
    nm_graph_eval(c->graph, &env, forward_values);
    double **seeds = calloc((size_t)c->graph->count, sizeof *seeds);
    seeds[output] = weights;
    double **backward_values = nm_graph_values_new(backward);
    nm_eval_env back_env = {NULL, NULL, c->values, forward_values, seeds};
    nm_graph_eval(backward, &back_env, backward_values);

    double worst = 0;
    for (int b = 0; b < backward->count; b++) {
        const nm_node *node = &backward->nodes[b];
        if (node->result != NM_RESULT_PARAM_GRAD)
            continue;
        double *param = c->values[node->result_index];
        size_t entries = nm_shape_size(node->shape);
        double largest = 0;
        for (size_t i = 0; i < entries; i++)
            largest = fmax(largest, fabs(backward_values[b][i]));
        for (size_t i = 0; i < entries; i++) {
            double saved = param[i], h = 2e-4, loss[4];
            double steps[4] = {h, -h, h / 2, -h / 2};
            for (int k = 0; k < 4; k++) {
                param[i] = saved + steps[k];
                loss[k] = nm_loss(c, output, weights);
            }
            param[i] = saved;
            double wide = (loss[0] - loss[1]) / (2 * h), narrow = (loss[2] - loss[3]) / h;
            double numeric = (4 * narrow - wide) / 3, analytic = backward_values[b][i];
            assert_true(isfinite(analytic));
            double scale = fmax(fmax(fabs(analytic), fabs(numeric)), fmax(1e-2 * largest, 1e-9));
            worst = fmax(worst, fabs(analytic - numeric) / scale);
        }
    }
    nm_graph_values_free(backward, backward_values);
    nm_graph_values_free(c->graph, forward_values);
    nm_graph_free(backward);
    free(seeds);
    free(weights);
    return worst;
}

static void nm_case_free(nm_case *c)
{
    for (int i = 0; i < 16; i++)
        free(c->values[i]);
    nm_graph_free(c->graph);
}

static void test_binary_ops(void **state)
{
    (void)state;
    nm_op ops[5] = {NM_OP_ADD, NM_OP_SUB, NM_OP_MUL, NM_OP_DIV, NM_OP_POW};
    nm_shape left[3] = {nm_shape2(2, 3), nm_shape2(2, 1), nm_shape2(2, 3)};
    nm_shape right[3] = {nm_shape2(2, 3), nm_shape2(1, 3), nm_shape1(3)};
    for (int o = 0; o < 5; o++) {
        for (int s = 0; s < 3; s++) {
            nm_case c;
            nm_case_init(&c);
            int a = nm_operand(&c, left[s], 0.5, 2.0);
            int b = nm_operand(&c, right[s], 0.5, 2.0);
            double error = nm_check(&c, nm_graph_binary(c.graph, ops[o], a, b));
            if (error > NM_TOLERANCE)
                fprintf(stderr, "%s with shapes %d: error %g\n", nm_op_name(ops[o]), s, error);
            assert_true(error <= NM_TOLERANCE);
            nm_case_free(&c);
        }
    }
}

static void test_unary_ops(void **state)
{
    (void)state;
    nm_op ops[7] = {NM_OP_NEG, NM_OP_EXP, NM_OP_LOG, NM_OP_SQRT, NM_OP_SIGMOID, NM_OP_TANH, NM_OP_SOFTPLUS};
    for (int o = 0; o < 7; o++) {
        nm_case c;
        nm_case_init(&c);
        int a = nm_operand(&c, nm_shape2(3, 4), 0.2, 2.0);
        double error = nm_check(&c, nm_graph_unary(c.graph, ops[o], a));
        if (error > NM_TOLERANCE)
            fprintf(stderr, "%s: error %g\n", nm_op_name(ops[o]), error);
        assert_true(error <= NM_TOLERANCE);
        nm_case_free(&c);
    }
}

static void test_matmul_forms(void **state)
{
    (void)state;
    for (int form = 0; form < 4; form++) {
        nm_case c;
        nm_case_init(&c);
        int y;
        if (form == 0) {
            y = nm_graph_matmul(c.graph, nm_operand(&c, nm_shape2(3, 4), -1, 1),
                                nm_operand(&c, nm_shape2(4, 5), -1, 1), false, false);
        } else if (form == 1) {
            y = nm_graph_matmul(c.graph, nm_operand(&c, nm_shape2(4, 3), -1, 1),
                                nm_operand(&c, nm_shape2(4, 5), -1, 1), true, false);
        } else if (form == 2) {
            y = nm_graph_matmul(c.graph, nm_operand(&c, nm_shape2(3, 4), -1, 1),
                                nm_operand(&c, nm_shape2(5, 4), -1, 1), false, true);
        } else {
            y = nm_graph_matmul(c.graph, nm_operand(&c, nm_shape3(2, 3, 4), -1, 1),
                                nm_operand(&c, nm_shape2(4, 5), -1, 1), false, false);
        }
        double error = nm_check(&c, y);
        assert_true(error <= NM_TOLERANCE);
        nm_case_free(&c);
    }
}

static void test_reductions_and_softmax(void **state)
{
    (void)state;
    for (int axis = 0; axis < 3; axis++) {
        nm_case c;
        nm_case_init(&c);
        int a = nm_operand(&c, nm_shape3(2, 3, 4), -1, 1);
        assert_true(nm_check(&c, nm_graph_sum(c.graph, a, axis)) <= NM_TOLERANCE);
        nm_case_free(&c);

        nm_case_init(&c);
        a = nm_operand(&c, nm_shape3(2, 3, 4), -2, 2);
        assert_true(nm_check(&c, nm_graph_softmax(c.graph, a, axis)) <= NM_TOLERANCE);
        nm_case_free(&c);
    }
    nm_case c;
    nm_case_init(&c);
    int a = nm_operand(&c, nm_shape3(2, 3, 4), -1, 1);
    assert_true(nm_check(&c, nm_graph_sum_to(c.graph, a, nm_shape2(1, 4))) <= NM_TOLERANCE);
    nm_case_free(&c);
}

static void test_structure_ops(void **state)
{
    (void)state;
    for (int kind = 0; kind < 5; kind++) {
        nm_case c;
        nm_case_init(&c);
        int a = nm_operand(&c, nm_shape2(3, 5), -1, 1);
        int y;
        if (kind == 0) {
            y = nm_graph_roll(c.graph, a, 1, 2);
        } else if (kind == 1) {
            y = nm_graph_slice(c.graph, a, 1, 1, 3);
        } else if (kind == 2) {
            y = nm_graph_pad(c.graph, a, 0, 1, 6);
        } else if (kind == 3) {
            int parts[2] = {a, nm_operand(&c, nm_shape2(3, 2), -1, 1)};
            y = nm_graph_concat(c.graph, parts, 2, 1);
        } else {
            y = nm_graph_reshape(c.graph, a, nm_shape2(5, 3));
        }
        double error = nm_check(&c, nm_graph_unary(c.graph, NM_OP_TANH, y));
        assert_true(error <= NM_TOLERANCE);
        nm_case_free(&c);
    }
}

/* An all-zero memory row.  The row's norm |v| has a kink at 0, so the
 * cosine's central differences differ from the gradient by about
 * |u| h / epsilon; with steps of 1e-4 they can check it only with an
 * epsilon far above that (1e4).  With the model's 1e-8 the check is that
 * every gradient stays finite (nm_check asserts that too). */
static void test_cosine_with_zero_row(void **state)
{
    (void)state;
    double epsilons[2] = {1e4, 1e-8};
    for (int e = 0; e < 2; e++) {
        nm_case c;
        nm_case_init(&c);
        int key = nm_operand(&c, nm_shape2(2, 4), -1, 1);
        int memory = nm_operand(&c, nm_shape3(2, 5, 4), -1, 1);
        int index = c.graph->nodes[memory].leaf_index;
        for (int w = 0; w < 4; w++)
            c.values[index][2 * 4 + w] = 0.0; /* row 2 of the first sequence */
        int similarity = nm_build_cosine(c.graph, key, memory, epsilons[e]);
        double error = nm_check(&c, similarity);
        if (e == 0)
            assert_true(error <= NM_TOLERANCE);
        nm_case_free(&c);
    }
}

static void test_sharpening_exponent_one(void **state)
{
    (void)state;
    nm_case c;
    nm_case_init(&c);
    int weighting = nm_operand(&c, nm_shape2(2, 5), 0.05, 0.5);
    int gamma = nm_operand(&c, nm_shape2(2, 1), 1.0, 1.0); /* exactly 1 */
    int powered = nm_graph_binary(c.graph, NM_OP_POW, weighting, gamma);
    int normalised = nm_graph_binary(c.graph, NM_OP_DIV, powered, nm_graph_sum(c.graph, powered, 1));
    assert_true(nm_check(&c, normalised) <= NM_TOLERANCE);
    nm_case_free(&c);
}

static void test_shift_on_one_offset(void **state)
{
    (void)state;
    nm_case c;
    nm_case_init(&c);
    int weighting = nm_operand(&c, nm_shape2(2, 6), 0.0, 1.0);
    int logits = nm_operand(&c, nm_shape2(2, 3), -1, 1);
    int index = c.graph->nodes[logits].leaf_index;
    for (int b = 0; b < 2; b++)
        c.values[index][b * 3 + 2] = 40.0; /* all the weight on shift +1 */
    int shifts = nm_graph_softmax(c.graph, logits, 1);
    int shifted = nm_build_circular_conv(c.graph, weighting, shifts, 1);
    assert_true(nm_check(&c, shifted) <= NM_TOLERANCE);
    nm_case_free(&c);
}

static void test_circular_conv_and_outer(void **state)
{
    (void)state;
    nm_case c;
    nm_case_init(&c);
    int weighting = nm_operand(&c, nm_shape2(2, 7), 0, 1);
    int shifts = nm_operand(&c, nm_shape2(2, 5), 0, 1);
    assert_true(nm_check(&c, nm_build_circular_conv(c.graph, weighting, shifts, 2)) <= NM_TOLERANCE);
    nm_case_free(&c);

    nm_case_init(&c);
    int a = nm_operand(&c, nm_shape2(2, 3), -1, 1);
    int b = nm_operand(&c, nm_shape2(2, 4), -1, 1);
    int memory = nm_operand(&c, nm_shape3(2, 3, 4), -1, 1);
    int outer = nm_build_outer(c.graph, a, b);
    int read = nm_build_read(c.graph, a, nm_graph_binary(c.graph, NM_OP_ADD, memory, outer));
    assert_true(nm_check(&c, read) <= NM_TOLERANCE);
    nm_case_free(&c);
}

/* A whole NTM through time, with the given controller and heads. */
static void nm_check_ntm(nm_controller_kind controller, int read_heads, int write_heads, double logit_scale)
{
    nm_ntm_spec spec;
    nm_ntm_defaults(&spec);
    spec.controller = controller;
    spec.sizes[0] = 5;
    spec.inputs = 4;
    spec.outputs = 3;
    spec.rows = 6;
    spec.width = 4;
    spec.read_heads = read_heads;
    spec.write_heads = write_heads;
    spec.memory_init = (nm_state_init){NM_STATE_LEARNED, 0};
    spec.read_init = (nm_state_init){NM_STATE_LEARNED, 0};
    /* A learned weighting starts as the softmax of its parameter. */
    spec.weighting_init = (nm_state_init){NM_STATE_LEARNED, 0};
    int batch = 2, steps = 4;
    nm_ntm *ntm = nm_ntm_build(&spec, batch);
    nm_graph *backward = nm_graph_backward(ntm->cell);
    nm_sequence_model *model =
        nm_sequence_model_new(ntm, backward, nm_interp_cell_engine(ntm->cell, backward), steps);
    nm_sequence_model_randomize(model, 3, 0.5);
    /* Saturated outputs: large output weights push the logits far past 0 and 1. */
    for (size_t i = 0; i < model->param_sizes[model->cell_params - 2]; i++)
        nm_sequence_set(model, model->params, model->cell_params - 2, i,
                        logit_scale * nm_sequence_get(model, model->params, model->cell_params - 2, i));

    double inputs[4][8], targets[4][6];
    const double *input_rows[4], *target_rows[4];
    unsigned char mask[4] = {0, 1, 1, 1};
    uint64_t random = 9;
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < 8; i++)
            inputs[t][i] = nm_random_uniform(&random) < 0.5;
        for (int i = 0; i < 6; i++)
            targets[t][i] = nm_random_uniform(&random) < 0.5;
        input_rows[t] = inputs[t];
        target_rows[t] = targets[t];
    }
    nm_sequence_batch data = {steps, input_rows, target_rows, mask};
    double loss = nm_sequence_run(model, &data, false, NULL);
    assert_true(isfinite(loss));

    nm_gradcheck_result results[64];
    nm_gradcheck(model, &data, 25, 5, results);
    for (int p = 0; p < model->param_count; p++) {
        if (results[p].max_error > NM_TOLERANCE)
            fprintf(stderr, "%s: error %g\n", results[p].name, results[p].max_error);
        assert_true(results[p].max_error <= NM_TOLERANCE);
    }
    nm_sequence_model_free(model);
}

/* The error measure counts differences beyond rounding, even in a tensor
 * whose gradients are all small. */
static void test_gradcheck_error_measure(void **state)
{
    (void)state;
    double rounding = 1e-10;
    /* A relative difference of 2e-6 at scale 1 fails. */
    assert_true(nm_gradcheck_error(1.0, 1.0 + 2e-6, 1e-2, rounding) > NM_GRADCHECK_TOLERANCE);
    /* Rounding-sized differences in a tensor of tiny gradients pass. */
    assert_true(nm_gradcheck_error(3e-4, 3e-4 + 7e-12, 3e-6, rounding) == 0.0);
    /* A wrong gradient in the same tensor still fails. */
    assert_true(nm_gradcheck_error(3e-4, 3.01e-4, 3e-6, rounding) > NM_GRADCHECK_TOLERANCE);
    assert_true(nm_gradcheck_error(3e-4, -3e-4, 3e-6, rounding) > NM_GRADCHECK_TOLERANCE);
    /* Below the floor, the error is measured against the floor. */
    assert_true(nm_gradcheck_error(0.0, 1e-7, 1e-2, rounding) > NM_GRADCHECK_TOLERANCE);
}

static void test_ntm_lstm_one_head_pair(void **state)
{
    (void)state;
    nm_check_ntm(NM_CONTROLLER_LSTM, 1, 1, 1.0);
}

static void test_ntm_feedforward_several_heads(void **state)
{
    (void)state;
    nm_check_ntm(NM_CONTROLLER_FEEDFORWARD, 3, 2, 1.0);
}

static void test_ntm_lstm_several_heads(void **state)
{
    (void)state;
    nm_check_ntm(NM_CONTROLLER_LSTM, 2, 3, 1.0);
}

static void test_ntm_saturated_outputs(void **state)
{
    (void)state;
    nm_check_ntm(NM_CONTROLLER_LSTM, 1, 1, 200.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_ops),
        cmocka_unit_test(test_unary_ops),
        cmocka_unit_test(test_matmul_forms),
        cmocka_unit_test(test_reductions_and_softmax),
        cmocka_unit_test(test_structure_ops),
        cmocka_unit_test(test_cosine_with_zero_row),
        cmocka_unit_test(test_sharpening_exponent_one),
        cmocka_unit_test(test_shift_on_one_offset),
        cmocka_unit_test(test_circular_conv_and_outer),
        cmocka_unit_test(test_ntm_lstm_one_head_pair),
        cmocka_unit_test(test_gradcheck_error_measure),
        cmocka_unit_test(test_ntm_feedforward_several_heads),
        cmocka_unit_test(test_ntm_lstm_several_heads),
        cmocka_unit_test(test_ntm_saturated_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
