/* Unit tests of the optimisers and gradient clipping (runtime/optim.h).
 * Each optimiser runs two or three steps on a small tensor with chosen
 * gradients, and the test states the expected parameters and state slots
 * as arithmetic on literal numbers, once with double and once with float
 * tensors.  The hyperparameters and inputs are dyadic rationals of a few
 * bits, so every sum and product before a square root or a division is
 * exact in double and float.  The tests compare such values exactly and
 * the others within a relative tolerance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "optim.h"

/* Relative tolerances.  With double tensors, the expected values below
 * may round their square roots and quotients in a different order than
 * the optimiser, so the two can differ by a few units in the last place,
 * about 1e-16 relative each.  1e-12 allows for that with a wide margin
 * while any mistake in a formula moves the results far more.  With float
 * tensors the parameter is rounded to float after every step, a relative
 * error of at most 2^-24 (6e-8) per step, so 1e-6 covers three steps. */
#define DOUBLE_TOLERANCE 1e-12
#define FLOAT_TOLERANCE 1e-6

enum { ENTRIES = 3 };

/* Fails unless ACTUAL is within TOLERANCE of EXPECTED, relative to
 * |EXPECTED|, or absolute when EXPECTED is 0. */
static void check_close(double actual, double expected, double tolerance, const char *label, int index)
{
    double scale = expected != 0 ? fabs(expected) : 1.0;
    if (!(fabs(actual - expected) <= tolerance * scale))
        fail_msg("%s[%d] is %.17g, expected %.17g (tolerance %g relative)", label, index, actual, expected,
                 tolerance);
}

static void check_exact(double actual, double expected, const char *label, int index)
{
    if (actual != expected)
        fail_msg("%s[%d] is %.17g, expected exactly %.17g", label, index, actual, expected);
}

/* An optimiser spec with every field zero except KIND: no clipping. */
static nm_optimizer_spec plain_spec(nm_optimizer_kind kind)
{
    nm_optimizer_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.kind = kind;
    return spec;
}

/* Applies one update to a single tensor of ENTRIES values.  PARAM and GRAD
 * are kept as doubles here.  With DOUBLES false they are copied to float
 * tensors for the step, and the float results are copied back.  The test
 * values are exact in float, so the copies lose nothing.  GRAD is copied
 * because the step clips the gradients in place. */
static void step_one_tensor(nm_optimizer *optimizer, double *param, const double *grad, bool doubles)
{
    double grad_copy[ENTRIES];
    float param_float[ENTRIES], grad_float[ENTRIES];
    void *params[1], *grads[1];
    if (doubles) {
        memcpy(grad_copy, grad, sizeof grad_copy);
        params[0] = param;
        grads[0] = grad_copy;
    } else {
        for (int i = 0; i < ENTRIES; i++) {
            param_float[i] = (float)param[i];
            grad_float[i] = (float)grad[i];
        }
        params[0] = param_float;
        grads[0] = grad_float;
    }

    nm_optimizer_step(optimizer, params, grads, doubles);

    if (!doubles)
        for (int i = 0; i < ENTRIES; i++)
            param[i] = param_float[i];
}

/* ---- RMSProp ---------------------------------------------------------- */

