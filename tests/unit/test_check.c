/* Unit tests of the machine checker.  They cover symbols, states, rules and
 * the dense table, wildcard priority, multi-tape tables, the input
 * declaration and its parsing, and printing as .nm then checking again.
 * Programs are loaded from text and from the files in data/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "program.h"

typedef struct loaded {
    nm_diag diag;
    nm_buf messages;
    nm_program *program;
    bool ok;
} loaded;

static void load_setup(loaded *result, const char *stdlib_dir, bool no_files)
{
    nm_buf_init(&result->messages);
    nm_diag_init(&result->diag, NULL);
    result->diag.capture = &result->messages;
    nm_program_options options;
    memset(&options, 0, sizeof options);
    options.no_files = no_files;
    options.stdlib_dir = stdlib_dir;
    result->program = nm_program_new(&result->diag, &options);
}

static void load_text(loaded *result, const char *text)
{
    load_setup(result, NULL, true);
    result->ok = nm_program_load_text(result->program, "t.nm", text, strlen(text));
}

static void loaded_free(loaded *result)
{
    nm_program_free(result->program);
    nm_buf_free(&result->messages);
}

static const char *messages(const loaded *result)
{
    return result->messages.data ? result->messages.data : "";
}

static int symbol_index(const nm_machine *machine, const char *text)
{
    for (int s = 0; s < machine->symbol_count; s++)
        if (machine->symbols[s].length == strlen(text)
            && memcmp(machine->symbols[s].text, text, strlen(text)) == 0)
            return s;
    fail_msg("no symbol '%s' in machine '%s'", text, machine->name);
    return -1;
}

static int state_index(const nm_machine *machine, const char *name)
{
    for (int s = 0; s < machine->state_count; s++)
        if (strcmp(machine->states[s].name, name) == 0)
            return s;
    fail_msg("no state '%s' in machine '%s'", name, machine->name);
    return -1;
}

/* The table entry of STATE reading one symbol per tape, each named by one
 * byte of READS: "0_" is 0 on tape 1 and _ on tape 2. */
static size_t entry_of(const nm_machine *machine, const char *state, const char *reads)
{
    uint8_t symbols[TM_MAX_TAPES];
    assert_int_equal(strlen(reads), machine->tapes);
    for (int t = 0; t < machine->tapes; t++) {
        char text[2] = {reads[t], '\0'};
        symbols[t] = (uint8_t)symbol_index(machine, text);
    }
    size_t code = tm_read_code(machine->table, symbols);
    return (size_t)state_index(machine, state) * machine->table->reads + code;
}

static const char increment[] = "machine increment {\n"
                                "    alphabet 0 1 _;\n"
                                "    blank _;\n"
                                "    start scan;\n"
                                "    halt done;\n"
                                "    input \"1011\";\n"
                                "    scan  0 -> 0 R scan;\n"
                                "    scan  1 -> 1 R scan;\n"
                                "    scan  _ -> _ L carry;\n"
                                "    carry 1 -> 0 L carry;\n"
                                "    carry 0 -> 1 S done;\n"
                                "    carry _ -> 1 S done;\n"
                                "}\n";

static void test_symbols_in_order(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, increment);
    assert_true(result.ok);
    assert_int_equal(result.diag.errors, 0);
    assert_int_equal(result.diag.warnings, 0);

    nm_machine *machine = nm_program_find_machine(result.program, "increment");
    assert_non_null(machine);
    assert_string_equal(machine->origin, "nm");
    assert_int_equal(machine->tapes, 1);
    assert_int_equal(machine->symbol_count, 3);
    assert_string_equal(machine->symbols[0].text, "0");
    assert_string_equal(machine->symbols[1].text, "1");
    assert_string_equal(machine->symbols[2].text, "_");
    assert_int_equal(machine->blank, 2);
    loaded_free(&result);
}

