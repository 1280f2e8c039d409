/* The in-memory graph (storage and indexes: graph_table.c; query
 * answers: graph_query.c).  Invariants:
 *  - a channel or node record lives in a slot of its block store; slot
 *    numbers (uint32_t) name records everywhere, and stay put until the
 *    record is removed (its slot then joins a free list);
 *  - a node's channels form a list through chan.next[side], where side is
 *    the node's position (0: node_id_1) in that channel;
 *  - a node is in the graph exactly while it has a channel.
 */
#include "gossip/graph.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "gossip/graph_table.h"

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
	graph_store_clear(&g->chans);
	graph_store_clear(&g->nodes);
	free(g->chan_index.slots);
	free(g->node_index.slots);
	free(g);
}

/* The slot of node id, added (with no channels) if new. */
static uint32_t node_get_or_add(struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN])
{
	uint32_t slot = graph_node_find(g, id);
	struct node *n;

	if (slot != NONE)
		return slot;
	slot = graph_store_alloc(&g->nodes, graph_node_next_free);
	n = graph_node_at(g, slot);
	memcpy(n->id, id, PUBKEY_CMPR_LEN);
	n->first_chan = NONE;
	n->announcement = GRAPH_NO_REF;
	n->flags = NODE_IN_USE;
	graph_index_add(g, &g->node_index, slot, graph_node_hash);
	return slot;
}

static void node_remove(struct graph *g, uint32_t slot)
{
	struct node *n = graph_node_at(g, slot);

	graph_index_remove(g, &g->node_index, slot, graph_node_hash);
	n->flags = 0;
	n->first_chan = g->nodes.free_head;
	g->nodes.free_head = slot;
	g->nodes.live--;
}

enum graph_known graph_channel_known(const struct graph *g, struct short_channel_id scid,
				     const uint8_t node_id_1[PUBKEY_CMPR_LEN],
				     const uint8_t node_id_2[PUBKEY_CMPR_LEN])
{
	uint32_t slot = graph_chan_find(g, scid.u64);
	const struct chan *c;

	if (slot == NONE)
		return GRAPH_UNKNOWN;
	c = graph_chan_at(g, slot);
	if (node_id_1 && node_id_2
	    && (memcmp(graph_node_at(g, c->node[0])->id, node_id_1, PUBKEY_CMPR_LEN) != 0
		|| memcmp(graph_node_at(g, c->node[1])->id, node_id_2, PUBKEY_CMPR_LEN) != 0))
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
	if (graph_chan_find(g, scid.u64) != NONE || memcmp(node_id_1, node_id_2, PUBKEY_CMPR_LEN) == 0)
		return;
	n1 = node_get_or_add(g, node_id_1);
	n2 = node_get_or_add(g, node_id_2);
	g->shape++;
	slot = graph_store_alloc(&g->chans, graph_chan_next_free);
	c = graph_chan_at(g, slot);
	c->scid = scid.u64;
	c->announcement = announcement;
	c->capacity_sat = capacity_sat;
	c->node[0] = n1;
	c->node[1] = n2;
	c->added = now;
	c->flags = CHAN_IN_USE | (is_routable ? CHAN_ROUTABLE : 0);
	c->update[0] = c->update[1] = GRAPH_NO_REF;
	for (int side = 0; side < 2; side++) {
		struct node *n = graph_node_at(g, c->node[side]);

		c->next[side] = n->first_chan;
		n->first_chan = slot;
		n->num_chans++;
	}
	graph_index_add(g, &g->chan_index, slot, graph_chan_hash);
}

void graph_channel_update_facts(const struct graph *g, struct short_channel_id scid,
				struct channel_update_facts *out)
{
	uint32_t slot = graph_chan_find(g, scid.u64);
	const struct chan *c;

