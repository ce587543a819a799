/* Cell engines; see engine.h. */
#include "engine.h"

#include <stdlib.h>

#include "jit/graph_jit.h"
#include "util/arena.h"

typedef struct nm_jit_engine {
    nm_cell_engine engine;
    nm_cell_jit *jit;
} nm_jit_engine;

static void nm_jit_forward(void *self, void *frame, const void *const *inputs, const void *const *states,
                           const void *const *params)
{
    nm_jit_engine *engine = self;
    nm_cell_jit_forward(engine->jit, frame, inputs, states, params);
}

static void *nm_jit_value(void *self, void *frame, int node)
{
    nm_jit_engine *engine = self;
    return nm_cell_jit_value(engine->jit, frame, node);
}

static void nm_jit_backward(void *self, void *scratch, const void *frame, const void *const *seeds,
                            const void *const *params, void *const *input_grads, void *const *state_grads,
                            void *const *param_grads)
{
    nm_jit_engine *engine = self;
    nm_cell_jit_backward(engine->jit, scratch, frame, seeds, params, input_grads, state_grads, param_grads);
}

static void nm_jit_destroy(void *self)
{
    nm_jit_engine *engine = self;
    nm_cell_jit_free(engine->jit);
    free(engine);
}

nm_cell_engine *nm_jit_cell_engine(const nm_graph *forward, const nm_graph *backward, nm_dtype dtype, char **error)
{
    nm_cell_jit *jit = nm_cell_jit_compile(forward, backward, dtype, error);
    if (!jit)
        return NULL;
    nm_jit_engine *engine = nm_xcalloc(1, sizeof *engine);
    engine->jit = jit;
    engine->engine = (nm_cell_engine){
        .name = "jit",
        .dtype = dtype,
        .frame_size = nm_cell_jit_frame_size(jit),
        .backward_frame_size = nm_cell_jit_backward_frame_size(jit),
        .self = engine,
        .forward = nm_jit_forward,
        .value = nm_jit_value,
        .backward = nm_jit_backward,
        .destroy = nm_jit_destroy,
    };
    return &engine->engine;
}

nm_cell_engine *nm_make_cell_engine(const nm_graph *forward, const nm_graph *backward, nm_dtype dtype, bool interp,
                                    char **error)
{
    if (interp)
        return nm_interp_cell_engine(forward, backward);
    return nm_jit_cell_engine(forward, backward, dtype, error);
}