static void test_states_in_order(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, increment);
    nm_machine *machine = nm_program_find_machine(result.program, "increment");
    assert_non_null(machine);

    /* The start state first, then states as the transitions name them. */
    assert_int_equal(machine->state_count, 3);
    assert_string_equal(machine->states[0].name, "scan");
    assert_string_equal(machine->states[1].name, "carry");
    assert_string_equal(machine->states[2].name, "done");
    assert_int_equal(machine->start, 0);
    assert_false(machine->states[0].halting);
    assert_false(machine->states[1].halting);
    assert_true(machine->states[2].halting);
    assert_int_equal(machine->states[0].rule_count, 3);
    assert_int_equal(machine->states[1].rule_count, 3);
    assert_int_equal(machine->states[2].rule_count, 0);
    loaded_free(&result);
}

static void test_rules(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, increment);
    nm_machine *machine = nm_program_find_machine(result.program, "increment");
    assert_non_null(machine);

    assert_int_equal(machine->rule_count, 6);
    const nm_rule *carry_zero = &machine->rules[4];
    assert_int_equal(carry_zero->state, 1);
    assert_int_equal(carry_zero->read[0], 0);
    assert_int_equal(carry_zero->write[0], 1);
    assert_int_equal(carry_zero->move[0], 0);
    assert_int_equal(carry_zero->next, 2);
    assert_int_equal(carry_zero->specific, 1);
    assert_int_equal(machine->rules[2].move[0], -1);
    assert_int_equal(machine->rules[0].move[0], 1);
    loaded_free(&result);
}

static void test_table_entries(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, increment);
    nm_machine *machine = nm_program_find_machine(result.program, "increment");
    assert_non_null(machine);
    const tm_table *table = machine->table;
    assert_non_null(table);

    assert_int_equal(table->tapes, 1);
    assert_int_equal(table->symbols, 3);
    assert_int_equal(table->states, 3);
    assert_int_equal(table->reads, 3);
    assert_int_equal(table->start, 0);
    assert_int_equal(table->blank, 2);
    assert_int_equal(table->halting[2], 1);
    assert_int_equal(table->halting[0], 0);

    size_t scan_blank = entry_of(machine, "scan", "_");
    assert_int_equal(table->next[scan_blank], state_index(machine, "carry"));
    assert_int_equal(table->write[scan_blank], symbol_index(machine, "_"));
    assert_int_equal(table->move[scan_blank], -1);

    size_t carry_one = entry_of(machine, "carry", "1");
    assert_int_equal(table->next[carry_one], state_index(machine, "carry"));
    assert_int_equal(table->write[carry_one], symbol_index(machine, "0"));

    /* A halting state has no transitions. */
    assert_int_equal(table->next[entry_of(machine, "done", "0")], TM_UNDEFINED);
    loaded_free(&result);
}

static void test_wildcard_priority(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "machine m { alphabet 0 1 _; blank _; start q; halt done;\n"
                       "  q * -> * R q;\n"
                       "  q 1 -> 0 S done;\n"
                       "}\n");
    assert_true(result.ok);
    nm_machine *machine = nm_program_find_machine(result.program, "m");
    assert_non_null(machine);
    const tm_table *table = machine->table;

    assert_int_equal(machine->rules[0].read[0], NM_ANY);
    assert_int_equal(machine->rules[0].write[0], NM_KEEP);
    assert_int_equal(machine->rules[0].specific, 0);

    /* The specific rule wins for 1, whichever comes first. */
    size_t one = entry_of(machine, "q", "1");
    assert_int_equal(table->next[one], state_index(machine, "done"));
    assert_int_equal(table->write[one], symbol_index(machine, "0"));
    assert_int_equal(table->move[one], 0);

    /* The wildcard covers the rest and keeps the symbol read. */
    size_t zero = entry_of(machine, "q", "0");
    assert_int_equal(table->next[zero], state_index(machine, "q"));
    assert_int_equal(table->write[zero], symbol_index(machine, "0"));
    assert_int_equal(table->move[zero], 1);
    size_t blank = entry_of(machine, "q", "_");
    assert_int_equal(table->write[blank], symbol_index(machine, "_"));
    loaded_free(&result);
}

