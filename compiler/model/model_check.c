/* The model checker: reads the options of `model NAME = ntm { ... }` into
 * an NTM specification, reporting each unknown option, wrong value and
 * impossible size at its location.
 *
 *   controller lstm(100) | lstm(100, 2) | feedforward(100) | feedforward(256, 256);
 *   memory 128 x 20;
 *   heads 1;  or  read_heads 4;  write_heads 1;
 *   shifts -1 .. 1;
 *   memory_init constant(1e-6) | learned | random(0.1);   (also read_init, weighting_init)
 *   activation key tanh;    (key beta gate shift gamma erase add hidden output;
 *                            linear tanh sigmoid softplus one_plus_softplus softmax)
 *   epsilon 1e-8;
 *   inputs 9;  outputs 8;
 */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct nm_model_checker {
    nm_diag *diag;
    const nm_decl *decl;
    nm_model *model;
    const nm_option *seen[32];
    int seen_count;
    bool heads_given, read_heads_given, write_heads_given;
} nm_model_checker;

static const char *const nm_option_names[] = {
    "controller", "memory",         "heads",      "read_heads", "write_heads", "shifts",
    "memory_init", "read_init",     "weighting_init", "activation", "epsilon", "inputs",
    "outputs",
};

static const char *const nm_activation_names[] = {"linear", "tanh", "sigmoid", "softplus",
                                                  "one_plus_softplus", "softmax"};

static const char *const nm_parameter_names[] = {"key", "beta", "gate", "shift", "gamma",
                                                 "erase", "add", "hidden", "output"};

/* A number of the language as a double; false after reporting the error. */
static bool nm_number(nm_model_checker *checker, const nm_value *value, double *out)
{
    if (value->kind != NM_VALUE_NUMBER) {
        nm_error(checker->diag, value->loc, "expected a number here");
        return false;
    }
    errno = 0;
    char *end;
    *out = strtod(value->text, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(*out)) {
        nm_error(checker->diag, value->loc, "invalid number '%s'", value->text);
        return false;
    }
    return true;
}

static bool nm_count(nm_model_checker *checker, const nm_value *value, int low, int high, const char *what,
                     int *out)
{
    double number;
    if (!nm_number(checker, value, &number))
        return false;
    if (number != floor(number) || number < low || number > high) {
        nm_error(checker->diag, value->loc, "invalid %s '%s'; expected a whole number from %d to %d", what,
                 value->text, low, high);
        return false;
    }
    *out = (int)number;
    return true;
}

/* The single value of an option, or an error naming the expected form. */
static const nm_value *nm_single(nm_model_checker *checker, const nm_option *option, const char *example)
{
    if (option->values.count == 1)
        return option->values.items[0];
    nm_error(checker->diag, option->loc, "'%s' takes one value, as in '%s'", option->name, example);
    return NULL;
}

static const nm_value *nm_argument(const nm_value *call, size_t index)
{
    if (index >= call->arg_count || call->args[index].count != 1)
        return NULL;
    return call->args[index].items[0];
}

