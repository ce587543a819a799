/* Tests of the importer of turingmachine.io's YAML: the machine it builds
 * from both document layouts, and its diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "import_fixture.h"

static void import_yaml(nm_fixture *fixture, const char *text)
{
    nm_fixture_import(fixture, NM_FIXTURE_YAML, "test.yaml", text, NULL);
}

static const char *messages_of(const nm_fixture *fixture)
{
    return fixture->messages.data ? fixture->messages.data : "";
}

static void check_binary_increment(nm_fixture *fixture)
{
    assert_non_null(fixture->machine);
    assert_string_equal(messages_of(fixture), "");
    assert_string_equal(fixture->decl->format, "yaml");
    assert_string_equal(nm_fixture_alphabet(fixture), " |0|1");
    assert_string_equal(fixture->machine->symbols[fixture->machine->blank].text, " ");
    assert_string_equal(fixture->machine->states[fixture->machine->start].name, "right");
    assert_int_equal(fixture->machine->state_count, 3);
    assert_string_equal(nm_fixture_halting_states(fixture), "done");
    assert_int_equal(fixture->machine->rule_count, 6);
    assert_string_equal(fixture->machine->input, "1011");

    assert_string_equal(nm_fixture_transition(fixture, "right", "0"), "0 R right");
    assert_string_equal(nm_fixture_transition(fixture, "right", "1"), "1 R right");
    assert_string_equal(nm_fixture_transition(fixture, "right", " "), "  L carry");
    assert_string_equal(nm_fixture_transition(fixture, "carry", "1"), "0 L carry");
    assert_string_equal(nm_fixture_transition(fixture, "carry", "0"), "1 L done");
    assert_string_equal(nm_fixture_transition(fixture, "carry", " "), "1 L done");
    assert_string_equal(nm_fixture_run(fixture, NULL), "done 8 1100 0");
    assert_string_equal(nm_fixture_run(fixture, "111"), "done 8  1000 0");
}

static void test_binary_increment_file(void **state)
{
    (void)state;
    nm_fixture fixture;
    nm_fixture_import_file(&fixture, NM_FIXTURE_YAML, "binary_increment.yaml");
    check_binary_increment(&fixture);
    assert_string_equal(fixture.machine->name, "binary_increment");
    nm_fixture_free(&fixture);
}

static void test_binary_increment_document(void **state)
{
    (void)state;
    nm_fixture fixture;
    nm_fixture_import_file(&fixture, NM_FIXTURE_YAML, "binary_increment_document.yaml");
    check_binary_increment(&fixture);
    nm_fixture_free(&fixture);
}

static void test_binary_addition_files(void **state)
{
    (void)state;
    static const char *const files[] = {"binary_addition.yaml", "binary_addition_document.yaml"};
    for (size_t i = 0; i < 2; i++) {
        nm_fixture fixture;
        nm_fixture_import_file(&fixture, NM_FIXTURE_YAML, files[i]);
        assert_non_null(fixture.machine);
        assert_string_equal(messages_of(&fixture), "");
        assert_int_equal(fixture.machine->rule_count, 15);
        /* The synonym 'finish' is {N: done}. */
        assert_string_equal(nm_fixture_transition(&fixture, "erase", " "), "  S done");
        assert_string_equal(nm_fixture_run(&fixture, NULL), "done 91 10001      9");
        nm_fixture_free(&fixture);
    }
}

static void test_divisible_by_3_files(void **state)
{
    (void)state;
    static const char *const files[] = {"divisible_by_3.yaml", "divisible_by_3_document.yaml"};
    for (size_t i = 0; i < 2; i++) {
        nm_fixture fixture;
        nm_fixture_import_file(&fixture, NM_FIXTURE_YAML, files[i]);
        assert_non_null(fixture.machine);
        assert_string_equal(nm_fixture_halting_states(&fixture), "accept|reject");
        assert_int_equal(fixture.machine->rule_count, 9);
        assert_string_equal(nm_fixture_run(&fixture, NULL), "accept 5 1001  4");
        assert_string_equal(nm_fixture_run(&fixture, "1000"), "reject 5 1000  4");
        assert_string_equal(nm_fixture_run(&fixture, "110"), "accept 4 110  3");
        nm_fixture_free(&fixture);
    }
}

