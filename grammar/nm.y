/* The grammar of .nm files: a pure bison parser with locations.
 *
 *   file     := decl*
 *   decl     := 'import' STRING ';'
 *             | 'machine' NAME '{' item* '}'
 *             | 'machine' NAME '=' FORMAT STRING ';'
 *             | 'model' NAME '=' KIND '{' option* '}'
 *             | 'train' MODEL 'on' TASK '{' option* '}'
 *   item     := atom atom+ ';'                          (alphabet 0 1;)
 *             | atom ';'
 *             | atom read '->' write moves atom ';'     (q 0 -> 1 R p;)
 *   read     := atom | '*' | '(' atom, ... ')'          (tuples for several tapes)
 *   option   := NAME value* ';'                         (memory 128 x 20;)
 *   value    := simple | simple '..' simple
 *   simple   := NUMBER | '-' NUMBER | NAME | STRING | NAME '(' values, ... ')'
 *
 * Words in a machine body stay atoms here; the checker decides which atom is
 * a state, a symbol, a move or a declaration keyword, so `start` can still
 * name a state.  A syntax error skips to the next ';' or '}' and parsing goes
 * on, so one run reports every error.
 */
%require "3.6"
%define api.pure full
%define api.prefix {nm_yy}
%define api.token.prefix {NM_TOKEN_}
%define api.location.type {nm_span}
%define parse.error custom
%locations
%param {yyscan_t scanner} {struct nm_parse_context *context}

%code requires {
#include "parse_context.h"
typedef void *yyscan_t;

typedef struct nm_item_chain {
    nm_item *head, *tail;
} nm_item_chain;

typedef struct nm_option_chain {
    nm_option *head, *tail;
} nm_option_chain;

typedef struct nm_arg_list {
    nm_values *items;
    size_t count, capacity;
} nm_arg_list;
}

%code provides {
int nm_scan(NM_YYSTYPE *value, NM_YYLTYPE *location, yyscan_t scanner);
}

%code {
#include <string.h>

#define YYLLOC_DEFAULT(current, rhs, count)                                    \
    do {                                                                       \
        if (count) {                                                           \
            (current).begin = YYRHSLOC(rhs, 1).begin;                          \
            (current).end = YYRHSLOC(rhs, count).end;                          \
        } else {                                                               \
            (current).begin = (current).end = YYRHSLOC(rhs, 0).end;            \
        }                                                                      \
    } while (0)

static int nm_yylex(NM_YYSTYPE *value, NM_YYLTYPE *location, yyscan_t scanner,
                    struct nm_parse_context *context);
static void nm_yyerror(NM_YYLTYPE *location, yyscan_t scanner,
                       struct nm_parse_context *context, const char *message);

static nm_atom nm_make_atom(struct nm_parse_context *context, nm_atom_kind kind,
                            const char *text, size_t length, nm_span span);
static nm_atom_list nm_single_list(struct nm_parse_context *context, nm_atom atom);
static void nm_add_decl(struct nm_parse_context *context, nm_decl *decl);
static nm_decl *nm_new_decl(struct nm_parse_context *context, nm_decl_kind kind,
                            nm_span keyword, const char *name, nm_span name_span);
static nm_value *nm_new_value(struct nm_parse_context *context, nm_value_kind kind,
                              const char *text, nm_span span);
}

%union {
    const char *text;
    nm_string_value string;
    nm_atom atom;
    nm_atom_list list;
    nm_item *item;
    nm_item_chain items;
    nm_value *value;
    nm_values values;
    nm_arg_list args;
    nm_option *option;
    nm_option_chain options;
}

%token EOF 0 "end of file"
%token MACHINE "'machine'"
%token IMPORT "'import'"
%token MODEL "'model'"
%token TRAIN "'train'"
%token <text> IDENT "identifier"
%token <text> INT "integer"
%token <text> NUMBER "number"
%token <text> CHAR "character"
%token <string> STRING "string"
%token ARROW "'->'"
%token DOTDOT "'..'"

%type <atom> atom atom_or_star
%type <list> atoms atoms_comma read write moves atom_tuple
%type <item> item
%type <items> items
%type <value> value simple call task
%type <values> values
%type <args> args arg_list
%type <option> option
%type <options> options

%%

file
    : %empty
    | file decl
    ;