	memset(out, 0, sizeof(*out));
	if (slot == NONE)
		return;
	c = graph_chan_at(g, slot);
	out->is_known = true;
	out->is_spent = c->flags & CHAN_SPENT;
	out->capacity_sat = c->capacity_sat;
	for (int d = 0; d < 2; d++) {
		memcpy(out->node_id[d], graph_node_at(g, c->node[d])->id, PUBKEY_CMPR_LEN);
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
	uint32_t slot = graph_chan_find(g, info->m.short_channel_id.u64);

	return slot != NONE && chan_tokens(graph_chan_at(g, slot), info->direction & 1,
					   info->m.timestamp) == 0;
}

bool graph_set_update(struct graph *g, const struct channel_update_info *info, graph_ref update)
{
	uint32_t slot = graph_chan_find(g, info->m.short_channel_id.u64);
	int d = info->direction & 1;
	struct chan *c;

	if (slot == NONE)
		return false;
	c = graph_chan_at(g, slot);
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
	uint32_t slot = graph_chan_find(g, scid.u64);
	struct chan *c;

	if (slot == NONE)
		return false;
	c = graph_chan_at(g, slot);
	if (!(c->flags & CHAN_SPENT)) {
		c->flags |= CHAN_SPENT;
		c->spent_height = height;
	}
	return true;
}

bool graph_unmark_spent(struct graph *g, struct short_channel_id scid)
{
	uint32_t slot = graph_chan_find(g, scid.u64);
	struct chan *c;

	if (slot == NONE)
		return false;
	c = graph_chan_at(g, slot);
	c->flags &= ~CHAN_SPENT;
	c->spent_height = 0;
	return true;
}

/* Unlinks channel slot from node n's list (side: n's side in it). */
static void node_unlink(struct graph *g, uint32_t n_slot, uint32_t slot, int side)
{
	struct node *n = graph_node_at(g, n_slot);
	uint32_t *link = &n->first_chan;

	while (*link != slot) {
		struct chan *c = graph_chan_at(g, *link);

		link = &c->next[c->node[0] == n_slot ? 0 : 1];
	}
	*link = graph_chan_at(g, slot)->next[side];
	n->num_chans--;
}

static void chan_remove(struct graph *g, uint32_t slot)
{
	struct chan *c = graph_chan_at(g, slot);

	g->shape++;
	graph_index_remove(g, &g->chan_index, slot, graph_chan_hash);
	for (int side = 0; side < 2; side++) {
		node_unlink(g, c->node[side], slot, side);
		/* BOLT #7 "Pruning the Network View": "if the announced node
		 * no longer has any associated open channels: MAY prune
		 * nodes". */
		if (graph_node_at(g, c->node[side])->num_chans == 0)
			node_remove(g, c->node[side]);
	}
	c->flags = 0;
	c->next[0] = g->chans.free_head;
	g->chans.free_head = slot;
	g->chans.live--;
}

bool graph_remove_channel(struct graph *g, struct short_channel_id scid)
{
	uint32_t slot = graph_chan_find(g, scid.u64);

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
		struct chan *c = graph_chan_at(g, i);

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

void graph_fill_channel(const struct graph *g, const struct chan *c, struct graph_channel *out)
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
		const struct node *n = graph_node_at(g, c->node[d]);

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
	uint32_t slot = graph_chan_find(g, scid.u64);

	if (slot == NONE)
		return false;
	graph_fill_channel(g, graph_chan_at(g, slot), out);
	return true;
}

void graph_node_facts(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
		      struct node_announcement_facts *out)
{
	uint32_t slot = graph_node_find(g, id);
	const struct node *n;

	memset(out, 0, sizeof(*out));
	if (slot == NONE)
		return;
	n = graph_node_at(g, slot);
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
	uint32_t slot = graph_node_find(g, id);

