/* The syntax tree of a .nm file, as the parser builds it.
 *
 * The tree keeps what was written and where; meaning comes later, in the
 * checker.  Words inside a machine body are atoms: the parser does not decide
 * whether `start` names a state or begins a declaration, so that states and
 * symbols may take any name.  Model and train declarations carry generic
 * option lists (`memory 128 x 20;`, `optimizer rmsprop(lr 1e-4);`) that the
 * checker of each architecture interprets.  All nodes live in the arena of
 * the compilation.
 */
#ifndef NM_AST_H
#define NM_AST_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

typedef enum nm_atom_kind {
    NM_ATOM_NAME,   /* identifier: scan, q0, _ */
    NM_ATOM_INT,    /* digits: 0, 12 */
    NM_ATOM_STRING, /* quoted: "ab", " " (text holds the unescaped value) */
    NM_ATOM_CHAR,   /* one other character: #, $, α */
    NM_ATOM_STAR,   /* the wildcard * */
} nm_atom_kind;

typedef struct nm_atom {
    nm_atom_kind kind;
    const char *text;
    size_t length; /* bytes of text; strings may hold NUL characters */
    nm_loc loc;
    bool invalid;  /* a string whose error the scanner already reported */
} nm_atom;

/* The words that start a declaration inside a machine body (alphabet,
 * blank, start, halt, tapes, input).  The checker reads them; the parser
 * uses them to notice a ';' missing before the next line's declaration. */
#define NM_DIRECTIVE_COUNT 7
extern const char *const nm_directive_names[NM_DIRECTIVE_COUNT];
bool nm_is_directive_name(const char *text);

typedef struct nm_atom_list {
    nm_atom *items;
    size_t count;
    size_t capacity;
    nm_loc loc; /* the whole list, including parentheses */
    bool tuple; /* written in parentheses */
} nm_atom_list;

typedef enum nm_item_kind { NM_ITEM_DIRECTIVE, NM_ITEM_TRANSITION } nm_item_kind;

/* One line of a machine body: `alphabet 0 1;` or `q 0 -> 1 R p;`. */
typedef struct nm_item {
    nm_item_kind kind;
    nm_loc loc;
    nm_atom head;        /* directive keyword, or the transition's state */
    nm_atom_list args;   /* directive arguments */
    nm_atom_list reads;  /* transition parts */
    nm_atom_list writes;
    nm_atom_list moves;
    nm_atom next;
    struct nm_item *next_item;
} nm_item;

/* A value in a model or train option: 1e-4, -1 .. 1, lstm(100), "text". */
typedef enum nm_value_kind {
    NM_VALUE_NUMBER,
    NM_VALUE_NAME,
    NM_VALUE_STRING,
    NM_VALUE_CALL,
    NM_VALUE_RANGE,
} nm_value_kind;

typedef struct nm_value nm_value;
typedef struct nm_values {
    nm_value **items;
    size_t count, capacity;
} nm_values;

struct nm_value {
    nm_value_kind kind;
    nm_loc loc;
    const char *text;     /* number as written (with its sign), name, string */
    nm_values *args;      /* call: one value sequence per comma-separated argument */
    size_t arg_count;
    nm_value *low, *high; /* range */
};

typedef struct nm_option {
    const char *name;
    nm_loc loc;
    nm_values values;
    struct nm_option *next;
} nm_option;

typedef enum nm_decl_kind {
    NM_DECL_IMPORT,
    NM_DECL_MACHINE,
    NM_DECL_MODEL,
    NM_DECL_TASK,
    NM_DECL_TRAIN,
} nm_decl_kind;

typedef struct nm_decl {
    nm_decl_kind kind;
    nm_loc loc;          /* the keyword */
    const char *name;    /* machine, model or train name; import path */
    nm_loc name_loc;

    /* machine NAME { items } */
    nm_item *items;
    nm_item *last_item;  /* kept by the builders for appending */
    nm_loc body_end;     /* the closing brace */
    /* machine NAME = FORMAT "TEXT"; */
    bool imported;
    const char *format;
    nm_loc format_loc;
    const char *text;
    size_t text_length;
    nm_loc text_loc;

    /* model NAME = KIND { options }  /  train MODEL on TASK { options } */
    const char *kind_name;   /* ntm, memnet; for train, the task */
    nm_loc kind_loc;
    nm_value *task;          /* train: the task call */
    nm_option *options;

    bool syntax_errors;      /* the parser reported errors inside it */
    struct nm_decl *next;
} nm_decl;

typedef struct nm_file {
    const nm_source *source;
    nm_decl *decls;
} nm_file;

void nm_atom_list_push(nm_arena *arena, nm_atom_list *list, nm_atom atom);
void nm_values_push(nm_arena *arena, nm_values *values, nm_value *value);

/* Builders for importers, which turn other formats into machine
 * declarations that the checker then treats like written ones. */
nm_atom nm_atom_make(nm_atom_kind kind, const char *text, size_t length, nm_loc loc);
nm_decl *nm_ast_machine_new(nm_arena *arena, const char *name, nm_loc loc);
/* Adds `keyword args...;`; push the arguments onto the returned item's args. */
nm_item *nm_ast_add_directive(nm_arena *arena, nm_decl *decl, nm_atom keyword);
/* Adds a one-tape transition `state read -> write move next;`. */
nm_item *nm_ast_add_transition(nm_arena *arena, nm_decl *decl, nm_atom state,
                               nm_atom read, nm_atom write, nm_atom move, nm_atom next,
                               nm_loc loc);

/* Prints the tree in a readable indented form (nmc build --emit=ast). */
void nm_ast_print(const nm_file *file, nm_buf *out);

#endif
