/* Printing run results; see run_output.h. */
#include "run_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Cells of one tape shown in the text report. */
enum { NM_SHOWN_CELLS = 100 };
/* Cells of one tape in --json: a tape longer than this is printed as the
 * window of this many cells around the head, with fields that say so. */
#define NM_JSON_MAX_CELLS ((size_t)1 << 24)

nm_run_report nm_report_from_sim(const nm_machine *machine, const tm_sim *sim, tm_status status,
                                 const char *engine)
{
    nm_run_report report;
    memset(&report, 0, sizeof report);
    report.machine = machine;
    report.engine = engine;
    report.status = status;
    report.state = sim->state;
    report.steps = sim->steps;
    report.tapes = machine->tapes;
    report.nonblank = tm_sim_nonblank(sim);
    for (int t = 0; t < machine->tapes; t++) {
        int64_t first, last;
        tm_sim_extent(sim, t, &first, &last);
        nm_report_tape *tape = &report.tape[t];
        tape->count = (size_t)(last - first + 1);
        tape->cells = nm_xmalloc(tape->count);
        for (size_t i = 0; i < tape->count; i++)
            tape->cells[i] = tm_sim_cell(sim, t, first + (int64_t)i);
        tape->head = (size_t)(tm_sim_head(sim, t) - first);
    }
    return report;
}

nm_run_report nm_report_from_config(const nm_machine *machine, nm_config *config,
                                    tm_status status, uint64_t steps, const char *engine)
{
    nm_run_report report;
    memset(&report, 0, sizeof report);
    report.machine = machine;
    report.engine = engine;
    report.status = status;
    report.state = config->state;
    report.steps = steps;
    report.tapes = config->tapes;
    for (int t = 0; t < config->tapes; t++) {
        nm_report_tape *tape = &report.tape[t];
        tape->cells = config->tape[t].cells;
        tape->count = config->tape[t].count;
        tape->head = config->tape[t].head;
        config->tape[t].cells = NULL;
        for (size_t i = 0; i < tape->count; i++)
            report.nonblank += tape->cells[i] != machine->blank;
    }
    return report;
}

void nm_run_report_free(nm_run_report *report)
{
    for (int t = 0; t < report->tapes; t++)
        free(report->tape[t].cells);
    for (int i = 0; i < report->final_state_count; i++)
        free(report->final_state[i]);
    free(report->final_state);
}

