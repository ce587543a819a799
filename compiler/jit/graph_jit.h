/* The JIT for tensor graphs: a forward cell and its backward cell (from
 * nm_graph_backward) compiled through LLVM into two step functions for the
 * host CPU, in float or double.
 *
 * The forward step reads its leaves from caller arrays and writes every
 * value that is needed after the step into a frame: the outputs, the next
 * states and the values the backward cell reads (SAVED leaves).  Frames
 * are allocated by the caller, one per time step when training through
 * time.  The backward step reads one forward frame and the gradients of
 * the step's results, writes the gradients of the inputs and states and
 * adds the gradients of the parameters.  Neither step allocates memory.
 *
 * Elementwise chains are fused into single loops, reductions take their
 * operand's chain as well, slices and reshapes are views, and matrix
 * products use register-blocked vector kernels.  Arrays are row-major
 * with the element type of the JIT.  Output arrays must not overlap the
 * arrays that a step reads.  The forward step uses a workspace that the
 * JIT owns, so one JIT runs one step at a time.
 */
#ifndef NM_GRAPH_JIT_H
#define NM_GRAPH_JIT_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor/graph.h"

typedef struct nm_cell_jit nm_cell_jit;

/* Compiles FORWARD and, when not NULL, BACKWARD (its backward cell from
 * nm_graph_backward) for element type DTYPE.  On failure returns NULL and
 * a heap-allocated message in *ERROR.  The graphs must outlive the JIT. */
nm_cell_jit *nm_cell_jit_compile(const nm_graph *forward, const nm_graph *backward, nm_dtype dtype,
                                 char **error);
void nm_cell_jit_free(nm_cell_jit *jit);

/* Wall-clock seconds that nm_cell_jit_compile took: planning, IR
 * generation, optimisation and machine code generation. */
double nm_cell_jit_compile_seconds(const nm_cell_jit *jit);

/* The LLVM IR of the two step functions, optimised when OPTIMIZE, as a
 * heap-allocated string; NULL and *ERROR on failure. */
char *nm_cell_jit_ir(const nm_graph *forward, const nm_graph *backward, nm_dtype dtype, bool optimize,
                     char **error);

/* Bytes of one forward frame, and of the scratch memory of the backward
 * step (0 without a backward cell).  Both are multiples of 64; buffers
 * aligned to 64 bytes give the fastest access. */
size_t nm_cell_jit_frame_size(const nm_cell_jit *jit);
size_t nm_cell_jit_backward_frame_size(const nm_cell_jit *jit);

/* Runs one forward step.  INPUTS, STATES and PARAMS are indexed by the
 * leaves' leaf_index.  A state may point into the frame of the previous
 * step, but not into FRAME itself. */
void nm_cell_jit_forward(const nm_cell_jit *jit, void *frame, const void *const *inputs,
                         const void *const *states, const void *const *params);

/* Forward node NODE's value inside FRAME, contiguous and row-major: every
 * output and next state has one.  NULL for nodes the frame does not hold
 * as a whole. */
void *nm_cell_jit_value(const nm_cell_jit *jit, void *frame, int node);

/* Runs one backward step on the frame of a forward step.  SEEDS is indexed
 * by forward node (outputs and next states), NULL entries (or a NULL
 * array) meaning zeros.
 * Gradients of inputs and states are written to INPUT_GRADS and
 * STATE_GRADS (indexed by leaf_index; the arrays or their entries may be
 * NULL to skip them); gradients of parameters are added to PARAM_GRADS.
 * SCRATCH has nm_cell_jit_backward_frame_size bytes. */
void nm_cell_jit_backward(const nm_cell_jit *jit, void *scratch, const void *forward_frame,
                          const void *const *seeds, const void *const *params, void *const *input_grads,
                          void *const *state_grads, void *const *param_grads);

#endif
