/* The realtime layout: one network step per machine step (see lower.h).
 *
 * Per stack X and operation op, a value neuron V(X,op) holds the stack
 * after op when op was taken, else 0, so the stack is the sum over op.  The
 * indicators of the top two symbols are split the same way: A(X,op,d,j) is
 * [after op, depth d exists] for j = 0 and [the symbol at depth d >= j] for
 * j >= 1, when op was taken.  All of them are computed from the previous
 * step's sums:
 *
 *   V(X,op)     = sigma(value after op + gate(op) - 1)
 *   A(X,op,d,j) = sigma(indicator after op + gate(op) - 1), where the
 *                 indicator after op is a constant or an earlier indicator,
 *                 except depth 2 after a pop, which is the third symbol:
 *                 sigma(B P2 - 2j + B (gate - 1)) with P2 the stack without
 *                 its top two symbols, B^2 S - B T1 - T2
 *
 * Detectors run one step ahead: E(t, u) = AND(t fired, the symbols on top
 * after t are those u reads), for every pair of transitions where t enters
 * u's state, and transition u fires when the sum of its E is 1.
 */
#include <stdlib.h>
#include <string.h>

#include "lower_internal.h"

enum { NM_DEPTHS = 2 };

typedef struct nm_realtime_stack {
    int *values;                          /* per op */
    int (*readers)[NM_DEPTHS][TM_MAX_SYMBOLS]; /* per op: neuron or -1 */
} nm_realtime_stack;

typedef struct nm_pair {
    int from, to;    /* transitions */
    int neuron;
} nm_pair;

typedef struct nm_realtime {
    nm_lowering *lowering;
    nm_realtime_stack *stacks;
    int *states;
    int *initial;     /* per transition: its detector in the first step, or -1 */
    NM_VEC(nm_pair) pairs;
    nm_affine *fires; /* per transition */
    nm_affine *stack_values;
    nm_depth_forms (*depths)[NM_DEPTHS];
} nm_realtime;

static int nm_add(nm_lowering *lowering, nm_buf *name, nm_role role)
{
    int index = nm_net_add_neuron(lowering->net, name->data, role, 0);
    nm_buf_free(name);
    return index;
}

/* The indicator at DEPTH, LEVEL after OP when it is a constant: 0 or 1;
 * -1 when it depends on the stacks. */
static int nm_constant_indicator(const nm_lowering *lowering, int stack, nm_stack_op op,
                                 int depth, int level)
{
    int symbol = op.symbol;
    switch (op.kind) {
    case NM_OP_PUSH:
    case NM_OP_REPLACE:
        return depth == 1 ? (level == 0 || symbol >= level) : -1;
    case NM_OP_LEFT:
        if (depth == 2)
            return level == 0 || symbol >= level;
        return level == 0 ? 1 : -1;
    case NM_OP_KEEP:
    case NM_OP_POP:
        return -1;
    }
    (void)lowering;
    (void)stack;
    return -1;
}

static void nm_create_stack(nm_realtime *realtime, int stack)
{
    nm_lowering *lowering = realtime->lowering;
    const nm_stack_ops *ops = &lowering->ops[stack];
    nm_realtime_stack *neurons = &realtime->stacks[stack];
    char stack_name[16];
    nm_stack_name(stack, stack_name, sizeof stack_name);
    neurons->values = nm_xcalloc((size_t)ops->count, sizeof *neurons->values);
    neurons->readers = nm_xcalloc((size_t)ops->count, sizeof *neurons->readers);

    for (int i = 0; i < ops->count; i++) {
        nm_buf name;
        nm_buf_init(&name);
        nm_buf_printf(&name, "stack %s after ", stack_name);
        nm_append_op(lowering, &name, ops->ops[i]);
        neurons->values[i] = nm_add(lowering, &name, NM_ROLE_STACK);

        for (int d = 1; d <= NM_DEPTHS; d++) {
            for (int j = 0; j < lowering->symbols; j++) {
                neurons->readers[i][d - 1][j] = -1;
                if (nm_constant_indicator(lowering, stack, ops->ops[i], d, j) == 0)
                    continue;
                nm_buf_init(&name);
                nm_buf_printf(&name, "read %s after ", stack_name);
                nm_append_op(lowering, &name, ops->ops[i]);
                nm_buf_printf(&name, ": depth %d ", d);
                if (j == 0) {
                    nm_buf_puts(&name, "exists");
                } else {
                    nm_buf_puts(&name, ">= ");
                    nm_append_symbol(lowering, &name, j);
                }
                neurons->readers[i][d - 1][j] = nm_add(lowering, &name, NM_ROLE_READER);
            }
        }
    }
}

