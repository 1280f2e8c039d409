/* bench/gossip: how fast does ohm take in a fully signed gossip network,
 * next to the secp256k1 verification ceiling measured in the same run?
 *
 * Generates a synthetic network of NODES nodes and CHANNELS channels
 * (each channel between two nodes picked at random, each node with its
 * own funding key), signs every channel_announcement (four signatures),
 * two channel_updates per channel and one node_announcement per node,
 * then feeds them, as the daemon will, through gossip/: the duplicate
 * lookup, channel_announcement_check (four verifies), the funding output
 * from a stubbed chain lookup (a hash map of scid -> script and value:
 * the cost of a cached lookup), channel_announcement_check_funding (it
 * builds the 2-of-2 P2WSH), graph_add_channel and an append to an
 * in-memory store; each update through channel_update_check_gossip; each
 * node_announcement through node_announcement_check.  Every signature is
 * checked.
 *
 * The ceiling: ecdsa_verify calls per second on a pre-parsed key and
 * signature, measured in the same run (before and after the ingest); the
 * messages need 4 verifies per
 * channel_announcement and 1 per update or node_announcement, so the
 * ceiling in messages per second is messages / (verifies / rate).  A
 * second ceiling counts the parse of the 33-byte key each verify from the
 * wire needs (a point decompression, about a tenth of a verify).
 *
 * Then the start-up load: the store read back into an empty graph
 * (parse, no signature checks: the store holds only checked messages),
 * and memory: graph bytes per channel direction beyond the raw messages.
 *
 * Node keys are parsed through a gossip/pubkey_cache of 16,384 keys, as
 * the daemon should (--no-key-cache: parsed for every message).  Times
 * are CPU time of the benchmark's thread.  Prints one JSON object per
 * line.  Arguments: [--load-only] [--no-key-cache] [NODES [CHANNELS]]
 * (default 1500 and 5000, a tenth of today's network; `15000 50000` is
 * today's).
 * --load-only skips the signatures and the ingest: the messages go
 * straight into the store, for the load time and memory at scales
 * (`300000 1000000`) where signing everything would take long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel/scripts.h"
#include "common/alloc.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "gossip/channel_announcement.h"
#include "gossip/channel_update.h"
#include "gossip/graph.h"
#include "gossip/node_announcement.h"
#include "bench/synth.h"

#define NOW 1700000000u
/* 16,384 parsed node keys (1.6 MB), the daemon's likely size: every node
 * of today's network, the busiest ones at any size. */
#define GOSSIP_BENCH_KEY_CACHE_BITS 14

static const struct chain_hash regtest = { {
	0x06, 0x22, 0x6e, 0x46, 0x11, 0x1a, 0x0b, 0x59, 0xca, 0xaf, 0x12, 0x60,
	0x43, 0xeb, 0x5b, 0xbf, 0x28, 0xc3, 0x4f, 0x3a, 0x5e, 0x33, 0x2a, 0x1f,
	0xc7, 0xb2, 0xb7, 0x3c, 0xf1, 0x88, 0x91, 0x0f } };

struct key {
	struct privkey priv;
	struct pubkey pub;
	uint8_t id[PUBKEY_CMPR_LEN];
};

/* The stubbed chain: funding outputs by short_channel_id. */
struct utxo {
	uint64_t scid;
	uint8_t script[34];
	uint64_t amount_sat;
};

struct chain_stub {
	struct utxo *slots;	/* open addressing; scid 0 is empty */
	size_t cap;
};

/* CPU time of this thread: the machine may be shared, and the ingest and
 * its ceiling are compared with each other, so neither counts the time
 * other processes take. */
static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_metric(const char *metric, double value, const char *unit)
{
	printf("{\"bench\":\"gossip\",\"metric\":\"%s\",\"value\":%.1f,\"unit\":\"%s\"}\n",
	       metric, value, unit);
	fflush(stdout);
}

static uint64_t rng_state = SYNTH_SEED;

static uint64_t rng(void)
{
	return synth_rng(&rng_state);
}

static void key_make(const secp256k1_context *ctx, struct key *k, uint32_t n, uint8_t salt)
{
	struct sha256 h;
	uint8_t seed[5] = { salt, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			    (uint8_t)n };

	sha256(&h, seed, sizeof(seed));
	memcpy(k->priv.secret.data, h.u8, 32);
	if (!pubkey_from_privkey(ctx, &k->pub, &k->priv))
		abort();
	pubkey_serialize(ctx, k->id, &k->pub);
}

