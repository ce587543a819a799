/* A checked program: a .nm file with everything it imports, or one machine
 * imported from another format.  Loading parses every file, follows
 * imports (reporting cycles and missing files), checks that names are
 * unique, and checks each machine, reporting every error it can find. */
#ifndef NM_PROGRAM_H
#define NM_PROGRAM_H

#include <stdbool.h>

#include "ast.h"
#include "diag.h"
#include "machine/machine.h"

/* Files one program may load through imports. */
#define NM_MAX_FILES 1024
/* Depth of nested imports. */
#define NM_MAX_IMPORT_DEPTH 64

typedef struct nm_program_options {
    const char *stdlib_dir;   /* where import "std/..." looks */
    const char *input;        /* the command line's --input, or NULL */
    size_t input_length;
    bool no_files;            /* reject imports and file formats (fuzzing) */
} nm_program_options;

typedef struct nm_program {
    nm_arena arena;
    nm_diag *diag;
    nm_program_options options;
    NM_VEC(nm_source *) sources;
    NM_VEC(nm_file *) files;
    NM_VEC(char *) paths;          /* canonical path of each file */
    NM_VEC(nm_machine *) machines;
    NM_VEC(struct nm_model *) models;
    NM_VEC(struct nm_task *) tasks;
    NM_VEC(struct nm_train_spec *) trains;
    NM_VEC(const nm_decl *) decls; /* every named declaration, for lookups */
    const nm_source *root;
} nm_program;

nm_program *nm_program_new(nm_diag *diag, const nm_program_options *options);
void nm_program_free(nm_program *program);

/* Loads and checks a .nm file.  Returns false when any error was reported. */
bool nm_program_load_file(nm_program *program, const char *path);
/* Loads and checks one machine in another format: FORMAT is bbchallenge
 * (ARGUMENT is the text), morphett or yaml (ARGUMENT is a path). */
bool nm_program_load_foreign(nm_program *program, const char *format, const char *argument);
/* Loads and checks .nm source held in memory (tests, fuzzing). */
bool nm_program_load_text(nm_program *program, const char *name, const char *text, size_t length);

nm_machine *nm_program_find_machine(const nm_program *program, const char *name);
struct nm_model *nm_program_find_model(const nm_program *program, const char *name);
struct nm_task *nm_program_find_task(const nm_program *program, const char *name);
/* The train declaration of model NAME, or with NAME NULL the only one in
 * the root file (NULL when there are none or several). */
struct nm_train_spec *nm_program_find_train(const nm_program *program, const char *name);
/* Machines declared in the root file itself, in order. */
size_t nm_program_root_machines(const nm_program *program, nm_machine **machines, size_t capacity);
const nm_decl *nm_program_find_decl(const nm_program *program, const char *name);

#endif
