/* Signatures on a commitment (channel/commitment.h) and its HTLC
 * transactions, and the signed transactions ready to broadcast.
 *
 * Two roles, whoever "we" are:
 *  - the counterparty (not the owner) signs the commitment transaction
 *    and every HTLC transaction, and sends those signatures in
 *    commitment_signed; the owner verifies them on receipt;
 *  - the owner adds its own signatures only when it broadcasts.
 *
 * Signatures here are struct ecdsa_signature, as commitment_signed carries
 * them (compact, no sighash byte); the sighash type is implied: SIGHASH_ALL
 * everywhere except the counterparty's HTLC signatures with option_anchors
 * (SIGHASH_SINGLE|SIGHASH_ANYONECANPAY).
 *
 * Keys are passed as base secrets: each function derives the
 * per-commitment key itself and fails if it is not the one the
 * commitment expects, so a wrong key never yields a useless signature.
 */
#ifndef OHM_CHANNEL_COMMITMENT_SIGN_H
#define OHM_CHANNEL_COMMITMENT_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"
#include "channel/commitment.h"
#include "channel/params.h"
#include "crypto/secp_batch.h"
#include "crypto/types.h"

/* The counterparty's signatures for c: commit_sig on c->tx with its
 * funding key, and htlc_sigs[k] on the HTLC transaction of output
 * c->htlc_outputs[k], for each of c->num_htlc_outputs.
 * Returns: false (nothing written) if funding_privkey is not the
 *          counterparty's funding key or htlc_basepoint_secret does not
 *          derive c->keys.remote_htlc. */
bool commitment_counterparty_sign(const secp256k1_context *ctx,
				  struct ecdsa_signature *commit_sig,
				  struct ecdsa_signature *htlc_sigs,
				  const struct commitment *c,
				  const struct privkey *funding_privkey,
				  const struct privkey *htlc_basepoint_secret);

/* Checks the counterparty's signatures on c, as received in
 * commitment_signed.
 * Returns: true if commit_sig and all num_htlc_sigs htlc_sigs are valid;
 *          false, with *err (if not NULL) saying which is not, or that
 *          num_htlc_sigs is not c->num_htlc_outputs. */
bool commitment_counterparty_verify(const secp256k1_context *ctx,
				    const struct commitment *c,
				    const struct ecdsa_signature *commit_sig,
				    const struct ecdsa_signature *htlc_sigs,
				    size_t num_htlc_sigs, const char **err);

/* The same two, with the signatures made or checked as one batch on
 * batch (NULL: sequentially): the same results, whatever runs them. */
bool commitment_counterparty_sign_batch(const secp256k1_context *ctx,
					const struct ecdsa_batch *batch,
					struct ecdsa_signature *commit_sig,
					struct ecdsa_signature *htlc_sigs,
					const struct commitment *c,
					const struct privkey *funding_privkey,
					const struct privkey *htlc_basepoint_secret);
bool commitment_counterparty_verify_batch(const secp256k1_context *ctx,
					  const struct ecdsa_batch *batch,
					  const struct commitment *c,
					  const struct ecdsa_signature *commit_sig,
					  const struct ecdsa_signature *htlc_sigs,
					  size_t num_htlc_sigs, const char **err);

/* The owner's signature on c->tx.
 * Returns: false if funding_privkey is not the owner's funding key. */
bool commitment_owner_sign(const secp256k1_context *ctx,
			   struct ecdsa_signature *out,
			   const struct commitment *c,
			   const struct privkey *funding_privkey);

/* The owner's signature on the HTLC transaction of output
 * c->htlc_outputs[htlc_num].
 * Returns: false if htlc_num >= c->num_htlc_outputs or
 *          htlc_basepoint_secret does not derive c->keys.local_htlc. */
bool commitment_owner_sign_htlc(const secp256k1_context *ctx,
				struct ecdsa_signature *out,
				const struct commitment *c, size_t htlc_num,
				const struct privkey *htlc_basepoint_secret);

/* The owner's commitment transaction with its funding witness.
 * Returns: a copy of c->tx (free with bitcoin_tx_free), or NULL if either
 *          signature does not verify. */
struct bitcoin_tx *commitment_signed_tx(const secp256k1_context *ctx,
					const struct commitment *c,
					const struct ecdsa_signature *owner_sig,
					const struct ecdsa_signature *counterparty_sig);

/* The signed HTLC transaction of output c->htlc_outputs[htlc_num]:
 * HTLC-success needs the payment preimage, HTLC-timeout takes NULL.
 * Returns: a new transaction (free with bitcoin_tx_free), or NULL if
 *          htlc_num is out of range, a signature does not verify, or the
 *          preimage is missing, superfluous or does not hash to the
 *          HTLC's payment_hash. */
struct bitcoin_tx *commitment_signed_htlc_tx(const secp256k1_context *ctx,
					     const struct commitment *c,
					     size_t htlc_num,
					     const struct ecdsa_signature *owner_sig,
					     const struct ecdsa_signature *counterparty_sig,
					     const struct preimage *preimage);

#endif /* OHM_CHANNEL_COMMITMENT_SIGN_H */
