/* Unit tests of the scanner and parser: small texts go through
 * nm_parse_source, and the tests inspect the syntax tree (atoms, kinds,
 * tuples, locations) and the diagnostics, captured into a buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "parse.h"

typedef struct parsed {
    nm_arena arena;
    nm_diag diag;
    nm_buf messages;
    nm_source *source;
    nm_file *file;
} parsed;

static void parse_bytes(parsed *result, const char *text, size_t length)
{
    nm_arena_init(&result->arena);
    nm_buf_init(&result->messages);
    nm_diag_init(&result->diag, NULL);
    result->diag.capture = &result->messages;
    result->source = nm_source_from_text("t.nm", text, length);
    result->file = nm_parse_source(&result->arena, &result->diag, result->source);
}

static void parse_text(parsed *result, const char *text)
{
    parse_bytes(result, text, strlen(text));
}

static void parsed_free(parsed *result)
{
    nm_buf_free(&result->messages);
    nm_source_free(result->source);
    nm_arena_free(&result->arena);
}

static const char *messages(const parsed *result)
{
    return result->messages.data ? result->messages.data : "";
}

static size_t count_decls(const nm_file *file)
{
    size_t count = 0;
    for (const nm_decl *decl = file->decls; decl; decl = decl->next)
        count++;
    return count;
}

static size_t count_items(const nm_decl *decl)
{
    size_t count = 0;
    for (const nm_item *item = decl->items; item; item = item->next_item)
        count++;
    return count;
}

static const nm_item *item_at(const nm_decl *decl, size_t index)
{
    const nm_item *item = decl->items;
    for (size_t i = 0; i < index && item; i++)
        item = item->next_item;
    return item;
}

static void assert_position(const nm_source *source, nm_loc loc, uint32_t line, uint32_t column)
{
    uint32_t actual_line, actual_column;
    nm_source_position(source, loc.offset, &actual_line, &actual_column);
    assert_int_equal(actual_line, line);
    assert_int_equal(actual_column, column);
}

static void test_empty_file(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "  // only a comment\n/* and a block\ncomment */\n");
    assert_null(result.file->decls);
    assert_int_equal(result.diag.errors, 0);
    assert_string_equal(messages(&result), "");
    parsed_free(&result);
}

static void test_transition_atoms(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m {\n    scan 0 -> 1 R done;\n}\n");
    assert_int_equal(result.diag.errors, 0);
    assert_int_equal(count_decls(result.file), 1);

    const nm_decl *decl = result.file->decls;
    assert_int_equal(decl->kind, NM_DECL_MACHINE);
    assert_string_equal(decl->name, "m");
    assert_false(decl->imported);
    assert_false(decl->syntax_errors);
    assert_int_equal(count_items(decl), 1);

    const nm_item *item = decl->items;
    assert_int_equal(item->kind, NM_ITEM_TRANSITION);
    assert_int_equal(item->head.kind, NM_ATOM_NAME);
    assert_string_equal(item->head.text, "scan");
    assert_int_equal(item->reads.count, 1);
    assert_false(item->reads.tuple);
    assert_int_equal(item->reads.items[0].kind, NM_ATOM_INT);
    assert_string_equal(item->reads.items[0].text, "0");
    assert_int_equal(item->writes.items[0].kind, NM_ATOM_INT);
    assert_string_equal(item->writes.items[0].text, "1");
    assert_int_equal(item->moves.count, 1);
    assert_string_equal(item->moves.items[0].text, "R");
    assert_int_equal(item->next.kind, NM_ATOM_NAME);
    assert_string_equal(item->next.text, "done");
    parsed_free(&result);
}

