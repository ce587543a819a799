/* The LLVM side of nmc's JIT: a target machine for the host CPU (its name
 * and features, so that vector units are used), the new pass manager's
 * optimisation pipeline, and an ORC LLJIT instance that compiles modules
 * and finds their functions.  Both the network JIT and the training-graph
 * JIT build their IR through the C API and hand it to this module. */
#ifndef NM_LLVM_JIT_H
#define NM_LLVM_JIT_H

#include <stdbool.h>
#include <stddef.h>

#include <llvm-c/Core.h>

typedef struct nm_llvm_jit nm_llvm_jit;

/* A host function that generated code may call by name. */
typedef struct nm_llvm_symbol {
    const char *name;
    void *address;
} nm_llvm_symbol;

/* Creates a JIT for the host in which generated code may call SYMBOLS.  On
 * failure returns NULL and a message in *error (heap allocated).  One JIT
 * can hold many modules, which saves its setup time when compiling many
 * networks.  With NMC_JIT_OPT=0 in the environment the JIT compiles
 * faster and produces slower code. */
nm_llvm_jit *nm_llvm_jit_new(const nm_llvm_symbol *symbols, size_t count, char **error);
void nm_llvm_jit_free(nm_llvm_jit *jit);

/* The context that modules for this JIT must be built in. */
LLVMContextRef nm_llvm_jit_context(nm_llvm_jit *jit);
/* A new empty module with the host's triple and data layout. */
LLVMModuleRef nm_llvm_jit_new_module(nm_llvm_jit *jit, const char *name);
/* Verifies and optimises MODULE with the light pipeline of net_jit (see
 * llvm_jit.c); NMC_JIT_OPT=0 and NMC_JIT_PASSES change it. */
bool nm_llvm_jit_optimize(nm_llvm_jit *jit, LLVMModuleRef module, char **error);
/* Verifies MODULE and runs the new pass manager's pipeline PASSES on it
 * (for example "default<O2>"), with loop and SLP vectorisation enabled. */
bool nm_llvm_jit_run_passes(nm_llvm_jit *jit, LLVMModuleRef module, const char *passes, char **error);
/* Hands MODULE to the JIT (which takes ownership). */
bool nm_llvm_jit_add(nm_llvm_jit *jit, LLVMModuleRef module, char **error);
/* The address of a compiled function; compiles on first lookup. */
void *nm_llvm_jit_lookup(nm_llvm_jit *jit, const char *name, char **error);

/* The host CPU's name and features ("+avx2,+fma,..."), as given to the
 * target machine. */
const char *nm_llvm_jit_cpu(const nm_llvm_jit *jit);
const char *nm_llvm_jit_features(const nm_llvm_jit *jit);

#endif
