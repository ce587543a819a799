/* Building and printing stack machines; see stack_machine.h. */
#include "stack_machine.h"

#include <stdlib.h>

/* The smallest power of two above 2k keeps every stack value below
 * (2k-1)/(B-1) < 1, so gates and readers never see a value near one of
 * their thresholds. */
static int nm_base_bits(int symbols)
{
    int bits = 1;
    while ((1 << bits) <= 2 * symbols)
        bits++;
    return bits;
}

static void nm_fill_ops(const tm_table *table, size_t entry, int tape, size_t code,
                        nm_stack_transition *transition)
{
    int symbols = table->symbols;
    int write = table->write[entry * (size_t)table->tapes + (size_t)tape];
    int move = table->move[entry * (size_t)table->tapes + (size_t)tape];
    for (int t = 0; t < tape; t++)
        code /= (size_t)symbols;
    transition->reads[tape] = (int)(code % (size_t)symbols);

    if (move > 0) {
        transition->left[tape] = (nm_stack_op){NM_OP_PUSH, write};
        transition->right[tape] = (nm_stack_op){NM_OP_POP, 0};
    } else if (move < 0) {
        transition->left[tape] = (nm_stack_op){NM_OP_POP, 0};
        transition->right[tape] = (nm_stack_op){NM_OP_LEFT, write};
    } else {
        transition->left[tape] = (nm_stack_op){NM_OP_KEEP, 0};
        transition->right[tape] = (nm_stack_op){NM_OP_REPLACE, write};
    }
}

nm_stack_machine *nm_stack_machine_build(const nm_machine *machine)
{
    const tm_table *table = machine->table;
    nm_stack_machine *result = nm_xcalloc(1, sizeof *result);
    result->machine = machine;
    result->tapes = machine->tapes;
    result->symbols = machine->symbol_count;
    result->blank = machine->blank;
    result->base_bits = nm_base_bits(machine->symbol_count);

    size_t entries = table->reads * (size_t)table->states;
    size_t defined = 0;
    for (size_t e = 0; e < entries; e++)
        defined += table->next[e] != TM_UNDEFINED;
    result->transitions = nm_xcalloc(defined, sizeof *result->transitions);

    for (size_t e = 0; e < entries; e++) {
        if (table->next[e] == TM_UNDEFINED)
            continue;
        nm_stack_transition *transition = &result->transitions[result->transition_count++];
        transition->state = (int)(e / table->reads);
        transition->next = table->next[e];
        for (int t = 0; t < table->tapes; t++)
            nm_fill_ops(table, e, t, e % table->reads, transition);
    }
    return result;
}

void nm_stack_machine_free(nm_stack_machine *machine)
{
    if (!machine)
        return;
    free(machine->transitions);
    free(machine);
}

bool nm_stack_op_equal(nm_stack_op a, nm_stack_op b)
{
    if (a.kind != b.kind)
        return false;
    return a.kind == NM_OP_KEEP || a.kind == NM_OP_POP || a.symbol == b.symbol;
}

void nm_stack_op_print(const nm_stack_machine *machine, nm_stack_op op, nm_buf *out)
{
    static const char *const names[] = {"keep", "pop", "push", "replace", "left"};
    nm_buf_puts(out, names[op.kind]);
    if (op.kind == NM_OP_PUSH || op.kind == NM_OP_REPLACE || op.kind == NM_OP_LEFT) {
        nm_buf_putc(out, ' ');
        nm_print_symbol(out, &machine->machine->symbols[op.symbol]);
    }
}

static void nm_print_encoding(const nm_stack_machine *machine, nm_buf *out)
{
    nm_buf_printf(out, "encoding: base %d; symbol d is the digit 2d+1 (", 1 << machine->base_bits);
    for (int s = 0; s < machine->symbols; s++) {
        nm_buf_puts(out, s ? ", " : "");
        nm_print_symbol(out, &machine->machine->symbols[s]);
        nm_buf_printf(out, " -> %d", nm_digit(s));
    }
    nm_buf_puts(out, "); an empty stack is 0 and reads as the blank ");
    nm_print_symbol(out, &machine->machine->symbols[machine->blank]);
    nm_buf_putc(out, '\n');
}

void nm_stack_machine_print(const nm_stack_machine *machine, nm_buf *out)
{
    const nm_machine *source = machine->machine;
    nm_buf_printf(out, "stack machine %s: %d tape%s, stacks", source->name, machine->tapes,
                  machine->tapes == 1 ? "" : "s");
    for (int t = 1; t <= machine->tapes; t++)
        nm_buf_printf(out, " L%d R%d", t, t);
    nm_buf_puts(out, " (L: left of the head, top nearest; R: the head cell and right of it)\n");
    nm_print_encoding(machine, out);
    nm_buf_printf(out, "start ");
    nm_print_state_name(out, source->states[source->start].name);
    nm_buf_printf(out, "; %d transitions\n", machine->transition_count);

    for (int i = 0; i < machine->transition_count; i++) {
        const nm_stack_transition *transition = &machine->transitions[i];
        nm_print_state_name(out, source->states[transition->state].name);
        for (int t = 0; t < machine->tapes; t++) {
            nm_buf_printf(out, " top(R%d)=", t + 1);
            nm_print_symbol(out, &source->symbols[transition->reads[t]]);
        }
        nm_buf_puts(out, " ->");
        for (int t = 0; t < machine->tapes; t++) {
            nm_buf_printf(out, " L%d: ", t + 1);
            nm_stack_op_print(machine, transition->left[t], out);
            nm_buf_printf(out, ", R%d: ", t + 1);
            nm_stack_op_print(machine, transition->right[t], out);
            nm_buf_putc(out, ';');
        }
        nm_buf_puts(out, " next ");
        nm_print_state_name(out, source->states[transition->next].name);
        nm_buf_putc(out, '\n');
    }
}
