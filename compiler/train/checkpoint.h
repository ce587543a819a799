/* Training checkpoints: the parameters, the optimiser's state and the
 * trainer's counters and generator in one safetensors file.
 *
 * Tensors:  param.NAME                 the parameters, in the run's precision
 *           optimizer.SLOT.NAME        the optimiser's state, f64
 *           trainer.counters           u64: sequences, generator, updates, counted
 *           trainer.sums               f64: cost and bit errors since the last evaluation
 * Metadata: format, the model's settings (model.*), precision, task,
 *           optimizer, batch, seed, curriculum, sequences, seconds, and a
 *           checksum of every tensor's name and bytes.
 *
 * Loading checks the format, the checksum, then every setting against the
 * declaration, naming the first that differs, and rejects values that are
 * not finite.  The checksum leaves out the seconds, so that a resumed run's
 * checkpoint equals an uninterrupted one's.  Loading checks them instead.
 */
#ifndef NM_CHECKPOINT_H
#define NM_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "model/train.h"
#include "optim.h"
#include "tensor/sequence.h"

#define NM_CHECKPOINT_FORMAT "nmc-checkpoint 1"

typedef struct nm_checkpoint_state {
    uint64_t sequences;        /* trained so far */
    uint64_t generator;        /* the data generator's state */
    uint64_t updates;          /* optimiser steps */
    uint64_t counted;          /* sequences in the sums */
    double cost_sum;           /* bits since the last evaluation */
    double error_sum;          /* bit errors since the last evaluation */
    double seconds;            /* training time of every run so far */
    uint64_t seed;
} nm_checkpoint_state;

/* Writes the checkpoint to PATH, or to the file PATH links to, through a
 * temporary file beside it and a rename.  Rejects parameters that are not
 * finite. */
bool nm_checkpoint_save(const char *path, const nm_train_spec *spec, const nm_sequence_model *model,
                        const nm_optimizer *optimizer, const nm_checkpoint_state *state, char **error);

/* Loads PATH into MODEL (and OPTIMIZER and STATE, when not NULL: resuming
 * checks every setting; evaluating, only the model's).  FILE names the
 * source file in messages.  Parameters stored in another precision are
 * converted only for evaluation. */
bool nm_checkpoint_load(const char *path, const char *file, const nm_train_spec *spec, nm_sequence_model *model,
                        nm_optimizer *optimizer, nm_checkpoint_state *state, char **error);

/* Checks that PATH names a readable file, not a directory.  Returns false
 * with a message naming the reason. */
bool nm_checkpoint_check_readable(const char *path, char **error);

/* The precision a checkpoint was written in, for building the model that
 * evaluates it; false with a message when the file cannot be read. */
bool nm_checkpoint_precision(const char *path, nm_dtype *dtype, char **error);

/* The index of the first entry of the COUNT floats (or, with DOUBLES,
 * doubles) at DATA that is NaN or infinite, or COUNT when all are finite. */
size_t nm_first_nonfinite(const void *data, size_t count, bool doubles);

/* PATH with the symbolic links at its end followed, so that replacing the
 * file by a rename replaces the link's target and keeps the link. */
char *nm_path_follow_links(const char *path);

/* Whether A and B name the same file: by device and inode when both exist,
 * else by their directories' real paths and their names. */
bool nm_path_same_file(const char *a, const char *b);

/* Checks that the file PATH can be replaced through a temporary file beside
 * it, by creating and removing that file.  Returns 0, or an errno value:
 * EISDIR when PATH is a directory.  A device such as /dev/null is not
 * checked. */
int nm_path_check_writable(const char *path);

#endif
