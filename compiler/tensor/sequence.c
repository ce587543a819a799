/* Sequences through a cell, and backpropagation through time; see
 * sequence.h. */
#include "sequence.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"

/* ---- the interpreter as an engine ---------------------------------------- */

typedef struct nm_interp_engine {
    nm_cell_engine engine;
    const nm_graph *forward, *backward;
    size_t *forward_offsets, *backward_offsets;   /* in doubles */
    double **forward_values, **backward_values;   /* pointer scratch */
    double **forward_view;                        /* pointers into a saved frame */
} nm_interp_engine;

static size_t nm_layout(const nm_graph *graph, size_t **offsets)
{
    *offsets = nm_xcalloc((size_t)graph->count + 1, sizeof **offsets);
    size_t total = 0;
    for (int i = 0; i < graph->count; i++) {
        (*offsets)[i] = total;
        total += nm_shape_size(graph->nodes[i].shape);
    }
    return total;
}

static void nm_point(const nm_graph *graph, const size_t *offsets, double *base, double **values)
{
    for (int i = 0; i < graph->count; i++)
        values[i] = base + offsets[i];
}

static void nm_interp_forward(void *self, void *frame, const void *const *inputs, const void *const *states,
                              const void *const *params)
{
    nm_interp_engine *engine = self;
    nm_point(engine->forward, engine->forward_offsets, frame, engine->forward_values);
    nm_eval_env env = {(double *const *)inputs, (double *const *)states, (double *const *)params, NULL, NULL};
    nm_graph_eval(engine->forward, &env, engine->forward_values);
}

static void *nm_interp_value(void *self, void *frame, int node)
{
    nm_interp_engine *engine = self;
    return (double *)frame + engine->forward_offsets[node];
}

static void nm_interp_backward(void *self, void *scratch, const void *frame, const void *const *seeds,
                               const void *const *params, void *const *input_grads, void *const *state_grads,
                               void *const *param_grads)
{
    nm_interp_engine *engine = self;
    const nm_graph *backward = engine->backward;
    nm_point(engine->forward, engine->forward_offsets, (double *)frame, engine->forward_view);
    nm_point(backward, engine->backward_offsets, scratch, engine->backward_values);
    nm_eval_env env = {NULL, NULL, (double *const *)params, engine->forward_view, (double *const *)seeds};
    nm_graph_eval(backward, &env, engine->backward_values);

    for (int i = 0; i < backward->count; i++) {
        const nm_node *node = &backward->nodes[i];
        size_t size = nm_shape_size(node->shape);
        const double *value = engine->backward_values[i];
        double *target = NULL;
        if (node->result == NM_RESULT_INPUT_GRAD && input_grads)
            target = input_grads[node->result_index];
        else if (node->result == NM_RESULT_STATE_GRAD && state_grads)
            target = state_grads[node->result_index];
        if (target)
            memcpy(target, value, size * sizeof *target);
        if (node->result == NM_RESULT_PARAM_GRAD && param_grads) {
            double *sum = param_grads[node->result_index];
            for (size_t k = 0; k < size; k++)
                sum[k] += value[k];
        }
    }
}

static void nm_interp_destroy(void *self)
{
    nm_interp_engine *engine = self;
    free(engine->forward_offsets);
    free(engine->backward_offsets);
    free(engine->forward_values);
    free(engine->backward_values);
    free(engine->forward_view);
    free(engine);
}

nm_cell_engine *nm_interp_cell_engine(const nm_graph *forward, const nm_graph *backward)
{
    nm_interp_engine *engine = nm_xcalloc(1, sizeof *engine);
    engine->forward = forward;
    engine->backward = backward;
    engine->engine.name = "interp";
    engine->engine.dtype = NM_F64;
    engine->engine.frame_size = nm_layout(forward, &engine->forward_offsets) * sizeof(double);
    engine->engine.backward_frame_size = backward ? nm_layout(backward, &engine->backward_offsets) * sizeof(double) : 0;
    engine->forward_values = nm_xcalloc((size_t)forward->count + 1, sizeof(double *));
    engine->forward_view = nm_xcalloc((size_t)forward->count + 1, sizeof(double *));
    engine->backward_values = nm_xcalloc((size_t)(backward ? backward->count : 0) + 1, sizeof(double *));
    engine->engine.self = engine;
    engine->engine.forward = nm_interp_forward;
    engine->engine.value = nm_interp_value;
    engine->engine.backward = nm_interp_backward;
    engine->engine.destroy = nm_interp_destroy;
    return &engine->engine;
}

