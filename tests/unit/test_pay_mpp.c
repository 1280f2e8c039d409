/* pay/mpp: the final node's HTLC sets (BOLT #4 "Basic Multi-Part
 * Payments"): held until their sum reaches total_msat, failed together
 * on a disagreeing total_msat or after the timeout. */
#include <string.h>

#include "pay/mpp.h"
#include "pay/onion_error.h"
#include "tests/unit/test.h"

#define T0 1000000

static struct sha256 hash_of(uint8_t b)
{
	struct sha256 h;

	memset(h.u8, b, sizeof(h.u8));
	return h;
}

/* HTLC id on channel 7 forwarding amt msat (the HTLC carries 1 more). */
static struct mpp_part part_of(uint64_t id, uint64_t amt)
{
	struct mpp_part p = {7, id, amt + 1, amt, {{0}}};

	memset(p.shared_secret.data, (int)id, sizeof(p.shared_secret.data));
	return p;
}

static bool has_part(const struct mpp_outcome *out, uint64_t id)
{
	for (size_t i = 0; i < out->num_parts; i++)
		if (out->parts[i].htlc_id == id)
			return true;
	return false;
}

/* BOLT #4: the set is held while its sum is below total_msat, and all of
 * it fulfilled once the sum equals it. */
static void test_sum_reached_exactly(void)
{
	struct mpp_sets *sets = mpp_sets_new(MPP_TIMEOUT_SECS);
	struct sha256 h = hash_of(1);
	struct mpp_part a = part_of(1, 30000), b = part_of(2, 20000);
	struct mpp_outcome out;

	CHECK(mpp_sets_add(sets, &h, 50000, &a, T0, &out) == MPP_HOLD);
	CHECK(mpp_sets_has(sets, &h));
	CHECK(mpp_sets_count_parts(sets) == 1);
	CHECK(mpp_sets_add(sets, &h, 50000, &b, T0 + 5, &out) == MPP_FULFILL_ALL);
	CHECK(out.num_parts == 2 && has_part(&out, 1) && has_part(&out, 2));
	CHECK(out.received_msat == 50002);
	CHECK(memcmp(out.payment_hash.u8, h.u8, 32) == 0);
	CHECK(out.parts[0].shared_secret.data[0] == 1 && out.parts[1].shared_secret.data[0] == 2);
	CHECK(!mpp_sets_has(sets, &h));
	CHECK(mpp_sets_count_parts(sets) == 0);
	mpp_outcome_clear(&out);
	mpp_sets_free(sets);
}

/* Overshooting total_msat (BOLT #4 lets the payer pay more) completes the
 * set too; three parts, the last pushing the sum over. */
static void test_sum_above_total(void)
{
	struct mpp_sets *sets = mpp_sets_new(MPP_TIMEOUT_SECS);
	struct sha256 h = hash_of(2);
	struct mpp_part a = part_of(1, 20000), b = part_of(2, 20000), c = part_of(3, 20000);
	struct mpp_outcome out;

	CHECK(mpp_sets_add(sets, &h, 50000, &a, T0, &out) == MPP_HOLD);
	CHECK(mpp_sets_add(sets, &h, 50000, &b, T0, &out) == MPP_HOLD);
	CHECK(mpp_sets_add(sets, &h, 50000, &c, T0, &out) == MPP_FULFILL_ALL);
	CHECK(out.num_parts == 3 && out.received_msat == 60003);
	mpp_outcome_clear(&out);
	/* A single HTLC carrying the whole total is a complete set of one,
	 * never held. */
	CHECK(mpp_sets_add(sets, &h, 50000, &(struct mpp_part){7, 9, 50000, 50000, {{0}}}, T0,
			   &out) == MPP_FULFILL_ALL);
	CHECK(out.num_parts == 1 && out.parts[0].htlc_id == 9);
	CHECK(!mpp_sets_has(sets, &h));
	mpp_outcome_clear(&out);
	mpp_sets_free(sets);
}

/* BOLT #4: "SHOULD fail the entire HTLC set if `total_msat` is not the
 * same for all HTLCs in the set": the held parts and the new one. */