static void nm_describe_transition(const nm_lowering *lowering, nm_buf *out,
                                   const nm_stack_transition *transition)
{
    nm_append_state(lowering, out, transition->state);
    nm_buf_puts(out, " reads ");
    nm_append_reads(lowering, out, transition->reads);
}

/* A pair (FROM, TO) can fire only if every tape FROM stays on keeps the
 * symbol TO reads there. */
static bool nm_pair_possible(const nm_stack_machine *machine, const nm_stack_transition *from,
                             const nm_stack_transition *to)
{
    if (from->next != to->state)
        return false;
    for (int t = 0; t < machine->tapes; t++)
        if (from->right[t].kind == NM_OP_REPLACE && from->right[t].symbol != to->reads[t])
            return false;
    return true;
}

static void nm_create_detectors(nm_realtime *realtime)
{
    nm_lowering *lowering = realtime->lowering;
    const nm_stack_machine *machine = lowering->machine;
    int start = machine->machine->start;
    realtime->initial = nm_xcalloc((size_t)machine->transition_count + 1, sizeof(int));

    for (int u = 0; u < machine->transition_count; u++) {
        const nm_stack_transition *to = &machine->transitions[u];
        realtime->initial[u] = -1;
        bool blank_elsewhere = true;
        for (int t = 1; t < machine->tapes; t++)
            blank_elsewhere = blank_elsewhere && to->reads[t] == machine->blank;
        if (to->state == start && blank_elsewhere) {
            nm_buf name;
            nm_buf_init(&name);
            nm_buf_puts(&name, "detect ");
            nm_describe_transition(lowering, &name, to);
            nm_buf_puts(&name, " first");
            realtime->initial[u] = nm_add(lowering, &name, NM_ROLE_DETECTOR);
        }
        for (int t = 0; t < machine->transition_count; t++) {
            const nm_stack_transition *from = &machine->transitions[t];
            if (!nm_pair_possible(machine, from, to))
                continue;
            nm_buf name;
            nm_buf_init(&name);
            nm_buf_puts(&name, "detect ");
            nm_describe_transition(lowering, &name, to);
            nm_buf_puts(&name, " after ");
            nm_describe_transition(lowering, &name, from);
            nm_pair pair = {t, u, nm_add(lowering, &name, NM_ROLE_DETECTOR)};
            nm_vec_push(&realtime->pairs, pair);
        }
    }
}

static void nm_create_states(nm_realtime *realtime)
{
    nm_lowering *lowering = realtime->lowering;
    int states = lowering->machine->machine->state_count;
    realtime->states = nm_xcalloc((size_t)states, sizeof(int));
    for (int q = 0; q < states; q++) {
        nm_buf name;
        nm_buf_init(&name);
        nm_buf_puts(&name, "state ");
        nm_append_state(lowering, &name, q);
        realtime->states[q] = nm_add(lowering, &name, NM_ROLE_STATE);
    }
}

/* The sums that stand for whole quantities: transitions firing, stack
 * values, and the indicators of each depth. */
