/* From rules to the dense transition table: duplicate rules, wildcard
 * resolution (the rule with the most specific reads wins, and a tie between
 * two matching rules is an error), and the reachability warnings. */
#include <stdlib.h>
#include <string.h>

#include "machine_internal.h"

/* The optimal string alignment distance: insertions, deletions,
 * substitutions and swaps of two neighbouring characters each cost one, so
 * the common typing mistakes `scna` for `scan` and `strat` for `start` are
 * one edit away.  Names over 64 bytes are never compared. */
static size_t nm_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t rows[3][65];
    size_t *before = rows[0], *above = rows[1], *row = rows[2];
    for (size_t j = 0; j <= lb; j++)
        above[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = above[j - 1] + cost;
            if (above[j] + 1 < best)
                best = above[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            row[j] = best;
        }
        size_t *recycled = before;
        before = above;
        above = row;
        row = recycled;
    }
    return above[lb];
}

/* A name within a third of its length of edits (at least one) is a likely
 * typing mistake.  Names of one or two characters, such as q0 and q1, are
 * all close to each other, so they get no suggestion. */
static bool nm_is_close(const char *text, const char *name, size_t *best)
{
    size_t text_length = strlen(text), name_length = strlen(name);
    if (text_length < 3 || name_length < 3)
        return false;
    size_t allowed = text_length / 3 > 1 ? text_length / 3 : 1;
    /* Each edit changes the length by one at most. */
    size_t difference = text_length > name_length ? text_length - name_length
                                                  : name_length - text_length;
    if (difference > allowed)
        return false;
    size_t distance = nm_edit_distance(text, name);
    if (distance == 0 || distance > allowed || distance >= *best)
        return false;
    *best = distance;
    return true;
}

const char *nm_closest_name(const char *text, const char *const *names, size_t count)
{
    const char *closest = NULL;
    size_t best = (size_t)-1;
    for (size_t i = 0; i < count; i++)
        if (nm_is_close(text, names[i], &best))
            closest = names[i];
    return closest;
}

const char *nm_closest_state(const nm_checker *checker, const char *text)
{
    const char *closest = NULL;
    size_t best = (size_t)-1;
    for (size_t i = 0; i < checker->states.count; i++) {
        const nm_state *state = &checker->states.items[i];
        if ((state->rule_count > 0 || state->halting) && nm_is_close(text, state->name, &best))
            closest = state->name;
    }
    return closest;
}

/* Writes the reads of RULE as written: `0`, `*` or `(0, *)`. */
static void nm_describe_rule_reads(const nm_checker *checker, const nm_rule *rule, nm_buf *out)
{
    int tapes = checker->machine->tapes;
    if (tapes > 1)
        nm_buf_putc(out, '(');
    for (int t = 0; t < tapes; t++) {
        if (t > 0)
            nm_buf_puts(out, ", ");
        if (rule->read[t] == NM_ANY)
            nm_buf_putc(out, '*');
        else
            nm_print_symbol(out, &checker->symbols.items[rule->read[t]]);
    }
    if (tapes > 1)
        nm_buf_putc(out, ')');
}

void nm_check_duplicate_rules(nm_checker *checker)
{
    nm_map seen;
    nm_map_init(&seen);
    int tapes = checker->machine->tapes;
    size_t key_length = (size_t)(tapes + 1) * sizeof(int);

    for (size_t i = 0; i < checker->rules.count; i++) {
        const nm_rule *rule = &checker->rules.items[i];
        int *key = nm_arena_alloc(checker->arena, key_length);
        key[0] = rule->state;
        memcpy(key + 1, rule->read, (size_t)tapes * sizeof(int));

        int first;
        if (nm_map_get(&seen, (const char *)key, key_length, &first)) {
            nm_buf reads;
            nm_buf_init(&reads);
            nm_describe_rule_reads(checker, rule, &reads);
            nm_error(checker->diag, rule->loc,
                     "duplicate transition for state '%s' reading %s; remove one of the two",
                     checker->states.items[rule->state].name, reads.data);
            nm_note(checker->diag, checker->rules.items[first].loc, "first transition is here");
            nm_buf_free(&reads);
            continue;
        }
        nm_map_put(&seen, (const char *)key, key_length, (int)i);
    }
    nm_map_free(&seen);
}

