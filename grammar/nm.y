/* The grammar of .nm files: a pure bison parser with locations.
 *
 *   file     := decl*
 *   decl     := 'import' STRING ';'
 *             | 'machine' NAME '{' item* '}'
 *             | 'machine' NAME '=' FORMAT STRING ';'
 *             | 'model' NAME '=' KIND '{' option* '}'
 *             | 'task' NAME '=' KIND '{' option* '}'
 *             | 'train' MODEL 'on' TASK '{' option* '}'
 *   item     := atom atom+ ';'                          (alphabet 0 1;)
 *             | atom ';'
 *             | atom read '->' write moves next ';'     (q 0 -> 1 R p;)
 *   read     := atom | '*' | '(' atom, ... ')'          (tuples for several tapes)
 *   option   := NAME value* ';'                         (memory 128 x 20;)
 *   value    := simple | simple '..' simple
 *   simple   := NUMBER | '-' NUMBER | NAME | STRING | NAME '(' values, ... ')'
 *
 * Words in a machine body stay atoms here; the checker decides which atom is
 * a state, a symbol, a move or a declaration keyword, so `start` can still
 * name a state.  A syntax error skips to the next ';' or '}' and parsing goes
 * on, so one run reports every error.  The scanner's tokens pass through
 * nm_yylex, which follows the current item and body so that the most common
 * mistakes, a missing ';' or '}', are reported as such and where they are.
 */
%require "3.6"
%define api.pure full
%define api.prefix {nm_yy}
%define api.token.prefix {NM_TOKEN_}
%define api.location.type {nm_span}
%define parse.error custom
%define parse.lac full
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
static nm_item_chain nm_append_items(nm_item_chain items, nm_item_chain more);
static void nm_report_unterminated(struct nm_parse_context *context, nm_span item);
static nm_item *nm_new_directive(struct nm_parse_context *context, nm_atom head,
                                 const nm_atom_list *args, nm_span span);
static void nm_add_machine(struct nm_parse_context *context, nm_span keyword, const char *name,
                           nm_span name_span, nm_item_chain items, nm_span close);
static void nm_add_model(struct nm_parse_context *context, nm_decl_kind kind_of_decl, nm_span keyword, const char *name,
                         nm_span name_span, const char *kind, nm_span kind_span,
                         nm_option_chain options, nm_span close);
static void nm_add_train(struct nm_parse_context *context, nm_span keyword, const char *model,
                         nm_span model_span, const char *on, nm_span on_span, nm_value *task,
                         nm_option_chain options, nm_span close);
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
%token TASK "'task'"
%token TRAIN "'train'"
%token <text> IDENT "name"
%token <text> INT "integer"
%token <text> NUMBER "number"
%token <text> CHAR "character"
%token <string> STRING "string"
%token ARROW "'->'"
%token DOTDOT "'..'"

%type <atom> atom atom_or_star
%type <list> atoms atoms_comma read write moves atom_tuple
%type <items> body items item item_text
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
    | MACHINE IDENT '{' body '}'
        { nm_add_machine(context, @1, $2, @2, $4, @5); }
    | MACHINE IDENT '{' items error '}'
        { nm_add_machine(context, @1, $2, @2, $4, @6); yyerrok; }
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
        { nm_add_model(context, NM_DECL_MODEL, @1, $2, @2, $4, @4, $6, @7); }
    | MODEL IDENT '=' IDENT '{' options error '}'
        { nm_add_model(context, NM_DECL_MODEL, @1, $2, @2, $4, @4, $6, @8); yyerrok; }
    | TASK IDENT '=' IDENT '{' options '}'
        { nm_add_model(context, NM_DECL_TASK, @1, $2, @2, $4, @4, $6, @7); }
    | TASK IDENT '=' IDENT '{' options error '}'
        { nm_add_model(context, NM_DECL_TASK, @1, $2, @2, $4, @4, $6, @8); yyerrok; }
    | TRAIN IDENT IDENT task '{' options '}'
        { nm_add_train(context, @1, $2, @2, $3, @3, $4, $6, @7); }
    | TRAIN IDENT IDENT task '{' options error '}'
        { nm_add_train(context, @1, $2, @2, $3, @3, $4, $6, @8); yyerrok; }
    /* After `error ';'` the next errors stay quiet until three tokens have
     * been read, since the ';' may be inside a broken body; a '}' ends
     * the broken declaration for certain. */
    | error ';'
    | error '}'         { yyerrok; }
    ;