static void test_atom_kinds(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m { alphabet a 7 # \xCE\xB1 \"x y\" - = * _; }");
    assert_int_equal(result.diag.errors, 0);

    const nm_item *item = result.file->decls->items;
    assert_int_equal(item->kind, NM_ITEM_DIRECTIVE);
    assert_string_equal(item->head.text, "alphabet");
    assert_int_equal(item->args.count, 9);
    const nm_atom *args = item->args.items;
    assert_int_equal(args[0].kind, NM_ATOM_NAME);
    assert_int_equal(args[1].kind, NM_ATOM_INT);
    assert_int_equal(args[2].kind, NM_ATOM_CHAR);
    assert_string_equal(args[2].text, "#");
    assert_int_equal(args[3].kind, NM_ATOM_CHAR);
    assert_string_equal(args[3].text, "\xCE\xB1");
    assert_int_equal(args[3].length, 2);
    assert_int_equal(args[4].kind, NM_ATOM_STRING);
    assert_string_equal(args[4].text, "x y");
    assert_int_equal(args[5].kind, NM_ATOM_CHAR);
    assert_string_equal(args[5].text, "-");
    assert_int_equal(args[6].kind, NM_ATOM_CHAR);
    assert_string_equal(args[6].text, "=");
    assert_int_equal(args[7].kind, NM_ATOM_STAR);
    assert_int_equal(args[8].kind, NM_ATOM_NAME);
    assert_string_equal(args[8].text, "_");
    parsed_free(&result);
}

static void test_string_escapes(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m { input \"\\x41\\n\\t\\\\\\\"\\x00z\"; }");
    assert_int_equal(result.diag.errors, 0);

    const nm_atom *atom = &result.file->decls->items->args.items[0];
    assert_int_equal(atom->kind, NM_ATOM_STRING);
    assert_false(atom->invalid);
    assert_int_equal(atom->length, 7);
    assert_memory_equal(atom->text, "A\n\t\\\"\0z", 7);
    /* The location covers the literal as written, quotes included. */
    assert_int_equal(atom->loc.length, 19);
    parsed_free(&result);
}

static void test_tuples(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m { go (0, _) -> (*, 1) (R, L) go; }");
    assert_int_equal(result.diag.errors, 0);

    const nm_item *item = result.file->decls->items;
    assert_int_equal(item->kind, NM_ITEM_TRANSITION);
    assert_true(item->reads.tuple);
    assert_int_equal(item->reads.count, 2);
    assert_string_equal(item->reads.items[1].text, "_");
    assert_true(item->writes.tuple);
    assert_int_equal(item->writes.items[0].kind, NM_ATOM_STAR);
    assert_true(item->moves.tuple);
    assert_string_equal(item->moves.items[1].text, "L");
    /* A tuple's location includes its parentheses. */
    assert_int_equal(item->reads.loc.offset, 15);
    assert_int_equal(item->reads.loc.length, 6);
    parsed_free(&result);
}

static void test_locations(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m {\n  \xCE\xB1 0 -> 1 R done;\n\tblank _;\n}\n");
    assert_int_equal(result.diag.errors, 0);

    const nm_decl *decl = result.file->decls;
    assert_position(result.source, decl->loc, 1, 1);
    assert_position(result.source, decl->name_loc, 1, 9);
    assert_position(result.source, decl->body_end, 4, 1);

    const nm_item *transition = decl->items;
    assert_position(result.source, transition->loc, 2, 3);
    /* Columns count characters: the two bytes of alpha are one column. */
    assert_position(result.source, transition->reads.items[0].loc, 2, 5);
    assert_position(result.source, transition->next.loc, 2, 14);
    assert_int_equal(transition->next.loc.length, 4);
    /* The item runs to its ';'. */
    assert_int_equal(transition->loc.length, strlen("\xCE\xB1 0 -> 1 R done;"));

    const nm_item *blank = transition->next_item;
    assert_position(result.source, blank->head.loc, 3, 2);
    assert_position(result.source, blank->args.items[0].loc, 3, 8);
    parsed_free(&result);
}

static void test_other_declarations(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "import \"std/busy_beavers\";\n"
                        "machine bb = bbchallenge \"1RB1LB_1LA1RZ\";\n"
                        "model net = ntm { memory 128 x 20; rate -1e-4 .. 2; }\n"
                        "train net on copy(8, 2) { steps 10; }\n");
    assert_int_equal(result.diag.errors, 0);
    assert_int_equal(count_decls(result.file), 4);

    const nm_decl *import = result.file->decls;
    assert_int_equal(import->kind, NM_DECL_IMPORT);
    assert_string_equal(import->name, "std/busy_beavers");

    const nm_decl *bb = import->next;
    assert_int_equal(bb->kind, NM_DECL_MACHINE);
    assert_true(bb->imported);
    assert_string_equal(bb->format, "bbchallenge");
    assert_string_equal(bb->text, "1RB1LB_1LA1RZ");
    assert_int_equal(bb->text_length, 13);

    const nm_decl *model = bb->next;
    assert_int_equal(model->kind, NM_DECL_MODEL);
    assert_string_equal(model->kind_name, "ntm");
    assert_string_equal(model->options->name, "memory");
    assert_int_equal(model->options->values.count, 3);
    const nm_option *rate = model->options->next;
    assert_int_equal(rate->values.items[0]->kind, NM_VALUE_RANGE);
    assert_string_equal(rate->values.items[0]->low->text, "-1e-4");

    const nm_decl *train = model->next;
    assert_int_equal(train->kind, NM_DECL_TRAIN);
    assert_string_equal(train->name, "net");
    assert_int_equal(train->task->kind, NM_VALUE_CALL);
    assert_int_equal(train->task->arg_count, 2);
    parsed_free(&result);
}

