/* Runs a cell through the reference interpreter and the JIT side by side
 * and measures how far the JIT's results are from the interpreter's. */
#ifndef NM_JIT_CHECK_H
#define NM_JIT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "tensor/graph.h"

typedef struct nm_check_options {
    nm_dtype dtype;
    int steps;              /* time steps, states flowing from one to the next */
    bool backward;          /* also backpropagate through the steps */
    double low, high;       /* inputs and parameters are uniform in [low, high] */
    double state_low, state_high;   /* initial states likewise */
    uint64_t seed;
    bool null_last_seeds;   /* the last step's next-state seeds are NULL (zeros) */
    double floor;           /* errors are relative to at least this magnitude */
} nm_check_options;

/* Differences per kind of result: for each tensor, the largest
 * |jit - interpreter| over the largest |interpreter| value or the floor
 * of the options, whichever is larger (0 for equal values, infinity for a
 * NaN on one side only). */
typedef struct nm_check_report {
    double forward;         /* outputs and next states, every step */
    double backward;        /* input and state gradients, every step */
    double params;          /* accumulated parameter gradients */
    bool forward_exact;     /* every value equal (0 and -0 alike) */
    bool backward_exact;    /* input and state gradients */
    bool params_exact;
    int compared;           /* tensors compared */
    int reference_nans;     /* NaN values in the interpreter's results */
} nm_check_report;

nm_check_options nm_check_defaults(nm_dtype dtype);

/* Compiles FORWARD (and its backward cell) and compares; fails the
 * current cmocka test when compilation fails. */
void nm_check_cell(const nm_graph *forward, const nm_check_options *options, nm_check_report *report);

/* Compiles and compares, then asserts that the interpreter computed no
 * NaN and that the report's errors are within
 * TOLERANCE, or exactly 0 where EXACT_FORWARD or EXACT_BACKWARD demand.
 * Parameter gradients are never required to be equal: the JIT adds a
 * reduction's terms into the caller's array one by one, (g + a) + b where
 * the interpreter's sum is added at the end, g + (a + b). */
void nm_assert_cell(const nm_graph *forward, const nm_check_options *options, double tolerance,
                    bool exact_forward, bool exact_backward);

#endif
