/* BOLT #3 "Commitment Transaction" and "Commitment Transaction
 * Construction": one side's commitment transaction for one state of the
 * channel, with its HTLC-timeout/-success transactions.
 *
 * A state (struct commitment_state) is what the channel engine tracks:
 * the commitment number, the feerate, each side's balance in msat
 * (excluding HTLCs, before fees) and the HTLCs in flight.  With the
 * channel's fixed parameters and the owner's per-commitment point it
 * determines the transaction exactly, so both peers build identical
 * bytes:
 *
 *	// Sending commitment_signed: their commitment, our signatures.
 *	c = commitment_new(ctx, &params, CHANNEL_REMOTE,
 *			   &their_per_commitment_point, &state, &err);
 *	commitment_counterparty_sign(ctx, &sig, htlc_sigs, c, ...);
 *
 *	// Receiving it: our commitment, check their signatures.
 *	c = commitment_new(ctx, &params, CHANNEL_LOCAL,
 *			   &our_per_commitment_point, &state, &err);
 *	commitment_counterparty_verify(ctx, c, &sig, htlc_sigs, n, &err);
 *
 * Signing and finalizing are in channel/commitment_sign.h.
 *
 * Ownership: commitment_new() returns a struct commitment the caller
 * releases with commitment_free(); it owns its transactions and scripts.
 */
#ifndef OHM_CHANNEL_COMMITMENT_H
#define OHM_CHANNEL_COMMITMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"
#include "channel/params.h"
#include "crypto/types.h"

/* Commitment numbers are 48 bits (BOLT #3 obscures exactly those). */
#define COMMITMENT_NUMBER_MAX ((UINT64_C(1) << 48) - 1)

/* One state of the channel, the same for both sides' commitments. */
struct commitment_state {
	/* 0 for the commitment built from funding_created; at most
	 * COMMITMENT_NUMBER_MAX. */
	uint64_t commitment_number;
	uint32_t feerate_per_kw;
	/* What each side owns outside HTLCs, before the opener pays the
	 * fee and anchors, indexed by enum channel_side.  The balances and
	 * the HTLC amounts add up to funding_sat * 1000. */
	uint64_t balance_msat[CHANNEL_NUM_SIDES];
	const struct channel_htlc *htlcs;
	size_t num_htlcs;
};

/* The keys BOLT #3 names, for one commitment: "local" is its owner. */
struct commitment_keys {
	struct pubkey per_commitment_point;	/* the owner's */
	struct pubkey revocation;		/* revocationpubkey */
	struct pubkey local_delayed;		/* local_delayedpubkey */
	struct pubkey local_htlc;		/* local_htlcpubkey */
	struct pubkey remote_htlc;		/* remote_htlcpubkey */
	struct pubkey remote_payment;		/* remotepubkey */
};

enum commitment_output_type {
	COMMITMENT_OUTPUT_TO_LOCAL,
	COMMITMENT_OUTPUT_TO_REMOTE,
	COMMITMENT_OUTPUT_LOCAL_ANCHOR,
	COMMITMENT_OUTPUT_REMOTE_ANCHOR,
	COMMITMENT_OUTPUT_OFFERED_HTLC,		/* offered by the owner */
	COMMITMENT_OUTPUT_RECEIVED_HTLC,	/* received by the owner */
};

struct commitment_output {
	enum commitment_output_type type;
	uint64_t amount_sat;
	/* The P2WSH witness script; NULL for the P2WPKH to_remote of a
	 * channel without option_anchors. */
	uint8_t *witness_script;
	size_t witness_script_len;
	/* HTLC outputs only: the HTLC, and the unsigned HTLC-timeout
	 * (offered) or HTLC-success (received) transaction spending it. */
	struct channel_htlc htlc;
	struct bitcoin_tx *htlc_tx;
};

struct commitment {
	enum channel_side owner;
	uint64_t commitment_number;
	uint32_t feerate_per_kw;
	bool option_anchors;
	struct commitment_keys keys;
	/* Funding keys of the owner ([0]) and the counterparty ([1]), and
	 * what the funding output holds. */
	struct pubkey funding_pubkey[2];
	uint64_t funding_sat;
	/* The unsigned transaction (no witness). */
	struct bitcoin_tx *tx;
	/* outputs[i] describes tx->outputs[i] (BIP69+CLTV order). */
	struct commitment_output *outputs;
	size_t num_outputs;
	/* Indexes into outputs[] of the HTLC outputs, in transaction order:
	 * the order of commitment_signed's htlc_signatures. */
	size_t *htlc_outputs;
	size_t num_htlc_outputs;
	/* BOLT #3's base fee, and the actual fee (funding amount minus the
	 * outputs: trimmed HTLCs, dust balances and msat remainders go to
	 * it). */
	uint64_t base_fee_sat;
	uint64_t fee_sat;
	/* How far the opener's balance fell short of the base fee plus
	 * anchors; its output is then simply absent.  The channel engine
	 * must not let this happen (BOLT #2), but the transaction is still
	 * well defined, as the spec's last Appendix C vector shows. */
	uint64_t opener_shortfall_sat;
};

/* Builds owner's commitment transaction for state, and the HTLC
 * transactions of its untrimmed HTLCs.  per_commitment_point is the
 * owner's point for state->commitment_number.
 * Returns: the commitment (free with commitment_free); or NULL, with *err
 *          (if err is not NULL) naming the problem: a commitment number
 *          of 2^48 or more, balances and HTLCs that do not add up to the
 *          funding amount, or a key that derives to infinity. */
struct commitment *commitment_new(const secp256k1_context *ctx,
				  const struct channel_params *params,
				  enum channel_side owner,
				  const struct pubkey *per_commitment_point,
				  const struct commitment_state *state,
				  const char **err);

/* The keys of owner's commitment whose per-commitment point is
 * per_commitment_point (BOLT #3 "Key Derivation"); e.g. a revoked one, to
 * recognise its outputs.
 * Returns: false only if a key derives to infinity. */
bool commitment_keys_derive(const secp256k1_context *ctx,
			    struct commitment_keys *keys,
			    const struct channel_params *params,
			    enum channel_side owner,
			    const struct pubkey *per_commitment_point);

/* Releases c and everything it owns.  NULL is a no-op. */
void commitment_free(struct commitment *c);

/* Returns: the 48-bit obscured commitment number: commitment_number XOR
 *          the lower 48 bits of SHA256(opener's payment_basepoint ||
 *          accepter's payment_basepoint). */
uint64_t commitment_obscured_number(const secp256k1_context *ctx,
				    const struct channel_params *params,
				    uint64_t commitment_number);

/* Returns: how many of state's HTLCs get an output on owner's commitment
 *          (BOLT #3 "Trimmed Outputs"). */
size_t commitment_num_untrimmed_htlcs(const struct channel_params *params,
				      enum channel_side owner,
				      const struct commitment_state *state);

/* Returns: what the opener pays on owner's commitment for state: the
 *          base fee plus, with option_anchors, 2 * 330 sat.  The channel
 *          engine checks the opener can afford this above its reserve. */
uint64_t commitment_opener_cost_sat(const struct channel_params *params,
				    enum channel_side owner,
				    const struct commitment_state *state);

#endif /* OHM_CHANNEL_COMMITMENT_H */
