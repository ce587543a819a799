/* LLVM IR for the matrix products of the tensor graph JIT, with explicit
 * vectors of the host's register width.
 *
 * When B's rows are contiguous along the output columns (A B and A^T B),
 * a tile of up to 4 rows times a few vectors of columns keeps its sums in
 * registers while k runs.  Per k it loads the vectors of B's row once,
 * broadcasts one element of A per row and does one multiply-add per
 * accumulator.  Column counts that are not a multiple of the tile end with
 * narrower tiles of whole vectors, then of halves, quarters and so on down
 * to single elements, so no element is masked or visited twice.  With B
 * transposed (A B^T) both operands are contiguous along k: a tile of rows
 * times columns keeps vector partial sums of the dot products and adds
 * their lanes at the end.  Each output element is the sum of its products
 * with multiply-adds (fused where the host has FMA); the order follows k
 * for A B and A^T B, and for A B^T it is split across vector lanes.
 */
#include <stdlib.h>
#include <string.h>

#include "graph_jit_internal.h"

/* Rows per tile, and vectors of columns per tile with several rows or one. */
enum { NM_TILE_ROWS = 4, NM_TILE_VECTORS = 2, NM_TILE_VECTORS_ONE_ROW = 4 };
/* Dot products per tile (A B^T) with several rows or one. */
enum { NM_DOT_ROWS = 2, NM_DOT_COLUMNS = 4, NM_DOT_COLUMNS_ONE_ROW = 8 };
/* Largest accumulators per tile, a bound on registers. */
#define NM_MAX_ACCUMULATORS 64

typedef struct nm_mm_emitter {
    nm_llvm_types *t;
    const nm_matmul_kernel *kernel;
    LLVMValueRef c, a, b;
} nm_mm_emitter;

/* WIDTH columns from OFFSET: a vector, or a scalar when WIDTH is 1. */
typedef struct nm_segment {
    int offset, width;
} nm_segment;

static LLVMValueRef nm_fmuladd(nm_llvm_types *t, LLVMValueRef x, LLVMValueRef y, LLVMValueRef z)
{
    LLVMValueRef args[3] = {x, y, z};
    return nm_llvm_intrinsic(t, "llvm.fmuladd", LLVMTypeOf(x), args, 3);
}

/* ROW * STRIDE + COLUMN, each a value or a constant. */
static LLVMValueRef nm_offset2(nm_llvm_types *t, LLVMValueRef row, long stride, LLVMValueRef column)
{
    LLVMValueRef scaled = LLVMBuildNSWMul(t->builder, row, nm_llvm_index(t, stride), "");
    return LLVMBuildNSWAdd(t->builder, scaled, column, "");
}

static LLVMValueRef nm_plus(nm_llvm_types *t, LLVMValueRef value, long constant)
{
    return constant ? LLVMBuildNSWAdd(t->builder, value, nm_llvm_index(t, constant), "") : value;
}

/* A loop over COUNT blocks of SIZE from START, or straight code for one;
 * returns the first index of the current block. */
static LLVMValueRef nm_blocks_begin(nm_llvm_types *t, nm_loop *loop, long count, long size, LLVMValueRef start)
{
    loop->count = count;
    if (count == 1)
        return start;
    nm_loop_begin(t, loop, count);
    return LLVMBuildNSWAdd(t->builder, start, LLVMBuildNSWMul(t->builder, loop->index, nm_llvm_index(t, size), ""), "");
}

static void nm_blocks_end(nm_llvm_types *t, nm_loop *loop)
{
    if (loop->count > 1)
        nm_loop_end(t, loop);
}

/* ---- A B and A^T B --------------------------------------------------------- */

static LLVMValueRef nm_left_element(nm_mm_emitter *e, LLVMValueRef row, LLVMValueRef k)
{
    const nm_matmul_kernel *kernel = e->kernel;
    LLVMValueRef offset = kernel->transpose_a ? nm_offset2(e->t, k, kernel->lda, row)
                                              : nm_offset2(e->t, row, kernel->lda, k);
    return nm_llvm_load(e->t, e->t->element, nm_llvm_address(e->t, e->a, offset));
}

