/* The step functions of the tensor graph JIT: one call of a kernel per
 * materialized node, in the graph's order, with pointers into the frame,
 * the workspace and the caller's arrays.
 *
 *   void nm_graph_forward(ptr frame, ptr inputs, ptr states, ptr params,
 *                         ptr workspace)
 *   void nm_graph_backward(ptr scratch, ptr frame, ptr seeds, ptr params,
 *                          ptr input_grads, ptr state_grads,
 *                          ptr param_grads, ptr zeros)
 *
 * The array arguments hold one pointer per leaf (per forward node for
 * seeds); ZEROS stands for a NULL seed.  Kernels are shared: nodes whose
 * kernels have the same signature call one function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_jit_internal.h"
#include "util/map.h"

typedef struct nm_kernel_cache {
    nm_map map;                     /* signature -> index into functions */
    nm_arena keys;
    NM_VEC(LLVMValueRef) functions;
} nm_kernel_cache;

typedef struct nm_step {
    nm_llvm_types *t;
    const nm_graph_plan *plan;
    nm_kernel_cache *cache;
    LLVMValueRef function;
    LLVMBasicBlockRef entry;            /* the loads of the caller's pointers */
    LLVMValueRef frame, work, zeros;
    LLVMValueRef arrays[NM_BASE_COUNT]; /* pointer arrays by base kind */
    LLVMValueRef *pointers;             /* loaded pointers by base kind and index */
    int pointer_stride;
} nm_step;

/* The pointer to the memory of BASE: an argument, or loaded once in the
 * entry block from the caller's array. */
static LLVMValueRef nm_step_base(nm_step *step, nm_base_kind base, int index)
{
    nm_llvm_types *t = step->t;
    if (base == NM_BASE_FRAME)
        return step->frame;
    if (base == NM_BASE_WORK)
        return step->work;
    LLVMValueRef *cached = &step->pointers[base * step->pointer_stride + index];
    if (*cached)
        return *cached;

    LLVMBasicBlockRef here = LLVMGetInsertBlock(t->builder);
    LLVMPositionBuilderAtEnd(t->builder, step->entry);
    LLVMValueRef position = nm_llvm_index(t, index);
    LLVMValueRef slot = LLVMBuildGEP2(t->builder, t->ptr, step->arrays[base], &position, 1, "");
    LLVMValueRef pointer = LLVMBuildLoad2(t->builder, t->ptr, slot, "");
    if (base == NM_BASE_SEED) {
        LLVMValueRef missing = LLVMBuildIsNull(t->builder, pointer, "");
        pointer = LLVMBuildSelect(t->builder, missing, step->zeros, pointer, "");
    }
    LLVMPositionBuilderAtEnd(t->builder, here);
    *cached = pointer;
    return pointer;
}

static LLVMValueRef nm_step_pointer(nm_step *step, nm_view view)
{
    LLVMValueRef base = nm_step_base(step, view.base, view.index);
    if (view.offset == 0)
        return base;
    return nm_llvm_address(step->t, base, nm_llvm_index(step->t, view.offset));
}

/* The kernel function of SIGNATURE, made by EMIT when it is new. */
typedef void (*nm_kernel_emitter)(nm_llvm_types *t, LLVMValueRef function, const void *kernel);

static LLVMValueRef nm_step_kernel(nm_step *step, const nm_buf *signature, unsigned count,
                                   nm_kernel_emitter emit, const void *kernel)
{
    nm_kernel_cache *cache = step->cache;
    int index;
    if (nm_map_get(&cache->map, signature->data, signature->length, &index))
        return cache->functions.items[index];

    char name[32];
    snprintf(name, sizeof name, "nm_kernel_%zu", cache->functions.count);
    LLVMBasicBlockRef here = LLVMGetInsertBlock(step->t->builder);
    LLVMValueRef function = nm_llvm_kernel_function(step->t, name, count);
    emit(step->t, function, kernel);
    LLVMPositionBuilderAtEnd(step->t->builder, here);

    char *key = nm_arena_strndup(&cache->keys, signature->data, signature->length);
    nm_map_put(&cache->map, key, signature->length, (int)cache->functions.count);
    nm_vec_push(&cache->functions, function);
    return function;
}