decl
    : IMPORT STRING ';'
        {
            nm_decl *decl = nm_new_decl(context, NM_DECL_IMPORT, @1, $2.text, @2);
            nm_add_decl(context, decl);
        }
    | MACHINE IDENT '{' items '}'
        {
            nm_decl *decl = nm_new_decl(context, NM_DECL_MACHINE, @1, $2, @2);
            decl->items = $4.head;
            decl->body_end = nm_span_loc(context, @5);
            nm_add_decl(context, decl);
        }
    | MACHINE IDENT '=' IDENT STRING ';'
        {
            nm_decl *decl = nm_new_decl(context, NM_DECL_MACHINE, @1, $2, @2);
            decl->imported = true;
            decl->format = $4;
            decl->format_loc = nm_span_loc(context, @4);
            decl->text = $5.text;
            decl->text_length = $5.length;
            decl->text_loc = nm_span_loc(context, @5);
            nm_add_decl(context, decl);
        }
    | MODEL IDENT '=' IDENT '{' options '}'
        {
            nm_decl *decl = nm_new_decl(context, NM_DECL_MODEL, @1, $2, @2);
            decl->kind_name = $4;
            decl->kind_loc = nm_span_loc(context, @4);
            decl->options = $6.head;
            decl->body_end = nm_span_loc(context, @7);
            nm_add_decl(context, decl);
        }
    | TRAIN IDENT IDENT task '{' options '}'
        {
            if (strcmp($3, "on") != 0)
                nm_error(context->diag, nm_span_loc(context, @3),
                         "expected 'on' between the model and the task, as in "
                         "'train %s on copy(...)'", $2);
            nm_decl *decl = nm_new_decl(context, NM_DECL_TRAIN, @1, $2, @2);
            decl->task = $4;
            decl->kind_name = $4->text;
            decl->kind_loc = $4->loc;
            decl->options = $6.head;
            decl->body_end = nm_span_loc(context, @7);
            nm_add_decl(context, decl);
        }
    | error ';'
    | error '}'
    ;

items
    : %empty            { $$.head = $$.tail = NULL; }
    | items item
        {
            $$ = $1;
            if ($2) {
                if ($$.tail)
                    $$.tail->next_item = $2;
                else
                    $$.head = $2;
                $$.tail = $2;
            }
        }
    ;

item
    : atom ';'
        {
            $$ = nm_arena_calloc(context->arena, 1, sizeof *$$);
            $$->kind = NM_ITEM_DIRECTIVE;
            $$->loc = nm_span_loc(context, @$);
            $$->head = $1;
            $$->args.loc = nm_span_loc(context, @2);
        }
    | atom atoms ';'
        {
            $$ = nm_arena_calloc(context->arena, 1, sizeof *$$);
            $$->kind = NM_ITEM_DIRECTIVE;
            $$->loc = nm_span_loc(context, @$);
            $$->head = $1;
            $$->args = $2;
        }
    | atom read ARROW write moves atom ';'
        {
            $$ = nm_arena_calloc(context->arena, 1, sizeof *$$);
            $$->kind = NM_ITEM_TRANSITION;
            $$->loc = nm_span_loc(context, @$);
            $$->head = $1;
            $$->reads = $2;
            $$->writes = $4;
            $$->moves = $5;
            $$->next = $6;
        }
    | error ';'         { $$ = NULL; }
    ;

atoms
    : atom_or_star          { $$ = nm_single_list(context, $1); }
    | atoms atom_or_star    { $$ = $1; nm_atom_list_push(context->arena, &$$, $2); $$.loc = nm_span_loc(context, @$); }
    ;

read
    : atom_or_star          { $$ = nm_single_list(context, $1); }
    | atom_tuple
    ;

write
    : atom_or_star          { $$ = nm_single_list(context, $1); }
    | atom_tuple
    ;

moves
    : atom                  { $$ = nm_single_list(context, $1); }
    | atom_tuple
    ;

atom_tuple
    : '(' atoms_comma ')'   { $$ = $2; $$.loc = nm_span_loc(context, @$); $$.tuple = true; }
    ;

atoms_comma
    : atom_or_star                  { $$ = nm_single_list(context, $1); }
    | atoms_comma ',' atom_or_star  { $$ = $1; nm_atom_list_push(context->arena, &$$, $3); }
    ;

atom_or_star
    : atom
    | '*'       { $$ = nm_make_atom(context, NM_ATOM_STAR, "*", 1, @1); }
    ;

