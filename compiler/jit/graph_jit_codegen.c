/* LLVM IR for the loop kernels and softmax kernels of the tensor graph
 * JIT, and the IR helpers that the other kernel generators share.
 *
 * A loop kernel is a nest of counted loops, the innermost one walking the
 * last dimension, where every array has stride 1 or 0, so that LLVM's loop
 * vectoriser turns it into vector code.  Elementwise operations use the
 * interpreter's formulas (interp.c) and the same C library functions, so
 * in double precision they give the interpreter's results bit for bit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_jit_internal.h"

LLVMValueRef nm_llvm_index(nm_llvm_types *t, long value)
{
    return LLVMConstInt(t->i64, (unsigned long long)value, 1);
}

LLVMValueRef nm_llvm_element(nm_llvm_types *t, double value)
{
    return LLVMConstReal(t->element, value);
}

LLVMValueRef nm_llvm_address(nm_llvm_types *t, LLVMValueRef base, LLVMValueRef offset)
{
    return LLVMBuildGEP2(t->builder, t->element, base, &offset, 1, "");
}

LLVMValueRef nm_llvm_load(nm_llvm_types *t, LLVMTypeRef type, LLVMValueRef address)
{
    LLVMValueRef value = LLVMBuildLoad2(t->builder, type, address, "");
    LLVMSetAlignment(value, (unsigned)t->element_size);
    return value;
}

void nm_llvm_store(nm_llvm_types *t, LLVMValueRef value, LLVMValueRef address)
{
    LLVMValueRef store = LLVMBuildStore(t->builder, value, address);
    LLVMSetAlignment(store, (unsigned)t->element_size);
}

LLVMValueRef nm_llvm_intrinsic(nm_llvm_types *t, const char *name, LLVMTypeRef type, LLVMValueRef *args,
                               unsigned count)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef function = LLVMGetIntrinsicDeclaration(t->module, id, &type, 1);
    LLVMTypeRef function_type = LLVMIntrinsicGetType(t->context, id, &type, 1);
    return LLVMBuildCall2(t->builder, function_type, function, args, count, "");
}

static void nm_add_attribute(nm_llvm_types *t, LLVMValueRef function, LLVMAttributeIndex index,
                             const char *name, uint64_t value)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(function, index, LLVMCreateEnumAttribute(t->context, kind, value));
}

LLVMValueRef nm_llvm_kernel_function(nm_llvm_types *t, const char *name, unsigned count)
{
    LLVMTypeRef *params = nm_xcalloc(count + 1, sizeof *params);
    for (unsigned i = 0; i < count; i++)
        params[i] = t->ptr;
    LLVMTypeRef type = LLVMFunctionType(t->void_type, params, count, 0);
    free(params);
    LLVMValueRef function = LLVMAddFunction(t->module, name, type);
    LLVMSetLinkage(function, LLVMInternalLinkage);
    for (unsigned i = 0; i < count; i++)
        nm_add_attribute(t, function, i + 1, "noalias", 0);
    nm_add_attribute(t, function, LLVMAttributeFunctionIndex, "nounwind", 0);
    /* Kept out of line: the step functions stay small, and a kernel that
     * several nodes share is compiled once. */
    nm_add_attribute(t, function, LLVMAttributeFunctionIndex, "noinline", 0);
    LLVMPositionBuilderAtEnd(t->builder, LLVMAppendBasicBlockInContext(t->context, function, "entry"));
    return function;
}

/* ---- loops --------------------------------------------------------------- */

void nm_loop_begin(nm_llvm_types *t, nm_loop *loop, long count)
{
    loop->entry = LLVMGetInsertBlock(t->builder);
    loop->count = count;
    LLVMValueRef function = LLVMGetBasicBlockParent(loop->entry);
    loop->body = LLVMAppendBasicBlockInContext(t->context, function, "loop");
    LLVMBuildBr(t->builder, loop->body);
    LLVMPositionBuilderAtEnd(t->builder, loop->body);
    loop->index = LLVMBuildPhi(t->builder, t->i64, "i");
    LLVMValueRef zero = nm_llvm_index(t, 0);
    LLVMAddIncoming(loop->index, &zero, &loop->entry, 1);
}

