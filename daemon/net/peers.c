/* The peer manager: listeners, outgoing dials, the registry of live
 * connections, and the peers table.
 *
 * Invariant: at most one connection per node id is past the handshake; a
 * newer one replaces an older one (the older may be a dead TCP link the
 * peer has already given up on).
 */
#include "daemon/net/peers.h"

#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "crypto/secp.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/net/peer.h"
#include "daemon/net/peers_store.h"
#include "db/db.h"
#include "wire/features.h"

struct listener {
	struct evconnlistener *evl;
	struct sockaddr_storage addr;
	struct listener *next;
};

struct peer_manager {
	struct peer_manager_setup setup;
	const struct peer_listener *listener;
	void *listener_arg;
	const struct peer_gossip_listener *gossip_listener;
	void *gossip_listener_arg;
	struct evdns_base *dns;
	struct listener *listeners;
	struct peer *peers;
	struct featurebits *our_features;
	unsigned handshake_timeout_secs;
	unsigned ping_interval_secs;
	unsigned write_timeout_secs;
};

const struct peer_manager_setup *peer_manager_setup(const struct peer_manager *manager)
{
	return &manager->setup;
}

/* Until the channels register: no channel anywhere. */
static void no_peer_news(void *arg, struct peer *peer)
{
}

static enum peer_verdict no_channel_message(void *arg, struct peer *peer, uint16_t type,
					    const uint8_t *msg, size_t len)
{
	return PEER_UNKNOWN_CHANNEL;
}

static void no_channel_update(void *arg, struct peer *peer, const uint8_t *msg, size_t len)
{
}

static void no_channel_error(void *arg, struct peer *peer, const struct channel_id *channel_id,
			     const char *text)
{
}

static bool no_channel(void *arg, const uint8_t node_id[PUBKEY_CMPR_LEN])
{
	return false;
}

static const struct peer_listener no_listener = {
	.active = no_peer_news,
	.gone = no_peer_news,
	.message = no_channel_message,
	.update = no_channel_update,
	.error = no_channel_error,
	.has_channel = no_channel,
};

void peer_manager_set_listener(struct peer_manager *manager,
			       const struct peer_listener *listener, void *arg)
{
	manager->listener = listener;
	manager->listener_arg = arg;
}

void peer_manager_set_gossip_listener(struct peer_manager *manager,
				      const struct peer_gossip_listener *listener, void *arg)
{
	manager->gossip_listener = listener;
	manager->gossip_listener_arg = arg;
}

const struct peer_gossip_listener *peer_manager_gossip_listener(const struct peer_manager *manager,
								void **arg)
{
	*arg = manager->gossip_listener_arg;
	return manager->gossip_listener;
}

const struct peer_listener *peer_manager_listener(const struct peer_manager *manager,
						  void **arg)
{
	*arg = manager->listener_arg;
	return manager->listener;
}

const struct featurebits *peer_manager_our_features(const struct peer_manager *manager)
{
	return manager->our_features;
}

unsigned peer_manager_handshake_timeout(const struct peer_manager *manager)
{
	return manager->handshake_timeout_secs;
}

unsigned peer_manager_ping_interval(const struct peer_manager *manager)
{
	return manager->ping_interval_secs;
}

unsigned peer_manager_write_timeout(const struct peer_manager *manager)
{
	return manager->write_timeout_secs;
}

void peer_manager_add(struct peer_manager *manager, struct peer *peer)
{
	peer->next = manager->peers;
	if (manager->peers)
		manager->peers->prev = peer;
	manager->peers = peer;
}

void peer_manager_remove(struct peer_manager *manager, struct peer *peer)
{
	if (peer->prev)
		peer->prev->next = peer->next;
	else if (manager->peers == peer)
		manager->peers = peer->next;
	if (peer->next)
		peer->next->prev = peer->prev;
	peer->prev = peer->next = NULL;
}

static struct peer *first_active(struct peer *peer)
{
	while (peer && peer->phase != PEER_ACTIVE)
		peer = peer->next;
	return peer;
}

struct peer *peer_manager_first(const struct peer_manager *manager)
{
	return first_active(manager->peers);
}

struct peer *peer_manager_next(const struct peer *peer)
{
	return first_active(peer->next);
}

size_t peer_manager_num_active(const struct peer_manager *manager)
{
	size_t n = 0;
	for (struct peer *p = peer_manager_first(manager); p; p = peer_manager_next(p))
		n++;
	return n;
}

struct peer *peer_manager_find(const struct peer_manager *manager,
			       const uint8_t node_id[PUBKEY_CMPR_LEN])
{
	for (struct peer *p = manager->peers; p; p = p->next)
		if (p->has_node_id && memcmp(p->node_id_bytes, node_id, PUBKEY_CMPR_LEN) == 0)
			return p;
	return NULL;
}

