/* The layered layout: four network steps per machine step (see lower.h).
 *
 *   phase 0  stack values S, states s
 *   phase 1  readers N = sigma(B S), I_j = sigma(B S - 2j); copies of S, s
 *   phase 2  detectors D = AND(state, top symbols); copies of S, readers, s
 *   phase 3  gates sigma(value after op + sum of D doing op - 1);
 *            next states sigma(D into q + s_q - D out of q)
 *   phase 0  S = sigma(sum of gates), s = sigma(next)
 */
#include <stdlib.h>
#include <string.h>

#include "lower_internal.h"

typedef struct nm_layered_stack {
    int value;                       /* phase 0 */
    int readers[TM_MAX_SYMBOLS];     /* phase 1: [0] non-empty, [j] top >= j */
    int copy1;
    int copy2;                       /* phase 2 */
    int reader_copies[TM_MAX_SYMBOLS];
    int *gates;                      /* phase 3, one per operation */
} nm_layered_stack;

typedef struct nm_layered {
    nm_lowering *lowering;
    nm_layered_stack *stacks;
    int *states, *state_copy1, *state_copy2, *next_states;
    int *detectors;
} nm_layered;

static int nm_add(nm_lowering *lowering, nm_buf *name, nm_role role, int layer)
{
    int index = nm_net_add_neuron(lowering->net, name->data, role, layer);
    nm_buf_free(name);
    return index;
}

static void nm_create_stack_neurons(nm_layered *layered, int stack)
{
    nm_lowering *lowering = layered->lowering;
    nm_layered_stack *neurons = &layered->stacks[stack];
    char stack_name[16];
    nm_stack_name(stack, stack_name, sizeof stack_name);
    nm_buf name;

    nm_buf_init(&name);
    nm_buf_printf(&name, "stack %s", stack_name);
    neurons->value = nm_add(lowering, &name, NM_ROLE_STACK, 0);

    for (int j = 0; j < lowering->symbols; j++) {
        nm_buf_init(&name);
        nm_buf_printf(&name, "read %s ", stack_name);
        if (j == 0) {
            nm_buf_puts(&name, "non-empty");
        } else {
            nm_buf_puts(&name, "top >= ");
            nm_append_symbol(lowering, &name, j);
        }
        neurons->readers[j] = nm_add(lowering, &name, NM_ROLE_READER, 1);
    }
    nm_buf_init(&name);
    nm_buf_printf(&name, "copy stack %s (phase 1)", stack_name);
    neurons->copy1 = nm_add(lowering, &name, NM_ROLE_COPY, 1);
    nm_buf_init(&name);
    nm_buf_printf(&name, "copy stack %s (phase 2)", stack_name);
    neurons->copy2 = nm_add(lowering, &name, NM_ROLE_COPY, 2);
    for (int j = 0; j < lowering->symbols; j++) {
        nm_buf_init(&name);
        nm_buf_printf(&name, "copy %s", lowering->net->neurons[neurons->readers[j]].name);
        neurons->reader_copies[j] = nm_add(lowering, &name, NM_ROLE_COPY, 2);
    }

    const nm_stack_ops *ops = &lowering->ops[stack];
    neurons->gates = nm_xcalloc((size_t)ops->count, sizeof *neurons->gates);
    for (int i = 0; i < ops->count; i++) {
        nm_buf_init(&name);
        nm_buf_printf(&name, "gate %s ", stack_name);
        nm_append_op(lowering, &name, ops->ops[i]);
        neurons->gates[i] = nm_add(lowering, &name, NM_ROLE_GATE, 3);
    }
}

static void nm_create_state_neurons(nm_layered *layered)
{
    nm_lowering *lowering = layered->lowering;
    int states = lowering->machine->machine->state_count;
    layered->states = nm_xcalloc((size_t)states, sizeof(int));
    layered->state_copy1 = nm_xcalloc((size_t)states, sizeof(int));
    layered->state_copy2 = nm_xcalloc((size_t)states, sizeof(int));
    layered->next_states = nm_xcalloc((size_t)states, sizeof(int));
    for (int q = 0; q < states; q++) {
        nm_buf name;
        nm_buf_init(&name);
        nm_buf_puts(&name, "state ");
        nm_append_state(lowering, &name, q);
        char *base = nm_xstrdup(name.data);
        layered->states[q] = nm_add(lowering, &name, NM_ROLE_STATE, 0);
        nm_buf_init(&name);
        nm_buf_printf(&name, "copy %s (phase 1)", base);
        layered->state_copy1[q] = nm_add(lowering, &name, NM_ROLE_COPY, 1);
        nm_buf_init(&name);
        nm_buf_printf(&name, "copy %s (phase 2)", base);
        layered->state_copy2[q] = nm_add(lowering, &name, NM_ROLE_COPY, 2);
        nm_buf_init(&name);
        nm_buf_printf(&name, "next %s", base);
        layered->next_states[q] = nm_add(lowering, &name, NM_ROLE_NEXT, 3);
        free(base);
    }
}

