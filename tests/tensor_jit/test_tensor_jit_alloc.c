/* The step functions of the tensor JIT never allocate: forward and
 * backward steps of an NTM cell run with malloc, calloc, realloc and the
 * aligned allocators counted.  The counting functions replace the C
 * library's (glibc exports the originals as __libc_malloc and so on), so
 * the test is skipped in builds with AddressSanitizer, which replaces
 * them itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jit/graph_jit.h"
#include "tensor/autodiff.h"
#include "tensor/ntm.h"

#if defined(__SANITIZE_ADDRESS__)
#define NM_COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NM_COUNTING 0
#endif
#endif
#ifndef NM_COUNTING
#define NM_COUNTING 1
#endif

static volatile int nm_counting;
static volatile long nm_allocations;

#if NM_COUNTING
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *pointer, size_t size);
void *__libc_memalign(size_t alignment, size_t size);

static void nm_count(void)
{
    if (nm_counting)
        nm_allocations++;
}

void *malloc(size_t size)
{
    nm_count();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
    nm_count();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size)
{
    nm_count();
    return __libc_realloc(pointer, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    nm_count();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **pointer, size_t alignment, size_t size)
{
    nm_count();
    *pointer = __libc_memalign(alignment, size);
    return *pointer ? 0 : 12;
}
#endif

static void *nm_buffer(size_t bytes)
{
    void *memory = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    assert_non_null(memory);
    memset(memory, 0, (bytes + 63) / 64 * 64 + 64);
    return memory;
}

/* Arrays for every leaf of CELL, indexed like the leaves. */
static void **nm_leaf_arrays(const nm_graph *cell, nm_op kind, int count, size_t element)
{
    void **arrays = calloc((size_t)count + 1, sizeof *arrays);
    for (int i = 0; i < cell->count; i++)
        if (cell->nodes[i].op == kind)
            arrays[cell->nodes[i].leaf_index] = nm_buffer(nm_shape_size(cell->nodes[i].shape) * element);
    return arrays;
}

static void nm_free_arrays(void **arrays, int count)
{
    for (int i = 0; i < count; i++)
        free(arrays[i]);
    free(arrays);
}

/* Runs three steps forward and back with counting on; returns the count. */
static long nm_count_steps(nm_cell_jit *jit, const nm_ntm *ntm, nm_dtype dtype)
{
    const nm_graph *cell = ntm->cell;
    size_t element = dtype == NM_F32 ? sizeof(float) : sizeof(double);
    void **inputs = nm_leaf_arrays(cell, NM_OP_INPUT, cell->input_count, element);
    void **states = nm_leaf_arrays(cell, NM_OP_STATE, cell->state_count, element);
    void **params = nm_leaf_arrays(cell, NM_OP_PARAM, cell->param_count, element);
    void **state_grads = nm_leaf_arrays(cell, NM_OP_STATE, cell->state_count, element);
    void **param_grads = nm_leaf_arrays(cell, NM_OP_PARAM, cell->param_count, element);
    const void **seeds = calloc((size_t)cell->count + 1, sizeof *seeds);
    void *frames[3];
    for (int t = 0; t < 3; t++)
        frames[t] = nm_buffer(nm_cell_jit_frame_size(jit));
    void *scratch = nm_buffer(nm_cell_jit_backward_frame_size(jit));
    seeds[ntm->logits] = nm_buffer(nm_shape_size(cell->nodes[ntm->logits].shape) * element);

    nm_allocations = 0;
    nm_counting = 1;
    for (int t = 0; t < 3; t++)
        nm_cell_jit_forward(jit, frames[t], (const void *const *)inputs, (const void *const *)states,
                            (const void *const *)params);
    for (int t = 2; t >= 0; t--)
        nm_cell_jit_backward(jit, scratch, frames[t], seeds, (const void *const *)params, NULL, state_grads,
                             param_grads);
    nm_counting = 0;
    long counted = nm_allocations;

    for (int t = 0; t < 3; t++)
        free(frames[t]);
    free(scratch);
    free((void *)seeds[ntm->logits]);
    free(seeds);
    nm_free_arrays(inputs, cell->input_count);
    nm_free_arrays(states, cell->state_count);
    nm_free_arrays(params, cell->param_count);
    nm_free_arrays(state_grads, cell->state_count);
    nm_free_arrays(param_grads, cell->param_count);
    return counted;
}

static void test_counting_works(void **state)
{
    (void)state;
    if (!NM_COUNTING)
        skip();
    nm_allocations = 0;
    nm_counting = 1;
    void *probe = malloc(16);
    nm_counting = 0;
    free(probe);
    assert_int_equal(nm_allocations, 1);
}

static void test_steps_do_not_allocate(void **state)
{
    (void)state;
    if (!NM_COUNTING)
        skip();
    nm_ntm_spec spec;
    nm_ntm_defaults(&spec);
    spec.inputs = 9;
    spec.outputs = 8;
    nm_ntm *ntm = nm_ntm_build(&spec, 2);
    nm_graph *backward = nm_graph_backward(ntm->cell);
    for (int d = 0; d < 2; d++) {
        nm_dtype dtype = d == 0 ? NM_F32 : NM_F64;
        char *error = NULL;
        nm_cell_jit *jit = nm_cell_jit_compile(ntm->cell, backward, dtype, &error);
        assert_non_null(jit);
        assert_int_equal(nm_count_steps(jit, ntm, dtype), 0);
        nm_cell_jit_free(jit);
    }
    nm_graph_free(backward);
    nm_ntm_free(ntm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counting_works),
        cmocka_unit_test(test_steps_do_not_allocate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
