/* nmc train and nmc eval. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "json.h"
#include "model/model.h"
#include "model/train.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

typedef struct nm_train_command {
    const char *file;
    const char *train;
    const char *sequences, *seed, *length, *repeats;
    const char *checkpoint;
    const char *log;
    bool resume, json, interp, quiet;
} nm_train_command;

static int nm_train_usage(void)
{
    printf("usage: nmc train FILE [--train MODEL] [OPTIONS]\n\n"
           "Trains a model as its train declaration says: train MODEL on TASK(...) { ... }.\n"
           "On a terminal a progress line shows the sequences done, the cost, the speed and\n"
           "the time left; each evaluation prints one line.\n\n"
           "  --train MODEL      the train declaration of MODEL (needed when FILE has several)\n"
           "  --sequences N      train until N sequences in all (default: the declaration's)\n"
           "  --seed S           seed of the parameters and the data (default: the declaration's)\n"
           "  --checkpoint F     write a checkpoint (safetensors) to F at each evaluation and at\n"
           "                     the end; an existing F is never overwritten without --resume\n"
           "  --resume           continue the run saved in the checkpoint; the rest of the run\n"
           "                     is identical to a run that never stopped\n"
           "  --log F.csv        one row per evaluation: sequences, seconds, costs, bit errors;\n"
           "                     an existing F is never overwritten without --resume\n"
           "  --json             print a final JSON object instead of the evaluation lines\n"
           "  --quiet            print neither the progress line nor the evaluation lines\n"
           "  --interp           run the reference interpreter (double precision) instead of\n"
           "                     the JIT\n");
    return NM_EXIT_OK;
}

static int nm_eval_usage(void)
{
    printf("usage: nmc eval FILE --checkpoint F [--train MODEL] [OPTIONS]\n\n"
           "Evaluates the parameters of a checkpoint on fresh sequences of the task of the\n"
           "train declaration, at its lengths or at a length given here, to test\n"
           "generalisation beyond the lengths seen in training.\n\n"
           "  --checkpoint F     the checkpoint, from nmc train\n"
           "  --train MODEL      the train declaration of MODEL (needed when FILE has several)\n"
           "  --length L         sequences of exactly L vectors\n"
           "  --repeats R        repeat copy: exactly R copies\n"
           "  --sequences N      sequences to evaluate, exactly (default 1000)\n"
           "  --seed S           seed of the evaluation data (default 1000003)\n"
           "  --json             print a JSON object\n"
           "  --interp           run the reference interpreter instead of the JIT\n");
    return NM_EXIT_OK;
}

/* Returns NM_EXIT_OK, NM_EXIT_USAGE, or -1 after printing the help. */
static int nm_parse_train_command(nm_args *args, nm_train_command *command, bool eval)
{
    memset(command, 0, sizeof *command);
    bool failed = false;
    while (args->index < args->count && !failed) {
        const char *arg = args->values[args->index];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            (eval ? nm_eval_usage : nm_train_usage)();
            return -1;
        }
        if (nm_take_value(args, "--train", &command->train, &failed)
            || nm_take_value(args, "--sequences", &command->sequences, &failed)
            || nm_take_value(args, "--seed", &command->seed, &failed)
            || nm_take_value(args, "--checkpoint", &command->checkpoint, &failed)
            || (!eval && nm_take_value(args, "--log", &command->log, &failed))
            || (eval && nm_take_value(args, "--length", &command->length, &failed))
            || (eval && nm_take_value(args, "--repeats", &command->repeats, &failed)))
            continue;
        if (nm_take_flag(args, "--json")) {
            command->json = true;
            continue;
        }
        if (nm_take_flag(args, "--interp")) {
            command->interp = true;
            continue;
        }
        if (!eval && nm_take_flag(args, "--resume")) {
            command->resume = true;
            continue;
        }
        if (!eval && nm_take_flag(args, "--quiet")) {
            command->quiet = true;
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            nm_usage_error(args, "unknown option '%s'", arg);
            return NM_EXIT_USAGE;
        }
        if (command->file) {
            nm_usage_error(args, "more than one file given ('%s' and '%s')", command->file, arg);
            return NM_EXIT_USAGE;
        }
        command->file = arg;
        args->index++;
    }
    if (failed)
        return NM_EXIT_USAGE;
    if (!command->file) {
        nm_usage_error(args, "missing FILE");
        return NM_EXIT_USAGE;
    }
    if (eval && !command->checkpoint) {
        nm_usage_error(args, "missing --checkpoint F, the checkpoint to evaluate");
        return NM_EXIT_USAGE;
    }
    if (command->resume && !command->checkpoint) {
        nm_usage_error(args, "--resume needs --checkpoint F, the checkpoint of the run to continue");
        return NM_EXIT_USAGE;
    }
    bool empty_log = command->log && command->log[0] == '\0';
    if (empty_log || (command->checkpoint && command->checkpoint[0] == '\0')) {
        nm_usage_error(args, "invalid %s ''; name a file, such as %s", empty_log ? "--log" : "--checkpoint",
                       empty_log ? "run.csv" : "run.st");
        return NM_EXIT_USAGE;
    }
    if (command->checkpoint && command->log && nm_path_same_file(command->checkpoint, command->log)) {
        nm_usage_error(args, "--checkpoint and --log both name '%s'; give the log another file, such as run.csv",
                       command->log);
        return NM_EXIT_USAGE;
    }
    return NM_EXIT_OK;
}

