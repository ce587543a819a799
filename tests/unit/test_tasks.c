/* Unit tests of the copy and repeat-copy task generators (runtime/tasks.h).
 * Small cases from seed 0 are compared step by step with tables written
 * out here.  Every other batch goes through a layout check that follows the
 * header: the input vectors, the delimiter, the repeat count, zero inputs
 * during the output phase, targets that copy the input vectors in order,
 * the end marker, and a mask on the output steps only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "tasks.h"

/* The first four outputs of splitmix64 from state 0: the reference values
 * that other implementations of splitmix64 test against. */
static const uint64_t SPLITMIX64_SEED0[4] = {
    0xE220A8397B1DCDAFull,
    0x6E789E6AA1B965F4ull,
    0x06C45D188009454Full,
    0xF88BB8A8724C81ECull,
};

static double input_at(const nm_task_spec *task, const nm_task_batch *batch, int step, int sequence, int channel)
{
    return batch->inputs[step][(size_t)sequence * (size_t)nm_task_inputs(task) + (size_t)channel];
}

static double target_at(const nm_task_spec *task, const nm_task_batch *batch, int step, int sequence, int channel)
{
    return batch->targets[step][(size_t)sequence * (size_t)nm_task_outputs(task) + (size_t)channel];
}

static nm_task_spec copy_task(int width, int min_length, int max_length)
{
    nm_task_spec task;
    memset(&task, 0, sizeof task);
    task.kind = NM_TASK_COPY;
    task.width = width;
    task.min_length = min_length;
    task.max_length = max_length;
    return task;
}

static nm_task_spec repeat_copy_task(int width, int min_length, int max_length, int min_repeats, int max_repeats)
{
    nm_task_spec task = copy_task(width, min_length, max_length);
    task.kind = NM_TASK_REPEAT_COPY;
    task.min_repeats = min_repeats;
    task.max_repeats = max_repeats;
    return task;
}

/* The repeat count as the header defines it, for counts uniform over
 * [MIN, MAX]: (count - mean) / standard deviation, with the variance of
 * that discrete uniform distribution, (n^2 - 1) / 12 for n counts. */
static double normalised_count(int count, int min, int max)
{
    double n = max - min + 1;
    return (count - (min + max) / 2.0) / sqrt((n * n - 1) / 12.0);
}

static void check_value(double actual, double expected, const char *label, int step, int sequence, int channel)
{
    if (actual != expected)
        fail_msg("%s at step %d, sequence %d, channel %d is %.17g, expected %.17g", label, step, sequence, channel,
                 actual, expected);
}

/* Checks BATCH, generated for TASK, against the layout of tasks.h:
 *   copy:        steps 0..L-1 carry the vectors on channels 0..W-1, step L
 *                the delimiter on channel W, and steps L+1..2L expect the
 *                vectors again as targets with zero inputs.
 *   repeat copy: steps 0..L-1 carry the vectors, step L the delimiter on
 *                channel W, and step L+1 the normalised count on channel
 *                W+1.  Steps L+2..L+1+LR expect the vectors R times, and
 *                the last step expects the end marker on output channel W.
 * The mask is 1 on the steps with expected outputs and 0 elsewhere.  Input
 * bits are 0 or 1, and every entry not named above is 0. */