static size_t stub_slot(const struct chain_stub *c, uint64_t scid)
{
	size_t i = (size_t)(scid * 0x9e3779b97f4a7c15ull >> 20) & (c->cap - 1);

	while (c->slots[i].scid && c->slots[i].scid != scid)
		i = (i + 1) & (c->cap - 1);
	return i;
}

/* A message in the store: 2-byte length, then the message. */
static uint64_t store_append(struct wirebuf *store, const struct wirebuf *msg)
{
	uint64_t ref = store->len;

	towire_u16(store, (uint16_t)msg->len);
	wirebuf_append(store, msg->data, msg->len);
	return ref;
}

struct net {
	size_t num_nodes, num_channels;
	bool is_unsigned;	/* --load-only: no signatures, no ingest */
	struct key *nodes, *funding;
	struct wirebuf **anns, **updates, **node_anns;
	struct chain_stub chain;
};

static void generate(const secp256k1_context *ctx, struct net *n)
{
	n->nodes = oh_calloc(n->num_nodes, sizeof(n->nodes[0]));
	n->funding = oh_calloc(n->num_nodes, sizeof(n->funding[0]));
	n->anns = oh_calloc(n->num_channels, sizeof(n->anns[0]));
	n->updates = oh_calloc(2 * n->num_channels, sizeof(n->updates[0]));
	n->node_anns = oh_calloc(n->num_nodes, sizeof(n->node_anns[0]));
	n->chain.cap = 1;
	while (n->chain.cap < 2 * n->num_channels)
		n->chain.cap *= 2;
	n->chain.slots = oh_calloc(n->chain.cap, sizeof(n->chain.slots[0]));
	for (size_t i = 0; i < n->num_nodes; i++) {
		key_make(ctx, &n->nodes[i], (uint32_t)i, 0);
		key_make(ctx, &n->funding[i], (uint32_t)i, 1);
	}
	for (size_t c = 0; c < n->num_channels; c++) {
		size_t a, b;
		struct msg_channel_announcement m;
		struct msg_channel_update u;
		struct utxo *out;
		struct wirebuf *script = wirebuf_new();
		bool swap;

		synth_endpoints(&rng_state, n->num_nodes, &a, &b);
		swap = memcmp(n->nodes[a].id, n->nodes[b].id, PUBKEY_CMPR_LEN) > 0;
		if (swap) {
			size_t t = a;

			a = b;
			b = t;
		}
		memset(&m, 0, sizeof(m));
		m.chain_hash = regtest;
		short_channel_id_from_parts(&m.short_channel_id, 500000 + (uint32_t)(c / 1000),
					    (uint32_t)(c % 1000), 0);
		memcpy(m.node_id_1.bytes, n->nodes[a].id, PUBKEY_CMPR_LEN);
		memcpy(m.node_id_2.bytes, n->nodes[b].id, PUBKEY_CMPR_LEN);
		memcpy(m.bitcoin_key_1.bytes, n->funding[a].id, PUBKEY_CMPR_LEN);
		memcpy(m.bitcoin_key_2.bytes, n->funding[b].id, PUBKEY_CMPR_LEN);
		n->anns[c] = n->is_unsigned ? towire_channel_announcement(&m)
			: channel_announcement_sign(ctx, &m, &n->nodes[a].priv, &n->nodes[b].priv,
						    &n->funding[a].priv, &n->funding[b].priv);
		out = &n->chain.slots[stub_slot(&n->chain, m.short_channel_id.u64)];
		out->scid = m.short_channel_id.u64;
		channel_script_funding_output(script, ctx, &n->funding[a].pub, &n->funding[b].pub);
		memcpy(out->script, script->data, sizeof(out->script));
		out->amount_sat = 1000000 + rng() % 10000000;
		wirebuf_free(script);
		for (int d = 0; d < 2; d++) {
			memset(&u, 0, sizeof(u));
			u.chain_hash = regtest;
			u.short_channel_id = m.short_channel_id;
			u.timestamp = NOW - (uint32_t)(rng() % 86400);
			u.message_flags = CHANNEL_UPDATE_MUST_BE_ONE;
			u.channel_flags = (uint8_t)d;
			u.cltv_expiry_delta = 40;
			u.htlc_minimum_msat = 1000;
			u.fee_base_msat = 1000;
			u.fee_proportional_millionths = (uint32_t)(rng() % 1000);
			u.htlc_maximum_msat = 990000000;
			n->updates[2 * c + d] = n->is_unsigned ? towire_channel_update(&u)
				: channel_update_sign(ctx, &u, d ? &n->nodes[b].priv : &n->nodes[a].priv);
		}
	}
	for (size_t i = 0; i < n->num_nodes; i++) {
		static const uint8_t addr[] = { 1, 10, 0, 0, 1, 0x26, 0x07 };
		struct msg_node_announcement m;

		memset(&m, 0, sizeof(m));
		m.timestamp = NOW;
		memcpy(m.node_id.bytes, n->nodes[i].id, PUBKEY_CMPR_LEN);
		snprintf((char *)m.alias, sizeof(m.alias), "node%zu", i);
		m.addrlen = sizeof(addr);
		m.addresses = (uint8_t *)addr;
		n->node_anns[i] = n->is_unsigned ? towire_node_announcement(&m)
			: node_announcement_sign(ctx, &m, &n->nodes[i].priv);
	}
}

