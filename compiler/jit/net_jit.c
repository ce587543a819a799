/* The network JIT; see net_jit.h.
 *
 * The generated step function, split into chunks of at most
 * NM_JIT_CHUNK neurons, is
 *
 *     i32 nm_step_K(ptr bools_old, ptr bools_new, ptr slots_old,
 *                   ptr slots_new, ptr lines, ptr context)
 *
 * returning 0, or 1 + the index of a 0/1 neuron whose value it could not
 * decide.  Slots are { i64 q, ptr buffer, i64 exp, i64 delta, i64 shift }
 * as in nm_slot.  A slot neuron that needs exact arithmetic calls
 * nm_jit_slow(context, neuron, bools_old, slots_old, lines, slot_new).
 */
#include "net_jit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <llvm-c/Core.h>

#include "llvm_jit.h"
#include "util/arena.h"

/* Neurons per generated function: keeps each function small enough for
 * the optimiser while a large network compiles in pieces. */
enum { NM_JIT_CHUNK = 2048 };

/* Bounds that keep the inline 128-bit arithmetic from overflowing. */
#define NM_JIT_MAX_SCALE 60     /* bits of a scaled weight */
#define NM_JIT_MAX_LINE 65536   /* magnitude of an input line value */

typedef struct nm_plan {
    bool is_bool;
    bool always_slow;
    int index;           /* into the bytes or the slots */
    int shift;           /* E: the largest shift among the neuron's weights */
    /* The 0/1 inputs after factoring out shared sums: a source >= 0 is a
     * byte index, -1 - g stands for shared sum g. */
    nm_slow_term *factored;
    int factored_count;
    int64_t *slot_weights;   /* the slot inputs' weights in units of 2^-shift */
} nm_plan;

struct nm_net_jit {
    const nm_net *net;
    nm_plan *plans;
    int bool_count, slot_count;
    nm_slow_neuron *slow;       /* per neuron, for slot neurons */
    int **groups;               /* shared sums of 0/1 neurons: byte indices */
    int *group_sizes;
    int group_count;
    nm_llvm_jit *llvm;
    bool owns_llvm;
    unsigned id;                /* names the functions inside a shared JIT */
    int chunk_count;
    int (**chunks)(uint8_t *, uint8_t *, nm_slot *, nm_slot *, const int64_t *, void *);
    double compile_seconds;
};

/* ---- planning -------------------------------------------------------- */

static bool nm_is_integer(const mpq_t value)
{
    return mpz_cmp_ui(mpq_denref(value), 1) == 0 && mpz_sizeinbase(mpq_numref(value), 2) <= 40;
}

/* A 0/1 neuron has integer weights and bias whose magnitudes add up to
 * less than 2^NM_JIT_MAX_SCALE, so its inline sum fits 128 bits. */
static bool nm_plan_is_bool(const nm_neuron *neuron)
{
    if (!nm_is_integer(neuron->bias))
        return false;
    double magnitude = fabs(mpq_get_d(neuron->bias));
    for (int w = 0; w < neuron->weight_count; w++) {
        if (!nm_is_integer(neuron->weights[w].value))
            return false;
        magnitude += fabs(mpq_get_d(neuron->weights[w].value));
    }
    for (int w = 0; w < neuron->input_count; w++) {
        if (!nm_is_integer(neuron->inputs[w].value))
            return false;
        magnitude += fabs(mpq_get_d(neuron->inputs[w].value)) * NM_JIT_MAX_LINE;
    }
    return magnitude < ldexp(1.0, NM_JIT_MAX_SCALE);
}

/* Marks the 0/1 neurons.  A neuron with integer weights and bias
 * (nm_plan_is_bool) whose inputs are all 0/1 neurons is 0/1 itself; the
 * greatest fixed point of that rule proves it for detectors, states and
 * copies.  Readers are the exception the rule cannot see: sigma(B S - 2j)
 * of a stack value S is 0/1 because stack codes keep away from the
 * thresholds, so readers with integer weights are taken as 0/1 too, and
 * the generated code checks that guess at every step. */
static void nm_classify_bools(nm_net_jit *jit)
{
    const nm_net *net = jit->net;
    for (int i = 0; i < net->neuron_count; i++)
        jit->plans[i].is_bool = nm_plan_is_bool(&net->neurons[i]);
    bool changed = true;
    while (changed) {
        changed = false;
        for (int i = 0; i < net->neuron_count; i++) {
            const nm_neuron *neuron = &net->neurons[i];
            if (!jit->plans[i].is_bool || neuron->role == NM_ROLE_READER)
                continue;
            for (int w = 0; w < neuron->weight_count; w++) {
                if (!jit->plans[neuron->weights[w].from].is_bool) {
                    jit->plans[i].is_bool = false;
                    changed = true;
                    break;
                }
            }
        }
    }
}

static bool nm_to_dyadic(const mpq_t value, nm_dyadic *out, const nm_neuron *neuron, char **error)
{
    if (nm_dyadic_from_mpq(out, value))
        return true;
    nm_buf text;
    nm_buf_init(&text);
    char *number = mpq_get_str(NULL, 10, value);
    nm_buf_printf(&text, "the JIT needs dyadic weights (denominators that are powers of two), "
                         "but neuron '%s' has the weight %s; run it with --interp",
                  neuron->name, number);
    free(number);
    *error = text.data;
    return false;
}