static void check_layout(const nm_task_spec *task, const nm_task_batch *batch)
{
    bool repeat = task->kind == NM_TASK_REPEAT_COPY;
    int width = task->width, length = batch->length;
    int repeats = repeat ? batch->repeats : 1;
    int first_output = repeat ? length + 2 : length + 1;
    int output_steps = length * repeats + (repeat ? 1 : 0);
    double count_value = repeat ? normalised_count(repeats, task->min_repeats, task->max_repeats) : 0.0;

    assert_int_equal(batch->steps, nm_task_steps(task, length, batch->repeats));
    assert_int_equal(batch->steps, first_output + output_steps);
    if (!repeat)
        assert_int_equal(batch->repeats, 1);

    for (int t = 0; t < batch->steps; t++)
        assert_int_equal(batch->mask[t], t >= first_output ? 1 : 0);

    for (int b = 0; b < batch->batch; b++) {
        for (int t = 0; t < batch->steps; t++) {
            for (int c = 0; c < nm_task_inputs(task); c++) {
                double value = input_at(task, batch, t, b, c);
                if (t < length && c < width) {
                    if (value != 0.0 && value != 1.0)
                        fail_msg("input bit at step %d, sequence %d, channel %d is %g, expected 0 or 1", t, b, c,
                                 value);
                } else if (t == length && c == width) {
                    check_value(value, 1.0, "delimiter", t, b, c);
                } else if (repeat && t == length + 1 && c == width + 1) {
                    /* The test's formula and the generator's may round
                     * differently in the last place. */
                    if (!(fabs(value - count_value) <= 1e-12 * fmax(1.0, fabs(count_value))))
                        fail_msg("repeat count at step %d, sequence %d is %.17g, expected %.17g", t, b, value,
                                 count_value);
                } else {
                    check_value(value, 0.0, "input", t, b, c);
                }
            }
            for (int c = 0; c < nm_task_outputs(task); c++) {
                double value = target_at(task, batch, t, b, c);
                double expected = 0.0;
                if (t >= first_output && t < first_output + length * repeats && c < width)
                    expected = input_at(task, batch, (t - first_output) % length, b, c);
                else if (repeat && t == batch->steps - 1 && c == width)
                    expected = 1.0;
                check_value(value, expected, "target", t, b, c);
            }
        }
    }
}

static bool batches_equal(const nm_task_spec *task, const nm_task_batch *a, const nm_task_batch *b)
{
    if (a->batch != b->batch || a->steps != b->steps || a->length != b->length || a->repeats != b->repeats)
        return false;
    size_t inputs = (size_t)a->batch * (size_t)nm_task_inputs(task);
    size_t outputs = (size_t)a->batch * (size_t)nm_task_outputs(task);
    for (int t = 0; t < a->steps; t++)
        if (memcmp(a->inputs[t], b->inputs[t], inputs * sizeof(double)) != 0
            || memcmp(a->targets[t], b->targets[t], outputs * sizeof(double)) != 0 || a->mask[t] != b->mask[t])
            return false;
    return true;
}

/* ---- The generator ---------------------------------------------------- */

static void test_random_matches_splitmix64(void **state)
{
    (void)state;
    uint64_t generator = 0;
    for (int i = 0; i < 4; i++)
        assert_true(nm_task_random(&generator) == SPLITMIX64_SEED0[i]);

    /* A uniform draw is the top 53 bits of one output times 2^-53. */
    generator = 0;
    double uniform = nm_task_uniform(&generator);
    assert_true(uniform == (double)(SPLITMIX64_SEED0[0] >> 11) * 0x1.0p-53);

    generator = 12345;
    for (int i = 0; i < 1000; i++) {
        double u = nm_task_uniform(&generator);
        assert_true(u >= 0.0);
        assert_true(u < 1.0);
    }
}

/* ---- Shapes and step counts ------------------------------------------- */

static void test_channels_and_steps(void **state)
{
    (void)state;
    nm_task_spec copy = copy_task(8, 1, 20);
    assert_int_equal(nm_task_inputs(&copy), 9);
    assert_int_equal(nm_task_outputs(&copy), 8);
    /* 2L + 1: L = 3 gives 7, L = 20 gives 41. */
    assert_int_equal(nm_task_steps(&copy, 3, 1), 7);
    assert_int_equal(nm_task_steps(&copy, 20, 1), 41);
    assert_int_equal(nm_task_max_steps(&copy), 41);

    nm_task_spec repeat = repeat_copy_task(8, 1, 10, 1, 10);
    assert_int_equal(nm_task_inputs(&repeat), 10);
    assert_int_equal(nm_task_outputs(&repeat), 9);
    /* L + 2 + L R + 1: L = 2, R = 2 gives 2 + 2 + 4 + 1 = 9, and L = R = 10
     * gives 10 + 2 + 100 + 1 = 113. */
    assert_int_equal(nm_task_steps(&repeat, 2, 2), 9);
    assert_int_equal(nm_task_steps(&repeat, 3, 1), 9);
    assert_int_equal(nm_task_steps(&repeat, 10, 10), 113);
    assert_int_equal(nm_task_max_steps(&repeat), 113);
}

/* ---- Sequences written out -------------------------------------------- */

