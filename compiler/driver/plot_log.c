/* The reader of training logs for nmc plot: a CSV header naming the columns,
 * then one row of numbers per evaluation.  See docs/plot.md for the format. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot.h"

/* Maximum characters of a field shown in a message.  Longer fields are cut. */
#define NM_SHOWN_FIELD 40

/* Costs and error counts beyond this magnitude count as infinite, so that
 * the span of an axis stays a finite double. */
#define NM_MAX_MAGNITUDE 1e300

/* Whole numbers above this have no exact double. */
#define NM_MAX_EXACT_WHOLE 9007199254740992.0

static const char *const nm_column_names[NM_PLOT_COLUMN_COUNT] = {
    "sequences", "seconds", "train_cost_bits", "eval_cost_bits", "eval_bit_errors",
};

const char *nm_plot_column_name(nm_plot_column column)
{
    return nm_column_names[column];
}

bool nm_plot_column_find(const char *name, nm_plot_column *column)
{
    for (int i = 0; i < NM_PLOT_COLUMN_COUNT; i++) {
        if (strcmp(name, nm_column_names[i]) == 0) {
            *column = (nm_plot_column)i;
            return true;
        }
    }
    return false;
}

/* A cursor over the lines of a log, and the columns its header names. */
typedef struct nm_log_reader {
    const char *path;
    const char *text;
    size_t length;
    size_t offset;      /* start of the next line */
    size_t line_number; /* of the current line, from 1 */
    const char *line;
    size_t line_length;
    size_t field_count; /* fields of the header, and so of every row */
    int *field_columns; /* nm_plot_column of each header field, or -1 */
    size_t capacity;    /* rows the value arrays hold */
} nm_log_reader;

