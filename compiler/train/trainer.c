/* The training loop and evaluation; see trainer.h. */
#include "trainer.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "engine.h"
#include "tensor/autodiff.h"
#include "util/arena.h"

/* Mixed into the seed for the evaluation generator and the parameters, so
 * that neither shares a stream with the training data. */
#define NM_EVAL_SALT 0x6A09E667F3BCC909ull
#define NM_PARAM_SALT 0xBB67AE8584CAA73Bull
/* Seconds between updates of the progress line. */
#define NM_PROGRESS_INTERVAL 0.25

static double nm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A model, its data buffer and logits, for batches of BATCH sequences of
 * up to MAX_STEPS steps. */
typedef struct nm_runner {
    nm_sequence_model *model;
    nm_task_batch data;
    double **logits;
    int max_steps;
    int outputs;
    double compile_seconds;
} nm_runner;

static bool nm_runner_init(nm_runner *runner, const nm_train_spec *spec, const nm_task_spec *task, int max_steps,
                           bool gradients, nm_dtype dtype, bool interp, const char *file)
{
    memset(runner, 0, sizeof *runner);
    nm_ntm_spec ntm_spec = spec->model->spec;
    ntm_spec.inputs = nm_task_inputs(task);
    ntm_spec.outputs = nm_task_outputs(task);
    nm_ntm *ntm = nm_ntm_build(&ntm_spec, spec->batch);
    nm_graph *backward = gradients ? nm_graph_backward(ntm->cell) : NULL;
    char *error = NULL;
    double start = nm_now();
    nm_cell_engine *engine = nm_make_cell_engine(ntm->cell, backward, dtype, interp, &error);
    if (!engine) {
        fprintf(stderr, "nmc: error: %s: cannot compile model '%s': %s\n", file, spec->model->name,
                error ? error : "unknown error");
        free(error);
        nm_graph_free(backward);
        nm_ntm_free(ntm);
        return false;
    }
    runner->compile_seconds = nm_now() - start;
    runner->model = nm_sequence_model_new(ntm, backward, engine, max_steps);
    runner->max_steps = max_steps;
    runner->outputs = ntm_spec.outputs;
    nm_task_batch_init(&runner->data, task, spec->batch);
    runner->logits = nm_xcalloc((size_t)max_steps, sizeof *runner->logits);
    for (int t = 0; t < max_steps; t++)
        runner->logits[t] = nm_xcalloc((size_t)spec->batch * (size_t)ntm_spec.outputs, sizeof **runner->logits);
    return true;
}

static void nm_runner_free(nm_runner *runner)
{
    if (!runner->model)
        return;
    for (int t = 0; t < runner->max_steps; t++)
        free(runner->logits[t]);
    free(runner->logits);
    nm_task_batch_free(&runner->data);
    nm_sequence_model_free(runner->model);
    memset(runner, 0, sizeof *runner);
}

static nm_sequence_batch nm_runner_batch(const nm_runner *runner)
{
    return (nm_sequence_batch){runner->data.steps, (const double *const *)runner->data.inputs,
                               (const double *const *)runner->data.targets, runner->data.mask};
}

/* Outputs that count whose sigmoid is on the wrong side of 1/2, in the
 * first ROWS sequences of the batch. */
static double nm_bit_errors(const nm_runner *runner, int rows)
{
    const nm_task_batch *data = &runner->data;
    size_t size = (size_t)rows * (size_t)runner->outputs;
    double errors = 0;
    for (int t = 0; t < data->steps; t++) {
        if (!data->mask[t])
            continue;
        for (size_t i = 0; i < size; i++)
            errors += (runner->logits[t][i] > 0) != (data->targets[t][i] > 0.5);
    }
    return errors;
}

/* Computes the cost in nats of the first ROWS sequences of the batch just
 * run from their logits, with the binary cross-entropy of nm_sequence_run. */
