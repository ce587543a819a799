/* turingmachine.io's YAML format (its parser is src/parser.js in
 * github.com/aepsilon/turing-machine-viz), read with libyaml's document API.
 *
 *     input: '1011'
 *     blank: ' '
 *     start state: right
 *     synonyms:
 *       finish: {R: done}
 *     table:
 *       right:
 *         [0, 1]: R              # several symbols, same instruction
 *         ' ': {L: carry}
 *       carry:
 *         1: {write: 0, L}       # a move without a state keeps the state
 *         [0, ' ']: {write: 1, L: done}
 *       done:                    # no entries: a halting state
 *
 * An instruction is L, R or N (no move), a synonym, or a mapping with one
 * move key and an optional one-character write.  Every symbol is one
 * character and the alphabet is implicit.  The site also exports documents
 * whose machine is a block scalar under 'source code: |', with 'name' and
 * 'positions' beside it; both layouts are read.
 *
 * libyaml's marks count characters, not bytes (libyaml 0.2.5), so locations
 * go through a table of the byte offsets of every 64th character.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "import.h"
#include "util/map.h"

/* Characters between two entries of the character-to-byte table. */
enum { NM_YAML_CHECKPOINT = 64 };

typedef struct nm_yaml_instruction {
    nm_atom move;     /* L, R or S */
    bool writes;
    nm_atom write;
    bool has_next;    /* false: the state stays */
    nm_atom next;
} nm_yaml_instruction;

typedef struct nm_yaml_state {
    nm_atom name;
    yaml_node_t *entries; /* NULL, or the mapping from symbols to instructions */
    bool halting;         /* no entries at all */
} nm_yaml_state;

typedef struct nm_yaml_synonym {
    bool valid;
    nm_yaml_instruction instruction;
} nm_yaml_synonym;

typedef struct nm_yaml_reader {
    nm_arena *arena;
    nm_diag *diag;
    const nm_source *source;
    const nm_import_options *options;
    const char *name;

    /* The text given to libyaml: the source, or the source with everything
     * outside the 'source code' block blanked, which keeps every offset. */
    const char *text;
    size_t length;
    size_t start; /* bytes of a byte order mark, which libyaml is not given */
    char *masked_text;
    uint32_t *checkpoints; /* byte offset of character i * NM_YAML_CHECKPOINT */
    size_t checkpoint_count;
    yaml_document_t document;
    bool loaded;
    yaml_node_t *root;

    nm_decl *decl;
    nm_item *alphabet;
    nm_map symbols;
    NM_VEC(nm_yaml_state) states;
    nm_map state_names;             /* name -> index in states */
    NM_VEC(nm_yaml_synonym) synonyms;
    nm_map synonym_names;           /* name -> index in synonyms */
    nm_map rule_keys;               /* "state NUL symbol" -> node of the first symbol */
} nm_yaml_reader;

static bool nm_yaml_is_continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

static size_t nm_yaml_utf8_length(const char *text, size_t length)
{
    size_t count = 0;
    for (size_t i = 0; i < length; i++)
        if (!nm_yaml_is_continuation(text[i]))
            count++;
    return count;
}

/* Records the byte offset of every NM_YAML_CHECKPOINT-th character of the
 * text, so that a libyaml mark converts to a byte offset quickly. */
static void nm_yaml_index_characters(nm_yaml_reader *reader)
{
    size_t characters = nm_yaml_utf8_length(reader->text + reader->start,
                                            reader->length - reader->start);
    reader->checkpoint_count = characters / NM_YAML_CHECKPOINT + 1;
    reader->checkpoints = nm_xmalloc(reader->checkpoint_count * sizeof *reader->checkpoints);
    reader->checkpoints[0] = (uint32_t)reader->start;
    size_t index = 0;
    for (size_t at = reader->start; at < reader->length; at++) {
        if (nm_yaml_is_continuation(reader->text[at]))
            continue;
        if (index % NM_YAML_CHECKPOINT == 0)
            reader->checkpoints[index / NM_YAML_CHECKPOINT] = (uint32_t)at;
        index++;
    }
}

/* The byte offset of the character at INDEX, as a libyaml mark counts. */
static uint32_t nm_yaml_offset(const nm_yaml_reader *reader, size_t index)
{
    size_t checkpoint = index / NM_YAML_CHECKPOINT;
    if (checkpoint >= reader->checkpoint_count)
        return (uint32_t)reader->length;
    size_t at = reader->checkpoints[checkpoint];
    for (size_t skip = index % NM_YAML_CHECKPOINT; skip > 0 && at < reader->length; skip--) {
        at++;
        while (at < reader->length && nm_yaml_is_continuation(reader->text[at]))
            at++;
    }
    return (uint32_t)at;
}

