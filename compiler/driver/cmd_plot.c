/* nmc plot: learning curves from training logs, drawn as an SVG chart. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"
#include "plot.h"

/* Largest magnitude of an --hline value, the same as for the costs in a log
 * (see plot_log.c), so that the span of the y axis stays a finite double. */
#define NM_MAX_HLINE 1e300

/* Bounds of --size, in pixels. */
#define NM_MIN_WIDTH 400
#define NM_MIN_HEIGHT 300
#define NM_MAX_SIZE 8000

static int nm_plot_usage(void)
{
    printf("usage: nmc plot LOG.csv [LOG.csv ...] -o OUT.svg [OPTIONS]\n\n"
           "Draws learning curves from training logs (the CSV files of nmc train --log)\n"
           "as an SVG chart: one curve per log, up to 10, each in its own color and\n"
           "named in a legend.  By default each log draws eval_cost_bits as a solid line\n"
           "and train_cost_bits as a thinner dashed line of the same color; --y draws\n"
           "one column only.\n\n"
           "  -o OUT.svg       write the chart to OUT.svg (replaced whole, never partly\n"
           "                   written, and never one of the logs); - writes it to\n"
           "                   standard output\n"
           "  --y COLUMN       draw only COLUMN: eval_cost_bits, train_cost_bits or\n"
           "                   eval_bit_errors\n"
           "  --x COLUMN       the x axis: sequences (the default) or seconds\n"
           "  --log-y          a logarithmic y axis with ticks at powers of ten; values of\n"
           "                   0 or less are drawn at the bottom of the axis\n"
           "  --hline Y        a dashed horizontal line at Y labelled with Y, such as a\n"
           "                   convergence threshold of 0.1; may be repeated\n"
           "  --title TEXT     the title above the chart (default: what the curves show)\n"
           "  --label NAME     the legend name of the next log, in order; may be repeated\n"
           "                   (default: the log's file name without its extension)\n"
           "  --size WxH       the chart's size in pixels, from 400x300 to 8000x8000\n"
           "                   (default 800x480)\n\n"
           "A log starts with a header naming its columns, in any order:\n"
           "  " NM_PLOT_EXAMPLE_HEADER "\n"
           "sequences and one cost column are required, and other columns are skipped.\n"
           "An empty, nan or inf value leaves a gap in its curve.  An invalid log is\n"
           "reported as FILE:LINE: error: MESSAGE, with exit status 1 and no output.\n");
    return NM_EXIT_OK;
}

typedef struct nm_plot_options {
    const char *logs[NM_PLOT_MAX_LOGS];
    size_t log_count; /* may exceed NM_PLOT_MAX_LOGS, which is then an error */
    const char *labels[NM_PLOT_MAX_LOGS];
    size_t label_count;
    const char *hline_texts[NM_PLOT_MAX_HLINES];
    size_t hline_count;
    const char *output;
    const char *y;
    const char *x;
    const char *title;
    const char *size;
    bool log_y;
} nm_plot_options;

/* Takes --label and --hline, the options that may be repeated. */
static bool nm_take_repeated(nm_args *args, nm_plot_options *options, bool *failed)
{
    const char *value = NULL;
    if (nm_take_value(args, "--label", &value, failed)) {
        if (value && options->label_count < NM_PLOT_MAX_LOGS)
            options->labels[options->label_count] = value;
        options->label_count += value ? 1 : 0;
        return true;
    }
    if (nm_take_value(args, "--hline", &value, failed)) {
        if (value && options->hline_count < NM_PLOT_MAX_HLINES)
            options->hline_texts[options->hline_count] = value;
        options->hline_count += value ? 1 : 0;
        return true;
    }
    return false;
}

/* Reads the command line into OPTIONS.  Returns NM_EXIT_OK, NM_EXIT_USAGE
 * after an error, or -1 after printing the help. */
static int nm_read_plot_args(nm_args *args, nm_plot_options *options)
{
    bool failed = false;
    while (args->index < args->count && !failed) {
        const char *arg = args->values[args->index];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return nm_plot_usage() - 1;
        if (nm_take_repeated(args, options, &failed)
            || nm_take_value(args, "-o", &options->output, &failed)
            || nm_take_value(args, "--y", &options->y, &failed)
            || nm_take_value(args, "--x", &options->x, &failed)
            || nm_take_value(args, "--title", &options->title, &failed)
            || nm_take_value(args, "--size", &options->size, &failed))
            continue;
        if (nm_take_flag(args, "--log-y")) {
            options->log_y = true;
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            nm_usage_error(args, "unknown option '%s'", arg);
            return NM_EXIT_USAGE;
        }
        if (options->log_count < NM_PLOT_MAX_LOGS)
            options->logs[options->log_count] = arg;
        options->log_count++;
        args->index++;
    }
    return failed ? NM_EXIT_USAGE : NM_EXIT_OK;
}