/* ---- random numbers -------------------------------------------------------- */

uint64_t nm_random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double nm_random_uniform(uint64_t *state)
{
    return (double)(nm_random_next(state) >> 11) * 0x1.0p-53;
}

/* ---- element access ------------------------------------------------------- */

static double nm_load(nm_dtype dtype, const void *tensor, size_t index)
{
    return dtype == NM_F64 ? ((const double *)tensor)[index] : (double)((const float *)tensor)[index];
}

static void nm_store(nm_dtype dtype, void *tensor, size_t index, double value)
{
    if (dtype == NM_F64)
        ((double *)tensor)[index] = value;
    else
        ((float *)tensor)[index] = (float)value;
}

double nm_sequence_get(const nm_sequence_model *model, void *const *tensors, int tensor, size_t index)
{
    return nm_load(model->engine->dtype, tensors[tensor], index);
}

void nm_sequence_set(nm_sequence_model *model, void *const *tensors, int tensor, size_t index, double value)
{
    nm_store(model->engine->dtype, tensors[tensor], index, value);
}

/* ---- the model ---------------------------------------------------------- */

static void *nm_alloc_elements(const nm_sequence_model *model, size_t count)
{
    return nm_xcalloc(count ? count : 1, model->element);
}

static void nm_setup_params(nm_sequence_model *model)
{
    const nm_graph *cell = model->ntm->cell;
    model->cell_params = cell->param_count;
    int learned = 0;
    for (int s = 0; s < model->ntm->state_count; s++)
        learned += model->ntm->states[s].init.kind == NM_STATE_LEARNED;
    model->param_count = cell->param_count + learned;
    model->params = nm_xcalloc((size_t)model->param_count + 1, sizeof *model->params);
    model->grads = nm_xcalloc((size_t)model->param_count + 1, sizeof *model->grads);
    model->param_sizes = nm_xcalloc((size_t)model->param_count + 1, sizeof *model->param_sizes);
    model->param_names = nm_xcalloc((size_t)model->param_count + 1, sizeof *model->param_names);
    for (int i = 0; i < cell->count; i++) {
        const nm_node *node = &cell->nodes[i];
        if (node->op != NM_OP_PARAM)
            continue;
        model->param_sizes[node->leaf_index] = nm_shape_size(node->shape);
        model->param_names[node->leaf_index] = node->name;
    }
    model->init_param = nm_xcalloc((size_t)model->ntm->state_count + 1, sizeof *model->init_param);
    int next = cell->param_count;
    for (int s = 0; s < model->ntm->state_count; s++) {
        model->init_param[s] = -1;
        if (model->ntm->states[s].init.kind != NM_STATE_LEARNED)
            continue;
        const nm_node *node = &cell->nodes[model->ntm->states[s].node];
        model->init_param[s] = next;
        model->param_sizes[next] = nm_shape_size(node->shape) / (size_t)node->shape.dims[0];
        model->param_names[next] = node->name;
        next++;
    }
    for (int p = 0; p < model->param_count; p++) {
        model->params[p] = nm_alloc_elements(model, model->param_sizes[p]);
        model->grads[p] = nm_alloc_elements(model, model->param_sizes[p]);
    }
}

