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
#include "common/netaddr.h"
#include "daemon/net/peers.h"
#include "wire/features.h"

/* What a peer may make us hold (issue 10: a ping flood that never read its
 * pongs grew ohmd to 1.3 GB).
 *
 * Pings: BOLT #1 asks every ping below 65532 pong bytes to be answered and
 * recommends "limited precautions" against flooding.  As LND does, each
 * peer has a token bucket: PEER_PING_TOKENS_PER_SEC refill it up to
 * PEER_PING_BURST; a ping costs one token plus one per
 * PEER_PING_BYTES_PER_TOKEN pong bytes it asks for (a largest pong costs
 * 8).  Every ping within the budget is answered; a peer that exhausts it is
 * warned and disconnected, never quietly left without a pong.
 *
 * Output: once more than PEER_OUTPUT_HIGH_WATER bytes wait to be sent we
 * stop reading from the peer (what it sends waits in the kernel) until the
 * queue drains to PEER_OUTPUT_LOW_WATER.  Messages we send unprompted (a
 * forward, a channel update) are never dropped one by one: past
 * PEER_OUTPUT_MAX, or when the peer accepts nothing for the write timeout,
 * the connection goes, and channel_reestablish retransmits what was lost. */
#define PEER_PING_TOKENS_PER_SEC 10
#define PEER_PING_BURST 200
#define PEER_PING_BYTES_PER_TOKEN 8192
#define PEER_OUTPUT_HIGH_WATER (256 * 1024)
#define PEER_OUTPUT_LOW_WATER (64 * 1024)
#define PEER_OUTPUT_MAX (16 * 1024 * 1024)

struct addrinfo;
struct bufferevent;
struct event;
struct featurebits;
struct peer_manager;

enum peer_phase {
	PEER_CONNECTING,	/* outgoing: TCP connect in progress */
	PEER_HANDSHAKE,		/* BOLT #8 acts */
	PEER_AWAITING_INIT,	/* encrypted; waiting for their init */
	PEER_ACTIVE,		/* init exchanged */
};

/* A pong's outcome: its whole length (err NULL), or why none came. */
typedef void (*peer_pong_done)(void *arg, size_t totlen, const char *err);

/* Someone waiting on a peer: a `connect` waits for ACTIVE, a `ping` for
 * its pong.  No callback: an automatic ping, or a redial. */
struct peer_waiter {
	peer_connect_done connected;
	peer_pong_done ponged;
	void *arg;
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
	bool is_overflowing;		/* closing: output passed PEER_OUTPUT_MAX */
	bool is_read_paused;		/* output over the high-water mark */

	/* Known from the start for outgoing, after act three for incoming. */
	bool has_node_id;
	struct pubkey node_id;
	uint8_t node_id_bytes[PUBKEY_CMPR_LEN];
	char node_id_hex[2 * PUBKEY_CMPR_LEN + 1];
	char address[NETADDR_HOST_MAX + 10];	/* "host:port" as dialled or seen */
	char remote_host[NETADDR_HOST_MAX + 1];	/* numeric address of the other end */
	uint16_t remote_port;
	bool is_ipv6;
	/* Whose share of the unauthenticated slots this connection takes: the
	 * IPv4 address, or the IPv6 /64 (one host's usual allocation). */
	uint8_t source_group[1 + 8];
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
	uint64_t ping_budget;		/* thousandths of a token */
	uint64_t ping_budget_msec;	/* when it was last refilled */

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

/* Encrypts and queues msg.  Returns false if the peer cannot send: it is
 * closing, or its output would pass PEER_OUTPUT_MAX (then it closes on the
 * next turn of the loop, so the caller may still use it now). */
bool peer_send(struct peer *peer, const uint8_t *msg, size_t len);

/* Sends ping with num_pong_bytes and ignored_len; done(arg, totlen, NULL)
 * (done may be NULL) when the pong arrives, at once with 0 if none is
 * asked for, or done(arg, 0, why) if the peer goes first.  False (done not
 * called) if the ping cannot be sent. */
bool peer_send_ping(struct peer *peer, uint16_t num_pong_bytes, uint16_t ignored_len,
		    peer_pong_done done, void *arg);

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

/* Whether feature is negotiated on this connection (BOLT #9): both sides
 * offered it in init.  False before the peer's init. */
bool peer_negotiated(const struct peer *peer, enum feature feature);

#endif /* OHM_DAEMON_PEER_H */
