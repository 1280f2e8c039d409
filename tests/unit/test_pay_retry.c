/* pay/retry over hand-made graphs: which route `pay` tries next, what a
 * failure excludes or updates, when it gives up and why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pay/onion_error.h"
#include "pay/pathfind.h"
#include "pay/retry.h"
#include "pay/split.h"
#include "tests/unit/graph_helpers.h"
#include "tests/unit/test.h"
#include "wire/peer_wire.h"

#define NOW 10
#define HEIGHT 500

/* A payment of amount to destination: fees up to 100,000 msat, 2016
 * blocks, min_final_cltv_expiry 18, until NOW + 990. */
static void retry_target(struct pay_target *t, unsigned destination, uint64_t amount)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->destination, nid(destination), PUBKEY_CMPR_LEN);
	t->amount_msat = amount;
	t->maxfee_msat = 100000;
	t->maxdelay = 2016;
	t->min_final_cltv_expiry = 18;
	t->deadline = 1000;
}

/* A (us) on the diamond: our channels are block 1 to B and 3 to C, each
 * able to send 100,000,000 msat (the graph's view of them is not used). */
struct fixture {
	struct graph *g;
	struct pathfinder *pf;
	struct pathfind_local mine[2];
	struct pay_retry r;
};

static void fixture_init(struct fixture *f, const struct pay_target *t)
{
	memset(f, 0, sizeof(*f));
	f->g = diamond();
	f->pf = pathfinder_new();
	f->mine[0].scid = scid(1);
	memcpy(f->mine[0].peer, nid(B), PUBKEY_CMPR_LEN);
	f->mine[0].spendable_msat = 100000000;
	f->mine[1].scid = scid(3);
	memcpy(f->mine[1].peer, nid(C), PUBKEY_CMPR_LEN);
	f->mine[1].spendable_msat = 100000000;
	pay_retry_init(&f->r, t);
}

static void fixture_clear(struct fixture *f)
{
	pay_retry_clear(&f->r);
	pathfinder_free(f->pf);
	graph_free(f->g);
}

static enum pay_retry_verdict next(struct fixture *f)
{
	return pay_retry_route(&f->r, f->pf, f->g, nid(A), f->mine, 2, NULL, NOW, HEIGHT);
}

/* The route just chosen, as "b1,b2,...". */
static const char *route(const struct fixture *f)
{
	return via(f->r.route, f->r.num_hops);
}

static enum pay_retry_verdict failed(struct fixture *f, int64_t erring_index, uint16_t code,
				     bool graph_took)
{
	struct onion_failure failure;

	onion_failure_init(&failure, code);
	return pay_retry_failed_graph(&f->r, erring_index, &failure, graph_took);
}

static void test_cheapest_route_absolute_delays(void)
{
	struct fixture f;
	struct pay_target t;

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	/* Absolute delays: height + final (18 + the margin), + B's delta. */
	CHECK(f.r.route[1].delay == HEIGHT + 18 + PAY_RETRY_FINAL_CLTV_MARGIN
	      && f.r.route[0].delay == HEIGHT + 28 + PAY_RETRY_FINAL_CLTV_MARGIN);
	/* B's fee: 1000 + 1000 ppm. */
	CHECK(f.r.route[1].amount_msat == 1000000 && f.r.route[0].amount_msat == 1002000);
	fixture_clear(&f);
}