static void nm_check_controller(nm_model_checker *checker, const nm_option *option)
{
    nm_ntm_spec *spec = &checker->model->spec;
    const nm_value *value = nm_single(checker, option, "controller lstm(100);");
    if (!value)
        return;
    bool lstm = value->kind == NM_VALUE_CALL && strcmp(value->text, "lstm") == 0;
    bool feedforward = value->kind == NM_VALUE_CALL && strcmp(value->text, "feedforward") == 0;
    if (!lstm && !feedforward) {
        nm_error(checker->diag, value->loc,
                 "unknown controller; use lstm(SIZE), lstm(SIZE, LAYERS) or feedforward(SIZE, ...)");
        return;
    }
    size_t arguments = value->arg_count;
    if (arguments < 1 || (lstm && arguments > 2) || (feedforward && arguments > NM_NTM_MAX_LAYERS)) {
        nm_error(checker->diag, value->loc,
                 lstm ? "lstm takes a size and an optional number of layers, as in lstm(100, 2)"
                      : "feedforward takes one size per hidden layer, at most %d", NM_NTM_MAX_LAYERS);
        return;
    }
    for (size_t a = 0; a < arguments; a++)
        if (!nm_argument(value, a)) {
            nm_error(checker->diag, value->loc, "each argument of %s is one number", value->text);
            return;
        }
    spec->controller = lstm ? NM_CONTROLLER_LSTM : NM_CONTROLLER_FEEDFORWARD;
    if (lstm) {
        int size, layers = 1;
        if (!nm_count(checker, nm_argument(value, 0), 1, NM_MAX_MODEL_DIM, "LSTM size", &size))
            return;
        if (arguments == 2
            && !nm_count(checker, nm_argument(value, 1), 1, NM_NTM_MAX_LAYERS, "number of layers", &layers))
            return;
        spec->layers = layers;
        for (int l = 0; l < layers; l++)
            spec->sizes[l] = size;
        return;
    }
    spec->layers = (int)arguments;
    for (size_t a = 0; a < arguments; a++)
        if (!nm_count(checker, nm_argument(value, a), 1, NM_MAX_MODEL_DIM, "layer size", &spec->sizes[a]))
            return;
}

static void nm_check_memory(nm_model_checker *checker, const nm_option *option)
{
    const nm_values *values = &option->values;
    bool shaped = values->count == 3 && values->items[1]->kind == NM_VALUE_NAME
                  && strcmp(values->items[1]->text, "x") == 0;
    if (!shaped) {
        nm_error(checker->diag, option->loc, "'memory' takes rows and width, as in 'memory 128 x 20;'");
        return;
    }
    nm_ntm_spec *spec = &checker->model->spec;
    int rows, width;
    bool rows_valid = nm_count(checker, values->items[0], 1, NM_MAX_MODEL_DIM, "number of memory rows", &rows);
    bool width_valid = nm_count(checker, values->items[2], 1, NM_MAX_MODEL_DIM, "memory width", &width);
    if (!rows_valid || !width_valid)
        return;
    if ((uint64_t)rows * (uint64_t)width > NM_MAX_MEMORY_CELLS) {
        nm_error(checker->diag, option->loc,
                 "memory %d x %d has %llu cells; the limit is %d (65536 rows of 512); use fewer rows or a "
                 "narrower memory",
                 rows, width, (unsigned long long)rows * (unsigned long long)width, NM_MAX_MEMORY_CELLS);
        return;
    }
    spec->rows = rows;
    spec->width = width;
}

static void nm_check_shifts(nm_model_checker *checker, const nm_option *option)
{
    const nm_value *value = nm_single(checker, option, "shifts -1 .. 1;");
    if (!value)
        return;
    double low, high;
    if (value->kind != NM_VALUE_RANGE || !nm_number(checker, value->low, &low)
        || !nm_number(checker, value->high, &high)) {
        if (value->kind != NM_VALUE_RANGE)
            nm_error(checker->diag, value->loc, "'shifts' takes a range from -S to S, as in 'shifts -1 .. 1;'");
        return;
    }
    if (low != -high || high < 0 || high != floor(high) || high > NM_MAX_MODEL_DIM) {
        nm_error(checker->diag, value->loc,
                 "invalid shift range %s .. %s; shifts run from -S to S for a whole S >= 0", value->low->text,
                 value->high->text);
        return;
    }
    checker->model->spec.shift_range = (int)high;
}

static void nm_check_init(nm_model_checker *checker, const nm_option *option, nm_state_init *init)
{
    const nm_value *value = nm_single(checker, option, "memory_init constant(1e-6);");
    if (!value)
        return;
    if (value->kind == NM_VALUE_NAME && strcmp(value->text, "learned") == 0) {
        *init = (nm_state_init){NM_STATE_LEARNED, 0.0};
        return;
    }
    bool constant = value->kind == NM_VALUE_CALL && strcmp(value->text, "constant") == 0;
    bool random = value->kind == NM_VALUE_CALL && strcmp(value->text, "random") == 0;
    if ((!constant && !random) || !nm_argument(value, 0) || value->arg_count != 1) {
        nm_error(checker->diag, value->loc,
                 "invalid initial value; use constant(VALUE), learned or random(SCALE)");
        return;
    }
    double number;
    if (!nm_number(checker, nm_argument(value, 0), &number))
        return;
    if (random && number < 0) {
        nm_error(checker->diag, nm_argument(value, 0)->loc, "the scale of random(...) cannot be negative");
        return;
    }
    *init = (nm_state_init){constant ? NM_STATE_CONSTANT : NM_STATE_RANDOM, number};
}

