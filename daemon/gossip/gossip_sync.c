/* Gossip queries (gossip.h): answering a peer's query_channel_range and
 * query_short_channel_ids, taking its gossip_timestamp_filter, and our
 * own sync from the first GOSSIP_SYNC_PEERS peers offering
 * gossip_queries.  The messages are built and checked in gossip/query.h. */
#include "daemon/gossip/gossip_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "daemon/log.h"
#include "daemon/net/peer.h"
#include "gossip/encoding.h"
#include "wire/features.h"
#include "wire/peer_wire.h"

static bool send_buf(struct peer *peer, struct wirebuf *buf)
{
	bool ok = peer_send(peer, buf->data, buf->len);

	wirebuf_free(buf);
	return ok;
}

/* ---- Our sync ---- */

static void sync_done(struct gossip *g, struct gossip_peer *gp)
{
	if (!gp->is_syncing)
		return;
	gp->is_syncing = false;
	g->num_syncing--;
	free(gp->wanted);
	free(gp->wanted_flags);
	gp->wanted = NULL;
	gp->wanted_flags = NULL;
	gp->num_wanted = gp->wanted_cap = 0;
	log_debug(g->setup.log, "gossip", "%s: sync done", gp->peer->node_id_hex);
}

/* BOLT #7: "MUST NOT send `query_short_channel_ids` if it has sent a
 * previous `query_short_channel_ids` to this peer and not received
 * `reply_short_channel_ids_end`."  So one batch at a time, the next when
 * the end of this one comes. */
static bool send_next_scid_query(struct gossip *g, struct gossip_peer *gp)
{
	struct msg_query_short_channel_ids q = {0};
	struct wirebuf *ids;
	size_t n = gp->num_wanted < GOSSIP_SCIDS_PER_QUERY ? gp->num_wanted
		: GOSSIP_SCIDS_PER_QUERY;
	size_t from = gp->num_wanted - n;	/* from the end: no moving */
	bool ok;

	if (n == 0) {
		sync_done(g, gp);
		return true;
	}
	ids = gossip_encode_scids(gp->wanted + from, n);
	q.chain_hash = g->chain_hash;
	q.len = (uint16_t)ids->len;
	q.encoded_short_ids = ids->data;
	q.tlvs = tlv_query_short_channel_ids_tlvs_new();
	q.tlvs->query_flags = gossip_encode_query_flags(gp->wanted_flags + from, n);
	ok = send_buf(gp->peer, towire_query_short_channel_ids(&q));
	tlv_query_short_channel_ids_tlvs_free(q.tlvs);
	wirebuf_free(ids);
	gp->num_wanted = from;
	gp->is_scid_query_open = true;
	return ok;
}

struct wanted_pair {
	struct short_channel_id scid;
	uint64_t flags;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct wanted_pair *x = a, *y = b;

	return x->scid.u64 < y->scid.u64 ? -1 : x->scid.u64 > y->scid.u64;
}

static void want(struct gossip_peer *gp, struct short_channel_id scid, uint64_t flags)
{
	if (gp->num_wanted == gp->wanted_cap) {
		gp->wanted_cap = gp->wanted_cap ? gp->wanted_cap * 2 : 64;
		gp->wanted = oh_realloc(gp->wanted, gp->wanted_cap * sizeof(*gp->wanted));
		gp->wanted_flags = oh_realloc(gp->wanted_flags,
					      gp->wanted_cap * sizeof(*gp->wanted_flags));
	}
	gp->wanted[gp->num_wanted] = scid;
	gp->wanted_flags[gp->num_wanted++] = flags;
}

/* How far back our gossip_timestamp_filter starts (seconds). */
#define GOSSIP_FILTER_SLACK 3600

