/* Arena allocation and growable buffers for the compiler.
 *
 * Everything a compilation allocates (tokens, AST nodes, names, checked
 * machines) lives in one arena and is freed at once when the compilation
 * ends, so the parser and checker never free piecemeal and never leak, even
 * after errors.  Allocation failure is fatal: the process cannot report a
 * diagnostic without memory.
 */
#ifndef NM_ARENA_H
#define NM_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct nm_arena_block nm_arena_block;

typedef struct nm_arena {
    nm_arena_block *head;
} nm_arena;

void nm_arena_init(nm_arena *arena);
void nm_arena_free(nm_arena *arena);
void *nm_arena_alloc(nm_arena *arena, size_t size);
void *nm_arena_calloc(nm_arena *arena, size_t count, size_t size);
char *nm_arena_strdup(nm_arena *arena, const char *text);
char *nm_arena_strndup(nm_arena *arena, const char *text, size_t length);
char *nm_arena_printf(nm_arena *arena, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Heap allocation that aborts with a message when memory runs out. */
void *nm_xmalloc(size_t size);
void *nm_xcalloc(size_t count, size_t size);
void *nm_xrealloc(void *pointer, size_t size);
char *nm_xstrdup(const char *text);

/* A growable byte buffer, always NUL-terminated. */
typedef struct nm_buf {
    char *data;
    size_t length;
    size_t capacity;
} nm_buf;

void nm_buf_init(nm_buf *buf);
void nm_buf_free(nm_buf *buf);
void nm_buf_reserve(nm_buf *buf, size_t extra);
void nm_buf_append(nm_buf *buf, const char *data, size_t length);
void nm_buf_puts(nm_buf *buf, const char *text);
void nm_buf_putc(nm_buf *buf, char c);
void nm_buf_printf(nm_buf *buf, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void nm_buf_vprintf(nm_buf *buf, const char *format, va_list args);

/* A growable array of elements of one type: NM_VEC(int) numbers; */
#define NM_VEC(type) struct { type *items; size_t count, capacity; }

#define nm_vec_push(vec, value)                                                \
    do {                                                                       \
        if ((vec)->count == (vec)->capacity) {                                 \
            (vec)->capacity = (vec)->capacity ? 2 * (vec)->capacity : 8;       \
            (vec)->items = nm_xrealloc((vec)->items,                           \
                                       (vec)->capacity * sizeof *(vec)->items); \
        }                                                                      \
        (vec)->items[(vec)->count++] = (value);                                \
    } while (0)

#define nm_vec_free(vec)                                                       \
    do {                                                                       \
        free((vec)->items);                                                    \
        (vec)->items = NULL;                                                   \
        (vec)->count = (vec)->capacity = 0;                                    \
    } while (0)

#endif