/* A failure at hop i excludes the channel after the erring node. */
static void test_failure_excludes_channel_after_erring_node(void)
{
	struct fixture f;
	struct pay_target t;

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	/* B (index 1) could not forward over B->D (block 2). */
	CHECK(failed(&f, 1, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 1 && f.r.excluded[0].u64 == scid(2).u64);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	/* Unreadable (-1): our own first channel (3) goes, and with 2 gone
	 * nothing is left. */
	CHECK(pay_retry_failed_graph(&f.r, -1, NULL, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 2 && f.r.excluded[1].u64 == scid(3).u64);
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	fixture_clear(&f);

	/* An erring index past the route (a confused decoder) excludes the
	 * last channel, never reads past the route. */
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND && f.r.num_hops == 2);
	CHECK(pay_retry_failed_graph(&f.r, 7, NULL, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 1 && f.r.excluded[0].u64 == scid(2).u64);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	fixture_clear(&f);
}

/* The destination's own failure ends the payment; our own hop's
 * (index 0) excludes our channel. */
static void test_destination_refusal_stops(void)
{
	struct fixture f;
	struct pay_target t;

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	CHECK(failed(&f, 2, ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS, false)
	      == PAY_RETRY_DESTINATION_REFUSED);
	/* Even with a channel_update the graph took: nothing learned, the
	 * route was fine. */
	CHECK(failed(&f, 2, ONION_FAILURE_FEE_INSUFFICIENT, true) == PAY_RETRY_DESTINATION_REFUSED);
	CHECK(f.r.num_excluded == 0 && f.r.num_excludes == 0 && f.r.num_updated == 0);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	/* Our own hop: our channel to B goes. */
	CHECK(failed(&f, 0, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 1 && f.r.excluded[0].u64 == scid(1).u64);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	fixture_clear(&f);
}

/* The attempt could not leave (our channel refused the HTLC). */
static void test_unsendable_excludes_first_channel(void)
{
	struct fixture f;
	struct pay_target t;
	struct pathfind_local more[3];

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	pay_retry_unsendable(&f.r);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	pay_retry_unsendable(&f.r);
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	/* Another (private) channel of ours to B is tried instead. */
	memcpy(more, f.mine, sizeof(f.mine));
	memset(&more[2], 0, sizeof(more[2]));
	more[2].scid = scid(9);
	memcpy(more[2].peer, nid(B), PUBKEY_CMPR_LEN);
	more[2].spendable_msat = 100000000;
	CHECK(pay_retry_route(&f.r, f.pf, f.g, nid(A), more, 3, NULL, NOW, HEIGHT)
	      == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "9,2");
	fixture_clear(&f);
}

/* A channel_update the graph took (the caller offered it to gossip):
 * the same channel is tried again with what the graph now says, once
 * per channel; the second time it is excluded. */
static void test_graph_update_believed_once_per_channel(void)
{
	struct fixture f;
	struct pay_target t;

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	CHECK(f.r.route[0].amount_msat == 1002000);
	/* B now charges 3000 + 1000 ppm on 2 (the update the graph took):
	 * still the cheapest, priced right. */
	update(f.g, 2, B, D, (struct pol){3000, 1000, 10, 0, 0, false});
	CHECK(failed(&f, 1, ONION_FAILURE_FEE_INSUFFICIENT, true) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 0);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	CHECK(f.r.route[0].amount_msat == 1004000);
	/* The same channel failing again with an update the graph took: not
	 * believed twice. */
	CHECK(failed(&f, 1, ONION_FAILURE_FEE_INSUFFICIENT, true) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 1 && f.r.excluded[0].u64 == scid(2).u64);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	/* Once per channel, not per payment: C's update for 4 is believed. */
	CHECK(failed(&f, 1, ONION_FAILURE_FEE_INSUFFICIENT, true) == PAY_RETRY_SEND);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	/* An update the graph did not take teaches nothing but the
	 * exclusion. */
	CHECK(failed(&f, 1, ONION_FAILURE_FEE_INSUFFICIENT, false) == PAY_RETRY_SEND);
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	fixture_clear(&f);

	/* The update makes another route the cheapest: B charges 20,000. */
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	update(f.g, 2, B, D, (struct pol){20000, 1000, 10, 0, 0, false});
	CHECK(failed(&f, 1, ONION_FAILURE_FEE_INSUFFICIENT, true) == PAY_RETRY_SEND);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	CHECK(f.r.num_excluded == 0);
	fixture_clear(&f);
}

/* A fee_insufficient failure carrying the channel_update (with its type
 * unless without_type) for the channel at block, charging 3000 msat and
 * 40 blocks.  Frees the previous one's bytes. */
static void update_failure(struct onion_failure *failure, struct wirebuf **bytes,
			   uint32_t block, bool without_type)
{
	struct msg_channel_update u;

	memset(&u, 0, sizeof(u));
	u.short_channel_id = scid(block);
	u.fee_base_msat = 3000;
	u.cltv_expiry_delta = 40;
	u.htlc_minimum_msat = 1;
	u.htlc_maximum_msat = 1000000000;
	wirebuf_free(*bytes);
	*bytes = towire_channel_update(&u);
	onion_failure_init(failure, ONION_FAILURE_FEE_INSUFFICIENT);
	failure->channel_update = (*bytes)->data + (without_type ? 2 : 0);
	failure->channel_update_len = (*bytes)->len - (without_type ? 2 : 0);
}

/* E is private behind B: the invoice's hint B->E (block 20, 1000 msat,
 * 10 blocks). */
static void hint_target(struct pay_target *t, struct route_edge *hint, size_t *len)
{
	retry_target(t, E, 100000);
	memset(hint, 0, sizeof(*hint));
	memcpy(hint->from, nid(B), PUBKEY_CMPR_LEN);
	memcpy(hint->to, nid(E), PUBKEY_CMPR_LEN);
	hint->scid = scid(20);
	hint->fee_base_msat = 1000;
	hint->cltv_expiry_delta = 10;
	*len = 1;
	t->hint_edges = hint;
	t->hint_lens = len;
	t->num_hints = 1;
}

/* A failure carrying a newer channel_update for a hint's channel (the
 * graph does not know it): the hint's fees are updated and the same
 * route is retried, once per hint; the second time, the channel is
 * excluded. */
static void test_hint_update_once(void)
{
	struct fixture f;
	struct pay_target t;
	struct route_edge hint;
	size_t len;
	struct wirebuf *bytes = NULL;
	struct onion_failure failure;

	hint_target(&t, &hint, &len);
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,20");
	CHECK(f.r.route[0].amount_msat == 101000);
	update_failure(&failure, &bytes, 20, false);
	CHECK(pay_retry_failed_graph(&f.r, 1, &failure, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 0);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,20");
	CHECK(f.r.route[0].amount_msat == 103000 && f.r.route[0].delay == f.r.route[1].delay + 40);
	/* The caller's hint is untouched (copied). */
	CHECK(hint.fee_base_msat == 1000);
	/* The same again: not believed twice. */
	CHECK(pay_retry_failed_graph(&f.r, 1, &failure, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 1 && f.r.excluded[0].u64 == scid(20).u64);
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	fixture_clear(&f);
	wirebuf_free(bytes);
}

/* Older nodes send the channel_update without its type; one for a
 * channel of no hint, from our own hop (index 0), or unparsable teaches
 * nothing but the exclusion. */
static void test_hint_update_forms(void)
{
	struct {
		uint32_t block;
		bool without_type;
		int64_t erring_index;
		size_t len;		/* 0: all of it */
		bool is_applied;
		uint32_t excluded;	/* if not applied */
	} cases[] = {
		{20, true, 1, 0, true, 0},
		{99, false, 1, 0, false, 20},
		{20, false, 0, 0, false, 1},
		{20, false, 1, 5, false, 20},
	};
	struct wirebuf *bytes = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		struct pay_target t;
		struct route_edge hint;
		size_t len;
		struct onion_failure failure;

		hint_target(&t, &hint, &len);
		fixture_init(&f, &t);
		CHECK(next(&f) == PAY_RETRY_SEND);
		update_failure(&failure, &bytes, cases[i].block, cases[i].without_type);
		if (cases[i].len)
			failure.channel_update_len = cases[i].len;
		CHECK(pay_retry_failed_graph(&f.r, cases[i].erring_index, &failure, false)
		      == PAY_RETRY_SEND);
		CHECK_MSG((f.r.edges[0].fee_base_msat == 3000) == cases[i].is_applied, "case %zu", i);
		CHECK_MSG(cases[i].is_applied ? f.r.num_excluded == 0
			  : f.r.num_excluded == 1
			    && f.r.excluded[0].u64 == scid(cases[i].excluded).u64, "case %zu", i);
		fixture_clear(&f);
	}
	wirebuf_free(bytes);
}

/* BOLT #4's NODE failures exclude the erring node, whatever channel. */
static void test_node_failure_excludes_node(void)
{
	struct fixture f;
	struct pay_target t;

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	/* B-E-D (blocks 5, 6): another way from B, dearer than 2. */
	chan(f.g, 5, B, E, 1000000);
	chan(f.g, 6, E, D, 1000000);
	both(f.g, 5, B, E, cheap);
	both(f.g, 6, E, D, cheap);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	/* A channel failure at B leaves B usable. */
	CHECK(failed(&f, 1, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, false) == PAY_RETRY_SEND);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,5,6");
	/* B fails as a node: B is avoided. */
	CHECK(failed(&f, 1, ONION_FAILURE_TEMPORARY_NODE_FAILURE, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excludes == 1 && f.r.excludes[0].is_node);
	CHECK_MEMEQ(f.r.excludes[0].node_id, nid(B), PUBKEY_CMPR_LEN);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	/* So is C (permanent), and nothing is left. */
	CHECK(failed(&f, 1, ONION_FAILURE_PERMANENT_NODE_FAILURE, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excludes == 2);
	CHECK_MEMEQ(f.r.excludes[1].node_id, nid(C), PUBKEY_CMPR_LEN);
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	fixture_clear(&f);
}

/* An erring index past the route (a failure we could not place) names no
 * node: a NODE failure there excludes none. */
static void test_node_failure_past_the_route(void)
{
	struct fixture f;
	struct pay_target t;

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "1,2");
	CHECK(failed(&f, 5, ONION_FAILURE_PERMANENT_NODE_FAILURE, false) == PAY_RETRY_SEND);
	CHECK(f.r.num_excludes == 0);
	fixture_clear(&f);
}

/* Out of time, no route, too expensive: each its own verdict. */
static void test_gives_up_with_the_reason(void)
{
	struct fixture f;
	struct pay_target t;
	struct pathfind_exclude x;

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	CHECK(pay_retry_route(&f.r, f.pf, f.g, nid(A), f.mine, 2, NULL, 1000, HEIGHT)
	      == PAY_RETRY_SEND);
	CHECK(pay_retry_route(&f.r, f.pf, f.g, nid(A), f.mine, 2, NULL, 1001, HEIGHT)
	      == PAY_RETRY_OUT_OF_TIME);
	/* Not enough on either of our channels (the fee counts). */
	f.mine[0].spendable_msat = 1001999;
	f.mine[1].spendable_msat = 1009999;
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	f.mine[1].spendable_msat = 1010000;
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	/* No channels of ours at all. */
	CHECK(pay_retry_route(&f.r, f.pf, f.g, nid(A), NULL, 0, NULL, NOW, HEIGHT)
	      == PAY_RETRY_NO_ROUTE);
	fixture_clear(&f);

	/* The payer's exclusions (copied) and maxhops. */
	retry_target(&t, D, 1000000);
	memset(&x, 0, sizeof(x));
	x.is_node = true;
	memcpy(x.node_id, nid(B), PUBKEY_CMPR_LEN);
	t.excludes = &x;
	t.num_excludes = 1;
	fixture_init(&f, &t);
	memset(&x, 0, sizeof(x));
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK_STREQ(route(&f), "3,4");
	fixture_clear(&f);
	retry_target(&t, D, 1000000);
	t.maxhops = 1;
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	fixture_clear(&f);

	/* Fee limits: B's fee is 2,000 msat.  Below the 5,000 msat
	 * exemption a percentage limit lets it pass; pay's fixed maxfee
	 * does not. */
	retry_target(&t, D, 1000000);
	t.maxfee_msat = 1000;
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	fixture_clear(&f);
	t.maxfee_is_fixed = true;
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_TOO_EXPENSIVE);
	fixture_clear(&f);
	/* Above the exemption: C's 10,000 msat is too much for 9,999, the
	 * only route left once 2 is gone. */
	retry_target(&t, D, 1000000);
	t.maxfee_msat = 9999;
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK(failed(&f, 1, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, false) == PAY_RETRY_SEND);
	CHECK(next(&f) == PAY_RETRY_TOO_EXPENSIVE);
	fixture_clear(&f);
	/* maxdelay: 18 + the margin + 10 blocks. */
	retry_target(&t, D, 1000000);
	t.maxdelay = 27 + PAY_RETRY_FINAL_CLTV_MARGIN;
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_TOO_EXPENSIVE);
	fixture_clear(&f);
	t.maxdelay = 28 + PAY_RETRY_FINAL_CLTV_MARGIN;
	fixture_init(&f, &t);
	CHECK(next(&f) == PAY_RETRY_SEND);
	fixture_clear(&f);
}

/* Every failure is remembered: each changes what the next route may
 * use (or, once per channel, what the graph says of it), so no route is
 * sent twice for the same reason and the payment ends.  Our CHANNELS
 * private channels straight to D and the diamond's two routes, failing
 * in turn as unsendable, unreadable, at our own hop, and with an update
 * the graph took. */
static void test_every_failure_is_remembered(void)
{
	enum { CHANNELS = 200, KINDS = 4, MAX_ATTEMPTS = 3 * (CHANNELS + 2) };
	static struct pathfind_local mine[CHANNELS + 2];
	static char sent[MAX_ATTEMPTS][64];
	struct fixture f;
	struct pay_target t;
	size_t attempts = 0, repeated = 0;
	enum pay_retry_verdict verdict;

	retry_target(&t, D, 1000000);
	fixture_init(&f, &t);
	memset(mine, 0, sizeof(mine));
	memcpy(mine, f.mine, sizeof(f.mine));
	for (uint32_t c = 0; c < CHANNELS; c++) {
		mine[2 + c].scid = scid(100 + c);
		memcpy(mine[2 + c].peer, nid(D), PUBKEY_CMPR_LEN);
		mine[2 + c].spendable_msat = 100000000;
	}
	/* Bounded: a policy that forgets would loop here. */
	while ((verdict = pay_retry_route(&f.r, f.pf, f.g, nid(A), mine, CHANNELS + 2, NULL, NOW,
					  HEIGHT)) == PAY_RETRY_SEND
	       && attempts < MAX_ATTEMPTS) {
		size_t kind = attempts % KINDS;

		snprintf(sent[attempts], sizeof(sent[0]), "%s/%zu", route(&f), kind);
		for (size_t i = 0; i < attempts; i++)
			repeated += strcmp(sent[i], sent[attempts]) == 0;
		attempts++;
		switch (kind) {
		case 0:
			pay_retry_unsendable(&f.r);
			break;
		case 1:
			CHECK(pay_retry_failed_graph(&f.r, -1, NULL, false) == PAY_RETRY_SEND);
			break;
		case 2:
			CHECK(failed(&f, 0, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, false)
			      == PAY_RETRY_SEND);
			break;
		case 3:
			/* The last forwarding node's channel (our own for a
			 * direct route). */
			CHECK(failed(&f, (int64_t)f.r.num_hops - 1, ONION_FAILURE_FEE_INSUFFICIENT,
				     true) == PAY_RETRY_SEND);
			break;
		}
	}
	CHECK_MSG(verdict == PAY_RETRY_NO_ROUTE, "verdict %d after %zu attempts", verdict, attempts);
	CHECK_MSG(repeated == 0, "%zu repeated", repeated);
	/* One channel of each route is excluded in the end. */
	CHECK_MSG(f.r.num_excluded == CHANNELS + 2, "%zu excluded", f.r.num_excluded);
	/* Each kind-3 failure was believed once: its channel again. */
	CHECK(attempts > CHANNELS + 2 && attempts < MAX_ATTEMPTS);
	fixture_clear(&f);
}

/* allow_mpp: 150,000,000 msat is more than either of our channels sends
 * (100,000,000 each): two parts, over both paths.  The part over B fails
 * at B -> D short of balance (temporary_channel_failure, with an update
 * the graph took): B -> D is limited below that part, not excluded, and
 * not tried again at the same amount; the part's 75,000,000 msat goes
 * again in smaller parts, within the limit over B and beside the part
 * over C still in flight.  Without allow_mpp: no route. */
static void test_parts_and_limits(void)
{
	struct pay_target t;
	struct fixture f;
	struct pay_split_part parts[PAY_SPLIT_MAX_PARTS];
	struct pathfind_cap *flying = NULL;
	size_t n, num_flying = 0;
	uint64_t over_b = 0;

	retry_target(&t, D, 150000000);
	t.maxfee_msat = 10000000;
	fixture_init(&f, &t);
	CHECK(pay_retry_parts(&f.r, f.pf, f.g, nid(A), f.mine, 2, NULL, NOW, HEIGHT, 150000000, 0,
			      NULL, 0, parts, PAY_SPLIT_MAX_PARTS, &n) == PAY_RETRY_NO_ROUTE);
	CHECK(n == 0);
	fixture_clear(&f);

	t.allow_mpp = true;
	fixture_init(&f, &t);
	CHECK(pay_retry_parts(&f.r, f.pf, f.g, nid(A), f.mine, 2, NULL, NOW, HEIGHT, 150000000, 0,
			      NULL, 0, parts, PAY_SPLIT_MAX_PARTS, &n) == PAY_RETRY_SEND);
	CHECK(n == 2);
	CHECK_STREQ(via(parts[0].route, parts[0].num_hops), "1,2");
	CHECK_STREQ(via(parts[1].route, parts[1].num_hops), "3,4");
	CHECK(parts[0].amount_msat == 75000000 && parts[1].amount_msat == 75000000);
	/* Absolute delays. */
	CHECK(parts[0].route[1].delay == HEIGHT + 18 + PAY_RETRY_FINAL_CLTV_MARGIN);
	/* The part over B fails at B (hop 1). */
	pay_retry_set_route(&f.r, parts[0].route, parts[0].num_hops);
	CHECK(failed(&f, 1, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, true) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 0 && f.r.num_limits == 1);
	CHECK(f.r.limits[0].max_msat == 75000000 - 1);
	/* Our channel to C sends the part over C: 24,624,975 msat left
	 * there (75,375,025 with C's fee); D sees it beyond our channels. */
	f.mine[1].spendable_msat -= parts[1].route[0].amount_msat;
	pay_split_reserve(&flying, &num_flying, nid(A), parts[1].route, parts[1].num_hops, 1);
	CHECK(num_flying == 1);
	CHECK(pay_retry_parts(&f.r, f.pf, f.g, nid(A), f.mine, 2, NULL, NOW, HEIGHT, 75000000,
			      route_fees(parts[1].route, parts[1].num_hops), flying, num_flying,
			      parts, PAY_SPLIT_MAX_PARTS - 1, &n) == PAY_RETRY_SEND);
	/* 37,500,000 and 18,750,000 over B (under the limit together),
	 * 18,750,000 over C. */
	CHECK(n == 3);
	for (size_t i = 0; i < n; i++)
		if (parts[i].route[0].scid.u64 == scid(1).u64)
			over_b += parts[i].route[1].amount_msat;
	CHECK(over_b == 56250000);
	CHECK_STREQ(via(parts[2].route, parts[2].num_hops), "3,4");
	CHECK(parts[0].amount_msat + parts[1].amount_msat + parts[2].amount_msat == 75000000);
	free(flying);
	fixture_clear(&f);
}

int main(void)
{
	RUN(test_cheapest_route_absolute_delays);
	RUN(test_failure_excludes_channel_after_erring_node);
	RUN(test_destination_refusal_stops);
	RUN(test_unsendable_excludes_first_channel);
	RUN(test_graph_update_believed_once_per_channel);
	RUN(test_hint_update_once);
	RUN(test_hint_update_forms);
	RUN(test_node_failure_excludes_node);
	RUN(test_node_failure_past_the_route);
	RUN(test_gives_up_with_the_reason);
	RUN(test_every_failure_is_remembered);
	RUN(test_parts_and_limits);
	return test_done();
}