/* Copy, width 2, length 2, from seed 0.  The generator draws one bit per
 * output, its top bit, vector by vector and channel by channel.  The top
 * bits of the first four outputs above are 1 (0xE...), 0 (0x6...),
 * 0 (0x0...) and 1 (0xF...), so the vectors are (1, 0) and (0, 1). */
static void test_copy_sequence_seed0(void **state)
{
    (void)state;
    nm_task_spec task = copy_task(2, 1, 4);
    nm_task_batch batch;
    nm_task_batch_init(&batch, &task, 1);
    uint64_t generator = 0;
    nm_task_generate(&task, &batch, &generator, 1, 4, 2, 0);

    assert_int_equal(batch.length, 2);
    assert_int_equal(batch.repeats, 1);
    assert_int_equal(batch.steps, 5);
    /* Channels: bit 0, bit 1, delimiter. */
    const double inputs[5][3] = {
        {1, 0, 0}, /* vector 1 */
        {0, 1, 0}, /* vector 2 */
        {0, 0, 1}, /* delimiter */
        {0, 0, 0}, /* output phase: zero input */
        {0, 0, 0},
    };
    const double targets[5][2] = {
        {0, 0},
        {0, 0},
        {0, 0},
        {1, 0}, /* vector 1 */
        {0, 1}, /* vector 2 */
    };
    const unsigned char mask[5] = {0, 0, 0, 1, 1};
    for (int t = 0; t < 5; t++) {
        for (int c = 0; c < 3; c++)
            check_value(input_at(&task, &batch, t, 0, c), inputs[t][c], "input", t, 0, c);
        for (int c = 0; c < 2; c++)
            check_value(target_at(&task, &batch, t, 0, c), targets[t][c], "target", t, 0, c);
        assert_int_equal(batch.mask[t], mask[t]);
    }
    /* With the length given, the four bits are the only draws. */
    assert_true(generator == 4 * 0x9E3779B97F4A7C15ull);
    check_layout(&task, &batch);
    nm_task_batch_free(&batch);
}

/* Repeat copy, width 2, length 2, 2 repeats out of [1, 4], from seed 0: the
 * same vectors (1, 0) and (0, 1) as the copy test.  The counts 1..4 have
 * mean 2.5 and deviations -1.5, -0.5, 0.5, 1.5, whose squares average
 * (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, so 2 is normalised to
 * (2 - 2.5) / sqrt(1.25) = -0.4472135954999579. */
static void test_repeat_copy_sequence_seed0(void **state)
{
    (void)state;
    nm_task_spec task = repeat_copy_task(2, 1, 4, 1, 4);
    nm_task_batch batch;
    nm_task_batch_init(&batch, &task, 1);
    uint64_t generator = 0;
    nm_task_generate(&task, &batch, &generator, 1, 4, 2, 2);

    assert_int_equal(batch.length, 2);
    assert_int_equal(batch.repeats, 2);
    assert_int_equal(batch.steps, 9);
    const double count = -0.5 / sqrt(1.25);
    /* Channels: bit 0, bit 1, delimiter, repeat count. */
    const double inputs[9][4] = {
        {1, 0, 0, 0},     /* vector 1 */
        {0, 1, 0, 0},     /* vector 2 */
        {0, 0, 1, 0},     /* delimiter */
        {0, 0, 0, count}, /* repeat count */
        {0, 0, 0, 0},     /* output phase: zero input */
        {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0},
    };
    /* Channels: bit 0, bit 1, end marker. */
    const double targets[9][3] = {
        {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0},
        {1, 0, 0}, /* copy 1, vector 1 */
        {0, 1, 0}, /* copy 1, vector 2 */
        {1, 0, 0}, /* copy 2, vector 1 */
        {0, 1, 0}, /* copy 2, vector 2 */
        {0, 0, 1}, /* end marker */
    };
    const unsigned char mask[9] = {0, 0, 0, 0, 1, 1, 1, 1, 1};
    for (int t = 0; t < 9; t++) {
        for (int c = 0; c < 4; c++) {
            double value = input_at(&task, &batch, t, 0, c);
            if (t == 3 && c == 3)
                /* sqrt and the division round, and the generator may order
                 * them differently: a few units in the last place. */
                assert_true(fabs(value - count) <= 1e-15);
            else
                check_value(value, inputs[t][c], "input", t, 0, c);
        }
        for (int c = 0; c < 3; c++)
            check_value(target_at(&task, &batch, t, 0, c), targets[t][c], "target", t, 0, c);
        assert_int_equal(batch.mask[t], mask[t]);
    }
    assert_true(fabs(count - -0.4472135954999579) <= 1e-15);
    check_layout(&task, &batch);
    nm_task_batch_free(&batch);
}

