/* Training checkpoints; see checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safetensors.h"
#include "util/arena.h"

/* Settings a checkpoint records, as text; those before NM_FIRST_RUN_SETTING
 * describe the model and must match to evaluate, the rest must match too
 * to resume. */
enum {
    NM_SETTING_INPUTS,
    NM_SETTING_OUTPUTS,
    NM_SETTING_CONTROLLER,
    NM_SETTING_MEMORY,
    NM_SETTING_HEADS,
    NM_SETTING_SHIFTS,
    NM_SETTING_ACTIVATIONS,
    NM_SETTING_INIT,
    NM_SETTING_EPSILON,
    NM_FIRST_RUN_SETTING,
    NM_SETTING_PRECISION = NM_FIRST_RUN_SETTING,
    NM_SETTING_TASK,
    NM_SETTING_OPTIMIZER,
    NM_SETTING_BATCH,
    NM_SETTING_SEED,
    NM_SETTING_CURRICULUM,
    NM_SETTINGS
};

static const char *const nm_setting_keys[NM_SETTINGS] = {
    "model.inputs", "model.outputs",     "model.controller", "model.memory", "model.heads",
    "model.shifts", "model.activations", "model.init",       "model.epsilon", "precision",
    "task",         "optimizer",         "batch",            "seed",          "curriculum",
};

static char *nm_printf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    char *text = nm_xmalloc((size_t)length + 1);
    va_start(args, format);
    vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

/* ---- paths and finite values ------------------------------------------------ */

size_t nm_first_nonfinite(const void *data, size_t count, bool doubles)
{
    /* A value is NaN or infinite when its exponent bits are all set.  The
     * first pass tests the bits without branches, which the compiler
     * vectorises; the second looks for the entry only when there is one. */
    const unsigned char *bytes = data;
    uint32_t bad = 0;
    if (doubles) {
        for (size_t i = 0; i < count; i++) {
            uint64_t bits;
            memcpy(&bits, bytes + i * sizeof(double), sizeof bits);
            bad |= (~(uint32_t)(bits >> 32) & 0x7FF00000u) == 0;
        }
    } else {
        for (size_t i = 0; i < count; i++) {
            uint32_t bits;
            memcpy(&bits, bytes + i * sizeof(float), sizeof bits);
            bad |= (~bits & 0x7F800000u) == 0;
        }
    }
    for (size_t i = 0; bad && i < count; i++)
        if (doubles ? !isfinite(((const double *)data)[i]) : !isfinite(((const float *)data)[i]))
            return i;
    return count;
}

/* The maximum number of symbolic links followed, as Linux allows for one path (MAXSYMLINKS). */
#define NM_MAX_LINKS 40

char *nm_path_follow_links(const char *path)
{
    char *current = nm_xstrdup(path);
    for (int depth = 0; depth < NM_MAX_LINKS; depth++) {
        struct stat info;
        if (lstat(current, &info) != 0 || !S_ISLNK(info.st_mode))
            break;
        char target[PATH_MAX];
        ssize_t length = readlink(current, target, sizeof target - 1);
        if (length <= 0)
            break;
        target[length] = '\0';
        const char *slash = strrchr(current, '/');
        char *next = target[0] == '/' || !slash ? nm_xstrdup(target)
                                                : nm_printf("%.*s/%s", (int)(slash - current), current, target);
        free(current);
        current = next;
    }
    return current;
}

/* The real path of PATH's directory joined with its name, or a copy of PATH
 * when the directory does not resolve. */
static char *nm_path_canonical(const char *path)
{
    char *followed = nm_path_follow_links(path);
    const char *slash = strrchr(followed, '/');
    char *directory = slash ? nm_printf("%.*s", (int)(slash - followed), followed) : nm_xstrdup(".");
    if (slash && slash == followed) {
        free(directory);
        directory = nm_xstrdup("/");
    }
    char resolved[PATH_MAX];
    char *canonical = realpath(directory, resolved) ? nm_printf("%s/%s", resolved, slash ? slash + 1 : followed)
                                                 : nm_xstrdup(followed);
    free(directory);
    free(followed);
    return canonical;
}