/* C[I0 .. I0 + ROWS, J0 + segments] over the whole of k. */
static void nm_emit_row_tile(nm_mm_emitter *e, LLVMValueRef i0, int rows, LLVMValueRef j0,
                             const nm_segment *segments, int count)
{
    nm_llvm_types *t = e->t;
    const nm_matmul_kernel *kernel = e->kernel;
    LLVMValueRef addresses[NM_MAX_ACCUMULATORS], sums[NM_MAX_ACCUMULATORS], next[NM_MAX_ACCUMULATORS];
    for (int r = 0; r < rows; r++) {
        for (int s = 0; s < count; s++) {
            LLVMValueRef column = nm_plus(t, j0, segments[s].offset);
            LLVMValueRef offset = nm_offset2(t, nm_plus(t, i0, r), kernel->m, column);
            addresses[r * count + s] = nm_llvm_address(t, e->c, offset);
        }
    }

    nm_loop loop;
    LLVMValueRef initial[NM_MAX_ACCUMULATORS];
    for (int x = 0; x < rows * count; x++) {
        LLVMTypeRef type = nm_llvm_vector_type(t, segments[x % count].width);
        initial[x] = kernel->accumulate ? nm_llvm_load(t, type, addresses[x]) : LLVMConstNull(type);
    }
    nm_loop_begin(t, &loop, kernel->k);
    for (int x = 0; x < rows * count; x++)
        sums[x] = nm_loop_carry(t, &loop, initial[x]);
    LLVMValueRef right[NM_MAX_ACCUMULATORS];
    for (int s = 0; s < count; s++) {
        LLVMValueRef offset = nm_offset2(t, loop.index, kernel->ldb, nm_plus(t, j0, segments[s].offset));
        right[s] = nm_llvm_load(t, nm_llvm_vector_type(t, segments[s].width), nm_llvm_address(t, e->b, offset));
    }
    for (int r = 0; r < rows; r++) {
        LLVMValueRef left = nm_left_element(e, nm_plus(t, i0, r), loop.index);
        for (int s = 0; s < count; s++) {
            int x = r * count + s;
            next[x] = nm_fmuladd(t, nm_llvm_splat(t, left, segments[s].width), right[s], sums[x]);
        }
    }
    for (int x = 0; x < rows * count; x++)
        nm_loop_carry_set(t, sums[x], next[x]);
    nm_loop_end(t, &loop);
    for (int x = 0; x < rows * count; x++)
        nm_llvm_store(t, next[x], addresses[x]);
}

/* Tiles of COLUMNS columns from J0 that are narrower than a full tile:
 * whole vectors, then one piece of each smaller power of two. */
static void nm_emit_row_rest(nm_mm_emitter *e, LLVMValueRef i0, int rows, long j0, int columns)
{
    int width = e->t->vector_width;
    nm_segment segments[NM_MAX_ACCUMULATORS];
    int count = 0, offset = 0;
    while (columns - offset >= width) {
        segments[count++] = (nm_segment){offset, width};
        offset += width;
    }
    if (count > 0)
        nm_emit_row_tile(e, i0, rows, nm_llvm_index(e->t, j0), segments, count);

    count = 0;
    for (int piece = width / 2; piece >= 1; piece /= 2) {
        if (columns - offset >= piece) {
            segments[count++] = (nm_segment){offset, piece};
            offset += piece;
        }
    }
    if (count > 0)
        nm_emit_row_tile(e, i0, rows, nm_llvm_index(e->t, j0), segments, count);
}

/* All columns of ROWS rows from I0. */
static void nm_emit_row_block(nm_mm_emitter *e, LLVMValueRef i0, int rows)
{
    nm_llvm_types *t = e->t;
    int m = e->kernel->m;
    int vectors = rows == 1 ? NM_TILE_VECTORS_ONE_ROW : NM_TILE_VECTORS;
    int tile = vectors * t->vector_width;
    int full = m / tile;
    if (full > 0) {
        nm_segment segments[NM_MAX_ACCUMULATORS];
        for (int s = 0; s < vectors; s++)
            segments[s] = (nm_segment){s * t->vector_width, t->vector_width};
        nm_loop loop;
        LLVMValueRef j0 = nm_blocks_begin(t, &loop, full, tile, nm_llvm_index(t, 0));
        nm_emit_row_tile(e, i0, rows, j0, segments, vectors);
        nm_blocks_end(t, &loop);
    }
    if (m % tile)
        nm_emit_row_rest(e, i0, rows, (long)full * tile, m % tile);
}

