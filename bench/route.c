/* bench/route: how fast is pay/pathfind, and how well does pay's router
 * (fees, riskfactor and the liquidity scorer) do next to a plain
 * cheapest-fee Dijkstra when liquidity is hidden?
 *
 * The network: NODES nodes and CHANNELS channels between random pairs
 * (bench/synth.h, as bench/gossip's), put straight into gossip/'s graph
 * (no signatures: routing reads the graph, not the messages), each
 * channel of 1,000,000 to 11,000,000 sat, fee_base_msat 1000,
 * fee_proportional_millionths 0 to 999, cltv_expiry_delta 18 to 143.
 *
 * Latency: QUERIES getroute queries between random nodes (riskfactor 10,
 * no scorer: getroute's) and as many with pay's scorer (filled by the
 * simulation below), timed one by one (CPU time of the thread, as
 * bench/gossip: the machine may be shared): p50, p99, max.
 *
 * The simulation: each channel's balance is split at random between its
 * two sides, and only the payer's own channels' balances are known.
 * PAYMENTS payments between random nodes, of 1,000 to 2,000,000 sat
 * (log-uniform), each tried as pay tries it: a route, then along it the
 * first hop whose side holds less than it must forward fails the attempt
 * (temporary_channel_failure), that channel direction is excluded for
 * the payment, and the scorer (pay's router only) learns from it; at
 * most 10 attempts.  A payment that succeeds moves its amounts across
 * its channels.  Both routers get the same payments on their own copy of
 * the same initial balances.  Reported per router: success rate,
 * attempts per success (all attempts / successes), and time per attempt.
 *
 * Prints one JSON object per line.  Arguments: [--channels N] [--nodes N]
 * [--queries N] [--payments N].  Default 15,000 nodes and 50,000
 * channels (today's network), 1,000 queries, 1,000 payments;
 * `--channels 1000000` (and 300,000 nodes unless --nodes) with 200
 * queries and 200 payments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/synth.h"
#include "common/alloc.h"
#include "gossip/graph.h"
#include "pay/onion_error.h"
#include "pay/pathfind.h"
#include "pay/scorer.h"
#include "wire/short_channel_id.h"

#define NOW 1700000000u
#define MAX_ATTEMPTS 10

static uint64_t rng_state = SYNTH_SEED;

static uint64_t rng(void)
{
	return synth_rng(&rng_state);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_metric(const char *metric, double value, const char *unit)
{
	printf("{\"bench\":\"route\",\"metric\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"}\n", metric,
	       value, unit);
	fflush(stdout);
}

struct net {
	size_t num_nodes, num_channels;
	uint8_t (*ids)[PUBKEY_CMPR_LEN];
	uint64_t *capacity_msat;	/* per channel */
	struct graph *g;
};

static struct short_channel_id chan_scid(size_t c)
{
	struct short_channel_id scid;

	short_channel_id_from_parts(&scid, 500000 + (uint32_t)(c / 1000), (uint32_t)(c % 1000), 0);
	return scid;
}

static size_t scid_chan(struct short_channel_id scid)
{
	return (size_t)((scid.u64 >> 40) - 500000) * 1000 + (size_t)((scid.u64 >> 16) & 0xffffff);
}

