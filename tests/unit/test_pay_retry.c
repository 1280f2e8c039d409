/* pay/retry: which route `pay` tries next, what a failure excludes, when
 * it gives up. */
#include <string.h>

#include "pay/retry.h"
#include "tests/unit/test.h"
#include "wire/peer_wire.h"

#define HEIGHT 1000
#define NOW 5000

/* Node ids: 'A' is us, 'D' the destination, 'B' and 'C' hint nodes. */
static void node(uint8_t out[PUBKEY_CMPR_LEN], uint8_t name)
{
	memset(out, 0, PUBKEY_CMPR_LEN);
	out[0] = 2;
	out[1] = name;
}

static struct short_channel_id scid(uint32_t block)
{
	struct short_channel_id s;

	short_channel_id_from_parts(&s, block, 1, 0);
	return s;
}

static struct route_edge edge(uint8_t from, uint8_t to, uint32_t block, uint32_t base,
			      uint16_t delta)
{
	struct route_edge e;

	memset(&e, 0, sizeof(e));
	node(e.from, from);
	node(e.to, to);
	e.scid = scid(block);
	e.fee_base_msat = base;
	e.cltv_expiry_delta = delta;
	return e;
}

/* A payment of 100,000 msat to D (fees up to the exempt 5000 msat, 2016
 * blocks, min_final_cltv_expiry 18) with num_hints hints of one edge:
 * B->D (block 20, base fee base_b) and C->D (block 30, base fee 2000).
 * Our channels: block 1 to D (none if there are hints), 2 to B, 3 to C. */
struct fixture {
	struct route_edge edges[2];
	size_t lens[2];
	struct pay_retry r;
	struct pay_first_hop first[3];
};

static struct pay_first_hop hop(uint32_t block, uint64_t sendable_msat)
{
	struct pay_first_hop h = {true, scid(block), sendable_msat};

	return h;
}

static const struct pay_first_hop none = {false, {0}, 0};

static void fixture_init(struct fixture *f, size_t num_hints, uint32_t base_b)
{
	struct pay_target t;

	memset(f, 0, sizeof(*f));
	f->edges[0] = edge('B', 'D', 20, base_b, 10);
	f->edges[1] = edge('C', 'D', 30, 2000, 10);
	f->lens[0] = f->lens[1] = 1;
	f->first[0] = num_hints ? none : hop(1, 1000000);
	f->first[1] = hop(2, 1000000);
	f->first[2] = hop(3, 1000000);
	memset(&t, 0, sizeof(t));
	node(t.destination, 'D');
	t.amount_msat = 100000;
	t.maxdelay = 2016;
	t.min_final_cltv_expiry = 18;
	t.deadline = NOW + 60;
	t.hint_edges = f->edges;
	t.hint_lens = f->lens;
	t.num_hints = num_hints;
	pay_retry_init(&f->r, &t);
}

static enum pay_retry_verdict next(struct fixture *f)
{
	return pay_retry_next(&f->r, f->first, NOW, HEIGHT);
}

static bool routed_over(const struct fixture *f, uint32_t first_block)
{
	return f->r.route[0].scid.u64 == scid(first_block).u64;
}

static bool is_excluded(const struct fixture *f, uint32_t block)
{
	struct short_channel_id s = scid(block);

	return pay_retry_is_excluded(&f->r, &s);
}

static void test_direct_route_preferred(void)
{
	struct fixture f;
	uint8_t b[PUBKEY_CMPR_LEN];

	fixture_init(&f, 2, 1000);
	f.first[0] = hop(1, 1000000);
	CHECK(pay_retry_num_candidates(&f.r) == 3);
	node(b, 'B');
	CHECK(memcmp(pay_retry_entry(&f.r, 0), f.r.target.destination, PUBKEY_CMPR_LEN) == 0);
	CHECK(memcmp(pay_retry_entry(&f.r, 1), b, PUBKEY_CMPR_LEN) == 0);
	CHECK(next(&f) == PAY_RETRY_SEND);
	/* No fee beats any hint's. */
	CHECK(f.r.num_hops == 1 && routed_over(&f, 1));
	CHECK(f.r.route[0].amount_msat == 100000);
	CHECK(f.r.route[0].delay == HEIGHT + 18 + PAY_RETRY_FINAL_CLTV_MARGIN);
	/* Without a channel to D: the cheaper hint, through B. */
	f.first[0] = none;
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK(f.r.num_hops == 2 && routed_over(&f, 2));
	CHECK(f.r.route[1].scid.u64 == scid(20).u64 && f.r.route[0].amount_msat == 101000);
	/* Too little to send through B: C's. */
	f.first[1].sendable_msat = 100999;
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK(f.r.num_hops == 2 && routed_over(&f, 3));
	pay_retry_clear(&f.r);
}

