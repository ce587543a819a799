/* Helpers shared by the importer tests: import a text, check the machine
 * as nmc does, look up its transitions and run it. */
#ifndef NM_IMPORT_FIXTURE_H
#define NM_IMPORT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "import/import.h"
#include "machine/machine.h"

typedef enum nm_fixture_format { NM_FIXTURE_MORPHETT, NM_FIXTURE_YAML } nm_fixture_format;

typedef struct nm_fixture {
    nm_arena arena;
    nm_diag diag;
    nm_buf messages;     /* every diagnostic, as nmc prints it */
    nm_source *source;
    nm_decl *decl;       /* NULL when the importer reported an error */
    nm_machine *machine; /* NULL when the import or the check failed */
    char *text;          /* the last string a lookup returned */
} nm_fixture;

/* Imports TEXT as the file NAME and checks the machine.  INPUT is the
 * command line's --input, or NULL. */
void nm_fixture_import(nm_fixture *fixture, nm_fixture_format format, const char *name,
                       const char *text, const char *input);
/* The same for TEXT of LENGTH bytes, which may contain NUL bytes. */
void nm_fixture_import_bytes(nm_fixture *fixture, nm_fixture_format format, const char *name,
                             const char *text, size_t length, const char *input);
/* Imports the file data/NAME of the test folder. */
void nm_fixture_import_file(nm_fixture *fixture, nm_fixture_format format, const char *name);
void nm_fixture_free(nm_fixture *fixture);

/* The first line of the diagnostics, or "" when there are none. */
const char *nm_fixture_first_message(nm_fixture *fixture);
/* The alphabet as its symbols separated by '|', as in "_|0|1". */
const char *nm_fixture_alphabet(nm_fixture *fixture);
/* The halting states separated by '|'. */
const char *nm_fixture_halting_states(nm_fixture *fixture);
/* The transition of STATE reading SYMBOL as "write move next", such as
 * "1 L carry", or "none"; "no such state" or "no such symbol" when the
 * names are unknown. */
const char *nm_fixture_transition(nm_fixture *fixture, const char *state, const char *symbol);
/* Runs the machine on INPUT (its default input when NULL) for at most
 * 10000 steps and returns "state steps tape head", such as "done 8 1100 0",
 * with the tape from its first to its last non-blank cell or head. */
const char *nm_fixture_run(nm_fixture *fixture, const char *input);

#endif