void gossip_sync_start(struct gossip *g, struct gossip_peer *gp)
{
	struct msg_gossip_timestamp_filter f = { .chain_hash = g->chain_hash };
	struct msg_query_channel_range q = { .chain_hash = g->chain_hash };
	bool offers_queries = peer_negotiated(gp->peer, FEATURE_GOSSIP_QUERIES);
	uint32_t now = gossip_now();

	/* BOLT #7: "If the receiver does not offer `gossip_queries`: SHOULD
	 * set `first_timestamp` to 0xFFFFFFFF and `timestamp_range` to 0."
	 * Otherwise: everything from GOSSIP_FILTER_SLACK ago on; what came
	 * before, the range query gets.  The slack covers gossip signed
	 * before we connected that reaches this peer only after it answered
	 * our query: a filter from now would keep it from us for good. */
	f.first_timestamp = !offers_queries ? 0xFFFFFFFF
		: now > GOSSIP_FILTER_SLACK ? now - GOSSIP_FILTER_SLACK : 0;
	f.timestamp_range = offers_queries ? 0xFFFFFFFF - f.first_timestamp : 0;
	if (!send_buf(gp->peer, towire_gossip_timestamp_filter(&f)))
		return;
	if (!offers_queries || g->num_syncing >= GOSSIP_SYNC_PEERS)
		return;
	q.first_blocknum = 0;
	q.number_of_blocks = 0xFFFFFFFF;
	q.tlvs = tlv_query_channel_range_tlvs_new();
	q.tlvs->query_option = oh_calloc(1, sizeof(*q.tlvs->query_option));
	q.tlvs->query_option->query_option_flags = QUERY_OPTION_TIMESTAMPS | QUERY_OPTION_CHECKSUMS;
	gp->range = (struct range_query){
		.chain_hash = g->chain_hash,
		.first_blocknum = 0,
		.number_of_blocks = 0xFFFFFFFF,
	};
	gp->is_syncing = true;
	gp->sync_heard_at = now;
	g->num_syncing++;
	send_buf(gp->peer, towire_query_channel_range(&q));
	tlv_query_channel_range_tlvs_free(q.tlvs);
}

void gossip_sync_stop(struct gossip *g, struct gossip_peer *gp)
{
	sync_done(g, gp);
}

void gossip_sync_check_stalled(struct gossip *g)
{
	uint32_t now = gossip_now();

	for (struct gossip_peer *gp = g->peers; gp; gp = gp->next) {
		if (!gp->is_syncing || now - gp->sync_heard_at < GOSSIP_SYNC_STALL_SECS)
			continue;
		log_unusual(g->setup.log, "gossip", "%s: no answer to our gossip queries for %u s; "
			    "syncing from other peers", gp->peer->node_id_hex, GOSSIP_SYNC_STALL_SECS);
		sync_done(g, gp);
	}
}

static struct gossip_verdict got_range_reply(struct gossip *g, struct gossip_peer *gp,
					     const uint8_t *msg, size_t len)
{
	struct range_reply r = {0};
	struct gossip_verdict v;

	if (!gp->is_syncing || gp->range.is_done)
		return gossip_verdict(GOSSIP_IGNORE, "reply_channel_range we did not ask for");
	gp->sync_heard_at = gossip_now();
	v = gossip_reply_channel_range_check(&gp->range, msg, len, &r);
	if (v.action != GOSSIP_ACCEPT)
		return v;
	for (size_t i = 0; i < r.num; i++) {
		struct graph_channel chan;
		bool is_known = graph_get_channel(g->graph, r.scids[i], &chan);
		uint64_t flags = gossip_query_flags_for(is_known ? &chan : NULL,
							r.timestamps ? &r.timestamps[i] : NULL,
							r.checksums ? &r.checksums[i] : NULL);
		if (flags)
			want(gp, r.scids[i], flags);
	}
	range_reply_clear(&r);
	if (gp->range.is_done) {
		/* Ascending in each query, as BOLT #7 asks (sent from the end). */
		if (gp->num_wanted > 1) {
			struct short_channel_id *s = oh_malloc(gp->num_wanted * sizeof(*s));
			uint64_t *f = oh_malloc(gp->num_wanted * sizeof(*f));
			struct wanted_pair *p =
				oh_malloc(gp->num_wanted * sizeof(*p));
			for (size_t i = 0; i < gp->num_wanted; i++)
				p[i] = (struct wanted_pair){ gp->wanted[i], gp->wanted_flags[i] };
			qsort(p, gp->num_wanted, sizeof(*p), pair_cmp);
			for (size_t i = 0; i < gp->num_wanted; i++) {
				s[i] = p[i].scid;
				f[i] = p[i].flags;
			}
			free(p);
			free(gp->wanted);
			free(gp->wanted_flags);
			gp->wanted = s;
			gp->wanted_flags = f;
			gp->wanted_cap = gp->num_wanted;
		}
		log_debug(g->setup.log, "gossip", "%s: range replies done, %zu channels to ask for",
			  gp->peer->node_id_hex, gp->num_wanted);
		if (!gp->is_scid_query_open)
			send_next_scid_query(g, gp);
	}
	return v;
}