static int nm_find(const char *const *names, size_t count, const char *text)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], text) == 0)
            return (int)i;
    return -1;
}

static void nm_check_activation(nm_model_checker *checker, const nm_option *option)
{
    nm_ntm_spec *spec = &checker->model->spec;
    const nm_values *values = &option->values;
    if (values->count != 2 || values->items[0]->kind != NM_VALUE_NAME || values->items[1]->kind != NM_VALUE_NAME) {
        nm_error(checker->diag, option->loc, "'activation' takes a head parameter and a function, as in "
                                             "'activation key tanh;'");
        return;
    }
    int parameter = nm_find(nm_parameter_names, sizeof nm_parameter_names / sizeof *nm_parameter_names,
                            values->items[0]->text);
    int function = nm_find(nm_activation_names, sizeof nm_activation_names / sizeof *nm_activation_names,
                           values->items[1]->text);
    if (parameter < 0)
        nm_error(checker->diag, values->items[0]->loc,
                 "unknown parameter '%s'; expected key, beta, gate, shift, gamma, erase, add, hidden or output",
                 values->items[0]->text);
    if (function < 0)
        nm_error(checker->diag, values->items[1]->loc,
                 "unknown activation '%s'; expected linear, tanh, sigmoid, softplus, one_plus_softplus or softmax",
                 values->items[1]->text);
    if (parameter < 0 || function < 0)
        return;
    if (parameter == NM_HEAD_PARAMS)
        spec->hidden_activation = (nm_activation)function;
    else if (parameter == NM_HEAD_PARAMS + 1 && function != NM_ACTIVATION_SIGMOID)
        nm_error(checker->diag, values->items[1]->loc,
                 "invalid output activation '%s'; the outputs are bits, trained with binary cross-entropy on "
                 "their logits, so the output activation is sigmoid: remove the option or write sigmoid",
                 values->items[1]->text);
    else if (parameter == NM_HEAD_PARAMS + 1)
        spec->output_activation = (nm_activation)function;
    else
        spec->activations[parameter] = (nm_activation)function;
}

static bool nm_first_option(nm_model_checker *checker, const nm_option *option)
{
    if (strcmp(option->name, "activation") == 0)
        return true;
    for (int i = 0; i < checker->seen_count; i++) {
        if (strcmp(checker->seen[i]->name, option->name) == 0) {
            nm_error(checker->diag, option->loc, "duplicate '%s' in model '%s'", option->name, checker->decl->name);
            nm_note(checker->diag, checker->seen[i]->loc, "first given here");
            return false;
        }
    }
    if (checker->seen_count < (int)(sizeof checker->seen / sizeof *checker->seen))
        checker->seen[checker->seen_count++] = option;
    return true;
}

static void nm_check_heads(nm_model_checker *checker, const nm_option *option)
{
    nm_ntm_spec *spec = &checker->model->spec;
    const nm_value *value = nm_single(checker, option, "heads 1;");
    if (!value)
        return;
    int count;
    int low = strcmp(option->name, "heads") == 0 ? 1 : 0;
    int high = strcmp(option->name, "heads") == 0 ? NM_NTM_MAX_HEADS / 2 : NM_NTM_MAX_HEADS;
    if (!nm_count(checker, value, low, high, "number of heads", &count))
        return;
    if (strcmp(option->name, "heads") == 0) {
        spec->read_heads = spec->write_heads = count;
        checker->heads_given = true;
    } else if (strcmp(option->name, "read_heads") == 0) {
        spec->read_heads = count;
        checker->read_heads_given = true;
    } else {
        spec->write_heads = count;
        checker->write_heads_given = true;
    }
}

