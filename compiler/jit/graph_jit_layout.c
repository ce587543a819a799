/* Memory layout for the tensor graph JIT: the frame offsets of forward
 * values that outlive the step, and workspace offsets of the others, a
 * buffer being reused once the last kernel that reads it has run. */
#include <stdlib.h>
#include <string.h>

#include "graph_jit_internal.h"

static size_t nm_aligned(size_t elements)
{
    return (elements + NM_GRAPH_ALIGN - 1) / NM_GRAPH_ALIGN * NM_GRAPH_ALIGN;
}

nm_view nm_plan_resolve(const nm_graph_plan *plan, nm_view view)
{
    if (view.base != NM_BASE_NODE)
        return view;
    const nm_view *storage = &plan->nodes[view.index].storage;
    view.base = storage->base;
    view.offset += storage->offset;
    view.index = storage->index;
    return view;
}

/* Records that the kernels of node POSITION read the memory behind PLACE,
 * the place of node NODE. */
static void nm_note_reads(nm_graph_plan *plan, int node, const nm_place *place, int position)
{
    if (place->kind == NM_PLACE_VIEW && place->view.base == NM_BASE_NODE) {
        nm_node_plan *owner = &plan->nodes[place->view.index];
        if (owner->last_read < position)
            owner->last_read = position;
        return;
    }
    if (place->kind != NM_PLACE_INLINE)
        return;
    const nm_node *n = &plan->graph->nodes[node];
    for (int p = 0; p < n->input_count; p++)
        nm_note_reads(plan, n->inputs[p], &plan->nodes[n->inputs[p]].place, position);
}

static void nm_find_last_reads(nm_graph_plan *plan)
{
    const nm_graph *graph = plan->graph;
    for (int i = 0; i < graph->count; i++) {
        nm_node_plan *np = &plan->nodes[i];
        const nm_node *node = &graph->nodes[i];
        if (!np->live)
            continue;
        /* Gradient results that are not written in place are copied out
         * after the last node. */
        if (plan->backward && np->result && np->storage.base == NM_BASE_NONE)
            nm_note_reads(plan, i, &np->place, graph->count);
        if (!np->materialized)
            continue;
        if (np->copy) {
            nm_note_reads(plan, i, &np->source, i);
            continue;
        }
        int count = node->op == NM_OP_CONCAT ? node->list_count : node->input_count;
        for (int p = 0; p < count; p++) {
            int operand = node->op == NM_OP_CONCAT ? node->list[p] : node->inputs[p];
            nm_note_reads(plan, operand, &plan->nodes[operand].place, i);
        }
    }
}

/* Forward values that results and saved values are views of stay in the
 * frame. */
static bool *nm_frame_nodes(const nm_graph_plan *plan)
{
    bool *frame = nm_xcalloc((size_t)plan->graph->count + 1, sizeof *frame);
    if (plan->backward)
        return frame;
    for (int i = 0; i < plan->graph->count; i++) {
        const nm_node_plan *np = &plan->nodes[i];
        if ((np->result || np->saved) && np->place.kind == NM_PLACE_VIEW && np->place.view.base == NM_BASE_NODE)
            frame[np->place.view.index] = true;
    }
    return frame;
}

typedef struct nm_block {
    size_t offset, size;
} nm_block;

/* Free blocks of the workspace, sorted by offset, and its end. */
typedef struct nm_free_list {
    NM_VEC(nm_block) blocks;
    size_t end;
} nm_free_list;

static size_t nm_allocate(nm_free_list *list, size_t size)
{
    for (size_t b = 0; b < list->blocks.count; b++) {
        nm_block *block = &list->blocks.items[b];
        if (block->size < size)
            continue;
        size_t offset = block->offset;
        block->offset += size;
        block->size -= size;
        if (block->size == 0) {
            memmove(block, block + 1, (list->blocks.count - b - 1) * sizeof *block);
            list->blocks.count--;
        }
        return offset;
    }
    /* A free block at the end grows into the new one. */
    if (list->blocks.count > 0) {
        nm_block *last = &list->blocks.items[list->blocks.count - 1];
        if (last->offset + last->size == list->end) {
            size_t offset = last->offset;
            list->end = offset + size;
            list->blocks.count--;
            return offset;
        }
    }
    size_t offset = list->end;
    list->end += size;
    return offset;
}

static void nm_release(nm_free_list *list, size_t offset, size_t size)
{
    size_t b = 0;
    while (b < list->blocks.count && list->blocks.items[b].offset < offset)
        b++;
    nm_block block = {offset, size};
    nm_vec_push(&list->blocks, block);
    nm_block *items = list->blocks.items;
    memmove(items + b + 1, items + b, (list->blocks.count - 1 - b) * sizeof *items);
    items[b] = block;

    /* Merge with the following block, then with the preceding one. */
    if (b + 1 < list->blocks.count && items[b].offset + items[b].size == items[b + 1].offset) {
        items[b].size += items[b + 1].size;
        memmove(items + b + 1, items + b + 2, (list->blocks.count - b - 2) * sizeof *items);
        list->blocks.count--;
    }
    if (b > 0 && items[b - 1].offset + items[b - 1].size == items[b].offset) {
        items[b - 1].size += items[b].size;
        memmove(items + b, items + b + 1, (list->blocks.count - b - 1) * sizeof *items);
        list->blocks.count--;
    }
}

static void nm_set_storage(nm_node_plan *np, nm_base_kind base, size_t offset, nm_shape shape)
{
    np->storage.base = base;
    np->storage.index = 0;
    np->storage.offset = (long)offset;
    nm_contiguous_strides(shape, np->storage.strides);
}

void nm_plan_layout(nm_graph_plan *plan)
{
    const nm_graph *graph = plan->graph;
    nm_find_last_reads(plan);
    bool *frame = nm_frame_nodes(plan);
    nm_free_list work;
    memset(&work, 0, sizeof work);

    for (int i = 0; i < graph->count; i++) {
        nm_node_plan *np = &plan->nodes[i];
        if (!np->materialized)
            continue;
        size_t size = nm_aligned(nm_shape_size(graph->nodes[i].shape));
        if (np->storage.base != NM_BASE_NONE) {
            /* A caller's gradient array. */
        } else if (frame[i]) {
            nm_set_storage(np, NM_BASE_FRAME, plan->frame_elements, graph->nodes[i].shape);
            plan->frame_elements += size;
        } else {
            nm_set_storage(np, NM_BASE_WORK, nm_allocate(&work, size), graph->nodes[i].shape);
        }

        /* Buffers whose last reader is node I, and I's own when nothing
         * reads it, are free for the nodes after it. */
        for (int j = 0; j <= i; j++) {
            nm_node_plan *owner = &plan->nodes[j];
            bool dead = owner->last_read == i || (j == i && owner->last_read < i);
            if (owner->materialized && owner->storage.base == NM_BASE_WORK && dead)
                nm_release(&work, (size_t)owner->storage.offset,
                           nm_aligned(nm_shape_size(graph->nodes[j].shape)));
        }
    }
    plan->work_elements = work.end;
    nm_vec_free(&work.blocks);
    free(frame);
}
