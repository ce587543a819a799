/* State shared by the scanner and the parser of one source file. */
#ifndef NM_PARSE_CONTEXT_H
#define NM_PARSE_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "util/arena.h"

/* A token's location: a byte range [begin, end) of the source. */
typedef struct nm_span {
    uint32_t begin, end;
} nm_span;

typedef struct nm_string_value {
    const char *text;
    size_t length;
    bool ok; /* false when the literal had an error already reported */
} nm_string_value;

struct nm_parse_context {
    nm_arena *arena;
    nm_diag *diag;
    const nm_source *source;
    nm_file *file;
    nm_decl **last_decl;

    uint32_t offset;         /* bytes scanned so far */
    uint32_t comment_start;  /* the open block comment */
    uint32_t string_start;   /* the open string literal */
    nm_buf string;           /* the string literal read so far */
    bool string_ok;

    uint32_t token_end;          /* end of the token just scanned */
    uint32_t previous_end;       /* end of the token before it */
    int syntax_errors;
    uint32_t last_syntax_error;  /* offset of the latest one */
};

/* Records a syntax or scanner error so that the declaration around it is
 * marked and the checker skips errors that would only repeat it. */
static inline void nm_parse_note_error(struct nm_parse_context *context, uint32_t offset)
{
    context->syntax_errors++;
    context->last_syntax_error = offset;
}

static inline const char *nm_parse_text(struct nm_parse_context *context,
                                        const char *text, size_t length)
{
    return nm_arena_strndup(context->arena, text, length);
}

static inline nm_loc nm_span_loc(const struct nm_parse_context *context, nm_span span)
{
    return nm_loc_make(context->source, span.begin, span.end - span.begin);
}

#endif
