/* gossip/graph: the in-memory graph fed through the checks as the daemon
 * will (signed messages, a byte store, refs as offsets), pruning, the
 * query answers, index churn, and the bytes per channel direction. */
#include <string.h>

#include "crypto/hash.h"
#include "gossip/channel_announcement.h"
#include "gossip/channel_update.h"
#include "gossip/encoding.h"
#include "gossip/graph.h"
#include "gossip/node_announcement.h"
#include "gossip/pending.h"
#include "tests/unit/gossip_helpers.h"
#include "tests/unit/keys.h"
#include "tests/unit/test.h"

static secp256k1_context *ctx;
static struct gossip_test_node nodes[4], funding[4];
#define NOW 1700000000u

/* The caller's store: every accepted message appended, a ref its offset. */
static struct wirebuf *store;

static graph_ref store_put(const struct wirebuf *msg)
{
	graph_ref ref = store->len;

	towire_u16(store, (uint16_t)msg->len);
	wirebuf_append(store, msg->data, msg->len);
	return ref;
}

static const uint8_t *store_get(graph_ref ref, size_t *len)
{
	*len = (size_t)store->data[ref] << 8 | store->data[ref + 1];
	return store->data + ref + 2;
}

static uint64_t scid_of(uint32_t block, uint32_t tx)
{
	struct short_channel_id s;

	short_channel_id_from_parts(&s, block, tx, 0);
	return s.u64;
}

/* The daemon's order: known?, checks, funding, add. */
static struct gossip_verdict ingest_channel(struct graph *g, int i, int j, uint64_t scid)
{
	struct msg_channel_announcement m, *ann = NULL;
	bool swapped;
	struct wirebuf *w, *script = wirebuf_new();
	struct funding_output out;
	uint64_t capacity = 0;
	struct gossip_verdict v;
	struct pubkey keys[2];

	m = gossip_test_channel(&nodes[i], &funding[i], &nodes[j], &funding[j], scid, &swapped);
	w = gossip_test_sign_channel(ctx, &m, &nodes[i], &funding[i], &nodes[j], &funding[j], swapped);
	if (graph_channel_known(g, m.short_channel_id, m.node_id_1.bytes, m.node_id_2.bytes)
	    != GRAPH_UNKNOWN) {
		v = gossip_verdict(GOSSIP_IGNORE, "known");
		goto out;
	}
	v = channel_announcement_check(ctx, NULL, &gossip_test_chain, w->data, w->len, &ann, keys);
	if (v.action != GOSSIP_ACCEPT)
		goto out;
	channel_script_funding_output(script, ctx, &funding[i].pub, &funding[j].pub);
	out = (struct funding_output){ true, false, script->data, script->len, 2000000, 10 };
	v = channel_announcement_check_funding(ctx, keys, &out, &capacity);
	if (v.action == GOSSIP_ACCEPT)
		graph_add_channel(g, ann->short_channel_id, ann->node_id_1.bytes, ann->node_id_2.bytes,
				  capacity, !channel_announcement_has_unknown_even_features(ann),
				  store_put(w), NOW);
	msg_channel_announcement_free(ann);
out:
	wirebuf_free(script);
	wirebuf_free(w);
	return v;
}

static struct gossip_verdict ingest_update(struct graph *g, int signer, uint64_t scid, int dir,
					   uint32_t timestamp, uint32_t fee)
{
	struct wirebuf *w = gossip_test_update(ctx, &nodes[signer], scid, dir, timestamp, fee);
	struct channel_update_facts facts;
	struct channel_update_info info;
	struct short_channel_id s = { scid };
	struct gossip_verdict v;

	graph_channel_update_facts(g, s, &facts);
	v = channel_update_check_gossip(ctx, &gossip_test_chain, w->data, w->len, &facts, NOW, &info);
	if (v.action == GOSSIP_ACCEPT)
		CHECK(graph_set_update(g, &info, store_put(w)));
	wirebuf_free(w);
	return v;
}

static struct gossip_verdict ingest_node(struct graph *g, int i, uint32_t timestamp)
{
	static const uint8_t ipv4[] = { 1, 127, 0, 0, 1, 0x26, 0x07 };
	struct wirebuf *w = gossip_test_node_announcement(ctx, &nodes[i], timestamp, ipv4, sizeof(ipv4));
	struct node_announcement_facts facts;
	struct node_announcement_info info;
	struct gossip_verdict v;