static double nm_rows_cost(const nm_runner *runner, int rows)
{
    const nm_task_batch *data = &runner->data;
    size_t size = (size_t)rows * (size_t)runner->outputs;
    double nats = 0;
    for (int t = 0; t < data->steps; t++) {
        if (!data->mask[t])
            continue;
        for (size_t i = 0; i < size; i++) {
            double z = runner->logits[t][i], y = data->targets[t][i];
            nats += (z > 0 ? z : 0) - z * y + log1p(exp(-fabs(z)));
        }
    }
    return nats;
}

/* Runs exactly SEQUENCES sequences from the generator seeded with SEED,
 * without gradients.  The batches are whole, and of the last one only the
 * first rows count. */
static void nm_evaluate(nm_runner *runner, const nm_task_spec *task, uint64_t seed, int sequences, int length,
                        int repeats, nm_eval_result *result)
{
    uint64_t generator = seed;
    int batch = runner->data.batch;
    double nats = 0, errors = 0;
    for (int done = 0; done < sequences; done += batch) {
        int rows = sequences - done < batch ? sequences - done : batch;
        nm_task_generate(task, &runner->data, &generator, task->min_length, task->max_length, length, repeats);
        nm_sequence_batch data = nm_runner_batch(runner);
        double cost = nm_sequence_run(runner->model, &data, false, runner->logits);
        nats += rows == batch ? cost : nm_rows_cost(runner, rows);
        errors += nm_bit_errors(runner, rows);
    }
    result->sequences = sequences;
    result->cost_bits = nats / M_LN2 / result->sequences;
    result->bit_errors = errors / result->sequences;
    result->min_length = length ? length : task->min_length;
    result->max_length = length ? length : task->max_length;
    result->repeats = repeats;
}

/* ---- the training run ------------------------------------------------------ */

typedef struct nm_trainer {
    const nm_train_options *options;
    const nm_train_spec *spec;
    nm_runner runner;
    nm_optimizer *optimizer;
    nm_checkpoint_state state;
    uint64_t total;               /* sequences to reach */
    uint64_t first;               /* sequences done when this run began */
    double recent_cost;           /* bits per sequence, smoothed, for the progress line */
    uint64_t eval_seed;
    FILE *log;
    char *log_target;             /* the log's path with its links followed */
    double start;                 /* when this run's training began */
    double last_progress;
    bool progress_shown;
    const char *last_checkpoint;  /* written by this run or resumed from */
    uint64_t checkpoint_sequences;  /* what it holds */
    uint64_t initial;             /* sequences done before this run */
    double interval_rate;         /* sequences per second since the last evaluation */
} nm_trainer;

/* The largest training length after DONE sequences. */
static int nm_curriculum_length(const nm_train_spec *spec, uint64_t done)
{
    if (!spec->curriculum)
        return spec->task.max_length;
    uint64_t stages = done / spec->curriculum_every;
    uint64_t length = (uint64_t)spec->curriculum_min + stages * (uint64_t)spec->curriculum_step;
    if (length > (uint64_t)spec->curriculum_max)
        length = (uint64_t)spec->curriculum_max;
    if (length > (uint64_t)spec->task.max_length)
        length = (uint64_t)spec->task.max_length;
    return (int)length;
}

static void nm_clear_progress(nm_trainer *trainer)
{
    if (trainer->progress_shown) {
        fputs("\r\033[K", stderr);
        trainer->progress_shown = false;
    }
}

static void nm_format_duration(double seconds, char *text, size_t size)
{
    if (!isfinite(seconds) || seconds < 0)
        snprintf(text, size, "?");
    else if (seconds < 60)
        snprintf(text, size, "%.0fs", seconds);
    else if (seconds < 3600)
        snprintf(text, size, "%dm%02ds", (int)(seconds / 60), (int)fmod(seconds, 60));
    else
        snprintf(text, size, "%dh%02dm", (int)(seconds / 3600), (int)fmod(seconds / 60, 60));
}