static void nm_fill_terms(const nm_net_jit *jit, const nm_neuron *neuron, nm_slow_neuron *slow)
{
    slow->slots = nm_xcalloc((size_t)neuron->weight_count + 1, sizeof *slow->slots);
    slow->bools = nm_xcalloc((size_t)neuron->weight_count + 1, sizeof *slow->bools);
    slow->lines = nm_xcalloc((size_t)neuron->input_count + 1, sizeof *slow->lines);
    for (int w = 0; w < neuron->weight_count; w++) {
        const nm_plan *source = &jit->plans[neuron->weights[w].from];
        nm_slow_term term;
        nm_dyadic_from_mpq(&term.weight, neuron->weights[w].value);
        term.source = source->index;
        if (source->is_bool)
            slow->bools[slow->bool_count++] = term;
        else
            slow->slots[slow->slot_count++] = term;
    }
    for (int w = 0; w < neuron->input_count; w++) {
        nm_slow_term term;
        nm_dyadic_from_mpq(&term.weight, neuron->inputs[w].value);
        term.source = neuron->inputs[w].from;
        slow->lines[slow->line_count++] = term;
    }
}

/* Chooses the shift E of a slot neuron and whether its inline 128-bit sum
 * cannot overflow; otherwise the neuron always takes the exact evaluator. */
static void nm_plan_slot(nm_plan *plan, const nm_slow_neuron *slow)
{
    int64_t shift = slow->bias.shift;
    const nm_slow_term *groups[3] = {slow->slots, slow->bools, slow->lines};
    int32_t counts[3] = {slow->slot_count, slow->bool_count, slow->line_count};
    for (int g = 0; g < 3; g++)
        for (int32_t i = 0; i < counts[g]; i++)
            if (groups[g][i].weight.shift > shift)
                shift = groups[g][i].weight.shift;
    plan->shift = (int)shift;
    if (shift > NM_JIT_MAX_SCALE) {
        plan->always_slow = true;
        return;
    }

    /* Every value is at most 1 (2^62 units), a line at most NM_JIT_MAX_LINE. */
    double magnitude = ldexp(fabs((double)slow->bias.numerator), (int)(shift - slow->bias.shift));
    for (int g = 0; g < 3; g++) {
        for (int32_t i = 0; i < counts[g]; i++) {
            const nm_dyadic *w = &groups[g][i].weight;
            double scaled = ldexp(fabs((double)w->numerator), (int)(shift - w->shift));
            magnitude += g == 2 ? scaled * NM_JIT_MAX_LINE : scaled;
        }
    }
    if (magnitude >= ldexp(1.0, NM_JIT_MAX_SCALE))
        plan->always_slow = true;
}

static __int128 nm_scaled(const nm_dyadic *weight, int shift, int extra)
{
    /* A multiplication: shifting a negative value left is undefined in C. */
    return (__int128)weight->numerator * ((__int128)1 << (shift - weight->shift + extra));
}

static int nm_compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Takes the network's shared sums whose members are all 0/1 neurons, as
 * sorted byte indices without duplicate groups, largest first. */
static void nm_collect_groups(nm_net_jit *jit)
{
    const nm_net *net = jit->net;
    jit->groups = nm_xcalloc((size_t)net->group_count + 1, sizeof *jit->groups);
    jit->group_sizes = nm_xcalloc((size_t)net->group_count + 1, sizeof *jit->group_sizes);
    for (int g = 0; g < net->group_count; g++) {
        const nm_net_sum *group = &net->groups[g];
        bool usable = true;
        for (int i = 0; i < group->count && usable; i++)
            usable = jit->plans[group->neurons[i]].is_bool;
        if (!usable)
            continue;
        int *members = nm_xcalloc((size_t)group->count, sizeof *members);
        for (int i = 0; i < group->count; i++)
            members[i] = jit->plans[group->neurons[i]].index;
        qsort(members, (size_t)group->count, sizeof *members, nm_compare_ints);
        bool duplicate = false;
        for (int h = 0; h < jit->group_count && !duplicate; h++)
            duplicate = jit->group_sizes[h] == group->count
                        && memcmp(jit->groups[h], members, (size_t)group->count * sizeof *members) == 0;
        if (duplicate) {
            free(members);
            continue;
        }
        jit->groups[jit->group_count] = members;
        jit->group_sizes[jit->group_count++] = group->count;
    }
    /* Largest first, so that the greedy factoring takes the biggest sums. */
    for (int i = 1; i < jit->group_count; i++)
        for (int j = i; j > 0 && jit->group_sizes[j - 1] < jit->group_sizes[j]; j--) {
            int *members = jit->groups[j];
            jit->groups[j] = jit->groups[j - 1];
            jit->groups[j - 1] = members;
            int size = jit->group_sizes[j];
            jit->group_sizes[j] = jit->group_sizes[j - 1];
            jit->group_sizes[j - 1] = size;
        }
}

/* Replaces, in a neuron's 0/1 inputs, every shared sum whose members all
 * appear with one same weight by a single term for the sum. */
