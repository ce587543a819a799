/* Gradient checking: the gradients of backpropagation through time against
 * central finite differences of the loss, in double precision. */
#ifndef NM_GRADCHECK_H
#define NM_GRADCHECK_H

#include "sequence.h"

/* Relative error above which a gradient fails the check. */
#define NM_GRADCHECK_TOLERANCE 1e-6

typedef struct nm_gradcheck_result {
    const char *name;
    size_t size;           /* entries of the tensor */
    size_t checked;        /* entries compared */
    double max_error;      /* largest relative error among them */
    double max_gradient;   /* largest |gradient| of the tensor */
    size_t worst;          /* the entry with the largest error */
} nm_gradcheck_result;

/* Returns the relative error of one entry:
 * max(|analytic - numeric| - rounding, 0) / max(|analytic|, |numeric|, floor).
 * ROUNDING bounds the rounding error of the finite difference, and FLOOR
 * keeps entries far below their tensor's scale from dominating. */
double nm_gradcheck_error(double analytic, double numeric, double floor, double rounding);

/* Compares every parameter tensor of MODEL on BATCH, SAMPLES entries per
 * tensor at most (all of a smaller tensor), chosen with SEED.  The floor of
 * nm_gradcheck_error is 1e-2 times the tensor's largest gradient, and the
 * rounding bound 16 DBL_EPSILON |loss| / step.  RESULTS has one entry per
 * parameter tensor. */
void nm_gradcheck(nm_sequence_model *model, const nm_sequence_batch *batch, size_t samples,
                  uint64_t seed, nm_gradcheck_result *results);

#endif
