/* Fuzz target: every BOLT #7 parser and check in gossip/, on bytes as a
 * peer would send them: the announcements and updates (through the same
 * checks the daemon will run, then into a graph when accepted), the
 * address descriptors, announcement_signatures, the query messages and
 * their encoded_ arrays, the replies and the timestamp filter.
 *
 * The seeds are signed messages of a channel 103x1x0 between nodes 1 and
 * 2 (secret keys 1 and 2; funding keys with 0x01 in their first byte), as
 * tests/unit/gossip_helpers.h makes them, so mutations start from messages
 * that pass every check, and BOLT #7's extended-queries vectors.
 *
 * Properties, beyond not crashing: an accepted message's decoded fields
 * encode back to the bytes it began with; a graph fed the accepted
 * messages answers its queries with refs it was given. */
#include <stdlib.h>
#include <string.h>

#include "channel/scripts.h"
#include "crypto/secp.h"
#include "gossip/channel_announcement.h"
#include "gossip/channel_update.h"
#include "gossip/encoding.h"
#include "gossip/graph.h"
#include "gossip/node_announcement.h"
#include "gossip/pending.h"
#include "gossip/query.h"
#include "tests/fuzz/fuzz.h"

const struct fuzz_seed fuzz_seeds[] = {
	/* channel_announcement 103x1x0 between nodes 1 and 2 */
	{"0100da70f88398b22f4a8e0a731e718dc31c8fcb61169601a64d94000a2a17ba54eb44676074d09c9a94f09ea63c9213e718634149abb263e8e2bfc395e21e33fbad9151365ae4a2b32b8f90f8c41b2d4a7a39fa426b49c89df75f85489caa47995c03c1d1d7164a9c40b444ff7f63ba7e57489e362f68ca5e307a7db5b3c8c3082e7a6e061d343474dcdc9a9e3a73c35ba9f961460eba3eff360cdf12f4084bc8224bba49dd26ef9f368d9a68ce3c3680583d28fd6362dd738bfc5b8ee037abc2679dfed8af83a7adc01ac243d378398601d14860c63f50cf1d50417a5505ef1af91c902405d00142151a2502e56ff0b55a992b67bd70f208cc78e0fc7377f550a2000006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f00006700000100000279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f8179802c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee502e4dbb4350d84eabec1d67e40a398a78a8e6d719d86914393fca83b88dbe927af027a9fde3d4bbf403f6297519e9c94eafcd016b8668956ffc9e9746439477a28dd"},
	/* its channel_update, direction 0 */
	{"0102dfaa60325fd547427dec19868ce8c393d09baec3762cd615c9d5b31e8217f5fc623a1d264e11c875dec1a7cd4c49b3d7d076db4ff24277232cd001011790de5a06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f00006700000100006553f100010000220000000000000001000003e80000000a000000001dcd6500"},
	/* its channel_update, direction 1 */
	{"0102c4b0d97b59fcd9198baa761f89a4e86fb22373498096f10c6b07d0d870527ce3496eb91f76a42326a55688c2d64b4f9310ba63dfe0fb148c5e8c6042e89e719306226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f00006700000100006553f100010100220000000000000001000003e80000000a000000001dcd6500"},
	/* node_announcement of node 1 with IPv4, IPv6, Tor v3 and DNS addresses */
	{"0101cadcae058dfbc091dac0d16af78a3c6fcc10af2e17eb7545a3b8050b61a624332511379ed25d9e77f8438cdf7799e43b895811901e545a44691baf3f6b7ebab100006553f1000279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f8179811000074657374206e6f64650000000000000000000000000000000000000000000000004d017f000001260702000000000000000000000000000000012607040102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223260705096c6f63616c686f73742607"},
	/* announcement_signatures of node 2 for it (channel_id 0707...) */
	{"0103070707070707070707070707070707070707070707070707070707070707070700006700000100009151365ae4a2b32b8f90f8c41b2d4a7a39fa426b49c89df75f85489caa47995c03c1d1d7164a9c40b444ff7f63ba7e57489e362f68ca5e307a7db5b3c8c3082e9dfed8af83a7adc01ac243d378398601d14860c63f50cf1d50417a5505ef1af91c902405d00142151a2502e56ff0b55a992b67bd70f208cc78e0fc7377f550a2"},
	/* BOLT #7 extended-queries vectors (regtest chain hash in the first
	 * two, so they reach the checks past the chain). */
	{"010706226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f0000006700000064010103"},
	{"010806226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f00000067000005dc01001900000000000000008e0000000000003c69000000000045a6c4"},
	{"01080f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e22060001ddde000005dc01001900000000000000304300000000000778d6000000000046e1c1011900000282c1000e77c5000778ad00490ab00000b57800955bff031800000457000008ae00000d050000115c000015b300001a0a"},
	{"01050f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e22060019000000000000002fc80000000000003cc4000000000045a6c4010c01789c6364620100000e0008"},
	{"010506226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f001900000000006700000100000000000000003c69000000000045a6c40104000102"},
	{"01080f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206000006400000006e01001601789c636000833e08659309a65878be010010a9023a"},
	/* gossip_timestamp_filter */
	{"010906226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f6553f10000001000"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

#define NOW 1700000000u
#define SCID ((uint64_t)103 << 40 | (uint64_t)1 << 16)

static secp256k1_context *ctx;
static struct chain_hash regtest;
static struct graph *graph;
static struct gossip_pending *pending;
static uint64_t next_ref;

static void setup(void)
{
	static const uint8_t genesis[32] = {
		0x06, 0x22, 0x6e, 0x46, 0x11, 0x1a, 0x0b, 0x59, 0xca, 0xaf, 0x12, 0x60,
		0x43, 0xeb, 0x5b, 0xbf, 0x28, 0xc3, 0x4f, 0x3a, 0x5e, 0x33, 0x2a, 0x1f,
		0xc7, 0xb2, 0xb7, 0x3c, 0xf1, 0x88, 0x91, 0x0f };

	ctx = crypto_secp_context_new();
	FUZZ_CHECK(ctx != NULL);
	memcpy(regtest.bytes, genesis, 32);
	graph = graph_new();
	pending = gossip_pending_new(16);
}

/* towire(fromwire(msg)) is msg, unless msg carries extension bytes the
 * codec skips: then it is a prefix. */
static void check_reencodes(const uint8_t *msg, size_t len, struct wirebuf *again)
{
	FUZZ_CHECK(again->len <= len && memcmp(again->data, msg, again->len) == 0);
	wirebuf_free(again);
}

static void fuzz_channel_announcement(const uint8_t *data, size_t size)
{
	struct msg_channel_announcement *ann = NULL;
	struct gossip_verdict v;
	struct pubkey k1, k2, keys[2];
	struct wirebuf *script;
	struct funding_output out;
	uint64_t capacity = 0;

	v = channel_announcement_check(ctx, NULL, &regtest, data, size, &ann, keys);
	if (v.action != GOSSIP_ACCEPT) {
		FUZZ_CHECK(v.reason != NULL && ann == NULL);
		return;
	}
	check_reencodes(data, size, towire_channel_announcement(ann));
	channel_announcement_has_unknown_even_features(ann);
	FUZZ_CHECK(pubkey_parse(ctx, &k1, ann->bitcoin_key_1.bytes)
		   && pubkey_parse(ctx, &k2, ann->bitcoin_key_2.bytes));
	script = wirebuf_new();
	channel_script_funding_output(script, ctx, &k1, &k2);
	out = (struct funding_output){ true, false, script->data, script->len, 1000000, 6 };
	FUZZ_CHECK(pubkey_eq(ctx, &k1, &keys[0]) && pubkey_eq(ctx, &k2, &keys[1]));
	FUZZ_CHECK(channel_announcement_check_funding(ctx, keys, &out, &capacity).action
		   == GOSSIP_ACCEPT && capacity == 1000000);
	if (graph_channel_known(graph, ann->short_channel_id, ann->node_id_1.bytes,
				ann->node_id_2.bytes) == GRAPH_UNKNOWN) {
		struct gossip_pending_update held[2];
		size_t n;

		graph_add_channel(graph, ann->short_channel_id, ann->node_id_1.bytes,
				  ann->node_id_2.bytes, capacity, true, next_ref++, NOW);
		/* The updates that waited for it. */
		n = gossip_pending_take(pending, ann->short_channel_id, held);
		FUZZ_CHECK(n <= 2);
		for (size_t i = 0; i < n; i++) {
			struct channel_update_facts facts;
			struct channel_update_info info;

			graph_channel_update_facts(graph, ann->short_channel_id, &facts);
			if (channel_update_check_gossip(ctx, &regtest, held[i].msg, held[i].len, &facts,
							NOW, &info).action == GOSSIP_ACCEPT)
				FUZZ_CHECK(graph_set_update(graph, &info, next_ref++));
			free(held[i].msg);
		}
	}
	wirebuf_free(script);
	msg_channel_announcement_free(ann);
}

static void fuzz_channel_update(const uint8_t *data, size_t size)
{
	struct channel_update_facts facts;
	struct channel_update_info info;
	struct msg_channel_update *m;
	struct gossip_verdict v;

	if (!fromwire_channel_update(data, size, &m))
		return;
	graph_channel_update_facts(graph, m->short_channel_id, &facts);
	msg_channel_update_free(m);
	v = channel_update_check_gossip(ctx, &regtest, data, size, &facts, NOW, &info);
	if (v.action == GOSSIP_DEFER) {
		gossip_pending_add(pending, data, size, NOW);
		FUZZ_CHECK(gossip_pending_count(pending) <= 16);
	}
	if (v.action == GOSSIP_ACCEPT) {
		graph_update_is_spam(graph, &info);
		FUZZ_CHECK(graph_set_update(graph, &info, next_ref++));
		check_reencodes(data, size, towire_channel_update(&info.m));
	}
}

static void fuzz_node_announcement(const uint8_t *data, size_t size)
{
	struct node_announcement_facts facts = { true, false, 0, NULL };
	struct node_announcement_info info;
	struct msg_node_announcement *m;
	struct node_addresses addrs;
	const char *why;

	if (fromwire_node_announcement(data, size, &m)) {
		/* Parsing addresses stands alone as well. */
		if (node_addresses_parse(&addrs, m->addresses, m->addrlen, &why)) {
			struct wirebuf *w = wirebuf_new();

			for (size_t i = 0; i < addrs.num; i++)
				node_address_towire(w, &addrs.addrs[i]);
			FUZZ_CHECK(w->len <= m->addrlen);
			wirebuf_free(w);
			node_addresses_clear(&addrs);
		}
		graph_node_facts(graph, m->node_id.bytes, &facts);
		facts.has_channels = true;
		msg_node_announcement_free(m);
	}
	if (node_announcement_check(ctx, data, size, &facts, &info).action == GOSSIP_ACCEPT) {
		check_reencodes(data, size, towire_node_announcement(info.m));
		graph_node_announcement_is_spam(graph, info.m->node_id.bytes, info.m->timestamp);
		graph_set_node_announcement(graph, info.m->node_id.bytes, info.m->timestamp,
					    info.has_unknown_even_features, info.is_forwardable,
					    next_ref++);
		msg_node_announcement_free(info.m);
		node_addresses_clear(&info.addrs);
	}
}

/* We are node 1 of 103x1x0; the peer, node 2, sends its signatures. */
static void fuzz_announcement_signatures(const uint8_t *data, size_t size)
{
	struct msg_channel_announcement *ours = NULL;
	const struct fuzz_seed *seed = &fuzz_seeds[0];
	size_t len = strlen(seed->hex) / 2;
	uint8_t *raw = malloc(len);
	struct channel_id cid;

	for (size_t i = 0; i < len; i++)
		sscanf(seed->hex + 2 * i, "%2hhx", &raw[i]);
	FUZZ_CHECK(fromwire_channel_announcement(raw, len, &ours));
	memset(&ours->node_signature_2, 0, 64);
	memset(&ours->bitcoin_signature_2, 0, 64);
	memset(&cid, 7, sizeof(cid));
	if (announcement_signatures_check(ctx, data, size, &cid, ours, false).action
	    == GOSSIP_ACCEPT) {
		struct wirebuf *w = towire_channel_announcement(ours);
		struct msg_channel_announcement *full = NULL;

		FUZZ_CHECK(channel_announcement_check(ctx, NULL, &regtest, w->data, w->len, &full, NULL).action
			   == GOSSIP_ACCEPT);
		msg_channel_announcement_free(full);
		wirebuf_free(w);
	}
	msg_channel_announcement_free(ours);
	free(raw);
}

static void fuzz_queries(const uint8_t *data, size_t size)
{
	struct msg_query_channel_range *q = NULL;
	struct short_channel_id *ids = NULL;
	uint64_t *flags = NULL;
	size_t num = 0;
	struct chain_hash chain;
	struct gossip_filter f;
	struct range_query rq;
	struct range_reply reply;

	if (gossip_query_channel_range_check(data, size, &q).action == GOSSIP_ACCEPT) {
		struct graph_range_entry *e = NULL;
		size_t n = graph_channels_in_range(graph, q->first_blocknum, q->number_of_blocks, &e);
		size_t num_msgs = 0;
		struct wirebuf **msgs = gossip_reply_channel_range(q, e, n, &num_msgs);

		/* Our own replies pass our own reply check and end the query. */
		memset(&rq, 0, sizeof(rq));
		rq.chain_hash = q->chain_hash;
		rq.first_blocknum = q->first_blocknum;
		rq.number_of_blocks = q->number_of_blocks;
		FUZZ_CHECK(num_msgs >= 1);
		for (size_t i = 0; i < num_msgs; i++) {
			FUZZ_CHECK(msgs[i]->len <= WIRE_MAX_MESSAGE_LEN);
			if (q->number_of_blocks) {
				FUZZ_CHECK(gossip_reply_channel_range_check(&rq, msgs[i]->data, msgs[i]->len,
									    &reply).action
					   == GOSSIP_ACCEPT);
				range_reply_clear(&reply);
			}
			wirebuf_free(msgs[i]);
		}
		FUZZ_CHECK(!q->number_of_blocks || rq.is_done);
		free(msgs);
		free(e);
		msg_query_channel_range_free(q);
	}
	if (gossip_query_short_channel_ids_check(data, size, &chain, &ids, &flags, &num).action
	    == GOSSIP_ACCEPT) {
		graph_ref *refs = NULL;
		size_t n = graph_reply_scids(graph, ids, flags, num, &refs);

		FUZZ_CHECK(n <= num * 5);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(refs[i] < next_ref);
		free(refs);
		free(ids);
		free(flags);
	}
	memset(&rq, 0, sizeof(rq));
	rq.chain_hash = regtest;
	rq.first_blocknum = 100;
	rq.number_of_blocks = 1000;
	if (gossip_reply_channel_range_check(&rq, data, size, &reply).action == GOSSIP_ACCEPT) {
		for (size_t i = 0; i < reply.num; i++) {
			struct graph_channel c;
			bool known = graph_get_channel(graph, reply.scids[i], &c);

			gossip_query_flags_for(known ? &c : NULL,
					       reply.timestamps ? &reply.timestamps[i] : NULL,
					       reply.checksums ? &reply.checksums[i] : NULL);
		}
		range_reply_clear(&reply);
	}
	if (gossip_timestamp_filter_check(&regtest, data, size, &f).action == GOSSIP_ACCEPT)
		gossip_filter_passes(&f, NOW);
	/* The raw array decoders, on the whole input. */
	if (gossip_decode_scids(data, size, &ids, &num, &(const char *){ NULL })) {
		struct wirebuf *w = gossip_encode_scids(ids, num);

		FUZZ_CHECK(w->len == size && memcmp(w->data, data, size) == 0);
		wirebuf_free(w);
		free(ids);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx)
		setup();
	fuzz_channel_announcement(data, size);
	fuzz_channel_update(data, size);
	fuzz_node_announcement(data, size);
	fuzz_announcement_signatures(data, size);
	fuzz_queries(data, size);
	/* Keep the graph small and its pruning exercised. */
	if (graph_num_channels(graph) > 64)
		graph_prune(graph, NOW + 2 * GOSSIP_STALE_SECONDS, 0, NULL);
	return 0;
}
