/* Tests of the importer of Anthony Morphett's simulator format: the machine
 * it builds, the copies of '*' state rules, and its diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "import_fixture.h"

static void import_morphett(nm_fixture *fixture, const char *text)
{
    nm_fixture_import(fixture, NM_FIXTURE_MORPHETT, "test.txt", text, NULL);
}

static void test_binary_increment_file(void **state)
{
    (void)state;
    nm_fixture fixture;
    nm_fixture_import_file(&fixture, NM_FIXTURE_MORPHETT, "binary_increment.txt");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.messages.data ? fixture.messages.data : "", "");
    assert_string_equal(fixture.decl->format, "morphett");
    assert_string_equal(fixture.machine->name, "binary_increment");
    assert_string_equal(nm_fixture_alphabet(&fixture), "_|1|0");
    assert_string_equal(fixture.machine->symbols[fixture.machine->blank].text, "_");
    assert_string_equal(fixture.machine->states[fixture.machine->start].name, "0");
    assert_int_equal(fixture.machine->state_count, 3);
    assert_string_equal(nm_fixture_halting_states(&fixture), "halt");
    assert_int_equal(fixture.machine->rule_count, 4);
    assert_true(fixture.machine->has_input);
    assert_string_equal(fixture.machine->input, "1011");

    assert_string_equal(nm_fixture_transition(&fixture, "0", "_"), "_ L 1");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "1"), "1 R 0");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "0"), "0 R 0");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "1"), "0 L 1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "0"), "1 S halt");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "_"), "1 S halt");
    assert_string_equal(nm_fixture_run(&fixture, NULL), "halt 8 1100 1");
    assert_string_equal(nm_fixture_run(&fixture, "111"), "halt 8 1000 0");
    nm_fixture_free(&fixture);
}

static void test_palindrome_file(void **state)
{
    (void)state;
    nm_fixture fixture;
    nm_fixture_import_file(&fixture, NM_FIXTURE_MORPHETT, "palindrome.txt");
    assert_non_null(fixture.machine);
    assert_string_equal(nm_fixture_halting_states(&fixture), "halt-reject|halt-accept");
    /* 12 rules of named states and 3 copies of '* _ _ * halt-accept'. */
    assert_int_equal(fixture.machine->rule_count, 15);
    assert_string_equal(nm_fixture_run(&fixture, NULL), "halt-accept 36 _ 0");
    assert_string_equal(nm_fixture_run(&fixture, "0110"), "halt-accept 15 _ 0");
    assert_string_equal(nm_fixture_run(&fixture, "0111"), "halt-reject 6 111 2");
    assert_string_equal(nm_fixture_run(&fixture, ""), "halt-accept 1 _ 0");
    nm_fixture_free(&fixture);
}

static void test_binary_addition_file(void **state)
{
    (void)state;
    nm_fixture fixture;
    nm_fixture_import_file(&fixture, NM_FIXTURE_MORPHETT, "binary_addition.txt");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.messages.data ? fixture.messages.data : "", "");
    assert_string_equal(fixture.machine->input, "1011_110");
    assert_int_equal(fixture.machine->rule_count, 13);
    assert_string_equal(nm_fixture_transition(&fixture, "0", "1"), "1 R 0");
    assert_string_equal(nm_fixture_run(&fixture, NULL), "halt 91 10001_____ 9");
    nm_fixture_free(&fixture);
}

/* Morphett's simulator tries (state, symbol), (state, *), (*, symbol) and
 * (*, *) in this order; each write names the rule that was chosen. */
static void test_wildcard_priority(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 1 a r 1\n"
                              "0 * b r 2\n"
                              "1 1 g r 3\n"
                              "2 * h r 0\n"
                              "* 1 c r *\n"
                              "* 0 f r *\n"
                              "* * d r *\n");
    assert_non_null(fixture.machine);

    /* State 0 has (0, *), so no '*' state rule applies to it. */
    assert_string_equal(nm_fixture_transition(&fixture, "0", "1"), "a R 1");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "0"), "b R 2");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "_"), "b R 2");
    /* State 1 has only (1, 1): (*, 0) comes before (*, *). */
    assert_string_equal(nm_fixture_transition(&fixture, "1", "1"), "g R 3");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "0"), "f R 1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "_"), "d R 1");
    /* State 2 has (2, *), which comes before every '*' state rule. */
    assert_string_equal(nm_fixture_transition(&fixture, "2", "1"), "h R 0");
    assert_string_equal(nm_fixture_transition(&fixture, "2", "0"), "h R 0");
    /* State 3 has no rule of its own. */
    assert_string_equal(nm_fixture_transition(&fixture, "3", "1"), "c R 3");
    assert_string_equal(nm_fixture_transition(&fixture, "3", "0"), "f R 3");
    assert_string_equal(nm_fixture_transition(&fixture, "3", "_"), "d R 3");

    /* 4 rules of named states, (*, 1) for state 3, (*, 0) and (*, *) for
     * states 1 and 3. */
    assert_int_equal(fixture.machine->rule_count, 9);
    nm_fixture_free(&fixture);
}

