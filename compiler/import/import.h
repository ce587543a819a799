/* Importers: machines written in other formats become machine
 * declarations whose atoms point into the imported text, so that the
 * checker and its diagnostics treat them like machines written in .nm. */
#ifndef NM_IMPORT_H
#define NM_IMPORT_H

#include "ast.h"
#include "diag.h"

typedef struct nm_import_options {
    /* Symbols of the input the user gives on the command line: importers of
     * formats whose alphabet is implicit add them to the alphabet. */
    const char *input;
    size_t input_length;
} nm_import_options;

/* The standard busy beaver text format: rows of <write><move><next> per
 * read symbol, separated by '_'.  TEXT starts at OFFSET in SOURCE. */
nm_decl *nm_import_bbchallenge(nm_arena *arena, nm_diag *diag, const nm_source *source,
                               uint32_t offset, const char *text, size_t length,
                               const char *name);

/* Anthony Morphett's simulator format: <state> <symbol> <new symbol>
 * <direction> <new state> per line. */
nm_decl *nm_import_morphett(nm_arena *arena, nm_diag *diag, const nm_source *source,
                            const char *name, const nm_import_options *options);

/* turingmachine.io's YAML: blank, start state, table, input. */
nm_decl *nm_import_yaml(nm_arena *arena, nm_diag *diag, const nm_source *source,
                        const char *name, const nm_import_options *options);

/* A machine name derived from a file name: its base name without the
 * extension, with characters other than letters, digits and '_' replaced.
 * The result passes nm_import_valid_name. */
const char *nm_import_machine_name(nm_arena *arena, const char *path);

/* Returns whether NAME can name a machine in .nm source: a letter or '_',
 * then letters, digits and '_', at most NM_MAX_NAME_LENGTH bytes, and not a
 * keyword (machine, import, model, task, train). */
bool nm_import_valid_name(const char *name);

#endif
