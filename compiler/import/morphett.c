/* Anthony Morphett's simulator format (morphett.info/turing; its source is
 * jsturing.js in github.com/awmorp/turing).
 *
 *     ; everything after a semicolon is a comment
 *     0 1 1 r 0          <state> <symbol> <new symbol> <direction> <new state>
 *     0 _ _ l carry !    an optional 6th token '!' marks a breakpoint
 *
 * Symbols are single characters and '_' is the blank.  Directions are l, r
 * or * (stay), in either case.  A '*' means any symbol as the symbol read,
 * the same symbol as the new symbol and the same state as the new state.
 * As the state, '*' matches any state.  The machine starts in state 0 and
 * stops in any state whose name begins with "halt", in any case.  A
 * comment holding "$INITIAL_TAPE: 1011" gives the default input.
 *
 * Morphett's simulator looks up (state, symbol), then (state, *), then
 * (*, symbol), then (*, *).  nmc has no state wildcard, so each '*' state
 * rule is copied to every state it can apply to, and only where the state
 * has no rule that Morphett would try first.  The copies then keep
 * Morphett's order under nmc's rule that the most specific read wins.
 *
 * Step counts differ in one case.  When no rule matches, Morphett's
 * simulator counts the failed lookup as one more step and moves to state
 * "halt".  nmc counts only executed transitions and stays in the state
 * that had no transition, so its count is one lower.
 */
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "util/map.h"

/* Copies of '*' state rules, counted as the '*' state rules times the
 * states they may apply to.  Each copy costs about a kilobyte of syntax
 * tree and checker data, so the limit keeps a small file of '*' state rules
 * from taking gigabytes. */
enum { NM_MORPHETT_MAX_COPIES = 1 << 16 };

/* Tokens of one line that the reader looks at: the five parts of a rule,
 * the breakpoint, and one more to detect extra tokens. */
enum { NM_MORPHETT_MAX_TOKENS = 7 };

typedef struct nm_morphett_token {
    const char *text; /* points into the source */
    uint32_t offset;
    uint32_t length;
} nm_morphett_token;

typedef struct nm_morphett_rule {
    nm_morphett_token state, read, write, direction, next;
    nm_loc loc;   /* from the state to the new state */
    bool ignored; /* replaced by a later rule, or written for a halting state */
} nm_morphett_rule;

/* A state that takes rules: named in a rule and not a halting state. */
typedef struct nm_morphett_state {
    nm_morphett_token name;
    int rule_count; /* transitions emitted for it */
} nm_morphett_state;

typedef struct nm_morphett_reader {
    nm_arena *arena;
    nm_diag *diag;
    const nm_source *source;
    const nm_import_options *options;
    nm_decl *decl;
    NM_VEC(nm_morphett_rule) rules;
    nm_map rule_keys; /* "state NUL symbol" -> index of the rule in force */
    nm_buf lookup_key;
    NM_VEC(nm_morphett_state) states;
    nm_map state_names;             /* name -> index in states */
    NM_VEC(nm_morphett_token) halts; /* halting states entered by a rule */
    nm_map halt_names;
    nm_item *alphabet;
    nm_map symbols;
    bool has_initial_tape;
    nm_morphett_token initial_tape;
    size_t wildcard_rules; /* '*' state rules in force */
} nm_morphett_reader;

static nm_loc nm_morphett_loc(const nm_morphett_reader *reader, nm_morphett_token token)
{
    return nm_loc_make(reader->source, token.offset, token.length);
}

static bool nm_morphett_is(nm_morphett_token token, const char *text)
{
    return token.length == strlen(text) && memcmp(token.text, text, token.length) == 0;
}