/* Verifies per second on one key and signature, parsed beforehand. */
static double verify_rate(const secp256k1_context *ctx, const struct key *k)
{
	struct sha256 h;
	struct ecdsa_signature sig;
	size_t n = 0;
	double start = now_seconds(), elapsed;

	sha256(&h, "bench", 5);
	if (!ecdsa_sign(ctx, &sig, &h, &k->priv))
		abort();
	do {
		for (int i = 0; i < 200; i++)
			n += ecdsa_verify(ctx, &sig, &h, &k->pub);
		elapsed = now_seconds() - start;
	} while (elapsed < 1.0);
	return (double)n / elapsed;
}

/* The same, with the key parsed from its 33 bytes each time, as a
 * signature from the wire needs (the parse decompresses the point). */
static double parse_verify_rate(const secp256k1_context *ctx, const struct key *k)
{
	struct sha256 h;
	struct ecdsa_signature sig;
	struct pubkey pub;
	size_t n = 0;
	double start = now_seconds(), elapsed;

	sha256(&h, "bench", 5);
	if (!ecdsa_sign(ctx, &sig, &h, &k->priv))
		abort();
	do {
		for (int i = 0; i < 200; i++)
			n += pubkey_parse(ctx, &pub, k->id) && ecdsa_verify(ctx, &sig, &h, &pub);
		elapsed = now_seconds() - start;
	} while (elapsed < 1.0);
	return (double)n / elapsed;
}

/* Everything through the checks into the graph, node keys parsed
 * through cache (NULL: none); returns messages accepted. */
static size_t ingest(const secp256k1_context *ctx, struct pubkey_cache *cache,
		     const struct net *n, struct graph *g, struct wirebuf *store)
{
	size_t accepted = 0, spam = 0;

	for (size_t c = 0; c < n->num_channels; c++) {
		const struct wirebuf *w = n->anns[c];
		struct msg_channel_announcement *ann = NULL;
		const struct utxo *u;
		struct funding_output out;
		struct pubkey keys[2];
		uint64_t capacity;

		if (channel_announcement_check(ctx, cache, &regtest, w->data, w->len, &ann, keys).action
		    != GOSSIP_ACCEPT)
			continue;
		if (graph_channel_known(g, ann->short_channel_id, ann->node_id_1.bytes,
					ann->node_id_2.bytes) == GRAPH_UNKNOWN) {
			u = &n->chain.slots[stub_slot(&n->chain, ann->short_channel_id.u64)];
			out = (struct funding_output){ u->scid != 0, false, u->script,
						       sizeof(u->script), u->amount_sat, 100 };
			if (channel_announcement_check_funding(ctx, keys, &out, &capacity).action
			    == GOSSIP_ACCEPT) {
				graph_add_channel(g, ann->short_channel_id, ann->node_id_1.bytes,
						  ann->node_id_2.bytes, capacity,
						  !channel_announcement_has_unknown_even_features(ann),
						  store_append(store, w), NOW);
				accepted++;
			}
		}
		msg_channel_announcement_free(ann);
	}
	for (size_t i = 0; i < 2 * n->num_channels; i++) {
		const struct wirebuf *w = n->updates[i];
		struct channel_update_facts facts;
		struct channel_update_info info;
		struct short_channel_id scid;

		/* The short_channel_id, where every update has it. */
		memcpy(&scid.u64, w->data + 2 + 64 + 32, 8);
		scid.u64 = __builtin_bswap64(scid.u64);
		graph_channel_update_facts(g, scid, &facts);
		facts.key_cache = cache;
		if (channel_update_check_gossip(ctx, &regtest, w->data, w->len, &facts, NOW, &info).action
		    == GOSSIP_ACCEPT) {
			/* The daemon would not relay a spammy one. */
			spam += graph_update_is_spam(g, &info);
			graph_set_update(g, &info, store_append(store, w));
			accepted++;
		}
	}
	for (size_t i = 0; i < n->num_nodes; i++) {
		const struct wirebuf *w = n->node_anns[i];
		struct node_announcement_facts facts;
		struct node_announcement_info info;

		graph_node_facts(g, n->nodes[i].id, &facts);
		facts.key_cache = cache;
		if (node_announcement_check(ctx, w->data, w->len, &facts, &info).action
		    == GOSSIP_ACCEPT) {
			graph_set_node_announcement(g, info.m->node_id.bytes, info.m->timestamp,
						    info.has_unknown_even_features, info.is_forwardable,
						    store_append(store, w));
			msg_node_announcement_free(info.m);
			node_addresses_clear(&info.addrs);
			accepted++;
		}
	}
	/* One update per direction: none can be spam. */
	if (spam)
		abort();
	return accepted;
}

