/* Unit tests of the direct simulator (runtime/tm.h) on tables built by
 * hand: the one-tape fast loop and the multi-tape loop, tape growth past
 * the first 4096 cells in both directions, step limits, halting against a
 * missing transition, and the tape extent.  Long runs are compared cell by
 * cell with a plain reference simulator written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tm.h"

enum { BLANK = 0, ONE = 1 };

/* Sets the transition of STATE reading READS (one symbol per tape). */
static void set_rule(tm_table *table, int state, const uint8_t *reads, const uint8_t *writes,
                     const int8_t *moves, int next)
{
    size_t entry = (size_t)state * table->reads + tm_read_code(table, reads);
    table->next[entry] = next;
    for (int t = 0; t < table->tapes; t++) {
        table->write[entry * (size_t)table->tapes + (size_t)t] = writes[t];
        table->move[entry * (size_t)table->tapes + (size_t)t] = moves[t];
    }
}

static void set_rule1(tm_table *table, int state, uint8_t read, uint8_t write, int8_t move,
                      int next)
{
    set_rule(table, state, &read, &write, &move, next);
}

/* The busy beaver champion for 4 states, 1RB1LB_1LA0LC_1RZ1LD_1RD0RA: it
 * halts after 107 steps with 13 ones on the tape. */
static tm_table *busy_beaver_4(void)
{
    tm_table *table = tm_table_new(1, 2, 5);
    enum { A, B, C, D, Z };
    set_rule1(table, A, 0, 1, 1, B);
    set_rule1(table, A, 1, 1, -1, B);
    set_rule1(table, B, 0, 1, -1, A);
    set_rule1(table, B, 1, 0, -1, C);
    set_rule1(table, C, 0, 1, 1, Z);
    set_rule1(table, C, 1, 1, -1, D);
    set_rule1(table, D, 0, 1, 1, D);
    set_rule1(table, D, 1, 0, 1, A);
    table->halting[Z] = 1;
    table->start = A;
    table->blank = 0;
    return table;
}

/* The reference: tapes of 2 * radius + 1 cells, every step checked.  The
 * heads must stay within the radius. */
typedef struct reference {
    int32_t state;
    uint64_t steps;
    tm_status status;
    int64_t radius;
    int64_t head[TM_MAX_TAPES];
    int64_t low, high; /* positions the heads visited */
    uint8_t *cells[TM_MAX_TAPES];
} reference;

static void reference_run(reference *run, const tm_table *table, const uint8_t *input,
                          size_t length, uint64_t max_steps, int64_t radius)
{
    memset(run, 0, sizeof *run);
    run->radius = radius;
    for (int t = 0; t < table->tapes; t++) {
        run->cells[t] = malloc((size_t)(2 * run->radius + 1));
        memset(run->cells[t], table->blank, (size_t)(2 * run->radius + 1));
    }
    if (length > 0)
        memcpy(run->cells[0] + run->radius, input, length);
    run->state = table->start;
    run->status = TM_STEP_LIMIT;

    while (!table->halting[run->state] && run->steps < max_steps) {
        uint8_t reads[TM_MAX_TAPES];
        for (int t = 0; t < table->tapes; t++)
            reads[t] = run->cells[t][run->radius + run->head[t]];
        size_t entry = (size_t)run->state * table->reads + tm_read_code(table, reads);
        if (table->next[entry] == TM_UNDEFINED) {
            run->status = TM_NO_TRANSITION;
            return;
        }
        for (int t = 0; t < table->tapes; t++) {
            size_t slot = entry * (size_t)table->tapes + (size_t)t;
            run->cells[t][run->radius + run->head[t]] = table->write[slot];
            run->head[t] += table->move[slot];
            if (run->head[t] <= -radius || run->head[t] >= radius)
                fail_msg("the reference tape of %lld cells is too small", (long long)radius);
            run->low = run->head[t] < run->low ? run->head[t] : run->low;
            run->high = run->head[t] > run->high ? run->head[t] : run->high;
        }
        run->state = table->next[entry];
        run->steps++;
    }
    if (table->halting[run->state])
        run->status = TM_HALTED;
}

static void reference_free(reference *run)
{
    for (int t = 0; t < TM_MAX_TAPES; t++)
        free(run->cells[t]);
}

/* Checks the state, steps, status, heads and every cell around the visited
 * part of each tape against the reference. */