LLVMValueRef nm_loop_carry(nm_llvm_types *t, nm_loop *loop, LLVMValueRef initial)
{
    LLVMBasicBlockRef here = LLVMGetInsertBlock(t->builder);
    LLVMPositionBuilderBefore(t->builder, loop->index);
    LLVMValueRef phi = LLVMBuildPhi(t->builder, LLVMTypeOf(initial), "");
    LLVMAddIncoming(phi, &initial, &loop->entry, 1);
    LLVMPositionBuilderAtEnd(t->builder, here);
    return phi;
}

void nm_loop_carry_set(nm_llvm_types *t, LLVMValueRef phi, LLVMValueRef next)
{
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(t->builder);
    LLVMAddIncoming(phi, &next, &latch, 1);
}

void nm_loop_end(nm_llvm_types *t, nm_loop *loop)
{
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(t->builder);
    LLVMValueRef next = LLVMBuildNUWAdd(t->builder, loop->index, nm_llvm_index(t, 1), "");
    LLVMAddIncoming(loop->index, &next, &latch, 1);
    LLVMValueRef more = LLVMBuildICmp(t->builder, LLVMIntULT, next, nm_llvm_index(t, loop->count), "");
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(t->context, LLVMGetBasicBlockParent(latch), "");
    LLVMBuildCondBr(t->builder, more, loop->body, exit);
    LLVMPositionBuilderAtEnd(t->builder, exit);
}

/* OFFSET + INDEX * STRIDE, folding the common strides. */
static LLVMValueRef nm_step_offset(nm_llvm_types *t, LLVMValueRef offset, LLVMValueRef index, long stride)
{
    if (stride == 0)
        return offset;
    LLVMValueRef step = stride == 1 ? index : LLVMBuildNSWMul(t->builder, index, nm_llvm_index(t, stride), "");
    return LLVMBuildNSWAdd(t->builder, offset, step, "");
}

/* ---- vectors --------------------------------------------------------------- */

static int nm_width_of(LLVMValueRef value)
{
    LLVMTypeRef type = LLVMTypeOf(value);
    return LLVMGetTypeKind(type) == LLVMVectorTypeKind ? (int)LLVMGetVectorSize(type) : 1;
}

LLVMTypeRef nm_llvm_vector_type(nm_llvm_types *t, int width)
{
    return width == 1 ? t->element : LLVMVectorType(t->element, (unsigned)width);
}

LLVMValueRef nm_llvm_splat(nm_llvm_types *t, LLVMValueRef value, int width)
{
    if (width == 1)
        return value;
    LLVMTypeRef type = nm_llvm_vector_type(t, width);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(t->context);
    LLVMValueRef first = LLVMBuildInsertElement(t->builder, LLVMGetPoison(type), value, LLVMConstInt(i32, 0, 0), "");
    LLVMValueRef mask = LLVMConstNull(LLVMVectorType(i32, (unsigned)width));
    return LLVMBuildShuffleVector(t->builder, first, LLVMGetPoison(type), mask, "");
}

LLVMValueRef nm_llvm_reduce(nm_llvm_types *t, LLVMValueRef start, LLVMValueRef vector)
{
    int width = nm_width_of(vector);
    if (width == 1)
        return LLVMBuildFAdd(t->builder, start, vector, "");
    LLVMValueRef args[2] = {start, vector};
    LLVMValueRef sum = nm_llvm_intrinsic(t, "llvm.vector.reduce.fadd", LLVMTypeOf(vector), args, 2);
    LLVMSetFastMathFlags(sum, LLVMFastMathAllowReassoc);
    return sum;
}

/* VALUE in every one of WIDTH lanes (a scalar when WIDTH is 1). */
static LLVMValueRef nm_constant(nm_llvm_types *t, double value, int width)
{
    LLVMValueRef lanes[64];
    for (int i = 0; i < width; i++)
        lanes[i] = nm_llvm_element(t, value);
    return width == 1 ? lanes[0] : LLVMConstVector(lanes, (unsigned)width);
}

/* ---- elementwise operations ---------------------------------------------- */

/* A C library function of one argument, NAME for double and NAMEf for
 * float, called once per lane. */