static void nm_build_sums(nm_realtime *realtime)
{
    nm_lowering *lowering = realtime->lowering;
    const nm_stack_machine *machine = lowering->machine;
    realtime->fires = nm_xcalloc((size_t)machine->transition_count + 1, sizeof *realtime->fires);
    for (int u = 0; u < machine->transition_count; u++) {
        nm_affine_init(&realtime->fires[u]);
        if (realtime->initial[u] >= 0)
            nm_affine_add(&realtime->fires[u], realtime->initial[u], 1, 1);
    }
    for (size_t p = 0; p < realtime->pairs.count; p++) {
        const nm_pair *pair = &realtime->pairs.items[p];
        nm_affine_add(&realtime->fires[pair->to], pair->neuron, 1, 1);
    }
    for (int u = 0; u < machine->transition_count; u++)
        nm_net_add_affine_group(lowering->net, &realtime->fires[u]);

    realtime->stack_values = nm_xcalloc((size_t)lowering->stacks, sizeof *realtime->stack_values);
    realtime->depths = nm_xcalloc((size_t)lowering->stacks, sizeof *realtime->depths);
    for (int s = 0; s < lowering->stacks; s++) {
        const nm_realtime_stack *neurons = &realtime->stacks[s];
        nm_affine_init(&realtime->stack_values[s]);
        for (int d = 0; d < NM_DEPTHS; d++)
            nm_depth_forms_init(&realtime->depths[s][d], lowering->symbols);
        for (int i = 0; i < lowering->ops[s].count; i++) {
            nm_affine_add(&realtime->stack_values[s], neurons->values[i], 1, 1);
            for (int d = 0; d < NM_DEPTHS; d++)
                for (int j = 0; j < lowering->symbols; j++)
                    if (neurons->readers[i][d][j] >= 0)
                        nm_affine_add(&realtime->depths[s][d].level[j], neurons->readers[i][d][j], 1, 1);
        }
        for (int d = 0; d < NM_DEPTHS; d++)
            for (int j = 0; j < lowering->symbols; j++)
                nm_net_add_affine_group(lowering->net, &realtime->depths[s][d].level[j]);
    }
}

/* The indicator at DEPTH, LEVEL after OP as an affine form of the current
 * sums (only for indicators that are neither constant nor the third
 * symbol). */
static void nm_add_indicator_after(nm_realtime *realtime, nm_affine *form, int stack,
                                   nm_stack_op op, int depth, int level)
{
    nm_lowering *lowering = realtime->lowering;
    int constant = nm_constant_indicator(lowering, stack, op, depth, level);
    if (constant >= 0) {
        nm_affine_add_constant(form, constant, 1);
        return;
    }
    const nm_depth_forms *own = realtime->depths[stack];
    switch (op.kind) {
    case NM_OP_KEEP:
        nm_affine_add_form(form, &own[depth - 1].level[level], 1, 1);
        break;
    case NM_OP_POP: /* depth 1 after a pop is depth 2 now */
        nm_affine_add_form(form, &own[1].level[level], 1, 1);
        break;
    case NM_OP_PUSH: /* depth 2 after a push is the top now */
        nm_affine_add_form(form, &own[0].level[level], 1, 1);
        break;
    case NM_OP_REPLACE:
        nm_affine_add_form(form, &own[1].level[level], 1, 1);
        break;
    case NM_OP_LEFT: { /* the new top is L's top, or the blank */
        const nm_depth_forms *left = realtime->depths[nm_left_stack(stack / 2)];
        int blank = lowering->machine->blank;
        nm_affine_add_form(form, &left[0].level[level], 1, 1);
        if (blank >= level) {
            nm_affine_add_constant(form, 1, 1);
            nm_affine_add_form(form, &left[0].level[0], -1, 1);
        }
        break;
    }
    }
}

static void nm_wire_stack(nm_realtime *realtime, int stack)
{
    nm_lowering *lowering = realtime->lowering;
    const nm_stack_ops *ops = &lowering->ops[stack];
    const nm_realtime_stack *neurons = &realtime->stacks[stack];
    const nm_depth_forms *own = realtime->depths[stack];
    const nm_depth_forms *left = realtime->depths[nm_left_stack(stack / 2)];
    long base = lowering->base;

    for (int i = 0; i < ops->count; i++) {
        nm_stack_op op = ops->ops[i];
        nm_affine gate;
        nm_affine_init(&gate);
        nm_add_gate(lowering, &gate, stack, i, realtime->fires);

        nm_affine form;
        nm_affine_init(&form);
        nm_add_op_value(lowering, &form, op, &realtime->stack_values[stack], &own[0], &left[0]);
        nm_affine_add_form(&form, &gate, 1, 1);
        nm_affine_add_constant(&form, -1, 1);
        nm_net_add_affine(lowering->net, neurons->values[i], &form);
        nm_affine_clear(&form);

        for (int d = 1; d <= NM_DEPTHS; d++) {
            for (int j = 0; j < lowering->symbols; j++) {
                int neuron = neurons->readers[i][d - 1][j];
                if (neuron < 0)
                    continue;
                nm_affine_init(&form);
                if (op.kind == NM_OP_POP && d == 2) {
                    /* The third symbol: B (B^2 S - B T1 - T2) - 2j + B (gate - 1). */
                    nm_affine_add_form(&form, &realtime->stack_values[stack], base * base * base, 1);
                    nm_add_digit(&form, &own[0], -base * base, 1);
                    nm_add_digit(&form, &own[1], -base, 1);
                    nm_affine_add_constant(&form, -2 * j - base, 1);
                    nm_affine_add_form(&form, &gate, base, 1);
                } else {
                    nm_add_indicator_after(realtime, &form, stack, op, d, j);
                    nm_affine_add_form(&form, &gate, 1, 1);
                    nm_affine_add_constant(&form, -1, 1);
                }
                nm_net_add_affine(lowering->net, neuron, &form);
                nm_affine_clear(&form);
            }
        }
        nm_affine_clear(&gate);
    }
}

