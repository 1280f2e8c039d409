/* Relaying (gossip.h): the staggered broadcast.  BOLT #7 "SHOULD flush
 * outgoing gossip messages once every 60 seconds, independently of the
 * arrival times of the messages"; a replaced message is gone from the
 * store by then, so each flush sends only the newest. */
#include "daemon/gossip/gossip_internal.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "daemon/net/peer.h"
#include "wire/peer_wire.h"

/* BOLT #7: "If a `channel_announcement` has no corresponding
 * `channel_update`s: MUST NOT send the `channel_announcement`." */
static bool has_update(const struct graph_channel *chan)
{
	return chan->dir[0].has_update || chan->dir[1].has_update;
}

static bool passes(const struct gossip *g, const struct gossip_peer *gp,
		   const struct gossip_queued *q)
{
	struct graph_channel chan;

	/* BOLT #7: "SHOULD send gossip messages as it generates them
	 * regardless of `timestamp`". */
	if (q->is_own)
		return true;
	/* BOLT #7: "MUST not send gossip it did not generate itself, until
	 * it receives `gossip_timestamp_filter`". */
	if (!gp->has_filter)
		return false;
	if (q->type == WIRE_CHANNEL_ANNOUNCEMENT)
		return graph_get_channel(g->graph, q->scid, &chan)
			&& gossip_filter_passes_channel(&gp->filter, &chan);
	return gossip_filter_passes(&gp->filter, q->timestamp);
}

struct dump_state {
	struct gossip *g;
	struct gossip_peer *gp;
	bool ok;
};

static bool dump_channel(void *arg, const struct graph_channel *chan)
{
	struct dump_state *st = arg;

	if (!gossip_filter_passes_channel(&st->gp->filter, chan))
		return true;
	st->ok = gossip_send_ref(st->g, st->gp->peer, chan->announcement);
	for (int d = 0; d < 2 && st->ok; d++)
		if (chan->dir[d].has_update
		    && gossip_filter_passes(&st->gp->filter, chan->dir[d].timestamp))
			st->ok = gossip_send_ref(st->g, st->gp->peer, chan->dir[d].update);
	return st->ok;
}

static bool dump_node(void *arg, const struct graph_node *node)
{
	struct dump_state *st = arg;

	if (!node->has_announcement || !node->is_forwardable
	    || !gossip_filter_passes(&st->gp->filter, node->timestamp))
		return true;
	st->ok = gossip_send_ref(st->g, st->gp->peer, node->announcement);
	return st->ok;
}

/* BOLT #7: "SHOULD send all gossip messages whose `timestamp` is greater
 * or equal to `first_timestamp`, and less than `first_timestamp` plus
 * `timestamp_range`. MAY wait for the next outgoing gossip flush to send
 * these."  Sent at once, as the graph is then (what comes later is in the
 * next flush, origin excluded).  Channels (announcement first) before
 * nodes.  What does not fit
 * in the peer's output limit (peer.h) ends the connection; a peer wanting
 * the whole graph should query it instead. */
bool gossip_dump(struct gossip *g, struct gossip_peer *gp)
{
	struct dump_state st = { g, gp, true };

	gp->dumped_queue = g->num_queued;

	graph_foreach_channel(g->graph, dump_channel, &st);
	if (st.ok)
		graph_foreach_node(g->graph, dump_node, &st);
	return st.ok;
}

void gossip_broadcast(struct gossip *g)
{
	size_t kept = 0;
	bool *held = calloc(g->num_queued ? g->num_queued : 1, sizeof(*held));

	if (!held)
		abort();
	/* Announcements without an update wait for one. */
	for (size_t i = 0; i < g->num_queued; i++) {
		struct graph_channel chan;
		if (g->queue[i].type == WIRE_CHANNEL_ANNOUNCEMENT
		    && graph_get_channel(g->graph, g->queue[i].scid, &chan) && !has_update(&chan))
			held[i] = true;
	}
	for (struct gossip_peer *gp = g->peers; gp; gp = gp->next) {
		bool ok = true;

		for (size_t i = 0; i < g->num_queued && ok; i++) {
			const struct gossip_queued *q = &g->queue[i];
			if (held[i] || memcmp(q->origin, gp->node_id, PUBKEY_CMPR_LEN) == 0
			    || (i < gp->dumped_queue && q->type != WIRE_CHANNEL_ANNOUNCEMENT)
			    || !passes(g, gp, q))
				continue;
			ok = gossip_send_ref(g, gp->peer, q->ref);
		}
		gp->dumped_queue = 0;
	}
	for (size_t i = 0; i < g->num_queued; i++)
		if (held[i])
			g->queue[kept++] = g->queue[i];
	if (g->num_queued)
		log_debug(g->setup.log, "gossip", "broadcast %zu messages to %s peers",
			  g->num_queued - kept, g->peers ? "our" : "no");
	g->num_queued = kept;
	free(held);
}
