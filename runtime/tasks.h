/* The algorithmic tasks of A. Graves, G. Wayne and I. Danihelka, "Neural
 * Turing Machines" (arXiv:1410.5401, 2014), generated from a seeded
 * generator, so that a seed fixes the data.
 *
 * copy: W-bit random vectors, then a delimiter on an extra input channel;
 *   the target is the same sequence, produced while the input is zero.
 *     inputs W + 1, outputs W, steps 2L + 1.
 * repeat copy: W-bit random vectors, a delimiter, then the repeat count on
 *   a separate channel, normalised to mean 0 and variance 1 over the
 *   possible counts; the target repeats the sequence that many times, then
 *   raises an end marker on an extra output channel.
 *     inputs W + 2, outputs W + 1, steps L + 2 + L R + 1.
 */
#ifndef NM_TASKS_H
#define NM_TASKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum nm_task_kind { NM_TASK_COPY, NM_TASK_REPEAT_COPY } nm_task_kind;

typedef struct nm_task_spec {
    nm_task_kind kind;
    int width;                      /* bits per vector */
    int min_length, max_length;     /* vectors per sequence */
    int min_repeats, max_repeats;   /* repeat copy */
} nm_task_spec;

/* One batch of sequences, all of the same length, stored step-major:
 * inputs[t] is [batch, inputs], targets[t] is [batch, outputs]. */
typedef struct nm_task_batch {
    int batch;
    int steps;
    int length;                 /* vectors of the sequence */
    int repeats;                /* repeat copy: copies asked for */
    double **inputs;
    double **targets;
    unsigned char *mask;        /* steps whose outputs count */
    int capacity;               /* steps allocated */
} nm_task_batch;

int nm_task_inputs(const nm_task_spec *task);
int nm_task_outputs(const nm_task_spec *task);
/* Steps of the longest sequence the task can produce. */
int nm_task_max_steps(const nm_task_spec *task);
/* Steps of a sequence of LENGTH vectors and REPEATS copies. */
int nm_task_steps(const nm_task_spec *task, int length, int repeats);

void nm_task_batch_init(nm_task_batch *batch, const nm_task_spec *task, int size);
void nm_task_batch_free(nm_task_batch *batch);

/* Draws a batch with lengths in [MIN_LENGTH, MAX_LENGTH] (a curriculum may
 * narrow the task's range) from the generator STATE.  LENGTH or REPEATS
 * above 0 fix them instead (evaluation at a given length). */
void nm_task_generate(const nm_task_spec *task, nm_task_batch *batch, uint64_t *state,
                      int min_length, int max_length, int length, int repeats);

/* The generator: splitmix64.  The same as the one models use. */
uint64_t nm_task_random(uint64_t *state);
double nm_task_uniform(uint64_t *state);

#endif