static void nm_factor_neuron(nm_net_jit *jit, nm_plan *plan, const nm_slow_neuron *slow)
{
    int count = slow->bool_count;
    nm_slow_term *terms = nm_xcalloc((size_t)count + 1, sizeof *terms);
    memcpy(terms, slow->bools, (size_t)count * sizeof *terms);
    bool *used = nm_xcalloc((size_t)count + 1, sizeof *used);
    nm_slow_term *factored = nm_xcalloc((size_t)count + 1, sizeof *factored);
    int factored_count = 0;

    for (int g = 0; g < jit->group_count && count >= 3; g++) {
        const int *members = jit->groups[g];
        int size = jit->group_sizes[g];
        if (size > count)
            continue;
        int positions[64] = {0};
        if (size > 64)
            continue;
        bool found = true;
        for (int m = 0; m < size && found; m++) {
            positions[m] = -1;
            for (int t = 0; t < slow->bool_count; t++)
                if (!used[t] && terms[t].source == members[m]) {
                    positions[m] = t;
                    break;
                }
            found = positions[m] >= 0
                    && terms[positions[m]].weight.numerator == terms[positions[0]].weight.numerator
                    && terms[positions[m]].weight.shift == terms[positions[0]].weight.shift;
        }
        if (!found)
            continue;
        nm_slow_term group_term = {terms[positions[0]].weight, -1 - g};
        factored[factored_count++] = group_term;
        for (int m = 0; m < size; m++)
            used[positions[m]] = true;
        count -= size;
    }
    for (int t = 0; t < slow->bool_count; t++)
        if (!used[t])
            factored[factored_count++] = terms[t];
    plan->factored = factored;
    plan->factored_count = factored_count;
    free(terms);
    free(used);
}

static bool nm_plan_network(nm_net_jit *jit, char **error)
{
    const nm_net *net = jit->net;
    jit->plans = nm_xcalloc((size_t)net->neuron_count + 1, sizeof *jit->plans);
    jit->slow = nm_xcalloc((size_t)net->neuron_count + 1, sizeof *jit->slow);
    nm_classify_bools(jit);
    for (int i = 0; i < net->neuron_count; i++) {
        nm_plan *plan = &jit->plans[i];
        plan->index = plan->is_bool ? jit->bool_count++ : jit->slot_count++;
    }
    for (int i = 0; i < net->neuron_count; i++) {
        const nm_neuron *neuron = &net->neurons[i];
        nm_dyadic check;
        if (!nm_to_dyadic(neuron->bias, &check, neuron, error))
            return false;
        for (int w = 0; w < neuron->weight_count; w++)
            if (!nm_to_dyadic(neuron->weights[w].value, &check, neuron, error))
                return false;
        for (int w = 0; w < neuron->input_count; w++)
            if (!nm_to_dyadic(neuron->inputs[w].value, &check, neuron, error))
                return false;
        nm_slow_neuron *slow = &jit->slow[i];
        nm_dyadic_from_mpq(&slow->bias, neuron->bias);
        nm_fill_terms(jit, neuron, slow);
        if (!jit->plans[i].is_bool)
            nm_plan_slot(&jit->plans[i], slow);
    }
    nm_collect_groups(jit);
    for (int i = 0; i < net->neuron_count; i++) {
        nm_plan *plan = &jit->plans[i];
        const nm_slow_neuron *slow = &jit->slow[i];
        nm_factor_neuron(jit, plan, slow);
        plan->slot_weights = nm_xcalloc((size_t)slow->slot_count + 1, sizeof *plan->slot_weights);
        for (int32_t t = 0; t < slow->slot_count && !plan->always_slow; t++)
            plan->slot_weights[t] = (int64_t)nm_scaled(&slow->slots[t].weight, plan->shift, 0);
    }
    return true;
}

/* ---- code generation --------------------------------------------------- */

typedef struct nm_codegen {
    const nm_net_jit *jit;
    LLVMContextRef context;
    LLVMModuleRef module;
    LLVMBuilderRef builder;
    LLVMTypeRef i1, i8, i32, i64, ptr, slot, step_type, slow_type, partial_type, decide_type;
    LLVMValueRef slow_function, partial_function, decide_function;
    LLVMValueRef function;
    LLVMValueRef bools_old, bools_new, slots_old, slots_new, lines, context_arg;
    LLVMValueRef *group_sums;   /* i64 per shared sum, computed lazily per chunk */
} nm_codegen;


static LLVMValueRef nm_const64(nm_codegen *cg, int64_t value)
{
    return LLVMConstInt(cg->i64, (unsigned long long)value, 1);
}

static LLVMValueRef nm_load_bool(nm_codegen *cg, int index)
{
    LLVMValueRef offset = LLVMConstInt(cg->i64, (unsigned long long)index, 0);
    LLVMValueRef address = LLVMBuildGEP2(cg->builder, cg->i8, cg->bools_old, &offset, 1, "");
    return LLVMBuildLoad2(cg->builder, cg->i8, address, "b");
}

/* The value of a shared sum, computed once per chunk function: its first
 * use puts the sum in the entry block. */
static LLVMValueRef nm_group_sum(nm_codegen *cg, int group)
{
    if (cg->group_sums[group])
        return cg->group_sums[group];
    LLVMBuilderRef b = cg->builder;
    LLVMBasicBlockRef here = LLVMGetInsertBlock(b);
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(cg->function);
    LLVMValueRef terminator = LLVMGetBasicBlockTerminator(entry);
    if (terminator)
        LLVMPositionBuilderBefore(b, terminator);
    else
        LLVMPositionBuilderAtEnd(b, entry);
    LLVMValueRef total = nm_const64(cg, 0);
    for (int m = 0; m < cg->jit->group_sizes[group]; m++)
        total = LLVMBuildAdd(b, total, LLVMBuildZExt(b, nm_load_bool(cg, cg->jit->groups[group][m]), cg->i64, ""), "");
    cg->group_sums[group] = total;
    LLVMPositionBuilderAtEnd(b, here);
    return total;
}

/* The value of a factored 0/1 input as i64: a byte or a shared sum. */
static LLVMValueRef nm_factored_value(nm_codegen *cg, const nm_slow_term *term)
{
    if (term->source >= 0)
        return LLVMBuildZExt(cg->builder, nm_load_bool(cg, term->source), cg->i64, "");
    return nm_group_sum(cg, -1 - term->source);
}


