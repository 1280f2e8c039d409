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

/* A payment of 100,000 msat to D with two hints: B->D (block 20, fee
 * 1000) and C->D (block 30, fee 2000). */
static void target_init(struct pay_target *t, const struct route_edge *edges,
			const size_t *lens, size_t num_hints)
{
	memset(t, 0, sizeof(*t));
	node(t->destination, 'D');
	t->amount_msat = 100000;
	t->maxfee_msat = 0;		/* the exempt 5000 msat applies */
	t->maxdelay = 2016;
	t->min_final_cltv_expiry = 18;
	t->deadline = NOW + 60;
	t->hint_edges = edges;
	t->hint_lens = lens;
	t->num_hints = num_hints;
}

static struct pay_first_hop hop(uint32_t block, uint64_t sendable_msat)
{
	struct pay_first_hop h = {true, scid(block), sendable_msat};

	return h;
}

static const struct pay_first_hop none = {false, {0}, 0};

static void test_direct_route_preferred(void)
{
	struct route_edge edges[2] = {edge('B', 'D', 20, 1000, 10), edge('C', 'D', 30, 2000, 10)};
	size_t lens[2] = {1, 1};
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[3] = {hop(1, 1000000), hop(2, 1000000), hop(3, 1000000)};
	uint8_t b[PUBKEY_CMPR_LEN];

	target_init(&t, edges, lens, 2);
	pay_retry_init(&r, &t);
	CHECK(pay_retry_num_candidates(&r) == 3);
	node(b, 'B');
	CHECK(memcmp(pay_retry_entry(&r, 0), t.destination, PUBKEY_CMPR_LEN) == 0);
	CHECK(memcmp(pay_retry_entry(&r, 1), b, PUBKEY_CMPR_LEN) == 0);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	/* No fee beats any hint's. */
	CHECK(r.num_hops == 1 && r.route[0].scid.u64 == scid(1).u64);
	CHECK(r.route[0].amount_msat == 100000);
	CHECK(r.route[0].delay == HEIGHT + 18 + PAY_RETRY_FINAL_CLTV_MARGIN);
	/* Without a channel to D: the cheaper hint, through B. */
	first[0] = none;
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	CHECK(r.num_hops == 2 && r.route[0].scid.u64 == scid(2).u64);
	CHECK(r.route[1].scid.u64 == scid(20).u64 && r.route[0].amount_msat == 101000);
	/* Too little to send through B: C's. */
	first[1].sendable_msat = 100999;
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	CHECK(r.num_hops == 2 && r.route[0].scid.u64 == scid(3).u64);
	pay_retry_clear(&r);
}

static void test_gives_up_with_the_reason(void)
{
	struct route_edge edges[1] = {edge('B', 'D', 20, 6000, 10)};
	size_t lens[1] = {1};
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[2] = {none, hop(2, 1000000)};

	target_init(&t, edges, lens, 1);
	pay_retry_init(&r, &t);
	/* 6000 msat of fee is over the exempt 5000. */
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_TOO_EXPENSIVE);
	r.target.maxfee_msat = 6000;
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	/* Too many blocks. */
	r.target.maxdelay = 18 + PAY_RETRY_FINAL_CLTV_MARGIN + 9;
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_TOO_EXPENSIVE);
	r.target.maxdelay = 2016;
	/* No channel with enough. */
	first[1].sendable_msat = 1000;
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_NO_ROUTE);
	first[1] = none;
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_NO_ROUTE);
	/* retry_for_secs is over. */
	first[1] = hop(2, 1000000);
	CHECK(pay_retry_next(&r, first, NOW + 60, HEIGHT) == PAY_RETRY_SEND);
	CHECK(pay_retry_next(&r, first, NOW + 61, HEIGHT) == PAY_RETRY_OUT_OF_TIME);
	pay_retry_clear(&r);
}

/* A failure at hop i excludes the channel after the erring node. */
static void test_failure_excludes_channel_after_erring_node(void)
{
	struct route_edge edges[2] = {edge('B', 'D', 20, 1000, 10), edge('C', 'D', 30, 2000, 10)};
	size_t lens[2] = {1, 1};
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[3] = {none, hop(2, 1000000), hop(3, 1000000)};
	struct onion_failure f;

	target_init(&t, edges, lens, 2);
	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	CHECK(r.route[0].scid.u64 == scid(2).u64);
	/* B (index 1) could not forward over B->D. */
	onion_failure_init(&f, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE);
	CHECK(pay_retry_failed(&r, 1, &f) == PAY_RETRY_SEND);
	CHECK(pay_retry_is_excluded(&r, &edges[0].scid) && !pay_retry_is_excluded(&r, &first[1].scid));
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	CHECK(r.route[0].scid.u64 == scid(3).u64 && r.route[1].scid.u64 == scid(30).u64);
	/* Unreadable (-1): our own first channel goes. */
	CHECK(pay_retry_failed(&r, -1, NULL) == PAY_RETRY_SEND);
	CHECK(pay_retry_is_excluded(&r, &first[2].scid));
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_NO_ROUTE);
	pay_retry_clear(&r);
}

