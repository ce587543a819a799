/* The nmc command line: shared option parsing and the commands. */
#ifndef NM_DRIVER_H
#define NM_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "program.h"
#include "tensor/ntm.h"

/* Exit statuses of nmc. */
enum {
    NM_EXIT_OK = 0,
    NM_EXIT_ERROR = 1,  /* an error in the input or the run */
    NM_EXIT_USAGE = 2,  /* bad command line */
    NM_EXIT_LIMIT = 3,  /* a limit such as --max-steps was reached */
    NM_EXIT_INTERRUPTED = 130,  /* nmc train stopped by SIGINT or SIGTERM */
};

/* Steps a run may take when --max-steps is not given. */
#define NM_DEFAULT_MAX_STEPS 1000000000ull

/* The command line after the command name, with a cursor. */
typedef struct nm_args {
    int count;
    char **values;
    int index;
    const char *command;
} nm_args;

/* Prints "nmc COMMAND: error: MESSAGE" and a hint to use --help. */
void nm_usage_error(const nm_args *args, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Matches --NAME VALUE or --NAME=VALUE at the cursor; on a match stores the
 * value, advances the cursor and returns true.  A missing value is a usage
 * error reported through *failed, and so is a second value when *VALUE is
 * already set.  An option that may be repeated passes a fresh NULL pointer
 * each time. */
bool nm_take_value(nm_args *args, const char *name, const char **value, bool *failed);
/* Matches the flag --NAME at the cursor. */
bool nm_take_flag(nm_args *args, const char *name);
/* Parses a whole number for option NAME; reports a usage error on failure. */
bool nm_parse_count(const nm_args *args, const char *name, const char *text, uint64_t *value);

/* Writes DATA to PATH (stdout for NULL or "-") through a temporary file and
 * a rename, so that PATH never contains a partial file (see cmd_check.c). */
bool nm_write_output(const char *path, const char *data, size_t length);

/* The folder of the standard library: $NMC_STDLIB, the install location next
 * to the executable, or the source tree this nmc was built from. */
const char *nm_stdlib_dir(void);

/* Loads a program from FILE, or from a foreign format when FORMAT is set. */
nm_program *nm_driver_load(nm_diag *diag, const char *file, const char *format,
                           const char *input, bool *ok);
/* Chooses the machine named NAME, or the only machine of the root file.
 * Reports an error and returns NULL when that is impossible. */
nm_machine *nm_driver_pick_machine(const nm_program *program, const char *name);

struct nm_run_options;
/* Runs MACHINE through its network (interpreter or JIT); see cmd_run_net.c. */
int nm_run_network(const struct nm_run_options *options, const nm_machine *machine,
                   const uint8_t *input, size_t length);
/* Parses a --layout value (NULL means the default, layered). */
#include "net.h"
bool nm_parse_layout(const char *text, nm_layout *layout);

struct nm_model;
const struct nm_model *nm_driver_pick_model(const nm_program *program, const char *name);
/* Checks that the model NAME with SPEC has at most NM_MAX_PARAMETERS
 * parameters, and that batches of BATCH sequences keep every tensor within
 * NM_MAX_TENSOR_ELEMENTS.  Returns false after a usage error that names
 * the change to make. */
bool nm_driver_check_batch(const nm_args *args, const char *name, const nm_ntm_spec *spec, uint64_t batch);
/* Checks MODEL as nm_driver_check_batch does, with the sizes of its train
 * declaration when it gives none.  A model without sizes passes, because
 * building its cells reports it. */
bool nm_driver_model_batch(const nm_args *args, const nm_program *program, const struct nm_model *model,
                           uint64_t batch);
/* Prints a model's forward and backward cells (nmc build --emit=graph), or
 * the LLVM IR of their step functions (--emit=llvm --model NAME). */
bool nm_emit_model_graph(const nm_program *program, const struct nm_model *model, int batch, nm_buf *out);
bool nm_emit_model_llvm(const nm_program *program, const struct nm_model *model, int batch, bool optimize,
                        nm_buf *out);

int nm_command_gradcheck(nm_args *args);
int nm_command_check(nm_args *args);
int nm_command_build(nm_args *args);
int nm_command_run(nm_args *args);
int nm_command_import(nm_args *args);
int nm_command_plot(nm_args *args);
int nm_command_train(nm_args *args);
int nm_command_eval(nm_args *args);

#endif