static void generate(struct net *n)
{
	n->ids = oh_calloc(n->num_nodes, sizeof(n->ids[0]));
	n->capacity_msat = oh_calloc(n->num_channels, sizeof(n->capacity_msat[0]));
	n->g = graph_new();
	for (size_t i = 0; i < n->num_nodes; i++) {
		n->ids[i][0] = 0x02;
		for (size_t b = 1; b < PUBKEY_CMPR_LEN; b += 8) {
			uint64_t r = rng();
			memcpy(n->ids[i] + b, &r, PUBKEY_CMPR_LEN - b < 8 ? PUBKEY_CMPR_LEN - b : 8);
		}
	}
	for (size_t c = 0; c < n->num_channels; c++) {
		size_t a, b;
		uint64_t cap_sat = 1000000 + rng() % 10000000;
		struct short_channel_id scid = chan_scid(c);

		synth_endpoints(&rng_state, n->num_nodes, &a, &b);
		if (memcmp(n->ids[a], n->ids[b], PUBKEY_CMPR_LEN) > 0) {
			size_t t = a;
			a = b;
			b = t;
		}
		n->capacity_msat[c] = cap_sat * 1000;
		graph_add_channel(n->g, scid, n->ids[a], n->ids[b], cap_sat, true, c, NOW);
		for (int d = 0; d < 2; d++) {
			struct channel_update_info info;

			memset(&info, 0, sizeof(info));
			info.direction = d;
			info.is_routable = true;
			info.m.short_channel_id = scid;
			info.m.timestamp = NOW;
			info.m.message_flags = 1;
			info.m.channel_flags = (uint8_t)d;
			info.m.cltv_expiry_delta = (uint16_t)(18 + rng() % 126);
			info.m.htlc_minimum_msat = 1000;
			info.m.htlc_maximum_msat = cap_sat * 1000;
			info.m.fee_base_msat = 1000;
			info.m.fee_proportional_millionths = (uint32_t)(rng() % 1000);
			graph_set_update(n->g, &info, 0);
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* getroute latency over q queries, with the scorer or not. */
static void latency(struct net *n, size_t queries, const struct scorer *scorer, const char *name)
{
	struct pathfinder *pf = pathfinder_new();
	double *ms = oh_calloc(queries + 1, sizeof(*ms));
	size_t found = 0;
	char metric[64];

	for (size_t i = 0; i < queries; i++) {
		struct pathfind_query q;
		struct route_hop route[ROUTE_MAX_HOPS];
		size_t a, b, hops;
		double t;

		synth_endpoints(&rng_state, n->num_nodes, &a, &b);
		memset(&q, 0, sizeof(q));
		memcpy(q.source, n->ids[a], PUBKEY_CMPR_LEN);
		memcpy(q.destination, n->ids[b], PUBKEY_CMPR_LEN);
		q.amount_msat = (10000 + rng() % 200000) * 1000;
		q.final_cltv = 9;
		q.riskfactor = 10;
		q.maxfee_msat = UINT64_MAX;
		q.maxdelay = UINT32_MAX;
		q.maxhops = ROUTE_MAX_HOPS;
		q.scorer = scorer;
		q.now = NOW;
		t = cpu_seconds();
		found += pathfind(pf, n->g, &q, route, &hops);
		ms[i] = (cpu_seconds() - t) * 1000;
	}
	qsort(ms, queries, sizeof(*ms), cmp_double);
	snprintf(metric, sizeof(metric), "%s_p50", name);
	print_metric(metric, ms[queries / 2], "ms");
	snprintf(metric, sizeof(metric), "%s_p99", name);
	print_metric(metric, ms[queries * 99 / 100], "ms");
	snprintf(metric, sizeof(metric), "%s_max", name);
	print_metric(metric, ms[queries - 1], "ms");
	snprintf(metric, sizeof(metric), "%s_found", name);
	print_metric(metric, 100.0 * (double)found / (double)queries, "%");
	free(ms);
	pathfinder_free(pf);
}

/* ---- The simulation ---- */

struct router {
	const char *name;
	struct scorer *scorer;		/* NULL: the baseline */
	double riskfactor;
	uint64_t *balance0;		/* per channel: what side 0 holds */
	size_t successes, attempts;
	double seconds;
};

struct locals {
	const struct net *n;
	const struct router *r;
	const uint8_t *self;
	struct pathfind_local *list;
	size_t num;
};

static bool add_local(void *arg, const struct graph_channel *chan)
{
	struct locals *l = arg;
	int side = memcmp(chan->node_id[0], l->self, PUBKEY_CMPR_LEN) == 0 ? 0 : 1;
	size_t c = scid_chan(chan->scid);
	struct pathfind_local *p = &l->list[l->num++];

	memset(p, 0, sizeof(*p));
	p->scid = chan->scid;
	memcpy(p->peer, chan->node_id[!side], PUBKEY_CMPR_LEN);
	p->spendable_msat = side == 0 ? l->r->balance0[c]
		: l->n->capacity_msat[c] - l->r->balance0[c];
	return true;
}

/* Tries one payment as pay would; returns whether it succeeded. */
static bool simulate_payment(struct net *n, struct router *r, struct pathfinder *pf,
			     size_t src, size_t dst, uint64_t amount_msat, uint64_t now)
{
	struct graph_node node;
	struct locals l = {n, r, n->ids[src], NULL, 0};
	struct pathfind_exclude excludes[MAX_ATTEMPTS];
	size_t num_excludes = 0;
	bool ok = false;

	graph_get_node(n->g, n->ids[src], &node);
	l.list = oh_calloc(node.num_channels + 1, sizeof(*l.list));
	graph_node_channels(n->g, n->ids[src], add_local, &l);
	for (int attempt = 0; attempt < MAX_ATTEMPTS && !ok; attempt++) {
		struct pathfind_query q;
		struct route_hop route[ROUTE_MAX_HOPS];
		size_t hops, j;
		double t = cpu_seconds();
		bool found;

		memset(&q, 0, sizeof(q));
		memcpy(q.source, n->ids[src], PUBKEY_CMPR_LEN);
		memcpy(q.destination, n->ids[dst], PUBKEY_CMPR_LEN);
		q.amount_msat = amount_msat;
		q.final_cltv = 19;
		q.riskfactor = r->riskfactor;
		q.maxfee_msat = amount_msat / 100 + 5000;
		q.maxdelay = 2016;
		q.maxhops = ROUTE_MAX_HOPS;
		q.excludes = excludes;
		q.num_excludes = num_excludes;
		q.use_locals = true;
		q.locals = l.list;
		q.num_locals = l.num;
		q.scorer = r->scorer;
		q.now = now;
		found = pathfind(pf, n->g, &q, route, &hops);
		r->seconds += cpu_seconds() - t;
		if (!found)
			break;
		r->attempts++;
		for (j = 0; j < hops; j++) {
			const uint8_t *from = j ? route[j - 1].node_id : n->ids[src];
			int dir = pathfind_direction(from, route[j].node_id);
			size_t c = scid_chan(route[j].scid);
			uint64_t holds = dir == 0 ? r->balance0[c] : n->capacity_msat[c] - r->balance0[c];

			if (route[j].amount_msat > holds) {
				pathfind_learn(r->scorer, n->g, n->ids[src], route, hops, false,
					       (int64_t)j, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, now);
				memset(&excludes[num_excludes], 0, sizeof(excludes[0]));
				excludes[num_excludes].scid = route[j].scid;
				excludes[num_excludes++].direction = dir;
				break;
			}
		}
		if (j < hops)
			continue;
		for (j = 0; j < hops; j++) {
			const uint8_t *from = j ? route[j - 1].node_id : n->ids[src];
			size_t c = scid_chan(route[j].scid);

			if (pathfind_direction(from, route[j].node_id) == 0)
				r->balance0[c] -= route[j].amount_msat;
			else
				r->balance0[c] += route[j].amount_msat;
		}
		pathfind_learn(r->scorer, n->g, n->ids[src], route, hops, true, -1, 0, now);
		ok = true;
	}
	free(l.list);
	r->successes += ok;
	return ok;
}

static void simulate(struct net *n, size_t payments, struct router *routers, size_t num_routers)
{
	struct pathfinder *pf = pathfinder_new();
	uint64_t *balance0 = oh_calloc(n->num_channels, sizeof(*balance0));
	uint64_t now = NOW;

	for (size_t c = 0; c < n->num_channels; c++)
		balance0[c] = rng() % (n->capacity_msat[c] + 1);
	for (size_t k = 0; k < num_routers; k++) {
		routers[k].balance0 = oh_calloc(n->num_channels, sizeof(*balance0));
		memcpy(routers[k].balance0, balance0, n->num_channels * sizeof(*balance0));
	}
	for (size_t p = 0; p < payments; p++) {
		size_t src, dst;
		unsigned shift = (unsigned)(rng() % 11);
		uint64_t amount_sat = (1000ULL << shift) + rng() % (1000ULL << shift);

		synth_endpoints(&rng_state, n->num_nodes, &src, &dst);
		now += 60;
		for (size_t k = 0; k < num_routers; k++)
			simulate_payment(n, &routers[k], pf, src, dst, amount_sat * 1000, now);
	}
	for (size_t k = 0; k < num_routers; k++) {
		struct router *r = &routers[k];
		char metric[64];

		snprintf(metric, sizeof(metric), "%s_success_rate", r->name);
		print_metric(metric, 100.0 * (double)r->successes / (double)payments, "%");
		snprintf(metric, sizeof(metric), "%s_attempts_per_success", r->name);
		print_metric(metric, r->successes ? (double)r->attempts / (double)r->successes : 0,
			     "attempts");
		snprintf(metric, sizeof(metric), "%s_ms_per_attempt", r->name);
		print_metric(metric, r->attempts ? r->seconds * 1000 / (double)r->attempts : 0, "ms");
		free(r->balance0);
	}
	free(balance0);
	pathfinder_free(pf);
}

int main(int argc, char *argv[])
{
	struct net n = {15000, 50000, NULL, NULL, NULL};
	size_t queries = 1000, payments = 1000;
	bool nodes_given = false, queries_given = false, payments_given = false;
	double t;
	struct router routers[2] = {
		{.name = "scorer", .riskfactor = 10},
		{.name = "baseline", .riskfactor = 0},
	};

	for (int i = 1; i < argc; i++) {
		size_t *out = NULL;

		if (strcmp(argv[i], "--channels") == 0)
			out = &n.num_channels;
		else if (strcmp(argv[i], "--nodes") == 0)
			out = &n.num_nodes, nodes_given = true;
		else if (strcmp(argv[i], "--queries") == 0)
			out = &queries, queries_given = true;
		else if (strcmp(argv[i], "--payments") == 0)
			out = &payments, payments_given = true;
		if (!out || i + 1 == argc) {
			fprintf(stderr, "usage: bench/route [--channels N] [--nodes N] [--queries N] "
				"[--payments N]\n");
			return 2;
		}
		*out = strtoul(argv[++i], NULL, 10);
		if (out == &n.num_channels && !nodes_given)
			n.num_nodes = n.num_channels * 3 / 10;
	}
	if (n.num_channels >= 500000) {
		queries = queries_given ? queries : 200;
		payments = payments_given ? payments : 200;
	}
	if (n.num_nodes < 2 || n.num_channels < 1 || n.num_channels > 1000u * 16777215u
	    || queries < 1) {
		fprintf(stderr, "bench/route: need at least 2 nodes, 1 channel and 1 query\n");
		return 2;
	}
	t = cpu_seconds();
	generate(&n);
	print_metric("nodes", (double)graph_num_nodes(n.g), "nodes");
	print_metric("channels", (double)n.num_channels, "channels");
	print_metric("generate", cpu_seconds() - t, "s");
	latency(&n, queries, NULL, "getroute");
	routers[0].scorer = scorer_new(NULL);
	simulate(&n, payments, routers, 2);
	print_metric("scorer_entries", (double)scorer_num_entries(routers[0].scorer), "entries");
	latency(&n, queries, routers[0].scorer, "getroute_scored");
	scorer_free(routers[0].scorer);
	graph_free(n.g);
	free(n.ids);
	free(n.capacity_msat);
	return 0;
}