static void nm_setup_states(nm_sequence_model *model)
{
    const nm_graph *cell = model->ntm->cell;
    int states = model->ntm->state_count;
    model->initial_states = nm_xcalloc((size_t)states + 1, sizeof *model->initial_states);
    model->next_state_node = nm_xcalloc((size_t)states + 1, sizeof *model->next_state_node);
    for (int k = 0; k < 2; k++)
        model->state_grads[k] = nm_xcalloc((size_t)states + 1, sizeof(void *));
    for (int s = 0; s < states; s++) {
        int node = model->ntm->states[s].node;
        size_t size = nm_shape_size(cell->nodes[node].shape);
        model->initial_states[s] = nm_alloc_elements(model, size);
        for (int k = 0; k < 2; k++)
            model->state_grads[k][s] = nm_alloc_elements(model, size);
        const nm_state_init *init = &model->ntm->states[s].init;
        if (init->kind == NM_STATE_CONSTANT)
            for (size_t i = 0; i < size; i++)
                nm_store(model->engine->dtype, model->initial_states[s], i, init->value);
        for (int i = 0; i < cell->count; i++)
            if (cell->nodes[i].result == NM_RESULT_NEXT_STATE && cell->nodes[i].state_of == node)
                model->next_state_node[s] = i;
    }
}

nm_sequence_model *nm_sequence_model_new(nm_ntm *ntm, nm_graph *backward, nm_cell_engine *engine,
                                         int max_steps)
{
    nm_sequence_model *model = nm_xcalloc(1, sizeof *model);
    model->ntm = ntm;
    model->backward = backward;
    model->engine = engine;
    model->max_steps = max_steps;
    model->element = engine->dtype == NM_F64 ? sizeof(double) : sizeof(float);
    nm_setup_params(model);
    nm_setup_states(model);

    const nm_graph *cell = ntm->cell;
    size_t input_size = nm_shape_size(cell->nodes[ntm->input].shape);
    size_t output_size = nm_shape_size(cell->nodes[ntm->logits].shape);
    model->frames = nm_xcalloc((size_t)max_steps, engine->frame_size);
    model->scratch = nm_xcalloc(1, engine->backward_frame_size + 1);
    model->inputs = nm_xcalloc((size_t)max_steps * input_size, model->element);
    model->output_seeds = nm_xcalloc((size_t)max_steps * output_size, model->element);
    model->seeds = nm_xcalloc((size_t)cell->count + 1, sizeof *model->seeds);
    return model;
}

void nm_sequence_model_free(nm_sequence_model *model)
{
    if (!model)
        return;
    for (int p = 0; p < model->param_count; p++) {
        free(model->params[p]);
        free(model->grads[p]);
    }
    for (int s = 0; s < model->ntm->state_count; s++) {
        free(model->initial_states[s]);
        for (int k = 0; k < 2; k++)
            free(model->state_grads[k][s]);
    }
    free(model->params);
    free(model->grads);
    free(model->param_sizes);
    free(model->param_names);
    free(model->init_param);
    free(model->initial_states);
    free(model->next_state_node);
    free(model->state_grads[0]);
    free(model->state_grads[1]);
    free(model->frames);
    free(model->scratch);
    free(model->inputs);
    free(model->output_seeds);
    free(model->seeds);
    model->engine->destroy(model->engine->self);
    nm_graph_free(model->backward);
    nm_ntm_free(model->ntm);
    free(model);
}

/* VALUES <- softmax(VALUES), in place, over COUNT entries. */
static void nm_softmax(double *values, size_t count)
{
    double top = -INFINITY, sum = 0;
    for (size_t i = 0; i < count; i++)
        top = values[i] > top ? values[i] : top;
    for (size_t i = 0; i < count; i++) {
        values[i] = exp(values[i] - top);
        sum += values[i];
    }
    for (size_t i = 0; i < count; i++)
        values[i] /= sum;
}

/* Sets the first sequence's initial value of state S from VALUES (through
 * a softmax for a weighting) and repeats it over the batch. */
static void nm_set_initial_state(nm_sequence_model *model, int s, double *values, size_t per_sequence)
{
    if (model->ntm->states[s].distribution)
        nm_softmax(values, per_sequence);
    for (size_t i = 0; i < per_sequence; i++)
        nm_store(model->engine->dtype, model->initial_states[s], i, values[i]);
    nm_sequence_repeat_state(model, s);
}