static nm_loc nm_yaml_mark_loc(const nm_yaml_reader *reader, yaml_mark_t start, yaml_mark_t end)
{
    uint32_t first = nm_yaml_offset(reader, start.index);
    uint32_t last = nm_yaml_offset(reader, end.index);
    return nm_loc_make(reader->source, first, last > first ? last - first : 0);
}

static nm_loc nm_yaml_loc(const nm_yaml_reader *reader, const yaml_node_t *node)
{
    return nm_yaml_mark_loc(reader, node->start_mark, node->end_mark);
}

static yaml_node_t *nm_yaml_node(nm_yaml_reader *reader, int index)
{
    return yaml_document_get_node(&reader->document, index);
}

static const char *nm_yaml_text(const yaml_node_t *node)
{
    return (const char *)node->data.scalar.value;
}

static int nm_yaml_text_length(const yaml_node_t *node)
{
    return (int)node->data.scalar.length;
}

static bool nm_yaml_is_scalar(const yaml_node_t *node, const char *text)
{
    return node->type == YAML_SCALAR_NODE && node->data.scalar.length == strlen(text)
           && memcmp(node->data.scalar.value, text, node->data.scalar.length) == 0;
}

/* True for the plain scalars that js-yaml reads as null: nothing, ~, null,
 * Null and NULL, and for anything tagged !!null. */
static bool nm_yaml_is_null(const yaml_node_t *node)
{
    if (node->type != YAML_SCALAR_NODE)
        return false;
    if (node->tag && strcmp((const char *)node->tag, YAML_NULL_TAG) == 0)
        return true;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (nm_yaml_is_scalar(node, nulls[i]))
            return true;
    return false;
}

static const char *nm_yaml_kind(const yaml_node_t *node)
{
    if (node->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (node->type == YAML_SEQUENCE_NODE)
        return "a sequence";
    return nm_yaml_is_null(node) ? "nothing" : "a scalar";
}

static nm_atom nm_yaml_string_atom(const nm_yaml_reader *reader, const yaml_node_t *node)
{
    size_t length = node->data.scalar.length;
    return nm_atom_make(NM_ATOM_STRING, nm_arena_strndup(reader->arena, nm_yaml_text(node), length),
                        length, nm_yaml_loc(reader, node));
}

static nm_atom nm_yaml_name_atom(const char *text, nm_loc loc)
{
    return nm_atom_make(NM_ATOM_NAME, text, strlen(text), loc);
}

/* The nmc move of a move key or instruction L, R or N, or NULL. */
static const char *nm_yaml_move(const yaml_node_t *node)
{
    if (nm_yaml_is_scalar(node, "L"))
        return "L";
    if (nm_yaml_is_scalar(node, "R"))
        return "R";
    if (nm_yaml_is_scalar(node, "N"))
        return "S";
    return NULL;
}

/* Reports a libyaml error: a reader error (invalid UTF-8, control
 * characters) has a byte offset, the others a mark. */
static void nm_yaml_report_error(const nm_yaml_reader *reader, const yaml_parser_t *parser)
{
    const char *problem = parser->problem ? parser->problem : "unknown error";
    if (parser->error == YAML_MEMORY_ERROR) {
        nm_error(reader->diag, nm_loc_make(reader->source, 0, 0),
                 "out of memory while reading the YAML");
        return;
    }
    if (parser->error == YAML_READER_ERROR) {
        size_t offset = reader->start + parser->problem_offset;
        if (offset > reader->length)
            offset = reader->length;
        nm_error(reader->diag, nm_loc_make(reader->source, (uint32_t)offset, 1),
                 "invalid YAML text: %s; the file must be UTF-8 without control characters",
                 problem);
        return;
    }
    nm_error(reader->diag, nm_yaml_mark_loc(reader, parser->problem_mark, parser->problem_mark),
             "invalid YAML: %s", problem);
    if (parser->context)
        nm_note(reader->diag, nm_yaml_mark_loc(reader, parser->context_mark, parser->context_mark),
                "%s", parser->context);
}

/* Reports a second document after the first, which turingmachine.io
 * rejects too. */
static void nm_yaml_check_single_document(nm_yaml_reader *reader, yaml_parser_t *parser)
{
    yaml_document_t extra;
    if (!yaml_parser_load(parser, &extra)) {
        nm_yaml_report_error(reader, parser);
        return;
    }
    yaml_node_t *root = yaml_document_get_root_node(&extra);
    if (root)
        nm_error(reader->diag, nm_yaml_mark_loc(reader, root->start_mark, root->start_mark),
                 "a second YAML document starts here; the file must hold one machine, so "
                 "remove the '---' line and what follows");
    yaml_document_delete(&extra);
}

/* Parses TEXT (LENGTH bytes, with the offsets of the source) into the
 * reader's document.  EMPTY_LOC is where to report a document with no
 * content.  Returns false after an error. */
static bool nm_yaml_load(nm_yaml_reader *reader, const char *text, size_t length, nm_loc empty_loc)
{
    reader->text = text;
    reader->length = length;
    reader->start = length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    free(reader->checkpoints);
    nm_yaml_index_characters(reader);

    /* With the encoding set, libyaml would read a byte order mark as a
     * character of the first line, so the mark is skipped here. */
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text + reader->start,
                                 length - reader->start);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    if (!yaml_parser_load(&parser, &reader->document)) {
        nm_yaml_report_error(reader, &parser);
        yaml_parser_delete(&parser);
        return false;
    }
    reader->loaded = true;
    reader->root = yaml_document_get_root_node(&reader->document);
    if (reader->root)
        nm_yaml_check_single_document(reader, &parser);
    yaml_parser_delete(&parser);

    if (!reader->root) {
        nm_error(reader->diag, empty_loc,
                 "no machine found: the YAML document is empty; a machine needs the keys blank, "
                 "start state and table");
        return false;
    }
    if (reader->root->type != YAML_MAPPING_NODE) {
        nm_error(reader->diag, nm_yaml_loc(reader, reader->root),
                 "the top level must be a mapping with the keys blank, start state and table, "
                 "but it is %s; is this file in another format?",
                 nm_yaml_kind(reader->root));
        return false;
    }
    return true;
}