static void nm_step_call(nm_step *step, LLVMValueRef function, LLVMValueRef *args, unsigned count)
{
    LLVMBuildCall2(step->t->builder, LLVMGlobalGetValueType(function), function, args, count, "");
}

static void nm_emit_loop_any(nm_llvm_types *t, LLVMValueRef function, const void *kernel)
{
    nm_emit_loop_kernel(t, function, kernel);
}

static void nm_emit_softmax_any(nm_llvm_types *t, LLVMValueRef function, const void *kernel)
{
    nm_emit_softmax_kernel(t, function, kernel);
}

static void nm_emit_matmul_any(nm_llvm_types *t, LLVMValueRef function, const void *kernel)
{
    nm_emit_matmul_kernel(t, function, kernel);
}

/* Calls the loop kernel KERNEL and frees it. */
static void nm_step_loop(nm_step *step, nm_loop_kernel *kernel)
{
    nm_buf signature;
    nm_buf_init(&signature);
    nm_loop_kernel_finish(kernel, &signature);
    unsigned count = (unsigned)kernel->accesses.count + 1;
    LLVMValueRef function = nm_step_kernel(step, &signature, count, nm_emit_loop_any, kernel);
    nm_buf_free(&signature);

    LLVMValueRef *args = nm_xcalloc(count, sizeof *args);
    args[0] = nm_step_pointer(step, kernel->out.view);
    for (size_t a = 0; a < kernel->accesses.count; a++)
        args[a + 1] = nm_step_pointer(step, kernel->accesses.items[a].view);
    nm_step_call(step, function, args, count);
    free(args);
    nm_loop_kernel_free(kernel);
}

/* ---- nodes --------------------------------------------------------------- */

static nm_view nm_step_storage(const nm_step *step, int node)
{
    return nm_plan_resolve(step->plan, step->plan->nodes[node].place.view);
}

static void nm_step_fill(nm_step *step, int node, double value)
{
    const nm_node *n = &step->plan->graph->nodes[node];
    nm_view out = nm_step_storage(step, node);
    nm_loop_kernel kernel;
    nm_loop_kernel_init(&kernel, n->shape, out, out.strides, false);
    kernel.root = nm_kernel_const(&kernel, value);
    nm_step_loop(step, &kernel);
}

/* Writes PLACE, the place of node SOURCE, into NODE's storage, OFFSET
 * elements in, over SOURCE's shape. */
static void nm_step_write(nm_step *step, int node, long offset, int source, const nm_place *place)
{
    const nm_graph_plan *plan = step->plan;
    nm_view out = nm_step_storage(step, node);
    out.offset += offset;
    nm_loop_kernel kernel;
    nm_loop_kernel_init(&kernel, plan->graph->nodes[source].shape, out, out.strides, plan->nodes[node].accumulate);
    kernel.root = nm_kernel_place(&kernel, plan, source, place);
    nm_step_loop(step, &kernel);
}

static void nm_step_elementwise(nm_step *step, int node)
{
    const nm_graph_plan *plan = step->plan;
    nm_view out = nm_step_storage(step, node);
    nm_loop_kernel kernel;
    nm_loop_kernel_init(&kernel, plan->graph->nodes[node].shape, out, out.strides, plan->nodes[node].accumulate);
    kernel.root = nm_kernel_compute(&kernel, plan, node);
    nm_step_loop(step, &kernel);
}

/* SUM and SUM_TO: zeros, then every operand element added into the output
 * element it reduces to (stride 0 along the reduced dimensions). */
static void nm_step_reduce(nm_step *step, int node)
{
    const nm_graph_plan *plan = step->plan;
    const nm_node *n = &plan->graph->nodes[node];
    int operand = n->inputs[0];
    nm_shape source = plan->graph->nodes[operand].shape;
    if (!plan->nodes[node].accumulate)
        nm_step_fill(step, node, 0.0);

    nm_view out = nm_step_storage(step, node);
    long strides[NM_MAX_RANK];
    int skip = source.rank - n->shape.rank;
    for (int d = 0; d < source.rank; d++) {
        int target = d - skip;
        bool reduced = n->op == NM_OP_SUM ? d == n->axis : target < 0 || n->shape.dims[target] == 1;
        strides[d] = reduced ? 0 : out.strides[target];
    }
    nm_loop_kernel kernel;
    nm_loop_kernel_init(&kernel, source, out, strides, true);
    kernel.root = nm_kernel_place(&kernel, plan, operand, &plan->nodes[operand].place);
    nm_step_loop(step, &kernel);
}

