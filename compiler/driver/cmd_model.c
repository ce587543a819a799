/* nmc gradcheck, and the model forms of nmc build (--emit=graph). */
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "jit/graph_jit.h"
#include "model/model.h"
#include "model/train.h"
#include "train/engine.h"
#include "tensor/autodiff.h"
#include "tensor/gradcheck.h"

/* Chooses the model named NAME, or the only model of the program. */
const nm_model *nm_driver_pick_model(const nm_program *program, const char *name)
{
    if (name) {
        const nm_model *model = nm_program_find_model(program, name);
        if (!model)
            fprintf(stderr, "nmc: error: no model named '%s' in %s\n", name, program->root->name);
        return model;
    }
    if (program->models.count == 1)
        return program->models.items[0];
    if (program->models.count == 0)
        fprintf(stderr, "nmc: error: %s declares no model\n", program->root->name);
    else
        fprintf(stderr, "nmc: error: %s declares %zu models; choose one with --model NAME\n",
                program->root->name, program->models.count);
    return NULL;
}

typedef struct nm_gradcheck_options {
    const char *file;
    const char *model;
    uint64_t steps, batch, samples, seed, inputs, outputs;
    bool interp;
} nm_gradcheck_options;

static int nm_gradcheck_usage(void)
{
    printf("usage: nmc gradcheck FILE [--model NAME] [OPTIONS]\n\n"
           "Compares the gradients of backpropagation through time with central finite\n"
           "differences (Richardson-extrapolated) in double precision, for every parameter\n"
           "tensor of the model, on a random sequence with random targets.  Prints the\n"
           "largest relative error per tensor; exit status 1 when one is above %g.\n\n"
           "  --model NAME     the model (needed when FILE declares several)\n"
           "  --steps T        time steps of the sequence (default 5)\n"
           "  --batch B        sequences at once (default 2)\n"
           "  --samples K      entries compared per tensor, at least 1; all of a smaller\n"
           "                   tensor (default 20)\n"
           "  --seed S         seed of the parameters, the data and the sample (default 1)\n"
           "  --inputs N, --outputs M   sizes for a model that gets none from its declaration\n"
           "                   or its train declaration\n"
           "  --interp         evaluate with the reference interpreter instead of the JIT\n"
           "                   (the JIT compiles the cells in double precision)\n",
           NM_GRADCHECK_TOLERANCE);
    return NM_EXIT_OK;
}

static int nm_parse_gradcheck(nm_args *args, nm_gradcheck_options *options)
{
    memset(options, 0, sizeof *options);
    options->steps = 5;
    options->batch = 2;
    options->samples = 20;
    options->seed = 1;
    bool failed = false;
    const char *numbers[6] = {NULL};
    const char *names[6] = {"--steps", "--batch", "--samples", "--seed", "--inputs", "--outputs"};
    uint64_t *targets[6] = {&options->steps, &options->batch, &options->samples, &options->seed,
                            &options->inputs, &options->outputs};
    while (args->index < args->count && !failed) {
        const char *arg = args->values[args->index];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return nm_gradcheck_usage() - 1;
        bool taken = nm_take_value(args, "--model", &options->model, &failed);
        for (int i = 0; i < 6 && !taken; i++)
            taken = nm_take_value(args, names[i], &numbers[i], &failed);
        if (taken)
            continue;
        if (nm_take_flag(args, "--interp")) {
            options->interp = true;
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            nm_usage_error(args, "unknown option '%s'", arg);
            return NM_EXIT_USAGE;
        }
        if (options->file) {
            nm_usage_error(args, "more than one file given ('%s' and '%s')", options->file, arg);
            return NM_EXIT_USAGE;
        }
        options->file = arg;
        args->index++;
    }
    if (failed)
        return NM_EXIT_USAGE;
    for (int i = 0; i < 6; i++)
        if (numbers[i] && !nm_parse_count(args, names[i], numbers[i], targets[i]))
            return NM_EXIT_USAGE;
    if (!options->file) {
        nm_usage_error(args, "missing FILE");
        return NM_EXIT_USAGE;
    }
    if (options->steps < 1 || options->steps > 10000 || options->batch < 1 || options->batch > 4096) {
        nm_usage_error(args, "--steps must be from 1 to 10000 and --batch from 1 to 4096");
        return NM_EXIT_USAGE;
    }
    if (options->samples < 1) {
        nm_usage_error(args, "--samples must be at least 1, the entries compared per tensor");
        return NM_EXIT_USAGE;
    }
    for (int i = 4; i < 6; i++)
        if (numbers[i] && (*targets[i] < 1 || *targets[i] > NM_MAX_MODEL_DIM)) {
            nm_usage_error(args, "%s must be from 1 to %d", names[i], NM_MAX_MODEL_DIM);
            return NM_EXIT_USAGE;
        }
    return NM_EXIT_OK;
}

