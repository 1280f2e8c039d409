/* One connection to another Lightning node: the BOLT #8 handshake, the
 * encrypted message stream, and the BOLT #1 messages every connection
 * carries (init, ping/pong, error, warning).
 *
 * A peer moves through CONNECTING (outgoing TCP), HANDSHAKE, AWAITING_INIT
 * and ACTIVE.  Anything a peer sends that breaks the spec ends that
 * connection only: peer_close() logs why, tells whoever waited on the
 * peer, and frees it.  After a function here returns false the peer is gone.
 */
#ifndef OHM_DAEMON_PEER_H
#define OHM_DAEMON_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <event2/util.h>

#include "crypto/cryptomsg.h"
#include "crypto/handshake.h"
#include "crypto/types.h"
#include "daemon/netaddr.h"

struct addrinfo;
struct bufferevent;
struct event;
struct featurebits;
struct peer_manager;
struct rpc_request;

enum peer_phase {
	PEER_CONNECTING,	/* outgoing: TCP connect in progress */
	PEER_HANDSHAKE,		/* BOLT #8 acts */
	PEER_AWAITING_INIT,	/* encrypted; waiting for their init */
	PEER_ACTIVE,		/* init exchanged */
};

/* An RPC waiting on a peer: a `connect` waits for ACTIVE, a `ping` for
 * its pong. */
struct peer_waiter {
	struct rpc_request *request;
	uint16_t pong_len;		/* for pings: the pong's expected length */
	struct peer_waiter *next;
};

/* A name lookup for an outgoing connection.  The peer NULLs dial->peer if
 * it goes away first, so a late answer finds nobody to dial for. */
struct dial {
	struct peer *peer;
	uint16_t port;
};

struct peer {
	struct peer_manager *manager;
	struct bufferevent *bev;
	enum peer_phase phase;
	bool is_outgoing;
	bool is_closing;		/* flushing a last warning, then gone */

	/* Known from the start for outgoing, after act three for incoming. */
	bool has_node_id;
	struct pubkey node_id;
	uint8_t node_id_bytes[PUBKEY_CMPR_LEN];
	char node_id_hex[2 * PUBKEY_CMPR_LEN + 1];
	char address[NETADDR_HOST_MAX + 10];	/* "host:port" as dialled or seen */
	char remote_host[NETADDR_HOST_MAX + 1];	/* numeric address of the other end */
	uint16_t remote_port;
	bool is_ipv6;
	char dial_host[NETADDR_HOST_MAX + 1];	/* outgoing: the host asked for */

	struct handshake handshake;
	struct crypto_state crypto;
	bool has_header;		/* read a frame header; body pending */
	uint16_t body_len;

	struct featurebits *their_features;

	struct event *deadline;		/* connect + handshake + init timeout */
	struct event *ping_timer;
	struct event *close_timer;	/* a closing peer that will not read */
	struct peer_waiter *connect_waiters;
	struct peer_waiter *pongs, **pongs_tail;	/* pings in flight, in order */
	unsigned pings_unanswered;	/* our automatic pings */

	struct evutil_addrinfo *addrs, *next_addr;	/* outgoing candidates */
	struct dial *dial;		/* name lookup in progress */
	struct peer *prev, *next;
};

/* An incoming connection on fd, from addr. */
struct peer *peer_new_incoming(struct peer_manager *manager, int fd,
			       const struct sockaddr *addr, socklen_t addr_len);

/* An outgoing connection to node_id at host:port; peer_dial() starts it. */
struct peer *peer_new_outgoing(struct peer_manager *manager,
			       const struct pubkey *node_id, const char *host,
			       uint16_t port);

/* Starts dialling the resolved addresses (taken over by the peer). */
bool peer_dial(struct peer *peer, struct evutil_addrinfo *addrs);

/* Encrypts and queues msg.  Returns false if the peer cannot send. */
bool peer_send(struct peer *peer, const uint8_t *msg, size_t len);

/* Sends ping with num_pong_bytes and ignored_len; request (may be NULL)
 * is answered with totlen when the pong arrives. */
bool peer_send_ping(struct peer *peer, uint16_t num_pong_bytes,
		    uint16_t ignored_len, struct rpc_request *request);

/* Ends the connection now: logs reason, fails waiters, frees the peer. */
void peer_close(struct peer *peer, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sends a `warning` with the text, then closes once it has been sent. */
void peer_warn_and_close(struct peer *peer, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads nothing more and closes once what is queued (a channel's
 * `warning`) has been sent. */
void peer_close_once_sent(struct peer *peer);

/* "in" or "out", as Core Lightning's connect reports it. */
const char *peer_direction(const struct peer *peer);

#endif /* OHM_DAEMON_PEER_H */
