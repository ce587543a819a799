/* Safetensors checkpoints; see safetensors.h. */
#include "safetensors.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

static char *nm_st_message(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    va_list copy;
    va_copy(copy, args);
    int length = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    char *text = malloc((size_t)(length > 0 ? length : 0) + 1);
    if (text)
        vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

size_t nm_st_dtype_size(nm_st_dtype dtype)
{
    return dtype == NM_ST_F32 ? 4 : 8;
}

static const char *nm_st_dtype_name(nm_st_dtype dtype)
{
    return dtype == NM_ST_F32 ? "F32" : dtype == NM_ST_F64 ? "F64" : "U64";
}

/* ---- writing -------------------------------------------------------- */

static char *nm_st_header(const nm_st_tensor *tensors, int count, const nm_st_metadata *metadata,
                          int metadata_count, size_t *length)
{
    nm_json json;
    nm_json_init(&json);
    nm_json_begin_object(&json);
    nm_json_key(&json, "__metadata__");
    nm_json_begin_object(&json);
    for (int i = 0; i < metadata_count; i++) {
        nm_json_key(&json, metadata[i].key);
        nm_json_string(&json, metadata[i].value);
    }
    nm_json_end_object(&json);
    size_t offset = 0;
    for (int i = 0; i < count; i++) {
        nm_json_key(&json, tensors[i].name);
        nm_json_begin_object(&json);
        nm_json_key(&json, "dtype");
        nm_json_string(&json, nm_st_dtype_name(tensors[i].dtype));
        nm_json_key(&json, "shape");
        nm_json_begin_array(&json);
        for (int r = 0; r < tensors[i].rank; r++)
            nm_json_int(&json, tensors[i].shape[r]);
        nm_json_end_array(&json);
        nm_json_key(&json, "data_offsets");
        nm_json_begin_array(&json);
        nm_json_uint(&json, offset);
        nm_json_uint(&json, offset + tensors[i].bytes);
        nm_json_end_array(&json);
        nm_json_end_object(&json);
        offset += tensors[i].bytes;
    }
    nm_json_end_object(&json);
    /* The data starts on an 8-byte boundary: pad the header with spaces. */
    size_t padded = (json.length + 7) / 8 * 8;
    char *header = calloc(padded + 1, 1);
    if (header) {
        memcpy(header, json.data, json.length);
        memset(header + json.length, ' ', padded - json.length);
    }
    *length = padded;
    nm_json_free(&json);
    return header;
}

static bool nm_st_put(FILE *file, const void *data, size_t bytes)
{
    return bytes == 0 || fwrite(data, 1, bytes, file) == bytes;
}

bool nm_safetensors_write(const char *path, const nm_st_tensor *tensors, int count,
                          const nm_st_metadata *metadata, int metadata_count, char **error)
{
    size_t header_length;
    char *header = nm_st_header(tensors, count, metadata, metadata_count, &header_length);
    char *temporary = nm_st_message("%s.tmp.%ld", path, (long)getpid());
    FILE *file = header && temporary ? fopen(temporary, "wb") : NULL;
    bool ok = file != NULL;
    if (ok) {
        unsigned char length[8];
        for (int i = 0; i < 8; i++)
            length[i] = (unsigned char)((uint64_t)header_length >> (8 * i));
        ok = nm_st_put(file, length, 8) && nm_st_put(file, header, header_length);
        for (int i = 0; i < count && ok; i++)
            ok = nm_st_put(file, tensors[i].data, tensors[i].bytes);
        ok = fflush(file) == 0 && ok;
        ok = fsync(fileno(file)) == 0 && ok;
        ok = fclose(file) == 0 && ok;
    }
    if (ok)
        ok = rename(temporary, path) == 0;
    if (!ok) {
        *error = nm_st_message("cannot write the checkpoint '%s': %s", path, strerror(errno));
        if (temporary)
            remove(temporary);
    }
    free(header);
    free(temporary);
    return ok;
}

/* ---- reading: a small JSON parser for the header --------------------- */

typedef struct nm_json_reader {
    const char *text;
    size_t length, at;
    int depth;
    char *error;
} nm_json_reader;

static void nm_skip_space(nm_json_reader *reader)
{
    while (reader->at < reader->length && strchr(" \t\r\n", reader->text[reader->at]) && reader->text[reader->at])
        reader->at++;
}

static bool nm_expect(nm_json_reader *reader, char c)
{
    nm_skip_space(reader);
    if (reader->at < reader->length && reader->text[reader->at] == c) {
        reader->at++;
        return true;
    }
    if (!reader->error)
        reader->error = nm_st_message("expected '%c' at byte %zu of the header", c, reader->at);
    return false;
}

static bool nm_peek(nm_json_reader *reader, char c)
{
    nm_skip_space(reader);
    return reader->at < reader->length && reader->text[reader->at] == c;
}

/* Reads a JSON string; \\u escapes are kept only for ASCII. */
static char *nm_read_string(nm_json_reader *reader)
{
    if (!nm_expect(reader, '"'))
        return NULL;
    char *value = malloc(reader->length - reader->at + 1);
    size_t out = 0;
    while (value && reader->at < reader->length) {
        char c = reader->text[reader->at++];
        if (c == '"') {
            value[out] = '\0';
            return value;
        }
        if (c == '\\' && reader->at < reader->length) {
            char e = reader->text[reader->at++];
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *hit = strchr(from, e);
            if (e == 'u' && reader->at + 4 <= reader->length) {
                char digits[5] = {0};
                memcpy(digits, reader->text + reader->at, 4);
                reader->at += 4;
                long code = strtol(digits, NULL, 16);
                c = code < 0x80 ? (char)code : '?';
            } else if (hit && e) {
                c = to[hit - from];
            } else {
                break;
            }
        }
        value[out++] = c;
    }
    free(value);
    if (!reader->error)
        reader->error = nm_st_message("unterminated or invalid string in the header");
    return NULL;
}

static bool nm_read_integer(nm_json_reader *reader, int64_t *out)
{
    nm_skip_space(reader);
    char *end;
    errno = 0;
    long long value = strtoll(reader->text + reader->at, &end, 10);
    if (end == reader->text + reader->at || errno == ERANGE || value < 0) {
        reader->error = nm_st_message("expected a non-negative integer at byte %zu of the header", reader->at);
        return false;
    }
    reader->at = (size_t)(end - reader->text);
    *out = value;
    return true;
}

static bool nm_read_integers(nm_json_reader *reader, int64_t *values, int capacity, int *count)
{
    *count = 0;
    if (!nm_expect(reader, '['))
        return false;
    if (nm_peek(reader, ']'))
        return nm_expect(reader, ']');
    do {
        if (*count >= capacity) {
            reader->error = nm_st_message("a list in the header is longer than %d", capacity);
            return false;
        }
        if (!nm_read_integer(reader, &values[(*count)++]))
            return false;
    } while (nm_peek(reader, ',') && nm_expect(reader, ','));
    return nm_expect(reader, ']');
}

static bool nm_read_metadata(nm_json_reader *reader, nm_safetensors *file)
{
    if (!nm_expect(reader, '{'))
        return false;
    if (nm_peek(reader, '}'))
        return nm_expect(reader, '}');
    do {
        char *key = nm_read_string(reader);
        char *value = key && nm_expect(reader, ':') ? nm_read_string(reader) : NULL;
        if (!value) {
            free(key);
            return false;
        }
        nm_st_metadata *grown = realloc(file->metadata, (size_t)(file->metadata_count + 1) * sizeof *grown);
        if (!grown) {
            free(key);
            free(value);
            return false;
        }
        file->metadata = grown;
        file->metadata[file->metadata_count++] = (nm_st_metadata){key, value};
    } while (nm_peek(reader, ',') && nm_expect(reader, ','));
    return nm_expect(reader, '}');
}

static bool nm_parse_dtype(const char *text, nm_st_dtype *dtype)
{
    if (strcmp(text, "F32") == 0)
        *dtype = NM_ST_F32;
    else if (strcmp(text, "F64") == 0)
        *dtype = NM_ST_F64;
    else if (strcmp(text, "U64") == 0)
        *dtype = NM_ST_U64;
    else
        return false;
    return true;
}

/* One tensor entry: {"dtype": ..., "shape": [...], "data_offsets": [a, b]}. */
static bool nm_read_entry(nm_json_reader *reader, nm_st_tensor *tensor, int64_t offsets[2])
{
    bool have_dtype = false, have_shape = false, have_offsets = false;
    if (!nm_expect(reader, '{'))
        return false;
    do {
        char *key = nm_read_string(reader);
        if (!key || !nm_expect(reader, ':')) {
            free(key);
            return false;
        }
        bool ok = true;
        if (strcmp(key, "dtype") == 0) {
            char *dtype = nm_read_string(reader);
            ok = dtype && nm_parse_dtype(dtype, &tensor->dtype);
            if (dtype && !ok)
                reader->error = nm_st_message("tensor '%s' has dtype '%s'; nmc reads F32, F64 and U64",
                                              tensor->name, dtype);
            free(dtype);
            have_dtype = true;
        } else if (strcmp(key, "shape") == 0) {
            ok = nm_read_integers(reader, tensor->shape, NM_SAFETENSORS_MAX_RANK, &tensor->rank);
            have_shape = true;
        } else if (strcmp(key, "data_offsets") == 0) {
            int count;
            ok = nm_read_integers(reader, offsets, 2, &count);
            if (ok && count != 2) {
                reader->error = nm_st_message("tensor '%s' has %d data_offsets, expected 2", tensor->name, count);
                ok = false;
            }
            have_offsets = true;
        } else {
            reader->error = nm_st_message("unknown field '%s' in tensor '%s'", key, tensor->name);
            ok = false;
        }
        free(key);
        if (!ok)
            return false;
    } while (nm_peek(reader, ',') && nm_expect(reader, ','));
    if (!(have_dtype && have_shape && have_offsets)) {
        reader->error = nm_st_message("tensor '%s' lacks its dtype, shape or data_offsets", tensor->name);
        return false;
    }
    return nm_expect(reader, '}');
}

static bool nm_check_range(nm_json_reader *reader, nm_st_tensor *tensor, const int64_t offsets[2],
                           const unsigned char *data, size_t data_size)
{
    size_t expected = nm_st_dtype_size(tensor->dtype);
    bool empty = false;
    for (int r = 0; r < tensor->rank; r++) {
        if (tensor->shape[r] > (int64_t)data_size) {
            reader->error = nm_st_message("tensor '%s' has a dimension of %lld, more than the %zu bytes of data: "
                                          "the file is truncated or corrupt",
                                          tensor->name, (long long)tensor->shape[r], data_size);
            return false;
        }
        empty = empty || tensor->shape[r] == 0;
    }
    /* Each factor is checked before it multiplies, so that a large shape
     * cannot wrap around to a byte count that matches the range. */
    for (int r = 0; r < tensor->rank && !empty; r++) {
        if (expected > SIZE_MAX / (size_t)tensor->shape[r]) {
            reader->error = nm_st_message("tensor '%s' has a shape whose byte size overflows: the file is corrupt",
                                          tensor->name);
            return false;
        }
        expected *= (size_t)tensor->shape[r];
    }
    if (empty)
        expected = 0;
    if (offsets[0] > offsets[1] || (size_t)offsets[1] > data_size
        || (size_t)(offsets[1] - offsets[0]) != expected) {
        reader->error = nm_st_message("tensor '%s' has bytes %lld to %lld, but its shape needs %zu bytes "
                                      "within the %zu bytes of data: the file is truncated or corrupt",
                                      tensor->name, (long long)offsets[0], (long long)offsets[1], expected,
                                      data_size);
        return false;
    }
    tensor->data = data + offsets[0];
    tensor->bytes = expected;
    return true;
}

static bool nm_read_header(nm_json_reader *reader, nm_safetensors *file, const unsigned char *data,
                           size_t data_size)
{
    if (!nm_expect(reader, '{'))
        return false;
    if (nm_peek(reader, '}'))
        return nm_expect(reader, '}');
    do {
        char *name = nm_read_string(reader);
        if (!name || !nm_expect(reader, ':')) {
            free(name);
            return false;
        }
        if (strcmp(name, "__metadata__") == 0) {
            free(name);
            if (!nm_read_metadata(reader, file))
                return false;
            continue;
        }
        nm_st_tensor *grown = realloc(file->tensors, (size_t)(file->tensor_count + 1) * sizeof *grown);
        if (!grown) {
            free(name);
            return false;
        }
        file->tensors = grown;
        nm_st_tensor *tensor = &file->tensors[file->tensor_count++];
        memset(tensor, 0, sizeof *tensor);
        tensor->name = name;
        int64_t offsets[2];
        if (!nm_read_entry(reader, tensor, offsets) || !nm_check_range(reader, tensor, offsets, data, data_size))
            return false;
    } while (nm_peek(reader, ',') && nm_expect(reader, ','));
    return nm_expect(reader, '}');
}

/* Rejects anything but JSON whitespace after the header's object.  The
 * format pads the header with spaces. */
static bool nm_check_header_end(nm_json_reader *reader)
{
    nm_skip_space(reader);
    if (reader->at < reader->length) {
        reader->error = nm_st_message("unexpected text after the JSON object at byte %zu of the header", reader->at);
        return false;
    }
    return true;
}

typedef struct nm_st_range {
    size_t begin, end;
    int tensor;
} nm_st_range;

static int nm_compare_ranges(const void *left, const void *right)
{
    const nm_st_range *a = left, *b = right;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    return a->tensor < b->tensor ? -1 : a->tensor > b->tensor;
}

/* Rejects two tensors that share a byte of DATA.  Empty tensors share
 * none. */
static bool nm_check_overlaps(nm_json_reader *reader, const nm_safetensors *file, const unsigned char *data)
{
    nm_st_range *ranges = malloc((size_t)(file->tensor_count > 0 ? file->tensor_count : 1) * sizeof *ranges);
    if (!ranges) {
        reader->error = nm_st_message("out of memory for the tensor ranges");
        return false;
    }
    int count = 0;
    for (int i = 0; i < file->tensor_count; i++) {
        const nm_st_tensor *tensor = &file->tensors[i];
        if (tensor->bytes == 0)
            continue;
        size_t begin = (size_t)((const unsigned char *)tensor->data - data);
        ranges[count++] = (nm_st_range){begin, begin + tensor->bytes, i};
    }
    qsort(ranges, (size_t)count, sizeof *ranges, nm_compare_ranges);
    /* Sorted by start, disjoint ranges each start at or after the end of
     * the one before. */
    bool ok = true;
    for (int k = 1; k < count && ok; k++) {
        const nm_st_range *before = &ranges[k - 1], *range = &ranges[k];
        if (range->begin < before->end) {
            reader->error = nm_st_message("tensors '%s' and '%s' overlap: bytes %zu to %zu and %zu to %zu",
                                          file->tensors[before->tensor].name, file->tensors[range->tensor].name,
                                          before->begin, before->end, range->begin, range->end);
            ok = false;
        }
    }
    free(ranges);
    return ok;
}

static unsigned char *nm_read_whole(const char *path, size_t *size, char **error)
{
    FILE *stream = fopen(path, "rb");
    if (!stream) {
        *error = nm_st_message("cannot open the checkpoint '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t capacity = 1 << 16, used = 0;
    unsigned char *bytes = malloc(capacity);
    size_t got;
    while (bytes && (got = fread(bytes + used, 1, capacity - used, stream)) > 0) {
        used += got;
        if (used == capacity) {
            unsigned char *grown = realloc(bytes, capacity * 2);
            if (!grown) {
                free(bytes);
                bytes = NULL;
                break;
            }
            bytes = grown;
            capacity *= 2;
        }
    }
    bool failed = ferror(stream) || !bytes;
    fclose(stream);
    if (failed) {
        free(bytes);
        *error = nm_st_message("cannot read the checkpoint '%s'", path);
        return NULL;
    }
    /* The loop leaves used < capacity.  A zero byte after the file stops
     * strtoll in nm_read_integer at the end of the buffer. */
    bytes[used] = 0;
    *size = used;
    return bytes;
}

nm_safetensors *nm_safetensors_read(const char *path, char **error)
{
    size_t size;
    unsigned char *bytes = nm_read_whole(path, &size, error);
    if (!bytes)
        return NULL;
    nm_safetensors *file = calloc(1, sizeof *file);
    file->file = bytes;
    file->size = size;
    uint64_t header_length = 0;
    for (int i = 0; i < 8 && size >= 8; i++)
        header_length |= (uint64_t)bytes[i] << (8 * i);
    if (size < 8 || header_length > size - 8 || header_length > NM_SAFETENSORS_MAX_HEADER) {
        *error = nm_st_message("'%s' is not a safetensors checkpoint: its header length is missing or "
                               "larger than the file",
                               path);
        nm_safetensors_free(file);
        return NULL;
    }
    nm_json_reader reader = {(const char *)bytes + 8, (size_t)header_length, 0, 0, NULL};
    const unsigned char *data = bytes + 8 + header_length;
    if (!nm_read_header(&reader, file, data, size - 8 - (size_t)header_length) || !nm_check_header_end(&reader)
        || !nm_check_overlaps(&reader, file, data)) {
        *error = nm_st_message("'%s' is not a valid checkpoint: %s", path,
                               reader.error ? reader.error : "its header is not valid JSON");
        free(reader.error);
        nm_safetensors_free(file);
        return NULL;
    }
    return file;
}

void nm_safetensors_free(nm_safetensors *file)
{
    if (!file)
        return;
    for (int i = 0; i < file->tensor_count; i++)
        free(file->tensors[i].name);
    for (int i = 0; i < file->metadata_count; i++) {
        free(file->metadata[i].key);
        free(file->metadata[i].value);
    }
    free(file->tensors);
    free(file->metadata);
    free(file->file);
    free(file);
}

const nm_st_tensor *nm_safetensors_find(const nm_safetensors *file, const char *name)
{
    for (int i = 0; i < file->tensor_count; i++)
        if (strcmp(file->tensors[i].name, name) == 0)
            return &file->tensors[i];
    return NULL;
}

const char *nm_safetensors_get_metadata(const nm_safetensors *file, const char *key)
{
    for (int i = 0; i < file->metadata_count; i++)
        if (strcmp(file->metadata[i].key, key) == 0)
            return file->metadata[i].value;
    return NULL;
}
