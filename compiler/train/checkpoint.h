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
 * declaration, naming the first that differs.
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

bool nm_checkpoint_save(const char *path, const nm_train_spec *spec, const nm_sequence_model *model,
                        const nm_optimizer *optimizer, const nm_checkpoint_state *state, char **error);

/* Loads PATH into MODEL (and OPTIMIZER and STATE, when not NULL: resuming
 * checks every setting; evaluating, only the model's).  FILE names the
 * source file in messages.  Parameters stored in another precision are
 * converted only for evaluation. */
bool nm_checkpoint_load(const char *path, const char *file, const nm_train_spec *spec, nm_sequence_model *model,
                        nm_optimizer *optimizer, nm_checkpoint_state *state, char **error);

/* The precision a checkpoint was written in, for building the model that
 * evaluates it; false with a message when the file cannot be read. */
bool nm_checkpoint_precision(const char *path, nm_dtype *dtype, char **error);

#endif
