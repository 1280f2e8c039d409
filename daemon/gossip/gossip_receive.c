/* Receiving gossip (gossip.h): each message through its checks
 * (gossip/channel_announcement.h, channel_update.h, node_announcement.h),
 * cheapest first, then stored, put in the graph and queued for relay. */
#include "daemon/gossip/gossip_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "daemon/chain/chain.h"
#include "daemon/log.h"
#include "db/db.h"
#include "gossip/channel_announcement.h"
#include "wire/peer_wire.h"

static bool is_us(const struct gossip *g, const uint8_t id[PUBKEY_CMPR_LEN])
{
	return memcmp(id, g->setup.node_id, PUBKEY_CMPR_LEN) == 0;
}

static struct gossip_peer *peer_by_id(struct gossip *g, const uint8_t id[PUBKEY_CMPR_LEN])
{
	for (struct gossip_peer *gp = g->peers; gp; gp = gp->next)
		if (memcmp(gp->node_id, id, PUBKEY_CMPR_LEN) == 0)
			return gp;
	return NULL;
}

/* ---- channel_update ---- */

/* The offset of short_channel_id in a channel_update: type, signature,
 * chain_hash. */
#define UPDATE_SCID_OFFSET (2 + 64 + 32)

static struct gossip_verdict receive_update(struct gossip *g, const uint8_t origin[PUBKEY_CMPR_LEN],
					    const uint8_t *msg, size_t len)
{
	struct channel_update_facts facts;
	struct channel_update_info info;
	struct short_channel_id scid = {0};
	struct graph_channel chan;
	struct gossip_verdict v;
	graph_ref old = GRAPH_NO_REF;
	uint64_t id;
	bool is_spam;

	if (len >= UPDATE_SCID_OFFSET + 8)
		for (size_t i = 0; i < 8; i++)
			scid.u64 = scid.u64 << 8 | msg[UPDATE_SCID_OFFSET + i];
	graph_channel_update_facts(g->graph, scid, &facts);
	facts.key_cache = g->keys;
	v = channel_update_check_gossip(g->setup.secp, &g->chain_hash, msg, len, &facts,
					gossip_now(), &info);
	if (v.action == GOSSIP_DEFER) {
		gossip_pending_add(g->pending, msg, len, gossip_now());
		return v;
	}
	if (v.action != GOSSIP_ACCEPT)
		return v;
	is_spam = graph_update_is_spam(g->graph, &info);
	if (graph_get_channel(g->graph, scid, &chan) && chan.dir[info.direction].has_update)
		old = chan.dir[info.direction].update;
	id = gossip_write_update(g, scid, msg, len);
	graph_set_update(g->graph, &info, id);
	if (old != GRAPH_NO_REF)
		gossip_write_delete(g, old);
	/* Too fast to relay: taken (routing wants the latest), not sent on. */
	if (!is_spam || is_us(g, facts.node_id[info.direction]))
		gossip_queue_add(g, id, WIRE_CHANNEL_UPDATE, scid, info.m.timestamp, origin,
				 is_us(g, facts.node_id[info.direction]));
	return v;
}

/* ---- channel_announcement ---- */

/* The announcement's funding output is known: the last check, then in. */
static void announcement_funded(struct gossip *g, const uint8_t *msg, size_t len,
				struct short_channel_id scid, const struct pubkey bitcoin_keys[2],
				const uint8_t origin[PUBKEY_CMPR_LEN],
				const struct txout_result *result)
{
	struct funding_output out = {
		.is_found = result->is_found,
		.is_spent = result->is_spent,
		.script = result->script,
		.script_len = result->script_len,
		.amount_sat = result->amount_sat,
		.depth = result->depth,
	};
	struct msg_channel_announcement *ann;
	struct gossip_pending_update held[2];
	struct gossip_verdict v;
	uint64_t capacity_sat, id;
	size_t num_held;
	bool is_own;

	v = channel_announcement_check_funding(g->setup.secp, bitcoin_keys, &out, &capacity_sat);
	if (v.action != GOSSIP_ACCEPT) {
		log_debug(g->setup.log, "gossip", "ignoring channel_announcement: %s", v.reason);
		return;
	}
	if (!fromwire_channel_announcement(msg, len, &ann))
		return;
	if (graph_channel_known(g->graph, scid, ann->node_id_1.bytes, ann->node_id_2.bytes)
	    != GRAPH_UNKNOWN) {
		msg_channel_announcement_free(ann);
		return;
	}
	id = gossip_write_channel(g, scid, msg, len, capacity_sat, &result->txid);
	graph_add_channel(g->graph, scid, ann->node_id_1.bytes, ann->node_id_2.bytes, capacity_sat,
			  !channel_announcement_has_unknown_even_features(ann), id, gossip_now());
	gossip_note_funding(g, scid, &result->txid);
	is_own = is_us(g, ann->node_id_1.bytes) || is_us(g, ann->node_id_2.bytes);
	msg_channel_announcement_free(ann);
	gossip_queue_add(g, id, WIRE_CHANNEL_ANNOUNCEMENT, scid, 0, origin, is_own);
	if (is_own)
		gossip_own_retry(g);
	log_debug(g->setup.log, "gossip", "new channel %s",
		  short_channel_id_to_str((char[SHORT_CHANNEL_ID_STR_MAX]){0}, &scid));
	/* Updates that came first. */
	num_held = gossip_pending_take(g->pending, scid, held);
	for (size_t i = 0; i < num_held; i++) {
		receive_update(g, origin, held[i].msg, held[i].len);
		free(held[i].msg);
	}
}

