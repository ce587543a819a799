/* The side-by-side runner of the tensor JIT tests; see jit_check.h.
 *
 * Both engines get the same leaf values: drawn in double, rounded to the
 * JIT's element type, and given to the interpreter as doubles.  Each
 * engine feeds its own next states into its next step, and in the
 * backward pass its own state gradients into the step before, so errors
 * that grow through time show.  Parameter gradient arrays start from
 * random values, which checks that the JIT adds into them. */
#include "jit_check.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jit/graph_jit.h"
#include "tensor/autodiff.h"
#include "tensor/interp.h"
#include "tensor/sequence.h"

nm_check_options nm_check_defaults(nm_dtype dtype)
{
    nm_check_options options = {dtype, 1, true, -1.0, 1.0, -1.0, 1.0, 7, false, 0.0};
    return options;
}

/* Arrays of one tensor in both engines. */
typedef struct nm_pair {
    double *reference;
    void *jit;
    size_t size;
} nm_pair;

typedef struct nm_checker {
    const nm_graph *forward;
    nm_graph *backward;
    nm_cell_jit *jit;
    const nm_check_options *options;
    size_t element;
    uint64_t random;
    nm_check_report *report;
} nm_checker;

static double nm_get(const nm_checker *c, const void *array, size_t i)
{
    return c->options->dtype == NM_F32 ? (double)((const float *)array)[i] : ((const double *)array)[i];
}

static void nm_set(const nm_checker *c, void *array, size_t i, double value)
{
    if (c->options->dtype == NM_F32)
        ((float *)array)[i] = (float)value;
    else
        ((double *)array)[i] = value;
}

/* A tensor of SIZE values uniform in [LOW, HIGH], the same in both
 * engines. */
static nm_pair nm_random_range(nm_checker *c, size_t size, double low, double high)
{
    nm_pair pair = {calloc(size + 1, sizeof(double)), calloc(size + 1, c->element), size};
    for (size_t i = 0; i < size; i++) {
        nm_set(c, pair.jit, i, low + (high - low) * nm_random_uniform(&c->random));
        pair.reference[i] = nm_get(c, pair.jit, i);
    }
    return pair;
}

static nm_pair nm_random_pair(nm_checker *c, size_t size)
{
    return nm_random_range(c, size, c->options->low, c->options->high);
}

static void nm_pair_free(nm_pair *pair)
{
    free(pair->reference);
    free(pair->jit);
}

/* Folds the difference of JIT (size elements) from REFERENCE into *WORST. */
static void nm_compare(nm_checker *c, const double *reference, const void *jit, size_t size, double *worst,
                       bool *exact)
{
    double largest = 0, difference = 0;
    for (size_t i = 0; i < size; i++) {
        double expected = reference[i], actual = nm_get(c, jit, i);
        if (isnan(expected))
            c->report->reference_nans++;
        if (isnan(expected) || isnan(actual)) {
            if (isnan(expected) != isnan(actual))
                difference = INFINITY;
            continue;
        }
        if (expected != actual)
            *exact = false;
        if (fabs(expected) > largest)
            largest = fabs(expected);
        if (fabs(expected - actual) > difference)
            difference = fabs(expected - actual);
    }
    if (largest < c->options->floor)
        largest = c->options->floor;
    double relative = difference == 0 ? 0 : difference / (largest > 0 ? largest : 1e-300);
    if (relative > *worst)
        *worst = relative;
    c->report->compared++;
}

static void *nm_frame(size_t bytes)
{
    size_t rounded = (bytes + 63) / 64 * 64;
    void *frame = aligned_alloc(64, rounded ? rounded : 64);
    assert_non_null(frame);
    memset(frame, 0xff, rounded ? rounded : 64);
    return frame;
}

/* ---- forward ------------------------------------------------------------- */

typedef struct nm_run {
    int steps;
    nm_pair **inputs;         /* [step][input] */
    nm_pair *initial;         /* [state] */
    nm_pair *params;          /* [param] */
    double ***values;         /* [step]: interpreter values of every node */
    void **frames;            /* [step] */
} nm_run;

/* The states of step T: the initial ones, or each engine's next states of
 * the step before. */
static void nm_step_states(nm_checker *c, nm_run *run, int t, double **ref_states, const void **jit_states)
{
    const nm_graph *g = c->forward;
    for (int next = 0; next < g->count; next++) {
        if (g->nodes[next].result != NM_RESULT_NEXT_STATE)
            continue;
        int s = g->nodes[g->nodes[next].state_of].leaf_index;
        ref_states[s] = t == 0 ? run->initial[s].reference : run->values[t - 1][next];
        jit_states[s] = t == 0 ? run->initial[s].jit : nm_cell_jit_value(c->jit, run->frames[t - 1], next);
        assert_non_null(jit_states[s]);
    }
}