atom
    : IDENT     { $$ = nm_make_atom(context, NM_ATOM_NAME, $1, strlen($1), @1); }
    | INT       { $$ = nm_make_atom(context, NM_ATOM_INT, $1, strlen($1), @1); }
    | STRING    { $$ = nm_make_atom(context, NM_ATOM_STRING, $1.text, $1.length, @1); }
    | CHAR      { $$ = nm_make_atom(context, NM_ATOM_CHAR, $1, strlen($1), @1); }
    | '-'       { $$ = nm_make_atom(context, NM_ATOM_CHAR, "-", 1, @1); }
    | '='       { $$ = nm_make_atom(context, NM_ATOM_CHAR, "=", 1, @1); }
    ;

options
    : %empty            { $$.head = $$.tail = NULL; }
    | options option
        {
            $$ = $1;
            if ($2) {
                if ($$.tail)
                    $$.tail->next = $2;
                else
                    $$.head = $2;
                $$.tail = $2;
            }
        }
    ;

option
    : IDENT ';'
        {
            $$ = nm_arena_calloc(context->arena, 1, sizeof *$$);
            $$->name = $1;
            $$->loc = nm_span_loc(context, @1);
        }
    | IDENT values ';'
        {
            $$ = nm_arena_calloc(context->arena, 1, sizeof *$$);
            $$->name = $1;
            $$->loc = nm_span_loc(context, @1);
            $$->values = $2;
        }
    | error ';'         { $$ = NULL; }
    ;

values
    : value             { memset(&$$, 0, sizeof $$); nm_values_push(context->arena, &$$, $1); }
    | values value      { $$ = $1; nm_values_push(context->arena, &$$, $2); }
    ;

value
    : simple
    | simple DOTDOT simple
        {
            $$ = nm_new_value(context, NM_VALUE_RANGE, "..", @$);
            $$->low = $1;
            $$->high = $3;
        }
    ;

simple
    : NUMBER        { $$ = nm_new_value(context, NM_VALUE_NUMBER, $1, @1); }
    | INT           { $$ = nm_new_value(context, NM_VALUE_NUMBER, $1, @1); }
    | '-' NUMBER    { $$ = nm_new_value(context, NM_VALUE_NUMBER, nm_arena_printf(context->arena, "-%s", $2), @$); }
    | '-' INT       { $$ = nm_new_value(context, NM_VALUE_NUMBER, nm_arena_printf(context->arena, "-%s", $2), @$); }
    | IDENT         { $$ = nm_new_value(context, NM_VALUE_NAME, $1, @1); }
    | STRING        { $$ = nm_new_value(context, NM_VALUE_STRING, $1.text, @1); }
    | call
    ;

task
    : IDENT         { $$ = nm_new_value(context, NM_VALUE_CALL, $1, @1); }
    | call
    ;

call
    : IDENT '(' args ')'
        {
            $$ = nm_new_value(context, NM_VALUE_CALL, $1, @$);
            $$->args = $3.items;
            $$->arg_count = $3.count;
        }
    ;

args
    : %empty        { memset(&$$, 0, sizeof $$); }
    | arg_list
    ;

arg_list
    : values
        {
            memset(&$$, 0, sizeof $$);
            $$.items = nm_arena_alloc(context->arena, sizeof *$$.items);
            $$.items[0] = $1;
            $$.count = $$.capacity = 1;
        }
    | arg_list ',' values
        {
            $$ = $1;
            if ($$.count == $$.capacity) {
                size_t capacity = 2 * $$.capacity;
                nm_values *items = nm_arena_alloc(context->arena, capacity * sizeof *items);
                memcpy(items, $$.items, $$.count * sizeof *items);
                $$.items = items;
                $$.capacity = capacity;
            }
            $$.items[$$.count++] = $3;
        }
    ;

%%

static int nm_yylex(NM_YYSTYPE *value, NM_YYLTYPE *location, yyscan_t scanner,
                    struct nm_parse_context *context)
{
    context->previous_end = context->token_end;
    int token = nm_scan(value, location, scanner);
    context->token_end = location->end;
    return token;
}

static void nm_yyerror(NM_YYLTYPE *location, yyscan_t scanner,
                       struct nm_parse_context *context, const char *message)
{
    (void)scanner;
    nm_parse_note_error(context, location->begin);
    nm_error(context->diag, nm_span_loc(context, *location), "%s", message);
}

