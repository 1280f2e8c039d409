/* gossip/graph's storage: records of one size in blocks (growing never
 * moves a record), and open-addressing indexes from key to slot (linear
 * probing, at most 3/4 full, deletion by backward shift: no tombstones).
 */
#include "gossip/graph_table.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

/* ---- Blocks ---- */


/* A zeroed slot; next_free reads the free-list link of a removed one. */
uint32_t graph_store_alloc(struct store *s, uint32_t (*next_free)(void *rec))
{
	uint32_t i;

	if (s->free_head != NONE) {
		i = s->free_head;
		s->free_head = next_free(graph_store_at(s, i));
	} else {
		if (s->used == (uint32_t)(s->num_blocks << BLOCK_SHIFT)) {
			if (s->num_blocks == s->cap_blocks) {
				s->cap_blocks = s->cap_blocks ? s->cap_blocks * 2 : 4;
				s->blocks = oh_realloc(s->blocks, s->cap_blocks * sizeof(s->blocks[0]));
			}
			s->blocks[s->num_blocks++] = oh_malloc(BLOCK_LEN * s->rec_size);
		}
		i = s->used++;
	}
	memset(graph_store_at(s, i), 0, s->rec_size);
	s->live++;
	return i;
}

void graph_store_clear(struct store *s)
{
	for (size_t i = 0; i < s->num_blocks; i++)
		free(s->blocks[i]);
	free(s->blocks);
}

uint32_t graph_chan_next_free(void *rec)
{
	return ((struct chan *)rec)->next[0];
}

uint32_t graph_node_next_free(void *rec)
{
	return ((struct node *)rec)->first_chan;
}

/* ---- Indexes ---- */

/* Short channel ids are positions in the chain, not chosen freely; node
 * ids are curve points whose x is as good as random.  A multiplicative
 * hash spreads both over the table. */
static size_t hash_u64(uint64_t v)
{
	v ^= v >> 31;
	v *= 0x9e3779b97f4a7c15ull;
	return (size_t)(v ^ (v >> 29));
}

static size_t hash_id(const uint8_t id[PUBKEY_CMPR_LEN])
{
	uint64_t v;

	memcpy(&v, id + 1, sizeof(v));
	return hash_u64(v ^ id[0]);
}

size_t graph_chan_hash(const struct graph *g, uint32_t slot)
{
	return hash_u64(graph_chan_at(g, slot)->scid);
}

size_t graph_node_hash(const struct graph *g, uint32_t slot)
{
	return hash_id(graph_node_at(g, slot)->id);
}

uint32_t graph_chan_find(const struct graph *g, uint64_t scid)
{
	const struct index *x = &g->chan_index;

	if (!x->cap)
		return NONE;
	for (size_t i = hash_u64(scid) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		uint32_t slot = x->slots[i];

		if (slot == NONE || graph_chan_at(g, slot)->scid == scid)
			return slot;
	}
}

uint32_t graph_node_find(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN])
{
	const struct index *x = &g->node_index;

	if (!x->cap)
		return NONE;
	for (size_t i = hash_id(id) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		uint32_t slot = x->slots[i];

		if (slot == NONE || memcmp(graph_node_at(g, slot)->id, id, PUBKEY_CMPR_LEN) == 0)
			return slot;
	}
}

static void index_put(struct index *x, size_t hash, uint32_t slot)
{
	size_t i = hash & (x->cap - 1);

	while (x->slots[i] != NONE)
		i = (i + 1) & (x->cap - 1);
	x->slots[i] = slot;
	x->num++;
}

/* Adds slot (whose key is not in the index yet). */
void graph_index_add(const struct graph *g, struct index *x, uint32_t slot,
		      size_t (*hash)(const struct graph *, uint32_t))
{
	if ((x->num + 1) * 4 > x->cap * 3) {
		struct index bigger;

		bigger.cap = x->cap ? x->cap * 2 : 64;
		bigger.num = 0;
		bigger.slots = oh_malloc(bigger.cap * sizeof(bigger.slots[0]));
		memset(bigger.slots, 0xff, bigger.cap * sizeof(bigger.slots[0]));
		for (size_t i = 0; i < x->cap; i++) {
			if (x->slots[i] != NONE)
				index_put(&bigger, hash(g, x->slots[i]), x->slots[i]);
		}
		free(x->slots);
		*x = bigger;
	}
	index_put(x, hash(g, slot), slot);
}

/* Removes slot, shifting back the entries after it that probed past it. */
void graph_index_remove(const struct graph *g, struct index *x, uint32_t slot,
			 size_t (*hash)(const struct graph *, uint32_t))
{
	size_t mask = x->cap - 1, i = hash(g, slot) & mask, j;

	while (x->slots[i] != slot)
		i = (i + 1) & mask;
	x->slots[i] = NONE;
	x->num--;
	for (j = (i + 1) & mask; x->slots[j] != NONE; j = (j + 1) & mask) {
		size_t home = hash(g, x->slots[j]) & mask;

		/* Move j back into the hole at i unless its home lies in
		 * (i, j], cyclically. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			x->slots[i] = x->slots[j];
			x->slots[j] = NONE;
			i = j;
		}
	}
}

size_t graph_store_memory(const struct store *s)
{
	return s->num_blocks * BLOCK_LEN * s->rec_size + s->cap_blocks * sizeof(s->blocks[0]);
}