static void test_different_total_fails_all(void)
{
	struct mpp_sets *sets = mpp_sets_new(MPP_TIMEOUT_SECS);
	struct sha256 h = hash_of(3);
	struct mpp_part a = part_of(1, 10000), b = part_of(2, 10000);
	struct mpp_outcome out;

	CHECK(mpp_sets_add(sets, &h, 50000, &a, T0, &out) == MPP_HOLD);
	CHECK(mpp_sets_add(sets, &h, 60000, &b, T0, &out) == MPP_FAIL_ALL);
	CHECK(out.failcode == ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS);
	CHECK(out.num_parts == 2 && has_part(&out, 1) && has_part(&out, 2));
	CHECK(!mpp_sets_has(sets, &h));
	mpp_outcome_clear(&out);
	mpp_sets_free(sets);
}

/* BOLT #4: "MUST fail all HTLCs in the HTLC set after some reasonable
 * timeout ... SHOULD wait for at least 60 seconds after the initial HTLC
 * ... SHOULD use `mpp_timeout`": counted from the first part, not the
 * latest; other sets keep their own deadlines. */
static void test_timeout(void)
{
	struct mpp_sets *sets = mpp_sets_new(MPP_TIMEOUT_SECS);
	struct sha256 h = hash_of(4), other = hash_of(5);
	struct mpp_part a = part_of(1, 10000), b = part_of(2, 10000), c = part_of(3, 10000);
	struct mpp_outcome out;
	uint64_t deadline;

	CHECK(!mpp_sets_next_deadline(sets, &deadline));
	CHECK(!mpp_sets_expire(sets, T0, &out));
	CHECK(mpp_sets_add(sets, &h, 50000, &a, T0, &out) == MPP_HOLD);
	CHECK(mpp_sets_add(sets, &h, 50000, &b, T0 + 30, &out) == MPP_HOLD);
	CHECK(mpp_sets_add(sets, &other, 50000, &c, T0 + 10, &out) == MPP_HOLD);
	CHECK(mpp_sets_next_deadline(sets, &deadline) && deadline == T0 + 60);
	CHECK(!mpp_sets_expire(sets, T0 + 59, &out));
	CHECK(mpp_sets_expire(sets, T0 + 60, &out));
	CHECK(out.failcode == ONION_FAILURE_MPP_TIMEOUT);
	CHECK(memcmp(out.payment_hash.u8, h.u8, 32) == 0);
	CHECK(out.num_parts == 2 && has_part(&out, 1) && has_part(&out, 2));
	mpp_outcome_clear(&out);
	CHECK(!mpp_sets_expire(sets, T0 + 60, &out));
	CHECK(mpp_sets_has(sets, &other) && !mpp_sets_has(sets, &h));
	CHECK(mpp_sets_next_deadline(sets, &deadline) && deadline == T0 + 70);
	CHECK(mpp_sets_expire(sets, T0 + 1000, &out));
	CHECK(out.num_parts == 1 && out.parts[0].htlc_id == 3);
	mpp_outcome_clear(&out);
	CHECK(!mpp_sets_next_deadline(sets, &deadline));
	mpp_sets_free(sets);
}

/* A part arriving after its set timed out starts a new set, with a new
 * deadline (the payer's retry); one arriving after its set was fulfilled
 * does too here: the invoice being paid, pay/htlc_accept says it is late
 * (is_late_part) and the caller fulfils it without asking. */
static void test_late_part_starts_new_set(void)
{
	struct mpp_sets *sets = mpp_sets_new(MPP_TIMEOUT_SECS);
	struct sha256 h = hash_of(6);
	struct mpp_part a = part_of(1, 10000), b = part_of(2, 10000);
	struct mpp_outcome out;
	uint64_t deadline;

	CHECK(mpp_sets_add(sets, &h, 20000, &a, T0, &out) == MPP_HOLD);
	CHECK(mpp_sets_expire(sets, T0 + 60, &out));
	mpp_outcome_clear(&out);
	CHECK(mpp_sets_add(sets, &h, 20000, &b, T0 + 61, &out) == MPP_HOLD);
	CHECK(mpp_sets_next_deadline(sets, &deadline) && deadline == T0 + 121);
	CHECK(mpp_sets_count_parts(sets) == 1);
	mpp_sets_free(sets);
}