/* Random bits as inputs and targets, every step counted in the loss. */
static void nm_random_batch(uint64_t seed, int steps, size_t input_size, size_t output_size,
                            double **inputs, double **targets, unsigned char *mask)
{
    uint64_t state = seed ^ 0x5DEECE66Dull;
    for (int t = 0; t < steps; t++) {
        for (size_t i = 0; i < input_size; i++)
            inputs[t][i] = nm_random_uniform(&state) < 0.5 ? 0.0 : 1.0;
        for (size_t i = 0; i < output_size; i++)
            targets[t][i] = nm_random_uniform(&state) < 0.5 ? 0.0 : 1.0;
        mask[t] = 1;
    }
}

static int nm_report(const nm_gradcheck_result *results, int count)
{
    printf("%-36s %9s %8s %14s %12s\n", "tensor", "entries", "checked", "max rel error", "max |grad|");
    int failures = 0;
    for (int p = 0; p < count; p++) {
        const nm_gradcheck_result *r = &results[p];
        bool ok = r->max_error <= NM_GRADCHECK_TOLERANCE;
        failures += !ok;
        printf("%-36s %9zu %8zu %14.3g %12.3g  %s\n", r->name, r->size, r->checked, r->max_error,
               r->max_gradient, ok ? "ok" : "FAILED");
    }
    if (failures)
        printf("%d of %d tensors above %g\n", failures, count, NM_GRADCHECK_TOLERANCE);
    else
        printf("all %d tensors within %g\n", count, NM_GRADCHECK_TOLERANCE);
    return failures ? NM_EXIT_ERROR : NM_EXIT_OK;
}

/* Checks a size given with --inputs or --outputs against the one the
 * model has (0 when it has none). */
static bool nm_check_size_option(const nm_args *args, const nm_model *model, const char *option, uint64_t given,
                                 int declared, const char *what)
{
    if (!given || !declared || given == (uint64_t)declared)
        return true;
    nm_usage_error(args, "%s %llu does not match model '%s', %s %d %s; leave %s out", option,
                   (unsigned long long)given, model->name,
                   model->sized ? "which declares" : "whose train declaration's task has", declared, what, option);
    return false;
}

