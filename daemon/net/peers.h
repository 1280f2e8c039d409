/* The peer manager: listens on every --addr, dials out for `connect`,
 * keeps the set of live connections (one per node: a newer connection
 * replaces an older one), bounds the inbound connections a stranger can
 * hold (below), and remembers peers and their last address in the database.
 */
#ifndef OHM_DAEMON_PEERS_H
#define OHM_DAEMON_PEERS_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

struct channel_id;
struct config;
struct db;
struct event_base;
struct featurebits;
struct log;
struct peer;
struct peer_manager;

/* Timeouts and limits; the dev- options shorten them for tests. */
#define PEER_HANDSHAKE_TIMEOUT_SECS 30
#define PEER_PING_INTERVAL_SECS 60
/* A peer that accepts none of what we send for this long does not read:
 * it is dropped (libevent's write timeout: no progress while output waits). */
#define PEER_WRITE_TIMEOUT_SECS 60

/* Inbound connections (issue 10: 64 idle sockets once locked every peer out).
 *
 * Until act three tells us who it is, an incoming connection is
 * unauthenticated.  At most PEER_MAX_UNAUTHENTICATED_PER_SOURCE come from
 * one source (an IPv4 address, an IPv6 /64) and PEER_MAX_UNAUTHENTICATED in
 * all; a new connection over either limit evicts the oldest one (of its
 * source; overall, the oldest of the source holding the most), so the newest
 * always gets its chance.  After the handshake it no longer counts here.
 * A node we have no channel with then takes one of
 * PEER_MAX_INBOUND_WITHOUT_CHANNEL slots (oldest evicted the same way); a
 * node we have a channel with takes none, so no stranger can keep it out.
 *
 * What an attacker with many addresses (e.g. all of 127.0.0.0/8, or many
 * /64s) can still do: open connections faster than PEER_MAX_UNAUTHENTICATED
 * per handshake time of a real peer (1.5 round trips), so that every real
 * handshake is evicted before it completes; a slower attacker delays no
 * one.  Completing handshakes with fresh keys, it can hold at most
 * PEER_MAX_INBOUND_WITHOUT_CHANNEL connections, and churning them costs it
 * a handshake each; our channel peers are never among the evicted.  So a
 * stranger holds at most 64 + 128 sockets and, with the output limits of
 * peer.h, about 192 x 400 KiB (75 MiB) of memory. */
#define PEER_MAX_UNAUTHENTICATED 64
#define PEER_MAX_UNAUTHENTICATED_PER_SOURCE 4
#define PEER_MAX_INBOUND_WITHOUT_CHANNEL 128

/* What the peer layer needs from the daemon: the event loop, the log, the
 * database (the peers table), the configuration (addresses to listen on,
 * chain, dev- timeouts) and the node's key (for the handshake).  All are
 * the caller's and outlive the manager. */
struct peer_manager_setup {
	struct event_base *base;
	struct log *log;
	struct db *db;
	const struct config *config;
	const secp256k1_context *secp;
	const uint8_t *node_secret;	/* 32 bytes */
};

/* Starts listening on the configured addresses.  NULL with err on failure
 * (an address that cannot be bound is a start-up error). */
struct peer_manager *peer_manager_new(const struct peer_manager_setup *setup,
				      char *err, size_t errlen);

/* What a peer's channel messages mean to the layer above (the channels),
 * which registers these once at start-up: the peer layer never calls up.
 * Until then a listener that knows no channel stands in. */
enum peer_verdict {
	PEER_HANDLED,			/* the connection goes on */
	PEER_UNKNOWN_CHANNEL,		/* no such channel with this peer */
	PEER_WAS_CLOSED,		/* the peer was closed (and freed) */
};

struct peer_listener {
	/* The peer finished init. */
	void (*active)(void *arg, struct peer *peer);
	/* An active peer's connection is going away (peer is still valid
	 * but can no longer send). */
	void (*gone)(void *arg, struct peer *peer);
	/* A BOLT #2 message (open_channel ... channel_reestablish). */
	enum peer_verdict (*message)(void *arg, struct peer *peer, uint16_t type,
				     const uint8_t *msg, size_t len);
	/* The peer sent a channel_update. */
	void (*update)(void *arg, struct peer *peer, const uint8_t *msg, size_t len);
	/* The peer sent `error` for channel_id (NULL: all zero). */
	void (*error)(void *arg, struct peer *peer, const struct channel_id *channel_id,
		      const char *text);
	/* Whether we have a channel (pending, active or inactive) with
	 * node_id: such a peer takes no stranger's slot (above). */
	bool (*has_channel)(void *arg, const uint8_t node_id[PUBKEY_CMPR_LEN]);
};