/* Reports scalar keys that appear twice in MAPPING, which js-yaml rejects.
 * MAPPING_NAME names the mapping in the message. */
static void nm_yaml_check_unique_keys(nm_yaml_reader *reader, yaml_node_t *mapping,
                                      const char *mapping_name)
{
    nm_map seen;
    nm_map_init(&seen);
    for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
         pair < mapping->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = nm_yaml_node(reader, pair->key);
        if (key->type != YAML_SCALAR_NODE)
            continue;
        int first;
        if (!nm_map_get(&seen, nm_yaml_text(key), key->data.scalar.length, &first)) {
            nm_map_put(&seen, nm_yaml_text(key), key->data.scalar.length, pair->key);
            continue;
        }
        nm_error(reader->diag, nm_yaml_loc(reader, key), "duplicate key '%.*s' in %s",
                 nm_yaml_text_length(key), nm_yaml_text(key), mapping_name);
        nm_note(reader->diag, nm_yaml_loc(reader, nm_yaml_node(reader, first)),
                "first defined here");
    }
    nm_map_free(&seen);
}

/* The value under the scalar key TEXT in MAPPING, or NULL; stores the key
 * node in *KEY when KEY is not NULL. */
static yaml_node_t *nm_yaml_find(nm_yaml_reader *reader, yaml_node_t *mapping, const char *text,
                                 yaml_node_t **key)
{
    for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
         pair < mapping->data.mapping.pairs.top; pair++) {
        yaml_node_t *candidate = nm_yaml_node(reader, pair->key);
        if (!nm_yaml_is_scalar(candidate, text))
            continue;
        if (key)
            *key = candidate;
        return nm_yaml_node(reader, pair->value);
    }
    return NULL;
}

/* The offset just past the line break that ends the line holding OFFSET:
 * a line ends at \n, \r\n or \r, as in YAML. */
static size_t nm_yaml_next_line(const char *text, size_t length, size_t offset)
{
    while (offset < length && text[offset] != '\n' && text[offset] != '\r')
        offset++;
    if (offset + 1 < length && text[offset] == '\r' && text[offset + 1] == '\n')
        return offset + 2;
    return offset < length ? offset + 1 : length;
}

/* Replaces the machine's document by the one inside 'source code: |'.  The
 * text given to libyaml is the file with every byte outside the block's
 * lines turned into a space, line breaks kept.  libyaml accepts the
 * indented root mapping, and every offset and line stays that of the file,
 * so diagnostics point into the file itself. */
static bool nm_yaml_load_source_code(nm_yaml_reader *reader, yaml_node_t *key, yaml_node_t *code)
{
    if (code->type != YAML_SCALAR_NODE || code->data.scalar.style != YAML_LITERAL_SCALAR_STYLE) {
        nm_error(reader->diag, nm_yaml_loc(reader, code),
                 "'source code' must be a literal block scalar: write 'source code: |' and the "
                 "machine on the indented lines below it");
        return false;
    }
    nm_loc key_loc = nm_yaml_loc(reader, key);
    size_t block_start = nm_yaml_next_line(reader->text, reader->length,
                                           nm_yaml_offset(reader, code->start_mark.index));
    size_t block_end = nm_yaml_offset(reader, code->end_mark.index);

    char *masked = nm_xmalloc(reader->length + 1);
    for (size_t i = 0; i < reader->length; i++) {
        char c = reader->text[i];
        bool inside = i >= block_start && i < block_end;
        masked[i] = inside || c == '\n' || c == '\r' ? c : ' ';
    }
    masked[reader->length] = '\0';

    yaml_document_delete(&reader->document);
    reader->loaded = false;
    reader->masked_text = masked;
    return nm_yaml_load(reader, masked, reader->length, key_loc);
}