static void nm_forward_step(nm_checker *c, nm_run *run, int t)
{
    const nm_graph *g = c->forward;
    double **ref_inputs = calloc((size_t)g->input_count + 1, sizeof *ref_inputs);
    double **ref_states = calloc((size_t)g->state_count + 1, sizeof *ref_states);
    double **ref_params = calloc((size_t)g->param_count + 1, sizeof *ref_params);
    const void **jit_inputs = calloc((size_t)g->input_count + 1, sizeof *jit_inputs);
    const void **jit_states = calloc((size_t)g->state_count + 1, sizeof *jit_states);
    const void **jit_params = calloc((size_t)g->param_count + 1, sizeof *jit_params);
    for (int i = 0; i < g->input_count; i++) {
        ref_inputs[i] = run->inputs[t][i].reference;
        jit_inputs[i] = run->inputs[t][i].jit;
    }
    for (int i = 0; i < g->param_count; i++) {
        ref_params[i] = run->params[i].reference;
        jit_params[i] = run->params[i].jit;
    }
    nm_step_states(c, run, t, ref_states, jit_states);

    run->values[t] = nm_graph_values_new(g);
    nm_eval_env env = {ref_inputs, ref_states, ref_params, NULL, NULL};
    nm_graph_eval(g, &env, run->values[t]);
    run->frames[t] = nm_frame(nm_cell_jit_frame_size(c->jit));
    nm_cell_jit_forward(c->jit, run->frames[t], jit_inputs, jit_states, jit_params);

    for (int i = 0; i < g->count; i++) {
        nm_result_kind kind = g->nodes[i].result;
        if (kind != NM_RESULT_OUTPUT && kind != NM_RESULT_NEXT_STATE)
            continue;
        void *value = nm_cell_jit_value(c->jit, run->frames[t], i);
        assert_non_null(value);
        nm_compare(c, run->values[t][i], value, nm_shape_size(g->nodes[i].shape), &c->report->forward,
                   &c->report->forward_exact);
    }
    free(ref_inputs);
    free(ref_states);
    free(ref_params);
    free(jit_inputs);
    free(jit_states);
    free(jit_params);
}

/* ---- backward ------------------------------------------------------------ */

typedef struct nm_gradients {
    nm_pair *seeds;           /* per forward node: outputs and next states */
    nm_pair *inputs;          /* per input: this step's gradients */
    nm_pair *states[2];       /* per state: this step's and the later step's */
    nm_pair *params;          /* per param: accumulated */
} nm_gradients;

/* Seeds of step T.  Outputs get random gradients.  Next states get the
 * state gradients of step T + 1, or at the last step random values (or
 * zeros). */
static void nm_fill_seeds(nm_checker *c, nm_gradients *grads, const nm_run *run, int t, const void **jit_seeds,
                          double **ref_seeds)
{
    const nm_graph *g = c->forward;
    for (int i = 0; i < g->count; i++) {
        const nm_node *node = &g->nodes[i];
        size_t size = nm_shape_size(node->shape);
        if (node->result == NM_RESULT_OUTPUT) {
            nm_pair_free(&grads->seeds[i]);
            grads->seeds[i] = nm_random_pair(c, size);
        } else if (node->result == NM_RESULT_NEXT_STATE) {
            int s = g->nodes[node->state_of].leaf_index;
            nm_pair_free(&grads->seeds[i]);
            if (t + 1 < run->steps) {
                grads->seeds[i] = (nm_pair){calloc(size + 1, sizeof(double)), calloc(size + 1, c->element), size};
                memcpy(grads->seeds[i].reference, grads->states[1][s].reference, size * sizeof(double));
                memcpy(grads->seeds[i].jit, grads->states[1][s].jit, size * c->element);
            } else if (!c->options->null_last_seeds) {
                grads->seeds[i] = nm_random_pair(c, size);
            } else {
                grads->seeds[i] = (nm_pair){calloc(size + 1, sizeof(double)), NULL, size};
            }
        } else {
            continue;
        }
        ref_seeds[i] = grads->seeds[i].reference;
        jit_seeds[i] = grads->seeds[i].jit;
    }
}

