/* Differential tests of machine networks against the direct simulator.
 *
 *   differential --all-2x2 [--steps N] [--engine jit|interp] [--every K]
 *       every 2-state 2-symbol machine in the busy beaver text format: each
 *       of the four transitions is undefined (---) or writes 0 or 1, moves
 *       L or R and enters A, B or the halting state Z (13^4 tables); with
 *       --every K only every K-th table
 *   differential --random COUNT [--seed S] [--steps N] [--engine jit|interp]
 *       random machines with 3 to 6 states, 2 to 5 symbols and 1 to 3 tapes
 *
 * Each machine runs in both layouts with verification: after every machine
 * step the configuration decoded from the network must equal the direct
 * simulator's, and both must halt at the same step.  Even-numbered machines
 * load their input directly, odd-numbered ones through the input lines.  A
 * failure prints the machine and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit/llvm_jit.h"
#include "jit/net_jit.h"
#include "net/lower.h"
#include "net/net_run.h"
#include "net_interp.h"
#include "program.h"

typedef struct nm_options {
    bool all_2x2;
    int every;
    int random;
    unsigned seed;
    uint64_t steps;
    bool jit;
} nm_options;

typedef struct nm_totals {
    int machines;
    int runs;
    int halted;
    uint64_t machine_steps;
    uint64_t network_steps;
} nm_totals;

/* Machines are compiled in batches: one LLVM module per batch shares
 * LLVM's fixed cost, which dominates for networks this small. */
enum { NM_BATCH = 16, NM_LAYOUTS = 2 };

typedef struct nm_case {
    char *text;
    char *input;
    nm_program *program;
    nm_buf diagnostics;
    nm_machine *machine;
    uint8_t *symbols;
    size_t length;
    bool lines;
    nm_stack_machine *stack_machine;
    nm_net *nets[NM_LAYOUTS];
    nm_net_jit *jits[NM_LAYOUTS];
} nm_case;

typedef struct nm_batch {
    nm_case cases[NM_BATCH];
    int count;
    nm_llvm_jit *llvm;
} nm_batch;

static const nm_layout nm_layouts[NM_LAYOUTS] = {NM_LAYOUT_LAYERED, NM_LAYOUT_REALTIME};

static void nm_fail(const nm_case *c, int layout, const char *message)
{
    fprintf(stderr, "differential: FAILED in the %s layout (%s input) on input '%s':\n%s\n%s\n",
            nm_layout_name(nm_layouts[layout]), c->lines ? "line" : "loaded", c->input, c->text,
            message);
    exit(1);
}

/* Checks and lowers one machine given as .nm text; exits when it does not
 * check, since generated machines must. */
static void nm_prepare(nm_case *c, const char *text, const char *input, bool lines)
{
    memset(c, 0, sizeof *c);
    c->text = nm_xstrdup(text);
    c->input = nm_xstrdup(input);
    c->lines = lines;
    nm_diag diag;
    nm_buf_init(&c->diagnostics);
    nm_diag_init(&diag, NULL);
    diag.capture = &c->diagnostics;
    nm_program_options program_options;
    memset(&program_options, 0, sizeof program_options);
    program_options.no_files = true;
    c->program = nm_program_new(&diag, &program_options);
    if (!nm_program_load_text(c->program, "generated.nm", text, strlen(text))) {
        fprintf(stderr, "differential: a generated machine does not check:\n%s\n%s", text,
                c->diagnostics.data);
        exit(1);
    }
    c->machine = c->program->machines.items[0];
    char *message = NULL;
    if (!nm_machine_parse_input(c->machine, input, strlen(input), &c->symbols, &c->length, &message)) {
        fprintf(stderr, "differential: bad input '%s': %s\n", input, message);
        exit(1);
    }
    c->stack_machine = nm_stack_machine_build(c->machine);
    for (int l = 0; l < NM_LAYOUTS; l++)
        c->nets[l] = nm_lower_machine(c->stack_machine, nm_layouts[l]);
}

static void nm_release(nm_case *c)
{
    for (int l = 0; l < NM_LAYOUTS; l++) {
        nm_net_jit_free(c->jits[l]);
        nm_net_free(c->nets[l]);
    }
    nm_stack_machine_free(c->stack_machine);
    free(c->symbols);
    nm_program_free(c->program);
    nm_buf_free(&c->diagnostics);
    free(c->text);
    free(c->input);
}

