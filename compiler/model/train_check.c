/* Task and train declarations.
 *
 *   task copy = copy { width 8; length 1 .. 20; }
 *   task repeat_copy = repeat_copy { width 8; length 1 .. 10; repeats 1 .. 10; }
 *
 *   train copy_ntm on copy(width 8, length 1 .. 20) {
 *       loss bce;
 *       optimizer rmsprop(lr 1e-4, momentum 0.9, decay 0.95, epsilon 1e-4);
 *       clip value 10;               (also: clip norm 5;)
 *       batch 1;
 *       sequences 50000;
 *       seed 1;
 *       evaluate every 1000 on 64;   (every N training sequences, on M fresh ones)
 *       curriculum length 1 .. 5 step 1 every 1000;
 *       precision f32;
 *   }
 *
 * The options of the call override those of the task declaration; the
 * model takes its input and output sizes from the task.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "program.h"
#include "train.h"

static bool nm_value_number(nm_diag *diag, const nm_value *value, double *out)
{
    if (!value || value->kind != NM_VALUE_NUMBER) {
        if (value)
            nm_error(diag, value->loc, "expected a number here");
        return false;
    }
    errno = 0;
    char *end;
    *out = strtod(value->text, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(*out)) {
        nm_error(diag, value->loc, "invalid number '%s'", value->text);
        return false;
    }
    return true;
}

static bool nm_value_count(nm_diag *diag, const nm_value *value, double low, double high, const char *what,
                           double *out)
{
    if (!nm_value_number(diag, value, out))
        return false;
    if (*out != floor(*out) || *out < low || *out > high) {
        nm_error(diag, value->loc, "invalid %s '%s'; expected a whole number from %.0f to %.0f", what,
                 value->text, low, high);
        return false;
    }
    return true;
}

static bool nm_value_range(nm_diag *diag, const nm_value *value, int low, int high, const char *what,
                           int *first, int *last)
{
    if (value->kind != NM_VALUE_RANGE) {
        nm_error(diag, value->loc, "'%s' takes a range, as in 1 .. 20", what);
        return false;
    }
    double a, b;
    if (!nm_value_count(diag, value->low, low, high, what, &a) || !nm_value_count(diag, value->high, low, high, what, &b))
        return false;
    if (a > b) {
        nm_error(diag, value->loc, "empty %s range %s .. %s; the first value must not exceed the second", what,
                 value->low->text, value->high->text);
        return false;
    }
    *first = (int)a;
    *last = (int)b;
    return true;
}

/* An option of a task: `width 8` or `length 1 .. 20`, from a declaration
 * body or from a call argument. */
static void nm_task_option(nm_diag *diag, nm_task_spec *task, const char *name, nm_loc loc, const nm_values *values)
{
    const nm_value *value = values->count == 1 ? values->items[0] : NULL;
    if (!value) {
        nm_error(diag, loc, "'%s' takes one value", name);
        return;
    }
    double number;
    if (strcmp(name, "width") == 0) {
        if (nm_value_count(diag, value, 1, NM_MAX_TASK_WIDTH, "width", &number))
            task->width = (int)number;
    } else if (strcmp(name, "length") == 0) {
        nm_value_range(diag, value, 1, NM_MAX_TASK_LENGTH, "length", &task->min_length, &task->max_length);
    } else if (strcmp(name, "repeats") == 0 && task->kind == NM_TASK_REPEAT_COPY) {
        nm_value_range(diag, value, 1, NM_MAX_TASK_LENGTH, "repeats", &task->min_repeats, &task->max_repeats);
    } else {
        nm_error(diag, loc, "unknown option '%s' of a %s task; expected %s", name,
                 task->kind == NM_TASK_COPY ? "copy" : "repeat copy",
                 task->kind == NM_TASK_REPEAT_COPY ? "width, length or repeats" : "width or length");
    }
}

