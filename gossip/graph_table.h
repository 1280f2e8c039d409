/* gossip/graph's records and indexes, shared by graph.c (the graph),
 * graph_table.c (block stores and indexes) and graph_query.c (the query
 * answers).  Not for use outside gossip/graph*.c.
 */
#ifndef OHM_GOSSIP_GRAPH_TABLE_H
#define OHM_GOSSIP_GRAPH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/graph.h"

#define NONE UINT32_MAX
#define BLOCK_SHIFT 12
#define BLOCK_LEN (1u << BLOCK_SHIFT)	/* records per block */

/* chan.flags */
#define CHAN_IN_USE 1
#define CHAN_ROUTABLE 2
#define CHAN_SPENT 4
#define CHAN_HAS_UPDATE_0 8		/* << direction */
#define CHAN_ROUTABLE_UPDATE_0 32	/* << direction */

/* A channel: 144 bytes, so 72 per direction.  Its two directions are
 * pairs of arrays, not two structs, so no field pads another. */
struct chan {
	uint64_t scid;
	graph_ref announcement;
	uint64_t capacity_sat;
	/* Per direction: its latest channel_update. */
	graph_ref update[2];
	uint64_t htlc_minimum_msat[2];
	uint64_t htlc_maximum_msat[2];
	uint32_t timestamp[2];
	uint32_t checksum[2];
	uint32_t fee_base_msat[2];
	uint32_t fee_proportional_millionths[2];
	uint32_t node[2];	/* node slots of node_id_1, node_id_2 */
	uint32_t next[2];	/* next channel of node[i]; free list: next[0] */
	uint32_t spent_height;
	uint32_t added;		/* UNIX time it was accepted */
	uint16_t cltv_expiry_delta[2];
	uint8_t message_flags[2], channel_flags[2];
	uint8_t flags;
	uint8_t tokens[2];	/* relay tokens as of timestamp[d] */
};
_Static_assert(sizeof(struct chan) == 144, "a channel is 72 bytes per direction");

/* node.flags */
#define NODE_IN_USE 1
#define NODE_HAS_ANNOUNCEMENT 2
#define NODE_UNKNOWN_EVEN 4
#define NODE_NOT_FORWARDABLE 8

/* A node: 56 bytes. */
struct node {
	graph_ref announcement;
	uint32_t first_chan;	/* free list: next free node slot */
	uint32_t num_chans;
	uint32_t timestamp;
	uint8_t id[PUBKEY_CMPR_LEN];
	uint8_t flags;
	uint8_t tokens;		/* relay tokens as of timestamp */
};
_Static_assert(sizeof(struct node) == 56, "a node is 56 bytes");

/* Records of one size in blocks of BLOCK_LEN: growing never moves a
 * record, and never over-allocates by more than one block. */
struct store {
	size_t rec_size;
	void **blocks;
	size_t num_blocks, cap_blocks;
	uint32_t used;		/* slots handed out so far (high-water mark) */
	uint32_t free_head;	/* a removed slot to reuse, or NONE */
	size_t live;
};

/* Key -> slot, open addressing. */
struct index {
	uint32_t *slots;	/* NONE: empty */
	size_t cap;		/* a power of two, or 0 */
	size_t num;
};

struct graph {
	struct store chans, nodes;
	struct index chan_index, node_index;
	uint64_t shape;		/* graph_shape(): bumped as channels come and go */
};

static inline void *graph_store_at(const struct store *s, uint32_t i)
{
	return (uint8_t *)s->blocks[i >> BLOCK_SHIFT] + (size_t)(i & (BLOCK_LEN - 1)) * s->rec_size;
}

static inline struct chan *graph_chan_at(const struct graph *g, uint32_t i)
{
	return graph_store_at(&g->chans, i);
}

static inline struct node *graph_node_at(const struct graph *g, uint32_t i)
{
	return graph_store_at(&g->nodes, i);
}

/* A zeroed slot; next_free reads the free-list link of a removed one. */
uint32_t graph_store_alloc(struct store *s, uint32_t (*next_free)(void *rec));
void graph_store_clear(struct store *s);
/* Bytes a store has allocated. */
size_t graph_store_memory(const struct store *s);
uint32_t graph_chan_next_free(void *rec);
uint32_t graph_node_next_free(void *rec);

/* The slot of scid's channel or id's node, or NONE. */
uint32_t graph_chan_find(const struct graph *g, uint64_t scid);
uint32_t graph_node_find(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN]);
size_t graph_chan_hash(const struct graph *g, uint32_t slot);
size_t graph_node_hash(const struct graph *g, uint32_t slot);
/* Adds slot (whose key is not in the index yet). */
void graph_index_add(const struct graph *g, struct index *x, uint32_t slot,
		     size_t (*hash)(const struct graph *, uint32_t));
/* Removes slot. */
void graph_index_remove(const struct graph *g, struct index *x, uint32_t slot,
			size_t (*hash)(const struct graph *, uint32_t));

/* The public view of channel record c. */
void graph_fill_channel(const struct graph *g, const struct chan *c, struct graph_channel *out);

#endif /* OHM_GOSSIP_GRAPH_TABLE_H */
