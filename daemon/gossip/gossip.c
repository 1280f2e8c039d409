/* The gossip subsystem (gossip.h): set-up, loading the store into the
 * graph, our own gossip, the chain's news, the peer listener. */
#include "daemon/gossip/gossip_internal.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/byteset.h"
#include "daemon/chain/chain.h"
#include "daemon/config.h"
#include "daemon/gossip/gossip_store.h"
#include "daemon/log.h"
#include "db/db.h"
#include "daemon/net/peer.h"
#include "daemon/net/peers.h"
#include "gossip/channel_announcement.h"
#include "wire/peer_wire.h"

#define OUTPOINT_KEY_LEN (32 + 4)

uint32_t gossip_now(void)
{
	return (uint32_t)time(NULL);
}

static void outpoint_key(uint8_t key[OUTPOINT_KEY_LEN], const struct bitcoin_txid *txid,
			 uint32_t vout)
{
	memcpy(key, txid->shad.sha.u8, 32);
	key[32] = (uint8_t)vout;
	key[33] = (uint8_t)(vout >> 8);
	key[34] = (uint8_t)(vout >> 16);
	key[35] = (uint8_t)(vout >> 24);
}

/* ---- Loading the store ---- */

struct load_state {
	struct gossip *g;
	size_t channels, updates, nodes, dropped;
};

static bool load_row(void *arg, const struct gossip_store_row *row)
{
	struct load_state *st = arg;
	struct gossip *g = st->g;

	if (row->id >= g->next_id)
		g->next_id = row->id + 1;

	switch (row->type) {
	case WIRE_CHANNEL_ANNOUNCEMENT: {
		struct msg_channel_announcement *ann;
		uint8_t key[OUTPOINT_KEY_LEN];

		if (!fromwire_channel_announcement(row->msg, row->len, &ann)
		    || graph_channel_known(g->graph, row->scid, ann->node_id_1.bytes,
					   ann->node_id_2.bytes) != GRAPH_UNKNOWN) {
			if (ann)
				msg_channel_announcement_free(ann);
			st->dropped++;
			return true;
		}
		/* The checks passed when it was stored (gossip_receive). */
		graph_add_channel(g->graph, row->scid, ann->node_id_1.bytes, ann->node_id_2.bytes,
				  row->amount_sat, !channel_announcement_has_unknown_even_features(ann),
				  row->id, gossip_now());
		if (row->spent_height)
			graph_mark_spent(g->graph, row->scid, row->spent_height);
		outpoint_key(key, &row->funding_txid, short_channel_id_outnum(&row->scid));
		byteset_put(g->funding_outpoints, key, row->scid.u64);
		msg_channel_announcement_free(ann);
		st->channels++;
		return true;
	}
	case WIRE_CHANNEL_UPDATE: {
		struct msg_channel_update *m;
		struct channel_update_info info = {0};
		struct graph_channel chan;

		if (!fromwire_channel_update(row->msg, row->len, &m)
		    || !graph_get_channel(g->graph, m->short_channel_id, &chan)) {
			if (m)
				msg_channel_update_free(m);
			st->dropped++;
			return true;
		}
		info.m = *m;
		msg_channel_update_free(m);
		info.direction = info.m.channel_flags & CHANNEL_UPDATE_DIRECTION;
		info.checksum = channel_update_checksum(row->msg, row->len);
		/* As channel_update_check_gossip() decides it. */
		info.is_routable = info.m.htlc_maximum_msat >= info.m.htlc_minimum_msat
			&& (chan.capacity_sat > UINT64_MAX / 1000
			    || info.m.htlc_maximum_msat <= chan.capacity_sat * 1000);
		graph_set_update(g->graph, &info, row->id);
		st->updates++;
		return true;
	}
	case WIRE_NODE_ANNOUNCEMENT: {
		struct msg_node_announcement *m;
		struct node_addresses addrs = {0};
		const char *why;
		bool is_forwardable;

		if (!fromwire_node_announcement(row->msg, row->len, &m)) {
			st->dropped++;
			return true;
		}
		is_forwardable = node_addresses_parse(&addrs, m->addresses, m->addrlen, &why)
			&& !addrs.has_several_dns;
		node_addresses_clear(&addrs);
		if (graph_set_node_announcement(g->graph, m->node_id.bytes, m->timestamp,
						node_announcement_has_unknown_even_features(m),
						is_forwardable, row->id))
			st->nodes++;
		else
			st->dropped++;
		msg_node_announcement_free(m);
		return true;
	}
	}
	st->dropped++;
	return true;
}

