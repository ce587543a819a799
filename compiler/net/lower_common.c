/* Pieces shared by the network layouts: stack operations and their values,
 * gates, names, and the input loader. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lower_internal.h"

nm_stack_op nm_transition_op(const nm_stack_transition *transition, int stack)
{
    return stack % 2 == 0 ? transition->left[stack / 2] : transition->right[stack / 2];
}

int nm_op_index(const nm_lowering *lowering, int stack, nm_stack_op op)
{
    const nm_stack_ops *ops = &lowering->ops[stack];
    for (int i = 0; i < ops->count; i++)
        if (nm_stack_op_equal(ops->ops[i], op))
            return i;
    return -1;
}

void nm_lowering_init(nm_lowering *lowering, const nm_stack_machine *machine, nm_layout layout)
{
    memset(lowering, 0, sizeof *lowering);
    lowering->machine = machine;
    lowering->net = nm_net_new(2);
    lowering->net->layout = layout;
    lowering->symbols = machine->symbols;
    lowering->base = 1 << machine->base_bits;
    lowering->stacks = 2 * machine->tapes;
    lowering->ops = nm_xcalloc((size_t)lowering->stacks, sizeof *lowering->ops);

    for (int s = 0; s < lowering->stacks; s++) {
        nm_stack_ops *ops = &lowering->ops[s];
        ops->ops[ops->count++] = (nm_stack_op){NM_OP_KEEP, 0};
        for (int i = 0; i < machine->transition_count; i++) {
            nm_stack_op op = nm_transition_op(&machine->transitions[i], s);
            if (nm_op_index(lowering, s, op) < 0)
                ops->ops[ops->count++] = op;
        }
    }
}

void nm_lowering_clear(nm_lowering *lowering)
{
    free(lowering->ops);
    lowering->ops = NULL;
}

void nm_stack_name(int stack, char *name, size_t size)
{
    snprintf(name, size, "%c%d", stack % 2 == 0 ? 'L' : 'R', stack / 2 + 1);
}

void nm_append_symbol(const nm_lowering *lowering, nm_buf *out, int symbol)
{
    nm_print_symbol(out, &lowering->machine->machine->symbols[symbol]);
}

void nm_append_state(const nm_lowering *lowering, nm_buf *out, int state)
{
    nm_print_state_name(out, lowering->machine->machine->states[state].name);
}

void nm_append_op(const nm_lowering *lowering, nm_buf *out, nm_stack_op op)
{
    nm_stack_op_print(lowering->machine, op, out);
}

void nm_append_reads(const nm_lowering *lowering, nm_buf *out, const int *reads)
{
    int tapes = lowering->machine->tapes;
    if (tapes > 1)
        nm_buf_putc(out, '(');
    for (int t = 0; t < tapes; t++) {
        nm_buf_puts(out, t ? ", " : "");
        nm_append_symbol(lowering, out, reads[t]);
    }
    if (tapes > 1)
        nm_buf_putc(out, ')');
}

/* Formats a name: %s arguments are plain text, and the callers build the
 * parts that need the machine's names with the nm_append_ helpers. */
char *nm_neuron_name(const nm_lowering *lowering, const char *format, ...)
{
    (void)lowering;
    nm_buf buf;
    nm_buf_init(&buf);
    va_list args;
    va_start(args, format);
    nm_buf_vprintf(&buf, format, args);
    va_end(args);
    return buf.data;
}

void nm_depth_forms_init(nm_depth_forms *forms, int symbols)
{
    forms->symbols = symbols;
    for (int j = 0; j < symbols; j++)
        nm_affine_init(&forms->level[j]);
}

void nm_depth_forms_clear(nm_depth_forms *forms)
{
    for (int j = 0; j < forms->symbols; j++)
        nm_affine_clear(&forms->level[j]);
}

void nm_add_equals(nm_affine *form, const nm_depth_forms *depth, int symbol, int blank,
                   long scale)
{
    nm_affine_add_form(form, &depth->level[symbol], scale, 1);
    if (symbol + 1 < depth->symbols)
        nm_affine_add_form(form, &depth->level[symbol + 1], -scale, 1);
    if (symbol == blank) {
        nm_affine_add_constant(form, scale, 1);
        nm_affine_add_form(form, &depth->level[0], -scale, 1);
    }
}

void nm_add_digit(nm_affine *form, const nm_depth_forms *depth, long numerator,
                  unsigned long denominator)
{
    nm_affine_add_form(form, &depth->level[0], numerator, denominator);
    for (int j = 1; j < depth->symbols; j++)
        nm_affine_add_form(form, &depth->level[j], 2 * numerator, denominator);
}

