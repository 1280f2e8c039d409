/* BOLT #3 witness scripts: the funding 2-of-2, to_local, the anchored
 * to_remote, the anchors, and the offered and received HTLC outputs.
 *
 * Each function appends one witness script to out; wrap it with
 * script_p2wsh_for_witness_script() (bitcoin/script.h) for the output's
 * scriptPubKey.  Keys are the ones BOLT #3 names, already derived for the
 * commitment (see channel/keys.h): "local" means the commitment's owner.
 */
#ifndef OHM_CHANNEL_SCRIPTS_H
#define OHM_CHANNEL_SCRIPTS_H

#include <stdbool.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"
#include "crypto/types.h"
#include "wire/wirebuf.h"

/* The fixed amount of each anchor output. */
#define CHANNEL_ANCHOR_OUTPUT_SAT 330

/* `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`, keys sorted. */
void channel_script_funding(struct wirebuf *out, const secp256k1_context *ctx,
			    const struct pubkey *funding_pubkey_a,
			    const struct pubkey *funding_pubkey_b);

/* The funding output's scriptPubKey: P2WSH of channel_script_funding. */
void channel_script_funding_output(struct wirebuf *out,
				   const secp256k1_context *ctx,
				   const struct pubkey *funding_pubkey_a,
				   const struct pubkey *funding_pubkey_b);

/* Sets input input_index's witness to spend the funding output:
 * 0 <signature_for_pubkey1> <signature_for_pubkey2> <funding script>,
 * each signature DER with a SIGHASH_ALL byte, ordered as the keys are. */
void channel_funding_witness(struct bitcoin_tx *tx, size_t input_index,
			     const secp256k1_context *ctx,
			     const struct pubkey *funding_pubkey_a,
			     const struct ecdsa_signature *sig_a,
			     const struct pubkey *funding_pubkey_b,
			     const struct ecdsa_signature *sig_b);

/* to_local, and the output of HTLC-timeout/-success transactions:
 * OP_IF <revocationpubkey> OP_ELSE `to_self_delay` OP_CHECKSEQUENCEVERIFY
 * OP_DROP <local_delayedpubkey> OP_ENDIF OP_CHECKSIG */
void channel_script_to_local(struct wirebuf *out, const secp256k1_context *ctx,
			     const struct pubkey *revocation_pubkey,
			     uint16_t to_self_delay,
			     const struct pubkey *local_delayed_pubkey);

/* option_anchors to_remote:
 * <remotepubkey> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY */
void channel_script_to_remote_anchored(struct wirebuf *out,
				       const secp256k1_context *ctx,
				       const struct pubkey *remote_pubkey);

/* to_local_anchor / to_remote_anchor:
 * <funding_pubkey> OP_CHECKSIG OP_IFDUP OP_NOTIF OP_16
 * OP_CHECKSEQUENCEVERIFY OP_ENDIF */
void channel_script_anchor(struct wirebuf *out, const secp256k1_context *ctx,
			   const struct pubkey *funding_pubkey);

/* An HTLC the owner offered (with the `1 OP_CHECKSEQUENCEVERIFY OP_DROP`
 * line when option_anchors). */
void channel_script_offered_htlc(struct wirebuf *out,
				 const secp256k1_context *ctx,
				 const struct pubkey *revocation_pubkey,
				 const struct pubkey *local_htlc_pubkey,
				 const struct pubkey *remote_htlc_pubkey,
				 const struct sha256 *payment_hash,
				 bool option_anchors);

/* An HTLC the owner received. */
void channel_script_received_htlc(struct wirebuf *out,
				  const secp256k1_context *ctx,
				  const struct pubkey *revocation_pubkey,
				  const struct pubkey *local_htlc_pubkey,
				  const struct pubkey *remote_htlc_pubkey,
				  const struct sha256 *payment_hash,
				  uint32_t cltv_expiry, bool option_anchors);

#endif /* OHM_CHANNEL_SCRIPTS_H */