/* decay 0.75, momentum 0.5, lr 0.125, epsilon 0.0625; w0 = (1, 0.5, -0.25),
 * g1 = (2, -1, 0.5), g2 = (1, 1, -0.5).  Decay and 1 - decay differ, and so
 * do momentum and lr, so a swap of either pair changes the results.
 *
 * Step 1, from n = m = d = 0:
 *   n1 = 0.25 g1^2 = (1, 0.25, 0.0625)
 *   m1 = 0.25 g1   = (0.5, -0.25, 0.125)
 *   n1 - m1^2 + epsilon = (1 - 0.25 + 0.0625, 0.25 - 0.0625 + 0.0625,
 *                          0.0625 - 0.015625 + 0.0625)
 *                       = (0.8125, 0.25, 0.109375)
 *   d1 = -0.125 g1 / sqrt(...) = (-0.25 / sqrt(0.8125), 0.125 / 0.5,
 *                                 -0.0625 / sqrt(0.109375))
 * Step 2:
 *   n2 = 0.75 n1 + 0.25 g2^2 = (0.75 + 0.25, 0.1875 + 0.25, 0.046875 + 0.0625)
 *                            = (1, 0.4375, 0.109375)
 *   m2 = 0.75 m1 + 0.25 g2   = (0.375 + 0.25, -0.1875 + 0.25, 0.09375 - 0.125)
 *                            = (0.625, 0.0625, -0.03125)
 *   n2 - m2^2 + epsilon = (1 - 0.390625 + 0.0625, 0.4375 - 0.00390625 + 0.0625,
 *                          0.109375 - 0.0009765625 + 0.0625)
 *                       = (0.671875, 0.49609375, 0.1708984375)
 *   d2 = 0.5 d1 - 0.125 g2 / sqrt(...) */
static void check_rmsprop(bool doubles)
{
    double tolerance = doubles ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
    nm_optimizer_spec spec = plain_spec(NM_OPTIMIZER_RMSPROP);
    spec.decay = 0.75;
    spec.momentum = 0.5;
    spec.lr = 0.125;
    spec.epsilon = 0.0625;
    size_t sizes[1] = {ENTRIES};
    nm_optimizer *optimizer = nm_optimizer_new(&spec, 1, sizes);
    assert_int_equal(optimizer->slot_count, 3);

    double w[ENTRIES] = {1.0, 0.5, -0.25};
    const double g1[ENTRIES] = {2.0, -1.0, 0.5};
    const double g2[ENTRIES] = {1.0, 1.0, -0.5};

    step_one_tensor(optimizer, w, g1, doubles);
    const double n1[ENTRIES] = {1.0, 0.25, 0.0625};
    const double m1[ENTRIES] = {0.5, -0.25, 0.125};
    const double d1[ENTRIES] = {-0.25 / sqrt(0.8125), 0.25, -0.0625 / sqrt(0.109375)};
    const double w1[ENTRIES] = {1.0 + d1[0], 0.5 + d1[1], -0.25 + d1[2]};
    for (int i = 0; i < ENTRIES; i++) {
        /* The state is double in both modes, and n and m are exact. */
        check_exact(optimizer->slots[0][0][i], n1[i], "n after step 1", i);
        check_exact(optimizer->slots[1][0][i], m1[i], "m after step 1", i);
        check_close(optimizer->slots[2][0][i], d1[i], DOUBLE_TOLERANCE, "d after step 1", i);
        check_close(w[i], w1[i], tolerance, "w after step 1", i);
    }
    /* The middle entry divides by sqrt(0.25) = 0.5, so d1 = 0.25 exactly. */
    check_exact(optimizer->slots[2][0][1], 0.25, "d after step 1", 1);

    step_one_tensor(optimizer, w, g2, doubles);
    const double n2[ENTRIES] = {1.0, 0.4375, 0.109375};
    const double m2[ENTRIES] = {0.625, 0.0625, -0.03125};
    const double d2[ENTRIES] = {
        0.5 * d1[0] - 0.125 / sqrt(0.671875),
        0.5 * d1[1] - 0.125 / sqrt(0.49609375),
        0.5 * d1[2] + 0.0625 / sqrt(0.1708984375),
    };
    for (int i = 0; i < ENTRIES; i++) {
        check_exact(optimizer->slots[0][0][i], n2[i], "n after step 2", i);
        check_exact(optimizer->slots[1][0][i], m2[i], "m after step 2", i);
        check_close(optimizer->slots[2][0][i], d2[i], DOUBLE_TOLERANCE, "d after step 2", i);
        check_close(w[i], w1[i] + d2[i], tolerance, "w after step 2", i);
    }
    /* The same values rounded to 9 digits (evaluated in long double), a
     * check on the expressions above: w2 = (0.431476282, 0.697528698,
     * -0.382287566).  Rounding adds up to 1.2e-9 relative error. */
    double rounded = doubles ? 1e-8 : FLOAT_TOLERANCE;
    check_close(w[0], 0.431476282, rounded, "w after step 2", 0);
    check_close(w[1], 0.697528698, rounded, "w after step 2", 1);
    check_close(w[2], -0.382287566, rounded, "w after step 2", 2);
    assert_int_equal(optimizer->steps, 2);
    nm_optimizer_free(optimizer);
}

