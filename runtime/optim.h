/* Optimisers and gradient clipping for training.
 *
 *   rmsprop  the form of A. Graves, "Generating Sequences With Recurrent
 *            Neural Networks" (arXiv:1308.0850, 2013), eq. 38-41, that the
 *            NTM paper trains with:
 *              n <- decay n + (1 - decay) g^2
 *              m <- decay m + (1 - decay) g
 *              d <- momentum d - lr g / sqrt(n - m^2 + epsilon)
 *              w <- w + d
 *   adam     D. P. Kingma and J. Ba, 2015, with bias correction.
 *   sgd      w <- w + d, d <- momentum d - lr g.
 *
 * Parameters are float or double tensors; the optimiser's own state is
 * always double.
 */
#ifndef NM_OPTIM_H
#define NM_OPTIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum nm_optimizer_kind { NM_OPTIMIZER_RMSPROP, NM_OPTIMIZER_ADAM, NM_OPTIMIZER_SGD } nm_optimizer_kind;

typedef struct nm_optimizer_spec {
    nm_optimizer_kind kind;
    double lr;
    double momentum;       /* rmsprop, sgd */
    double decay;          /* rmsprop */
    double beta1, beta2;   /* adam */
    double epsilon;        /* rmsprop, adam */
    double clip_value;     /* 0: no elementwise clipping */
    double clip_norm;      /* 0: no clipping by global norm */
} nm_optimizer_spec;

/* The NTM paper's settings: RMSProp, lr 1e-4, momentum 0.9, decay 0.95,
 * epsilon 1e-4, gradients clipped elementwise to [-10, 10]. */
void nm_optimizer_defaults(nm_optimizer_spec *spec);

/* State slots per parameter: rmsprop n, m, d; adam m, v; sgd d. */
#define NM_OPTIMIZER_MAX_SLOTS 3

typedef struct nm_optimizer {
    nm_optimizer_spec spec;
    int tensors;
    size_t *sizes;
    double **slots[NM_OPTIMIZER_MAX_SLOTS];   /* [slot][tensor][entry] */
    int slot_count;
    uint64_t steps;                           /* updates done */
} nm_optimizer;

nm_optimizer *nm_optimizer_new(const nm_optimizer_spec *spec, int tensors, const size_t *sizes);
void nm_optimizer_free(nm_optimizer *optimizer);
const char *nm_optimizer_slot_name(const nm_optimizer *optimizer, int slot);
const char *nm_optimizer_name(nm_optimizer_kind kind);

/* Clips GRADS in place (by value, then by global norm) and applies one
 * update to PARAMS.  DOUBLES says the tensors hold doubles, else floats. */
void nm_optimizer_step(nm_optimizer *optimizer, void **params, void **grads, bool doubles);

/* The global L2 norm of GRADS. */
double nm_gradient_norm(void *const *grads, int tensors, const size_t *sizes, bool doubles);

#endif