/* Names a token for a message: its kind, and its text when that helps. */
static void nm_describe_token(struct nm_parse_context *context, yysymbol_kind_t kind,
                              nm_span span, nm_buf *out)
{
    const char *name = yysymbol_name(kind);
    bool show_text = kind == YYSYMBOL_IDENT || kind == YYSYMBOL_INT || kind == YYSYMBOL_NUMBER
                     || kind == YYSYMBOL_CHAR;
    if (show_text && span.end > span.begin && span.end - span.begin <= 40) {
        nm_buf_printf(out, "%s '%.*s'", name, (int)(span.end - span.begin),
                      context->source->text + span.begin);
    } else {
        nm_buf_puts(out, name);
    }
}

/* Reports a syntax error as "unexpected X; expected A, B or C".  When a ';'
 * would have been accepted and the unexpected token starts a new line, the
 * error points just after the previous token, where the ';' is missing. */
static int yyreport_syntax_error(const yypcontext_t *parser, yyscan_t scanner,
                                 struct nm_parse_context *context)
{
    (void)scanner;
    enum { MAX_EXPECTED = 6 };
    yysymbol_kind_t expected[MAX_EXPECTED];
    int count = yypcontext_expected_tokens(parser, expected, MAX_EXPECTED);
    yysymbol_kind_t token = yypcontext_token(parser);
    nm_span span = *yypcontext_location(parser);

    nm_parse_note_error(context, span.begin);
    bool semicolon_expected = false;
    for (int i = 0; i < count; i++)
        if (strcmp(yysymbol_name(expected[i]), "';'") == 0)
            semicolon_expected = true;

    if (semicolon_expected && token != YYSYMBOL_YYEOF) {
        uint32_t previous_line, line, column;
        nm_source_position(context->source, context->previous_end, &previous_line, &column);
        nm_source_position(context->source, span.begin, &line, &column);
        if (line > previous_line) {
            nm_error(context->diag, nm_loc_make(context->source, context->previous_end, 0),
                     "missing ';' at the end of this line");
            return 0;
        }
    }

    nm_buf message;
    nm_buf_init(&message);
    nm_buf_puts(&message, "unexpected ");
    nm_describe_token(context, token, span, &message);
    if (count > 0) {
        nm_buf_puts(&message, "; expected ");
        for (int i = 0; i < count; i++) {
            if (i > 0)
                nm_buf_puts(&message, i == count - 1 ? " or " : ", ");
            nm_buf_puts(&message, yysymbol_name(expected[i]));
        }
    }
    nm_error(context->diag, nm_span_loc(context, span), "%s", message.data);
    nm_buf_free(&message);
    return 0;
}

static nm_atom nm_make_atom(struct nm_parse_context *context, nm_atom_kind kind,
                            const char *text, size_t length, nm_span span)
{
    nm_atom atom;
    atom.kind = kind;
    atom.text = text;
    atom.length = length;
    atom.loc = nm_span_loc(context, span);
    return atom;
}

static nm_atom_list nm_single_list(struct nm_parse_context *context, nm_atom atom)
{
    nm_atom_list list;
    memset(&list, 0, sizeof list);
    nm_atom_list_push(context->arena, &list, atom);
    list.loc = atom.loc;
    return list;
}

static nm_decl *nm_new_decl(struct nm_parse_context *context, nm_decl_kind kind,
                            nm_span keyword, const char *name, nm_span name_span)
{
    nm_decl *decl = nm_arena_calloc(context->arena, 1, sizeof *decl);
    decl->kind = kind;
    decl->loc = nm_span_loc(context, keyword);
    decl->name = name;
    decl->name_loc = nm_span_loc(context, name_span);
    return decl;
}

static void nm_add_decl(struct nm_parse_context *context, nm_decl *decl)
{
    decl->syntax_errors = context->syntax_errors > 0
                          && context->last_syntax_error >= decl->loc.offset;
    *context->last_decl = decl;
    context->last_decl = &decl->next;
}

static nm_value *nm_new_value(struct nm_parse_context *context, nm_value_kind kind,
                              const char *text, nm_span span)
{
    nm_value *value = nm_arena_calloc(context->arena, 1, sizeof *value);
    value->kind = kind;
    value->text = text;
    value->loc = nm_span_loc(context, span);
    return value;
}
