/* State shared by the parts of the machine checker. */
#ifndef NM_MACHINE_INTERNAL_H
#define NM_MACHINE_INTERNAL_H

#include "machine.h"
#include "util/map.h"

typedef struct nm_checker {
    nm_arena *arena;
    nm_diag *diag;
    const nm_decl *decl;
    nm_machine *machine;
    NM_VEC(nm_symbol) symbols;
    NM_VEC(nm_state) states;
    NM_VEC(nm_rule) rules;
    NM_VEC(const nm_item *) halt_items;
    NM_VEC(const char *) suggested; /* directives named in did-you-mean hints */
    nm_map symbol_map;
    nm_map state_map;
    const nm_item *alphabet_item;
    const nm_item *blank_item;
    const nm_item *start_item;
    const nm_item *tapes_item;
    const nm_item *input_item;
    bool reported_state_limit;
} nm_checker;

/* The closest of NAMES to TEXT by edit distance, if one is close enough to
 * be a likely typing mistake; NULL otherwise. */
const char *nm_closest_name(const char *text, const char *const *names, size_t count);
/* The same among the states that have transitions or are halting. */
const char *nm_closest_state(const nm_checker *checker, const char *text);

/* Reports rules with the same state and the same reads. */
void nm_check_duplicate_rules(nm_checker *checker);
/* Builds MACHINE->table, choosing for each state and read tuple the most
 * specific matching rule; reports ties.  Returns false after an error. */
bool nm_machine_build_table(nm_checker *checker, nm_machine *machine);
/* Warns about states the machine never reaches and states from which it can
 * never halt. */
void nm_machine_warn_reachability(nm_diag *diag, const nm_machine *machine);

#endif
