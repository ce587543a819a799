/* Helpers shared by the importer tests; see import_fixture.h. */
#include "import_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm.h"

/* Steps nm_fixture_run allows before it gives up. */
enum { NM_FIXTURE_MAX_STEPS = 10000 };

void nm_fixture_import(nm_fixture *fixture, nm_fixture_format format, const char *name,
                       const char *text, const char *input)
{
    nm_fixture_import_bytes(fixture, format, name, text, strlen(text), input);
}

void nm_fixture_import_bytes(nm_fixture *fixture, nm_fixture_format format, const char *name,
                             const char *text, size_t length, const char *input)
{
    memset(fixture, 0, sizeof *fixture);
    nm_arena_init(&fixture->arena);
    nm_diag_init(&fixture->diag, NULL);
    nm_buf_init(&fixture->messages);
    fixture->diag.capture = &fixture->messages;
    fixture->source = nm_source_from_text(name, text, length);

    nm_import_options options = {input, input ? strlen(input) : 0};
    const char *machine_name = nm_import_machine_name(&fixture->arena, name);
    if (format == NM_FIXTURE_MORPHETT)
        fixture->decl = nm_import_morphett(&fixture->arena, &fixture->diag, fixture->source,
                                           machine_name, &options);
    else
        fixture->decl = nm_import_yaml(&fixture->arena, &fixture->diag, fixture->source,
                                       machine_name, &options);
    if (fixture->decl)
        fixture->machine = nm_machine_check(&fixture->arena, &fixture->diag, fixture->decl);
}

void nm_fixture_import_file(nm_fixture *fixture, nm_fixture_format format, const char *name)
{
    nm_buf path;
    nm_buf_init(&path);
    nm_buf_printf(&path, "%s/data/%s", NMC_TEST_DATA_DIR, name);
    char *message = NULL;
    nm_source *file = nm_source_read(path.data, &message);
    if (!file) {
        fprintf(stderr, "%s\n", message);
        abort();
    }
    nm_fixture_import_bytes(fixture, format, name, file->text, file->length, NULL);
    nm_source_free(file);
    nm_buf_free(&path);
}

void nm_fixture_free(nm_fixture *fixture)
{
    nm_machine_free(fixture->machine);
    nm_source_free(fixture->source);
    nm_buf_free(&fixture->messages);
    nm_arena_free(&fixture->arena);
    free(fixture->text);
}

/* Keeps BUF as the fixture's last returned string. */
static const char *nm_fixture_keep(nm_fixture *fixture, nm_buf *buf)
{
    free(fixture->text);
    fixture->text = buf->data ? buf->data : nm_xstrdup("");
    return fixture->text;
}

const char *nm_fixture_first_message(nm_fixture *fixture)
{
    nm_buf line;
    nm_buf_init(&line);
    const char *messages = fixture->messages.data ? fixture->messages.data : "";
    nm_buf_append(&line, messages, strcspn(messages, "\n"));
    return nm_fixture_keep(fixture, &line);
}

static void nm_fixture_append_symbol(nm_buf *out, const nm_machine *machine, int symbol)
{
    nm_buf_append(out, machine->symbols[symbol].text, machine->symbols[symbol].length);
}

const char *nm_fixture_alphabet(nm_fixture *fixture)
{
    nm_buf out;
    nm_buf_init(&out);
    for (int s = 0; fixture->machine && s < fixture->machine->symbol_count; s++) {
        if (s > 0)
            nm_buf_putc(&out, '|');
        nm_fixture_append_symbol(&out, fixture->machine, s);
    }
    return nm_fixture_keep(fixture, &out);
}

const char *nm_fixture_halting_states(nm_fixture *fixture)
{
    nm_buf out;
    nm_buf_init(&out);
    for (int s = 0; fixture->machine && s < fixture->machine->state_count; s++) {
        if (!fixture->machine->states[s].halting)
            continue;
        if (out.length > 0)
            nm_buf_putc(&out, '|');
        nm_buf_puts(&out, fixture->machine->states[s].name);
    }
    return nm_fixture_keep(fixture, &out);
}

static int nm_fixture_find_state(const nm_machine *machine, const char *name)
{
    for (int s = 0; s < machine->state_count; s++)
        if (strcmp(machine->states[s].name, name) == 0)
            return s;
    return -1;
}

static int nm_fixture_find_symbol(const nm_machine *machine, const char *text)
{
    for (int s = 0; s < machine->symbol_count; s++)
        if (machine->symbols[s].length == strlen(text)
            && memcmp(machine->symbols[s].text, text, strlen(text)) == 0)
            return s;
    return -1;
}

const char *nm_fixture_transition(nm_fixture *fixture, const char *state, const char *symbol)
{
    const nm_machine *machine = fixture->machine;
    nm_buf out;
    nm_buf_init(&out);
    int state_index = machine ? nm_fixture_find_state(machine, state) : -1;
    int symbol_index = machine ? nm_fixture_find_symbol(machine, symbol) : -1;
    if (state_index < 0 || symbol_index < 0) {
        nm_buf_puts(&out, state_index < 0 ? "no such state" : "no such symbol");
        return nm_fixture_keep(fixture, &out);
    }

    const tm_table *table = machine->table;
    size_t entry = (size_t)state_index * table->reads + (size_t)symbol_index;
    if (table->next[entry] == TM_UNDEFINED) {
        nm_buf_puts(&out, "none");
        return nm_fixture_keep(fixture, &out);
    }
    nm_fixture_append_symbol(&out, machine, table->write[entry]);
    if (table->move[entry] < 0)
        nm_buf_puts(&out, " L ");
    else if (table->move[entry] > 0)
        nm_buf_puts(&out, " R ");
    else
        nm_buf_puts(&out, " S ");
    nm_buf_puts(&out, machine->states[table->next[entry]].name);
    return nm_fixture_keep(fixture, &out);
}

const char *nm_fixture_run(nm_fixture *fixture, const char *input)
{
    const nm_machine *machine = fixture->machine;
    nm_buf out;
    nm_buf_init(&out);
    const char *text = "";
    size_t length = 0;
    if (input) {
        text = input;
        length = strlen(input);
    } else if (machine->has_input) {
        text = machine->input;
        length = machine->input_length;
    }
    uint8_t *symbols;
    size_t count;
    char *message;
    if (!nm_machine_parse_input(machine, text, length, &symbols, &count, &message)) {
        nm_buf_puts(&out, message);
        free(message);
        return nm_fixture_keep(fixture, &out);
    }

    tm_sim sim;
    if (!tm_sim_init(&sim, machine->table, symbols, count))
        abort();
    tm_sim_run(&sim, NM_FIXTURE_MAX_STEPS);
    int64_t first, last;
    tm_sim_extent(&sim, 0, &first, &last);
    nm_buf_printf(&out, "%s %llu ", machine->states[sim.state].name,
                  (unsigned long long)sim.steps);
    for (int64_t position = first; position <= last; position++)
        nm_fixture_append_symbol(&out, machine, tm_sim_cell(&sim, 0, position));
    nm_buf_printf(&out, " %lld", (long long)(tm_sim_head(&sim, 0) - first));
    tm_sim_free(&sim);
    free(symbols);
    return nm_fixture_keep(fixture, &out);
}
