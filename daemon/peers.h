/* The peer manager: listens on every --addr, dials out for `connect`,
 * keeps the set of live connections (one per node: a newer connection
 * replaces an older one), bounds the inbound connections a stranger can
 * hold (below), and remembers peers and their last address in the database.
 */
#ifndef OHM_DAEMON_PEERS_H
#define OHM_DAEMON_PEERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

struct featurebits;
struct ohmd;
struct peer;
struct peer_manager;
struct rpc_request;

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

/* Starts listening on the configured addresses.  NULL with err on failure
 * (an address that cannot be bound is a start-up error). */
struct peer_manager *peer_manager_new(struct ohmd *ohmd, char *err, size_t errlen);

/* Closes every connection and listener. */
void peer_manager_free(struct peer_manager *manager);

struct ohmd *peer_manager_ohmd(const struct peer_manager *manager);

/* The features we send in init. */
const struct featurebits *peer_manager_our_features(const struct peer_manager *manager);

/* Connected (init exchanged) peers, and iteration over them. */
size_t peer_manager_num_active(const struct peer_manager *manager);
struct peer *peer_manager_first(const struct peer_manager *manager);
struct peer *peer_manager_next(const struct peer *peer);

/* The live connection to node_id (any phase), or NULL. */
struct peer *peer_manager_find(const struct peer_manager *manager,
			       const uint8_t node_id[PUBKEY_CMPR_LEN]);

/* The sockets we listen on, for getinfo's "binding". */
json_t *peer_manager_bindings_json(const struct peer_manager *manager);

/* `connect`: answers request once the peer is ACTIVE or has failed.  host
 * NULL means the last address stored for the peer.  request NULL: nobody
 * waits (the channels redialling a peer). */
void peer_manager_connect(struct peer_manager *manager, struct rpc_request *request,
			  const struct pubkey *node_id, const char *host, uint16_t port);

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