static void nm_log_error(const nm_log_reader *reader, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void nm_log_error(const nm_log_reader *reader, const char *format, ...)
{
    fprintf(stderr, "%s:%zu: error: ", reader->path, reader->line_number);
    va_list list;
    va_start(list, format);
    vfprintf(stderr, format, list);
    va_end(list);
    fputc('\n', stderr);
}

static bool nm_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Moves to the next line, or returns false at the end of the text.  A line
 * ends at '\n', and a '\r' before it is dropped. */
static bool nm_log_next_line(nm_log_reader *reader)
{
    if (reader->offset >= reader->length)
        return false;
    const char *start = reader->text + reader->offset;
    const char *newline = memchr(start, '\n', reader->length - reader->offset);
    size_t length = newline ? (size_t)(newline - start) : reader->length - reader->offset;
    reader->offset += length + (newline ? 1 : 0);
    if (length > 0 && start[length - 1] == '\r')
        length--;
    reader->line = start;
    reader->line_length = length;
    reader->line_number++;
    return true;
}

static bool nm_log_rest_is_blank(const nm_log_reader *reader)
{
    for (size_t i = reader->offset; i < reader->length; i++)
        if (!nm_is_blank(reader->text[i]) && reader->text[i] != '\n')
            return false;
    return true;
}

static bool nm_line_is_blank(const nm_log_reader *reader)
{
    for (size_t i = 0; i < reader->line_length; i++)
        if (!nm_is_blank(reader->line[i]))
            return false;
    return true;
}

/* A field of the current line with the blanks around it removed. */
typedef struct nm_field {
    const char *text;
    size_t length;
} nm_field;

/* Stores the field that starts at *AT in FIELD and moves *AT past the comma
 * after it. */
static void nm_log_take_field(const nm_log_reader *reader, size_t *at, nm_field *field)
{
    size_t start = *at;
    size_t end = start;
    while (end < reader->line_length && reader->line[end] != ',')
        end++;
    *at = end + 1;

    while (start < end && nm_is_blank(reader->line[start]))
        start++;
    while (end > start && nm_is_blank(reader->line[end - 1]))
        end--;
    field->text = reader->line + start;
    field->length = end - start;
}

static size_t nm_log_count_fields(const nm_log_reader *reader)
{
    size_t count = 1;
    for (size_t i = 0; i < reader->line_length; i++)
        if (reader->line[i] == ',')
            count++;
    return count;
}

/* Prints FIELD for a message, cut to NM_SHOWN_FIELD characters. */
static int nm_shown_length(const nm_field *field)
{
    return field->length > NM_SHOWN_FIELD ? NM_SHOWN_FIELD : (int)field->length;
}

static const char *nm_shown_cut(const nm_field *field)
{
    return field->length > NM_SHOWN_FIELD ? "..." : "";
}

static bool nm_field_equals(const nm_field *field, const char *name)
{
    return strlen(name) == field->length && memcmp(field->text, name, field->length) == 0;
}

/* Reads one header field: checks its name and records its column. */
static bool nm_log_header_field(nm_log_reader *reader, nm_plot_log *log, size_t index,
                                const nm_field *field)
{
    if (field->length == 0) {
        nm_log_error(reader, "column %zu of the header has no name; expected a header such "
                             "as '%s'",
                     index + 1, NM_PLOT_EXAMPLE_HEADER);
        return false;
    }
    reader->field_columns[index] = -1;
    for (int column = 0; column < NM_PLOT_COLUMN_COUNT; column++) {
        if (!nm_field_equals(field, nm_column_names[column]))
            continue;
        if (log->values[column]) {
            nm_log_error(reader, "column '%s' appears twice in the header; remove one of them",
                         nm_column_names[column]);
            return false;
        }
        reader->field_columns[index] = column;
        log->values[column] = nm_xmalloc(reader->capacity * sizeof(double));
    }
    return true;
}

static bool nm_log_require_columns(const nm_log_reader *reader, const nm_plot_log *log)
{
    if (!log->values[NM_PLOT_SEQUENCES]) {
        nm_log_error(reader, "missing column 'sequences' in the header '%s'; a training log "
                             "starts with a header such as '%s'",
                     log->header, NM_PLOT_EXAMPLE_HEADER);
        return false;
    }
    if (!log->values[NM_PLOT_TRAIN_COST] && !log->values[NM_PLOT_EVAL_COST]) {
        nm_log_error(reader, "missing cost column in the header '%s'; expected "
                             "'eval_cost_bits', 'train_cost_bits' or both",
                     log->header);
        return false;
    }
    return true;
}

static bool nm_log_read_header(nm_log_reader *reader, nm_plot_log *log)
{
    if (nm_line_is_blank(reader)) {
        nm_log_error(reader, "expected the header line, such as '%s', but the line is empty",
                     NM_PLOT_EXAMPLE_HEADER);
        return false;
    }
    log->header = nm_xmalloc(reader->line_length + 1);
    memcpy(log->header, reader->line, reader->line_length);
    log->header[reader->line_length] = '\0';
    reader->field_count = nm_log_count_fields(reader);
    reader->field_columns = nm_xmalloc(reader->field_count * sizeof *reader->field_columns);

    size_t at = 0;
    for (size_t i = 0; i < reader->field_count; i++) {
        nm_field field;
        nm_log_take_field(reader, &at, &field);
        if (!nm_log_header_field(reader, log, i, &field))
            return false;
    }
    return nm_log_require_columns(reader, log);
}

/* Copies FIELD into TEXT, a buffer of NM_PLOT_MAX_LINE + 1 bytes. */
static void nm_field_copy(const nm_field *field, char *text)
{
    memcpy(text, field->text, field->length);
    text[field->length] = '\0';
}

static bool nm_log_parse_sequences(const nm_log_reader *reader, const nm_field *field,
                                   double *value)
{
    char text[NM_PLOT_MAX_LINE + 1];
    nm_field_copy(field, text);
    bool digits = field->length > 0;
    for (size_t i = 0; i < field->length; i++)
        digits = digits && text[i] >= '0' && text[i] <= '9';
    double parsed = digits ? strtod(text, NULL) : 0;
    if (!digits || parsed > NM_MAX_EXACT_WHOLE) {
        nm_log_error(reader, "invalid sequences value '%.*s%s'; expected a whole number from 0 "
                             "to 2^53",
                     nm_shown_length(field), field->text, nm_shown_cut(field));
        return false;
    }
    *value = parsed;
    return true;
}

static bool nm_log_parse_seconds(const nm_log_reader *reader, const nm_field *field,
                                 double *value)
{
    char text[NM_PLOT_MAX_LINE + 1];
    nm_field_copy(field, text);
    char *end = text;
    double parsed = field->length > 0 ? strtod(text, &end) : NAN;
    if (*end != '\0' || !isfinite(parsed) || parsed < 0) {
        nm_log_error(reader, "invalid seconds value '%.*s%s'; expected a number of seconds, "
                             "0 or more",
                     nm_shown_length(field), field->text, nm_shown_cut(field));
        return false;
    }
    *value = parsed;
    return true;
}

/* Parses a cost or an error count.  An empty field, nan and inf are stored
 * as NAN, a gap in the curve, because a training run that diverged can
 * write them.  So are values beyond NM_MAX_MAGNITUDE. */
static bool nm_log_parse_measure(const nm_log_reader *reader, nm_plot_column column,
                                 const nm_field *field, double *value)
{
    char text[NM_PLOT_MAX_LINE + 1];
    nm_field_copy(field, text);
    char *end = text;
    double parsed = field->length > 0 ? strtod(text, &end) : NAN;
    if (*end != '\0') {
        nm_log_error(reader, "invalid %s value '%.*s%s'; expected a number, or nan or an empty "
                             "field for no value",
                     nm_column_names[column], nm_shown_length(field), field->text,
                     nm_shown_cut(field));
        return false;
    }
    *value = fabs(parsed) <= NM_MAX_MAGNITUDE ? parsed : NAN;
    return true;
}

static bool nm_log_parse_value(const nm_log_reader *reader, nm_plot_column column,
                               const nm_field *field, double *value)
{
    if (column == NM_PLOT_SEQUENCES)
        return nm_log_parse_sequences(reader, field, value);
    if (column == NM_PLOT_SECONDS)
        return nm_log_parse_seconds(reader, field, value);
    return nm_log_parse_measure(reader, column, field, value);
}

static void nm_log_grow(nm_log_reader *reader, nm_plot_log *log)
{
    if (log->row_count < reader->capacity)
        return;
    reader->capacity *= 2;
    for (int column = 0; column < NM_PLOT_COLUMN_COUNT; column++)
        if (log->values[column])
            log->values[column] = nm_xrealloc(log->values[column],
                                              reader->capacity * sizeof(double));
}

static bool nm_log_check_increase(const nm_log_reader *reader, const nm_plot_log *log)
{
    const double *sequences = log->values[NM_PLOT_SEQUENCES];
    size_t row = log->row_count;
    if (row == 0 || sequences[row] > sequences[row - 1])
        return true;
    nm_log_error(reader, "sequences %.0f does not increase (the row before has %.0f); each row "
                         "must count more training sequences than the one before, so remove "
                         "repeated or out-of-order rows",
                 sequences[row], sequences[row - 1]);
    return false;
}

static bool nm_log_read_row(nm_log_reader *reader, nm_plot_log *log)
{
    size_t count = nm_log_count_fields(reader);
    if (count != reader->field_count) {
        nm_log_error(reader, "the row has %zu field%s, but the header has %zu; every row needs "
                             "one value for each column of the header",
                     count, count == 1 ? "" : "s", reader->field_count);
        return false;
    }
    nm_log_grow(reader, log);

    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        nm_field field;
        nm_log_take_field(reader, &at, &field);
        int column = reader->field_columns[i];
        if (column >= 0 && !nm_log_parse_value(reader, (nm_plot_column)column, &field,
                                               &log->values[column][log->row_count]))
            return false;
    }
    if (!nm_log_check_increase(reader, log))
        return false;
    log->row_count++;
    return true;
}