static size_t nm_display_width(const char *text, size_t length)
{
    size_t width = 0;
    for (size_t i = 0; i < length; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            width++;
    return width;
}

/* Symbols print side by side when each is one visible character, and
 * separated by spaces otherwise. */
static bool nm_symbols_are_narrow(const nm_machine *machine)
{
    for (int s = 0; s < machine->symbol_count; s++) {
        const nm_symbol *symbol = &machine->symbols[s];
        if (nm_display_width(symbol->text, symbol->length) != 1
            || (unsigned char)symbol->text[0] <= ' ')
            return false;
    }
    return true;
}

static void nm_print_symbol_text(nm_buf *out, const nm_symbol *symbol)
{
    if (symbol->length == 1 && symbol->text[0] == ' ')
        nm_buf_puts(out, "\" \"");
    else
        nm_print_symbol(out, symbol);
}

static void nm_print_tape(const nm_machine *machine, const nm_report_tape *tape, int index,
                          int tapes)
{
    bool narrow = nm_symbols_are_narrow(machine);
    size_t first = 0, last = tape->count;
    if (tape->count > NM_SHOWN_CELLS) {
        first = tape->head > NM_SHOWN_CELLS / 2 ? tape->head - NM_SHOWN_CELLS / 2 : 0;
        if (first + NM_SHOWN_CELLS > tape->count)
            first = tape->count - NM_SHOWN_CELLS;
        last = first + NM_SHOWN_CELLS;
    }

    nm_buf line, caret;
    nm_buf_init(&line);
    nm_buf_init(&caret);
    const char *label = tapes > 1 ? "tape %d: " : "tape: ";
    nm_buf_printf(&line, label, index + 1);
    size_t indent = line.length;
    if (first > 0)
        nm_buf_puts(&line, "... ");
    size_t head_column = 0;
    for (size_t i = first; i < last; i++) {
        if (!narrow && i > first)
            nm_buf_putc(&line, ' ');
        if (i == tape->head)
            head_column = nm_display_width(line.data, line.length);
        const nm_symbol *symbol = &machine->symbols[tape->cells[i]];
        if (narrow)
            nm_buf_append(&line, symbol->text, symbol->length);
        else
            nm_print_symbol_text(&line, symbol);
    }
    if (last < tape->count)
        nm_buf_puts(&line, " ...");
    for (size_t i = 0; i < head_column; i++)
        nm_buf_putc(&caret, ' ');
    nm_buf_puts(&caret, "^ head");
    printf("%s\n%s\n", line.data, caret.data);
    if (first > 0 || last < tape->count)
        printf("%*s(cells %zu to %zu of %zu shown; --json prints them all)\n", (int)indent, "",
               first + 1, last, tape->count);
    nm_buf_free(&line);
    nm_buf_free(&caret);
}

static void nm_print_text(const nm_run_report *report)
{
    const nm_machine *machine = report->machine;
    const char *state = machine->states[report->state].name;
    unsigned long long steps = (unsigned long long)report->steps;
    const char *plural = steps == 1 ? "" : "s";
    switch (report->status) {
    case TM_HALTED:
        printf("%s: halted in state %s after %llu step%s\n", machine->name, state, steps, plural);
        break;
    case TM_NO_TRANSITION: {
        nm_buf reads;
        nm_buf_init(&reads);
        for (int t = 0; t < report->tapes; t++) {
            const nm_report_tape *tape = &report->tape[t];
            nm_buf_puts(&reads, t == 0 ? "" : ", ");
            nm_print_symbol_text(&reads, &machine->symbols[tape->cells[tape->head]]);
        }
        printf("%s: halted after %llu step%s: state %s has no transition for reading %s%s%s\n",
               machine->name, steps, plural, state, report->tapes > 1 ? "(" : "", reads.data,
               report->tapes > 1 ? ")" : "");
        nm_buf_free(&reads);
        break;
    }
    case TM_STEP_LIMIT:
        printf("%s: stopped at the step limit after %llu step%s, in state %s (raise it with "
               "--max-steps)\n",
               machine->name, steps, plural, state);
        break;
    case TM_TAPE_LIMIT:
        printf("%s: stopped after %llu step%s, in state %s: a tape reached the limit of %lld "
               "cells\n",
               machine->name, steps, plural, state, (long long)TM_MAX_TAPE_CELLS);
        break;
    case TM_RUNNING:
        printf("%s: still running after %llu step%s, in state %s\n", machine->name, steps,
               plural, state);
        break;
    }
    for (int t = 0; t < report->tapes; t++)
        nm_print_tape(machine, &report->tape[t], t, report->tapes);
    printf("non-blank cells: %llu\n", (unsigned long long)report->nonblank);
    if (report->network)
        printf("network: %s layout, %d neurons, %zu non-zero weights, %llu network steps "
               "(engine: %s)\n",
               report->layout, report->neurons, report->weights,
               (unsigned long long)report->network_steps, report->engine);
    if (report->verified)
        printf("verified: the decoded network equals the direct simulator after every machine "
               "step\n");
    for (int i = 0; i < report->final_state_count; i++)
        printf("x%d = %s\n", i, report->final_state[i]);
}

static const char *nm_status_reason(tm_status status)
{
    switch (status) {
    case TM_HALTED:
        return "halting state";
    case TM_NO_TRANSITION:
        return "no transition";
    case TM_STEP_LIMIT:
        return "step limit";
    case TM_TAPE_LIMIT:
        return "tape limit";
    case TM_RUNNING:
        return "running";
    }
    return "unknown";
}

static void nm_print_json(const nm_run_report *report)
{
    const nm_machine *machine = report->machine;
    nm_json json;
    nm_json_init(&json);
    nm_json_begin_object(&json);
    nm_json_key(&json, "machine");
    nm_json_string(&json, machine->name);
    nm_json_key(&json, "engine");
    nm_json_string(&json, report->engine);
    nm_json_key(&json, "halted");
    nm_json_bool(&json, report->status == TM_HALTED || report->status == TM_NO_TRANSITION);
    nm_json_key(&json, "reason");
    nm_json_string(&json, nm_status_reason(report->status));
    nm_json_key(&json, "state");
    nm_json_string(&json, machine->states[report->state].name);
    nm_json_key(&json, "steps");
    nm_json_uint(&json, report->steps);
    nm_json_key(&json, "tapes");
    nm_json_begin_array(&json);
    for (int t = 0; t < report->tapes; t++) {
        const nm_report_tape *tape = &report->tape[t];
        size_t first = 0, last = tape->count;
        if (tape->count > NM_JSON_MAX_CELLS) {
            first = tape->head > NM_JSON_MAX_CELLS / 2 ? tape->head - NM_JSON_MAX_CELLS / 2 : 0;
            if (first + NM_JSON_MAX_CELLS > tape->count)
                first = tape->count - NM_JSON_MAX_CELLS;
            last = first + NM_JSON_MAX_CELLS;
        }
        nm_json_begin_object(&json);
        nm_json_key(&json, "cells");
        nm_json_begin_array(&json);
        for (size_t i = first; i < last; i++) {
            const nm_symbol *symbol = &machine->symbols[tape->cells[i]];
            nm_json_string_n(&json, symbol->text, symbol->length);
        }
        nm_json_end_array(&json);
        nm_json_key(&json, "head");
        nm_json_uint(&json, tape->head - first);
        if (first > 0 || last < tape->count) {
            nm_json_key(&json, "cells_total");
            nm_json_uint(&json, tape->count);
            nm_json_key(&json, "cells_from");
            nm_json_uint(&json, first);
        }
        nm_json_end_object(&json);
    }
    nm_json_end_array(&json);
    nm_json_key(&json, "nonblank");
    nm_json_uint(&json, report->nonblank);
    if (report->network) {
        nm_json_key(&json, "layout");
        nm_json_string(&json, report->layout);
        nm_json_key(&json, "network_steps");
        nm_json_uint(&json, report->network_steps);
        nm_json_key(&json, "neurons");
        nm_json_int(&json, report->neurons);
        nm_json_key(&json, "weights");
        nm_json_uint(&json, report->weights);
        if (report->compile_seconds >= 0) {
            nm_json_key(&json, "compile_seconds");
            nm_json_double(&json, report->compile_seconds);
        }
        nm_json_key(&json, "verified");
        nm_json_bool(&json, report->verified);
    }
    if (report->final_state) {
        nm_json_key(&json, "final_state");
        nm_json_begin_array(&json);
        for (int i = 0; i < report->final_state_count; i++)
            nm_json_string(&json, report->final_state[i]);
        nm_json_end_array(&json);
    }
    nm_json_end_object(&json);
    printf("%s\n", json.data);
    nm_json_free(&json);
}

void nm_print_run_report(const nm_run_report *report, bool json)
{
    if (json)
        nm_print_json(report);
    else
        nm_print_text(report);
}