static void test_recovery_keeps_next_machine(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine a {\n  q 0 -> -> 1 R q;\n  q 1 -> 1 R q;\n}\n"
                        "machine b {\n  p 0 -> 1 R p;\n}\n");
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "t.nm:2:10: error: unexpected '->'"));
    assert_int_equal(count_decls(result.file), 2);

    const nm_decl *first = result.file->decls;
    assert_true(first->syntax_errors);
    /* The broken transition is dropped; the one after it is kept. */
    assert_int_equal(count_items(first), 1);
    assert_string_equal(first->items->reads.items[0].text, "1");

    const nm_decl *second = first->next;
    assert_string_equal(second->name, "b");
    assert_false(second->syntax_errors);
    assert_int_equal(count_items(second), 1);
    parsed_free(&result);
}

static void test_several_errors_reported(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine a { q 0 -> 1 R; }\nmachine 5 { }\nmachine c { q ( -> ; }\n");
    assert_int_equal(result.diag.errors, 3);
    assert_non_null(strstr(messages(&result), "t.nm:1:23: error: incomplete transition"));
    assert_non_null(strstr(messages(&result), "t.nm:2:9: error: unexpected integer '5'"));
    assert_non_null(strstr(messages(&result), "t.nm:3:17: error: unexpected '->'"));
    parsed_free(&result);
}

static void test_missing_semicolon_splits(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m {\n  alphabet 0 1 _\n  blank _;\n}\n");
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result),
                           "t.nm:2:17: error: missing ';' at the end of this line"));

    const nm_decl *decl = result.file->decls;
    assert_int_equal(count_items(decl), 2);
    const nm_item *alphabet = item_at(decl, 0);
    const nm_item *blank = item_at(decl, 1);
    assert_string_equal(alphabet->head.text, "alphabet");
    assert_int_equal(alphabet->args.count, 3);
    assert_string_equal(blank->head.text, "blank");
    assert_int_equal(blank->args.count, 1);
    assert_string_equal(blank->args.items[0].text, "_");
    parsed_free(&result);
}

static void test_missing_semicolon_last_item(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m {\n  q 0 -> 1 R q\n}\n");
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "t.nm:2:15: error: missing ';' at the end"));
    /* The transition is kept. */
    assert_int_equal(count_items(result.file->decls), 1);
    assert_int_equal(result.file->decls->items->kind, NM_ITEM_TRANSITION);
    parsed_free(&result);
}

