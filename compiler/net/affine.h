/* Affine forms over neurons, for building networks: sum of coefficient
 * times neuron, plus a constant, all exact rationals. */
#ifndef NM_AFFINE_H
#define NM_AFFINE_H

#include "net.h"

typedef struct nm_term {
    int neuron;
    mpq_t coefficient;
} nm_term;

typedef struct nm_affine {
    nm_term *terms;
    int count, capacity;
    mpq_t constant;
} nm_affine;

void nm_affine_init(nm_affine *form);
void nm_affine_clear(nm_affine *form);
/* Adds NUMERATOR/DENOMINATOR times NEURON. */
void nm_affine_add(nm_affine *form, int neuron, long numerator, unsigned long denominator);
/* Adds NUMERATOR/DENOMINATOR times SOURCE. */
void nm_affine_add_form(nm_affine *form, const nm_affine *source, long numerator,
                        unsigned long denominator);
void nm_affine_add_constant(nm_affine *form, long numerator, unsigned long denominator);
/* Makes FORM the input of NEURON: its weights and bias, added to any the
 * neuron already has. */
void nm_net_add_affine(nm_net *net, int neuron, const nm_affine *form);
/* Records the neurons of FORM as a shared sum of the network (a JIT hint). */
void nm_net_add_affine_group(nm_net *net, const nm_affine *form);

#endif
