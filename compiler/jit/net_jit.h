/* The network JIT: a network's step function generated as LLVM IR and
 * compiled for the host, computing exactly the values of the reference
 * interpreter.
 *
 * Neurons whose weights and bias are all integers are 0/1 neurons: their
 * values are kept as bytes and computed with integer arithmetic inline.  A
 * 0/1 neuron fed by a non-0/1 neuron is decided from the fixed-point field
 * of the input with its error bound; when a value ever lands strictly
 * between 0 and 1 the step reports it and the run continues exactly with
 * the interpreter.  The other neurons hold exact dyadic slots (dyadic.h):
 * inline code handles values that fit 62 fractional bits and saturations,
 * and calls the exact evaluator for the rest, such as the stack values.
 */
#ifndef NM_NET_JIT_H
#define NM_NET_JIT_H

#include "dyadic.h"
#include "net.h"
#include "net/net_run.h"
#include "net_interp.h"

typedef struct nm_net_jit nm_net_jit;

struct nm_llvm_jit;

/* Compiles NET; returns NULL with a message in *error when it cannot (a
 * weight that is not dyadic, or an LLVM failure). */
nm_net_jit *nm_net_jit_compile(const nm_net *net, char **error);
/* The same in an existing JIT (see nm_net_jit_llvm), which saves LLVM's
 * setup when compiling many networks; the JIT must outlive the result. */
nm_net_jit *nm_net_jit_compile_in(const nm_net *net, struct nm_llvm_jit *llvm, char **error);
/* Compiles COUNT networks in one module of LLVM, which shares the fixed
 * cost of optimising and generating code; OUT receives one compiled
 * network each.  Returns false (and no networks) after an error. */
bool nm_net_jit_compile_many(const nm_net *const *nets, int count, struct nm_llvm_jit *llvm,
                             nm_net_jit **out, char **error);
/* A JIT with what compiled networks call. */
struct nm_llvm_jit *nm_net_jit_llvm(char **error);
void nm_net_jit_free(nm_net_jit *jit);
/* Seconds spent generating, optimising and compiling the code. */
double nm_net_jit_compile_seconds(const nm_net_jit *jit);
/* The IR of NET's step function, optimised with O2 when OPTIMIZE. */
char *nm_net_jit_ir(const nm_net *net, bool optimize, char **error);

/* One run of a compiled network. */
typedef struct nm_net_jit_run {
    nm_net_jit *jit;
    uint8_t *bools[2];
    nm_slot *slots[2];
    int current;              /* the arrays holding x(t) */
    nm_interp *fallback;      /* set when the run continues in the interpreter */
    uint64_t steps;
} nm_net_jit_run;

/* Starts at INITIAL (exact values of every neuron), or at 0 when NULL. */
void nm_net_jit_run_init(nm_net_jit_run *run, nm_net_jit *jit, mpq_t *initial);
void nm_net_jit_run_free(nm_net_jit_run *run);
nm_net_engine nm_net_jit_engine(nm_net_jit_run *run);

#endif