/* Moves connect waiters from one connection to another. */
static void waiters_move(struct peer *from, struct peer *to)
{
	struct peer_waiter **tail = &to->connect_waiters;
	while (*tail)
		tail = &(*tail)->next;
	*tail = from->connect_waiters;
	from->connect_waiters = NULL;
}

/* ---- What strangers may hold (peers.h) ---- */

static bool is_unauthenticated(const struct peer *peer)
{
	return !peer->is_outgoing && peer->phase == PEER_HANDSHAKE;
}

/* An incoming connection past the handshake from a node we have no
 * channel with. */
static bool is_stranger(const struct peer_manager *manager, const struct peer *peer)
{
	if (peer->is_outgoing || peer->phase == PEER_HANDSHAKE || peer->is_closing)
		return false;
	return !manager->listener->has_channel(manager->listener_arg, peer->node_id_bytes);
}

static bool same_source(const struct peer *a, const struct peer *b)
{
	return memcmp(a->source_group, b->source_group, sizeof(a->source_group)) == 0;
}

static unsigned count_unauthenticated(const struct peer_manager *manager,
				      const struct peer *from)
{
	unsigned n = 0;

	for (const struct peer *p = manager->peers; p; p = p->next)
		if (is_unauthenticated(p) && (!from || same_source(p, from)))
			n++;
	return n;
}

/* The unauthenticated connection to evict for newest: the oldest of
 * newest's source when that source is over its share, else the oldest of
 * the source with the most (the list runs newest first). */
static struct peer *eviction_victim(const struct peer_manager *manager,
				    const struct peer *newest, bool same_source_only)
{
	struct peer *victim = NULL;
	unsigned victim_group = 0;

	for (struct peer *p = manager->peers; p; p = p->next) {
		if (p == newest || !is_unauthenticated(p))
			continue;
		if (same_source_only) {
			if (same_source(p, newest))
				victim = p;
			continue;
		}
		unsigned group = count_unauthenticated(manager, p);
		if (group >= victim_group) {
			victim = p;
			victim_group = group;
		}
	}
	return victim;
}

/* newest was just accepted: evict older unauthenticated connections until
 * its source and the whole are within their limits. */
static void make_room_unauthenticated(struct peer_manager *manager, struct peer *newest)
{
	for (;;) {
		bool source_full = count_unauthenticated(manager, newest)
			> PEER_MAX_UNAUTHENTICATED_PER_SOURCE;
		struct peer *victim;

		if (!source_full && count_unauthenticated(manager, NULL) <= PEER_MAX_UNAUTHENTICATED)
			return;
		victim = eviction_victim(manager, newest, source_full);
		if (!victim)
			return;
		peer_close(victim, "evicted for a newer connection from %s: at most %u "
			   "unauthenticated connections (%u from one source)", newest->remote_host,
			   PEER_MAX_UNAUTHENTICATED, PEER_MAX_UNAUTHENTICATED_PER_SOURCE);
	}
}

/* peer just finished the handshake: if it is a stranger, evict the oldest
 * other strangers over their limit. */
static void make_room_strangers(struct peer_manager *manager, struct peer *peer)
{
	unsigned strangers = 0;
	struct peer *oldest = NULL;

	if (!is_stranger(manager, peer))
		return;
	for (struct peer *p = manager->peers; p; p = p->next) {
		if (!is_stranger(manager, p))
			continue;
		strangers++;
		if (p != peer)
			oldest = p;
	}
	if (strangers > PEER_MAX_INBOUND_WITHOUT_CHANNEL && oldest)
		peer_close(oldest, "evicted for a newer connection: at most %u inbound "
			   "connections from nodes without a channel", PEER_MAX_INBOUND_WITHOUT_CHANNEL);
}

void peer_manager_identified(struct peer_manager *manager, struct peer *peer)
{
	struct peer *other = manager->peers;

	while (other) {
		struct peer *next = other->next;
		if (other != peer && other->has_node_id
		    && memcmp(other->node_id_bytes, peer->node_id_bytes, PUBKEY_CMPR_LEN) == 0) {
			waiters_move(other, peer);
			peer_close(other, "replaced by a newer connection (%s)", peer_direction(peer));
		}
		other = next;
	}
	make_room_strangers(manager, peer);
}

/* Remembers the peer (and, for outgoing, the address that worked). */
static void store_peer(struct peer_manager *manager, const struct peer *peer)
{
	if (!peers_store_connected(manager->setup.db, peer->node_id_bytes,
				   peer->is_outgoing ? peer->address : NULL, (int64_t)time(NULL)))
		log_broken(manager->setup.log, "peer", "cannot store peer: %s",
			   db_errmsg(manager->setup.db));
}