static void nm_step_softmax(nm_step *step, int node)
{
    const nm_node *n = &step->plan->graph->nodes[node];
    nm_softmax_kernel kernel = {1, (size_t)n->shape.dims[n->axis], 1};
    for (int d = 0; d < n->axis; d++)
        kernel.outer *= (size_t)n->shape.dims[d];
    for (int d = n->axis + 1; d < n->shape.rank; d++)
        kernel.inner *= (size_t)n->shape.dims[d];
    nm_buf signature;
    nm_buf_init(&signature);
    nm_buf_printf(&signature, "softmax %zu %zu %zu", kernel.outer, kernel.length, kernel.inner);
    LLVMValueRef function = nm_step_kernel(step, &signature, 2, nm_emit_softmax_any, &kernel);
    nm_buf_free(&signature);
    LLVMValueRef args[2] = {nm_step_pointer(step, nm_step_storage(step, node)),
                            nm_step_pointer(step, nm_step_storage(step, n->inputs[0]))};
    nm_step_call(step, function, args, 2);
}

/* The row stride of a matrix operand (see nm_view_is_matrix). */
static long nm_row_stride(const nm_view *view, nm_shape shape)
{
    if (nm_view_is_contiguous(view, shape) || shape.rank < 2)
        return shape.dims[shape.rank - 1];
    return view->strides[0];
}

static void nm_step_matmul(nm_step *step, int node)
{
    const nm_graph_plan *plan = step->plan;
    const nm_node *n = &plan->graph->nodes[node];
    nm_shape sa = plan->graph->nodes[n->inputs[0]].shape, sb = plan->graph->nodes[n->inputs[1]].shape;
    nm_view a = nm_step_storage(step, n->inputs[0]), b = nm_step_storage(step, n->inputs[1]);
    nm_matmul_kernel kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.m = n->shape.dims[n->shape.rank - 1];
    kernel.rows = (int)(nm_shape_size(n->shape) / (size_t)kernel.m);
    kernel.k = n->transpose_a ? sa.dims[0] : sa.dims[sa.rank - 1];
    kernel.lda = nm_row_stride(&a, sa);
    kernel.ldb = nm_row_stride(&b, sb);
    kernel.transpose_a = n->transpose_a;
    kernel.transpose_b = n->transpose_b;
    kernel.accumulate = plan->nodes[node].accumulate;

    nm_buf signature;
    nm_buf_init(&signature);
    nm_buf_printf(&signature, "matmul %d %d %d %ld %ld %d %d %d", kernel.rows, kernel.k, kernel.m, kernel.lda,
                  kernel.ldb, kernel.transpose_a, kernel.transpose_b, kernel.accumulate);
    LLVMValueRef function = nm_step_kernel(step, &signature, 3, nm_emit_matmul_any, &kernel);
    nm_buf_free(&signature);
    LLVMValueRef args[3] = {nm_step_pointer(step, nm_step_storage(step, node)), nm_step_pointer(step, a),
                            nm_step_pointer(step, b)};
    nm_step_call(step, function, args, 3);
}

/* y[.., i, ..] = x[.., i - shift, ..]: two block copies. */
static void nm_step_roll(nm_step *step, int node)
{
    const nm_graph_plan *plan = step->plan;
    const nm_node *n = &plan->graph->nodes[node];
    nm_view out = nm_step_storage(step, node);
    nm_view in = nm_step_storage(step, n->inputs[0]);
    int length = n->shape.dims[n->axis], shift = n->shift;
    for (int part = 0; part < 2; part++) {
        /* Part 0 moves x[0, length - shift) up; part 1 wraps the rest around. */
        nm_shape shape = n->shape;
        shape.dims[n->axis] = part == 0 ? length - shift : shift;
        nm_view to = out, from = in;
        to.offset += part == 0 ? (long)shift * out.strides[n->axis] : 0;
        from.offset += part == 0 ? 0 : (long)(length - shift) * in.strides[n->axis];
        nm_loop_kernel kernel;
        nm_loop_kernel_init(&kernel, shape, to, to.strides, false);
        kernel.root = nm_kernel_load(&kernel, from, shape);
        nm_step_loop(step, &kernel);
    }
}