static const char two_tapes[] = "machine copy { tapes 2; alphabet 0 1 _; blank _; start go;\n"
                                "  halt done;\n"
                                "  go (*, *) -> (*, *) (R, S) go;\n"
                                "  go (0, *) -> (*, 0) (R, R) go;\n"
                                "  go (0, 1) -> (1, *) (L, S) done;\n"
                                "  go (_, *) -> (*, *) (S, S) done;\n"
                                "}\n";

static void test_multitape_table(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, two_tapes);
    assert_true(result.ok);
    nm_machine *machine = nm_program_find_machine(result.program, "copy");
    assert_non_null(machine);
    const tm_table *table = machine->table;
    assert_int_equal(machine->tapes, 2);
    assert_int_equal(table->reads, 9);

    /* Tape 1 varies fastest in a read code. */
    uint8_t reads[2] = {1, 2};
    assert_int_equal(tm_read_code(table, reads), 1 + 2 * 3);

    size_t exact = entry_of(machine, "go", "01");
    assert_int_equal(table->next[exact], state_index(machine, "done"));
    assert_int_equal(table->write[exact * 2], symbol_index(machine, "1"));
    assert_int_equal(table->write[exact * 2 + 1], symbol_index(machine, "1"));
    assert_int_equal(table->move[exact * 2], -1);
    assert_int_equal(table->move[exact * 2 + 1], 0);

    size_t half = entry_of(machine, "go", "0_");
    assert_int_equal(table->next[half], state_index(machine, "go"));
    assert_int_equal(table->write[half * 2], symbol_index(machine, "0"));
    assert_int_equal(table->write[half * 2 + 1], symbol_index(machine, "0"));
    assert_int_equal(table->move[half * 2 + 1], 1);

    size_t any = entry_of(machine, "go", "10");
    assert_int_equal(table->next[any], state_index(machine, "go"));
    assert_int_equal(table->write[any * 2], symbol_index(machine, "1"));
    assert_int_equal(table->write[any * 2 + 1], symbol_index(machine, "0"));
    assert_int_equal(table->move[any * 2], 1);

    size_t blank = entry_of(machine, "go", "_1");
    assert_int_equal(table->next[blank], state_index(machine, "done"));
    loaded_free(&result);
}

static void test_ambiguous_wildcards(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "machine m { tapes 2; alphabet 0 _; blank _; start q; halt h;\n"
                       "  q (0, *) -> (*, *) (S, S) h;\n"
                       "  q (*, 0) -> (*, *) (S, S) h;\n"
                       "}\n");
    assert_false(result.ok);
    assert_int_equal(result.diag.errors, 1);
    assert_null(nm_program_find_machine(result.program, "m"));
    assert_non_null(strstr(messages(&result), "t.nm:3:3: error: two transitions of state 'q' "
                                              "match reading (0, 0)"));
    assert_non_null(strstr(messages(&result), "t.nm:2:3: note: the other transition is here"));
    loaded_free(&result);
}

static void test_input_declaration(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "machine with { alphabet 0 1 _; blank _; start a; halt a; input \"10\"; }\n"
                       "machine without { alphabet 0 1 _; blank _; start a; halt a; }\n");
    assert_true(result.ok);
    nm_machine *with = nm_program_find_machine(result.program, "with");
    nm_machine *without = nm_program_find_machine(result.program, "without");
    assert_non_null(with);
    assert_non_null(without);
    assert_true(with->has_input);
    assert_int_equal(with->input_length, 2);
    assert_memory_equal(with->input, "10", 2);
    assert_false(without->has_input);
    loaded_free(&result);
}

static const char long_symbols[] = "machine m { alphabet a \"ab\" b \"abc\" \xCE\xB1 _; blank _; "
                                   "start q; halt q; }\n";