/* Parses option NAME's value as a whole number from LOW to HIGH. */
static bool nm_parse_bounded(const nm_args *args, const char *name, const char *text, uint64_t low, uint64_t high,
                             uint64_t *value)
{
    if (!text)
        return true;
    if (!nm_parse_count(args, name, text, value))
        return false;
    if (*value < low || *value > high) {
        nm_usage_error(args, "%s must be from %llu to %llu", name, (unsigned long long)low,
                       (unsigned long long)high);
        return false;
    }
    return true;
}

/* The train declaration to run: the one of MODEL, or the only one of the
 * root file. */
static const nm_train_spec *nm_pick_train(const nm_program *program, const char *model)
{
    const nm_train_spec *spec = nm_program_find_train(program, model);
    if (spec)
        return spec;
    if (model) {
        fprintf(stderr, "nmc: error: %s has no train declaration for model '%s'\n", program->root->name, model);
        return NULL;
    }
    size_t count = 0;
    for (size_t i = 0; i < program->trains.count; i++)
        count += program->trains.items[i]->loc.source == program->root;
    if (count == 0)
        fprintf(stderr,
                "nmc: error: %s declares no training; add 'train MODEL on TASK { ... }' (see the stdlib module std/ntm)\n",
                program->root->name);
    else
        fprintf(stderr, "nmc: error: %s declares %zu trainings; choose one with --train MODEL\n",
                program->root->name, count);
    return NULL;
}

static const char *nm_dtype_text(nm_dtype dtype)
{
    return dtype == NM_F32 ? "f32" : "f64";
}

static void nm_print_train_json(const nm_train_spec *spec, const nm_train_result *result)
{
    nm_json json;
    nm_json_init(&json);
    nm_json_begin_object(&json);
    nm_json_key(&json, "model");
    nm_json_string(&json, spec->model->name);
    nm_json_key(&json, "task");
    nm_json_string(&json, spec->task_name);
    nm_json_key(&json, "engine");
    nm_json_string(&json, result->engine);
    nm_json_key(&json, "precision");
    nm_json_string(&json, nm_dtype_text(result->dtype));
    nm_json_key(&json, "sequences");
    nm_json_uint(&json, result->sequences);
    nm_json_key(&json, "trained");
    nm_json_uint(&json, result->trained);
    nm_json_key(&json, "cost_bits");
    nm_json_double(&json, result->eval.cost_bits);
    nm_json_key(&json, "bit_errors");
    nm_json_double(&json, result->eval.bit_errors);
    nm_json_key(&json, "train_cost_bits");
    nm_json_double(&json, result->train_cost_bits);
    nm_json_key(&json, "eval_sequences");
    nm_json_uint(&json, (uint64_t)result->eval.sequences);
    nm_json_key(&json, "seconds");
    nm_json_double(&json, result->seconds);
    nm_json_key(&json, "sequences_per_second");
    nm_json_double(&json, result->sequences_per_second);
    nm_json_key(&json, "compile_seconds");
    nm_json_double(&json, result->compile_seconds);
    nm_json_key(&json, "parameters");
    nm_json_uint(&json, result->parameters);
    nm_json_end_object(&json);
    printf("%s\n", json.data);
    nm_json_free(&json);
}

static int nm_run_train(const nm_train_command *command, const nm_args *args, const nm_program *program)
{
    const nm_train_spec *spec = nm_pick_train(program, command->train);
    if (!spec)
        return NM_EXIT_ERROR;
    nm_train_options options = {.spec = spec, .file = command->file, .checkpoint = command->checkpoint,
                                .resume = command->resume, .log_path = command->log, .interp = command->interp};
    if (!nm_parse_bounded(args, "--sequences", command->sequences, 1, UINT64_C(1) << 50, &options.sequences))
        return NM_EXIT_USAGE;
    if (command->seed) {
        if (!nm_parse_bounded(args, "--seed", command->seed, 0, UINT64_C(9007199254740991), &options.seed))
            return NM_EXIT_USAGE;
        options.seed_given = true;
    }
    options.progress = !command->quiet && !command->json && isatty(STDERR_FILENO);
    options.report = command->quiet || command->json ? NULL : stdout;
    if (options.report)
        printf("training %s on %s: %s, batch %d, %s\n", spec->model->name, spec->task_name,
               command->interp ? "interpreter" : "jit", spec->batch,
               nm_dtype_text(command->interp ? NM_F64 : spec->dtype));
    nm_train_result result;
    if (nm_train(&options, &result) != 0)
        return NM_EXIT_ERROR;
    if (result.interrupted) {
        fprintf(stderr, "nmc: interrupted at sequence %llu", (unsigned long long)result.sequences);
        if (command->checkpoint)
            fprintf(stderr, "; the checkpoint %s contains the run so far: continue it with --resume\n",
                    command->checkpoint);
        else
            fprintf(stderr, "; no checkpoint was written (pass --checkpoint FILE to keep one)\n");
        return NM_EXIT_INTERRUPTED;
    }
    if (result.up_to_date)
        fprintf(stderr,
                "nmc: note: nothing left to train: the checkpoint %s already contains %llu sequences, the number "
                "that %s requests, so it was left unchanged; pass a larger --sequences to train on\n",
                command->checkpoint, (unsigned long long)result.sequences,
                command->sequences ? "--sequences" : "the train declaration");
    if (command->json)
        nm_print_train_json(spec, &result);
    else if (!command->quiet && !result.up_to_date)
        printf("trained %llu sequences in %.1f s (%.1f sequences/s, compiled in %.3f s); %zu parameters; "
               "final cost %.4g bits, %.4g bit errors per sequence\n",
               (unsigned long long)result.trained, result.seconds, result.sequences_per_second,
               result.compile_seconds, result.parameters, result.eval.cost_bits, result.eval.bit_errors);
    return NM_EXIT_OK;
}