static void assert_matches(const tm_sim *sim, tm_status status, const reference *run,
                           int64_t input_length)
{
    assert_int_equal(status, run->status);
    assert_int_equal(sim->state, run->state);
    assert_int_equal(sim->steps, run->steps);
    int64_t high = run->high > input_length ? run->high : input_length;
    for (int t = 0; t < sim->table->tapes; t++) {
        assert_int_equal(tm_sim_head(sim, t), run->head[t]);
        for (int64_t position = run->low - 2; position <= high + 2; position++)
            if (tm_sim_cell(sim, t, position) != run->cells[t][run->radius + position])
                fail_msg("tape %d differs at position %lld", t, (long long)position);
    }
}

static void test_busy_beaver_fast_path(void **state)
{
    (void)state;
    tm_table *table = busy_beaver_4();
    tm_sim sim;
    assert_true(tm_sim_init(&sim, table, NULL, 0));
    assert_non_null(sim.fast_table);

    assert_int_equal(tm_sim_run(&sim, 1000), TM_HALTED);
    assert_int_equal(sim.steps, 107);
    assert_int_equal(sim.state, 4);
    assert_int_equal(tm_sim_nonblank(&sim), 13);
    tm_sim_free(&sim);
    tm_table_free(table);
}

static void test_single_steps_match_run(void **state)
{
    (void)state;
    tm_table *table = busy_beaver_4();
    tm_sim whole, stepped;
    assert_true(tm_sim_init(&whole, table, NULL, 0));
    assert_true(tm_sim_init(&stepped, table, NULL, 0));
    tm_sim_run(&whole, 1000);

    tm_status status = TM_RUNNING;
    while (status == TM_RUNNING)
        status = tm_sim_step(&stepped);
    assert_int_equal(status, TM_HALTED);
    assert_int_equal(stepped.steps, whole.steps);
    assert_int_equal(stepped.state, whole.state);
    assert_int_equal(tm_sim_head(&stepped, 0), tm_sim_head(&whole, 0));
    for (int64_t position = -20; position <= 20; position++)
        assert_int_equal(tm_sim_cell(&stepped, 0, position), tm_sim_cell(&whole, 0, position));
    tm_sim_free(&whole);
    tm_sim_free(&stepped);
    tm_table_free(table);
}

/* A one-state machine that writes 1 and moves by MOVE for ever. */
static tm_table *walker(int8_t move)
{
    tm_table *table = tm_table_new(1, 2, 1);
    set_rule1(table, 0, BLANK, ONE, move, 0);
    return table;
}

static void test_grow_right(void **state)
{
    (void)state;
    tm_table *table = walker(1);
    tm_sim sim;
    assert_true(tm_sim_init(&sim, table, NULL, 0));
    assert_int_equal(tm_sim_run(&sim, 10000), TM_STEP_LIMIT);
    assert_int_equal(sim.steps, 10000);
    assert_int_equal(tm_sim_head(&sim, 0), 10000);
    assert_int_equal(tm_sim_cell(&sim, 0, 0), ONE);
    assert_int_equal(tm_sim_cell(&sim, 0, 9999), ONE);
    assert_int_equal(tm_sim_cell(&sim, 0, 10000), BLANK);
    assert_int_equal(tm_sim_cell(&sim, 0, -1), BLANK);
    assert_true(sim.tapes[0].capacity > 10000);

    int64_t first, last;
    tm_sim_extent(&sim, 0, &first, &last);
    assert_int_equal(first, 0);
    assert_int_equal(last, 10000);
    assert_int_equal(tm_sim_nonblank(&sim), 10000);
    tm_sim_free(&sim);
    tm_table_free(table);
}

static void test_grow_left(void **state)
{
    (void)state;
    tm_table *table = walker(-1);
    tm_sim sim;
    assert_true(tm_sim_init(&sim, table, NULL, 0));
    assert_int_equal(tm_sim_run(&sim, 10000), TM_STEP_LIMIT);
    assert_int_equal(tm_sim_head(&sim, 0), -10000);
    assert_int_equal(tm_sim_cell(&sim, 0, -9999), ONE);
    assert_int_equal(tm_sim_cell(&sim, 0, -10000), BLANK);
    assert_int_equal(tm_sim_cell(&sim, 0, 1), BLANK);

    int64_t first, last;
    tm_sim_extent(&sim, 0, &first, &last);
    assert_int_equal(first, -10000);
    assert_int_equal(last, 0);
    assert_int_equal(tm_sim_nonblank(&sim), 10000);
    tm_sim_free(&sim);
    tm_table_free(table);
}