/* ---- Answering ---- */

static struct gossip_verdict answer_range(struct gossip *g, struct gossip_peer *gp,
					  const uint8_t *msg, size_t len)
{
	struct msg_query_channel_range *q;
	struct graph_range_entry *entries = NULL;
	struct wirebuf **replies;
	struct gossip_verdict v = gossip_query_channel_range_check(msg, len, &q);
	size_t num = 0, num_replies;
	bool ok = true;

	if (v.action != GOSSIP_ACCEPT)
		return v;
	if (memcmp(&q->chain_hash, &g->chain_hash, sizeof(g->chain_hash)) == 0)
		num = graph_channels_in_range(g->graph, q->first_blocknum, q->number_of_blocks,
					      &entries);
	replies = gossip_reply_channel_range(q, entries, num, &num_replies);
	for (size_t i = 0; i < num_replies; i++) {
		if (ok)
			ok = peer_send(gp->peer, replies[i]->data, replies[i]->len);
		wirebuf_free(replies[i]);
	}
	free(replies);
	free(entries);
	msg_query_channel_range_free(q);
	return v;
}

static struct gossip_verdict answer_scids(struct gossip *g, struct gossip_peer *gp,
					  const uint8_t *msg, size_t len)
{
	struct chain_hash chain_hash;
	struct short_channel_id *scids = NULL;
	uint64_t *flags = NULL;
	graph_ref *refs = NULL;
	size_t num = 0, num_refs = 0;
	bool is_ours, ok = true;
	struct gossip_verdict v = gossip_query_short_channel_ids_check(msg, len, &chain_hash,
								       &scids, &flags, &num);

	if (v.action != GOSSIP_ACCEPT)
		return v;
	is_ours = memcmp(&chain_hash, &g->chain_hash, sizeof(chain_hash)) == 0;
	if (is_ours)
		num_refs = graph_reply_scids(g->graph, scids, flags, num, &refs);
	for (size_t i = 0; i < num_refs && ok; i++)
		ok = gossip_send_ref(g, gp->peer, refs[i]);
	if (ok)
		send_buf(gp->peer, gossip_reply_short_channel_ids_end(&chain_hash, is_ours));
	free(refs);
	free(scids);
	free(flags);
	return v;
}

bool gossip_query_message(struct gossip *g, struct gossip_peer *gp, uint16_t type,
			  const uint8_t *msg, size_t len)
{
	struct gossip_verdict v = GOSSIP_ACCEPTED;

	switch ((enum peer_wire)type) {
	case WIRE_GOSSIP_TIMESTAMP_FILTER: {
		struct gossip_filter f;
		v = gossip_timestamp_filter_check(&g->chain_hash, msg, len, &f);
		if (v.action == GOSSIP_ACCEPT) {
			gp->filter = f;
			gp->has_filter = true;
			if (!gossip_dump(g, gp))
				return true;	/* it closes on the next turn */
		}
		break;
	}
	case WIRE_QUERY_CHANNEL_RANGE:
		v = answer_range(g, gp, msg, len);
		break;
	case WIRE_QUERY_SHORT_CHANNEL_IDS:
		v = answer_scids(g, gp, msg, len);
		break;
	case WIRE_REPLY_CHANNEL_RANGE:
		v = got_range_reply(g, gp, msg, len);
		break;
	case WIRE_REPLY_SHORT_CHANNEL_IDS_END: {
		struct msg_reply_short_channel_ids_end *end;
		if (!fromwire_reply_short_channel_ids_end(msg, len, &end)) {
			v = gossip_verdict(GOSSIP_CLOSE, "malformed reply_short_channel_ids_end");
			break;
		}
		msg_reply_short_channel_ids_end_free(end);
		if (!gp->is_scid_query_open) {
			v = gossip_verdict(GOSSIP_IGNORE,
					   "reply_short_channel_ids_end we did not ask for");
			break;
		}
		gp->is_scid_query_open = false;
		gp->sync_heard_at = gossip_now();
		if (gp->is_syncing && gp->range.is_done)
			send_next_scid_query(g, gp);
		break;
	}
	default:
		break;
	}
	return gossip_act_on(g, gp->peer, type, v);
}
