/* gossip/graph's answers to the BOLT #7 query messages. */
#include "gossip/graph.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "gossip/encoding.h"
#include "gossip/graph_table.h"

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
		const struct chan *c = graph_chan_at(g, i);
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
		uint32_t slot = graph_chan_find(g, scids[i].u64);
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
		c = graph_chan_at(g, slot);
		if (flags & QUERY_FLAG_CHANNEL_ANNOUNCEMENT)
			ref_add(&l, c->announcement);
		for (int d = 0; d < 2; d++) {
			if ((flags & (QUERY_FLAG_CHANNEL_UPDATE_1 << d))
			    && (c->flags & (CHAN_HAS_UPDATE_0 << d)))
				ref_add(&l, c->update[d]);
		}
		for (int d = 0; d < 2; d++) {
			const struct node *n = graph_node_at(g, c->node[d]);
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