static void test_grow_both_directions(void **state)
{
    (void)state;
    /* Extends a block of ones by one cell at each end in turn: after 32
     * million steps it is about 8000 cells wide.  The first 4096 cells of a
     * tape start 1024 cells left of the head, so it grew on both sides. */
    tm_table *table = tm_table_new(1, 2, 2);
    set_rule1(table, 0, ONE, ONE, 1, 0);
    set_rule1(table, 0, BLANK, ONE, -1, 1);
    set_rule1(table, 1, ONE, ONE, -1, 1);
    set_rule1(table, 1, BLANK, ONE, 1, 0);
    const uint64_t steps = 32000000;

    tm_sim sim;
    assert_true(tm_sim_init(&sim, table, NULL, 0));
    tm_status status = tm_sim_run(&sim, steps);
    reference run;
    reference_run(&run, table, NULL, 0, steps, 10000);
    assert_matches(&sim, status, &run, 0);
    assert_true(run.low < -1024);
    assert_true(run.high > 3072);
    assert_true(sim.tapes[0].capacity > 4096);

    int64_t first, last;
    tm_sim_extent(&sim, 0, &first, &last);
    assert_int_equal(first, run.low);
    assert_int_equal(last, run.high);
    reference_free(&run);
    tm_sim_free(&sim);
    tm_table_free(table);
}

/* Two tapes: copies the ones of tape 1 to tape 2, walks tape 2 back to the
 * start, then moves tape 1 right and tape 2 left, writing ones, for ever. */
static tm_table *copy_and_spread(void)
{
    tm_table *table = tm_table_new(2, 2, 3);
    enum { COPY, BACK, SPREAD };
    const uint8_t one_blank[2] = {ONE, BLANK}, ones[2] = {ONE, ONE};
    const uint8_t blanks[2] = {BLANK, BLANK}, blank_one[2] = {BLANK, ONE};
    const int8_t right_right[2] = {1, 1}, stay_left[2] = {0, -1}, right_left[2] = {1, -1};
    set_rule(table, COPY, one_blank, ones, right_right, COPY);
    set_rule(table, COPY, blanks, blanks, stay_left, BACK);
    set_rule(table, BACK, blank_one, blank_one, stay_left, BACK);
    set_rule(table, BACK, blanks, blanks, right_left, SPREAD);
    set_rule(table, SPREAD, blanks, blank_one, right_left, SPREAD);
    return table;
}

static void test_multitape_path(void **state)
{
    (void)state;
    tm_table *table = copy_and_spread();
    enum { LENGTH = 5000 };
    uint8_t *input = malloc(LENGTH);
    memset(input, ONE, LENGTH);
    const uint64_t steps = 2 * LENGTH + 3000;

    tm_sim sim;
    assert_true(tm_sim_init(&sim, table, input, LENGTH));
    assert_null(sim.fast_table);
    tm_status status = tm_sim_run(&sim, steps);
    reference run;
    reference_run(&run, table, input, LENGTH, steps, (int64_t)steps + LENGTH);
    assert_matches(&sim, status, &run, LENGTH);

    /* Tape 2 went past the first cells on both sides. */
    assert_int_equal(status, TM_STEP_LIMIT);
    assert_true(tm_sim_head(&sim, 1) < -2000);
    assert_int_equal(tm_sim_cell(&sim, 1, LENGTH - 1), ONE);
    /* Two steps turn from copying to walking back and to spreading. */
    assert_int_equal(tm_sim_nonblank(&sim), LENGTH + LENGTH + (steps - 2 * LENGTH - 2));
    reference_free(&run);
    tm_sim_free(&sim);
    free(input);
    tm_table_free(table);
}

static void test_step_limit_resumes(void **state)
{
    (void)state;
    tm_table *one_tape = walker(1);
    tm_table *two_tapes = copy_and_spread();
    tm_table *tables[2] = {one_tape, two_tapes};
    for (int i = 0; i < 2; i++) {
        tm_sim sim;
        assert_true(tm_sim_init(&sim, tables[i], NULL, 0));
        assert_int_equal(tm_sim_run(&sim, 0), TM_STEP_LIMIT);
        assert_int_equal(sim.steps, 0);
        assert_int_equal(tm_sim_run(&sim, 1000), TM_STEP_LIMIT);
        assert_int_equal(sim.steps, 1000);
        assert_int_equal(tm_sim_run(&sim, 500), TM_STEP_LIMIT);
        assert_int_equal(sim.steps, 1500);
        assert_int_equal(sim.status, TM_STEP_LIMIT);
        tm_sim_free(&sim);
    }
    tm_table_free(one_tape);
    tm_table_free(two_tapes);
}