static LLVMValueRef nm_load_line(nm_codegen *cg, int line)
{
    LLVMValueRef offset = LLVMConstInt(cg->i64, (unsigned long long)line, 0);
    LLVMValueRef address = LLVMBuildGEP2(cg->builder, cg->i64, cg->lines, &offset, 1, "");
    return LLVMBuildLoad2(cg->builder, cg->i64, address, "u");
}

/* The integer part of a sum: bias, 0/1 inputs and lines, in units of
 * 2^-SHIFT, in 64 bits (the planning bounds keep it below 2^60). */
static LLVMValueRef nm_build_integer_part(nm_codegen *cg, int neuron, int shift)
{
    LLVMBuilderRef b = cg->builder;
    const nm_plan *plan = &cg->jit->plans[neuron];
    const nm_slow_neuron *slow = &cg->jit->slow[neuron];
    LLVMValueRef total = nm_const64(cg, (int64_t)nm_scaled(&slow->bias, shift, 0));
    for (int i = 0; i < plan->factored_count; i++) {
        const nm_slow_term *term = &plan->factored[i];
        int64_t weight = (int64_t)nm_scaled(&term->weight, shift, 0);
        LLVMValueRef value = nm_factored_value(cg, term);
        total = LLVMBuildAdd(b, total, weight == 1 ? value : LLVMBuildMul(b, value, nm_const64(cg, weight), ""), "");
    }
    for (int32_t i = 0; i < slow->line_count; i++) {
        LLVMValueRef value = nm_load_line(cg, slow->lines[i].source);
        int64_t weight = (int64_t)nm_scaled(&slow->lines[i].weight, shift, 0);
        total = LLVMBuildAdd(b, total, LLVMBuildMul(b, value, nm_const64(cg, weight), ""), "");
    }
    return total;
}

/* A 0/1 neuron.  Fed only by 0/1 neurons and lines it is [sum >= 1] on
 * integers; with slot inputs, nm_jit_decide adds their fixed-point values
 * and returns 0, 1, or -1 when it cannot decide, which ends the step. */
static void nm_emit_bool_neuron(nm_codegen *cg, int neuron, LLVMBasicBlockRef fail)
{
    LLVMBuilderRef b = cg->builder;
    const nm_slow_neuron *slow = &cg->jit->slow[neuron];
    const nm_plan *plan = &cg->jit->plans[neuron];
    LLVMValueRef integer = nm_build_integer_part(cg, neuron, 0);
    LLVMValueRef result;
    if (slow->slot_count == 0) {
        result = LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntSGE, integer, nm_const64(cg, 1), ""), cg->i8, "");
    } else {
        LLVMValueRef args[4] = {cg->context_arg, LLVMConstInt(cg->i32, (unsigned long long)neuron, 0),
                                integer, cg->slots_old};
        LLVMValueRef decided = LLVMBuildCall2(b, cg->decide_type, cg->decide_function, args, 4, "");
        LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(cg->context, cg->function, "");
        LLVMValueRef phi_index = LLVMGetFirstInstruction(fail);
        LLVMValueRef code = LLVMConstInt(cg->i32, (unsigned long long)neuron + 1, 0);
        LLVMBasicBlockRef here = LLVMGetInsertBlock(b);
        LLVMAddIncoming(phi_index, &code, &here, 1);
        LLVMValueRef known = LLVMBuildICmp(b, LLVMIntSGE, decided, LLVMConstInt(cg->i32, 0, 0), "");
        LLVMBuildCondBr(b, known, next, fail);
        LLVMPositionBuilderAtEnd(b, next);
        result = LLVMBuildTrunc(b, decided, cg->i8, "");
    }
    LLVMValueRef offset = LLVMConstInt(cg->i64, (unsigned long long)plan->index, 0);
    LLVMValueRef address = LLVMBuildGEP2(b, cg->i8, cg->bools_new, &offset, 1, "");
    LLVMBuildStore(b, result, address);
}

static LLVMValueRef nm_new_slot(nm_codegen *cg, int neuron)
{
    const nm_plan *plan = &cg->jit->plans[neuron];
    LLVMValueRef offset = LLVMConstInt(cg->i64, (unsigned long long)plan->index, 0);
    return LLVMBuildGEP2(cg->builder, cg->slot, cg->slots_new, &offset, 1, "");
}

static void nm_emit_slow_call(nm_codegen *cg, int neuron)
{
    LLVMValueRef args[6] = {cg->context_arg, LLVMConstInt(cg->i32, (unsigned long long)neuron, 0),
                            cg->bools_old, cg->slots_old, cg->lines, nm_new_slot(cg, neuron)};
    LLVMBuildCall2(cg->builder, cg->slow_type, cg->slow_function, args, 6, "");
}

/* A slot neuron.  Without slot inputs the integer part is the exact sum
 * and sigma is inline; otherwise nm_jit_slot adds the slot inputs and
 * settles the value, exactly. */
