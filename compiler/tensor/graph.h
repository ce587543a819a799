/* Tensor graphs: the intermediate form of training models.
 *
 * A graph is a list of nodes in topological order.  Every node has a static
 * shape of rank 0 to NM_MAX_RANK; tensors that vary from sequence to
 * sequence carry the batch as their first dimension, parameters do not.
 * Elementwise operations broadcast numpy-style: shapes are aligned on the
 * right and a dimension of 1 stretches.
 *
 * A cell is a graph with four kinds of leaves (inputs, states, parameters
 * and constants) and two kinds of results (outputs and next states): one
 * time step of a recurrent model, (inputs, state, parameters) -> (outputs,
 * next state).  The operations are primitives whose gradients autodiff.c
 * knows; composite operations that models use (cosine similarity, circular
 * convolution, outer products, LSTM layers) are built from them by the
 * functions of build.c.
 */
#ifndef NM_GRAPH_H
#define NM_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define NM_MAX_RANK 4

typedef enum nm_dtype { NM_F32, NM_F64 } nm_dtype;

typedef struct nm_shape {
    int rank;
    int dims[NM_MAX_RANK];
} nm_shape;

typedef enum nm_op {
    /* leaves */
    NM_OP_INPUT,
    NM_OP_STATE,
    NM_OP_PARAM,
    NM_OP_CONST,      /* every element equals `value` */
    NM_OP_SAVED,      /* backward graphs: the value of forward node `ref` */
    NM_OP_SEED,       /* backward graphs: the gradient of forward result `ref` */
    /* elementwise, two operands with broadcasting */
    NM_OP_ADD,
    NM_OP_SUB,
    NM_OP_MUL,
    NM_OP_DIV,
    NM_OP_POW,        /* a^b for a > 0 */
    /* elementwise, one operand */
    NM_OP_NEG,
    NM_OP_EXP,
    NM_OP_LOG,
    NM_OP_SQRT,
    NM_OP_SIGMOID,
    NM_OP_TANH,
    NM_OP_SOFTPLUS,
    /* structure */
    NM_OP_MATMUL,     /* [..., K] x [K, M] -> [..., M]; flags transpose the operands */
    NM_OP_SUM,        /* sum along `axis`, keeping it with length 1 */
    NM_OP_SUM_TO,     /* sum broadcast dimensions away, down to the node's shape */
    NM_OP_SOFTMAX,    /* along `axis` */
    NM_OP_ROLL,       /* circular shift along `axis` by `shift`: y[i] = x[i - shift] */
    NM_OP_SLICE,      /* `length` elements of `axis` from `start` */
    NM_OP_PAD,        /* inverse of SLICE: zeros around the operand */
    NM_OP_CONCAT,     /* along `axis` */
    NM_OP_RESHAPE,    /* same elements, another shape */
    NM_OP_COUNT
} nm_op;

typedef enum nm_result_kind {
    NM_RESULT_NONE,
    NM_RESULT_OUTPUT,
    NM_RESULT_NEXT_STATE,
    NM_RESULT_INPUT_GRAD,   /* backward graphs: gradient of forward input `ref` */
    NM_RESULT_STATE_GRAD,   /* backward graphs: gradient of forward state `ref` */
    NM_RESULT_PARAM_GRAD,   /* backward graphs: added to the gradient of parameter `ref` */
} nm_result_kind;

typedef struct nm_node {
    nm_op op;
    nm_shape shape;
    int inputs[2];        /* operand nodes; CONCAT uses `list` */
    int input_count;
    int *list;            /* CONCAT operands */
    int list_count;
    int axis;
    int start, length;    /* SLICE and PAD */
    int shift;            /* ROLL */
    bool transpose_a, transpose_b;  /* MATMUL */
    double value;         /* CONST */
    const char *name;     /* leaves and results; NULL otherwise */
    int leaf_index;       /* position among the inputs, states or parameters */
    nm_result_kind result;
    int result_index;     /* position among the outputs or next states */
    int state_of;         /* NEXT_STATE results: the STATE node it feeds */
    int ref;              /* SAVED, SEED and gradient results: a forward node */
} nm_node;

typedef struct nm_graph {
    nm_arena arena;
    nm_node *nodes;
    int count, capacity;
    int input_count, state_count, param_count;
    int output_count, next_state_count;
    int batch;            /* the batch size the shapes were built for */
} nm_graph;

nm_graph *nm_graph_new(int batch);
void nm_graph_free(nm_graph *graph);

nm_shape nm_shape_make(int rank, const int *dims);
nm_shape nm_shape1(int a);
nm_shape nm_shape2(int a, int b);
nm_shape nm_shape3(int a, int b, int c);
size_t nm_shape_size(nm_shape shape);
bool nm_shape_equal(nm_shape a, nm_shape b);
/* The broadcast of two shapes; false when they do not broadcast. */
bool nm_shape_broadcast(nm_shape a, nm_shape b, nm_shape *out);
void nm_shape_print(nm_shape shape, nm_buf *out);

/* Leaves. */
int nm_graph_input(nm_graph *graph, const char *name, nm_shape shape);
int nm_graph_state(nm_graph *graph, const char *name, nm_shape shape);
int nm_graph_param(nm_graph *graph, const char *name, nm_shape shape);
int nm_graph_const(nm_graph *graph, double value, nm_shape shape);
int nm_graph_scalar(nm_graph *graph, double value);

/* Operations; each returns the new node.  Shape errors are programming
 * errors of the caller and abort with a message. */
int nm_graph_binary(nm_graph *graph, nm_op op, int a, int b);
int nm_graph_unary(nm_graph *graph, nm_op op, int a);
int nm_graph_matmul(nm_graph *graph, int a, int b, bool transpose_a, bool transpose_b);
int nm_graph_sum(nm_graph *graph, int a, int axis);
int nm_graph_sum_to(nm_graph *graph, int a, nm_shape shape);
int nm_graph_softmax(nm_graph *graph, int a, int axis);
int nm_graph_roll(nm_graph *graph, int a, int axis, int shift);
int nm_graph_slice(nm_graph *graph, int a, int axis, int start, int length);
int nm_graph_pad(nm_graph *graph, int a, int axis, int start, int total);
int nm_graph_concat(nm_graph *graph, const int *parts, int count, int axis);
int nm_graph_reshape(nm_graph *graph, int a, nm_shape shape);

/* Marks results. */
void nm_graph_output(nm_graph *graph, int node, const char *name);
void nm_graph_next_state(nm_graph *graph, int node, int state);
/* Backward graphs: leaves that read the forward step, and gradient results. */
int nm_graph_saved(nm_graph *graph, const nm_graph *forward, int node);
int nm_graph_seed(nm_graph *graph, const nm_graph *forward, int result);
/* Marks NODE as a gradient result; returns the node that carries it (a copy
 * when NODE already is a result). */
int nm_graph_gradient(nm_graph *graph, int node, nm_result_kind kind, int forward_node);

/* The nodes that are leaves or results of a kind, in their order. */
int nm_graph_find_leaf(const nm_graph *graph, nm_op kind, int index);
int nm_graph_find_result(const nm_graph *graph, nm_result_kind kind, int index);

const char *nm_op_name(nm_op op);
bool nm_op_is_elementwise(nm_op op);
/* Prints one node per line: `%12 = mul %3, %11 : [1, 128, 20]`. */
void nm_graph_print(const nm_graph *graph, nm_buf *out);

#endif
