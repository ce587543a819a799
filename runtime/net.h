/* Rational-weight recurrent networks of saturated-linear neurons.
 *
 * The network of H. T. Siegelmann and E. D. Sontag, "On the computational
 * power of neural nets", Journal of Computer and System Sciences 50(1),
 * 1995: N neurons with state x(t) in Q^N and input lines u(t),
 *
 *     x_i(t+1) = sigma( sum_j a_ij x_j(t) + sum_j b_ij u_j(t) + c_i )
 *     sigma(y) = 0 for y < 0, y for 0 <= y <= 1, 1 for y > 1
 *
 * with every weight an exact rational (GMP).  Nothing else exists in a
 * network: each neuron is sigma of an affine combination of the previous
 * values and the input lines.  Besides the weights a network carries what a
 * reader needs to interpret it: neuron names and roles, and for networks
 * compiled from Turing machines the neurons whose values encode the stacks,
 * the states and the transitions, so that a run can be decoded back into
 * machine configurations.
 */
#ifndef NM_NET_H
#define NM_NET_H

#include <gmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Neurons of one network: far above what any machine within the other
 * limits needs in the layered layout, and it bounds the memory of a run. */
#define NM_NET_MAX_NEURONS (4 * 1024 * 1024)

typedef enum nm_role {
    NM_ROLE_STATE,     /* one-hot machine state */
    NM_ROLE_STACK,     /* a stack value (or one summand of it) */
    NM_ROLE_READER,    /* an indicator read off a stack: non-empty, top >= j */
    NM_ROLE_DETECTOR,  /* a transition fires: state AND symbols read */
    NM_ROLE_GATE,      /* a candidate value let through by detectors */
    NM_ROLE_COPY,      /* a delay: the value of another neuron one step later */
    NM_ROLE_NEXT,      /* the next state, before it is stored */
    NM_ROLE_LOADER,    /* reads the input lines into the first stack */
} nm_role;

typedef struct nm_net_weight {
    int from;          /* a neuron index, or a line index for input weights */
    mpq_t value;
} nm_net_weight;

typedef struct nm_neuron {
    char *name;
    nm_role role;
    int layer;         /* the layered layout's phase (0 to 3); 0 elsewhere */
    mpq_t bias;
    nm_net_weight *weights;   /* from neurons, sorted by source, no zeros */
    int weight_count, weight_capacity;
    nm_net_weight *inputs;    /* from input lines */
    int input_count, input_capacity;
} nm_neuron;

typedef enum nm_layout { NM_LAYOUT_LAYERED, NM_LAYOUT_REALTIME } nm_layout;

/* A group of neurons whose values add up to one quantity (a stack value,
 * or whether a transition fires), with an optional scale per member. */
typedef struct nm_net_sum {
    int *neurons;
    int count;
} nm_net_sum;

/* What decoding needs: where the stacks and the machine state live. */
typedef struct nm_net_machine {
    int tapes;
    int symbols;
    int blank;
    int base_bits;           /* stack base B = 2^base_bits */
    nm_net_sum *left;        /* per tape: the stack left of the head */
    nm_net_sum *right;       /* per tape: the head cell and what is right of it */
    int states;
    int *state_neurons;      /* per machine state */
    int transitions;
    nm_net_sum *fires;       /* per defined transition: 1 when it fires */
    int *transition_state;   /* per defined transition: its state */
} nm_net_machine;

/* How one neuron starts when the input is loaded directly into the initial
 * state instead of through the input lines. */
typedef enum nm_init_kind {
    NM_INIT_ONE,        /* 1: the start state, and the loader marked done */
    NM_INIT_STACK,      /* the value of a stack */
    NM_INIT_INDICATOR,  /* an indicator of a stack: depth and level */
    NM_INIT_FIRES,      /* 1 when this transition fires in the first configuration */
} nm_init_kind;

typedef struct nm_net_init {
    int neuron;
    nm_init_kind kind;
    int stack;          /* 2 * tape for the left stack, 2 * tape + 1 for the right */
    int depth;          /* 1 for the top */
    int level;          /* 0: the depth exists; j: the symbol there is >= j */
    int transition;
} nm_net_init;

typedef struct nm_net {
    nm_neuron *neurons;
    int neuron_count, neuron_capacity;
    int line_count;          /* input lines: 0 data, 1 validation */
    nm_layout layout;
    int period;              /* network steps per machine step */
    int fires_offset;        /* steps after a boundary when `fires` is valid */
    int fired;               /* neuron: 1 when the configuration at the last
                              * boundary had a transition */
    int fired_offset;        /* steps after a boundary when `fired` says so */
    int start_delay;         /* steps from the end of line input to C_0 */
    nm_net_machine machine;
    nm_net_init *init;       /* neurons that are not 0 in a loaded initial state */
    int init_count, init_capacity;
    /* Sums that many neurons take of the same neurons (a transition
     * firing, the gate of a stack operation): a hint that lets the JIT
     * compute each once per step.  They change nothing in the network. */
    nm_net_sum *groups;
    int group_count, group_capacity;
} nm_net;

nm_net *nm_net_new(int line_count);
void nm_net_free(nm_net *net);
/* Adds a neuron with no weights and bias 0; returns its index. */
int nm_net_add_neuron(nm_net *net, const char *name, nm_role role, int layer);
/* Adds VALUE to the weight from neuron FROM into neuron TO. */
void nm_net_add_weight(nm_net *net, int to, int from, const mpq_t value);
void nm_net_add_input(nm_net *net, int to, int line, const mpq_t value);
void nm_net_add_bias(nm_net *net, int to, const mpq_t value);
void nm_net_add_init(nm_net *net, nm_net_init init);
/* Records NEURONS (copied) as a shared sum; ignores groups of fewer than
 * three neurons. */
void nm_net_add_group(nm_net *net, const int *neurons, int count);
/* Sorts weights by source and drops zeros; call once the network is built. */
void nm_net_finish(nm_net *net);
/* Non-zero weights from neurons and lines, and non-zero biases. */
size_t nm_net_weight_count(const nm_net *net);

const char *nm_role_name(nm_role role);
const char *nm_layout_name(nm_layout layout);

/* sigma(y) in place. */
void nm_sigma(mpq_t value);

#endif
