/* The commitment feerate policy: daemon/channels/fee_policy.c. */
#include "daemon/channels/fee_policy.h"
#include "daemon/chain/feerate.h"
#include "tests/unit/test.h"

static const struct fee_estimates est_1000 = {1000, 500, 300};

static void test_commitment_pays_urgent(void)
{
	struct fee_estimates low = {100, 100, 100};

	CHECK(fee_policy_commitment_feerate(&est_1000, CHANNEL_TYPE_STATIC_REMOTEKEY) == 1000);
	/* Never below the relay floor, whatever the estimate says. */
	CHECK(fee_policy_commitment_feerate(&low, CHANNEL_TYPE_STATIC_REMOTEKEY)
	      == FEERATE_FLOOR_PERKW);
}

/* Anchors: the slow estimate, at least 5 sat/vB (Core Lightning's
 * unilateral_feerate for anchors), bumped by CPFP at broadcast time. */
static void test_anchors_pay_slow_with_a_floor(void)
{
	struct fee_estimates high = {15000, 12500, 6250};
	struct fee_estimates low = {253, 253, 253};

	CHECK(fee_policy_commitment_feerate(&high, CHANNEL_TYPE_ANCHORS) == 6250);
	CHECK(fee_policy_commitment_feerate(&est_1000, CHANNEL_TYPE_ANCHORS)
	      == FEE_POLICY_ANCHORS_MIN_PERKW);
	CHECK(fee_policy_commitment_feerate(&low, CHANNEL_TYPE_ANCHORS) == 1250);
	/* update_fee follows the same target. */
	CHECK(fee_policy_update_feerate(&high, CHANNEL_TYPE_ANCHORS, 1250, 100000) == 6250);
	CHECK(fee_policy_update_feerate(&low, CHANNEL_TYPE_ANCHORS, 1250, 100000) == 0);
	CHECK(fee_policy_update_feerate(&low, CHANNEL_TYPE_ANCHORS, 6250, 100000) == 1250);
}

static void test_update_both_directions(void)
{
	const enum channel_type t = CHANNEL_TYPE_STATIC_REMOTEKEY;

	/* The estimate doubled: follow it. */
	CHECK(fee_policy_update_feerate(&est_1000, t, 500, 100000) == 1000);
	/* It halved: follow it down too. */
	CHECK(fee_policy_update_feerate(&est_1000, t, 2000, 100000) == 1000);
}

static void test_update_band(void)
{
	const enum channel_type t = CHANNEL_TYPE_STATIC_REMOTEKEY;

	/* Within 10% either way: nothing. */
	CHECK(fee_policy_update_feerate(&est_1000, t, 1000, 100000) == 0);
	CHECK(fee_policy_update_feerate(&est_1000, t, 910, 100000) == 0);
	CHECK(fee_policy_update_feerate(&est_1000, t, 1099, 100000) == 0);
	/* 10% or more: an update. */
	CHECK(fee_policy_update_feerate(&est_1000, t, 909, 100000) == 1000);
	CHECK(fee_policy_update_feerate(&est_1000, t, 1112, 100000) == 1000);
}

static void test_update_clamped_to_affordable(void)
{
	const enum channel_type t = CHANNEL_TYPE_STATIC_REMOTEKEY;

	/* We can pay only 700: propose 700, not 1000. */
	CHECK(fee_policy_update_feerate(&est_1000, t, 500, 700) == 700);
	/* Already at what we can afford: nothing. */
	CHECK(fee_policy_update_feerate(&est_1000, t, 700, 700) == 0);
	/* The estimate rose but we can afford less than we pay now (HTLCs
	 * took our balance): no raise, and certainly no cut. */
	CHECK(fee_policy_update_feerate(&est_1000, t, 800, 700) == 0);
	CHECK(fee_policy_update_feerate(&est_1000, t, 500, 0) == 0);
	/* Going down needs no money: the clamp does not apply. */
	CHECK(fee_policy_update_feerate(&est_1000, t, 3000, 2000) == 1000);
	CHECK(fee_policy_update_feerate(&est_1000, t, 3000, 0) == 1000);
}

