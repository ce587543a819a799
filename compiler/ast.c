/* Syntax tree helpers: growable lists in the arena, builders that importers
 * use to produce machine declarations, and the --emit=ast printer. */
#include "ast.h"

#include <string.h>

void nm_atom_list_push(nm_arena *arena, nm_atom_list *list, nm_atom atom)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 4;
        nm_atom *items = nm_arena_alloc(arena, capacity * sizeof *items);
        if (list->count)
            memcpy(items, list->items, list->count * sizeof *items);
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = atom;
}

void nm_values_push(nm_arena *arena, nm_values *values, nm_value *value)
{
    if (values->count == values->capacity) {
        size_t capacity = values->capacity ? 2 * values->capacity : 4;
        nm_value **items = nm_arena_alloc(arena, capacity * sizeof *items);
        if (values->count)
            memcpy(items, values->items, values->count * sizeof *items);
        values->items = items;
        values->capacity = capacity;
    }
    values->items[values->count++] = value;
}

const char *const nm_directive_names[NM_DIRECTIVE_COUNT] = {"alphabet", "blank", "start",
                                                             "halt",     "tapes", "input", "states"};

bool nm_is_directive_name(const char *text)
{
    for (int i = 0; i < NM_DIRECTIVE_COUNT; i++)
        if (strcmp(text, nm_directive_names[i]) == 0)
            return true;
    return false;
}

nm_atom nm_atom_make(nm_atom_kind kind, const char *text, size_t length, nm_loc loc)
{
    nm_atom atom = {kind, text, length, loc, false};
    return atom;
}

nm_decl *nm_ast_machine_new(nm_arena *arena, const char *name, nm_loc loc)
{
    nm_decl *decl = nm_arena_calloc(arena, 1, sizeof *decl);
    decl->kind = NM_DECL_MACHINE;
    decl->loc = loc;
    decl->name = name;
    decl->name_loc = loc;
    decl->body_end = loc;
    return decl;
}

static void nm_ast_append_item(nm_decl *decl, nm_item *item)
{
    if (!decl->last_item) {
        decl->last_item = decl->items;
        while (decl->last_item && decl->last_item->next_item)
            decl->last_item = decl->last_item->next_item;
    }
    if (decl->last_item)
        decl->last_item->next_item = item;
    else
        decl->items = item;
    decl->last_item = item;
}

nm_item *nm_ast_add_directive(nm_arena *arena, nm_decl *decl, nm_atom keyword)
{
    nm_item *item = nm_arena_calloc(arena, 1, sizeof *item);
    item->kind = NM_ITEM_DIRECTIVE;
    item->loc = keyword.loc;
    item->head = keyword;
    item->args.loc = keyword.loc;
    nm_ast_append_item(decl, item);
    return item;
}

nm_item *nm_ast_add_transition(nm_arena *arena, nm_decl *decl, nm_atom state,
                               nm_atom read, nm_atom write, nm_atom move, nm_atom next,
                               nm_loc loc)
{
    nm_item *item = nm_arena_calloc(arena, 1, sizeof *item);
    item->kind = NM_ITEM_TRANSITION;
    item->loc = loc;
    item->head = state;
    nm_atom_list_push(arena, &item->reads, read);
    item->reads.loc = read.loc;
    nm_atom_list_push(arena, &item->writes, write);
    item->writes.loc = write.loc;
    nm_atom_list_push(arena, &item->moves, move);
    item->moves.loc = move.loc;
    item->next = next;
    nm_ast_append_item(decl, item);
    return item;
}

static void nm_print_atom(nm_buf *out, const nm_atom *atom)
{
    if (atom->kind == NM_ATOM_STRING) {
        nm_buf_putc(out, '"');
        for (size_t i = 0; i < atom->length; i++) {
            unsigned char c = (unsigned char)atom->text[i];
            if (c == '"' || c == '\\')
                nm_buf_printf(out, "\\%c", c);
            else if (c == '\n')
                nm_buf_puts(out, "\\n");
            else if (c == '\t')
                nm_buf_puts(out, "\\t");
            else if (c < 0x20 || c == 0x7F)
                nm_buf_printf(out, "\\x%02X", c);
            else
                nm_buf_putc(out, (char)c);
        }
        nm_buf_putc(out, '"');
    } else {
        nm_buf_append(out, atom->text, atom->length);
    }
}

