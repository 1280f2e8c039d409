/* BOLT #3 "Fee Calculation" and "Trimmed Outputs": what the commitment
 * and HTLC transactions pay, and which HTLCs are too small to get an
 * output.
 *
 * Fees use the spec's *expected* weights, not the real ones, so both sides
 * compute the same numbers from the same state.  Amounts are whole
 * satoshis; HTLC amounts in msat are rounded down first.
 */
#ifndef OHM_CHANNEL_FEE_H
#define OHM_CHANNEL_FEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Expected weights (BOLT #3 Appendix A). */
#define CHANNEL_COMMITMENT_WEIGHT 724
#define CHANNEL_COMMITMENT_WEIGHT_ANCHORS 1124
#define CHANNEL_HTLC_OUTPUT_WEIGHT 172
#define CHANNEL_HTLC_TIMEOUT_WEIGHT 663
#define CHANNEL_HTLC_SUCCESS_WEIGHT 703

/* Returns: the fee of an HTLC-timeout transaction: 0 with option_anchors,
 *          else feerate_per_kw * 663 / 1000, rounded down. */
uint64_t channel_htlc_timeout_fee_sat(uint32_t feerate_per_kw,
				      bool option_anchors);

/* Returns: the fee of an HTLC-success transaction: 0 with option_anchors,
 *          else feerate_per_kw * 703 / 1000, rounded down. */
uint64_t channel_htlc_success_fee_sat(uint32_t feerate_per_kw,
				      bool option_anchors);

/* Returns: the base fee of a commitment transaction with
 *          num_untrimmed_htlcs HTLC outputs: feerate_per_kw * (724 or 1124
 *          + 172 * num_untrimmed_htlcs) / 1000, rounded down.  The opener
 *          pays it (and, with option_anchors, the two anchors on top). */
uint64_t channel_commitment_fee_sat(uint32_t feerate_per_kw,
				    size_t num_untrimmed_htlcs,
				    bool option_anchors);

/* Returns: true if an HTLC of amount_msat gets no output on a commitment
 *          transaction whose owner has dust_limit_sat: its amount, less
 *          the fee of the second-stage transaction that would spend it
 *          (HTLC-timeout if the owner offered it, HTLC-success if the
 *          owner received it), is below the dust limit. */
bool channel_htlc_is_trimmed(uint64_t amount_msat, bool offered_by_owner,
			     uint32_t feerate_per_kw, uint64_t dust_limit_sat,
			     bool option_anchors);

#endif /* OHM_CHANNEL_FEE_H */
