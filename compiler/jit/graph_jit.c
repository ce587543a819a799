/* The tensor graph JIT: planning, code generation through LLVM and the
 * calls into the compiled step functions; see graph_jit.h. */
#include "graph_jit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph_jit_internal.h"
#include "llvm_jit.h"

/* The optimisation pipeline.  The kernels come out of code generation
 * already vectorised where it pays (graph_jit_codegen.c), so they need
 * clean-up, hoisting of loop invariants, and the loop vectoriser only for
 * the few scalar loops left (softmax).  On the default NTM this pipeline
 * optimises in about a sixth of the time of default<O2> and the code runs
 * as fast (bench_cell, 2 cores shared with other jobs); LLVM's machine
 * code generation takes most of what remains. */
#define NM_GRAPH_PIPELINE                                                                          \
    "function(early-cse,instcombine<no-verify-fixpoint>,simplifycfg,loop-mssa(licm),loop-vectorize," \
    "instcombine<no-verify-fixpoint>,simplifycfg)"

typedef void (*nm_forward_function)(void *frame, const void *const *inputs, const void *const *states,
                                    const void *const *params, void *workspace);
typedef void (*nm_backward_function)(void *scratch, const void *frame, const void *const *seeds,
                                     const void *const *params, void *const *input_grads,
                                     void *const *state_grads, void *const *param_grads, const void *zeros);

struct nm_cell_jit {
    nm_dtype dtype;
    size_t element_size;
    nm_graph_plan forward, backward;
    bool has_backward;
    nm_llvm_jit *llvm;
    nm_forward_function forward_step;
    nm_backward_function backward_step;
    void *workspace;          /* the forward step's temporaries */
    void *zeros;              /* read in place of NULL seeds */
    void **no_gradients;      /* NULL entries for an omitted gradient array */
    const void **no_seeds;    /* NULL entries for an omitted seed array */
    double compile_seconds;
};

static double nm_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

/* C library functions that generated code calls, by name: the math of
 * elementwise operations, and what LLVM turns fill and copy loops into. */
static nm_llvm_jit *nm_graph_llvm(char **error)
{
    nm_llvm_symbol symbols[] = {
        {"exp", (void *)exp},       {"expf", (void *)expf},     {"log", (void *)log},
        {"logf", (void *)logf},     {"pow", (void *)pow},       {"powf", (void *)powf},
        {"tanh", (void *)tanh},     {"tanhf", (void *)tanhf},   {"log1p", (void *)log1p},
        {"log1pf", (void *)log1pf}, {"sqrt", (void *)sqrt},     {"sqrtf", (void *)sqrtf},
        {"memset", (void *)memset}, {"memcpy", (void *)memcpy}, {"memmove", (void *)memmove},
    };
    return nm_llvm_jit_new(symbols, sizeof symbols / sizeof *symbols, error);
}

static void nm_plan_cell(nm_cell_jit *jit, const nm_graph *forward, const nm_graph *backward)
{
    bool *saved = backward ? nm_plan_saved_nodes(backward, forward->count) : NULL;
    nm_plan_forward(&jit->forward, forward, saved);
    free(saved);
    jit->has_backward = backward != NULL;
    if (backward)
        nm_plan_backward(&jit->backward, backward, &jit->forward);
}

static bool nm_has_feature(const char *features, const char *name)
{
    size_t length = strlen(name);
    for (const char *at = features; at && (at = strstr(at, name)); at += length) {
        bool starts = at > features && at[-1] == '+';
        bool ends = at[length] == ',' || at[length] == '\0';
        if (starts && ends)
            return true;
    }
    return false;
}

