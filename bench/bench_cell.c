/* Times the tensor graph JIT on the default Neural Turing Machine (LSTM
 * controller of 100 units, 128 x 20 memory, one read and one write head,
 * 9 inputs, 8 outputs) in float: one forward and backward pass over a
 * sequence of 41 steps, the length of the copy task at length 20.
 *
 * The forward pass runs the 41 steps, each into its own frame; the
 * backward pass then runs from the last step to the first with random
 * gradients of the outputs, and as gradients of the next states the state
 * gradients of the step after (zeros after the last step).  Parameter
 * gradients accumulate.  All memory is allocated before timing.
 *
 *   bench_cell [--batch 1,8,32] [--repeats N]
 *
 * Prints, per batch size, the compile time and the median and minimum
 * seconds of one pass over a batch of sequences.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jit/graph_jit.h"
#include "tensor/autodiff.h"
#include "tensor/ntm.h"
#include "tensor/sequence.h"

#define NM_STEPS 41

typedef struct nm_bench {
    nm_ntm *ntm;
    nm_graph *backward;
    nm_cell_jit *jit;
    int batch;
    const void **params;
    void **param_grads;
    const void **initial_states;
    unsigned char *frames;            /* NM_STEPS frames */
    size_t frame_size;
    void *scratch;
    float *inputs;                    /* NM_STEPS x [B, inputs] */
    float *output_seeds;              /* NM_STEPS x [B, outputs] */
    void **state_grads[2];            /* double-buffered through time */
    const void **seeds;               /* per forward node */
    const void **states;              /* per state: the current step's */
    int *next_state;                  /* per state: the node of its next value */
} nm_bench;

static double nm_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

static void *nm_bench_alloc(size_t bytes)
{
    size_t rounded = (bytes + 63) / 64 * 64;
    void *memory = aligned_alloc(64, rounded ? rounded : 64);
    if (!memory) {
        fprintf(stderr, "bench_cell: out of memory\n");
        exit(1);
    }
    memset(memory, 0, rounded ? rounded : 64);
    return memory;
}

static float *nm_random_floats(size_t count, double low, double high, uint64_t *random)
{
    float *values = nm_bench_alloc(count * sizeof *values);
    for (size_t i = 0; i < count; i++)
        values[i] = (float)(low + (high - low) * nm_random_uniform(random));
    return values;
}

/* Parameters uniform in [-0.1, 0.1], initial states from the spec, input
 * bits and output gradients at random. */
static void nm_bench_data(nm_bench *bench, uint64_t *random)
{
    const nm_graph *cell = bench->ntm->cell;
    bench->params = calloc((size_t)cell->param_count + 1, sizeof *bench->params);
    bench->param_grads = calloc((size_t)cell->param_count + 1, sizeof *bench->param_grads);
    bench->initial_states = calloc((size_t)cell->state_count + 1, sizeof *bench->initial_states);
    for (int i = 0; i < cell->count; i++) {
        const nm_node *node = &cell->nodes[i];
        size_t size = nm_shape_size(node->shape);
        if (node->op == NM_OP_PARAM) {
            bench->params[node->leaf_index] = nm_random_floats(size, -0.1, 0.1, random);
            bench->param_grads[node->leaf_index] = nm_bench_alloc(size * sizeof(float));
        }
    }
    for (int s = 0; s < bench->ntm->state_count; s++) {
        const nm_node *node = &cell->nodes[bench->ntm->states[s].node];
        double value = bench->ntm->states[s].init.value;
        bench->initial_states[node->leaf_index] = nm_random_floats(nm_shape_size(node->shape), value, value, random);
    }
    size_t input_size = (size_t)bench->batch * (size_t)bench->ntm->spec.inputs;
    size_t output_size = (size_t)bench->batch * (size_t)bench->ntm->spec.outputs;
    bench->inputs = nm_random_floats(NM_STEPS * input_size, 0.0, 1.0, random);
    for (size_t i = 0; i < NM_STEPS * input_size; i++)
        bench->inputs[i] = bench->inputs[i] < 0.5f ? 0.0f : 1.0f;
    bench->output_seeds = nm_random_floats(NM_STEPS * output_size, -1.0, 1.0, random);
}

static void nm_bench_buffers(nm_bench *bench)
{
    const nm_graph *cell = bench->ntm->cell;
    bench->frame_size = nm_cell_jit_frame_size(bench->jit);
    bench->frames = nm_bench_alloc(NM_STEPS * bench->frame_size);
    bench->scratch = nm_bench_alloc(nm_cell_jit_backward_frame_size(bench->jit));
    bench->seeds = calloc((size_t)cell->count + 1, sizeof *bench->seeds);
    bench->states = calloc((size_t)cell->state_count + 1, sizeof *bench->states);
    bench->next_state = calloc((size_t)cell->state_count + 1, sizeof *bench->next_state);
    for (int k = 0; k < 2; k++)
        bench->state_grads[k] = calloc((size_t)cell->state_count + 1, sizeof *bench->state_grads[k]);
    for (int i = 0; i < cell->count; i++) {
        const nm_node *node = &cell->nodes[i];
        if (node->op == NM_OP_STATE)
            for (int k = 0; k < 2; k++)
                bench->state_grads[k][node->leaf_index] = nm_bench_alloc(nm_shape_size(node->shape) * sizeof(float));
        if (node->result == NM_RESULT_NEXT_STATE)
            bench->next_state[cell->nodes[node->state_of].leaf_index] = i;
    }
}