static double nm_rate(const nm_trainer *trainer, double now)
{
    double elapsed = now - trainer->start;
    return elapsed > 0 ? (double)(trainer->state.sequences - trainer->first) / elapsed : 0;
}

static void nm_show_progress(nm_trainer *trainer)
{
    double now = nm_now();
    if (!trainer->options->progress || now - trainer->last_progress < NM_PROGRESS_INTERVAL)
        return;
    trainer->last_progress = now;
    double rate = nm_rate(trainer, now);
    char left[32];
    nm_format_duration(rate > 0 ? (double)(trainer->total - trainer->state.sequences) / rate : -1, left, sizeof left);
    fprintf(stderr, "\r\033[Ksequences %" PRIu64 "/%" PRIu64 "  cost %.4g bits  %.1f sequences/s  %s left",
            trainer->state.sequences, trainer->total, trainer->recent_cost, rate, left);
    fflush(stderr);
    trainer->progress_shown = true;
}

/* ---- the log ---------------------------------------------------------------- */

#define NM_LOG_HEADER                                                                                                \
    "sequences,seconds,train_cost_bits,eval_cost_bits,eval_bit_errors,eval_length,train_bit_errors,max_length\n"

/* Keeps the header and the rows up to SEQUENCES of an existing log, so that
 * a resumed run's log reads as if the run had never stopped.  A log that is
 * not a regular file, such as a device, is left alone. */
static bool nm_trim_log(const char *path, uint64_t sequences)
{
    struct stat info;
    if (stat(path, &info) != 0)
        return errno == ENOENT;
    if (!S_ISREG(info.st_mode))
        return true;
    FILE *in = fopen(path, "r");
    if (!in)
        return false;
    size_t length = strlen(path) + 32;
    char *temporary = nm_xmalloc(length);
    snprintf(temporary, length, "%s.tmp.%ld", path, (long)getpid());
    FILE *out = fopen(temporary, "w");
    bool ok = out != NULL;
    char line[4096];
    bool first = true;
    while (ok && fgets(line, sizeof line, in)) {
        bool keep = first;
        if (!first) {
            char *end;
            errno = 0;
            unsigned long long row = strtoull(line, &end, 10);
            keep = end != line && *end == ',' && errno == 0 && row <= sequences;
        }
        first = false;
        if (keep)
            ok = fputs(line, out) >= 0;
    }
    ok = !ferror(in) && ok;
    fclose(in);
    if (out)
        ok = fclose(out) == 0 && ok;
    ok = ok && rename(temporary, path) == 0;
    int error = errno;
    if (!ok)
        remove(temporary);
    free(temporary);
    errno = error;
    return ok;
}

/* Flushes the log.  Returns false, after a message naming the reason, when
 * a write failed. */
static bool nm_flush_log(nm_trainer *trainer)
{
    errno = 0;
    if (fflush(trainer->log) == 0 && !ferror(trainer->log))
        return true;
    int error = errno ? errno : EIO;
    nm_clear_progress(trainer);
    fprintf(stderr, "nmc: error: failed to write the log %s: %s; free some space or choose another --log\n",
            trainer->options->log_path, strerror(error));
    return false;
}

static bool nm_open_log(nm_trainer *trainer)
{
    const char *path = trainer->options->log_path;
    if (!path)
        return true;
    const char *target = trainer->log_target;
    bool append = false;
    if (trainer->options->resume) {
        if (!nm_trim_log(target, trainer->state.sequences)) {
            fprintf(stderr, "nmc: error: cannot update the log %s: %s\n", path, strerror(errno));
            return false;
        }
        /* An empty log gets its header again. */
        struct stat info;
        append = stat(target, &info) == 0 && (!S_ISREG(info.st_mode) || info.st_size > 0);
    }
    trainer->log = fopen(target, append ? "a" : "w");
    if (!trainer->log) {
        fprintf(stderr, "nmc: error: cannot write the log %s: %s\n", path, strerror(errno));
        return false;
    }
    if (!append)
        fputs(NM_LOG_HEADER, trainer->log);
    return nm_flush_log(trainer);
}

