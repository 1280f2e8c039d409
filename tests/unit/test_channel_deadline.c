/* channel/deadline: which HTLC forces the channel on chain, at each
 * boundary height, in both directions (BOLT #2 deadlines). */
#include "channel/deadline.h"

#include "tests/unit/test.h"

#define DELTA 34	/* cltv_expiry_delta: the fulfillment margin is 17 */

/* Adds an HTLC offered by offerer, irrevocably committed on both sides. */
static struct htlc *add(struct htlc_set *set, enum channel_side offerer, uint64_t id,
			uint64_t amount_msat, uint32_t cltv_expiry)
{
	struct htlc h;

	memset(&h, 0, sizeof(h));
	h.h.id = id;
	h.h.offerer = offerer;
	h.h.amount_msat = amount_msat;
	h.h.cltv_expiry = cltv_expiry;
	h.add_step = UPDATE_COMPLETE;
	h.removal = HTLC_NOT_REMOVED;
	return htlc_set_add(set, &h);
}

static void set_new(struct htlc_set *set)
{
	htlc_set_init(set, CHANNEL_LOCAL, 1000000000, 0, 253);
}

/* Knows the preimage of the peer's HTLC whose id is *arg. */
static bool knows(void *arg, uint64_t htlc_id)
{
	return htlc_id == *(uint64_t *)arg;
}

/* Counts the questions. */
static bool count_asks(void *arg, uint64_t htlc_id)
{
	(void)htlc_id;
	++*(int *)arg;
	return false;
}

static void test_preimage_asked_only_at_the_deadline(void)
{
	struct htlc_set set;
	struct deadline_hit hit;
	int asks = 0;

	set_new(&set);
	add(&set, CHANNEL_REMOTE, 4, 5000000, 200);
	add(&set, CHANNEL_LOCAL, 5, 5000000, 300);
	CHECK(!deadline_check(&hit, &set, 0, 182, DELTA, count_asks, &asks));
	CHECK(asks == 0);
	CHECK(!deadline_check(&hit, &set, 0, 183, DELTA, count_asks, &asks));
	CHECK(asks == 1);
	htlc_set_clear(&set);
}

static void test_offered_boundary(void)
{
	struct htlc_set set;
	struct deadline_hit hit;

	set_new(&set);
	add(&set, CHANNEL_LOCAL, 7, 5000000, 500);
	/* At cltv_expiry the peer could still fail it: no action. */
	CHECK(!deadline_check(&hit, &set, 0, 499, DELTA, NULL, NULL));
	CHECK(hit.reason == DEADLINE_NONE);
	CHECK(!deadline_check(&hit, &set, 0, 500, DELTA, NULL, NULL));
	/* cltv_expiry + 1: on chain (Core Lightning's htlc_out_deadline). */
	CHECK(deadline_check(&hit, &set, 0, 501, DELTA, NULL, NULL));
	CHECK(hit.reason == DEADLINE_OFFERED);
	CHECK(hit.htlc_id == 7);
	CHECK(hit.cltv_expiry == 500);
	CHECK(hit.deadline == 501);
	CHECK(deadline_check(&hit, &set, 0, 600, DELTA, NULL, NULL));
	htlc_set_clear(&set);
}

static void test_offered_being_removed_or_uncommitted(void)
{
	struct htlc_set set;
	struct deadline_hit hit;
	struct htlc *h;

	set_new(&set);
	/* Not yet in any commitment (update_add_htlc sent, not signed). */
	h = add(&set, CHANNEL_LOCAL, 1, 5000000, 500);
	h->add_step = UPDATE_SENT;
	CHECK(!deadline_check(&hit, &set, 0, 600, DELTA, NULL, NULL));
	/* Signed: in the peer's commitment. */
	h->add_step = UPDATE_COMMITTED;
	CHECK(deadline_check(&hit, &set, 0, 600, DELTA, NULL, NULL));
	/* The peer fulfilled it: it will not time out, we are paid. */
	h->add_step = UPDATE_COMPLETE;
	h->removal = HTLC_FULFILLED;
	h->remove_step = UPDATE_SENT;
	CHECK(!deadline_check(&hit, &set, 0, 600, DELTA, NULL, NULL));
	htlc_set_clear(&set);
}

static void test_received_without_preimage(void)
{
	struct htlc_set set;
	struct deadline_hit hit;
	uint64_t other = 99;

	set_new(&set);
	add(&set, CHANNEL_REMOTE, 3, 5000000, 500);
	/* No preimage: the peer times it out, that is its business. */
	CHECK(!deadline_check(&hit, &set, 0, 490, DELTA, NULL, NULL));
	CHECK(!deadline_check(&hit, &set, 0, 600, DELTA, knows, &other));
	htlc_set_clear(&set);
}

