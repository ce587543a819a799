/* Turing machine tables and the direct simulator; see tm.h. */
#include "tm.h"

#include <stdlib.h>
#include <string.h>

/* Cells a tape starts with; it doubles whenever the head reaches an end. */
enum { TM_INITIAL_CELLS = 4096 };

/* One entry of the packed one-tape table.  NEXT is the next state times the
 * number of symbols, so the next lookup is one add away, or -1. */
typedef struct tm_fast_entry {
    int32_t next;
    uint8_t write;
    int8_t move;
} tm_fast_entry;

tm_table *tm_table_new(int tapes, int symbols, int states)
{
    size_t reads = 1;
    for (int t = 0; t < tapes; t++)
        reads *= (size_t)symbols;
    size_t entries = reads * (size_t)states;

    tm_table *table = calloc(1, sizeof *table);
    if (!table)
        return NULL;
    table->tapes = tapes;
    table->symbols = symbols;
    table->states = states;
    table->reads = reads;
    table->halting = calloc((size_t)states, 1);
    table->next = malloc(entries * sizeof *table->next);
    table->write = calloc(entries * (size_t)tapes, 1);
    table->move = calloc(entries * (size_t)tapes, 1);
    if (!table->halting || !table->next || !table->write || !table->move) {
        tm_table_free(table);
        return NULL;
    }
    for (size_t i = 0; i < entries; i++)
        table->next[i] = TM_UNDEFINED;
    return table;
}

void tm_table_free(tm_table *table)
{
    if (!table)
        return;
    free(table->halting);
    free(table->next);
    free(table->write);
    free(table->move);
    free(table);
}

size_t tm_read_code(const tm_table *table, const uint8_t *symbols)
{
    size_t code = 0;
    for (int t = table->tapes - 1; t >= 0; t--)
        code = code * (size_t)table->symbols + symbols[t];
    return code;
}

static bool tm_tape_init(tm_tape *tape, uint8_t blank, const uint8_t *input, size_t length)
{
    int64_t capacity = TM_INITIAL_CELLS;
    while (capacity < 2 * (int64_t)length + 64)
        capacity *= 2;
    if (capacity > TM_MAX_TAPE_CELLS)
        return false;
    tape->cells = malloc((size_t)capacity);
    if (!tape->cells)
        return false;
    memset(tape->cells, blank, (size_t)capacity);
    tape->capacity = capacity;
    tape->head = capacity / 4;
    tape->origin = tape->head;
    if (length)
        memcpy(tape->cells + tape->head, input, length);
    return true;
}

/* Doubles the tape, keeping the old cells in the middle of the new ones, so
 * that the head is far from both ends again. */
static bool tm_tape_grow(tm_tape *tape, uint8_t blank)
{
    int64_t capacity = 2 * tape->capacity;
    if (capacity > TM_MAX_TAPE_CELLS)
        return false;
    uint8_t *cells = malloc((size_t)capacity);
    if (!cells)
        return false;
    int64_t shift = (capacity - tape->capacity) / 2;
    memset(cells, blank, (size_t)capacity);
    memcpy(cells + shift, tape->cells, (size_t)tape->capacity);
    free(tape->cells);
    tape->cells = cells;
    tape->capacity = capacity;
    tape->head += shift;
    tape->origin += shift;
    return true;
}

static tm_fast_entry *tm_pack_table(const tm_table *table)
{
    size_t entries = table->reads * (size_t)table->states;
    tm_fast_entry *packed = malloc(entries * sizeof *packed);
    if (!packed)
        return NULL;
    for (size_t i = 0; i < entries; i++) {
        int32_t next = table->next[i];
        packed[i].next = next == TM_UNDEFINED ? -1 : next * table->symbols;
        packed[i].write = table->write[i];
        packed[i].move = table->move[i];
    }
    return packed;
}

bool tm_sim_init(tm_sim *sim, const tm_table *table, const uint8_t *input,
                 size_t input_length)
{
    memset(sim, 0, sizeof *sim);
    sim->table = table;
    sim->state = table->start;
    sim->status = TM_RUNNING;
    for (int t = 0; t < table->tapes; t++) {
        bool ok = t == 0 ? tm_tape_init(&sim->tapes[t], (uint8_t)table->blank, input, input_length)
                         : tm_tape_init(&sim->tapes[t], (uint8_t)table->blank, NULL, 0);
        if (!ok) {
            tm_sim_free(sim);
            return false;
        }
    }
    if (table->tapes == 1) {
        sim->fast_table = tm_pack_table(table);
        if (!sim->fast_table) {
            tm_sim_free(sim);
            return false;
        }
    }
    if (table->halting[sim->state])
        sim->status = TM_HALTED;
    return true;
}

void tm_sim_free(tm_sim *sim)
{
    for (int t = 0; t < TM_MAX_TAPES; t++) {
        free(sim->tapes[t].cells);
        sim->tapes[t].cells = NULL;
    }
    free(sim->fast_table);
    sim->fast_table = NULL;
}

/* Whether the current configuration has a transition to take. */
static bool tm_can_step(const tm_sim *sim)
{
    const tm_table *table = sim->table;
    if (table->halting[sim->state])
        return false;
    uint8_t read[TM_MAX_TAPES] = {0};
    for (int t = 0; t < table->tapes; t++)
        read[t] = sim->tapes[t].cells[sim->tapes[t].head];
    return table->next[(size_t)sim->state * table->reads + tm_read_code(table, read)] != TM_UNDEFINED;
}

static tm_status tm_stop_status(const tm_sim *sim)
{
    return sim->table->halting[sim->state] ? TM_HALTED : TM_NO_TRANSITION;
}