static void nm_alloc_gradients(nm_checker *c, nm_gradients *grads)
{
    const nm_graph *g = c->forward;
    grads->seeds = calloc((size_t)g->count + 1, sizeof *grads->seeds);
    grads->inputs = calloc((size_t)g->input_count + 1, sizeof *grads->inputs);
    grads->states[0] = calloc((size_t)g->state_count + 1, sizeof *grads->states[0]);
    grads->states[1] = calloc((size_t)g->state_count + 1, sizeof *grads->states[1]);
    grads->params = calloc((size_t)g->param_count + 1, sizeof *grads->params);
    for (int i = 0; i < g->count; i++) {
        const nm_node *node = &g->nodes[i];
        size_t size = nm_shape_size(node->shape);
        if (node->op == NM_OP_INPUT)
            grads->inputs[node->leaf_index] = nm_random_pair(c, size);
        if (node->op == NM_OP_STATE) {
            grads->states[0][node->leaf_index] = nm_random_pair(c, size);
            grads->states[1][node->leaf_index] = nm_random_pair(c, size);
        }
        if (node->op == NM_OP_PARAM)
            grads->params[node->leaf_index] = nm_random_pair(c, size);
    }
}

static void nm_free_gradients(nm_checker *c, nm_gradients *grads)
{
    const nm_graph *g = c->forward;
    for (int i = 0; i < g->count; i++)
        nm_pair_free(&grads->seeds[i]);
    for (int i = 0; i < g->input_count; i++)
        nm_pair_free(&grads->inputs[i]);
    for (int s = 0; s < g->state_count; s++) {
        nm_pair_free(&grads->states[0][s]);
        nm_pair_free(&grads->states[1][s]);
    }
    for (int p = 0; p < g->param_count; p++)
        nm_pair_free(&grads->params[p]);
    free(grads->seeds);
    free(grads->inputs);
    free(grads->states[0]);
    free(grads->states[1]);
    free(grads->params);
}

/* The interpreter's backward step: gradients into GRADS (parameters
 * added). */
static void nm_reference_backward(nm_checker *c, nm_gradients *grads, double **forward_values, double **seeds)
{
    const nm_graph *b = c->backward;
    double **values = nm_graph_values_new(b);
    nm_eval_env env = {NULL, NULL, NULL, forward_values, seeds};
    nm_graph_eval(b, &env, values);
    for (int i = 0; i < b->count; i++) {
        const nm_node *node = &b->nodes[i];
        size_t size = nm_shape_size(node->shape);
        double *target = NULL;
        if (node->result == NM_RESULT_INPUT_GRAD)
            target = grads->inputs[node->result_index].reference;
        else if (node->result == NM_RESULT_STATE_GRAD)
            target = grads->states[0][node->result_index].reference;
        else if (node->result == NM_RESULT_PARAM_GRAD)
            for (size_t k = 0; k < size; k++)
                grads->params[node->result_index].reference[k] += values[i][k];
        if (target)
            memcpy(target, values[i], size * sizeof *target);
    }
    nm_graph_values_free(b, values);
}

static void nm_backward_step(nm_checker *c, nm_run *run, nm_gradients *grads, void *scratch, int t)
{
    const nm_graph *g = c->forward;
    const void **jit_seeds = calloc((size_t)g->count + 1, sizeof *jit_seeds);
    double **ref_seeds = calloc((size_t)g->count + 1, sizeof *ref_seeds);
    nm_fill_seeds(c, grads, run, t, jit_seeds, ref_seeds);
    void **input_grads = calloc((size_t)g->input_count + 1, sizeof *input_grads);
    void **state_grads = calloc((size_t)g->state_count + 1, sizeof *state_grads);
    void **param_grads = calloc((size_t)g->param_count + 1, sizeof *param_grads);
    const void **params = calloc((size_t)g->param_count + 1, sizeof *params);
    for (int i = 0; i < g->input_count; i++)
        input_grads[i] = grads->inputs[i].jit;
    for (int s = 0; s < g->state_count; s++)
        state_grads[s] = grads->states[0][s].jit;
    for (int p = 0; p < g->param_count; p++) {
        param_grads[p] = grads->params[p].jit;
        params[p] = run->params[p].jit;
    }

    nm_reference_backward(c, grads, run->values[t], ref_seeds);
    nm_cell_jit_backward(c->jit, scratch, run->frames[t], jit_seeds, params, input_grads, state_grads,
                         param_grads);
    for (int i = 0; i < g->input_count; i++)
        nm_compare(c, grads->inputs[i].reference, grads->inputs[i].jit, grads->inputs[i].size,
                   &c->report->backward, &c->report->backward_exact);
    for (int s = 0; s < g->state_count; s++)
        nm_compare(c, grads->states[0][s].reference, grads->states[0][s].jit, grads->states[0][s].size,
                   &c->report->backward, &c->report->backward_exact);

    /* This step's state gradients seed the step before. */
    nm_pair *swap = grads->states[0];
    grads->states[0] = grads->states[1];
    grads->states[1] = swap;
    free(jit_seeds);
    free(ref_seeds);
    free(input_grads);
    free(state_grads);
    free(param_grads);
    free(params);
}

