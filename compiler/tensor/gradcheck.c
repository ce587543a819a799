/* Gradient checking; see gradcheck.h. */
#include "gradcheck.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The finite-difference step.  Two central differences, with steps h and
 * h/2, combined by Richardson extrapolation cancel the h^2 error term, so
 * the remaining error is O(h^4) plus rounding in the loss (1e-16 / h):
 * about 1e-10 relative for these losses. */
#define NM_GRADCHECK_STEP 2e-4

/* The rounding error of one loss evaluation, in units of DBL_EPSILON times
 * the loss.  A finite difference divides it by the step, and a difference
 * between the two gradients below that bound is rounding, not an error. */
#define NM_GRADCHECK_ROUNDING 16

static double nm_loss_at(nm_sequence_model *model, const nm_sequence_batch *batch, int tensor, size_t index,
                         double value)
{
    double saved = nm_sequence_get(model, model->params, tensor, index);
    nm_sequence_set(model, model->params, tensor, index, value);
    double loss = nm_sequence_run(model, batch, false, NULL);
    nm_sequence_set(model, model->params, tensor, index, saved);
    return loss;
}

double nm_gradcheck_error(double analytic, double numeric, double floor, double rounding)
{
    double scale = fmax(fmax(fabs(analytic), fabs(numeric)), floor);
    return fmax(fabs(analytic - numeric) - rounding, 0.0) / scale;
}

static void nm_check_tensor(nm_sequence_model *model, const nm_sequence_batch *batch, int tensor,
                            size_t samples, double rounding, uint64_t *random, nm_gradcheck_result *result)
{
    size_t size = model->param_sizes[tensor];
    result->name = model->param_names[tensor];
    result->size = size;
    result->checked = size < samples ? size : samples;
    result->max_error = 0;
    result->max_gradient = 0;
    result->worst = 0;
    for (size_t i = 0; i < size; i++) {
        double g = fabs(nm_sequence_get(model, model->grads, tensor, i));
        if (g > result->max_gradient)
            result->max_gradient = g;
    }
    double floor = 1e-2 * result->max_gradient;
    if (floor < 1e-12)
        floor = 1e-12;

    for (size_t k = 0; k < result->checked; k++) {
        size_t index = size <= samples ? k : (size_t)(nm_random_next(random) % size);
        double value = nm_sequence_get(model, model->params, tensor, index);
        double h = NM_GRADCHECK_STEP;
        double wide = (nm_loss_at(model, batch, tensor, index, value + h)
                       - nm_loss_at(model, batch, tensor, index, value - h)) / (2 * h);
        double narrow = (nm_loss_at(model, batch, tensor, index, value + h / 2)
                         - nm_loss_at(model, batch, tensor, index, value - h / 2)) / h;
        double numeric = (4 * narrow - wide) / 3;
        double analytic = nm_sequence_get(model, model->grads, tensor, index);
        double error = nm_gradcheck_error(analytic, numeric, floor, rounding);
        if (!(error <= result->max_error)) {
            result->max_error = error;
            result->worst = index;
        }
    }
}

void nm_gradcheck(nm_sequence_model *model, const nm_sequence_batch *batch, size_t samples,
                  uint64_t seed, nm_gradcheck_result *results)
{
    nm_sequence_zero_grads(model);
    double loss = nm_sequence_run(model, batch, true, NULL);
    double rounding = NM_GRADCHECK_ROUNDING * DBL_EPSILON * fabs(loss) / NM_GRADCHECK_STEP;
    uint64_t random = seed;
    for (int p = 0; p < model->param_count; p++)
        nm_check_tensor(model, batch, p, samples, rounding, &random, &results[p]);
}
