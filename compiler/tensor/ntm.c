/* The Neural Turing Machine cell; see ntm.h. */
#include "ntm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

/* Added before sharpening and to its normaliser: w^gamma's gradient
 * divides by w, and a weighting that underflows to 0 would give 0/0. */
#define NM_WEIGHT_FLOOR 1e-20

void nm_ntm_defaults(nm_ntm_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->controller = NM_CONTROLLER_LSTM;
    spec->layers = 1;
    spec->sizes[0] = 100;
    spec->hidden_activation = NM_ACTIVATION_TANH;
    spec->rows = 128;
    spec->width = 20;
    spec->read_heads = 1;
    spec->write_heads = 1;
    spec->shift_range = 1;
    spec->activations[NM_HEAD_KEY] = NM_ACTIVATION_TANH;
    spec->activations[NM_HEAD_BETA] = NM_ACTIVATION_SOFTPLUS;
    spec->activations[NM_HEAD_GATE] = NM_ACTIVATION_SIGMOID;
    spec->activations[NM_HEAD_SHIFT] = NM_ACTIVATION_SOFTMAX;
    spec->activations[NM_HEAD_GAMMA] = NM_ACTIVATION_ONE_PLUS_SOFTPLUS;
    spec->activations[NM_HEAD_ERASE] = NM_ACTIVATION_SIGMOID;
    spec->activations[NM_HEAD_ADD] = NM_ACTIVATION_TANH;
    spec->output_activation = NM_ACTIVATION_SIGMOID;
    spec->epsilon = 1e-8;
    spec->memory_init = (nm_state_init){NM_STATE_CONSTANT, 1e-6};
    spec->read_init = (nm_state_init){NM_STATE_CONSTANT, 0.0};
    spec->weighting_init = (nm_state_init){NM_STATE_CONSTANT, 0.0};
}

const char *nm_activation_name(nm_activation activation)
{
    static const char *const names[] = {"linear", "tanh", "sigmoid", "softplus",
                                        "one_plus_softplus", "softmax"};
    return names[activation];
}

static int nm_activate(nm_graph *graph, int x, nm_activation activation)
{
    switch (activation) {
    case NM_ACTIVATION_LINEAR:
        return x;
    case NM_ACTIVATION_TANH:
        return nm_graph_unary(graph, NM_OP_TANH, x);
    case NM_ACTIVATION_SIGMOID:
        return nm_graph_unary(graph, NM_OP_SIGMOID, x);
    case NM_ACTIVATION_SOFTPLUS:
        return nm_graph_unary(graph, NM_OP_SOFTPLUS, x);
    case NM_ACTIVATION_ONE_PLUS_SOFTPLUS:
        return nm_build_add_scalar(graph, nm_graph_unary(graph, NM_OP_SOFTPLUS, x), 1.0);
    case NM_ACTIVATION_SOFTMAX:
        return nm_graph_softmax(graph, x, graph->nodes[x].shape.rank - 1);
    }
    return x;
}

typedef struct nm_ntm_builder {
    nm_ntm *ntm;
    nm_graph *graph;
    int batch;
    NM_VEC(nm_ntm_state) states;
} nm_ntm_builder;

static int nm_add_state(nm_ntm_builder *builder, const char *name, nm_shape shape, nm_state_init init,
                        bool distribution)
{
    int node = nm_graph_state(builder->graph, name, shape);
    nm_ntm_state state = {node, init, distribution};
    nm_vec_push(&builder->states, state);
    return node;
}

static int nm_head_param_size(const nm_ntm_spec *spec, nm_head_param param)
{
    switch (param) {
    case NM_HEAD_KEY:
    case NM_HEAD_ERASE:
    case NM_HEAD_ADD:
        return spec->width;
    case NM_HEAD_SHIFT:
        return 2 * spec->shift_range + 1;
    default:
        return 1;
    }
}

static int nm_head_size(const nm_ntm_spec *spec, bool write)
{
    int size = 0;
    for (int p = 0; p < NM_HEAD_PARAMS; p++)
        if (write || (p != NM_HEAD_ERASE && p != NM_HEAD_ADD))
            size += nm_head_param_size(spec, (nm_head_param)p);
    return size;
}

/* The controller: returns its output [B, H]; new controller states are
 * marked as next states. */
