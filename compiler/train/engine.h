/* Choosing the engine that runs a cell: the LLVM JIT, or the reference
 * interpreter (double precision only). */
#ifndef NM_ENGINE_H
#define NM_ENGINE_H

#include <stdbool.h>

#include "tensor/sequence.h"

/* An engine for FORWARD and BACKWARD (NULL for evaluation only).  With
 * INTERP, the reference interpreter, whose element type is always f64;
 * else the JIT in DTYPE.  NULL and a heap-allocated message in *ERROR when
 * compilation fails. */
nm_cell_engine *nm_make_cell_engine(const nm_graph *forward, const nm_graph *backward, nm_dtype dtype, bool interp,
                                    char **error);

/* The JIT as an engine. */
nm_cell_engine *nm_jit_cell_engine(const nm_graph *forward, const nm_graph *backward, nm_dtype dtype, char **error);

#endif