/* ---- The chain's news ---- */

/* A block: funding outputs it spends are marked; then the graph is
 * pruned (spent long enough ago, or stale). */
static bool block_connected(void *arg, uint32_t height, const struct bitcoin_blkid *hash,
			    const struct bitcoin_block *block, char *err, size_t errlen)
{
	struct gossip *g = arg;
	struct short_channel_id *removed = NULL;
	size_t num_removed;

	(void)hash;
	/* Into this block's transaction, so the rows below find theirs. */
	if (!gossip_flush_into_open(g)) {
		snprintf(err, errlen, "gossip store: %s", db_errmsg(g->setup.db));
		return false;
	}
	for (size_t t = 0; t < block->num_txs; t++) {
		const struct bitcoin_tx *tx = block->txs[t];
		for (size_t i = 0; i < tx->num_inputs; i++) {
			uint8_t key[OUTPOINT_KEY_LEN];
			struct short_channel_id scid;

			outpoint_key(key, &tx->inputs[i].prevout.txid, tx->inputs[i].prevout.vout);
			if (!byteset_get(g->funding_outpoints, key, &scid.u64))
				continue;
			if (!gossip_store_set_spent(g->setup.db, scid, height)) {
				snprintf(err, errlen, "gossip store: %s", db_errmsg(g->setup.db));
				return false;
			}
			graph_mark_spent(g->graph, scid, height);
			log_debug(g->setup.log, "gossip", "funding output of %s spent at block %u",
				  short_channel_id_to_str((char[SHORT_CHANNEL_ID_STR_MAX]){0}, &scid),
				  height);
		}
	}
	num_removed = graph_prune(g->graph, gossip_now(), height, &removed);
	for (size_t i = 0; i < num_removed; i++)
		gossip_forget_channel(g, removed[i]);
	if (num_removed)
		log_info(g->setup.log, "gossip", "pruned %zu channels at block %u", num_removed,
			 height);
	free(removed);
	return true;
}

static void unspend(void *arg, struct short_channel_id scid)
{
	struct gossip *g = arg;

	graph_unmark_spent(g->graph, scid);
	if (!gossip_store_set_spent(g->setup.db, scid, 0))
		log_broken(g->setup.log, "gossip", "cannot store a channel unspent: %s",
			   db_errmsg(g->setup.db));
}

/* A block left the chain: the spends it held are undone (what was pruned
 * meanwhile is gone; gossip brings it back). */
static bool block_disconnected(void *arg, uint32_t height, char *err, size_t errlen)
{
	struct gossip *g = arg;

	if (!gossip_flush_into_open(g)
	    || !gossip_store_spent_at(g->setup.db, height, unspend, g)) {
		snprintf(err, errlen, "gossip store: %s", db_errmsg(g->setup.db));
		return false;
	}
	return true;
}

void gossip_forget_channel(struct gossip *g, struct short_channel_id scid)
{
	struct msg_channel_announcement *ann;
	struct bitcoin_txid txid;
	uint8_t *msg;
	size_t len;

	/* The announcement row tells the outpoint and the nodes. */
	if (gossip_store_channel(g->setup.db, scid, &msg, &len, &txid)) {
		uint8_t key[OUTPOINT_KEY_LEN];

		outpoint_key(key, &txid, short_channel_id_outnum(&scid));
		byteset_del(g->funding_outpoints, key);
		if (fromwire_channel_announcement(msg, len, &ann)) {
			struct graph_node node;
			if (!graph_get_node(g->graph, ann->node_id_1.bytes, &node))
				gossip_store_delete_node(g->setup.db, ann->node_id_1.bytes);
			if (!graph_get_node(g->graph, ann->node_id_2.bytes, &node))
				gossip_store_delete_node(g->setup.db, ann->node_id_2.bytes);
			msg_channel_announcement_free(ann);
		}
		free(msg);
	}
	if (!gossip_store_delete_channel(g->setup.db, scid))
		log_broken(g->setup.log, "gossip", "cannot delete a pruned channel: %s",
			   db_errmsg(g->setup.db));
}

void gossip_note_funding(struct gossip *g, struct short_channel_id scid,
			 const struct bitcoin_txid *txid)
{
	uint8_t key[OUTPOINT_KEY_LEN];

	outpoint_key(key, txid, short_channel_id_outnum(&scid));
	byteset_put(g->funding_outpoints, key, scid.u64);
}

/* ---- Peers ---- */

struct gossip_peer *gossip_peer_find(struct gossip *g, const struct peer *peer)
{
	for (struct gossip_peer *gp = g->peers; gp; gp = gp->next)
		if (gp->peer == peer)
			return gp;
	return NULL;
}