/* ---- evaluation, checkpoints and failures ------------------------------------ */

/* Prints the notes after a run stopped on a value that is not finite: what
 * to change, and which checkpoint was kept. */
static void nm_report_notes(const nm_trainer *trainer)
{
    fprintf(stderr, "nmc: note: lower the learning rate, clip the gradients ('clip norm 10;') or use 'precision f64;'\n");
    if (trainer->last_checkpoint)
        fprintf(stderr, "nmc: note: the last good checkpoint, %s, was kept; it contains the run up to sequence %" PRIu64
                "\n", trainer->last_checkpoint, trainer->checkpoint_sequences);
    else if (!trainer->options->checkpoint)
        fprintf(stderr, "nmc: note: no checkpoint was kept; pass --checkpoint FILE to keep one at each evaluation\n");
    else
        fprintf(stderr, "nmc: note: no checkpoint was written: the run stopped before its first evaluation\n");
}

/* A scheduled evaluation logs a row and starts the training cost over; the
 * final one of a run that stops between two leaves both alone, so that a
 * run resumed from there logs what an uninterrupted run would.  An
 * evaluation cost that is not finite stops the run before anything is
 * logged or saved. */
static bool nm_evaluate_run(nm_trainer *trainer, nm_train_result *result, bool scheduled)
{
    const nm_train_spec *spec = trainer->spec;
    nm_evaluate(&trainer->runner, &spec->task, trainer->eval_seed, spec->eval_sequences, 0, 0, &result->eval);
    if (!isfinite(result->eval.cost_bits)) {
        nm_clear_progress(trainer);
        fprintf(stderr, "nmc: error: training stopped at sequence %" PRIu64 ": the evaluation cost became %s\n",
                trainer->state.sequences, isnan(result->eval.cost_bits) ? "NaN" : "infinite");
        nm_report_notes(trainer);
        return false;
    }
    double seconds = trainer->state.seconds;
    double train_cost = trainer->state.counted ? trainer->state.cost_sum / (double)trainer->state.counted : NAN;
    double train_errors = trainer->state.counted ? trainer->state.error_sum / (double)trainer->state.counted : NAN;
    result->train_cost_bits = train_cost;
    int max_length = nm_curriculum_length(spec, trainer->state.sequences ? trainer->state.sequences - 1 : 0);
    if (trainer->log && scheduled) {
        fprintf(trainer->log, "%" PRIu64 ",%.3f,%.6g,%.6g,%.6g,%d,%.6g,%d\n", trainer->state.sequences, seconds,
                train_cost, result->eval.cost_bits, result->eval.bit_errors, result->eval.max_length, train_errors,
                max_length);
        if (!nm_flush_log(trainer))
            return false;
    }
    if (trainer->options->report) {
        nm_clear_progress(trainer);
        fprintf(trainer->options->report,
                "sequences %" PRIu64 "  train %.4g bits  eval %.4g bits  %.4g bit errors  lengths up to %d  "
                "%.1f sequences/s\n",
                trainer->state.sequences, train_cost, result->eval.cost_bits, result->eval.bit_errors, max_length,
                trainer->interval_rate);
        fflush(trainer->options->report);
    }
    if (scheduled) {
        trainer->state.cost_sum = 0;
        trainer->state.error_sum = 0;
        trainer->state.counted = 0;
    }
    return true;
}

