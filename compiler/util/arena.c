/* Arena allocation and growable buffers; see arena.h. */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most compilations fit in a few blocks of this size; larger requests get a
 * block of their own. */
enum { NM_ARENA_BLOCK_SIZE = 64 * 1024 };

struct nm_arena_block {
    nm_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

static void nm_out_of_memory(size_t size)
{
    fprintf(stderr, "nmc: out of memory (failed to allocate %zu bytes)\n", size);
    abort();
}

void *nm_xmalloc(size_t size)
{
    void *pointer = malloc(size ? size : 1);
    if (!pointer)
        nm_out_of_memory(size);
    return pointer;
}

void *nm_xcalloc(size_t count, size_t size)
{
    void *pointer = calloc(count ? count : 1, size ? size : 1);
    if (!pointer)
        nm_out_of_memory(count * size);
    return pointer;
}

void *nm_xrealloc(void *pointer, size_t size)
{
    void *grown = realloc(pointer, size ? size : 1);
    if (!grown)
        nm_out_of_memory(size);
    return grown;
}

char *nm_xstrdup(const char *text)
{
    size_t length = strlen(text);
    char *copy = nm_xmalloc(length + 1);
    memcpy(copy, text, length + 1);
    return copy;
}

void nm_arena_init(nm_arena *arena)
{
    arena->head = NULL;
}

void nm_arena_free(nm_arena *arena)
{
    nm_arena_block *block = arena->head;
    while (block) {
        nm_arena_block *next = block->next;
        free(block);
        block = next;
    }
    arena->head = NULL;
}

void *nm_arena_alloc(nm_arena *arena, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;

    nm_arena_block *block = arena->head;
    if (!block || block->size - block->used < size) {
        size_t capacity = size > NM_ARENA_BLOCK_SIZE ? size : NM_ARENA_BLOCK_SIZE;
        block = nm_xmalloc(sizeof *block + capacity);
        block->used = 0;
        block->size = capacity;
        block->next = arena->head;
        arena->head = block;
    }

    void *pointer = (char *)block->data + block->used;
    block->used += size;
    return pointer;
}

void *nm_arena_calloc(nm_arena *arena, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        nm_out_of_memory(SIZE_MAX);
    void *pointer = nm_arena_alloc(arena, count * size);
    memset(pointer, 0, count * size);
    return pointer;
}

char *nm_arena_strndup(nm_arena *arena, const char *text, size_t length)
{
    char *copy = nm_arena_alloc(arena, length + 1);
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

char *nm_arena_strdup(nm_arena *arena, const char *text)
{
    return nm_arena_strndup(arena, text, strlen(text));
}

char *nm_arena_printf(nm_arena *arena, const char *format, ...)
{
    nm_buf buf;
    nm_buf_init(&buf);
    va_list args;
    va_start(args, format);
    nm_buf_vprintf(&buf, format, args);
    va_end(args);
    char *copy = nm_arena_strndup(arena, buf.data, buf.length);
    nm_buf_free(&buf);
    return copy;
}

void nm_buf_init(nm_buf *buf)
{
    buf->data = NULL;
    buf->length = 0;
    buf->capacity = 0;
}

void nm_buf_free(nm_buf *buf)
{
    free(buf->data);
    nm_buf_init(buf);
}

void nm_buf_reserve(nm_buf *buf, size_t extra)
{
    size_t needed = buf->length + extra + 1;
    if (needed <= buf->capacity)
        return;
    size_t capacity = buf->capacity ? buf->capacity : 64;
    while (capacity < needed)
        capacity *= 2;
    buf->data = nm_xrealloc(buf->data, capacity);
    buf->capacity = capacity;
}

void nm_buf_append(nm_buf *buf, const char *data, size_t length)
{
    nm_buf_reserve(buf, length);
    if (length)
        memcpy(buf->data + buf->length, data, length);
    buf->length += length;
    buf->data[buf->length] = '\0';
}

void nm_buf_puts(nm_buf *buf, const char *text)
{
    nm_buf_append(buf, text, strlen(text));
}

void nm_buf_putc(nm_buf *buf, char c)
{
    nm_buf_append(buf, &c, 1);
}

void nm_buf_vprintf(nm_buf *buf, const char *format, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int length = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    if (length < 0)
        return;
    nm_buf_reserve(buf, (size_t)length);
    vsnprintf(buf->data + buf->length, (size_t)length + 1, format, args);
    buf->length += (size_t)length;
}

void nm_buf_printf(nm_buf *buf, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    nm_buf_vprintf(buf, format, args);
    va_end(args);
}