static void test_rmsprop_double(void **state)
{
    (void)state;
    check_rmsprop(true);
}

static void test_rmsprop_float(void **state)
{
    (void)state;
    check_rmsprop(false);
}

/* ---- Adam ------------------------------------------------------------- */

/* beta1 0.5, beta2 0.75, lr 0.125, epsilon 0.0625, with the same w0, g1 and
 * g2 as the RMSProp test.  The update is -lr m_hat / (sqrt(v_hat) + epsilon)
 * with m_hat = m / (1 - beta1^t) and v_hat = v / (1 - beta2^t).
 *
 * Step 1 (t = 1):
 *   m1 = 0.5 g1    = (1, -0.5, 0.25),    m_hat = m1 / 0.5  = (2, -1, 0.5)
 *   v1 = 0.25 g1^2 = (1, 0.25, 0.0625),  v_hat = v1 / 0.25 = (4, 1, 0.25)
 *   update = -0.125 (2, -1, 0.5) / ((2, 1, 0.5) + 0.0625)
 * Step 2 (t = 2; 1 - 0.5^2 = 0.75, 1 - 0.75^2 = 0.4375):
 *   m2 = 0.5 m1 + 0.5 g2 = (0.5 + 0.5, -0.25 + 0.5, 0.125 - 0.25)
 *                        = (1, 0.25, -0.125)
 *   v2 = 0.75 v1 + 0.25 g2^2 = (0.75 + 0.25, 0.1875 + 0.25, 0.046875 + 0.0625)
 *                            = (1, 0.4375, 0.109375)
 *   update = -0.125 (m2 / 0.75) / (sqrt(v2 / 0.4375) + 0.0625) */
static void check_adam(bool doubles)
{
    double tolerance = doubles ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
    nm_optimizer_spec spec = plain_spec(NM_OPTIMIZER_ADAM);
    spec.beta1 = 0.5;
    spec.beta2 = 0.75;
    spec.lr = 0.125;
    spec.epsilon = 0.0625;
    size_t sizes[1] = {ENTRIES};
    nm_optimizer *optimizer = nm_optimizer_new(&spec, 1, sizes);
    assert_int_equal(optimizer->slot_count, 2);

    double w[ENTRIES] = {1.0, 0.5, -0.25};
    const double g1[ENTRIES] = {2.0, -1.0, 0.5};
    const double g2[ENTRIES] = {1.0, 1.0, -0.5};

    step_one_tensor(optimizer, w, g1, doubles);
    const double m1[ENTRIES] = {1.0, -0.5, 0.25};
    const double v1[ENTRIES] = {1.0, 0.25, 0.0625};
    const double w1[ENTRIES] = {
        1.0 - 0.125 * 2.0 / (2.0 + 0.0625),
        0.5 + 0.125 * 1.0 / (1.0 + 0.0625),
        -0.25 - 0.125 * 0.5 / (0.5 + 0.0625),
    };
    for (int i = 0; i < ENTRIES; i++) {
        check_exact(optimizer->slots[0][0][i], m1[i], "m after step 1", i);
        check_exact(optimizer->slots[1][0][i], v1[i], "v after step 1", i);
        check_close(w[i], w1[i], tolerance, "w after step 1", i);
    }

    step_one_tensor(optimizer, w, g2, doubles);
    const double m2[ENTRIES] = {1.0, 0.25, -0.125};
    const double v2[ENTRIES] = {1.0, 0.4375, 0.109375};
    for (int i = 0; i < ENTRIES; i++) {
        double expected = w1[i] - 0.125 * (m2[i] / 0.75) / (sqrt(v2[i] / 0.4375) + 0.0625);
        check_exact(optimizer->slots[0][0][i], m2[i], "m after step 2", i);
        check_exact(optimizer->slots[1][0][i], v2[i], "v after step 2", i);
        check_close(w[i], expected, tolerance, "w after step 2", i);
    }
    /* v_hat is 1 and 0.25 in the last two entries, so their second updates
     * are -0.125 (1/3) / 1.0625 and 0.125 (1/6) / 0.5625.  Rounded to 9
     * digits (evaluated in long double): w2 = (0.772924614, 0.578431373,
     * -0.324074074). */
    double rounded = doubles ? 1e-8 : FLOAT_TOLERANCE;
    check_close(w[0], 0.772924614, rounded, "w after step 2", 0);
    check_close(w[1], 0.578431373, rounded, "w after step 2", 1);
    check_close(w[2], -0.324074074, rounded, "w after step 2", 2);
    assert_int_equal(optimizer->steps, 2);
    nm_optimizer_free(optimizer);
}