/* Start-up: the store read back into an empty graph, no signatures
 * checked (the capacities from the chain stub, as the daemon's store
 * would keep them beside the announcements). */
static struct graph *load(const struct net *n, const struct wirebuf *store)
{
	struct graph *g = graph_new();

	for (size_t off = 0; off + 2 <= store->len;) {
		size_t len = (size_t)store->data[off] << 8 | store->data[off + 1];
		const uint8_t *msg = store->data + off + 2;
		uint16_t type = (uint16_t)(msg[0] << 8 | msg[1]);

		if (type == WIRE_CHANNEL_ANNOUNCEMENT) {
			struct msg_channel_announcement *ann;

			if (fromwire_channel_announcement(msg, len, &ann)) {
				const struct utxo *u = &n->chain.slots[stub_slot(
					&n->chain, ann->short_channel_id.u64)];

				graph_add_channel(g, ann->short_channel_id, ann->node_id_1.bytes,
						  ann->node_id_2.bytes, u->amount_sat, true, off, NOW);
				msg_channel_announcement_free(ann);
			}
		} else if (type == WIRE_CHANNEL_UPDATE) {
			struct msg_channel_update *m;

			if (fromwire_channel_update(msg, len, &m)) {
				struct channel_update_info info = { *m, m->channel_flags & 1,
								    channel_update_checksum(msg, len),
								    true };

				graph_set_update(g, &info, off);
				msg_channel_update_free(m);
			}
		} else if (type == WIRE_NODE_ANNOUNCEMENT) {
			struct msg_node_announcement *m;

			if (fromwire_node_announcement(msg, len, &m)) {
				graph_set_node_announcement(g, m->node_id.bytes, m->timestamp, false,
							    true, off);
				msg_node_announcement_free(m);
			}
		}
		off += 2 + len;
	}
	return g;
}

/* Frees what generate() made. */
static void net_free(struct net *n)
{
	for (size_t i = 0; i < n->num_channels; i++) {
		wirebuf_free(n->anns[i]);
		wirebuf_free(n->updates[2 * i]);
		wirebuf_free(n->updates[2 * i + 1]);
	}
	for (size_t i = 0; i < n->num_nodes; i++)
		wirebuf_free(n->node_anns[i]);
	free(n->anns);
	free(n->updates);
	free(n->node_anns);
	free(n->nodes);
	free(n->funding);
	free(n->chain.slots);
}