static void nm_step_concat(nm_step *step, int node)
{
    const nm_graph_plan *plan = step->plan;
    const nm_node *n = &plan->graph->nodes[node];
    long stride = nm_step_storage(step, node).strides[n->axis];
    long offset = 0;
    for (int p = 0; p < n->list_count; p++) {
        int part = n->list[p];
        nm_step_write(step, node, offset * stride, part, &plan->nodes[part].place);
        offset += plan->graph->nodes[part].shape.dims[n->axis];
    }
}

static void nm_step_operation(nm_step *step, int node)
{
    const nm_graph_plan *plan = step->plan;
    const nm_node *n = &plan->graph->nodes[node];
    if (nm_op_is_elementwise(n->op)) {
        nm_step_elementwise(step, node);
        return;
    }
    switch (n->op) {
    case NM_OP_SUM:
    case NM_OP_SUM_TO:
        nm_step_reduce(step, node);
        break;
    case NM_OP_SOFTMAX:
        nm_step_softmax(step, node);
        break;
    case NM_OP_MATMUL:
        nm_step_matmul(step, node);
        break;
    case NM_OP_ROLL:
        nm_step_roll(step, node);
        break;
    case NM_OP_PAD: {
        long stride = nm_step_storage(step, node).strides[n->axis];
        nm_step_fill(step, node, 0.0);
        nm_step_write(step, node, n->start * stride, n->inputs[0], &plan->nodes[n->inputs[0]].place);
        break;
    }
    case NM_OP_CONCAT:
        nm_step_concat(step, node);
        break;
    default:
        break;
    }
}

/* Code after this runs only when POINTER is not NULL; returns the block
 * that nm_guard_end joins. */
static LLVMBasicBlockRef nm_guard_begin(nm_step *step, LLVMValueRef pointer)
{
    nm_llvm_types *t = step->t;
    LLVMBasicBlockRef then = LLVMAppendBasicBlockInContext(t->context, step->function, "write");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(t->context, step->function, "");
    LLVMBuildCondBr(t->builder, LLVMBuildIsNotNull(t->builder, pointer, ""), then, done);
    LLVMPositionBuilderAtEnd(t->builder, then);
    return done;
}

static void nm_guard_end(nm_step *step, LLVMBasicBlockRef done)
{
    LLVMBuildBr(step->t->builder, done);
    LLVMPositionBuilderAtEnd(step->t->builder, done);
}

static bool nm_is_gradient_array(nm_base_kind base)
{
    return base == NM_BASE_INPUT_GRAD || base == NM_BASE_STATE_GRAD || base == NM_BASE_PARAM_GRAD;
}

static void nm_step_node(nm_step *step, int node)
{
    const nm_node_plan *np = &step->plan->nodes[node];
    if (!np->materialized)
        return;
    LLVMBasicBlockRef done = NULL;
    if (nm_is_gradient_array(np->storage.base))
        done = nm_guard_begin(step, nm_step_base(step, np->storage.base, np->storage.index));
    if (np->copy)
        nm_step_write(step, node, 0, node, &np->source);
    else
        nm_step_operation(step, node);
    if (done)
        nm_guard_end(step, done);
}

/* Copies (or adds) gradient results that are not computed in place into
 * the caller's arrays. */
static void nm_step_results(nm_step *step)
{
    static const nm_base_kind kinds[] = {
        [NM_RESULT_INPUT_GRAD] = NM_BASE_INPUT_GRAD,
        [NM_RESULT_STATE_GRAD] = NM_BASE_STATE_GRAD,
        [NM_RESULT_PARAM_GRAD] = NM_BASE_PARAM_GRAD,
    };
    const nm_graph_plan *plan = step->plan;
    for (int i = 0; i < plan->graph->count; i++) {
        const nm_node *n = &plan->graph->nodes[i];
        const nm_node_plan *np = &plan->nodes[i];
        if (n->result < NM_RESULT_INPUT_GRAD || nm_is_gradient_array(np->storage.base))
            continue;
        bool accumulate = n->result == NM_RESULT_PARAM_GRAD;
        if (accumulate && np->place.kind == NM_PLACE_CONST && np->place.constant == 0.0)
            continue;
        nm_view out;
        memset(&out, 0, sizeof out);
        out.base = kinds[n->result];
        out.index = n->result_index;
        nm_contiguous_strides(n->shape, out.strides);

        LLVMBasicBlockRef done = nm_guard_begin(step, nm_step_base(step, out.base, out.index));
        nm_loop_kernel kernel;
        nm_loop_kernel_init(&kernel, n->shape, out, out.strides, accumulate);
        kernel.root = nm_kernel_place(&kernel, plan, i, &np->place);
        nm_step_loop(step, &kernel);
        nm_guard_end(step, done);
    }
}

