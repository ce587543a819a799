/* Shared pieces of the two network layouts. */
#ifndef NM_LOWER_INTERNAL_H
#define NM_LOWER_INTERNAL_H

#include "affine.h"
#include "lower.h"

/* The stack operations one stack takes part in: keep first, then each
 * other operation in the order transitions first use it. */
typedef struct nm_stack_ops {
    nm_stack_op ops[2 + 2 * TM_MAX_SYMBOLS];
    int count;
} nm_stack_ops;

/* Indicator forms of one depth of a stack: level[0] is 1 when the depth
 * exists (the stack holds that many symbols) and level[j] is 1 when the
 * symbol there has index j or more. */
typedef struct nm_depth_forms {
    nm_affine level[TM_MAX_SYMBOLS];
    int symbols;
} nm_depth_forms;

typedef struct nm_lowering {
    const nm_stack_machine *machine;
    nm_net *net;
    int symbols;
    int base;            /* B */
    int stacks;          /* 2 per tape: left stacks at 2t, right stacks at 2t+1 */
    nm_stack_ops *ops;   /* per stack */
} nm_lowering;

static inline int nm_left_stack(int tape)
{
    return 2 * tape;
}

static inline int nm_right_stack(int tape)
{
    return 2 * tape + 1;
}

void nm_lowering_init(nm_lowering *lowering, const nm_stack_machine *machine, nm_layout layout);
void nm_lowering_clear(nm_lowering *lowering);
/* The operation of TRANSITION on STACK and its index in the stack's ops. */
nm_stack_op nm_transition_op(const nm_stack_transition *transition, int stack);
int nm_op_index(const nm_lowering *lowering, int stack, nm_stack_op op);

/* "L1", "R2": the stack's name. */
void nm_stack_name(int stack, char *name, size_t size);
/* A neuron name with the machine's symbol and state names filled in. */
char *nm_neuron_name(const nm_lowering *lowering, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void nm_append_symbol(const nm_lowering *lowering, nm_buf *out, int symbol);
void nm_append_state(const nm_lowering *lowering, nm_buf *out, int state);
void nm_append_op(const nm_lowering *lowering, nm_buf *out, nm_stack_op op);
void nm_append_reads(const nm_lowering *lowering, nm_buf *out, const int *reads);

void nm_depth_forms_init(nm_depth_forms *forms, int symbols);
void nm_depth_forms_clear(nm_depth_forms *forms);
/* [symbol at this depth = SYMBOL], where a missing symbol reads as BLANK. */
void nm_add_equals(nm_affine *form, const nm_depth_forms *depth, int symbol, int blank,
                   long scale);
/* The digit at this depth, or 0 when it is missing: level[0] + 2 sum level[j]. */
void nm_add_digit(nm_affine *form, const nm_depth_forms *depth, long numerator,
                  unsigned long denominator);

/* The value of STACK after OP, given the stack value S, its top digit and
 * the left stack's top readers for LEFT: added to FORM. */
void nm_add_op_value(nm_lowering *lowering, nm_affine *form, nm_stack_op op,
                     const nm_affine *value, const nm_depth_forms *top,
                     const nm_depth_forms *left_top);

/* Gate of OP on STACK: 1 when a transition doing OP fires (or, for keep,
 * when no transition changes the stack), given each transition's firing
 * form. */
void nm_add_gate(const nm_lowering *lowering, nm_affine *form, int stack, int op_index,
                 const nm_affine *fires);
/* The gate itself, without recording it as a shared sum. */
void nm_build_gate(const nm_lowering *lowering, nm_affine *form, int stack, int op_index,
                   const nm_affine *fires);

/* The loader reads the input lines into an accumulator and, when the
 * input ends, emits the right stack of tape 1 and a start pulse. */
typedef struct nm_loader {
    int stack_value;     /* the first stack's value, one step after the pulse */
    int start;           /* 1 for one step, when stack_value is valid */
    int accumulator;
    int pulse;
} nm_loader;

void nm_build_loader(nm_lowering *lowering, nm_loader *loader);

nm_net *nm_lower_layered(nm_lowering *lowering);
nm_net *nm_lower_realtime(nm_lowering *lowering);

#endif