/* Batches of two, width 3, length 3: both sequences follow the layout, and
 * the second has its own bits. */
static void test_layout_batch_of_two(void **state)
{
    (void)state;
    nm_task_spec copy = copy_task(3, 1, 3);
    nm_task_batch batch;
    nm_task_batch_init(&batch, &copy, 2);
    uint64_t generator = 7;
    nm_task_generate(&copy, &batch, &generator, 1, 3, 3, 0);
    assert_int_equal(batch.steps, 7);
    check_layout(&copy, &batch);
    nm_task_batch_free(&batch);

    nm_task_spec repeat = repeat_copy_task(3, 1, 3, 1, 3);
    nm_task_batch_init(&batch, &repeat, 2);
    generator = 7;
    nm_task_generate(&repeat, &batch, &generator, 1, 3, 3, 2);
    /* 3 + 2 + 3 * 2 + 1 steps. */
    assert_int_equal(batch.steps, 12);
    check_layout(&repeat, &batch);
    /* The counts 1..3 have mean 2, so 2 repeats are normalised to 0. */
    check_value(input_at(&repeat, &batch, 4, 0, 4), 0.0, "repeat count", 4, 0, 4);
    check_value(input_at(&repeat, &batch, 4, 1, 4), 0.0, "repeat count", 4, 1, 4);
    nm_task_batch_free(&batch);
}

/* ---- The repeat count ------------------------------------------------- */

/* Over [1, 4] (mean 2.5, variance 1.25; see above) the counts 1..4 become
 * (-1.5, -0.5, 0.5, 1.5) / sqrt(1.25).  Over [1, 3] the mean is 2 and the
 * variance (1 + 0 + 1) / 3 = 2/3, so 3 becomes 1 / sqrt(2/3) = sqrt(1.5).
 * Over [1, 2] the mean is 1.5 and the variance 0.25, so 1 and 2 become -1
 * and 1 exactly. */
static void test_repeat_count_normalised(void **state)
{
    (void)state;
    nm_task_spec task = repeat_copy_task(2, 1, 2, 1, 4);
    nm_task_batch batch;
    nm_task_batch_init(&batch, &task, 1);
    const double expected[4] = {-1.5 / sqrt(1.25), -0.5 / sqrt(1.25), 0.5 / sqrt(1.25), 1.5 / sqrt(1.25)};
    double sum = 0, sum_of_squares = 0;
    for (int r = 1; r <= 4; r++) {
        uint64_t generator = 3;
        nm_task_generate(&task, &batch, &generator, 1, 2, 2, r);
        double value = input_at(&task, &batch, 3, 0, 3);
        assert_true(fabs(value - expected[r - 1]) <= 1e-15);
        sum += value;
        sum_of_squares += value * value;
        check_layout(&task, &batch);
    }
    /* Mean 0 and variance 1 over the possible counts, up to a few units in
     * the last place. */
    assert_true(fabs(sum / 4) <= 1e-14);
    assert_true(fabs(sum_of_squares / 4 - 1.0) <= 1e-14);
    nm_task_batch_free(&batch);

    task = repeat_copy_task(2, 1, 2, 1, 3);
    nm_task_batch_init(&batch, &task, 1);
    uint64_t generator = 3;
    nm_task_generate(&task, &batch, &generator, 1, 2, 2, 3);
    assert_true(fabs(input_at(&task, &batch, 3, 0, 3) - sqrt(1.5)) <= 1e-15);
    nm_task_batch_free(&batch);

    task = repeat_copy_task(2, 1, 2, 1, 2);
    nm_task_batch_init(&batch, &task, 1);
    for (int r = 1; r <= 2; r++) {
        generator = 3;
        nm_task_generate(&task, &batch, &generator, 1, 2, 2, r);
        check_value(input_at(&task, &batch, 3, 0, 3), r == 1 ? -1.0 : 1.0, "repeat count", 3, 0, 3);
    }
    nm_task_batch_free(&batch);
}