/* The last item may lack its ';': it is reported and kept. */
body
    : items
    | items item_text
        {
            nm_report_unterminated(context, @2);
            $$ = nm_append_items($1, $2);
        }
    ;

items
    : %empty            { $$.head = $$.tail = NULL; }
    | items item        { $$ = nm_append_items($1, $2); }
    ;

item
    : item_text ';'
        {
            $$ = $1;
            $$.tail->loc.length = @2.end - $$.tail->loc.offset;
        }
    | error ';'         { $$.head = $$.tail = NULL; yyerrok; }
    ;

/* An item without its ';'.  A directive may come back as several: see
 * nm_new_directive. */
item_text
    : atom
        {
            nm_atom_list none;
            memset(&none, 0, sizeof none);
            none.loc = nm_loc_make(context->source, @1.end, 0);
            nm_item *item = nm_new_directive(context, $1, &none, @$);
            $$.head = $$.tail = item;
        }
    | atom atoms
        {
            nm_item *item = nm_new_directive(context, $1, &$2, @$);
            $$.head = item;
            $$.tail = item;
            while ($$.tail->next_item)
                $$.tail = $$.tail->next_item;
        }
    | atom read ARROW write moves atom_or_star
        {
            nm_item *item = nm_arena_calloc(context->arena, 1, sizeof *item);
            item->kind = NM_ITEM_TRANSITION;
            item->loc = nm_span_loc(context, @$);
            item->head = $1;
            item->reads = $2;
            item->writes = $4;
            item->moves = $5;
            item->next = $6;
            $$.head = $$.tail = item;
        }
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
    | STRING
        {
            $$ = nm_make_atom(context, NM_ATOM_STRING, $1.text, $1.length, @1);
            $$.invalid = !$1.ok;
        }
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
    | error ';'         { $$ = NULL; yyerrok; }
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

static bool nm_starts_line(const struct nm_parse_context *context, uint32_t offset)
{
    return nm_source_line(context->source, offset)
           > nm_source_line(context->source, context->previous_end);
}

/* A declaration keyword at the start of a line inside a body, or the end of
 * the file, means the body's '}' is missing: the keywords cannot appear in
 * a body, since they are not names. */
static bool nm_closes_body(const struct nm_parse_context *context, int token,
                           const NM_YYLTYPE *location)
{
    if (!context->body_open)
        return false;
    if (token == NM_TOKEN_EOF)
        return true;
    bool keyword = token == NM_TOKEN_MACHINE || token == NM_TOKEN_IMPORT
                   || token == NM_TOKEN_MODEL || token == NM_TOKEN_TRAIN || token == NM_TOKEN_TASK;
    return keyword && nm_starts_line(context, location->begin);
}

static void nm_report_missing_brace(struct nm_parse_context *context)
{
    if (context->comment_unterminated)
        return; /* the comment swallowed the '}' */
    nm_buf what;
    nm_buf_init(&what);
    const char *kind = context->decl_kind ? context->decl_kind : "declaration";
    if (context->decl_name)
        nm_buf_printf(&what, "%s '%s'", kind, context->decl_name);
    else
        nm_buf_printf(&what, "this %s", kind);
    nm_error(context->diag, nm_loc_make(context->source, context->previous_end, 0),
             "missing '}' at the end of %s", what.data);
    nm_note(context->diag, nm_loc_make(context->source, context->body_brace, 1),
            "the body of %s opens here", what.data);
    nm_buf_free(&what);
}