static void nm_emit_slot_neuron(nm_codegen *cg, int neuron)
{
    LLVMBuilderRef b = cg->builder;
    const nm_plan *plan = &cg->jit->plans[neuron];
    const nm_slow_neuron *slow = &cg->jit->slow[neuron];
    if (plan->always_slow) {
        nm_emit_slow_call(cg, neuron);
        return;
    }
    LLVMValueRef integer = nm_build_integer_part(cg, neuron, plan->shift);
    LLVMValueRef out = nm_new_slot(cg, neuron);
    if (slow->slot_count > 0 || plan->shift > NM_Q_BITS) {
        LLVMValueRef args[7] = {cg->context_arg, LLVMConstInt(cg->i32, (unsigned long long)neuron, 0),
                                integer, cg->bools_old, cg->slots_old, cg->lines, out};
        LLVMBuildCall2(b, cg->partial_type, cg->partial_function, args, 7, "");
        return;
    }
    /* sigma(integer * 2^-shift) as q = clamp(integer) * 2^(62 - shift). */
    LLVMValueRef limit = nm_const64(cg, (int64_t)1 << plan->shift);
    LLVMValueRef low = LLVMBuildICmp(b, LLVMIntSLE, integer, nm_const64(cg, 0), "");
    LLVMValueRef high = LLVMBuildICmp(b, LLVMIntSGE, integer, limit, "");
    LLVMValueRef clamped = LLVMBuildSelect(b, low, nm_const64(cg, 0),
                                           LLVMBuildSelect(b, high, limit, integer, ""), "");
    LLVMValueRef q = LLVMBuildShl(b, clamped, nm_const64(cg, NM_Q_BITS - plan->shift), "");
    LLVMBuildStore(b, q, LLVMBuildStructGEP2(b, cg->slot, out, 0, ""));
}

static void nm_codegen_types(nm_codegen *cg)
{
    LLVMContextRef c = cg->context;
    cg->i1 = LLVMInt1TypeInContext(c);
    cg->i8 = LLVMInt8TypeInContext(c);
    cg->i32 = LLVMInt32TypeInContext(c);
    cg->i64 = LLVMInt64TypeInContext(c);
    cg->ptr = LLVMPointerTypeInContext(c, 0);
    LLVMTypeRef fields[5] = {cg->i64, cg->ptr, cg->i64, cg->i64, cg->i64};
    cg->slot = LLVMStructTypeInContext(c, fields, 5, 0);
    LLVMTypeRef params[6] = {cg->ptr, cg->ptr, cg->ptr, cg->ptr, cg->ptr, cg->ptr};
    cg->step_type = LLVMFunctionType(cg->i32, params, 6, 0);
    LLVMTypeRef slow_params[6] = {cg->ptr, cg->i32, cg->ptr, cg->ptr, cg->ptr, cg->ptr};
    cg->slow_type = LLVMFunctionType(LLVMVoidTypeInContext(c), slow_params, 6, 0);
    LLVMTypeRef partial_params[7] = {cg->ptr, cg->i32, cg->i64, cg->ptr, cg->ptr, cg->ptr, cg->ptr};
    cg->partial_type = LLVMFunctionType(LLVMVoidTypeInContext(c), partial_params, 7, 0);
    LLVMTypeRef decide_params[4] = {cg->ptr, cg->i32, cg->i64, cg->ptr};
    cg->decide_type = LLVMFunctionType(cg->i32, decide_params, 4, 0);
}

static void nm_mark_noalias(nm_codegen *cg, LLVMValueRef function)
{
    unsigned kind = LLVMGetEnumAttributeKindForName("noalias", 7);
    for (unsigned i = 1; i <= 4; i++)
        LLVMAddAttributeAtIndex(function, i, LLVMCreateEnumAttribute(cg->context, kind, 0));
}

static void nm_chunk_name(const nm_net_jit *jit, int chunk, char *name, size_t size)
{
    if (jit->id == 0)
        snprintf(name, size, "nm_step_%d", chunk);
    else
        snprintf(name, size, "nm_net%u_step_%d", jit->id, chunk);
}

static void nm_emit_chunk(nm_codegen *cg, int chunk, int first, int last)
{
    char name[48];
    nm_chunk_name(cg->jit, chunk, name, sizeof name);
    cg->function = LLVMAddFunction(cg->module, name, cg->step_type);
    nm_mark_noalias(cg, cg->function);
    LLVMValueRef *params[6] = {&cg->bools_old, &cg->bools_new, &cg->slots_old, &cg->slots_new,
                               &cg->lines, &cg->context_arg};
    for (unsigned i = 0; i < 6; i++)
        *params[i] = LLVMGetParam(cg->function, i);

    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(cg->context, cg->function, "entry");
    LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(cg->context, cg->function, "undecided");
    LLVMPositionBuilderAtEnd(cg->builder, fail);
    LLVMValueRef code = LLVMBuildPhi(cg->builder, cg->i32, "neuron");
    LLVMBuildRet(cg->builder, code);

    LLVMPositionBuilderAtEnd(cg->builder, entry);
    memset(cg->group_sums, 0, (size_t)(cg->jit->group_count + 1) * sizeof *cg->group_sums);
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(cg->context, cg->function, "body");
    LLVMBuildBr(cg->builder, body);
    LLVMPositionBuilderAtEnd(cg->builder, body);
    for (int i = first; i < last; i++) {
        if (cg->jit->plans[i].is_bool)
            nm_emit_bool_neuron(cg, i, fail);
        else
            nm_emit_slot_neuron(cg, i);
    }
    LLVMBuildRet(cg->builder, LLVMConstInt(cg->i32, 0, 0));
    if (LLVMCountIncoming(code) == 0) {
        LLVMDeleteBasicBlock(fail);
    }
}

static int nm_chunk_count(const nm_net *net)
{
    int count = (net->neuron_count + NM_JIT_CHUNK - 1) / NM_JIT_CHUNK;
    return count ? count : 1;
}

