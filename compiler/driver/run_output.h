/* The result of a run as nmc prints it: a text report for a person or one
 * JSON object for scripts, whichever engine ran the machine. */
#ifndef NM_RUN_OUTPUT_H
#define NM_RUN_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "machine/machine.h"
#include "net/config.h"
#include "tm.h"

typedef enum nm_engine { NM_ENGINE_DIRECT, NM_ENGINE_INTERP, NM_ENGINE_JIT } nm_engine;

typedef struct nm_run_options {
    const char *file;
    const char *format;
    const char *machine;
    const char *input;
    uint64_t max_steps;
    nm_engine engine;
    const char *layout;     /* layered or realtime */
    bool json;
    bool verify;
    bool trace;
    bool input_lines;
    bool final_state;
} nm_run_options;

/* One tape of a final configuration: the cells from the leftmost to the
 * rightmost cell that is non-blank or under the head. */
typedef struct nm_report_tape {
    uint8_t *cells;
    size_t count;
    size_t head;
} nm_report_tape;

typedef struct nm_run_report {
    const nm_machine *machine;
    const char *engine;
    tm_status status;
    int state;
    uint64_t steps;
    int tapes;
    nm_report_tape tape[TM_MAX_TAPES];
    uint64_t nonblank;
    /* Network runs only. */
    bool network;
    const char *layout;
    uint64_t network_steps;
    int neurons;
    size_t weights;
    double compile_seconds; /* JIT compile time, or negative */
    bool verified;          /* --verify compared every machine step */
    char **final_state;     /* exact values as text, or NULL */
    int final_state_count;
} nm_run_report;

nm_run_report nm_report_from_sim(const nm_machine *machine, const tm_sim *sim, tm_status status,
                                 const char *engine);
/* Takes over the cells of CONFIG. */
nm_run_report nm_report_from_config(const nm_machine *machine, nm_config *config,
                                    tm_status status, uint64_t steps, const char *engine);
void nm_run_report_free(nm_run_report *report);
void nm_print_run_report(const nm_run_report *report, bool json);

#endif