static void test_adam_double(void **state)
{
    (void)state;
    check_adam(true);
}

static void test_adam_float(void **state)
{
    (void)state;
    check_adam(false);
}

/* ---- SGD with momentum ------------------------------------------------ */

/* lr 0.5, momentum 0.25, over two tensors A (2 entries) and B (1 entry),
 * three steps.  Every value is a multiple of 2^-6 and below 4 in magnitude, so the results
 * are exact in double and in float.
 * The values of A and B are written (A | B).
 *   w0 = (1, -2 | 0.25)
 *   g1 = (0.5, -1 | 2)     d1 = -0.5 g1 = (-0.25, 0.5 | -1)
 *                          w1 = (0.75, -1.5 | -0.75)
 *   g2 = (1, 0.5 | -1)     d2 = 0.25 d1 - 0.5 g2
 *                             = (-0.0625 - 0.5, 0.125 - 0.25 | -0.25 + 0.5)
 *                             = (-0.5625, -0.125 | 0.25)
 *                          w2 = (0.1875, -1.625 | -0.5)
 *   g3 = (-0.25, 0 | 1)    d3 = 0.25 d2 - 0.5 g3
 *                             = (-0.140625 + 0.125, -0.03125 - 0 | 0.0625 - 0.5)
 *                             = (-0.015625, -0.03125 | -0.4375)
 *                          w3 = (0.171875, -1.65625 | -0.9375) */
static void check_sgd(bool doubles)
{
    nm_optimizer_spec spec = plain_spec(NM_OPTIMIZER_SGD);
    spec.lr = 0.5;
    spec.momentum = 0.25;
    size_t sizes[2] = {2, 1};
    nm_optimizer *optimizer = nm_optimizer_new(&spec, 2, sizes);
    assert_int_equal(optimizer->slot_count, 1);

    const double grads[3][3] = {{0.5, -1.0, 2.0}, {1.0, 0.5, -1.0}, {-0.25, 0.0, 1.0}};
    const double velocity[3][3] = {{-0.25, 0.5, -1.0}, {-0.5625, -0.125, 0.25}, {-0.015625, -0.03125, -0.4375}};
    const double weights[3][3] = {{0.75, -1.5, -0.75}, {0.1875, -1.625, -0.5}, {0.171875, -1.65625, -0.9375}};

    double a_double[2] = {1.0, -2.0}, b_double[1] = {0.25};
    float a_float[2] = {1.0f, -2.0f}, b_float[1] = {0.25f};
    for (int step = 0; step < 3; step++) {
        double ga_double[2] = {grads[step][0], grads[step][1]}, gb_double[1] = {grads[step][2]};
        float ga_float[2] = {(float)grads[step][0], (float)grads[step][1]}, gb_float[1] = {(float)grads[step][2]};
        void *params[2], *grad_tensors[2];
        if (doubles) {
            params[0] = a_double;
            params[1] = b_double;
            grad_tensors[0] = ga_double;
            grad_tensors[1] = gb_double;
        } else {
            params[0] = a_float;
            params[1] = b_float;
            grad_tensors[0] = ga_float;
            grad_tensors[1] = gb_float;
        }

        nm_optimizer_step(optimizer, params, grad_tensors, doubles);

        double a0 = doubles ? a_double[0] : a_float[0];
        double a1 = doubles ? a_double[1] : a_float[1];
        double b0 = doubles ? b_double[0] : b_float[0];
        check_exact(a0, weights[step][0], "A", 0);
        check_exact(a1, weights[step][1], "A", 1);
        check_exact(b0, weights[step][2], "B", 0);
        check_exact(optimizer->slots[0][0][0], velocity[step][0], "velocity of A", 0);
        check_exact(optimizer->slots[0][0][1], velocity[step][1], "velocity of A", 1);
        check_exact(optimizer->slots[0][1][0], velocity[step][2], "velocity of B", 0);
    }
    assert_int_equal(optimizer->steps, 3);
    nm_optimizer_free(optimizer);
}

