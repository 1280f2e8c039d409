/* A connection to one Lightning node, on a libevent bufferevent.
 *
 * Reading is a small loop over what has arrived: in HANDSHAKE it waits for
 * a whole act (50 or 66 bytes), afterwards for an 18-byte encrypted header
 * and then the body it announces.  The input buffer is capped at one
 * largest frame, so a peer can never make us hold more than ~64 KiB of
 * input; the output is bounded as peer.h describes (backpressure, then a
 * cap and a write timeout).
 * Every failure of the peer's making ends in peer_close() or
 * peer_warn_and_close(); nothing a peer sends can affect another peer.
 */
#include "daemon/net/peer.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "daemon/log.h"
#include "daemon/config.h"
#include "daemon/net/peers.h"
#include "bitcoin/chainparams.h"
#include "wire/features.h"
#include "wire/peer_wire.h"
#include "wire/wire.h"

/* A peer that will not read our last warning is dropped after this. */
#define PEER_CLOSE_FLUSH_SECS 5

static void peer_read(struct bufferevent *bev, void *arg);
static void peer_written(struct bufferevent *bev, void *arg);
static void peer_event(struct bufferevent *bev, short events, void *arg);

static const struct peer_manager_setup *setup_of(const struct peer *peer)
{
	return peer_manager_setup(peer->manager);
}

static struct log *peer_log(const struct peer *peer)
{
	return setup_of(peer)->log;
}

static const char *peer_name(const struct peer *peer)
{
	return peer->has_node_id ? peer->node_id_hex : peer->address;
}

const char *peer_direction(const struct peer *peer)
{
	return peer->is_outgoing ? "out" : "in";
}

bool peer_negotiated(const struct peer *peer, enum feature feature)
{
	return peer->their_features
		&& feature_negotiated(peer_manager_our_features(peer->manager),
				      peer->their_features, feature);
}

static void peer_set_node_id(struct peer *peer, const struct pubkey *node_id)
{
	const secp256k1_context *secp = setup_of(peer)->secp;

	peer->node_id = *node_id;
	pubkey_serialize(secp, peer->node_id_bytes, node_id);
	hex_encode(peer->node_id_hex, peer->node_id_bytes, sizeof(peer->node_id_bytes));
	peer->has_node_id = true;
}

static void deadline_expired(evutil_socket_t fd, short events, void *arg)
{
	struct peer *peer = arg;
	static const char *const phase_names[] = {
		[PEER_CONNECTING] = "connecting",
		[PEER_HANDSHAKE] = "the handshake",
		[PEER_AWAITING_INIT] = "waiting for init",
		[PEER_ACTIVE] = "active",
	};
	peer_close(peer, "timed out after %us in %s", peer_manager_handshake_timeout(peer->manager),
		   phase_names[peer->phase]);
}

static void close_timer_expired(evutil_socket_t fd, short events, void *arg)
{
	struct peer *peer = arg;

	if (peer->is_overflowing)
		peer_close(peer, "its queued output passed %u bytes: it does not read",
			   PEER_OUTPUT_MAX);
	else
		peer_close(peer, "did not read our last message");
}

static uint64_t monotonic_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct peer *peer_alloc(struct peer_manager *manager, bool is_outgoing)
{
	const struct peer_manager_setup *setup = peer_manager_setup(manager);
	struct peer *peer = oh_calloc(1, sizeof(*peer));
	struct timeval timeout = {peer_manager_handshake_timeout(manager), 0};

	peer->manager = manager;
	peer->is_outgoing = is_outgoing;
	peer->pongs_tail = &peer->pongs;
	peer->ping_budget = (uint64_t)PEER_PING_BURST * 1000;
	peer->ping_budget_msec = monotonic_msec();
	peer->deadline = evtimer_new(setup->base, deadline_expired, peer);
	if (!peer->deadline) {
		free(peer);
		return NULL;
	}
	evtimer_add(peer->deadline, &timeout);
	peer_manager_add(manager, peer);
	return peer;
}

/* Lightning messages are small and answered one by one (an update_add
 * then commitment_signed, then the peer's revoke_and_ack): Nagle's
 * algorithm would hold the second write for the peer's delayed ACK, about
 * 40 ms a round trip.  So every peer socket sends at once. */