void nm_add_op_value(nm_lowering *lowering, nm_affine *form, nm_stack_op op,
                     const nm_affine *value, const nm_depth_forms *top,
                     const nm_depth_forms *left_top)
{
    unsigned long base = (unsigned long)lowering->base;
    int blank = lowering->machine->blank;
    switch (op.kind) {
    case NM_OP_KEEP:
        nm_affine_add_form(form, value, 1, 1);
        break;
    case NM_OP_POP:
        nm_affine_add_form(form, value, (long)base, 1);
        nm_add_digit(form, top, -1, 1);
        break;
    case NM_OP_PUSH:
        nm_affine_add_form(form, value, 1, base);
        nm_affine_add_constant(form, nm_digit(op.symbol), base);
        break;
    case NM_OP_REPLACE:
        nm_affine_add_form(form, value, 1, 1);
        nm_add_digit(form, top, -1, base);
        nm_affine_add_constant(form, nm_digit(op.symbol), base);
        break;
    case NM_OP_LEFT:
        /* Replace the top by the symbol, then push L's top (or the blank). */
        nm_affine_add_form(form, value, 1, base);
        nm_add_digit(form, top, -1, base * base);
        nm_affine_add_constant(form, nm_digit(op.symbol), base * base);
        nm_add_digit(form, left_top, 1, base);
        nm_affine_add_constant(form, nm_digit(blank), base);
        nm_affine_add_form(form, &left_top->level[0], -nm_digit(blank), base);
        break;
    }
}

void nm_add_gate(const nm_lowering *lowering, nm_affine *form, int stack, int op_index,
                 const nm_affine *fires)
{
    nm_affine gate;
    nm_affine_init(&gate);
    nm_build_gate(lowering, &gate, stack, op_index, fires);
    nm_net_add_affine_group(lowering->net, &gate);
    nm_affine_add_form(form, &gate, 1, 1);
    nm_affine_clear(&gate);
}

void nm_build_gate(const nm_lowering *lowering, nm_affine *form, int stack, int op_index,
                   const nm_affine *fires)
{
    const nm_stack_machine *machine = lowering->machine;
    nm_stack_op op = lowering->ops[stack].ops[op_index];
    if (op.kind == NM_OP_KEEP)
        nm_affine_add_constant(form, 1, 1);
    for (int i = 0; i < machine->transition_count; i++) {
        nm_stack_op used = nm_transition_op(&machine->transitions[i], stack);
        if (op.kind == NM_OP_KEEP && used.kind != NM_OP_KEEP)
            nm_affine_add_form(form, &fires[i], -1, 1);
        else if (op.kind != NM_OP_KEEP && nm_stack_op_equal(used, op))
            nm_affine_add_form(form, &fires[i], 1, 1);
    }
}

static int nm_loader_neuron(nm_lowering *lowering, const char *name)
{
    return nm_net_add_neuron(lowering->net, name, NM_ROLE_LOADER, 0);
}

static void nm_set_loader_input(nm_lowering *lowering, int neuron, int line, long weight)
{
    mpq_t value;
    mpq_init(value);
    mpq_set_si(value, weight, 1);
    nm_net_add_input(lowering->net, neuron, line, value);
    mpq_clear(value);
}

/* The loader of the input lines; see lower.h.  Symbol i arrives at step i;
 * P holds B^-(i+1) one step later, the gates G_j its share for each
 * indicator [symbol >= j] one step after that, and the accumulator adds
 * (2 symbol + 1) P.  When the validation line first drops, Done rises and
 * Go pulses once; the pulse hands the accumulator over and clears it. */