static struct gossip_funding_entry *cache_slot(struct gossip *g, struct short_channel_id scid)
{
	uint64_t h = scid.u64 * 0x9E3779B97F4A7C15ULL;

	return &g->funding_cache[(h >> 32) % GOSSIP_FUNDING_CACHE];
}

static struct gossip_verdict receive_node(struct gossip *g, const uint8_t origin[PUBKEY_CMPR_LEN],
					  const uint8_t *msg, size_t len);

static void lookup_free(struct gossip_lookup *l)
{
	free(l->held_node[0]);
	free(l->held_node[1]);
	free(l->msg);
	free(l);
}

static void lookup_done(void *arg, const struct txout_result *result, const char *err);

/* Starts waiting lookups, oldest first, up to GOSSIP_LOOKUPS_RUNNING. */
static void start_lookups(struct gossip *g)
{
	for (struct gossip_lookup *l = g->lookups;
	     l && g->num_running < GOSSIP_LOOKUPS_RUNNING; l = l->next) {
		if (l->is_running)
			continue;
		l->is_running = true;
		g->num_running++;
		txout_lookup(&l->txout, g->setup.bitcoind, l->scid, lookup_done, l);
	}
}

static void lookup_done(void *arg, const struct txout_result *result, const char *err)
{
	struct gossip_lookup *l = arg;
	struct gossip *g = l->g;
	struct gossip_peer *gp = peer_by_id(g, l->origin);

	for (struct gossip_lookup **p = &g->lookups; *p; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			break;
		}
	}
	g->num_lookups--;
	g->num_running--;
	if (gp && gp->lookups)
		gp->lookups--;
	if (result) {
		struct gossip_funding_entry *e = cache_slot(g, l->scid);
		e->scid = l->scid;
		e->tip = chain_height(g->setup.chain);
		e->result = *result;
		announcement_funded(g, l->msg, l->len, l->scid, l->bitcoin_keys, l->origin, result);
		for (int i = 0; i < 2; i++)
			if (l->held_node[i])
				receive_node(g, l->origin, l->held_node[i], l->held_node_len[i]);
	} else {
		log_unusual(g->setup.log, "gossip", "cannot look up a funding output: %s", err);
	}
	lookup_free(l);
	start_lookups(g);
}

/* A node_announcement of a node whose first channel is being looked up:
 * held by that lookup (the newest one).  Returns false if there is none. */
static bool hold_for_lookup(struct gossip *g, const uint8_t node_id[PUBKEY_CMPR_LEN],
			    const uint8_t *msg, size_t len)
{
	for (struct gossip_lookup *l = g->lookups; l; l = l->next) {
		for (int i = 0; i < 2; i++) {
			if (memcmp(l->node_ids[i], node_id, PUBKEY_CMPR_LEN) != 0)
				continue;
			free(l->held_node[i]);
			l->held_node[i] = oh_memdup(msg, len);
			l->held_node_len[i] = len;
			return true;
		}
	}
	return false;
}

static bool lookup_in_flight(const struct gossip *g, struct short_channel_id scid)
{
	for (const struct gossip_lookup *l = g->lookups; l; l = l->next)
		if (l->scid.u64 == scid.u64)
			return true;
	return false;
}

