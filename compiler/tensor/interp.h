/* The reference interpreter of tensor graphs, in double precision: plain
 * loops, one node after another, each result in its own buffer.  The JIT
 * is tested against it. */
#ifndef NM_TENSOR_INTERP_H
#define NM_TENSOR_INTERP_H

#include "graph.h"

/* Where the leaves of a graph take their values from; each array is
 * indexed like the leaves or, for SAVED and SEED, by forward node. */
typedef struct nm_eval_env {
    double *const *inputs;
    double *const *states;
    double *const *params;
    double *const *forward;  /* values of the forward graph's nodes */
    double *const *seeds;    /* gradients of the forward graph's results */
} nm_eval_env;

/* One buffer per node, sized by its shape. */
double **nm_graph_values_new(const nm_graph *graph);
void nm_graph_values_free(const nm_graph *graph, double **values);
/* Evaluates every node of GRAPH into VALUES. */
void nm_graph_eval(const nm_graph *graph, const nm_eval_env *env, double **values);

#endif