static int nm_run_gradcheck(nm_args *args, const nm_gradcheck_options *options, const nm_program *program,
                            const nm_model *model)
{
    nm_ntm_spec spec = model->spec;
    const nm_train_spec *train = nm_program_find_train(program, model->name);
    if (!model->sized && train) {
        spec.inputs = nm_task_inputs(&train->task);
        spec.outputs = nm_task_outputs(&train->task);
    }
    if (!nm_check_size_option(args, model, "--inputs", options->inputs, spec.inputs, "inputs")
        || !nm_check_size_option(args, model, "--outputs", options->outputs, spec.outputs, "outputs"))
        return NM_EXIT_USAGE;
    if (options->inputs)
        spec.inputs = (int)options->inputs;
    if (options->outputs)
        spec.outputs = (int)options->outputs;
    if (spec.inputs > 0 && spec.outputs > 0 && !nm_driver_check_batch(args, model->name, &spec, options->batch))
        return NM_EXIT_USAGE;
    if (spec.inputs <= 0 || spec.outputs <= 0) {
        fprintf(stderr, "nmc: error: model '%s' gives no inputs and outputs; add 'inputs N; outputs M;', "
                        "a train declaration of the model, or pass --inputs and --outputs\n",
                model->name);
        return NM_EXIT_ERROR;
    }
    int steps = (int)options->steps, batch = (int)options->batch;
    nm_ntm *ntm = nm_ntm_build(&spec, batch);
    nm_graph *backward = nm_graph_backward(ntm->cell);
    char *error = NULL;
    nm_cell_engine *engine = nm_make_cell_engine(ntm->cell, backward, NM_F64, options->interp, &error);
    if (!engine) {
        fprintf(stderr, "nmc: error: cannot compile model '%s': %s\n", model->name, error ? error : "unknown error");
        free(error);
        nm_graph_free(backward);
        nm_ntm_free(ntm);
        return NM_EXIT_ERROR;
    }
    nm_sequence_model *sequence = nm_sequence_model_new(ntm, backward, engine, steps);
    nm_sequence_model_randomize(sequence, options->seed, 0.5);

    size_t input_size = (size_t)batch * (size_t)spec.inputs, output_size = (size_t)batch * (size_t)spec.outputs;
    double **inputs = nm_xcalloc((size_t)steps, sizeof *inputs);
    double **targets = nm_xcalloc((size_t)steps, sizeof *targets);
    unsigned char *mask = nm_xcalloc((size_t)steps, 1);
    for (int t = 0; t < steps; t++) {
        inputs[t] = nm_xcalloc(input_size, sizeof **inputs);
        targets[t] = nm_xcalloc(output_size, sizeof **targets);
    }
    nm_random_batch(options->seed, steps, input_size, output_size, inputs, targets, mask);
    nm_sequence_batch data = {steps, (const double *const *)inputs, (const double *const *)targets, mask};

    printf("gradcheck of model %s: %d steps, batch %d, double precision, engine %s, seed %llu\n",
           model->name, steps, batch, engine->name, (unsigned long long)options->seed);
    nm_gradcheck_result *results = nm_xcalloc((size_t)sequence->param_count + 1, sizeof *results);
    nm_gradcheck(sequence, &data, (size_t)options->samples, options->seed, results);
    int status = nm_report(results, sequence->param_count);

    free(results);
    for (int t = 0; t < steps; t++) {
        free(inputs[t]);
        free(targets[t]);
    }
    free(inputs);
    free(targets);
    free(mask);
    nm_sequence_model_free(sequence);
    return status;
}

int nm_command_gradcheck(nm_args *args)
{
    nm_gradcheck_options options;
    int status = nm_parse_gradcheck(args, &options);
    if (status != NM_EXIT_OK)
        return status < 0 ? NM_EXIT_OK : status;
    nm_diag diag;
    nm_diag_init(&diag, stderr);
    bool ok;
    nm_program *program = nm_driver_load(&diag, options.file, NULL, NULL, &ok);
    const nm_model *model = ok ? nm_driver_pick_model(program, options.model) : NULL;
    status = model ? nm_run_gradcheck(args, &options, program, model) : NM_EXIT_ERROR;
    nm_program_free(program);
    return status;
}

/* The model's spec with its inputs and outputs: given in the model, or
 * those of the task of its train declaration. */
static bool nm_driver_model_spec(const nm_program *program, const nm_model *model, nm_ntm_spec *spec)
{
    *spec = model->spec;
    const nm_train_spec *train = nm_program_find_train(program, model->name);
    if (!model->sized && train) {
        spec->inputs = nm_task_inputs(&train->task);
        spec->outputs = nm_task_outputs(&train->task);
    }
    if (spec->inputs > 0 && spec->outputs > 0)
        return true;
    fprintf(stderr, "nmc: error: model '%s' gives no inputs and outputs; add 'inputs N; outputs M;' or a train "
                    "declaration of the model\n",
            model->name);
    return false;
}

