/* The JIT against the reference interpreter: for every machine of the
 * standard library, in both layouts and both ways of giving the input, the
 * two engines run side by side and every neuron's value must be the same
 * exact rational after every network step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jit/net_jit.h"
#include "net/lower.h"
#include "net_interp.h"
#include "program.h"

/* Network steps compared per run: enough for every short machine to halt
 * and for the long ones to build stacks well past 62 bits. */
enum { NM_COMPARED_STEPS = 1500 };

typedef struct nm_case {
    const char *file;
    const char *machine;
    const char *input;
} nm_case;

static const nm_case nm_cases[] = {
    {"busy_beavers.nm", "bb1", ""},
    {"busy_beavers.nm", "bb2", ""},
    {"busy_beavers.nm", "bb3", ""},
    {"busy_beavers.nm", "bb3_ones", ""},
    {"busy_beavers.nm", "bb4", ""},
    {"busy_beavers.nm", "bb5", ""},
    {"busy_beavers.nm", "bb2x3", ""},
    {"busy_beavers.nm", "bb2x4", ""},
    {"arithmetic.nm", "binary_increment", "10111"},
    {"arithmetic.nm", "binary_add", NULL},
    {"arithmetic.nm", "unary_add", NULL},
    {"arithmetic.nm", "unary_multiply", NULL},
    {"palindromes.nm", "binary_palindrome", "1101011"},
    {"parentheses.nm", "balanced_parentheses", NULL},
};

/* Runs both engines from the same start and compares all values. */
static void nm_compare_engines(const nm_machine *machine, nm_layout layout, bool lines,
                               const uint8_t *input, size_t length)
{
    nm_stack_machine *stack_machine = nm_stack_machine_build(machine);
    nm_net *net = nm_lower_machine(stack_machine, layout);
    nm_net_values initial, jit_values;
    nm_net_values_init(&initial, net->neuron_count);
    nm_net_values_init(&jit_values, net->neuron_count);
    if (!lines)
        nm_encode_initial(net, stack_machine, input, length, &initial);

    char *error = NULL;
    nm_net_jit *jit = nm_net_jit_compile(net, &error);
    assert_non_null(jit);
    nm_net_jit_run run;
    nm_net_jit_run_init(&run, jit, initial.values);
    nm_net_engine engine = nm_net_jit_engine(&run);
    nm_interp interp;
    nm_interp_init(&interp, net, initial.values);

    for (int step = 0; step < NM_COMPARED_STEPS; step++) {
        int64_t feed[2] = {0, 0};
        if (lines && (size_t)step < length) {
            feed[0] = input[step];
            feed[1] = 1;
        }
        nm_interp_step(&interp, feed);
        engine.step(engine.self, feed);
        engine.read_all(engine.self, &jit_values);
        for (int i = 0; i < net->neuron_count; i++) {
            if (mpq_equal(interp.values[i], jit_values.values[i]))
                continue;
            fprintf(stderr, "%s (%s, %s input): neuron %d '%s' differs after step %d\n",
                    machine->name, nm_layout_name(layout), lines ? "line" : "loaded", i,
                    net->neurons[i].name, step + 1);
            fail();
        }
    }
    assert_null(run.fallback);

    nm_interp_free(&interp);
    nm_net_jit_run_free(&run);
    nm_net_jit_free(jit);
    nm_net_values_clear(&initial);
    nm_net_values_clear(&jit_values);
    nm_net_free(net);
    nm_stack_machine_free(stack_machine);
}

static void nm_check_case(const nm_case *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", NMC_STDLIB_DIR, c->file);
    nm_diag diag;
    nm_diag_init(&diag, stderr);
    nm_program_options options;
    memset(&options, 0, sizeof options);
    options.stdlib_dir = NMC_STDLIB_DIR;
    nm_program *program = nm_program_new(&diag, &options);
    assert_true(nm_program_load_file(program, path));
    nm_machine *machine = nm_program_find_machine(program, c->machine);
    assert_non_null(machine);

    const char *input = c->input ? c->input : machine->has_input ? machine->input : "";
    size_t input_length = c->input ? strlen(c->input) : machine->has_input ? machine->input_length : 0;
    uint8_t *symbols;
    size_t length;
    char *message = NULL;
    assert_true(nm_machine_parse_input(machine, input, input_length, &symbols, &length, &message));

    nm_layout layouts[2] = {NM_LAYOUT_LAYERED, NM_LAYOUT_REALTIME};
    for (int l = 0; l < 2; l++)
        for (int lines = 0; lines < 2; lines++)
            nm_compare_engines(machine, layouts[l], lines, symbols, length);
    free(symbols);
    nm_program_free(program);
}

static void test_stdlib_machines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nm_cases / sizeof *nm_cases; i++)
        nm_check_case(&nm_cases[i]);
}

/* A value strictly between 0 and 1 in a 0/1 neuron moves the run to the
 * interpreter, and the values stay exact. */
static void test_fallback_stays_exact(void **state)
{
    (void)state;
    nm_net *net = nm_net_new(2);
    int reader = nm_net_add_neuron(net, "read half", NM_ROLE_READER, 0);
    int value = nm_net_add_neuron(net, "value", NM_ROLE_STACK, 0);
    mpq_t weight;
    mpq_init(weight);
    mpq_set_ui(weight, 1, 2);
    nm_net_add_bias(net, value, weight);
    mpq_set_ui(weight, 1, 1);
    nm_net_add_weight(net, reader, value, weight);
    nm_net_finish(net);

    char *error = NULL;
    nm_net_jit *jit = nm_net_jit_compile(net, &error);
    assert_non_null(jit);
    nm_net_jit_run run;
    nm_net_jit_run_init(&run, jit, NULL);
    nm_net_engine engine = nm_net_jit_engine(&run);
    engine.step(engine.self, NULL);
    engine.step(engine.self, NULL);
    assert_non_null(run.fallback);
    engine.read(engine.self, reader, weight);
    assert_int_equal(mpq_cmp_ui(weight, 1, 2), 0);

    mpq_clear(weight);
    nm_net_jit_run_free(&run);
    nm_net_jit_free(jit);
    nm_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdlib_machines),
        cmocka_unit_test(test_fallback_stays_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