static LLVMValueRef nm_call_libm(nm_llvm_types *t, const char *name, LLVMValueRef x)
{
    char full[32];
    snprintf(full, sizeof full, "%s%s", name, t->element_size == 4 ? "f" : "");
    LLVMTypeRef type = LLVMFunctionType(t->element, &t->element, 1, 0);
    LLVMValueRef function = LLVMGetNamedFunction(t->module, full);
    if (!function) {
        function = LLVMAddFunction(t->module, full, type);
        nm_add_attribute(t, function, LLVMAttributeFunctionIndex, "nounwind", 0);
        nm_add_attribute(t, function, LLVMAttributeFunctionIndex, "willreturn", 0);
        /* memory(none): the result depends on the argument only (errno,
         * which log1p may set, is never read). */
        nm_add_attribute(t, function, LLVMAttributeFunctionIndex, "memory", 0);
    }
    int width = nm_width_of(x);
    if (width == 1)
        return LLVMBuildCall2(t->builder, type, function, &x, 1, "");
    LLVMValueRef result = LLVMGetPoison(LLVMTypeOf(x));
    for (int i = 0; i < width; i++) {
        LLVMValueRef lane = LLVMConstInt(t->i64, (unsigned long long)i, 0);
        LLVMValueRef element = LLVMBuildExtractElement(t->builder, x, lane, "");
        LLVMValueRef value = LLVMBuildCall2(t->builder, type, function, &element, 1, "");
        result = LLVMBuildInsertElement(t->builder, result, value, lane, "");
    }
    return result;
}

static LLVMValueRef nm_unary_intrinsic(nm_llvm_types *t, const char *name, LLVMValueRef x)
{
    return nm_llvm_intrinsic(t, name, LLVMTypeOf(x), &x, 1);
}

/* 1/(1 + e^-x) for x >= 0, else e^x/(1 + e^x), so the exponential is at
 * most 1. */
static LLVMValueRef nm_emit_sigmoid(nm_llvm_types *t, LLVMValueRef x)
{
    LLVMBuilderRef b = t->builder;
    int width = nm_width_of(x);
    LLVMValueRef one = nm_constant(t, 1.0, width);
    LLVMValueRef e = nm_unary_intrinsic(t, "llvm.exp", LLVMBuildFNeg(b, nm_unary_intrinsic(t, "llvm.fabs", x), ""));
    LLVMValueRef positive = LLVMBuildFCmp(b, LLVMRealOGE, x, nm_constant(t, 0.0, width), "");
    LLVMValueRef numerator = LLVMBuildSelect(b, positive, one, e, "");
    return LLVMBuildFDiv(b, numerator, LLVMBuildFAdd(b, one, e, ""), "");
}

/* x + log1p(e^-x) for x > 0, else log1p(e^x). */
static LLVMValueRef nm_emit_softplus(nm_llvm_types *t, LLVMValueRef x)
{
    LLVMBuilderRef b = t->builder;
    LLVMValueRef e = nm_unary_intrinsic(t, "llvm.exp", LLVMBuildFNeg(b, nm_unary_intrinsic(t, "llvm.fabs", x), ""));
    LLVMValueRef tail = nm_call_libm(t, "log1p", e);
    LLVMValueRef positive = LLVMBuildFCmp(b, LLVMRealOGT, x, nm_constant(t, 0.0, nm_width_of(x)), "");
    return LLVMBuildSelect(b, positive, LLVMBuildFAdd(b, x, tail, ""), tail, "");
}

static LLVMValueRef nm_emit_operation(nm_llvm_types *t, nm_op op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMBuilderRef builder = t->builder;
    LLVMValueRef pair[2] = {a, b};
    switch (op) {
    case NM_OP_ADD:
        return LLVMBuildFAdd(builder, a, b, "");
    case NM_OP_SUB:
        return LLVMBuildFSub(builder, a, b, "");
    case NM_OP_MUL:
        return LLVMBuildFMul(builder, a, b, "");
    case NM_OP_DIV:
        return LLVMBuildFDiv(builder, a, b, "");
    case NM_OP_POW:
        return nm_llvm_intrinsic(t, "llvm.pow", LLVMTypeOf(a), pair, 2);
    case NM_OP_NEG:
        return LLVMBuildFNeg(builder, a, "");
    case NM_OP_EXP:
        return nm_unary_intrinsic(t, "llvm.exp", a);
    case NM_OP_LOG:
        return nm_unary_intrinsic(t, "llvm.log", a);
    case NM_OP_SQRT:
        return nm_unary_intrinsic(t, "llvm.sqrt", a);
    case NM_OP_SIGMOID:
        return nm_emit_sigmoid(t, a);
    case NM_OP_TANH:
        return nm_call_libm(t, "tanh", a);
    case NM_OP_SOFTPLUS:
        return nm_emit_softplus(t, a);
    default:
        return a;
    }
}

/* ---- loop kernels -------------------------------------------------------- */