int main(int argc, char *argv[])
{
	struct net n;
	secp256k1_context *ctx = crypto_secp_context_new();
	struct graph *g = NULL, *loaded;
	struct wirebuf *store = wirebuf_new();
	double t, gen_s, ingest_s, load_s, rate, wire_rate, ceiling, wire_ceiling, msgs_per_s;
	size_t msgs, verifies, accepted, directions;
	int arg = 1;
	bool use_key_cache = true;
	struct pubkey_cache *cache = NULL;

	memset(&n, 0, sizeof(n));
	for (; arg < argc && strncmp(argv[arg], "--", 2) == 0; arg++) {
		if (strcmp(argv[arg], "--load-only") == 0)
			n.is_unsigned = true;
		else if (strcmp(argv[arg], "--no-key-cache") == 0)
			use_key_cache = false;
		else
			argc = 0;	/* usage */
	}
	n.num_nodes = argc > arg ? strtoul(argv[arg], NULL, 10) : 1500;
	n.num_channels = argc > arg + 1 ? strtoul(argv[arg + 1], NULL, 10) : 5000;
	if (!ctx || argc == 0 || argc > arg + 2 || n.num_nodes < 2 || n.num_channels < 1
	    || n.num_channels > 1000u * 16777215u) {
		fprintf(stderr, "usage: bench/gossip [--load-only] [--no-key-cache] [NODES [CHANNELS]]\n");
		return 2;
	}
	t = now_seconds();
	generate(ctx, &n);
	gen_s = now_seconds() - t;
	msgs = n.num_channels * 3 + n.num_nodes;

	if (n.is_unsigned) {
		/* The store as the ingest would have written it: announcements,
		 * updates, then node_announcements of nodes with channels. */
		for (size_t c = 0; c < n.num_channels; c++)
			store_append(store, n.anns[c]);
		for (size_t i = 0; i < 2 * n.num_channels; i++)
			store_append(store, n.updates[i]);
		for (size_t i = 0; i < n.num_nodes; i++)
			store_append(store, n.node_anns[i]);
	} else {
		/* The machine may be shared: the ceiling is measured right
		 * before and right after the ingest, and averaged. */
		rate = verify_rate(ctx, &n.nodes[0]);
		wire_rate = parse_verify_rate(ctx, &n.nodes[0]);
		g = graph_new();
		if (use_key_cache)
			cache = pubkey_cache_new(GOSSIP_BENCH_KEY_CACHE_BITS);
		t = now_seconds();
		accepted = ingest(ctx, cache, &n, g, store);
		ingest_s = now_seconds() - t;
		rate = (rate + verify_rate(ctx, &n.nodes[1])) / 2;
		wire_rate = (wire_rate + parse_verify_rate(ctx, &n.nodes[1])) / 2;
		/* A node without a channel (picked by none) has its
		 * announcement ignored, before its signature is checked. */
		if (accepted != 3 * n.num_channels + graph_num_nodes(g)) {
			fprintf(stderr, "bench/gossip: only %zu of %zu messages accepted\n", accepted,
				msgs);
			return 1;
		}
		verifies = n.num_channels * 6 + graph_num_nodes(g);
		msgs_per_s = (double)msgs / ingest_s;
		ceiling = (double)msgs / ((double)verifies / rate);
		wire_ceiling = (double)msgs / ((double)verifies / wire_rate);
	}

	t = now_seconds();
	loaded = load(&n, store);
	load_s = now_seconds() - t;
	if (graph_num_channels(loaded) != n.num_channels
	    || (g && graph_num_nodes(loaded) != graph_num_nodes(g))) {
		fprintf(stderr, "bench/gossip: the store did not load back\n");
		return 1;
	}
	directions = 2 * n.num_channels;

	print_metric("nodes", (double)graph_num_nodes(loaded), "nodes");
	print_metric("channels", (double)n.num_channels, "channels");
	print_metric("messages", (double)msgs, "messages");
	print_metric(n.is_unsigned ? "generate" : "generate_and_sign", gen_s, "s");
	if (g) {
		print_metric("verify_ceiling", rate, "verifies/s");
		print_metric("ingest", msgs_per_s, "messages/s");
		print_metric("ingest_ceiling", ceiling, "messages/s");
		print_metric("ingest_of_ceiling", 100.0 * msgs_per_s / ceiling, "%");
		print_metric("parse_and_verify_ceiling", wire_rate, "verifies/s");
		print_metric("ingest_of_parse_and_verify_ceiling", 100.0 * msgs_per_s / wire_ceiling,
			     "%");
		print_metric("key_cache", cache ? (double)pubkey_cache_memory(cache) : 0, "bytes");
	}
	print_metric("load", load_s * 1000, "ms");
	print_metric("graph_bytes_per_direction", (double)graph_memory(loaded) / (double)directions,
		     "bytes");
	print_metric("store_bytes_per_direction", (double)store->len / (double)directions, "bytes");

	pubkey_cache_free(cache);
	graph_free(g);
	graph_free(loaded);
	wirebuf_free(store);
	net_free(&n);
	crypto_secp_context_destroy(ctx);
	return 0;
}