static bool nm_log_check_line(const nm_log_reader *reader)
{
    if (reader->line_length <= NM_PLOT_MAX_LINE)
        return true;
    nm_log_error(reader, "the line has %zu bytes, more than the limit of %u; is this a "
                         "training log written by nmc train --log?",
                 reader->line_length, NM_PLOT_MAX_LINE);
    return false;
}

/* Reads the rows after the header, up to the end or to blank lines that
 * end the text. */
static bool nm_log_read_rows(nm_log_reader *reader, nm_plot_log *log)
{
    while (nm_log_next_line(reader)) {
        if (!nm_log_check_line(reader))
            return false;
        if (nm_line_is_blank(reader)) {
            if (nm_log_rest_is_blank(reader))
                break;
            nm_log_error(reader, "empty line; remove it, because every line after the header "
                                 "must be a row");
            return false;
        }
        if (log->row_count == NM_PLOT_MAX_ROWS) {
            nm_log_error(reader, "the log has more than %u rows, the limit of nmc plot; keep "
                                 "fewer rows, such as every tenth",
                         NM_PLOT_MAX_ROWS);
            return false;
        }
        if (!nm_log_read_row(reader, log))
            return false;
    }
    return true;
}

static bool nm_log_read_all(nm_log_reader *reader, nm_plot_log *log)
{
    if (nm_log_rest_is_blank(reader)) {
        reader->line_number = 1;
        nm_log_error(reader, "the log is empty; expected a header line such as '%s', then one "
                             "row per evaluation",
                     NM_PLOT_EXAMPLE_HEADER);
        return false;
    }
    nm_log_next_line(reader);
    if (!nm_log_check_line(reader) || !nm_log_read_header(reader, log)
        || !nm_log_read_rows(reader, log))
        return false;

    if (log->row_count == 0) {
        reader->line_number = 1;
        nm_log_error(reader, "the log has a header but no rows; plot it after the first "
                             "evaluation has written a row");
        return false;
    }
    return true;
}