nm_task *nm_task_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl)
{
    nm_task *task = nm_arena_calloc(arena, 1, sizeof *task);
    task->name = decl->name;
    task->loc = decl->name_loc;
    if (strcmp(decl->kind_name, "copy") == 0) {
        task->spec = (nm_task_spec){NM_TASK_COPY, 8, 1, 20, 1, 1};
    } else if (strcmp(decl->kind_name, "repeat_copy") == 0) {
        task->spec = (nm_task_spec){NM_TASK_REPEAT_COPY, 8, 1, 10, 1, 10};
    } else {
        nm_error(diag, decl->kind_loc, "unknown task kind '%s'; expected copy or repeat_copy", decl->kind_name);
        return NULL;
    }
    int errors = diag->errors;
    for (const nm_option *option = decl->options; option; option = option->next) {
        const nm_option *first = decl->options;
        while (first != option && strcmp(first->name, option->name) != 0)
            first = first->next;
        if (first != option) {
            nm_error(diag, option->loc, "duplicate '%s' in task '%s'; keep only one", option->name, decl->name);
            nm_note(diag, first->loc, "first given here");
            continue;
        }
        nm_task_option(diag, &task->spec, option->name, option->loc, &option->values);
    }
    return diag->errors == errors ? task : NULL;
}

/* Named arguments of a call, as in rmsprop(lr 1e-4, momentum 0.9): each
 * argument is a name and one number. */
static bool nm_named_argument(nm_diag *diag, const nm_value *call, size_t index, const char **name,
                              const nm_value **value)
{
    const nm_values *argument = &call->args[index];
    if (argument->count != 2 || argument->items[0]->kind != NM_VALUE_NAME) {
        nm_error(diag, call->loc, "each argument of %s(...) is a name and a value, as in %s(lr 1e-4)",
                 call->text, call->text);
        return false;
    }
    *name = argument->items[0]->text;
    *value = argument->items[1];
    return true;
}

static void nm_check_optimizer(nm_diag *diag, const nm_option *option, nm_optimizer_spec *spec)
{
    const nm_value *call = option->values.count == 1 ? option->values.items[0] : NULL;
    if (!call || (call->kind != NM_VALUE_CALL && call->kind != NM_VALUE_NAME)) {
        nm_error(diag, option->loc, "'optimizer' takes rmsprop(...), adam(...) or sgd(...)");
        return;
    }
    double clip_value = spec->clip_value, clip_norm = spec->clip_norm;
    if (strcmp(call->text, "rmsprop") == 0) {
        nm_optimizer_defaults(spec);
    } else if (strcmp(call->text, "adam") == 0) {
        nm_optimizer_defaults(spec);
        *spec = (nm_optimizer_spec){NM_OPTIMIZER_ADAM, 1e-3, 0, 0, 0.9, 0.999, 1e-8, 0, 0};
    } else if (strcmp(call->text, "sgd") == 0) {
        *spec = (nm_optimizer_spec){NM_OPTIMIZER_SGD, 1e-2, 0.9, 0, 0, 0, 0, 0, 0};
    } else {
        nm_error(diag, call->loc, "unknown optimizer '%s'; expected rmsprop, adam or sgd", call->text);
        return;
    }
    spec->clip_value = clip_value;
    spec->clip_norm = clip_norm;
    for (size_t a = 0; call->kind == NM_VALUE_CALL && a < call->arg_count; a++) {
        const char *name;
        const nm_value *value;
        double number;
        if (!nm_named_argument(diag, call, a, &name, &value))
            continue;
        size_t first = 0;
        while (first < a
               && !(call->args[first].count == 2 && call->args[first].items[0]->kind == NM_VALUE_NAME
                    && strcmp(call->args[first].items[0]->text, name) == 0))
            first++;
        if (first < a) {
            nm_error(diag, call->args[a].items[0]->loc, "duplicate '%s' in %s(...); keep only one", name,
                     call->text);
            nm_note(diag, call->args[first].items[0]->loc, "first given here");
            continue;
        }
        if (!nm_value_number(diag, value, &number))
            continue;
        double *target = strcmp(name, "lr") == 0                                           ? &spec->lr
                         : strcmp(name, "momentum") == 0 && spec->kind != NM_OPTIMIZER_ADAM ? &spec->momentum
                         : strcmp(name, "decay") == 0 && spec->kind == NM_OPTIMIZER_RMSPROP ? &spec->decay
                         : strcmp(name, "beta1") == 0 && spec->kind == NM_OPTIMIZER_ADAM    ? &spec->beta1
                         : strcmp(name, "beta2") == 0 && spec->kind == NM_OPTIMIZER_ADAM    ? &spec->beta2
                         : strcmp(name, "epsilon") == 0 && spec->kind != NM_OPTIMIZER_SGD   ? &spec->epsilon
                                                                                            : NULL;
        if (!target) {
            nm_error(diag, call->args[a].items[0]->loc, "%s has no setting '%s'", call->text, name);
            continue;
        }
        /* The rates that weigh the old state against the new gradient lie
         * in [0, 1).  The learning rate and epsilon are positive, because an
         * epsilon of 0 divides 0 by 0 where a gradient is 0. */
        bool fraction = target == &spec->decay || target == &spec->beta1 || target == &spec->beta2
                        || target == &spec->momentum;
        if (fraction ? number < 0 || number >= 1 : number <= 0) {
            nm_error(diag, value->loc, "invalid %s %s for %s; expected %s", name, value->text, call->text,
                     fraction ? "a number from 0 up to but not including 1" : "a positive number");
            continue;
        }
        *target = number;
    }
}

