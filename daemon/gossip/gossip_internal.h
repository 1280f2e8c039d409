/* What the files of daemon/gossip/ share: the subsystem's state. */
#ifndef OHM_DAEMON_GOSSIP_INTERNAL_H
#define OHM_DAEMON_GOSSIP_INTERNAL_H

#include "daemon/chain/txout.h"
#include "daemon/gossip/gossip.h"
#include "gossip/pending.h"
#include "gossip/pubkey_cache.h"
#include "gossip/query.h"

struct byteset;
struct event;

/* Bounds on what a peer can make us hold. */
/* Announcements waiting for their funding lookup: a sync brings a query's
 * worth at once (GOSSIP_SCIDS_PER_QUERY), so that many wait per peer;
 * GOSSIP_LOOKUPS_RUNNING are asked of bitcoind at a time, so its queue
 * (which the chain's polling shares) stays short. */
#define GOSSIP_LOOKUPS_MAX 8192		/* waiting or running, in all */
#define GOSSIP_LOOKUPS_PER_PEER 2048	/* ... for one peer's announcements */
#define GOSSIP_LOOKUPS_RUNNING 16
#define GOSSIP_PENDING_MAX 10000	/* updates waiting for their channel */
#define GOSSIP_FUNDING_CACHE 4096	/* funding lookups remembered */
#define GOSSIP_SCIDS_PER_QUERY 1000	/* per query_short_channel_ids we send */
#define GOSSIP_SYNC_STALL_SECS 120	/* a sync peer silent this long frees its slot */
#define GOSSIP_OWN_HELD_MAX 64		/* our own gossip waiting for our channel */
#define GOSSIP_BATCH_MSECS 100		/* accepted gossip waits this long to be written */
#define GOSSIP_BATCH_MAX 2000		/* ... or until this many rows wait */

struct gossip_write;

/* A channel_announcement that passed its checks, waiting for its
 * funding output. */
struct gossip_lookup {
	struct gossip *g;
	bool is_running;		/* asked of bitcoind */
	struct txout_lookup txout;
	uint8_t *msg;
	size_t len;
	struct short_channel_id scid;
	struct pubkey bitcoin_keys[2];
	uint8_t origin[PUBKEY_CMPR_LEN];	/* who sent it (ours: our id) */
	uint8_t node_ids[2][PUBKEY_CMPR_LEN];
	/* The nodes' node_announcements that came meanwhile (a query's
	 * reply sends them right after): tried again once it is in. */
	uint8_t *held_node[2];
	size_t held_node_len[2];
	struct gossip_lookup *next;
};

/* A lookup's answer, remembered for the same chain tip. */
struct gossip_funding_entry {
	struct short_channel_id scid;	/* 0: empty slot */
	uint32_t tip;
	struct txout_result result;
};

/* Something accepted since the last broadcast. */
struct gossip_queued {
	graph_ref ref;
	uint16_t type;
	struct short_channel_id scid;		/* 256, 258 */
	uint32_t timestamp;			/* 257, 258 */
	uint8_t origin[PUBKEY_CMPR_LEN];	/* not sent back there */
	bool is_own;
};

/* What we know of each connected peer. */
struct gossip_peer {
	struct peer *peer;
	uint8_t node_id[PUBKEY_CMPR_LEN];
	bool has_filter;		/* it sent gossip_timestamp_filter */
	struct gossip_filter filter;
	/* The queue up to here is in its dump already: not sent again
	 * (but for channel_announcements, which may have waited). */
	size_t dumped_queue;
	unsigned lookups;		/* its announcements being looked up */
	/* Our sync from it. */
	bool is_syncing;
	struct range_query range;
	struct short_channel_id *wanted;	/* to ask with query_short_channel_ids */
	uint64_t *wanted_flags;
	size_t num_wanted, wanted_cap;
	bool is_scid_query_open;	/* waiting for reply_short_channel_ids_end */
	uint32_t sync_heard_at;		/* its last reply to our sync */
	struct gossip_peer *next;
};

/* Our own update or node_announcement that came before our channel's
 * announcement was in the graph (its funding lookup is asynchronous). */
struct gossip_own_held {
	uint8_t *msg;
	size_t len;
	struct gossip_own_held *next;
};

