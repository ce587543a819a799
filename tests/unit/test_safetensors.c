/* Unit tests of the safetensors writer and reader (runtime/safetensors.h):
 * a round trip of F32, F64 and U64 tensors with metadata, the file layout
 * as a plain parser reads it, the reader's rejection of damaged files with
 * the message it gives, and writes that fail without touching the file
 * already at the target path.  All files live in a directory made with
 * mkdtemp under /tmp, removed when the tests end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safetensors.h"

static char directory[64];

/* ---- Files ------------------------------------------------------------ */

static void path_in_directory(char *path, size_t size, const char *name)
{
    int length = snprintf(path, size, "%s/%s", directory, name);
    assert_true(length > 0 && (size_t)length < size);
}

static void write_bytes(const char *path, const void *bytes, size_t size)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, size, file), size);
    assert_int_equal(fclose(file), 0);
}

static unsigned char *read_bytes(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long end = ftell(file);
    assert_true(end >= 0);
    rewind(file);
    unsigned char *bytes = malloc((size_t)end + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)end, file), (size_t)end);
    fclose(file);
    *size = (size_t)end;
    return bytes;
}

/* Writes a file by hand: the 8-byte little-endian length HEADER_LENGTH,
 * the text HEADER, then DATA. */
static void write_raw_with_length(const char *path, uint64_t header_length, const char *header, const void *data,
                                  size_t data_size)
{
    size_t text = strlen(header);
    unsigned char *bytes = malloc(8 + text + data_size + 1);
    assert_non_null(bytes);
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(header_length >> (8 * i));
    memcpy(bytes + 8, header, text);
    if (data_size)
        memcpy(bytes + 8 + text, data, data_size);
    write_bytes(path, bytes, 8 + text + data_size);
    free(bytes);
}

static void write_raw(const char *path, const char *header, const void *data, size_t data_size)
{
    write_raw_with_length(path, strlen(header), header, data, data_size);
}

/* The names in DIR, sorted and joined with spaces, into LIST. */
static void list_directory(const char *dir, char *list, size_t size)
{
    char names[16][256];
    int count = 0;
    DIR *stream = opendir(dir);
    assert_non_null(stream);
    struct dirent *entry;
    while ((entry = readdir(stream)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        assert_true(count < 16);
        size_t length = strnlen(entry->d_name, sizeof names[0] - 1);
        memcpy(names[count], entry->d_name, length);
        names[count++][length] = '\0';
    }
    closedir(stream);
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char swap[256];
            memcpy(swap, names[j], sizeof swap);
            memcpy(names[j], names[j - 1], sizeof swap);
            memcpy(names[j - 1], swap, sizeof swap);
        }
    list[0] = '\0';
    for (int i = 0; i < count; i++) {
        size_t used = strlen(list), length = strlen(names[i]);
        assert_true(used + length + 2 <= size);
        if (i)
            list[used++] = ' ';
        memcpy(list + used, names[i], length + 1);
    }
}