static void test_flow_sequence_keys(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_yaml(&fixture, "blank: ' '\n"
                          "start state: a\n"
                          "table:\n"
                          "  a:\n"
                          "    [0, 1, ' ', x]: {write: y, R: b}\n"
                          "    ? - z\n"
                          "      - w\n"
                          "    : L\n"
                          "  b: {}\n");
    assert_non_null(fixture.machine);
    assert_int_equal(fixture.machine->rule_count, 6);
    assert_string_equal(nm_fixture_alphabet(&fixture), " |0|y|1|x|z|w");
    assert_string_equal(nm_fixture_transition(&fixture, "a", "0"), "y R b");
    assert_string_equal(nm_fixture_transition(&fixture, "a", " "), "y R b");
    assert_string_equal(nm_fixture_transition(&fixture, "a", "x"), "y R b");
    assert_string_equal(nm_fixture_transition(&fixture, "a", "w"), "w L a");
    nm_fixture_free(&fixture);
}

static void test_instruction_forms(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_yaml(&fixture, "blank: 0\n"
                          "start state: 1\n"
                          "synonyms:\n"
                          "  stop: {write: 1, N: 2}\n"
                          "  back: L\n"
                          "table:\n"
                          "  1:\n"
                          "    0: R\n"
                          "    1: N\n"
                          "    2: {L}\n"
                          "    3: {L: ~, write: 4}\n"
                          "    4: {N: 1}\n"
                          "    5: stop\n"
                          "    6: back\n"
                          "    7: {'R': null}\n"
                          "  2:\n");
    assert_non_null(fixture.machine);
    assert_string_equal(messages_of(&fixture), "");
    assert_string_equal(fixture.machine->symbols[fixture.machine->blank].text, "0");
    assert_string_equal(fixture.machine->states[fixture.machine->start].name, "1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "0"), "0 R 1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "1"), "1 S 1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "2"), "2 L 1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "3"), "4 L 1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "4"), "4 S 1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "5"), "1 S 2");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "6"), "6 L 1");
    assert_string_equal(nm_fixture_transition(&fixture, "1", "7"), "7 R 1");
    assert_string_equal(nm_fixture_halting_states(&fixture), "2");
    nm_fixture_free(&fixture);
}

static void test_ignored_keys_and_no_input(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_yaml(&fixture, "name: demo\n"
                          "positions: {a: {x: 1, y: 2}}\n"
                          "blank: '_'\n"
                          "start state: a\n"
                          "table: {a: {_: R}}\n");
    assert_non_null(fixture.machine);
    assert_false(fixture.machine->has_input);
    assert_string_equal(nm_fixture_halting_states(&fixture), "");
    assert_string_equal(nm_fixture_alphabet(&fixture), "_");
    nm_fixture_free(&fixture);
}

static void test_command_line_input_symbols(void **state)
{
    (void)state;
    nm_fixture fixture;
    nm_fixture_import(&fixture, NM_FIXTURE_YAML, "test.yaml",
                      "blank: ' '\nstart state: a\ninput: ab\ntable: {a: {a: R}}\n", "cé a");
    assert_non_null(fixture.machine);
    assert_string_equal(nm_fixture_alphabet(&fixture), " |a|b|c|é");
    assert_string_equal(fixture.machine->input, "ab");
    nm_fixture_free(&fixture);
}

/* The document layout of turingmachine.io: the machine is the block under
 * 'source code', and errors point at lines of the file itself. */
static void test_document_error_location(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_yaml(&fixture, "name: broken\n"
                          "source code: |\n"
                          "  # a comment\n"
                          "  blank: ' '\n"
                          "  start state: é\n"
                          "  table:\n"
                          "    é:\n"
                          "      0: {R: nowhere}\n"
                          "positions:\n"
                          "  é: {x: 1, y: 2}\n");
    assert_null(fixture.decl);
    assert_string_equal(messages_of(&fixture),
                        "test.yaml:8:14: error: undeclared state 'nowhere'; add it to the table "
                        "(with no entries if the machine halts there)\n"
                        "          0: {R: nowhere}\n"
                        "                 ^~~~~~~\n");
    nm_fixture_free(&fixture);
}