bool nm_path_same_file(const char *a, const char *b)
{
    struct stat info_a, info_b;
    bool exists_a = stat(a, &info_a) == 0, exists_b = stat(b, &info_b) == 0;
    if (exists_a && exists_b)
        return info_a.st_dev == info_b.st_dev && info_a.st_ino == info_b.st_ino;
    if (exists_a || exists_b)
        return false;
    char *canonical_a = nm_path_canonical(a), *canonical_b = nm_path_canonical(b);
    bool same = strcmp(canonical_a, canonical_b) == 0;
    free(canonical_a);
    free(canonical_b);
    return same;
}

int nm_path_check_writable(const char *path)
{
    if (path[0] == '\0')
        return ENOENT;
    char *target = nm_path_follow_links(path);
    struct stat info;
    bool exists = stat(target, &info) == 0;
    int status = 0;
    if (exists && S_ISDIR(info.st_mode)) {
        status = EISDIR;
    } else if (!exists || S_ISREG(info.st_mode)) {
        /* The same name as the writers give their temporary files. */
        char *temporary = nm_printf("%s.tmp.%ld", target, (long)getpid());
        int descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (descriptor < 0) {
            status = errno;
        } else {
            close(descriptor);
            unlink(temporary);
        }
        free(temporary);
    }
    free(target);
    return status;
}

/* The shortest of %.15g and %.17g that reads back as VALUE. */
static const char *nm_number(double value, char text[32])
{
    snprintf(text, 32, "%.15g", value);
    if (strtod(text, NULL) != value)
        snprintf(text, 32, "%.17g", value);
    return text;
}

static char *nm_init_text(nm_state_init init)
{
    if (init.kind == NM_STATE_LEARNED)
        return nm_xstrdup("learned");
    char number[32];
    return nm_printf("%s(%s)", init.kind == NM_STATE_CONSTANT ? "constant" : "random", nm_number(init.value, number));
}

static char *nm_controller_text(const nm_ntm_spec *ntm)
{
    char sizes[NM_NTM_MAX_LAYERS * 12] = "";
    for (int l = 0; l < ntm->layers; l++)
        snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), "%s%d", l ? ", " : "", ntm->sizes[l]);
    if (ntm->controller == NM_CONTROLLER_LSTM)
        return nm_printf("lstm(%s)", sizes);
    return nm_printf("feedforward(%s) %s", sizes, nm_activation_name(ntm->hidden_activation));
}

static char *nm_activations_text(const nm_ntm_spec *ntm)
{
    static const char *const names[NM_HEAD_PARAMS] = {"key", "beta", "gate", "shift", "gamma", "erase", "add"};
    char text[512] = "";
    for (int p = 0; p < NM_HEAD_PARAMS; p++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s %s, ", names[p],
                 nm_activation_name(ntm->activations[p]));
    snprintf(text + strlen(text), sizeof text - strlen(text), "output %s", nm_activation_name(ntm->output_activation));
    return nm_xstrdup(text);
}

static char *nm_task_text(const nm_train_spec *spec)
{
    const nm_task_spec *task = &spec->task;
    if (task->kind == NM_TASK_COPY)
        return nm_printf("copy(width %d, length %d .. %d)", task->width, task->min_length, task->max_length);
    return nm_printf("repeat_copy(width %d, length %d .. %d, repeats %d .. %d)", task->width, task->min_length,
                     task->max_length, task->min_repeats, task->max_repeats);
}