/* Removes every file and empty subdirectory in DIR, and DIR itself. */
static void remove_directory(const char *dir)
{
    DIR *stream = opendir(dir);
    if (!stream)
        return;
    struct dirent *entry;
    while ((entry = readdir(stream)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        if (remove(path) != 0)
            fprintf(stderr, "test_safetensors: cannot remove %s: %s\n", path, strerror(errno));
    }
    closedir(stream);
    rmdir(dir);
}

/* Every test starts with an empty directory. */
static int setup(void **state)
{
    (void)state;
    snprintf(directory, sizeof directory, "/tmp/nmc-test-safetensors-XXXXXX");
    return mkdtemp(directory) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    remove_directory(directory);
    return 0;
}

/* ---- The tensors of the round trip ------------------------------------ */

static const float WEIGHTS[6] = {1.5f, -0.25f, 3.0e38f, 1.0e-40f, -0.0f, 7.0f};
static const double BIAS[4] = {0.1, -1.0e300, 2.5, 4.9e-324};
static const uint64_t COUNTERS[2] = {UINT64_MAX, 0x0123456789ABCDEFull};
static const double SCALAR[1] = {42.0};

#define TENSOR_COUNT 4
#define METADATA_COUNT 3

static void round_trip_tensors(nm_st_tensor tensors[TENSOR_COUNT])
{
    tensors[0] = (nm_st_tensor){"weights", NM_ST_F32, 2, {2, 3}, WEIGHTS, sizeof WEIGHTS};
    tensors[1] = (nm_st_tensor){"bias", NM_ST_F64, 1, {4}, BIAS, sizeof BIAS};
    tensors[2] = (nm_st_tensor){"counters", NM_ST_U64, 1, {2}, COUNTERS, sizeof COUNTERS};
    tensors[3] = (nm_st_tensor){"scalar", NM_ST_F64, 0, {0}, SCALAR, sizeof SCALAR};
}

/* The second value needs escapes in JSON: a quote, a backslash, a newline,
 * a tab and a control character.  The third is UTF-8. */
static void round_trip_metadata(nm_st_metadata metadata[METADATA_COUNT])
{
    metadata[0] = (nm_st_metadata){"format", "nmc-test"};
    metadata[1] = (nm_st_metadata){"note", "quote \" backslash \\ newline \n tab \t control \x01 end"};
    metadata[2] = (nm_st_metadata){"unicode", "gr\xC3\xB6\xC3\x9F" "e"};
}

static void write_round_trip(const char *path)
{
    nm_st_tensor tensors[TENSOR_COUNT];
    nm_st_metadata metadata[METADATA_COUNT];
    round_trip_tensors(tensors);
    round_trip_metadata(metadata);
    char *error = NULL;
    bool ok = nm_safetensors_write(path, tensors, TENSOR_COUNT, metadata, METADATA_COUNT, &error);
    if (!ok)
        fail_msg("write failed: %s", error ? error : "(no message)");
    assert_null(error);
}

/* ---- Round trip ------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "model.safetensors");
    write_round_trip(path);

    char *error = NULL;
    nm_safetensors *file = nm_safetensors_read(path, &error);
    if (!file)
        fail_msg("read failed: %s", error ? error : "(no message)");
    assert_null(error);

    nm_st_tensor expected[TENSOR_COUNT];
    round_trip_tensors(expected);
    assert_int_equal(file->tensor_count, TENSOR_COUNT);
    for (int i = 0; i < TENSOR_COUNT; i++) {
        const nm_st_tensor *tensor = nm_safetensors_find(file, expected[i].name);
        assert_non_null(tensor);
        assert_string_equal(tensor->name, expected[i].name);
        assert_int_equal(tensor->dtype, expected[i].dtype);
        assert_int_equal(tensor->rank, expected[i].rank);
        for (int r = 0; r < expected[i].rank; r++)
            assert_int_equal(tensor->shape[r], expected[i].shape[r]);
        assert_int_equal(tensor->bytes, expected[i].bytes);
        assert_memory_equal(tensor->data, expected[i].data, expected[i].bytes);
        /* The header is padded so that the data, and with these sizes every
         * tensor, starts at a multiple of 8 bytes into the file. */
        assert_int_equal(((const unsigned char *)tensor->data - file->file) % 8, 0);
    }
    assert_null(nm_safetensors_find(file, "missing"));

    nm_st_metadata metadata[METADATA_COUNT];
    round_trip_metadata(metadata);
    assert_int_equal(file->metadata_count, METADATA_COUNT);
    for (int i = 0; i < METADATA_COUNT; i++) {
        const char *value = nm_safetensors_get_metadata(file, metadata[i].key);
        assert_non_null(value);
        assert_string_equal(value, metadata[i].value);
    }
    assert_null(nm_safetensors_get_metadata(file, "missing"));
    nm_safetensors_free(file);

    /* The write left only the checkpoint behind. */
    char list[256];
    list_directory(directory, list, sizeof list);
    assert_string_equal(list, "model.safetensors");
}