void peer_manager_activated(struct peer_manager *manager, struct peer *peer)
{
	log_info(manager->setup.log, "peer", "peer %s connected (%s, %s)", peer->node_id_hex,
		 peer_direction(peer), peer->address);
	store_peer(manager, peer);
	while (peer->connect_waiters) {
		struct peer_waiter *waiter = peer->connect_waiters;
		peer->connect_waiters = waiter->next;
		waiter->connected(waiter->arg, peer, 0, NULL);
		free(waiter);
	}
	manager->listener->active(manager->listener_arg, peer);
	if (manager->gossip_listener)
		manager->gossip_listener->active(manager->gossip_listener_arg, peer);
}

static void add_waiter(struct peer_waiter **list, peer_connect_done done, void *arg)
{
	struct peer_waiter *waiter = oh_calloc(1, sizeof(*waiter));

	waiter->connected = done;
	waiter->arg = arg;
	waiter->next = *list;
	*list = waiter;
}

static void dial_resolved(int result, struct evutil_addrinfo *addrs, void *arg)
{
	struct dial *dial = arg;
	struct peer *peer = dial->peer;

	free(dial);
	if (!peer) {
		if (addrs)
			evutil_freeaddrinfo(addrs);
		return;
	}
	peer->dial = NULL;
	if (result != 0) {
		peer_close(peer, "cannot resolve %s: %s", peer->dial_host, evutil_gai_strerror(result));
		return;
	}
	peer_dial(peer, addrs);
}

/* The address we last reached node_id at, from the peers table. */
static bool stored_address(struct peer_manager *manager, const uint8_t node_id[PUBKEY_CMPR_LEN],
			   struct netaddr *addr)
{
	char text[sizeof(((struct peer *)NULL)->address)], why[300];

	return peers_store_address(manager->setup.db, node_id, text, sizeof(text))
		&& netaddr_parse(addr, text, manager->setup.config->chainparams->default_lightning_port,
				 why, sizeof(why));
}