static void test_document_syntax_error_location(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_yaml(&fixture, "name: broken\r\n"
                          "source code: |\r\n"
                          "  blank: ' '\r\n"
                          "  start state: a\r\n"
                          "  table:\r\n"
                          "    a: {0: R\r\n"
                          "positions: {}\r\n");
    assert_null(fixture.decl);
    assert_string_equal(nm_fixture_first_message(&fixture),
                        "test.yaml:8:1: error: invalid YAML: did not find expected ',' or '}'");
    nm_fixture_free(&fixture);
}

/* libyaml counts characters, not bytes: the location after 'é' and after a
 * byte order mark must still be right. */
static void test_location_after_multibyte(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_yaml(&fixture, "\xEF\xBB\xBF"
                          "blank: ' '\n"
                          "start state: é\n"
                          "table:\n"
                          "  é: {é: {R: ü}, ü: {L: é}}\n");
    assert_null(fixture.decl);
    assert_string_equal(messages_of(&fixture),
                        "test.yaml:4:14: error: undeclared state 'ü'; add it to the table (with "
                        "no entries if the machine halts there)\n"
                        "      é: {é: {R: ü}, ü: {L: é}}\n"
                        "                 ^\n");
    nm_fixture_free(&fixture);
}

/* Each malformed file and the first diagnostic it gives. */
static const struct {
    const char *text;
    const char *message;
} nm_yaml_errors[] = {
    {"start state: a\ntable: {a: }\n",
     "test.yaml:1:1: error: missing blank symbol; add a top-level key such as blank: ' ' or "
     "blank: 0"},
    {"blank: ''\nstart state: a\ntable: {a: }\n",
     "test.yaml:1:8: error: the blank symbol must be one character, as in blank: ' ' or blank: "
     "0, but '' has 0"},
    {"blank: 10\nstart state: a\ntable: {a: }\n",
     "test.yaml:1:8: error: the blank symbol must be one character, as in blank: ' ' or blank: "
     "0, but '10' has 2"},
    {"blank: [0]\nstart state: a\ntable: {a: }\n",
     "test.yaml:1:8: error: the blank symbol must be one character, as in blank: ' ' or blank: "
     "0, but it is a sequence"},
    {"blank: ' '\ntable: {a: }\n",
     "test.yaml:1:1: error: missing start state; add a top-level key such as 'start state: q0'"},
    {"blank: ' '\nstart state: b\ntable: {a: }\n",
     "test.yaml:2:14: error: start state 'b' is not in the table; add it to the table"},
    {"blank: ' '\nstart state: a\n",
     "test.yaml:1:1: error: missing transition table; add a top-level key 'table' that maps "
     "each state to its instructions"},
    {"blank: ' '\nstart state: a\ntable: [a]\n",
     "test.yaml:3:8: error: the transition table must be a mapping from states to their "
     "instructions, but it is a sequence"},
    {"blank: ' '\nstart state: a\ntable: {a: , [b]: }\n",
     "test.yaml:3:14: error: invalid state name: expected a scalar such as q0, but got a "
     "sequence"},
    {"blank: ' '\nstart state: a\ntable: {a: R}\n",
     "test.yaml:3:12: error: state 'a' must map symbols to instructions, or have no entries to "
     "be a halting state, but it is a scalar"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: {R: a, go: a}}}\n",
     "test.yaml:3:23: error: unknown key 'go' in an instruction; use L, R or N (the move, with "
     "the next state as its value) and optionally write"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: {R: a, L: a}}}\n",
     "test.yaml:3:23: error: this instruction has two moves; keep one of L, R and N"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: {write: 1}}}\n",
     "test.yaml:3:16: error: this instruction has no move; add L, R or N, as in {write: 1, R: "
     "next}"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: {write: 12, R}}}\n",
     "test.yaml:3:24: error: the symbol to write must be one character, as in {write: 1, R}, "
     "but '12' has 2"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: {write: , R}}}\n",
     "test.yaml:3:24: error: the symbol to write is missing; give one character, as in "
     "{write: 1, R}"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: {R: b}}}\n",
     "test.yaml:3:20: error: undeclared state 'b'; add it to the table (with no entries if the "
     "machine halts there)"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: {R: [a]}}}\n",
     "test.yaml:3:20: error: the next state must be a state name, but it is a sequence"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: R, [1, 0]: L}}\n",
     "test.yaml:3:23: error: state 'a' has a second instruction for symbol '0'"},
    {"blank: ' '\nstart state: a\ntable: {a: {01: R}}\n",
     "test.yaml:3:13: error: a symbol must be one character, as in 0: R or [0, 1]: R, but '01' "
     "has 2"},
    {"blank: ' '\nstart state: a\ntable: {a: {[0, [1]]: R}}\n",
     "test.yaml:3:17: error: a symbol must be one character, as in 0: R or [0, 1]: R, but it is "
     "a sequence"},
    {"blank: ' '\nstart state: a\ntable: {a: {[]: R}}\n",
     "test.yaml:3:13: error: empty list of symbols; list at least one, as in [0, 1]: R"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: }}\n",
     "test.yaml:3:16: error: missing instruction; write L, R, N, a synonym, or a mapping such "
     "as {write: 1, R: next}"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: [R]}}\n",
     "test.yaml:3:16: error: a sequence is not an instruction; write L, R, N, a synonym, or a "
     "mapping such as {write: 1, R: next}"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: right}}\n",
     "test.yaml:3:16: error: unknown instruction 'right'; write L, R, N, a synonym, or a "
     "mapping such as {write: 1, R: next}"},
    {"blank: ' '\nstart state: a\nsynonyms: {go: R, again: go}\ntable: {a: {0: again}}\n",
     "test.yaml:3:26: error: unknown instruction 'go'; a synonym is L, R, N or a mapping such "
     "as {write: 1, R: next}, never another synonym"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: {[R]: a}}}\n",
     "test.yaml:3:17: error: invalid key in an instruction: expected L, R, N or write, but got "
     "a sequence"},
    {"blank: ' '\nstart state: a\nsynonyms: [R]\ntable: {a: {0: R}}\n",
     "test.yaml:3:11: error: 'synonyms' must be a mapping from names to instructions, as in "
     "'synonyms: {accept: {R: done}}'"},
    {"blank: ' '\nblank: 0\nstart state: a\ntable: {a: }\n",
     "test.yaml:2:1: error: duplicate key 'blank' in the top-level mapping"},
    {"blank: ' '\nstart state: a\ntable:\n  a:\n  a: {0: R}\n",
     "test.yaml:5:3: error: duplicate key 'a' in the table"},
    {"blank: ' '\nstart state: a\ninput: [1]\ntable: {a: }\n",
     "test.yaml:3:8: error: the input must be a string of symbols, as in input: '1011', but it "
     "is a sequence"},
    {"blank: ' '\nstart state: a\ntable: {a: {0: R}\n",
     "test.yaml:4:1: error: invalid YAML: did not find expected ',' or '}'"},
    {"blank: ' '\n  start state: a\n",
     "test.yaml:2:3: error: invalid YAML: did not find expected key"},
    {"blank: ' '\nstart state: a\ntable: {a: }\n---\nblank: 0\n",
     "test.yaml:5:1: error: a second YAML document starts here; the file must hold one machine, "
     "so remove the '---' line and what follows"},
    {"0 1 1 r 0\n0 _ _ l halt\n",
     "test.yaml:1:1: error: the top level must be a mapping with the keys blank, start state "
     "and table, but it is a scalar; is this file in another format?"},
    {"# only a comment\n",
     "test.yaml:1:1: error: no machine found: the YAML document is empty; a machine needs the "
     "keys blank, start state and table"},
    {"", "test.yaml:1:1: error: no machine found: the YAML document is empty; a machine needs the "
         "keys blank, start state and table"},
    {"blank: ' '\nstate: \x01\n",
     "test.yaml:2:8: error: invalid YAML text: control characters are not allowed; the file "
     "must be UTF-8 without control characters"},
    {"blank: '\xff'\n",
     "test.yaml:1:9: error: invalid YAML text: invalid leading UTF-8 octet; the file must be "
     "UTF-8 without control characters"},
    {"name: x\nsource code: 'blank: 0'\n",
     "test.yaml:2:14: error: 'source code' must be a literal block scalar: write 'source code: "
     "|' and the machine on the indented lines below it"},
    {"name: x\nname: y\nsource code: |\n  blank: 0\n  start state: a\n  table: {a: }\n",
     "test.yaml:2:1: error: duplicate key 'name' in the top-level mapping"},
    {"name: x\nsource code: |\npositions: {}\n",
     "test.yaml:2:1: error: no machine found: the YAML document is empty; a machine needs the "
     "keys blank, start state and table"},
};