static char *nm_optimizer_text(const nm_optimizer_spec *o)
{
    char clip[96] = "", a[32], b[32], c[32], d[32];
    if (o->clip_value > 0)
        snprintf(clip, sizeof clip, ", clip value %s", nm_number(o->clip_value, a));
    if (o->clip_norm > 0)
        snprintf(clip + strlen(clip), sizeof clip - strlen(clip), ", clip norm %s", nm_number(o->clip_norm, a));
    switch (o->kind) {
    case NM_OPTIMIZER_RMSPROP:
        return nm_printf("rmsprop(lr %s, momentum %s, decay %s, epsilon %s)%s", nm_number(o->lr, a),
                         nm_number(o->momentum, b), nm_number(o->decay, c), nm_number(o->epsilon, d), clip);
    case NM_OPTIMIZER_ADAM:
        return nm_printf("adam(lr %s, beta1 %s, beta2 %s, epsilon %s)%s", nm_number(o->lr, a), nm_number(o->beta1, b),
                         nm_number(o->beta2, c), nm_number(o->epsilon, d), clip);
    case NM_OPTIMIZER_SGD:
        return nm_printf("sgd(lr %s, momentum %s)%s", nm_number(o->lr, a), nm_number(o->momentum, b), clip);
    }
    return nm_xstrdup("unknown");
}

/* Every setting of SPEC run in PRECISION with SEED, as text. */
static void nm_settings(const nm_train_spec *spec, nm_dtype precision, uint64_t seed, char **values)
{
    const nm_ntm_spec *ntm = &spec->model->spec;
    values[NM_SETTING_INPUTS] = nm_printf("%d", nm_task_inputs(&spec->task));
    values[NM_SETTING_OUTPUTS] = nm_printf("%d", nm_task_outputs(&spec->task));
    values[NM_SETTING_CONTROLLER] = nm_controller_text(ntm);
    values[NM_SETTING_MEMORY] = nm_printf("%d x %d", ntm->rows, ntm->width);
    values[NM_SETTING_HEADS] = nm_printf("%d read, %d write", ntm->read_heads, ntm->write_heads);
    values[NM_SETTING_SHIFTS] = nm_printf("-%d .. %d", ntm->shift_range, ntm->shift_range);
    values[NM_SETTING_ACTIVATIONS] = nm_activations_text(ntm);
    char *memory = nm_init_text(ntm->memory_init), *read = nm_init_text(ntm->read_init),
         *weighting = nm_init_text(ntm->weighting_init);
    values[NM_SETTING_INIT] = nm_printf("memory %s, read %s, weighting %s", memory, read, weighting);
    free(memory);
    free(read);
    free(weighting);
    char number[32];
    values[NM_SETTING_EPSILON] = nm_xstrdup(nm_number(ntm->epsilon, number));
    values[NM_SETTING_PRECISION] = nm_xstrdup(precision == NM_F32 ? "f32" : "f64");
    values[NM_SETTING_TASK] = nm_task_text(spec);
    values[NM_SETTING_OPTIMIZER] = nm_optimizer_text(&spec->optimizer);
    values[NM_SETTING_BATCH] = nm_printf("%d", spec->batch);
    values[NM_SETTING_SEED] = nm_printf("%" PRIu64, seed);
    values[NM_SETTING_CURRICULUM] =
        spec->curriculum ? nm_printf("length %d .. %d step %d every %" PRIu64, spec->curriculum_min,
                                     spec->curriculum_max, spec->curriculum_step, spec->curriculum_every)
                         : nm_xstrdup("none");
}

static void nm_free_settings(char **values)
{
    for (int i = 0; i < NM_SETTINGS; i++)
        free(values[i]);
}

/* FNV-1a, 64 bits, over every tensor's name and bytes. */
static uint64_t nm_fnv(uint64_t hash, const void *data, size_t bytes)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < bytes; i++)
        hash = (hash ^ p[i]) * 0x100000001B3ull;
    return hash;
}

static uint64_t nm_checksum(const nm_st_tensor *tensors, int count)
{
    uint64_t hash = 0xCBF29CE484222325ull;
    for (int t = 0; t < count; t++) {
        hash = nm_fnv(hash, tensors[t].name, strlen(tensors[t].name) + 1);
        hash = nm_fnv(hash, tensors[t].data, tensors[t].bytes);
    }
    return hash;
}