static void test_missing_brace_before_machine(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine a {\n  q 0 -> 1 R q;\n\nmachine b {\n  p 0 -> 1 R p;\n}\n");
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result),
                           "t.nm:2:16: error: missing '}' at the end of machine 'a'"));
    assert_non_null(strstr(messages(&result),
                           "t.nm:1:11: note: the body of machine 'a' opens here"));
    assert_int_equal(count_decls(result.file), 2);
    assert_int_equal(count_items(result.file->decls), 1);
    assert_true(result.file->decls->syntax_errors);
    assert_false(result.file->decls->next->syntax_errors);
    parsed_free(&result);
}

static void test_missing_brace_at_end(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine a {\n  q 0 -> 1 R q;\n");
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "t.nm:2:16: error: missing '}'"));
    assert_int_equal(count_decls(result.file), 1);
    assert_int_equal(count_items(result.file->decls), 1);
    parsed_free(&result);
}

static void test_unterminated_string(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m {\n  input \"10;\n}\n");
    /* The ';' swallowed by the string is not reported again. */
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "t.nm:2:9: error: unterminated string"));
    const nm_atom *input = &result.file->decls->items->args.items[0];
    assert_true(input->invalid);
    parsed_free(&result);
}

static void test_unterminated_comment(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m { q 0 -> 1 R q; }\n/* open\n");
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "t.nm:2:1: error: unterminated block comment"));
    assert_int_equal(count_decls(result.file), 1);
    parsed_free(&result);
}

static void test_bad_escape_marks_atom(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m { alphabet \"a\\qb\" \"\\x4\"; }");
    assert_int_equal(result.diag.errors, 2);
    assert_non_null(strstr(messages(&result), "t.nm:1:24: error: invalid escape '\\q'"));
    assert_non_null(strstr(messages(&result), "t.nm:1:30: error: invalid escape '\\x4'"));
    const nm_item *item = result.file->decls->items;
    assert_true(item->args.items[0].invalid);
    assert_true(item->args.items[1].invalid);
    parsed_free(&result);
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    /* A control character, a NUL, a lone continuation byte and an overlong
     * encoding of '/'; the last two are on one line, which reports one.  No
     * byte reaches the excerpt as it is, so the NUL cannot cut it short. */
    static const char text[] = "machine m {\n  alphabet 0\x01 _;\0\n  blank \x80 \xC0\xAF;\n}\n";
    parsed result;
    parse_bytes(&result, text, sizeof text - 1);
    assert_int_equal(result.diag.errors, 3);
    assert_non_null(strstr(messages(&result), "t.nm:2:13: error: invalid control character 0x01"));
    assert_non_null(strstr(messages(&result), "t.nm:2:17: error: invalid control character 0x00"));
    assert_non_null(strstr(messages(&result), "t.nm:3:9: error: invalid byte 0x80"));
    assert_null(strstr(messages(&result), "0xC0"));
    assert_non_null(strstr(messages(&result), "      blank \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD;\n"));
    assert_int_equal(strlen(messages(&result)), result.messages.length);
    parsed_free(&result);
}

static void test_surrogate_rejected(void **state)
{
    (void)state;
    /* U+D800 encoded as UTF-8 is not a character. */
    parsed result;
    parse_text(&result, "machine m { alphabet \xED\xA0\x80; }");
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "invalid byte 0xED"));
    parsed_free(&result);
}

static void test_keyword_as_state(void **state)
{
    (void)state;
    parsed result;
    parse_text(&result, "machine m { start train; }\nmachine n { start \"train\"; }\n");
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result),
                           "t.nm:1:19: error: 'train' is a keyword; write it in quotes"));
    const nm_atom *quoted = &result.file->decls->next->items->args.items[0];
    assert_int_equal(quoted->kind, NM_ATOM_STRING);
    assert_string_equal(quoted->text, "train");
    parsed_free(&result);
}

