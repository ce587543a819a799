/* Task data; see tasks.h. */
#include "tasks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t nm_task_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double nm_task_uniform(uint64_t *state)
{
    return (double)(nm_task_random(state) >> 11) * 0x1.0p-53;
}

/* A whole number in [low, high], without modulo bias worth mentioning for
 * ranges this small (at most 2^20 values from 64 random bits). */
static int nm_task_between(uint64_t *state, int low, int high)
{
    uint64_t span = (uint64_t)(high - low) + 1;
    return low + (int)(nm_task_random(state) % span);
}

int nm_task_inputs(const nm_task_spec *task)
{
    return task->kind == NM_TASK_COPY ? task->width + 1 : task->width + 2;
}

int nm_task_outputs(const nm_task_spec *task)
{
    return task->kind == NM_TASK_COPY ? task->width : task->width + 1;
}

int nm_task_steps(const nm_task_spec *task, int length, int repeats)
{
    if (task->kind == NM_TASK_COPY)
        return 2 * length + 1;
    return length + 2 + length * repeats + 1;
}

int nm_task_max_steps(const nm_task_spec *task)
{
    return nm_task_steps(task, task->max_length, task->max_repeats);
}

static void *nm_task_alloc(size_t count, size_t size)
{
    void *pointer = calloc(count ? count : 1, size ? size : 1);
    if (!pointer) {
        fprintf(stderr, "nmc: out of memory for task data\n");
        abort();
    }
    return pointer;
}

static void nm_task_reserve(nm_task_batch *batch, const nm_task_spec *task, int steps)
{
    if (steps <= batch->capacity)
        return;
    int old = batch->capacity;
    batch->inputs = realloc(batch->inputs, (size_t)steps * sizeof *batch->inputs);
    batch->targets = realloc(batch->targets, (size_t)steps * sizeof *batch->targets);
    batch->mask = realloc(batch->mask, (size_t)steps);
    if (!batch->inputs || !batch->targets || !batch->mask) {
        fprintf(stderr, "nmc: out of memory for task data\n");
        abort();
    }
    for (int t = old; t < steps; t++) {
        batch->inputs[t] = nm_task_alloc((size_t)batch->batch * (size_t)nm_task_inputs(task), sizeof(double));
        batch->targets[t] = nm_task_alloc((size_t)batch->batch * (size_t)nm_task_outputs(task), sizeof(double));
    }
    batch->capacity = steps;
}

void nm_task_batch_init(nm_task_batch *batch, const nm_task_spec *task, int size)
{
    memset(batch, 0, sizeof *batch);
    batch->batch = size;
    nm_task_reserve(batch, task, nm_task_max_steps(task));
}

void nm_task_batch_free(nm_task_batch *batch)
{
    for (int t = 0; t < batch->capacity; t++) {
        free(batch->inputs[t]);
        free(batch->targets[t]);
    }
    free(batch->inputs);
    free(batch->targets);
    free(batch->mask);
    memset(batch, 0, sizeof *batch);
}

static void nm_task_clear(nm_task_batch *batch, const nm_task_spec *task)
{
    size_t inputs = (size_t)batch->batch * (size_t)nm_task_inputs(task);
    size_t outputs = (size_t)batch->batch * (size_t)nm_task_outputs(task);
    for (int t = 0; t < batch->steps; t++) {
        memset(batch->inputs[t], 0, inputs * sizeof(double));
        memset(batch->targets[t], 0, outputs * sizeof(double));
        batch->mask[t] = 0;
    }
}

/* The repeat count as the network sees it: (r - mean) / deviation, for r
 * uniform over [min, max]. */
static double nm_normalised_repeats(const nm_task_spec *task, int repeats)
{
    double count = (double)(task->max_repeats - task->min_repeats + 1);
    double mean = (task->min_repeats + task->max_repeats) / 2.0;
    double variance = (count * count - 1) / 12.0;
    return variance > 0 ? (repeats - mean) / sqrt(variance) : 0.0;
}

static void nm_fill_sequence(const nm_task_spec *task, nm_task_batch *batch, int b, uint64_t *state)
{
    int width = task->width, inputs = nm_task_inputs(task), outputs = nm_task_outputs(task);
    int length = batch->length;
    for (int t = 0; t < length; t++) {
        double *input = batch->inputs[t] + (size_t)b * (size_t)inputs;
        for (int i = 0; i < width; i++)
            input[i] = (double)(nm_task_random(state) >> 63);
    }
    batch->inputs[length][(size_t)b * (size_t)inputs + (size_t)width] = 1.0; /* delimiter */

    int first = length + 1, copies = 1;
    if (task->kind == NM_TASK_REPEAT_COPY) {
        batch->inputs[length + 1][(size_t)b * (size_t)inputs + (size_t)width + 1] =
            nm_normalised_repeats(task, batch->repeats);
        first = length + 2;
        copies = batch->repeats;
    }
    for (int c = 0; c < copies; c++)
        for (int t = 0; t < length; t++) {
            const double *source = batch->inputs[t] + (size_t)b * (size_t)inputs;
            double *target = batch->targets[first + c * length + t] + (size_t)b * (size_t)outputs;
            memcpy(target, source, (size_t)width * sizeof(double));
        }
    if (task->kind == NM_TASK_REPEAT_COPY)
        batch->targets[batch->steps - 1][(size_t)b * (size_t)outputs + (size_t)width] = 1.0;
}

void nm_task_generate(const nm_task_spec *task, nm_task_batch *batch, uint64_t *state,
                      int min_length, int max_length, int length, int repeats)
{
    batch->length = length > 0 ? length : nm_task_between(state, min_length, max_length);
    batch->repeats = 1;
    if (task->kind == NM_TASK_REPEAT_COPY)
        batch->repeats = repeats > 0 ? repeats : nm_task_between(state, task->min_repeats, task->max_repeats);
    batch->steps = nm_task_steps(task, batch->length, batch->repeats);
    nm_task_reserve(batch, task, batch->steps);
    nm_task_clear(batch, task);

    int first = task->kind == NM_TASK_COPY ? batch->length + 1 : batch->length + 2;
    for (int t = first; t < batch->steps; t++)
        batch->mask[t] = 1;
    for (int b = 0; b < batch->batch; b++)
        nm_fill_sequence(task, batch, b, state);
}
