/* Mutual close: the scripts `shutdown` may carry (BOLT #2 "Closing
 * Initiation: `shutdown`"), the transaction `closing_signed` signs (BOLT #3
 * "Legacy Closing Transaction") and the ones `closing_complete` and
 * `closing_sig` sign (BOLT #3 "Closing Transaction", option_simple_close),
 * with their signatures.
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

/* The features of a connection that change what a close may do. */
struct close_features {
	bool option_shutdown_anysegwit;
	bool option_simple_close;
};

/* Returns: whether script is a `scriptpubkey` shutdown allows: P2WPKH,
 *          P2WSH, with option_shutdown_anysegwit a witness program of
 *          version 1 to 16, and with option_simple_close an OP_RETURN with
 *          a single push of 6 to 80 bytes. */
bool close_script_is_valid(const uint8_t *script, size_t len,
			   const struct close_features *features);

/* Returns: whether an output of amount_sat paying script is dust (BOLT #3
 *          "Dust Limits": Bitcoin Core's thresholds; OP_RETURN never is). */
bool close_output_is_dust(const uint8_t *script, size_t len,
			  uint64_t amount_sat);

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

/* Which outputs a simple closing transaction keeps: the values are the
 * closing_tlvs record types that carry its signature. */
enum close_variant {
	CLOSE_CLOSER_ONLY = 1,		/* closer_output_only */
	CLOSE_CLOSEE_ONLY = 2,		/* closee_output_only */
	CLOSE_BOTH = 3,			/* closer_and_closee_outputs */
};
#define CLOSE_NUM_VARIANTS 3

/* A simple closing transaction, as closing_complete describes it. */
struct close_simple {
	enum channel_side closer;	/* who sent closing_complete, pays */
	/* [closer] is closer_scriptpubkey, the other closee_scriptpubkey. */
	struct close_outputs outs;
	uint64_t fee_sat;
	uint32_t locktime;
};

/* Builds the unsigned simple closing transaction: version 2, locktime,
 * spending params->funding with sequence 0xFFFFFFFD; the closer's balance
 * rounded down to whole satoshis less fee_sat, the closee's rounded down,
 * an OP_RETURN output 0; only the outputs variant keeps; BIP69 order.
 * Returns: the transaction (free with bitcoin_tx_free), or NULL if the
 *          closer's balance cannot pay fee_sat. */
struct bitcoin_tx *close_simple_tx_new(const struct channel_params *params,
				       const struct close_simple *close,
				       enum close_variant variant);

/* The amount the closing transaction pays side (before dropping any
 * output).  Returns: false if side is the closer and cannot pay the fee. */
bool close_simple_amount(const struct close_simple *close,
			 enum channel_side side, uint64_t *amount_sat);

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
