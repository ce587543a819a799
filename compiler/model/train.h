/* Checked task and train declarations: what a model learns, from which
 * data, with which optimiser and for how long. */
#ifndef NM_TRAIN_H
#define NM_TRAIN_H

#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "model.h"
#include "optim.h"
#include "tasks.h"
#include "tensor/graph.h"
#include "tensor/sequence.h"

/* Bits per vector of a task. */
#define NM_MAX_TASK_WIDTH 1024
/* Vectors per sequence, and copies of it in repeat copy. */
#define NM_MAX_TASK_LENGTH 1000
/* Sequences per update. */
#define NM_MAX_BATCH 4096

struct nm_program;

typedef struct nm_task {
    const char *name;
    nm_loc loc;
    nm_task_spec spec;
} nm_task;

typedef struct nm_train_spec {
    const char *name;              /* the model's name */
    nm_loc loc;
    const nm_model *model;
    const char *task_name;
    nm_task_spec task;             /* the task with the call's options */
    nm_optimizer_spec optimizer;
    int batch;
    uint64_t sequences;            /* training sequences in all */
    uint64_t seed;
    uint64_t eval_every;           /* training sequences between evaluations */
    int eval_sequences;
    bool curriculum;
    int curriculum_min, curriculum_max, curriculum_step;
    uint64_t curriculum_every;
    nm_dtype dtype;
    nm_weight_init init;             /* of the weights */
} nm_train_spec;

nm_task *nm_task_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl);
nm_train_spec *nm_train_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl,
                              const struct nm_program *program);

#endif