static bool nm_morphett_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static size_t nm_morphett_utf8_length(const char *text, size_t length)
{
    size_t count = 0;
    for (size_t i = 0; i < length; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* Morphett's simulator halts in every state whose first four characters
 * are "halt" in any case: halt, halt-accept, HALT. */
static bool nm_morphett_is_halting(nm_morphett_token name)
{
    static const char prefix[] = "halt";
    if (name.length < 4)
        return false;
    for (size_t i = 0; i < 4; i++) {
        char c = name.text[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return false;
    }
    return true;
}

static nm_atom nm_morphett_string_atom(const nm_morphett_reader *reader, nm_morphett_token token)
{
    return nm_atom_make(NM_ATOM_STRING, nm_arena_strndup(reader->arena, token.text, token.length),
                        token.length, nm_morphett_loc(reader, token));
}

static nm_atom nm_morphett_name_atom(const nm_morphett_reader *reader, const char *text,
                                     nm_loc loc)
{
    return nm_atom_make(NM_ATOM_NAME, text, strlen(text), loc);
}

/* Splits [START, END) of the source at spaces and tabs into at most MAX
 * tokens; returns how many it found, stopping after MAX. */
static size_t nm_morphett_split(const nm_morphett_reader *reader, uint32_t start, uint32_t end,
                                nm_morphett_token *tokens, size_t max)
{
    const char *text = reader->source->text;
    size_t count = 0;
    uint32_t at = start;
    while (count < max) {
        while (at < end && nm_morphett_is_space(text[at]))
            at++;
        if (at == end)
            break;
        uint32_t token_start = at;
        while (at < end && !nm_morphett_is_space(text[at]))
            at++;
        tokens[count++] = (nm_morphett_token){text + token_start, token_start, at - token_start};
    }
    return count;
}

/* Reads "$INITIAL_TAPE: 1011" (the colon is optional) in the comment that
 * spans [START, END); the first such comment gives the default input. */
static void nm_morphett_read_initial_tape(nm_morphett_reader *reader, uint32_t start,
                                          uint32_t end)
{
    static const char marker[] = "$INITIAL_TAPE";
    const char *text = reader->source->text;
    const char *found = memmem(text + start, end - start, marker, sizeof marker - 1);
    if (!found)
        return;

    uint32_t at = (uint32_t)(found - text) + (uint32_t)(sizeof marker - 1);
    if (at < end && text[at] == ':')
        at++;
    while (at < end && nm_morphett_is_space(text[at]))
        at++;
    uint32_t tape_end = end;
    while (tape_end > at && nm_morphett_is_space(text[tape_end - 1]))
        tape_end--;
    if (tape_end == at)
        return;

    nm_morphett_token tape = {text + at, at, tape_end - at};
    if (reader->has_initial_tape) {
        nm_warning(reader->diag, nm_morphett_loc(reader, tape),
                   "a second $INITIAL_TAPE is ignored; the first one gives the input");
        nm_note(reader->diag, nm_morphett_loc(reader, reader->initial_tape),
                "the input comes from here");
        return;
    }
    reader->has_initial_tape = true;
    reader->initial_tape = tape;
}

/* Names of the parts of a rule after the state, for messages. */
static const char *const nm_morphett_parts[] = {"current symbol", "new symbol", "direction",
                                                "new state"};

/* Checks the tokens of one rule; reports every problem it finds. */
static bool nm_morphett_check_tokens(nm_morphett_reader *reader, const nm_morphett_token *tokens,
                                     size_t count)
{
    nm_diag *diag = reader->diag;
    if (count < 5) {
        const nm_morphett_token *last = &tokens[count - 1];
        nm_error(diag, nm_loc_make(reader->source, last->offset + last->length, 0),
                 "incomplete rule: the %s is missing; a rule reads <state> <symbol> "
                 "<new symbol> <direction> <new state>, as in '0 1 0 r 1'",
                 nm_morphett_parts[count - 1]);
        return false;
    }

    bool ok = true;
    for (size_t i = 1; i <= 2; i++) {
        if (nm_morphett_utf8_length(tokens[i].text, tokens[i].length) == 1)
            continue;
        nm_error(diag, nm_morphett_loc(reader, tokens[i]),
                 "invalid %s '%.*s': symbols in Morphett's format are single characters, with "
                 "_ for the blank",
                 nm_morphett_parts[i - 1], (int)tokens[i].length, tokens[i].text);
        ok = false;
    }
    const nm_morphett_token *direction = &tokens[3];
    if (direction->length != 1 || !memchr("lLrR*", direction->text[0], 5)) {
        nm_error(diag, nm_morphett_loc(reader, *direction),
                 "invalid direction '%.*s'; use l (left), r (right) or * (stay)",
                 (int)direction->length, direction->text);
        ok = false;
    }
    if (count == 6 && !nm_morphett_is(tokens[5], "!")) {
        nm_error(diag, nm_morphett_loc(reader, tokens[5]),
                 "unexpected '%.*s' after the new state; only '!' (a breakpoint) may follow it",
                 (int)tokens[5].length, tokens[5].text);
        ok = false;
    } else if (count > 6) {
        nm_error(diag, nm_morphett_loc(reader, tokens[6]),
                 "too many entries in this rule; a rule has 5 entries and an optional '!' "
                 "(a breakpoint)");
        ok = false;
    }
    return ok;
}

static void nm_morphett_read_line(nm_morphett_reader *reader, uint32_t start, uint32_t end)
{
    const char *text = reader->source->text;
    const char *comment = memchr(text + start, ';', end - start);
    if (comment) {
        nm_morphett_read_initial_tape(reader, (uint32_t)(comment - text) + 1, end);
        end = (uint32_t)(comment - text);
    }

    nm_morphett_token tokens[NM_MORPHETT_MAX_TOKENS];
    size_t count = nm_morphett_split(reader, start, end, tokens, NM_MORPHETT_MAX_TOKENS);
    if (count == 0 || !nm_morphett_check_tokens(reader, tokens, count))
        return;

    /* A breakpoint only pauses Morphett's simulator, so it is dropped. */
    nm_morphett_rule rule;
    memset(&rule, 0, sizeof rule);
    rule.state = tokens[0];
    rule.read = tokens[1];
    rule.write = tokens[2];
    rule.direction = tokens[3];
    rule.next = tokens[4];
    rule.loc = nm_loc_make(reader->source, tokens[0].offset,
                           tokens[4].offset + tokens[4].length - tokens[0].offset);
    nm_vec_push(&reader->rules, rule);
}

static void nm_morphett_read_lines(nm_morphett_reader *reader)
{
    const nm_source *source = reader->source;
    uint32_t start = 0;
    while (start <= source->length) {
        const char *newline = memchr(source->text + start, '\n', source->length - start);
        uint32_t end = newline ? (uint32_t)(newline - source->text) : source->length;
        nm_morphett_read_line(reader, start, end);
        start = end + 1;
    }
}

/* The key of a rule in rule_keys: the state, a NUL byte and the symbol. */
static const char *nm_morphett_rule_key(nm_arena *arena, nm_morphett_token state,
                                        nm_morphett_token symbol, size_t *length)
{
    *length = (size_t)state.length + 1 + symbol.length;
    char *key = nm_arena_alloc(arena, *length);
    memcpy(key, state.text, state.length);
    key[state.length] = '\0';
    memcpy(key + state.length + 1, symbol.text, symbol.length);
    return key;
}

static bool nm_morphett_has_rule(nm_morphett_reader *reader, nm_morphett_token state,
                                 nm_morphett_token symbol)
{
    nm_buf *key = &reader->lookup_key;
    key->length = 0;
    nm_buf_append(key, state.text, state.length);
    nm_buf_putc(key, '\0');
    nm_buf_append(key, symbol.text, symbol.length);
    int unused;
    return nm_map_get(&reader->rule_keys, key->data, key->length, &unused);
}

/* Drops rules that Morphett's simulator never uses: rules of halting
 * states, and rules replaced by a later rule for the same state and
 * symbol. */
static void nm_morphett_select_rules(nm_morphett_reader *reader)
{
    for (size_t i = 0; i < reader->rules.count; i++) {
        nm_morphett_rule *rule = &reader->rules.items[i];
        if (nm_morphett_is_halting(rule->state)) {
            nm_warning(reader->diag, nm_morphett_loc(reader, rule->state),
                       "rule for halting state '%.*s' is ignored: Morphett's simulator stops in "
                       "every state whose name begins with 'halt'",
                       (int)rule->state.length, rule->state.text);
            rule->ignored = true;
            continue;
        }

        size_t length;
        const char *key = nm_morphett_rule_key(reader->arena, rule->state, rule->read, &length);
        int earlier;
        if (nm_map_get(&reader->rule_keys, key, length, &earlier)) {
            nm_morphett_rule *first = &reader->rules.items[earlier];
            nm_warning(reader->diag, rule->loc,
                       "second rule for state '%.*s' and symbol '%.*s'; like Morphett's "
                       "simulator, nmc uses this later rule",
                       (int)rule->state.length, rule->state.text, (int)rule->read.length,
                       rule->read.text);
            nm_note(reader->diag, first->loc, "the earlier rule, now ignored, is here");
            first->ignored = true;
        }
        nm_map_put(&reader->rule_keys, key, length, (int)i);
    }
}

static void nm_morphett_add_state(nm_morphett_reader *reader, nm_morphett_token name)
{
    if (nm_morphett_is(name, "*"))
        return;
    int unused;
    if (nm_morphett_is_halting(name)) {
        if (!nm_map_get(&reader->halt_names, name.text, name.length, &unused)) {
            nm_vec_push(&reader->halts, name);
            nm_map_put(&reader->halt_names, name.text, name.length, 1);
        }
        return;
    }
    if (nm_map_get(&reader->state_names, name.text, name.length, &unused))
        return;
    nm_morphett_state state = {name, 0};
    nm_vec_push(&reader->states, state);
    nm_map_put(&reader->state_names, name.text, name.length, (int)reader->states.count - 1);
}

/* Lists the states of the rules in force, in order of appearance, and
 * checks that the machine can start in state 0. */
static bool nm_morphett_collect_states(nm_morphett_reader *reader)
{
    for (size_t i = 0; i < reader->rules.count; i++) {
        const nm_morphett_rule *rule = &reader->rules.items[i];
        if (rule->ignored)
            continue;
        if (nm_morphett_is(rule->state, "*"))
            reader->wildcard_rules++;
        nm_morphett_add_state(reader, rule->state);
        nm_morphett_add_state(reader, rule->next);
    }

    int unused;
    if (!nm_map_get(&reader->state_names, "0", 1, &unused)) {
        if (reader->wildcard_rules == 0) {
            nm_error(reader->diag, reader->decl->loc,
                     "no rule uses state 0, the state where Morphett's simulator starts; write "
                     "the first rules for state 0, as in '0 1 1 r 0'");
            return false;
        }
        /* Only '*' state rules apply to state 0. */
        nm_morphett_token start = {"0", reader->decl->loc.offset, 1};
        nm_morphett_add_state(reader, start);
    }

    if (reader->wildcard_rules > 0
        && reader->states.count > NM_MORPHETT_MAX_COPIES / reader->wildcard_rules) {
        nm_error(reader->diag, reader->decl->loc,
                 "%zu '*' state rules for %zu states exceed the limit of %d copies of '*' state "
                 "rules; use fewer '*' state rules or fewer states",
                 reader->wildcard_rules, reader->states.count, NM_MORPHETT_MAX_COPIES);
        return false;
    }
    return true;
}

static void nm_morphett_add_symbol(nm_morphett_reader *reader, const char *text, size_t length,
                                   nm_loc loc)
{
    int unused;
    if (nm_map_get(&reader->symbols, text, length, &unused))
        return;
    char *copy = nm_arena_strndup(reader->arena, text, length);
    nm_map_put(&reader->symbols, copy, length, 1);
    nm_atom_list_push(reader->arena, &reader->alphabet->args,
                      nm_atom_make(NM_ATOM_STRING, copy, length, loc));
}

/* Adds each character of TEXT to the alphabet, reading a space as '_'. */
static void nm_morphett_add_tape_symbols(nm_morphett_reader *reader, const char *text,
                                         size_t length, nm_loc loc)
{
    size_t at = 0;
    while (at < length) {
        size_t width = 1;
        while (at + width < length && ((unsigned char)text[at + width] & 0xC0) == 0x80)
            width++;
        if (text[at] == ' ')
            nm_morphett_add_symbol(reader, "_", 1, loc);
        else
            nm_morphett_add_symbol(reader, text + at, width, loc);
        at += width;
    }
}

/* Declares the alphabet (every symbol of the rules and the inputs, with '_'
 * first), the blank, the start state and the default input. */
static void nm_morphett_declare(nm_morphett_reader *reader)
{
    nm_arena *arena = reader->arena;
    nm_loc loc = reader->decl->loc;
    reader->alphabet = nm_ast_add_directive(arena, reader->decl,
                                            nm_morphett_name_atom(reader, "alphabet", loc));
    nm_morphett_add_symbol(reader, "_", 1, loc);
    for (size_t i = 0; i < reader->rules.count; i++) {
        const nm_morphett_rule *rule = &reader->rules.items[i];
        if (!nm_morphett_is(rule->read, "*"))
            nm_morphett_add_symbol(reader, rule->read.text, rule->read.length,
                                   nm_morphett_loc(reader, rule->read));
        if (!nm_morphett_is(rule->write, "*"))
            nm_morphett_add_symbol(reader, rule->write.text, rule->write.length,
                                   nm_morphett_loc(reader, rule->write));
    }

    nm_item *blank = nm_ast_add_directive(arena, reader->decl,
                                          nm_morphett_name_atom(reader, "blank", loc));
    nm_atom_list_push(arena, &blank->args, nm_atom_make(NM_ATOM_STRING, "_", 1, loc));
    nm_item *start = nm_ast_add_directive(arena, reader->decl,
                                          nm_morphett_name_atom(reader, "start", loc));
    nm_atom_list_push(arena, &start->args, nm_atom_make(NM_ATOM_STRING, "0", 1, loc));

    if (reader->has_initial_tape) {
        nm_morphett_token tape = reader->initial_tape;
        nm_loc tape_loc = nm_morphett_loc(reader, tape);
        nm_morphett_add_tape_symbols(reader, tape.text, tape.length, tape_loc);
        char *input = nm_arena_strndup(arena, tape.text, tape.length);
        for (size_t i = 0; i < tape.length; i++)
            if (input[i] == ' ')
                input[i] = '_';
        nm_item *item = nm_ast_add_directive(arena, reader->decl,
                                             nm_morphett_name_atom(reader, "input", tape_loc));
        nm_atom_list_push(arena, &item->args,
                          nm_atom_make(NM_ATOM_STRING, input, tape.length, tape_loc));
    }
    if (reader->options && reader->options->input)
        nm_morphett_add_tape_symbols(reader, reader->options->input,
                                     reader->options->input_length, loc);
}

/* Adds RULE as a transition of STATE. */
static void nm_morphett_emit(nm_morphett_reader *reader, const nm_morphett_rule *rule,
                             nm_morphett_state *state)
{
    state->rule_count++;

    nm_atom head = nm_morphett_string_atom(reader, state->name);
    head.loc = nm_morphett_loc(reader, rule->state);
    nm_atom read = nm_morphett_string_atom(reader, rule->read);
    nm_atom write = nm_morphett_string_atom(reader, rule->write);
    if (nm_morphett_is(rule->read, "*"))
        read.kind = NM_ATOM_STAR;
    if (nm_morphett_is(rule->write, "*"))
        write.kind = NM_ATOM_STAR;

    char direction = rule->direction.text[0];
    const char *move = "S";
    if (direction == 'l' || direction == 'L')
        move = "L";
    else if (direction == 'r' || direction == 'R')
        move = "R";
    nm_atom next = nm_morphett_string_atom(reader, rule->next);
    if (nm_morphett_is(rule->next, "*"))
        next = nm_atom_make(NM_ATOM_STRING, head.text, head.length, next.loc);

    nm_ast_add_transition(reader->arena, reader->decl, head, read, write,
                          nm_morphett_name_atom(reader, move,
                                                nm_morphett_loc(reader, rule->direction)),
                          next, rule->loc);
}

/* True when the '*' state RULE applies to STATE: Morphett's simulator
 * tries (state, symbol) and (state, *) before any '*' state rule. */
static bool nm_morphett_wildcard_applies(nm_morphett_reader *reader,
                                         const nm_morphett_rule *rule,
                                         const nm_morphett_state *state)
{
    nm_morphett_token any = {"*", 0, 1};
    if (nm_morphett_has_rule(reader, state->name, any))
        return false;
    return nm_morphett_is(rule->read, "*") || !nm_morphett_has_rule(reader, state->name, rule->read);
}

/* Adds the transitions in the order of the file, copying each '*' state
 * rule to the states it applies to. */
static void nm_morphett_emit_rules(nm_morphett_reader *reader)
{
    for (size_t i = 0; i < reader->rules.count; i++) {
        const nm_morphett_rule *rule = &reader->rules.items[i];
        if (rule->ignored)
            continue;
        if (!nm_morphett_is(rule->state, "*")) {
            int index = 0;
            nm_map_get(&reader->state_names, rule->state.text, rule->state.length, &index);
            nm_morphett_emit(reader, rule, &reader->states.items[index]);
            continue;
        }
        for (size_t s = 0; s < reader->states.count; s++) {
            nm_morphett_state *state = &reader->states.items[s];
            if (nm_morphett_wildcard_applies(reader, rule, state))
                nm_morphett_emit(reader, rule, state);
        }
    }
}

/* Declares the halting states: those named halt... that a rule enters, and
 * states left without rules, where Morphett's simulator stops too. */
static void nm_morphett_declare_halts(nm_morphett_reader *reader)
{
    nm_item *halt = NULL;
    nm_atom keyword = nm_morphett_name_atom(reader, "halt", reader->decl->loc);
    for (size_t i = 0; i < reader->halts.count; i++) {
        if (!halt)
            halt = nm_ast_add_directive(reader->arena, reader->decl, keyword);
        nm_atom_list_push(reader->arena, &halt->args,
                          nm_morphett_string_atom(reader, reader->halts.items[i]));
    }
    for (size_t i = 0; i < reader->states.count; i++) {
        const nm_morphett_state *state = &reader->states.items[i];
        if (state->rule_count > 0)
            continue;
        nm_warning(reader->diag, nm_morphett_loc(reader, state->name),
                   "state '%.*s' has no rules, so the machine stops when it enters it; it is "
                   "imported as a halting state (Morphett's halting states begin with 'halt')",
                   (int)state->name.length, state->name.text);
        if (!halt)
            halt = nm_ast_add_directive(reader->arena, reader->decl, keyword);
        nm_atom_list_push(reader->arena, &halt->args,
                          nm_morphett_string_atom(reader, state->name));
    }
}

static void nm_morphett_reader_free(nm_morphett_reader *reader)
{
    nm_vec_free(&reader->rules);
    nm_vec_free(&reader->states);
    nm_vec_free(&reader->halts);
    nm_map_free(&reader->rule_keys);
    nm_map_free(&reader->state_names);
    nm_map_free(&reader->halt_names);
    nm_map_free(&reader->symbols);
    nm_buf_free(&reader->lookup_key);
}

/* The location of the machine: the first rule, or the file's start. */
static nm_loc nm_morphett_machine_loc(const nm_morphett_reader *reader)
{
    if (reader->rules.count == 0)
        return nm_loc_make(reader->source, 0, 0);
    return nm_morphett_loc(reader, reader->rules.items[0].state);
}

nm_decl *nm_import_morphett(nm_arena *arena, nm_diag *diag, const nm_source *source,
                            const char *name, const nm_import_options *options)
{
    nm_morphett_reader reader;
    memset(&reader, 0, sizeof reader);
    reader.arena = arena;
    reader.diag = diag;
    reader.source = source;
    reader.options = options;

    int errors_before = diag->errors;
    nm_morphett_read_lines(&reader);
    reader.decl = nm_ast_machine_new(arena, name, nm_morphett_machine_loc(&reader));
    reader.decl->format = "morphett";
    if (diag->errors == errors_before && reader.rules.count == 0)
        nm_error(diag, reader.decl->loc,
                 "no rules found; Morphett's format has one rule per line: <state> <symbol> "
                 "<new symbol> <direction> <new state>, as in '0 1 0 r 1'");
    if (diag->errors != errors_before) {
        nm_morphett_reader_free(&reader);
        return NULL;
    }

    nm_morphett_select_rules(&reader);
    bool ok = nm_morphett_collect_states(&reader);
    if (ok) {
        nm_morphett_declare(&reader);
        nm_morphett_emit_rules(&reader);
        nm_morphett_declare_halts(&reader);
    }
    nm_morphett_reader_free(&reader);
    return ok ? reader.decl : NULL;
}
