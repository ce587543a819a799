/* A hash map from byte strings to integers, for names of states, symbols
 * and declarations.  Keys are not copied: they must outlive the map. */
#ifndef NM_MAP_H
#define NM_MAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct nm_map_slot {
    const char *key;
    size_t length;
    size_t hash;
    int value;
} nm_map_slot;

typedef struct nm_map {
    nm_map_slot *slots;
    size_t capacity; /* a power of two, or 0 */
    size_t count;
} nm_map;

void nm_map_init(nm_map *map);
void nm_map_free(nm_map *map);
/* Stores VALUE under KEY, replacing an earlier value. */
void nm_map_put(nm_map *map, const char *key, size_t length, int value);
/* Finds KEY; returns false when it is absent. */
bool nm_map_get(const nm_map *map, const char *key, size_t length, int *value);

#endif