static void nm_run_case(nm_case *c, int layout, const nm_options *options, nm_totals *totals)
{
    nm_net *net = c->nets[layout];
    nm_net_values initial;
    nm_net_values_init(&initial, net->neuron_count);
    if (!c->lines)
        nm_encode_initial(net, c->stack_machine, c->symbols, c->length, &initial);

    nm_interp interp;
    nm_net_jit_run run;
    nm_net_engine engine;
    if (options->jit) {
        nm_net_jit_run_init(&run, c->jits[layout], initial.values);
        engine = nm_net_jit_engine(&run);
    } else {
        nm_interp_init(&interp, net, initial.values);
        engine = nm_interp_engine(&interp);
    }

    nm_net_run_options run_options = {c->lines, true, NULL, options->steps};
    nm_net_run_result result;
    nm_net_run(net, c->stack_machine, &engine, c->symbols, c->length, &run_options, &result);
    if (result.failed)
        nm_fail(c, layout, result.message);
    if (options->jit && run.fallback)
        nm_fail(c, layout, "the JIT fell back to the interpreter");
    totals->runs++;
    totals->halted += result.status == TM_HALTED || result.status == TM_NO_TRANSITION;
    totals->machine_steps += result.machine_steps;
    totals->network_steps += result.network_steps;

    nm_net_run_result_free(&result);
    if (options->jit)
        nm_net_jit_run_free(&run);
    else
        nm_interp_free(&interp);
    nm_net_values_clear(&initial);
}

/* Compiles, runs and releases the machines of BATCH. */
static void nm_flush(nm_batch *batch, const nm_options *options, nm_totals *totals)
{
    if (batch->count == 0)
        return;
    if (options->jit) {
        const nm_net *nets[NM_BATCH * NM_LAYOUTS];
        nm_net_jit *jits[NM_BATCH * NM_LAYOUTS];
        for (int i = 0; i < batch->count; i++)
            for (int l = 0; l < NM_LAYOUTS; l++)
                nets[i * NM_LAYOUTS + l] = batch->cases[i].nets[l];
        char *error = NULL;
        if (!batch->llvm && !(batch->llvm = nm_net_jit_llvm(&error))) {
            fprintf(stderr, "differential: cannot start LLVM: %s\n", error);
            exit(1);
        }
        if (!nm_net_jit_compile_many(nets, batch->count * NM_LAYOUTS, batch->llvm, jits, &error)) {
            fprintf(stderr, "differential: the JIT failed: %s\n", error);
            exit(1);
        }
        for (int i = 0; i < batch->count; i++)
            for (int l = 0; l < NM_LAYOUTS; l++)
                batch->cases[i].jits[l] = jits[i * NM_LAYOUTS + l];
    }
    for (int i = 0; i < batch->count; i++) {
        for (int l = 0; l < NM_LAYOUTS; l++)
            nm_run_case(&batch->cases[i], l, options, totals);
        nm_release(&batch->cases[i]);
        totals->machines++;
    }
    batch->count = 0;
    /* A fresh JIT per batch keeps the code of finished batches from piling up. */
    nm_llvm_jit_free(batch->llvm);
    batch->llvm = NULL;
}

static void nm_check_machine(nm_batch *batch, const char *text, const char *input,
                             const nm_options *options, nm_totals *totals)
{
    int number = totals->machines + batch->count;
    nm_prepare(&batch->cases[batch->count++], text, input, number % 2 == 1);
    if (batch->count == NM_BATCH)
        nm_flush(batch, options, totals);
}

static void nm_table_text(int code, char *text)
{
    static const char *const cells[13] = {"---", "0LA", "0LB", "0LZ", "0RA", "0RB", "0RZ",
                                          "1LA", "1LB", "1LZ", "1RA", "1RB", "1RZ"};
    int digits[4];
    for (int i = 0; i < 4; i++) {
        digits[i] = code % 13;
        code /= 13;
    }
    sprintf(text, "machine m = bbchallenge \"%s%s_%s%s\";", cells[digits[0]], cells[digits[1]],
            cells[digits[2]], cells[digits[3]]);
}

static void nm_all_2x2(nm_batch *batch, const nm_options *options, nm_totals *totals)
{
    int every = options->every > 0 ? options->every : 1;
    for (int code = 0; code < 13 * 13 * 13 * 13; code += every) {
        char text[96];
        nm_table_text(code, text);
        nm_check_machine(batch, text, "", options, totals);
    }
}

static unsigned nm_next(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 8) & 0xFFFFFF;
}

/* A random machine: each state has 2 to 5 transitions on random tuples of
 * symbols, one tape in four of them reading the wildcard *, so the machine
 * halts when it meets a tuple none of them covers (as multi-tape machines
 * written by hand do); about one target in ten is the halting state.  Full
 * tables of three tapes and five symbols would make networks of hundreds
 * of thousands of neurons. */
