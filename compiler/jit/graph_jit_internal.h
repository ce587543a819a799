/* Shared parts of the tensor graph JIT (graph_jit*.c): the plan that
 * records where every node's value lives, and the code generators that
 * read it.
 *
 * Planning first merges identical nodes, then gives every live node a
 * place.  A constant is a number.  A view is memory with an offset and
 * per-dimension strides (0 for a broadcast dimension); a view either reads
 * a leaf's array or the buffer of a materialized node, which one kernel
 * writes contiguously.  An inline node is an elementwise operation
 * computed inside the loops of its consumers: of its only consumer, or of
 * each one when it costs a few additions, multiplications or divisions.
 * Layout then gives every materialized node its storage: the forward
 * frame, the workspace (forward) or scratch memory (backward), reused once
 * a buffer is dead, or the caller's gradient array.
 */
#ifndef NM_GRAPH_JIT_INTERNAL_H
#define NM_GRAPH_JIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <llvm-c/Core.h>

#include "tensor/graph.h"
#include "util/arena.h"

/* Buffers start at multiples of this many elements (64 bytes in float),
 * so that frames and scratch memory aligned to 64 bytes align them. */
#define NM_GRAPH_ALIGN 16

typedef enum nm_base_kind {
    NM_BASE_NONE,        /* no memory */
    NM_BASE_NODE,        /* the buffer of materialized node `index` of the same graph */
    NM_BASE_FRAME,       /* the forward frame */
    NM_BASE_WORK,        /* the forward workspace or the backward scratch memory */
    NM_BASE_INPUT,       /* inputs[index] */
    NM_BASE_STATE,       /* states[index] */
    NM_BASE_PARAM,       /* params[index] */
    NM_BASE_SEED,        /* seeds[index] of forward node `index`, zeros when NULL */
    NM_BASE_INPUT_GRAD,  /* input_grads[index], skipped when NULL */
    NM_BASE_STATE_GRAD,  /* state_grads[index], skipped when NULL */
    NM_BASE_PARAM_GRAD,  /* param_grads[index], added into, skipped when NULL */
    NM_BASE_COUNT
} nm_base_kind;

/* Memory of a node's shape: element (i0, i1, ...) is at base + offset +
 * sum of i_d * strides[d], in elements. */
typedef struct nm_view {
    nm_base_kind base;
    int index;
    long offset;
    long strides[NM_MAX_RANK];
} nm_view;

typedef enum nm_place_kind { NM_PLACE_CONST, NM_PLACE_VIEW, NM_PLACE_INLINE } nm_place_kind;

typedef struct nm_place {
    nm_place_kind kind;
    double constant;
    nm_view view;
} nm_place;

typedef struct nm_node_plan {
    bool live;
    int uses;              /* operand references from live nodes */
    bool fusable;          /* every consumer can compute it inline (same-size
                              elementwise operations, reductions, pad, concat) */
    bool result;           /* an output, next state or gradient */
    bool saved;            /* forward nodes that the backward cell reads */
    bool need_memory;      /* a consumer reads it from memory, even a constant */
    bool need_contiguous;  /* a consumer reads it as one contiguous array */
    bool need_matrix;      /* a matrix product reads it as rows with unit stride */
    int tree_size;         /* inline nodes: operations in the expression */
    bool costly;           /* inline nodes: the expression has an operation other
                              than +, -, *, / and negation */
    nm_place place;        /* how consumers read the node */
    bool materialized;     /* kernels write place.view (base NODE, contiguous) */
    bool copy;             /* materialized as a copy of `source` */
    nm_place source;
    nm_view storage;       /* materialized nodes: FRAME, WORK or a gradient array */
    bool accumulate;       /* storage is a parameter gradient that kernels add into */
    int last_read;         /* materialized nodes: the last node whose kernels read them */
} nm_node_plan;

typedef struct nm_graph_plan {
    const nm_graph *graph;   /* a copy whose operands are canonical nodes */
    bool backward;
    int *canonical;          /* per node: the first node identical to it */
    nm_node_plan *nodes;
    size_t frame_elements;   /* forward plans */
    size_t work_elements;
} nm_graph_plan;

/* Plans FORWARD; SAVED marks the forward nodes that the backward cell
 * reads (may be NULL). */
void nm_plan_forward(nm_graph_plan *plan, const nm_graph *forward, const bool *saved);
/* Plans BACKWARD against the plan of its forward cell. */
void nm_plan_backward(nm_graph_plan *plan, const nm_graph *backward, const nm_graph_plan *forward);
/* The forward nodes whose values the live part of BACKWARD reads. */
bool *nm_plan_saved_nodes(const nm_graph *backward, int forward_count);
void nm_plan_free(nm_graph_plan *plan);

/* Gives every materialized node its storage (graph_jit_layout.c). */
void nm_plan_layout(nm_graph_plan *plan);
/* A view with base NODE rewritten onto the owner's storage. */
nm_view nm_plan_resolve(const nm_graph_plan *plan, nm_view view);

/* Shape helpers. */
void nm_contiguous_strides(nm_shape shape, long *strides);
bool nm_view_is_contiguous(const nm_view *view, nm_shape shape);

/* ---- kernels ---------------------------------------------------------- */

/* One memory operand of a loop kernel: a resolved view and its strides
 * over the kernel's iteration dimensions. */
typedef struct nm_access {
    nm_view view;
    long strides[NM_MAX_RANK];
} nm_access;

/* Expression nodes of a loop kernel: op is an elementwise operation,
 * NM_OP_CONST (value) or NM_OP_INPUT (a load of access `access`). */
typedef struct nm_expr {
    nm_op op;
    int operands[2];
    int access;
    double value;
} nm_expr;