/* A second write to the same path replaces the file. */
static void test_overwrite_replaces_file(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "model.safetensors");
    write_round_trip(path);

    const double values[2] = {-1.0, 2.0};
    nm_st_tensor tensor = {"other", NM_ST_F64, 1, {2}, values, sizeof values};
    char *error = NULL;
    assert_true(nm_safetensors_write(path, &tensor, 1, NULL, 0, &error));

    nm_safetensors *file = nm_safetensors_read(path, &error);
    assert_non_null(file);
    assert_int_equal(file->tensor_count, 1);
    assert_int_equal(file->metadata_count, 0);
    assert_null(nm_safetensors_find(file, "weights"));
    const nm_st_tensor *other = nm_safetensors_find(file, "other");
    assert_non_null(other);
    assert_memory_equal(other->data, values, sizeof values);
    nm_safetensors_free(file);
}

/* ---- The file as a plain parser reads it ------------------------------ */

/* HEADER without the whitespace outside strings, so that the checks below
 * do not depend on how the writer spaces its JSON. */
static char *compact_json(const char *header, size_t length)
{
    char *out = malloc(length + 1);
    assert_non_null(out);
    size_t n = 0;
    bool in_string = false;
    for (size_t i = 0; i < length; i++) {
        char c = header[i];
        if (in_string) {
            out[n++] = c;
            if (c == '\\' && i + 1 < length)
                out[n++] = header[++i];
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
            out[n++] = c;
        } else if (!strchr(" \t\r\n", c)) {
            out[n++] = c;
        }
    }
    out[n] = '\0';
    return out;
}

/* Checks that the object under "NAME" in the compact HEADER contains each
 * member text in MEMBERS, whatever their order. */
static void check_entry(const char *header, const char *name, const char *const *members, int count)
{
    char key[64];
    snprintf(key, sizeof key, "\"%s\":{", name);
    const char *begin = strstr(header, key);
    if (!begin)
        fail_msg("the header has no object for '%s': %s", name, header);
    begin += strlen(key);
    const char *end = strchr(begin, '}');
    assert_non_null(end);
    for (int i = 0; i < count; i++) {
        const char *hit = strstr(begin, members[i]);
        if (!hit || hit >= end)
            fail_msg("the entry '%s' lacks %s: %.*s", name, members[i], (int)(end - begin), begin);
    }
}

static uint64_t little_endian(const unsigned char *bytes, int size)
{
    uint64_t value = 0;
    for (int i = 0; i < size; i++)
        value |= (uint64_t)bytes[i] << (8 * i);
    return value;
}