	graph_node_facts(g, nodes[i].id, &facts);
	v = node_announcement_check(ctx, w->data, w->len, &facts, &info);
	if (v.action == GOSSIP_ACCEPT) {
		CHECK(graph_set_node_announcement(g, nodes[i].id, info.m->timestamp,
						  info.has_unknown_even_features, info.is_forwardable,
						  store_put(w)));
		msg_node_announcement_free(info.m);
		node_addresses_clear(&info.addrs);
	}
	wirebuf_free(w);
	return v;
}

/* The direction node i signs on channel i–j. */
static int dir_of(int i, int j)
{
	return memcmp(nodes[i].id, nodes[j].id, PUBKEY_CMPR_LEN) < 0 ? 0 : 1;
}

/* Whether the stored message at ref has this type. */
static bool is_type(graph_ref ref, uint16_t type)
{
	size_t len;
	const uint8_t *p = store_get(ref, &len);

	return len >= 2 && (p[0] << 8 | p[1]) == type;
}

static void test_graph_ingest(void)
{
	struct graph *g = graph_new();
	struct graph_channel c;
	struct graph_node n;
	struct short_channel_id s01 = { scid_of(100, 1) }, s12 = { scid_of(101, 1) };

	store = wirebuf_new();
	CHECK(graph_num_channels(g) == 0 && graph_num_nodes(g) == 0);
	/* BOLT #7: node_announcement only for nodes known from a channel. */
	CHECK(ingest_node(g, 0, NOW).action == GOSSIP_IGNORE);
	CHECK(ingest_channel(g, 0, 1, s01.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_channel(g, 1, 2, s12.u64).action == GOSSIP_ACCEPT);
	/* The same again: a duplicate, found before any signature check. */
	CHECK(ingest_channel(g, 1, 2, s12.u64).action == GOSSIP_IGNORE);
	CHECK(graph_num_channels(g) == 2 && graph_num_nodes(g) == 3);
	CHECK(ingest_node(g, 0, NOW).action == GOSSIP_ACCEPT);
	CHECK(ingest_node(g, 0, NOW).action == GOSSIP_IGNORE);
	CHECK(ingest_node(g, 0, NOW + 1).action == GOSSIP_ACCEPT);
	CHECK(graph_get_node(g, nodes[0].id, &n) && n.has_announcement && n.timestamp == NOW + 1
	      && n.num_channels == 1);
	CHECK(graph_get_node(g, nodes[1].id, &n) && !n.has_announcement && n.num_channels == 2);
	CHECK(!graph_get_node(g, nodes[3].id, &n));
	/* Updates: the direction's signer, timestamps only forward. */
	CHECK(ingest_update(g, 0, s01.u64, dir_of(0, 1), NOW, 1000).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 0, s01.u64, dir_of(0, 1), NOW - 1, 5).action == GOSSIP_IGNORE);
	CHECK(ingest_update(g, 1, s01.u64, dir_of(0, 1), NOW + 1, 5).action == GOSSIP_CLOSE);
	CHECK(ingest_update(g, 1, s01.u64, dir_of(1, 0), NOW, 2000).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 0, scid_of(999, 1), 0, NOW, 1).action == GOSSIP_DEFER);
	CHECK(graph_get_channel(g, s01, &c));
	CHECK(c.capacity_sat == 2000000 && c.is_routable && !c.is_spent);
	CHECK(c.dir[dir_of(0, 1)].fee_base_msat == 1000 && c.dir[dir_of(1, 0)].fee_base_msat == 2000);
	CHECK(c.dir[0].has_update && c.dir[1].has_update && c.dir[0].is_routable);
	CHECK(c.dir[0].cltv_expiry_delta == 34 && c.dir[0].htlc_maximum_msat == 500000000);
	/* The refs point at the signed messages. */
	CHECK(is_type(c.announcement, 256) && is_type(c.dir[0].update, 258));
	/* A conflicting announcement of the same scid. */
	CHECK(graph_channel_known(g, s01, nodes[2].id, nodes[3].id) == GRAPH_CONFLICT);
	CHECK(graph_channel_known(g, s01, c.node_id[0], c.node_id[1]) == GRAPH_SAME);
	/* Spent: updates ignored unless they disable. */
	CHECK(graph_mark_spent(g, s01, 500));
	CHECK(ingest_update(g, 0, s01.u64, dir_of(0, 1), NOW + 5, 1000).action == GOSSIP_IGNORE);
	graph_free(g);
	wirebuf_free(store);
}

