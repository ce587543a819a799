/* Checked model declarations: `model NAME = ntm { options }` becomes the
 * specification of a Neural Turing Machine cell. */
#ifndef NM_MODEL_H
#define NM_MODEL_H

#include "ast.h"
#include "diag.h"
#include "tensor/ntm.h"

/* Units of one dimension of a model (memory rows and width, layer sizes,
 * inputs, outputs): beyond it the parameters of one layer would not fit in
 * memory. */
#define NM_MAX_MODEL_DIM 65536

typedef struct nm_model {
    const char *name;
    nm_loc loc;
    nm_ntm_spec spec;
    bool sized;        /* inputs and outputs were given */
} nm_model;

/* Checks DECL; returns NULL after reporting every error found. */
nm_model *nm_model_check(nm_arena *arena, nm_diag *diag, const nm_decl *decl);

#endif