static void test_file_layout(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "model.safetensors");
    write_round_trip(path);
    size_t size;
    unsigned char *bytes = read_bytes(path, &size);

    /* The first 8 bytes are the header length, little-endian.  The data
     * after the header is 24 + 32 + 16 + 8 = 80 bytes. */
    assert_true(size >= 8);
    uint64_t header_length = little_endian(bytes, 8);
    assert_true(header_length <= size - 8);
    assert_int_equal(size - 8 - header_length, 80);
    assert_int_equal(header_length % 8, 0);

    /* The header is one JSON object, padded with spaces. */
    const char *header = (const char *)bytes + 8;
    assert_int_equal(header[0], '{');
    size_t last = (size_t)header_length - 1;
    while (last > 0 && header[last] == ' ')
        last--;
    assert_int_equal(header[last], '}');

    /* The offsets are relative to the start of the data, in tensor order. */
    char *compact = compact_json(header, (size_t)header_length);
    const char *weights[] = {"\"dtype\":\"F32\"", "\"shape\":[2,3]", "\"data_offsets\":[0,24]"};
    const char *bias[] = {"\"dtype\":\"F64\"", "\"shape\":[4]", "\"data_offsets\":[24,56]"};
    const char *counters[] = {"\"dtype\":\"U64\"", "\"shape\":[2]", "\"data_offsets\":[56,72]"};
    const char *scalar[] = {"\"dtype\":\"F64\"", "\"shape\":[]", "\"data_offsets\":[72,80]"};
    const char *metadata[] = {"\"format\":\"nmc-test\"", "\"unicode\":\"gr\xC3\xB6\xC3\x9F" "e\""};
    check_entry(compact, "weights", weights, 3);
    check_entry(compact, "bias", bias, 3);
    check_entry(compact, "counters", counters, 3);
    check_entry(compact, "scalar", scalar, 3);
    check_entry(compact, "__metadata__", metadata, 2);
    free(compact);

    /* The values, read as little-endian integers of their width. */
    const unsigned char *data = bytes + 8 + header_length;
    for (int i = 0; i < 6; i++) {
        uint32_t bits;
        memcpy(&bits, &WEIGHTS[i], 4);
        assert_true(little_endian(data + 4 * i, 4) == bits);
    }
    for (int i = 0; i < 4; i++) {
        uint64_t bits;
        memcpy(&bits, &BIAS[i], 8);
        assert_true(little_endian(data + 24 + 8 * i, 8) == bits);
    }
    assert_true(little_endian(data + 56, 8) == UINT64_MAX);
    assert_true(little_endian(data + 64, 8) == 0x0123456789ABCDEFull);
    uint64_t scalar_bits;
    memcpy(&scalar_bits, &SCALAR[0], 8);
    assert_true(little_endian(data + 72, 8) == scalar_bits);
    free(bytes);
}

/* A hand-written file in the format, with spaces after the JSON object as
 * padding, reads like one from the writer. */
static void test_read_hand_written(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "hand.safetensors");
    const char *header = "{\"__metadata__\": {\"k\": \"v\"}, \"b\": {\"shape\": [1], \"dtype\": \"U64\", "
                         "\"data_offsets\": [4, 12]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], "
                         "\"data_offsets\": [0, 4]}}   ";
    unsigned char data[12] = {0, 0, 0xC0, 0x3F, 1, 2, 3, 4, 5, 6, 7, 8}; /* 1.5f, then 0x0807060504030201 */
    write_raw(path, header, data, sizeof data);

    char *error = NULL;
    nm_safetensors *file = nm_safetensors_read(path, &error);
    if (!file)
        fail_msg("read failed: %s", error);
    const nm_st_tensor *a = nm_safetensors_find(file, "a");
    const nm_st_tensor *b = nm_safetensors_find(file, "b");
    assert_non_null(a);
    assert_non_null(b);
    float value;
    memcpy(&value, a->data, 4);
    assert_true(value == 1.5f);
    assert_true(little_endian(b->data, 8) == 0x0807060504030201ull);
    assert_string_equal(nm_safetensors_get_metadata(file, "k"), "v");
    nm_safetensors_free(file);
}

/* ---- Rejected files --------------------------------------------------- */

/* Reads PATH, which must fail with a message that names the file and
 * contains each of the NULL-terminated WORDS. */
static void expect_rejection(const char *path, ...)
{
    char *error = NULL;
    nm_safetensors *file = nm_safetensors_read(path, &error);
    if (file) {
        nm_safetensors_free(file);
        fail_msg("%s was read without an error", path);
    }
    assert_non_null(error);
    if (!strstr(error, path))
        fail_msg("the message does not name the file: %s", error);
    va_list words;
    va_start(words, path);
    for (const char *word = va_arg(words, const char *); word; word = va_arg(words, const char *))
        if (!strstr(error, word))
            fail_msg("the message lacks \"%s\": %s", word, error);
    va_end(words);
    free(error);
}

static void test_reject_missing_file(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "absent.safetensors");
    expect_rejection(path, "cannot open", "No such file or directory", NULL);
}

