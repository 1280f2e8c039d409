/* The in-memory graph.  Invariants:
 *  - a channel or node record lives in a slot of its block store; slot
 *    numbers (uint32_t) name records everywhere, and stay put until the
 *    record is removed (its slot then joins a free list);
 *  - each index maps its key to the slot, open addressing with linear
 *    probing, at most 3/4 full, deletion by backward shift (no
 *    tombstones);
 *  - a node's channels form a list through chan.next[side], where side is
 *    the node's position (0: node_id_1) in that channel;
 *  - a node is in the graph exactly while it has a channel.
 */
#include "gossip/graph.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "gossip/encoding.h"

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
};

/* ---- Blocks ---- */

static void *store_at(const struct store *s, uint32_t i)
{
	return (uint8_t *)s->blocks[i >> BLOCK_SHIFT] + (size_t)(i & (BLOCK_LEN - 1)) * s->rec_size;
}

static struct chan *chan_at(const struct graph *g, uint32_t i)
{
	return store_at(&g->chans, i);
}

static struct node *node_at(const struct graph *g, uint32_t i)
{
	return store_at(&g->nodes, i);
}

/* A zeroed slot; next_free reads the free-list link of a removed one. */
static uint32_t store_alloc(struct store *s, uint32_t (*next_free)(void *rec))
{
	uint32_t i;

	if (s->free_head != NONE) {
		i = s->free_head;
		s->free_head = next_free(store_at(s, i));
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
	memset(store_at(s, i), 0, s->rec_size);
	s->live++;
	return i;
}

static void store_clear(struct store *s)
{
	for (size_t i = 0; i < s->num_blocks; i++)
		free(s->blocks[i]);
	free(s->blocks);
}

static uint32_t chan_next_free(void *rec)
{
	return ((struct chan *)rec)->next[0];
}

static uint32_t node_next_free(void *rec)
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

static size_t chan_hash(const struct graph *g, uint32_t slot)
{
	return hash_u64(chan_at(g, slot)->scid);
}

static size_t node_hash(const struct graph *g, uint32_t slot)
{
	return hash_id(node_at(g, slot)->id);
}

static uint32_t chan_find(const struct graph *g, uint64_t scid)
{
	const struct index *x = &g->chan_index;

	if (!x->cap)
		return NONE;
	for (size_t i = hash_u64(scid) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		uint32_t slot = x->slots[i];

		if (slot == NONE || chan_at(g, slot)->scid == scid)
			return slot;
	}
}

static uint32_t node_find(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN])
{
	const struct index *x = &g->node_index;

	if (!x->cap)
		return NONE;
	for (size_t i = hash_id(id) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		uint32_t slot = x->slots[i];

		if (slot == NONE || memcmp(node_at(g, slot)->id, id, PUBKEY_CMPR_LEN) == 0)
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
static void index_add(const struct graph *g, struct index *x, uint32_t slot,
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
static void index_remove(const struct graph *g, struct index *x, uint32_t slot,
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

/* ---- Graph ---- */

struct graph *graph_new(void)
{
	struct graph *g = oh_calloc(1, sizeof(*g));

	g->chans.rec_size = sizeof(struct chan);
	g->chans.free_head = NONE;
	g->nodes.rec_size = sizeof(struct node);
	g->nodes.free_head = NONE;
	return g;
}

void graph_free(struct graph *g)
{
	if (!g)
		return;
	store_clear(&g->chans);
	store_clear(&g->nodes);
	free(g->chan_index.slots);
	free(g->node_index.slots);
	free(g);
}

/* The slot of node id, added (with no channels) if new. */
static uint32_t node_get_or_add(struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN])
{
	uint32_t slot = node_find(g, id);
	struct node *n;

	if (slot != NONE)
		return slot;
	slot = store_alloc(&g->nodes, node_next_free);
	n = node_at(g, slot);
	memcpy(n->id, id, PUBKEY_CMPR_LEN);
	n->first_chan = NONE;
	n->announcement = GRAPH_NO_REF;
	n->flags = NODE_IN_USE;
	index_add(g, &g->node_index, slot, node_hash);
	return slot;
}

static void node_remove(struct graph *g, uint32_t slot)
{
	struct node *n = node_at(g, slot);

	index_remove(g, &g->node_index, slot, node_hash);
	n->flags = 0;
	n->first_chan = g->nodes.free_head;
	g->nodes.free_head = slot;
	g->nodes.live--;
}

enum graph_known graph_channel_known(const struct graph *g, struct short_channel_id scid,
				     const uint8_t node_id_1[PUBKEY_CMPR_LEN],
				     const uint8_t node_id_2[PUBKEY_CMPR_LEN])
{
	uint32_t slot = chan_find(g, scid.u64);
	const struct chan *c;

	if (slot == NONE)
		return GRAPH_UNKNOWN;
	c = chan_at(g, slot);
	if (node_id_1 && node_id_2
	    && (memcmp(node_at(g, c->node[0])->id, node_id_1, PUBKEY_CMPR_LEN) != 0
		|| memcmp(node_at(g, c->node[1])->id, node_id_2, PUBKEY_CMPR_LEN) != 0))
		return GRAPH_CONFLICT;
	return GRAPH_SAME;
}

void graph_add_channel(struct graph *g, struct short_channel_id scid,
		       const uint8_t node_id_1[PUBKEY_CMPR_LEN],
		       const uint8_t node_id_2[PUBKEY_CMPR_LEN],
		       uint64_t capacity_sat, bool is_routable, graph_ref announcement,
		       uint32_t now)
{
	uint32_t slot, n1, n2;
	struct chan *c;

	/* The checks refuse both; a list through a channel with the same
	 * node on both sides would loop. */
	if (chan_find(g, scid.u64) != NONE || memcmp(node_id_1, node_id_2, PUBKEY_CMPR_LEN) == 0)
		return;
	n1 = node_get_or_add(g, node_id_1);
	n2 = node_get_or_add(g, node_id_2);
	slot = store_alloc(&g->chans, chan_next_free);
	c = chan_at(g, slot);
	c->scid = scid.u64;
	c->announcement = announcement;
	c->capacity_sat = capacity_sat;
	c->node[0] = n1;
	c->node[1] = n2;
	c->added = now;
	c->flags = CHAN_IN_USE | (is_routable ? CHAN_ROUTABLE : 0);
	c->update[0] = c->update[1] = GRAPH_NO_REF;
	for (int side = 0; side < 2; side++) {
		struct node *n = node_at(g, c->node[side]);

		c->next[side] = n->first_chan;
		n->first_chan = slot;
		n->num_chans++;
	}
	index_add(g, &g->chan_index, slot, chan_hash);
}

void graph_channel_update_facts(const struct graph *g, struct short_channel_id scid,
				struct channel_update_facts *out)
{
	uint32_t slot = chan_find(g, scid.u64);
	const struct chan *c;

	memset(out, 0, sizeof(*out));
	if (slot == NONE)
		return;
	c = chan_at(g, slot);
	out->is_known = true;
	out->is_spent = c->flags & CHAN_SPENT;
	out->capacity_sat = c->capacity_sat;
	for (int d = 0; d < 2; d++) {
		memcpy(out->node_id[d], node_at(g, c->node[d])->id, PUBKEY_CMPR_LEN);
		out->has_update[d] = c->flags & (CHAN_HAS_UPDATE_0 << d);
		out->timestamp[d] = c->timestamp[d];
		out->checksum[d] = c->checksum[d];
	}
}

/* Tokens at timestamp now, from tokens at timestamp then (has: there was
 * a message then; if not, the bucket starts full). */
static unsigned tokens_at(bool has, unsigned tokens, uint32_t then, uint32_t now)
{
	uint64_t earned;

	if (!has)
		return GOSSIP_TOKENS_MAX;
	earned = now > then ? (now - then) / GOSSIP_TOKEN_SECONDS : 0;
	return tokens + earned >= GOSSIP_TOKENS_MAX ? GOSSIP_TOKENS_MAX
		: (unsigned)(tokens + earned);
}

static unsigned chan_tokens(const struct chan *c, int d, uint32_t timestamp)
{
	return tokens_at(c->flags & (CHAN_HAS_UPDATE_0 << d), c->tokens[d], c->timestamp[d],
			 timestamp);
}

bool graph_update_is_spam(const struct graph *g, const struct channel_update_info *info)
{
	uint32_t slot = chan_find(g, info->m.short_channel_id.u64);

	return slot != NONE && chan_tokens(chan_at(g, slot), info->direction & 1,
					   info->m.timestamp) == 0;
}

bool graph_set_update(struct graph *g, const struct channel_update_info *info, graph_ref update)
{
	uint32_t slot = chan_find(g, info->m.short_channel_id.u64);
	int d = info->direction & 1;
	struct chan *c;

	if (slot == NONE)
		return false;
	c = chan_at(g, slot);
	{
		unsigned tokens = chan_tokens(c, d, info->m.timestamp);

		c->tokens[d] = (uint8_t)(tokens ? tokens - 1 : 0);
	}
	c->update[d] = update;
	c->htlc_minimum_msat[d] = info->m.htlc_minimum_msat;
	c->htlc_maximum_msat[d] = info->m.htlc_maximum_msat;
	c->timestamp[d] = info->m.timestamp;
	c->checksum[d] = info->checksum;
	c->fee_base_msat[d] = info->m.fee_base_msat;
	c->fee_proportional_millionths[d] = info->m.fee_proportional_millionths;
	c->cltv_expiry_delta[d] = info->m.cltv_expiry_delta;
	c->message_flags[d] = info->m.message_flags;
	c->channel_flags[d] = info->m.channel_flags;
	c->flags &= (uint8_t)~(CHAN_ROUTABLE_UPDATE_0 << d);
	c->flags |= (uint8_t)((CHAN_HAS_UPDATE_0 << d)
			      | (info->is_routable ? CHAN_ROUTABLE_UPDATE_0 << d : 0));
	return true;
}

bool graph_mark_spent(struct graph *g, struct short_channel_id scid, uint32_t height)
{
	uint32_t slot = chan_find(g, scid.u64);
	struct chan *c;

	if (slot == NONE)
		return false;
	c = chan_at(g, slot);
	if (!(c->flags & CHAN_SPENT)) {
		c->flags |= CHAN_SPENT;
		c->spent_height = height;
	}
	return true;
}

/* Unlinks channel slot from node n's list (side: n's side in it). */
static void node_unlink(struct graph *g, uint32_t n_slot, uint32_t slot, int side)
{
	struct node *n = node_at(g, n_slot);
	uint32_t *link = &n->first_chan;

	while (*link != slot) {
		struct chan *c = chan_at(g, *link);

		link = &c->next[c->node[0] == n_slot ? 0 : 1];
	}
	*link = chan_at(g, slot)->next[side];
	n->num_chans--;
}

static void chan_remove(struct graph *g, uint32_t slot)
{
	struct chan *c = chan_at(g, slot);

	index_remove(g, &g->chan_index, slot, chan_hash);
	for (int side = 0; side < 2; side++) {
		node_unlink(g, c->node[side], slot, side);
		/* BOLT #7 "Pruning the Network View": "if the announced node
		 * no longer has any associated open channels: MAY prune
		 * nodes". */
		if (node_at(g, c->node[side])->num_chans == 0)
			node_remove(g, c->node[side]);
	}
	c->flags = 0;
	c->next[0] = g->chans.free_head;
	g->chans.free_head = slot;
	g->chans.live--;
}

bool graph_remove_channel(struct graph *g, struct short_channel_id scid)
{
	uint32_t slot = chan_find(g, scid.u64);

	if (slot == NONE)
		return false;
	chan_remove(g, slot);
	return true;
}

/* A direction's age for pruning: its update, or the channel's arrival. */
static uint32_t half_time(const struct chan *c, int d)
{
	return c->flags & (CHAN_HAS_UPDATE_0 << d) ? c->timestamp[d] : c->added;
}

static bool should_prune(const struct chan *c, uint32_t now, uint32_t height)
{
	/* BOLT #7:
	 *   - if the funding output of a channel is spent and received 72 block confirmations:
	 *     - SHOULD be removed from the local network view AND be considered closed.
	 */
	if ((c->flags & CHAN_SPENT)
	    && (uint64_t)c->spent_height + GRAPH_SPENT_PRUNE_DEPTH <= (uint64_t)height + 1)
		return true;
	/* BOLT #7:
	 *   - if the `timestamp` of the latest `channel_update` in either direction is
	 *   older than two weeks (1209600 seconds):
	 *     - MAY prune the channel.
	 */
	for (int d = 0; d < 2; d++) {
		if ((uint64_t)half_time(c, d) + GOSSIP_STALE_SECONDS < now)
			return true;
	}
	return false;
}

size_t graph_prune(struct graph *g, uint32_t now, uint32_t height,
		   struct short_channel_id **removed)
{
	size_t num = 0, cap = 0;
	struct short_channel_id *list = NULL;

	for (uint32_t i = 0; i < g->chans.used; i++) {
		struct chan *c = chan_at(g, i);

		if (!(c->flags & CHAN_IN_USE) || !should_prune(c, now, height))
			continue;
		if (removed) {
			if (num == cap) {
				cap = cap ? cap * 2 : 16;
				list = oh_realloc(list, cap * sizeof(list[0]));
			}
			list[num].u64 = c->scid;
		}
		num++;
		chan_remove(g, i);
	}
	if (removed)
		*removed = list;
	return num;
}

static void fill_channel(const struct graph *g, const struct chan *c, struct graph_channel *out)
{
	memset(out, 0, sizeof(*out));
	out->scid.u64 = c->scid;
	out->capacity_sat = c->capacity_sat;
	out->is_routable = c->flags & CHAN_ROUTABLE;
	out->is_spent = c->flags & CHAN_SPENT;
	out->spent_height = c->spent_height;
	out->announcement = c->announcement;
	for (int d = 0; d < 2; d++) {
		struct graph_direction *o = &out->dir[d];
		const struct node *n = node_at(g, c->node[d]);

		memcpy(out->node_id[d], n->id, PUBKEY_CMPR_LEN);
		o->has_update = c->flags & (CHAN_HAS_UPDATE_0 << d);
		o->is_disabled = c->channel_flags[d] & CHANNEL_UPDATE_DISABLE;
		o->is_routable = o->has_update && (c->flags & (CHAN_ROUTABLE_UPDATE_0 << d))
			&& (c->flags & CHAN_ROUTABLE) && !(n->flags & NODE_UNKNOWN_EVEN);
		o->timestamp = c->timestamp[d];
		o->checksum = c->checksum[d];
		o->message_flags = c->message_flags[d];
		o->channel_flags = c->channel_flags[d];
		o->cltv_expiry_delta = c->cltv_expiry_delta[d];
		o->fee_base_msat = c->fee_base_msat[d];
		o->fee_proportional_millionths = c->fee_proportional_millionths[d];
		o->htlc_minimum_msat = c->htlc_minimum_msat[d];
		o->htlc_maximum_msat = c->htlc_maximum_msat[d];
		o->update = c->update[d];
	}
}

bool graph_get_channel(const struct graph *g, struct short_channel_id scid,
		       struct graph_channel *out)
{
	uint32_t slot = chan_find(g, scid.u64);

	if (slot == NONE)
		return false;
	fill_channel(g, chan_at(g, slot), out);
	return true;
}

void graph_node_facts(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
		      struct node_announcement_facts *out)
{
	uint32_t slot = node_find(g, id);
	const struct node *n;

	memset(out, 0, sizeof(*out));
	if (slot == NONE)
		return;
	n = node_at(g, slot);
	out->has_channels = n->num_chans > 0;
	out->has_announcement = n->flags & NODE_HAS_ANNOUNCEMENT;
	out->timestamp = n->timestamp;
}

static unsigned node_tokens(const struct node *n, uint32_t timestamp)
{
	return tokens_at(n->flags & NODE_HAS_ANNOUNCEMENT, n->tokens, n->timestamp, timestamp);
}

bool graph_node_announcement_is_spam(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
				     uint32_t timestamp)
{
	uint32_t slot = node_find(g, id);

	return slot != NONE && node_tokens(node_at(g, slot), timestamp) == 0;
}

bool graph_set_node_announcement(struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
				 uint32_t timestamp, bool has_unknown_even_features,
				 bool is_forwardable, graph_ref announcement)
{
	uint32_t slot = node_find(g, id);
	struct node *n;

	if (slot == NONE)
		return false;
	n = node_at(g, slot);
	{
		unsigned tokens = node_tokens(n, timestamp);

		n->tokens = (uint8_t)(tokens ? tokens - 1 : 0);
	}
	n->timestamp = timestamp;
	n->announcement = announcement;
	n->flags = NODE_IN_USE | NODE_HAS_ANNOUNCEMENT
		| (has_unknown_even_features ? NODE_UNKNOWN_EVEN : 0)
		| (is_forwardable ? 0 : NODE_NOT_FORWARDABLE);
	return true;
}

size_t graph_remove_node(struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
			 struct short_channel_id **removed)
{
	uint32_t slot = node_find(g, id);
	size_t num = 0;
	struct short_channel_id *list = NULL;

	/* Each removal unlinks the node's first channel; the last one
	 * removes the node. */
	while (slot != NONE && node_find(g, id) == slot) {
		uint32_t c = node_at(g, slot)->first_chan;

		if (removed) {
			list = oh_realloc(list, (num + 1) * sizeof(list[0]));
			list[num].u64 = chan_at(g, c)->scid;
		}
		num++;
		chan_remove(g, c);
	}
	if (removed)
		*removed = list;
	return num;
}

static void fill_node(const struct node *n, struct graph_node *out)
{
	memcpy(out->id, n->id, PUBKEY_CMPR_LEN);
	out->num_channels = n->num_chans;
	out->has_announcement = n->flags & NODE_HAS_ANNOUNCEMENT;
	out->has_unknown_even_features = n->flags & NODE_UNKNOWN_EVEN;
	out->is_forwardable = !(n->flags & NODE_NOT_FORWARDABLE);
	out->timestamp = n->timestamp;
	out->announcement = n->announcement;
}

bool graph_get_node(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
		    struct graph_node *out)
{
	uint32_t slot = node_find(g, id);

	if (slot == NONE)
		return false;
	fill_node(node_at(g, slot), out);
	return true;
}

void graph_foreach_channel(const struct graph *g,
			   bool (*fn)(void *arg, const struct graph_channel *chan), void *arg)
{
	for (uint32_t i = 0; i < g->chans.used; i++) {
		const struct chan *c = chan_at(g, i);
		struct graph_channel chan;

		if (!(c->flags & CHAN_IN_USE))
			continue;
		fill_channel(g, c, &chan);
		if (!fn(arg, &chan))
			return;
	}
}

void graph_foreach_node(const struct graph *g,
			bool (*fn)(void *arg, const struct graph_node *node), void *arg)
{
	for (uint32_t i = 0; i < g->nodes.used; i++) {
		const struct node *n = node_at(g, i);
		struct graph_node node;

		if (!(n->flags & NODE_IN_USE))
			continue;
		fill_node(n, &node);
		if (!fn(arg, &node))
			return;
	}
}

bool graph_node_channels(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
			 bool (*fn)(void *arg, const struct graph_channel *chan),
			 void *arg)
{
	uint32_t n_slot = node_find(g, id);

	if (n_slot == NONE)
		return false;
	for (uint32_t i = node_at(g, n_slot)->first_chan; i != NONE;) {
		const struct chan *c = chan_at(g, i);
		struct graph_channel chan;

		fill_channel(g, c, &chan);
		if (!fn(arg, &chan))
			break;
		i = c->next[c->node[0] == n_slot ? 0 : 1];
	}
	return true;
}

size_t graph_num_channels(const struct graph *g)
{
	return g->chans.live;
}

size_t graph_num_nodes(const struct graph *g)
{
	return g->nodes.live;
}

static size_t store_memory(const struct store *s)
{
	return s->num_blocks * BLOCK_LEN * s->rec_size + s->cap_blocks * sizeof(s->blocks[0]);
}

size_t graph_memory(const struct graph *g)
{
	return sizeof(*g) + store_memory(&g->chans) + store_memory(&g->nodes)
		+ (g->chan_index.cap + g->node_index.cap) * sizeof(uint32_t);
}

void graph_foreach_ref(const struct graph *g, void (*fn)(void *arg, graph_ref ref), void *arg)
{
	for (uint32_t i = 0; i < g->chans.used; i++) {
		const struct chan *c = chan_at(g, i);

		if (!(c->flags & CHAN_IN_USE))
			continue;
		fn(arg, c->announcement);
		for (int d = 0; d < 2; d++) {
			if (c->flags & (CHAN_HAS_UPDATE_0 << d))
				fn(arg, c->update[d]);
		}
	}
	for (uint32_t i = 0; i < g->nodes.used; i++) {
		const struct node *n = node_at(g, i);

		if (n->flags & NODE_HAS_ANNOUNCEMENT)
			fn(arg, n->announcement);
	}
}

static int entry_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct graph_range_entry *)a)->scid.u64;
	uint64_t y = ((const struct graph_range_entry *)b)->scid.u64;

	return x < y ? -1 : x > y;
}

