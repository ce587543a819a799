/* Neural Turing Machine cells through the JIT against the reference
 * interpreter: forward over several steps, each step fed its own next
 * states, then backward through time, in double and float; small cells
 * of every controller kind and the default 128 x 20 cell with an LSTM of
 * 100 units at batch 1 and 4.
 *
 * Inputs lie in [0, 1], parameters in [-0.5, 0.5] and initial states in
 * [0, 1], so that weightings start positive as the sharpening power needs.
 *
 * Tolerances, relative to the largest value of each result:
 * - double: 1e-13.  Matrix products and reductions along the innermost
 *   dimension add in another order than the interpreter (see
 *   test_tensor_jit_ops.c), about 1e-16 each; the steps and the deep
 *   chain of the addressing (softmax, power, normalisation) amplify it to
 *   at most 5e-15 in these runs.
 * - float: 1e-5.  Rounding to float's 2^-24 at every operation, amplified
 *   the same way: at most 7e-7 in these runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "jit_check.h"
#include "tensor/ntm.h"

#define NM_F64_TOLERANCE 1e-13
#define NM_F32_TOLERANCE 1e-5

static void nm_check_ntm(const nm_ntm_spec *spec, int batch, int steps)
{
    nm_ntm *ntm = nm_ntm_build(spec, batch);
    nm_check_options options = nm_check_defaults(NM_F64);
    options.steps = steps;
    options.low = -0.5;
    options.high = 0.5;
    options.state_low = 0.0;
    options.state_high = 1.0;
    nm_check_report report;
    for (int d = 0; d < 2; d++) {
        options.dtype = d == 0 ? NM_F64 : NM_F32;
        double tolerance = d == 0 ? NM_F64_TOLERANCE : NM_F32_TOLERANCE;
        nm_check_cell(ntm->cell, &options, &report);
        printf("  %s batch %d: forward %.2g, gradients %.2g, parameter gradients %.2g\n",
               d == 0 ? "double" : "float", batch, report.forward, report.backward, report.params);
        assert_int_equal(report.reference_nans, 0);
        assert_true(report.forward <= tolerance);
        assert_true(report.backward <= tolerance);
        assert_true(report.params <= tolerance);
    }
    nm_ntm_free(ntm);
}

static nm_ntm_spec nm_small_spec(void)
{
    nm_ntm_spec spec;
    nm_ntm_defaults(&spec);
    spec.inputs = 4;
    spec.outputs = 3;
    spec.sizes[0] = 12;
    spec.rows = 8;
    spec.width = 5;
    return spec;
}

static void test_small_lstm(void **state)
{
    (void)state;
    nm_ntm_spec spec = nm_small_spec();
    nm_check_ntm(&spec, 1, 4);
    nm_check_ntm(&spec, 3, 4);
}

static void test_small_feedforward(void **state)
{
    (void)state;
    nm_ntm_spec spec = nm_small_spec();
    spec.controller = NM_CONTROLLER_FEEDFORWARD;
    spec.layers = 2;
    spec.sizes[1] = 7;
    nm_check_ntm(&spec, 2, 3);
}

/* Two LSTM layers, several heads of each kind and shifts -2..2. */
static void test_small_many_heads(void **state)
{
    (void)state;
    nm_ntm_spec spec = nm_small_spec();
    spec.layers = 2;
    spec.sizes[1] = 9;
    spec.read_heads = 2;
    spec.write_heads = 2;
    spec.shift_range = 2;
    nm_check_ntm(&spec, 2, 3);
}

static nm_ntm_spec nm_default_spec(void)
{
    nm_ntm_spec spec;
    nm_ntm_defaults(&spec);
    spec.inputs = 9;
    spec.outputs = 8;
    return spec;
}

static void test_default_batch_1(void **state)
{
    (void)state;
    nm_ntm_spec spec = nm_default_spec();
    nm_check_ntm(&spec, 1, 3);
}

static void test_default_batch_4(void **state)
{
    (void)state;
    nm_ntm_spec spec = nm_default_spec();
    nm_check_ntm(&spec, 4, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_lstm),
        cmocka_unit_test(test_small_feedforward),
        cmocka_unit_test(test_small_many_heads),
        cmocka_unit_test(test_default_batch_1),
        cmocka_unit_test(test_default_batch_4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