static void nm_check_clip(nm_diag *diag, const nm_option *option, nm_optimizer_spec *spec)
{
    const nm_values *values = &option->values;
    double number;
    if (values->count != 2 || values->items[0]->kind != NM_VALUE_NAME
        || (strcmp(values->items[0]->text, "value") != 0 && strcmp(values->items[0]->text, "norm") != 0)) {
        nm_error(diag, option->loc, "'clip' takes 'value LIMIT' or 'norm LIMIT', as in 'clip value 10;'");
        return;
    }
    if (!nm_value_number(diag, values->items[1], &number))
        return;
    if (number <= 0) {
        nm_error(diag, values->items[1]->loc, "a clipping limit must be positive");
        return;
    }
    if (strcmp(values->items[0]->text, "value") == 0)
        spec->clip_value = number;
    else
        spec->clip_norm = number;
}

/* evaluate every N on M; */
static void nm_check_evaluate(nm_diag *diag, const nm_option *option, nm_train_spec *spec)
{
    const nm_values *values = &option->values;
    double every, count;
    bool shaped = values->count == 4 && values->items[0]->kind == NM_VALUE_NAME
                  && strcmp(values->items[0]->text, "every") == 0 && values->items[2]->kind == NM_VALUE_NAME
                  && strcmp(values->items[2]->text, "on") == 0;
    if (!shaped) {
        nm_error(diag, option->loc, "'evaluate' takes 'every N on M', as in 'evaluate every 1000 on 64;'");
        return;
    }
    if (nm_value_count(diag, values->items[1], 1, 1e12, "evaluation interval", &every)
        && nm_value_count(diag, values->items[3], 1, 1e6, "number of evaluation sequences", &count)) {
        spec->eval_every = (uint64_t)every;
        spec->eval_sequences = (int)count;
    }
}

