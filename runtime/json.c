/* The JSON writer; see json.h. */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nm_json_append(nm_json *json, const char *text, size_t length)
{
    if (json->length + length + 1 > json->capacity) {
        size_t capacity = json->capacity ? json->capacity : 256;
        while (capacity < json->length + length + 1)
            capacity *= 2;
        char *data = realloc(json->data, capacity);
        if (!data) {
            fprintf(stderr, "nmc: out of memory writing JSON\n");
            abort();
        }
        json->data = data;
        json->capacity = capacity;
    }
    memcpy(json->data + json->length, text, length);
    json->length += length;
    json->data[json->length] = '\0';
}

static void nm_json_puts(nm_json *json, const char *text)
{
    nm_json_append(json, text, strlen(text));
}

/* Writes the comma before a value unless it follows a key or opens a
 * container. */
static void nm_json_separate(nm_json *json)
{
    if (json->after_key) {
        json->after_key = false;
        return;
    }
    if (json->depth > 0) {
        if (!json->first[json->depth - 1])
            nm_json_puts(json, ", ");
        json->first[json->depth - 1] = false;
    }
}

void nm_json_init(nm_json *json)
{
    memset(json, 0, sizeof *json);
}

void nm_json_free(nm_json *json)
{
    free(json->data);
    nm_json_init(json);
}

static void nm_json_open(nm_json *json, const char *bracket)
{
    nm_json_separate(json);
    nm_json_puts(json, bracket);
    if (json->depth < NM_JSON_MAX_DEPTH)
        json->first[json->depth] = true;
    json->depth++;
}

static void nm_json_close(nm_json *json, const char *bracket)
{
    json->depth--;
    nm_json_puts(json, bracket);
}

void nm_json_begin_object(nm_json *json)
{
    nm_json_open(json, "{");
}

void nm_json_end_object(nm_json *json)
{
    nm_json_close(json, "}");
}

void nm_json_begin_array(nm_json *json)
{
    nm_json_open(json, "[");
}

void nm_json_end_array(nm_json *json)
{
    nm_json_close(json, "]");
}

void nm_json_key(nm_json *json, const char *key)
{
    nm_json_string(json, key);
    nm_json_puts(json, ": ");
    json->after_key = true;
}

void nm_json_string_n(nm_json *json, const char *text, size_t length)
{
    nm_json_separate(json);
    nm_json_puts(json, "\"");
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        char escaped[8];
        if (c == '"' || c == '\\') {
            snprintf(escaped, sizeof escaped, "\\%c", c);
        } else if (c == '\n') {
            strcpy(escaped, "\\n");
        } else if (c == '\t') {
            strcpy(escaped, "\\t");
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(escaped, sizeof escaped, "\\u%04x", c);
        } else {
            escaped[0] = (char)c;
            escaped[1] = '\0';
        }
        nm_json_puts(json, escaped);
    }
    nm_json_puts(json, "\"");
}

void nm_json_string(nm_json *json, const char *text)
{
    nm_json_string_n(json, text, strlen(text));
}

void nm_json_int(nm_json *json, int64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, value);
    nm_json_raw(json, text);
}

void nm_json_uint(nm_json *json, uint64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRIu64, value);
    nm_json_raw(json, text);
}

void nm_json_double(nm_json *json, double value)
{
    if (!isfinite(value)) {
        nm_json_null(json);
        return;
    }
    char text[40];
    snprintf(text, sizeof text, "%.17g", value);
    nm_json_raw(json, text);
}

void nm_json_bool(nm_json *json, bool value)
{
    nm_json_raw(json, value ? "true" : "false");
}

void nm_json_null(nm_json *json)
{
    nm_json_raw(json, "null");
}

void nm_json_raw(nm_json *json, const char *text)
{
    nm_json_separate(json);
    nm_json_puts(json, text);
}