static struct gossip_verdict receive_announcement(struct gossip *g,
						  const uint8_t origin[PUBKEY_CMPR_LEN],
						  const uint8_t *msg, size_t len)
{
	struct msg_channel_announcement *ann;
	struct pubkey bitcoin_keys[2];
	struct short_channel_id scid;
	struct gossip_funding_entry *cached;
	struct gossip_peer *gp = peer_by_id(g, origin);
	struct gossip_lookup *l;
	struct gossip_verdict v;

	/* Duplicates first: they cost no signature check. */
	if (!fromwire_channel_announcement(msg, len, &ann))
		return gossip_verdict(GOSSIP_CLOSE, "malformed channel_announcement");
	scid = ann->short_channel_id;
	switch (graph_channel_known(g->graph, scid, ann->node_id_1.bytes, ann->node_id_2.bytes)) {
	case GRAPH_UNKNOWN:
		break;
	case GRAPH_SAME:
		msg_channel_announcement_free(ann);
		return gossip_verdict(GOSSIP_IGNORE, "channel_announcement is a duplicate");
	case GRAPH_CONFLICT:
		msg_channel_announcement_free(ann);
		return gossip_verdict(GOSSIP_IGNORE,
				      "channel_announcement for a known short_channel_id with other nodes");
	}
	msg_channel_announcement_free(ann);
	if (lookup_in_flight(g, scid))
		return gossip_verdict(GOSSIP_IGNORE, "channel_announcement is being checked already");
	v = channel_announcement_check(g->setup.secp, g->keys, &g->chain_hash, msg, len, &ann,
				       bitcoin_keys);
	if (v.action != GOSSIP_ACCEPT)
		return v;
	cached = cache_slot(g, scid);
	if (cached->scid.u64 == scid.u64 && cached->tip == chain_height(g->setup.chain)) {
		msg_channel_announcement_free(ann);
		announcement_funded(g, msg, len, scid, bitcoin_keys, origin, &cached->result);
		return v;
	}
	/* What one peer (or all) can have us look up at once. */
	if (g->num_lookups >= GOSSIP_LOOKUPS_MAX
	    || (gp && gp->lookups >= GOSSIP_LOOKUPS_PER_PEER)) {
		msg_channel_announcement_free(ann);
		return gossip_verdict(GOSSIP_IGNORE,
				      "too many channel_announcements being checked; send it later");
	}
	l = oh_calloc(1, sizeof(*l));
	memcpy(l->node_ids[0], ann->node_id_1.bytes, PUBKEY_CMPR_LEN);
	memcpy(l->node_ids[1], ann->node_id_2.bytes, PUBKEY_CMPR_LEN);
	msg_channel_announcement_free(ann);
	l->g = g;
	l->msg = oh_memdup(msg, len);
	l->len = len;
	l->scid = scid;
	l->bitcoin_keys[0] = bitcoin_keys[0];
	l->bitcoin_keys[1] = bitcoin_keys[1];
	memcpy(l->origin, origin, PUBKEY_CMPR_LEN);
	{
		struct gossip_lookup **tail = &g->lookups;
		while (*tail)
			tail = &(*tail)->next;
		*tail = l;
	}
	g->num_lookups++;
	if (gp)
		gp->lookups++;
	start_lookups(g);
	return v;
}

void gossip_lookups_free(struct gossip *g)
{
	while (g->lookups) {
		struct gossip_lookup *l = g->lookups;
		g->lookups = l->next;
		lookup_free(l);
	}
	g->num_lookups = g->num_running = 0;
}

/* ---- node_announcement ---- */

static struct gossip_verdict receive_node(struct gossip *g, const uint8_t origin[PUBKEY_CMPR_LEN],
					  const uint8_t *msg, size_t len)
{
	struct msg_node_announcement *m;
	struct node_announcement_facts facts;
	struct node_announcement_info info;
	struct graph_node node;
	struct gossip_verdict v;
	uint8_t node_id[PUBKEY_CMPR_LEN];
	graph_ref old = GRAPH_NO_REF;
	uint64_t id;
	bool is_spam;

	if (!fromwire_node_announcement(msg, len, &m))
		return gossip_verdict(GOSSIP_CLOSE, "malformed node_announcement");
	memcpy(node_id, m->node_id.bytes, PUBKEY_CMPR_LEN);
	msg_node_announcement_free(m);
	graph_node_facts(g->graph, node_id, &facts);
	facts.key_cache = g->keys;
	v = node_announcement_check(g->setup.secp, msg, len, &facts, &info);
	if (v.action == GOSSIP_IGNORE && !facts.has_channels
	    && hold_for_lookup(g, node_id, msg, len))
		return GOSSIP_ACCEPTED;
	if (v.action != GOSSIP_ACCEPT)
		return v;
	is_spam = graph_node_announcement_is_spam(g->graph, node_id, info.m->timestamp);
	if (graph_get_node(g->graph, node_id, &node) && node.has_announcement)
		old = node.announcement;
	id = gossip_write_node(g, node_id, msg, len);
	graph_set_node_announcement(g->graph, node_id, info.m->timestamp,
				    info.has_unknown_even_features, info.is_forwardable, id);
	if (old != GRAPH_NO_REF)
		gossip_write_delete(g, old);
	if (is_us(g, node_id) || (!is_spam && info.is_forwardable))
		gossip_queue_add(g, id, WIRE_NODE_ANNOUNCEMENT, (struct short_channel_id){0},
				 info.m->timestamp, origin, is_us(g, node_id));
	msg_node_announcement_free(info.m);
	node_addresses_clear(&info.addrs);
	return v;
}

struct gossip_verdict gossip_receive(struct gossip *g, struct peer *peer,
				     const uint8_t origin[PUBKEY_CMPR_LEN],
				     const uint8_t *msg, size_t len)
{
	uint16_t type;

	(void)peer;
	if (!fromwire_peektype(msg, len, &type))
		return gossip_verdict(GOSSIP_CLOSE, "message has no type");
	switch (type) {
	case WIRE_CHANNEL_ANNOUNCEMENT:
		return receive_announcement(g, origin, msg, len);
	case WIRE_CHANNEL_UPDATE:
		return receive_update(g, origin, msg, len);
	case WIRE_NODE_ANNOUNCEMENT:
		return receive_node(g, origin, msg, len);
	}
	return gossip_verdict(GOSSIP_IGNORE, "not a gossip message");
}