/* Checks the counts of the logs and of the repeated options. */
static bool nm_check_plot_counts(const nm_args *args, const nm_plot_options *options)
{
    if (options->log_count == 0) {
        nm_usage_error(args, "missing LOG.csv; name one or more training logs written by nmc "
                             "train --log");
        return false;
    }
    if (!options->output) {
        nm_usage_error(args, "missing -o OUT.svg; name the output file, or - for standard "
                             "output");
        return false;
    }
    if (options->log_count > NM_PLOT_MAX_LOGS) {
        nm_usage_error(args, "too many logs: %zu given, but a chart draws at most %d; split them "
                             "into several charts",
                       options->log_count, NM_PLOT_MAX_LOGS);
        return false;
    }
    if (options->label_count > options->log_count) {
        nm_usage_error(args, "%zu --label values for %zu log%s; give at most one label per log",
                       options->label_count, options->log_count,
                       options->log_count == 1 ? "" : "s");
        return false;
    }
    if (options->hline_count > NM_PLOT_MAX_HLINES) {
        nm_usage_error(args, "too many --hline values: %zu given, but a chart draws at most %d",
                       options->hline_count, NM_PLOT_MAX_HLINES);
        return false;
    }
    return true;
}

/* Checks that -o names none of the logs: by device and inode, so that a
 * link or another spelling of a log's path is caught too. */
static bool nm_check_plot_output(const nm_args *args, const nm_plot_options *options)
{
    struct stat output;
    if (strcmp(options->output, "-") == 0 || stat(options->output, &output) != 0)
        return true;
    for (size_t i = 0; i < options->log_count; i++) {
        struct stat log;
        if (stat(options->logs[i], &log) == 0 && log.st_dev == output.st_dev && log.st_ino == output.st_ino) {
            nm_usage_error(args, "-o %s names the log %s, which the chart would replace; write the chart to "
                                 "another file, such as chart.svg",
                           options->output, options->logs[i]);
            return false;
        }
    }
    return true;
}

/* Parses --size WIDTHxHEIGHT; without --size the chart is 800x480. */
static bool nm_parse_size(const nm_args *args, const char *text, int *width, int *height)
{
    *width = 800;
    *height = 480;
    if (!text)
        return true;

    char *end = NULL;
    long parsed_width = text[0] >= '0' && text[0] <= '9' ? strtol(text, &end, 10) : 0;
    long parsed_height = 0;
    if (end && end[0] == 'x' && end[1] >= '0' && end[1] <= '9')
        parsed_height = strtol(end + 1, &end, 10);
    if (!end || *end != '\0' || parsed_width < NM_MIN_WIDTH || parsed_width > NM_MAX_SIZE
        || parsed_height < NM_MIN_HEIGHT || parsed_height > NM_MAX_SIZE) {
        nm_usage_error(args, "invalid --size '%s'; expected WIDTHxHEIGHT in pixels, such as "
                             "800x480, with a width from %d and a height from %d, both up to %d",
                       text, NM_MIN_WIDTH, NM_MIN_HEIGHT, NM_MAX_SIZE);
        return false;
    }
    *width = (int)parsed_width;
    *height = (int)parsed_height;
    return true;
}

/* Parses --y and --x; without --y the chart draws both cost columns. */
static bool nm_parse_columns(const nm_args *args, const nm_plot_options *options,
                             nm_plot_chart *chart)
{
    chart->y_column = NM_PLOT_EVAL_COST;
    chart->with_train_cost = options->y == NULL;
    if (options->y && (!nm_plot_column_find(options->y, &chart->y_column)
                       || chart->y_column == NM_PLOT_SEQUENCES
                       || chart->y_column == NM_PLOT_SECONDS)) {
        nm_usage_error(args, "unknown --y column '%s'; expected eval_cost_bits, train_cost_bits "
                             "or eval_bit_errors",
                       options->y);
        return false;
    }

    chart->x_column = NM_PLOT_SEQUENCES;
    if (options->x && strcmp(options->x, "seconds") == 0)
        chart->x_column = NM_PLOT_SECONDS;
    else if (options->x && strcmp(options->x, "sequences") != 0) {
        nm_usage_error(args, "unknown --x column '%s'; expected sequences or seconds", options->x);
        return false;
    }
    return true;
}

/* Parses the --hline values into HLINES. */
static bool nm_parse_hlines(const nm_args *args, const nm_plot_options *options, double *hlines)
{
    for (size_t i = 0; i < options->hline_count; i++) {
        const char *text = options->hline_texts[i];
        char *end = NULL;
        hlines[i] = strtod(text, &end);
        if (text[0] == '\0' || *end != '\0' || !(fabs(hlines[i]) <= NM_MAX_HLINE)) {
            nm_usage_error(args, "invalid --hline '%s'; expected a number from -1e300 to 1e300, "
                                 "such as 0.1",
                           text);
            return false;
        }
        if (options->log_y && hlines[i] <= 0) {
            nm_usage_error(args, "--hline %s cannot be drawn on the logarithmic y axis of "
                                 "--log-y; give a value above 0",
                           text);
            return false;
        }
    }
    return true;
}