static void nm_bench_forward(nm_bench *bench)
{
    const nm_graph *cell = bench->ntm->cell;
    const void **states = bench->states;
    const void *inputs[1];
    size_t input_size = (size_t)bench->batch * (size_t)bench->ntm->spec.inputs;
    for (int t = 0; t < NM_STEPS; t++) {
        unsigned char *frame = bench->frames + (size_t)t * bench->frame_size;
        for (int s = 0; s < cell->state_count; s++)
            states[s] = t == 0 ? bench->initial_states[s]
                               : nm_cell_jit_value(bench->jit, frame - bench->frame_size, bench->next_state[s]);
        inputs[0] = bench->inputs + (size_t)t * input_size;
        nm_cell_jit_forward(bench->jit, frame, inputs, states, bench->params);
    }
}

static void nm_bench_backward(nm_bench *bench)
{
    const nm_graph *cell = bench->ntm->cell;
    size_t output_size = (size_t)bench->batch * (size_t)bench->ntm->spec.outputs;
    for (int t = NM_STEPS - 1; t >= 0; t--) {
        void **written = bench->state_grads[t % 2], **later = bench->state_grads[(t + 1) % 2];
        bench->seeds[bench->ntm->logits] = bench->output_seeds + (size_t)t * output_size;
        for (int s = 0; s < cell->state_count; s++)
            bench->seeds[bench->next_state[s]] = t == NM_STEPS - 1 ? NULL : later[s];
        const unsigned char *frame = bench->frames + (size_t)t * bench->frame_size;
        nm_cell_jit_backward(bench->jit, bench->scratch, frame, bench->seeds, bench->params, NULL, written,
                             bench->param_grads);
    }
}

static void nm_bench_free(nm_bench *bench)
{
    const nm_graph *cell = bench->ntm->cell;
    for (int p = 0; p < cell->param_count; p++) {
        free((void *)bench->params[p]);
        free(bench->param_grads[p]);
    }
    for (int s = 0; s < cell->state_count; s++) {
        free((void *)bench->initial_states[s]);
        free(bench->state_grads[0][s]);
        free(bench->state_grads[1][s]);
    }
    free(bench->params);
    free(bench->param_grads);
    free(bench->initial_states);
    free(bench->state_grads[0]);
    free(bench->state_grads[1]);
    free(bench->frames);
    free(bench->scratch);
    free(bench->inputs);
    free(bench->output_seeds);
    free(bench->seeds);
    free(bench->states);
    free(bench->next_state);
    nm_cell_jit_free(bench->jit);
    nm_graph_free(bench->backward);
    nm_ntm_free(bench->ntm);
}

static int nm_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void nm_bench_run(int batch, int repeats)
{
    nm_ntm_spec spec;
    nm_ntm_defaults(&spec);
    spec.inputs = 9;
    spec.outputs = 8;
    nm_bench bench;
    memset(&bench, 0, sizeof bench);
    bench.batch = batch;
    bench.ntm = nm_ntm_build(&spec, batch);
    bench.backward = nm_graph_backward(bench.ntm->cell);
    char *error = NULL;
    bench.jit = nm_cell_jit_compile(bench.ntm->cell, bench.backward, NM_F32, &error);
    if (!bench.jit) {
        fprintf(stderr, "bench_cell: the JIT failed: %s\n", error);
        exit(1);
    }
    uint64_t random = 42;
    nm_bench_data(&bench, &random);
    nm_bench_buffers(&bench);

    double *times = calloc((size_t)repeats, sizeof *times);
    for (int r = -2; r < repeats; r++) {
        double started = nm_now();
        nm_bench_forward(&bench);
        nm_bench_backward(&bench);
        if (r >= 0)
            times[r] = nm_now() - started;
    }
    qsort(times, (size_t)repeats, sizeof *times, nm_compare_doubles);
    printf("%5d  %10.3f  %12.6f  %12.6f  %10.1f\n", batch, nm_cell_jit_compile_seconds(bench.jit),
           times[repeats / 2], times[0], batch / times[repeats / 2]);
    fflush(stdout);
    free(times);
    nm_bench_free(&bench);
}

int main(int argc, char **argv)
{
    char batches[256] = "1,8,32";
    int repeats = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--batch") == 0) {
            snprintf(batches, sizeof batches, "%s", argv[i + 1]);
        } else if (strcmp(argv[i], "--repeats") == 0) {
            repeats = atoi(argv[i + 1]);
        } else {
            fprintf(stderr, "usage: bench_cell [--batch 1,8,32] [--repeats N]\n");
            return 2;
        }
    }
    if (repeats < 1)
        repeats = 1;
    printf("NTM, LSTM 100, memory 128 x 20, 1 read and 1 write head, float, %d steps forward and backward\n",
           NM_STEPS);
    printf("batch  compile(s)  median(s)     min(s)        seq/s\n");
    for (char *part = strtok(batches, ","); part; part = strtok(NULL, ","))
        nm_bench_run(atoi(part), repeats);
    return 0;
}
