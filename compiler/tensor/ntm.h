/* The Neural Turing Machine cell of A. Graves, G. Wayne and I. Danihelka,
 * "Neural Turing Machines", arXiv:1410.5401, 2014, as a tensor graph.
 *
 * One step: the controller (feed-forward or LSTM) reads the input and the
 * previous read vectors; a linear layer of its output gives every head its
 * parameters; each head addresses the previous memory by content (cosine
 * similarity sharpened by beta, softmax over rows), interpolates with its
 * previous weighting (gate g), shifts (circular convolution with s over
 * -S..S) and sharpens (power gamma, renormalised); read heads read from the
 * previous memory; all write heads erase, then all add; the output logits
 * come from a linear layer of the controller output and the new read
 * vectors.
 */
#ifndef NM_NTM_H
#define NM_NTM_H

#include "graph.h"

#define NM_NTM_MAX_LAYERS 8
#define NM_NTM_MAX_HEADS 32

typedef enum nm_controller_kind { NM_CONTROLLER_FEEDFORWARD, NM_CONTROLLER_LSTM } nm_controller_kind;

typedef enum nm_activation {
    NM_ACTIVATION_LINEAR,
    NM_ACTIVATION_TANH,
    NM_ACTIVATION_SIGMOID,
    NM_ACTIVATION_SOFTPLUS,
    NM_ACTIVATION_ONE_PLUS_SOFTPLUS,
    NM_ACTIVATION_SOFTMAX,
} nm_activation;

/* The head parameters, in the order a head's slice of the controller's
 * projection holds them. */
typedef enum nm_head_param {
    NM_HEAD_KEY,
    NM_HEAD_BETA,
    NM_HEAD_GATE,
    NM_HEAD_SHIFT,
    NM_HEAD_GAMMA,
    NM_HEAD_ERASE,
    NM_HEAD_ADD,
    NM_HEAD_PARAMS
} nm_head_param;

typedef enum nm_state_init_kind { NM_STATE_CONSTANT, NM_STATE_LEARNED, NM_STATE_RANDOM } nm_state_init_kind;

typedef struct nm_state_init {
    nm_state_init_kind kind;
    double value;        /* the constant, or the scale of a uniform [-scale, scale] */
} nm_state_init;

typedef struct nm_ntm_spec {
    int inputs, outputs;
    nm_controller_kind controller;
    int layers;                        /* LSTM layers, or feed-forward hidden layers */
    int sizes[NM_NTM_MAX_LAYERS];      /* units per layer */
    nm_activation hidden_activation;   /* feed-forward hidden layers */
    int rows, width;                   /* memory N x W */
    int read_heads, write_heads;
    int shift_range;                   /* S: shifts -S..S */
    nm_activation activations[NM_HEAD_PARAMS];
    nm_activation output_activation;   /* for predictions; the cell outputs logits */
    double epsilon;                    /* in the cosine similarity */
    nm_state_init memory_init, read_init, weighting_init;
} nm_ntm_spec;

/* Fills SPEC with the defaults: LSTM(100), 128 x 20 memory, one read and one
 * write head, shifts -1..1, key and add tanh, beta softplus, gate sigmoid,
 * shift softmax, gamma 1 + softplus, erase sigmoid, sigmoid output, epsilon
 * 1e-8, memory constant 1e-6, read vectors and weightings constant 0. */
void nm_ntm_defaults(nm_ntm_spec *spec);

/* What each state leaf of the cell is, for initialising it. */
typedef struct nm_ntm_state {
    int node;               /* the STATE leaf */
    nm_state_init init;
    /* A weighting: learned and random initial values pass through a
     * softmax over the rows, so that they start as distributions. */
    bool distribution;
} nm_ntm_state;

typedef struct nm_ntm {
    nm_ntm_spec spec;
    nm_graph *cell;
    int input;              /* INPUT leaf [B, inputs] */
    int logits;             /* output [B, outputs] */
    nm_ntm_state *states;   /* one per STATE leaf, in leaf order */
    int state_count;
} nm_ntm;

/* Builds the cell for BATCH sequences at a time. */
nm_ntm *nm_ntm_build(const nm_ntm_spec *spec, int batch);
void nm_ntm_free(nm_ntm *ntm);

/* Parameters of the cell plus those of learned initial states. */
size_t nm_ntm_parameter_count(const nm_ntm *ntm);

const char *nm_activation_name(nm_activation activation);

#endif
