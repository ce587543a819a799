/* Exact dyadic values for JIT-compiled networks.
 *
 * When every weight of a network is dyadic (a denominator that is a power
 * of two), so is every value it computes, and a value needs no gcd: it is
 * an integer mantissa and a binary exponent.  A neuron's value lives in a
 * slot.  Values with at most NM_Q_BITS fractional bits (all the 0/1 neurons
 * and short stacks) are held in the slot's fixed-point field q alone; longer
 * ones keep a mantissa in a reference-counted limb buffer, plus a small
 * pending term:
 *
 *     value = M * 2^-exp + delta * 2^-shift        (M from the buffer)
 *
 * and q still holds floor(value * 2^NM_Q_BITS), so that generated code
 * decides most saturations from q alone, with an error below one unit.
 *
 * The pending term is what makes stack operations O(1).  A push is
 * x/B + d/B: the new value shares x's buffer, with exp larger by log2(B) and
 * d/B pending.  A pop is B x - d: exp smaller, -d pending.  Once the old
 * value is gone (the step ends and the previous state is released), the
 * buffer has one owner and the pending term is added in place at the top
 * of the mantissa, touching one or two limbs.  Values always stay exact:
 * when a buffer is shared or a term does not fit, the code falls back to
 * copying or to GMP.
 */
#ifndef NM_DYADIC_H
#define NM_DYADIC_H

#include <gmp.h>
#include <stdbool.h>
#include <stdint.h>

/* Fractional bits of the fixed-point field q: 2^62 stands for 1, and
 * values of neurons lie in [0, 1], so q fits in 63 bits. */
#define NM_Q_BITS 62
#define NM_Q_ONE ((uint64_t)1 << NM_Q_BITS)

typedef struct nm_limbs {
    int64_t refcount;
    uint64_t capacity;   /* limbs allocated */
    uint64_t size;       /* limbs in use; the top one is not zero */
    uint64_t limb[];
} nm_limbs;

typedef struct nm_slot {
    uint64_t q;          /* floor(value * 2^62); exact when buf is NULL */
    nm_limbs *buf;       /* NULL for a value held in q alone */
    int64_t exp;
    int64_t delta;
    int64_t shift;
} nm_slot;

/* A dyadic weight: numerator * 2^-shift. */
typedef struct nm_dyadic {
    int64_t numerator;
    int64_t shift;
} nm_dyadic;

/* Converts a rational to a dyadic weight; false when its denominator is
 * not a power of two or its numerator does not fit in 62 bits. */
bool nm_dyadic_from_mpq(nm_dyadic *out, const mpq_t value);

void nm_slot_init(nm_slot *slot);
/* Drops the slot's reference to its buffer and sets it to 0. */
void nm_slot_release(nm_slot *slot);
/* Sets the slot to a dyadic value in [0, 1]; false when VALUE is not one. */
bool nm_slot_set_mpq(nm_slot *slot, const mpq_t value);
void nm_slot_get_mpq(const nm_slot *slot, mpq_t out);
/* Adds the pending term into the buffer when the slot is its only owner,
 * and moves values that fit back into q. */
void nm_slot_commit(nm_slot *slot);
/* Copies SOURCE into TARGET, sharing the buffer. */
void nm_slot_copy(nm_slot *target, const nm_slot *source);

/* One term of a neuron's input: WEIGHT times a source value. */
typedef struct nm_slow_term {
    nm_dyadic weight;
    int32_t source;      /* a slot index, a 0/1 neuron index or a line index */
} nm_slow_term;

/* A neuron as the exact evaluator sees it. */
typedef struct nm_slow_neuron {
    nm_dyadic bias;
    nm_slow_term *slots;     /* inputs from slot neurons */
    int32_t slot_count;
    nm_slow_term *bools;     /* inputs from 0/1 neurons */
    int32_t bool_count;
    nm_slow_term *lines;     /* inputs from input lines */
    int32_t line_count;
} nm_slow_neuron;

/* Evaluates sigma(input) of NEURON exactly from the previous state and
 * stores it in OUT (released first).  Never fails. */
void nm_slow_eval(const nm_slow_neuron *neuron, const uint8_t *bools, const nm_slot *slots,
                  const int64_t *lines, nm_slot *out);

/* The same when the caller has already summed the bias, the 0/1 inputs
 * and the lines: INTEGER * 2^-SHIFT. */
void nm_slow_eval_partial(const nm_slow_neuron *neuron, int64_t integer, int64_t shift,
                          const uint8_t *bools, const nm_slot *slots, const int64_t *lines,
                          nm_slot *out);

/* Counts of the paths taken, for benchmarks and tests. */
typedef struct nm_dyadic_stats {
    uint64_t views;      /* O(1) results sharing a buffer */
    uint64_t commits;    /* pending terms added in place */
    uint64_t copies;     /* buffers copied because they were shared */
    uint64_t general;    /* results computed with GMP */
} nm_dyadic_stats;

extern nm_dyadic_stats nm_dyadic_counters;

#endif