/* ---- A B^T ------------------------------------------------------------------ */

/* The dot products of a tile over the whole vectors of k, added to SUMS
 * (ROWS x COLUMNS of them). */
static void nm_emit_dot_vectors(nm_mm_emitter *e, LLVMValueRef i0, int rows, LLVMValueRef j0, int columns,
                                LLVMValueRef *sums)
{
    nm_llvm_types *t = e->t;
    const nm_matmul_kernel *kernel = e->kernel;
    int width = t->vector_width, count = rows * columns;
    LLVMValueRef partial[NM_MAX_ACCUMULATORS], next[NM_MAX_ACCUMULATORS], right[NM_MAX_ACCUMULATORS];
    nm_loop loop;
    nm_loop_begin(t, &loop, kernel->k / width);
    for (int x = 0; x < count; x++)
        partial[x] = nm_loop_carry(t, &loop, LLVMConstNull(nm_llvm_vector_type(t, width)));
    LLVMValueRef k = LLVMBuildNSWMul(t->builder, loop.index, nm_llvm_index(t, width), "");
    for (int c = 0; c < columns; c++) {
        LLVMValueRef offset = nm_offset2(t, nm_plus(t, j0, c), kernel->ldb, k);
        right[c] = nm_llvm_load(t, nm_llvm_vector_type(t, width), nm_llvm_address(t, e->b, offset));
    }
    for (int r = 0; r < rows; r++) {
        LLVMValueRef offset = nm_offset2(t, nm_plus(t, i0, r), kernel->lda, k);
        LLVMValueRef left = nm_llvm_load(t, nm_llvm_vector_type(t, width), nm_llvm_address(t, e->a, offset));
        for (int c = 0; c < columns; c++)
            next[r * columns + c] = nm_fmuladd(t, left, right[c], partial[r * columns + c]);
    }
    for (int x = 0; x < count; x++)
        nm_loop_carry_set(t, partial[x], next[x]);
    nm_loop_end(t, &loop);
    for (int x = 0; x < count; x++)
        sums[x] = nm_llvm_reduce(t, sums[x], next[x]);
}

/* The last k % width products of a tile, in pieces of halving width. */
static void nm_emit_dot_rest(nm_mm_emitter *e, LLVMValueRef i0, int rows, LLVMValueRef j0, int columns,
                             LLVMValueRef *sums)
{
    nm_llvm_types *t = e->t;
    const nm_matmul_kernel *kernel = e->kernel;
    long offset = kernel->k / t->vector_width * t->vector_width;
    for (int piece = t->vector_width / 2; piece >= 1; piece /= 2) {
        if (kernel->k - offset < piece)
            continue;
        LLVMTypeRef type = nm_llvm_vector_type(t, piece);
        for (int r = 0; r < rows; r++) {
            LLVMValueRef at = nm_offset2(t, nm_plus(t, i0, r), kernel->lda, nm_llvm_index(t, offset));
            LLVMValueRef left = nm_llvm_load(t, type, nm_llvm_address(t, e->a, at));
            for (int c = 0; c < columns; c++) {
                LLVMValueRef from = nm_offset2(t, nm_plus(t, j0, c), kernel->ldb, nm_llvm_index(t, offset));
                LLVMValueRef right = nm_llvm_load(t, type, nm_llvm_address(t, e->b, from));
                LLVMValueRef product = LLVMBuildFMul(t->builder, left, right, "");
                sums[r * columns + c] = nm_llvm_reduce(t, sums[r * columns + c], product);
            }
        }
        offset += piece;
    }
}