static void test_wildcard_state_only(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "* 1 0 r *\n* _ _ * halt\n");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.machine->states[fixture.machine->start].name, "0");
    assert_int_equal(fixture.machine->state_count, 2);
    assert_string_equal(nm_fixture_transition(&fixture, "0", "1"), "0 R 0");
    assert_string_equal(nm_fixture_run(&fixture, "111"), "halt 4 000_ 3");
    nm_fixture_free(&fixture);
}

static void test_wildcard_skips_halting_states(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 1 1 r HALT-accept\n* * * l *\n");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.messages.data ? fixture.messages.data : "", "");
    assert_string_equal(nm_fixture_halting_states(&fixture), "HALT-accept");
    assert_int_equal(fixture.machine->rule_count, 2);
    assert_string_equal(nm_fixture_transition(&fixture, "0", "_"), "_ L 0");
    nm_fixture_free(&fixture);
}

static void test_halting_state_rule_ignored(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 1 1 r halt\nhalt 1 0 l 0\n");
    assert_non_null(fixture.machine);
    assert_string_equal(
        fixture.messages.data,
        "test.txt:2:1: warning: rule for halting state 'halt' is ignored: Morphett's simulator "
        "stops in every state whose name begins with 'halt'\n"
        "    halt 1 0 l 0\n"
        "    ^~~~\n");
    assert_int_equal(fixture.machine->rule_count, 1);
    assert_string_equal(nm_fixture_halting_states(&fixture), "halt");
    nm_fixture_free(&fixture);
}

static void test_duplicate_rule_keeps_later(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 1 1 r 0\n0 1 0 l 0\n");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.messages.data,
                        "test.txt:2:1: warning: second rule for state '0' and symbol '1'; like "
                        "Morphett's simulator, nmc uses this later rule\n"
                        "    0 1 0 l 0\n"
                        "    ^~~~~~~~~\n"
                        "test.txt:1:1: note: the earlier rule, now ignored, is here\n"
                        "    0 1 1 r 0\n"
                        "    ^~~~~~~~~\n");
    assert_int_equal(fixture.diag.warnings, 1);
    assert_int_equal(fixture.machine->rule_count, 1);
    assert_string_equal(nm_fixture_transition(&fixture, "0", "1"), "0 L 0");
    nm_fixture_free(&fixture);
}

static void test_breakpoint_and_comments(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "; a comment line\n"
                              "\n"
                              "   ;indented comment\n"
                              "0\t1  1 R 0 ! ; a breakpoint and a comment\n"
                              "0 _ _ * halt;no space before the comment\r\n");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.messages.data ? fixture.messages.data : "", "");
    assert_int_equal(fixture.machine->rule_count, 2);
    assert_false(fixture.machine->has_input);
    assert_string_equal(nm_fixture_transition(&fixture, "0", "1"), "1 R 0");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "_"), "_ S halt");
    nm_fixture_free(&fixture);
}

static void test_directions_any_case(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 a b L 0\n0 b c l 0\n0 c d R 0\n0 d e r 0\n0 e f * 0\n");
    assert_non_null(fixture.machine);
    assert_string_equal(nm_fixture_transition(&fixture, "0", "a"), "b L 0");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "b"), "c L 0");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "c"), "d R 0");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "d"), "e R 0");
    assert_string_equal(nm_fixture_transition(&fixture, "0", "e"), "f S 0");
    nm_fixture_free(&fixture);
}