/* An erring index past the route (a confused decoder) excludes the last
 * channel, never reads past the route. */
static void test_failure_index_out_of_range(void)
{
	struct route_edge edges[1] = {edge('B', 'D', 20, 1000, 10)};
	size_t lens[1] = {1};
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[2] = {none, hop(2, 1000000)};

	target_init(&t, edges, lens, 1);
	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND && r.num_hops == 2);
	CHECK(pay_retry_failed(&r, 7, NULL) == PAY_RETRY_SEND);
	CHECK(pay_retry_is_excluded(&r, &edges[0].scid));
	pay_retry_clear(&r);
}

/* The destination's own failure ends the payment. */
static void test_destination_refusal_stops(void)
{
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[1] = {hop(1, 1000000)};
	struct onion_failure f;

	target_init(&t, NULL, NULL, 0);
	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND && r.num_hops == 1);
	onion_failure_init(&f, ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS);
	CHECK(pay_retry_failed(&r, 1, &f) == PAY_RETRY_DESTINATION_REFUSED);
	/* Nothing excluded: the route was fine. */
	CHECK(r.num_excluded == 0);
	/* A failure at our own hop (index 0) excludes our channel. */
	onion_failure_init(&f, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE);
	CHECK(pay_retry_failed(&r, 0, &f) == PAY_RETRY_SEND);
	CHECK(pay_retry_is_excluded(&r, &first[0].scid));
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_NO_ROUTE);
	pay_retry_clear(&r);
}

/* The attempt could not leave (our channel refused the HTLC). */
static void test_unsendable_excludes_first_channel(void)
{
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[1] = {hop(1, 1000000)};

	target_init(&t, NULL, NULL, 0);
	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	pay_retry_unsendable(&r);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_NO_ROUTE);
	/* Another channel to D is tried instead. */
	first[0] = hop(9, 1000000);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	CHECK(r.route[0].scid.u64 == scid(9).u64);
	pay_retry_clear(&r);
}

/* The channel_update (with its type) for scid at block, charging base. */
static struct wirebuf *update_bytes(uint32_t block, uint32_t base, uint16_t delta)
{
	struct msg_channel_update u;

	memset(&u, 0, sizeof(u));
	u.short_channel_id = scid(block);
	u.fee_base_msat = base;
	u.cltv_expiry_delta = delta;
	u.htlc_minimum_msat = 1;
	u.htlc_maximum_msat = 1000000000;
	return towire_channel_update(&u);
}

/* A failure carrying a newer channel_update for a hint's channel: the
 * hint's fees are updated and the same route is retried, once per hint;
 * the second time, the channel is excluded. */
static void test_channel_update_updates_hint_once(void)
{
	struct route_edge edges[1] = {edge('B', 'D', 20, 1000, 10)};
	size_t lens[1] = {1};
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[2] = {none, hop(2, 1000000)};
	struct wirebuf *update = update_bytes(20, 3000, 40);
	struct onion_failure f;

	target_init(&t, edges, lens, 1);
	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	CHECK(r.route[0].amount_msat == 101000);
	onion_failure_init(&f, ONION_FAILURE_FEE_INSUFFICIENT);
	f.channel_update = update->data;
	f.channel_update_len = update->len;
	CHECK(pay_retry_failed(&r, 1, &f) == PAY_RETRY_SEND);
	CHECK(r.num_excluded == 0);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	CHECK(r.route[0].amount_msat == 103000 && r.route[0].delay == r.route[1].delay + 40);
	/* The caller's hints are untouched (copied). */
	CHECK(edges[0].fee_base_msat == 1000);
	/* The same again: not believed twice. */
	CHECK(pay_retry_failed(&r, 1, &f) == PAY_RETRY_SEND);
	CHECK(pay_retry_is_excluded(&r, &edges[0].scid));
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_NO_ROUTE);
	pay_retry_clear(&r);
	wirebuf_free(update);
}