static void nm_describe_reads(const nm_machine *machine, size_t code, nm_buf *out)
{
    if (machine->tapes > 1)
        nm_buf_putc(out, '(');
    for (int t = 0; t < machine->tapes; t++) {
        if (t > 0)
            nm_buf_puts(out, ", ");
        nm_print_symbol(out, &machine->symbols[code % (size_t)machine->symbol_count]);
        code /= (size_t)machine->symbol_count;
    }
    if (machine->tapes > 1)
        nm_buf_putc(out, ')');
}

/* Per table entry while resolving wildcards: the winning rule, how specific
 * it is, and another rule exactly as specific that also matches. */
typedef struct nm_claim {
    int rule;
    int specific;
    int rival;
} nm_claim;

static void nm_claim_entries(const nm_machine *machine, nm_claim *claims, int index)
{
    const nm_rule *rule = &machine->rules[index];
    /* The checker keeps tapes within TM_MAX_TAPES; the bound tells the
     * compiler so. */
    int tapes = machine->tapes < TM_MAX_TAPES ? machine->tapes : TM_MAX_TAPES;
    size_t symbols = (size_t)machine->symbol_count;
    uint8_t reads[TM_MAX_TAPES];
    for (int t = 0; t < tapes; t++)
        reads[t] = rule->read[t] == NM_ANY ? 0 : (uint8_t)rule->read[t];

    /* Count through the wildcard positions like an odometer. */
    for (;;) {
        size_t code = tm_read_code(machine->table, reads);
        nm_claim *claim = &claims[(size_t)rule->state * machine->table->reads + code];
        if (claim->rule < 0 || rule->specific > claim->specific) {
            claim->rule = index;
            claim->specific = rule->specific;
            claim->rival = -1;
        } else if (rule->specific == claim->specific) {
            claim->rival = index;
        }

        int t = 0;
        while (t < tapes) {
            if (rule->read[t] == NM_ANY && (size_t)reads[t] + 1 < symbols) {
                reads[t]++;
                break;
            }
            if (rule->read[t] == NM_ANY)
                reads[t] = 0;
            t++;
        }
        if (t == tapes)
            return;
    }
}

static void nm_report_ties(nm_checker *checker, const nm_machine *machine, const nm_claim *claims,
                           size_t entries)
{
    nm_map reported;
    nm_map_init(&reported);
    for (size_t e = 0; e < entries; e++) {
        const nm_claim *claim = &claims[e];
        if (claim->rival < 0)
            continue;
        int pair[2] = {claim->rule, claim->rival};
        int *key = nm_arena_alloc(checker->arena, sizeof pair);
        memcpy(key, pair, sizeof pair);
        int unused;
        if (nm_map_get(&reported, (const char *)key, sizeof pair, &unused))
            continue;
        nm_map_put(&reported, (const char *)key, sizeof pair, 1);

        nm_buf reads;
        nm_buf_init(&reads);
        nm_describe_reads(machine, e % machine->table->reads, &reads);
        const nm_rule *rule = &machine->rules[claim->rival];
        nm_error(checker->diag, rule->loc,
                 "two transitions of state '%s' match reading %s and neither is more "
                 "specific; add a transition for exactly these symbols",
                 machine->states[rule->state].name, reads.data);
        nm_note(checker->diag, machine->rules[claim->rule].loc, "the other transition is here");
        nm_buf_free(&reads);
    }
    nm_map_free(&reported);
}

static void nm_fill_entry(const nm_machine *machine, size_t entry, const nm_rule *rule)
{
    tm_table *table = machine->table;
    int tapes = machine->tapes;
    size_t code = entry % table->reads;
    table->next[entry] = rule->next;
    for (int t = 0; t < tapes; t++) {
        int read = (int)(code % (size_t)machine->symbol_count);
        code /= (size_t)machine->symbol_count;
        size_t slot = entry * (size_t)tapes + (size_t)t;
        table->write[slot] = (uint8_t)(rule->write[t] == NM_KEEP ? read : rule->write[t]);
        table->move[slot] = (int8_t)rule->move[t];
    }
}