static void test_initial_tape_blanks(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "; $INITIAL_TAPE: 1 x  \n0 1 1 r 0\n");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.machine->input, "1_x");
    assert_string_equal(nm_fixture_alphabet(&fixture), "_|1|x");
    nm_fixture_free(&fixture);
}

static void test_initial_tape_without_colon(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 1 1 r 0 ; the input: $INITIAL_TAPE 10\n");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.machine->input, "10");
    nm_fixture_free(&fixture);
}

static void test_initial_tape_twice(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "; $INITIAL_TAPE: 1\n; $INITIAL_TAPE: 11\n0 1 1 r 0\n");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.machine->input, "1");
    assert_string_equal(nm_fixture_first_message(&fixture),
                        "test.txt:2:18: warning: a second $INITIAL_TAPE is ignored; the first "
                        "one gives the input");
    nm_fixture_free(&fixture);
}

static void test_command_line_input_symbols(void **state)
{
    (void)state;
    nm_fixture fixture;
    nm_fixture_import(&fixture, NM_FIXTURE_MORPHETT, "test.txt", "0 1 1 r 0\n", "1 yé");
    assert_non_null(fixture.machine);
    assert_string_equal(nm_fixture_alphabet(&fixture), "_|1|y|é");
    nm_fixture_free(&fixture);
}

static void test_state_without_rules_halts(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 1 1 r accept\n");
    assert_non_null(fixture.machine);
    assert_string_equal(fixture.messages.data,
                        "test.txt:1:9: warning: state 'accept' has no rules, so the machine stops "
                        "when it enters it; it is imported as a halting state (Morphett's halting "
                        "states begin with 'halt')\n"
                        "    0 1 1 r accept\n"
                        "            ^~~~~~\n");
    assert_string_equal(nm_fixture_halting_states(&fixture), "accept");
    nm_fixture_free(&fixture);
}

static void test_no_halting_state(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 1 0 r 0\n");
    assert_non_null(fixture.machine);
    assert_string_equal(nm_fixture_halting_states(&fixture), "");
    assert_string_equal(nm_fixture_run(&fixture, "11"), "0 2 00_ 2");
    nm_fixture_free(&fixture);
}

/* Each malformed file and the first diagnostic it gives. */
static const struct {
    const char *text;
    const char *message;
} nm_morphett_errors[] = {
    {"0\n", "test.txt:1:2: error: incomplete rule: the current symbol is missing; a rule reads "
            "<state> <symbol> <new symbol> <direction> <new state>, as in '0 1 0 r 1'"},
    {"0 1 1 r\n", "test.txt:1:8: error: incomplete rule: the new state is missing; a rule reads "
                  "<state> <symbol> <new symbol> <direction> <new state>, as in '0 1 0 r 1'"},
    {"0 10 1 r 0\n", "test.txt:1:3: error: invalid current symbol '10': symbols in Morphett's "
                     "format are single characters, with _ for the blank"},
    {"0 1 ab r 0\n", "test.txt:1:5: error: invalid new symbol 'ab': symbols in Morphett's format "
                     "are single characters, with _ for the blank"},
    {"0 1 1 x 0\n", "test.txt:1:7: error: invalid direction 'x'; use l (left), r (right) or * "
                    "(stay)"},
    {"0 1 1 left 0\n", "test.txt:1:7: error: invalid direction 'left'; use l (left), r (right) "
                       "or * (stay)"},
    {"0 1 1 r 0 stop\n", "test.txt:1:11: error: unexpected 'stop' after the new state; only '!' "
                         "(a breakpoint) may follow it"},
    {"0 1 1 r 0 ! !\n", "test.txt:1:13: error: too many entries in this rule; a rule has 5 "
                        "entries and an optional '!' (a breakpoint)"},
    {"; only a comment\n", "test.txt:1:1: error: no rules found; Morphett's format has one rule "
                           "per line: <state> <symbol> <new symbol> <direction> <new state>, as "
                           "in '0 1 0 r 1'"},
    {"", "test.txt:1:1: error: no rules found; Morphett's format has one rule per line: <state> "
         "<symbol> <new symbol> <direction> <new state>, as in '0 1 0 r 1'"},
    {"start 1 1 r start\n", "test.txt:1:1: error: no rule uses state 0, the state where "
                            "Morphett's simulator starts; write the first rules for state 0, as "
                            "in '0 1 1 r 0'"},
};