/* Dot products of ROWS rows of A from I0 with COLUMNS rows of B from J0. */
static void nm_emit_dot_tile(nm_mm_emitter *e, LLVMValueRef i0, int rows, LLVMValueRef j0, int columns)
{
    nm_llvm_types *t = e->t;
    const nm_matmul_kernel *kernel = e->kernel;
    LLVMValueRef sums[NM_MAX_ACCUMULATORS];
    for (int x = 0; x < rows * columns; x++)
        sums[x] = nm_llvm_element(t, 0.0);
    if (kernel->k >= t->vector_width)
        nm_emit_dot_vectors(e, i0, rows, j0, columns, sums);
    nm_emit_dot_rest(e, i0, rows, j0, columns, sums);

    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < columns; c++) {
            LLVMValueRef at = nm_offset2(t, nm_plus(t, i0, r), kernel->m, nm_plus(t, j0, c));
            LLVMValueRef address = nm_llvm_address(t, e->c, at);
            LLVMValueRef value = sums[r * columns + c];
            if (kernel->accumulate)
                value = LLVMBuildFAdd(t->builder, nm_llvm_load(t, t->element, address), value, "");
            nm_llvm_store(t, value, address);
        }
    }
}

static void nm_emit_dot_block(nm_mm_emitter *e, LLVMValueRef i0, int rows)
{
    int m = e->kernel->m;
    int columns = rows == 1 ? NM_DOT_COLUMNS_ONE_ROW : NM_DOT_COLUMNS;
    int full = m / columns;
    if (full > 0) {
        nm_loop loop;
        LLVMValueRef j0 = nm_blocks_begin(e->t, &loop, full, columns, nm_llvm_index(e->t, 0));
        nm_emit_dot_tile(e, i0, rows, j0, columns);
        nm_blocks_end(e->t, &loop);
    }
    if (m % columns)
        nm_emit_dot_tile(e, i0, rows, nm_llvm_index(e->t, (long)full * columns), m % columns);
}

/* ---- A^T B^T, which autodiff never makes: plain loops ---------------------- */

static void nm_emit_plain(nm_mm_emitter *e)
{
    nm_llvm_types *t = e->t;
    const nm_matmul_kernel *kernel = e->kernel;
    nm_loop rows, columns, inner;
    nm_loop_begin(t, &rows, kernel->rows);
    nm_loop_begin(t, &columns, kernel->m);
    nm_loop_begin(t, &inner, kernel->k);
    LLVMValueRef sum = nm_loop_carry(t, &inner, nm_llvm_element(t, 0.0));
    LLVMValueRef left = nm_left_element(e, rows.index, inner.index);
    LLVMValueRef at = nm_offset2(t, columns.index, kernel->ldb, inner.index);
    LLVMValueRef right = nm_llvm_load(t, t->element, nm_llvm_address(t, e->b, at));
    LLVMValueRef next = nm_fmuladd(t, left, right, sum);
    nm_loop_carry_set(t, sum, next);
    nm_loop_end(t, &inner);
    LLVMValueRef address = nm_llvm_address(t, e->c, nm_offset2(t, rows.index, kernel->m, columns.index));
    if (kernel->accumulate)
        next = LLVMBuildFAdd(t->builder, nm_llvm_load(t, t->element, address), next, "");
    nm_llvm_store(t, next, address);
    nm_loop_end(t, &columns);
    nm_loop_end(t, &rows);
}

/* Row blocks of TILE rows, then the remaining rows as one block. */
static void nm_emit_row_blocks(nm_mm_emitter *e, int tile, void (*block)(nm_mm_emitter *, LLVMValueRef, int))
{
    int rows = e->kernel->rows;
    if (tile > rows)
        tile = rows;
    int full = rows / tile;
    nm_loop loop;
    LLVMValueRef i0 = nm_blocks_begin(e->t, &loop, full, tile, nm_llvm_index(e->t, 0));
    block(e, i0, tile);
    nm_blocks_end(e->t, &loop);
    if (rows % tile)
        block(e, nm_llvm_index(e->t, (long)full * tile), rows % tile);
}

void nm_emit_matmul_kernel(nm_llvm_types *t, LLVMValueRef function, const nm_matmul_kernel *kernel)
{
    nm_mm_emitter e = {t, kernel, LLVMGetParam(function, 0), LLVMGetParam(function, 1), LLVMGetParam(function, 2)};
    if (kernel->transpose_a && kernel->transpose_b)
        nm_emit_plain(&e);
    else if (kernel->transpose_b)
        nm_emit_row_blocks(&e, NM_DOT_ROWS, nm_emit_dot_block);
    else
        nm_emit_row_blocks(&e, NM_TILE_ROWS, nm_emit_row_block);
    LLVMBuildRetVoid(t->builder);
}