typedef struct nm_loop_emitter {
    nm_llvm_types *t;
    const nm_loop_kernel *kernel;
    LLVMValueRef out;
    LLVMValueRef *arrays;    /* per access */
    LLVMValueRef *values;    /* per expression, in the body being emitted */
    int width;               /* lanes of the body being emitted */
} nm_loop_emitter;

static LLVMValueRef nm_emit_expr(nm_loop_emitter *e, int index, LLVMValueRef *offsets)
{
    if (e->values[index])
        return e->values[index];
    const nm_expr *expr = &e->kernel->exprs.items[index];
    nm_llvm_types *t = e->t;
    LLVMValueRef value;
    if (expr->op == NM_OP_CONST) {
        value = nm_constant(t, expr->value, e->width);
    } else if (expr->op == NM_OP_INPUT) {
        LLVMValueRef address = nm_llvm_address(t, e->arrays[expr->access], offsets[expr->access]);
        bool repeated = e->kernel->accesses.items[expr->access].strides[e->kernel->rank - 1] == 0;
        if (repeated)
            value = nm_llvm_splat(t, nm_llvm_load(t, t->element, address), e->width);
        else
            value = nm_llvm_load(t, nm_llvm_vector_type(t, e->width), address);
    } else {
        LLVMValueRef a = nm_emit_expr(e, expr->operands[0], offsets);
        LLVMValueRef b = expr->operands[1] >= 0 ? nm_emit_expr(e, expr->operands[1], offsets) : NULL;
        value = nm_emit_operation(t, expr->op, a, b);
    }
    e->values[index] = value;
    return value;
}

/* The kernel's value at OFFSETS in WIDTH lanes of the innermost dimension. */
static LLVMValueRef nm_emit_body(nm_loop_emitter *e, LLVMValueRef *offsets, int width)
{
    memset(e->values, 0, e->kernel->exprs.count * sizeof *e->values);
    e->width = width;
    return nm_emit_expr(e, e->kernel->root, offsets);
}

/* Stores (or adds) VALUE at OUT_OFFSET. */
static void nm_emit_store(nm_loop_emitter *e, LLVMValueRef out_offset, LLVMValueRef value)
{
    nm_llvm_types *t = e->t;
    LLVMValueRef address = nm_llvm_address(t, e->out, out_offset);
    if (e->kernel->accumulate)
        value = LLVMBuildFAdd(t->builder, nm_llvm_load(t, LLVMTypeOf(value), address), value, "");
    nm_llvm_store(t, value, address);
}

static LLVMValueRef *nm_inner_offsets(nm_loop_emitter *e, int d, LLVMValueRef index, LLVMValueRef *offsets)
{
    size_t count = e->kernel->accesses.count;
    LLVMValueRef *inner = nm_xcalloc(count + 1, sizeof *inner);
    for (size_t a = 0; a < count; a++)
        inner[a] = nm_step_offset(e->t, offsets[a], index, e->kernel->accesses.items[a].strides[d]);
    return inner;
}

/* Operations that call the C library once per element: vectors of them
 * would only be taken apart again, and every call would spill the vector
 * registers. */
static bool nm_calls_library(nm_op op)
{
    switch (op) {
    case NM_OP_POW:
    case NM_OP_EXP:
    case NM_OP_LOG:
    case NM_OP_SIGMOID:
    case NM_OP_TANH:
    case NM_OP_SOFTPLUS:
        return true;
    default:
        return false;
    }
}

/* Whether the innermost dimension walks every array with stride 1 or 0
 * (always true for the kernels that planning makes) and computes no C
 * library function. */
static bool nm_can_vectorize(const nm_loop_kernel *kernel)
{
    for (size_t x = 0; x < kernel->exprs.count; x++)
        if (nm_calls_library(kernel->exprs.items[x].op))
            return false;
    int d = kernel->rank - 1;
    long out = kernel->out.strides[d];
    if (out != 1 && !(out == 0 && kernel->accumulate))
        return false;
    for (size_t a = 0; a < kernel->accesses.count; a++) {
        long stride = kernel->accesses.items[a].strides[d];
        if (stride != 0 && stride != 1)
            return false;
    }
    return true;
}

/* WIDTH elements of the innermost dimension from FIRST.  A reduction adds
 * them to PARTIAL and returns the sum; otherwise they are stored. */
