/* nmc plot: training logs (CSV) and the SVG chart drawn from them. */
#ifndef NM_PLOT_H
#define NM_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

/* Limits of one training log. */
#define NM_PLOT_MAX_FILE_SIZE (64u * 1024 * 1024)
#define NM_PLOT_MAX_ROWS 1000000u
#define NM_PLOT_MAX_LINE 4096u

/* The header `nmc train --log` writes, quoted in messages as an example. */
#define NM_PLOT_EXAMPLE_HEADER \
    "sequences,seconds,train_cost_bits,eval_cost_bits,eval_bit_errors,eval_length"

/* The columns of a training log that nmc plot reads.  Other columns, such as
 * eval_length, are skipped. */
typedef enum nm_plot_column {
    NM_PLOT_SEQUENCES,
    NM_PLOT_SECONDS,
    NM_PLOT_TRAIN_COST,
    NM_PLOT_EVAL_COST,
    NM_PLOT_EVAL_ERRORS,
    NM_PLOT_COLUMN_COUNT
} nm_plot_column;

/* The column's name in the CSV header, such as "eval_cost_bits". */
const char *nm_plot_column_name(nm_plot_column column);
/* Finds the column named NAME.  Returns false for a name nmc plot skips. */
bool nm_plot_column_find(const char *name, nm_plot_column *column);

/* A training log read into memory, one array of values per column. */
typedef struct nm_plot_log {
    const char *path;
    char *header;    /* the header line as written, for messages */
    size_t row_count;
    /* values[COLUMN][ROW], or NULL for a column the header lacks.  An empty,
     * nan or infinite cost is stored as NAN and leaves a gap in the curve. */
    double *values[NM_PLOT_COLUMN_COUNT];
} nm_plot_log;

/* Reads and checks the log at PATH.  On failure prints "PATH:LINE: error:
 * MESSAGE" (or a message about the file) to stderr and returns false. */
bool nm_plot_log_read(const char *path, nm_plot_log *log);
/* Parses the log text TEXT of LENGTH bytes, read from PATH. */
bool nm_plot_log_parse(const char *path, const char *text, size_t length, nm_plot_log *log);
void nm_plot_log_free(nm_plot_log *log);

/* An axis of the chart: a linear one with ticks every `step`, or a
 * logarithmic one from 10^low_exponent to 10^high_exponent. */
typedef struct nm_plot_axis {
    bool logarithmic;
    double low, high; /* the values at the two ends */
    double step;      /* linear: between two ticks, 1, 2 or 5 times a power of ten */
    int low_exponent, high_exponent; /* logarithmic */
    int stride;       /* logarithmic: decades between two labelled ticks */
} nm_plot_axis;

/* A tick of an axis. */
typedef struct nm_plot_tick {
    double fraction; /* where it sits: 0 at the low end, 1 at the high end */
    bool major;      /* labelled; a minor tick only gets a fainter grid line */
    char text[32];
} nm_plot_tick;

/* Most ticks nm_plot_axis_ticks returns. */
#define NM_PLOT_MAX_TICKS 64

/* Fits a linear axis around MIN..MAX with about TARGET ticks. */
void nm_plot_axis_linear(nm_plot_axis *axis, double min, double max, int target);
/* Fits a logarithmic axis around MIN..MAX, where 0 < MIN <= MAX, with about
 * TARGET labelled powers of ten. */
void nm_plot_axis_log(nm_plot_axis *axis, double min, double max, int target);
/* Where VALUE sits on AXIS, 0 at the low end and 1 at the high end.  On a
 * logarithmic axis a value of 0 or less sits at the low end. */
double nm_plot_axis_fraction(const nm_plot_axis *axis, double value);
/* Stores the ticks of AXIS, low to high, and returns their count. */
size_t nm_plot_axis_ticks(const nm_plot_axis *axis, nm_plot_tick *ticks);

/* What one chart shows. */
typedef struct nm_plot_chart {
    int width, height; /* pixels */
    const char *title;
    nm_plot_column x_column;
    nm_plot_column y_column;
    /* Draws train_cost_bits too, as a thin dashed line beside y_column. */
    bool with_train_cost;
    bool log_y;
    const nm_plot_log *logs;
    const char *const *labels; /* one per log */
    size_t log_count;
    const double *hlines;       /* horizontal reference lines */
    const char *const *hline_texts; /* their values as the user wrote them */
    size_t hline_count;
} nm_plot_chart;

/* Maximum numbers of logs and of reference lines in one chart.  The logs
 * are limited to one per color of the palette. */
#define NM_PLOT_MAX_LOGS 10
#define NM_PLOT_MAX_HLINES 8

/* Appends CHART as an SVG 1.1 document to OUT.  Returns false, with a
 * message on stderr, when the logs hold no value to draw. */
bool nm_plot_render(const nm_plot_chart *chart, nm_buf *out);

#endif