static void test_input_longest_match(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, long_symbols);
    nm_machine *machine = nm_program_find_machine(result.program, "m");
    assert_non_null(machine);

    uint8_t *symbols = NULL;
    size_t count = 0;
    char *message = NULL;
    assert_true(nm_machine_parse_input(machine, "ababca\xCE\xB1", 8, &symbols, &count, &message));
    assert_int_equal(count, 4);
    assert_int_equal(symbols[0], symbol_index(machine, "ab"));
    assert_int_equal(symbols[1], symbol_index(machine, "abc"));
    assert_int_equal(symbols[2], symbol_index(machine, "a"));
    assert_int_equal(symbols[3], symbol_index(machine, "\xCE\xB1"));
    free(symbols);

    assert_true(nm_machine_parse_input(machine, "", 0, &symbols, &count, &message));
    assert_int_equal(count, 0);
    free(symbols);
    loaded_free(&result);
}

static void test_input_error_position(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, long_symbols);
    nm_machine *machine = nm_program_find_machine(result.program, "m");
    assert_non_null(machine);

    uint8_t *symbols = NULL;
    size_t count = 0;
    char *message = NULL;
    nm_input_error error;
    assert_false(nm_machine_read_input(machine, "ab\xCE\xB2z", 5, &symbols, &count, &message,
                                       &error));
    assert_int_equal(error.offset, 2);
    assert_int_equal(error.length, 2);
    assert_string_equal(message, "invalid input: '\xCE\xB2' at byte 3 is not a symbol of "
                                 "machine 'm' (alphabet: a \"ab\" b \"abc\" \xCE\xB1 _)");
    free(message);
    loaded_free(&result);
}

static void test_input_declaration_checked(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "machine m { alphabet 0 1; blank 0; start a; halt a; input \"012\"; }\n");
    assert_false(result.ok);
    assert_int_equal(result.diag.errors, 1);
    /* The caret is on the character itself. */
    assert_non_null(strstr(messages(&result), "t.nm:1:62: error: invalid input: '2' at byte 3"));
    loaded_free(&result);
}

/* Checks that two machines have the same symbols, states and table.  The
 * states may be numbered differently, so they are matched by name. */
static void assert_same_machine(const nm_machine *a, const nm_machine *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->tapes, b->tapes);
    assert_int_equal(a->symbol_count, b->symbol_count);
    for (int s = 0; s < a->symbol_count; s++) {
        assert_int_equal(a->symbols[s].length, b->symbols[s].length);
        assert_memory_equal(a->symbols[s].text, b->symbols[s].text, a->symbols[s].length);
    }
    assert_int_equal(a->blank, b->blank);
    assert_int_equal(a->has_input, b->has_input);
    assert_int_equal(a->input_length, b->input_length);
    assert_int_equal(a->state_count, b->state_count);
    assert_string_equal(a->states[a->start].name, b->states[b->start].name);

    const tm_table *x = a->table, *y = b->table;
    assert_int_equal(x->reads, y->reads);
    for (int s = 0; s < a->state_count; s++) {
        int other = state_index(b, a->states[s].name);
        assert_int_equal(x->halting[s], y->halting[other]);
        for (size_t code = 0; code < x->reads; code++) {
            size_t entry = (size_t)s * x->reads + code;
            size_t matching = (size_t)other * y->reads + code;
            if (x->next[entry] == TM_UNDEFINED) {
                assert_int_equal(y->next[matching], TM_UNDEFINED);
                continue;
            }
            assert_int_not_equal(y->next[matching], TM_UNDEFINED);
            assert_string_equal(a->states[x->next[entry]].name,
                                b->states[y->next[matching]].name);
            size_t tapes = (size_t)x->tapes;
            assert_memory_equal(x->write + entry * tapes, y->write + matching * tapes, tapes);
            assert_memory_equal(x->move + entry * tapes, y->move + matching * tapes, tapes);
        }
    }
}

