/* The peer layer without a daemon: two peer managers in one event loop,
 * connected over loopback, each with a recording peer_listener in place of
 * the channels.  Shows that news goes up only through the listener (init
 * done, a channel message, an `error`, a connection gone), that connect and
 * ping answer through their callbacks, and that the outgoing side stores
 * the address it reached. */
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "bitcoin/chainparams.h"
#include "crypto/secp.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/net/peer.h"
#include "daemon/net/peers.h"
#include "daemon/net/peers_store.h"
#include "db/db.h"
#include "db/migrations.h"
#include "tests/unit/test.h"

#define WIRE_UPDATE_FEE_TYPE 134

/* What one side's listener heard. */
struct heard {
	struct event_base *base;
	unsigned active, gone, messages, errors;
	uint16_t last_type;
	bool error_has_channel_id;
	uint8_t error_channel_id[32];
};

static void heard_active(void *arg, struct peer *peer)
{
	((struct heard *)arg)->active++;
}

static void heard_gone(void *arg, struct peer *peer)
{
	struct heard *h = arg;

	h->gone++;
	event_base_loopbreak(h->base);
}

/* Knows no channel: the peer layer answers with BOLT #1's error. */
static enum peer_verdict heard_message(void *arg, struct peer *peer, uint16_t type,
				       const uint8_t *msg, size_t len)
{
	struct heard *h = arg;

	h->messages++;
	h->last_type = type;
	return PEER_UNKNOWN_CHANNEL;
}

static void heard_update(void *arg, struct peer *peer, const uint8_t *msg, size_t len)
{
}

static void heard_error(void *arg, struct peer *peer, const struct channel_id *channel_id,
			const char *text)
{
	struct heard *h = arg;

	h->errors++;
	h->error_has_channel_id = channel_id != NULL;
	if (channel_id)
		memcpy(h->error_channel_id, channel_id, sizeof(h->error_channel_id));
}

static bool heard_has_channel(void *arg, const uint8_t node_id[PUBKEY_CMPR_LEN])
{
	return false;
}

static const struct peer_listener recording = {
	.active = heard_active,
	.gone = heard_gone,
	.message = heard_message,
	.update = heard_update,
	.error = heard_error,
	.has_channel = heard_has_channel,
};

/* A connect's or a ping's outcome. */
struct outcome {
	struct event_base *base;
	bool is_done;
	struct peer *peer;
	enum peer_connect_failure failure;
	size_t totlen;
	char err[200];
};

static void connected(void *arg, const struct peer *peer, enum peer_connect_failure failure,
		      const char *err)
{
	struct outcome *o = arg;

	o->is_done = true;
	o->peer = (struct peer *)peer;
	o->failure = failure;
	snprintf(o->err, sizeof(o->err), "%s", err ? err : "");
	event_base_loopbreak(o->base);
}

static void ponged(void *arg, size_t totlen, const char *err)
{
	struct outcome *o = arg;

	o->is_done = true;
	o->totlen = totlen;
	snprintf(o->err, sizeof(o->err), "%s", err ? err : "");
	event_base_loopbreak(o->base);
}

/* Runs the loop until something breaks it, at most 10 s. */
static void run(struct event_base *base)
{
	struct timeval limit = {10, 0};

	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
}

struct side {
	struct config config;
	struct netaddr addr;
	uint8_t secret[32];
	struct pubkey id;
	uint8_t id_bytes[PUBKEY_CMPR_LEN];
	struct peer_manager *manager;
	struct heard heard;
};

static bool side_start(struct side *s, uint8_t fill, struct event_base *base, struct log *log,
		       struct db *db, const secp256k1_context *secp)
{
	struct privkey key;
	char err[300] = "";

	memset(s, 0, sizeof(*s));
	memset(s->secret, fill, sizeof(s->secret));
	memcpy(key.secret.data, s->secret, sizeof(key.secret.data));
	if (!pubkey_from_privkey(secp, &s->id, &key))
		return false;
	pubkey_serialize(secp, s->id_bytes, &s->id);
	snprintf(s->addr.host, sizeof(s->addr.host), "127.0.0.1");
	s->addr.port = 0;	/* the kernel picks one */
	s->config.chainparams = chainparams_for_network("regtest");
	s->config.addrs = &s->addr;
	s->config.num_addrs = 1;
	s->heard.base = base;