static int nm_run_eval(const nm_train_command *command, const nm_args *args, const nm_program *program)
{
    const nm_train_spec *spec = nm_pick_train(program, command->train);
    if (!spec)
        return NM_EXIT_ERROR;
    uint64_t sequences = 1000, seed = 1000003, length = 0, repeats = 0;
    if (!nm_parse_bounded(args, "--sequences", command->sequences, 1, NM_MAX_EVAL_SEQUENCES, &sequences)
        || !nm_parse_bounded(args, "--seed", command->seed, 0, UINT64_C(9007199254740991), &seed)
        || !nm_parse_bounded(args, "--length", command->length, 1, NM_MAX_TASK_LENGTH, &length)
        || !nm_parse_bounded(args, "--repeats", command->repeats, 1, NM_MAX_TASK_LENGTH, &repeats))
        return NM_EXIT_USAGE;
    if (repeats && spec->task.kind != NM_TASK_REPEAT_COPY) {
        nm_usage_error(args, "--repeats applies to repeat copy, but model '%s' trains on %s", spec->model->name,
                       spec->task_name);
        return NM_EXIT_USAGE;
    }
    nm_eval_options options = {spec, command->file, command->checkpoint, (int)length, (int)repeats,
                               (int)sequences, seed, command->interp};
    nm_eval_result result;
    if (nm_eval_checkpoint(&options, &result) != 0)
        return NM_EXIT_ERROR;
    if (command->json) {
        nm_json json;
        nm_json_init(&json);
        nm_json_begin_object(&json);
        nm_json_key(&json, "model");
        nm_json_string(&json, spec->model->name);
        nm_json_key(&json, "task");
        nm_json_string(&json, spec->task_name);
        nm_json_key(&json, "sequences");
        nm_json_uint(&json, (uint64_t)result.sequences);
        nm_json_key(&json, "min_length");
        nm_json_uint(&json, (uint64_t)result.min_length);
        nm_json_key(&json, "max_length");
        nm_json_uint(&json, (uint64_t)result.max_length);
        if (result.repeats) {
            nm_json_key(&json, "repeats");
            nm_json_uint(&json, (uint64_t)result.repeats);
        }
        nm_json_key(&json, "cost_bits");
        nm_json_double(&json, result.cost_bits);
        nm_json_key(&json, "bit_errors");
        nm_json_double(&json, result.bit_errors);
        nm_json_end_object(&json);
        printf("%s\n", json.data);
        nm_json_free(&json);
    } else {
        printf("%s on %s, %d sequence%s of length %d", spec->model->name, spec->task_name, result.sequences,
               result.sequences == 1 ? "" : "s", result.min_length);
        if (result.max_length != result.min_length)
            printf(" .. %d", result.max_length);
        if (result.repeats)
            printf(", %d repeats", result.repeats);
        printf(": cost %.4g bits, %.4g bit errors per sequence\n", result.cost_bits, result.bit_errors);
    }
    return NM_EXIT_OK;
}

static int nm_train_or_eval(nm_args *args, bool eval)
{
    nm_train_command command;
    int status = nm_parse_train_command(args, &command, eval);
    if (status != NM_EXIT_OK)
        return status < 0 ? NM_EXIT_OK : status;
    nm_diag diag;
    nm_diag_init(&diag, stderr);
    bool ok;
    nm_program *program = nm_driver_load(&diag, command.file, NULL, NULL, &ok);
    status = !ok ? NM_EXIT_ERROR : eval ? nm_run_eval(&command, args, program) : nm_run_train(&command, args, program);
    nm_program_free(program);
    return status;
}

int nm_command_train(nm_args *args)
{
    return nm_train_or_eval(args, false);
}

int nm_command_eval(nm_args *args)
{
    return nm_train_or_eval(args, true);
}