/* ---- Seeds ------------------------------------------------------------ */

static void check_seeds(const nm_task_spec *task)
{
    nm_task_batch first, second;
    nm_task_batch_init(&first, task, 4);
    nm_task_batch_init(&second, task, 4);

    uint64_t a = 42, b = 42;
    nm_task_generate(task, &first, &a, task->min_length, task->max_length, 0, 0);
    nm_task_generate(task, &second, &b, task->min_length, task->max_length, 0, 0);
    assert_true(batches_equal(task, &first, &second));
    assert_true(a == b);

    /* The next batch from the same generator differs from the first. */
    nm_task_generate(task, &second, &b, task->min_length, task->max_length, 0, 0);
    assert_false(batches_equal(task, &first, &second));

    /* Another seed gives other data; with 4 sequences of 8-bit vectors the
     * chance of equal batches is below 2^-32. */
    uint64_t c = 43;
    nm_task_generate(task, &second, &c, task->min_length, task->max_length, 0, 0);
    assert_false(batches_equal(task, &first, &second));

    /* The same is true with the length and repeats given. */
    a = 42;
    b = 42;
    c = 43;
    int repeats = task->kind == NM_TASK_REPEAT_COPY ? 2 : 0;
    nm_task_generate(task, &first, &a, 1, 1, 5, repeats);
    nm_task_generate(task, &second, &b, 1, 1, 5, repeats);
    assert_true(batches_equal(task, &first, &second));
    nm_task_generate(task, &second, &c, 1, 1, 5, repeats);
    assert_false(batches_equal(task, &first, &second));

    nm_task_batch_free(&first);
    nm_task_batch_free(&second);
}

static void test_seed_fixes_data(void **state)
{
    (void)state;
    nm_task_spec copy = copy_task(8, 1, 20);
    check_seeds(&copy);
    nm_task_spec repeat = repeat_copy_task(8, 1, 10, 1, 10);
    check_seeds(&repeat);
}

/* ---- Lengths and repeats ---------------------------------------------- */

/* 400 batches with lengths drawn from the range [2, 5] that a curriculum
 * requests, inside the task's [1, 20]: every length stays in the range
 * and each of the 4 values turns up (missing one has a chance below
 * 4 (3/4)^400, about 5e-50). */
static void test_lengths_within_range(void **state)
{
    (void)state;
    nm_task_spec copy = copy_task(3, 1, 20);
    nm_task_batch batch;
    nm_task_batch_init(&batch, &copy, 2);
    uint64_t generator = 99;
    int seen[21] = {0};
    for (int i = 0; i < 400; i++) {
        nm_task_generate(&copy, &batch, &generator, 2, 5, 0, 0);
        assert_in_range(batch.length, 2, 5);
        seen[batch.length]++;
        assert_int_equal(batch.steps, nm_task_steps(&copy, batch.length, 1));
        check_layout(&copy, &batch);
    }
    for (int length = 2; length <= 5; length++)
        assert_true(seen[length] > 0);
    nm_task_batch_free(&batch);

    /* Repeat copy: lengths in [1, 3] and repeats in the task's [2, 4]. */
    nm_task_spec repeat = repeat_copy_task(3, 1, 6, 2, 4);
    nm_task_batch_init(&batch, &repeat, 2);
    int seen_lengths[7] = {0}, seen_repeats[5] = {0};
    for (int i = 0; i < 400; i++) {
        nm_task_generate(&repeat, &batch, &generator, 1, 3, 0, 0);
        assert_in_range(batch.length, 1, 3);
        assert_in_range(batch.repeats, 2, 4);
        seen_lengths[batch.length]++;
        seen_repeats[batch.repeats]++;
        assert_int_equal(batch.steps, nm_task_steps(&repeat, batch.length, batch.repeats));
        check_layout(&repeat, &batch);
    }
    for (int length = 1; length <= 3; length++)
        assert_true(seen_lengths[length] > 0);
    for (int repeats = 2; repeats <= 4; repeats++)
        assert_true(seen_repeats[repeats] > 0);
    nm_task_batch_free(&batch);
}

/* A length or repeat count above 0 is used as given, even beyond the
 * task's ranges, as evaluation at longer sequences needs. */