static void nm_create_detectors(nm_layered *layered)
{
    nm_lowering *lowering = layered->lowering;
    const nm_stack_machine *machine = lowering->machine;
    layered->detectors = nm_xcalloc((size_t)machine->transition_count + 1, sizeof(int));
    for (int i = 0; i < machine->transition_count; i++) {
        const nm_stack_transition *transition = &machine->transitions[i];
        nm_buf name;
        nm_buf_init(&name);
        nm_buf_puts(&name, "detect ");
        nm_append_state(lowering, &name, transition->state);
        nm_buf_puts(&name, " reads ");
        nm_append_reads(lowering, &name, transition->reads);
        layered->detectors[i] = nm_add(lowering, &name, NM_ROLE_DETECTOR, 2);
    }
}

/* Sets NEURON = sigma(sum of COEFFICIENT * SOURCE terms + CONSTANT) for a
 * single source: copies and the sum of gates. */
static void nm_set_copy(nm_net *net, int neuron, int source)
{
    nm_affine form;
    nm_affine_init(&form);
    nm_affine_add(&form, source, 1, 1);
    nm_net_add_affine(net, neuron, &form);
    nm_affine_clear(&form);
}

static void nm_wire_readers(nm_layered *layered, int stack)
{
    nm_lowering *lowering = layered->lowering;
    nm_net *net = lowering->net;
    nm_layered_stack *neurons = &layered->stacks[stack];
    for (int j = 0; j < lowering->symbols; j++) {
        nm_affine form;
        nm_affine_init(&form);
        nm_affine_add(&form, neurons->value, lowering->base, 1);
        nm_affine_add_constant(&form, -2 * j, 1);
        nm_net_add_affine(net, neurons->readers[j], &form);
        nm_affine_clear(&form);
        nm_set_copy(net, neurons->reader_copies[j], neurons->readers[j]);
    }
    nm_set_copy(net, neurons->copy1, neurons->value);
    nm_set_copy(net, neurons->copy2, neurons->copy1);
}

/* Reader forms of a stack's phase-1 readers or their phase-2 copies. */
static void nm_reader_forms(nm_layered *layered, int stack, bool copies, nm_depth_forms *forms)
{
    nm_depth_forms_init(forms, layered->lowering->symbols);
    const nm_layered_stack *neurons = &layered->stacks[stack];
    for (int j = 0; j < layered->lowering->symbols; j++)
        nm_affine_add(&forms->level[j], copies ? neurons->reader_copies[j] : neurons->readers[j], 1, 1);
}

static void nm_wire_detectors(nm_layered *layered)
{
    nm_lowering *lowering = layered->lowering;
    const nm_stack_machine *machine = lowering->machine;
    nm_depth_forms *tops = nm_xcalloc((size_t)machine->tapes, sizeof *tops);
    for (int t = 0; t < machine->tapes; t++)
        nm_reader_forms(layered, nm_right_stack(t), false, &tops[t]);

    for (int i = 0; i < machine->transition_count; i++) {
        const nm_stack_transition *transition = &machine->transitions[i];
        nm_affine form;
        nm_affine_init(&form);
        nm_affine_add(&form, layered->state_copy1[transition->state], 1, 1);
        for (int t = 0; t < machine->tapes; t++)
            nm_add_equals(&form, &tops[t], transition->reads[t], machine->blank, 1);
        nm_affine_add_constant(&form, -machine->tapes, 1);
        nm_net_add_affine(lowering->net, layered->detectors[i], &form);
        nm_affine_clear(&form);
    }
    for (int t = 0; t < machine->tapes; t++)
        nm_depth_forms_clear(&tops[t]);
    free(tops);
}

static void nm_wire_gates(nm_layered *layered, int stack, const nm_affine *fires)
{
    nm_lowering *lowering = layered->lowering;
    const nm_layered_stack *neurons = &layered->stacks[stack];
    int left = nm_left_stack(stack / 2);
    nm_depth_forms top, left_top;
    nm_reader_forms(layered, stack, true, &top);
    nm_reader_forms(layered, left, true, &left_top);
    nm_affine value;
    nm_affine_init(&value);
    nm_affine_add(&value, neurons->copy2, 1, 1);

    const nm_stack_ops *ops = &lowering->ops[stack];
    for (int i = 0; i < ops->count; i++) {
        nm_affine form;
        nm_affine_init(&form);
        nm_add_op_value(lowering, &form, ops->ops[i], &value, &top, &left_top);
        nm_add_gate(lowering, &form, stack, i, fires);
        nm_affine_add_constant(&form, -1, 1);
        nm_net_add_affine(lowering->net, neurons->gates[i], &form);
        nm_affine_clear(&form);
    }

    nm_affine sum;
    nm_affine_init(&sum);
    for (int i = 0; i < ops->count; i++)
        nm_affine_add(&sum, neurons->gates[i], 1, 1);
    nm_net_add_affine(lowering->net, neurons->value, &sum);
    nm_affine_clear(&sum);
    nm_affine_clear(&value);
    nm_depth_forms_clear(&top);
    nm_depth_forms_clear(&left_top);
}

