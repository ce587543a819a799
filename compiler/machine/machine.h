/* Checked Turing machines.
 *
 * The checker turns a machine declaration (written in .nm or imported from
 * another format) into an nm_machine: symbols and states resolved to
 * indices, transitions as rules that may hold wildcards, and the dense
 * transition table of the runtime, where each state and tuple of symbols
 * read has at most one transition (the most specific rule that matches).
 */
#ifndef NM_MACHINE_H
#define NM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"
#include "tm.h"

/* Bytes in one name of a machine, state or symbol. */
#define NM_MAX_NAME_LENGTH 256

/* A read that matches any symbol, and a write that keeps the symbol. */
#define NM_ANY (-1)
#define NM_KEEP (-1)

typedef struct nm_symbol {
    const char *text;
    size_t length;
    nm_loc loc;
} nm_symbol;

typedef struct nm_state {
    const char *name;
    nm_loc loc;       /* first place it appears */
    bool halting;
    nm_loc halt_loc;  /* where it was declared halting */
    int rule_count;   /* rules leaving it */
    bool declared;    /* listed in a states declaration */
} nm_state;

typedef struct nm_rule {
    int state;
    int read[TM_MAX_TAPES];   /* symbol index or NM_ANY */
    int write[TM_MAX_TAPES];  /* symbol index or NM_KEEP */
    int move[TM_MAX_TAPES];   /* -1, 0 or +1 */
    int next;
    int specific;             /* reads that are not wildcards */
    nm_loc loc;
} nm_rule;

typedef struct nm_machine {
    const char *name;
    nm_loc loc;
    const char *origin;      /* nm, bbchallenge, morphett or yaml */
    int tapes;
    int symbol_count;
    nm_symbol *symbols;
    int blank;
    int state_count;
    nm_state *states;
    int start;
    int rule_count;
    nm_rule *rules;
    tm_table *table;         /* owned; freed by nm_machine_free */
    bool has_input;          /* the machine declares a default input */
    const char *input;
    size_t input_length;
} nm_machine;

/* Checks one machine declaration; returns NULL after reporting errors.
 * Imported declarations must already have been converted to items. */
nm_machine *nm_machine_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl);
void nm_machine_free(nm_machine *machine);

/* Splits TEXT into symbols of MACHINE, taking the longest symbol that
 * matches at each point.  On failure returns false and a message in
 * *message (heap allocated) naming the position and the symbol. */
bool nm_machine_parse_input(const nm_machine *machine, const char *text, size_t length,
                            uint8_t **symbols, size_t *count, char **message);
/* The character of an input that is not a symbol: bytes of TEXT. */
typedef struct nm_input_error {
    size_t offset;
    size_t length;
} nm_input_error;
/* Like nm_machine_parse_input, and on failure stores where in TEXT the
 * first character that is not a symbol is. */
bool nm_machine_read_input(const nm_machine *machine, const char *text, size_t length,
                           uint8_t **symbols, size_t *count, char **message,
                           nm_input_error *error);

/* Appends the symbol or state name as .nm source: bare when it can be, else
 * as a quoted string. */
void nm_print_symbol(nm_buf *out, const nm_symbol *symbol);
void nm_print_state_name(nm_buf *out, const char *name);
/* Prints MACHINE as a .nm declaration (nmc import). */
void nm_machine_print_nm(const nm_machine *machine, nm_buf *out);

#endif