static void test_malformed_documents(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nm_yaml_errors / sizeof *nm_yaml_errors; i++) {
        nm_fixture fixture;
        import_yaml(&fixture, nm_yaml_errors[i].text);
        assert_null(fixture.decl);
        assert_true(fixture.diag.errors > 0);
        assert_string_equal(nm_fixture_first_message(&fixture), nm_yaml_errors[i].message);
        nm_fixture_free(&fixture);
    }
}

static void test_duplicate_key_note(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_yaml(&fixture, "blank: ' '\nstart state: a\ntable: {a: {0: {R: a, R: a}}}\n");
    assert_null(fixture.decl);
    assert_string_equal(messages_of(&fixture),
                        "test.yaml:3:23: error: duplicate key 'R' in an instruction\n"
                        "    table: {a: {0: {R: a, R: a}}}\n"
                        "                          ^\n"
                        "test.yaml:3:17: note: first defined here\n"
                        "    table: {a: {0: {R: a, R: a}}}\n"
                        "                    ^\n"
                        "test.yaml:3:23: error: this instruction has two moves; keep one of L, R "
                        "and N\n"
                        "    table: {a: {0: {R: a, R: a}}}\n"
                        "                          ^\n"
                        "test.yaml:3:17: note: the other move is here\n"
                        "    table: {a: {0: {R: a, R: a}}}\n"
                        "                    ^\n");
    nm_fixture_free(&fixture);
}

