/* Running a machine's network: feeding the input, stepping the network
 * machine step by machine step, detecting the halt from the network's own
 * detector neurons, decoding the result, and optionally checking every
 * machine step against the direct simulator. */
#ifndef NM_NET_RUN_H
#define NM_NET_RUN_H

#include <stdio.h>

#include "config.h"

/* An engine that evaluates a network: the interpreter or the JIT. */
typedef struct nm_net_engine {
    const char *name;
    void *self;
    void (*step)(void *self, const int64_t *lines);
    /* The exact value of one neuron. */
    void (*read)(void *self, int neuron, mpq_t out);
    /* All values, exactly. */
    void (*read_all)(void *self, nm_net_values *out);
    /* 0 or 1 when the neuron holds exactly that, -1 otherwise: the cheap
     * read for detectors at every machine step. */
    int (*read_binary)(void *self, int neuron);
    /* Optional: runs up to MAX machine steps without looking at the
     * configurations; returns true when the machine halted, and counts the
     * steps taken.  NULL when the engine has no faster way than step. */
    bool (*advance)(void *self, const nm_net *net, uint64_t max, uint64_t *machine_steps,
                    uint64_t *network_steps);
} nm_net_engine;

typedef struct nm_net_run_options {
    bool lines;          /* feed the input through the input lines */
    bool verify;         /* compare with the direct simulator at every machine step */
    FILE *trace;         /* print each machine step's configuration here, or NULL */
    uint64_t max_steps;  /* machine steps */
} nm_net_run_options;

typedef struct nm_net_run_result {
    tm_status status;
    uint64_t machine_steps;
    uint64_t network_steps;
    nm_config config;     /* the last configuration */
    bool failed;          /* verification failed or the values were invalid */
    char *message;        /* why, for a person (heap allocated) */
} nm_net_run_result;

/* Runs NET on INPUT with ENGINE, which must already hold the initial state:
 * the encoded first configuration, or all zeros when OPTIONS->lines. */
void nm_net_run(const nm_net *net, const nm_stack_machine *machine, nm_net_engine *engine,
                const uint8_t *input, size_t length, const nm_net_run_options *options,
                nm_net_run_result *result);
void nm_net_run_result_free(nm_net_run_result *result);

/* The interpreter as an engine. */
struct nm_interp;
nm_net_engine nm_interp_engine(struct nm_interp *interp);

#endif
