/* Optimisers and clipping; see optim.h. */
#include "optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nm_optimizer_defaults(nm_optimizer_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->kind = NM_OPTIMIZER_RMSPROP;
    spec->lr = 1e-4;
    spec->momentum = 0.9;
    spec->decay = 0.95;
    spec->beta1 = 0.9;
    spec->beta2 = 0.999;
    spec->epsilon = 1e-4;
    spec->clip_value = 10.0;
}

const char *nm_optimizer_name(nm_optimizer_kind kind)
{
    switch (kind) {
    case NM_OPTIMIZER_RMSPROP:
        return "rmsprop";
    case NM_OPTIMIZER_ADAM:
        return "adam";
    case NM_OPTIMIZER_SGD:
        return "sgd";
    }
    return "unknown";
}

static int nm_slot_count(nm_optimizer_kind kind)
{
    return kind == NM_OPTIMIZER_RMSPROP ? 3 : kind == NM_OPTIMIZER_ADAM ? 2 : 1;
}

const char *nm_optimizer_slot_name(const nm_optimizer *optimizer, int slot)
{
    static const char *const rmsprop[] = {"mean_square", "mean", "delta"};
    static const char *const adam[] = {"first_moment", "second_moment"};
    static const char *const sgd[] = {"velocity"};
    switch (optimizer->spec.kind) {
    case NM_OPTIMIZER_RMSPROP:
        return rmsprop[slot];
    case NM_OPTIMIZER_ADAM:
        return adam[slot];
    case NM_OPTIMIZER_SGD:
        return sgd[slot];
    }
    return "unknown";
}

static void *nm_optim_alloc(size_t count, size_t size)
{
    void *pointer = calloc(count ? count : 1, size);
    if (!pointer) {
        fprintf(stderr, "nmc: out of memory for the optimiser\n");
        abort();
    }
    return pointer;
}

nm_optimizer *nm_optimizer_new(const nm_optimizer_spec *spec, int tensors, const size_t *sizes)
{
    nm_optimizer *optimizer = nm_optim_alloc(1, sizeof *optimizer);
    optimizer->spec = *spec;
    optimizer->tensors = tensors;
    optimizer->sizes = nm_optim_alloc((size_t)tensors, sizeof *optimizer->sizes);
    memcpy(optimizer->sizes, sizes, (size_t)tensors * sizeof *sizes);
    optimizer->slot_count = nm_slot_count(spec->kind);
    for (int s = 0; s < optimizer->slot_count; s++) {
        optimizer->slots[s] = nm_optim_alloc((size_t)tensors, sizeof(double *));
        for (int t = 0; t < tensors; t++)
            optimizer->slots[s][t] = nm_optim_alloc(sizes[t], sizeof(double));
    }
    return optimizer;
}

void nm_optimizer_free(nm_optimizer *optimizer)
{
    if (!optimizer)
        return;
    for (int s = 0; s < optimizer->slot_count; s++) {
        for (int t = 0; t < optimizer->tensors; t++)
            free(optimizer->slots[s][t]);
        free(optimizer->slots[s]);
    }
    free(optimizer->sizes);
    free(optimizer);
}

static double nm_get(const void *tensor, size_t i, bool doubles)
{
    return doubles ? ((const double *)tensor)[i] : (double)((const float *)tensor)[i];
}

static void nm_put(void *tensor, size_t i, double value, bool doubles)
{
    if (doubles)
        ((double *)tensor)[i] = value;
    else
        ((float *)tensor)[i] = (float)value;
}

double nm_gradient_norm(void *const *grads, int tensors, const size_t *sizes, bool doubles)
{
    double total = 0;
    for (int t = 0; t < tensors; t++)
        for (size_t i = 0; i < sizes[t]; i++) {
            double g = nm_get(grads[t], i, doubles);
            total += g * g;
        }
    return sqrt(total);
}

static void nm_clip(const nm_optimizer *optimizer, void **grads, bool doubles)
{
    const nm_optimizer_spec *spec = &optimizer->spec;
    if (spec->clip_value > 0)
        for (int t = 0; t < optimizer->tensors; t++)
            for (size_t i = 0; i < optimizer->sizes[t]; i++) {
                double g = nm_get(grads[t], i, doubles);
                g = g > spec->clip_value ? spec->clip_value : g < -spec->clip_value ? -spec->clip_value : g;
                nm_put(grads[t], i, g, doubles);
            }
    if (spec->clip_norm > 0) {
        double norm = nm_gradient_norm(grads, optimizer->tensors, optimizer->sizes, doubles);
        if (norm > spec->clip_norm) {
            double scale = spec->clip_norm / norm;
            for (int t = 0; t < optimizer->tensors; t++)
                for (size_t i = 0; i < optimizer->sizes[t]; i++)
                    nm_put(grads[t], i, nm_get(grads[t], i, doubles) * scale, doubles);
        }
    }
}

static double nm_update(nm_optimizer *optimizer, int t, size_t i, double g)
{
    const nm_optimizer_spec *spec = &optimizer->spec;
    double **slot = NULL;
    switch (spec->kind) {
    case NM_OPTIMIZER_RMSPROP: {
        double *n = &optimizer->slots[0][t][i], *m = &optimizer->slots[1][t][i], *d = &optimizer->slots[2][t][i];
        *n = spec->decay * *n + (1 - spec->decay) * g * g;
        *m = spec->decay * *m + (1 - spec->decay) * g;
        *d = spec->momentum * *d - spec->lr * g / sqrt(*n - *m * *m + spec->epsilon);
        return *d;
    }
    case NM_OPTIMIZER_ADAM: {
        double *m = &optimizer->slots[0][t][i], *v = &optimizer->slots[1][t][i];
        double step = (double)optimizer->steps + 1;
        *m = spec->beta1 * *m + (1 - spec->beta1) * g;
        *v = spec->beta2 * *v + (1 - spec->beta2) * g * g;
        double m_hat = *m / (1 - pow(spec->beta1, step)), v_hat = *v / (1 - pow(spec->beta2, step));
        return -spec->lr * m_hat / (sqrt(v_hat) + spec->epsilon);
    }
    case NM_OPTIMIZER_SGD:
        slot = optimizer->slots[0];
        slot[t][i] = spec->momentum * slot[t][i] - spec->lr * g;
        return slot[t][i];
    }
    return 0;
}

void nm_optimizer_step(nm_optimizer *optimizer, void **params, void **grads, bool doubles)
{
    nm_clip(optimizer, grads, doubles);
    for (int t = 0; t < optimizer->tensors; t++)
        for (size_t i = 0; i < optimizer->sizes[t]; i++) {
            double delta = nm_update(optimizer, t, i, nm_get(grads[t], i, doubles));
            nm_put(params[t], i, nm_get(params[t], i, doubles) + delta, doubles);
        }
    optimizer->steps++;
}