static void nm_yaml_add_symbol(nm_yaml_reader *reader, const char *text, size_t length, nm_loc loc)
{
    int unused;
    if (nm_map_get(&reader->symbols, text, length, &unused))
        return;
    char *copy = nm_arena_strndup(reader->arena, text, length);
    nm_map_put(&reader->symbols, copy, length, 1);
    nm_atom_list_push(reader->arena, &reader->alphabet->args,
                      nm_atom_make(NM_ATOM_STRING, copy, length, loc));
}

/* Adds each character of TEXT to the alphabet. */
static void nm_yaml_add_characters(nm_yaml_reader *reader, const char *text, size_t length,
                                   nm_loc loc)
{
    size_t at = 0;
    while (at < length) {
        size_t width = 1;
        while (at + width < length && nm_yaml_is_continuation(text[at + width]))
            width++;
        nm_yaml_add_symbol(reader, text + at, width, loc);
        at += width;
    }
}

/* Checks that NODE is one character.  DESCRIPTION names NODE in messages,
 * which show EXAMPLE as the fix.
 * NOTE: scalars are taken as written, but js-yaml first turns numbers into
 * their JavaScript text, so turingmachine.io reads blank: 00 as "0" where
 * nmc rejects it as two characters. */
static bool nm_yaml_check_character(nm_yaml_reader *reader, const yaml_node_t *node,
                                    const char *description, const char *example)
{
    if (node->type != YAML_SCALAR_NODE) {
        nm_error(reader->diag, nm_yaml_loc(reader, node), "%s must be one character, as in %s, "
                 "but it is %s", description, example, nm_yaml_kind(node));
        return false;
    }
    if (nm_yaml_is_null(node)) {
        nm_error(reader->diag, nm_yaml_loc(reader, node),
                 "%s is missing; give one character, as in %s", description, example);
        return false;
    }
    if (nm_yaml_utf8_length(nm_yaml_text(node), node->data.scalar.length) != 1) {
        nm_error(reader->diag, nm_yaml_loc(reader, node),
                 "%s must be one character, as in %s, but '%.*s' has %zu", description, example,
                 nm_yaml_text_length(node), nm_yaml_text(node),
                 nm_yaml_utf8_length(nm_yaml_text(node), node->data.scalar.length));
        return false;
    }
    return true;
}

/* Checks that NODE names a state of the table; DESCRIPTION names NODE in
 * messages. */
static bool nm_yaml_check_state(nm_yaml_reader *reader, const yaml_node_t *node,
                                const char *description)
{
    if (node->type != YAML_SCALAR_NODE || nm_yaml_is_null(node)) {
        nm_error(reader->diag, nm_yaml_loc(reader, node),
                 "%s must be a state name, but it is %s", description, nm_yaml_kind(node));
        return false;
    }
    int unused;
    if (nm_map_get(&reader->state_names, nm_yaml_text(node), node->data.scalar.length, &unused))
        return true;
    nm_error(reader->diag, nm_yaml_loc(reader, node),
             "undeclared state '%.*s'; add it to the table (with no entries if the machine halts "
             "there)",
             nm_yaml_text_length(node), nm_yaml_text(node));
    return false;
}

/* Reads one key of an instruction mapping into INSTRUCTION. */
static bool nm_yaml_read_instruction_key(nm_yaml_reader *reader, yaml_node_t *key,
                                         yaml_node_t *value, nm_yaml_instruction *instruction,
                                         bool *has_move)
{
    if (nm_yaml_is_scalar(key, "write")) {
        if (!nm_yaml_check_character(reader, value, "the symbol to write", "{write: 1, R}"))
            return false;
        instruction->writes = true;
        instruction->write = nm_yaml_string_atom(reader, value);
        return true;
    }

    const char *move = nm_yaml_move(key);
    if (!move && key->type != YAML_SCALAR_NODE) {
        nm_error(reader->diag, nm_yaml_loc(reader, key),
                 "invalid key in an instruction: expected L, R, N or write, but got %s",
                 nm_yaml_kind(key));
        return false;
    }
    if (!move) {
        nm_error(reader->diag, nm_yaml_loc(reader, key),
                 "unknown key '%.*s' in an instruction; use L, R or N (the move, with the next "
                 "state as its value) and optionally write",
                 nm_yaml_text_length(key), nm_yaml_text(key));
        return false;
    }
    if (*has_move) {
        nm_error(reader->diag, nm_yaml_loc(reader, key),
                 "this instruction has two moves; keep one of L, R and N");
        nm_note(reader->diag, instruction->move.loc, "the other move is here");
        return false;
    }
    *has_move = true;
    instruction->move = nm_yaml_name_atom(move, nm_yaml_loc(reader, key));
    if (nm_yaml_is_null(value))
        return true;
    if (!nm_yaml_check_state(reader, value, "the next state"))
        return false;
    instruction->has_next = true;
    instruction->next = nm_yaml_string_atom(reader, value);
    return true;
}