static LLVMModuleRef nm_generate(const nm_cell_jit *jit, nm_llvm_jit *llvm)
{
    nm_llvm_types t;
    memset(&t, 0, sizeof t);
    t.context = nm_llvm_jit_context(llvm);
    t.module = nm_llvm_jit_new_module(llvm, "nm_cell");
    t.builder = LLVMCreateBuilderInContext(t.context);
    t.element = jit->dtype == NM_F32 ? LLVMFloatTypeInContext(t.context) : LLVMDoubleTypeInContext(t.context);
    t.element_size = jit->element_size;
    t.i1 = LLVMInt1TypeInContext(t.context);
    t.i64 = LLVMInt64TypeInContext(t.context);
    t.ptr = LLVMPointerTypeInContext(t.context, 0);
    t.void_type = LLVMVoidTypeInContext(t.context);
    const char *features = nm_llvm_jit_features(llvm);
    size_t bytes = nm_has_feature(features, "avx512f") ? 64 : nm_has_feature(features, "avx") ? 32 : 16;
    t.vector_width = (int)(bytes / t.element_size);

    nm_emit_steps(&t, &jit->forward, jit->has_backward ? &jit->backward : NULL);
    LLVMDisposeBuilder(t.builder);
    return t.module;
}

static bool nm_find_steps(nm_cell_jit *jit, char **error)
{
    void *address = nm_llvm_jit_lookup(jit->llvm, NM_FORWARD_FUNCTION, error);
    if (!address)
        return false;
    memcpy(&jit->forward_step, &address, sizeof address);
    if (!jit->has_backward)
        return true;
    address = nm_llvm_jit_lookup(jit->llvm, NM_BACKWARD_FUNCTION, error);
    if (!address)
        return false;
    memcpy(&jit->backward_step, &address, sizeof address);
    return true;
}

static void *nm_aligned_zeros(size_t bytes)
{
    size_t rounded = (bytes + 63) / 64 * 64;
    void *memory = aligned_alloc(64, rounded ? rounded : 64);
    if (!memory) {
        fprintf(stderr, "nmc: out of memory (failed to allocate %zu bytes)\n", rounded);
        abort();
    }
    memset(memory, 0, rounded ? rounded : 64);
    return memory;
}

/* The workspace, the zeros that stand for NULL seeds (as large as the
 * largest forward node) and the NULL arrays for omitted seeds and
 * gradients. */
static void nm_allocate_buffers(nm_cell_jit *jit)
{
    const nm_graph *forward = jit->forward.graph;
    jit->workspace = nm_aligned_zeros(jit->forward.work_elements * jit->element_size);
    size_t largest = 1;
    for (int i = 0; i < forward->count; i++)
        if (nm_shape_size(forward->nodes[i].shape) > largest)
            largest = nm_shape_size(forward->nodes[i].shape);
    jit->zeros = nm_aligned_zeros(largest * jit->element_size);
    int leaves = forward->input_count > forward->state_count ? forward->input_count : forward->state_count;
    if (forward->param_count > leaves)
        leaves = forward->param_count;
    jit->no_gradients = nm_xcalloc((size_t)leaves + 1, sizeof *jit->no_gradients);
    jit->no_seeds = nm_xcalloc((size_t)forward->count + 1, sizeof *jit->no_seeds);
}

/* The generated loops run at least once: every dimension must be 1 or more. */
static bool nm_check_shapes(const nm_graph *graph, const char *which, char **error)
{
    for (int i = 0; graph && i < graph->count; i++) {
        nm_shape shape = graph->nodes[i].shape;
        for (int d = 0; d < shape.rank; d++) {
            if (shape.dims[d] >= 1)
                continue;
            nm_buf text;
            nm_buf_init(&text);
            nm_buf_printf(&text, "the JIT needs dimensions of at least 1, but node %%%d of the %s cell has shape ", i,
                          which);
            nm_shape_print(shape, &text);
            *error = text.data;
            return false;
        }
    }
    return true;
}

nm_cell_jit *nm_cell_jit_compile(const nm_graph *forward, const nm_graph *backward, nm_dtype dtype,
                                 char **error)
{
    double started = nm_seconds();
    if (!nm_check_shapes(forward, "forward", error) || !nm_check_shapes(backward, "backward", error))
        return NULL;
    nm_cell_jit *jit = nm_xcalloc(1, sizeof *jit);
    jit->dtype = dtype;
    jit->element_size = dtype == NM_F32 ? sizeof(float) : sizeof(double);
    nm_plan_cell(jit, forward, backward);
    jit->llvm = nm_graph_llvm(error);
    if (!jit->llvm) {
        nm_cell_jit_free(jit);
        return NULL;
    }

    LLVMModuleRef module = nm_generate(jit, jit->llvm);
    double generated = nm_seconds();
    if (!nm_llvm_jit_run_passes(jit->llvm, module, NM_GRAPH_PIPELINE, error)) {
        LLVMDisposeModule(module);
        nm_cell_jit_free(jit);
        return NULL;
    }
    double optimized = nm_seconds();
    if (!nm_llvm_jit_add(jit->llvm, module, error) || !nm_find_steps(jit, error)) {
        nm_cell_jit_free(jit);
        return NULL;
    }
    nm_allocate_buffers(jit);
    double finished = nm_seconds();
    jit->compile_seconds = finished - started;
    if (getenv("NMC_JIT_TIMING"))
        fprintf(stderr, "jit: tensor cell: plan and generate %.1f ms, optimize %.1f ms, codegen %.1f ms\n",
                1e3 * (generated - started), 1e3 * (optimized - generated), 1e3 * (finished - optimized));
    return jit;
}

