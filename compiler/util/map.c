/* Open-addressing hash map with linear probing; see map.h. */
#include "map.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* FNV-1a: short keys, no adversarial inputs that matter here. */
static size_t nm_hash(const char *key, size_t length)
{
    size_t hash = 14695981039346656037u;
    for (size_t i = 0; i < length; i++) {
        hash ^= (unsigned char)key[i];
        hash *= 1099511628211u;
    }
    return hash;
}

void nm_map_init(nm_map *map)
{
    map->slots = NULL;
    map->capacity = 0;
    map->count = 0;
}

void nm_map_free(nm_map *map)
{
    free(map->slots);
    nm_map_init(map);
}

static nm_map_slot *nm_map_find(const nm_map *map, const char *key, size_t length,
                                size_t hash)
{
    size_t mask = map->capacity - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        nm_map_slot *slot = &map->slots[i];
        if (!slot->key)
            return slot;
        if (slot->hash == hash && slot->length == length && memcmp(slot->key, key, length) == 0)
            return slot;
    }
}

static void nm_map_grow(nm_map *map)
{
    nm_map old = *map;
    map->capacity = old.capacity ? 2 * old.capacity : 16;
    map->slots = nm_xcalloc(map->capacity, sizeof *map->slots);
    for (size_t i = 0; i < old.capacity; i++)
        if (old.slots[i].key)
            *nm_map_find(map, old.slots[i].key, old.slots[i].length, old.slots[i].hash) =
                old.slots[i];
    free(old.slots);
}

void nm_map_put(nm_map *map, const char *key, size_t length, int value)
{
    if (2 * (map->count + 1) > map->capacity)
        nm_map_grow(map);
    size_t hash = nm_hash(key, length);
    nm_map_slot *slot = nm_map_find(map, key, length, hash);
    if (!slot->key) {
        slot->key = key;
        slot->length = length;
        slot->hash = hash;
        map->count++;
    }
    slot->value = value;
}

bool nm_map_get(const nm_map *map, const char *key, size_t length, int *value)
{
    if (!map->capacity)
        return false;
    nm_map_slot *slot = nm_map_find(map, key, length, nm_hash(key, length));
    if (!slot->key)
        return false;
    *value = slot->value;
    return true;
}
