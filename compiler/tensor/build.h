/* Composite operations built from the primitives of graph.h: what memory
 * networks need, with their gradients coming from autodiff of the parts. */
#ifndef NM_TENSOR_BUILD_H
#define NM_TENSOR_BUILD_H

#include "graph.h"

/* Cosine similarity of a key [B, W] with each row of a memory [B, N, W]:
 * u.v / (|u| |v| + epsilon), a [B, N] result.  EPSILON keeps an all-zero
 * row (or key) at similarity 0 instead of 0/0. */
int nm_build_cosine(nm_graph *graph, int key, int memory, double epsilon);

/* Circular convolution of a weighting [B, N] with a shift distribution
 * [B, 2S+1] over shifts -S..S: w_s(i) = sum_j w(j) s((i - j) mod N). */
int nm_build_circular_conv(nm_graph *graph, int weighting, int shifts, int range);

/* Outer product of [B, N] and [B, W]: [B, N, W]. */
int nm_build_outer(nm_graph *graph, int a, int b);

/* Weighted sum of memory rows: sum_i w(i) M(i), [B, N] and [B, N, W] to
 * [B, W]. */
int nm_build_read(nm_graph *graph, int weighting, int memory);

/* x W + b with new parameters NAME.weight [in, out] and NAME.bias [out]. */
int nm_build_linear(nm_graph *graph, int x, int out, const char *name);

/* One LSTM layer: gates from x and the previous h, with new parameters
 * under NAME; stores the new h and c. */
void nm_build_lstm(nm_graph *graph, int x, int h, int c, const char *name, int *h_next,
                   int *c_next);

/* Elementwise helpers. */
int nm_build_one_minus(nm_graph *graph, int a);
int nm_build_add_scalar(nm_graph *graph, int a, double value);
int nm_build_mul_scalar(nm_graph *graph, int a, double value);

#endif