/* A loop nest over DIMS that stores (or with ACCUMULATE adds) the value of
 * expression ROOT into OUT.  OUT may have stride 0 in some dimensions, which
 * makes the kernel a reduction when it accumulates. */
typedef struct nm_loop_kernel {
    int rank;
    int dims[NM_MAX_RANK];
    nm_access out;
    bool accumulate;
    NM_VEC(nm_access) accesses;
    NM_VEC(nm_expr) exprs;
    int root;
} nm_loop_kernel;

void nm_loop_kernel_init(nm_loop_kernel *kernel, nm_shape shape, nm_view out, const long *out_strides,
                         bool accumulate);
void nm_loop_kernel_free(nm_loop_kernel *kernel);
int nm_kernel_const(nm_loop_kernel *kernel, double value);
/* A load of VIEW, a value of shape SHAPE broadcast against the kernel's
 * iteration shape. */
int nm_kernel_load(nm_loop_kernel *kernel, nm_view view, nm_shape shape);
int nm_kernel_op(nm_loop_kernel *kernel, nm_op op, int a, int b);
/* Expression of PLACE for node NODE (the root of inline chains). */
int nm_kernel_place(nm_loop_kernel *kernel, const nm_graph_plan *plan, int node, const nm_place *place);
/* Expression of NODE's own elementwise operation on its operands. */
int nm_kernel_compute(nm_loop_kernel *kernel, const nm_graph_plan *plan, int node);
/* Drops unit dimensions and merges dimensions that every access walks
 * contiguously, then writes the kernel's signature into SIGNATURE. */
void nm_loop_kernel_finish(nm_loop_kernel *kernel, nm_buf *signature);

/* A matrix product C = op(A) op(B), C contiguous [rows, m]: A is [rows, k]
 * (or [k, rows] with transpose_a) with row stride lda, B is [k, m] (or
 * [m, k] with transpose_b) with row stride ldb. */
typedef struct nm_matmul_kernel {
    int rows, k, m;
    long lda, ldb;
    bool transpose_a, transpose_b, accumulate;
} nm_matmul_kernel;

/* Softmax along the middle of [outer, length, inner], both contiguous. */
typedef struct nm_softmax_kernel {
    size_t outer, length, inner;
} nm_softmax_kernel;

/* ---- LLVM code generation ---------------------------------------------- */

typedef struct nm_llvm_types {
    LLVMContextRef context;
    LLVMModuleRef module;
    LLVMBuilderRef builder;
    LLVMTypeRef element, i1, i64, ptr, void_type;
    size_t element_size;
    int vector_width;         /* elements per host vector register */
} nm_llvm_types;

/* A counted loop from 0 to COUNT - 1 (COUNT >= 1); nm_loop_begin leaves
 * the builder in its body, nm_loop_end after it. */
typedef struct nm_loop {
    LLVMBasicBlockRef entry, body;
    LLVMValueRef index;
    long count;
} nm_loop;

void nm_loop_begin(nm_llvm_types *t, nm_loop *loop, long count);
void nm_loop_end(nm_llvm_types *t, nm_loop *loop);
/* A loop-carried value: INITIAL on entry, then what nm_loop_carry_set
 * gives it, called at the end of the body just before nm_loop_end. */
LLVMValueRef nm_loop_carry(nm_llvm_types *t, nm_loop *loop, LLVMValueRef initial);
void nm_loop_carry_set(nm_llvm_types *t, LLVMValueRef phi, LLVMValueRef next);

LLVMValueRef nm_llvm_index(nm_llvm_types *t, long value);
/* Vectors of WIDTH elements; WIDTH 1 means the scalar element type. */
LLVMTypeRef nm_llvm_vector_type(nm_llvm_types *t, int width);
LLVMValueRef nm_llvm_splat(nm_llvm_types *t, LLVMValueRef value, int width);
/* START plus the lanes of VECTOR, added in any order. */
LLVMValueRef nm_llvm_reduce(nm_llvm_types *t, LLVMValueRef start, LLVMValueRef vector);
LLVMValueRef nm_llvm_element(nm_llvm_types *t, double value);
/* The address of element OFFSET of array BASE. */
LLVMValueRef nm_llvm_address(nm_llvm_types *t, LLVMValueRef base, LLVMValueRef offset);
LLVMValueRef nm_llvm_load(nm_llvm_types *t, LLVMTypeRef type, LLVMValueRef address);
void nm_llvm_store(nm_llvm_types *t, LLVMValueRef value, LLVMValueRef address);
/* Calls the overloaded intrinsic NAME (e.g. "llvm.fmuladd") on values of TYPE. */
LLVMValueRef nm_llvm_intrinsic(nm_llvm_types *t, const char *name, LLVMTypeRef type, LLVMValueRef *args,
                               unsigned count);
/* A kernel function taking COUNT noalias pointers. */
LLVMValueRef nm_llvm_kernel_function(nm_llvm_types *t, const char *name, unsigned count);

/* Kernel bodies (graph_jit_codegen.c and graph_jit_matmul.c). */
void nm_emit_loop_kernel(nm_llvm_types *t, LLVMValueRef function, const nm_loop_kernel *kernel);
void nm_emit_softmax_kernel(nm_llvm_types *t, LLVMValueRef function, const nm_softmax_kernel *kernel);
void nm_emit_matmul_kernel(nm_llvm_types *t, LLVMValueRef function, const nm_matmul_kernel *kernel);

/* The step functions of a forward plan and, when BACKWARD is not NULL, of
 * a backward plan (graph_jit_step.c). */
void nm_emit_steps(nm_llvm_types *t, const nm_graph_plan *forward, const nm_graph_plan *backward);

#define NM_FORWARD_FUNCTION "nm_graph_forward"
#define NM_BACKWARD_FUNCTION "nm_graph_backward"

#endif
