/* Source files and located diagnostics; see diag.h. */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static void nm_source_index_lines(nm_source *source)
{
    uint32_t count = 1;
    for (uint32_t i = 0; i < source->length; i++)
        if (source->text[i] == '\n')
            count++;

    source->line_starts = nm_xmalloc(count * sizeof *source->line_starts);
    source->line_starts[0] = 0;
    uint32_t line = 1;
    for (uint32_t i = 0; i < source->length; i++)
        if (source->text[i] == '\n')
            source->line_starts[line++] = i + 1;
    source->line_count = count;
}

nm_source *nm_source_from_text(const char *name, const char *text, size_t length)
{
    nm_source *source = nm_xcalloc(1, sizeof *source);
    source->name = nm_xstrdup(name);
    source->text = nm_xmalloc(length + 1);
    memcpy(source->text, text, length);
    source->text[length] = '\0';
    source->length = (uint32_t)length;
    nm_source_index_lines(source);
    return source;
}

static char *nm_format_message(const char *format, ...)
{
    nm_buf buf;
    nm_buf_init(&buf);
    va_list args;
    va_start(args, format);
    nm_buf_vprintf(&buf, format, args);
    va_end(args);
    return buf.data;
}

nm_source *nm_source_read(const char *path, char **message)
{
    /* O_NONBLOCK keeps a FIFO from blocking the open; only regular files
     * are read. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *message = nm_format_message("cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat info;
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        close(fd);
        *message = nm_format_message("cannot read '%s': it is not a regular file", path);
        return NULL;
    }
    FILE *file = fdopen(fd, "rb");
    if (!file) {
        close(fd);
        *message = nm_format_message("cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }

    nm_buf buf;
    nm_buf_init(&buf);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        if (buf.length + got > NM_MAX_FILE_SIZE) {
            fclose(file);
            nm_buf_free(&buf);
            *message = nm_format_message(
                "'%s' is larger than the limit of %u bytes for a source file; "
                "split it into several files joined by import",
                path, NM_MAX_FILE_SIZE);
            return NULL;
        }
        nm_buf_append(&buf, chunk, got);
    }
    bool failed = ferror(file);
    int saved_errno = errno;
    fclose(file);
    if (failed) {
        nm_buf_free(&buf);
        *message = nm_format_message("cannot read '%s': %s", path, strerror(saved_errno));
        return NULL;
    }

    nm_source *source = nm_source_from_text(path, buf.data ? buf.data : "", buf.length);
    nm_buf_free(&buf);
    return source;
}

void nm_source_free(nm_source *source)
{
    if (!source)
        return;
    free(source->name);
    free(source->text);
    free(source->line_starts);
    free(source);
}

static bool nm_in_range(const char *text, size_t at, unsigned char low, unsigned char high)
{
    unsigned char byte = (unsigned char)text[at];
    return byte >= low && byte <= high;
}

size_t nm_utf8_sequence(const char *text, size_t at, size_t end)
{
    unsigned char lead = (unsigned char)text[at];
    size_t length = 0;
    if (lead < 0x80)
        length = 1;
    else if (lead >= 0xC2 && lead < 0xE0)
        length = 2;
    else if (lead >= 0xE0 && lead < 0xF0)
        length = 3;
    else if (lead >= 0xF0 && lead < 0xF5)
        length = 4;
    if (length == 0 || at + length > end)
        return 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead == 0xE0)
        low = 0xA0;
    else if (lead == 0xED)
        high = 0x9F;
    else if (lead == 0xF0)
        low = 0x90;
    else if (lead == 0xF4)
        high = 0x8F;
    if (length > 1 && !nm_in_range(text, at + 1, low, high))
        return 0;
    for (size_t i = 2; i < length; i++)
        if (!nm_in_range(text, at + i, 0x80, 0xBF))
            return 0;
    return length;
}

/* Bytes of the character at TEXT[AT]: an invalid byte is one character. */
static size_t nm_char_length(const char *text, size_t at, size_t end)
{
    size_t length = nm_utf8_sequence(text, at, end);
    return length ? length : 1;
}

uint32_t nm_source_line(const nm_source *source, uint32_t offset)
{
    if (offset > source->length)
        offset = source->length;

    uint32_t low = 0, high = source->line_count;
    while (high - low > 1) {
        uint32_t middle = low + (high - low) / 2;
        if (source->line_starts[middle] <= offset)
            low = middle;
        else
            high = middle;
    }
    return low + 1;
}

void nm_source_position(const nm_source *source, uint32_t offset,
                        uint32_t *line, uint32_t *column)
{
    if (offset > source->length)
        offset = source->length;
    *line = nm_source_line(source, offset);

    uint32_t chars = 0;
    for (uint32_t i = source->line_starts[*line - 1]; i < offset;
         i += (uint32_t)nm_char_length(source->text, i, offset))
        chars++;
    *column = chars + 1;
}

nm_loc nm_loc_make(const nm_source *source, uint32_t offset, uint32_t length)
{
    nm_loc loc = {source, offset, length};
    return loc;
}

nm_loc nm_loc_none(void)
{
    nm_loc loc = {NULL, 0, 0};
    return loc;
}

void nm_diag_init(nm_diag *diag, FILE *out)
{
    memset(diag, 0, sizeof *diag);
    diag->out = out;
}

static const char *nm_severity_name(nm_severity severity)
{
    switch (severity) {
    case NM_ERROR:
        return "error";
    case NM_WARNING:
        return "warning";
    case NM_NOTE:
        return "note";
    }
    return "error";
}

/* Appends the source line TEXT[START, END) as it can be shown: invalid
 * bytes and control characters other than tab become U+FFFD, which takes
 * one column like the character it replaces. */
static void nm_append_printable(nm_buf *out, const char *text, uint32_t start, uint32_t end)
{
    for (uint32_t i = start; i < end;) {
        unsigned char byte = (unsigned char)text[i];
        size_t length = nm_utf8_sequence(text, i, end);
        if (length == 0 || (byte < 0x20 && byte != '\t') || byte == 0x7F) {
            nm_buf_puts(out, "\xEF\xBF\xBD");
            i += length ? (uint32_t)length : 1;
            continue;
        }
        nm_buf_append(out, text + i, length);
        i += (uint32_t)length;
    }
}

/* The first character boundary at or after AT, which may be inside a
 * character that starts up to 3 bytes before it. */
static uint32_t nm_char_boundary(const char *text, uint32_t at, uint32_t start, uint32_t end)
{
    for (uint32_t back = 1; back <= 3 && back <= at - start; back++) {
        size_t length = nm_utf8_sequence(text, at - back, end);
        if (length > back)
            return at - back + (uint32_t)length;
    }
    return at;
}

/* Line and column of OFFSET, counting on from the previous diagnostic when
 * it was earlier on the same line. */
static void nm_diag_position(nm_diag *diag, const nm_source *source, uint32_t offset,
                             uint32_t *line, uint32_t *column)
{
    if (offset > source->length)
        offset = source->length;
    *line = nm_source_line(source, offset);
    uint32_t at = source->line_starts[*line - 1];
    uint32_t chars = 0;
    if (diag->counted_source == source && diag->counted_line == *line
        && diag->counted_offset <= offset) {
        at = diag->counted_offset;
        chars = diag->counted_chars;
    }

    for (; at < offset; at += (uint32_t)nm_char_length(source->text, at, offset))
        chars++;
    *column = chars + 1;
    diag->counted_source = source;
    diag->counted_line = *line;
    diag->counted_offset = at;
    diag->counted_chars = chars;
}

/* Prints line LINE of the location and a caret under its first character,
 * with tildes under the rest of the token when it stays on that line.  Tabs
 * in the line are copied into the caret line so the caret stays aligned.  A
 * line longer than NM_EXCERPT_WIDTH characters is cut around the caret. */
static void nm_print_excerpt(nm_buf *out, nm_loc loc, uint32_t line)
{
    const nm_source *source = loc.source;
    const char *text = source->text;
    uint32_t start = source->line_starts[line - 1];
    uint32_t end = line < source->line_count ? source->line_starts[line] - 1 : source->length;
    if (end > start && text[end - 1] == '\r')
        end--;
    uint32_t offset = loc.offset < end ? loc.offset : end;

    uint32_t from = start;
    if (offset - start > NM_EXCERPT_BEFORE)
        from = nm_char_boundary(text, offset - NM_EXCERPT_BEFORE, start, end);
    uint32_t to = from;
    for (int chars = 0; to < end && chars < NM_EXCERPT_WIDTH; chars++)
        to += (uint32_t)nm_char_length(text, to, end);

    nm_buf_puts(out, from > start ? "    ..." : "    ");
    nm_append_printable(out, text, from, to);
    nm_buf_puts(out, to < end ? "...\n    " : "\n    ");

    if (from > start)
        nm_buf_puts(out, "   ");
    for (uint32_t i = from; i < offset; i += (uint32_t)nm_char_length(text, i, end))
        nm_buf_putc(out, text[i] == '\t' ? '\t' : ' ');
    nm_buf_putc(out, '^');
    uint32_t last = loc.offset + loc.length < to ? loc.offset + loc.length : to;
    if (offset < last)
        for (uint32_t i = offset + (uint32_t)nm_char_length(text, offset, end); i < last;
             i += (uint32_t)nm_char_length(text, i, end))
            nm_buf_putc(out, '~');
    nm_buf_putc(out, '\n');
}

void nm_diag_report(nm_diag *diag, nm_severity severity, nm_loc loc,
                    const char *format, ...)
{
    if (severity == NM_ERROR)
        diag->errors++;
    else if (severity == NM_WARNING)
        diag->warnings++;
    if (diag->stopped)
        return;

    nm_buf text;
    nm_buf_init(&text);
    uint32_t line = 0, column = 0;
    if (loc.source) {
        nm_diag_position(diag, loc.source, loc.offset, &line, &column);
        nm_buf_printf(&text, "%s:%u:%u: ", loc.source->name, line, column);
    } else {
        nm_buf_puts(&text, "nmc: ");
    }
    nm_buf_printf(&text, "%s: ", nm_severity_name(severity));
    va_list args;
    va_start(args, format);
    nm_buf_vprintf(&text, format, args);
    va_end(args);
    nm_buf_putc(&text, '\n');
    if (loc.source)
        nm_print_excerpt(&text, loc, line);

    if (severity == NM_ERROR && diag->errors >= NM_MAX_ERRORS) {
        nm_buf_printf(&text, "nmc: error: too many errors (limit %d); stopping here\n",
                      NM_MAX_ERRORS);
        diag->stopped = true;
    }

    if (diag->capture)
        nm_buf_append(diag->capture, text.data, text.length);
    else if (diag->out)
        fwrite(text.data, 1, text.length, diag->out);
    nm_buf_free(&text);
}
