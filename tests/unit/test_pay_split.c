/* pay/split on hand-made graphs: an amount two paths must share, parts
 * within htlc_maximum_msat, our channels' balances and a payment's own
 * liquidity limits, the smallest part and the most parts, the fee budget
 * shared, and the same parts for the same inputs. */
#include <stdint.h>
#include <string.h>

#include "pay/pathfind.h"
#include "pay/split.h"
#include "tests/unit/graph_helpers.h"
#include "tests/unit/test.h"

static struct pathfind_local locals[2];

/* A pays D over the diamond, with A's channels to B (block 1) and C
 * (block 3) able to send ab_msat and ac_msat. */
static void query(struct pathfind_query *q, uint64_t amount, uint64_t ab_msat, uint64_t ac_msat)
{
	memset(q, 0, sizeof(*q));
	memcpy(q->source, nid(A), PUBKEY_CMPR_LEN);
	memcpy(q->destination, nid(D), PUBKEY_CMPR_LEN);
	q->amount_msat = amount;
	q->final_cltv = 9;
	q->maxfee_msat = UINT64_MAX;
	q->maxdelay = UINT32_MAX;
	q->maxhops = ROUTE_MAX_HOPS;
	memset(locals, 0, sizeof(locals));
	locals[0].scid = scid(1);
	memcpy(locals[0].peer, nid(B), PUBKEY_CMPR_LEN);
	locals[0].spendable_msat = ab_msat;
	locals[1].scid = scid(3);
	memcpy(locals[1].peer, nid(C), PUBKEY_CMPR_LEN);
	locals[1].spendable_msat = ac_msat;
	q->use_locals = true;
	q->locals = locals;
	q->num_locals = 2;
}

static uint64_t delivered(const struct pay_split_part *parts, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		CHECK(parts[i].route[parts[i].num_hops - 1].amount_msat == parts[i].amount_msat);
		CHECK_MEMEQ(parts[i].route[parts[i].num_hops - 1].node_id, nid(D), PUBKEY_CMPR_LEN);
		sum += parts[i].amount_msat;
	}
	return sum;
}

/* What parts[0..n) send over the channel in block (first hop amounts). */
static uint64_t over(const struct pay_split_part *parts, size_t n, uint32_t block)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t h = 0; h < parts[i].num_hops; h++)
			if (parts[i].route[h].scid.u64 == scid(block).u64)
				sum += parts[i].route[h].amount_msat;
	return sum;
}

static void test_two_paths_share(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct pay_split_part parts[PAY_SPLIT_MAX_PARTS], again[PAY_SPLIT_MAX_PARTS];
	struct route_hop r[ROUTE_MAX_HOPS];
	size_t n, m, hops;

	/* 600,000 sat over each of A's channels; 1,000,000 sat is more
	 * than either path carries. */
	query(&q, 1000000000, 600000000, 600000000);
	CHECK(!pathfind(pf, g, &q, r, &hops));
	n = pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts);
	CHECK(n == 2);
	CHECK(delivered(parts, n) == 1000000000);
	/* Half over the cheap path, the other half over the dear one. */
	CHECK_STREQ(via(parts[0].route, parts[0].num_hops), "1,2");
	CHECK_STREQ(via(parts[1].route, parts[1].num_hops), "3,4");
	CHECK(parts[0].amount_msat == 500000000 && parts[1].amount_msat == 500000000);
	CHECK(over(parts, n, 1) <= 600000000 && over(parts, n, 3) <= 600000000);
	/* Deterministic. */
	m = pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, again);
	CHECK(m == n);
	for (size_t i = 0; i < n && i < m; i++) {
		CHECK(again[i].amount_msat == parts[i].amount_msat);
		CHECK(again[i].num_hops == parts[i].num_hops);
		CHECK_MEMEQ(again[i].route, parts[i].route, parts[i].num_hops * sizeof(r[0]));
	}
	/* More than both paths: nothing at all. */
	query(&q, 1300000000, 600000000, 600000000);
	CHECK(pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts) == 0);
	/* What one route carries is one part. */
	query(&q, 400000000, 600000000, 600000000);
	CHECK(pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts) == 1);
	CHECK_STREQ(via(parts[0].route, parts[0].num_hops), "1,2");
	pathfinder_free(pf);
	graph_free(g);
}

static void test_htlc_maximum_and_overlap(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct pay_split_part parts[PAY_SPLIT_MAX_PARTS];
	size_t n;

	/* B forwards at most 300,000 sat per HTLC to D; the dear path is
	 * gone (C -> D disabled).  800,000 sat must go over B in parts of
	 * at most 300,000 sat, over the same channels: 400,000 is too
	 * much, 200,000 fits, then 600,000 is too much and 300,000 fits,
	 * twice. */
	update(g, 2, B, D, (struct pol){1000, 1000, 10, 0, 300000000, false});
	update(g, 4, C, D, (struct pol){5000, 5000, 10, 0, 0, true});
	query(&q, 800000000, 900000000, 900000000);
	n = pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts);
	CHECK(n == 3);
	CHECK(parts[0].amount_msat == 200000000 && parts[1].amount_msat == 300000000
	      && parts[2].amount_msat == 300000000);
	CHECK(delivered(parts, n) == 800000000);
	for (size_t i = 0; i < n; i++) {
		CHECK_STREQ(via(parts[i].route, parts[i].num_hops), "1,2");
		CHECK(parts[i].amount_msat <= 300000000);
	}
	/* Our balance to B bounds the sum over it, fees included. */
	CHECK(over(parts, n, 1) <= 900000000);
	query(&q, 800000000, 700000000, 900000000);
	CHECK(pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts) == 0);
	pathfinder_free(pf);
	graph_free(g);
}

