/* Printing machines as .nm source, and reading input strings as symbols. */
#include <stdlib.h>
#include <string.h>

#include "machine.h"

static bool nm_is_ident_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool nm_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* True when TEXT scans as one atom on its own: one letter, digit, other
 * printable character or UTF-8 character. */
static bool nm_symbol_is_bare(const char *text, size_t length)
{
    unsigned char c = (unsigned char)text[0];
    if (length == 1)
        return nm_is_ident_start(c) || nm_is_digit(c) || strchr("!#$%&+./:<>?@[]^`|~'\\-=", c);
    if (c < 0xC2)
        return false;
    size_t expected = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (length != expected)
        return false;
    for (size_t i = 1; i < length; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            return false;
    return true;
}

/* Writes TEXT as a string literal that scans back to the same bytes:
 * control characters and bytes outside valid UTF-8 become \xHH. */
static void nm_print_quoted(nm_buf *out, const char *text, size_t length)
{
    nm_buf_putc(out, '"');
    for (size_t i = 0; i < length;) {
        unsigned char c = (unsigned char)text[i];
        size_t character = nm_utf8_sequence(text, i, length);
        if (c == '"' || c == '\\')
            nm_buf_printf(out, "\\%c", c);
        else if (c == '\n')
            nm_buf_puts(out, "\\n");
        else if (c == '\t')
            nm_buf_puts(out, "\\t");
        else if (c < 0x20 || c == 0x7F || character == 0)
            nm_buf_printf(out, "\\x%02X", c);
        else
            nm_buf_append(out, text + i, character);
        i += character > 1 ? character : 1;
    }
    nm_buf_putc(out, '"');
}

void nm_print_symbol(nm_buf *out, const nm_symbol *symbol)
{
    if (nm_symbol_is_bare(symbol->text, symbol->length))
        nm_buf_append(out, symbol->text, symbol->length);
    else
        nm_print_quoted(out, symbol->text, symbol->length);
}

static bool nm_is_keyword(const char *name)
{
    return strcmp(name, "machine") == 0 || strcmp(name, "import") == 0
           || strcmp(name, "model") == 0 || strcmp(name, "train") == 0
           || strcmp(name, "task") == 0;
}

void nm_print_state_name(nm_buf *out, const char *name)
{
    size_t length = strlen(name);
    bool identifier = length > 0 && nm_is_ident_start((unsigned char)name[0]) && !nm_is_keyword(name);
    bool number = length > 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!nm_is_ident_start(c) && !nm_is_digit(c))
            identifier = false;
        if (!nm_is_digit(c))
            number = false;
    }
    if (identifier || number)
        nm_buf_puts(out, name);
    else
        nm_print_quoted(out, name, length);
}

static void nm_print_symbol_or(nm_buf *out, const nm_machine *machine, int symbol)
{
    if (symbol < 0)
        nm_buf_putc(out, '*');
    else
        nm_print_symbol(out, &machine->symbols[symbol]);
}

static void nm_print_part(nm_buf *out, const nm_machine *machine, const int *values, bool moves)
{
    if (machine->tapes > 1)
        nm_buf_putc(out, '(');
    for (int t = 0; t < machine->tapes; t++) {
        if (t > 0)
            nm_buf_puts(out, ", ");
        if (moves)
            nm_buf_putc(out, values[t] < 0 ? 'L' : values[t] > 0 ? 'R' : 'S');
        else
            nm_print_symbol_or(out, machine, values[t]);
    }
    if (machine->tapes > 1)
        nm_buf_putc(out, ')');
}

static void nm_print_header(const nm_machine *machine, nm_buf *out)
{
    nm_buf_printf(out, "machine %s {\n", machine->name);
    if (machine->tapes > 1)
        nm_buf_printf(out, "    tapes %d;\n", machine->tapes);
    nm_buf_puts(out, "    alphabet");
    for (int s = 0; s < machine->symbol_count; s++) {
        nm_buf_putc(out, ' ');
        nm_print_symbol(out, &machine->symbols[s]);
    }
    nm_buf_puts(out, ";\n    blank ");
    nm_print_symbol(out, &machine->symbols[machine->blank]);
    nm_buf_puts(out, ";\n    start ");
    nm_print_state_name(out, machine->states[machine->start].name);
    nm_buf_puts(out, ";\n");

    bool any_halting = false;
    for (int s = 0; s < machine->state_count; s++) {
        if (!machine->states[s].halting)
            continue;
        nm_buf_puts(out, any_halting ? " " : "    halt ");
        nm_print_state_name(out, machine->states[s].name);
        any_halting = true;
    }
    if (any_halting)
        nm_buf_puts(out, ";\n");

    bool any_declared = false;
    for (int s = 0; s < machine->state_count; s++) {
        const nm_state *state = &machine->states[s];
        if (state->halting || state->rule_count > 0 || !state->declared)
            continue;
        nm_buf_puts(out, any_declared ? " " : "    states ");
        nm_print_state_name(out, state->name);
        any_declared = true;
    }
    if (any_declared)
        nm_buf_puts(out, ";\n");
    if (machine->has_input) {
        nm_buf_puts(out, "    input ");
        nm_print_quoted(out, machine->input, machine->input_length);
        nm_buf_puts(out, ";\n");
    }
}