static int nm_build_controller(nm_ntm_builder *builder, int input)
{
    const nm_ntm_spec *spec = &builder->ntm->spec;
    nm_graph *graph = builder->graph;
    nm_state_init zero = {NM_STATE_CONSTANT, 0.0};
    int x = input;
    char name[64];
    for (int l = 0; l < spec->layers; l++) {
        if (spec->controller == NM_CONTROLLER_FEEDFORWARD) {
            snprintf(name, sizeof name, "controller.layer%d", l);
            x = nm_activate(graph, nm_build_linear(graph, x, spec->sizes[l], name), spec->hidden_activation);
            continue;
        }
        snprintf(name, sizeof name, "controller.lstm%d.h", l);
        int h = nm_add_state(builder, name, nm_shape2(builder->batch, spec->sizes[l]), zero, false);
        snprintf(name, sizeof name, "controller.lstm%d.c", l);
        int c = nm_add_state(builder, name, nm_shape2(builder->batch, spec->sizes[l]), zero, false);
        int h_next, c_next;
        snprintf(name, sizeof name, "controller.lstm%d", l);
        nm_build_lstm(graph, x, h, c, name, &h_next, &c_next);
        nm_graph_next_state(graph, h_next, h);
        nm_graph_next_state(graph, c_next, c);
        x = h_next;
    }
    return x;
}

typedef struct nm_head {
    int params[NM_HEAD_PARAMS];
    int weighting;        /* the new weighting */
} nm_head;

/* Content addressing, interpolation, shift and sharpening of one head. */
static int nm_address(nm_ntm_builder *builder, const nm_head *head, int memory, int previous)
{
    const nm_ntm_spec *spec = &builder->ntm->spec;
    nm_graph *graph = builder->graph;
    int similarity = nm_build_cosine(graph, head->params[NM_HEAD_KEY], memory, spec->epsilon);
    int content = nm_graph_softmax(graph, nm_graph_binary(graph, NM_OP_MUL, similarity, head->params[NM_HEAD_BETA]), 1);
    int gate = head->params[NM_HEAD_GATE];
    int gated = nm_graph_binary(graph, NM_OP_ADD, nm_graph_binary(graph, NM_OP_MUL, gate, content),
                                nm_graph_binary(graph, NM_OP_MUL, nm_build_one_minus(graph, gate), previous));
    int shifted = nm_build_circular_conv(graph, gated, head->params[NM_HEAD_SHIFT], spec->shift_range);
    int floored = nm_build_add_scalar(graph, shifted, NM_WEIGHT_FLOOR);
    int powered = nm_graph_binary(graph, NM_OP_POW, floored, head->params[NM_HEAD_GAMMA]);
    int total = nm_build_add_scalar(graph, nm_graph_sum(graph, powered, 1), NM_WEIGHT_FLOOR);
    return nm_graph_binary(graph, NM_OP_DIV, powered, total);
}

/* Slices one head's parameters out of the controller's projection. */
static void nm_head_params(nm_ntm_builder *builder, int projection, int *offset, bool write, nm_head *head)
{
    const nm_ntm_spec *spec = &builder->ntm->spec;
    for (int p = 0; p < NM_HEAD_PARAMS; p++) {
        head->params[p] = -1;
        if (!write && (p == NM_HEAD_ERASE || p == NM_HEAD_ADD))
            continue;
        int size = nm_head_param_size(spec, (nm_head_param)p);
        int raw = nm_graph_slice(builder->graph, projection, 1, *offset, size);
        head->params[p] = nm_activate(builder->graph, raw, spec->activations[p]);
        *offset += size;
    }
}

static int nm_write_memory(nm_ntm_builder *builder, int memory, const nm_head *writes, int count)
{
    nm_graph *graph = builder->graph;
    int result = memory;
    for (int h = 0; h < count; h++) {
        int erase = nm_build_outer(graph, writes[h].weighting, writes[h].params[NM_HEAD_ERASE]);
        result = nm_graph_binary(graph, NM_OP_MUL, result, nm_build_one_minus(graph, erase));
    }
    for (int h = 0; h < count; h++)
        result = nm_graph_binary(graph, NM_OP_ADD, result,
                                 nm_build_outer(graph, writes[h].weighting, writes[h].params[NM_HEAD_ADD]));
    return result;
}

