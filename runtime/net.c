/* Rational-weight networks; see net.h. */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *nm_net_alloc(size_t size)
{
    void *pointer = calloc(1, size ? size : 1);
    if (!pointer) {
        fprintf(stderr, "nmc: out of memory building a network\n");
        abort();
    }
    return pointer;
}

static void *nm_net_realloc(void *pointer, size_t size)
{
    void *grown = realloc(pointer, size ? size : 1);
    if (!grown) {
        fprintf(stderr, "nmc: out of memory building a network\n");
        abort();
    }
    return grown;
}

nm_net *nm_net_new(int line_count)
{
    nm_net *net = nm_net_alloc(sizeof *net);
    net->line_count = line_count;
    net->period = 1;
    return net;
}

static void nm_free_sums(nm_net_sum *sums, int count)
{
    if (!sums)
        return;
    for (int i = 0; i < count; i++)
        free(sums[i].neurons);
    free(sums);
}

static void nm_free_weights(nm_net_weight *weights, int count)
{
    for (int i = 0; i < count; i++)
        mpq_clear(weights[i].value);
    free(weights);
}

void nm_net_free(nm_net *net)
{
    if (!net)
        return;
    for (int i = 0; i < net->neuron_count; i++) {
        nm_neuron *neuron = &net->neurons[i];
        free(neuron->name);
        mpq_clear(neuron->bias);
        nm_free_weights(neuron->weights, neuron->weight_count);
        nm_free_weights(neuron->inputs, neuron->input_count);
    }
    free(net->neurons);
    nm_net_machine *machine = &net->machine;
    nm_free_sums(machine->left, machine->tapes);
    nm_free_sums(machine->right, machine->tapes);
    nm_free_sums(machine->fires, machine->transitions);
    free(machine->state_neurons);
    free(machine->transition_state);
    free(net->init);
    nm_free_sums(net->groups, net->group_count);
    free(net);
}

int nm_net_add_neuron(nm_net *net, const char *name, nm_role role, int layer)
{
    if (net->neuron_count == net->neuron_capacity) {
        net->neuron_capacity = net->neuron_capacity ? 2 * net->neuron_capacity : 64;
        net->neurons = nm_net_realloc(net->neurons, (size_t)net->neuron_capacity * sizeof *net->neurons);
    }
    nm_neuron *neuron = &net->neurons[net->neuron_count];
    memset(neuron, 0, sizeof *neuron);
    size_t length = strlen(name);
    neuron->name = nm_net_alloc(length + 1);
    memcpy(neuron->name, name, length + 1);
    neuron->role = role;
    neuron->layer = layer;
    mpq_init(neuron->bias);
    return net->neuron_count++;
}

static void nm_weights_add(nm_net_weight **weights, int *count, int *capacity, int from,
                           const mpq_t value)
{
    for (int i = 0; i < *count; i++) {
        if ((*weights)[i].from == from) {
            mpq_add((*weights)[i].value, (*weights)[i].value, value);
            return;
        }
    }
    if (*count == *capacity) {
        *capacity = *capacity ? 2 * *capacity : 4;
        *weights = nm_net_realloc(*weights, (size_t)*capacity * sizeof **weights);
    }
    nm_net_weight *weight = &(*weights)[(*count)++];
    weight->from = from;
    mpq_init(weight->value);
    mpq_set(weight->value, value);
}

void nm_net_add_weight(nm_net *net, int to, int from, const mpq_t value)
{
    nm_neuron *neuron = &net->neurons[to];
    nm_weights_add(&neuron->weights, &neuron->weight_count, &neuron->weight_capacity, from, value);
}

void nm_net_add_input(nm_net *net, int to, int line, const mpq_t value)
{
    nm_neuron *neuron = &net->neurons[to];
    nm_weights_add(&neuron->inputs, &neuron->input_count, &neuron->input_capacity, line, value);
}

void nm_net_add_bias(nm_net *net, int to, const mpq_t value)
{
    mpq_add(net->neurons[to].bias, net->neurons[to].bias, value);
}

void nm_net_add_init(nm_net *net, nm_net_init init)
{
    if (net->init_count == net->init_capacity) {
        net->init_capacity = net->init_capacity ? 2 * net->init_capacity : 16;
        net->init = nm_net_realloc(net->init, (size_t)net->init_capacity * sizeof *net->init);
    }
    net->init[net->init_count++] = init;
}

void nm_net_add_group(nm_net *net, const int *neurons, int count)
{
    if (count < 3)
        return;
    if (net->group_count == net->group_capacity) {
        net->group_capacity = net->group_capacity ? 2 * net->group_capacity : 16;
        net->groups = nm_net_realloc(net->groups, (size_t)net->group_capacity * sizeof *net->groups);
    }
    nm_net_sum *group = &net->groups[net->group_count++];
    group->neurons = nm_net_alloc((size_t)count * sizeof *group->neurons);
    memcpy(group->neurons, neurons, (size_t)count * sizeof *group->neurons);
    group->count = count;
}

static int nm_compare_weights(const void *a, const void *b)
{
    const nm_net_weight *left = a, *right = b;
    return (left->from > right->from) - (left->from < right->from);
}

static void nm_drop_zeros(nm_net_weight *weights, int *count)
{
    int kept = 0;
    for (int i = 0; i < *count; i++) {
        if (mpq_sgn(weights[i].value) == 0) {
            mpq_clear(weights[i].value);
            continue;
        }
        weights[kept++] = weights[i];
    }
    *count = kept;
    if (kept > 1)
        qsort(weights, (size_t)kept, sizeof *weights, nm_compare_weights);
}

void nm_net_finish(nm_net *net)
{
    for (int i = 0; i < net->neuron_count; i++) {
        nm_neuron *neuron = &net->neurons[i];
        nm_drop_zeros(neuron->weights, &neuron->weight_count);
        nm_drop_zeros(neuron->inputs, &neuron->input_count);
    }
}

size_t nm_net_weight_count(const nm_net *net)
{
    size_t count = 0;
    for (int i = 0; i < net->neuron_count; i++) {
        const nm_neuron *neuron = &net->neurons[i];
        count += (size_t)neuron->weight_count + (size_t)neuron->input_count;
        count += mpq_sgn(neuron->bias) != 0;
    }
    return count;
}

const char *nm_role_name(nm_role role)
{
    switch (role) {
    case NM_ROLE_STATE:
        return "state";
    case NM_ROLE_STACK:
        return "stack";
    case NM_ROLE_READER:
        return "reader";
    case NM_ROLE_DETECTOR:
        return "detector";
    case NM_ROLE_GATE:
        return "gate";
    case NM_ROLE_COPY:
        return "copy";
    case NM_ROLE_NEXT:
        return "next";
    case NM_ROLE_LOADER:
        return "loader";
    }
    return "unknown";
}

const char *nm_layout_name(nm_layout layout)
{
    return layout == NM_LAYOUT_LAYERED ? "layered" : "realtime";
}

void nm_sigma(mpq_t value)
{
    if (mpq_sgn(value) < 0)
        mpq_set_ui(value, 0, 1);
    else if (mpz_cmp(mpq_numref(value), mpq_denref(value)) > 0)
        mpq_set_ui(value, 1, 1);
}