/* curriculum length A .. B step S every N; */
static void nm_check_curriculum(nm_diag *diag, const nm_option *option, nm_train_spec *spec)
{
    const nm_values *values = &option->values;
    bool shaped = values->count == 6 && values->items[0]->kind == NM_VALUE_NAME
                  && strcmp(values->items[0]->text, "length") == 0 && values->items[2]->kind == NM_VALUE_NAME
                  && strcmp(values->items[2]->text, "step") == 0 && values->items[4]->kind == NM_VALUE_NAME
                  && strcmp(values->items[4]->text, "every") == 0;
    if (!shaped) {
        nm_error(diag, option->loc, "'curriculum' takes 'length A .. B step S every N', as in "
                                    "'curriculum length 1 .. 5 step 1 every 1000;'");
        return;
    }
    double step, every;
    if (nm_value_range(diag, values->items[1], 1, NM_MAX_TASK_LENGTH, "length", &spec->curriculum_min,
                       &spec->curriculum_max)
        && nm_value_count(diag, values->items[3], 1, NM_MAX_TASK_LENGTH, "curriculum step", &step)
        && nm_value_count(diag, values->items[5], 1, 1e12, "curriculum interval", &every)) {
        spec->curriculum = true;
        spec->curriculum_step = (int)step;
        spec->curriculum_every = (uint64_t)every;
    }
}

/* init lecun; init xavier; init xavier(1.4); init uniform(0.1); */
static void nm_check_init_option(nm_diag *diag, const nm_option *option, nm_weight_init *init)
{
    const nm_value *value = option->values.count == 1 ? option->values.items[0] : NULL;
    const char *usage = "'init' takes lecun, xavier or uniform(BOUND), as in 'init xavier;' or 'init uniform(0.1);'; "
                        "lecun and xavier take an optional gain, as in 'init xavier(1.4);'";
    if (!value || (value->kind != NM_VALUE_NAME && value->kind != NM_VALUE_CALL)) {
        nm_error(diag, option->loc, "%s", usage);
        return;
    }
    nm_weight_init spec = {NM_WEIGHTS_LECUN, 1.0};
    if (strcmp(value->text, "xavier") == 0)
        spec.kind = NM_WEIGHTS_XAVIER;
    else if (strcmp(value->text, "uniform") == 0)
        spec.kind = NM_WEIGHTS_UNIFORM;
    else if (strcmp(value->text, "lecun") != 0) {
        nm_error(diag, value->loc, "unknown initialisation '%s'; %s", value->text, usage);
        return;
    }
    bool call = value->kind == NM_VALUE_CALL;
    if (spec.kind == NM_WEIGHTS_UNIFORM && !call) {
        nm_error(diag, value->loc, "uniform needs its bound, as in 'init uniform(0.1);'");
        return;
    }
    if (call) {
        const nm_values *argument = value->arg_count == 1 ? &value->args[0] : NULL;
        double number;
        if (!argument || argument->count != 1) {
            nm_error(diag, value->loc, "%s(...) takes one number", value->text);
            return;
        }
        if (!nm_value_number(diag, argument->items[0], &number))
            return;
        if (number <= 0) {
            nm_error(diag, argument->items[0]->loc, "the %s of %s must be positive",
                     spec.kind == NM_WEIGHTS_UNIFORM ? "bound" : "gain", value->text);
            return;
        }
        spec.scale = number;
    }
    *init = spec;
}

static void nm_check_train_option(nm_diag *diag, const nm_option *option, nm_train_spec *spec)
{
    const char *name = option->name;
    const nm_value *value = option->values.count == 1 ? option->values.items[0] : NULL;
    double number;
    if (strcmp(name, "loss") == 0) {
        if (!value || value->kind != NM_VALUE_NAME || strcmp(value->text, "bce") != 0)
            nm_error(diag, option->loc, "'loss' takes bce (binary cross-entropy from logits)");
    } else if (strcmp(name, "optimizer") == 0) {
        nm_check_optimizer(diag, option, &spec->optimizer);
    } else if (strcmp(name, "clip") == 0) {
        nm_check_clip(diag, option, &spec->optimizer);
    } else if (strcmp(name, "batch") == 0) {
        if (nm_value_count(diag, value, 1, NM_MAX_BATCH, "batch size", &number))
            spec->batch = (int)number;
    } else if (strcmp(name, "sequences") == 0) {
        if (nm_value_count(diag, value, 1, 1e12, "number of sequences", &number))
            spec->sequences = (uint64_t)number;
    } else if (strcmp(name, "seed") == 0) {
        if (nm_value_count(diag, value, 0, 9007199254740991.0, "seed", &number))
            spec->seed = (uint64_t)number;
    } else if (strcmp(name, "evaluate") == 0) {
        nm_check_evaluate(diag, option, spec);
    } else if (strcmp(name, "curriculum") == 0) {
        nm_check_curriculum(diag, option, spec);
    } else if (strcmp(name, "init") == 0) {
        nm_check_init_option(diag, option, &spec->init);
    } else if (strcmp(name, "precision") == 0) {
        if (value && value->kind == NM_VALUE_NAME && (strcmp(value->text, "f32") == 0 || strcmp(value->text, "f64") == 0))
            spec->dtype = strcmp(value->text, "f32") == 0 ? NM_F32 : NM_F64;
        else
            nm_error(diag, option->loc, "'precision' takes f32 or f64");
    } else {
        nm_error(diag, option->loc,
                 "unknown option '%s' of a train declaration; expected loss, optimizer, clip, batch, "
                 "sequences, seed, evaluate, curriculum, init or precision",
                 name);
    }
}