void nm_machine_print_nm(const nm_machine *machine, nm_buf *out)
{
    nm_print_header(machine, out);

    /* Align the arrows: pad the state names to the longest one. */
    size_t width = 0;
    for (int r = 0; r < machine->rule_count; r++) {
        nm_buf name;
        nm_buf_init(&name);
        nm_print_state_name(&name, machine->states[machine->rules[r].state].name);
        if (name.length > width)
            width = name.length;
        nm_buf_free(&name);
    }

    if (machine->rule_count > 0)
        nm_buf_putc(out, '\n');
    for (int r = 0; r < machine->rule_count; r++) {
        const nm_rule *rule = &machine->rules[r];
        size_t start = out->length;
        nm_buf_puts(out, "    ");
        nm_print_state_name(out, machine->states[rule->state].name);
        while (out->length - start < 4 + width)
            nm_buf_putc(out, ' ');
        nm_buf_putc(out, ' ');
        nm_print_part(out, machine, rule->read, false);
        nm_buf_puts(out, " -> ");
        nm_print_part(out, machine, rule->write, false);
        nm_buf_putc(out, ' ');
        nm_print_part(out, machine, rule->move, true);
        nm_buf_putc(out, ' ');
        nm_print_state_name(out, machine->states[rule->next].name);
        nm_buf_puts(out, ";\n");
    }
    nm_buf_puts(out, "}\n");
}

bool nm_machine_parse_input(const nm_machine *machine, const char *text, size_t length,
                            uint8_t **symbols, size_t *count, char **message)
{
    nm_input_error error;
    return nm_machine_read_input(machine, text, length, symbols, count, message, &error);
}

bool nm_machine_read_input(const nm_machine *machine, const char *text, size_t length,
                           uint8_t **symbols, size_t *count, char **message,
                           nm_input_error *error)
{
    uint8_t *result = nm_xmalloc(length + 1);
    size_t produced = 0;
    size_t at = 0;
    while (at < length) {
        int best = -1;
        size_t best_length = 0;
        for (int s = 0; s < machine->symbol_count; s++) {
            const nm_symbol *symbol = &machine->symbols[s];
            if (symbol->length > best_length && symbol->length <= length - at
                && memcmp(text + at, symbol->text, symbol->length) == 0) {
                best = s;
                best_length = symbol->length;
            }
        }
        if (best < 0) {
            size_t char_length = 1;
            while (at + char_length < length && ((unsigned char)text[at + char_length] & 0xC0) == 0x80)
                char_length++;
            nm_buf alphabet;
            nm_buf_init(&alphabet);
            for (int s = 0; s < machine->symbol_count; s++) {
                nm_buf_putc(&alphabet, ' ');
                nm_print_symbol(&alphabet, &machine->symbols[s]);
            }
            nm_buf character;
            nm_buf_init(&character);
            nm_symbol shown = {text + at, char_length, {NULL, 0, 0}};
            if (nm_symbol_is_bare(shown.text, shown.length))
                nm_buf_printf(&character, "'%.*s'", (int)char_length, text + at);
            else
                nm_print_quoted(&character, shown.text, shown.length);
            nm_buf msg;
            nm_buf_init(&msg);
            nm_buf_printf(&msg,
                          "invalid input: %s at byte %zu is not a symbol of machine '%s' "
                          "(alphabet:%s)",
                          character.data, at + 1, machine->name, alphabet.data);
            nm_buf_free(&character);
            nm_buf_free(&alphabet);
            free(result);
            *message = msg.data;
            error->offset = at;
            error->length = char_length;
            return false;
        }
        result[produced++] = (uint8_t)best;
        at += best_length;
    }
    *symbols = result;
    *count = produced;
    return true;
}
