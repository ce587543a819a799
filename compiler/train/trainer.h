/* Training a model on its task: the loop of nmc train, its evaluations,
 * log and checkpoints, and the evaluation of a checkpoint (nmc eval).
 *
 * The data come from one generator seeded with the seed; evaluations use a
 * second generator, reset before each evaluation, so that every evaluation
 * of a run sees the same sequences and a learning curve is not noise.
 * Costs are in bits per sequence: the binary cross-entropy of the outputs
 * that count, over ln 2.  Bit errors count the outputs that count whose
 * sigmoid falls on the wrong side of 1/2, per sequence.
 */
#ifndef NM_TRAINER_H
#define NM_TRAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/train.h"

/* Evaluation sequences one command may ask for. */
#define NM_MAX_EVAL_SEQUENCES 1000000

typedef struct nm_train_options {
    const nm_train_spec *spec;
    const char *file;              /* the source file, for messages */
    uint64_t sequences;            /* 0: the declaration's */
    bool seed_given;
    uint64_t seed;
    const char *checkpoint;        /* NULL: none */
    bool resume;                   /* continue from the checkpoint */
    const char *log_path;          /* CSV, one row per evaluation; NULL: none */
    bool interp;                   /* the reference interpreter, in double precision */
    bool progress;                 /* a progress line on stderr */
    FILE *report;                  /* a line per evaluation, or NULL */
} nm_train_options;

typedef struct nm_eval_result {
    int sequences;
    double cost_bits;              /* mean per sequence */
    double bit_errors;             /* mean per sequence */
    int min_length, max_length;
    int repeats;                   /* repeat copy with fixed repeats, else 0 */
} nm_eval_result;

typedef struct nm_train_result {
    uint64_t sequences;            /* trained in all, resumed runs included */
    uint64_t trained;              /* trained by this run */
    double seconds;                /* wall time of this run's training */
    double sequences_per_second;
    double train_cost_bits;        /* mean since the last evaluation */
    nm_eval_result eval;           /* the last evaluation */
    size_t parameters;
    const char *engine;
    double compile_seconds;
    nm_dtype dtype;
    bool interrupted;              /* stopped by SIGINT or SIGTERM */
    bool up_to_date;               /* the checkpoint already contained the sequences requested */
} nm_train_result;

/* Trains; prints errors to stderr.  Returns 0, or 1 after an error.  On
 * SIGINT or SIGTERM it stops after the current batch, writes the
 * checkpoint and returns 0 with RESULT->interrupted set.  When the resumed
 * checkpoint already contains the sequences requested, it trains nothing,
 * writes nothing and returns 0 with RESULT->up_to_date set. */
int nm_train(const nm_train_options *options, nm_train_result *result);

typedef struct nm_eval_options {
    const nm_train_spec *spec;
    const char *file;
    const char *checkpoint;
    int length;                    /* 0: the task's range */
    int repeats;                   /* 0: the task's range */
    int sequences;
    uint64_t seed;
    bool interp;
} nm_eval_options;

/* Evaluates the parameters of a checkpoint on exactly OPTIONS->sequences
 * fresh sequences: of the last batch only the first rows count.  Returns
 * 0, or 1 after printing an error. */
int nm_eval_checkpoint(const nm_eval_options *options, nm_eval_result *result);

#endif
