/* The gossip subsystem: BOLT #7 in the daemon.  The pure checks and the
 * graph are in gossip/; this is their I/O:
 *
 *   receiving: net/ hands each peer's BOLT #7 message here
 *     (gossip_peer_listener); each check's verdict is acted on (accept,
 *     ignore, warn, or warn and close); a channel_announcement's funding
 *     output is looked up on bitcoind (chain/txout.h, asynchronous, with a
 *     cache); updates for channels not announced yet wait
 *     (gossip/pending.h) and are checked again once the announcement is
 *     accepted;
 *   storing: every accepted message, verbatim, in the gossip table
 *     (gossip_store.h) before the graph refers to it; the graph is
 *     rebuilt from the table at start-up;
 *   relaying: a staggered broadcast every GOSSIP_BROADCAST_SECS
 *     (--dev-gossip-interval): what was accepted since the last one, never
 *     back to the peer it came from, to peers that sent a
 *     gossip_timestamp_filter and only what passes it (BOLT #7 "MUST not
 *     send gossip it did not generate itself, until it receives
 *     `gossip_timestamp_filter`"); our own gossip to every peer;
 *   queries: answers query_channel_range and query_short_channel_ids;
 *     syncs from the first GOSSIP_SYNC_PEERS peers that offer
 *     gossip_queries (query_channel_range over every block, then
 *     query_short_channel_ids for what we lack or is newer);
 *   the chain: spent funding outputs are marked at each block, and the
 *     graph pruned (gossip/graph.h says when).
 */
#ifndef OHM_DAEMON_GOSSIP_H
#define OHM_DAEMON_GOSSIP_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "gossip/graph.h"

struct bitcoind;
struct chain;
struct config;
struct db;
struct event_base;
struct log;
struct peer;
struct peer_manager;

#define GOSSIP_BROADCAST_SECS 60
/* Peers we sync the whole graph from at connection. */
#define GOSSIP_SYNC_PEERS 3

struct gossip_setup {
	struct event_base *base;
	struct log *log;
	struct db *db;
	const struct config *config;
	const secp256k1_context *secp;
	struct bitcoind *bitcoind;	/* funding output lookups */
	struct chain *chain;		/* blocks: spends and pruning */
	struct peer_manager *peers;
	const uint8_t *node_id;		/* ours, 33 bytes */
};

/* Loads the graph from the gossip table and starts listening to the
 * chain and the peers.  NULL with err on a database error. */
struct gossip *gossip_new(const struct gossip_setup *setup, char *err, size_t errlen);
void gossip_free(struct gossip *g);

/* Starts the broadcast timer. */
void gossip_start(struct gossip *g);

/* Our own channel_announcement, channel_update or node_announcement
 * (msg[0..len), type included), already signed: checked like any other,
 * stored, put in the graph and sent to every peer at the next broadcast.
 * A channel_announcement's funding output is looked up first, so it
 * enters the graph a moment later; our updates and node_announcement that
 * come before (no channel of ours in the graph yet) are held until one of
 * our channels is (at most GOSSIP_OWN_HELD_MAX).  The same message again
 * is fine (nothing happens).  Returns false with err if a check refuses
 * it (a bad signature, an old timestamp, ...). */
bool gossip_add_own(struct gossip *g, const uint8_t *msg, size_t len, char *err, size_t errlen);

/* A channel_update that came back in an onion failure (BOLT #4 "if the
 * failure carries a channel_update ... SHOULD apply it"; msg[0..len),
 * type included): checked as gossip (its signature by the channel's node
 * as the graph knows it, its timestamp newer), then stored, put in the
 * graph and relayed like one from a peer.  Returns false with err if a
 * check refuses it (or it is not a channel_update). */
bool gossip_add_failure_update(struct gossip *g, const uint8_t *msg, size_t len, char *err,
			       size_t errlen);

/* The graph, for the RPC and routing (read only). */
const struct graph *gossip_graph(const struct gossip *g);

/* The stored message ref (from the graph), malloc'd into *msg.  Returns
 * false if it is not there. */
bool gossip_get_message(struct gossip *g, graph_ref ref, uint8_t **msg, size_t *len);

/* The first address node_id announces that we can dial (IPv4, IPv6 or a
 * hostname), as a host and port, for `connect id` with no host.  Returns
 * false if it announces none. */
bool gossip_node_address(struct gossip *g, const uint8_t node_id[PUBKEY_CMPR_LEN],
			 char *host, size_t hostlen, uint16_t *port);

#endif /* OHM_DAEMON_GOSSIP_H */