static void test_gives_up_with_the_reason(void)
{
	struct fixture f;

	fixture_init(&f, 1, 6000);
	/* 6000 msat of fee is over the exempt 5000. */
	CHECK(next(&f) == PAY_RETRY_TOO_EXPENSIVE);
	f.r.target.maxfee_msat = 6000;
	CHECK(next(&f) == PAY_RETRY_SEND);
	/* Too many blocks. */
	f.r.target.maxdelay = 18 + PAY_RETRY_FINAL_CLTV_MARGIN + 9;
	CHECK(next(&f) == PAY_RETRY_TOO_EXPENSIVE);
	f.r.target.maxdelay = 2016;
	/* No channel with enough. */
	f.first[1].sendable_msat = 1000;
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	f.first[1] = none;
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	/* retry_for_secs is over. */
	f.first[1] = hop(2, 1000000);
	CHECK(pay_retry_next(&f.r, f.first, NOW + 60, HEIGHT) == PAY_RETRY_SEND);
	CHECK(pay_retry_next(&f.r, f.first, NOW + 61, HEIGHT) == PAY_RETRY_OUT_OF_TIME);
	pay_retry_clear(&f.r);
}

/* A failure at hop i excludes the channel after the erring node. */
static void test_failure_excludes_channel_after_erring_node(void)
{
	struct fixture f;
	struct onion_failure failure;

	fixture_init(&f, 2, 1000);
	CHECK(next(&f) == PAY_RETRY_SEND && routed_over(&f, 2));
	/* B (index 1) could not forward over B->D. */
	onion_failure_init(&failure, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE);
	CHECK(pay_retry_failed(&f.r, 1, &failure) == PAY_RETRY_SEND);
	CHECK(is_excluded(&f, 20) && !is_excluded(&f, 2));
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK(routed_over(&f, 3) && f.r.route[1].scid.u64 == scid(30).u64);
	/* Unreadable (-1): our own first channel goes. */
	CHECK(pay_retry_failed(&f.r, -1, NULL) == PAY_RETRY_SEND);
	CHECK(is_excluded(&f, 3));
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	/* An erring index past the route (a confused decoder) excludes
	 * the last channel, never reads past the route. */
	f.r.num_excluded = 0;
	CHECK(next(&f) == PAY_RETRY_SEND && f.r.num_hops == 2);
	CHECK(pay_retry_failed(&f.r, 7, NULL) == PAY_RETRY_SEND);
	CHECK(is_excluded(&f, 20) && f.r.num_excluded == 1);
	pay_retry_clear(&f.r);
}

/* The destination's own failure ends the payment; our own hop's
 * (index 0) excludes our channel. */
static void test_destination_refusal_stops(void)
{
	struct fixture f;
	struct onion_failure failure;

	fixture_init(&f, 0, 0);
	CHECK(next(&f) == PAY_RETRY_SEND && f.r.num_hops == 1);
	onion_failure_init(&failure, ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS);
	CHECK(pay_retry_failed(&f.r, 1, &failure) == PAY_RETRY_DESTINATION_REFUSED);
	/* Nothing excluded: the route was fine. */
	CHECK(f.r.num_excluded == 0);
	onion_failure_init(&failure, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE);
	CHECK(pay_retry_failed(&f.r, 0, &failure) == PAY_RETRY_SEND);
	CHECK(is_excluded(&f, 1));
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	pay_retry_clear(&f.r);
}

/* The attempt could not leave (our channel refused the HTLC). */
static void test_unsendable_excludes_first_channel(void)
{
	struct fixture f;

	fixture_init(&f, 0, 0);
	CHECK(next(&f) == PAY_RETRY_SEND);
	pay_retry_unsendable(&f.r);
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	/* Another channel to D is tried instead. */
	f.first[0] = hop(9, 1000000);
	CHECK(next(&f) == PAY_RETRY_SEND && routed_over(&f, 9));
	pay_retry_clear(&f.r);
}

/* A fee_insufficient failure carrying the channel_update (with its
 * type unless without_type) for the channel at block, charging 3000 msat
 * and 40 blocks.  Frees the previous one's bytes. */
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

/* A failure carrying a newer channel_update for a hint's channel: the
 * hint's fees are updated and the same route is retried, once per hint;
 * the second time, the channel is excluded. */