bool nm_machine_build_table(nm_checker *checker, nm_machine *machine)
{
    size_t reads = 1;
    for (int t = 0; t < machine->tapes; t++) {
        reads *= (size_t)machine->symbol_count;
        if (reads > TM_MAX_TABLE_ENTRIES)
            break;
    }
    if (reads > TM_MAX_TABLE_ENTRIES
        || reads * (size_t)machine->state_count > TM_MAX_TABLE_ENTRIES) {
        nm_error(checker->diag, machine->loc,
                 "machine '%s' is too large: %d states times %d symbols to the power of %d "
                 "tapes exceeds the limit of %u table entries; use fewer symbols or tapes",
                 machine->name, machine->state_count, machine->symbol_count, machine->tapes,
                 TM_MAX_TABLE_ENTRIES);
        return false;
    }

    machine->table = tm_table_new(machine->tapes, machine->symbol_count, machine->state_count);
    if (!machine->table) {
        nm_error(checker->diag, machine->loc, "out of memory building the table of machine '%s'",
                 machine->name);
        return false;
    }
    tm_table *table = machine->table;
    table->start = machine->start;
    table->blank = machine->blank;
    for (int s = 0; s < machine->state_count; s++)
        table->halting[s] = machine->states[s].halting;

    size_t entries = table->reads * (size_t)machine->state_count;
    nm_claim *claims = nm_xmalloc(entries * sizeof *claims);
    for (size_t e = 0; e < entries; e++)
        claims[e] = (nm_claim){-1, -1, -1};
    for (int r = 0; r < machine->rule_count; r++)
        nm_claim_entries(machine, claims, r);

    int errors_before = checker->diag->errors;
    nm_report_ties(checker, machine, claims, entries);
    for (size_t e = 0; e < entries; e++)
        if (claims[e].rule >= 0)
            nm_fill_entry(machine, e, &machine->rules[claims[e].rule]);
    free(claims);

    if (checker->diag->errors != errors_before) {
        tm_table_free(machine->table);
        machine->table = NULL;
        return false;
    }
    return true;
}

/* Marks the states reachable from the start state by following transitions. */
static void nm_mark_reachable(const tm_table *table, uint8_t *reached)
{
    int *queue = nm_xmalloc((size_t)table->states * sizeof *queue);
    size_t head = 0, tail = 0;
    reached[table->start] = 1;
    queue[tail++] = table->start;
    while (head < tail) {
        int state = queue[head++];
        for (size_t code = 0; code < table->reads; code++) {
            int32_t next = table->next[(size_t)state * table->reads + code];
            if (next != TM_UNDEFINED && !reached[next]) {
                reached[next] = 1;
                queue[tail++] = next;
            }
        }
    }
    free(queue);
}

/* Marks the states from which some path of transitions leads to a halting
 * state or to a missing transition, by fixed-point iteration. */
static void nm_mark_can_halt(const tm_table *table, uint8_t *can_halt)
{
    for (int s = 0; s < table->states; s++) {
        can_halt[s] = table->halting[s];
        for (size_t code = 0; code < table->reads && !can_halt[s]; code++)
            if (table->next[(size_t)s * table->reads + code] == TM_UNDEFINED)
                can_halt[s] = 1;
    }
    bool changed = true;
    while (changed) {
        changed = false;
        for (int s = 0; s < table->states; s++) {
            if (can_halt[s])
                continue;
            for (size_t code = 0; code < table->reads; code++) {
                int32_t next = table->next[(size_t)s * table->reads + code];
                if (next != TM_UNDEFINED && can_halt[next]) {
                    can_halt[s] = 1;
                    changed = true;
                    break;
                }
            }
        }
    }
}

void nm_machine_warn_reachability(nm_diag *diag, const nm_machine *machine)
{
    const tm_table *table = machine->table;
    uint8_t *reached = nm_xcalloc((size_t)table->states, 1);
    uint8_t *can_halt = nm_xcalloc((size_t)table->states, 1);
    nm_mark_reachable(table, reached);
    nm_mark_can_halt(table, can_halt);

    for (int s = 0; s < table->states; s++)
        if (!reached[s])
            nm_warning(diag, machine->states[s].loc,
                       "state '%s' is never reached from the start state '%s'",
                       machine->states[s].name, machine->states[machine->start].name);

    int trapped = 0, first = -1;
    for (int s = 0; s < table->states; s++)
        if (reached[s] && !can_halt[s] && trapped++ == 0)
            first = s;
    if (trapped > 0)
        nm_warning(diag, machine->states[first].loc,
                   "machine '%s' can never halt once it enters state '%s'%s: no path of "
                   "transitions leads to a halting state or a missing transition",
                   machine->name, machine->states[first].name,
                   trapped > 1 ? " (or any of the other states with this problem)" : "");

    free(reached);
    free(can_halt);
}