static void test_payment_limits(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct pay_split_part parts[PAY_SPLIT_MAX_PARTS];
	/* A failed part taught: B -> D carries less than 200,000 sat; and
	 * 100,000 sat of A -> C is in flight for another part. */
	struct pathfind_cap caps[2] = {
		{scid(2), pathfind_direction(nid(B), nid(D)), 199999999, 0},
		{scid(4), pathfind_direction(nid(C), nid(D)), UINT64_MAX, 900000000},
	};
	size_t n;

	query(&q, 400000000, 900000000, 900000000);
	q.caps = caps;
	q.num_caps = 2;
	n = pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts);
	/* C -> D has 100,000 sat of room; B -> D under 200,000: 400,000
	 * does not fit. */
	CHECK(n == 0);
	query(&q, 250000000, 900000000, 900000000);
	q.caps = caps;
	q.num_caps = 2;
	n = pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts);
	CHECK(n >= 2);
	CHECK(delivered(parts, n) == 250000000);
	CHECK(over(parts, n, 2) <= 199999999);
	CHECK(over(parts, n, 4) <= 100000000);
	/* The caller's caps are not changed. */
	CHECK(caps[1].reserved_msat == 900000000 && caps[0].reserved_msat == 0);
	pathfinder_free(pf);
	graph_free(g);
}

static void test_smallest_and_most_parts(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct pay_split_part parts[PAY_SPLIT_MAX_PARTS];
	size_t n;

	/* 250 sat over 200 + 80 sat of balance (fees: B 1 sat + 0.1%, C
	 * 5 sat + 0.5%): 125 sat over B, then 125 sat fits nowhere and
	 * halves to 62.5 sat, under the 100 sat minimum. */
	query(&q, 250000, 200000, 80000);
	CHECK(pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts) == 0);
	/* With 50 sat parts allowed: 125 and 62.5 over B, 62.5 over C. */
	n = pay_split(pf, g, &q, 50000, PAY_SPLIT_MAX_PARTS, parts);
	CHECK(n == 3);
	CHECK_STREQ(via(parts[1].route, parts[1].num_hops), "1,2");
	CHECK_STREQ(via(parts[2].route, parts[2].num_hops), "3,4");
	CHECK(delivered(parts, n) == 250000);
	for (size_t i = 0; i < n; i++)
		CHECK(parts[i].amount_msat >= 50000);
	CHECK(over(parts, n, 1) <= 200000 && over(parts, n, 3) <= 80000);
	/* At most two parts: not placed. */
	CHECK(pay_split(pf, g, &q, 50000, 2, parts) == 0);
	pathfinder_free(pf);
	graph_free(g);
}

static void test_fee_budget_shared(void)
{
	struct graph *g = diamond();
	struct pathfinder *pf = pathfinder_new();
	struct pathfind_query q;
	struct pay_split_part parts[PAY_SPLIT_MAX_PARTS];
	uint64_t fees = 0;
	size_t n;

	/* 1,000,000 sat in two halves: the cheap half costs 1 sat + 0.1%
	 * (501,000 msat at B), the dear one 5 sat + 0.5% (2,505,000 msat
	 * at C).  A budget of 3,006,000 msat is just enough for that. */
	query(&q, 1000000000, 600000000, 600000000);
	q.maxfee_msat = 3006000;
	n = pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts);
	CHECK(n == 2);
	for (size_t i = 0; i < n; i++)
		fees += route_fees(parts[i].route, parts[i].num_hops);
	CHECK(fees == 3006000);
	/* One msat less: more goes over the cheap path, in more parts,
	 * within the budget. */
	q.maxfee_msat = 3005999;
	n = pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts);
	CHECK(n > 2);
	CHECK(delivered(parts, n) == 1000000000);
	fees = 0;
	for (size_t i = 0; i < n; i++)
		fees += route_fees(parts[i].route, parts[i].num_hops);
	CHECK(fees <= 3005999);
	/* The dear path must carry 400,000 sat at least (2,005,000 msat):
	 * a budget of 2,000,000 msat places nothing. */
	q.maxfee_msat = 2000000;
	CHECK(pay_split(pf, g, &q, PAY_SPLIT_MIN_PART_MSAT, PAY_SPLIT_MAX_PARTS, parts) == 0);
	pathfinder_free(pf);
	graph_free(g);
}

int main(void)
{
	RUN(test_two_paths_share);
	RUN(test_htlc_maximum_and_overlap);
	RUN(test_payment_limits);
	RUN(test_smallest_and_most_parts);
	RUN(test_fee_budget_shared);
	return test_done();
}
