/* A small JSON writer for the --json outputs: objects, arrays, strings
 * with escaping, integers and booleans, with commas placed automatically. */
#ifndef NM_JSON_H
#define NM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting depth of objects and arrays. */
#define NM_JSON_MAX_DEPTH 32

typedef struct nm_json {
    char *data;
    size_t length, capacity;
    int depth;
    bool first[NM_JSON_MAX_DEPTH]; /* no member written yet at this depth */
    bool after_key;
} nm_json;

void nm_json_init(nm_json *json);
void nm_json_free(nm_json *json);
void nm_json_begin_object(nm_json *json);
void nm_json_end_object(nm_json *json);
void nm_json_begin_array(nm_json *json);
void nm_json_end_array(nm_json *json);
void nm_json_key(nm_json *json, const char *key);
void nm_json_string(nm_json *json, const char *text);
void nm_json_string_n(nm_json *json, const char *text, size_t length);
void nm_json_int(nm_json *json, int64_t value);
void nm_json_uint(nm_json *json, uint64_t value);
void nm_json_double(nm_json *json, double value);
void nm_json_bool(nm_json *json, bool value);
void nm_json_null(nm_json *json);
/* Writes TEXT as it is: a value already in JSON form. */
void nm_json_raw(nm_json *json, const char *text);

#endif
