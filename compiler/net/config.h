/* Machine configurations: what a run of the direct simulator or of a
 * network amounts to at a machine step, in one comparable form.  Encoding
 * writes a first configuration into a network's initial state; decoding
 * reads a configuration back from the exact values of the network's
 * neurons. */
#ifndef NM_CONFIG_H
#define NM_CONFIG_H

#include <gmp.h>
#include <stdbool.h>

#include "net.h"
#include "stack_machine.h"
#include "tm.h"

/* One tape from its leftmost to its rightmost cell that is non-blank or
 * under the head. */
typedef struct nm_config_tape {
    uint8_t *cells;
    size_t count;
    size_t head;
} nm_config_tape;

typedef struct nm_config {
    int state;
    int tapes;
    nm_config_tape tape[TM_MAX_TAPES];
} nm_config;

void nm_config_free(nm_config *config);
bool nm_config_equal(const nm_config *a, const nm_config *b);
void nm_config_from_sim(nm_config *config, const tm_sim *sim);
/* "state q, tape 1: 1 1 [0] 1" */
void nm_config_print(const nm_config *config, const nm_machine *machine, nm_buf *out);

/* Values of a network's neurons, exact. */
typedef struct nm_net_values {
    mpq_t *values;
    int count;
} nm_net_values;

void nm_net_values_init(nm_net_values *values, int count);
void nm_net_values_clear(nm_net_values *values);

/* Sets VALUES to the initial state that holds the first configuration for
 * INPUT (symbol indices on tape 1) directly. */
void nm_encode_initial(const nm_net *net, const nm_stack_machine *machine, const uint8_t *input,
                       size_t length, nm_net_values *values);

/* Decodes the configuration from VALUES at a machine-step boundary.
 * Returns false with a message when the values do not encode one (a state
 * that is not one-hot, a stack value that is not a valid code). */
bool nm_decode(const nm_net *net, const nm_net_values *values, nm_config *config, char **message);

/* The value of a stack: the sum of its neurons. */
void nm_stack_value(const nm_net_sum *sum, const nm_net_values *values, mpq_t out);
/* The digits (symbol indices) of an exact stack value, top first. */
bool nm_stack_symbols(const mpq_t value, int base_bits, int symbols, uint8_t **out, size_t *count);

#endif
