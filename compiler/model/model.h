/* Checked model declarations: `model NAME = ntm { options }` becomes the
 * specification of a Neural Turing Machine cell. */
#ifndef NM_MODEL_H
#define NM_MODEL_H

#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "tensor/ntm.h"

/* Units of one dimension of a model (memory rows and width, layer sizes,
 * inputs, outputs): beyond it the parameters of one layer would not fit in
 * memory. */
#define NM_MAX_MODEL_DIM 65536
/* Cells of the memory, rows times width: 65,536 rows of 512. */
#define NM_MAX_MEMORY_CELLS 33554432
/* Elements of one tensor of a cell, the batch included.  The tensor JIT
 * multiplies dimensions as C ints, which a tensor of 2^31 elements would
 * overflow, so the limit keeps a factor of two in hand. */
#define NM_MAX_TENSOR_ELEMENTS 1073741824
/* Parameters of one model, learned initial states included. */
#define NM_MAX_PARAMETERS 268435456

typedef struct nm_model {
    const char *name;
    nm_loc loc;
    nm_ntm_spec spec;
    bool sized;        /* inputs and outputs were given */
} nm_model;

/* The sizes that bound the tensors of a model's cells. */
typedef struct nm_model_size {
    uint64_t parameters;      /* as nm_ntm_parameter_count counts them */
    uint64_t per_sequence;    /* elements of the largest tensor that has a batch dimension, per sequence */
    uint64_t largest_fixed;   /* elements of the largest tensor without one */
} nm_model_size;

/* Measures SPEC, whose inputs and outputs must be set, without building
 * its cells. */
nm_model_size nm_model_measure(const nm_ntm_spec *spec);
/* The largest batch whose tensors stay within NM_MAX_TENSOR_ELEMENTS. */
uint64_t nm_model_max_batch(const nm_model_size *size);

/* Checks DECL; returns NULL after reporting every error found. */
nm_model *nm_model_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl);

#endif
