/* Turing machines as stack machines.
 *
 * Each tape becomes two stacks: L holds the cells left of the head (top =
 * the nearest), R holds the head cell and the cells right of it (top = the
 * head cell).  An empty stack reads as the blank.  One machine step is then
 * one operation on each stack, chosen by the state and the tops of the R
 * stacks:
 *
 *     move right, writing b:  L push b          R pop
 *     move left,  writing b:  L pop             R pop, push b, push top(L)
 *     stay,       writing b:  L keep            R pop, push b  (replace)
 *
 * Stacks are encoded as rationals for the network: symbol d is the digit
 * 2d+1 in base B, the smallest power of two above 2k for k symbols, so a
 * stack w1 w2 ... wn (w1 on top) has the value sum_i (2 w_i + 1) / B^i.
 */
#ifndef NM_STACK_MACHINE_H
#define NM_STACK_MACHINE_H

#include "machine/machine.h"

typedef enum nm_op_kind {
    NM_OP_KEEP,     /* unchanged */
    NM_OP_POP,      /* remove the top (an empty stack stays empty) */
    NM_OP_PUSH,     /* push a symbol */
    NM_OP_REPLACE,  /* pop, then push a symbol */
    NM_OP_LEFT,     /* pop, push a symbol, then push the top of L (or the blank) */
} nm_op_kind;

typedef struct nm_stack_op {
    nm_op_kind kind;
    int symbol;      /* for PUSH, REPLACE and LEFT */
} nm_stack_op;

typedef struct nm_stack_transition {
    int state;
    int next;
    int reads[TM_MAX_TAPES];
    nm_stack_op left[TM_MAX_TAPES];
    nm_stack_op right[TM_MAX_TAPES];
} nm_stack_transition;

typedef struct nm_stack_machine {
    const nm_machine *machine;
    int tapes;
    int symbols;
    int blank;
    int base_bits;                 /* B = 2^base_bits */
    int transition_count;          /* the defined entries of the table */
    nm_stack_transition *transitions;
} nm_stack_machine;

nm_stack_machine *nm_stack_machine_build(const nm_machine *machine);
void nm_stack_machine_free(nm_stack_machine *machine);
/* Prints the stack machine readably (nmc build --emit=stack). */
void nm_stack_machine_print(const nm_stack_machine *machine, nm_buf *out);
bool nm_stack_op_equal(nm_stack_op a, nm_stack_op b);
/* Appends "pop", "push 1" and so on. */
void nm_stack_op_print(const nm_stack_machine *machine, nm_stack_op op, nm_buf *out);

/* The digit of symbol D in the stack encoding. */
static inline int nm_digit(int symbol)
{
    return 2 * symbol + 1;
}

#endif