/* Names where a NaN or infinity appeared in the batch just run. */
static void nm_report_nonfinite(nm_trainer *trainer, uint64_t first_sequence)
{
    nm_runner *runner = &trainer->runner;
    nm_sequence_batch data = nm_runner_batch(runner);
    nm_sequence_watch watch;
    nm_clear_progress(trainer);
    if (nm_sequence_locate_nonfinite(runner->model, &data, &watch)) {
        const char *what = !watch.backward ? "the value of" : strcmp(watch.tensor, "loss") == 0 ? "the" : "the gradient of";
        fprintf(stderr,
                "nmc: error: training stopped at sequence %" PRIu64 ": %s '%s' became %s at time step %d of %d in "
                "the %s pass\n",
                first_sequence + 1, what, watch.tensor, isnan(watch.value) ? "NaN" : "infinite", watch.step + 1,
                data.steps, watch.backward ? "backward" : "forward");
    } else {
        fprintf(stderr,
                "nmc: error: training stopped at sequence %" PRIu64 ": the loss or a gradient became NaN or "
                "infinite\n",
                first_sequence + 1);
    }
    nm_report_notes(trainer);
}

/* Checks that the parameters, and with STATE the optimiser's state, are
 * finite, and names the first value that is not.  The parameters are
 * checked after every update.  The optimiser's state is up to three times
 * their size, so it is checked only before a checkpoint is written. */
static bool nm_check_values(nm_trainer *trainer, uint64_t sequence, bool state)
{
    const nm_sequence_model *model = trainer->runner.model;
    const nm_optimizer *optimizer = trainer->optimizer;
    bool doubles = model->engine->dtype == NM_F64;
    const char *kind = NULL, *slot = "";
    int tensor = 0;
    size_t at = 0;
    double value = 0;
    for (int p = 0; p < model->param_count && !kind; p++) {
        at = nm_first_nonfinite(model->params[p], model->param_sizes[p], doubles);
        if (at < model->param_sizes[p]) {
            kind = "parameter";
            tensor = p;
            value = nm_sequence_get(model, model->params, p, at);
        }
    }
    for (int s = 0; state && s < optimizer->slot_count && !kind; s++) {
        for (int p = 0; p < model->param_count && !kind; p++) {
            at = nm_first_nonfinite(optimizer->slots[s][p], model->param_sizes[p], true);
            if (at < model->param_sizes[p]) {
                kind = "optimizer state";
                slot = nm_optimizer_slot_name(optimizer, s);
                tensor = p;
                value = optimizer->slots[s][p][at];
            }
        }
    }
    if (!kind)
        return true;
    nm_clear_progress(trainer);
    fprintf(stderr,
            "nmc: error: training stopped at sequence %" PRIu64 ": the %s '%s%s%s' became %s %s update %" PRIu64
            ", at entry %zu of %zu\n",
            sequence, kind, slot, *slot ? "." : "", model->param_names[tensor], isnan(value) ? "NaN" : "infinite",
            state ? "by" : "in", optimizer->steps, at, model->param_sizes[tensor]);
    nm_report_notes(trainer);
    return false;
}

static bool nm_save(nm_trainer *trainer)
{
    const char *path = trainer->options->checkpoint;
    if (!path)
        return true;
    if (!nm_check_values(trainer, trainer->state.sequences, true))
        return false;
    char *error = NULL;
    if (!nm_checkpoint_save(path, trainer->spec, trainer->runner.model, trainer->optimizer, &trainer->state, &error)) {
        nm_clear_progress(trainer);
        fprintf(stderr, "nmc: error: %s\n", error ? error : "cannot write the checkpoint");
        free(error);
        return false;
    }
    trainer->last_checkpoint = path;
    trainer->checkpoint_sequences = trainer->state.sequences;
    return true;
}

static bool nm_gradients_finite(const nm_sequence_model *model)
{
    return isfinite(nm_gradient_norm(model->grads, model->param_count, model->param_sizes,
                                     model->engine->dtype == NM_F64));
}

/* Runs one update on one batch.  Returns false, after a message, when a
 * value stopped being finite. */
