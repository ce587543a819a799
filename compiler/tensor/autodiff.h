/* Reverse-mode differentiation of tensor graphs; see autodiff.c. */
#ifndef NM_AUTODIFF_H
#define NM_AUTODIFF_H

#include "graph.h"

/* Builds the backward cell of FORWARD (see autodiff.c for its leaves and
 * results). */
nm_graph *nm_graph_backward(const nm_graph *forward);

#endif