/* Adds the step functions of JIT's network to MODULE. */
static void nm_generate_into(nm_net_jit *jit, nm_llvm_jit *llvm, LLVMModuleRef module)
{
    nm_codegen cg;
    memset(&cg, 0, sizeof cg);
    cg.jit = jit;
    cg.context = nm_llvm_jit_context(llvm);
    cg.module = module;
    cg.builder = LLVMCreateBuilderInContext(cg.context);
    nm_codegen_types(&cg);
    cg.slow_function = LLVMGetNamedFunction(module, "nm_jit_slow");
    if (!cg.slow_function)
        cg.slow_function = LLVMAddFunction(module, "nm_jit_slow", cg.slow_type);
    cg.partial_function = LLVMGetNamedFunction(module, "nm_jit_slot");
    if (!cg.partial_function)
        cg.partial_function = LLVMAddFunction(module, "nm_jit_slot", cg.partial_type);
    cg.decide_function = LLVMGetNamedFunction(module, "nm_jit_decide");
    if (!cg.decide_function)
        cg.decide_function = LLVMAddFunction(module, "nm_jit_decide", cg.decide_type);
    cg.group_sums = nm_xcalloc((size_t)jit->group_count + 1, sizeof *cg.group_sums);

    int chunks = nm_chunk_count(jit->net);
    for (int k = 0; k < chunks; k++) {
        int first = k * NM_JIT_CHUNK;
        int last = first + NM_JIT_CHUNK < jit->net->neuron_count ? first + NM_JIT_CHUNK
                                                                  : jit->net->neuron_count;
        nm_emit_chunk(&cg, k, first, last);
    }
    LLVMDisposeBuilder(cg.builder);
    free(cg.group_sums);
}

static LLVMModuleRef nm_generate(nm_net_jit *jit, nm_llvm_jit *llvm)
{
    LLVMModuleRef module = nm_llvm_jit_new_module(llvm, "nm_network");
    nm_generate_into(jit, llvm, module);
    return module;
}

/* Adds the slot inputs of NEURON to INTEGER (units of 2^-shift) in fixed
 * point: *TOTAL in units of 2^-(62 + shift), and the bounds that inputs
 * held in buffers (whose q is a floor) put on the true sum. */
static bool nm_add_slots(const nm_net_jit *jit, int32_t neuron, int64_t integer,
                         const nm_slot *slots, __int128 *total, __int128 *up, __int128 *down)
{
    const nm_plan *plan = &jit->plans[neuron];
    const nm_slow_neuron *slow = &jit->slow[neuron];
    bool big = false;
    *total = (__int128)integer * (__int128)NM_Q_ONE;
    *up = *down = 0;
    for (int32_t t = 0; t < slow->slot_count; t++) {
        const nm_slot *slot = &slots[slow->slots[t].source];
        int64_t weight = plan->slot_weights[t];
        *total += (__int128)weight * (__int128)slot->q;
        if (slot->buf) {
            big = true;
            if (weight > 0)
                *up += weight;
            else
                *down -= weight;
        }
    }
    return big;
}

/* Called by generated code for a slot neuron with slot inputs. */
static void nm_jit_slot(void *context, int32_t neuron, int64_t integer, const uint8_t *bools,
                        const nm_slot *slots, const int64_t *lines, nm_slot *out)
{
    const nm_net_jit *jit = context;
    int shift = jit->plans[neuron].shift;
    __int128 total, up, down;
    bool big = nm_add_slots(jit, neuron, integer, slots, &total, &up, &down);
    __int128 one = (__int128)1 << (NM_Q_BITS + shift);
    if (total + up <= 0) {
        out->q = 0;
    } else if (total - down >= one) {
        out->q = NM_Q_ONE;
    } else if (!big && shift <= NM_Q_BITS && (total & (((__int128)1 << shift) - 1)) == 0) {
        out->q = (uint64_t)(total >> shift);
    } else {
        nm_slow_eval_partial(&jit->slow[neuron], integer, shift, bools, slots, lines, out);
    }
}

/* Called by generated code for a 0/1 neuron with slot inputs: 0 or 1, or
 * -1 when the value is not decided (and may not be 0/1 at all). */
static int32_t nm_jit_decide(void *context, int32_t neuron, int64_t integer, const nm_slot *slots)
{
    const nm_net_jit *jit = context;
    __int128 total, up, down;
    nm_add_slots(jit, neuron, integer, slots, &total, &up, &down);
    if (total + up <= 0)
        return 0;
    if (total - down >= (__int128)NM_Q_ONE)
        return 1;
    return -1;
}

/* Called by generated code: the exact value of one slot neuron. */
static void nm_jit_slow(void *context, int32_t neuron, const uint8_t *bools, const nm_slot *slots,
                        const int64_t *lines, nm_slot *out)
{
    const nm_net_jit *jit = context;
    nm_slow_eval(&jit->slow[neuron], bools, slots, lines, out);
}

static double nm_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

static void nm_free_plans(nm_net_jit *jit)
{
    for (int g = 0; g < jit->group_count; g++)
        free(jit->groups[g]);
    free(jit->groups);
    free(jit->group_sizes);
    if (jit->plans)
        for (int i = 0; i < jit->net->neuron_count; i++) {
            free(jit->plans[i].factored);
            free(jit->plans[i].slot_weights);
        }
    if (jit->slow) {
        for (int i = 0; i < jit->net->neuron_count; i++) {
            free(jit->slow[i].slots);
            free(jit->slow[i].bools);
            free(jit->slow[i].lines);
        }
    }
    free(jit->slow);
    free(jit->plans);
}

void nm_net_jit_free(nm_net_jit *jit)
{
    if (!jit)
        return;
    nm_free_plans(jit);
    free(jit->chunks);
    if (jit->owns_llvm)
        nm_llvm_jit_free(jit->llvm);
    free(jit);
}