static void nm_wire_pairs(nm_realtime *realtime)
{
    nm_lowering *lowering = realtime->lowering;
    const nm_stack_machine *machine = lowering->machine;
    for (size_t p = 0; p < realtime->pairs.count; p++) {
        const nm_pair *pair = &realtime->pairs.items[p];
        const nm_stack_transition *from = &machine->transitions[pair->from];
        const nm_stack_transition *to = &machine->transitions[pair->to];
        nm_affine form;
        nm_affine_init(&form);
        nm_affine_add_form(&form, &realtime->fires[pair->from], 1, 1);
        int conditions = 0;
        for (int t = 0; t < machine->tapes; t++) {
            if (from->right[t].kind == NM_OP_POP) {
                nm_add_equals(&form, &realtime->depths[nm_right_stack(t)][1], to->reads[t],
                              machine->blank, 1);
                conditions++;
            } else if (from->right[t].kind == NM_OP_LEFT) {
                nm_add_equals(&form, &realtime->depths[nm_left_stack(t)][0], to->reads[t],
                              machine->blank, 1);
                conditions++;
            }
        }
        nm_affine_add_constant(&form, -conditions, 1);
        nm_net_add_affine(lowering->net, pair->neuron, &form);
        nm_affine_clear(&form);
    }
}

static void nm_wire_states(nm_realtime *realtime)
{
    nm_lowering *lowering = realtime->lowering;
    const nm_stack_machine *machine = lowering->machine;
    for (int q = 0; q < machine->machine->state_count; q++) {
        nm_affine form;
        nm_affine_init(&form);
        nm_affine_add(&form, realtime->states[q], 1, 1);
        for (int i = 0; i < machine->transition_count; i++) {
            if (machine->transitions[i].next == q)
                nm_affine_add_form(&form, &realtime->fires[i], 1, 1);
            if (machine->transitions[i].state == q)
                nm_affine_add_form(&form, &realtime->fires[i], -1, 1);
        }
        nm_net_add_affine(lowering->net, realtime->states[q], &form);
        nm_affine_clear(&form);
    }
}

static int nm_boot_neuron(nm_lowering *lowering, const char *format, int level, nm_role role)
{
    nm_buf name;
    nm_buf_init(&name);
    nm_buf_printf(&name, format, level);
    return nm_add(lowering, &name, role);
}

/* After the loader's pulse: read the top two symbols of the loaded stack
 * (two steps, since the second depends on the first), then start the
 * machine with those indicators and the first detectors. */
