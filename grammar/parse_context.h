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

    bool string_unterminated; /* the string just scanned ran to the line end */
    bool comment_unterminated; /* a block comment ran to the end of the file */
    uint32_t invalid_byte_line; /* line of the latest invalid-byte error, or 0 */

    uint32_t token_begin;        /* the token just scanned */
    uint32_t token_end;
    uint32_t previous_end;       /* end of the token before it */
    int syntax_errors;
    uint32_t last_syntax_error;  /* offset of the latest one */
    int quiet_tokens;            /* syntax errors at the next tokens repeat a scanner error */

    /* The item being read: the tokens since the last ';', '{' or '}'. */
    bool item_started;
    bool item_ended;             /* the current token ended it */
    int item_arrows;
    bool item_has_break;         /* a token of it starts a new line */
    uint32_t item_break_end;     /* end of the token before the latest such break */

    /* The declaration being read and its open body, for a missing '}'. */
    const char *decl_kind;       /* machine, model or train; NULL between declarations */
    const char *decl_name;
    bool body_open;
    uint32_t body_brace;         /* offset of its '{' */

    /* A token held back while the scanner supplies a '}' that is missing
     * before it; -1 when none is. */
    int pending_token;
    nm_span pending_span;
    bool brace_inserted;         /* the current token is such a '}' */
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