/* Fills CHART from OPTIONS, all but the logs and the labels. */
static bool nm_parse_chart(const nm_args *args, const nm_plot_options *options,
                           nm_plot_chart *chart, double *hlines)
{
    memset(chart, 0, sizeof *chart);
    chart->title = options->title;
    chart->log_y = options->log_y;
    chart->hlines = hlines;
    chart->hline_texts = options->hline_texts;
    chart->hline_count = options->hline_count;
    return nm_parse_size(args, options->size, &chart->width, &chart->height)
           && nm_parse_columns(args, options, chart) && nm_parse_hlines(args, options, hlines);
}

/* Checks that LOG has the columns that --y and --x name. */
static bool nm_check_log_columns(const nm_plot_options *options, const nm_plot_chart *chart,
                                 const nm_plot_log *log)
{
    if (options->y && !log->values[chart->y_column]) {
        fprintf(stderr, "%s:1: error: missing column '%s' in the header '%s'; choose another "
                        "--y, or leave --y out to draw the cost columns\n",
                log->path, options->y, log->header);
        return false;
    }
    if (!log->values[chart->x_column]) {
        fprintf(stderr, "%s:1: error: missing column '%s' in the header '%s'; leave --x %s out "
                        "to draw against sequences\n",
                log->path, nm_plot_column_name(chart->x_column), log->header,
                nm_plot_column_name(chart->x_column));
        return false;
    }
    return true;
}

/* Reads every log, so that one run reports the errors of all of them. */
static bool nm_read_plot_logs(const nm_plot_options *options, const nm_plot_chart *chart,
                              nm_plot_log *logs)
{
    bool ok = true;
    for (size_t i = 0; i < options->log_count; i++) {
        if (!nm_plot_log_read(options->logs[i], &logs[i]))
            ok = false;
        else if (!nm_check_log_columns(options, chart, &logs[i]))
            ok = false;
    }
    return ok;
}

/* Without --y: draws eval_cost_bits with train_cost_bits dashed beside it,
 * or train_cost_bits alone, solid, when no log has eval_cost_bits. */
static void nm_choose_cost_columns(nm_plot_chart *chart)
{
    bool has_eval = false, has_train = false;
    for (size_t i = 0; i < chart->log_count; i++) {
        has_eval = has_eval || chart->logs[i].values[NM_PLOT_EVAL_COST];
        has_train = has_train || chart->logs[i].values[NM_PLOT_TRAIN_COST];
    }
    chart->y_column = has_eval ? NM_PLOT_EVAL_COST : NM_PLOT_TRAIN_COST;
    chart->with_train_cost = has_eval && has_train;
}

static const char *nm_default_title(const nm_plot_chart *chart)
{
    if (chart->with_train_cost)
        return "Evaluation and training cost";
    if (chart->y_column == NM_PLOT_TRAIN_COST)
        return "Training cost";
    if (chart->y_column == NM_PLOT_EVAL_ERRORS)
        return "Evaluation bit errors";
    return "Evaluation cost";
}

/* The file name of PATH without its folder and its extension. */
static char *nm_default_label(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    const char *dot = strrchr(name, '.');
    size_t length = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    char *label = nm_xmalloc(length + 1);
    memcpy(label, name, length);
    label[length] = '\0';
    return label;
}

/* Draws the chart of the logs and writes it to the output. */
static bool nm_draw_plot(const nm_plot_options *options, nm_plot_chart *chart,
                         nm_plot_log *logs)
{
    char *default_labels[NM_PLOT_MAX_LOGS] = {NULL};
    const char *labels[NM_PLOT_MAX_LOGS];
    for (size_t i = 0; i < options->log_count; i++) {
        if (i < options->label_count) {
            labels[i] = options->labels[i];
        } else {
            default_labels[i] = nm_default_label(options->logs[i]);
            labels[i] = default_labels[i];
        }
    }
    chart->logs = logs;
    chart->labels = labels;
    chart->log_count = options->log_count;
    if (!options->y)
        nm_choose_cost_columns(chart);
    if (!chart->title)
        chart->title = nm_default_title(chart);

    nm_buf out;
    nm_buf_init(&out);
    bool ok = nm_plot_render(chart, &out) && nm_write_output(options->output, out.data,
                                                             out.length);
    nm_buf_free(&out);
    for (size_t i = 0; i < options->log_count; i++)
        free(default_labels[i]);
    return ok;
}

int nm_command_plot(nm_args *args)
{
    nm_plot_options options;
    memset(&options, 0, sizeof options);
    int status = nm_read_plot_args(args, &options);
    if (status != NM_EXIT_OK)
        return status < 0 ? NM_EXIT_OK : status;
    nm_plot_chart chart;
    double hlines[NM_PLOT_MAX_HLINES];
    if (!nm_check_plot_counts(args, &options) || !nm_check_plot_output(args, &options)
        || !nm_parse_chart(args, &options, &chart, hlines))
        return NM_EXIT_USAGE;

    nm_plot_log logs[NM_PLOT_MAX_LOGS];
    memset(logs, 0, sizeof logs);
    bool ok = nm_read_plot_logs(&options, &chart, logs)
              && nm_draw_plot(&options, &chart, logs);
    for (size_t i = 0; i < options.log_count; i++)
        nm_plot_log_free(&logs[i]);
    return ok ? NM_EXIT_OK : NM_EXIT_ERROR;
}