/* Follows the declaration and its body through TOKEN. */
static void nm_follow_decl(struct nm_parse_context *context, int token,
                           const NM_YYLTYPE *location, const NM_YYSTYPE *value)
{
    bool keyword = token == NM_TOKEN_MACHINE || token == NM_TOKEN_MODEL
                   || token == NM_TOKEN_TRAIN || token == NM_TOKEN_TASK;
    if (keyword && !context->body_open && !context->decl_kind) {
        context->decl_kind = token == NM_TOKEN_MACHINE ? "machine"
                             : token == NM_TOKEN_MODEL ? "model"
                             : token == NM_TOKEN_TASK  ? "task"
                                                       : "train";
        context->decl_name = NULL;
    } else if (token == NM_TOKEN_IDENT && context->decl_kind && !context->decl_name
               && !context->body_open) {
        context->decl_name = value->text;
    } else if (token == '{' && !context->body_open) {
        context->body_open = true;
        context->body_brace = location->begin;
    } else if (token == '}') {
        context->body_open = false;
        /* A supplied '}' is reported with the declaration's name later. */
        if (!context->brace_inserted)
            context->decl_kind = NULL;
    }
    if (token == ';' && !context->body_open)
        context->decl_kind = NULL;
}

/* Follows the current item through TOKEN. */
static void nm_follow_item(struct nm_parse_context *context, int token,
                           const NM_YYLTYPE *location)
{
    /* An item ends after its ';', '{' or '}', which a syntax error report
     * may still need to see as part of it. */
    if (context->item_ended) {
        context->item_ended = false;
        context->item_started = false;
        context->item_arrows = 0;
        context->item_has_break = false;
    }
    if (token == ';' || token == '{' || token == '}') {
        context->item_ended = true;
        return;
    }
    if (context->item_started && nm_starts_line(context, location->begin)) {
        context->item_has_break = true;
        context->item_break_end = context->previous_end;
    }
    context->item_started = true;
    if (token == NM_TOKEN_ARROW)
        context->item_arrows++;
}

/* Scans the next token.  Where a body's '}' is missing, supplies one (at
 * the end of the previous token) and holds the real token back. */
static int nm_yylex(NM_YYSTYPE *value, NM_YYLTYPE *location, yyscan_t scanner,
                    struct nm_parse_context *context)
{
    context->previous_end = context->token_end;
    if (context->quiet_tokens > 0)
        context->quiet_tokens--;

    int token;
    if (context->brace_inserted) {
        context->brace_inserted = false;
        nm_report_missing_brace(context);
        context->decl_kind = NULL;
        token = context->pending_token;
        *location = context->pending_span;
        context->pending_token = -1;
    } else {
        token = nm_scan(value, location, scanner);
        if (context->string_unterminated) {
            /* The ';' or ')' after an unterminated string is usually inside it. */
            context->string_unterminated = false;
            context->quiet_tokens = 2;
        }
    }

    if (nm_closes_body(context, token, location)) {
        /* Noted now, so that the declaration reduced before the report is
         * marked as broken. */
        nm_parse_note_error(context, context->previous_end);
        context->pending_token = token;
        context->pending_span = *location;
        context->brace_inserted = true;
        token = '}';
        location->begin = location->end = context->previous_end;
    }
    nm_follow_decl(context, token, location, value);
    nm_follow_item(context, token, location);
    context->token_begin = location->begin;
    context->token_end = location->end;
    return token;
}

/* Reports the errors that bison reports itself: in practice only its
 * stack limit (YYMAXDEPTH), which nested calls in options can reach. */
