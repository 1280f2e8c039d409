/* The gossip subsystem's own-gossip entry (daemon/gossip/gossip.h
 * gossip_add_own) with the real store, chain and peer manager in one
 * process: no bitcoind (the channel is in the store already, as after a
 * restart), no peers. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/chainparams.h"
#include "crypto/secp.h"
#include "daemon/chain/chain.h"
#include "daemon/config.h"
#include "daemon/gossip/gossip.h"
#include "daemon/gossip/gossip_store.h"
#include "daemon/log.h"
#include "daemon/net/peers.h"
#include "db/db.h"
#include "db/migrations.h"
#include "tests/unit/gossip_helpers.h"
#include "tests/unit/test.h"

#define SCID ((uint64_t)103 << 40 | (uint64_t)1 << 16)
#define NOW_TS ((uint32_t)time(NULL))

struct rig {
	secp256k1_context *secp;
	struct event_base *base;
	struct log *log;
	struct db *db;
	struct config config;
	struct chain *chain;
	struct peer_manager *peers;
	struct gossip *gossip;
	struct gossip_test_node us, them, fus, fthem;
	bool swapped;
};

static bool rig_start(struct rig *r, bool with_channel)
{
	char err[300] = "";
	uint8_t secret[32];
	struct chain_options opts;

	memset(r, 0, sizeof(*r));
	r->secp = crypto_secp_context_new();
	r->base = event_base_new();
	r->log = log_new("/dev/null", LOG_DEBUG);
	r->db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));
	CHECK_MSG(r->db, "%s", err);
	if (!r->secp || !r->base || !r->log || !r->db)
		return false;
	gossip_test_node_make(r->secp, &r->us, 1, 0);
	gossip_test_node_make(r->secp, &r->them, 2, 0);
	gossip_test_node_make(r->secp, &r->fus, 1, 7);
	gossip_test_node_make(r->secp, &r->fthem, 2, 7);
	r->config.chainparams = chainparams_for_network("regtest");
	if (with_channel) {
		struct msg_channel_announcement m = gossip_test_channel(&r->us, &r->fus, &r->them,
									&r->fthem, SCID, &r->swapped);
		struct wirebuf *ann = gossip_test_sign_channel(r->secp, &m, &r->us, &r->fus,
							       &r->them, &r->fthem, r->swapped);
		struct bitcoin_txid txid;

		memset(&txid, 0x33, sizeof(txid));
		CHECK(gossip_store_add_channel(r->db, 1, m.short_channel_id, ann->data, ann->len,
					       500000, &txid));
		wirebuf_free(ann);
	}
	opts.params = r->config.chainparams;
	opts.poll_interval_secs = 30;
	r->chain = chain_new(r->base, r->log, r->db, NULL, &opts, err, sizeof(err));
	CHECK_MSG(r->chain, "%s", err);
	memcpy(secret, r->us.key.secret.data, 32);
	struct peer_manager_setup psetup = {
		.base = r->base, .log = r->log, .db = r->db, .config = &r->config,
		.secp = r->secp, .node_secret = secret,
	};
	r->peers = peer_manager_new(&psetup, err, sizeof(err));
	CHECK_MSG(r->peers, "%s", err);
	if (!r->chain || !r->peers)
		return false;
	struct gossip_setup gsetup = {
		.base = r->base, .log = r->log, .db = r->db, .config = &r->config, .secp = r->secp,
		.chain = r->chain, .peers = r->peers, .node_id = r->us.id,
	};
	r->gossip = gossip_new(&gsetup, err, sizeof(err));
	CHECK_MSG(r->gossip, "%s", err);
	return r->gossip != NULL;
}

static void rig_stop(struct rig *r)
{
	peer_manager_free(r->peers);
	gossip_free(r->gossip);
	chain_free(r->chain);
	db_close(r->db);
	log_free(r->log);
	if (r->base)
		event_base_free(r->base);
	if (r->secp)
		crypto_secp_context_destroy(r->secp);
}

static bool count_row(void *arg, const struct gossip_store_row *row)
{
	(void)row;
	(*(size_t *)arg)++;
	return true;
}

/* Our update and node_announcement enter the graph and the store; one
 * we did not sign (or an older one) is refused with a reason. */
static void test_own_gossip_is_taken(void)
{
	struct rig r;
	struct graph_channel chan;
	struct graph_node node;
	struct short_channel_id scid = { SCID };
	struct wirebuf *upd, *old, *bad, *na;
	int our_dir;
	char err[200] = "";
	size_t rows = 0;

	if (!rig_start(&r, true))
		goto out;
	our_dir = r.swapped ? 1 : 0;
	upd = gossip_test_update(r.secp, &r.us, SCID, our_dir, NOW_TS, 1234);
	CHECK_MSG(gossip_add_own(r.gossip, upd->data, upd->len, err, sizeof(err)), "%s", err);
	CHECK(graph_get_channel(gossip_graph(r.gossip), scid, &chan));
	CHECK(chan.dir[our_dir].has_update && chan.dir[our_dir].fee_base_msat == 1234);
	CHECK(!chan.dir[!our_dir].has_update);
	/* The same again is fine; an older one, or one signed by the other
	 * node for our side, is refused. */
	CHECK(gossip_add_own(r.gossip, upd->data, upd->len, err, sizeof(err)));
	old = gossip_test_update(r.secp, &r.us, SCID, our_dir, NOW_TS - 10, 1000);
	CHECK(!gossip_add_own(r.gossip, old->data, old->len, err, sizeof(err)));
	CHECK_MSG(strstr(err, "older") != NULL, "%s", err);
	bad = gossip_test_update(r.secp, &r.them, SCID, our_dir, NOW_TS + 1, 99);
	CHECK(!gossip_add_own(r.gossip, bad->data, bad->len, err, sizeof(err)));
	CHECK_MSG(strstr(err, "signature") != NULL, "%s", err);
	na = gossip_test_node_announcement(r.secp, &r.us, NOW_TS, NULL, 0);
	CHECK_MSG(gossip_add_own(r.gossip, na->data, na->len, err, sizeof(err)), "%s", err);
	CHECK(graph_get_node(gossip_graph(r.gossip), r.us.id, &node) && node.has_announcement);
	wirebuf_free(upd);
	wirebuf_free(old);
	wirebuf_free(bad);
	wirebuf_free(na);
	/* Written by the time gossip stops: announcement, update, node. */
	gossip_free(r.gossip);
	r.gossip = NULL;
	CHECK(gossip_store_load(r.db, count_row, &rows));
	CHECK(rows == 3);
out:
	rig_stop(&r);
}

/* Before our channel is in the graph, our node_announcement waits
 * instead of being refused (the node has no channel yet). */
static void test_own_node_announcement_waits_for_a_channel(void)
{
	struct rig r;
	struct graph_node node;
	struct wirebuf *na;
	char err[200] = "";

	if (!rig_start(&r, false))
		goto out;
	na = gossip_test_node_announcement(r.secp, &r.us, NOW_TS, NULL, 0);
	CHECK_MSG(gossip_add_own(r.gossip, na->data, na->len, err, sizeof(err)), "%s", err);
	CHECK(!graph_get_node(gossip_graph(r.gossip), r.us.id, &node));
	wirebuf_free(na);
out:
	rig_stop(&r);
}

int main(void)
{
	RUN(test_own_gossip_is_taken);
	RUN(test_own_node_announcement_waits_for_a_channel);
	return test_done();
}