nm_llvm_jit *nm_net_jit_llvm(char **error)
{
    nm_llvm_symbol symbols[3] = {{"nm_jit_slow", (void *)nm_jit_slow},
                                 {"nm_jit_slot", (void *)nm_jit_slot},
                                 {"nm_jit_decide", (void *)nm_jit_decide}};
    return nm_llvm_jit_new(symbols, 3, error);
}

nm_net_jit *nm_net_jit_compile(const nm_net *net, char **error)
{
    double started = nm_seconds();
    nm_llvm_jit *llvm = nm_net_jit_llvm(error);
    if (!llvm)
        return NULL;
    nm_net_jit *jit = nm_net_jit_compile_in(net, llvm, error);
    if (!jit) {
        nm_llvm_jit_free(llvm);
        return NULL;
    }
    jit->owns_llvm = true;
    jit->compile_seconds = nm_seconds() - started;
    return jit;
}

nm_net_jit *nm_net_jit_compile_in(const nm_net *net, nm_llvm_jit *llvm, char **error)
{
    nm_net_jit *jit = NULL;
    if (!nm_net_jit_compile_many(&net, 1, llvm, &jit, error))
        return NULL;
    return jit;
}

static bool nm_find_chunks(nm_net_jit *jit, char **error)
{
    jit->chunk_count = nm_chunk_count(jit->net);
    jit->chunks = nm_xcalloc((size_t)jit->chunk_count, sizeof *jit->chunks);
    for (int k = 0; k < jit->chunk_count; k++) {
        char name[48];
        nm_chunk_name(jit, k, name, sizeof name);
        void *address = nm_llvm_jit_lookup(jit->llvm, name, error);
        if (!address)
            return false;
        memcpy(&jit->chunks[k], &address, sizeof address);
    }
    return true;
}

bool nm_net_jit_compile_many(const nm_net *const *nets, int count, nm_llvm_jit *llvm,
                             nm_net_jit **out, char **error)
{
    static unsigned next_id = 0;
    double started = nm_seconds();
    for (int i = 0; i < count; i++)
        out[i] = NULL;
    LLVMModuleRef module = nm_llvm_jit_new_module(llvm, "nm_networks");
    for (int i = 0; i < count; i++) {
        nm_net_jit *jit = nm_xcalloc(1, sizeof *jit);
        jit->net = nets[i];
        jit->llvm = llvm;
        jit->id = next_id++;
        out[i] = jit;
        if (!nm_plan_network(jit, error)) {
            LLVMDisposeModule(module);
            goto failed;
        }
        nm_generate_into(jit, llvm, module);
    }
    double generated = nm_seconds();
    if (!nm_llvm_jit_optimize(llvm, module, error)) {
        LLVMDisposeModule(module);
        goto failed;
    }
    double optimized = nm_seconds();
    if (!nm_llvm_jit_add(llvm, module, error))
        goto failed;
    for (int i = 0; i < count; i++)
        if (!nm_find_chunks(out[i], error))
            goto failed;
    double finished = nm_seconds();
    if (getenv("NMC_JIT_TIMING"))
        fprintf(stderr, "jit: %d network%s: generate %.1f ms, optimize %.1f ms, codegen %.1f ms\n",
                count, count == 1 ? "" : "s", 1e3 * (generated - started),
                1e3 * (optimized - generated), 1e3 * (finished - optimized));
    for (int i = 0; i < count; i++)
        out[i]->compile_seconds = (finished - started) / count;
    return true;

failed:
    for (int i = 0; i < count; i++) {
        nm_net_jit_free(out[i]);
        out[i] = NULL;
    }
    return false;
}

double nm_net_jit_compile_seconds(const nm_net_jit *jit)
{
    return jit->compile_seconds;
}

char *nm_net_jit_ir(const nm_net *net, bool optimize, char **error)
{
    nm_net_jit *jit = nm_xcalloc(1, sizeof *jit);
    jit->net = net;
    jit->owns_llvm = true;
    char *text = NULL;
    if (nm_plan_network(jit, error) && (jit->llvm = nm_net_jit_llvm(error))) {
        LLVMModuleRef module = nm_generate(jit, jit->llvm);
        if (!optimize || nm_llvm_jit_optimize(jit->llvm, module, error)) {
            char *printed = LLVMPrintModuleToString(module);
            text = nm_xstrdup(printed);
            LLVMDisposeMessage(printed);
        }
        LLVMDisposeModule(module);
    }
    nm_net_jit_free(jit);
    return text;
}

/* ---- running ------------------------------------------------------------ */

void nm_net_jit_run_init(nm_net_jit_run *run, nm_net_jit *jit, mpq_t *initial)
{
    memset(run, 0, sizeof *run);
    run->jit = jit;
    for (int k = 0; k < 2; k++) {
        run->bools[k] = nm_xcalloc((size_t)jit->bool_count + 1, 1);
        run->slots[k] = nm_xcalloc((size_t)jit->slot_count + 1, sizeof(nm_slot));
    }
    if (!initial)
        return;
    bool representable = true;
    for (int i = 0; i < jit->net->neuron_count; i++) {
        const nm_plan *plan = &jit->plans[i];
        if (plan->is_bool) {
            int value = mpq_cmp_ui(initial[i], 1, 1) == 0 ? 1 : 0;
            representable = representable && (value == 1 || mpq_sgn(initial[i]) == 0);
            run->bools[0][plan->index] = (uint8_t)value;
        } else {
            representable = nm_slot_set_mpq(&run->slots[0][plan->index], initial[i]) && representable;
        }
    }
    if (!representable) {
        run->fallback = nm_xcalloc(1, sizeof *run->fallback);
        nm_interp_init(run->fallback, jit->net, initial);
    }
}