/* The same HTLC decided twice (a re-scan when its channel reestablishes)
 * is held once, and counts once. */
static void test_duplicate(void)
{
	struct mpp_sets *sets = mpp_sets_new(MPP_TIMEOUT_SECS);
	struct sha256 h = hash_of(7);
	struct mpp_part a = part_of(1, 25000), same_id_other_channel = part_of(1, 25000);
	struct mpp_outcome out;

	CHECK(mpp_sets_add(sets, &h, 50000, &a, T0, &out) == MPP_HOLD);
	CHECK(mpp_sets_add(sets, &h, 50000, &a, T0 + 1, &out) == MPP_ALREADY_HELD);
	CHECK(mpp_sets_count_parts(sets) == 1);
	/* HTLC ids are per channel: id 1 on another channel is another part. */
	same_id_other_channel.channel = 8;
	CHECK(mpp_sets_add(sets, &h, 50000, &same_id_other_channel, T0 + 2, &out)
	      == MPP_FULFILL_ALL);
	CHECK(out.num_parts == 2);
	mpp_outcome_clear(&out);
	mpp_sets_free(sets);
}

/* --dev-mpp-timeout: the timeout is the caller's. */
static void test_custom_timeout(void)
{
	struct mpp_sets *sets = mpp_sets_new(3);
	struct sha256 h = hash_of(8);
	struct mpp_part a = part_of(1, 100);
	struct mpp_outcome out;

	CHECK(mpp_sets_add(sets, &h, 200, &a, T0, &out) == MPP_HOLD);
	CHECK(!mpp_sets_expire(sets, T0 + 2, &out));
	CHECK(mpp_sets_expire(sets, T0 + 3, &out));
	mpp_outcome_clear(&out);
	mpp_sets_free(sets);
}

/* Sending: a part may go while the pending ones deliver less than the
 * total (BOLT #4: "MUST NOT send another HTLC if the total
 * `amt_to_forward` of the HTLC set is already greater or equal to
 * `total_msat`"), all naming one total; failed parts do not count; a
 * complete part ends the payment; partid 0 (a single payment) and parts
 * do not mix. */
static void test_send_check(void)
{
	struct mpp_sent_part parts[3] = {
		{1, true, false, 10000, 6000},
		{2, false, false, 10000, 4000},	/* failed */
		{3, true, false, 10000, 3000},
	};
	uint64_t pending;

	CHECK(mpp_send_check(NULL, 0, 0, 10000, &pending) == MPP_SEND_OK && pending == 0);
	CHECK(mpp_send_check(parts, 3, 4, 10000, &pending) == MPP_SEND_OK && pending == 9000);
	CHECK(mpp_send_check(parts, 3, 4, 12000, &pending) == MPP_SEND_TOTAL_CHANGED);
	CHECK(mpp_send_check(parts, 3, 0, 10000, &pending) == MPP_SEND_MIXED);
	parts[1].is_pending = true;
	CHECK(mpp_send_check(parts, 3, 4, 10000, &pending) == MPP_SEND_ENOUGH_IN_FLIGHT);
	CHECK(pending == 13000);
	parts[1].is_pending = false;
	parts[1].is_complete = true;
	CHECK(mpp_send_check(parts, 3, 4, 10000, &pending) == MPP_SEND_ALREADY_PAID);
	/* A single payment retried after its failure. */
	parts[0] = (struct mpp_sent_part){0, false, false, 10000, 10000};
	CHECK(mpp_send_check(parts, 1, 0, 10000, &pending) == MPP_SEND_OK);
}

int main(void)
{
	RUN(test_sum_reached_exactly);
	RUN(test_sum_above_total);
	RUN(test_different_total_fails_all);
	RUN(test_timeout);
	RUN(test_late_part_starts_new_set);
	RUN(test_duplicate);
	RUN(test_custom_timeout);
	RUN(test_send_check);
	return test_done();
}
