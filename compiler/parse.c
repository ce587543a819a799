/* Runs the flex scanner and bison parser of grammar/ over one source. */
#include "parse.h"

#include <string.h>

#include "nm.tab.h"
#include "nm.yy.h"
#include "parse_context.h"

int nm_yyparse(yyscan_t scanner, struct nm_parse_context *context);

nm_file *nm_parse_source(nm_arena *arena, nm_diag *diag, const nm_source *source)
{
    nm_file *file = nm_arena_calloc(arena, 1, sizeof *file);
    file->source = source;

    struct nm_parse_context context;
    memset(&context, 0, sizeof context);
    context.arena = arena;
    context.diag = diag;
    context.source = source;
    context.file = file;
    context.last_decl = &file->decls;
    context.pending_token = -1;
    nm_buf_init(&context.string);

    yyscan_t scanner;
    if (nm_yylex_init_extra(&context, &scanner) != 0) {
        fprintf(stderr, "nmc: out of memory while starting the scanner\n");
        abort();
    }
    YY_BUFFER_STATE buffer = nm_yy_scan_bytes(source->text, (int)source->length, scanner);
    nm_yyparse(scanner, &context);
    nm_yy_delete_buffer(buffer, scanner);
    nm_yylex_destroy(scanner);
    nm_buf_free(&context.string);
    return file;
}