size_t graph_channels_in_range(const struct graph *g, uint32_t first_blocknum,
			       uint32_t number_of_blocks, struct graph_range_entry **out)
{
	uint64_t end = (uint64_t)first_blocknum + number_of_blocks;
	struct graph_range_entry *list = NULL;
	size_t num = 0, cap = 0;

	for (uint32_t i = 0; i < g->chans.used; i++) {
		const struct chan *c = chan_at(g, i);
		struct short_channel_id scid = { c->scid };
		uint32_t block = short_channel_id_block(&scid);
		struct graph_range_entry *e;

		/* A spent channel is on its way out: not offered. */
		if (!(c->flags & CHAN_IN_USE) || (c->flags & CHAN_SPENT)
		    || block < first_blocknum || block >= end)
			continue;
		if (num == cap) {
			cap = cap ? cap * 2 : 64;
			list = oh_realloc(list, cap * sizeof(list[0]));
		}
		e = &list[num++];
		e->scid = scid;
		for (int d = 0; d < 2; d++) {
			bool has = c->flags & (CHAN_HAS_UPDATE_0 << d);

			e->timestamp[d] = has ? c->timestamp[d] : 0;
			e->checksum[d] = has ? c->checksum[d] : 0;
		}
	}
	if (num)
		qsort(list, num, sizeof(list[0]), entry_cmp);
	*out = list;
	return num;
}