/* Prints every machine of TEXT as .nm, checks the printed text again and
 * compares the two. */
static void assert_round_trip(const char *text)
{
    loaded first;
    load_text(&first, text);
    assert_true(first.ok);
    assert_true(first.program->machines.count > 0);

    nm_buf printed;
    nm_buf_init(&printed);
    for (size_t i = 0; i < first.program->machines.count; i++)
        nm_machine_print_nm(first.program->machines.items[i], &printed);

    loaded second;
    load_text(&second, printed.data);
    if (!second.ok)
        fail_msg("the printed machines do not check:\n%s\n%s", printed.data, messages(&second));
    assert_int_equal(second.program->machines.count, first.program->machines.count);
    for (size_t i = 0; i < first.program->machines.count; i++)
        assert_same_machine(first.program->machines.items[i], second.program->machines.items[i]);

    nm_buf_free(&printed);
    loaded_free(&second);
    loaded_free(&first);
}

static void test_print_round_trip(void **state)
{
    (void)state;
    assert_round_trip(increment);
    assert_round_trip(two_tapes);
    assert_round_trip("machine bb = bbchallenge \"1RB1LB_1LA0LC_1RZ1LD_1RD0RA\";\n");
}

static void test_print_round_trip_quoting(void **state)
{
    (void)state;
    /* Symbols and state names that need quotes or escapes when printed. */
    assert_round_trip("machine odd { alphabet \" \" \"ab\" \"*\" \"\\\"\" \"\\t\" \"\\x01\" - = ;\n"
                      "  blank \" \"; start \"two words\"; halt \"machine\" \"0x\";\n"
                      "  input \"ab \\t\";\n"
                      "  \"two words\" \"ab\" -> \"*\" R \"machine\";\n"
                      "  \"two words\" * -> = L \"0x\";\n"
                      "}\n");
}

static void test_print_text(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "machine m { alphabet 0 _; blank _; start q; halt h; q * -> * R h; }\n");
    nm_buf printed;
    nm_buf_init(&printed);
    nm_machine_print_nm(nm_program_find_machine(result.program, "m"), &printed);
    assert_string_equal(printed.data, "machine m {\n"
                                      "    alphabet 0 _;\n"
                                      "    blank _;\n"
                                      "    start q;\n"
                                      "    halt h;\n"
                                      "\n"
                                      "    q * -> * R h;\n"
                                      "}\n");
    nm_buf_free(&printed);
    loaded_free(&result);
}

static void test_bbchallenge_machine(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "machine bb = bbchallenge \"1RB1LB_1LA1RZ\";\n");
    assert_true(result.ok);
    nm_machine *machine = nm_program_find_machine(result.program, "bb");
    assert_non_null(machine);
    assert_string_equal(machine->origin, "bbchallenge");
    assert_int_equal(machine->symbol_count, 2);
    assert_int_equal(machine->blank, symbol_index(machine, "0"));
    assert_int_equal(machine->state_count, 3);
    assert_string_equal(machine->states[machine->start].name, "A");
    assert_true(machine->states[state_index(machine, "Z")].halting);

    size_t b_one = entry_of(machine, "B", "1");
    assert_int_equal(machine->table->next[b_one], state_index(machine, "Z"));
    assert_int_equal(machine->table->move[b_one], 1);
    loaded_free(&result);
}

static void test_errors_give_no_machine(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "machine bad { alphabet 0 _; blank _; start q; q 0 -> 0 R lost; }\n"
                       "machine good { alphabet 0 _; blank _; start q; halt q; }\n");
    assert_false(result.ok);
    assert_int_equal(result.diag.errors, 1);
    assert_null(nm_program_find_machine(result.program, "bad"));
    assert_non_null(nm_program_find_machine(result.program, "good"));
    assert_non_null(nm_program_find_decl(result.program, "bad"));
    assert_non_null(strstr(messages(&result), "t.nm:1:58: error: unknown state 'lost'"));
    loaded_free(&result);
}