static bool nm_train_batch(nm_trainer *trainer)
{
    const nm_train_spec *spec = trainer->spec;
    nm_runner *runner = &trainer->runner;
    nm_sequence_model *model = runner->model;
    uint64_t before = trainer->state.sequences;
    int max_length = nm_curriculum_length(spec, trainer->state.sequences);
    int min_length = spec->task.min_length < max_length ? spec->task.min_length : max_length;
    nm_task_generate(&spec->task, &runner->data, &trainer->state.generator, min_length, max_length, 0, 0);
    nm_sequence_batch data = nm_runner_batch(runner);
    nm_sequence_zero_grads(model);
    double nats = nm_sequence_run(model, &data, true, runner->logits);
    if (!isfinite(nats) || !nm_gradients_finite(model)) {
        nm_report_nonfinite(trainer, before);
        return false;
    }
    int batch = runner->data.batch;
    if (batch > 1) {
        for (int p = 0; p < model->param_count; p++)
            for (size_t i = 0; i < model->param_sizes[p]; i++)
                nm_sequence_set(model, model->grads, p, i, nm_sequence_get(model, model->grads, p, i) / batch);
    }
    nm_optimizer_step(trainer->optimizer, model->params, model->grads, model->engine->dtype == NM_F64);
    if (!nm_check_values(trainer, before + 1, false))
        return false;
    trainer->state.updates = trainer->optimizer->steps;
    double bits = nats / M_LN2;
    trainer->state.cost_sum += bits;
    trainer->state.error_sum += nm_bit_errors(runner, batch);
    trainer->state.counted += (uint64_t)batch;
    trainer->state.sequences += (uint64_t)batch;
    double per_sequence = bits / batch;
    trainer->recent_cost = trainer->recent_cost == 0 ? per_sequence : 0.98 * trainer->recent_cost + 0.02 * per_sequence;
    return true;
}

/* Checks before any work that the checkpoint and the log can be written,
 * and to resume that the checkpoint can be read, so that a bad path does
 * not cost a run. */