/* A state's shape for one sequence: without the batch dimension. */
static nm_shape nm_state_shape(const nm_node *node)
{
    nm_shape shape = node->shape;
    for (int d = 1; d < shape.rank; d++)
        shape.dims[d - 1] = shape.dims[d];
    shape.rank--;
    return shape;
}

static void nm_set_shape(nm_st_tensor *tensor, nm_shape shape)
{
    tensor->rank = shape.rank;
    for (int d = 0; d < shape.rank; d++)
        tensor->shape[d] = shape.dims[d];
}

bool nm_checkpoint_save(const char *path, const nm_train_spec *spec, const nm_sequence_model *model,
                        const nm_optimizer *optimizer, const nm_checkpoint_state *state, char **error)
{
    bool doubles = model->engine->dtype == NM_F64;
    for (int p = 0; p < model->param_count; p++) {
        size_t at = nm_first_nonfinite(model->params[p], model->param_sizes[p], doubles);
        if (at < model->param_sizes[p]) {
            *error = nm_printf("the checkpoint %s was not written: parameter '%s' is not finite at entry %zu", path,
                               model->param_names[p], at);
            return false;
        }
    }
    int params = model->param_count;
    int count = params * (1 + optimizer->slot_count) + 2 + model->ntm->state_count;
    nm_st_tensor *tensors = nm_xcalloc((size_t)count, sizeof *tensors);
    nm_st_dtype dtype = model->engine->dtype == NM_F32 ? NM_ST_F32 : NM_ST_F64;
    int n = 0;
    for (int p = 0; p < params; p++, n++) {
        tensors[n].name = nm_printf("param.%s", model->param_names[p]);
        tensors[n].dtype = dtype;
        nm_set_shape(&tensors[n], nm_sequence_param_shape(model, p));
        tensors[n].data = model->params[p];
        tensors[n].bytes = model->param_sizes[p] * model->element;
    }
    for (int s = 0; s < optimizer->slot_count; s++) {
        for (int p = 0; p < params; p++, n++) {
            tensors[n].name = nm_printf("optimizer.%s.%s", nm_optimizer_slot_name(optimizer, s), model->param_names[p]);
            tensors[n].dtype = NM_ST_F64;
            nm_set_shape(&tensors[n], nm_sequence_param_shape(model, p));
            tensors[n].data = optimizer->slots[s][p];
            tensors[n].bytes = model->param_sizes[p] * sizeof(double);
        }
    }
    /* Random initial states are drawn once per run, so they travel with it. */
    for (int s = 0; s < model->ntm->state_count; s++) {
        if (model->ntm->states[s].init.kind != NM_STATE_RANDOM)
            continue;
        const nm_node *node = &model->ntm->cell->nodes[model->ntm->states[s].node];
        nm_shape shape = nm_state_shape(node);
        tensors[n].name = nm_printf("initial.%s", node->name);
        tensors[n].dtype = dtype;
        nm_set_shape(&tensors[n], shape);
        tensors[n].data = model->initial_states[s];
        tensors[n].bytes = nm_shape_size(shape) * model->element;
        n++;
    }
    uint64_t counters[4] = {state->sequences, state->generator, state->updates, state->counted};
    double sums[2] = {state->cost_sum, state->error_sum};
    tensors[n] = (nm_st_tensor){nm_xstrdup("trainer.counters"), NM_ST_U64, 1, {4}, counters, sizeof counters};
    n++;
    tensors[n] = (nm_st_tensor){nm_xstrdup("trainer.sums"), NM_ST_F64, 1, {2}, sums, sizeof sums};
    n++;

    char *values[NM_SETTINGS];
    nm_settings(spec, model->engine->dtype, state->seed, values);
    nm_st_metadata metadata[NM_SETTINGS + 4];
    int m = 0;
    metadata[m++] = (nm_st_metadata){"format", NM_CHECKPOINT_FORMAT};
    for (int i = 0; i < NM_SETTINGS; i++)
        metadata[m++] = (nm_st_metadata){(char *)nm_setting_keys[i], values[i]};
    char *sequences = nm_printf("%" PRIu64, state->sequences);
    char *seconds = nm_printf("%.17g", state->seconds);
    char *checksum = nm_printf("%016" PRIx64, nm_checksum(tensors, n));
    metadata[m++] = (nm_st_metadata){"sequences", sequences};
    metadata[m++] = (nm_st_metadata){"seconds", seconds};
    metadata[m++] = (nm_st_metadata){"checksum", checksum};

    char *target = nm_path_follow_links(path);
    bool ok = nm_safetensors_write(target, tensors, n, metadata, m, error);
    free(target);
    nm_free_settings(values);
    free(sequences);
    free(seconds);
    free(checksum);
    for (int t = 0; t < n; t++)
        free(tensors[t].name);
    free(tensors);
    return ok;
}