static void test_malformed_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nm_morphett_errors / sizeof *nm_morphett_errors; i++) {
        nm_fixture fixture;
        import_morphett(&fixture, nm_morphett_errors[i].text);
        assert_null(fixture.decl);
        assert_true(fixture.diag.errors > 0);
        assert_string_equal(nm_fixture_first_message(&fixture), nm_morphett_errors[i].message);
        nm_fixture_free(&fixture);
    }
}

static void test_every_bad_line_reported(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_morphett(&fixture, "0 1 1 r 0\n0 11 1 r 0\n0 1 1 up 0\n0 1\n");
    assert_null(fixture.decl);
    assert_int_equal(fixture.diag.errors, 3);
    nm_fixture_free(&fixture);
}

static void test_binary_bytes_no_crash(void **state)
{
    (void)state;
    static const char text[] = "0 \xff 1 r 0\n\x01\x02 \x03\n0 1 \xc3\xa9 r \xe2\n";
    nm_fixture fixture;
    import_morphett(&fixture, text);
    assert_null(fixture.decl);
    assert_string_equal(nm_fixture_first_message(&fixture),
                        "test.txt:2:5: error: incomplete rule: the new symbol is missing; a rule "
                        "reads <state> <symbol> <new symbol> <direction> <new state>, as in "
                        "'0 1 0 r 1'");
    nm_fixture_free(&fixture);
}

static void test_nul_byte_located(void **state)
{
    (void)state;
    static const char text[] = "0 1 1 r a\0b\n";
    nm_fixture fixture;
    nm_fixture_import_bytes(&fixture, NM_FIXTURE_MORPHETT, "test.txt", text, sizeof text - 1,
                            NULL);
    assert_null(fixture.machine);
    assert_true(fixture.diag.errors > 0);
    /* The excerpt of the line contains the NUL byte, so strstr would stop there. */
    static const char expected[] = "test.txt:1:9: error: a state name cannot contain a NUL "
                                   "character";
    assert_non_null(memmem(fixture.messages.data, fixture.messages.length, expected,
                           sizeof expected - 1));
    nm_fixture_free(&fixture);
}

static void test_wildcard_copy_limit(void **state)
{
    (void)state;
    nm_buf text;
    nm_buf_init(&text);
    for (int i = 0; i < 300; i++)
        nm_buf_printf(&text, "%d 0 0 r %d\n", i, i + 1);
    /* 250 distinct symbols read: the characters from U+0100 on, in UTF-8. */
    for (int i = 0; i < 250; i++) {
        int code = 0x100 + i;
        nm_buf_printf(&text, "* %c%c 0 r *\n", 0xC0 | (code >> 6), 0x80 | (code & 0x3F));
    }
    nm_fixture fixture;
    import_morphett(&fixture, text.data);
    assert_null(fixture.decl);
    assert_string_equal(nm_fixture_first_message(&fixture),
                        "test.txt:1:1: error: 250 '*' state rules for 301 states exceed the limit "
                        "of 65536 copies of '*' state rules; use fewer '*' state rules or fewer "
                        "states");
    nm_fixture_free(&fixture);
    nm_buf_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_increment_file),
        cmocka_unit_test(test_palindrome_file),
        cmocka_unit_test(test_binary_addition_file),
        cmocka_unit_test(test_wildcard_priority),
        cmocka_unit_test(test_wildcard_state_only),
        cmocka_unit_test(test_wildcard_skips_halting_states),
        cmocka_unit_test(test_halting_state_rule_ignored),
        cmocka_unit_test(test_duplicate_rule_keeps_later),
        cmocka_unit_test(test_breakpoint_and_comments),
        cmocka_unit_test(test_directions_any_case),
        cmocka_unit_test(test_initial_tape_blanks),
        cmocka_unit_test(test_initial_tape_without_colon),
        cmocka_unit_test(test_initial_tape_twice),
        cmocka_unit_test(test_command_line_input_symbols),
        cmocka_unit_test(test_state_without_rules_halts),
        cmocka_unit_test(test_no_halting_state),
        cmocka_unit_test(test_malformed_rules),
        cmocka_unit_test(test_every_bad_line_reported),
        cmocka_unit_test(test_binary_bytes_no_crash),
        cmocka_unit_test(test_nul_byte_located),
        cmocka_unit_test(test_wildcard_copy_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