bool nm_plot_log_parse(const char *path, const char *text, size_t length, nm_plot_log *log)
{
    memset(log, 0, sizeof *log);
    log->path = path;
    nm_log_reader reader;
    memset(&reader, 0, sizeof reader);
    reader.path = path;
    reader.text = text;
    reader.length = length;
    reader.capacity = 64;

    /* A byte order mark, as spreadsheet programs write, is not part of the
     * first column's name. */
    if (length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        reader.offset = 3;

    bool ok = nm_log_read_all(&reader, log);
    free(reader.field_columns);
    if (!ok)
        nm_plot_log_free(log);
    return ok;
}

void nm_plot_log_free(nm_plot_log *log)
{
    free(log->header);
    log->header = NULL;
    for (int column = 0; column < NM_PLOT_COLUMN_COUNT; column++) {
        free(log->values[column]);
        log->values[column] = NULL;
    }
    log->row_count = 0;
}

/* Appends the bytes of FILE, opened from PATH, to TEXT, up to the limit of
 * NM_PLOT_MAX_FILE_SIZE.  Prints a message on failure. */
static bool nm_read_log_stream(FILE *file, const char *path, nm_buf *text)
{
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        if (text->length + got > NM_PLOT_MAX_FILE_SIZE) {
            fprintf(stderr, "nmc: error: cannot read '%s': it is larger than the limit of %u "
                            "MiB for a training log\n",
                    path, NM_PLOT_MAX_FILE_SIZE / (1024 * 1024));
            return false;
        }
        nm_buf_append(text, chunk, got);
    }
    if (ferror(file)) {
        fprintf(stderr, "nmc: error: cannot read '%s': %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

/* Reads the regular file PATH into TEXT.  Prints a message on failure. */
static bool nm_read_log_file(const char *path, nm_buf *text)
{
    /* O_NONBLOCK keeps a FIFO from blocking the open, and only regular
     * files are read. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "nmc: error: cannot open '%s': %s\n", path, strerror(errno));
        return false;
    }
    struct stat info;
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        close(fd);
        fprintf(stderr, "nmc: error: cannot read '%s': it is not a regular file\n", path);
        return false;
    }
    FILE *file = fdopen(fd, "rb");
    if (!file) {
        close(fd);
        fprintf(stderr, "nmc: error: cannot open '%s': %s\n", path, strerror(errno));
        return false;
    }
    bool ok = nm_read_log_stream(file, path, text);
    fclose(file);
    return ok;
}

bool nm_plot_log_read(const char *path, nm_plot_log *log)
{
    nm_buf text;
    nm_buf_init(&text);
    bool ok = nm_read_log_file(path, &text);
    if (ok)
        ok = nm_plot_log_parse(path, text.data ? text.data : "", text.length, log);
    nm_buf_free(&text);
    return ok;
}