void nm_cell_jit_free(nm_cell_jit *jit)
{
    if (!jit)
        return;
    nm_plan_free(&jit->forward);
    if (jit->has_backward)
        nm_plan_free(&jit->backward);
    nm_llvm_jit_free(jit->llvm);
    free(jit->workspace);
    free(jit->zeros);
    free(jit->no_gradients);
    free(jit->no_seeds);
    free(jit);
}

double nm_cell_jit_compile_seconds(const nm_cell_jit *jit)
{
    return jit->compile_seconds;
}

char *nm_cell_jit_ir(const nm_graph *forward, const nm_graph *backward, nm_dtype dtype, bool optimize,
                     char **error)
{
    nm_cell_jit *jit = nm_xcalloc(1, sizeof *jit);
    jit->dtype = dtype;
    jit->element_size = dtype == NM_F32 ? sizeof(float) : sizeof(double);
    nm_plan_cell(jit, forward, backward);
    char *text = NULL;
    jit->llvm = nm_graph_llvm(error);
    if (jit->llvm) {
        LLVMModuleRef module = nm_generate(jit, jit->llvm);
        if (!optimize || nm_llvm_jit_run_passes(jit->llvm, module, NM_GRAPH_PIPELINE, error)) {
            char *printed = LLVMPrintModuleToString(module);
            text = nm_xstrdup(printed);
            LLVMDisposeMessage(printed);
        }
        LLVMDisposeModule(module);
    }
    nm_cell_jit_free(jit);
    return text;
}

static size_t nm_round_bytes(size_t elements, size_t element_size)
{
    return (elements * element_size + 63) / 64 * 64;
}

size_t nm_cell_jit_frame_size(const nm_cell_jit *jit)
{
    return nm_round_bytes(jit->forward.frame_elements, jit->element_size);
}

size_t nm_cell_jit_backward_frame_size(const nm_cell_jit *jit)
{
    return jit->has_backward ? nm_round_bytes(jit->backward.work_elements, jit->element_size) : 0;
}

void nm_cell_jit_forward(const nm_cell_jit *jit, void *frame, const void *const *inputs,
                         const void *const *states, const void *const *params)
{
    jit->forward_step(frame, inputs, states, params, jit->workspace);
}

void *nm_cell_jit_value(const nm_cell_jit *jit, void *frame, int node)
{
    const nm_graph_plan *plan = &jit->forward;
    if (node < 0 || node >= plan->graph->count)
        return NULL;
    const nm_node_plan *np = &plan->nodes[node];
    nm_shape shape = plan->graph->nodes[node].shape;
    if (!np->live || np->place.kind != NM_PLACE_VIEW || !nm_view_is_contiguous(&np->place.view, shape))
        return NULL;
    nm_view view = nm_plan_resolve(plan, np->place.view);
    if (view.base != NM_BASE_FRAME)
        return NULL;
    return (char *)frame + (size_t)view.offset * jit->element_size;
}

void nm_cell_jit_backward(const nm_cell_jit *jit, void *scratch, const void *forward_frame,
                          const void *const *seeds, const void *const *params, void *const *input_grads,
                          void *const *state_grads, void *const *param_grads)
{
    void *const *none = jit->no_gradients;
    jit->backward_step(scratch, forward_frame, seeds ? seeds : jit->no_seeds, params,
                       input_grads ? input_grads : none, state_grads ? state_grads : none,
                       param_grads ? param_grads : none, jit->zeros);
}