void nm_sequence_repeat_state(nm_sequence_model *model, int s)
{
    const nm_node *node = &model->ntm->cell->nodes[model->ntm->states[s].node];
    size_t size = nm_shape_size(node->shape), per_sequence = size / (size_t)node->shape.dims[0];
    for (size_t i = per_sequence; i < size; i++)
        memcpy((unsigned char *)model->initial_states[s] + i * model->element,
               (unsigned char *)model->initial_states[s] + (i % per_sequence) * model->element, model->element);
}

/* Random initial states are drawn once, the same for every sequence. */
static void nm_randomize_states(nm_sequence_model *model, uint64_t *state)
{
    const nm_graph *cell = model->ntm->cell;
    for (int s = 0; s < model->ntm->state_count; s++) {
        const nm_state_init *init = &model->ntm->states[s].init;
        if (init->kind != NM_STATE_RANDOM)
            continue;
        const nm_node *node = &cell->nodes[model->ntm->states[s].node];
        size_t size = nm_shape_size(node->shape), per_sequence = size / (size_t)node->shape.dims[0];
        double *values = nm_xcalloc(per_sequence, sizeof *values);
        for (size_t i = 0; i < per_sequence; i++)
            values[i] = init->value * (2 * nm_random_uniform(state) - 1);
        nm_set_initial_state(model, s, values, per_sequence);
        free(values);
    }
}

void nm_sequence_model_randomize(nm_sequence_model *model, uint64_t seed, double scale)
{
    uint64_t state = seed;
    for (int p = 0; p < model->param_count; p++)
        for (size_t i = 0; i < model->param_sizes[p]; i++)
            nm_store(model->engine->dtype, model->params[p], i, scale * (2 * nm_random_uniform(&state) - 1));
    nm_randomize_states(model, &state);
}

void nm_sequence_model_initialize(nm_sequence_model *model, uint64_t seed, nm_weight_init init)
{
    uint64_t state = seed;
    for (int p = 0; p < model->param_count; p++) {
        nm_shape shape = nm_sequence_param_shape(model, p);
        bool matrix = p < model->cell_params && shape.rank == 2;
        double bound = 0.0;
        if (matrix && init.kind == NM_WEIGHTS_LECUN)
            bound = init.scale / sqrt((double)shape.dims[0]);
        else if (matrix && init.kind == NM_WEIGHTS_XAVIER)
            bound = init.scale * sqrt(6.0 / (double)(shape.dims[0] + shape.dims[1]));
        else if (matrix)
            bound = init.scale;
        for (size_t i = 0; i < model->param_sizes[p]; i++)
            nm_store(model->engine->dtype, model->params[p], i,
                     matrix ? bound * (2 * nm_random_uniform(&state) - 1) : 0.0);
    }
    nm_randomize_states(model, &state);
}

void nm_sequence_zero_grads(nm_sequence_model *model)
{
    for (int p = 0; p < model->param_count; p++)
        memset(model->grads[p], 0, model->param_sizes[p] * model->element);
}

/* Learned initial states: the parameter, repeated for every sequence. */
static void nm_load_learned_states(nm_sequence_model *model)
{
    for (int s = 0; s < model->ntm->state_count; s++) {
        int p = model->init_param[s];
        if (p < 0)
            continue;
        size_t per_sequence = model->param_sizes[p];
        double *values = nm_xcalloc(per_sequence, sizeof *values);
        for (size_t i = 0; i < per_sequence; i++)
            values[i] = nm_load(model->engine->dtype, model->params[p], i);
        nm_set_initial_state(model, s, values, per_sequence);
        free(values);
    }
}

/* BCE from logits: max(z, 0) - z y + log(1 + exp(-|z|)), whose gradient is
 * sigmoid(z) - y; both stay finite when the sigmoid saturates. */
static double nm_bce(double z, double y, double *gradient)
{
    double e = exp(-fabs(z));
    *gradient = (z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e)) - y;
    return (z > 0 ? z : 0) - z * y + log1p(e);
}