static void test_long_line_excerpt(void **state)
{
    (void)state;
    /* Two errors far into one line of 400 characters, with two-byte
     * characters before and between them: the columns count characters,
     * and the excerpt shows a cut of the line around each caret. */
    nm_buf text;
    nm_buf_init(&text);
    nm_buf_puts(&text, "machine m { alphabet");
    for (int i = 0; i < 100; i++)
        nm_buf_puts(&text, " \xCE\xB1");
    nm_buf_puts(&text, " \x01");
    for (int i = 0; i < 50; i++)
        nm_buf_puts(&text, " \xCE\xB2");
    nm_buf_puts(&text, " \x02");
    for (int i = 0; i < 100; i++)
        nm_buf_puts(&text, " b");
    nm_buf_puts(&text, "; }\n");

    parsed result;
    parse_bytes(&result, text.data, text.length);
    assert_int_equal(result.diag.errors, 2);
    assert_non_null(strstr(messages(&result), "t.nm:1:222: error: invalid control character 0x01"));
    assert_non_null(strstr(messages(&result), "t.nm:1:324: error: invalid control character 0x02"));
    /* The cut starts 60 bytes before the caret, which are 40 characters
     * here, and shows 160 characters. */
    assert_non_null(strstr(messages(&result), "\n    ...\xCE\xB1 \xCE\xB1"));
    assert_non_null(strstr(messages(&result), " b b ...\n"));
    nm_buf caret;
    nm_buf_init(&caret);
    nm_buf_printf(&caret, "\n    %43s^\n", "");
    assert_non_null(strstr(messages(&result), caret.data));
    nm_buf_free(&caret);
    parsed_free(&result);
    nm_buf_free(&text);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* Nested calls fill the parser's stack, which is reported, not fatal. */
    nm_buf text;
    nm_buf_init(&text);
    nm_buf_puts(&text, "model m = ntm { x ");
    for (int i = 0; i < 20000; i++)
        nm_buf_puts(&text, "f(");
    nm_buf_puts(&text, "1");
    for (int i = 0; i < 20000; i++)
        nm_buf_putc(&text, ')');
    nm_buf_puts(&text, "; }\n");

    parsed result;
    parse_bytes(&result, text.data, text.length);
    assert_int_equal(result.diag.errors, 1);
    assert_non_null(strstr(messages(&result), "error: this declaration is nested too deeply"));
    parsed_free(&result);
    nm_buf_free(&text);
}

static void test_error_limit(void **state)
{
    (void)state;
    /* Past NM_MAX_ERRORS the engine stops printing but keeps counting. */
    nm_buf text;
    nm_buf_init(&text);
    for (int i = 0; i < NM_MAX_ERRORS + 10; i++)
        nm_buf_puts(&text, "\x01\n");
    parsed result;
    parse_bytes(&result, text.data, text.length);
    assert_int_equal(result.diag.errors, NM_MAX_ERRORS + 10);
    assert_true(result.diag.stopped);
    assert_non_null(strstr(messages(&result), "too many errors (limit 1000); stopping here"));
    assert_null(strstr(messages(&result), "t.nm:1001:"));
    parsed_free(&result);
    nm_buf_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_transition_atoms),
        cmocka_unit_test(test_atom_kinds),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_tuples),
        cmocka_unit_test(test_locations),
        cmocka_unit_test(test_other_declarations),
        cmocka_unit_test(test_recovery_keeps_next_machine),
        cmocka_unit_test(test_several_errors_reported),
        cmocka_unit_test(test_missing_semicolon_splits),
        cmocka_unit_test(test_missing_semicolon_last_item),
        cmocka_unit_test(test_missing_brace_before_machine),
        cmocka_unit_test(test_missing_brace_at_end),
        cmocka_unit_test(test_unterminated_string),
        cmocka_unit_test(test_unterminated_comment),
        cmocka_unit_test(test_bad_escape_marks_atom),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_surrogate_rejected),
        cmocka_unit_test(test_keyword_as_state),
        cmocka_unit_test(test_long_line_excerpt),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_error_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
