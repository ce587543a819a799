/* The libFuzzer target: loads the input bytes as a .nm file with files
 * disabled and diagnostics captured.  Every machine that checks must then
 * print as .nm text that checks again to the same machine, and must run for
 * a few steps on the direct simulator.  A failed property aborts, which the
 * fuzzer reports like a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Steps each checked machine runs: enough to move the heads and grow no
 * tape past its first cells. */
enum { NM_FUZZ_STEPS = 2000 };

static void nm_fuzz_fail(const char *what, const nm_machine *machine, const char *text)
{
    fprintf(stderr, "fuzz_check: %s for machine '%s'\n%s\n", what, machine->name, text);
    abort();
}

static int nm_fuzz_state(const nm_machine *machine, const char *name)
{
    for (int s = 0; s < machine->state_count; s++)
        if (strcmp(machine->states[s].name, name) == 0)
            return s;
    return -1;
}

static bool nm_same_entry(const nm_machine *a, size_t entry, const nm_machine *b, size_t matching)
{
    const tm_table *x = a->table, *y = b->table;
    if (x->next[entry] == TM_UNDEFINED || y->next[matching] == TM_UNDEFINED)
        return x->next[entry] == y->next[matching];
    size_t tapes = (size_t)x->tapes;
    return strcmp(a->states[x->next[entry]].name, b->states[y->next[matching]].name) == 0
           && memcmp(x->write + entry * tapes, y->write + matching * tapes, tapes) == 0
           && memcmp(x->move + entry * tapes, y->move + matching * tapes, tapes) == 0;
}

/* True when A and B have the same symbols and the same transitions.  The
 * states may be numbered differently, so they are matched by name. */
static bool nm_same_machine(const nm_machine *a, const nm_machine *b)
{
    const tm_table *x = a->table, *y = b->table;
    if (a->tapes != b->tapes || a->symbol_count != b->symbol_count || a->blank != b->blank
        || a->state_count != b->state_count || x->reads != y->reads
        || strcmp(a->states[a->start].name, b->states[b->start].name) != 0)
        return false;
    for (int s = 0; s < a->symbol_count; s++)
        if (a->symbols[s].length != b->symbols[s].length
            || memcmp(a->symbols[s].text, b->symbols[s].text, a->symbols[s].length) != 0)
            return false;

    for (int s = 0; s < a->state_count; s++) {
        int other = nm_fuzz_state(b, a->states[s].name);
        if (other < 0 || x->halting[s] != y->halting[other])
            return false;
        for (size_t code = 0; code < x->reads; code++)
            if (!nm_same_entry(a, (size_t)s * x->reads + code, b, (size_t)other * y->reads + code))
                return false;
    }
    return true;
}

/* Prints MACHINE, checks the printed text and compares the tables. */
static void nm_fuzz_round_trip(const nm_machine *machine)
{
    nm_buf printed;
    nm_buf_init(&printed);
    nm_machine_print_nm(machine, &printed);

    nm_buf messages;
    nm_buf_init(&messages);
    nm_diag diag;
    nm_diag_init(&diag, NULL);
    diag.capture = &messages;
    nm_program_options options = {.no_files = true};
    nm_program *program = nm_program_new(&diag, &options);
    nm_program_load_text(program, "printed.nm", printed.data, printed.length);

    const nm_machine *again = nm_program_find_machine(program, machine->name);
    if (diag.errors > 0 || !again)
        nm_fuzz_fail("the printed machine does not check", machine, messages.data);
    if (!nm_same_machine(machine, again))
        nm_fuzz_fail("the printed machine has other transitions", machine, printed.data);
    if (again->has_input != machine->has_input || again->input_length != machine->input_length)
        nm_fuzz_fail("the printed machine has another input", machine, printed.data);

    nm_program_free(program);
    nm_buf_free(&messages);
    nm_buf_free(&printed);
}

/* Runs MACHINE on its declared input for a few steps. */
static void nm_fuzz_run(const nm_machine *machine)
{
    uint8_t *symbols = NULL;
    size_t count = 0;
    char *message = NULL;
    const char *input = machine->has_input ? machine->input : "";
    if (!nm_machine_parse_input(machine, input, machine->input_length, &symbols, &count,
                                &message))
        nm_fuzz_fail("the checked input does not parse", machine, message);

    tm_sim sim;
    if (tm_sim_init(&sim, machine->table, symbols, count)) {
        tm_sim_run(&sim, NM_FUZZ_STEPS);
        for (int t = 0; t < machine->tapes; t++) {
            int64_t first, last;
            tm_sim_extent(&sim, t, &first, &last);
        }
        tm_sim_nonblank(&sim);
        tm_sim_free(&sim);
    }
    free(symbols);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nm_buf messages;
    nm_buf_init(&messages);
    nm_diag diag;
    nm_diag_init(&diag, NULL);
    diag.capture = &messages;
    nm_program_options options = {.no_files = true};
    nm_program *program = nm_program_new(&diag, &options);

    nm_program_load_text(program, "fuzz.nm", (const char *)data, size);
    for (size_t i = 0; i < program->machines.count; i++) {
        nm_fuzz_round_trip(program->machines.items[i]);
        nm_fuzz_run(program->machines.items[i]);
    }

    nm_program_free(program);
    nm_buf_free(&messages);
    return 0;
}