static bool nm_yaml_read_instruction_mapping(nm_yaml_reader *reader, yaml_node_t *node,
                                             nm_yaml_instruction *instruction)
{
    nm_yaml_check_unique_keys(reader, node, "an instruction");
    bool ok = true;
    bool has_move = false;
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++)
        ok = nm_yaml_read_instruction_key(reader, nm_yaml_node(reader, pair->key),
                                          nm_yaml_node(reader, pair->value), instruction,
                                          &has_move)
             && ok;
    if (ok && !has_move) {
        nm_error(reader->diag, nm_yaml_loc(reader, node),
                 "this instruction has no move; add L, R or N, as in {write: 1, R: next}");
        ok = false;
    }
    return ok;
}

/* Reads the instruction NODE.  IN_SYNONYMS is set while reading the
 * synonyms, which cannot use other synonyms.  Returns false after an
 * error, or when NODE uses a synonym whose definition had an error. */
static bool nm_yaml_read_instruction(nm_yaml_reader *reader, yaml_node_t *node, bool in_synonyms,
                                     nm_yaml_instruction *instruction)
{
    memset(instruction, 0, sizeof *instruction);
    if (node->type == YAML_MAPPING_NODE)
        return nm_yaml_read_instruction_mapping(reader, node, instruction);
    if (node->type == YAML_SEQUENCE_NODE) {
        nm_error(reader->diag, nm_yaml_loc(reader, node),
                 "a sequence is not an instruction; write L, R, N, a synonym, or a mapping such "
                 "as {write: 1, R: next}");
        return false;
    }
    if (nm_yaml_is_null(node)) {
        nm_error(reader->diag, nm_yaml_loc(reader, node),
                 "missing instruction; write L, R, N, a synonym, or a mapping such as "
                 "{write: 1, R: next}");
        return false;
    }

    nm_loc loc = nm_yaml_loc(reader, node);
    const char *move = nm_yaml_move(node);
    if (move) {
        instruction->move = nm_yaml_name_atom(move, loc);
        return true;
    }
    int index;
    if (!in_synonyms && nm_map_get(&reader->synonym_names, nm_yaml_text(node),
                                   node->data.scalar.length, &index)) {
        *instruction = reader->synonyms.items[index].instruction;
        return reader->synonyms.items[index].valid;
    }
    if (in_synonyms)
        nm_error(reader->diag, loc,
                 "unknown instruction '%.*s'; a synonym is L, R, N or a mapping such as "
                 "{write: 1, R: next}, never another synonym",
                 nm_yaml_text_length(node), nm_yaml_text(node));
    else
        nm_error(reader->diag, loc,
                 "unknown instruction '%.*s'; write L, R, N, a synonym, or a mapping such as "
                 "{write: 1, R: next}",
                 nm_yaml_text_length(node), nm_yaml_text(node));
    return false;
}

/* Registers the state KEY of the table, whose entries are VALUE. */
static void nm_yaml_add_state(nm_yaml_reader *reader, yaml_node_t *key, yaml_node_t *value)
{
    if (key->type != YAML_SCALAR_NODE || nm_yaml_is_null(key)) {
        nm_error(reader->diag, nm_yaml_loc(reader, key),
                 "invalid state name: expected a scalar such as q0, but got %s",
                 nm_yaml_kind(key));
        return;
    }
    int unused;
    if (nm_map_get(&reader->state_names, nm_yaml_text(key), key->data.scalar.length, &unused))
        return;

    nm_yaml_state state = {nm_yaml_string_atom(reader, key), NULL, false};
    bool empty_mapping = value->type == YAML_MAPPING_NODE
                         && value->data.mapping.pairs.top == value->data.mapping.pairs.start;
    if (nm_yaml_is_null(value) || empty_mapping) {
        state.halting = true;
    } else if (value->type == YAML_MAPPING_NODE) {
        state.entries = value;
    } else {
        nm_error(reader->diag, nm_yaml_loc(reader, value),
                 "state '%.*s' must map symbols to instructions, or have no entries to be a "
                 "halting state, but it is %s",
                 nm_yaml_text_length(key), nm_yaml_text(key), nm_yaml_kind(value));
    }
    nm_vec_push(&reader->states, state);
    nm_map_put(&reader->state_names, state.name.text, state.name.length,
               (int)reader->states.count - 1);
}