/* Files shorter than the 8 bytes of the header length. */
static void test_reject_short_file(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "short.safetensors");
    write_bytes(path, "\x10\0\0\0\0", 5);
    expect_rejection(path, "not a safetensors checkpoint", "header length", NULL);
    write_bytes(path, "", 0);
    expect_rejection(path, "not a safetensors checkpoint", "header length", NULL);
}

/* A file from the writer, cut short inside its data and inside its
 * header. */
static void test_reject_truncated_file(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "model.safetensors");
    write_round_trip(path);
    size_t size;
    unsigned char *bytes = read_bytes(path, &size);

    /* The last tensor, "scalar", loses 4 of its 8 bytes. */
    write_bytes(path, bytes, size - 4);
    expect_rejection(path, "'scalar'", "bytes 72 to 80", "truncated or corrupt", NULL);

    /* Without any data, "weights" is the first tensor checked. */
    size_t header_end = 8 + (size_t)little_endian(bytes, 8);
    write_bytes(path, bytes, header_end);
    expect_rejection(path, "'weights'", "more than the 0 bytes of data", "truncated or corrupt", NULL);

    write_bytes(path, bytes, header_end - 1);
    expect_rejection(path, "header length", "larger than the file", NULL);
    free(bytes);
}

static void test_reject_header_beyond_file(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "long.safetensors");
    const char *header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}";
    const unsigned char data[4] = {0};

    /* One byte more than header and data together. */
    write_raw_with_length(path, strlen(header) + 5, header, data, 4);
    expect_rejection(path, "not a safetensors checkpoint", "header length", "larger than the file", NULL);

    /* Lengths near 2^64, which overflow if added to the 8 bytes before the
     * header. */
    write_raw_with_length(path, UINT64_MAX, header, data, 4);
    expect_rejection(path, "header length", "larger than the file", NULL);
    write_raw_with_length(path, UINT64_MAX - 7, header, data, 4);
    expect_rejection(path, "header length", "larger than the file", NULL);

    /* The exact size reads. */
    write_raw(path, header, data, 4);
    char *error = NULL;
    nm_safetensors *file = nm_safetensors_read(path, &error);
    assert_non_null(file);
    nm_safetensors_free(file);
}

typedef struct malformed_case {
    const char *header;
    const char *word;
} malformed_case;

static void test_reject_malformed_json(void **state)
{
    (void)state;
    static const malformed_case cases[] = {
        {"", "expected '{'"},
        {"[1, 2]", "expected '{'"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}", "expected '}'"},
        {"{\"a\" {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "expected ':'"},
        {"{\"a\": {\"dtype\": F32, \"shape\": [1], \"data_offsets\": [0, 4]}}", "expected '\"'"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},}", "expected '\"'"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", "expected ']'"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4 ]}} x", "after the JSON object"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}{}", "after the JSON object"},
        {"{\"a", "unterminated or invalid string"},
        {"{\"a\\q\": {}}", "unterminated or invalid string"},
        {"{\"__metadata__\": {\"k\": 1}}", "expected '\"'"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "non-negative integer"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", "has 1 data_offsets, expected 2"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", "longer than 2"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1, 1, 1, 1, 1, 1, 1, 1, 1], \"data_offsets\": [0, 4]}}",
         "longer than 8"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", "lacks its dtype, shape or data_offsets"},
        {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"extra\": 1}}",
         "unknown field 'extra'"},
    };
    char path[128];
    path_in_directory(path, sizeof path, "malformed.safetensors");
    const unsigned char data[4] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("header: %s\n", cases[i].header);
        write_raw(path, cases[i].header, data, sizeof data);
        expect_rejection(path, "not a valid checkpoint", cases[i].word, NULL);
    }
}

