/* The reference interpreter of networks: every neuron of every step in
 * exact rational arithmetic (GMP), straight from the definition
 * x(t+1) = sigma(W x(t) + U u(t) + c).  It is slow and obviously right;
 * the JIT is checked against it. */
#ifndef NM_NET_INTERP_H
#define NM_NET_INTERP_H

#include "net.h"

typedef struct nm_interp {
    const nm_net *net;
    mpq_t *values;     /* x(t) */
    mpq_t *next;       /* scratch for x(t+1) */
    mpq_t sum, term;
    uint64_t steps;
} nm_interp;

/* Starts at INITIAL (net->neuron_count values), or at 0 when NULL. */
void nm_interp_init(nm_interp *interp, const nm_net *net, mpq_t *initial);
void nm_interp_free(nm_interp *interp);
/* One step with the input lines at LINES (net->line_count integers), or 0
 * on every line when LINES is NULL. */
void nm_interp_step(nm_interp *interp, const int64_t *lines);

#endif