static void test_update_never_below_floor(void)
{
	struct fee_estimates low = {10, 10, 10};

	CHECK(fee_policy_update_feerate(&low, CHANNEL_TYPE_STATIC_REMOTEKEY, 5000, 100000)
	      == FEERATE_FLOOR_PERKW);
	CHECK(fee_policy_update_feerate(&low, CHANNEL_TYPE_STATIC_REMOTEKEY,
					FEERATE_FLOOR_PERKW, 100000) == 0);
}

static void test_bounds(void)
{
	struct fee_bounds b;
	struct fee_estimates high = {15000, 12500, 6250};
	struct fee_estimates low = {253, 253, 253};

	/* Core Lightning's: 10 x urgent, half of slow. */
	fee_policy_bounds(&b, &high, FEE_POLICY_DEFAULT_MAX_MULTIPLIER);
	CHECK(b.max_perkw == 150000);
	CHECK(b.min_perkw == 3125);
	/* An anchors commitment only has to be relayable. */
	CHECK(b.anchors_min_perkw == FEERATE_FLOOR_PERKW);
	/* --max-fee-multiplier=2 */
	fee_policy_bounds(&b, &high, 2);
	CHECK(b.max_perkw == 30000);
	/* The floor holds below. */
	fee_policy_bounds(&b, &low, FEE_POLICY_DEFAULT_MAX_MULTIPLIER);
	CHECK(b.min_perkw == FEERATE_FLOOR_PERKW);
	CHECK(b.max_perkw == 2530);
	/* A multiplier of 1 still leaves max >= min. */
	fee_policy_bounds(&b, &low, 1);
	CHECK(b.max_perkw == FEERATE_FLOOR_PERKW && b.min_perkw == FEERATE_FLOOR_PERKW);
	/* No overflow with a huge estimate. */
	high.urgent_perkw = UINT32_MAX;
	fee_policy_bounds(&b, &high, 1000);
	CHECK(b.max_perkw == UINT32_MAX);
}

static void test_anchor_deadline(void)
{
	/* No HTLC: the slow target. */
	CHECK(fee_policy_anchor_deadline(500, 0) == FEE_POLICY_ANCHOR_SLOW_BLOCKS);
	/* The earliest expiry less the margin. */
	CHECK(fee_policy_anchor_deadline(500, 540) == 38);
	CHECK(fee_policy_anchor_deadline(500, 505) == 3);
	/* Close to or past the expiry: as urgent as it gets. */
	CHECK(fee_policy_anchor_deadline(500, 503) == FEE_POLICY_ANCHOR_MIN_BLOCKS);
	CHECK(fee_policy_anchor_deadline(500, 502) == FEE_POLICY_ANCHOR_MIN_BLOCKS);
	CHECK(fee_policy_anchor_deadline(500, 400) == FEE_POLICY_ANCHOR_MIN_BLOCKS);
	/* Far away: no slower than the slow target. */
	CHECK(fee_policy_anchor_deadline(500, 5000) == FEE_POLICY_ANCHOR_SLOW_BLOCKS);
}

static void test_anchor_max_feerate(void)
{
	struct fee_estimates est = {.urgent_perkw = 3000, .normal_perkw = 2000,
				    .slow_perkw = 1000};

	CHECK(fee_policy_anchor_max_feerate(&est, 2000) == 6000);
	CHECK(fee_policy_anchor_max_feerate(&est, 7000) == 7000);
	est.urgent_perkw = UINT32_MAX;
	CHECK(fee_policy_anchor_max_feerate(&est, 7000) == UINT32_MAX);
}

int main(void)
{
	RUN(test_anchor_deadline);
	RUN(test_anchor_max_feerate);
	RUN(test_commitment_pays_urgent);
	RUN(test_anchors_pay_slow_with_a_floor);
	RUN(test_update_both_directions);
	RUN(test_update_band);
	RUN(test_update_clamped_to_affordable);
	RUN(test_update_never_below_floor);
	RUN(test_bounds);
	return test_done();
}