static bool nm_check_paths(const nm_train_options *options)
{
    const char *checkpoint = options->checkpoint, *log = options->log_path;
    if (options->resume && !checkpoint) {
        fprintf(stderr, "nmc: error: --resume needs --checkpoint FILE, the checkpoint to continue\n");
        return false;
    }
    struct stat info;
    if (checkpoint) {
        if (stat(checkpoint, &info) == 0 && S_ISDIR(info.st_mode)) {
            fprintf(stderr, "nmc: error: the checkpoint %s is a directory; name a file, such as %s/run.st\n",
                    checkpoint, checkpoint);
            return false;
        }
        char *error = NULL;
        if (options->resume && !nm_checkpoint_check_readable(checkpoint, &error)) {
            fprintf(stderr, "nmc: error: %s\n", error ? error : "cannot read the checkpoint");
            free(error);
            return false;
        }
        if (!options->resume && access(checkpoint, F_OK) == 0) {
            fprintf(stderr,
                    "nmc: error: the checkpoint %s exists; pass --resume to continue its run, or remove it to start "
                    "again\n",
                    checkpoint);
            return false;
        }
        int status = nm_path_check_writable(checkpoint);
        if (status) {
            fprintf(stderr,
                    "nmc: error: invalid --checkpoint %s: %s; name a file in an existing directory that you can "
                    "write to\n",
                    checkpoint, strerror(status));
            return false;
        }
    }
    if (log) {
        if (stat(log, &info) == 0 && S_ISDIR(info.st_mode)) {
            fprintf(stderr, "nmc: error: the log %s is a directory; name a file, such as %s/run.csv\n", log, log);
            return false;
        }
        /* A new run never overwrites a log that is not empty. */
        if (!options->resume && stat(log, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
            fprintf(stderr, "nmc: error: the log %s exists; %sremove it or choose another --log to start again\n",
                    log, checkpoint ? "pass --resume to continue its run, or " : "");
            return false;
        }
        int status = nm_path_check_writable(log);
        if (status) {
            fprintf(stderr,
                    "nmc: error: invalid --log %s: %s; name a file in an existing directory that you can write to\n",
                    log, strerror(status));
            return false;
        }
    }
    return true;
}

static bool nm_trainer_setup(nm_trainer *trainer, const nm_train_options *options, nm_train_result *result)
{
    const nm_train_spec *spec = options->spec;
    trainer->options = options;
    trainer->spec = spec;
    trainer->state.seed = options->seed_given ? options->seed : spec->seed;
    trainer->total = options->sequences ? options->sequences : spec->sequences;
    trainer->eval_seed = trainer->state.seed ^ NM_EVAL_SALT;
    if (!nm_check_paths(options))
        return false;
    if (options->log_path)
        trainer->log_target = nm_path_follow_links(options->log_path);
    nm_dtype dtype = options->interp ? NM_F64 : spec->dtype;
    if (!nm_runner_init(&trainer->runner, spec, &spec->task, nm_task_max_steps(&spec->task), true, dtype,
                        options->interp, options->file))
        return false;
    nm_sequence_model *model = trainer->runner.model;
    trainer->optimizer = nm_optimizer_new(&spec->optimizer, model->param_count, model->param_sizes);
    result->parameters = 0;
    for (int p = 0; p < model->param_count; p++)
        result->parameters += model->param_sizes[p];
    result->engine = model->engine->name;
    result->compile_seconds = trainer->runner.compile_seconds;
    result->dtype = model->engine->dtype;
    if (options->resume) {
        char *error = NULL;
        if (!nm_checkpoint_load(options->checkpoint, options->file, spec, model, trainer->optimizer, &trainer->state,
                                &error)) {
            fprintf(stderr, "nmc: error: %s\n", error ? error : "cannot read the checkpoint");
            free(error);
            return false;
        }
        trainer->last_checkpoint = options->checkpoint;
        trainer->checkpoint_sequences = trainer->state.sequences;
        if (trainer->state.sequences > trainer->total) {
            fprintf(stderr,
                    "nmc: error: the checkpoint %s already contains %" PRIu64 " sequences, more than the %" PRIu64
                    " that %s requests; pass --sequences above %" PRIu64 " to train on\n",
                    options->checkpoint, trainer->state.sequences, trainer->total,
                    options->sequences ? "--sequences" : "the train declaration", trainer->state.sequences);
            return false;
        }
        /* Nothing is left to train, so nothing is evaluated or written. */
        result->up_to_date = trainer->state.sequences == trainer->total;
        if (result->up_to_date)
            result->eval.cost_bits = result->eval.bit_errors = result->train_cost_bits = NAN;
    } else {
        nm_sequence_model_initialize(model, trainer->state.seed ^ NM_PARAM_SALT, spec->init);
        trainer->state.generator = trainer->state.seed;
    }
    trainer->first = trainer->state.sequences;
    trainer->initial = trainer->state.sequences;
    return result->up_to_date || nm_open_log(trainer);
}

/* Set by SIGINT and SIGTERM: the run stops after the current batch. */
static volatile sig_atomic_t nm_stop_requested;

static void nm_request_stop(int signal_number)
{
    (void)signal_number;
    nm_stop_requested = 1;
}

/* Adds the training time since the clock last started to the run's. */
static void nm_stop_clock(nm_trainer *trainer, nm_train_result *result)
{
    double elapsed = nm_now() - trainer->start;
    trainer->state.seconds += elapsed;
    result->seconds += elapsed;
    trainer->interval_rate = elapsed > 0 ? (double)(trainer->state.sequences - trainer->first) / elapsed : 0;
}

int nm_train(const nm_train_options *options, nm_train_result *result)
{
    memset(result, 0, sizeof *result);
    nm_trainer trainer;
    memset(&trainer, 0, sizeof trainer);
    bool ok = nm_trainer_setup(&trainer, options, result);
    const nm_train_spec *spec = options->spec;
    nm_stop_requested = 0;
    struct sigaction action, old_int, old_term;
    memset(&action, 0, sizeof action);
    action.sa_handler = nm_request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
    trainer.start = nm_now();
    bool evaluated = false;
    while (ok && trainer.state.sequences < trainer.total && !nm_stop_requested) {
        uint64_t before = trainer.state.sequences;
        if (!nm_train_batch(&trainer)) {
            ok = false;
            break;
        }
        nm_show_progress(&trainer);
        evaluated = before / spec->eval_every != trainer.state.sequences / spec->eval_every;
        if (evaluated) {
            nm_stop_clock(&trainer, result);
            ok = nm_evaluate_run(&trainer, result, true) && nm_save(&trainer);
            trainer.start = nm_now();
            trainer.first = trainer.state.sequences;
        }
    }
    result->interrupted = ok && nm_stop_requested;
    if (result->interrupted) {
        /* Keep what was trained: a checkpoint between two evaluations
         * resumes exactly, and the final evaluation is left for later. */
        nm_stop_clock(&trainer, result);
        ok = nm_save(&trainer);
    } else if (ok && !evaluated && !result->up_to_date) {
        nm_stop_clock(&trainer, result);
        ok = nm_evaluate_run(&trainer, result, false) && nm_save(&trainer);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    nm_clear_progress(&trainer);
    result->sequences = trainer.state.sequences;
    result->trained = trainer.state.sequences - trainer.initial;
    result->sequences_per_second = result->seconds > 0 ? (double)result->trained / result->seconds : 0;
    if (trainer.log && fclose(trainer.log) != 0 && ok) {
        fprintf(stderr, "nmc: error: failed to write the log %s: %s; free some space or choose another --log\n",
                options->log_path, strerror(errno));
        ok = false;
    }
    free(trainer.log_target);
    if (trainer.optimizer)
        nm_optimizer_free(trainer.optimizer);
    nm_runner_free(&trainer.runner);
    return ok ? 0 : 1;
}

int nm_eval_checkpoint(const nm_eval_options *options, nm_eval_result *result)
{
    const nm_train_spec *spec = options->spec;
    const nm_task_spec *task = &spec->task;
    char *error = NULL;
    nm_dtype dtype;
    if (!nm_checkpoint_precision(options->checkpoint, &dtype, &error)) {
        fprintf(stderr, "nmc: error: %s\n", error ? error : "cannot read the checkpoint");
        free(error);
        return 1;
    }
    if (options->interp)
        dtype = NM_F64;
    /* The sequences come from the trained task itself, with only their
     * length or repeat count fixed, so a repeat count beyond the trained
     * range is normalised as in training. */
    int length = options->length, repeats = options->repeats;
    int longest = length ? length : task->max_length;
    int most = repeats ? repeats : task->max_repeats;
    int max_steps = nm_task_steps(task, longest, most);
    nm_runner runner;
    if (!nm_runner_init(&runner, spec, task, max_steps, false, dtype, options->interp, options->file))
        return 1;
    int status = 0;
    if (!nm_checkpoint_load(options->checkpoint, options->file, spec, runner.model, NULL, NULL, &error)) {
        fprintf(stderr, "nmc: error: %s\n", error ? error : "cannot read the checkpoint");
        free(error);
        status = 1;
    } else {
        nm_evaluate(&runner, task, options->seed, options->sequences, length, repeats, result);
        if (!isfinite(result->cost_bits)) {
            fprintf(stderr, "nmc: error: the cost of %s on these sequences is %s, although its parameters are finite; %s\n",
                    options->checkpoint, isnan(result->cost_bits) ? "NaN" : "infinite",
                    dtype == NM_F32 ? "try --interp, which computes in double precision"
                                    : "the parameters are too large: use an earlier checkpoint");
            status = 1;
        }
    }
    nm_runner_free(&runner);
    return status;
}