/* Returns the earlier argument of TASK with the name of argument INDEX,
 * or NULL.  Arguments that are not a name and a value are skipped. */
static const nm_value *nm_first_task_argument(const nm_value *task, size_t index)
{
    const char *name = task->args[index].items[0]->text;
    for (size_t a = 0; a < index; a++) {
        const nm_values *argument = &task->args[a];
        if (argument->count >= 2 && argument->items[0]->kind == NM_VALUE_NAME
            && strcmp(argument->items[0]->text, name) == 0)
            return argument->items[0];
    }
    return NULL;
}

/* Returns whether two options of a train declaration set the same thing.
 * Options of the same name do, except 'clip value' and 'clip norm'. */
static bool nm_same_train_option(const nm_option *a, const nm_option *b)
{
    if (strcmp(a->name, b->name) != 0)
        return false;
    if (strcmp(a->name, "clip") != 0 || a->values.count == 0 || b->values.count == 0)
        return true;
    const nm_value *x = a->values.items[0], *y = b->values.items[0];
    return x->kind != NM_VALUE_NAME || y->kind != NM_VALUE_NAME || strcmp(x->text, y->text) == 0;
}

/* Returns the earlier option of FIRST's list that OPTION repeats, or NULL. */
static const nm_option *nm_first_train_option(const nm_option *first, const nm_option *option)
{
    for (; first != option; first = first->next)
        if (nm_same_train_option(first, option))
            return first;
    return NULL;
}

/* Checks the model's parameters with the task's inputs and outputs, and
 * the batch against the largest tensor of a cell. */
static void nm_check_train_size(nm_diag *diag, const nm_decl *decl, const nm_train_spec *spec,
                                const nm_value *batch)
{
    nm_ntm_spec ntm = spec->model->spec;
    ntm.inputs = nm_task_inputs(&spec->task);
    ntm.outputs = nm_task_outputs(&spec->task);
    nm_model_size size = nm_model_measure(&ntm);
    if (size.parameters > NM_MAX_PARAMETERS) {
        nm_error(diag, decl->name_loc,
                 "model '%s' has %llu parameters with the %d inputs and %d outputs of its task; the limit "
                 "is %d; use a smaller controller, a narrower memory or fewer heads",
                 decl->name, (unsigned long long)size.parameters, ntm.inputs, ntm.outputs, NM_MAX_PARAMETERS);
        return;
    }
    uint64_t largest = nm_model_max_batch(&size);
    if ((uint64_t)spec->batch <= largest)
        return;
    nm_error(diag, batch ? batch->loc : decl->name_loc,
             "batch %d is too large for model '%s': its largest tensor has %llu elements per sequence, "
             "and a tensor may have at most %d; use a batch of at most %llu",
             spec->batch, decl->name, (unsigned long long)size.per_sequence, NM_MAX_TENSOR_ELEMENTS,
             (unsigned long long)largest);
}