static void test_sgd_double(void **state)
{
    (void)state;
    check_sgd(true);
}

static void test_sgd_float(void **state)
{
    (void)state;
    check_sgd(false);
}

/* ---- Clipping --------------------------------------------------------- */

/* The clipping tests step plain SGD with lr 1 and no momentum, so that
 * each parameter moves by exactly minus its clipped gradient. */
static nm_optimizer_spec clipping_spec(double clip_value, double clip_norm)
{
    nm_optimizer_spec spec = plain_spec(NM_OPTIMIZER_SGD);
    spec.lr = 1.0;
    spec.clip_value = clip_value;
    spec.clip_norm = clip_norm;
    return spec;
}

/* Steps a single tensor of ENTRIES from w = 0 with gradient GRAD and checks
 * that the gradient was clipped in place to CLIPPED and w moved to -CLIPPED.
 * The expected values are exact. */
static void check_clipping(const nm_optimizer_spec *spec, const double *grad, const double *clipped, bool doubles)
{
    size_t sizes[1] = {ENTRIES};
    nm_optimizer *optimizer = nm_optimizer_new(spec, 1, sizes);
    double w_double[ENTRIES] = {0}, g_double[ENTRIES];
    float w_float[ENTRIES] = {0}, g_float[ENTRIES];
    for (int i = 0; i < ENTRIES; i++) {
        g_double[i] = grad[i];
        g_float[i] = (float)grad[i];
    }
    void *params[1] = {doubles ? (void *)w_double : (void *)w_float};
    void *grads[1] = {doubles ? (void *)g_double : (void *)g_float};

    nm_optimizer_step(optimizer, params, grads, doubles);

    for (int i = 0; i < ENTRIES; i++) {
        double g = doubles ? g_double[i] : g_float[i];
        double w = doubles ? w_double[i] : w_float[i];
        check_exact(g, clipped[i], "clipped gradient", i);
        check_exact(w, -clipped[i], "w", i);
    }
    nm_optimizer_free(optimizer);
}

/* clip_value 1: 3 -> 1, -0.5 stays, -4 -> -1. */
static void test_clip_by_value(void **state)
{
    (void)state;
    nm_optimizer_spec spec = clipping_spec(1.0, 0.0);
    const double grad[ENTRIES] = {3.0, -0.5, -4.0};
    const double clipped[ENTRIES] = {1.0, -0.5, -1.0};
    check_clipping(&spec, grad, clipped, true);
    check_clipping(&spec, grad, clipped, false);
}

/* (3, -4, 0) has norm sqrt(9 + 16) = 5, and clip_norm 2.5 scales it by
 * 2.5 / 5 = 0.5 to (1.5, -2, 0). */
