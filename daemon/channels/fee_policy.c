/* The commitment feerate policy (see fee_policy.h). */
#include "daemon/channels/fee_policy.h"

#include "daemon/chain/feerate.h"

static uint32_t floored(uint64_t perkw)
{
	if (perkw < FEERATE_FLOOR_PERKW)
		return FEERATE_FLOOR_PERKW;
	return perkw > UINT32_MAX ? UINT32_MAX : (uint32_t)perkw;
}

uint32_t fee_policy_commitment_feerate(const struct fee_estimates *est,
				       enum channel_type type)
{
	switch (type) {
	case CHANNEL_TYPE_STATIC_REMOTEKEY:
		return floored(est->urgent_perkw);
	case CHANNEL_TYPE_ANCHORS:
		/* Bumped through the anchor at broadcast time. */
		if (est->slow_perkw < FEE_POLICY_ANCHORS_MIN_PERKW)
			return FEE_POLICY_ANCHORS_MIN_PERKW;
		return floored(est->slow_perkw);
	}
	return floored(est->urgent_perkw);
}

uint32_t fee_policy_update_feerate(const struct fee_estimates *est,
				   enum channel_type type,
				   uint32_t current_perkw,
				   uint32_t max_affordable_perkw)
{
	uint64_t target = fee_policy_commitment_feerate(est, type);
	uint64_t current = current_perkw;

	/* Within the band around the channel's feerate: not worth a
	 * round trip. */
	if (target * 100 < current * (100 + FEE_POLICY_UPDATE_PERCENT)
	    && target * 100 > current * (100 - FEE_POLICY_UPDATE_PERCENT))
		return 0;
	/* BOLT #2:
	 * The node _responsible_ for paying the Bitcoin fee:
	 *   - SHOULD send `update_fee` to ensure the current fee rate is sufficient (by a
	 *       significant margin) for timely processing of the commitment transaction.
	 *
	 * As much of a raise as the funder can pay, keeping its reserve (a
	 * lower feerate only leaves it more). */
	if (target > current) {
		if (max_affordable_perkw <= current)
			return 0;
		if (target > max_affordable_perkw)
			target = max_affordable_perkw;
	}
	return (uint32_t)target;
}

void fee_policy_bounds(struct fee_bounds *out, const struct fee_estimates *est,
		       uint32_t max_multiplier)
{
	uint64_t max = (uint64_t)floored(est->urgent_perkw) * max_multiplier;

	out->min_perkw = floored(est->slow_perkw / 2);
	out->anchors_min_perkw = FEERATE_FLOOR_PERKW;
	out->max_perkw = floored(max);
	if (out->max_perkw < out->min_perkw)
		out->max_perkw = out->min_perkw;
}

uint32_t fee_policy_anchor_deadline(uint32_t height, uint32_t earliest_expiry)
{
	uint32_t deadline;

	if (earliest_expiry == 0)
		return FEE_POLICY_ANCHOR_SLOW_BLOCKS;
	if (earliest_expiry <= height + FEE_POLICY_ANCHOR_MARGIN_BLOCKS)
		return FEE_POLICY_ANCHOR_MIN_BLOCKS;
	deadline = earliest_expiry - FEE_POLICY_ANCHOR_MARGIN_BLOCKS - height;
	if (deadline < FEE_POLICY_ANCHOR_MIN_BLOCKS)
		return FEE_POLICY_ANCHOR_MIN_BLOCKS;
	return deadline > FEE_POLICY_ANCHOR_SLOW_BLOCKS ? FEE_POLICY_ANCHOR_SLOW_BLOCKS : deadline;
}

uint32_t fee_policy_anchor_max_feerate(const struct fee_estimates *est, uint32_t target_perkw)
{
	uint64_t max = 2ULL * est->urgent_perkw;

	if (max < target_perkw)
		max = target_perkw;
	return max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
}
