/* Our own gossip (gossip.h gossip_add_own): the channels hand us our
 * channel_announcement, channel_updates and node_announcement, signed;
 * they go through the same checks as anyone's, and what comes before our
 * channel is in the graph waits for it. */
#include "daemon/gossip/gossip_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "daemon/log.h"
#include "wire/peer_wire.h"

/* Whether msg is ours and waits for our channel: an update of a channel
 * not in the graph yet, or a node_announcement while we have none. */
static bool own_must_wait(struct gossip *g, const uint8_t *msg, size_t len,
			  struct gossip_verdict v)
{
	struct node_announcement_facts facts;
	uint16_t type;

	if (v.action == GOSSIP_DEFER)
		return true;
	if (v.action != GOSSIP_IGNORE || !fromwire_peektype(msg, len, &type)
	    || type != WIRE_NODE_ANNOUNCEMENT)
		return false;
	graph_node_facts(g->graph, g->setup.node_id, &facts);
	return !facts.has_channels;
}

static void own_hold(struct gossip *g, const uint8_t *msg, size_t len)
{
	struct gossip_own_held *h = oh_calloc(1, sizeof(*h)), **tail = &g->own_held;
	size_t n = 0;

	h->msg = oh_memdup(msg, len);
	h->len = len;
	while (*tail) {	/* in order: an update before a newer one */
		tail = &(*tail)->next;
		n++;
	}
	*tail = h;
	/* Bounded: the oldest goes (a newer one replaces it anyway). */
	if (n >= GOSSIP_OWN_HELD_MAX) {
		struct gossip_own_held *old = g->own_held;
		g->own_held = old->next;
		free(old->msg);
		free(old);
	}
}

void gossip_own_retry(struct gossip *g)
{
	struct gossip_own_held *list = g->own_held;

	g->own_held = NULL;
	while (list) {
		struct gossip_own_held *h = list;
		struct gossip_verdict v = gossip_receive(g, NULL, g->setup.node_id, h->msg, h->len);
		list = h->next;
		if (own_must_wait(g, h->msg, h->len, v))
			own_hold(g, h->msg, h->len);
		free(h->msg);
		free(h);
	}
}

/* Whether msg is in the graph already (our channels re-announce the same
 * messages after a restart or a reconnection: not an error). */
static bool own_is_known(struct gossip *g, const uint8_t *msg, size_t len)
{
	struct msg_channel_announcement *ann;
	struct msg_channel_update *upd;
	struct msg_node_announcement *na;
	struct graph_channel chan;
	struct graph_node node;
	bool known = false;
	uint16_t type;

	if (!fromwire_peektype(msg, len, &type))
		return false;
	switch (type) {
	case WIRE_CHANNEL_ANNOUNCEMENT:
		if (!fromwire_channel_announcement(msg, len, &ann))
			return false;
		known = graph_channel_known(g->graph, ann->short_channel_id, ann->node_id_1.bytes,
					    ann->node_id_2.bytes) == GRAPH_SAME;
		msg_channel_announcement_free(ann);
		return known;
	case WIRE_CHANNEL_UPDATE:
		if (!fromwire_channel_update(msg, len, &upd))
			return false;
		if (graph_get_channel(g->graph, upd->short_channel_id, &chan)) {
			const struct graph_direction *d =
				&chan.dir[upd->channel_flags & CHANNEL_UPDATE_DIRECTION];
			known = d->has_update && d->timestamp == upd->timestamp
				&& d->checksum == channel_update_checksum(msg, len);
		}
		msg_channel_update_free(upd);
		return known;
	case WIRE_NODE_ANNOUNCEMENT:
		if (!fromwire_node_announcement(msg, len, &na))
			return false;
		known = graph_get_node(g->graph, na->node_id.bytes, &node) && node.has_announcement
			&& node.timestamp == na->timestamp;
		msg_node_announcement_free(na);
		return known;
	}
	return false;
}

bool gossip_add_failure_update(struct gossip *g, const uint8_t *msg, size_t len, char *err,
			       size_t errlen)
{
	struct gossip_verdict v;

	if (len < 2 || msg[0] != 0x01 || msg[1] != 0x02) {
		snprintf(err, errlen, "not a channel_update");
		return false;
	}
	/* No peer sent it: nobody to warn or close; origin us, so it is
	 * relayed to every peer. */
	v = gossip_receive(g, NULL, g->setup.node_id, msg, len);
	if (v.action == GOSSIP_ACCEPT)
		return true;
	snprintf(err, errlen, "%s", v.reason ? v.reason : "refused");
	return false;
}

bool gossip_add_own(struct gossip *g, const uint8_t *msg, size_t len, char *err, size_t errlen)
{
	struct gossip_verdict v;

	if (own_is_known(g, msg, len))
		return true;
	v = gossip_receive(g, NULL, g->setup.node_id, msg, len);

	if (own_must_wait(g, msg, len, v)) {
		own_hold(g, msg, len);
		return true;
	}
	switch (v.action) {
	case GOSSIP_ACCEPT:
		return true;
	case GOSSIP_DEFER:
	case GOSSIP_IGNORE:
	case GOSSIP_WARN:
	case GOSSIP_CLOSE:
		break;
	}
	snprintf(err, errlen, "%s", v.reason ? v.reason : "refused");
	log_broken(g->setup.log, "gossip", "our own gossip refused: %s", err);
	return false;
}
