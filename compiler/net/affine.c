/* Affine forms over neurons; see affine.h. */
#include "affine.h"

#include <stdlib.h>

#include "util/arena.h"

void nm_affine_init(nm_affine *form)
{
    form->terms = NULL;
    form->count = form->capacity = 0;
    mpq_init(form->constant);
}

void nm_affine_clear(nm_affine *form)
{
    for (int i = 0; i < form->count; i++)
        mpq_clear(form->terms[i].coefficient);
    free(form->terms);
    mpq_clear(form->constant);
    form->terms = NULL;
    form->count = form->capacity = 0;
}

static void nm_affine_add_q(nm_affine *form, int neuron, const mpq_t value)
{
    for (int i = 0; i < form->count; i++) {
        if (form->terms[i].neuron == neuron) {
            mpq_add(form->terms[i].coefficient, form->terms[i].coefficient, value);
            return;
        }
    }
    if (form->count == form->capacity) {
        form->capacity = form->capacity ? 2 * form->capacity : 8;
        form->terms = nm_xrealloc(form->terms, (size_t)form->capacity * sizeof *form->terms);
    }
    nm_term *term = &form->terms[form->count++];
    term->neuron = neuron;
    mpq_init(term->coefficient);
    mpq_set(term->coefficient, value);
}

void nm_affine_add(nm_affine *form, int neuron, long numerator, unsigned long denominator)
{
    mpq_t value;
    mpq_init(value);
    mpq_set_si(value, numerator, denominator);
    mpq_canonicalize(value);
    nm_affine_add_q(form, neuron, value);
    mpq_clear(value);
}

void nm_affine_add_form(nm_affine *form, const nm_affine *source, long numerator,
                        unsigned long denominator)
{
    mpq_t scale, value;
    mpq_init(scale);
    mpq_init(value);
    mpq_set_si(scale, numerator, denominator);
    mpq_canonicalize(scale);
    for (int i = 0; i < source->count; i++) {
        mpq_mul(value, source->terms[i].coefficient, scale);
        nm_affine_add_q(form, source->terms[i].neuron, value);
    }
    mpq_mul(value, source->constant, scale);
    mpq_add(form->constant, form->constant, value);
    mpq_clear(scale);
    mpq_clear(value);
}

void nm_affine_add_constant(nm_affine *form, long numerator, unsigned long denominator)
{
    mpq_t value;
    mpq_init(value);
    mpq_set_si(value, numerator, denominator);
    mpq_canonicalize(value);
    mpq_add(form->constant, form->constant, value);
    mpq_clear(value);
}

void nm_net_add_affine(nm_net *net, int neuron, const nm_affine *form)
{
    for (int i = 0; i < form->count; i++)
        nm_net_add_weight(net, neuron, form->terms[i].neuron, form->terms[i].coefficient);
    nm_net_add_bias(net, neuron, form->constant);
}

void nm_net_add_affine_group(nm_net *net, const nm_affine *form)
{
    int *neurons = nm_xcalloc((size_t)form->count + 1, sizeof *neurons);
    int count = 0;
    for (int i = 0; i < form->count; i++)
        if (mpq_sgn(form->terms[i].coefficient) != 0)
            neurons[count++] = form->terms[i].neuron;
    nm_net_add_group(net, neurons, count);
    free(neurons);
}