static void on_peer_active(void *arg, struct peer *peer)
{
	struct gossip *g = arg;
	struct gossip_peer *gp = oh_calloc(1, sizeof(*gp));

	gp->peer = peer;
	memcpy(gp->node_id, peer->node_id_bytes, PUBKEY_CMPR_LEN);
	gp->next = g->peers;
	g->peers = gp;
	gossip_sync_start(g, gp);
}

static void on_peer_gone(void *arg, struct peer *peer)
{
	struct gossip *g = arg;

	for (struct gossip_peer **p = &g->peers; *p; p = &(*p)->next) {
		if ((*p)->peer == peer) {
			struct gossip_peer *gp = *p;
			*p = gp->next;
			gossip_sync_stop(g, gp);
			free(gp);
			return;
		}
	}
}

bool gossip_act_on(struct gossip *g, struct peer *peer, uint16_t type,
		   struct gossip_verdict v)
{
	switch (v.action) {
	case GOSSIP_ACCEPT:
	case GOSSIP_DEFER:
		return true;
	case GOSSIP_IGNORE:
		log_debug(g->setup.log, "gossip", "%s: ignoring %s: %s", peer->node_id_hex,
			  peer_wire_name(type), v.reason);
		return true;
	case GOSSIP_WARN: {
		struct wirebuf *w = towire_warning_text(NULL, v.reason);
		log_unusual(g->setup.log, "gossip", "%s: %s: %s", peer->node_id_hex,
			    peer_wire_name(type), v.reason);
		bool ok = peer_send(peer, w->data, w->len);
		wirebuf_free(w);
		if (!ok) {
			peer_close(peer, "cannot send warning");
			return false;
		}
		return true;
	}
	case GOSSIP_CLOSE:
		peer_warn_and_close(peer, "%s: %s", peer_wire_name(type), v.reason);
		return false;
	}
	return true;
}

static bool on_peer_message(void *arg, struct peer *peer, uint16_t type, const uint8_t *msg,
			    size_t len)
{
	struct gossip *g = arg;
	struct gossip_peer *gp = gossip_peer_find(g, peer);

	if (!gp)
		return true;
	switch ((enum peer_wire)type) {
	case WIRE_CHANNEL_ANNOUNCEMENT:
	case WIRE_CHANNEL_UPDATE:
	case WIRE_NODE_ANNOUNCEMENT:
		return gossip_act_on(g, peer, type, gossip_receive(g, peer, gp->node_id, msg, len));
	default:
		return gossip_query_message(g, gp, type, msg, len);
	}
}

static const struct peer_gossip_listener gossip_peer_listener = {
	.active = on_peer_active,
	.gone = on_peer_gone,
	.message = on_peer_message,
};

/* ---- The relay queue ---- */

void gossip_queue_add(struct gossip *g, graph_ref ref, uint16_t type,
		      struct short_channel_id scid, uint32_t timestamp,
		      const uint8_t origin[PUBKEY_CMPR_LEN], bool is_own)
{
	struct gossip_queued *q;

	if (g->num_queued == g->queue_cap) {
		g->queue_cap = g->queue_cap ? g->queue_cap * 2 : 64;
		g->queue = oh_realloc(g->queue, g->queue_cap * sizeof(*g->queue));
	}
	q = &g->queue[g->num_queued++];
	q->ref = ref;
	q->type = type;
	q->scid = scid;
	q->timestamp = timestamp;
	memcpy(q->origin, origin, PUBKEY_CMPR_LEN);
	q->is_own = is_own;
	/* Ours goes out in the next turn of the event loop (with whatever
	 * else is queued): a peer should not wait a broadcast period for
	 * the announcement of a channel it has with us. */
	if (is_own && g->own_timer) {
		struct timeval now = {0, 0};
		evtimer_add(g->own_timer, &now);
	}
}

bool gossip_send_ref(struct gossip *g, struct peer *peer, graph_ref ref)
{
	uint8_t *msg;
	size_t len;
	bool ok;

	/* Persist, then send. */
	if (g->num_writes && !gossip_flush(g))
		return true;
	if (!gossip_store_get(g->setup.db, ref, &msg, &len))
		return true;	/* replaced since: the newer one is queued */
	ok = peer_send(peer, msg, len);
	free(msg);
	return ok;
}

static void on_own_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gossip_broadcast(arg);
}