static void nm_wire_boot(nm_realtime *realtime, const nm_loader *loader)
{
    nm_lowering *lowering = realtime->lowering;
    nm_net *net = lowering->net;
    const nm_stack_machine *machine = lowering->machine;
    long base = lowering->base;
    int symbols = lowering->symbols;
    int top[TM_MAX_SYMBOLS], top_copy[TM_MAX_SYMBOLS], second[TM_MAX_SYMBOLS];
    for (int j = 0; j < symbols; j++)
        top[j] = nm_boot_neuron(lowering, "boot read R1: depth 1 level %d", j, NM_ROLE_READER);
    int value1 = nm_boot_neuron(lowering, "boot stack R1 (step %d)", 1, NM_ROLE_LOADER);
    int start1 = nm_boot_neuron(lowering, "boot start (step %d)", 1, NM_ROLE_LOADER);
    for (int j = 0; j < symbols; j++)
        top_copy[j] = nm_boot_neuron(lowering, "boot read R1: depth 1 level %d copy", j,
                                     NM_ROLE_COPY);
    for (int j = 0; j < symbols; j++)
        second[j] = nm_boot_neuron(lowering, "boot read R1: depth 2 level %d", j, NM_ROLE_READER);
    int value2 = nm_boot_neuron(lowering, "boot stack R1 (step %d)", 2, NM_ROLE_LOADER);
    int start2 = nm_boot_neuron(lowering, "boot start (step %d)", 2, NM_ROLE_LOADER);

    nm_depth_forms top_forms;
    nm_depth_forms_init(&top_forms, symbols);
    for (int j = 0; j < symbols; j++)
        nm_affine_add(&top_forms.level[j], top[j], 1, 1);

    nm_affine form;
    for (int j = 0; j < symbols; j++) {
        nm_affine_init(&form);
        nm_affine_add(&form, loader->stack_value, base, 1);
        nm_affine_add_constant(&form, -2 * j, 1);
        nm_net_add_affine(net, top[j], &form);
        nm_affine_clear(&form);

        nm_affine_init(&form);
        nm_affine_add(&form, top[j], 1, 1);
        nm_net_add_affine(net, top_copy[j], &form);
        nm_affine_clear(&form);

        nm_affine_init(&form);
        nm_affine_add(&form, value1, base * base, 1);
        nm_add_digit(&form, &top_forms, -base, 1);
        nm_affine_add_constant(&form, -2 * j, 1);
        nm_net_add_affine(net, second[j], &form);
        nm_affine_clear(&form);
    }
    int chain[][2] = {{value1, loader->stack_value}, {start1, loader->start},
                      {value2, value1}, {start2, start1}};
    for (size_t i = 0; i < sizeof chain / sizeof *chain; i++) {
        nm_affine_init(&form);
        nm_affine_add(&form, chain[i][1], 1, 1);
        nm_net_add_affine(net, chain[i][0], &form);
        nm_affine_clear(&form);
    }

    /* Hand over to the keep operation of R1, the start state, and the first detectors. */
    const nm_realtime_stack *first = &realtime->stacks[nm_right_stack(0)];
    nm_affine_init(&form);
    nm_affine_add(&form, value2, 1, 1);
    nm_net_add_affine(net, first->values[0], &form);
    nm_affine_clear(&form);
    for (int j = 0; j < symbols; j++) {
        int sources[NM_DEPTHS] = {top_copy[j], second[j]};
        for (int d = 0; d < NM_DEPTHS; d++) {
            nm_affine_init(&form);
            nm_affine_add(&form, sources[d], 1, 1);
            nm_net_add_affine(net, first->readers[0][d][j], &form);
            nm_affine_clear(&form);
        }
    }
    nm_affine_init(&form);
    nm_affine_add(&form, start2, 1, 1);
    nm_net_add_affine(net, realtime->states[machine->machine->start], &form);
    nm_affine_clear(&form);

    nm_depth_forms copies;
    nm_depth_forms_init(&copies, symbols);
    for (int j = 0; j < symbols; j++)
        nm_affine_add(&copies.level[j], top_copy[j], 1, 1);
    for (int u = 0; u < machine->transition_count; u++) {
        if (realtime->initial[u] < 0)
            continue;
        nm_affine_init(&form);
        nm_affine_add(&form, start2, 1, 1);
        nm_add_equals(&form, &copies, machine->transitions[u].reads[0], machine->blank, 1);
        nm_affine_add_constant(&form, -1, 1);
        nm_net_add_affine(net, realtime->initial[u], &form);
        nm_affine_clear(&form);
    }
    nm_depth_forms_clear(&copies);
    nm_depth_forms_clear(&top_forms);
}