static void nm_check_option(nm_model_checker *checker, const nm_option *option)
{
    nm_ntm_spec *spec = &checker->model->spec;
    const char *name = option->name;
    if (nm_find(nm_option_names, sizeof nm_option_names / sizeof *nm_option_names, name) < 0) {
        nm_error(checker->diag, option->loc,
                 "unknown option '%s' of an ntm model; expected controller, memory, heads, read_heads, "
                 "write_heads, shifts, memory_init, read_init, weighting_init, activation, epsilon, inputs "
                 "or outputs",
                 name);
        return;
    }
    if (!nm_first_option(checker, option))
        return;
    const nm_value *value;
    if (strcmp(name, "controller") == 0) {
        nm_check_controller(checker, option);
    } else if (strcmp(name, "memory") == 0) {
        nm_check_memory(checker, option);
    } else if (strcmp(name, "heads") == 0 || strcmp(name, "read_heads") == 0 || strcmp(name, "write_heads") == 0) {
        nm_check_heads(checker, option);
    } else if (strcmp(name, "shifts") == 0) {
        nm_check_shifts(checker, option);
    } else if (strcmp(name, "memory_init") == 0) {
        nm_check_init(checker, option, &spec->memory_init);
    } else if (strcmp(name, "read_init") == 0) {
        nm_check_init(checker, option, &spec->read_init);
    } else if (strcmp(name, "weighting_init") == 0) {
        nm_check_init(checker, option, &spec->weighting_init);
    } else if (strcmp(name, "activation") == 0) {
        nm_check_activation(checker, option);
    } else if (strcmp(name, "epsilon") == 0) {
        if ((value = nm_single(checker, option, "epsilon 1e-8;")) && nm_number(checker, value, &spec->epsilon)
            && spec->epsilon <= 0)
            nm_error(checker->diag, value->loc, "epsilon must be positive, or an all-zero row divides 0 by 0");
    } else if (strcmp(name, "inputs") == 0) {
        if ((value = nm_single(checker, option, "inputs 9;")))
            nm_count(checker, value, 1, NM_MAX_MODEL_DIM, "number of inputs", &spec->inputs);
    } else if ((value = nm_single(checker, option, "outputs 8;"))) {
        nm_count(checker, value, 1, NM_MAX_MODEL_DIM, "number of outputs", &spec->outputs);
    }
}

/* Checks that the options fit together. */
static void nm_check_consistency(nm_model_checker *checker)
{
    const nm_ntm_spec *spec = &checker->model->spec;
    const nm_decl *decl = checker->decl;
    if (checker->heads_given && (checker->read_heads_given || checker->write_heads_given))
        nm_error(checker->diag, decl->name_loc,
                 "model '%s' gives both 'heads' and 'read_heads' or 'write_heads'; use one or the other",
                 decl->name);
    if (spec->read_heads + spec->write_heads > NM_NTM_MAX_HEADS)
        nm_error(checker->diag, decl->name_loc, "model '%s' has more than %d heads", decl->name, NM_NTM_MAX_HEADS);
    if (spec->read_heads + spec->write_heads == 0)
        nm_error(checker->diag, decl->name_loc, "model '%s' has no head; give it at least one", decl->name);
    if (2 * spec->shift_range + 1 > spec->rows)
        nm_error(checker->diag, decl->name_loc,
                 "model '%s' shifts by up to %d over %d memory rows; the shift range -S .. S needs "
                 "2S + 1 <= rows",
                 decl->name, spec->shift_range, spec->rows);
    if ((spec->inputs > 0) != (spec->outputs > 0))
        nm_error(checker->diag, decl->name_loc, "model '%s' gives %s but not %s; give both or neither",
                 decl->name, spec->inputs > 0 ? "inputs" : "outputs", spec->inputs > 0 ? "outputs" : "inputs");
    /* Without inputs and outputs the count is the least the model can
     * have, so a train declaration counts again with its task's sizes. */
    nm_ntm_spec sized = *spec;
    if (sized.inputs <= 0 || sized.outputs <= 0)
        sized.inputs = sized.outputs = 1;
    nm_model_size size = nm_model_measure(&sized);
    if (size.parameters > NM_MAX_PARAMETERS)
        nm_error(checker->diag, decl->name_loc,
                 "model '%s' has %llu parameters; the limit is %d; use a smaller controller, a narrower "
                 "memory or fewer heads",
                 decl->name, (unsigned long long)size.parameters, NM_MAX_PARAMETERS);
}