static void test_warnings_keep_machine(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "machine m { alphabet 0 _; blank _; start q; halt h;\n"
                       "  q * -> * R q; lost * -> * S h; }\n");
    assert_true(result.ok);
    assert_int_equal(result.diag.errors, 0);
    /* lost and h are never reached, and q never halts. */
    assert_int_equal(result.diag.warnings, 3);
    assert_non_null(nm_program_find_machine(result.program, "m"));
    loaded_free(&result);
}

static void test_state_limit(void **state)
{
    (void)state;
    nm_buf text;
    nm_buf_init(&text);
    nm_buf_puts(&text, "machine big { alphabet 0; blank 0; start s0; halt h;\n");
    for (int s = 0; s < TM_MAX_STATES; s++)
        nm_buf_printf(&text, "s%d 0 -> 0 R s%d;\n", s, s + 1);
    nm_buf_puts(&text, "}\n");

    loaded result;
    load_text(&result, text.data);
    assert_false(result.ok);
    /* Reported once, where the first state past the limit appears. */
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "machine 'big' has more than 65536 states"));
    loaded_free(&result);
    nm_buf_free(&text);
}

static void test_imports_disabled(void **state)
{
    (void)state;
    loaded result;
    load_text(&result, "import \"other.nm\";\nmachine m = morphett \"m.txt\";\n");
    assert_false(result.ok);
    assert_int_equal(result.diag.errors, 2);
    assert_non_null(strstr(messages(&result), "t.nm:1:8: error: imports are disabled here"));
    assert_non_null(strstr(messages(&result), "t.nm:2:22: error: reading files is disabled"));
    loaded_free(&result);
}

static void test_load_file_with_imports(void **state)
{
    (void)state;
    loaded result;
    load_setup(&result, NMC_TEST_DATA_DIR "/data/std", false);
    result.ok = nm_program_load_file(result.program, NMC_TEST_DATA_DIR "/data/main.nm");
    if (!result.ok)
        fail_msg("%s", messages(&result));
    assert_int_equal(result.diag.errors, 0);

    /* Imported files come first, the root file last. */
    assert_int_equal(result.program->files.count, 3);
    assert_int_equal(result.program->machines.count, 3);
    assert_ptr_equal(result.program->files.items[2]->source, result.program->root);
    assert_non_null(nm_program_find_machine(result.program, "from_library"));
    assert_non_null(nm_program_find_machine(result.program, "tiny"));

    nm_machine *roots[4];
    assert_int_equal(nm_program_root_machines(result.program, roots, 4), 1);
    assert_string_equal(roots[0]->name, "main");
    loaded_free(&result);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    loaded result;
    load_setup(&result, NULL, false);
    result.ok = nm_program_load_file(result.program, NMC_TEST_DATA_DIR "/data/no_such_file.nm");
    assert_false(result.ok);
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "nmc: error: cannot open '"));
    assert_non_null(strstr(messages(&result), "No such file or directory"));
    loaded_free(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symbols_in_order),
        cmocka_unit_test(test_states_in_order),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_table_entries),
        cmocka_unit_test(test_wildcard_priority),
        cmocka_unit_test(test_multitape_table),
        cmocka_unit_test(test_ambiguous_wildcards),
        cmocka_unit_test(test_input_declaration),
        cmocka_unit_test(test_input_longest_match),
        cmocka_unit_test(test_input_error_position),
        cmocka_unit_test(test_input_declaration_checked),
        cmocka_unit_test(test_print_round_trip),
        cmocka_unit_test(test_print_round_trip_quoting),
        cmocka_unit_test(test_print_text),
        cmocka_unit_test(test_bbchallenge_machine),
        cmocka_unit_test(test_errors_give_no_machine),
        cmocka_unit_test(test_warnings_keep_machine),
        cmocka_unit_test(test_state_limit),
        cmocka_unit_test(test_imports_disabled),
        cmocka_unit_test(test_load_file_with_imports),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
