/* The reference interpreter; see net_interp.h. */
#include "net_interp.h"

#include <stdio.h>
#include <stdlib.h>

void nm_interp_init(nm_interp *interp, const nm_net *net, mpq_t *initial)
{
    interp->net = net;
    interp->steps = 0;
    size_t count = (size_t)(net->neuron_count ? net->neuron_count : 1);
    interp->values = malloc(count * sizeof *interp->values);
    interp->next = malloc(count * sizeof *interp->next);
    if (!interp->values || !interp->next) {
        fprintf(stderr, "nmc: out of memory for the interpreter's state\n");
        abort();
    }
    for (int i = 0; i < net->neuron_count; i++) {
        mpq_init(interp->values[i]);
        mpq_init(interp->next[i]);
        if (initial)
            mpq_set(interp->values[i], initial[i]);
    }
    mpq_init(interp->sum);
    mpq_init(interp->term);
}

void nm_interp_free(nm_interp *interp)
{
    for (int i = 0; i < interp->net->neuron_count; i++) {
        mpq_clear(interp->values[i]);
        mpq_clear(interp->next[i]);
    }
    free(interp->values);
    free(interp->next);
    mpq_clear(interp->sum);
    mpq_clear(interp->term);
}

void nm_interp_step(nm_interp *interp, const int64_t *lines)
{
    const nm_net *net = interp->net;
    for (int i = 0; i < net->neuron_count; i++) {
        const nm_neuron *neuron = &net->neurons[i];
        mpq_set(interp->sum, neuron->bias);
        for (int w = 0; w < neuron->weight_count; w++) {
            mpq_mul(interp->term, neuron->weights[w].value, interp->values[neuron->weights[w].from]);
            mpq_add(interp->sum, interp->sum, interp->term);
        }
        for (int w = 0; lines && w < neuron->input_count; w++) {
            mpq_set_si(interp->term, lines[neuron->inputs[w].from], 1);
            mpq_mul(interp->term, interp->term, neuron->inputs[w].value);
            mpq_add(interp->sum, interp->sum, interp->term);
        }
        nm_sigma(interp->sum);
        mpq_set(interp->next[i], interp->sum);
    }
    mpq_t *swap = interp->values;
    interp->values = interp->next;
    interp->next = swap;
    interp->steps++;
}
