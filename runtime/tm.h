/* Turing machine tables and the direct simulator.
 *
 * A table is the machine after checking: every state and every tuple of
 * symbols under the heads maps to one transition or to none.  The direct
 * simulator runs a table on tapes that are unbounded in both directions.  It
 * is the reference that network runs are checked against and the speed they
 * are measured against, so its inner loop allocates nothing and checks the
 * tape bounds only once per stretch of steps that cannot reach an edge.
 */
#ifndef TM_H
#define TM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tapes of one machine.  Read tuples index the table densely (symbols to
 * the power of tapes entries per state), so tapes multiply its size. */
#define TM_MAX_TAPES 8
/* Symbols of one alphabet: each tape cell is one byte. */
#define TM_MAX_SYMBOLS 256
/* States of one machine. */
#define TM_MAX_STATES 65536
/* Entries (states times read tuples) of one table: 16 Mi entries take a few
 * hundred MiB with their writes and moves. */
#define TM_MAX_TABLE_ENTRIES (16u * 1024 * 1024)
/* Cells one tape may grow to: 1 GiB of memory per tape. */
#define TM_MAX_TAPE_CELLS ((int64_t)1 << 30)

#define TM_UNDEFINED (-1)

typedef struct tm_table {
    int tapes;
    int symbols;
    int states;
    int start;
    int blank;            /* symbol index; the alphabet is shared by all tapes */
    size_t reads;         /* symbols to the power of tapes */
    uint8_t *halting;     /* per state: 1 for a halting state */
    int32_t *next;        /* [state * reads + read code]: next state or TM_UNDEFINED */
    uint8_t *write;       /* [(state * reads + read code) * tapes + tape] */
    int8_t *move;         /* same layout: -1 left, 0 stay, +1 right */
} tm_table;

/* Allocates a table with every entry undefined and no halting state. */
tm_table *tm_table_new(int tapes, int symbols, int states);
void tm_table_free(tm_table *table);
/* The read code of a tuple of symbols, tape 0 varying fastest. */
size_t tm_read_code(const tm_table *table, const uint8_t *symbols);

typedef enum tm_status {
    TM_RUNNING,
    TM_HALTED,       /* entered a halting state */
    TM_NO_TRANSITION, /* no transition for the state and the symbols read */
    TM_STEP_LIMIT,   /* the requested number of steps ran out */
    TM_TAPE_LIMIT,   /* a tape would grow past TM_MAX_TAPE_CELLS */
} tm_status;

typedef struct tm_tape {
    uint8_t *cells;
    int64_t capacity;
    int64_t head;     /* index into cells */
    int64_t origin;   /* index of the cell where the head started */
    int64_t low, high; /* cells in [low, high) may be non-blank or were visited */
} tm_tape;

typedef struct tm_sim {
    const tm_table *table;
    tm_tape tapes[TM_MAX_TAPES];
    int32_t state;
    uint64_t steps;
    tm_status status;
    void *fast_table;  /* packed one-tape table for the fast loop */
} tm_sim;

/* Starts a run: INPUT (symbol indices) on tape 0 from the head rightwards,
 * other tapes blank.  Returns false when a tape cannot hold the input. */
bool tm_sim_init(tm_sim *sim, const tm_table *table, const uint8_t *input,
                 size_t input_length);
void tm_sim_free(tm_sim *sim);
/* Executes one transition, or stops; returns the status after it. */
tm_status tm_sim_step(tm_sim *sim);
/* Executes up to MAX_STEPS transitions; returns the status after them. */
tm_status tm_sim_run(tm_sim *sim, uint64_t max_steps);

/* Symbol under the head of TAPE, and at POSITION relative to where the head
 * started (cells never visited read as blank). */
uint8_t tm_sim_read(const tm_sim *sim, int tape);
uint8_t tm_sim_cell(const tm_sim *sim, int tape, int64_t position);
/* Head position relative to where it started. */
int64_t tm_sim_head(const tm_sim *sim, int tape);
/* The smallest range [*first, *last] of positions holding every non-blank
 * cell and the head. */
void tm_sim_extent(const tm_sim *sim, int tape, int64_t *first, int64_t *last);
/* Non-blank cells on all tapes. */
uint64_t tm_sim_nonblank(const tm_sim *sim);

const char *tm_status_name(tm_status status);

#endif
