/* The machine checker: resolves the atoms of a machine body into symbols,
 * states and rules, reports every error it finds with its location, and
 * builds the dense transition table (machine_table.c).
 *
 * Declarations (alphabet, blank, start, tapes) are read first, so that
 * transitions may come before or after them; halting states are resolved
 * after the transitions, so states are numbered in the order a reader meets
 * them: the start state, then the states of the transitions.  States need no declaration: a
 * state exists once a transition leaves it or it is declared halting; a name
 * that is only ever a target is reported as an unknown state.
 */
#include "machine.h"

#include <stdlib.h>
#include <string.h>

#include "machine_internal.h"

static bool nm_atom_is(const nm_atom *atom, const char *text)
{
    return atom->kind == NM_ATOM_NAME && strcmp(atom->text, text) == 0;
}

/* Number of UTF-8 characters in TEXT. */
static size_t nm_utf8_length(const char *text, size_t length)
{
    size_t count = 0;
    for (size_t i = 0; i < length; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            count++;
    return count;
}

static bool nm_check_name_length(nm_checker *checker, const nm_atom *atom, const char *what)
{
    if (atom->length <= NM_MAX_NAME_LENGTH)
        return true;
    nm_error(checker->diag, atom->loc, "%s name is %zu bytes long; the limit is %d bytes",
             what, atom->length, NM_MAX_NAME_LENGTH);
    return false;
}

/* Checks that ATOM can be a tape symbol: one character, or a quoted string. */
static bool nm_check_symbol_atom(nm_checker *checker, const nm_atom *atom)
{
    if (atom->invalid)
        return false;
    switch (atom->kind) {
    case NM_ATOM_STAR:
        nm_error(checker->diag, atom->loc,
                 "'*' cannot be a symbol: it means any symbol in a read and the same "
                 "symbol in a write; quote it as \"*\" to use the character itself");
        return false;
    case NM_ATOM_STRING:
        if (atom->length == 0) {
            nm_error(checker->diag, atom->loc, "a symbol cannot be the empty string");
            return false;
        }
        if (memchr(atom->text, '\0', atom->length)) {
            nm_error(checker->diag, atom->loc, "a symbol cannot contain a NUL character");
            return false;
        }
        return nm_check_name_length(checker, atom, "symbol");
    case NM_ATOM_NAME:
    case NM_ATOM_INT:
        if (nm_utf8_length(atom->text, atom->length) != 1) {
            nm_error(checker->diag, atom->loc,
                     "symbol '%s' has more than one character; write it as a quoted string "
                     "\"%s\" to use it as one symbol",
                     atom->text, atom->text);
            return false;
        }
        return true;
    case NM_ATOM_CHAR:
        return true;
    }
    return false;
}

static int nm_find_symbol(const nm_checker *checker, const nm_atom *atom)
{
    int index;
    if (nm_map_get(&checker->symbol_map, atom->text, atom->length, &index))
        return index;
    return -1;
}

/* Resolves a symbol used in a transition or declaration; reports symbols
 * outside the alphabet.  Returns -1 after an error. */
static int nm_resolve_symbol(nm_checker *checker, const nm_atom *atom)
{
    if (!nm_check_symbol_atom(checker, atom))
        return -1;
    int index = nm_find_symbol(checker, atom);
    if (index >= 0)
        return index;
    /* Without a valid alphabet every symbol would be reported. */
    if (checker->alphabet_item && checker->symbols.count > 0)
        nm_error(checker->diag, atom->loc,
                 "symbol '%s' is not in the alphabet of machine '%s'; add it to the alphabet",
                 atom->text, checker->decl->name);
    return -1;
}

/* Finds or creates the state named by ATOM.  Returns -1 after an error. */
static int nm_resolve_state(nm_checker *checker, const nm_atom *atom)
{
    if (atom->invalid)
        return -1;
    if (atom->kind == NM_ATOM_STAR) {
        nm_error(checker->diag, atom->loc,
                 "'*' cannot be a state; write the state's name (a transition that keeps its "
                 "state names it again)");
        return -1;
    }
    if (atom->kind == NM_ATOM_CHAR) {
        nm_error(checker->diag, atom->loc,
                 "invalid state name '%s'; use an identifier, a number or a quoted string",
                 atom->text);
        return -1;
    }
    if (atom->kind == NM_ATOM_STRING && atom->length == 0) {
        nm_error(checker->diag, atom->loc, "a state name cannot be the empty string");
        return -1;
    }
    if (atom->kind == NM_ATOM_STRING && memchr(atom->text, '\0', atom->length)) {
        nm_error(checker->diag, atom->loc, "a state name cannot contain a NUL character");
        return -1;
    }
    if (!nm_check_name_length(checker, atom, "state"))
        return -1;

    int index;
    if (nm_map_get(&checker->state_map, atom->text, atom->length, &index))
        return index;
    if ((int)checker->states.count >= TM_MAX_STATES) {
        if (!checker->reported_state_limit)
            nm_error(checker->diag, atom->loc,
                     "machine '%s' has more than %d states, the limit of one machine",
                     checker->decl->name, TM_MAX_STATES);
        checker->reported_state_limit = true;
        return -1;
    }
    nm_state state;
    memset(&state, 0, sizeof state);
    state.name = nm_arena_strndup(checker->arena, atom->text, atom->length);
    state.loc = atom->loc;
    nm_vec_push(&checker->states, state);
    index = (int)checker->states.count - 1;
    nm_map_put(&checker->state_map, checker->states.items[index].name, atom->length, index);
    return index;
}

static bool nm_expect_arguments(nm_checker *checker, const nm_item *item, size_t count,
                                const char *example)
{
    if (item->args.count == count)
        return true;
    nm_error(checker->diag, item->args.count ? item->args.loc : item->head.loc,
             "'%s' takes %zu value%s, as in '%s'", item->head.text, count,
             count == 1 ? "" : "s", example);
    return false;
}

static bool nm_first_directive(nm_checker *checker, const nm_item *item, const nm_item **seen)
{
    if (*seen) {
        nm_error(checker->diag, item->head.loc,
                 "duplicate '%s' declaration in machine '%s'; keep only one",
                 item->head.text, checker->decl->name);
        nm_note(checker->diag, (*seen)->head.loc, "first declared here");
        return false;
    }
    *seen = item;
    return true;
}

static void nm_check_alphabet(nm_checker *checker, const nm_item *item)
{
    if (!nm_first_directive(checker, item, &checker->alphabet_item))
        return;
    if (item->args.count == 0)
        nm_error(checker->diag, item->head.loc,
                 "the alphabet of machine '%s' is empty; list its symbols, as in "
                 "'alphabet 0 1 _;'",
                 checker->decl->name);
    for (size_t i = 0; i < item->args.count; i++) {
        const nm_atom *atom = &item->args.items[i];
        if (!nm_check_symbol_atom(checker, atom))
            continue;
        int existing = nm_find_symbol(checker, atom);
        if (existing >= 0) {
            nm_error(checker->diag, atom->loc,
                     "symbol '%s' appears twice in the alphabet of machine '%s'; remove one",
                     atom->text, checker->decl->name);
            nm_note(checker->diag, checker->symbols.items[existing].loc, "first listed here");
            continue;
        }
        if ((int)checker->symbols.count >= TM_MAX_SYMBOLS) {
            nm_error(checker->diag, atom->loc,
                     "the alphabet of machine '%s' has more than %d symbols, the limit of one "
                     "machine",
                     checker->decl->name, TM_MAX_SYMBOLS);
            return;
        }
        nm_symbol symbol = {atom->text, atom->length, atom->loc};
        nm_vec_push(&checker->symbols, symbol);
        nm_map_put(&checker->symbol_map, atom->text, atom->length,
                   (int)checker->symbols.count - 1);
    }
}

static void nm_check_tapes(nm_checker *checker, const nm_item *item)
{
    if (!nm_first_directive(checker, item, &checker->tapes_item))
        return;
    if (!nm_expect_arguments(checker, item, 1, "tapes 2;"))
        return;
    const nm_atom *atom = &item->args.items[0];
    long tapes = atom->kind == NM_ATOM_INT && atom->length <= 4 ? strtol(atom->text, NULL, 10) : 0;
    if (tapes < 1 || tapes > TM_MAX_TAPES) {
        nm_error(checker->diag, atom->loc,
                 "invalid number of tapes '%s'; a machine has from 1 to %d tapes", atom->text,
                 TM_MAX_TAPES);
        return;
    }
    checker->machine->tapes = (int)tapes;
}

static void nm_check_halt(nm_checker *checker, const nm_item *item)
{
    for (size_t i = 0; i < item->args.count; i++) {
        const nm_atom *atom = &item->args.items[i];
        int state = nm_resolve_state(checker, atom);
        if (state < 0)
            continue;
        nm_state *entry = &checker->states.items[state];
        if (entry->halting) {
            nm_error(checker->diag, atom->loc,
                     "state '%s' is declared halting twice; remove one of the declarations",
                     entry->name);
            nm_note(checker->diag, entry->halt_loc, "first declared halting here");
            continue;
        }
        entry->halting = true;
        entry->halt_loc = atom->loc;
    }
}

/* `states A B;` declares states that need no transitions: a machine that
 * enters one halts there for lack of a transition. */
static void nm_check_states(nm_checker *checker, const nm_item *item)
{
    if (item->args.count == 0)
        nm_error(checker->diag, item->head.loc, "'states' needs at least one state, as in "
                                                "'states q0 q1;'");
    for (size_t i = 0; i < item->args.count; i++) {
        int state = nm_resolve_state(checker, &item->args.items[i]);
        if (state >= 0)
            checker->states.items[state].declared = true;
    }
}

static void nm_check_directive(nm_checker *checker, const nm_item *item)
{
    const nm_atom *keyword = &item->head;
    if (nm_atom_is(keyword, "alphabet")) {
        nm_check_alphabet(checker, item);
    } else if (nm_atom_is(keyword, "blank")) {
        if (nm_first_directive(checker, item, &checker->blank_item))
            nm_expect_arguments(checker, item, 1, "blank _;");
    } else if (nm_atom_is(keyword, "start")) {
        if (nm_first_directive(checker, item, &checker->start_item)
            && nm_expect_arguments(checker, item, 1, "start q0;"))
            checker->machine->start = nm_resolve_state(checker, &item->args.items[0]);
    } else if (nm_atom_is(keyword, "halt")) {
        /* The states are resolved after the transitions; see the top. */
        if (item->args.count == 0)
            nm_error(checker->diag, item->head.loc,
                     "'halt' needs at least one state, as in 'halt done;'");
        nm_vec_push(&checker->halt_items, item);
    } else if (nm_atom_is(keyword, "tapes")) {
        nm_check_tapes(checker, item);
    } else if (nm_atom_is(keyword, "input")) {
        if (nm_first_directive(checker, item, &checker->input_item))
            nm_expect_arguments(checker, item, 1, "input \"1011\";");
    } else if (nm_atom_is(keyword, "states")) {
        nm_check_states(checker, item);
    } else {
        const char *suggestion = nm_closest_name(keyword->text, nm_directive_names,
                                                 NM_DIRECTIVE_COUNT);
        if (suggestion) {
            nm_error(checker->diag, keyword->loc,
                     "unknown declaration '%s' in machine '%s'; did you mean '%s'?",
                     keyword->text, checker->decl->name, suggestion);
            nm_vec_push(&checker->suggested, suggestion);
        }
        else
            nm_error(checker->diag, keyword->loc,
                     "unknown declaration '%s' in machine '%s'; expected alphabet, blank, start, "
                     "halt, tapes, input or states, or a transition such as 'q 0 -> 1 R p;'",
                     keyword->text, checker->decl->name);
    }
}

/* Writes the tuple a part of a transition should have been, repeating the
 * one entry that was written: `_` on two tapes becomes `(_, _)`. */
static void nm_tuple_example(const nm_checker *checker, const nm_atom_list *list, nm_buf *out)
{
    const nm_atom *atom = &list->items[0];
    const char *text = "*";
    size_t length = 1;
    if (atom->loc.source && atom->loc.length > 0 && atom->loc.length <= 20) {
        text = atom->loc.source->text + atom->loc.offset;
        length = atom->loc.length;
    }
    nm_buf_putc(out, '(');
    for (int t = 0; t < checker->machine->tapes; t++) {
        if (t > 0)
            nm_buf_puts(out, ", ");
        nm_buf_append(out, text, length);
    }
    nm_buf_putc(out, ')');
}

/* Checks that a part of a transition has one entry per tape. */
static bool nm_check_arity(nm_checker *checker, const nm_atom_list *list, const char *what)
{
    int tapes = checker->machine->tapes;
    if (tapes > 1 && !list->tuple) {
        nm_buf example;
        nm_buf_init(&example);
        nm_tuple_example(checker, list, &example);
        nm_error(checker->diag, list->loc,
                 "machine '%s' has %d tapes, so each transition %s a tuple of %d, as in %s",
                 checker->decl->name, tapes, what, tapes, example.data);
        nm_buf_free(&example);
        return false;
    }
    if ((int)list->count != tapes) {
        nm_error(checker->diag, list->loc,
                 "this transition %s %zu value%s but machine '%s' has %d tape%s", what,
                 list->count, list->count == 1 ? "" : "s", checker->decl->name, tapes,
                 tapes == 1 ? "" : "s");
        return false;
    }
    return true;
}

static int nm_parse_move(nm_checker *checker, const nm_atom *atom, bool *ok)
{
    if (nm_atom_is(atom, "L"))
        return -1;
    if (nm_atom_is(atom, "R"))
        return 1;
    if (nm_atom_is(atom, "S"))
        return 0;
    nm_error(checker->diag, atom->loc, "invalid move '%s'; use L (left), R (right) or S (stay)",
             atom->text);
    *ok = false;
    return 0;
}

static void nm_check_transition(nm_checker *checker, const nm_item *item)
{
    nm_rule rule;
    memset(&rule, 0, sizeof rule);
    rule.loc = item->loc;
    bool ok = true;

    rule.state = nm_resolve_state(checker, &item->head);
    ok = rule.state >= 0 && ok;
    bool arity = nm_check_arity(checker, &item->reads, "reads");
    arity = nm_check_arity(checker, &item->writes, "writes") && arity;
    arity = nm_check_arity(checker, &item->moves, "moves") && arity;
    ok = ok && arity;

    if (arity) {
        for (int t = 0; t < checker->machine->tapes; t++) {
            const nm_atom *read = &item->reads.items[t];
            const nm_atom *write = &item->writes.items[t];
            rule.read[t] = read->kind == NM_ATOM_STAR ? NM_ANY : nm_resolve_symbol(checker, read);
            rule.write[t] = write->kind == NM_ATOM_STAR ? NM_KEEP : nm_resolve_symbol(checker, write);
            rule.move[t] = nm_parse_move(checker, &item->moves.items[t], &ok);
            if ((read->kind != NM_ATOM_STAR && rule.read[t] < 0)
                || (write->kind != NM_ATOM_STAR && rule.write[t] < 0))
                ok = false;
            if (rule.read[t] != NM_ANY)
                rule.specific++;
        }
    }

    rule.next = nm_resolve_state(checker, &item->next);
    /* The state has this transition even when it is invalid, so it is not
     * reported as unknown as well. */
    if (rule.state >= 0)
        checker->states.items[rule.state].rule_count++;
    if (rule.next < 0 || !ok)
        return;
    nm_vec_push(&checker->rules, rule);
}

/* True when an unknown declaration was already reported with KEYWORD as
 * its likely spelling. */
static bool nm_was_suggested(const nm_checker *checker, const char *keyword)
{
    for (size_t i = 0; i < checker->suggested.count; i++)
        if (strcmp(checker->suggested.items[i], keyword) == 0)
            return true;
    return false;
}

/* Reports declarations the machine cannot do without, unless a syntax error
 * inside it may have swallowed them or a misspelling of them was reported. */
static void nm_check_required(nm_checker *checker)
{
    const nm_decl *decl = checker->decl;
    if (decl->syntax_errors)
        return;
    if (!checker->alphabet_item && !nm_was_suggested(checker, "alphabet"))
        nm_error(checker->diag, decl->name_loc,
                 "machine '%s' has no alphabet; list its symbols, as in 'alphabet 0 1 _;'",
                 decl->name);
    if (!checker->blank_item && !nm_was_suggested(checker, "blank"))
        nm_error(checker->diag, decl->name_loc,
                 "machine '%s' has no blank symbol; declare one, as in 'blank _;'", decl->name);
    if (!checker->start_item && !nm_was_suggested(checker, "start"))
        nm_error(checker->diag, decl->name_loc,
                 "machine '%s' has no start state; declare one, as in 'start q0;'", decl->name);
}

static void nm_resolve_blank(nm_checker *checker)
{
    nm_machine *machine = checker->machine;
    machine->blank = -1;
    if (checker->blank_item && checker->blank_item->args.count == 1) {
        const nm_atom *atom = &checker->blank_item->args.items[0];
        if (nm_check_symbol_atom(checker, atom)) {
            machine->blank = nm_find_symbol(checker, atom);
            if (machine->blank < 0 && checker->alphabet_item)
                nm_error(checker->diag, atom->loc,
                         "blank symbol '%s' is not in the alphabet of machine '%s'; add it to "
                         "the alphabet",
                         atom->text, checker->decl->name);
        }
    }
}

/* Gives the start state the first index, so that states are numbered as a
 * reader meets them; errors in the declaration are reported later. */
static void nm_register_start(nm_checker *checker)
{
    for (const nm_item *item = checker->decl->items; item; item = item->next_item) {
        if (item->kind != NM_ITEM_DIRECTIVE || !nm_atom_is(&item->head, "start"))
            continue;
        const nm_atom *atom = item->args.count == 1 ? &item->args.items[0] : NULL;
        if (atom && (atom->kind == NM_ATOM_NAME || atom->kind == NM_ATOM_INT)
            && atom->length <= NM_MAX_NAME_LENGTH)
            nm_resolve_state(checker, atom);
        return;
    }
}

/* Reports names that are only ever targets: states with no transitions
 * that are not declared halting.  After a syntax error in the machine the
 * transitions of such a state may be the ones that were lost, so none is
 * reported. */
static void nm_check_unknown_states(nm_checker *checker)
{
    if (checker->decl->syntax_errors)
        return;
    for (size_t i = 0; i < checker->states.count; i++) {
        const nm_state *state = &checker->states.items[i];
        if (state->rule_count > 0 || state->halting || state->declared)
            continue;
        /* Past NM_MAX_ERRORS nothing is printed, so the search is skipped. */
        const char *suggestion = checker->diag->stopped
                                     ? NULL
                                     : nm_closest_state(checker, state->name);
        if (suggestion)
            nm_error(checker->diag, state->loc,
                     "unknown state '%s'; did you mean '%s'? (a state needs transitions or a "
                     "'halt' declaration)",
                     state->name, suggestion);
        else
            nm_error(checker->diag, state->loc,
                     "unknown state '%s': no transition leaves it and it is not declared "
                     "halting; add its transitions or 'halt %s;'",
                     state->name, state->name);
    }
}

static void nm_check_halting_rules(nm_checker *checker)
{
    for (size_t i = 0; i < checker->rules.count; i++) {
        const nm_rule *rule = &checker->rules.items[i];
        const nm_state *state = &checker->states.items[rule->state];
        if (!state->halting)
            continue;
        nm_error(checker->diag, rule->loc,
                 "halting state '%s' cannot have transitions: the machine stops when it "
                 "enters it",
                 state->name);
        nm_note(checker->diag, state->halt_loc, "declared halting here");
    }
}

/* The location of an input error: the character itself when the input is
 * written without escapes, else the whole input. */
static nm_loc nm_input_error_loc(const nm_atom *atom, const nm_input_error *error)
{
    size_t quotes = atom->kind == NM_ATOM_STRING ? 2 : 0;
    if (atom->loc.length != atom->length + quotes)
        return atom->loc;
    return nm_loc_make(atom->loc.source, atom->loc.offset + (uint32_t)(quotes / 2 + error->offset),
                       (uint32_t)error->length);
}

/* Checks the default input: every part of it must be a symbol. */
static bool nm_check_input(nm_checker *checker, nm_machine *machine)
{
    if (!checker->input_item || checker->input_item->args.count != 1)
        return true;
    const nm_atom *atom = &checker->input_item->args.items[0];
    if (atom->invalid)
        return false;
    if (atom->kind == NM_ATOM_STAR) {
        nm_error(checker->diag, atom->loc, "the input must be a string of symbols, as in "
                                           "'input \"1011\";'");
        return false;
    }
    uint8_t *symbols;
    size_t count;
    char *message;
    nm_input_error error;
    if (!nm_machine_read_input(machine, atom->text, atom->length, &symbols, &count, &message,
                               &error)) {
        nm_error(checker->diag, nm_input_error_loc(atom, &error), "%s", message);
        free(message);
        return false;
    }
    free(symbols);
    machine->has_input = true;
    machine->input = atom->text;
    machine->input_length = atom->length;
    return true;
}

static nm_machine *nm_finish_machine(nm_checker *checker)
{
    nm_machine *machine = checker->machine;
    machine->symbol_count = (int)checker->symbols.count;
    machine->symbols = nm_arena_alloc(checker->arena, checker->symbols.count * sizeof *machine->symbols);
    if (checker->symbols.count)
        memcpy(machine->symbols, checker->symbols.items,
               checker->symbols.count * sizeof *machine->symbols);
    machine->state_count = (int)checker->states.count;
    machine->states = nm_arena_alloc(checker->arena, checker->states.count * sizeof *machine->states);
    if (checker->states.count)
        memcpy(machine->states, checker->states.items,
               checker->states.count * sizeof *machine->states);
    machine->rule_count = (int)checker->rules.count;
    machine->rules = nm_arena_alloc(checker->arena, checker->rules.count * sizeof *machine->rules);
    if (checker->rules.count)
        memcpy(machine->rules, checker->rules.items, checker->rules.count * sizeof *machine->rules);
    return machine;
}

static void nm_checker_free(nm_checker *checker)
{
    nm_vec_free(&checker->symbols);
    nm_vec_free(&checker->states);
    nm_vec_free(&checker->rules);
    nm_vec_free(&checker->halt_items);
    nm_vec_free(&checker->suggested);
    nm_map_free(&checker->symbol_map);
    nm_map_free(&checker->state_map);
}

nm_machine *nm_machine_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl)
{
    nm_checker checker;
    memset(&checker, 0, sizeof checker);
    checker.arena = arena;
    checker.diag = diag;
    checker.decl = decl;
    checker.machine = nm_arena_calloc(arena, 1, sizeof *checker.machine);
    checker.machine->name = decl->name;
    checker.machine->loc = decl->name_loc;
    checker.machine->origin = decl->format ? decl->format : "nm";
    checker.machine->tapes = 1;
    nm_map_init(&checker.symbol_map);
    nm_map_init(&checker.state_map);
    checker.machine->start = -1;
    int errors_before = diag->errors;

    nm_register_start(&checker);
    for (const nm_item *item = decl->items; item; item = item->next_item)
        if (item->kind == NM_ITEM_DIRECTIVE)
            nm_check_directive(&checker, item);
    nm_check_required(&checker);
    nm_resolve_blank(&checker);

    for (const nm_item *item = decl->items; item; item = item->next_item)
        if (item->kind == NM_ITEM_TRANSITION)
            nm_check_transition(&checker, item);

    for (size_t i = 0; i < checker.halt_items.count; i++)
        nm_check_halt(&checker, checker.halt_items.items[i]);
    nm_check_unknown_states(&checker);
    nm_check_halting_rules(&checker);
    nm_check_duplicate_rules(&checker);

    /* After a syntax error some items may be lost, and the checks that
     * would only repeat it were skipped, so there is no machine. */
    nm_machine *machine = NULL;
    if (diag->errors == errors_before && !decl->syntax_errors && checker.machine->start >= 0
        && checker.machine->blank >= 0) {
        machine = nm_finish_machine(&checker);
        if (!nm_machine_build_table(&checker, machine) || !nm_check_input(&checker, machine)) {
            nm_machine_free(machine);
            machine = NULL;
        } else {
            nm_machine_warn_reachability(diag, machine);
        }
    }
    nm_checker_free(&checker);
    return machine;
}

void nm_machine_free(nm_machine *machine)
{
    if (machine) {
        tm_table_free(machine->table);
        machine->table = NULL;
    }
}