static void nm_wire_states(nm_layered *layered)
{
    nm_lowering *lowering = layered->lowering;
    const nm_stack_machine *machine = lowering->machine;
    int states = machine->machine->state_count;
    for (int q = 0; q < states; q++) {
        nm_affine form;
        nm_affine_init(&form);
        nm_affine_add(&form, layered->state_copy2[q], 1, 1);
        for (int i = 0; i < machine->transition_count; i++) {
            const nm_stack_transition *transition = &machine->transitions[i];
            if (transition->next == q)
                nm_affine_add(&form, layered->detectors[i], 1, 1);
            if (transition->state == q)
                nm_affine_add(&form, layered->detectors[i], -1, 1);
        }
        nm_net_add_affine(lowering->net, layered->next_states[q], &form);
        nm_affine_clear(&form);

        nm_set_copy(lowering->net, layered->state_copy1[q], layered->states[q]);
        nm_set_copy(lowering->net, layered->state_copy2[q], layered->state_copy1[q]);
        nm_set_copy(lowering->net, layered->states[q], layered->next_states[q]);
    }
}

static void nm_record_layered(nm_layered *layered)
{
    nm_lowering *lowering = layered->lowering;
    nm_net *net = lowering->net;
    nm_net_machine *meta = &net->machine;
    net->period = 4;
    net->fires_offset = 2;
    net->fired_offset = 3;
    net->start_delay = 4;
    for (int t = 0; t < meta->tapes; t++) {
        meta->left[t].neurons = nm_xcalloc(1, sizeof(int));
        meta->left[t].neurons[0] = layered->stacks[nm_left_stack(t)].value;
        meta->left[t].count = 1;
        meta->right[t].neurons = nm_xcalloc(1, sizeof(int));
        meta->right[t].neurons[0] = layered->stacks[nm_right_stack(t)].value;
        meta->right[t].count = 1;
    }
    for (int q = 0; q < meta->states; q++)
        meta->state_neurons[q] = layered->states[q];
    int start = lowering->machine->machine->start;
    nm_net_add_init(net, (nm_net_init){layered->states[start], NM_INIT_ONE, 0, 0, 0, 0});
    for (int s = 0; s < lowering->stacks; s++)
        nm_net_add_init(net, (nm_net_init){layered->stacks[s].value, NM_INIT_STACK, s, 0, 0, 0});
    for (int i = 0; i < meta->transitions; i++) {
        meta->fires[i].neurons = nm_xcalloc(1, sizeof(int));
        meta->fires[i].neurons[0] = layered->detectors[i];
        meta->fires[i].count = 1;
    }
}

nm_net *nm_lower_layered(nm_lowering *lowering)
{
    const nm_stack_machine *machine = lowering->machine;
    nm_layered layered;
    memset(&layered, 0, sizeof layered);
    layered.lowering = lowering;
    layered.stacks = nm_xcalloc((size_t)lowering->stacks, sizeof *layered.stacks);

    nm_create_state_neurons(&layered);
    for (int s = 0; s < lowering->stacks; s++)
        nm_create_stack_neurons(&layered, s);
    nm_create_detectors(&layered);

    for (int s = 0; s < lowering->stacks; s++)
        nm_wire_readers(&layered, s);
    nm_wire_detectors(&layered);
    nm_affine *fires = nm_xcalloc((size_t)machine->transition_count + 1, sizeof *fires);
    for (int i = 0; i < machine->transition_count; i++) {
        nm_affine_init(&fires[i]);
        nm_affine_add(&fires[i], layered.detectors[i], 1, 1);
    }
    for (int s = 0; s < lowering->stacks; s++)
        nm_wire_gates(&layered, s, fires);
    nm_wire_states(&layered);

    /* Phase 3: whether any detector fired. */
    int fired = nm_net_add_neuron(lowering->net, "any transition fired", NM_ROLE_DETECTOR, 3);
    nm_affine any;
    nm_affine_init(&any);
    for (int i = 0; i < machine->transition_count; i++)
        nm_affine_add(&any, layered.detectors[i], 1, 1);
    nm_net_add_affine(lowering->net, fired, &any);
    nm_affine_clear(&any);
    lowering->net->fired = fired;

    nm_loader loader;
    nm_build_loader(lowering, &loader);
    nm_set_copy(lowering->net, layered.stacks[nm_right_stack(0)].value, loader.stack_value);
    nm_set_copy(lowering->net, layered.states[machine->machine->start], loader.start);

    nm_record_layered(&layered);

    for (int i = 0; i < machine->transition_count; i++)
        nm_affine_clear(&fires[i]);
    free(fires);
    for (int s = 0; s < lowering->stacks; s++)
        free(layered.stacks[s].gates);
    free(layered.stacks);
    free(layered.states);
    free(layered.state_copy1);
    free(layered.state_copy2);
    free(layered.next_states);
    free(layered.detectors);
    return lowering->net;
}