static void test_every_error_reported(void **state)
{
    (void)state;
    nm_fixture fixture;
    import_yaml(&fixture, "blank: ' '\n"
                          "start state: a\n"
                          "table:\n"
                          "  a:\n"
                          "    0: {R: x}\n"
                          "    1: {L: y}\n"
                          "    2: jump\n");
    assert_null(fixture.decl);
    assert_int_equal(fixture.diag.errors, 3);
    nm_fixture_free(&fixture);
}

static void test_nul_byte_located(void **state)
{
    (void)state;
    static const char text[] = "blank: ' '\nstart state: a\ntable: {a: {0: R}, b\0: }\n";
    nm_fixture fixture;
    nm_fixture_import_bytes(&fixture, NM_FIXTURE_YAML, "test.yaml", text, sizeof text - 1, NULL);
    assert_null(fixture.decl);
    assert_string_equal(nm_fixture_first_message(&fixture),
                        "test.yaml:3:21: error: invalid YAML text: control characters are not "
                        "allowed; the file must be UTF-8 without control characters");
    nm_fixture_free(&fixture);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_increment_file),
        cmocka_unit_test(test_binary_increment_document),
        cmocka_unit_test(test_binary_addition_files),
        cmocka_unit_test(test_divisible_by_3_files),
        cmocka_unit_test(test_flow_sequence_keys),
        cmocka_unit_test(test_instruction_forms),
        cmocka_unit_test(test_ignored_keys_and_no_input),
        cmocka_unit_test(test_command_line_input_symbols),
        cmocka_unit_test(test_document_error_location),
        cmocka_unit_test(test_document_syntax_error_location),
        cmocka_unit_test(test_location_after_multibyte),
        cmocka_unit_test(test_malformed_documents),
        cmocka_unit_test(test_duplicate_key_note),
        cmocka_unit_test(test_every_error_reported),
        cmocka_unit_test(test_nul_byte_located),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