/* The parameters of a linear layer from IN to OUT units, with its bias. */
static uint64_t nm_linear_parameters(uint64_t in, uint64_t out)
{
    return in * out + out;
}

static uint64_t nm_max(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

nm_model_size nm_model_measure(const nm_ntm_spec *spec)
{
    /* The shapes are those that nm_ntm_build gives the cell, and the
     * backward cell has no others.  tests/tensor/test_model_size.c compares
     * the two. */
    nm_model_size size = {0, 0, 0};
    uint64_t rows = (uint64_t)spec->rows, width = (uint64_t)spec->width;
    uint64_t reads = (uint64_t)spec->read_heads, writes = (uint64_t)spec->write_heads;
    uint64_t shifts = 2 * (uint64_t)spec->shift_range + 1;
    uint64_t read_head = width + shifts + 3, write_head = read_head + 2 * width;
    uint64_t projection = reads * read_head + writes * write_head;
    uint64_t in = (uint64_t)spec->inputs + reads * width;
    size.per_sequence = nm_max(rows * width, nm_max(projection, in));
    for (int l = 0; l < spec->layers; l++) {
        uint64_t units = (uint64_t)spec->sizes[l];
        uint64_t out = spec->controller == NM_CONTROLLER_LSTM ? 4 * units : units;
        size.parameters += nm_linear_parameters(in, out);
        size.largest_fixed = nm_max(size.largest_fixed, in * out);
        if (spec->controller == NM_CONTROLLER_LSTM) {
            size.parameters += units * out;
            size.largest_fixed = nm_max(size.largest_fixed, units * out);
        }
        size.per_sequence = nm_max(size.per_sequence, out);
        in = units;
    }
    uint64_t hidden = in, outputs = (uint64_t)spec->outputs;
    size.parameters += nm_linear_parameters(hidden, projection);
    size.parameters += nm_linear_parameters(hidden + reads * width, outputs);
    size.largest_fixed = nm_max(size.largest_fixed, nm_max(hidden * projection, (hidden + reads * width) * outputs));
    size.per_sequence = nm_max(size.per_sequence, nm_max(hidden + reads * width, outputs));
    if (spec->memory_init.kind == NM_STATE_LEARNED) {
        size.parameters += rows * width;
        size.largest_fixed = nm_max(size.largest_fixed, rows * width);
    }
    if (spec->read_init.kind == NM_STATE_LEARNED)
        size.parameters += reads * width;
    if (spec->weighting_init.kind == NM_STATE_LEARNED)
        size.parameters += (reads + writes) * rows;
    return size;
}

uint64_t nm_model_max_batch(const nm_model_size *size)
{
    if (size->largest_fixed > NM_MAX_TENSOR_ELEMENTS || size->per_sequence == 0)
        return 0;
    return NM_MAX_TENSOR_ELEMENTS / size->per_sequence;
}

nm_model *nm_model_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl)
{
    if (strcmp(decl->kind_name, "ntm") != 0) {
        nm_error(diag, decl->kind_loc, "unknown model kind '%s'; this version of nmc builds ntm models",
                 decl->kind_name);
        return NULL;
    }
    nm_model_checker checker;
    memset(&checker, 0, sizeof checker);
    checker.diag = diag;
    checker.decl = decl;
    checker.model = nm_arena_calloc(arena, 1, sizeof *checker.model);
    checker.model->name = decl->name;
    checker.model->loc = decl->name_loc;
    nm_ntm_defaults(&checker.model->spec);
    int errors = diag->errors;
    for (const nm_option *option = decl->options; option; option = option->next)
        nm_check_option(&checker, option);
    if (diag->errors == errors)
        nm_check_consistency(&checker);
    checker.model->sized = checker.model->spec.inputs > 0 && checker.model->spec.outputs > 0;
    return diag->errors == errors ? checker.model : NULL;
}