static char *nm_error_text(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    char *text = malloc((size_t)length + 1);
    if (!text)
        return NULL;
    va_start(args, format);
    vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

bool nm_checkpoint_check_readable(const char *path, char **error)
{
    struct stat info;
    if (path[0] == '\0') {
        *error = nm_error_text("invalid checkpoint path ''; name the checkpoint file");
        return false;
    }
    if (stat(path, &info) != 0) {
        *error = nm_error_text("cannot open the checkpoint '%s': %s; check the path", path, strerror(errno));
        return false;
    }
    if (S_ISDIR(info.st_mode)) {
        *error = nm_error_text("the checkpoint '%s' is a directory, not a file; name the checkpoint file inside it",
                               path);
        return false;
    }
    if (access(path, R_OK) != 0) {
        *error = nm_error_text("cannot read the checkpoint '%s': %s", path, strerror(errno));
        return false;
    }
    return true;
}

bool nm_checkpoint_precision(const char *path, nm_dtype *dtype, char **error)
{
    if (!nm_checkpoint_check_readable(path, error))
        return false;
    nm_safetensors *file = nm_safetensors_read(path, error);
    if (!file)
        return false;
    const char *precision = nm_safetensors_get_metadata(file, "precision");
    bool ok = precision && (strcmp(precision, "f32") == 0 || strcmp(precision, "f64") == 0);
    if (ok)
        *dtype = strcmp(precision, "f32") == 0 ? NM_F32 : NM_F64;
    else
        *error = nm_error_text("%s is not an nmc checkpoint: it records no precision", path);
    nm_safetensors_free(file);
    return ok;
}

/* The checkpoint's tensors in file order, for the checksum. */
static bool nm_verify_checksum(const char *path, const nm_safetensors *file, char **error)
{
    const char *stored = nm_safetensors_get_metadata(file, "checksum");
    char computed[17];
    snprintf(computed, sizeof computed, "%016" PRIx64, nm_checksum(file->tensors, file->tensor_count));
    if (!stored) {
        *error = nm_error_text("%s is not an nmc checkpoint: it has no checksum", path);
        return false;
    }
    if (strcmp(stored, computed) != 0) {
        *error = nm_error_text("%s is corrupt: its checksum is %s but its tensors sum to %s; restore it from a "
                               "copy or start the run again",
                               path, stored, computed);
        return false;
    }
    return true;
}

static bool nm_check_settings(const char *path, const char *source, const nm_safetensors *file,
                              char *const *values, int count, bool resuming, char **error)
{
    for (int i = 0; i < count; i++) {
        const char *stored = nm_safetensors_get_metadata(file, nm_setting_keys[i]);
        if (!stored) {
            *error = nm_error_text("%s records no %s; it was not written by this version of nmc", path,
                                   nm_setting_keys[i]);
            return false;
        }
        if (strcmp(stored, values[i]) != 0) {
            *error = nm_error_text("%s does not match %s: its %s is '%s', but the %s has '%s'; %s", path, source,
                                   nm_setting_keys[i], stored, resuming ? "run" : "model", values[i],
                                   resuming ? "run with the checkpoint's settings, or give a new --checkpoint to "
                                              "start another run"
                                            : "evaluate it with the model it was trained as");
            return false;
        }
    }
    return true;
}

/* Finds NAME with the shape of parameter P and DTYPE (or, when CONVERT,
 * either float type). */
static const nm_st_tensor *nm_find_tensor(const char *path, const nm_safetensors *file, const char *name,
                                          nm_shape shape, nm_st_dtype dtype, bool convert, char **error)
{
    const nm_st_tensor *tensor = nm_safetensors_find(file, name);
    if (!tensor) {
        *error = nm_error_text("%s has no tensor '%s'; it was written for another model", path, name);
        return NULL;
    }
    bool same = tensor->rank == shape.rank;
    for (int d = 0; same && d < shape.rank; d++)
        same = tensor->shape[d] == shape.dims[d];
    if (!same) {
        char want[96] = "", have[96] = "";
        for (int d = 0; d < shape.rank; d++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", d ? ", " : "", shape.dims[d]);
        for (int d = 0; d < tensor->rank; d++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%" PRId64, d ? ", " : "",
                     tensor->shape[d]);
        *error = nm_error_text("%s: tensor '%s' has shape [%s], but the model needs [%s]", path, name, have, want);
        return NULL;
    }
    bool float_type = tensor->dtype == NM_ST_F32 || tensor->dtype == NM_ST_F64;
    if (tensor->dtype != dtype && !(convert && float_type)) {
        *error = nm_error_text("%s: tensor '%s' has the wrong element type for this run", path, name);
        return NULL;
    }
    return tensor;
}

static void nm_copy_values(void *target, nm_st_dtype target_type, const nm_st_tensor *tensor, size_t count)
{
    const unsigned char *bytes = tensor->data;
    for (size_t i = 0; i < count; i++) {
        double value;
        if (tensor->dtype == NM_ST_F32) {
            float f;
            memcpy(&f, bytes + i * 4, 4);
            value = f;
        } else {
            memcpy(&value, bytes + i * 8, 8);
        }
        if (target_type == NM_ST_F32)
            ((float *)target)[i] = (float)value;
        else
            ((double *)target)[i] = value;
    }
}

/* Checks that the COUNT values loaded from tensor NAME are finite. */
static bool nm_check_finite(const char *path, const char *name, const void *values, size_t count, bool doubles,
                            char **error)
{
    size_t at = nm_first_nonfinite(values, count, doubles);
    if (at == count)
        return true;
    double value = doubles ? ((const double *)values)[at] : ((const float *)values)[at];
    *error = nm_error_text("%s contains a value that is not finite: tensor '%s' is %s at entry %zu of %zu; the run "
                           "that wrote it diverged, so use an earlier checkpoint or start the run again",
                           path, name, isnan(value) ? "NaN" : "infinite", at, count);
    return false;
}

static bool nm_load_tensors(const char *path, const nm_safetensors *file, nm_sequence_model *model,
                            nm_optimizer *optimizer, nm_checkpoint_state *state, char **error)
{
    nm_st_dtype dtype = model->engine->dtype == NM_F32 ? NM_ST_F32 : NM_ST_F64;
    for (int p = 0; p < model->param_count; p++) {
        char *name = nm_printf("param.%s", model->param_names[p]);
        const nm_st_tensor *tensor =
            nm_find_tensor(path, file, name, nm_sequence_param_shape(model, p), dtype, !optimizer, error);
        if (tensor)
            nm_copy_values(model->params[p], dtype, tensor, model->param_sizes[p]);
        bool ok = tensor && nm_check_finite(path, name, model->params[p], model->param_sizes[p],
                                            dtype == NM_ST_F64, error);
        free(name);
        if (!ok)
            return false;
    }
    for (int s = 0; s < model->ntm->state_count; s++) {
        if (model->ntm->states[s].init.kind != NM_STATE_RANDOM)
            continue;
        const nm_node *node = &model->ntm->cell->nodes[model->ntm->states[s].node];
        nm_shape shape = nm_state_shape(node);
        char *name = nm_printf("initial.%s", node->name);
        const nm_st_tensor *tensor = nm_find_tensor(path, file, name, shape, dtype, !optimizer, error);
        if (tensor)
            nm_copy_values(model->initial_states[s], dtype, tensor, nm_shape_size(shape));
        bool ok = tensor && nm_check_finite(path, name, model->initial_states[s], nm_shape_size(shape),
                                            dtype == NM_ST_F64, error);
        free(name);
        if (!ok)
            return false;
        nm_sequence_repeat_state(model, s);
    }
    if (!optimizer)
        return true;
    for (int s = 0; s < optimizer->slot_count; s++) {
        for (int p = 0; p < model->param_count; p++) {
            char *name = nm_printf("optimizer.%s.%s", nm_optimizer_slot_name(optimizer, s), model->param_names[p]);
            const nm_st_tensor *tensor =
                nm_find_tensor(path, file, name, nm_sequence_param_shape(model, p), NM_ST_F64, false, error);
            if (tensor)
                nm_copy_values(optimizer->slots[s][p], NM_ST_F64, tensor, model->param_sizes[p]);
            bool ok = tensor && nm_check_finite(path, name, optimizer->slots[s][p], model->param_sizes[p], true,
                                                error);
            free(name);
            if (!ok)
                return false;
        }
    }
    const nm_st_tensor *counters = nm_find_tensor(path, file, "trainer.counters", (nm_shape){1, {4}}, NM_ST_U64,
                                                  false, error);
    const nm_st_tensor *sums =
        counters ? nm_find_tensor(path, file, "trainer.sums", (nm_shape){1, {2}}, NM_ST_F64, false, error) : NULL;
    if (!sums)
        return false;
    uint64_t values[4];
    double totals[2];
    memcpy(values, counters->data, sizeof values);
    memcpy(totals, sums->data, sizeof totals);
    if (!nm_check_finite(path, "trainer.sums", totals, 2, true, error))
        return false;
    state->sequences = values[0];
    state->generator = values[1];
    state->updates = values[2];
    state->counted = values[3];
    state->cost_sum = totals[0];
    state->error_sum = totals[1];
    optimizer->steps = state->updates;
    /* The checksum leaves the seconds out, so they are checked here. */
    const char *seconds = nm_safetensors_get_metadata(file, "seconds");
    char *end = NULL;
    state->seconds = seconds ? strtod(seconds, &end) : 0.0;
    if (seconds && (end == seconds || *end != '\0' || !isfinite(state->seconds) || state->seconds < 0)) {
        *error = nm_error_text("%s records invalid training seconds '%s'; expected a finite number of 0 or more: "
                               "restore the checkpoint from a copy or start the run again",
                               path, seconds);
        return false;
    }
    return true;
}

bool nm_checkpoint_load(const char *path, const char *source, const nm_train_spec *spec, nm_sequence_model *model,
                        nm_optimizer *optimizer, nm_checkpoint_state *state, char **error)
{
    if (!nm_checkpoint_check_readable(path, error))
        return false;
    nm_safetensors *file = nm_safetensors_read(path, error);
    if (!file)
        return false;
    bool ok = false;
    const char *format = nm_safetensors_get_metadata(file, "format");
    if (!format || strcmp(format, NM_CHECKPOINT_FORMAT) != 0) {
        *error = nm_error_text("%s is a safetensors file but not an nmc checkpoint (its format is %s%s%s)", path,
                               format ? "'" : "", format ? format : "not recorded", format ? "'" : "");
    } else if (nm_verify_checksum(path, file, error)) {
        char *values[NM_SETTINGS];
        nm_settings(spec, model->engine->dtype, state ? state->seed : 0, values);
        int count = optimizer ? NM_SETTINGS : NM_FIRST_RUN_SETTING;
        ok = nm_check_settings(path, source, file, values, count, optimizer != NULL, error)
             && nm_load_tensors(path, file, model, optimizer, state, error);
        nm_free_settings(values);
    }
    nm_safetensors_free(file);
    return ok;
}