void nm_build_loader(nm_lowering *lowering, nm_loader *loader)
{
    nm_net *net = lowering->net;
    int symbols = lowering->symbols;
    unsigned long base = (unsigned long)lowering->base;
    int indicators[TM_MAX_SYMBOLS], gates[TM_MAX_SYMBOLS];

    for (int j = 1; j < symbols; j++) {
        char *name = nm_neuron_name(lowering, "loader symbol >= %d", j);
        indicators[j] = nm_loader_neuron(lowering, name);
        free(name);
    }
    int seen = nm_loader_neuron(lowering, "loader seen");
    int weight = nm_loader_neuron(lowering, "loader place value");
    for (int j = 1; j < symbols; j++) {
        char *name = nm_neuron_name(lowering, "loader gate >= %d", j);
        gates[j] = nm_loader_neuron(lowering, name);
        free(name);
    }
    int weight_copy = nm_loader_neuron(lowering, "loader place value copy");
    int accumulator = nm_loader_neuron(lowering, "loader accumulator");
    int done = nm_loader_neuron(lowering, "loader done");
    int done_copy = nm_loader_neuron(lowering, "loader done copy");
    int pulse = nm_loader_neuron(lowering, "loader go");
    int handoff = nm_loader_neuron(lowering, "loader stack");
    int start = nm_loader_neuron(lowering, "loader start");

    nm_affine form;
    for (int j = 1; j < symbols; j++) {
        nm_affine_init(&form);
        nm_affine_add_constant(&form, 1 - j, 1);
        nm_net_add_affine(net, indicators[j], &form);
        nm_affine_clear(&form);
        nm_set_loader_input(lowering, indicators[j], 0, 1);
    }

    nm_affine_init(&form);
    nm_affine_add(&form, seen, 1, 1);
    nm_net_add_affine(net, seen, &form);
    nm_affine_clear(&form);
    nm_set_loader_input(lowering, seen, 1, 1);

    nm_affine_init(&form);
    nm_affine_add(&form, weight, 1, base);
    nm_affine_add(&form, seen, -1, base);
    nm_net_add_affine(net, weight, &form);
    nm_affine_clear(&form);
    mpq_t line_weight;
    mpq_init(line_weight);
    mpq_set_ui(line_weight, 1, base);
    nm_net_add_input(net, weight, 1, line_weight);
    mpq_clear(line_weight);

    for (int j = 1; j < symbols; j++) {
        nm_affine_init(&form);
        nm_affine_add(&form, weight, 1, 1);
        nm_affine_add(&form, indicators[j], 1, 1);
        nm_affine_add_constant(&form, -1, 1);
        nm_net_add_affine(net, gates[j], &form);
        nm_affine_clear(&form);
    }

    nm_affine_init(&form);
    nm_affine_add(&form, weight, 1, 1);
    nm_net_add_affine(net, weight_copy, &form);
    nm_affine_clear(&form);

    nm_affine_init(&form);
    nm_affine_add(&form, accumulator, 1, 1);
    nm_affine_add(&form, weight_copy, 1, 1);
    for (int j = 1; j < symbols; j++)
        nm_affine_add(&form, gates[j], 2, 1);
    nm_affine_add(&form, pulse, -1, 1);
    nm_net_add_affine(net, accumulator, &form);
    nm_affine_clear(&form);

    nm_affine_init(&form);
    nm_affine_add(&form, done, 1, 1);
    nm_affine_add_constant(&form, 1, 1);
    nm_net_add_affine(net, done, &form);
    nm_affine_clear(&form);
    nm_set_loader_input(lowering, done, 1, -1);

    nm_affine_init(&form);
    nm_affine_add(&form, done, 1, 1);
    nm_net_add_affine(net, done_copy, &form);
    nm_affine_clear(&form);

    nm_affine_init(&form);
    nm_affine_add(&form, done, 1, 1);
    nm_affine_add(&form, done_copy, -1, 1);
    nm_net_add_affine(net, pulse, &form);
    nm_affine_clear(&form);

    nm_affine_init(&form);
    nm_affine_add(&form, accumulator, 1, 1);
    nm_affine_add(&form, pulse, 1, 1);
    nm_affine_add_constant(&form, -1, 1);
    nm_net_add_affine(net, handoff, &form);
    nm_affine_clear(&form);

    nm_affine_init(&form);
    nm_affine_add(&form, pulse, 1, 1);
    nm_net_add_affine(net, start, &form);
    nm_affine_clear(&form);

    /* A directly loaded run marks the loader done so that it stays idle. */
    nm_net_add_init(net, (nm_net_init){seen, NM_INIT_ONE, 0, 0, 0, 0});
    nm_net_add_init(net, (nm_net_init){done, NM_INIT_ONE, 0, 0, 0, 0});
    nm_net_add_init(net, (nm_net_init){done_copy, NM_INIT_ONE, 0, 0, 0, 0});

    loader->stack_value = handoff;
    loader->start = start;
    loader->accumulator = accumulator;
    loader->pulse = pulse;
}

/* Records the machine metadata common to both layouts. */
static void nm_init_machine_metadata(nm_lowering *lowering)
{
    const nm_stack_machine *machine = lowering->machine;
    nm_net_machine *meta = &lowering->net->machine;
    meta->tapes = machine->tapes;
    meta->symbols = machine->symbols;
    meta->blank = machine->blank;
    meta->base_bits = machine->base_bits;
    meta->left = nm_xcalloc((size_t)machine->tapes, sizeof *meta->left);
    meta->right = nm_xcalloc((size_t)machine->tapes, sizeof *meta->right);
    meta->states = machine->machine->state_count;
    meta->state_neurons = nm_xcalloc((size_t)meta->states, sizeof *meta->state_neurons);
    meta->transitions = machine->transition_count;
    meta->fires = nm_xcalloc((size_t)machine->transition_count + 1, sizeof *meta->fires);
    meta->transition_state = nm_xcalloc((size_t)machine->transition_count + 1, sizeof(int));
    for (int i = 0; i < machine->transition_count; i++)
        meta->transition_state[i] = machine->transitions[i].state;
}

nm_net *nm_lower_machine(const nm_stack_machine *machine, nm_layout layout)
{
    nm_lowering lowering;
    nm_lowering_init(&lowering, machine, layout);
    nm_init_machine_metadata(&lowering);
    nm_net *net = layout == NM_LAYOUT_LAYERED ? nm_lower_layered(&lowering)
                                              : nm_lower_realtime(&lowering);
    nm_net_finish(net);
    nm_lowering_clear(&lowering);
    return net;
}