static void test_reject_offsets_out_of_range(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "range.safetensors");
    const unsigned char data[8] = {0};

    /* The end beyond the 8 bytes of data. */
    write_raw(path, "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", data, 8);
    expect_rejection(path, "'a'", "bytes 0 to 16", "within the 8 bytes of data", NULL);

    /* Both ends beyond the data. */
    write_raw(path, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [16, 24]}}", data, 8);
    expect_rejection(path, "'a'", "bytes 16 to 24", "truncated or corrupt", NULL);

    /* The start after the end. */
    write_raw(path, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", data, 8);
    expect_rejection(path, "'a'", "bytes 8 to 0", NULL);

    /* An offset too large for 64 bits. */
    write_raw(path, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 99999999999999999999]}}",
              data, 8);
    expect_rejection(path, "non-negative integer", NULL);
}

static void test_reject_overlapping_offsets(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "overlap.safetensors");
    const unsigned char data[12] = {0};

    /* Bytes 4 to 8 belong to both. */
    write_raw(path,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
              "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
              data, 12);
    expect_rejection(path, "'a'", "'b'", "overlap", NULL);

    /* The same range twice, listed after a tensor that does not overlap. */
    write_raw(path,
              "{\"c\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}, "
              "\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
              "\"b\": {\"dtype\": \"U64\", \"shape\": [1], \"data_offsets\": [0, 8]}}",
              data, 12);
    expect_rejection(path, "'a'", "'b'", "overlap", NULL);

    /* One range inside another. */
    write_raw(path,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 12]}, "
              "\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
              data, 12);
    expect_rejection(path, "'a'", "'b'", "overlap", NULL);

    /* Adjacent ranges, and an empty tensor at a shared offset, are fine. */
    write_raw(path,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
              "\"b\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [4, 12]}, "
              "\"e\": {\"dtype\": \"F64\", \"shape\": [0], \"data_offsets\": [4, 4]}}",
              data, 12);
    char *error = NULL;
    nm_safetensors *file = nm_safetensors_read(path, &error);
    if (!file)
        fail_msg("read failed: %s", error);
    assert_int_equal(file->tensor_count, 3);
    assert_int_equal(nm_safetensors_find(file, "e")->bytes, 0);
    nm_safetensors_free(file);
}

static void test_reject_shape_size_mismatch(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "shape.safetensors");
    const unsigned char data[32] = {0};

    /* 3 floats need 12 bytes, not 8. */
    write_raw(path, "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", data, 8);
    expect_rejection(path, "'a'", "shape needs 12 bytes", NULL);

    /* 2 x 2 doubles need 32 bytes, not 24. */
    write_raw(path, "{\"a\": {\"dtype\": \"F64\", \"shape\": [2, 2], \"data_offsets\": [0, 24]}}", data, 24);
    expect_rejection(path, "'a'", "shape needs 32 bytes", NULL);

    /* A dimension larger than the whole data. */
    write_raw(path, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1000], \"data_offsets\": [0, 8]}}", data, 8);
    expect_rejection(path, "'a'", "dimension of 1000", "more than the 8 bytes of data", NULL);

    /* Eight dimensions of 256, each within the 256 bytes of data, whose
     * product times 8 bytes is 2^67.  Computed in 64 bits it would wrap to
     * 0 and match the empty range. */
    unsigned char large[256] = {0};
    write_raw(path,
              "{\"a\": {\"dtype\": \"F64\", \"shape\": [256, 256, 256, 256, 256, 256, 256, 256], "
              "\"data_offsets\": [0, 0]}}",
              large, sizeof large);
    expect_rejection(path, "'a'", "shape", "overflows", NULL);
}

static void test_reject_unknown_dtype(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "dtype.safetensors");
    const unsigned char data[4] = {0};
    write_raw(path, "{\"a\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", data, 4);
    expect_rejection(path, "'a'", "dtype 'BF16'", "F32, F64 and U64", NULL);
    write_raw(path, "{\"a\": {\"dtype\": \"f32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", data, 4);
    expect_rejection(path, "dtype 'f32'", NULL);
}

/* ---- Failed writes ---------------------------------------------------- */

static void write_failure_tensor(nm_st_tensor *tensor, const double *values, int count)
{
    *tensor = (nm_st_tensor){"values", NM_ST_F64, 1, {count}, values, (size_t)count * sizeof(double)};
}