void peer_manager_connect(struct peer_manager *manager, const struct pubkey *node_id,
			  const char *host, uint16_t port, peer_connect_done done, void *arg)
{
	uint8_t node_id_bytes[PUBKEY_CMPR_LEN];
	struct netaddr stored;
	struct evutil_addrinfo hints;
	struct peer *peer;
	struct dial *dial;

	pubkey_serialize(manager->setup.secp, node_id_bytes, node_id);
	peer = peer_manager_find(manager, node_id_bytes);
	if (peer && peer->phase == PEER_ACTIVE) {
		if (done)
			done(arg, peer, 0, NULL);
		return;
	}
	if (peer) {
		/* Already on its way: answer with that connection's outcome. */
		if (done)
			add_waiter(&peer->connect_waiters, done, arg);
		return;
	}
	if (!host) {
		if (!stored_address(manager, node_id_bytes, &stored)) {
			if (done)
				done(arg, NULL, PEER_CONNECT_NO_ADDRESS,
				     "no address known for this peer: give host (and port)");
			return;
		}
		host = stored.host;
		port = stored.port;
	}

	peer = peer_new_outgoing(manager, node_id, host, port);
	if (!peer) {
		if (done)
			done(arg, NULL, PEER_CONNECT_UNREACHABLE, "cannot make a timer");
		return;
	}
	if (done)
		add_waiter(&peer->connect_waiters, done, arg);
	dial = oh_calloc(1, sizeof(*dial));
	dial->peer = peer;
	dial->port = port;
	peer->dial = dial;

	char port_text[8];
	snprintf(port_text, sizeof(port_text), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICSERV;
	/* May answer at once (numeric hosts); the peer must not be touched
	 * after this call. */
	evdns_getaddrinfo(manager->dns, host, port_text, &hints, dial_resolved, dial);
}

/* ---- Listening ---- */

static void accept_peer(struct evconnlistener *evl, evutil_socket_t fd,
			struct sockaddr *addr, int addr_len, void *arg)
{
	struct peer_manager *manager = arg;
	struct peer *peer = peer_new_incoming(manager, fd, addr, (socklen_t)addr_len);

	/* The newest is never the one refused: a real peer reconnecting gets
	 * in however many idle sockets are held (peers.h). */
	if (peer)
		make_room_unauthenticated(manager, peer);
}

static void accept_error(struct evconnlistener *evl, void *arg)
{
	struct peer_manager *manager = arg;
	log_unusual(manager->setup.log, "peer", "accept failed: %s", strerror(errno));
}

static bool listen_on(struct peer_manager *manager, const struct netaddr *addr,
		      char *err, size_t errlen)
{
	struct addrinfo hints, *addrs, *ai;
	char port_text[8];
	int rc;

	snprintf(port_text, sizeof(port_text), "%u", addr->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	/* Start-up only: a blocking lookup is fine before the loop runs. */
	rc = getaddrinfo(addr->host, port_text, &hints, &addrs);
	if (rc != 0) {
		snprintf(err, errlen, "option 'addr': cannot resolve %s: %s", addr->host,
			 gai_strerror(rc));
		return false;
	}
	for (ai = addrs; ai; ai = ai->ai_next) {
		struct listener *listener = oh_calloc(1, sizeof(*listener));
		unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
		if (ai->ai_family == AF_INET6)
			flags |= LEV_OPT_BIND_IPV6ONLY;
		listener->evl = evconnlistener_new_bind(manager->setup.base, accept_peer, manager,
							flags, 128, ai->ai_addr, (int)ai->ai_addrlen);
		if (!listener->evl) {
			char where[NETADDR_HOST_MAX + 10];
			snprintf(where, sizeof(where), ai->ai_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
				 addr->host, addr->port);
			snprintf(err, errlen, "option 'addr': cannot listen on %s: %s", where,
				 strerror(errno));
			free(listener);
			freeaddrinfo(addrs);
			return false;
		}
		socklen_t len = sizeof(listener->addr);
		getsockname(evconnlistener_get_fd(listener->evl), (struct sockaddr *)&listener->addr,
			    &len);
		evconnlistener_set_error_cb(listener->evl, accept_error);
		listener->next = manager->listeners;
		manager->listeners = listener;
		log_info(manager->setup.log, "peer", "listening on %s port %u", addr->host, addr->port);
	}
	freeaddrinfo(addrs);
	return true;
}

size_t peer_manager_bindings(const struct peer_manager *manager, struct peer_binding *out,
			     size_t max)
{
	size_t n = 0;

	for (const struct listener *l = manager->listeners; l; l = l->next)
		n++;
	/* The list runs newest first: fill from the end, oldest first. */
	size_t i = n;
	for (const struct listener *l = manager->listeners; l; l = l->next) {
		struct peer_binding *b;
		if (--i >= max)
			continue;
		b = &out[i];
		memset(b, 0, sizeof(*b));
		if (l->addr.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&l->addr;
			inet_ntop(AF_INET, &in->sin_addr, b->address, sizeof(b->address));
			b->port = ntohs(in->sin_port);
		} else {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&l->addr;
			inet_ntop(AF_INET6, &in6->sin6_addr, b->address, sizeof(b->address));
			b->port = ntohs(in6->sin6_port);
			b->is_ipv6 = true;
		}
	}
	return n;
}

struct peer_manager *peer_manager_new(const struct peer_manager_setup *setup,
				      char *err, size_t errlen)
{
	struct peer_manager *manager = oh_calloc(1, sizeof(*manager));
	const struct config *config = setup->config;

	manager->setup = *setup;
	manager->listener = &no_listener;
	manager->handshake_timeout_secs = config->dev_handshake_timeout_secs
		? config->dev_handshake_timeout_secs : PEER_HANDSHAKE_TIMEOUT_SECS;
	manager->ping_interval_secs = config->dev_ping_interval_secs
		? config->dev_ping_interval_secs : PEER_PING_INTERVAL_SECS;
	manager->write_timeout_secs = config->dev_peer_write_timeout_secs
		? config->dev_peer_write_timeout_secs : PEER_WRITE_TIMEOUT_SECS;
	manager->our_features = ohm_featurebits(FEATURE_CTX_INIT);
	/* --anchors=false: a peer must not propose what we would refuse. */
	if (!config->anchors) {
		featurebits_clear(manager->our_features, FEATURE_ANCHORS);
		featurebits_clear(manager->our_features, FEATURE_ANCHORS + 1);
	}
	manager->dns = evdns_base_new(setup->base, EVDNS_BASE_INITIALIZE_NAMESERVERS
				      | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!manager->dns)
		manager->dns = evdns_base_new(setup->base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!manager->dns) {
		snprintf(err, errlen, "cannot set up name resolution");
		peer_manager_free(manager);
		return NULL;
	}
	for (size_t i = 0; i < config->num_addrs; i++) {
		if (!listen_on(manager, &config->addrs[i], err, errlen)) {
			peer_manager_free(manager);
			return NULL;
		}
	}
	return manager;
}

void peer_manager_free(struct peer_manager *manager)
{
	if (!manager)
		return;
	while (manager->listeners) {
		struct listener *l = manager->listeners;
		manager->listeners = l->next;
		evconnlistener_free(l->evl);
		free(l);
	}
	while (manager->peers)
		peer_close(manager->peers, "shutting down");
	if (manager->dns)
		evdns_base_free(manager->dns, 1);
	featurebits_free(manager->our_features);
	free(manager);
}