static void nm_build_cell(nm_ntm_builder *builder)
{
    nm_ntm *ntm = builder->ntm;
    const nm_ntm_spec *spec = &ntm->spec;
    nm_graph *graph = builder->graph;
    int batch = builder->batch;
    int heads = spec->read_heads + spec->write_heads;
    int reads[NM_NTM_MAX_HEADS], weightings[NM_NTM_MAX_HEADS];
    char name[64];

    ntm->input = nm_graph_input(graph, "x", nm_shape2(batch, spec->inputs));
    int memory = nm_add_state(builder, "memory", nm_shape3(batch, spec->rows, spec->width), spec->memory_init,
                              false);
    for (int r = 0; r < spec->read_heads; r++) {
        snprintf(name, sizeof name, "read%d.vector", r);
        reads[r] = nm_add_state(builder, name, nm_shape2(batch, spec->width), spec->read_init, false);
    }
    for (int h = 0; h < heads; h++) {
        snprintf(name, sizeof name, "%s%d.weighting", h < spec->read_heads ? "read" : "write",
                 h < spec->read_heads ? h : h - spec->read_heads);
        weightings[h] = nm_add_state(builder, name, nm_shape2(batch, spec->rows), spec->weighting_init, true);
    }

    int parts[1 + NM_NTM_MAX_HEADS];
    parts[0] = ntm->input;
    for (int r = 0; r < spec->read_heads; r++)
        parts[1 + r] = reads[r];
    int controller_input = nm_graph_concat(graph, parts, 1 + spec->read_heads, 1);
    int controller = nm_build_controller(builder, controller_input);

    int projection_size = spec->read_heads * nm_head_size(spec, false)
                          + spec->write_heads * nm_head_size(spec, true);
    int projection = nm_build_linear(graph, controller, projection_size, "heads");
    nm_head head[NM_NTM_MAX_HEADS];
    int offset = 0;
    for (int h = 0; h < heads; h++) {
        nm_head_params(builder, projection, &offset, h >= spec->read_heads, &head[h]);
        head[h].weighting = nm_address(builder, &head[h], memory, weightings[h]);
        nm_graph_next_state(graph, head[h].weighting, weightings[h]);
    }

    int outputs[1 + NM_NTM_MAX_HEADS];
    outputs[0] = controller;
    for (int r = 0; r < spec->read_heads; r++) {
        int read = nm_build_read(graph, head[r].weighting, memory);
        nm_graph_next_state(graph, read, reads[r]);
        outputs[1 + r] = read;
    }
    nm_graph_next_state(graph, nm_write_memory(builder, memory, head + spec->read_heads, spec->write_heads),
                        memory);
    int output_input = nm_graph_concat(graph, outputs, 1 + spec->read_heads, 1);
    ntm->logits = nm_build_linear(graph, output_input, spec->outputs, "output");
    nm_graph_output(graph, ntm->logits, "logits");
}

nm_ntm *nm_ntm_build(const nm_ntm_spec *spec, int batch)
{
    nm_ntm *ntm = nm_xcalloc(1, sizeof *ntm);
    ntm->spec = *spec;
    nm_ntm_builder builder;
    memset(&builder, 0, sizeof builder);
    builder.ntm = ntm;
    builder.graph = nm_graph_new(batch);
    builder.batch = batch;
    nm_build_cell(&builder);
    ntm->cell = builder.graph;
    ntm->states = builder.states.items;
    ntm->state_count = (int)builder.states.count;
    return ntm;
}

void nm_ntm_free(nm_ntm *ntm)
{
    if (!ntm)
        return;
    nm_graph_free(ntm->cell);
    free(ntm->states);
    free(ntm);
}

size_t nm_ntm_parameter_count(const nm_ntm *ntm)
{
    size_t count = 0;
    for (int i = 0; i < ntm->cell->count; i++)
        if (ntm->cell->nodes[i].op == NM_OP_PARAM)
            count += nm_shape_size(ntm->cell->nodes[i].shape);
    for (int s = 0; s < ntm->state_count; s++) {
        if (ntm->states[s].init.kind != NM_STATE_LEARNED)
            continue;
        nm_shape shape = ntm->cell->nodes[ntm->states[s].node].shape;
        count += nm_shape_size(shape) / (size_t)shape.dims[0];
    }
    return count;
}
