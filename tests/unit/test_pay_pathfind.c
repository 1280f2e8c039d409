/* pay/pathfind and pay/scorer on hand-made graphs: fees and CLTV computed
 * backwards, HTLC limits, capacity, disabled channels, route hints,
 * exclusions, limits, our own channels' balances, ties, and what the
 * scorer learns. */
#include <stdint.h>
#include <string.h>

#include "pay/onion_error.h"
#include "pay/pathfind.h"
#include "pay/scorer.h"
#include "tests/unit/graph_helpers.h"
#include "tests/unit/test.h"

static void query(struct pathfind_query *q, unsigned from, unsigned to, uint64_t amount)
{
	memset(q, 0, sizeof(*q));
	memcpy(q->source, nid(from), PUBKEY_CMPR_LEN);
	memcpy(q->destination, nid(to), PUBKEY_CMPR_LEN);
	q->amount_msat = amount;
	q->final_cltv = 9;
	q->riskfactor = 0;
	q->maxfee_msat = UINT64_MAX;
	q->maxdelay = UINT32_MAX;
	q->maxhops = ROUTE_MAX_HOPS;
}

static void test_fees_and_cltv_backwards(void)
{
	struct graph *g = graph_new();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	size_t n;

	/* A-B-C-D: B charges 1000 + 1000 ppm and delta 10 to forward to C;
	 * C charges 2000 + 100 ppm and delta 20 to forward to D. */
	chan(g, 1, A, B, 1000000);
	chan(g, 2, B, C, 1000000);
	chan(g, 3, C, D, 1000000);
	both(g, 1, A, B, (struct pol){7777, 7777, 77, 0, 0, false});
	both(g, 2, B, C, (struct pol){1000, 1000, 10, 0, 0, false});
	both(g, 3, C, D, (struct pol){2000, 100, 20, 0, 0, false});
	query(&q, A, D, 10000000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK(n == 3);
	CHECK_STREQ(via(r, n), "1,2,3");
	/* D gets the amount with the final CLTV. */
	CHECK(r[2].amount_msat == 10000000 && r[2].delay == 9);
	CHECK_MEMEQ(r[2].node_id, nid(D), PUBKEY_CMPR_LEN);
	/* C: 10,000,000 + 2000 + 10,000,000 * 100 / 1e6 = 10,003,000. */
	CHECK(r[1].amount_msat == 10003000 && r[1].delay == 29);
	/* B: + 1000 + 10,003,000 * 1000 / 1e6 = 10,003,000 + 11,003. */
	CHECK(r[0].amount_msat == 10014003 && r[0].delay == 39);
	/* A's own channel to B charges nothing: its policy never counts. */
	CHECK(route_fees(r, n) == 14003);
	pathfinder_free(pf);
	graph_free(g);
}

static void test_cheaper_path_and_ties(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	size_t n;

	query(&q, A, D, 1000000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	/* The other way round too. */
	query(&q, D, A, 1000000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "2,1");
	/* Equal costs and hops: B and C are labelled alike, B (the smaller
	 * id) is expanded first and gives A its label over block 1; C's
	 * equal offer over block 3 (a larger scid) does not replace it. */
	both(g, 3, A, C, cheap);
	both(g, 4, C, D, cheap);
	for (int i = 0; i < 3; i++) {
		query(&q, A, D, 1000000);
		CHECK(pathfind(pf, g, &q, r, &n));
		CHECK_STREQ(via(r, n), "1,2");
	}
	/* A channel parallel to 2 with a larger scid and the same fees
	 * never wins; with a lower fee it does. */
	chan(g, 9, B, D, 1000000);
	both(g, 9, B, D, cheap);
	query(&q, A, D, 1000000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	both(g, 9, B, D, (struct pol){999, 1000, 10, 0, 0, false});
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,9");
	pathfinder_free(pf);
	graph_free(g);
}

static void test_htlc_limits_and_capacity(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	size_t n;

	/* B -> D takes at most 500,000 msat: a larger payment goes the
	 * only way that fits. */
	update(g, 2, B, D, (struct pol){1000, 1000, 10, 0, 500000, false});
	query(&q, A, D, 400000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	query(&q, A, D, 600000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,4");
	/* The limit is on what D receives over it, not on what A sends:
	 * exactly 500,000 fits. */
	query(&q, A, D, 500000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	/* htlc_minimum_msat: C -> D wants 2,000,000 at least. */
	update(g, 4, C, D, (struct pol){5000, 5000, 10, 2000000, 0, false});
	query(&q, A, D, 600000);
	CHECK(!pathfind(pf, g, &q, r, &n));
	/* Capacity: 1,000,000 sat; more than that goes nowhere. */
	update(g, 2, B, D, cheap);
	query(&q, A, D, 999000000);
	CHECK(pathfind(pf, g, &q, r, &n));
	query(&q, A, D, 1000000001);
	CHECK(!pathfind(pf, g, &q, r, &n));
	pathfinder_free(pf);
	graph_free(g);
}

static void test_disabled(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	size_t n;

	/* B disabled its side toward D; D -> B still works. */
	update(g, 2, B, D, (struct pol){1000, 1000, 10, 0, 0, true});
	query(&q, A, D, 1000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,4");
	query(&q, D, A, 1000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "2,1");
	/* Nor a node with unknown even features (its channel_updates are
	 * fine, it is not). */
	update(g, 2, B, D, cheap);
	{
		uint8_t b[PUBKEY_CMPR_LEN];
		memcpy(b, nid(B), sizeof(b));
		CHECK(graph_set_node_announcement(g, b, 3000, true, true, 77));
		query(&q, A, D, 1000);
		CHECK(pathfind(pf, g, &q, r, &n));
		CHECK_STREQ(via(r, n), "3,4");
		/* As the source it may still send. */
		query(&q, B, D, 1000);
		CHECK(pathfind(pf, g, &q, r, &n));
		CHECK_STREQ(via(r, n), "2");
		CHECK(graph_set_node_announcement(g, b, 4000, false, true, 78));
		query(&q, A, D, 1000);
		CHECK(pathfind(pf, g, &q, r, &n));
		CHECK_STREQ(via(r, n), "1,2");
	}
	/* A spent channel is no way either. */
	update(g, 2, B, D, cheap);
	graph_mark_spent(g, scid(2), 100);
	query(&q, A, D, 1000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,4");
	pathfinder_free(pf);
	graph_free(g);
}

static void test_hints(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	struct route_edge hint[2];
	size_t n;

	/* E is private, behind C (and behind D, dearer). */
	memset(hint, 0, sizeof(hint));
	memcpy(hint[0].from, nid(C), PUBKEY_CMPR_LEN);
	memcpy(hint[0].to, nid(E), PUBKEY_CMPR_LEN);
	hint[0].scid = scid(20);
	hint[0].fee_base_msat = 100;
	hint[0].cltv_expiry_delta = 40;
	memcpy(hint[1].from, nid(D), PUBKEY_CMPR_LEN);
	memcpy(hint[1].to, nid(E), PUBKEY_CMPR_LEN);
	hint[1].scid = scid(21);
	hint[1].fee_base_msat = 100000;
	hint[1].cltv_expiry_delta = 40;
	query(&q, A, E, 1000000);
	CHECK(!pathfind(pf, g, &q, r, &n));
	q.extra = hint;
	q.num_extra = 2;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,20");
	CHECK(r[1].amount_msat == 1000000 && r[1].delay == 9);
	CHECK(r[0].amount_msat == 1000100 && r[0].delay == 49);
	/* Excluding the hint's channel: the other hint. */
	{
		struct pathfind_exclude x = {.scid = scid(20), .direction = -1};
		q.excludes = &x;
		q.num_excludes = 1;
		CHECK(pathfind(pf, g, &q, r, &n));
		CHECK_STREQ(via(r, n), "1,2,21");
	}
	/* With no graph: the hints alone, from a hint's node. */
	query(&q, C, E, 1000);
	q.extra = hint;
	q.num_extra = 2;
	CHECK(pathfind(pf, NULL, &q, r, &n));
	CHECK_STREQ(via(r, n), "20");
	pathfinder_free(pf);
	graph_free(g);
}

static void test_exclusions(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	struct pathfind_exclude x[2];
	size_t n;

	memset(x, 0, sizeof(x));
	query(&q, A, D, 1000);
	q.excludes = x;
	q.num_excludes = 1;
	/* The channel in the direction used. */
	x[0].scid = scid(2);
	x[0].direction = pathfind_direction(nid(B), nid(D));
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,4");
	/* The other direction: no effect. */
	x[0].direction = !x[0].direction;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	/* A node. */
	x[0].is_node = true;
	memcpy(x[0].node_id, nid(B), PUBKEY_CMPR_LEN);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,4");
	/* Both ways blocked. */
	x[1].scid = scid(4);
	x[1].direction = -1;
	q.num_excludes = 2;
	CHECK(!pathfind(pf, g, &q, r, &n));
	/* The destination itself. */
	memcpy(x[0].node_id, nid(D), PUBKEY_CMPR_LEN);
	q.num_excludes = 1;
	CHECK(!pathfind(pf, g, &q, r, &n));
	pathfinder_free(pf);
	graph_free(g);
}

static void test_limits(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	size_t n;

	/* A-B-E-D: cheaper still but three hops (blocks 5, 6). */
	chan(g, 5, B, E, 1000000);
	chan(g, 6, E, D, 1000000);
	both(g, 5, B, E, (struct pol){1000, 0, 10, 0, 0, false});
	both(g, 6, E, D, (struct pol){1000, 0, 10, 0, 0, false});
	both(g, 2, B, D, dear);
	query(&q, A, D, 1000000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,5,6");
	q.maxhops = 2;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK(n == 2);
	q.maxhops = 1;
	CHECK(!pathfind(pf, g, &q, r, &n));
	/* maxfee: the dear two-hop routes cost 10,000 msat; 9,999 leaves the
	 * three-hop one (fee 1,000 + 1,000 = 2,000). */
	q.maxhops = 2;
	q.maxfee_msat = 10000;
	CHECK(pathfind(pf, g, &q, r, &n) && route_fees(r, n) == 10000);
	q.maxfee_msat = 9999;
	CHECK(!pathfind(pf, g, &q, r, &n));
	q.maxhops = ROUTE_MAX_HOPS;
	CHECK(pathfind(pf, g, &q, r, &n) && route_fees(r, n) == 2000);
	q.maxfee_msat = 1999;
	CHECK(!pathfind(pf, g, &q, r, &n));
	/* maxdelay: 9 + 10 + 10 = 29 for the three hops, 19 for two. */
	q.maxfee_msat = UINT64_MAX;
	q.maxdelay = 28;
	CHECK(pathfind(pf, g, &q, r, &n) && n == 2 && r[0].delay == 19);
	q.maxdelay = 18;
	CHECK(!pathfind(pf, g, &q, r, &n));
	pathfinder_free(pf);
	graph_free(g);
}

static void test_riskfactor(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	size_t n;

	/* The cheap side locks the funds 1000 blocks at B. */
	both(g, 2, B, D, (struct pol){1000, 1000, 1000, 0, 0, false});
	query(&q, A, D, 100000000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	/* Fees: 101,000 msat over B, 505,000 over C.  At riskfactor 30
	 * B's 1000 blocks cost 100,000,000 * 1000 * 30 / 5,259,600 ~
	 * 570,000 msat more, C's 10 blocks ~ 5,700. */
	q.riskfactor = 20;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	q.riskfactor = 30;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,4");
	pathfinder_free(pf);
	graph_free(g);
}

static void test_locals(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	struct pathfind_local l[3];
	size_t n;

	memset(l, 0, sizeof(l));
	l[0].scid = scid(1);
	memcpy(l[0].peer, nid(B), PUBKEY_CMPR_LEN);
	l[0].spendable_msat = 500000;
	l[1].scid = scid(3);
	memcpy(l[1].peer, nid(C), PUBKEY_CMPR_LEN);
	l[1].spendable_msat = 5000000;
	query(&q, A, D, 400000);
	q.use_locals = true;
	q.locals = l;
	q.num_locals = 2;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	/* Not enough on our side toward B (the fee counts). */
	query(&q, A, D, 499000);
	q.use_locals = true;
	q.locals = l;
	q.num_locals = 2;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,4");
	/* The peer's htlc_minimum_msat. */
	l[1].htlc_minimum_msat = 600000;
	CHECK(!pathfind(pf, g, &q, r, &n));
	/* A private channel of ours (not in the graph) to a new node F,
	 * the destination. */
	l[2].scid = scid(30);
	memcpy(l[2].peer, nid(F), PUBKEY_CMPR_LEN);
	l[2].spendable_msat = 1000000;
	query(&q, A, F, 1000);
	q.use_locals = true;
	q.locals = l;
	q.num_locals = 3;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "30");
	CHECK(r[0].amount_msat == 1000);
	/* Without use_locals our graph channels count, whatever we hold. */
	query(&q, A, D, 499000);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	pathfinder_free(pf);
	graph_free(g);
}

/* A hint from us (the payee's hint over its channel with us) is one of
 * our channels: with use_locals only the locals say whether it can be
 * used, as for the graph's. */
static void test_hint_from_us_is_a_local(void)
{
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	struct route_edge hint;
	struct pathfind_local l;
	size_t n;

	memset(&hint, 0, sizeof(hint));
	memcpy(hint.from, nid(A), PUBKEY_CMPR_LEN);
	memcpy(hint.to, nid(E), PUBKEY_CMPR_LEN);
	hint.scid = scid(20);
	hint.cltv_expiry_delta = 40;
	query(&q, A, E, 1000);
	q.extra = &hint;
	q.num_extra = 1;
	q.use_locals = true;
	CHECK(!pathfind(pf, NULL, &q, r, &n));
	/* Usable once our channel to E is among the locals. */
	memset(&l, 0, sizeof(l));
	l.scid = scid(20);
	memcpy(l.peer, nid(E), PUBKEY_CMPR_LEN);
	l.spendable_msat = 1000000;
	q.locals = &l;
	q.num_locals = 1;
	CHECK(pathfind(pf, NULL, &q, r, &n));
	CHECK_STREQ(via(r, n), "20");
	pathfinder_free(pf);
}

static void test_scorer_steers(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct scorer *s = scorer_new(NULL);
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	size_t n;
	uint64_t now = 1700000000;

	both(g, 3, A, C, cheap);
	/* C's side: 100 msat dearer. */
	both(g, 4, C, D, (struct pol){1100, 1000, 10, 0, 0, false});
	query(&q, A, D, 300000000);
	q.scorer = s;
	q.now = now;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	/* B -> D failed 300,000 sat: the next route avoids it. */
	scorer_failed(s, scid(2), pathfind_direction(nid(B), nid(D)), 300000000, 1000000000, now);
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "3,4");
	/* A smaller amount it still may carry: back, as the fee is lower
	 * and it is likely (about 31 msat more penalty than C's side). */
	query(&q, A, D, 1000000);
	q.scorer = s;
	q.now = now;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	/* Days later the failure is forgotten. */
	query(&q, A, D, 300000000);
	q.scorer = s;
	q.now = now + 30 * 86400;
	CHECK(pathfind(pf, g, &q, r, &n));
	CHECK_STREQ(via(r, n), "1,2");
	scorer_free(s);
	pathfinder_free(pf);
	graph_free(g);
}

static void test_scorer(void)
{
	struct scorer *s = scorer_new(NULL);
	struct short_channel_id c = scid(7);
	uint64_t cap = 1000000000, lo, hi, now = 1000000, hl = 6 * 3600;

	/* No knowledge: uniform over [0, capacity]. */
	scorer_bounds(s, c, 0, cap, now, &lo, &hi);
	CHECK(lo == 0 && hi == cap);
	CHECK(scorer_probability(s, c, 0, 0, cap, now) == 1.0);
	CHECK(scorer_probability(s, c, 0, cap / 2, cap, now) > 0.49
	      && scorer_probability(s, c, 0, cap / 2, cap, now) < 0.51);
	/* The penalty grows with the amount; none above capacity. */
	CHECK(scorer_penalty(s, c, 0, 1000, cap, now) < scorer_penalty(s, c, 0, cap / 2, cap, now));
	CHECK(scorer_penalty(s, c, 0, cap / 2, cap, now)
	      < scorer_penalty(s, c, 0, cap - 1000, cap, now));
	CHECK(scorer_penalty(s, c, 0, cap + 1, cap, now) == UINT64_MAX);
	/* LDK's numbers: a 1 sat payment costs about the base 500 msat. */
	CHECK(scorer_penalty(s, c, 0, 1000, cap, now) == 500);
	/* p = 1/2 at 500,000,000 msat: 500 + 3814 + 0.30103 * (30,000 +
	 * 91,552) ~ 40,904. */
	CHECK_MSG(scorer_penalty(s, c, 0, cap / 2, cap, now) >= 40890
		  && scorer_penalty(s, c, 0, cap / 2, cap, now) <= 40920, "%llu",
		  (unsigned long long)scorer_penalty(s, c, 0, cap / 2, cap, now));
	/* A failure at 400,000,000: the upper bound below it, that
	 * direction only. */
	scorer_failed(s, c, 0, 400000000, cap, now);
	scorer_bounds(s, c, 0, cap, now, &lo, &hi);
	CHECK(lo == 0 && hi == 399999999);
	CHECK(scorer_probability(s, c, 0, 400000000, cap, now) == 0);
	scorer_bounds(s, c, 1, cap, now, &lo, &hi);
	CHECK(lo == 0 && hi == cap);
	/* Passing 100,000,000: the lower bound. */
	scorer_passed(s, c, 0, 100000000, cap, now);
	scorer_bounds(s, c, 0, cap, now, &lo, &hi);
	CHECK(lo == 100000000 && hi == 399999999);
	CHECK(scorer_probability(s, c, 0, 100000000, cap, now) == 1.0);
	/* A half-life later both bounds are halfway back. */
	scorer_bounds(s, c, 0, cap, now + hl, &lo, &hi);
	CHECK(lo == 50000000 && hi == cap - 300000000);
	scorer_bounds(s, c, 0, cap, now + 2 * hl, &lo, &hi);
	CHECK(lo == 25000000 && hi == cap - 150000000);
	/* In between: linear. */
	scorer_bounds(s, c, 0, cap, now + hl / 2, &lo, &hi);
	CHECK(lo == 75000000);
	/* A success of 50,000,000 moves it out: [50M, 350M). */
	scorer_succeeded(s, c, 0, 50000000, cap, now);
	scorer_bounds(s, c, 0, cap, now, &lo, &hi);
	CHECK(lo == 50000000 && hi == 349999999);
	/* A failure below the lower bound: the lower bound was wrong. */
	scorer_failed(s, c, 0, 10000000, cap, now);
	scorer_bounds(s, c, 0, cap, now, &lo, &hi);
	CHECK(lo == 0 && hi == 9999999);
	CHECK(scorer_num_entries(s) == 1);
	/* Many channels: the table grows and finds each. */
	for (uint32_t i = 100; i < 1100; i++)
		scorer_failed(s, scid(i), (int)(i & 1), i * 1000, cap, now);
	CHECK(scorer_num_entries(s) == 1001);
	for (uint32_t i = 100; i < 1100; i++) {
		scorer_bounds(s, scid(i), (int)(i & 1), cap, now, &lo, &hi);
		CHECK(hi == i * 1000 - 1);
	}
	scorer_free(s);
}

static void test_learn_from_attempts(void)
{
	struct graph *g = diamond();
	struct scorer *s = scorer_new(NULL);
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct route_hop r[ROUTE_MAX_HOPS];
	int ab = pathfind_direction(nid(A), nid(B)), bd = pathfind_direction(nid(B), nid(D));
	uint64_t lo, hi, cap = 1000000000ULL, now = 5000;
	size_t n;

	query(&q, A, D, 200000000);
	CHECK(pathfind(pf, g, &q, r, &n) && n == 2);
	/* B (erring index 1) had no liquidity toward D: A -> B carried
	 * its amount, B -> D could not. */
	pathfind_learn(s, g, nid(A), r, n, false, 1, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, now);
	scorer_bounds(s, scid(1), ab, cap, now, &lo, &hi);
	CHECK(lo == r[0].amount_msat && hi == cap);
	scorer_bounds(s, scid(2), bd, cap, now, &lo, &hi);
	CHECK(lo == 0 && hi == r[1].amount_msat - 1);
	/* Another failure (fee_insufficient) says nothing of liquidity. */
	pathfind_learn(s, g, nid(A), r, n, false, 1, ONION_FAILURE_FEE_INSUFFICIENT, now);
	scorer_bounds(s, scid(2), bd, cap, now, &lo, &hi);
	CHECK(hi == r[1].amount_msat - 1);
	/* Unreadable: nothing. */
	CHECK(scorer_num_entries(s) == 2);
	pathfind_learn(s, g, nid(A), r, n, false, -1, 0, now);
	CHECK(scorer_num_entries(s) == 2);
	/* A success moves the amount out of A -> B. */
	pathfind_learn(s, g, nid(A), r, n, true, -1, 0, now);
	scorer_bounds(s, scid(1), ab, cap, now, &lo, &hi);
	CHECK(lo == 0 && hi == cap - r[0].amount_msat);
	scorer_free(s);
	pathfinder_free(pf);
	graph_free(g);
}

int main(void)
{
	RUN(test_fees_and_cltv_backwards);
	RUN(test_cheaper_path_and_ties);
	RUN(test_htlc_limits_and_capacity);
	RUN(test_disabled);
	RUN(test_hints);
	RUN(test_exclusions);
	RUN(test_limits);
	RUN(test_riskfactor);
	RUN(test_locals);
	RUN(test_hint_from_us_is_a_local);
	RUN(test_scorer_steers);
	RUN(test_scorer);
	RUN(test_learn_from_attempts);
	return test_done();
}