void nm_net_jit_run_free(nm_net_jit_run *run)
{
    for (int k = 0; k < 2; k++) {
        for (int s = 0; s < run->jit->slot_count; s++)
            nm_slot_release(&run->slots[k][s]);
        free(run->bools[k]);
        free(run->slots[k]);
    }
    if (run->fallback) {
        nm_interp_free(run->fallback);
        free(run->fallback);
    }
}

static void nm_read_value(nm_net_jit_run *run, int neuron, mpq_t out)
{
    if (run->fallback) {
        mpq_set(out, run->fallback->values[neuron]);
        return;
    }
    const nm_plan *plan = &run->jit->plans[neuron];
    if (plan->is_bool)
        mpq_set_ui(out, run->bools[run->current][plan->index], 1);
    else
        nm_slot_get_mpq(&run->slots[run->current][plan->index], out);
}

/* Moves the run to the interpreter, from the current exact state. */
static void nm_switch_to_interpreter(nm_net_jit_run *run, int neuron)
{
    const nm_net *net = run->jit->net;
    if (neuron >= 0)
        fprintf(stderr,
                "nmc: note: at network step %llu the JIT could not decide 0/1 neuron '%s' "
                "exactly; the run continues in the interpreter\n",
                (unsigned long long)run->steps, net->neurons[neuron].name);
    else
        fprintf(stderr,
                "nmc: note: at network step %llu an input line is beyond %d; the run continues "
                "in the interpreter\n",
                (unsigned long long)run->steps, NM_JIT_MAX_LINE);
    mpq_t *values = nm_xcalloc((size_t)net->neuron_count + 1, sizeof *values);
    for (int i = 0; i < net->neuron_count; i++) {
        mpq_init(values[i]);
        nm_read_value(run, i, values[i]);
    }
    run->fallback = nm_xcalloc(1, sizeof *run->fallback);
    nm_interp_init(run->fallback, net, values);
    for (int i = 0; i < net->neuron_count; i++)
        mpq_clear(values[i]);
    free(values);
}

static void nm_jit_step(void *self, const int64_t *lines)
{
    nm_net_jit_run *run = self;
    nm_net_jit *jit = run->jit;
    int64_t idle[2] = {0, 0};
    const int64_t *given = lines ? lines : idle;
    bool lines_in_range = true;
    for (int l = 0; lines && l < jit->net->line_count; l++)
        lines_in_range = lines_in_range && lines[l] >= -NM_JIT_MAX_LINE && lines[l] <= NM_JIT_MAX_LINE;
    if (!run->fallback && !lines_in_range)
        nm_switch_to_interpreter(run, -1);
    if (run->fallback) {
        nm_interp_step(run->fallback, lines);
        run->steps++;
        return;
    }

    int old = run->current, new = 1 - old;
    for (int k = 0; k < jit->chunk_count; k++) {
        int status = jit->chunks[k](run->bools[old], run->bools[new], run->slots[old],
                                    run->slots[new], given, jit);
        if (status != 0) {
            for (int s = 0; s < jit->slot_count; s++)
                nm_slot_release(&run->slots[new][s]);
            nm_switch_to_interpreter(run, status - 1);
            nm_interp_step(run->fallback, lines);
            run->steps++;
            return;
        }
    }
    nm_slot *old_slots = run->slots[old], *new_slots = run->slots[new];
    for (int s = 0; s < jit->slot_count; s++)
        if (old_slots[s].buf)
            nm_slot_release(&old_slots[s]);
    for (int s = 0; s < jit->slot_count; s++)
        if (new_slots[s].buf)
            nm_slot_commit(&new_slots[s]);
    run->current = new;
    run->steps++;
}

static void nm_jit_read(void *self, int neuron, mpq_t out)
{
    nm_read_value(self, neuron, out);
}

static void nm_jit_read_all(void *self, nm_net_values *out)
{
    for (int i = 0; i < out->count; i++)
        nm_read_value(self, i, out->values[i]);
}

static int nm_jit_read_binary(void *self, int neuron)
{
    nm_net_jit_run *run = self;
    if (run->fallback) {
        mpq_srcptr value = run->fallback->values[neuron];
        if (mpq_sgn(value) == 0)
            return 0;
        return mpq_cmp_ui(value, 1, 1) == 0 ? 1 : -1;
    }
    const nm_plan *plan = &run->jit->plans[neuron];
    if (plan->is_bool)
        return run->bools[run->current][plan->index];
    const nm_slot *slot = &run->slots[run->current][plan->index];
    if (slot->buf)
        return -1;
    return slot->q == 0 ? 0 : slot->q == NM_Q_ONE ? 1 : -1;
}

/* Machine steps back to back, reading only the neuron that says whether
 * the last configuration had a transition. */
static bool nm_jit_advance(void *self, const nm_net *net, uint64_t max, uint64_t *machine_steps,
                           uint64_t *network_steps)
{
    for (uint64_t m = 0; m < max; m++) {
        int fired = -1;
        for (int offset = 1; offset <= net->period; offset++) {
            nm_jit_step(self, NULL);
            (*network_steps)++;
            if (offset == net->fired_offset)
                fired = nm_jit_read_binary(self, net->fired);
        }
        if (fired != 1)
            return true;
        (*machine_steps)++;
    }
    return false;
}

nm_net_engine nm_net_jit_engine(nm_net_jit_run *run)
{
    nm_net_engine engine = {"jit", run, nm_jit_step, nm_jit_read, nm_jit_read_all,
                            nm_jit_read_binary, nm_jit_advance};
    return engine;
}