static void nm_yyerror(NM_YYLTYPE *location, yyscan_t scanner,
                       struct nm_parse_context *context, const char *message)
{
    (void)scanner;
    nm_parse_note_error(context, location->begin);
    if (strcmp(message, "memory exhausted") == 0)
        nm_error(context->diag, nm_span_loc(context, *location),
                 "this declaration is nested too deeply for the parser; simplify it");
    else
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

static bool nm_is_atom_start(yysymbol_kind_t kind)
{
    return kind == YYSYMBOL_IDENT || kind == YYSYMBOL_INT || kind == YYSYMBOL_STRING
           || kind == YYSYMBOL_CHAR || kind == YYTRANSLATE('-') || kind == YYTRANSLATE('=');
}

/* A token kind as the object of "expected". */
static const char *nm_expected_name(yysymbol_kind_t kind)
{
    switch (kind) {
    case YYSYMBOL_IDENT:
        return "a name";
    case YYSYMBOL_INT:
        return "an integer";
    case YYSYMBOL_NUMBER:
        return "a number";
    case YYSYMBOL_STRING:
        return "a string";
    case YYSYMBOL_CHAR:
        return "a character";
    default:
        return yysymbol_name(kind);
    }
}

/* Lists the expected tokens as "A, B or C".  Where a machine body expects
 * an atom, its tokens read as one entry, "a name or a symbol". */
static void nm_describe_expected(const yysymbol_kind_t *expected, int count, nm_buf *out)
{
    const char *names[YYNTOKENS];
    int listed = 0;
    bool name = false, character = false;
    for (int i = 0; i < count; i++) {
        name = name || expected[i] == YYSYMBOL_IDENT;
        character = character || expected[i] == YYSYMBOL_CHAR;
    }
    for (int i = 0; i < count && listed < YYNTOKENS; i++) {
        if (name && character && nm_is_atom_start(expected[i])) {
            if (expected[i] == YYSYMBOL_IDENT)
                names[listed++] = "a name or a symbol";
            continue;
        }
        names[listed++] = nm_expected_name(expected[i]);
    }
    for (int i = 0; i < listed; i++) {
        if (i > 0)
            nm_buf_puts(out, i == listed - 1 ? " or " : ", ");
        nm_buf_puts(out, names[i]);
    }
}

static bool nm_is_keyword(yysymbol_kind_t kind)
{
    return kind == YYSYMBOL_MACHINE || kind == YYSYMBOL_IMPORT || kind == YYSYMBOL_MODEL
           || kind == YYSYMBOL_TRAIN || kind == YYSYMBOL_TASK;
}

static void nm_report_missing_semicolon(struct nm_parse_context *context, uint32_t offset)
{
    nm_error(context->diag, nm_loc_make(context->source, offset, 0),
             "missing ';' at the end of this line");
}

/* Reports a keyword where a name is expected; false when TOKEN is not. */
static bool nm_report_keyword_as_name(struct nm_parse_context *context, yysymbol_kind_t token,
                                      nm_span span, bool name_expected)
{
    if (!nm_is_keyword(token) || !name_expected)
        return false;
    const char *word = yysymbol_name(token);
    if (context->body_open)
        nm_error(context->diag, nm_span_loc(context, span),
                 "%s is a keyword; write it in quotes, as in \"%.*s\", to use it as a name",
                 word, (int)(span.end - span.begin), context->source->text + span.begin);
    else
        nm_error(context->diag, nm_span_loc(context, span),
                 "%s is a keyword and cannot be a name; choose another name", word);
    return true;
}

/* Reports the mistakes that have a clearer message than "unexpected X":
 * a missing ';', a keyword used as a name, an incomplete transition.
 * Returns false when none applies. */
static bool nm_report_known_mistake(struct nm_parse_context *context, yysymbol_kind_t token,
                                    nm_span span, bool semicolon_expected, bool name_expected)
{
    bool later_line = token == YYSYMBOL_YYEOF || nm_starts_line(context, span.begin);
    if (semicolon_expected && (later_line || context->brace_inserted)) {
        nm_report_missing_semicolon(context, context->previous_end);
        return true;
    }
    if (context->brace_inserted)
        return true; /* the missing '}' is reported next */
    if (nm_report_keyword_as_name(context, token, span, name_expected))
        return true;
    if (semicolon_expected && (token == YYTRANSLATE('}') || nm_is_keyword(token))) {
        nm_error(context->diag, nm_loc_make(context->source, context->previous_end, 0),
                 "missing ';' before %s", yysymbol_name(token));
        return true;
    }
    if (token == YYSYMBOL_ARROW && context->item_arrows == 1 && context->item_has_break) {
        /* `alphabet 0 1` then `q 0 -> ...` on the next line reads as one
         * directive until the arrow. */
        nm_report_missing_semicolon(context, context->item_break_end);
        return true;
    }
    if (token == YYTRANSLATE(';') && context->item_arrows > 0) {
        nm_error(context->diag, nm_span_loc(context, span),
                 "incomplete transition: after '->' come the symbol to write, the move and "
                 "the next state, as in 'q 0 -> 1 R p;'");
        return true;
    }
    return false;
}

/* Reports a syntax error: a known mistake by name, else "unexpected X;
 * expected A, B or C". */
static int yyreport_syntax_error(const yypcontext_t *parser, yyscan_t scanner,
                                 struct nm_parse_context *context)
{
    (void)scanner;
    yysymbol_kind_t expected[YYNTOKENS];
    int count = yypcontext_expected_tokens(parser, expected, YYNTOKENS);
    yysymbol_kind_t token = yypcontext_token(parser);
    nm_span span = *yypcontext_location(parser);