/* ---- the step functions ---------------------------------------------------- */

static void nm_step_begin(nm_step *step, nm_llvm_types *t, const nm_graph_plan *plan, nm_kernel_cache *cache,
                          const char *name, unsigned params, int pointer_range)
{
    memset(step, 0, sizeof *step);
    step->t = t;
    step->plan = plan;
    step->cache = cache;
    LLVMTypeRef *types = nm_xcalloc(params, sizeof *types);
    for (unsigned i = 0; i < params; i++)
        types[i] = t->ptr;
    step->function = LLVMAddFunction(t->module, name, LLVMFunctionType(t->void_type, types, params, 0));
    free(types);
    step->entry = LLVMAppendBasicBlockInContext(t->context, step->function, "entry");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(t->context, step->function, "body");
    LLVMPositionBuilderAtEnd(t->builder, body);
    step->pointer_stride = pointer_range + 1;
    step->pointers = nm_xcalloc((size_t)NM_BASE_COUNT * (size_t)step->pointer_stride, sizeof *step->pointers);
}

static void nm_step_finish(nm_step *step)
{
    nm_llvm_types *t = step->t;
    for (int i = 0; i < step->plan->graph->count; i++)
        nm_step_node(step, i);
    if (step->plan->backward)
        nm_step_results(step);
    LLVMBuildRetVoid(t->builder);
    LLVMBasicBlockRef body = LLVMGetNextBasicBlock(step->entry);
    LLVMPositionBuilderAtEnd(t->builder, step->entry);
    LLVMBuildBr(t->builder, body);
    free(step->pointers);
}

static int nm_leaf_range(const nm_graph *graph)
{
    int range = graph->input_count;
    if (graph->state_count > range)
        range = graph->state_count;
    if (graph->param_count > range)
        range = graph->param_count;
    return range;
}

void nm_emit_steps(nm_llvm_types *t, const nm_graph_plan *forward, const nm_graph_plan *backward)
{
    nm_kernel_cache cache;
    memset(&cache, 0, sizeof cache);
    nm_map_init(&cache.map);
    nm_arena_init(&cache.keys);

    nm_step step;
    nm_step_begin(&step, t, forward, &cache, NM_FORWARD_FUNCTION, 5, nm_leaf_range(forward->graph));
    step.frame = LLVMGetParam(step.function, 0);
    step.arrays[NM_BASE_INPUT] = LLVMGetParam(step.function, 1);
    step.arrays[NM_BASE_STATE] = LLVMGetParam(step.function, 2);
    step.arrays[NM_BASE_PARAM] = LLVMGetParam(step.function, 3);
    step.work = LLVMGetParam(step.function, 4);
    nm_step_finish(&step);

    if (backward) {
        int range = nm_leaf_range(forward->graph);
        if (forward->graph->count > range)
            range = forward->graph->count;
        nm_step_begin(&step, t, backward, &cache, NM_BACKWARD_FUNCTION, 8, range);
        step.work = LLVMGetParam(step.function, 0);
        step.frame = LLVMGetParam(step.function, 1);
        step.arrays[NM_BASE_SEED] = LLVMGetParam(step.function, 2);
        step.arrays[NM_BASE_PARAM] = LLVMGetParam(step.function, 3);
        step.arrays[NM_BASE_INPUT_GRAD] = LLVMGetParam(step.function, 4);
        step.arrays[NM_BASE_STATE_GRAD] = LLVMGetParam(step.function, 5);
        step.arrays[NM_BASE_PARAM_GRAD] = LLVMGetParam(step.function, 6);
        step.zeros = LLVMGetParam(step.function, 7);
        nm_step_finish(&step);
    }

    nm_map_free(&cache.map);
    nm_arena_free(&cache.keys);
    nm_vec_free(&cache.functions);
}
