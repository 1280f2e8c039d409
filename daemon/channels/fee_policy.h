/* The commitment feerate policy: which feerate a channel's commitment
 * transactions should pay, when we (as funder) propose a new one with
 * update_fee, and which feerates we accept from a peer (BOLT #2
 * open_channel and update_fee: "too low for timely processing, or
 * unreasonably large").
 *
 * Inputs are bitcoind's estimates (daemon/chain/chain.h's urgent, normal and
 * slow targets, already floored at FEERATE_FLOOR_PERKW) and the channel's
 * state; outputs are feerates in perkw.  Pure: no I/O, no clock.
 *
 * Without option_anchors a commitment cannot be fee-bumped, so it pays the
 * urgent estimate (2 blocks, CONSERVATIVE), as Core Lightning's
 * "unilateral close" feerate.  With option_anchors its owner raises the fee
 * at broadcast time through its anchor (CPFP), so the commitment only has
 * to stay relayable until then: it pays the slow estimate (about 100
 * blocks), but at least FEE_POLICY_ANCHORS_MIN_PERKW, as Core Lightning's
 * unilateral_feerate() for anchors, so that it still enters mempools that
 * have filled up since.  And we accept a peer's anchors feerate down to
 * FEERATE_FLOOR_PERKW (relayable at all), as LDK
 * (MinAllowedAnchorChannelRemoteFee) and Eclair (which ignores a low
 * anchors feerate) do: a force close over it would cost more than it saves.
 */
#ifndef OHM_DAEMON_FEE_POLICY_H
#define OHM_DAEMON_FEE_POLICY_H

#include <stdint.h>

#include "channel/open.h"

/* Core Lightning's default max-fee-multiplier. */
#define FEE_POLICY_DEFAULT_MAX_MULTIPLIER 10
/* We propose a new feerate once the target moved this many percent away
 * from the channel's (LND's link does the same, both directions). */
#define FEE_POLICY_UPDATE_PERCENT 10
/* The lowest commitment feerate we pay with option_anchors: 5 sat/vB. */
#define FEE_POLICY_ANCHORS_MIN_PERKW 1250

/* bitcoind's estimates, in perkw. */
struct fee_estimates {
	uint32_t urgent_perkw;
	uint32_t normal_perkw;
	uint32_t slow_perkw;
};

/* The feerates a peer's open_channel or update_fee must be within. */
struct fee_bounds {
	uint32_t min_perkw;
	uint32_t max_perkw;
	/* The lowest instead with option_anchors. */
	uint32_t anchors_min_perkw;
};

/* Returns: the feerate a channel of type's commitment should pay now:
 *          static_remotekey: the urgent estimate (never below
 *          FEERATE_FLOOR_PERKW); anchors: the slow estimate, never below
 *          FEE_POLICY_ANCHORS_MIN_PERKW. */
uint32_t fee_policy_commitment_feerate(const struct fee_estimates *est,
				       enum channel_type type);

/* The feerate a funder should propose with update_fee, if any.
 * current_perkw is the channel's feerate (with our unsigned update_fee, if
 * any); max_affordable_perkw the highest the funder can pay on both
 * commitments while keeping its reserve (0: none).
 * Returns: the target (never below FEERATE_FLOOR_PERKW), a raise clamped
 *          to what we can afford, or 0 if it is within
 *          FEE_POLICY_UPDATE_PERCENT of current_perkw or we cannot afford
 *          any raise. */
uint32_t fee_policy_update_feerate(const struct fee_estimates *est,
				   enum channel_type type,
				   uint32_t current_perkw,
				   uint32_t max_affordable_perkw);

/* What we accept from a peer: at most max_multiplier times our urgent
 * estimate (Core Lightning's max-fee-multiplier), at least half the slow
 * estimate (Core Lightning's minimum), never below FEERATE_FLOOR_PERKW;
 * with option_anchors, at least FEERATE_FLOOR_PERKW. */
void fee_policy_bounds(struct fee_bounds *out, const struct fee_estimates *est,
		       uint32_t max_multiplier);

/* Blocks an anchors commitment we broadcast should confirm within, when
 * its fee is raised through our anchor (CPFP): an HTLC in it must be
 * resolved on chain before its cltv_expiry (BOLT #5), so the earliest
 * expiry less FEE_POLICY_ANCHOR_MARGIN_BLOCKS for the second-stage
 * transaction; with no HTLC nothing is in a hurry: the slow target.  Core
 * Lightning and LDK also aim at the HTLCs' expiries. */
#define FEE_POLICY_ANCHOR_MARGIN_BLOCKS 2
#define FEE_POLICY_ANCHOR_SLOW_BLOCKS 100
/* Never fewer than this many blocks (the urgent target). */
#define FEE_POLICY_ANCHOR_MIN_BLOCKS 2

/* Returns: the deadline in blocks from height, for a commitment whose
 *          earliest HTLC expires at earliest_expiry (0: no HTLC). */
uint32_t fee_policy_anchor_deadline(uint32_t height, uint32_t earliest_expiry);

/* Returns: the highest package feerate a fee bump may aim at: twice the
 *          urgent estimate (a replacement stops there), never below
 *          target_perkw. */
uint32_t fee_policy_anchor_max_feerate(const struct fee_estimates *est, uint32_t target_perkw);

#endif /* OHM_DAEMON_FEE_POLICY_H */