static bool count_channel(void *arg, const struct graph_channel *chan)
{
	(void)chan;
	(*(int *)arg)++;
	return true;
}

static bool count_node(void *arg, const struct graph_node *node)
{
	(void)node;
	(*(int *)arg)++;
	return true;
}

static bool stop_at_first(void *arg, const struct graph_channel *chan)
{
	(void)chan;
	(*(int *)arg)++;
	return false;
}

/* BOLT #7 pruning: spent and 72 blocks deep; a direction older than two
 * weeks; then nodes without channels. */
static void test_graph_prune(void)
{
	struct graph *g = graph_new();
	struct short_channel_id s01 = { scid_of(100, 1) }, s12 = { scid_of(101, 1) };
	struct short_channel_id s23 = { scid_of(102, 1) }, *removed = NULL;
	int count = 0;

	store = wirebuf_new();
	CHECK(ingest_channel(g, 0, 1, s01.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_channel(g, 1, 2, s12.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_channel(g, 2, 3, s23.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 0, s01.u64, dir_of(0, 1), NOW, 1).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 1, s01.u64, dir_of(1, 0), NOW, 1).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 1, s12.u64, dir_of(1, 2), NOW, 1).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 2, s12.u64, dir_of(2, 1), NOW - 1000, 1).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 2, s23.u64, dir_of(2, 3), NOW, 1).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 3, s23.u64, dir_of(3, 2), NOW, 1).action == GOSSIP_ACCEPT);
	CHECK(graph_node_channels(g, nodes[1].id, count_channel, &count) && count == 2);
	count = 0;
	graph_foreach_channel(g, count_channel, &count);
	CHECK(count == 3);
	count = 0;
	graph_foreach_node(g, count_node, &count);
	CHECK(count == 4);
	count = 0;
	graph_foreach_channel(g, stop_at_first, &count);
	CHECK(count == 1);
	/* A spend undone (a reorg) is as if it never was. */
	CHECK(graph_mark_spent(g, s01, 400));
	CHECK(graph_unmark_spent(g, s01));
	CHECK(graph_prune(g, NOW, 471, NULL) == 0);
	{
		struct graph_channel c;

		CHECK(graph_get_channel(g, s01, &c) && !c.is_spent);
	}
	/* s01 spent at block 500: 72 confirmations at block 571. */
	CHECK(graph_mark_spent(g, s01, 500));
	CHECK(graph_prune(g, NOW, 570, NULL) == 0);
	CHECK(graph_prune(g, NOW, 571, &removed) == 1);
	CHECK(removed && removed[0].u64 == s01.u64);
	free(removed);
	/* Node 0 went with its only channel. */
	CHECK(graph_num_nodes(g) == 3 && graph_num_channels(g) == 2);
	{
		struct graph_node n;

		CHECK(!graph_get_node(g, nodes[0].id, &n));
	}
	/* s12's older direction passes two weeks first: either direction
	 * stale prunes the channel. */
	CHECK(graph_prune(g, NOW - 1000 + GOSSIP_STALE_SECONDS, 600, NULL) == 0);
	CHECK(graph_prune(g, NOW - 1000 + GOSSIP_STALE_SECONDS + 1, 600, &removed) == 1);
	CHECK(removed && removed[0].u64 == s12.u64);
	free(removed);
	CHECK(graph_num_nodes(g) == 2);
	count = 0;
	CHECK(!graph_node_channels(g, nodes[1].id, count_channel, &count));
	/* A direction never updated ages from the channel's arrival. */
	{
		struct short_channel_id s30 = { scid_of(103, 1) };

		CHECK(ingest_channel(g, 3, 0, s30.u64).action == GOSSIP_ACCEPT);
		CHECK(ingest_update(g, 3, s30.u64, dir_of(3, 0), NOW + 50000, 1).action
		      == GOSSIP_ACCEPT);
		CHECK(graph_prune(g, NOW + GOSSIP_STALE_SECONDS, 600, NULL) == 0);
		CHECK(graph_prune(g, NOW + GOSSIP_STALE_SECONDS + 1, 600, &removed) == 2);
		free(removed);
	}
	CHECK(graph_num_nodes(g) == 0 && graph_num_channels(g) == 0);
	graph_free(g);
	wirebuf_free(store);
}