/* Registers the states of the table, so that instructions can check their
 * targets.  Returns false when the table is missing or not a mapping, and
 * true otherwise, even after errors in its entries. */
static bool nm_yaml_read_states(nm_yaml_reader *reader, yaml_node_t *table)
{
    if (!table || nm_yaml_is_null(table)) {
        nm_error(reader->diag, table ? nm_yaml_loc(reader, table) : reader->decl->loc,
                 "missing transition table; add a top-level key 'table' that maps each state "
                 "to its instructions");
        return false;
    }
    if (table->type != YAML_MAPPING_NODE) {
        nm_error(reader->diag, nm_yaml_loc(reader, table),
                 "the transition table must be a mapping from states to their instructions, "
                 "but it is %s",
                 nm_yaml_kind(table));
        return false;
    }
    nm_yaml_check_unique_keys(reader, table, "the table");

    for (yaml_node_pair_t *pair = table->data.mapping.pairs.start;
         pair < table->data.mapping.pairs.top; pair++)
        nm_yaml_add_state(reader, nm_yaml_node(reader, pair->key),
                          nm_yaml_node(reader, pair->value));
    return true;
}

static void nm_yaml_read_synonyms(nm_yaml_reader *reader, yaml_node_t *synonyms)
{
    if (!synonyms || nm_yaml_is_null(synonyms))
        return;
    if (synonyms->type != YAML_MAPPING_NODE) {
        nm_error(reader->diag, nm_yaml_loc(reader, synonyms),
                 "'synonyms' must be a mapping from names to instructions, as in "
                 "'synonyms: {accept: {R: done}}'");
        return;
    }
    nm_yaml_check_unique_keys(reader, synonyms, "the synonyms");

    for (yaml_node_pair_t *pair = synonyms->data.mapping.pairs.start;
         pair < synonyms->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = nm_yaml_node(reader, pair->key);
        if (key->type != YAML_SCALAR_NODE) {
            nm_error(reader->diag, nm_yaml_loc(reader, key),
                     "a synonym's name must be a scalar, but this one is %s", nm_yaml_kind(key));
            continue;
        }
        int unused;
        if (nm_map_get(&reader->synonym_names, nm_yaml_text(key), key->data.scalar.length, &unused))
            continue;
        nm_yaml_synonym synonym;
        synonym.valid = nm_yaml_read_instruction(reader, nm_yaml_node(reader, pair->value), true,
                                                 &synonym.instruction);
        nm_vec_push(&reader->synonyms, synonym);
        nm_map_put(&reader->synonym_names, nm_yaml_text(key), key->data.scalar.length,
                   (int)reader->synonyms.count - 1);
    }
}

/* Checks one symbol of a table key and that STATE has no other instruction
 * for it.  Returns false after an error. */
static bool nm_yaml_check_symbol(nm_yaml_reader *reader, const nm_yaml_state *state,
                                 yaml_node_t *symbol)
{
    if (!nm_yaml_check_character(reader, symbol, "a symbol", "0: R or [0, 1]: R"))
        return false;

    size_t length = state->name.length + 1 + symbol->data.scalar.length;
    char *key = nm_arena_alloc(reader->arena, length);
    memcpy(key, state->name.text, state->name.length);
    key[state->name.length] = '\0';
    memcpy(key + state->name.length + 1, symbol->data.scalar.value, symbol->data.scalar.length);
    int first;
    if (nm_map_get(&reader->rule_keys, key, length, &first)) {
        nm_error(reader->diag, nm_yaml_loc(reader, symbol),
                 "state '%.*s' has a second instruction for symbol '%.*s'",
                 (int)state->name.length, state->name.text, nm_yaml_text_length(symbol),
                 nm_yaml_text(symbol));
        nm_note(reader->diag, nm_yaml_loc(reader, nm_yaml_node(reader, first)),
                "the first instruction for it is here");
        return false;
    }
    nm_map_put(&reader->rule_keys, key, length, (int)(symbol - reader->document.nodes.start) + 1);
    return true;
}

/* Collects the symbols of a table key: one scalar, or a sequence of them.
 * NOTE: a merge key (<<: *anchor), which js-yaml supports, is read as the
 * two-character symbol << and rejected. */
