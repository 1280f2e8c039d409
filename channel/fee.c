/* BOLT #3 fee formulas and HTLC trimming. */
#include "channel/fee.h"

uint64_t channel_htlc_timeout_fee_sat(uint32_t feerate_per_kw,
				      bool option_anchors)
{
	/* BOLT #3:
	 * The fee for an HTLC-timeout transaction:
	 *   - If `option_anchors` applies:
	 *     1. MUST be 0.
	 *   - Otherwise, MUST be calculated to match:
	 *     1. Multiply `feerate_per_kw` by 663 and divide by 1000 (rounding down).
	 */
	if (option_anchors)
		return 0;
	return (uint64_t)feerate_per_kw * CHANNEL_HTLC_TIMEOUT_WEIGHT / 1000;
}

uint64_t channel_htlc_success_fee_sat(uint32_t feerate_per_kw,
				      bool option_anchors)
{
	/* BOLT #3:
	 * The fee for an HTLC-success transaction:
	 *   - If `option_anchors` applies:
	 *     1. MUST be 0.
	 *   - Otherwise, MUST be calculated to match:
	 *     1. Multiply `feerate_per_kw` by 703 and divide by 1000 (rounding down).
	 */
	if (option_anchors)
		return 0;
	return (uint64_t)feerate_per_kw * CHANNEL_HTLC_SUCCESS_WEIGHT / 1000;
}

uint64_t channel_commitment_fee_sat(uint32_t feerate_per_kw,
				    size_t num_untrimmed_htlcs,
				    bool option_anchors)
{
	uint64_t weight;

	/* BOLT #3:
	 * The base fee for a commitment transaction:
	 *   - MUST be calculated to match:
	 *     1. Start with `weight` = 724 (1124 if `option_anchors` applies).
	 */
	weight = option_anchors ? CHANNEL_COMMITMENT_WEIGHT_ANCHORS
				: CHANNEL_COMMITMENT_WEIGHT;
	weight += (uint64_t)CHANNEL_HTLC_OUTPUT_WEIGHT * num_untrimmed_htlcs;
	return (uint64_t)feerate_per_kw * weight / 1000;
}

bool channel_htlc_is_trimmed(uint64_t amount_msat, bool offered_by_owner,
			     uint32_t feerate_per_kw, uint64_t dust_limit_sat,
			     bool option_anchors)
{
	uint64_t fee_sat = offered_by_owner
		? channel_htlc_timeout_fee_sat(feerate_per_kw, option_anchors)
		: channel_htlc_success_fee_sat(feerate_per_kw, option_anchors);

	/* BOLT #3:
	 *   - for every offered HTLC:
	 *     - if the HTLC amount minus the HTLC-timeout fee would be less than
	 *     `dust_limit_satoshis` set by the transaction owner:
	 *       - MUST NOT contain that output.
	 *
	 * and likewise for received HTLCs with the HTLC-success fee.  An
	 * amount below the fee is trimmed too.
	 */
	return amount_msat / 1000 < fee_sat
		|| amount_msat / 1000 - fee_sat < dust_limit_sat;
}
