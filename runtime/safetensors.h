/* Checkpoints in the safetensors format: an 8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range,
 * with string metadata under "__metadata__", then the raw little-endian
 * tensor data.  Files are written to a temporary file and renamed, so a
 * crash never leaves a half-written checkpoint; reading checks every field
 * and every range against the file. */
#ifndef NM_SAFETENSORS_H
#define NM_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest header read: checkpoints of nmc models need a few kilobytes. */
#define NM_SAFETENSORS_MAX_HEADER (64u * 1024 * 1024)
#define NM_SAFETENSORS_MAX_RANK 8

typedef enum nm_st_dtype { NM_ST_F32, NM_ST_F64, NM_ST_U64 } nm_st_dtype;

typedef struct nm_st_tensor {
    char *name;
    nm_st_dtype dtype;
    int rank;
    int64_t shape[NM_SAFETENSORS_MAX_RANK];
    const void *data;        /* writing: the values; reading: into the file's bytes */
    size_t bytes;
} nm_st_tensor;

typedef struct nm_st_metadata {
    char *key;
    char *value;
} nm_st_metadata;

typedef struct nm_safetensors {
    unsigned char *file;
    size_t size;
    nm_st_tensor *tensors;
    int tensor_count;
    nm_st_metadata *metadata;
    int metadata_count;
} nm_safetensors;

size_t nm_st_dtype_size(nm_st_dtype dtype);

/* Writes a checkpoint atomically; on failure returns false with a message
 * (heap allocated) and leaves any existing file at PATH as it was. */
bool nm_safetensors_write(const char *path, const nm_st_tensor *tensors, int count,
                          const nm_st_metadata *metadata, int metadata_count, char **error);

/* Reads and validates a checkpoint; on failure returns NULL with a message
 * naming the file and what is wrong. */
nm_safetensors *nm_safetensors_read(const char *path, char **error);
void nm_safetensors_free(nm_safetensors *file);
const nm_st_tensor *nm_safetensors_find(const nm_safetensors *file, const char *name);
const char *nm_safetensors_get_metadata(const nm_safetensors *file, const char *key);

#endif
