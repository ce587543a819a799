/* The standard text format of busy beaver machines (bbchallenge.org).
 *
 *     1RB1LB_1LA1RZ
 *
 * Rows are separated by '_', one row per state in order (A, B, C, ...; A
 * starts).  A row holds one transition per symbol read (0, 1, ...; 0 is the
 * blank), each written <write digit><L|R><next state letter>, or --- when
 * the transition is undefined.  A next-state letter past the last row is a
 * halting state, and entering it counts as a step.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "import.h"
#include "machine/machine.h"

/* States have letters A to Z. */
enum { NM_BB_MAX_STATES = 26 };

typedef struct nm_bb_reader {
    nm_arena *arena;
    nm_diag *diag;
    const nm_source *source;
    uint32_t offset;
    const char *text;
    nm_decl *decl;
} nm_bb_reader;

static nm_loc nm_bb_loc(const nm_bb_reader *reader, size_t at, size_t length)
{
    return nm_loc_make(reader->source, reader->offset + (uint32_t)at, (uint32_t)length);
}

static nm_atom nm_bb_atom(const nm_bb_reader *reader, nm_atom_kind kind, const char *text,
                          size_t at)
{
    return nm_atom_make(kind, nm_arena_strdup(reader->arena, text), strlen(text),
                        nm_bb_loc(reader, at, 1));
}

static nm_atom nm_bb_state_atom(const nm_bb_reader *reader, char letter, size_t at)
{
    char name[2] = {letter, '\0'};
    return nm_bb_atom(reader, NM_ATOM_NAME, name, at);
}

static nm_atom nm_bb_symbol_atom(const nm_bb_reader *reader, int symbol, size_t at)
{
    char name[12];
    snprintf(name, sizeof name, "%d", symbol);
    return nm_bb_atom(reader, NM_ATOM_INT, name, at);
}

/* Reads one transition at AT; returns false after an error. */
static bool nm_bb_transition(nm_bb_reader *reader, size_t at, int row, int symbol, int symbols,
                             int rows, bool *halting_letters)
{
    const char *cell = reader->text + at;
    if (memcmp(cell, "---", 3) == 0)
        return true;

    bool ok = true;
    if (!isdigit((unsigned char)cell[0]) || cell[0] - '0' >= symbols) {
        nm_error(reader->diag, nm_bb_loc(reader, at, 1),
                 "invalid symbol '%c' to write; this machine has %d symbols, so write a digit "
                 "from 0 to %d",
                 cell[0], symbols, symbols - 1);
        ok = false;
    }
    if (cell[1] != 'L' && cell[1] != 'R') {
        nm_error(reader->diag, nm_bb_loc(reader, at + 1, 1),
                 "invalid move '%c'; the busy beaver format moves L or R", cell[1]);
        ok = false;
    }
    if (cell[2] < 'A' || cell[2] > 'Z') {
        nm_error(reader->diag, nm_bb_loc(reader, at + 2, 1),
                 "invalid next state '%c'; states are the capital letters A, B, C, ...", cell[2]);
        ok = false;
    }
    if (!ok)
        return false;

    if (cell[2] - 'A' >= rows)
        halting_letters[cell[2] - 'A'] = true;
    char move[2] = {cell[1], '\0'};
    nm_ast_add_transition(reader->arena, reader->decl,
                          nm_bb_state_atom(reader, (char)('A' + row), at),
                          nm_bb_symbol_atom(reader, symbol, at),
                          nm_bb_symbol_atom(reader, cell[0] - '0', at),
                          nm_bb_atom(reader, NM_ATOM_NAME, move, at + 1),
                          nm_bb_state_atom(reader, cell[2], at + 2), nm_bb_loc(reader, at, 3));
    return true;
}

static void nm_bb_declare(nm_bb_reader *reader, int symbols, int rows, const bool *halting_letters)
{
    nm_arena *arena = reader->arena;
    nm_item *alphabet = nm_ast_add_directive(
        arena, reader->decl, nm_bb_atom(reader, NM_ATOM_NAME, "alphabet", 0));
    for (int s = 0; s < symbols; s++)
        nm_atom_list_push(arena, &alphabet->args, nm_bb_symbol_atom(reader, s, 0));
    nm_item *blank = nm_ast_add_directive(arena, reader->decl,
                                          nm_bb_atom(reader, NM_ATOM_NAME, "blank", 0));
    nm_atom_list_push(arena, &blank->args, nm_bb_symbol_atom(reader, 0, 0));
    nm_item *start = nm_ast_add_directive(arena, reader->decl,
                                          nm_bb_atom(reader, NM_ATOM_NAME, "start", 0));
    nm_atom_list_push(arena, &start->args, nm_bb_state_atom(reader, 'A', 0));

    /* Every row is a state, even one whose transitions are all undefined. */
    nm_item *states = nm_ast_add_directive(arena, reader->decl,
                                           nm_bb_atom(reader, NM_ATOM_NAME, "states", 0));
    for (int row = 0; row < rows; row++)
        nm_atom_list_push(arena, &states->args, nm_bb_state_atom(reader, (char)('A' + row), 0));

    nm_item *halt = NULL;
    for (int letter = 0; letter < NM_BB_MAX_STATES; letter++) {
        if (!halting_letters[letter])
            continue;
        if (!halt)
            halt = nm_ast_add_directive(arena, reader->decl,
                                        nm_bb_atom(reader, NM_ATOM_NAME, "halt", 0));
        nm_atom_list_push(arena, &halt->args, nm_bb_state_atom(reader, (char)('A' + letter), 0));
    }
}