static size_t nm_yaml_key_symbols(nm_yaml_reader *reader, yaml_node_t *key, yaml_node_t ***symbols)
{
    if (key->type == YAML_SEQUENCE_NODE) {
        size_t count = (size_t)(key->data.sequence.items.top - key->data.sequence.items.start);
        *symbols = nm_arena_alloc(reader->arena, (count ? count : 1) * sizeof **symbols);
        for (size_t i = 0; i < count; i++)
            (*symbols)[i] = nm_yaml_node(reader, key->data.sequence.items.start[i]);
        if (count == 0)
            nm_error(reader->diag, nm_yaml_loc(reader, key),
                     "empty list of symbols; list at least one, as in [0, 1]: R");
        return count;
    }
    *symbols = nm_arena_alloc(reader->arena, sizeof **symbols);
    (*symbols)[0] = key;
    return 1;
}

static void nm_yaml_add_rule(nm_yaml_reader *reader, const nm_yaml_state *state,
                             yaml_node_t *symbol, const nm_yaml_instruction *instruction,
                             nm_loc instruction_loc)
{
    nm_atom read = nm_yaml_string_atom(reader, symbol);
    nm_yaml_add_symbol(reader, read.text, read.length, read.loc);
    nm_atom write = nm_atom_make(NM_ATOM_STAR, "*", 1, instruction_loc);
    if (instruction->writes) {
        write = instruction->write;
        nm_yaml_add_symbol(reader, write.text, write.length, write.loc);
    }
    nm_atom next = state->name;
    next.loc = instruction->move.loc;
    if (instruction->has_next)
        next = instruction->next;
    nm_ast_add_transition(reader->arena, reader->decl, state->name, read, write,
                          instruction->move, next, read.loc);
}

/* Adds the transitions of one state: each key (a symbol or a list of
 * symbols) with its instruction. */
static void nm_yaml_read_entries(nm_yaml_reader *reader, const nm_yaml_state *state)
{
    yaml_node_t *entries = state->entries;
    for (yaml_node_pair_t *pair = entries->data.mapping.pairs.start;
         pair < entries->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = nm_yaml_node(reader, pair->key);
        yaml_node_t *value = nm_yaml_node(reader, pair->value);
        nm_yaml_instruction instruction;
        bool ok = nm_yaml_read_instruction(reader, value, false, &instruction);

        yaml_node_t **symbols;
        size_t count = nm_yaml_key_symbols(reader, key, &symbols);
        for (size_t i = 0; i < count; i++) {
            bool symbol_ok = nm_yaml_check_symbol(reader, state, symbols[i]);
            if (ok && symbol_ok)
                nm_yaml_add_rule(reader, state, symbols[i], &instruction,
                                 nm_yaml_loc(reader, value));
        }
    }
}

static nm_item *nm_yaml_add_directive(nm_yaml_reader *reader, const char *keyword)
{
    return nm_ast_add_directive(reader->arena, reader->decl,
                                nm_yaml_name_atom(keyword, reader->decl->loc));
}

/* Reads 'blank' and declares it. */
static void nm_yaml_read_blank(nm_yaml_reader *reader, yaml_node_t *blank)
{
    if (!blank || nm_yaml_is_null(blank)) {
        nm_error(reader->diag, blank ? nm_yaml_loc(reader, blank) : reader->decl->loc,
                 "missing blank symbol; add a top-level key such as blank: ' ' or blank: 0");
        return;
    }
    if (!nm_yaml_check_character(reader, blank, "the blank symbol", "blank: ' ' or blank: 0"))
        return;
    nm_atom symbol = nm_yaml_string_atom(reader, blank);
    nm_yaml_add_symbol(reader, symbol.text, symbol.length, symbol.loc);
    nm_item *item = nm_yaml_add_directive(reader, "blank");
    nm_atom_list_push(reader->arena, &item->args, symbol);
}

/* Reads 'start state' and declares it.  Call after nm_yaml_read_states;
 * TABLE_OK is whether the table could be read, so that a missing table
 * is not reported again as a missing start state. */
static void nm_yaml_read_start(nm_yaml_reader *reader, yaml_node_t *start, bool table_ok)
{
    if (!start || nm_yaml_is_null(start)) {
        nm_error(reader->diag, start ? nm_yaml_loc(reader, start) : reader->decl->loc,
                 "missing start state; add a top-level key such as 'start state: q0'");
        return;
    }
    if (start->type != YAML_SCALAR_NODE) {
        nm_error(reader->diag, nm_yaml_loc(reader, start),
                 "the start state must be a state name, but it is %s", nm_yaml_kind(start));
        return;
    }
    int unused;
    if (table_ok && !nm_map_get(&reader->state_names, nm_yaml_text(start), start->data.scalar.length,
                    &unused)) {
        nm_error(reader->diag, nm_yaml_loc(reader, start),
                 "start state '%.*s' is not in the table; add it to the table",
                 nm_yaml_text_length(start), nm_yaml_text(start));
        return;
    }
    nm_item *item = nm_yaml_add_directive(reader, "start");
    nm_atom_list_push(reader->arena, &item->args, nm_yaml_string_atom(reader, start));
}