static LLVMValueRef nm_emit_lanes(nm_loop_emitter *e, int d, LLVMValueRef first, int width, LLVMValueRef out_offset,
                                  LLVMValueRef *offsets, LLVMValueRef partial)
{
    LLVMValueRef *inner = nm_inner_offsets(e, d, first, offsets);
    LLVMValueRef value = nm_emit_body(e, inner, width);
    free(inner);
    if (partial)
        return nm_llvm_reduce(e->t, partial, value);
    nm_emit_store(e, nm_step_offset(e->t, out_offset, first, e->kernel->out.strides[d]), value);
    return NULL;
}

/* The innermost dimension in vectors of the host's register width, then
 * one piece of each smaller power of two, so no element is masked or done
 * twice.  A reduction along it (output stride 0) keeps a vector of partial
 * sums and adds their lanes at the end, which reorders the additions. */
static void nm_emit_vector_innermost(nm_loop_emitter *e, int d, LLVMValueRef out_offset, LLVMValueRef *offsets)
{
    nm_llvm_types *t = e->t;
    long length = e->kernel->dims[d];
    int width = t->vector_width;
    bool reduction = e->kernel->out.strides[d] == 0;
    LLVMValueRef address = nm_llvm_address(t, e->out, out_offset);
    LLVMValueRef total = reduction ? nm_llvm_load(t, t->element, address) : NULL;

    long vectors = length / width;
    if (vectors > 0) {
        nm_loop loop;
        nm_loop_begin(t, &loop, vectors);
        LLVMValueRef first = LLVMBuildNSWMul(t->builder, loop.index, nm_llvm_index(t, width), "");
        LLVMValueRef partial = reduction ? nm_loop_carry(t, &loop, nm_constant(t, 0.0, width)) : NULL;
        LLVMValueRef *inner = nm_inner_offsets(e, d, first, offsets);
        LLVMValueRef value = nm_emit_body(e, inner, width);
        free(inner);
        if (reduction) {
            LLVMValueRef next = LLVMBuildFAdd(t->builder, partial, value, "");
            LLVMSetFastMathFlags(next, LLVMFastMathAllowReassoc);
            nm_loop_carry_set(t, partial, next);
            nm_loop_end(t, &loop);
            total = nm_llvm_reduce(t, total, next);
        } else {
            nm_emit_store(e, nm_step_offset(t, out_offset, first, e->kernel->out.strides[d]), value);
            nm_loop_end(t, &loop);
        }
    }

    long done = vectors * width;
    for (int piece = width / 2; piece >= 1; piece /= 2) {
        if (length - done < piece)
            continue;
        LLVMValueRef sum = nm_emit_lanes(e, d, nm_llvm_index(t, done), piece, out_offset, offsets, total);
        if (reduction)
            total = sum;
        done += piece;
    }
    if (reduction)
        nm_llvm_store(t, total, address);
}

/* The innermost dimension one element at a time, for strides other than 0
 * and 1; a reduction keeps its sum in a register. */
static void nm_emit_scalar_innermost(nm_loop_emitter *e, int d, LLVMValueRef out_offset, LLVMValueRef *offsets)
{
    nm_llvm_types *t = e->t;
    const nm_loop_kernel *kernel = e->kernel;
    bool reduction = kernel->accumulate && kernel->out.strides[d] == 0;
    LLVMValueRef address = nm_llvm_address(t, e->out, out_offset);
    LLVMValueRef initial = reduction ? nm_llvm_load(t, t->element, address) : NULL;
    nm_loop loop;
    nm_loop_begin(t, &loop, kernel->dims[d]);
    LLVMValueRef total = reduction ? nm_loop_carry(t, &loop, initial) : NULL;
    LLVMValueRef *inner = nm_inner_offsets(e, d, loop.index, offsets);
    LLVMValueRef value = nm_emit_body(e, inner, 1);
    free(inner);
    if (reduction) {
        LLVMValueRef next = LLVMBuildFAdd(t->builder, total, value, "");
        nm_loop_carry_set(t, total, next);
        nm_loop_end(t, &loop);
        nm_llvm_store(t, next, address);
        return;
    }
    nm_emit_store(e, nm_step_offset(t, out_offset, loop.index, kernel->out.strides[d]), value);
    nm_loop_end(t, &loop);
}

