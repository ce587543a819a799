/* Loop kernels of the tensor graph JIT, built from the plan: an iteration
 * shape, an output access and an expression over memory accesses.  See
 * graph_jit_internal.h. */
#include <stdlib.h>
#include <string.h>

#include "graph_jit_internal.h"

void nm_loop_kernel_init(nm_loop_kernel *kernel, nm_shape shape, nm_view out, const long *out_strides,
                         bool accumulate)
{
    memset(kernel, 0, sizeof *kernel);
    kernel->rank = shape.rank;
    for (int d = 0; d < shape.rank; d++) {
        kernel->dims[d] = shape.dims[d];
        kernel->out.strides[d] = shape.dims[d] == 1 ? 0 : out_strides[d];
    }
    kernel->out.view = out;
    kernel->accumulate = accumulate;
    kernel->root = -1;
}

void nm_loop_kernel_free(nm_loop_kernel *kernel)
{
    nm_vec_free(&kernel->accesses);
    nm_vec_free(&kernel->exprs);
}

static int nm_kernel_push(nm_loop_kernel *kernel, nm_expr expr)
{
    nm_vec_push(&kernel->exprs, expr);
    return (int)kernel->exprs.count - 1;
}

int nm_kernel_const(nm_loop_kernel *kernel, double value)
{
    nm_expr expr = {NM_OP_CONST, {-1, -1}, -1, value};
    return nm_kernel_push(kernel, expr);
}

static bool nm_same_access(const nm_access *a, const nm_access *b, int rank)
{
    if (a->view.base != b->view.base || a->view.index != b->view.index || a->view.offset != b->view.offset)
        return false;
    for (int d = 0; d < rank; d++)
        if (a->strides[d] != b->strides[d])
            return false;
    return true;
}

int nm_kernel_load(nm_loop_kernel *kernel, nm_view view, nm_shape shape)
{
    /* Dimensions align on the right; a missing or unit dimension of the
     * operand repeats its elements (stride 0). */
    nm_access access;
    memset(&access, 0, sizeof access);
    access.view = view;
    int skip = kernel->rank - shape.rank;
    for (int d = 0; d < kernel->rank; d++) {
        int source = d - skip;
        bool repeated = source < 0 || shape.dims[source] == 1 || kernel->dims[d] == 1;
        access.strides[d] = repeated ? 0 : view.strides[source];
    }

    int index = -1;
    for (size_t a = 0; a < kernel->accesses.count && index < 0; a++)
        if (nm_same_access(&kernel->accesses.items[a], &access, kernel->rank))
            index = (int)a;
    if (index < 0) {
        nm_vec_push(&kernel->accesses, access);
        index = (int)kernel->accesses.count - 1;
    }
    nm_expr expr = {NM_OP_INPUT, {-1, -1}, index, 0};
    return nm_kernel_push(kernel, expr);
}

int nm_kernel_op(nm_loop_kernel *kernel, nm_op op, int a, int b)
{
    nm_expr expr = {op, {a, b}, -1, 0};
    return nm_kernel_push(kernel, expr);
}

int nm_kernel_place(nm_loop_kernel *kernel, const nm_graph_plan *plan, int node, const nm_place *place)
{
    switch (place->kind) {
    case NM_PLACE_CONST:
        return nm_kernel_const(kernel, place->constant);
    case NM_PLACE_VIEW:
        return nm_kernel_load(kernel, nm_plan_resolve(plan, place->view), plan->graph->nodes[node].shape);
    case NM_PLACE_INLINE:
        break;
    }
    return nm_kernel_compute(kernel, plan, node);
}

int nm_kernel_compute(nm_loop_kernel *kernel, const nm_graph_plan *plan, int node)
{
    const nm_node *n = &plan->graph->nodes[node];
    int operands[2] = {-1, -1};
    for (int p = 0; p < n->input_count; p++)
        operands[p] = nm_kernel_place(kernel, plan, n->inputs[p], &plan->nodes[n->inputs[p]].place);
    return nm_kernel_op(kernel, n->op, operands[0], operands[1]);
}

static void nm_remove_dim(nm_loop_kernel *kernel, int d)
{
    for (int e = d; e + 1 < kernel->rank; e++) {
        kernel->dims[e] = kernel->dims[e + 1];
        kernel->out.strides[e] = kernel->out.strides[e + 1];
        for (size_t a = 0; a < kernel->accesses.count; a++)
            kernel->accesses.items[a].strides[e] = kernel->accesses.items[a].strides[e + 1];
    }
    kernel->rank--;
}

/* Whether dimension D and D + 1 walk every array as one dimension. */
static bool nm_can_merge(const nm_loop_kernel *kernel, int d)
{
    long inner = kernel->dims[d + 1];
    if (kernel->out.strides[d] != kernel->out.strides[d + 1] * inner)
        return false;
    for (size_t a = 0; a < kernel->accesses.count; a++) {
        const long *strides = kernel->accesses.items[a].strides;
        if (strides[d] != strides[d + 1] * inner)
            return false;
    }
    return true;
}

static void nm_collapse(nm_loop_kernel *kernel)
{
    for (int d = kernel->rank - 1; d >= 0; d--)
        if (kernel->dims[d] == 1 && kernel->rank > 1)
            nm_remove_dim(kernel, d);
    for (int d = kernel->rank - 2; d >= 0; d--) {
        if (!nm_can_merge(kernel, d))
            continue;
        kernel->dims[d] *= kernel->dims[d + 1];
        kernel->out.strides[d] = kernel->out.strides[d + 1];
        for (size_t a = 0; a < kernel->accesses.count; a++)
            kernel->accesses.items[a].strides[d] = kernel->accesses.items[a].strides[d + 1];
        /* Dimension D now walks D + 1 too. */
        nm_remove_dim(kernel, d + 1);
    }
    if (kernel->rank == 0) {
        kernel->rank = 1;
        kernel->dims[0] = 1;
        kernel->out.strides[0] = 0;
        for (size_t a = 0; a < kernel->accesses.count; a++)
            kernel->accesses.items[a].strides[0] = 0;
    }
}

static void nm_print_strides(nm_buf *out, const long *strides, int rank)
{
    for (int d = 0; d < rank; d++)
        nm_buf_printf(out, "%s%ld", d ? "," : "", strides[d]);
}

void nm_loop_kernel_finish(nm_loop_kernel *kernel, nm_buf *signature)
{
    nm_collapse(kernel);
    nm_buf_printf(signature, "loop %s", kernel->accumulate ? "add" : "store");
    for (int d = 0; d < kernel->rank; d++)
        nm_buf_printf(signature, "%c%d", d ? 'x' : ' ', kernel->dims[d]);
    nm_buf_puts(signature, " out ");
    nm_print_strides(signature, kernel->out.strides, kernel->rank);
    for (size_t a = 0; a < kernel->accesses.count; a++) {
        nm_buf_printf(signature, " a%zu ", a);
        nm_print_strides(signature, kernel->accesses.items[a].strides, kernel->rank);
    }
    for (size_t e = 0; e < kernel->exprs.count; e++) {
        const nm_expr *expr = &kernel->exprs.items[e];
        if (expr->op == NM_OP_CONST)
            nm_buf_printf(signature, " [%a]", expr->value);
        else if (expr->op == NM_OP_INPUT)
            nm_buf_printf(signature, " [a%d]", expr->access);
        else
            nm_buf_printf(signature, " [%s %d %d]", nm_op_name(expr->op), expr->operands[0], expr->operands[1]);
    }
    nm_buf_printf(signature, " root %d", kernel->root);
}
