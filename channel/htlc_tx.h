/* BOLT #3 "HTLC-Timeout and HTLC-Success Transactions": the second-stage
 * transactions that spend an HTLC output of a commitment transaction to
 * its owner, into a to_local-style output delayed by to_self_delay.
 *
 * An HTLC the owner offered is resolved by an HTLC-timeout transaction
 * (locktime cltv_expiry); one it received by an HTLC-success transaction
 * (locktime 0, needs the payment preimage).  Both need the counterparty's
 * signature, sent in commitment_signed, and the owner's.  With
 * option_anchors the counterparty signs SIGHASH_SINGLE|SIGHASH_ANYONECANPAY
 * so the owner can add inputs and outputs to pay the fee, and the
 * transaction itself pays none.
 *
 * channel/commitment.h builds these for every HTLC output; the functions
 * here are the pieces.
 */
#ifndef OHM_CHANNEL_HTLC_TX_H
#define OHM_CHANNEL_HTLC_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/signature.h"
#include "bitcoin/tx.h"
#include "channel/params.h"
#include "crypto/types.h"

/* Builds the unsigned HTLC-timeout (is_timeout) or HTLC-success
 * transaction spending commitment_output, an HTLC output of
 * htlc_amount_sat.  Its output pays htlc_amount_sat less the fee to
 * P2WSH(to_local script of revocation_pubkey, to_self_delay,
 * local_delayed_pubkey).
 * Returns: the transaction (free with bitcoin_tx_free), or NULL if the
 *          fee is larger than the amount (the HTLC should be trimmed). */
struct bitcoin_tx *htlc_tx_new(const secp256k1_context *ctx,
			       const struct bitcoin_outpoint *commitment_output,
			       uint64_t htlc_amount_sat, bool is_timeout,
			       uint32_t cltv_expiry, uint32_t feerate_per_kw,
			       bool option_anchors,
			       const struct pubkey *revocation_pubkey,
			       uint16_t to_self_delay,
			       const struct pubkey *local_delayed_pubkey);

/* Returns: the sighash type of the counterparty's signature on an HTLC
 *          transaction: SIGHASH_SINGLE|SIGHASH_ANYONECANPAY with
 *          option_anchors, else SIGHASH_ALL.  The owner always signs
 *          SIGHASH_ALL. */
uint8_t htlc_tx_counterparty_sighash_type(bool option_anchors);

/* The BIP143 digest input 0 of tx signs with sighash_type, spending the
 * HTLC output whose witness script is htlc_script and amount
 * htlc_amount_sat.
 * Returns: false if tx has no input. */
bool htlc_tx_sighash(struct sha256 *out, const struct bitcoin_tx *tx,
		     const uint8_t *htlc_script, size_t htlc_script_len,
		     uint64_t htlc_amount_sat, uint8_t sighash_type);

/* Sets input 0's witness:
 *   0 <remotehtlcsig> <localhtlcsig> <payment_preimage> <htlc_script>
 * for HTLC-success (preimage not NULL), or with an empty item instead of
 * the preimage for HTLC-timeout (preimage NULL).  "remote" is the
 * counterparty, "local" the owner. */
void htlc_tx_set_witness(struct bitcoin_tx *tx, const secp256k1_context *ctx,
			 const struct bitcoin_signature *counterparty_sig,
			 const struct bitcoin_signature *owner_sig,
			 const struct preimage *preimage,
			 const uint8_t *htlc_script, size_t htlc_script_len);

#endif /* OHM_CHANNEL_HTLC_TX_H */
