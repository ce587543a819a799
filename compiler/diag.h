/* Source files and diagnostics.
 *
 * A source is a file's name and bytes with a table of line starts.  A
 * location is a source and a byte range; line and column (both from 1, the
 * column counting characters, not bytes) are computed when a diagnostic is
 * printed.  Every diagnostic reads
 *
 *     file:line:col: error: message
 *         the source line
 *         ^~~~
 *
 * and the engine counts errors so that one run reports all it finds.
 */
#ifndef NM_DIAG_H
#define NM_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/arena.h"

/* Largest source file read, in bytes: far above any hand-written machine,
 * and small enough that offsets fit in 32 bits with room to spare. */
#define NM_MAX_FILE_SIZE (16u * 1024 * 1024)

/* Errors printed before the engine stops printing: past this the later
 * errors are usually consequences of the earlier ones. */
#define NM_MAX_ERRORS 1000

typedef struct nm_source {
    char *name;   /* the path as the user wrote it */
    char *text;   /* NUL-terminated */
    uint32_t length;
    uint32_t *line_starts;
    uint32_t line_count;
} nm_source;

typedef struct nm_loc {
    const nm_source *source; /* NULL for a location outside any file */
    uint32_t offset;
    uint32_t length;
} nm_loc;

typedef enum nm_severity { NM_ERROR, NM_WARNING, NM_NOTE } nm_severity;

/* Characters of a source line that a diagnostic shows, at most: a longer
 * line is cut around the location, and each cut is marked with "...". */
#define NM_EXCERPT_WIDTH 160
/* Bytes of the line shown before the location when the line is cut. */
#define NM_EXCERPT_BEFORE 60

typedef struct nm_diag {
    FILE *out;        /* where diagnostics go, usually stderr */
    nm_buf *capture;  /* when set, diagnostics are appended here instead */
    int errors;
    int warnings;
    bool stopped;     /* NM_MAX_ERRORS was reached */

    /* Where the latest column count stopped: the next diagnostic further
     * along the same line counts on from there, so that many errors on one
     * long line do not each count from its start. */
    const nm_source *counted_source;
    uint32_t counted_line;
    uint32_t counted_offset; /* a character boundary */
    uint32_t counted_chars;  /* characters before it on its line */
} nm_diag;

void nm_diag_init(nm_diag *diag, FILE *out);
void nm_diag_report(nm_diag *diag, nm_severity severity, nm_loc loc,
                    const char *format, ...)
    __attribute__((format(printf, 4, 5)));
#define nm_error(diag, loc, ...) nm_diag_report((diag), NM_ERROR, (loc), __VA_ARGS__)
#define nm_warning(diag, loc, ...) nm_diag_report((diag), NM_WARNING, (loc), __VA_ARGS__)
#define nm_note(diag, loc, ...) nm_diag_report((diag), NM_NOTE, (loc), __VA_ARGS__)

/* Reads a file into a new source.  On failure returns NULL and stores a
 * message naming the file and the reason in *message (heap allocated). */
nm_source *nm_source_read(const char *path, char **message);
/* Makes a source from bytes in memory (tests, fuzzing, imported text). */
nm_source *nm_source_from_text(const char *name, const char *text, size_t length);
void nm_source_free(nm_source *source);

/* Line and column (both from 1) of a byte offset. */
void nm_source_position(const nm_source *source, uint32_t offset,
                        uint32_t *line, uint32_t *column);
/* Line (from 1) of a byte offset; cheaper than nm_source_position, which
 * also counts the characters before it on its line. */
uint32_t nm_source_line(const nm_source *source, uint32_t offset);

/* Bytes of the UTF-8 character at TEXT[AT], before END; 0 when the byte
 * there starts no valid character (diagnostics then count it as one
 * character of its own).  Overlong forms and surrogates are invalid, as in
 * the scanner. */
size_t nm_utf8_sequence(const char *text, size_t at, size_t end);

nm_loc nm_loc_make(const nm_source *source, uint32_t offset, uint32_t length);
nm_loc nm_loc_none(void);

#endif