struct ref_list {
	graph_ref *refs;
	size_t num, cap;
};

static void ref_add(struct ref_list *l, graph_ref ref)
{
	if (ref == GRAPH_NO_REF)
		return;
	if (l->num == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->refs = oh_realloc(l->refs, l->cap * sizeof(l->refs[0]));
	}
	l->refs[l->num++] = ref;
}

size_t graph_reply_scids(const struct graph *g, const struct short_channel_id *scids,
			 const uint64_t *query_flags, size_t num, graph_ref **out)
{
	struct ref_list l = { NULL, 0, 0 };
	/* One bit per node slot: its node_announcement is already queued. */
	uint8_t *sent = oh_calloc(g->nodes.used / 8 + 1, 1);

	for (size_t i = 0; i < num; i++) {
		uint32_t slot = chan_find(g, scids[i].u64);
		const struct chan *c;
		/* BOLT #7:
		 *     - if the incoming message does not include `encoded_query_flags`:
		 *       - with a `channel_announcement` and the latest `channel_update` for each end
		 *       - MUST follow with any `node_announcement`s for each `channel_announcement`
		 */
		uint64_t flags = query_flags ? query_flags[i]
			: QUERY_FLAG_CHANNEL_ANNOUNCEMENT | QUERY_FLAG_CHANNEL_UPDATE_1
			| QUERY_FLAG_CHANNEL_UPDATE_2 | QUERY_FLAG_NODE_ANNOUNCEMENT_1
			| QUERY_FLAG_NODE_ANNOUNCEMENT_2;

		/* BOLT #7:
		 *   - MUST respond to each known `short_channel_id`:
		 */
		if (slot == NONE)
			continue;
		c = chan_at(g, slot);
		if (flags & QUERY_FLAG_CHANNEL_ANNOUNCEMENT)
			ref_add(&l, c->announcement);
		for (int d = 0; d < 2; d++) {
			if ((flags & (QUERY_FLAG_CHANNEL_UPDATE_1 << d))
			    && (c->flags & (CHAN_HAS_UPDATE_0 << d)))
				ref_add(&l, c->update[d]);
		}
		for (int d = 0; d < 2; d++) {
			const struct node *n = node_at(g, c->node[d]);
			uint32_t ns = c->node[d];

			/* A node_announcement with several DNS hostnames
			 * "MUST not" be forwarded (BOLT #7). */
			if (!(flags & (QUERY_FLAG_NODE_ANNOUNCEMENT_1 << d))
			    || !(n->flags & NODE_HAS_ANNOUNCEMENT)
			    || (n->flags & NODE_NOT_FORWARDABLE)
			    || (sent[ns / 8] & (1 << (ns % 8))))
				continue;
			sent[ns / 8] |= (uint8_t)(1 << (ns % 8));
			ref_add(&l, n->announcement);
		}
	}
	free(sent);
	*out = l.refs;
	return l.num;
}