static void test_clip_by_norm(void **state)
{
    (void)state;
    nm_optimizer_spec spec = clipping_spec(0.0, 2.5);
    const double grad[ENTRIES] = {3.0, -4.0, 0.0};
    const double clipped[ENTRIES] = {1.5, -2.0, 0.0};
    check_clipping(&spec, grad, clipped, true);
    check_clipping(&spec, grad, clipped, false);
}

/* A norm at or below clip_norm leaves the gradient as it is. */
static void test_clip_by_norm_below(void **state)
{
    (void)state;
    const double grad[ENTRIES] = {3.0, -4.0, 0.0};
    nm_optimizer_spec at_limit = clipping_spec(0.0, 5.0);
    check_clipping(&at_limit, grad, grad, true);
    check_clipping(&at_limit, grad, grad, false);
    nm_optimizer_spec above = clipping_spec(0.0, 10.0);
    check_clipping(&above, grad, grad, true);
    check_clipping(&above, grad, grad, false);
    nm_optimizer_spec none = clipping_spec(0.0, 0.0);
    check_clipping(&none, grad, grad, true);
}

/* The norm is over all tensors together: A = (3), B = (0, -4) has norm 5,
 * so clip_norm 1 scales both by 1/5.  Scaling by 0.2 rounds, so this
 * compares within the tolerance.  3 * 0.2 and -4 * 0.2 are 0.6 and -0.8. */
static void test_clip_by_global_norm(void **state)
{
    (void)state;
    nm_optimizer_spec spec = clipping_spec(0.0, 1.0);
    size_t sizes[2] = {1, 2};
    nm_optimizer *optimizer = nm_optimizer_new(&spec, 2, sizes);
    double a[1] = {0}, b[2] = {0};
    double ga[1] = {3.0}, gb[2] = {0.0, -4.0};
    void *params[2] = {a, b};
    void *grads[2] = {ga, gb};

    nm_optimizer_step(optimizer, params, grads, true);

    check_close(ga[0], 0.6, DOUBLE_TOLERANCE, "clipped gradient of A", 0);
    check_exact(gb[0], 0.0, "clipped gradient of B", 0);
    check_close(gb[1], -0.8, DOUBLE_TOLERANCE, "clipped gradient of B", 1);
    check_close(a[0], -0.6, DOUBLE_TOLERANCE, "A", 0);
    check_close(b[1], 0.8, DOUBLE_TOLERANCE, "B", 1);
    nm_optimizer_free(optimizer);
}

/* clip_value 1 and clip_norm 0.75 on (3, -4, 0.5).  By value first:
 * (1, -1, 0.5), norm sqrt(1 + 1 + 0.25) = 1.5, scaled by 0.75 / 1.5 = 0.5
 * to (0.5, -0.5, 0.25).  By norm first it would be (3, -4, 0.5) times
 * 0.75 / sqrt(25.25), about (0.448, -0.597, 0.075), which clipping by value
 * then leaves alone. */
static void test_clip_value_before_norm(void **state)
{
    (void)state;
    nm_optimizer_spec spec = clipping_spec(1.0, 0.75);
    const double grad[ENTRIES] = {3.0, -4.0, 0.5};
    const double clipped[ENTRIES] = {0.5, -0.5, 0.25};
    check_clipping(&spec, grad, clipped, true);
    check_clipping(&spec, grad, clipped, false);
}

/* ---- Gradient norm ---------------------------------------------------- */

/* (1, 2 | 2) has norm sqrt(1 + 4 + 4) = 3 and (3 | 0, -4) norm 5, both
 * exact.  (1 | 1) has norm sqrt(2). */