static void test_graph_queries(void)
{
	struct graph *g = graph_new();
	struct short_channel_id s01 = { scid_of(100, 1) }, s12 = { scid_of(101, 1) };
	struct short_channel_id s23 = { scid_of(101, 0) }, unknown = { scid_of(5, 5) };
	struct graph_range_entry *e = NULL;
	graph_ref *refs = NULL;
	struct graph_channel c01, c12;
	size_t n;

	store = wirebuf_new();
	CHECK(ingest_channel(g, 0, 1, s01.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_channel(g, 1, 2, s12.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_channel(g, 2, 3, s23.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 0, s01.u64, dir_of(0, 1), NOW, 1).action == GOSSIP_ACCEPT);
	CHECK(ingest_update(g, 2, s12.u64, dir_of(2, 1), NOW + 7, 1).action == GOSSIP_ACCEPT);
	CHECK(ingest_node(g, 0, NOW).action == GOSSIP_ACCEPT);
	CHECK(ingest_node(g, 1, NOW).action == GOSSIP_ACCEPT);
	CHECK(graph_get_channel(g, s01, &c01) && graph_get_channel(g, s12, &c12));
	/* reply_channel_range: by scid, timestamps and checksums, 0 for a
	 * direction without an update. */
	n = graph_channels_in_range(g, 100, 2, &e);
	CHECK(n == 3);
	CHECK(n == 3 && e[0].scid.u64 == s01.u64 && e[1].scid.u64 == s23.u64
	      && e[2].scid.u64 == s12.u64);
	CHECK(n == 3 && e[0].timestamp[dir_of(0, 1)] == NOW && e[0].timestamp[dir_of(1, 0)] == 0);
	CHECK(n == 3 && e[0].checksum[dir_of(0, 1)] == c01.dir[dir_of(0, 1)].checksum
	      && e[0].checksum[dir_of(0, 1)] != 0 && e[0].checksum[dir_of(1, 0)] == 0);
	CHECK(n == 3 && e[2].timestamp[dir_of(2, 1)] == NOW + 7);
	free(e);
	CHECK(graph_channels_in_range(g, 101, 1, &e) == 2);
	free(e);
	CHECK(graph_channels_in_range(g, 102, 100, &e) == 0 && e == NULL);
	graph_mark_spent(g, s23, 200);
	CHECK(graph_channels_in_range(g, 101, 1, &e) == 1);
	free(e);
	/* query_short_channel_ids without flags: announcement, updates,
	 * then each node's announcement once. */
	{
		struct short_channel_id q[3] = { s01, unknown, s12 };

		n = graph_reply_scids(g, q, NULL, 3, &refs);
		/* s01: ann, its 1 update, node 0 and node 1; s12: ann, its
		 * 1 update (node 1 already sent, node 2 has none). */
		CHECK(n == 6);
		CHECK(n == 6 && refs[0] == c01.announcement && refs[1] == c01.dir[dir_of(0, 1)].update);
		CHECK(n == 6 && refs[4] == c12.announcement && refs[5] == c12.dir[dir_of(2, 1)].update);
		CHECK(n == 6 && is_type(refs[2], 257) && is_type(refs[3], 257));
		free(refs);
	}
	/* With query_flags: only what each flag asks. */
	{
		struct short_channel_id q[2] = { s01, s12 };
		uint64_t flags[2] = { QUERY_FLAG_CHANNEL_UPDATE_1 << dir_of(0, 1),
				      QUERY_FLAG_CHANNEL_ANNOUNCEMENT
				      | (QUERY_FLAG_NODE_ANNOUNCEMENT_1 << dir_of(1, 2)) };

		n = graph_reply_scids(g, q, flags, 2, &refs);
		CHECK(n == 3);
		CHECK(n == 3 && refs[0] == c01.dir[dir_of(0, 1)].update
		      && refs[1] == c12.announcement && is_type(refs[2], 257));
		free(refs);
		/* A flag for an update that does not exist sends nothing. */
		flags[0] = QUERY_FLAG_CHANNEL_UPDATE_1 << dir_of(1, 0);
		CHECK(graph_reply_scids(g, q, flags, 1, &refs) == 0);
		free(refs);
	}
	graph_free(g);
	wirebuf_free(store);
}

/* BOLT #7: conflicting announcements: "SHOULD blacklist ... AND forget
 * any channels connected to them"; and a node_announcement that "MUST
 * not" be forwarded is not in query replies. */
static void test_graph_remove_node_and_not_forwardable(void)
{
	struct graph *g = graph_new();
	struct short_channel_id s01 = { scid_of(100, 1) }, s12 = { scid_of(101, 1) };
	struct short_channel_id s23 = { scid_of(102, 1) }, *removed = NULL;
	graph_ref *refs = NULL;
	struct graph_node n;

	store = wirebuf_new();
	CHECK(ingest_channel(g, 0, 1, s01.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_channel(g, 1, 2, s12.u64).action == GOSSIP_ACCEPT);
	CHECK(ingest_channel(g, 2, 3, s23.u64).action == GOSSIP_ACCEPT);
	CHECK(graph_set_node_announcement(g, nodes[2].id, NOW, false, false, 12345));
	CHECK(graph_get_node(g, nodes[2].id, &n) && !n.is_forwardable);
	CHECK(graph_reply_scids(g, &s23, NULL, 1, &refs) == 1);	/* the announcement */
	free(refs);
	CHECK(graph_remove_node(g, nodes[1].id, &removed) == 2);
	CHECK(removed && ((removed[0].u64 == s01.u64 && removed[1].u64 == s12.u64)
			  || (removed[0].u64 == s12.u64 && removed[1].u64 == s01.u64)));
	free(removed);
	CHECK(!graph_get_node(g, nodes[0].id, &n) && !graph_get_node(g, nodes[1].id, &n));
	CHECK(graph_get_node(g, nodes[2].id, &n) && n.num_channels == 1);
	CHECK(graph_num_channels(g) == 1 && graph_num_nodes(g) == 2);
	CHECK(graph_remove_node(g, nodes[1].id, NULL) == 0);
	graph_free(g);
	wirebuf_free(store);
}

/* An update before its announcement: DEFER, held, taken back once the
 * announcement is in, and then accepted; the holder's bounds. */
static void test_pending_updates(void)
{
	struct graph *g = graph_new();
	struct gossip_pending *p = gossip_pending_new(3);
	struct short_channel_id s01 = { scid_of(100, 1) }, s99 = { scid_of(99, 9) };
	struct wirebuf *u = gossip_test_update(ctx, &nodes[0], s01.u64, dir_of(0, 1), NOW, 77);
	struct wirebuf *older = gossip_test_update(ctx, &nodes[0], s01.u64, dir_of(0, 1), NOW - 5, 1);
	struct gossip_pending_update out[2];
	struct channel_update_facts facts;
	struct channel_update_info info;
	struct graph_channel c;

	store = wirebuf_new();
	graph_channel_update_facts(g, s01, &facts);
	CHECK(channel_update_check_gossip(ctx, &gossip_test_chain, u->data, u->len, &facts, NOW,
					  &info).action == GOSSIP_DEFER);
	CHECK(gossip_pending_add(p, u->data, u->len, NOW));
	/* Not again, and not an older one of the same direction. */
	CHECK(!gossip_pending_add(p, u->data, u->len, NOW));
	CHECK(!gossip_pending_add(p, older->data, older->len, NOW));
	CHECK(!gossip_pending_add(p, u->data, u->len - 1, NOW));
	CHECK(gossip_pending_count(p) == 1);
	CHECK(gossip_pending_take(p, s99, out) == 0);
	CHECK(ingest_channel(g, 0, 1, s01.u64).action == GOSSIP_ACCEPT);
	CHECK(gossip_pending_take(p, s01, out) == 1);
	CHECK(out[0].len == u->len && memcmp(out[0].msg, u->data, u->len) == 0);
	graph_channel_update_facts(g, s01, &facts);
	CHECK(channel_update_check_gossip(ctx, &gossip_test_chain, out[0].msg, out[0].len, &facts,
					  NOW, &info).action == GOSSIP_ACCEPT);
	CHECK(graph_set_update(g, &info, 0));
	CHECK(graph_get_channel(g, s01, &c) && c.dir[dir_of(0, 1)].fee_base_msat == 77);
	free(out[0].msg);
	CHECK(gossip_pending_count(p) == 0);
	/* Bounded: the fourth pushes out the first; expiry by arrival. */
	for (uint32_t i = 0; i < 4; i++) {
		struct wirebuf *w = gossip_test_update(ctx, &nodes[0], scid_of(200 + i, 0), 0, NOW, 1);

		CHECK(gossip_pending_add(p, w->data, w->len, NOW + i * 100));
		wirebuf_free(w);
	}
	CHECK(gossip_pending_count(p) == 3);
	{
		struct short_channel_id first = { scid_of(200, 0) };

		CHECK(gossip_pending_take(p, first, out) == 0);
	}
	CHECK(gossip_pending_expire(p, NOW + 100 + GOSSIP_PENDING_SECONDS, GOSSIP_PENDING_SECONDS)
	      == 0);
	CHECK(gossip_pending_expire(p, NOW + 200 + GOSSIP_PENDING_SECONDS + 1,
				    GOSSIP_PENDING_SECONDS) == 2);
	CHECK(gossip_pending_count(p) == 1);
	gossip_pending_free(p);
	wirebuf_free(u);
	wirebuf_free(older);
	graph_free(g);
	wirebuf_free(store);
}

/* Spam: four updates in a burst are relayed, the fifth is not (but is
 * taken); an hour of the node's own timestamps earns one more. */
static void test_ratelimit(void)
{
	struct graph *g = graph_new();
	struct short_channel_id s01 = { scid_of(100, 1) };
	struct channel_update_info info;
	uint32_t t = NOW - 10 * GOSSIP_TOKEN_SECONDS;
	int d = dir_of(0, 1);

	store = wirebuf_new();
	CHECK(ingest_channel(g, 0, 1, s01.u64).action == GOSSIP_ACCEPT);
	memset(&info, 0, sizeof(info));
	info.m.short_channel_id = s01;
	info.direction = d;
	for (int i = 0; i < GOSSIP_TOKENS_MAX; i++) {
		info.m.timestamp = t + (uint32_t)i;
		CHECK(!graph_update_is_spam(g, &info));
		CHECK(graph_set_update(g, &info, 0));
	}
	info.m.timestamp = t + 100;
	CHECK(graph_update_is_spam(g, &info));
	CHECK(graph_set_update(g, &info, 0));
	/* The other direction has its own bucket. */
	info.direction = !d;
	CHECK(!graph_update_is_spam(g, &info));
	info.direction = d;
	info.m.timestamp = t + 100 + GOSSIP_TOKEN_SECONDS - 1;
	CHECK(graph_update_is_spam(g, &info));
	info.m.timestamp = t + 100 + GOSSIP_TOKEN_SECONDS;
	CHECK(!graph_update_is_spam(g, &info));
	CHECK(graph_set_update(g, &info, 0));
	CHECK(graph_update_is_spam(g, &info));
	/* Node announcements: the same. */
	for (int i = 0; i < GOSSIP_TOKENS_MAX; i++) {
		CHECK(!graph_node_announcement_is_spam(g, nodes[0].id, t + (uint32_t)i));
		CHECK(graph_set_node_announcement(g, nodes[0].id, t + (uint32_t)i, false, true, 0));
	}
	CHECK(graph_node_announcement_is_spam(g, nodes[0].id, t + 10));
	CHECK(!graph_node_announcement_is_spam(g, nodes[0].id, t + 3 + GOSSIP_TOKEN_SECONDS));
	CHECK(!graph_node_announcement_is_spam(g, nodes[1].id, t));
	graph_free(g);
	wirebuf_free(store);
}

/* A synthetic node id: 02 and a hash, as random as a real one. */
static void synthetic_id(uint8_t id[PUBKEY_CMPR_LEN], uint32_t i)
{
	struct sha256 h;

	sha256(&h, &i, sizeof(i));
	id[0] = 2;
	memcpy(id + 1, h.u8, 32);
}

/* Today's network shape (15,000 nodes, 50,000 channels, both
 * directions updated), then churn: every lookup still right after half
 * the channels go (the index's backward-shift deletion) and new ones
 * reuse their slots.  And the goal: under 100 bytes per direction. */
static void test_graph_scale_and_memory(void)
{
	enum { NODES = 15000, CHANNELS = 50000 };
	struct graph *g = graph_new();
	uint8_t id1[PUBKEY_CMPR_LEN], id2[PUBKEY_CMPR_LEN];
	struct channel_update_info info;
	size_t bytes;
	double per_direction;
	bool all_found = true;

	memset(&info, 0, sizeof(info));
	for (uint32_t i = 0; i < CHANNELS; i++) {
		struct short_channel_id s = { scid_of(500000 + i / 8, i % 8) };
		uint32_t a = i % NODES, b = (i * 7919 + 1) % NODES;

		if (a == b)
			b = (b + 1) % NODES;
		synthetic_id(id1, a);
		synthetic_id(id2, b);
		if (memcmp(id1, id2, PUBKEY_CMPR_LEN) > 0)
			graph_add_channel(g, s, id2, id1, 1000000, true, i * 300, NOW);
		else
			graph_add_channel(g, s, id1, id2, 1000000, true, i * 300, NOW);
		for (int d = 0; d < 2; d++) {
			info.m.short_channel_id = s;
			info.m.timestamp = NOW + i;
			info.direction = d;
			info.m.fee_base_msat = i;
			CHECK(graph_set_update(g, &info, i * 300 + 100 + d));
		}
	}
	CHECK(graph_num_channels(g) == CHANNELS && graph_num_nodes(g) == NODES);
	bytes = graph_memory(g);
	per_direction = (double)bytes / (2.0 * CHANNELS);
	printf("# %d nodes, %d channels: %zu bytes, %.1f bytes per channel direction\n",
	       NODES, CHANNELS, bytes, per_direction);
	CHECK_MSG(per_direction < 100, "%.1f bytes per direction", per_direction);
	/* Remove every other channel, then look every one up. */
	for (uint32_t i = 0; i < CHANNELS; i += 2) {
		struct short_channel_id s = { scid_of(500000 + i / 8, i % 8) };

		CHECK(graph_remove_channel(g, s));
	}
	for (uint32_t i = 0; i < CHANNELS; i++) {
		struct short_channel_id s = { scid_of(500000 + i / 8, i % 8) };
		struct graph_channel c;
		bool found = graph_get_channel(g, s, &c);

		if (found != (i % 2 == 1) || (found && c.dir[1].fee_base_msat != i))
			all_found = false;
	}
	CHECK(all_found);
	CHECK(graph_num_channels(g) == CHANNELS / 2);
	/* New channels take the freed slots: no growth. */
	for (uint32_t i = 0; i < CHANNELS / 2; i++) {
		struct short_channel_id s = { scid_of(600000 + i, 0) };

		synthetic_id(id1, i % NODES);
		synthetic_id(id2, (i + 1) % NODES);
		if (memcmp(id1, id2, PUBKEY_CMPR_LEN) > 0)
			graph_add_channel(g, s, id2, id1, 1, true, 0, NOW);
		else
			graph_add_channel(g, s, id1, id2, 1, true, 0, NOW);
	}
	CHECK(graph_num_channels(g) == CHANNELS);
	CHECK(graph_memory(g) <= bytes);
	/* Everything pruned at once leaves nothing behind. */
	CHECK(graph_prune(g, NOW + 100 * GOSSIP_STALE_SECONDS, 0, NULL) == CHANNELS);
	CHECK(graph_num_channels(g) == 0 && graph_num_nodes(g) == 0);
	graph_free(g);
}

int main(void)
{
	ctx = keys_context_new();
	for (int i = 0; i < 4; i++) {
		gossip_test_node_make(ctx, &nodes[i], (uint32_t)i + 1, 0);
		gossip_test_node_make(ctx, &funding[i], (uint32_t)i + 1, 1);
	}
	RUN(test_graph_ingest);
	RUN(test_graph_prune);
	RUN(test_graph_queries);
	RUN(test_graph_remove_node_and_not_forwardable);
	RUN(test_pending_updates);
	RUN(test_ratelimit);
	RUN(test_graph_scale_and_memory);
	secp256k1_context_destroy(ctx);
	return test_done();
}