nm_decl *nm_import_bbchallenge(nm_arena *arena, nm_diag *diag, const nm_source *source,
                               uint32_t offset, const char *text, size_t length,
                               const char *name)
{
    nm_bb_reader reader = {arena, diag, source, offset, text, NULL};
    reader.decl = nm_ast_machine_new(arena, name, nm_bb_loc(&reader, 0, length));
    reader.decl->format = "bbchallenge";

    /* Only ASCII letters, digits, '-' and '_' can appear; reporting another
     * character first keeps multi-byte characters from being counted as
     * several row characters. */
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isalnum(c) || c == '-' || c == '_')
            continue;
        size_t width = 1;
        while (c >= 0x80 && i + width < length && ((unsigned char)text[i + width] & 0xC0) == 0x80)
            width++;
        nm_error(diag, nm_bb_loc(&reader, i, width),
                 "invalid character '%.*s' in busy beaver text; rows hold digits, L, R, "
                 "state letters and '---', separated by '_'",
                 (int)width, text + i);
        return NULL;
    }
    if (length > 0 && text[length - 1] == '_') {
        nm_error(diag, nm_bb_loc(&reader, length - 1, 1),
                 "busy beaver text ends with '_'; remove it (rows are separated by '_', not "
                 "ended by it)");
        return NULL;
    }

    size_t row_length = strcspn(text, "_");
    if (length == 0 || row_length == 0 || row_length % 3 != 0) {
        nm_error(diag, nm_bb_loc(&reader, 0, row_length),
                 "invalid busy beaver text: each row holds 3 characters per symbol, such as "
                 "1RB1LB_1LA1RZ");
        return NULL;
    }
    int symbols = (int)(row_length / 3);
    if (symbols > 10) {
        nm_error(diag, nm_bb_loc(&reader, 0, row_length),
                 "a busy beaver row may hold at most 10 symbols (digits 0 to 9)");
        return NULL;
    }

    bool halting_letters[NM_BB_MAX_STATES] = {false};
    int errors_before = diag->errors;
    int rows = 1;
    for (size_t i = 0; i < length; i++)
        rows += text[i] == '_';
    if (rows > NM_BB_MAX_STATES) {
        nm_error(diag, nm_bb_loc(&reader, 0, length),
                 "busy beaver text has %d rows; the format names at most %d states (A to Z)", rows,
                 NM_BB_MAX_STATES);
        return NULL;
    }

    size_t at = 0;
    for (int row = 0; row < rows; row++) {
        size_t this_length = strcspn(text + at, "_");
        if (at + this_length > length)
            this_length = length - at;
        if (this_length != row_length) {
            nm_error(diag, nm_bb_loc(&reader, at, this_length),
                     "row %c has %zu characters but the first row has %zu; every row holds one "
                     "transition of 3 characters per symbol",
                     'A' + row, this_length, row_length);
        } else {
            for (int s = 0; s < symbols; s++)
                nm_bb_transition(&reader, at + 3 * (size_t)s, row, s, symbols, rows,
                                 halting_letters);
        }
        at += this_length + 1;
    }
    if (diag->errors != errors_before)
        return NULL;

    nm_bb_declare(&reader, symbols, rows, halting_letters);
    return reader.decl;
}

static const char *const nm_keywords[] = {"machine", "import", "model", "task", "train"};

/* Returns whether C is an ASCII letter, digit or '_', whatever the locale. */
static bool nm_is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool nm_is_keyword(const char *name)
{
    for (size_t k = 0; k < sizeof nm_keywords / sizeof *nm_keywords; k++)
        if (strcmp(name, nm_keywords[k]) == 0)
            return true;
    return false;
}

bool nm_import_valid_name(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length > NM_MAX_NAME_LENGTH || isdigit((unsigned char)name[0]))
        return false;
    for (const char *c = name; *c; c++)
        if (!nm_is_name_char(*c))
            return false;
    return !nm_is_keyword(name);
}

const char *nm_import_machine_name(nm_arena *arena, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t length = strcspn(base, ".");
    if (length == 0)
        return "imported";
    /* Leaves room for the one character of prefix or suffix below. */
    if (length > NM_MAX_NAME_LENGTH - 1)
        length = NM_MAX_NAME_LENGTH - 1;
    char *name = nm_arena_strndup(arena, base, length);
    for (char *c = name; *c; c++)
        if (!nm_is_name_char(*c))
            *c = '_';
    if (isdigit((unsigned char)name[0]))
        return nm_arena_printf(arena, "m%s", name);
    if (nm_is_keyword(name))
        return nm_arena_printf(arena, "%s_", name);
    return name;
}
