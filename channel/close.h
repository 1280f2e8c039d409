/* Mutual close: the scripts `shutdown` may carry (BOLT #2 "Closing
 * Initiation: `shutdown`") and the transaction `closing_signed` signs
 * (BOLT #3 "Legacy Closing Transaction"), with its signatures.
 *
 * The fee negotiation itself is the engine's (channel/state_close.c); the
 * arithmetic it needs on fee ranges is here.
 */
#ifndef OHM_CHANNEL_CLOSE_H
#define OHM_CHANNEL_CLOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"
#include "channel/params.h"
#include "crypto/types.h"

/* Returns: whether script is a `scriptpubkey` shutdown allows: P2WPKH,
 *          P2WSH, or with option_shutdown_anysegwit a witness program of
 *          version 1 to 16.  (ohm does not negotiate option_simple_close,
 *          so OP_RETURN is not allowed.) */
bool close_script_is_valid(const uint8_t *script, size_t len,
			   bool option_shutdown_anysegwit);

/* What a closing transaction pays: each side's script, and its balance. */
struct close_outputs {
	const uint8_t *script[CHANNEL_NUM_SIDES];
	size_t script_len[CHANNEL_NUM_SIDES];
	uint64_t balance_msat[CHANNEL_NUM_SIDES];
};

/* Builds the unsigned legacy closing transaction: version 2, locktime 0,
 * spending params->funding with sequence 0xFFFFFFFF; each side's balance
 * rounded down to whole satoshis, fee_sat taken from the opener's, paid to
 * its script; outputs below dust_limit_sat removed, and the output of
 * side omit removed too if omit_side; BIP69 order.
 * Returns: the transaction (free with bitcoin_tx_free), or NULL if the
 *          opener's balance cannot pay fee_sat. */
struct bitcoin_tx *close_tx_new(const struct channel_params *params,
				const struct close_outputs *outs,
				uint64_t fee_sat, uint64_t dust_limit_sat,
				bool omit_side, enum channel_side omit);

/* Returns: the expected weight of a closing transaction: tx as built,
 *          plus the 2-of-2 witness with 73-byte signatures. */
size_t close_tx_weight(const struct bitcoin_tx *tx);

/* Signs tx's funding input with funding_privkey (SIGHASH_ALL).
 * Returns: false if the key is invalid. */
bool close_tx_sign(const secp256k1_context *ctx, struct ecdsa_signature *sig,
		   const struct bitcoin_tx *tx,
		   const struct channel_params *params,
		   const struct privkey *funding_privkey);

/* Returns: whether sig is side's valid (low-S) signature of tx. */
bool close_tx_verify(const secp256k1_context *ctx, const struct bitcoin_tx *tx,
		     const struct channel_params *params, enum channel_side side,
		     const struct ecdsa_signature *sig);

/* Adds the funding witness from both sides' signatures (indexed by side). */
void close_tx_finalize(const secp256k1_context *ctx, struct bitcoin_tx *tx,
		       const struct channel_params *params,
		       const struct ecdsa_signature sigs[CHANNEL_NUM_SIDES]);

/* closing_signed's fee_range. */
struct close_fee_range {
	uint64_t min_fee_sat, max_fee_sat;
};

/* Returns: false if a and b do not overlap; otherwise true with their
 *          overlap in *out. */
bool close_fee_range_overlap(struct close_fee_range *out,
			     const struct close_fee_range *a,
			     const struct close_fee_range *b);

#endif /* OHM_CHANNEL_CLOSE_H */