static void test_gradient_norm(void **state)
{
    (void)state;
    size_t sizes[2] = {2, 1};
    double a_double[2] = {1.0, 2.0}, b_double[1] = {2.0};
    float a_float[2] = {1.0f, 2.0f}, b_float[1] = {2.0f};
    void *doubles[2] = {a_double, b_double};
    void *floats[2] = {a_float, b_float};
    assert_true(nm_gradient_norm(doubles, 2, sizes, true) == 3.0);
    assert_true(nm_gradient_norm(floats, 2, sizes, false) == 3.0);

    size_t sizes_b[2] = {1, 2};
    double c[1] = {3.0}, d[2] = {0.0, -4.0};
    void *second[2] = {c, d};
    assert_true(nm_gradient_norm(second, 2, sizes_b, true) == 5.0);

    size_t ones[2] = {1, 1};
    double e[1] = {1.0}, f[1] = {1.0};
    void *third[2] = {e, f};
    check_close(nm_gradient_norm(third, 2, ones, true), 1.4142135623730951, DOUBLE_TOLERANCE, "norm", 0);

    assert_true(nm_gradient_norm(doubles, 0, sizes, true) == 0.0);
}

/* ---- Defaults and names ----------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    nm_optimizer_spec spec;
    memset(&spec, 0xFF, sizeof spec);
    nm_optimizer_defaults(&spec);
    assert_int_equal(spec.kind, NM_OPTIMIZER_RMSPROP);
    assert_true(spec.lr == 1e-4);
    assert_true(spec.momentum == 0.9);
    assert_true(spec.decay == 0.95);
    assert_true(spec.epsilon == 1e-4);
    assert_true(spec.clip_value == 10.0);
    assert_true(spec.clip_norm == 0.0);
}

static void test_names_and_slots(void **state)
{
    (void)state;
    assert_string_equal(nm_optimizer_name(NM_OPTIMIZER_RMSPROP), "rmsprop");
    assert_string_equal(nm_optimizer_name(NM_OPTIMIZER_ADAM), "adam");
    assert_string_equal(nm_optimizer_name(NM_OPTIMIZER_SGD), "sgd");

    size_t sizes[1] = {2};
    nm_optimizer_spec spec = plain_spec(NM_OPTIMIZER_RMSPROP);
    nm_optimizer *optimizer = nm_optimizer_new(&spec, 1, sizes);
    assert_int_equal(optimizer->slot_count, 3);
    assert_string_equal(nm_optimizer_slot_name(optimizer, 0), "mean_square");
    assert_string_equal(nm_optimizer_slot_name(optimizer, 1), "mean");
    assert_string_equal(nm_optimizer_slot_name(optimizer, 2), "delta");
    /* New state starts at zero. */
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < 2; i++)
            assert_true(optimizer->slots[s][0][i] == 0.0);
    assert_int_equal(optimizer->steps, 0);
    nm_optimizer_free(optimizer);

    spec = plain_spec(NM_OPTIMIZER_ADAM);
    optimizer = nm_optimizer_new(&spec, 1, sizes);
    assert_int_equal(optimizer->slot_count, 2);
    assert_string_equal(nm_optimizer_slot_name(optimizer, 0), "first_moment");
    assert_string_equal(nm_optimizer_slot_name(optimizer, 1), "second_moment");
    nm_optimizer_free(optimizer);

    spec = plain_spec(NM_OPTIMIZER_SGD);
    optimizer = nm_optimizer_new(&spec, 1, sizes);
    assert_int_equal(optimizer->slot_count, 1);
    assert_string_equal(nm_optimizer_slot_name(optimizer, 0), "velocity");
    nm_optimizer_free(optimizer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmsprop_double),
        cmocka_unit_test(test_rmsprop_float),
        cmocka_unit_test(test_adam_double),
        cmocka_unit_test(test_adam_float),
        cmocka_unit_test(test_sgd_double),
        cmocka_unit_test(test_sgd_float),
        cmocka_unit_test(test_clip_by_value),
        cmocka_unit_test(test_clip_by_norm),
        cmocka_unit_test(test_clip_by_norm_below),
        cmocka_unit_test(test_clip_by_global_norm),
        cmocka_unit_test(test_clip_value_before_norm),
        cmocka_unit_test(test_gradient_norm),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_names_and_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
