/* Routing for pay and getroute: our channels as the pathfinder sees
 * them, the graph from gossip, and the scorer that learns from attempts
 * (pay/pathfind.h, pay/scorer.h do the work). */
#include "daemon/htlcs/payments_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel/state.h"
#include "common/alloc.h"
#include "daemon/channels/channels.h"
#include "daemon/gossip/gossip.h"
#include "daemon/htlcs/htlcs.h"
#include "pay/pathfind.h"
#include "pay/scorer.h"

size_t payments_locals(struct payments *payments, struct pathfind_local **out)
{
	struct channels *channels = payments->htlcs->channels;
	size_t num = 0, cap = 0;

	*out = NULL;
	for (struct chan *c = channels_next(channels, NULL); c; c = channels_next(channels, c)) {
		struct pathfind_local *l;

		if (!chan_is_usable(c) || !chan_scid(c))
			continue;
		if (num == cap) {
			cap = cap ? 2 * cap : 8;
			*out = oh_realloc(*out, cap * sizeof(**out));
		}
		l = &(*out)[num++];
		memset(l, 0, sizeof(*l));
		l->scid = *chan_scid(c);
		memcpy(l->peer, chan_peer_id(c), PUBKEY_CMPR_LEN);
		l->spendable_msat = channel_sendable_msat(chan_engine(c), CHANNEL_LOCAL);
		/* What the peer takes (BOLT #2: the receiver's minimum). */
		l->htlc_minimum_msat =
			channel_get_config(chan_engine(c), CHANNEL_REMOTE)->htlc_minimum_msat;
	}
	return num;
}

const struct graph *payments_graph(struct payments *payments)
{
	return payments->htlcs->gossip ? gossip_graph(payments->htlcs->gossip) : NULL;
}

void payments_learn(struct payments *payments, const struct route_hop *route, size_t num_hops,
		    bool succeeded, int64_t erring_index, uint16_t failcode)
{
	pathfind_learn(payments->scorer, payments_graph(payments), payments->htlcs->node_id, route,
		       num_hops, succeeded, erring_index, failcode, (uint64_t)time(NULL));
}

bool payments_getroute(struct payments *payments, const uint8_t *source,
		       const uint8_t destination[PUBKEY_CMPR_LEN], uint64_t amount_msat,
		       double riskfactor, uint32_t final_cltv,
		       const struct pathfind_exclude *excludes, size_t num_excludes,
		       size_t maxhops, struct route_hop *out, size_t *num_hops)
{
	struct pathfind_query q;
	struct pathfind_local *locals = NULL;
	bool found;

	memset(&q, 0, sizeof(q));
	memcpy(q.source, source ? source : payments->htlcs->node_id, PUBKEY_CMPR_LEN);
	memcpy(q.destination, destination, PUBKEY_CMPR_LEN);
	q.amount_msat = amount_msat;
	q.final_cltv = final_cltv;
	q.riskfactor = riskfactor;
	q.maxfee_msat = UINT64_MAX;
	q.maxdelay = UINT32_MAX;
	q.maxhops = maxhops;
	q.excludes = excludes;
	q.num_excludes = num_excludes;
	/* From us: what our channels can send now, private ones too. */
	if (memcmp(q.source, payments->htlcs->node_id, PUBKEY_CMPR_LEN) == 0) {
		q.use_locals = true;
		q.num_locals = payments_locals(payments, &locals);
		q.locals = locals;
	}
	found = pathfind(payments->pathfinder, payments_graph(payments), &q, out, num_hops);
	free(locals);
	return found;
}