	return slot != NONE && node_tokens(graph_node_at(g, slot), timestamp) == 0;
}

bool graph_set_node_announcement(struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN],
				 uint32_t timestamp, bool has_unknown_even_features,
				 bool is_forwardable, graph_ref announcement)
{
	uint32_t slot = graph_node_find(g, id);
	struct node *n;

	if (slot == NONE)
		return false;
	n = graph_node_at(g, slot);
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
	uint32_t slot = graph_node_find(g, id);
	size_t num = 0;
	struct short_channel_id *list = NULL;

	/* Each removal unlinks the node's first channel; the last one
	 * removes the node. */
	while (slot != NONE && graph_node_find(g, id) == slot) {
		uint32_t c = graph_node_at(g, slot)->first_chan;

		if (removed) {
			list = oh_realloc(list, (num + 1) * sizeof(list[0]));
			list[num].u64 = graph_chan_at(g, c)->scid;
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
	uint32_t slot = graph_node_find(g, id);

	if (slot == NONE)
		return false;
	fill_node(graph_node_at(g, slot), out);
	return true;
}

void graph_foreach_channel(const struct graph *g,
			   bool (*fn)(void *arg, const struct graph_channel *chan), void *arg)
{
	for (uint32_t i = 0; i < g->chans.used; i++) {
		const struct chan *c = graph_chan_at(g, i);
		struct graph_channel chan;

		if (!(c->flags & CHAN_IN_USE))
			continue;
		graph_fill_channel(g, c, &chan);
		if (!fn(arg, &chan))
			return;
	}
}

void graph_foreach_node(const struct graph *g,
			bool (*fn)(void *arg, const struct graph_node *node), void *arg)
{
	for (uint32_t i = 0; i < g->nodes.used; i++) {
		const struct node *n = graph_node_at(g, i);
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
	uint32_t n_slot = graph_node_find(g, id);

	if (n_slot == NONE)
		return false;
	for (uint32_t i = graph_node_at(g, n_slot)->first_chan; i != NONE;) {
		const struct chan *c = graph_chan_at(g, i);
		struct graph_channel chan;

		graph_fill_channel(g, c, &chan);
		if (!fn(arg, &chan))
			break;
		i = c->next[c->node[0] == n_slot ? 0 : 1];
	}
	return true;
}

uint64_t graph_shape(const struct graph *g)
{
	return g->shape;
}

uint32_t graph_node_slot_limit(const struct graph *g)
{
	return g->nodes.used;
}

uint32_t graph_node_slot(const struct graph *g, const uint8_t id[PUBKEY_CMPR_LEN])
{
	return graph_node_find(g, id);
}

const uint8_t *graph_node_slot_id(const struct graph *g, uint32_t slot)
{
	return graph_node_at(g, slot)->id;
}

bool graph_node_slot_is_routable(const struct graph *g, uint32_t slot)
{
	return !(graph_node_at(g, slot)->flags & NODE_UNKNOWN_EVEN);
}

void graph_hop_prefetch(const struct graph *g, uint32_t cursor)
{
	const uint8_t *c = (const uint8_t *)graph_chan_at(g, cursor);

	__builtin_prefetch(c);
	__builtin_prefetch(c + 64);
	__builtin_prefetch(c + 128);
}

uint32_t graph_node_first_hop(const struct graph *g, uint32_t node_slot)
{
	const struct node *n = graph_node_at(g, node_slot);

	return n->flags & NODE_IN_USE ? n->first_chan : GRAPH_NO_SLOT;
}

uint32_t graph_node_hop_in(const struct graph *g, uint32_t node_slot, uint32_t cursor,
			   struct graph_hop_in *out)
{
	const struct chan *c = graph_chan_at(g, cursor);
	int side = c->node[0] == node_slot ? 0 : 1, d = !side;
	uint8_t want = CHAN_ROUTABLE | (CHAN_HAS_UPDATE_0 << d) | (CHAN_ROUTABLE_UPDATE_0 << d);

	out->scid.u64 = c->scid;
	out->from_slot = c->node[d];
	out->direction = d;
	out->is_usable = (c->flags & (want | CHAN_SPENT)) == want
		&& !(c->channel_flags[d] & CHANNEL_UPDATE_DISABLE);
	out->capacity_sat = c->capacity_sat;
	out->cltv_expiry_delta = c->cltv_expiry_delta[d];
	out->fee_base_msat = c->fee_base_msat[d];
	out->fee_proportional_millionths = c->fee_proportional_millionths[d];
	out->htlc_minimum_msat = c->htlc_minimum_msat[d];
	out->htlc_maximum_msat = c->htlc_maximum_msat[d];
	return c->next[side];
}

size_t graph_num_channels(const struct graph *g)
{
	return g->chans.live;
}

size_t graph_num_nodes(const struct graph *g)
{
	return g->nodes.live;
}

size_t graph_memory(const struct graph *g)
{
	return sizeof(*g) + graph_store_memory(&g->chans) + graph_store_memory(&g->nodes)
		+ (g->chan_index.cap + g->node_index.cap) * sizeof(uint32_t);
}

void graph_foreach_ref(const struct graph *g, void (*fn)(void *arg, graph_ref ref), void *arg)
{
	for (uint32_t i = 0; i < g->chans.used; i++) {
		const struct chan *c = graph_chan_at(g, i);

		if (!(c->flags & CHAN_IN_USE))
			continue;
		fn(arg, c->announcement);
		for (int d = 0; d < 2; d++) {
			if (c->flags & (CHAN_HAS_UPDATE_0 << d))
				fn(arg, c->update[d]);
		}
	}
	for (uint32_t i = 0; i < g->nodes.used; i++) {
		const struct node *n = graph_node_at(g, i);

		if (n->flags & NODE_HAS_ANNOUNCEMENT)
			fn(arg, n->announcement);
	}
}
