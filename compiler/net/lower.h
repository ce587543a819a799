/* Lowering stack machines into Siegelmann-Sontag networks.
 *
 * Two layouts compute the same machine:
 *
 *   layered   four network steps per machine step, in the shape of the
 *             composition F4 o F3 o F2 o F1 of Siegelmann and Sontag: read
 *             the stack tops, detect the transition, compute the gated
 *             candidate values and the next state, sum the candidates.
 *             Every neuron belongs to one phase and reads only neurons of
 *             the phase before, so a configuration placed in phase 0 comes
 *             back to phase 0 four steps later; neurons of other phases
 *             start at 0 and stay 0.
 *   realtime  one network step per machine step.  Each stack value is kept
 *             split over one neuron per stack operation (their sum is the
 *             stack), the stack's top two symbols are kept as indicator
 *             neurons split the same way, and transition detectors are
 *             computed one step ahead, from the transition that fired and
 *             the symbols that will be on top after it.
 *
 * Both include a loader that reads the input from the input lines (line 0:
 * the symbol index, line 1: 1 while a symbol is present), one symbol per
 * step, and starts the machine when the input ends.
 */
#ifndef NM_LOWER_H
#define NM_LOWER_H

#include "net.h"
#include "stack_machine.h"

nm_net *nm_lower_machine(const nm_stack_machine *machine, nm_layout layout);

#endif