tm_status tm_sim_step(tm_sim *sim)
{
    if (sim->status != TM_RUNNING && sim->status != TM_STEP_LIMIT)
        return sim->status;
    const tm_table *table = sim->table;
    int tapes = table->tapes;

    for (int t = 0; t < tapes; t++) {
        tm_tape *tape = &sim->tapes[t];
        if ((tape->head == 0 || tape->head == tape->capacity - 1)
            && !tm_tape_grow(tape, (uint8_t)table->blank))
            return sim->status = TM_TAPE_LIMIT;
    }

    uint8_t read[TM_MAX_TAPES] = {0};
    for (int t = 0; t < tapes; t++)
        read[t] = sim->tapes[t].cells[sim->tapes[t].head];
    size_t entry = (size_t)sim->state * table->reads + tm_read_code(table, read);
    int32_t next = table->next[entry];
    if (next == TM_UNDEFINED)
        return sim->status = tm_stop_status(sim);

    for (int t = 0; t < tapes; t++) {
        tm_tape *tape = &sim->tapes[t];
        tape->cells[tape->head] = table->write[entry * (size_t)tapes + (size_t)t];
        tape->head += table->move[entry * (size_t)tapes + (size_t)t];
    }
    sim->state = next;
    sim->steps++;
    sim->status = table->halting[next] ? TM_HALTED : TM_RUNNING;
    return sim->status;
}

/* The one-tape loop: runs stretches of steps in which the head cannot reach
 * an end of the tape, so the inner loop checks nothing but the transition. */
static tm_status tm_run_one_tape(tm_sim *sim, uint64_t max_steps)
{
    const tm_fast_entry *packed = sim->fast_table;
    const tm_table *table = sim->table;
    tm_tape *tape = &sim->tapes[0];
    int64_t base = (int64_t)sim->state * table->symbols;
    uint64_t remaining = max_steps;
    bool stopped = false;

    while (remaining > 0 && !stopped) {
        int64_t room = tape->head < tape->capacity - 1 - tape->head ? tape->head
                                                                     : tape->capacity - 1 - tape->head;
        if (room == 0) {
            if (!tm_tape_grow(tape, (uint8_t)table->blank)) {
                sim->state = (int32_t)(base / table->symbols);
                return sim->status = TM_TAPE_LIMIT;
            }
            continue;
        }
        uint64_t chunk = (uint64_t)room < remaining ? (uint64_t)room : remaining;
        uint8_t *cells = tape->cells;
        int64_t head = tape->head;
        uint64_t done = 0;
        for (; done < chunk; done++) {
            const tm_fast_entry *entry = &packed[base + cells[head]];
            if (entry->next < 0) {
                stopped = true;
                break;
            }
            cells[head] = entry->write;
            head += entry->move;
            base = entry->next;
        }
        tape->head = head;
        remaining -= done;
        sim->steps += done;
    }

    sim->state = (int32_t)(base / table->symbols);
    if (stopped || !tm_can_step(sim))
        return sim->status = tm_stop_status(sim);
    return sim->status = TM_STEP_LIMIT;
}

tm_status tm_sim_run(tm_sim *sim, uint64_t max_steps)
{
    if (sim->status != TM_RUNNING && sim->status != TM_STEP_LIMIT)
        return sim->status;
    sim->status = TM_RUNNING;
    if (sim->fast_table)
        return tm_run_one_tape(sim, max_steps);

    for (uint64_t i = 0; i < max_steps; i++) {
        tm_status status = tm_sim_step(sim);
        if (status != TM_RUNNING)
            return status;
    }
    /* A machine that stops right at the limit has halted, not hit it. */
    if (!tm_can_step(sim))
        return sim->status = tm_stop_status(sim);
    return sim->status = TM_STEP_LIMIT;
}

uint8_t tm_sim_read(const tm_sim *sim, int tape)
{
    return sim->tapes[tape].cells[sim->tapes[tape].head];
}

uint8_t tm_sim_cell(const tm_sim *sim, int tape, int64_t position)
{
    const tm_tape *t = &sim->tapes[tape];
    int64_t index = t->origin + position;
    if (index < 0 || index >= t->capacity)
        return (uint8_t)sim->table->blank;
    return t->cells[index];
}

int64_t tm_sim_head(const tm_sim *sim, int tape)
{
    return sim->tapes[tape].head - sim->tapes[tape].origin;
}

void tm_sim_extent(const tm_sim *sim, int tape, int64_t *first, int64_t *last)
{
    const tm_tape *t = &sim->tapes[tape];
    uint8_t blank = (uint8_t)sim->table->blank;
    int64_t low = t->head, high = t->head;
    for (int64_t i = 0; i < t->head; i++)
        if (t->cells[i] != blank) {
            low = i;
            break;
        }
    for (int64_t i = t->capacity - 1; i > t->head; i--)
        if (t->cells[i] != blank) {
            high = i;
            break;
        }
    *first = low - t->origin;
    *last = high - t->origin;
}

uint64_t tm_sim_nonblank(const tm_sim *sim)
{
    uint64_t count = 0;
    uint8_t blank = (uint8_t)sim->table->blank;
    for (int t = 0; t < sim->table->tapes; t++)
        for (int64_t i = 0; i < sim->tapes[t].capacity; i++)
            count += sim->tapes[t].cells[i] != blank;
    return count;
}

const char *tm_status_name(tm_status status)
{
    switch (status) {
    case TM_RUNNING:
        return "running";
    case TM_HALTED:
        return "halted";
    case TM_NO_TRANSITION:
        return "no transition";
    case TM_STEP_LIMIT:
        return "step limit";
    case TM_TAPE_LIMIT:
        return "tape limit";
    }
    return "unknown";
}