static void nm_random_machine(unsigned *state, nm_buf *text, nm_buf *input)
{
    int states = 3 + (int)(nm_next(state) % 4);
    int symbols = 2 + (int)(nm_next(state) % 4);
    int tapes = 1 + (int)(nm_next(state) % 3);
    static const char names[] = "_abcd";
    nm_buf_printf(text, "machine r { tapes %d; alphabet", tapes);
    for (int s = 0; s < symbols; s++)
        nm_buf_printf(text, " %c", names[s]);
    nm_buf_puts(text, "; blank _; start q0; halt h; states");
    for (int q = 0; q < states; q++)
        nm_buf_printf(text, " q%d", q);
    nm_buf_puts(text, ";\n");

    for (int q = 0; q < states; q++) {
        int transitions = 2 + (int)(nm_next(state) % 4);
        char seen[8][TM_MAX_TAPES];
        int kept = 0;
        for (int n = 0; n < transitions; n++) {
            char reads[TM_MAX_TAPES];
            for (int t = 0; t < tapes; t++)
                reads[t] = nm_next(state) % 4 == 0 ? '*' : names[nm_next(state) % (unsigned)symbols];
            bool duplicate = false;
            for (int k = 0; k < kept && !duplicate; k++)
                duplicate = memcmp(seen[k], reads, (size_t)tapes) == 0;
            /* Two rules with wildcards can tie; keep the first of a tie
             * by allowing wildcards only in the first rule of a state. */
            bool wild = memchr(reads, '*', (size_t)tapes) != NULL;
            if (duplicate || (wild && kept > 0))
                continue;
            memcpy(seen[kept++], reads, (size_t)tapes);
            nm_buf_printf(text, "  q%d (", q);
            for (int t = 0; t < tapes; t++)
                nm_buf_printf(text, "%s%c", t ? ", " : "", reads[t]);
            nm_buf_puts(text, ") -> (");
            for (int t = 0; t < tapes; t++) {
                char write = nm_next(state) % 5 == 0 ? '*' : names[nm_next(state) % (unsigned)symbols];
                nm_buf_printf(text, "%s%c", t ? ", " : "", write);
            }
            nm_buf_puts(text, ") (");
            for (int t = 0; t < tapes; t++)
                nm_buf_printf(text, "%s%c", t ? ", " : "", "LRS"[nm_next(state) % 3]);
            unsigned target = nm_next(state) % (unsigned)(states * 10);
            if (target < (unsigned)states)
                nm_buf_puts(text, ") h;\n");
            else
                nm_buf_printf(text, ") q%u;\n", target % (unsigned)states);
        }
    }
    nm_buf_puts(text, "}\n");

    int length = (int)(nm_next(state) % 7);
    for (int i = 0; i < length; i++)
        nm_buf_putc(input, names[nm_next(state) % (unsigned)symbols]);
    nm_buf_putc(input, '\0');
    input->length--;
}

static void nm_random(nm_batch *batch, const nm_options *options, nm_totals *totals)
{
    unsigned state = options->seed;
    for (int m = 0; m < options->random; m++) {
        nm_buf text, input;
        nm_buf_init(&text);
        nm_buf_init(&input);
        nm_random_machine(&state, &text, &input);
        nm_check_machine(batch, text.data, input.data ? input.data : "", options, totals);
        nm_buf_free(&text);
        nm_buf_free(&input);
    }
}

static void nm_parse_options(int argc, char **argv, nm_options *options)
{
    memset(options, 0, sizeof *options);
    options->steps = 100;
    options->seed = 1;
    options->jit = true;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--all-2x2") == 0) {
            options->all_2x2 = true;
        } else if (strcmp(arg, "--every") == 0 && value) {
            options->every = atoi(value);
            i++;
        } else if (strcmp(arg, "--random") == 0 && value) {
            options->random = atoi(value);
            i++;
        } else if (strcmp(arg, "--seed") == 0 && value) {
            options->seed = (unsigned)strtoul(value, NULL, 10);
            i++;
        } else if (strcmp(arg, "--steps") == 0 && value) {
            options->steps = strtoull(value, NULL, 10);
            i++;
        } else if (strcmp(arg, "--engine") == 0 && value) {
            options->jit = strcmp(value, "jit") == 0;
            i++;
        } else {
            fprintf(stderr, "differential: unknown argument '%s'\n", arg);
            exit(2);
        }
    }
}

int main(int argc, char **argv)
{
    nm_options options;
    nm_parse_options(argc, argv, &options);
    nm_totals totals;
    memset(&totals, 0, sizeof totals);
    nm_batch *batch = nm_xcalloc(1, sizeof *batch);
    if (options.all_2x2)
        nm_all_2x2(batch, &options, &totals);
    if (options.random > 0)
        nm_random(batch, &options, &totals);
    nm_flush(batch, &options, &totals);
    free(batch);
    printf("differential: %d machines, %d network runs (%s), all agree with the direct "
           "simulator; %d runs halted; %llu machine steps, %llu network steps\n",
           totals.machines, totals.runs, options.jit ? "jit" : "interp", totals.halted,
           (unsigned long long)totals.machine_steps, (unsigned long long)totals.network_steps);
    return totals.machines > 0 ? 0 : 1;
}