static double nm_step_loss(nm_sequence_model *model, int t, const nm_sequence_batch *batch, void *logits,
                           double *logits_out)
{
    const nm_graph *cell = model->ntm->cell;
    size_t size = nm_shape_size(cell->nodes[model->ntm->logits].shape);
    void *seed = model->output_seeds + (size_t)t * size * model->element;
    double loss = 0;
    for (size_t i = 0; i < size; i++) {
        double z = nm_load(model->engine->dtype, logits, i), gradient = 0;
        if (logits_out)
            logits_out[i] = z;
        if (batch->mask[t])
            loss += nm_bce(z, batch->targets[t][i], &gradient);
        nm_store(model->engine->dtype, seed, i, batch->mask[t] ? gradient : 0.0);
    }
    return loss;
}

/* Records the first value of TENSOR that is not finite. */
static void nm_watch_tensor(nm_sequence_model *model, const void *tensor, size_t size, const char *name, int step,
                            bool backward)
{
    nm_sequence_watch *watch = model->watch;
    if (!watch || watch->found || !tensor)
        return;
    for (size_t i = 0; i < size; i++) {
        double value = nm_load(model->engine->dtype, tensor, i);
        if (!isfinite(value)) {
            *watch = (nm_sequence_watch){true, backward, step, name, value};
            return;
        }
    }
}

static void nm_watch_forward(nm_sequence_model *model, void *frame, int t)
{
    nm_cell_engine *engine = model->engine;
    const nm_graph *cell = model->ntm->cell;
    nm_watch_tensor(model, engine->value(engine->self, frame, model->ntm->logits),
                    nm_shape_size(cell->nodes[model->ntm->logits].shape), "logits", t, false);
    for (int s = 0; s < model->ntm->state_count; s++) {
        const nm_node *state = &cell->nodes[model->ntm->states[s].node];
        nm_watch_tensor(model, engine->value(engine->self, frame, model->next_state_node[s]),
                        nm_shape_size(state->shape), state->name, t, false);
    }
}

static void nm_watch_backward(nm_sequence_model *model, void *const *state_grads, int t)
{
    const nm_graph *cell = model->ntm->cell;
    for (int p = 0; p < model->cell_params; p++)
        nm_watch_tensor(model, model->grads[p], model->param_sizes[p], model->param_names[p], t, true);
    for (int s = 0; s < model->ntm->state_count; s++) {
        const nm_node *state = &cell->nodes[model->ntm->states[s].node];
        nm_watch_tensor(model, state_grads[s], nm_shape_size(state->shape), state->name, t, true);
    }
}

static double nm_run_forward(nm_sequence_model *model, const nm_sequence_batch *batch, double *const *logits)
{
    nm_cell_engine *engine = model->engine;
    const nm_graph *cell = model->ntm->cell;
    size_t input_size = nm_shape_size(cell->nodes[model->ntm->input].shape);
    int states = model->ntm->state_count;
    const void **state_values = nm_xcalloc((size_t)states + 1, sizeof *state_values);
    double loss = 0;
    nm_load_learned_states(model);

    for (int t = 0; t < batch->steps; t++) {
        unsigned char *frame = model->frames + (size_t)t * engine->frame_size;
        void *input = model->inputs + (size_t)t * input_size * model->element;
        for (size_t i = 0; i < input_size; i++)
            nm_store(engine->dtype, input, i, batch->inputs[t][i]);
        for (int s = 0; s < states; s++)
            state_values[s] = t == 0 ? model->initial_states[s]
                                     : engine->value(engine->self, frame - engine->frame_size,
                                                     model->next_state_node[s]);
        const void *inputs[1] = {input};
        engine->forward(engine->self, frame, inputs, state_values, (const void *const *)model->params);
        void *step_logits = engine->value(engine->self, frame, model->ntm->logits);
        loss += nm_step_loss(model, t, batch, step_logits, logits ? logits[t] : NULL);
        if (model->watch)
            nm_watch_forward(model, frame, t);
    }
    free(state_values);
    return loss;
}

/* Adds the gradient of the first step's states to learned initial states,
 * summed over the batch; a weighting's goes back through its softmax:
 * dp = w * (g - sum(w g)). */