/* Older nodes send the channel_update without its type; one for a
 * channel of no hint, or from our own hop (index 0), teaches nothing but
 * the exclusion. */
static void test_channel_update_forms(void)
{
	struct route_edge edges[1] = {edge('B', 'D', 20, 1000, 10)};
	size_t lens[1] = {1};
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[2] = {none, hop(2, 1000000)};
	struct wirebuf *update = update_bytes(20, 3000, 40);
	struct wirebuf *other = update_bytes(99, 3000, 40);
	struct onion_failure f;

	target_init(&t, edges, lens, 1);
	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	onion_failure_init(&f, ONION_FAILURE_FEE_INSUFFICIENT);
	f.channel_update = update->data + 2;
	f.channel_update_len = update->len - 2;
	CHECK(pay_retry_failed(&r, 1, &f) == PAY_RETRY_SEND && r.num_excluded == 0);
	CHECK(r.edges[0].fee_base_msat == 3000);
	pay_retry_clear(&r);

	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	f.channel_update = other->data;
	f.channel_update_len = other->len;
	CHECK(pay_retry_failed(&r, 1, &f) == PAY_RETRY_SEND);
	CHECK(pay_retry_is_excluded(&r, &edges[0].scid) && r.edges[0].fee_base_msat == 1000);
	pay_retry_clear(&r);

	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	f.channel_update = update->data;
	f.channel_update_len = update->len;
	CHECK(pay_retry_failed(&r, 0, &f) == PAY_RETRY_SEND);
	CHECK(pay_retry_is_excluded(&r, &first[1].scid) && r.edges[0].fee_base_msat == 1000);
	/* Garbage where the channel_update goes. */
	pay_retry_clear(&r);
	pay_retry_init(&r, &t);
	CHECK(pay_retry_next(&r, first, NOW, HEIGHT) == PAY_RETRY_SEND);
	f.channel_update_len = 5;
	CHECK(pay_retry_failed(&r, 1, &f) == PAY_RETRY_SEND);
	CHECK(pay_retry_is_excluded(&r, &edges[0].scid));
	pay_retry_clear(&r);
	wirebuf_free(update);
	wirebuf_free(other);
}

/* The bug the issue names: when growing the exclusion list failed, the
 * daemon skipped the exclusion and retried the same route.  Every
 * failure now either updates a hint (once) or excludes a channel, so
 * each retry differs from the one before and the payment ends: a
 * thousand channels to D, each failing, are each tried exactly once. */
static void test_every_failure_is_remembered(void)
{
	enum { CHANNELS = 1000 };
	struct pay_target t;
	struct pay_retry r;
	struct pay_first_hop first[1];
	static bool tried[CHANNELS + 1];
	size_t attempts = 0;
	bool repeated = false;

	target_init(&t, NULL, NULL, 0);
	pay_retry_init(&r, &t);
	memset(tried, 0, sizeof(tried));
	/* The daemon's channels_usable_with() gives the first channel that
	 * is not excluded; the policy alone must keep them apart. */
	/* Bounded: a policy that forgets would loop here. */
	for (uint32_t c = 1; c <= 2 * CHANNELS; c++) {
		uint32_t block = 1;
		struct short_channel_id s = scid(block);
		while (block <= CHANNELS && pay_retry_is_excluded(&r, &s))
			s = scid(++block);
		first[0] = block <= CHANNELS ? hop(block, 1000000) : none;
		if (pay_retry_next(&r, first, NOW, HEIGHT) != PAY_RETRY_SEND)
			break;
		block = short_channel_id_block(&r.route[0].scid);
		repeated |= tried[block];
		tried[block] = true;
		attempts++;
		if (c % 2)
			CHECK(pay_retry_failed(&r, 0, NULL) == PAY_RETRY_SEND);
		else
			pay_retry_unsendable(&r);
	}
	CHECK(!repeated);
	CHECK_MSG(attempts == CHANNELS, "%zu attempts", attempts);
	CHECK(r.num_excluded == CHANNELS);
	pay_retry_clear(&r);
}

int main(void)
{
	RUN(test_direct_route_preferred);
	RUN(test_gives_up_with_the_reason);
	RUN(test_failure_excludes_channel_after_erring_node);
	RUN(test_failure_index_out_of_range);
	RUN(test_destination_refusal_stops);
	RUN(test_unsendable_excludes_first_channel);
	RUN(test_channel_update_updates_hint_once);
	RUN(test_channel_update_forms);
	RUN(test_every_failure_is_remembered);
	return test_done();
}