bool nm_driver_check_batch(const nm_args *args, const char *name, const nm_ntm_spec *spec, uint64_t batch)
{
    nm_model_size size = nm_model_measure(spec);
    if (size.parameters > NM_MAX_PARAMETERS) {
        nm_usage_error(args, "model '%s' has %llu parameters with %d inputs and %d outputs; the limit is %d; "
                             "use fewer inputs or outputs",
                       name, (unsigned long long)size.parameters, spec->inputs, spec->outputs,
                       NM_MAX_PARAMETERS);
        return false;
    }
    uint64_t largest = nm_model_max_batch(&size);
    if (batch <= largest)
        return true;
    nm_usage_error(args, "--batch %llu is too large for model '%s': its largest tensor has %llu elements per "
                         "sequence, and a tensor may have at most %d; use --batch %llu or less",
                   (unsigned long long)batch, name, (unsigned long long)size.per_sequence, NM_MAX_TENSOR_ELEMENTS,
                   (unsigned long long)largest);
    return false;
}

bool nm_driver_model_batch(const nm_args *args, const nm_program *program, const nm_model *model, uint64_t batch)
{
    nm_ntm_spec spec = model->spec;
    const nm_train_spec *train = nm_program_find_train(program, model->name);
    if (!model->sized && train) {
        spec.inputs = nm_task_inputs(&train->task);
        spec.outputs = nm_task_outputs(&train->task);
    }
    /* Building the cells reports a model without sizes. */
    return spec.inputs <= 0 || spec.outputs <= 0 || nm_driver_check_batch(args, model->name, &spec, batch);
}

/* --emit=graph: the forward cell, then its backward cell. */
bool nm_emit_model_graph(const nm_program *program, const nm_model *model, int batch, nm_buf *out)
{
    nm_ntm_spec spec;
    if (!nm_driver_model_spec(program, model, &spec))
        return false;
    nm_ntm *ntm = nm_ntm_build(&spec, batch);
    nm_graph *backward = nm_graph_backward(ntm->cell);
    nm_buf_printf(out, "# forward cell of model %s (batch %d): %d nodes, %zu parameters\n", model->name,
                  batch, ntm->cell->count, nm_ntm_parameter_count(ntm));
    nm_graph_print(ntm->cell, out);
    nm_buf_printf(out, "\n# backward cell: %d nodes\n", backward->count);
    nm_graph_print(backward, out);
    nm_graph_free(backward);
    nm_ntm_free(ntm);
    return true;
}

/* --emit=llvm --model NAME: the IR of the two step functions, in the
 * precision of the model's train declaration (f32 without one). */
bool nm_emit_model_llvm(const nm_program *program, const nm_model *model, int batch, bool optimize, nm_buf *out)
{
    nm_ntm_spec spec;
    if (!nm_driver_model_spec(program, model, &spec))
        return false;
    const nm_train_spec *train = nm_program_find_train(program, model->name);
    nm_dtype dtype = train ? train->dtype : NM_F32;
    nm_ntm *ntm = nm_ntm_build(&spec, batch);
    nm_graph *backward = nm_graph_backward(ntm->cell);
    char *error = NULL;
    char *ir = nm_cell_jit_ir(ntm->cell, backward, dtype, optimize, &error);
    if (ir) {
        nm_buf_printf(out, "; step functions of model %s (batch %d, %s, %s)\n", model->name, batch,
                      dtype == NM_F32 ? "f32" : "f64", optimize ? "optimised" : "as generated");
        nm_buf_printf(out, "%s", ir);
        free(ir);
    } else {
        fprintf(stderr, "nmc: error: cannot generate the IR of model '%s': %s\n", model->name,
                error ? error : "unknown error");
        free(error);
    }
    nm_graph_free(backward);
    nm_ntm_free(ntm);
    return ir != NULL;
}