nm_train_spec *nm_train_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl, const struct nm_program *program)
{
    nm_train_spec *spec = nm_arena_calloc(arena, 1, sizeof *spec);
    spec->name = decl->name;
    spec->loc = decl->name_loc;
    const nm_model *model = nm_program_find_model(program, decl->name);
    const nm_task *task = nm_program_find_task(program, decl->task->text);
    /* A declaration that failed its own checks was reported already. */
    const nm_decl *model_decl = nm_program_find_decl(program, decl->name);
    const nm_decl *task_decl = nm_program_find_decl(program, decl->task->text);
    if (!model && !(model_decl && model_decl->kind == NM_DECL_MODEL))
        nm_error(diag, decl->name_loc, "unknown model '%s'; declare it with 'model %s = ntm { ... }'",
                 decl->name, decl->name);
    if (!task && !(task_decl && task_decl->kind == NM_DECL_TASK))
        nm_error(diag, decl->task->loc, "unknown task '%s'; the tasks copy and repeat_copy come with "
                                        "'import \"std/tasks\";'",
                 decl->task->text);
    /* The options are checked even when the model failed its own checks,
     * so that one run reports the errors of both declarations. */
    if (!task)
        return NULL;
    spec->model = model;
    spec->task_name = task->name;
    spec->task = task->spec;
    nm_optimizer_defaults(&spec->optimizer);
    spec->batch = 1;
    spec->sequences = 50000;
    spec->seed = 1;
    spec->eval_every = 1000;
    spec->eval_sequences = 64;
    spec->dtype = NM_F32;
    spec->init = (nm_weight_init){NM_WEIGHTS_LECUN, 1.0};

    int errors = diag->errors;
    for (size_t a = 0; a < decl->task->arg_count; a++) {
        const nm_values *argument = &decl->task->args[a];
        if (argument->count < 2 || argument->items[0]->kind != NM_VALUE_NAME) {
            nm_error(diag, decl->task->loc, "each argument of a task is a name and a value, as in copy(width 8)");
            continue;
        }
        const nm_value *first = nm_first_task_argument(decl->task, a);
        if (first) {
            nm_error(diag, argument->items[0]->loc, "duplicate argument '%s' of task '%s'; keep only one",
                     first->text, decl->task->text);
            nm_note(diag, first->loc, "first given here");
            continue;
        }
        nm_values rest = {argument->items + 1, argument->count - 1, 0};
        nm_task_option(diag, &spec->task, argument->items[0]->text, argument->items[0]->loc, &rest);
    }
    const nm_value *batch = NULL;
    for (const nm_option *option = decl->options; option; option = option->next) {
        const nm_option *first = nm_first_train_option(decl->options, option);
        if (first) {
            bool clip = strcmp(option->name, "clip") == 0 && option->values.count > 0
                        && option->values.items[0]->kind == NM_VALUE_NAME;
            nm_error(diag, option->loc, "duplicate '%s%s%s' in the train declaration of model '%s'; keep only one",
                     option->name, clip ? " " : "", clip ? option->values.items[0]->text : "", decl->name);
            nm_note(diag, first->loc, "first given here");
            continue;
        }
        nm_check_train_option(diag, option, spec);
        if (strcmp(option->name, "batch") == 0 && option->values.count == 1)
            batch = option->values.items[0];
    }
    if (!model)
        return NULL;
    const nm_ntm_spec *ntm = &model->spec;
    if (model->sized && (ntm->inputs != nm_task_inputs(&spec->task) || ntm->outputs != nm_task_outputs(&spec->task)))
        nm_error(diag, decl->name_loc,
                 "model '%s' has %d inputs and %d outputs, but the task needs %d and %d; remove the sizes "
                 "from the model or change them",
                 model->name, ntm->inputs, ntm->outputs, nm_task_inputs(&spec->task),
                 nm_task_outputs(&spec->task));
    else if (diag->errors == errors)
        nm_check_train_size(diag, decl, spec, batch);
    return diag->errors == errors ? spec : NULL;
}