struct gossip {
	struct gossip_setup setup;
	struct gossip_own_held *own_held;
	/* Rows not written yet (gossip_batch.c), and the next row id. */
	struct gossip_write *writes;
	size_t num_writes, writes_cap;
	uint64_t next_id;
	struct event *flush_timer;
	struct graph *graph;
	struct gossip_pending *pending;
	struct pubkey_cache *keys;
	struct byteset *funding_outpoints;	/* txid + vout (LE) -> scid */
	struct gossip_lookup *lookups;	/* oldest first */
	unsigned num_lookups, num_running;
	struct gossip_funding_entry *funding_cache;
	struct gossip_queued *queue;
	size_t num_queued, queue_cap;
	struct gossip_peer *peers;
	unsigned num_syncing;
	struct event *broadcast_timer;
	/* Our own gossip goes out at once, not at the next broadcast. */
	struct event *own_timer;
	unsigned broadcast_secs;
	struct chain_hash chain_hash;
};

/* gossip.c */
uint32_t gossip_now(void);
struct gossip_peer *gossip_peer_find(struct gossip *g, const struct peer *peer);
void gossip_queue_add(struct gossip *g, graph_ref ref, uint16_t type,
		      struct short_channel_id scid, uint32_t timestamp,
		      const uint8_t origin[PUBKEY_CMPR_LEN], bool is_own);
/* Acts on a verdict for a message of type from peer (warn, or warn and
 * close).  Returns false if the peer was closed. */
bool gossip_act_on(struct gossip *g, struct peer *peer, uint16_t type, struct gossip_verdict v);
bool gossip_send_ref(struct gossip *g, struct peer *peer, graph_ref ref);
/* Forgets a removed channel's rows and outpoint, and its nodes' rows if
 * the graph no longer has them. */
void gossip_forget_channel(struct gossip *g, struct short_channel_id scid);
/* Watches a new channel's funding outpoint for its spend. */
void gossip_note_funding(struct gossip *g, struct short_channel_id scid,
			 const struct bitcoin_txid *txid);

/* gossip_batch.c: the store's writes, batched; each returns the row id
 * the graph refers to. */
uint64_t gossip_write_channel(struct gossip *g, struct short_channel_id scid, const uint8_t *msg,
			      size_t len, uint64_t amount_sat, const struct bitcoin_txid *txid);
uint64_t gossip_write_update(struct gossip *g, struct short_channel_id scid, const uint8_t *msg,
			     size_t len);
uint64_t gossip_write_node(struct gossip *g, const uint8_t node_id[PUBKEY_CMPR_LEN],
			   const uint8_t *msg, size_t len);
void gossip_write_delete(struct gossip *g, uint64_t id);
/* Writes what waits, committed when it returns true; false (logged) on
 * a database error: the rows are lost.  _into_open: into the open
 * transaction (a block's, in the chain listener). */
bool gossip_flush(struct gossip *g);
bool gossip_flush_into_open(struct gossip *g);
/* Message id, from the batch or the store, malloc'd into *msg. */
bool gossip_read(struct gossip *g, uint64_t id, uint8_t **msg, size_t *len);
void gossip_batch_free(struct gossip *g);

/* gossip_receive.c: a message from origin (peer NULL: our own).
 * Returns the verdict acted on. */
struct gossip_verdict gossip_receive(struct gossip *g, struct peer *peer,
				     const uint8_t origin[PUBKEY_CMPR_LEN],
				     const uint8_t *msg, size_t len);
void gossip_lookups_free(struct gossip *g);
/* One of our channels entered the graph: our held gossip is tried again. */
void gossip_own_retry(struct gossip *g);

/* gossip_relay.c */
void gossip_broadcast(struct gossip *g);
/* Sends gp what passes its new filter.  Returns false if it cannot send. */
bool gossip_dump(struct gossip *g, struct gossip_peer *gp);

/* gossip_sync.c: the query messages (and our sync). */
bool gossip_query_message(struct gossip *g, struct gossip_peer *gp, uint16_t type,
			  const uint8_t *msg, size_t len);
void gossip_sync_start(struct gossip *g, struct gossip_peer *gp);
void gossip_sync_stop(struct gossip *g, struct gossip_peer *gp);
/* Gives up syncs whose peer stopped answering (each broadcast). */
void gossip_sync_check_stalled(struct gossip *g);

#endif /* OHM_DAEMON_GOSSIP_INTERNAL_H */