static void nm_learned_state_grads(nm_sequence_model *model, void *const *state_grads)
{
    const nm_graph *cell = model->ntm->cell;
    for (int s = 0; s < model->ntm->state_count; s++) {
        int p = model->init_param[s];
        if (p < 0)
            continue;
        size_t size = nm_shape_size(cell->nodes[model->ntm->states[s].node].shape);
        size_t per_sequence = model->param_sizes[p];
        double *sums = nm_xcalloc(per_sequence, sizeof *sums);
        for (size_t i = 0; i < size; i++)
            sums[i % per_sequence] += nm_load(model->engine->dtype, state_grads[s], i);
        if (model->ntm->states[s].distribution) {
            double dot = 0;
            for (size_t k = 0; k < per_sequence; k++)
                dot += nm_load(model->engine->dtype, model->initial_states[s], k) * sums[k];
            for (size_t k = 0; k < per_sequence; k++)
                sums[k] = nm_load(model->engine->dtype, model->initial_states[s], k) * (sums[k] - dot);
        }
        for (size_t k = 0; k < per_sequence; k++)
            nm_store(model->engine->dtype, model->grads[p], k,
                     nm_load(model->engine->dtype, model->grads[p], k) + sums[k]);
        free(sums);
    }
}

static void nm_run_backward(nm_sequence_model *model, const nm_sequence_batch *batch)
{
    nm_cell_engine *engine = model->engine;
    const nm_graph *cell = model->ntm->cell;
    size_t output_size = nm_shape_size(cell->nodes[model->ntm->logits].shape);
    int states = model->ntm->state_count;
    int next = 0;
    for (int t = batch->steps - 1; t >= 0; t--) {
        memset(model->seeds, 0, (size_t)cell->count * sizeof *model->seeds);
        model->seeds[model->ntm->logits] = model->output_seeds + (size_t)t * output_size * model->element;
        for (int s = 0; s < states; s++)
            model->seeds[model->next_state_node[s]] = t == batch->steps - 1 ? NULL : model->state_grads[next][s];
        const unsigned char *frame = model->frames + (size_t)t * engine->frame_size;
        engine->backward(engine->self, model->scratch, frame, (const void *const *)model->seeds,
                         (const void *const *)model->params, NULL, model->state_grads[1 - next], model->grads);
        if (model->watch)
            nm_watch_backward(model, model->state_grads[1 - next], t);
        next = 1 - next;
    }
    nm_learned_state_grads(model, model->state_grads[next]);
}

double nm_sequence_run(nm_sequence_model *model, const nm_sequence_batch *batch, bool gradients,
                       double *const *logits)
{
    if (batch->steps > model->max_steps || batch->steps < 1)
        return NAN;
    double loss = nm_run_forward(model, batch, logits);
    if (gradients)
        nm_run_backward(model, batch);
    return loss;
}

bool nm_sequence_locate_nonfinite(nm_sequence_model *model, const nm_sequence_batch *batch,
                                  nm_sequence_watch *watch)
{
    memset(watch, 0, sizeof *watch);
    model->watch = watch;
    nm_sequence_zero_grads(model);
    double loss = nm_sequence_run(model, batch, true, NULL);
    for (int p = model->cell_params; p < model->param_count && !watch->found; p++)
        nm_watch_tensor(model, model->grads[p], model->param_sizes[p], model->param_names[p], 0, true);
    model->watch = NULL;
    if (!watch->found && !isfinite(loss))
        *watch = (nm_sequence_watch){true, false, batch->steps - 1, "loss", loss};
    return watch->found;
}

nm_shape nm_sequence_param_shape(const nm_sequence_model *model, int p)
{
    const nm_graph *cell = model->ntm->cell;
    if (p < model->cell_params) {
        for (int i = 0; i < cell->count; i++)
            if (cell->nodes[i].op == NM_OP_PARAM && cell->nodes[i].leaf_index == p)
                return cell->nodes[i].shape;
    }
    for (int s = 0; s < model->ntm->state_count; s++) {
        if (model->init_param[s] != p)
            continue;
        nm_shape shape = cell->nodes[model->ntm->states[s].node].shape;
        for (int d = 1; d < shape.rank; d++)
            shape.dims[d - 1] = shape.dims[d];
        shape.rank--;
        return shape;
    }
    return (nm_shape){0};
}
