/* Unit tests of nm_model_measure (compiler/model/model.h), which bounds the
 * tensors of a model without building its cells.  For several models the
 * test builds the forward and backward cells for batches of 1 and of 3
 * sequences and finds, node by node, the elements per sequence and the
 * elements that do not grow with the batch.  The measure must give the
 * largest of each exactly, and the parameter count of nm_ntm_parameter_count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "model/train.h"
#include "tensor/autodiff.h"
#include "tensor/ntm.h"

typedef struct measured {
    uint64_t per_sequence, largest_fixed;
} measured;

/* Adds the nodes of ONE (batch 1) and THREE (batch 3), built alike, to
 * the largest sizes in OUT. */
static void measure_graphs(const nm_graph *one, const nm_graph *three, measured *out)
{
    assert_int_equal(one->count, three->count);
    for (int i = 0; i < one->count; i++) {
        uint64_t a = nm_shape_size(one->nodes[i].shape), b = nm_shape_size(three->nodes[i].shape);
        uint64_t per = (b - a) / 2, fixed = a - per;
        if (per > out->per_sequence)
            out->per_sequence = per;
        if (fixed > out->largest_fixed)
            out->largest_fixed = fixed;
    }
}

static void check_spec(const nm_ntm_spec *spec)
{
    nm_ntm *one = nm_ntm_build(spec, 1), *three = nm_ntm_build(spec, 3);
    nm_graph *back_one = nm_graph_backward(one->cell), *back_three = nm_graph_backward(three->cell);
    measured graphs = {0, 0};
    measure_graphs(one->cell, three->cell, &graphs);
    measure_graphs(back_one, back_three, &graphs);

    nm_model_size size = nm_model_measure(spec);
    assert_int_equal(size.parameters, nm_ntm_parameter_count(one));
    assert_int_equal(size.per_sequence, graphs.per_sequence);
    /* A learned memory is a parameter of rows times width entries, and no
     * node of the cells has that shape without the batch. */
    uint64_t fixed = graphs.largest_fixed;
    if (spec->memory_init.kind == NM_STATE_LEARNED && (uint64_t)spec->rows * (uint64_t)spec->width > fixed)
        fixed = (uint64_t)spec->rows * (uint64_t)spec->width;
    assert_int_equal(size.largest_fixed, fixed);

    nm_graph_free(back_one);
    nm_graph_free(back_three);
    nm_ntm_free(one);
    nm_ntm_free(three);
}

static nm_ntm_spec spec_with(int inputs, int outputs)
{
    nm_ntm_spec spec;
    nm_ntm_defaults(&spec);
    spec.inputs = inputs;
    spec.outputs = outputs;
    return spec;
}

static void test_paper_copy(void **state)
{
    (void)state;
    nm_ntm_spec spec = spec_with(9, 8);
    check_spec(&spec);
    assert_int_equal(nm_model_measure(&spec).parameters, 62260);
}

static void test_feedforward_layers(void **state)
{
    (void)state;
    nm_ntm_spec spec = spec_with(3, 5);
    spec.controller = NM_CONTROLLER_FEEDFORWARD;
    spec.layers = 3;
    spec.sizes[0] = 19;
    spec.sizes[1] = 23;
    spec.sizes[2] = 7;
    spec.rows = 11;
    spec.width = 13;
    spec.read_heads = 2;
    spec.write_heads = 3;
    spec.shift_range = 2;
    check_spec(&spec);
}

static void test_lstm_layers_learned_states(void **state)
{
    (void)state;
    nm_ntm_spec spec = spec_with(4, 3);
    spec.layers = 2;
    spec.sizes[0] = spec.sizes[1] = 12;
    spec.rows = 10;
    spec.width = 5;
    spec.read_heads = 2;
    spec.write_heads = 3;
    spec.memory_init.kind = NM_STATE_LEARNED;
    spec.read_init.kind = NM_STATE_LEARNED;
    spec.weighting_init.kind = NM_STATE_LEARNED;
    check_spec(&spec);
}

/* Each of these makes a different tensor the largest: the memory, the
 * controller's gates, the head projection and the controller's input. */
static void test_each_largest(void **state)
{
    (void)state;
    nm_ntm_spec memory = spec_with(2, 2);
    memory.sizes[0] = 4;
    memory.rows = 300;
    memory.width = 40;
    check_spec(&memory);

    nm_ntm_spec gates = spec_with(2, 2);
    gates.sizes[0] = 700;
    gates.rows = 8;
    gates.width = 3;
    check_spec(&gates);

    nm_ntm_spec projection = spec_with(2, 2);
    projection.sizes[0] = 4;
    projection.rows = 40;
    projection.width = 2;
    projection.shift_range = 15;
    projection.read_heads = projection.write_heads = 8;
    check_spec(&projection);

    nm_ntm_spec input = spec_with(900, 2);
    input.sizes[0] = 4;
    input.rows = 8;
    input.width = 3;
    check_spec(&input);

    nm_ntm_spec output = spec_with(2, 900);
    output.sizes[0] = 4;
    output.rows = 8;
    output.width = 3;
    check_spec(&output);
}

static void test_max_batch(void **state)
{
    (void)state;
    nm_ntm_spec spec = spec_with(2, 2);
    spec.sizes[0] = 8;
    spec.rows = spec.width = 1024;
    nm_model_size size = nm_model_measure(&spec);
    assert_int_equal(size.per_sequence, 1024 * 1024);
    assert_int_equal(nm_model_max_batch(&size), 1024);

    spec.rows = 65536;
    spec.width = 512;
    assert_int_equal((uint64_t)spec.rows * (uint64_t)spec.width, NM_MAX_MEMORY_CELLS);
    size = nm_model_measure(&spec);
    assert_int_equal(nm_model_max_batch(&size), 32);

    /* The paper's copy model runs in batches up to NM_MAX_BATCH,
     * the largest that a train declaration allows. */
    spec = spec_with(9, 8);
    size = nm_model_measure(&spec);
    assert_true(nm_model_max_batch(&size) >= NM_MAX_BATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_copy),
        cmocka_unit_test(test_feedforward_layers),
        cmocka_unit_test(test_lstm_layers_learned_states),
        cmocka_unit_test(test_each_largest),
        cmocka_unit_test(test_max_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
