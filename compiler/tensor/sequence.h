/* Running a cell over sequences: the forward pass step by step, the loss,
 * and backpropagation through time.
 *
 * The forward pass calls the cell once per time step, each step in its own
 * frame, so that the backward pass can read every value it saved; the
 * backward pass then calls the backward cell from the last step to the
 * first, feeding each step the gradients of its outputs (from the loss)
 * and of its next states (from the step after).  An engine evaluates the
 * cells: the reference interpreter or the JIT.
 */
#ifndef NM_SEQUENCE_H
#define NM_SEQUENCE_H

#include "graph.h"
#include "ntm.h"

/* An engine for one cell and its backward cell, with its own element type. */
typedef struct nm_cell_engine {
    const char *name;
    nm_dtype dtype;
    size_t frame_size;            /* bytes of a forward frame */
    size_t backward_frame_size;   /* bytes of the backward scratch frame */
    void *self;
    void (*forward)(void *self, void *frame, const void *const *inputs, const void *const *states,
                    const void *const *params);
    /* A forward node's value inside FRAME (outputs and next states). */
    void *(*value)(void *self, void *frame, int node);
    void (*backward)(void *self, void *scratch, const void *frame, const void *const *seeds,
                     const void *const *params, void *const *input_grads, void *const *state_grads,
                     void *const *param_grads);
    void (*destroy)(void *self);
} nm_cell_engine;

/* The reference interpreter as an engine (double precision). */
nm_cell_engine *nm_interp_cell_engine(const nm_graph *forward, const nm_graph *backward);

/* A model ready to run sequences: the NTM, its engine, parameters,
 * gradients and frames, all allocated once. */
/* Where a value first stopped being finite: set by a run with a watch. */
typedef struct nm_sequence_watch {
    bool found;
    bool backward;        /* in backpropagation, else in the forward pass */
    int step;             /* the time step */
    const char *tensor;   /* the value, state or parameter gradient */
    double value;         /* the offending value */
} nm_sequence_watch;

typedef struct nm_sequence_model {
    nm_ntm *ntm;
    nm_graph *backward;
    nm_cell_engine *engine;
    int max_steps;
    size_t element;               /* bytes of one element */
    int param_count;              /* the cell's PARAM leaves, then one per learned initial state */
    void **params;
    void **grads;                 /* accumulated */
    size_t *param_sizes;          /* elements */
    const char **param_names;
    int *init_param;              /* per state: its learned parameter, or -1 */
    void **initial_states;        /* per state: the batch's initial value */
    unsigned char *frames;        /* max_steps forward frames */
    unsigned char *scratch;
    unsigned char *inputs;        /* max_steps inputs in the element type */
    unsigned char *output_seeds;  /* max_steps gradients of the logits */
    void **state_grads[2];        /* per state, double-buffered through time */
    const void **seeds;           /* per forward node */
    int *next_state_node;         /* per state: the node of its next value */
    int cell_params;              /* PARAM leaves of the cell */
    nm_sequence_watch *watch;     /* when set, runs check every step for NaN and infinity */
} nm_sequence_model;

/* One batch of sequences: inputs and targets per step, row-major [B, I] and
 * [B, O]; MASK[t] says whether step t's outputs count in the loss. */
typedef struct nm_sequence_batch {
    int steps;
    const double *const *inputs;
    const double *const *targets;
    const unsigned char *mask;
} nm_sequence_batch;

/* Takes ownership of NTM and ENGINE. */
nm_sequence_model *nm_sequence_model_new(nm_ntm *ntm, nm_graph *backward, nm_cell_engine *engine,
                                         int max_steps);
void nm_sequence_model_free(nm_sequence_model *model);

/* Sets every parameter from a uniform generator seeded with SEED:
 * uniform(-SCALE, SCALE), and the random initial states per their spec. */
void nm_sequence_model_randomize(nm_sequence_model *model, uint64_t seed, double scale);

/* How training initialises the weight matrices [in, out]: uniform in
 * +-1/sqrt(in) (lecun, as PyTorch's linear and LSTM layers), in
 * +-sqrt(6/(in + out)) (xavier, Glorot and Bengio 2010), or in +-scale. */
typedef enum nm_weight_init_kind { NM_WEIGHTS_LECUN, NM_WEIGHTS_XAVIER, NM_WEIGHTS_UNIFORM } nm_weight_init_kind;

typedef struct nm_weight_init {
    nm_weight_init_kind kind;
    double scale;        /* uniform: the bound; lecun and xavier: a gain */
} nm_weight_init;

/* The initialisation for training, seeded with SEED: weight matrices per
 * INIT, biases and learned initial states zero, random initial states per
 * their spec. */
void nm_sequence_model_initialize(nm_sequence_model *model, uint64_t seed, nm_weight_init init);

/* Runs BATCH forward; returns the binary cross-entropy of the logits
 * against the targets over the masked steps, summed (in nats).  With
 * GRADIENTS, runs backpropagation through time and adds into the
 * gradients.  LOGITS, when not NULL, receives each step's logits. */
double nm_sequence_run(nm_sequence_model *model, const nm_sequence_batch *batch, bool gradients,
                       double *const *logits);
void nm_sequence_zero_grads(nm_sequence_model *model);

/* Reruns BATCH (forward and backward) checking every value after every
 * step, to name where a NaN or infinity first appeared.  Gradients are
 * zeroed first and hold the rerun's afterwards.  False when every value
 * stayed finite. */
bool nm_sequence_locate_nonfinite(nm_sequence_model *model, const nm_sequence_batch *batch,
                                  nm_sequence_watch *watch);

/* Copies the first sequence's initial value of state S to every sequence
 * of the batch. */
void nm_sequence_repeat_state(nm_sequence_model *model, int s);

/* The shape of parameter P (learned initial states without the batch
 * dimension). */
nm_shape nm_sequence_param_shape(const nm_sequence_model *model, int p);

/* Parameter values and gradients as doubles, whatever the element type. */
double nm_sequence_get(const nm_sequence_model *model, void *const *tensors, int tensor, size_t index);
void nm_sequence_set(nm_sequence_model *model, void *const *tensors, int tensor, size_t index, double value);

/* A deterministic generator for parameters, data and checks: splitmix64. */
uint64_t nm_random_next(uint64_t *state);
double nm_random_uniform(uint64_t *state);   /* in [0, 1) */

#endif
