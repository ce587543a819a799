/* Parsing one source file into a syntax tree. */
#ifndef NM_PARSE_H
#define NM_PARSE_H

#include "ast.h"
#include "diag.h"

/* Parses SOURCE; errors go to DIAG and parsing continues past them.  The
 * returned file and its tree live in ARENA and hold every declaration that
 * could be recovered. */
nm_file *nm_parse_source(nm_arena *arena, nm_diag *diag, const nm_source *source);

#endif