static void on_broadcast_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gossip *g = arg;

	(void)fd;
	(void)what;
	gossip_broadcast(g);
	gossip_sync_check_stalled(g);
	gossip_pending_expire(g->pending, gossip_now(), GOSSIP_PENDING_SECONDS);
}

/* ---- Set-up ---- */

struct gossip *gossip_new(const struct gossip_setup *setup, char *err, size_t errlen)
{
	struct gossip *g = oh_calloc(1, sizeof(*g));
	struct load_state st = { .g = g };
	struct chain_listener listener = {
		.arg = g,
		.block_connected = block_connected,
		.block_disconnected = block_disconnected,
	};

	g->setup = *setup;
	g->next_id = 1;
	memcpy(g->chain_hash.bytes, setup->config->chainparams->chain_hash, 32);
	g->graph = graph_new();
	g->pending = gossip_pending_new(GOSSIP_PENDING_MAX);
	g->keys = pubkey_cache_new(12);
	g->funding_outpoints = byteset_new(OUTPOINT_KEY_LEN);
	g->funding_cache = oh_calloc(GOSSIP_FUNDING_CACHE, sizeof(*g->funding_cache));
	g->broadcast_secs = setup->config->dev_gossip_interval_secs
		? setup->config->dev_gossip_interval_secs : GOSSIP_BROADCAST_SECS;
	if (!gossip_store_load(setup->db, load_row, &st)) {
		snprintf(err, errlen, "cannot load the gossip store: %s", db_errmsg(setup->db));
		gossip_free(g);
		return NULL;
	}
	log_info(setup->log, "gossip", "loaded %zu channels, %zu updates, %zu nodes%s",
		 st.channels, st.updates, st.nodes, st.dropped ? " (some rows unusable)" : "");
	chain_add_listener(setup->chain, &listener);
	peer_manager_set_gossip_listener(setup->peers, &gossip_peer_listener, g);
	return g;
}

void gossip_start(struct gossip *g)
{
	struct timeval tv = { .tv_sec = g->broadcast_secs };

	g->broadcast_timer = event_new(g->setup.base, -1, EV_PERSIST, on_broadcast_timer, g);
	g->own_timer = evtimer_new(g->setup.base, on_own_timer, g);
	if (!g->broadcast_timer || !g->own_timer)
		abort();
	event_add(g->broadcast_timer, &tv);
}

void gossip_free(struct gossip *g)
{
	if (!g)
		return;
	while (g->peers) {
		struct gossip_peer *gp = g->peers;
		g->peers = gp->next;
		gossip_sync_stop(g, gp);
		free(gp);
	}
	if (g->broadcast_timer)
		event_free(g->broadcast_timer);
	if (g->own_timer)
		event_free(g->own_timer);
	gossip_lookups_free(g);
	gossip_batch_free(g);
	while (g->own_held) {
		struct gossip_own_held *h = g->own_held;
		g->own_held = h->next;
		free(h->msg);
		free(h);
	}
	graph_free(g->graph);
	gossip_pending_free(g->pending);
	pubkey_cache_free(g->keys);
	byteset_free(g->funding_outpoints);
	free(g->funding_cache);
	free(g->queue);
	free(g);
}

/* ---- For the RPC and the channels ---- */

const struct graph *gossip_graph(const struct gossip *g)
{
	return g->graph;
}

bool gossip_get_message(struct gossip *g, graph_ref ref, uint8_t **msg, size_t *len)
{
	return gossip_read(g, ref, msg, len);
}

bool gossip_node_address(struct gossip *g, const uint8_t node_id[PUBKEY_CMPR_LEN],
			 char *host, size_t hostlen, uint16_t *port)
{
	struct graph_node node;
	struct msg_node_announcement *m;
	struct node_addresses addrs = {0};
	const char *why;
	uint8_t *msg;
	size_t len;
	bool found = false;

	if (!graph_get_node(g->graph, node_id, &node) || !node.has_announcement
	    || !gossip_read(g, node.announcement, &msg, &len))
		return false;
	if (fromwire_node_announcement(msg, len, &m)) {
		node_addresses_parse(&addrs, m->addresses, m->addrlen, &why);
		for (size_t i = 0; i < addrs.num && !found; i++) {
			const struct node_address *a = &addrs.addrs[i];
			if (a->type != NODE_ADDRESS_IPV4 && a->type != NODE_ADDRESS_IPV6
			    && a->type != NODE_ADDRESS_DNS)
				continue;
			found = node_address_host(a, host, hostlen);
			*port = a->port;
		}
		node_addresses_clear(&addrs);
		msg_node_announcement_free(m);
	}
	free(msg);
	return found;
}