static void test_received_fulfilled_boundary(void)
{
	struct htlc_set set;
	struct deadline_hit hit;
	struct htlc *h;

	set_new(&set);
	h = add(&set, CHANNEL_REMOTE, 3, 5000000, 500);
	h->removal = HTLC_FULFILLED;
	h->remove_step = UPDATE_SENT;	/* sent, never acknowledged */
	CHECK(deadline_fulfilled(500, DELTA) == 483);
	CHECK(!deadline_check(&hit, &set, 0, 482, DELTA, NULL, NULL));
	CHECK(deadline_check(&hit, &set, 0, 483, DELTA, NULL, NULL));
	CHECK(hit.reason == DEADLINE_FULFILLED);
	CHECK(hit.htlc_id == 3);
	CHECK(hit.cltv_expiry == 500);
	CHECK(hit.deadline == 483);
	/* Once the removal is in both latest commitments, the HTLC is in
	 * neither: nothing to go on chain for. */
	h->remove_step = UPDATE_ACKED;
	CHECK(!deadline_check(&hit, &set, 0, 490, DELTA, NULL, NULL));
	htlc_set_clear(&set);
}

static void test_received_known_preimage(void)
{
	struct htlc_set set;
	struct deadline_hit hit;
	uint64_t id = 4;

	set_new(&set);
	add(&set, CHANNEL_REMOTE, 4, 5000000, 200);
	/* The switch knows it (the peer is away, the fulfill is not sent). */
	CHECK(!deadline_check(&hit, &set, 0, 182, DELTA, knows, &id));
	CHECK(deadline_check(&hit, &set, 0, 183, DELTA, knows, &id));
	CHECK(hit.reason == DEADLINE_FULFILLED);
	CHECK(hit.htlc_id == 4);
	/* Another delta, another margin: (delta + 1) / 2 blocks. */
	CHECK(deadline_fulfilled(200, 40) == 180);
	CHECK(deadline_fulfilled(200, 9) == 195);
	CHECK(!deadline_check(&hit, &set, 0, 179, 40, knows, &id));
	CHECK(deadline_check(&hit, &set, 0, 180, 40, knows, &id));
	/* A failed one is not ours to claim. */
	set.htlcs[0].removal = HTLC_FAILED;
	set.htlcs[0].remove_step = UPDATE_SENT;
	CHECK(!deadline_check(&hit, &set, 0, 199, DELTA, knows, &id));
	/* An expiry below the margin: its deadline is already past. */
	CHECK(deadline_fulfilled(10, DELTA) == 0);
	htlc_set_clear(&set);
}

static void test_trimmed_htlcs_count(void)
{
	struct htlc_set set;
	struct deadline_hit hit;
	struct htlc *h;

	/* BOLT #2's requirement names no exception for trimmed HTLCs. */
	set_new(&set);
	add(&set, CHANNEL_LOCAL, 0, 1000, 300);	/* 1 sat: dust */
	CHECK(deadline_check(&hit, &set, 0, 301, DELTA, NULL, NULL));
	CHECK(hit.reason == DEADLINE_OFFERED);
	htlc_set_clear(&set);
	set_new(&set);
	h = add(&set, CHANNEL_REMOTE, 0, 1000, 300);
	h->removal = HTLC_FULFILLED;
	CHECK(deadline_check(&hit, &set, 0, 283, DELTA, NULL, NULL));
	CHECK(hit.reason == DEADLINE_FULFILLED);
	htlc_set_clear(&set);
}

static void test_withdrawn_and_earliest(void)
{
	struct htlc_set set;
	struct deadline_hit hit;
	struct htlc *h;
	char buf[200];

	set_new(&set);
	CHECK(!deadline_check(&hit, &set, 400, 400, DELTA, NULL, NULL));
	CHECK(deadline_check(&hit, &set, 400, 401, DELTA, NULL, NULL));
	CHECK(hit.reason == DEADLINE_WITHDRAWN);
	CHECK(hit.cltv_expiry == 400);
	/* Several past their deadline: the earliest deadline is named. */
	add(&set, CHANNEL_LOCAL, 1, 5000000, 390);		/* deadline 391 */
	h = add(&set, CHANNEL_REMOTE, 2, 5000000, 405);		/* deadline 388 */
	h->removal = HTLC_FULFILLED;
	CHECK(deadline_check(&hit, &set, 400, 401, DELTA, NULL, NULL));
	CHECK(hit.reason == DEADLINE_FULFILLED);
	CHECK(hit.htlc_id == 2);
	CHECK(hit.deadline == 388);
	CHECK(strstr(deadline_describe(buf, sizeof(buf), &hit), "received HTLC 2") != NULL);
	CHECK(deadline_check(&hit, &set, 0, 390, DELTA, NULL, NULL));
	CHECK(hit.htlc_id == 2);
	h->removal = HTLC_NOT_REMOVED;
	CHECK(deadline_check(&hit, &set, 400, 401, DELTA, NULL, NULL));
	CHECK(hit.reason == DEADLINE_OFFERED);
	CHECK(hit.htlc_id == 1);
	CHECK_STREQ(deadline_describe(buf, sizeof(buf), &hit),
		    "offered HTLC 1 expired at block 390 (its deadline, block 391, has come)");
	htlc_set_clear(&set);
}

int main(void)
{
	RUN(test_offered_boundary);
	RUN(test_offered_being_removed_or_uncommitted);
	RUN(test_received_without_preimage);
	RUN(test_received_fulfilled_boundary);
	RUN(test_received_known_preimage);
	RUN(test_trimmed_htlcs_count);
	RUN(test_withdrawn_and_earliest);
	RUN(test_preimage_asked_only_at_the_deadline);
	return test_done();
}