static void test_channel_update_updates_hint_once(void)
{
	struct fixture f;
	struct wirebuf *bytes = NULL;
	struct onion_failure failure;

	fixture_init(&f, 1, 1000);
	CHECK(next(&f) == PAY_RETRY_SEND && f.r.route[0].amount_msat == 101000);
	update_failure(&failure, &bytes, 20, false);
	CHECK(pay_retry_failed(&f.r, 1, &failure) == PAY_RETRY_SEND);
	CHECK(f.r.num_excluded == 0);
	CHECK(next(&f) == PAY_RETRY_SEND);
	CHECK(f.r.route[0].amount_msat == 103000 && f.r.route[0].delay == f.r.route[1].delay + 40);
	/* The caller's hints are untouched (copied). */
	CHECK(f.edges[0].fee_base_msat == 1000);
	/* The same again: not believed twice. */
	CHECK(pay_retry_failed(&f.r, 1, &failure) == PAY_RETRY_SEND);
	CHECK(is_excluded(&f, 20));
	CHECK(next(&f) == PAY_RETRY_NO_ROUTE);
	pay_retry_clear(&f.r);
	wirebuf_free(bytes);
}

/* Older nodes send the channel_update without its type; one for a
 * channel of no hint, from our own hop (index 0), or unparsable teaches
 * nothing but the exclusion. */
static void test_channel_update_forms(void)
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
		{20, false, 0, 0, false, 2},
		{20, false, 1, 5, false, 20},
	};
	struct wirebuf *bytes = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		struct onion_failure failure;

		fixture_init(&f, 1, 1000);
		CHECK(next(&f) == PAY_RETRY_SEND);
		update_failure(&failure, &bytes, cases[i].block, cases[i].without_type);
		if (cases[i].len)
			failure.channel_update_len = cases[i].len;
		CHECK(pay_retry_failed(&f.r, cases[i].erring_index, &failure) == PAY_RETRY_SEND);
		CHECK_MSG((f.r.edges[0].fee_base_msat == 3000) == cases[i].is_applied, "case %zu", i);
		CHECK_MSG(cases[i].is_applied ? f.r.num_excluded == 0
			  : f.r.num_excluded == 1 && is_excluded(&f, cases[i].excluded), "case %zu", i);
		pay_retry_clear(&f.r);
	}
	wirebuf_free(bytes);
}

/* The bug the issue names: when growing the exclusion list failed, the
 * daemon skipped the exclusion and retried the same route.  Every
 * failure now either updates a hint (once) or excludes a channel, so
 * each retry differs from the one before and the payment ends: a
 * thousand channels to D, each failing, are each tried exactly once. */
static void test_every_failure_is_remembered(void)
{
	enum { CHANNELS = 1000 };
	struct fixture f;
	static bool tried[CHANNELS + 1];
	size_t attempts = 0;
	bool repeated = false;

	fixture_init(&f, 0, 0);
	memset(tried, 0, sizeof(tried));
	/* The daemon's channels_usable_with() gives the first channel that
	 * is not excluded; the policy alone must keep them apart.  Bounded:
	 * a policy that forgets would loop here. */
	for (uint32_t c = 1; c <= 2 * CHANNELS; c++) {
		uint32_t block = 1;

		while (block <= CHANNELS && is_excluded(&f, block))
			block++;
		f.first[0] = block <= CHANNELS ? hop(block, 1000000) : none;
		if (next(&f) != PAY_RETRY_SEND)
			break;
		block = short_channel_id_block(&f.r.route[0].scid);
		repeated |= tried[block];
		tried[block] = true;
		attempts++;
		if (c % 2)
			CHECK(pay_retry_failed(&f.r, 0, NULL) == PAY_RETRY_SEND);
		else
			pay_retry_unsendable(&f.r);
	}
	CHECK(!repeated);
	CHECK_MSG(attempts == CHANNELS, "%zu attempts", attempts);
	CHECK(f.r.num_excluded == CHANNELS);
	pay_retry_clear(&f.r);
}

int main(void)
{
	RUN(test_direct_route_preferred);
	RUN(test_gives_up_with_the_reason);
	RUN(test_failure_excludes_channel_after_erring_node);
	RUN(test_destination_refusal_stops);
	RUN(test_unsendable_excludes_first_channel);
	RUN(test_channel_update_updates_hint_once);
	RUN(test_channel_update_forms);
	RUN(test_every_failure_is_remembered);
	return test_done();
}