/* Reads 'input' (a scalar whose characters are the symbols) and declares
 * it as the default input. */
static void nm_yaml_read_input(nm_yaml_reader *reader, yaml_node_t *input)
{
    if (!input || nm_yaml_is_null(input))
        return;
    if (input->type != YAML_SCALAR_NODE) {
        nm_error(reader->diag, nm_yaml_loc(reader, input),
                 "the input must be a string of symbols, as in input: '1011', but it is %s",
                 nm_yaml_kind(input));
        return;
    }
    if (input->data.scalar.length == 0)
        return;
    nm_atom text = nm_yaml_string_atom(reader, input);
    nm_yaml_add_characters(reader, text.text, text.length, text.loc);
    nm_item *item = nm_yaml_add_directive(reader, "input");
    nm_atom_list_push(reader->arena, &item->args, text);
}

static void nm_yaml_declare_halts(nm_yaml_reader *reader)
{
    nm_item *halt = NULL;
    for (size_t i = 0; i < reader->states.count; i++) {
        if (!reader->states.items[i].halting)
            continue;
        if (!halt)
            halt = nm_yaml_add_directive(reader, "halt");
        nm_atom_list_push(reader->arena, &halt->args, reader->states.items[i].name);
    }
}

/* The location of the machine: the first key of the top-level mapping. */
static nm_loc nm_yaml_machine_loc(nm_yaml_reader *reader)
{
    yaml_node_t *root = reader->root;
    if (root->data.mapping.pairs.top == root->data.mapping.pairs.start)
        return nm_yaml_mark_loc(reader, root->start_mark, root->start_mark);
    return nm_yaml_loc(reader, nm_yaml_node(reader, root->data.mapping.pairs.start->key));
}

/* Builds the machine from the top-level mapping. */
static void nm_yaml_read_machine(nm_yaml_reader *reader)
{
    reader->decl = nm_ast_machine_new(reader->arena, reader->name, nm_yaml_machine_loc(reader));
    reader->decl->format = "yaml";
    nm_yaml_check_unique_keys(reader, reader->root, "the top-level mapping");
    reader->alphabet = nm_yaml_add_directive(reader, "alphabet");

    yaml_node_t *root = reader->root;
    nm_yaml_read_blank(reader, nm_yaml_find(reader, root, "blank", NULL));
    bool table_ok = nm_yaml_read_states(reader, nm_yaml_find(reader, root, "table", NULL));
    nm_yaml_read_start(reader, nm_yaml_find(reader, root, "start state", NULL), table_ok);
    nm_yaml_read_synonyms(reader, nm_yaml_find(reader, root, "synonyms", NULL));
    for (size_t i = 0; i < reader->states.count; i++)
        if (reader->states.items[i].entries)
            nm_yaml_read_entries(reader, &reader->states.items[i]);
    nm_yaml_declare_halts(reader);
    nm_yaml_read_input(reader, nm_yaml_find(reader, root, "input", NULL));

    if (reader->options && reader->options->input)
        nm_yaml_add_characters(reader, reader->options->input, reader->options->input_length,
                               reader->decl->loc);
}

static void nm_yaml_reader_free(nm_yaml_reader *reader)
{
    if (reader->loaded)
        yaml_document_delete(&reader->document);
    free(reader->masked_text);
    free(reader->checkpoints);
    nm_vec_free(&reader->states);
    nm_vec_free(&reader->synonyms);
    nm_map_free(&reader->symbols);
    nm_map_free(&reader->state_names);
    nm_map_free(&reader->synonym_names);
    nm_map_free(&reader->rule_keys);
}

nm_decl *nm_import_yaml(nm_arena *arena, nm_diag *diag, const nm_source *source,
                        const char *name, const nm_import_options *options)
{
    nm_yaml_reader reader;
    memset(&reader, 0, sizeof reader);
    reader.arena = arena;
    reader.diag = diag;
    reader.source = source;
    reader.options = options;
    reader.name = name;

    int errors_before = diag->errors;
    bool ok = nm_yaml_load(&reader, source->text, source->length, nm_loc_make(source, 0, 0));
    if (ok) {
        yaml_node_t *key = NULL;
        yaml_node_t *code = nm_yaml_find(&reader, reader.root, "source code", &key);
        if (code) {
            nm_yaml_check_unique_keys(&reader, reader.root, "the top-level mapping");
            ok = nm_yaml_load_source_code(&reader, key, code);
        }
    }
    if (ok)
        nm_yaml_read_machine(&reader);
    nm_yaml_reader_free(&reader);
    return diag->errors == errors_before ? reader.decl : NULL;
}