static void set_nodelay(evutil_socket_t fd)
{
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Input: never more than one largest frame buffered.  Output: peer_written
 * runs whenever the queue is at or below the low-water mark (to resume
 * reading), and a peer that takes nothing for the write timeout is gone. */
static void peer_set_limits(struct peer *peer)
{
	struct timeval write_timeout = {peer_manager_write_timeout(peer->manager), 0};

	bufferevent_setwatermark(peer->bev, EV_READ, 0, CRYPTOMSG_MAX_FRAME_LEN);
	bufferevent_setwatermark(peer->bev, EV_WRITE, PEER_OUTPUT_LOW_WATER, 0);
	bufferevent_set_timeouts(peer->bev, NULL, &write_timeout);
}

static void peer_setup_bev(struct peer *peer)
{
	bufferevent_setcb(peer->bev, peer_read, peer_written, peer_event, peer);
	peer_set_limits(peer);
	bufferevent_enable(peer->bev, EV_READ | EV_WRITE);
}

/* Records the other end's numeric address and its "host:port" text. */
static void peer_set_remote(struct peer *peer, const struct sockaddr *addr)
{
	char host[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;

	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	peer->is_ipv6 = addr->sa_family == AF_INET6;
	memset(peer->source_group, 0, sizeof(peer->source_group));
	peer->source_group[0] = (uint8_t)addr->sa_family;
	if (addr->sa_family == AF_INET)
		memcpy(peer->source_group + 1, &((const struct sockaddr_in *)addr)->sin_addr, 4);
	else if (addr->sa_family == AF_INET6)
		memcpy(peer->source_group + 1, &((const struct sockaddr_in6 *)addr)->sin6_addr, 8);
	snprintf(peer->remote_host, sizeof(peer->remote_host), "%s", host);
	peer->remote_port = port;
	snprintf(peer->address, sizeof(peer->address), peer->is_ipv6 ? "[%s]:%u" : "%s:%u",
		 host, port);
}

struct peer *peer_new_incoming(struct peer_manager *manager, int fd,
			       const struct sockaddr *addr, socklen_t addr_len)
{
	const struct peer_manager_setup *setup = peer_manager_setup(manager);
	struct peer *peer = peer_alloc(manager, false);
	struct privkey local, ephemeral;

	if (!peer) {
		evutil_closesocket(fd);
		return NULL;
	}
	peer_set_remote(peer, addr);
	peer->bev = bufferevent_socket_new(setup->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!peer->bev) {
		evutil_closesocket(fd);
		peer_close(peer, "out of memory");
		return NULL;
	}
	set_nodelay(fd);
	peer->phase = PEER_HANDSHAKE;
	memcpy(local.secret.data, setup->node_secret, sizeof(local.secret.data));
	privkey_generate(setup->secp, &ephemeral);
	bool ok = handshake_init_responder(setup->secp, &peer->handshake, &local, &ephemeral);
	crypto_wipe(&local, sizeof(local));
	crypto_wipe(&ephemeral, sizeof(ephemeral));
	if (!ok) {
		peer_close(peer, "internal error starting the handshake");
		return NULL;
	}
	peer_setup_bev(peer);
	log_debug(setup->log, "peer", "incoming connection from %s", peer->address);
	return peer;
}

struct peer *peer_new_outgoing(struct peer_manager *manager,
			       const struct pubkey *node_id, const char *host,
			       uint16_t port)
{
	struct peer *peer = peer_alloc(manager, true);

	if (!peer)
		return NULL;
	peer_set_node_id(peer, node_id);
	peer->phase = PEER_CONNECTING;
	snprintf(peer->dial_host, sizeof(peer->dial_host), "%s", host);
	snprintf(peer->address, sizeof(peer->address),
		 strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	return peer;
}

/* Tries the next resolved address; false (peer closed) when none is left. */
static bool dial_next(struct peer *peer, const char *last_error)
{
	const struct peer_manager_setup *setup = setup_of(peer);

	if (peer->bev) {
		bufferevent_free(peer->bev);
		peer->bev = NULL;
	}
	while (peer->next_addr) {
		struct evutil_addrinfo *ai = peer->next_addr;
		peer->next_addr = ai->ai_next;
		peer->bev = bufferevent_socket_new(setup->base, -1, BEV_OPT_CLOSE_ON_FREE);
		if (!peer->bev)
			break;
		peer_set_remote(peer, ai->ai_addr);
		bufferevent_setcb(peer->bev, peer_read, peer_written, peer_event, peer);
		if (bufferevent_socket_connect(peer->bev, ai->ai_addr, (int)ai->ai_addrlen) == 0)
			return true;
		last_error = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
		bufferevent_free(peer->bev);
		peer->bev = NULL;
	}
	peer_close(peer, "cannot connect to %s: %s", peer->address,
		   last_error ? last_error : "no address to try");
	return false;
}

bool peer_dial(struct peer *peer, struct evutil_addrinfo *addrs)
{
	peer->addrs = addrs;
	peer->next_addr = addrs;
	return dial_next(peer, NULL);
}

/* TCP is up: as initiator we speak first, with act one. */
static bool start_initiator(struct peer *peer)
{
	const struct peer_manager_setup *setup = setup_of(peer);
	struct privkey local, ephemeral;
	uint8_t act1[HANDSHAKE_ACT1_LEN];

	peer->phase = PEER_HANDSHAKE;
	memcpy(local.secret.data, setup->node_secret, sizeof(local.secret.data));
	privkey_generate(setup->secp, &ephemeral);
	bool ok = handshake_init_initiator(setup->secp, &peer->handshake, &local, &peer->node_id,
					   &ephemeral);
	crypto_wipe(&local, sizeof(local));
	crypto_wipe(&ephemeral, sizeof(ephemeral));
	if (!ok || handshake_act1_write(setup->secp, &peer->handshake, act1) != HANDSHAKE_OK) {
		peer_close(peer, "internal error writing act one");
		return false;
	}
	peer_set_limits(peer);
	bufferevent_write(peer->bev, act1, sizeof(act1));
	bufferevent_enable(peer->bev, EV_READ | EV_WRITE);
	return true;
}

/* The peer's output passed the cap: it goes on the next turn of the loop
 * (our caller may still hold it), reading nothing more meanwhile. */
static void peer_overflowed(struct peer *peer)
{
	struct timeval now = {0, 0};

	peer->is_closing = true;
	peer->is_overflowing = true;
	bufferevent_disable(peer->bev, EV_READ);
	if (!peer->close_timer)
		peer->close_timer = evtimer_new(setup_of(peer)->base,
						close_timer_expired, peer);
	if (peer->close_timer)
		evtimer_add(peer->close_timer, &now);
}

bool peer_send(struct peer *peer, const uint8_t *msg, size_t len)
{
	struct evbuffer *output;
	struct evbuffer_iovec vec;
	size_t frame_len = cryptomsg_frame_len(len);

	if (!peer->bev || peer->is_closing || peer->phase < PEER_AWAITING_INIT)
		return false;
	output = bufferevent_get_output(peer->bev);
	/* Dropping this one message would leave the channel protocol out of
	 * step; losing the connection does not (channel_reestablish). */
	if (evbuffer_get_length(output) + frame_len > PEER_OUTPUT_MAX) {
		peer_overflowed(peer);
		return false;
	}
	if (evbuffer_reserve_space(output, (ev_ssize_t)frame_len, &vec, 1) < 1)
		return false;
	if (!cryptomsg_encrypt(&peer->crypto, vec.iov_base, msg, len))
		return false;
	vec.iov_len = frame_len;
	evbuffer_commit_space(output, &vec, 1);
	return true;
}

static bool peer_send_buf(struct peer *peer, struct wirebuf *buf)
{
	bool ok = peer_send(peer, buf->data, buf->len);
	wirebuf_free(buf);
	return ok;
}

/* CLN's connect codes: 401 all addresses failed, 402 disconnected during. */
static void waiters_fail(struct peer_waiter **list, enum peer_connect_failure failure,
			 const char *message)
{
	while (*list) {
		struct peer_waiter *waiter = *list;
		*list = waiter->next;
		if (waiter->connected)
			waiter->connected(waiter->arg, NULL, failure, message);
		else if (waiter->ponged)
			waiter->ponged(waiter->arg, 0, message);
		free(waiter);
	}
}

static void peer_free(struct peer *peer, const char *reason)
{
	char message[600];

	snprintf(message, sizeof(message), "%s", reason);
	if (peer->phase == PEER_ACTIVE) {
		void *arg;
		const struct peer_gossip_listener *gossip;
		peer_manager_listener(peer->manager, &arg)->gone(arg, peer);
		gossip = peer_manager_gossip_listener(peer->manager, &arg);
		if (gossip)
			gossip->gone(arg, peer);
	}
	peer_manager_remove(peer->manager, peer);
	if (peer->dial)
		peer->dial->peer = NULL;
	waiters_fail(&peer->connect_waiters, peer->phase == PEER_CONNECTING
		     ? PEER_CONNECT_UNREACHABLE : PEER_CONNECT_DISCONNECTED, message);
	waiters_fail(&peer->pongs, PEER_CONNECT_DISCONNECTED, message);
	if (peer->bev)
		bufferevent_free(peer->bev);
	if (peer->deadline)
		event_free(peer->deadline);
	if (peer->ping_timer)
		event_free(peer->ping_timer);
	if (peer->close_timer)
		event_free(peer->close_timer);
	if (peer->addrs)
		evutil_freeaddrinfo(peer->addrs);
	featurebits_free(peer->their_features);
	handshake_wipe(&peer->handshake);
	crypto_state_wipe(&peer->crypto);
	free(peer);
}

void peer_close(struct peer *peer, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (peer->phase == PEER_ACTIVE)
		log_info(peer_log(peer), "peer", "peer %s disconnected: %s", peer_name(peer), reason);
	else
		log_unusual(peer_log(peer), "peer", "connection %s %s ended: %s",
			    peer->is_outgoing ? "to" : "from", peer_name(peer), reason);
	peer_free(peer, reason);
}

void peer_warn_and_close(struct peer *peer, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (peer->is_closing)
		return;
	if (peer->phase < PEER_AWAITING_INIT || !peer_send_buf(peer, towire_warning_text(NULL, reason))) {
		peer_close(peer, "%s", reason);
		return;
	}
	log_unusual(peer_log(peer), "peer", "sending warning to %s: %s", peer_name(peer), reason);
	peer_close_once_sent(peer);
}

void peer_close_once_sent(struct peer *peer)
{
	struct timeval flush = {PEER_CLOSE_FLUSH_SECS, 0};

	if (peer->is_closing)
		return;
	if (!peer->bev || evbuffer_get_length(bufferevent_get_output(peer->bev)) == 0) {
		peer_close(peer, "closed after warning");
		return;
	}
	peer->is_closing = true;
	bufferevent_disable(peer->bev, EV_READ);
	peer->close_timer = evtimer_new(setup_of(peer)->base,
					close_timer_expired, peer);
	if (peer->close_timer)
		evtimer_add(peer->close_timer, &flush);
	/* peer_written() finishes the close once what was queued has left. */
}

/* ---- Handshake ---- */

static bool handshake_failed(struct peer *peer, enum handshake_error err)
{
	/* BOLT #8: If `v` is an unrecognized handshake version, then the
	 * responder MUST abort the connection attempt.
	 *
	 * Every other act failure ends it the same way: nothing more is sent. */
	peer_close(peer, "handshake failed: %s", handshake_error_text(&peer->handshake)[0]
		   ? handshake_error_text(&peer->handshake) : handshake_error_name(err));
	return false;
}

static bool send_init(struct peer *peer)
{
	const struct peer_manager_setup *setup = setup_of(peer);
	const struct featurebits *ours = peer_manager_our_features(peer->manager);
	struct msg_init init;
	struct tlv_init_tlvs *tlvs = tlv_init_tlvs_new();
	bool ok;

	memset(&init, 0, sizeof(init));
	/* BOLT #1: SHOULD NOT set features greater than 13 in `globalfeatures`.
	 *
	 * We put everything in features. */
	init.flen = (uint16_t)ours->len;
	init.features = ours->bytes;
	/* BOLT #1: SHOULD set `networks` to all chains it will gossip or open
	 * channels for. */
	tlvs->networks = wire_calloc(1, sizeof(*tlvs->networks));
	tlvs->networks->num_chains = 1;
	tlvs->networks->chains = wire_calloc(1, sizeof(struct chain_hash));
	memcpy(tlvs->networks->chains[0].bytes, setup->config->chainparams->chain_hash, 32);
	init.tlvs = tlvs;
	ok = peer_send_buf(peer, towire_init(&init));
	tlv_init_tlvs_free(tlvs);
	return ok;
}

/* The handshake is done: keys in place, now both sides send init. */
static bool handshake_complete(struct peer *peer)
{
	struct pubkey remote;

	if (!handshake_finish(&peer->handshake, &peer->crypto, &remote)) {
		peer_close(peer, "internal error finishing the handshake");
		return false;
	}
	if (!peer->has_node_id) {
		peer_set_node_id(peer, &remote);
		log_debug(peer_log(peer), "peer", "connection from %s is node %s",
			  peer->address, peer->node_id_hex);
	}
	peer->phase = PEER_AWAITING_INIT;
	peer_manager_identified(peer->manager, peer);
	/* BOLT #1: MUST send `init` as the first Lightning message for any
	 * connection. */
	if (!send_init(peer)) {
		peer_close(peer, "cannot send init");
		return false;
	}
	return true;
}

/* Feeds whole acts from input to the handshake.  Returns false if the peer
 * is gone or more bytes are needed (then *need_more is set). */
static bool read_handshake(struct peer *peer, struct evbuffer *input, bool *need_more)
{
	const secp256k1_context *secp = setup_of(peer)->secp;
	struct handshake *hs = &peer->handshake;
	size_t need = hs->state == HANDSHAKE_RESPONDER_ACT3 ? HANDSHAKE_ACT3_LEN : HANDSHAKE_ACT1_LEN;
	uint8_t act[HANDSHAKE_ACT3_LEN];
	enum handshake_error err;

	if (evbuffer_get_length(input) < need) {
		*need_more = true;
		return false;
	}
	evbuffer_remove(input, act, need);
	switch (hs->state) {
	case HANDSHAKE_RESPONDER_ACT1: {
		uint8_t act2[HANDSHAKE_ACT2_LEN];
		err = handshake_act1_read(secp, hs, act, need);
		if (err != HANDSHAKE_OK)
			return handshake_failed(peer, err);
		err = handshake_act2_write(secp, hs, act2);
		if (err != HANDSHAKE_OK)
			return handshake_failed(peer, err);
		bufferevent_write(peer->bev, act2, sizeof(act2));
		return true;
	}
	case HANDSHAKE_RESPONDER_ACT3:
		err = handshake_act3_read(secp, hs, act, need);
		if (err != HANDSHAKE_OK)
			return handshake_failed(peer, err);
		return handshake_complete(peer);
	case HANDSHAKE_INITIATOR_ACT2: {
		uint8_t act3[HANDSHAKE_ACT3_LEN];
		err = handshake_act2_read(secp, hs, act, need);
		if (err != HANDSHAKE_OK)
			return handshake_failed(peer, err);
		err = handshake_act3_write(secp, hs, act3);
		if (err != HANDSHAKE_OK)
			return handshake_failed(peer, err);
		bufferevent_write(peer->bev, act3, sizeof(act3));
		return handshake_complete(peer);
	}
	case HANDSHAKE_UNINITIALIZED:
	case HANDSHAKE_INITIATOR_ACT1:
	case HANDSHAKE_INITIATOR_ACT3:
	case HANDSHAKE_RESPONDER_ACT2:
	case HANDSHAKE_COMPLETE:
	case HANDSHAKE_FAILED:
		break;
	}
	peer_close(peer, "internal error: handshake in state %d", hs->state);
	return false;
}

/* ---- BOLT #1 messages ---- */

/* Peer-supplied text, made safe for our log. */
static void printable_text(char *out, size_t out_len, const uint8_t *data, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 5 < out_len; i++) {
		if (data[i] >= 32 && data[i] < 127 && data[i] != '\\')
			out[n++] = (char)data[i];
		else
			n += (size_t)snprintf(out + n, out_len - n, "\\x%02x", data[i]);
	}
	out[n] = '\0';
}

static void ping_timer_fired(evutil_socket_t fd, short events, void *arg);

static bool handle_init(struct peer *peer, const uint8_t *msg, size_t len)
{
	const struct peer_manager_setup *setup = setup_of(peer);
	struct msg_init *init;
	struct chain_hash ours;
	char why[FEATURES_WHY_MAX];
	struct timeval interval = {peer_manager_ping_interval(peer->manager), 0};

	if (!fromwire_init(msg, len, &init)) {
		peer_warn_and_close(peer, "malformed init message");
		return false;
	}
	featurebits_free(peer->their_features);
	/* BOLT #1: MUST combine (bitwise OR) the two feature bitmaps into one
	 * logical `features` map. */
	peer->their_features = featurebits_from_init(init->globalfeatures, init->gflen,
						     init->features, init->flen);
	memcpy(ours.bytes, setup->config->chainparams->chain_hash, 32);
	bool networks_ok = init_networks_compatible(init->tlvs, &ours);
	msg_init_free(init);

	/* BOLT #1:
	 * - upon receiving unknown _even_ feature bits that are non-zero:
	 *   - MUST close the connection.
	 *
	 * (features_check_peer also refuses known features we cannot do.) */
	if (!features_check_peer(peer_manager_our_features(peer->manager),
				 peer->their_features, why)) {
		peer_warn_and_close(peer, "%s", why);
		return false;
	}
	/* BOLT #1:
	 * - upon receiving `networks` containing no common chains
	 *   - MAY close the connection.
	 */
	if (!networks_ok) {
		char hash_hex[65];
		peer_warn_and_close(peer, "no common chain: we are on %s (chain_hash %s)",
				    setup->config->chainparams->network,
				    hex_encode(hash_hex, ours.bytes, sizeof(ours.bytes)));
		return false;
	}

	peer->phase = PEER_ACTIVE;
	evtimer_del(peer->deadline);
	peer->ping_timer = evtimer_new(setup->base, ping_timer_fired, peer);
	if (peer->ping_timer)
		evtimer_add(peer->ping_timer, &interval);
	peer_manager_activated(peer->manager, peer);
	return true;
}

/* Takes a ping's cost from the peer's budget (peer.h); false when the
 * budget cannot pay it. */
static bool ping_budget_take(struct peer *peer, uint16_t num_pong_bytes)
{
	uint64_t now = monotonic_msec();
	uint64_t cost = 1000;

	if (num_pong_bytes < 65532)
		cost += 1000 * (uint64_t)(num_pong_bytes / PEER_PING_BYTES_PER_TOKEN);
	/* Milliseconds times tokens a second: thousandths of a token. */
	peer->ping_budget += (now - peer->ping_budget_msec) * PEER_PING_TOKENS_PER_SEC;
	if (peer->ping_budget > (uint64_t)PEER_PING_BURST * 1000)
		peer->ping_budget = (uint64_t)PEER_PING_BURST * 1000;
	peer->ping_budget_msec = now;
	if (peer->ping_budget < cost)
		return false;
	peer->ping_budget -= cost;
	return true;
}

static bool handle_ping(struct peer *peer, const uint8_t *msg, size_t len)
{
	struct msg_ping *ping;
	bool ok = true;

	if (!fromwire_ping(msg, len, &ping)) {
		peer_warn_and_close(peer, "malformed ping message");
		return false;
	}
	/* BOLT #1 rationale: "Limited precautions are recommended against
	 * `ping` flooding".  Pings that ask for no pong pay too, or they would
	 * be a free flood. */
	if (!ping_budget_take(peer, ping->num_pong_bytes)) {
		msg_ping_free(ping);
		peer_warn_and_close(peer, "too many pings: more than %u pong-weighted a second",
				    PEER_PING_TOKENS_PER_SEC);
		return false;
	}
	/* BOLT #1:
	 * - if `num_pong_bytes` is less than 65532:
	 *   - MUST respond by sending a `pong` message, with `byteslen` equal
	 *     to `num_pong_bytes`.
	 * - otherwise (`num_pong_bytes` is **not** less than 65532):
	 *   - MUST ignore the `ping`.
	 */
	if (ping_wants_pong(ping)) {
		struct msg_pong pong = {0};
		pong.byteslen = ping->num_pong_bytes;
		pong.ignored = wire_calloc(pong.byteslen ? pong.byteslen : 1, 1);
		ok = peer_send_buf(peer, towire_pong(&pong));
		free(pong.ignored);
	}
	msg_ping_free(ping);
	if (!ok && !peer->is_closing)
		peer_close(peer, "cannot send pong");
	return ok;
}

static bool handle_pong(struct peer *peer, const uint8_t *msg, size_t len)
{
	struct msg_pong *pong;
	struct peer_waiter *waiter = peer->pongs;

	if (!fromwire_pong(msg, len, &pong)) {
		peer_warn_and_close(peer, "malformed pong message");
		return false;
	}
	/* BOLT #1:
	 * - if `byteslen` does not correspond to any `ping`'s `num_pong_bytes`
	 *   value it has sent:
	 *   - MAY close the connection.
	 */
	if (!waiter || waiter->pong_len != pong->byteslen) {
		uint16_t got = pong->byteslen;
		msg_pong_free(pong);
		if (!waiter)
			peer_warn_and_close(peer, "pong without a ping");
		else
			peer_warn_and_close(peer, "pong has %u bytes, ping asked for %u",
					    got, waiter->pong_len);
		return false;
	}
	msg_pong_free(pong);
	peer->pongs = waiter->next;
	if (!peer->pongs)
		peer->pongs_tail = &peer->pongs;
	if (waiter->ponged)
		/* totlen as Core Lightning reports it: the pong's whole length. */
		waiter->ponged(waiter->arg, len, NULL);
	else if (peer->pings_unanswered > 0)
		peer->pings_unanswered--;
	free(waiter);
	return true;
}

static bool handle_error_or_warning(struct peer *peer, const uint8_t *msg, size_t len,
				    bool is_error)
{
	char text[1024];
	const uint8_t *data;
	uint16_t data_len;
	struct channel_id channel_id, zero = {{0}};

	if (is_error) {
		struct msg_error *error;
		if (!fromwire_error(msg, len, &error)) {
			peer_close(peer, "malformed error message");
			return false;
		}
		data = error->data;
		data_len = error->len;
		printable_text(text, sizeof(text), data, data_len);
		channel_id = error->channel_id;
		msg_error_free(error);
		/* BOLT #1:
		 * - if `channel_id` is all zero:
		 *   - MUST fail all channels with the sending node.
		 * - otherwise:
		 *   - MUST fail the channel referred to by `channel_id`, if that channel is with the
		 *   sending node.
		 *
		 * Then we part. */
		void *arg;
		peer_manager_listener(peer->manager, &arg)->error(
			arg, peer, memcmp(channel_id.bytes, zero.bytes, sizeof(zero.bytes)) == 0
			? NULL : &channel_id, text);
		peer_close(peer, "peer sent error: %s", text);
		return false;
	}
	struct msg_warning *warning;
	if (!fromwire_warning(msg, len, &warning)) {
		peer_close(peer, "malformed warning message");
		return false;
	}
	printable_text(text, sizeof(text), warning->data, warning->len);
	msg_warning_free(warning);
	/* BOLT #1:
	 * - upon receiving `warning`:
	 *   - SHOULD log the message for later diagnosis.
	 *
	 * The connection stays. */
	log_unusual(peer_log(peer), "peer", "peer %s sent warning: %s", peer_name(peer), text);
	return true;
}

/* A channel message: the channel's business, or an unknown channel. */
static bool channel_message(struct peer *peer, uint16_t type, const uint8_t *msg, size_t len)
{
	struct channel_id channel_id;

	void *arg;
	const struct peer_listener *listener = peer_manager_listener(peer->manager, &arg);

	switch (listener->message(arg, peer, type, msg, len)) {
	case PEER_HANDLED:
		return true;
	case PEER_WAS_CLOSED:
		return false;
	case PEER_UNKNOWN_CHANNEL:
		break;
	}
	/* Every channel message but open_channel starts with the channel_id
	 * (the listener checked the length). */
	memcpy(channel_id.bytes, msg + 2, sizeof(channel_id.bytes));
	/* BOLT #1: SHOULD send `error` with the unknown `channel_id` in reply
	 * to messages of type `32`-`255` related to unknown channels.
	 *
	 * The connection stays: nothing else is wrong with it. */
	log_unusual(peer_log(peer), "peer", "%s: %s for a channel we do not have",
		    peer_name(peer), peer_wire_name(type));
	/* BOLT #7: "If the `short_channel_id` doesn't match one of its
	 * funding transactions: SHOULD send a `warning`." */
	if (type == WIRE_ANNOUNCEMENT_SIGNATURES) {
		if (!peer_send_buf(peer, towire_warning_text(&channel_id,
							     "announcement_signatures for a "
							     "channel we do not have"))) {
			peer_close(peer, "cannot send warning");
			return false;
		}
		return true;
	}
	if (!peer_send_buf(peer, towire_error_text(&channel_id, "unknown channel"))) {
		peer_close(peer, "cannot send error");
		return false;
	}
	return true;
}

/* A BOLT #7 message: the gossip layer's, if there is one. */
static bool gossip_message(struct peer *peer, uint16_t type, const uint8_t *msg, size_t len)
{
	void *arg;
	const struct peer_gossip_listener *gossip = peer_manager_gossip_listener(peer->manager, &arg);

	if (!gossip) {
		log_debug(peer_log(peer), "peer", "%s: ignoring gossip message type %u",
			  peer_name(peer), type);
		return true;
	}
	return gossip->message(arg, peer, type, msg, len);
}

static bool handle_message(struct peer *peer, const uint8_t *msg, size_t len)
{
	uint16_t type;

	if (!fromwire_peektype(msg, len, &type)) {
		peer_warn_and_close(peer, "message of %zu bytes has no type", len);
		return false;
	}
	log_io(peer_log(peer), "peer", "%s: received message type %u (%zu bytes)",
	       peer_name(peer), type, len);

	/* BOLT #1: MUST wait to receive `init` before sending any other
	 * messages.
	 *
	 * So a first message that is not init breaks the protocol. */
	if (peer->phase == PEER_AWAITING_INIT) {
		if (type != WIRE_INIT) {
			peer_warn_and_close(peer, "first message was type %u, not init", type);
			return false;
		}
		return handle_init(peer, msg, len);
	}

	switch ((enum peer_wire)type) {
	case WIRE_INIT:
		peer_warn_and_close(peer, "second init message");
		return false;
	case WIRE_PING:
		return handle_ping(peer, msg, len);
	case WIRE_PONG:
		return handle_pong(peer, msg, len);
	case WIRE_ERROR:
		return handle_error_or_warning(peer, msg, len, true);
	case WIRE_WARNING:
		return handle_error_or_warning(peer, msg, len, false);
	case WIRE_OPEN_CHANNEL:
	case WIRE_ACCEPT_CHANNEL:
	case WIRE_FUNDING_CREATED:
	case WIRE_FUNDING_SIGNED:
	case WIRE_CHANNEL_READY:
	case WIRE_SHUTDOWN:
	case WIRE_CLOSING_SIGNED:
	case WIRE_CLOSING_COMPLETE:
	case WIRE_CLOSING_SIG:
	case WIRE_UPDATE_ADD_HTLC:
	case WIRE_UPDATE_FULFILL_HTLC:
	case WIRE_UPDATE_FAIL_HTLC:
	case WIRE_COMMITMENT_SIGNED:
	case WIRE_REVOKE_AND_ACK:
	case WIRE_UPDATE_FEE:
	case WIRE_UPDATE_FAIL_MALFORMED_HTLC:
	case WIRE_CHANNEL_REESTABLISH:
	/* BOLT #7, but between the channel's two ends, for the channel. */
	case WIRE_ANNOUNCEMENT_SIGNATURES:
		return channel_message(peer, type, msg, len);
	case WIRE_CHANNEL_UPDATE: {
		void *arg;
		peer_manager_listener(peer->manager, &arg)->update(arg, peer, msg, len);
		return gossip_message(peer, type, msg, len);
	}
	case WIRE_CHANNEL_ANNOUNCEMENT:
	case WIRE_NODE_ANNOUNCEMENT:
	case WIRE_QUERY_SHORT_CHANNEL_IDS:
	case WIRE_REPLY_SHORT_CHANNEL_IDS_END:
	case WIRE_QUERY_CHANNEL_RANGE:
	case WIRE_REPLY_CHANNEL_RANGE:
	case WIRE_GOSSIP_TIMESTAMP_FILTER:
		return gossip_message(peer, type, msg, len);
	}

	/* BOLT #1:
	 * - upon receiving a message of _odd_, unknown type:
	 *   - MUST ignore the received message.
	 * - upon receiving a message of _even_, unknown type:
	 *   - MUST close the connection.
	 */
	if (peer_wire_is_unknown_odd(type)) {
		log_debug(peer_log(peer), "peer", "%s: ignoring unknown odd message type %u",
			  peer_name(peer), type);
		return true;
	}
	peer_warn_and_close(peer, "unknown even message type %u", type);
	return false;
}

/* Reads one encrypted frame if it has fully arrived. */
static bool read_frame(struct peer *peer, struct evbuffer *input, bool *need_more)
{
	uint8_t header[CRYPTOMSG_HEADER_LEN];
	uint8_t *body;
	size_t body_len;

	if (!peer->has_header) {
		if (evbuffer_get_length(input) < CRYPTOMSG_HEADER_LEN) {
			*need_more = true;
			return false;
		}
		evbuffer_remove(input, header, sizeof(header));
		if (!cryptomsg_decrypt_header(&peer->crypto, &peer->body_len, header)) {
			peer_close(peer, "bad MAC on a message length");
			return false;
		}
		peer->has_header = true;
	}
	body_len = (size_t)peer->body_len + CRYPTOMSG_MAC_LEN;
	if (evbuffer_get_length(input) < body_len) {
		*need_more = true;
		return false;
	}
	body = evbuffer_pullup(input, (ev_ssize_t)body_len);
	if (!body || !cryptomsg_decrypt_body(&peer->crypto, body, body, body_len)) {
		peer_close(peer, "bad MAC on a message body");
		return false;
	}
	peer->has_header = false;
	bool keep = handle_message(peer, body, peer->body_len);
	if (keep)
		evbuffer_drain(input, body_len);
	return keep && !peer->is_closing;
}

/* Backpressure: while the peer leaves more than the high-water mark of our
 * output unread, we read nothing from it (peer_written resumes), so what
 * it asks of us cannot pile up. */
static bool output_over_high_water(struct peer *peer)
{
	if (evbuffer_get_length(bufferevent_get_output(peer->bev)) <= PEER_OUTPUT_HIGH_WATER)
		return false;
	if (!peer->is_read_paused)
		log_debug(peer_log(peer), "peer", "%s: %zu bytes wait to be sent; reading paused",
			  peer_name(peer), evbuffer_get_length(bufferevent_get_output(peer->bev)));
	peer->is_read_paused = true;
	bufferevent_disable(peer->bev, EV_READ);
	return true;
}

static void peer_read(struct bufferevent *bev, void *arg)
{
	struct peer *peer = arg;
	struct evbuffer *input = bufferevent_get_input(bev);
	bool need_more = false;

	while (!peer->is_closing) {
		if (output_over_high_water(peer))
			return;
		bool keep = peer->phase == PEER_HANDSHAKE
			? read_handshake(peer, input, &need_more)
			: read_frame(peer, input, &need_more);
		if (!keep)
			return;		/* need more bytes, or the peer is gone */
	}
}

/* Runs when the output is at or below the low-water mark. */
static void peer_written(struct bufferevent *bev, void *arg)
{
	struct peer *peer = arg;

	if (peer->is_closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			peer_close(peer, "closed after warning");
		return;
	}
	if (peer->is_read_paused) {
		peer->is_read_paused = false;
		bufferevent_enable(bev, EV_READ);
		/* Frames may wait in the input already: no read event for them. */
		peer_read(bev, peer);
	}
}

static void peer_event(struct bufferevent *bev, short events, void *arg)
{
	struct peer *peer = arg;

	if (events & BEV_EVENT_CONNECTED) {
		set_nodelay(bufferevent_getfd(bev));
		log_debug(peer_log(peer), "peer", "connected to %s, starting handshake", peer->address);
		start_initiator(peer);
		return;
	}
	if (peer->phase == PEER_CONNECTING) {
		dial_next(peer, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return;
	}
	if (events & BEV_EVENT_TIMEOUT)
		peer_close(peer, "it does not read: took nothing of %zu bytes for %us",
			   evbuffer_get_length(bufferevent_get_output(bev)),
			   peer_manager_write_timeout(peer->manager));
	else if (events & BEV_EVENT_EOF)
		peer_close(peer, "connection closed by peer");
	else
		peer_close(peer, "connection error: %s",
			   evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* ---- Pings ---- */

bool peer_send_ping(struct peer *peer, uint16_t num_pong_bytes, uint16_t ignored_len,
		    peer_pong_done done, void *arg)
{
	struct msg_ping ping = {0};
	struct peer_waiter *waiter = NULL;
	bool ok;

	ping.num_pong_bytes = num_pong_bytes;
	ping.byteslen = ignored_len;
	/* BOLT #1: SHOULD set `ignored` to 0s. */
	ping.ignored = wire_calloc(ignored_len ? ignored_len : 1, 1);
	ok = peer_send_buf(peer, towire_ping(&ping));
	free(ping.ignored);
	if (!ok)
		return false;
	/* A ping asking for 65532 or more bytes gets no pong. */
	if (num_pong_bytes < 65532) {
		waiter = oh_calloc(1, sizeof(*waiter));
		waiter->ponged = done;
		waiter->arg = arg;
		waiter->pong_len = num_pong_bytes;
		*peer->pongs_tail = waiter;
		peer->pongs_tail = &waiter->next;
	} else if (done) {
		done(arg, 0, NULL);
	}
	return true;
}

static void ping_timer_fired(evutil_socket_t fd, short events, void *arg)
{
	struct peer *peer = arg;
	struct timeval interval = {peer_manager_ping_interval(peer->manager), 0};
	uint16_t pong_len;

	/* No pong for the last automatic ping within a whole interval: the
	 * connection is dead even if TCP has not noticed. */
	if (peer->pings_unanswered > 0) {
		peer_close(peer, "no pong within %us", peer_manager_ping_interval(peer->manager));
		return;
	}
	crypto_random_bytes(&pong_len, sizeof(pong_len));
	pong_len %= 1024;	/* random, so traffic analysis learns little */
	if (!peer_send_ping(peer, pong_len, 0, NULL, NULL)) {
		peer_close(peer, "cannot send ping");
		return;
	}
	peer->pings_unanswered++;
	evtimer_add(peer->ping_timer, &interval);
}