	struct peer_manager_setup setup = {
		.base = base, .log = log, .db = db, .config = &s->config, .secp = secp,
		.node_secret = s->secret,
	};
	s->manager = peer_manager_new(&setup, err, sizeof(err));
	CHECK_MSG(s->manager, "%s", err);
	if (!s->manager)
		return false;
	peer_manager_set_listener(s->manager, &recording, &s->heard);
	return true;
}

static void test_news_goes_up_through_the_listener(void)
{
	secp256k1_context *secp = crypto_secp_context_new();
	struct event_base *base = event_base_new();
	struct log *log = log_new("/dev/null", LOG_DEBUG);
	char err[256] = "", stored[64];
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));
	struct side a = {0}, b = {0}, c = {0};
	struct peer_binding binding;
	struct outcome connect = {.base = base}, ping = {.base = base};
	uint8_t update_fee[2 + 32 + 4] = {0, WIRE_UPDATE_FEE_TYPE};
	char expected[64];

	CHECK_MSG(db, "%s", err);
	if (!secp || !base || !log || !db || !side_start(&a, 0x11, base, log, db, secp)
	    || !side_start(&b, 0x22, base, log, db, secp) || !side_start(&c, 0x33, base, log, db, secp))
		goto out;
	CHECK(peer_manager_bindings(b.manager, &binding, 1) == 1);
	CHECK(!binding.is_ipv6 && strcmp(binding.address, "127.0.0.1") == 0 && binding.port);

	/* No host and none stored: answered at once. */
	peer_manager_connect(a.manager, &c.id, NULL, 0, connected, &connect);
	CHECK(connect.is_done && !connect.peer && connect.failure == PEER_CONNECT_NO_ADDRESS);
	CHECK(strstr(connect.err, "no address known") != NULL);

	memset(&connect, 0, sizeof(connect));
	connect.base = base;
	peer_manager_connect(a.manager, &b.id, "127.0.0.1", binding.port, connected, &connect);
	run(base);
	CHECK_MSG(connect.is_done && connect.peer, "%s", connect.err);
	if (!connect.peer)
		goto out;
	/* B's init may still be on its way: run until it has it too. */
	for (int i = 0; i < 3 && peer_manager_num_active(b.manager) == 0; i++)
		run(base);
	CHECK(a.heard.active == 1 && b.heard.active == 1);
	CHECK(peer_manager_num_active(a.manager) == 1 && peer_manager_num_active(b.manager) == 1);
	/* The outgoing side remembers the address it reached. */
	snprintf(expected, sizeof(expected), "127.0.0.1:%u", binding.port);
	CHECK(peers_store_address(db, b.id_bytes, stored, sizeof(stored)));
	CHECK_STREQ(stored, expected);
	CHECK(!peers_store_address(db, a.id_bytes, stored, sizeof(stored)));

	/* A ping is answered through its callback: the pong's whole length. */
	CHECK(peer_send_ping(connect.peer, 10, 4, ponged, &ping));
	run(base);
	CHECK(ping.is_done && ping.err[0] == '\0' && ping.totlen == 2 + 2 + 10);

	/* A channel message for a channel B's listener does not know: B
	 * answers with an error for that channel_id, which A's listener hears
	 * before A parts. */
	memset(update_fee + 2, 0xab, 32);
	CHECK(peer_send(connect.peer, update_fee, sizeof(update_fee)));
	for (int i = 0; i < 3 && (a.heard.gone == 0 || b.heard.gone == 0); i++)
		run(base);
	CHECK(b.heard.messages == 1 && b.heard.last_type == WIRE_UPDATE_FEE_TYPE);
	CHECK(a.heard.errors == 1 && a.heard.error_has_channel_id);
	CHECK(a.heard.error_channel_id[0] == 0xab && a.heard.error_channel_id[31] == 0xab);
	CHECK(a.heard.messages == 0 && b.heard.errors == 0);
	CHECK(a.heard.gone == 1 && b.heard.gone == 1);
out:
	peer_manager_free(a.manager);
	peer_manager_free(b.manager);
	peer_manager_free(c.manager);
	if (db)
		db_close(db);
	if (log)
		log_free(log);
	if (base)
		event_base_free(base);
	if (secp)
		secp256k1_context_destroy(secp);
}

int main(void)
{
	RUN(test_news_goes_up_through_the_listener);
	return test_done();
}
