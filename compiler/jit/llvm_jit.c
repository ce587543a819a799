/* The LLVM JIT for the host; see llvm_jit.h. */
#include "llvm_jit.h"

#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "util/arena.h"

struct nm_llvm_jit {
    LLVMOrcLLJITRef lljit;
    LLVMOrcThreadSafeContextRef context;
    LLVMTargetMachineRef machine;   /* for the pass pipeline and data layout */
    char *triple;
    char *cpu;
    char *features;
    bool quick;        /* compile fast rather than generate fast code */
};

static char *nm_take_error(LLVMErrorRef error)
{
    char *text = LLVMGetErrorMessage(error);
    char *copy = nm_xstrdup(text);
    LLVMDisposeErrorMessage(text);
    return copy;
}

static LLVMTargetMachineRef nm_host_machine(const nm_llvm_jit *jit, char **error)
{
    LLVMTargetRef target;
    char *message = NULL;
    if (LLVMGetTargetFromTriple(jit->triple, &target, &message)) {
        *error = nm_xstrdup(message ? message : "unknown target");
        LLVMDisposeMessage(message);
        return NULL;
    }
    LLVMCodeGenOptLevel level = jit->quick ? LLVMCodeGenLevelNone : LLVMCodeGenLevelDefault;
    return LLVMCreateTargetMachine(target, jit->triple, jit->cpu, jit->features, level,
                                   LLVMRelocDefault, LLVMCodeModelJITDefault);
}

static bool nm_llvm_jit_define(nm_llvm_jit *jit, const nm_llvm_symbol *symbols, size_t count,
                               char **error);

nm_llvm_jit *nm_llvm_jit_new(const nm_llvm_symbol *symbols, size_t count, char **error)
{
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();

    nm_llvm_jit *jit = nm_xcalloc(1, sizeof *jit);
    const char *level = getenv("NMC_JIT_OPT");
    jit->quick = level && strcmp(level, "0") == 0;
    jit->triple = LLVMGetDefaultTargetTriple();
    jit->cpu = LLVMGetHostCPUName();
    jit->features = LLVMGetHostCPUFeatures();
    jit->machine = nm_host_machine(jit, error);
    LLVMTargetMachineRef for_jit = jit->machine ? nm_host_machine(jit, error) : NULL;
    if (!for_jit) {
        nm_llvm_jit_free(jit);
        return NULL;
    }

    LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
        builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(for_jit));
    LLVMErrorRef failure = LLVMOrcCreateLLJIT(&jit->lljit, builder);
    if (failure) {
        *error = nm_take_error(failure);
        jit->lljit = NULL;
        nm_llvm_jit_free(jit);
        return NULL;
    }
    jit->context = LLVMOrcCreateNewThreadSafeContext();
    if (count > 0 && !nm_llvm_jit_define(jit, symbols, count, error)) {
        nm_llvm_jit_free(jit);
        return NULL;
    }
    return jit;
}

void nm_llvm_jit_free(nm_llvm_jit *jit)
{
    if (!jit)
        return;
    if (jit->lljit) {
        LLVMErrorRef failure = LLVMOrcDisposeLLJIT(jit->lljit);
        if (failure)
            LLVMConsumeError(failure);
    }
    if (jit->context)
        LLVMOrcDisposeThreadSafeContext(jit->context);
    if (jit->machine)
        LLVMDisposeTargetMachine(jit->machine);
    LLVMDisposeMessage(jit->triple);
    LLVMDisposeMessage(jit->cpu);
    LLVMDisposeMessage(jit->features);
    free(jit);
}

LLVMContextRef nm_llvm_jit_context(nm_llvm_jit *jit)
{
    return LLVMOrcThreadSafeContextGetContext(jit->context);
}

LLVMModuleRef nm_llvm_jit_new_module(nm_llvm_jit *jit, const char *name)
{
    LLVMModuleRef module = LLVMModuleCreateWithNameInContext(name, nm_llvm_jit_context(jit));
    LLVMSetTarget(module, jit->triple);
    LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(jit->machine);
    LLVMSetModuleDataLayout(module, layout);
    LLVMDisposeTargetData(layout);
    return module;
}