static void nm_emit_level(nm_loop_emitter *e, int d, LLVMValueRef out_offset, LLVMValueRef *offsets)
{
    const nm_loop_kernel *kernel = e->kernel;
    if (d == kernel->rank - 1) {
        if (nm_can_vectorize(kernel))
            nm_emit_vector_innermost(e, d, out_offset, offsets);
        else
            nm_emit_scalar_innermost(e, d, out_offset, offsets);
        return;
    }
    nm_loop loop;
    nm_loop_begin(e->t, &loop, kernel->dims[d]);
    LLVMValueRef inner_out = nm_step_offset(e->t, out_offset, loop.index, kernel->out.strides[d]);
    LLVMValueRef *inner = nm_inner_offsets(e, d, loop.index, offsets);
    nm_emit_level(e, d + 1, inner_out, inner);
    free(inner);
    nm_loop_end(e->t, &loop);
}

void nm_emit_loop_kernel(nm_llvm_types *t, LLVMValueRef function, const nm_loop_kernel *kernel)
{
    nm_loop_emitter e;
    size_t count = kernel->accesses.count;
    e.t = t;
    e.kernel = kernel;
    e.out = LLVMGetParam(function, 0);
    e.arrays = nm_xcalloc(count + 1, sizeof *e.arrays);
    e.values = nm_xcalloc(kernel->exprs.count + 1, sizeof *e.values);
    e.width = 1;
    LLVMValueRef *offsets = nm_xcalloc(count + 1, sizeof *offsets);
    for (size_t a = 0; a < count; a++) {
        e.arrays[a] = LLVMGetParam(function, (unsigned)a + 1);
        offsets[a] = nm_llvm_index(t, 0);
    }
    nm_emit_level(&e, 0, nm_llvm_index(t, 0), offsets);
    LLVMBuildRetVoid(t->builder);
    free(offsets);
    free(e.arrays);
    free(e.values);
}

/* ---- softmax ------------------------------------------------------------- */

/* Softmax of one line of LENGTH elements, INNER apart, at BASE: the
 * interpreter's three passes (maximum, exponentials and their sum,
 * division). */
static void nm_emit_softmax_line(nm_llvm_types *t, const nm_softmax_kernel *kernel, LLVMValueRef out,
                                 LLVMValueRef in, LLVMValueRef base)
{
    LLVMBuilderRef b = t->builder;
    long length = (long)kernel->length, inner = (long)kernel->inner;
    nm_loop loop;

    nm_loop_begin(t, &loop, length);
    LLVMValueRef top = nm_loop_carry(t, &loop, nm_llvm_element(t, -INFINITY));
    LLVMValueRef at = nm_step_offset(t, base, loop.index, inner);
    LLVMValueRef x = nm_llvm_load(t, t->element, nm_llvm_address(t, in, at));
    LLVMValueRef larger = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, x, top, ""), x, top, "");
    nm_loop_carry_set(t, top, larger);
    nm_loop_end(t, &loop);

    nm_loop_begin(t, &loop, length);
    LLVMValueRef total = nm_loop_carry(t, &loop, nm_llvm_element(t, 0.0));
    at = nm_step_offset(t, base, loop.index, inner);
    x = nm_llvm_load(t, t->element, nm_llvm_address(t, in, at));
    LLVMValueRef power = nm_unary_intrinsic(t, "llvm.exp", LLVMBuildFSub(b, x, larger, ""));
    nm_llvm_store(t, power, nm_llvm_address(t, out, at));
    LLVMValueRef sum = LLVMBuildFAdd(b, total, power, "");
    nm_loop_carry_set(t, total, sum);
    nm_loop_end(t, &loop);

    nm_loop_begin(t, &loop, length);
    at = nm_step_offset(t, base, loop.index, inner);
    LLVMValueRef address = nm_llvm_address(t, out, at);
    nm_llvm_store(t, LLVMBuildFDiv(b, nm_llvm_load(t, t->element, address), sum, ""), address);
    nm_loop_end(t, &loop);
}

void nm_emit_softmax_kernel(nm_llvm_types *t, LLVMValueRef function, const nm_softmax_kernel *kernel)
{
    LLVMValueRef out = LLVMGetParam(function, 0), in = LLVMGetParam(function, 1);
    nm_loop outer, inner;
    nm_loop_begin(t, &outer, (long)kernel->outer);
    LLVMValueRef block = LLVMBuildNSWMul(t->builder, outer.index,
                                         nm_llvm_index(t, (long)(kernel->length * kernel->inner)), "");
    nm_loop_begin(t, &inner, (long)kernel->inner);
    nm_emit_softmax_line(t, kernel, out, in, LLVMBuildNSWAdd(t->builder, block, inner.index, ""));
    nm_loop_end(t, &inner);
    nm_loop_end(t, &outer);
    LLVMBuildRetVoid(t->builder);
}