static void nm_run_backward(nm_checker *c, nm_run *run)
{
    const nm_graph *g = c->forward;
    nm_gradients grads;
    nm_alloc_gradients(c, &grads);
    void *scratch = nm_frame(nm_cell_jit_backward_frame_size(c->jit));
    for (int t = run->steps - 1; t >= 0; t--)
        nm_backward_step(c, run, &grads, scratch, t);
    for (int p = 0; p < g->param_count; p++)
        nm_compare(c, grads.params[p].reference, grads.params[p].jit, grads.params[p].size, &c->report->params,
                   &c->report->params_exact);
    free(scratch);
    nm_free_gradients(c, &grads);
}

/* ---- the whole check -------------------------------------------------------- */

static void nm_run_init(nm_checker *c, nm_run *run)
{
    const nm_graph *g = c->forward;
    run->steps = c->options->steps;
    run->inputs = calloc((size_t)run->steps, sizeof *run->inputs);
    run->initial = calloc((size_t)g->state_count + 1, sizeof *run->initial);
    run->params = calloc((size_t)g->param_count + 1, sizeof *run->params);
    run->values = calloc((size_t)run->steps, sizeof *run->values);
    run->frames = calloc((size_t)run->steps, sizeof *run->frames);
    for (int i = 0; i < g->count; i++) {
        const nm_node *node = &g->nodes[i];
        if (node->op == NM_OP_STATE)
            run->initial[node->leaf_index] = nm_random_range(c, nm_shape_size(node->shape), c->options->state_low,
                                                             c->options->state_high);
        if (node->op == NM_OP_PARAM)
            run->params[node->leaf_index] = nm_random_pair(c, nm_shape_size(node->shape));
    }
    for (int t = 0; t < run->steps; t++) {
        run->inputs[t] = calloc((size_t)g->input_count + 1, sizeof **run->inputs);
        for (int i = 0; i < g->count; i++)
            if (g->nodes[i].op == NM_OP_INPUT)
                run->inputs[t][g->nodes[i].leaf_index] = nm_random_pair(c, nm_shape_size(g->nodes[i].shape));
    }
}

static void nm_run_free(nm_checker *c, nm_run *run)
{
    const nm_graph *g = c->forward;
    for (int t = 0; t < run->steps; t++) {
        for (int i = 0; i < g->input_count; i++)
            nm_pair_free(&run->inputs[t][i]);
        free(run->inputs[t]);
        nm_graph_values_free(g, run->values[t]);
        free(run->frames[t]);
    }
    for (int s = 0; s < g->state_count; s++)
        nm_pair_free(&run->initial[s]);
    for (int p = 0; p < g->param_count; p++)
        nm_pair_free(&run->params[p]);
    free(run->inputs);
    free(run->initial);
    free(run->params);
    free(run->values);
    free(run->frames);
}

void nm_check_cell(const nm_graph *forward, const nm_check_options *options, nm_check_report *report)
{
    memset(report, 0, sizeof *report);
    report->forward_exact = report->backward_exact = report->params_exact = true;
    nm_checker c = {forward, NULL, NULL, options, options->dtype == NM_F32 ? sizeof(float) : sizeof(double),
                    options->seed, report};
    if (options->backward)
        c.backward = nm_graph_backward(forward);
    char *error = NULL;
    c.jit = nm_cell_jit_compile(forward, c.backward, options->dtype, &error);
    if (!c.jit)
        fail_msg("the JIT failed: %s", error ? error : "no message");

    nm_run run;
    nm_run_init(&c, &run);
    for (int t = 0; t < run.steps; t++)
        nm_forward_step(&c, &run, t);
    if (options->backward)
        nm_run_backward(&c, &run);
    nm_run_free(&c, &run);
    nm_cell_jit_free(c.jit);
    nm_graph_free(c.backward);
}

void nm_assert_cell(const nm_graph *forward, const nm_check_options *options, double tolerance,
                    bool exact_forward, bool exact_backward)
{
    nm_check_report report;
    nm_check_cell(forward, options, &report);
    if (report.reference_nans > 0)
        fail_msg("the interpreter computed %d NaN values: the test's inputs are out of range",
                 report.reference_nans);
    if (exact_forward && !report.forward_exact)
        fail_msg("forward results differ from the interpreter by %g (relative), expected equal values",
                 report.forward);
    if (exact_backward && !report.backward_exact)
        fail_msg("input and state gradients differ from the interpreter by %g (relative), expected equal "
                 "values",
                 report.backward);
    if (report.forward > tolerance)
        fail_msg("forward results differ from the interpreter by %g (relative), more than %g", report.forward,
                 tolerance);
    if (report.backward > tolerance)
        fail_msg("input and state gradients differ by %g (relative), more than %g", report.backward, tolerance);
    if (report.params > tolerance)
        fail_msg("parameter gradients differ by %g (relative), more than %g", report.params, tolerance);
    assert_true(report.compared > 0);
}