static void test_no_transition(void **state)
{
    (void)state;
    /* State 1 is not halting and has no transition for a blank. */
    tm_table *table = tm_table_new(1, 2, 2);
    set_rule1(table, 0, BLANK, ONE, 1, 1);
    tm_sim sim;
    assert_true(tm_sim_init(&sim, table, NULL, 0));
    assert_int_equal(tm_sim_run(&sim, 100), TM_NO_TRANSITION);
    assert_int_equal(sim.steps, 1);
    assert_int_equal(sim.state, 1);
    /* A stopped run stays stopped. */
    assert_int_equal(tm_sim_run(&sim, 100), TM_NO_TRANSITION);
    assert_int_equal(tm_sim_step(&sim), TM_NO_TRANSITION);
    assert_int_equal(sim.steps, 1);
    tm_sim_free(&sim);

    table->halting[1] = 1;
    assert_true(tm_sim_init(&sim, table, NULL, 0));
    assert_int_equal(tm_sim_run(&sim, 100), TM_HALTED);
    assert_int_equal(sim.steps, 1);
    tm_sim_free(&sim);
    tm_table_free(table);
}

static void test_no_transition_multitape(void **state)
{
    (void)state;
    tm_table *table = copy_and_spread();
    /* SPREAD starts with tape 1 on the input's second one, and it has no
     * rule for reading a one there. */
    const uint8_t input[3] = {ONE, BLANK, ONE};
    tm_sim sim;
    assert_true(tm_sim_init(&sim, table, input, 3));
    assert_int_equal(tm_sim_run(&sim, 100), TM_NO_TRANSITION);
    reference run;
    reference_run(&run, table, input, 3, 100, 200);
    assert_matches(&sim, TM_NO_TRANSITION, &run, 3);
    reference_free(&run);
    tm_sim_free(&sim);
    tm_table_free(table);
}

static void test_start_halting(void **state)
{
    (void)state;
    tm_table *table = tm_table_new(2, 2, 1);
    table->halting[0] = 1;
    tm_sim sim;
    assert_true(tm_sim_init(&sim, table, NULL, 0));
    assert_int_equal(sim.status, TM_HALTED);
    assert_int_equal(tm_sim_run(&sim, 10), TM_HALTED);
    assert_int_equal(sim.steps, 0);
    tm_sim_free(&sim);
    tm_table_free(table);
}

static void test_extent_and_nonblank(void **state)
{
    (void)state;
    tm_table *table = walker(1);
    tm_sim sim;
    int64_t first, last;

    assert_true(tm_sim_init(&sim, table, NULL, 0));
    tm_sim_extent(&sim, 0, &first, &last);
    assert_int_equal(first, 0);
    assert_int_equal(last, 0);
    assert_int_equal(tm_sim_nonblank(&sim), 0);
    tm_sim_free(&sim);

    /* Blank cells at the ends of the input are outside the extent, but the
     * head's cell is always inside. */
    const uint8_t input[5] = {BLANK, ONE, BLANK, ONE, BLANK};
    assert_true(tm_sim_init(&sim, table, input, 5));
    assert_int_equal(tm_sim_read(&sim, 0), BLANK);
    tm_sim_extent(&sim, 0, &first, &last);
    assert_int_equal(first, 0);
    assert_int_equal(last, 3);
    assert_int_equal(tm_sim_nonblank(&sim), 2);
    tm_sim_free(&sim);
    tm_table_free(table);
}

static void test_read_code_and_names(void **state)
{
    (void)state;
    tm_table *table = tm_table_new(3, 4, 1);
    assert_int_equal(table->reads, 64);
    const uint8_t reads[3] = {1, 2, 3};
    assert_int_equal(tm_read_code(table, reads), 1 + 2 * 4 + 3 * 16);
    assert_int_equal(table->next[63], TM_UNDEFINED);
    tm_table_free(table);

    assert_string_equal(tm_status_name(TM_HALTED), "halted");
    assert_string_equal(tm_status_name(TM_NO_TRANSITION), "no transition");
    assert_string_equal(tm_status_name(TM_STEP_LIMIT), "step limit");
    assert_string_equal(tm_status_name(TM_TAPE_LIMIT), "tape limit");
    assert_string_equal(tm_status_name(TM_RUNNING), "running");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busy_beaver_fast_path),
        cmocka_unit_test(test_single_steps_match_run),
        cmocka_unit_test(test_grow_right),
        cmocka_unit_test(test_grow_left),
        cmocka_unit_test(test_grow_both_directions),
        cmocka_unit_test(test_multitape_path),
        cmocka_unit_test(test_step_limit_resumes),
        cmocka_unit_test(test_no_transition),
        cmocka_unit_test(test_no_transition_multitape),
        cmocka_unit_test(test_start_halting),
        cmocka_unit_test(test_extent_and_nonblank),
        cmocka_unit_test(test_read_code_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