static void test_fixed_length_and_repeats(void **state)
{
    (void)state;
    nm_task_spec copy = copy_task(2, 1, 3);
    nm_task_batch batch;
    nm_task_batch_init(&batch, &copy, 3);
    uint64_t generator = 5;
    for (int length = 1; length <= 3; length++) {
        nm_task_generate(&copy, &batch, &generator, 1, 3, length, 0);
        assert_int_equal(batch.length, length);
        check_layout(&copy, &batch);
    }
    /* Length 6 is beyond max_length 3: 13 steps instead of at most 7. */
    nm_task_generate(&copy, &batch, &generator, 1, 3, 6, 0);
    assert_int_equal(batch.length, 6);
    assert_int_equal(batch.steps, 13);
    check_layout(&copy, &batch);
    nm_task_batch_free(&batch);

    /* Repeats [1, 2] have mean 1.5 and deviation 0.5, so 5 repeats are
     * normalised to (5 - 1.5) / 0.5 = 7, and there are 6 + 2 + 30 + 1 = 39
     * steps. */
    nm_task_spec repeat = repeat_copy_task(2, 1, 3, 1, 2);
    nm_task_batch_init(&batch, &repeat, 2);
    nm_task_generate(&repeat, &batch, &generator, 1, 3, 6, 5);
    assert_int_equal(batch.length, 6);
    assert_int_equal(batch.repeats, 5);
    assert_int_equal(batch.steps, 39);
    check_value(input_at(&repeat, &batch, 7, 0, 3), 7.0, "repeat count", 7, 0, 3);
    check_layout(&repeat, &batch);

    /* One given, the other drawn. */
    for (int i = 0; i < 50; i++) {
        nm_task_generate(&repeat, &batch, &generator, 1, 3, 2, 0);
        assert_int_equal(batch.length, 2);
        assert_in_range(batch.repeats, 1, 2);
        check_layout(&repeat, &batch);
        nm_task_generate(&repeat, &batch, &generator, 1, 3, 0, 3);
        assert_in_range(batch.length, 1, 3);
        assert_int_equal(batch.repeats, 3);
        check_layout(&repeat, &batch);
    }
    nm_task_batch_free(&batch);
}

/* A batch reused for a shorter sequence after a longer one keeps nothing
 * of the longer one within its steps. */
static void test_reused_batch_is_cleared(void **state)
{
    (void)state;
    nm_task_spec repeat = repeat_copy_task(4, 1, 8, 1, 3);
    nm_task_batch batch;
    nm_task_batch_init(&batch, &repeat, 3);
    uint64_t generator = 11;
    nm_task_generate(&repeat, &batch, &generator, 1, 8, 8, 3);
    check_layout(&repeat, &batch);
    nm_task_generate(&repeat, &batch, &generator, 1, 8, 2, 1);
    assert_int_equal(batch.steps, 2 + 2 + 2 + 1);
    check_layout(&repeat, &batch);
    nm_task_batch_free(&batch);
}

/* The bits are fair: of 16 x 20 x 8 = 2560 bits, the share of ones is
 * within 0.05 of one half (about 5 standard deviations). */
static void test_bits_are_balanced(void **state)
{
    (void)state;
    nm_task_spec copy = copy_task(8, 20, 20);
    nm_task_batch batch;
    nm_task_batch_init(&batch, &copy, 16);
    uint64_t generator = 2024;
    nm_task_generate(&copy, &batch, &generator, 20, 20, 0, 0);
    int ones = 0;
    for (int b = 0; b < 16; b++)
        for (int t = 0; t < 20; t++)
            for (int c = 0; c < 8; c++)
                ones += input_at(&copy, &batch, t, b, c) == 1.0;
    assert_in_range(ones, 1152, 1408);
    nm_task_batch_free(&batch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_matches_splitmix64),
        cmocka_unit_test(test_channels_and_steps),
        cmocka_unit_test(test_copy_sequence_seed0),
        cmocka_unit_test(test_repeat_copy_sequence_seed0),
        cmocka_unit_test(test_layout_batch_of_two),
        cmocka_unit_test(test_repeat_count_normalised),
        cmocka_unit_test(test_seed_fixes_data),
        cmocka_unit_test(test_lengths_within_range),
        cmocka_unit_test(test_fixed_length_and_repeats),
        cmocka_unit_test(test_reused_batch_is_cleared),
        cmocka_unit_test(test_bits_are_balanced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
