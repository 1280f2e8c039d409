/* Invariants: capacity is a power of two; used (live keys and tombstones)
 * stays below 3/4 of it, so every probe sequence reaches an empty slot. */
#include "common/byteset.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

enum slot_state { SLOT_EMPTY, SLOT_FULL, SLOT_DELETED };

struct byteset {
	size_t key_len;
	size_t capacity;
	size_t count;		/* live keys */
	size_t used;		/* live keys and tombstones */
	uint8_t *states;	/* capacity of enum slot_state */
	uint8_t *keys;		/* capacity * key_len */
	uint64_t *values;
};

/* FNV-1a: keys are hashes, scripts and outpoints, already well mixed; this
 * only needs to spread them, not resist an attacker choosing them (an
 * attacker can make at most slow lookups, as in any open-addressed table,
 * and block contents are bounded by consensus). */
static size_t key_hash(const uint8_t *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

static void alloc_slots(struct byteset *set, size_t capacity)
{
	set->capacity = capacity;
	set->count = set->used = 0;
	set->states = oh_calloc(capacity, 1);
	set->keys = oh_calloc(capacity, set->key_len);
	set->values = oh_calloc(capacity, sizeof(uint64_t));
}

struct byteset *byteset_new(size_t key_len)
{
	struct byteset *set = oh_calloc(1, sizeof(*set));

	assert(key_len > 0 && key_len < 256);
	set->key_len = key_len;
	alloc_slots(set, 16);
	return set;
}

void byteset_free(struct byteset *set)
{
	if (!set)
		return;
	free(set->states);
	free(set->keys);
	free(set->values);
	free(set);
}

/* The slot holding key, or the first free slot of its probe sequence
 * (preferring a tombstone) with *found false. */
static size_t find_slot(const struct byteset *set, const uint8_t *key, bool *found)
{
	size_t mask = set->capacity - 1, i = key_hash(key, set->key_len) & mask;
	size_t free_slot = SIZE_MAX;

	for (;;) {
		switch ((enum slot_state)set->states[i]) {
		case SLOT_EMPTY:
			*found = false;
			return free_slot != SIZE_MAX ? free_slot : i;
		case SLOT_DELETED:
			if (free_slot == SIZE_MAX)
				free_slot = i;
			break;
		case SLOT_FULL:
			if (memcmp(set->keys + i * set->key_len, key, set->key_len) == 0) {
				*found = true;
				return i;
			}
			break;
		}
		i = (i + 1) & mask;
	}
}

static void grow(struct byteset *set)
{
	uint8_t *old_states = set->states, *old_keys = set->keys;
	uint64_t *old_values = set->values;
	size_t old_capacity = set->capacity, new_capacity = set->capacity;

	/* Only tombstones?  Rehash at the same size. */
	if ((set->count + 1) * 2 > set->capacity)
		new_capacity *= 2;
	alloc_slots(set, new_capacity);
	for (size_t i = 0; i < old_capacity; i++)
		if (old_states[i] == SLOT_FULL)
			byteset_put(set, old_keys + i * set->key_len, old_values[i]);
	free(old_states);
	free(old_keys);
	free(old_values);
}

bool byteset_put(struct byteset *set, const void *key, uint64_t value)
{
	bool found;
	size_t i;

	if ((set->used + 1) * 4 > set->capacity * 3)
		grow(set);
	i = find_slot(set, key, &found);
	set->values[i] = value;
	if (found)
		return false;
	if (set->states[i] == SLOT_EMPTY)
		set->used++;
	set->states[i] = SLOT_FULL;
	memcpy(set->keys + i * set->key_len, key, set->key_len);
	set->count++;
	return true;
}

bool byteset_get(const struct byteset *set, const void *key, uint64_t *value)
{
	bool found;
	size_t i = find_slot(set, key, &found);

	if (found && value)
		*value = set->values[i];
	return found;
}

bool byteset_del(struct byteset *set, const void *key)
{
	bool found;
	size_t i = find_slot(set, key, &found);

	if (!found)
		return false;
	set->states[i] = SLOT_DELETED;
	set->count--;
	return true;
}

size_t byteset_count(const struct byteset *set)
{
	return set->count;
}

void byteset_clear(struct byteset *set)
{
	memset(set->states, SLOT_EMPTY, set->capacity);
	set->count = set->used = 0;
}

const void *byteset_next(const struct byteset *set, size_t *pos, uint64_t *value)
{
	while (*pos < set->capacity) {
		size_t i = (*pos)++;
		if (set->states[i] == SLOT_FULL) {
			if (value)
				*value = set->values[i];
			return set->keys + i * set->key_len;
		}
	}
	return NULL;
}