static void test_write_into_missing_directory(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "absent/model.safetensors");
    const double values[2] = {1.0, 2.0};
    nm_st_tensor tensor;
    write_failure_tensor(&tensor, values, 2);

    char *error = NULL;
    assert_false(nm_safetensors_write(path, &tensor, 1, NULL, 0, &error));
    assert_non_null(error);
    assert_non_null(strstr(error, "cannot write the checkpoint"));
    assert_non_null(strstr(error, path));
    assert_non_null(strstr(error, "No such file or directory"));
    free(error);

    char list[256];
    list_directory(directory, list, sizeof list);
    assert_string_equal(list, "");
}

/* The kernel fails writes that grow a file beyond RLIMIT_FSIZE, so with a
 * limit of 64 bytes the temporary file is created but the write fails in
 * the middle.  The checkpoint already at the path must stay as it was, and
 * the temporary file must be gone.  The limit applies to every user,
 * including root, and SIGXFSZ is ignored so that the write returns EFBIG
 * instead of ending the process. */
static void test_failed_write_keeps_old_file(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "model.safetensors");
    write_round_trip(path);
    size_t old_size;
    unsigned char *old_bytes = read_bytes(path, &old_size);

    double values[512];
    for (int i = 0; i < 512; i++)
        values[i] = i;
    nm_st_tensor tensor;
    write_failure_tensor(&tensor, values, 512);

    struct rlimit saved, limited;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    limited = saved;
    limited.rlim_cur = 64;
    void (*saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_true(saved_handler != SIG_ERR);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limited), 0);

    char *error = NULL;
    bool ok = nm_safetensors_write(path, &tensor, 1, NULL, 0, &error);

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, saved_handler);

    assert_false(ok);
    assert_non_null(error);
    assert_non_null(strstr(error, "cannot write the checkpoint"));
    assert_non_null(strstr(error, path));
    /* EFBIG: the write itself failed, after the temporary file was made. */
    assert_non_null(strstr(error, "File too large"));
    free(error);

    size_t new_size;
    unsigned char *new_bytes = read_bytes(path, &new_size);
    assert_int_equal(new_size, old_size);
    assert_memory_equal(new_bytes, old_bytes, old_size);
    free(new_bytes);
    free(old_bytes);

    char list[256];
    list_directory(directory, list, sizeof list);
    assert_string_equal(list, "model.safetensors");

    /* Without the limit the same write succeeds. */
    assert_true(nm_safetensors_write(path, &tensor, 1, NULL, 0, &error));
    nm_safetensors *file = nm_safetensors_read(path, &error);
    assert_non_null(file);
    assert_memory_equal(nm_safetensors_find(file, "values")->data, values, sizeof values);
    nm_safetensors_free(file);
}

/* A directory at the path: the temporary file is written in full, the
 * rename fails, and the temporary file is removed. */
static void test_write_onto_directory(void **state)
{
    (void)state;
    char path[128];
    path_in_directory(path, sizeof path, "taken");
    assert_int_equal(mkdir(path, 0700), 0);
    const double values[2] = {1.0, 2.0};
    nm_st_tensor tensor;
    write_failure_tensor(&tensor, values, 2);

    char *error = NULL;
    assert_false(nm_safetensors_write(path, &tensor, 1, NULL, 0, &error));
    assert_non_null(error);
    assert_non_null(strstr(error, "cannot write the checkpoint"));
    assert_non_null(strstr(error, path));
    /* EISDIR from the rename, after the temporary file was written. */
    assert_non_null(strstr(error, "Is a directory"));
    free(error);

    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_true(S_ISDIR(info.st_mode));
    char list[256];
    list_directory(directory, list, sizeof list);
    assert_string_equal(list, "taken");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwrite_replaces_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_hand_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_short_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_truncated_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_header_beyond_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_malformed_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_offsets_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_overlapping_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_shape_size_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_unknown_dtype, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_into_missing_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_keeps_old_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_onto_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