/* Registers the listener (kept by pointer) and its arg. */
void peer_manager_set_listener(struct peer_manager *manager,
			       const struct peer_listener *listener, void *arg);

/* What a peer's BOLT #7 gossip means to the gossip layer, which
 * registers it at start-up (until then gossip is ignored).  active and
 * gone come after the peer_listener's. */
struct peer_gossip_listener {
	void (*active)(void *arg, struct peer *peer);
	void (*gone)(void *arg, struct peer *peer);
	/* channel_announcement, node_announcement, channel_update (after
	 * the peer_listener's update), the queries and their replies,
	 * gossip_timestamp_filter.  Returns false if it closed the peer. */
	bool (*message)(void *arg, struct peer *peer, uint16_t type, const uint8_t *msg,
			size_t len);
};

/* Registers the gossip listener (kept by pointer) and its arg. */
void peer_manager_set_gossip_listener(struct peer_manager *manager,
				      const struct peer_gossip_listener *listener, void *arg);

/* The gossip listener and its arg (for peer.c); NULL if none. */
const struct peer_gossip_listener *peer_manager_gossip_listener(const struct peer_manager *manager,
								void **arg);

/* The registered listener and its arg (for peer.c); never NULL. */
const struct peer_listener *peer_manager_listener(const struct peer_manager *manager,
						  void **arg);

/* For peer.c: what the manager was set up with. */
const struct peer_manager_setup *peer_manager_setup(const struct peer_manager *manager);

/* Closes every connection and listener. */
void peer_manager_free(struct peer_manager *manager);

/* The features we send in init. */
const struct featurebits *peer_manager_our_features(const struct peer_manager *manager);

/* Connected (init exchanged) peers, and iteration over them. */
size_t peer_manager_num_active(const struct peer_manager *manager);
struct peer *peer_manager_first(const struct peer_manager *manager);
struct peer *peer_manager_next(const struct peer *peer);

/* The live connection to node_id (any phase), or NULL. */
struct peer *peer_manager_find(const struct peer_manager *manager,
			       const uint8_t node_id[PUBKEY_CMPR_LEN]);

/* The sockets we listen on, for getinfo's "binding": fills up to max,
 * oldest (as configured) first; returns how many there are. */
struct peer_binding {
	bool is_ipv6;
	char address[46];		/* numeric (INET6_ADDRSTRLEN) */
	uint16_t port;
};
size_t peer_manager_bindings(const struct peer_manager *manager, struct peer_binding *out,
			     size_t max);

/* Why a connect failed (Core Lightning's codes 400, 401 and 402). */
enum peer_connect_failure {
	PEER_CONNECT_NO_ADDRESS,	/* no host given, none stored */
	PEER_CONNECT_UNREACHABLE,	/* every address failed */
	PEER_CONNECT_DISCONNECTED,	/* it went away during the handshake */
};

/* A connect's outcome: peer once it is ACTIVE (err NULL), or the failure
 * and why.  Called once; may be called before peer_manager_connect
 * returns. */
typedef void (*peer_connect_done)(void *arg, const struct peer *peer,
				  enum peer_connect_failure failure, const char *err);

/* `connect`: done(arg, ...) once the peer is ACTIVE or has failed.  host
 * NULL means the last address stored for the peer.  done NULL: nobody
 * waits (the channels redialling a peer). */
void peer_manager_connect(struct peer_manager *manager, const struct pubkey *node_id,
			  const char *host, uint16_t port, peer_connect_done done, void *arg);

/* Hooks from peer.c. */
void peer_manager_add(struct peer_manager *manager, struct peer *peer);
void peer_manager_remove(struct peer_manager *manager, struct peer *peer);
/* The handshake told us who an incoming peer is: drops any older
 * connection to the same node.  */
void peer_manager_identified(struct peer_manager *manager, struct peer *peer);
/* init exchanged: record the peer, answer connect waiters. */
void peer_manager_activated(struct peer_manager *manager, struct peer *peer);

unsigned peer_manager_handshake_timeout(const struct peer_manager *manager);
unsigned peer_manager_ping_interval(const struct peer_manager *manager);
unsigned peer_manager_write_timeout(const struct peer_manager *manager);

#endif /* OHM_DAEMON_PEERS_H */