static void nm_print_atom_list(nm_buf *out, const nm_atom_list *list)
{
    if (list->tuple)
        nm_buf_putc(out, '(');
    for (size_t i = 0; i < list->count; i++) {
        if (i > 0)
            nm_buf_puts(out, list->tuple ? ", " : " ");
        nm_print_atom(out, &list->items[i]);
    }
    if (list->tuple)
        nm_buf_putc(out, ')');
}

static void nm_print_value(nm_buf *out, const nm_value *value);

static void nm_print_values(nm_buf *out, const nm_values *values)
{
    for (size_t i = 0; i < values->count; i++) {
        if (i > 0)
            nm_buf_putc(out, ' ');
        nm_print_value(out, values->items[i]);
    }
}

static void nm_print_value(nm_buf *out, const nm_value *value)
{
    switch (value->kind) {
    case NM_VALUE_NUMBER:
    case NM_VALUE_NAME:
        nm_buf_puts(out, value->text);
        break;
    case NM_VALUE_STRING:
        nm_buf_printf(out, "\"%s\"", value->text);
        break;
    case NM_VALUE_CALL:
        nm_buf_printf(out, "%s(", value->text);
        for (size_t i = 0; i < value->arg_count; i++) {
            if (i > 0)
                nm_buf_puts(out, ", ");
            nm_print_values(out, &value->args[i]);
        }
        nm_buf_putc(out, ')');
        break;
    case NM_VALUE_RANGE:
        nm_print_value(out, value->low);
        nm_buf_puts(out, " .. ");
        nm_print_value(out, value->high);
        break;
    }
}

static void nm_print_position(nm_buf *out, nm_loc loc)
{
    if (!loc.source)
        return;
    uint32_t line, column;
    nm_source_position(loc.source, loc.offset, &line, &column);
    nm_buf_printf(out, "  (%u:%u)", line, column);
}

static void nm_print_options(nm_buf *out, const nm_option *option)
{
    for (; option; option = option->next) {
        nm_buf_printf(out, "  option %s ", option->name);
        nm_print_values(out, &option->values);
        nm_print_position(out, option->loc);
        nm_buf_putc(out, '\n');
    }
}

static void nm_print_items(nm_buf *out, const nm_item *item)
{
    for (; item; item = item->next_item) {
        if (item->kind == NM_ITEM_DIRECTIVE) {
            nm_buf_puts(out, "  directive ");
            nm_print_atom(out, &item->head);
            nm_buf_putc(out, ' ');
            nm_print_atom_list(out, &item->args);
        } else {
            nm_buf_puts(out, "  transition ");
            nm_print_atom(out, &item->head);
            nm_buf_putc(out, ' ');
            nm_print_atom_list(out, &item->reads);
            nm_buf_puts(out, " -> ");
            nm_print_atom_list(out, &item->writes);
            nm_buf_putc(out, ' ');
            nm_print_atom_list(out, &item->moves);
            nm_buf_putc(out, ' ');
            nm_print_atom(out, &item->next);
        }
        nm_print_position(out, item->loc);
        nm_buf_putc(out, '\n');
    }
}

void nm_ast_print(const nm_file *file, nm_buf *out)
{
    nm_buf_printf(out, "file %s\n", file->source->name);
    for (const nm_decl *decl = file->decls; decl; decl = decl->next) {
        switch (decl->kind) {
        case NM_DECL_IMPORT:
            nm_buf_printf(out, "import \"%s\"", decl->name);
            nm_print_position(out, decl->loc);
            nm_buf_putc(out, '\n');
            break;
        case NM_DECL_MACHINE:
            nm_buf_printf(out, "machine %s", decl->name);
            if (decl->imported)
                nm_buf_printf(out, " = %s \"%s\"", decl->format, decl->text);
            nm_print_position(out, decl->loc);
            nm_buf_putc(out, '\n');
            nm_print_items(out, decl->items);
            break;
        case NM_DECL_MODEL:
        case NM_DECL_TASK:
            nm_buf_printf(out, "%s %s = %s", decl->kind == NM_DECL_MODEL ? "model" : "task",
                          decl->name, decl->kind_name);
            nm_print_position(out, decl->loc);
            nm_buf_putc(out, '\n');
            nm_print_options(out, decl->options);
            break;
        case NM_DECL_TRAIN:
            nm_buf_printf(out, "train %s on ", decl->name);
            nm_print_value(out, decl->task);
            nm_print_position(out, decl->loc);
            nm_buf_putc(out, '\n');
            nm_print_options(out, decl->options);
            break;
        }
    }
}