static void nm_record_realtime(nm_realtime *realtime)
{
    nm_lowering *lowering = realtime->lowering;
    nm_net *net = lowering->net;
    nm_net_machine *meta = &net->machine;
    net->period = 1;
    net->fires_offset = 0;
    net->fired_offset = 1;
    net->start_delay = 6;

    for (int s = 0; s < lowering->stacks; s++) {
        nm_net_sum *sum = s % 2 == 0 ? &meta->left[s / 2] : &meta->right[s / 2];
        const nm_realtime_stack *neurons = &realtime->stacks[s];
        sum->count = lowering->ops[s].count;
        sum->neurons = nm_xcalloc((size_t)sum->count, sizeof(int));
        memcpy(sum->neurons, neurons->values, (size_t)sum->count * sizeof(int));
        nm_net_add_init(net, (nm_net_init){neurons->values[0], NM_INIT_STACK, s, 0, 0, 0});
        for (int d = 0; d < NM_DEPTHS; d++)
            for (int j = 0; j < lowering->symbols; j++)
                nm_net_add_init(net, (nm_net_init){neurons->readers[0][d][j], NM_INIT_INDICATOR,
                                                   s, d + 1, j, 0});
    }
    for (int q = 0; q < meta->states; q++)
        meta->state_neurons[q] = realtime->states[q];
    int start = lowering->machine->machine->start;
    nm_net_add_init(net, (nm_net_init){realtime->states[start], NM_INIT_ONE, 0, 0, 0, 0});

    for (int u = 0; u < meta->transitions; u++) {
        nm_net_sum *sum = &meta->fires[u];
        const nm_affine *form = &realtime->fires[u];
        sum->count = form->count;
        sum->neurons = nm_xcalloc((size_t)form->count + 1, sizeof(int));
        for (int i = 0; i < form->count; i++)
            sum->neurons[i] = form->terms[i].neuron;
        if (realtime->initial[u] >= 0)
            nm_net_add_init(net, (nm_net_init){realtime->initial[u], NM_INIT_FIRES, 0, 0, 0, u});
    }
}

static void nm_free_realtime(nm_realtime *realtime)
{
    nm_lowering *lowering = realtime->lowering;
    int transitions = lowering->machine->transition_count;
    for (int s = 0; s < lowering->stacks; s++) {
        free(realtime->stacks[s].values);
        free(realtime->stacks[s].readers);
        nm_affine_clear(&realtime->stack_values[s]);
        for (int d = 0; d < NM_DEPTHS; d++)
            nm_depth_forms_clear(&realtime->depths[s][d]);
    }
    for (int u = 0; u < transitions; u++)
        nm_affine_clear(&realtime->fires[u]);
    free(realtime->fires);
    free(realtime->stack_values);
    free(realtime->depths);
    free(realtime->stacks);
    free(realtime->states);
    free(realtime->initial);
    nm_vec_free(&realtime->pairs);
}

nm_net *nm_lower_realtime(nm_lowering *lowering)
{
    nm_realtime realtime;
    memset(&realtime, 0, sizeof realtime);
    realtime.lowering = lowering;
    realtime.stacks = nm_xcalloc((size_t)lowering->stacks, sizeof *realtime.stacks);

    nm_create_states(&realtime);
    for (int s = 0; s < lowering->stacks; s++)
        nm_create_stack(&realtime, s);
    nm_create_detectors(&realtime);
    nm_build_sums(&realtime);

    for (int s = 0; s < lowering->stacks; s++)
        nm_wire_stack(&realtime, s);
    nm_wire_pairs(&realtime);
    nm_wire_states(&realtime);

    /* One step later: whether any transition fired. */
    int fired = nm_net_add_neuron(lowering->net, "any transition fired", NM_ROLE_DETECTOR, 0);
    nm_affine any;
    nm_affine_init(&any);
    for (int u = 0; u < lowering->machine->transition_count; u++)
        nm_affine_add_form(&any, &realtime.fires[u], 1, 1);
    nm_net_add_affine(lowering->net, fired, &any);
    nm_affine_clear(&any);
    lowering->net->fired = fired;

    nm_loader loader;
    nm_build_loader(lowering, &loader);
    nm_wire_boot(&realtime, &loader);
    nm_record_realtime(&realtime);
    nm_free_realtime(&realtime);
    return lowering->net;
}
