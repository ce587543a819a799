/* Printing networks: a readable weight table, JSON for other tools, and
 * Graphviz. */
#ifndef NM_NET_EMIT_H
#define NM_NET_EMIT_H

#include "config.h"
#include "net.h"

/* One neuron per line: its name, role and phase, and
 * sigma(exact weights times sources + bias). */
void nm_emit_net_table(const nm_net *net, const nm_stack_machine *machine, nm_buf *out);
/* The network as JSON; INITIAL (when not NULL) adds the initial state
 * vector for an input. */
void nm_emit_net_json(const nm_net *net, const nm_stack_machine *machine,
                      const nm_net_values *initial, nm_buf *out);
/* Graphviz with one cluster per role. */
void nm_emit_net_dot(const nm_net *net, const nm_stack_machine *machine, nm_buf *out);

#endif