    nm_parse_note_error(context, span.begin);
    if (context->quiet_tokens > 0)
        return 0;
    bool semicolon_expected = false, name_expected = false;
    for (int i = 0; i < count; i++) {
        semicolon_expected = semicolon_expected || expected[i] == YYTRANSLATE(';');
        name_expected = name_expected || expected[i] == YYSYMBOL_IDENT;
    }
    if (nm_report_known_mistake(context, token, span, semicolon_expected, name_expected))
        return 0;

    nm_buf message;
    nm_buf_init(&message);
    nm_buf_puts(&message, "unexpected ");
    nm_describe_token(context, token, span, &message);
    if (count > 0) {
        nm_buf_puts(&message, "; expected ");
        nm_describe_expected(expected, count, &message);
    }
    nm_error(context->diag, nm_span_loc(context, span), "%s", message.data);
    nm_buf_free(&message);
    return 0;
}

static nm_atom nm_make_atom(struct nm_parse_context *context, nm_atom_kind kind,
                            const char *text, size_t length, nm_span span)
{
    nm_atom atom;
    memset(&atom, 0, sizeof atom);
    atom.kind = kind;
    atom.text = text;
    atom.length = length;
    atom.loc = nm_span_loc(context, span);
    return atom;
}

static nm_item_chain nm_append_items(nm_item_chain items, nm_item_chain more)
{
    if (!more.head)
        return items;
    if (items.tail)
        items.tail->next_item = more.head;
    else
        items.head = more.head;
    items.tail = more.tail;
    return items;
}

/* Reports the ';' missing after the last item of a body, which ends at
 * ITEM; the '}' after it is the current token. */
static void nm_report_unterminated(struct nm_parse_context *context, nm_span item)
{
    nm_parse_note_error(context, item.end);
    if (context->quiet_tokens > 0)
        return;
    if (context->brace_inserted
        || nm_source_line(context->source, context->token_begin)
               > nm_source_line(context->source, item.end))
        nm_report_missing_semicolon(context, item.end);
    else
        nm_error(context->diag, nm_loc_make(context->source, item.end, 0),
                 "missing ';' before '}'");
}

static nm_atom_list nm_single_list(struct nm_parse_context *context, nm_atom atom)
{
    nm_atom_list list;
    memset(&list, 0, sizeof list);
    nm_atom_list_push(context->arena, &list, atom);
    list.loc = atom.loc;
    return list;
}

static uint32_t nm_loc_end(nm_loc loc)
{
    return loc.offset + loc.length;
}

/* True when ATOM is a directive keyword that starts a line after the one
 * where the atom before it ends: `alphabet 0 1 _` then `blank _;` on the
 * next line. */
static bool nm_starts_directive(struct nm_parse_context *context, const nm_atom *atom,
                                nm_loc before)
{
    return atom->kind == NM_ATOM_NAME && nm_is_directive_name(atom->text)
           && nm_source_line(context->source, atom->loc.offset)
                  > nm_source_line(context->source, nm_loc_end(before));
}

static nm_item *nm_directive_item(struct nm_parse_context *context, nm_atom head)
{
    nm_item *item = nm_arena_calloc(context->arena, 1, sizeof *item);
    item->kind = NM_ITEM_DIRECTIVE;
    item->head = head;
    item->loc = head.loc;
    item->args.loc = nm_loc_make(context->source, nm_loc_end(head.loc), 0);
    return item;
}

static void nm_extend_item(nm_item *item, const nm_atom *atom)
{
    item->loc.length = nm_loc_end(atom->loc) - item->loc.offset;
    if (item->args.count == 1)
        item->args.loc = atom->loc;
    else
        item->args.loc.length = nm_loc_end(atom->loc) - item->args.loc.offset;
}

/* Builds `head args... ;`.  Where a directive keyword starts a new line
 * among the arguments, the ';' before it is missing: that is reported, and
 * the keyword starts a directive of its own, so both are checked. */
static nm_item *nm_new_directive(struct nm_parse_context *context, nm_atom head,
                                 const nm_atom_list *args, nm_span span)
{
    nm_item *first = nm_directive_item(context, head);
    nm_item *item = first;
    for (size_t i = 0; i < args->count; i++) {
        const nm_atom *atom = &args->items[i];
        nm_loc before = i > 0 ? args->items[i - 1].loc : head.loc;
        if (nm_starts_directive(context, atom, before)) {
            nm_parse_note_error(context, nm_loc_end(before));
            nm_report_missing_semicolon(context, nm_loc_end(before));
            item->next_item = nm_directive_item(context, *atom);
            item = item->next_item;
            continue;
        }
        nm_atom_list_push(context->arena, &item->args, *atom);
        nm_extend_item(item, atom);
    }
    /* The last directive runs to the ';'. */
    item->loc.length = span.end - item->loc.offset;
    if (args->count == 0)
        item->args.loc = args->loc;
    return first;
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

static void nm_add_machine(struct nm_parse_context *context, nm_span keyword, const char *name,
                           nm_span name_span, nm_item_chain items, nm_span close)
{
    nm_decl *decl = nm_new_decl(context, NM_DECL_MACHINE, keyword, name, name_span);
    decl->items = items.head;
    decl->body_end = nm_span_loc(context, close);
    nm_add_decl(context, decl);
}

static void nm_add_model(struct nm_parse_context *context, nm_decl_kind kind_of_decl,
                         nm_span keyword, const char *name, nm_span name_span, const char *kind,
                         nm_span kind_span, nm_option_chain options, nm_span close)
{
    nm_decl *decl = nm_new_decl(context, kind_of_decl, keyword, name, name_span);
    decl->kind_name = kind;
    decl->kind_loc = nm_span_loc(context, kind_span);
    decl->options = options.head;
    decl->body_end = nm_span_loc(context, close);
    nm_add_decl(context, decl);
}

static void nm_add_train(struct nm_parse_context *context, nm_span keyword, const char *model,
                         nm_span model_span, const char *on, nm_span on_span, nm_value *task,
                         nm_option_chain options, nm_span close)
{
    if (strcmp(on, "on") != 0)
        nm_error(context->diag, nm_span_loc(context, on_span),
                 "expected 'on' between the model and the task, as in "
                 "'train %s on copy(...)'", model);
    nm_decl *decl = nm_new_decl(context, NM_DECL_TRAIN, keyword, model, model_span);
    decl->task = task;
    decl->kind_name = task->text;
    decl->kind_loc = task->loc;
    decl->options = options.head;
    decl->body_end = nm_span_loc(context, close);
    nm_add_decl(context, decl);
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