bool nm_llvm_jit_run_passes(nm_llvm_jit *jit, LLVMModuleRef module, const char *passes, char **error)
{
    char *message = NULL;
    if (LLVMVerifyModule(module, LLVMReturnStatusAction, &message)) {
        *error = nm_xstrdup(message ? message : "invalid module");
        LLVMDisposeMessage(message);
        return false;
    }
    LLVMDisposeMessage(message);
    LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(options, 1);
    LLVMPassBuilderOptionsSetSLPVectorization(options, 1);
    LLVMErrorRef failure = LLVMRunPasses(module, passes, jit->machine, options);
    LLVMDisposePassBuilderOptions(options);
    if (failure) {
        *error = nm_take_error(failure);
        return false;
    }
    return true;
}

bool nm_llvm_jit_optimize(nm_llvm_jit *jit, LLVMModuleRef module, char **error)
{
    /* The generated code is straight-line arithmetic with few branches, so
     * these passes get about what default<O2> gets at a quarter of the
     * compile time (measured on the busy beaver networks).  NMC_JIT_OPT=0
     * skips them and uses LLVM's fast instruction selector instead, for
     * test suites that compile thousands of small networks. */
    const char *passes = jit->quick ? "function(instcombine<no-verify-fixpoint>)"
                                    : "function(sroa,early-cse,instcombine<no-verify-fixpoint>,simplifycfg)";
    if (getenv("NMC_JIT_PASSES"))
        passes = getenv("NMC_JIT_PASSES");
    return nm_llvm_jit_run_passes(jit, module, passes, error);
}

static bool nm_llvm_jit_define(nm_llvm_jit *jit, const nm_llvm_symbol *symbols, size_t count,
                               char **error)
{
    LLVMOrcCSymbolMapPair *pairs = nm_xcalloc(count ? count : 1, sizeof *pairs);
    for (size_t i = 0; i < count; i++) {
        pairs[i].Name = LLVMOrcLLJITMangleAndIntern(jit->lljit, symbols[i].name);
        pairs[i].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)symbols[i].address;
        pairs[i].Sym.Flags.GenericFlags =
            LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable;
        pairs[i].Sym.Flags.TargetFlags = 0;
    }
    LLVMOrcMaterializationUnitRef unit = LLVMOrcAbsoluteSymbols(pairs, count);
    free(pairs);
    LLVMErrorRef failure = LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit->lljit), unit);
    if (failure) {
        LLVMOrcDisposeMaterializationUnit(unit);
        *error = nm_take_error(failure);
        return false;
    }
    return true;
}

bool nm_llvm_jit_add(nm_llvm_jit *jit, LLVMModuleRef module, char **error)
{
    LLVMOrcThreadSafeModuleRef safe = LLVMOrcCreateNewThreadSafeModule(module, jit->context);
    LLVMErrorRef failure =
        LLVMOrcLLJITAddLLVMIRModule(jit->lljit, LLVMOrcLLJITGetMainJITDylib(jit->lljit), safe);
    if (failure) {
        LLVMOrcDisposeThreadSafeModule(safe);
        *error = nm_take_error(failure);
        return false;
    }
    return true;
}

void *nm_llvm_jit_lookup(nm_llvm_jit *jit, const char *name, char **error)
{
    LLVMOrcExecutorAddress address = 0;
    LLVMErrorRef failure = LLVMOrcLLJITLookup(jit->lljit, &address, name);
    if (failure) {
        *error = nm_take_error(failure);
        return NULL;
    }
    return (void *)(uintptr_t)address;
}

const char *nm_llvm_jit_cpu(const nm_llvm_jit *jit)
{
    return jit->cpu;
}

const char *nm_llvm_jit_features(const nm_llvm_jit *jit)
{
    return jit->features;
}
