/* BOLT #3 witness scripts, opcode for opcode as the spec prints them. */
#include "channel/scripts.h"

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"

void channel_script_funding(struct wirebuf *out, const secp256k1_context *ctx,
			    const struct pubkey *funding_pubkey_a,
			    const struct pubkey *funding_pubkey_b)
{
	/* bitcoin/ sorts the keys, as BOLT #3 requires. */
	script_funding_2of2(out, ctx, funding_pubkey_a, funding_pubkey_b);
}

void channel_script_funding_output(struct wirebuf *out,
				   const secp256k1_context *ctx,
				   const struct pubkey *funding_pubkey_a,
				   const struct pubkey *funding_pubkey_b)
{
	struct wirebuf *script = wirebuf_new();

	/* BOLT #3:
	 * The funding output script is a P2WSH to:
	 */
	channel_script_funding(script, ctx, funding_pubkey_a, funding_pubkey_b);
	script_p2wsh_for_witness_script(out, script->data, script->len);
	wirebuf_free(script);
}

/* Pushes DER || SIGHASH_ALL onto input input_index's witness. */
static void push_sighash_all(struct bitcoin_tx *tx, size_t input_index,
			     const secp256k1_context *ctx,
			     const struct ecdsa_signature *sig)
{
	struct bitcoin_signature bsig = { *sig, SIGHASH_ALL };
	uint8_t der[BITCOIN_SIGNATURE_MAX_LEN];
	size_t len = bitcoin_signature_serialize(ctx, der, &bsig);

	bitcoin_tx_push_witness(tx, input_index, der, len);
}

void channel_funding_witness(struct bitcoin_tx *tx, size_t input_index,
			     const secp256k1_context *ctx,
			     const struct pubkey *funding_pubkey_a,
			     const struct ecdsa_signature *sig_a,
			     const struct pubkey *funding_pubkey_b,
			     const struct ecdsa_signature *sig_b)
{
	struct wirebuf *script = wirebuf_new();

	/* BOLT #3:
	 * `txin[0]` witness: `0 <signature_for_pubkey1> <signature_for_pubkey2>`
	 */
	if (pubkey_cmp(ctx, funding_pubkey_a, funding_pubkey_b) > 0) {
		const struct ecdsa_signature *tmp = sig_a;

		sig_a = sig_b;
		sig_b = tmp;
	}
	channel_script_funding(script, ctx, funding_pubkey_a, funding_pubkey_b);
	bitcoin_tx_set_witness(tx, input_index, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, input_index, NULL, 0);
	push_sighash_all(tx, input_index, ctx, sig_a);
	push_sighash_all(tx, input_index, ctx, sig_b);
	bitcoin_tx_push_witness(tx, input_index, script->data, script->len);
	wirebuf_free(script);
}

void channel_script_to_local(struct wirebuf *out, const secp256k1_context *ctx,
			     const struct pubkey *revocation_pubkey,
			     uint16_t to_self_delay,
			     const struct pubkey *local_delayed_pubkey)
{
	/* BOLT #3:
	 * OP_IF
	 *     # Penalty transaction
	 *     <revocationpubkey>
	 * OP_ELSE
	 *     `to_self_delay`
	 *     OP_CHECKSEQUENCEVERIFY
	 *     OP_DROP
	 *     <local_delayedpubkey>
	 * OP_ENDIF
	 * OP_CHECKSIG
	 */
	script_push_op(out, OP_IF);
	script_push_pubkey(out, ctx, revocation_pubkey);
	script_push_op(out, OP_ELSE);
	script_push_num(out, to_self_delay);
	script_push_op(out, OP_CHECKSEQUENCEVERIFY);
	script_push_op(out, OP_DROP);
	script_push_pubkey(out, ctx, local_delayed_pubkey);
	script_push_op(out, OP_ENDIF);
	script_push_op(out, OP_CHECKSIG);
}

void channel_script_to_remote_anchored(struct wirebuf *out,
				       const secp256k1_context *ctx,
				       const struct pubkey *remote_pubkey)
{
	/* BOLT #3:
	 * If `option_anchors` applies to the commitment transaction, the
	 * `to_remote` output is encumbered by a one block csv lock.
	 *
	 *     <remotepubkey> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY
	 */
	script_push_pubkey(out, ctx, remote_pubkey);
	script_push_op(out, OP_CHECKSIGVERIFY);
	script_push_num(out, 1);
	script_push_op(out, OP_CHECKSEQUENCEVERIFY);
}

void channel_script_anchor(struct wirebuf *out, const secp256k1_context *ctx,
			   const struct pubkey *funding_pubkey)
{
	/* BOLT #3:
	 * <local_funding_pubkey/remote_funding_pubkey> OP_CHECKSIG OP_IFDUP
	 * OP_NOTIF
	 *     OP_16 OP_CHECKSEQUENCEVERIFY
	 * OP_ENDIF
	 */
	script_push_pubkey(out, ctx, funding_pubkey);
	script_push_op(out, OP_CHECKSIG);
	script_push_op(out, OP_IFDUP);
	script_push_op(out, OP_NOTIF);
	script_push_op(out, OP_16);
	script_push_op(out, OP_CHECKSEQUENCEVERIFY);
	script_push_op(out, OP_ENDIF);
}

/* The revocation branch both HTLC scripts start with:
 * OP_DUP OP_HASH160 <RIPEMD160(SHA256(revocationpubkey))> OP_EQUAL
 * OP_IF OP_CHECKSIG OP_ELSE <remote_htlcpubkey> OP_SWAP OP_SIZE 32
 * OP_EQUAL */
static void push_htlc_prefix(struct wirebuf *out, const secp256k1_context *ctx,
			     const struct pubkey *revocation_pubkey,
			     const struct pubkey *remote_htlc_pubkey)
{
	uint8_t der[PUBKEY_CMPR_LEN];
	struct ripemd160 revocation_hash;

	pubkey_serialize(ctx, der, revocation_pubkey);
	hash160(&revocation_hash, der, sizeof(der));
	script_push_op(out, OP_DUP);
	script_push_op(out, OP_HASH160);
	script_push_data(out, revocation_hash.u8, sizeof(revocation_hash.u8));
	script_push_op(out, OP_EQUAL);
	script_push_op(out, OP_IF);
	script_push_op(out, OP_CHECKSIG);
	script_push_op(out, OP_ELSE);
	script_push_pubkey(out, ctx, remote_htlc_pubkey);
	script_push_op(out, OP_SWAP);
	script_push_op(out, OP_SIZE);
	script_push_num(out, 32);
	script_push_op(out, OP_EQUAL);
}

/* OP_HASH160 <RIPEMD160(payment_hash)> OP_EQUALVERIFY */
static void push_payment_hash_check(struct wirebuf *out,
				    const struct sha256 *payment_hash)
{
	struct ripemd160 h;

	ripemd160(&h, payment_hash->u8, sizeof(payment_hash->u8));
	script_push_op(out, OP_HASH160);
	script_push_data(out, h.u8, sizeof(h.u8));
	script_push_op(out, OP_EQUALVERIFY);
}

/* The closing lines: with option_anchors, the CSV of 1 that keeps the
 * remote side from spending the HTLC in the commitment's own block. */
static void push_htlc_suffix(struct wirebuf *out, bool option_anchors)
{
	script_push_op(out, OP_ENDIF);
	if (option_anchors) {
		script_push_num(out, 1);
		script_push_op(out, OP_CHECKSEQUENCEVERIFY);
		script_push_op(out, OP_DROP);
	}
	script_push_op(out, OP_ENDIF);
}

void channel_script_offered_htlc(struct wirebuf *out,
				 const secp256k1_context *ctx,
				 const struct pubkey *revocation_pubkey,
				 const struct pubkey *local_htlc_pubkey,
				 const struct pubkey *remote_htlc_pubkey,
				 const struct sha256 *payment_hash,
				 bool option_anchors)
{
	/* BOLT #3:
	 *     OP_NOTIF
	 *         # To local node via HTLC-timeout transaction (timelocked).
	 *         OP_DROP 2 OP_SWAP <local_htlcpubkey> 2 OP_CHECKMULTISIG
	 *     OP_ELSE
	 *         # To remote node with preimage.
	 *         OP_HASH160 <RIPEMD160(payment_hash)> OP_EQUALVERIFY
	 *         OP_CHECKSIG
	 *     OP_ENDIF
	 */
	push_htlc_prefix(out, ctx, revocation_pubkey, remote_htlc_pubkey);
	script_push_op(out, OP_NOTIF);
	script_push_op(out, OP_DROP);
	script_push_num(out, 2);
	script_push_op(out, OP_SWAP);
	script_push_pubkey(out, ctx, local_htlc_pubkey);
	script_push_num(out, 2);
	script_push_op(out, OP_CHECKMULTISIG);
	script_push_op(out, OP_ELSE);
	push_payment_hash_check(out, payment_hash);
	script_push_op(out, OP_CHECKSIG);
	push_htlc_suffix(out, option_anchors);
}

void channel_script_received_htlc(struct wirebuf *out,
				  const secp256k1_context *ctx,
				  const struct pubkey *revocation_pubkey,
				  const struct pubkey *local_htlc_pubkey,
				  const struct pubkey *remote_htlc_pubkey,
				  const struct sha256 *payment_hash,
				  uint32_t cltv_expiry, bool option_anchors)
{
	/* BOLT #3:
	 *     OP_IF
	 *         # To local node via HTLC-success transaction.
	 *         OP_HASH160 <RIPEMD160(payment_hash)> OP_EQUALVERIFY
	 *         2 OP_SWAP <local_htlcpubkey> 2 OP_CHECKMULTISIG
	 *     OP_ELSE
	 *         # To remote node after timeout.
	 *         OP_DROP <cltv_expiry> OP_CHECKLOCKTIMEVERIFY OP_DROP
	 *         OP_CHECKSIG
	 *     OP_ENDIF
	 */
	push_htlc_prefix(out, ctx, revocation_pubkey, remote_htlc_pubkey);
	script_push_op(out, OP_IF);
	push_payment_hash_check(out, payment_hash);
	script_push_num(out, 2);
	script_push_op(out, OP_SWAP);
	script_push_pubkey(out, ctx, local_htlc_pubkey);
	script_push_num(out, 2);
	script_push_op(out, OP_CHECKMULTISIG);
	script_push_op(out, OP_ELSE);
	script_push_op(out, OP_DROP);
	script_push_num(out, cltv_expiry);
	script_push_op(out, OP_CHECKLOCKTIMEVERIFY);
	script_push_op(out, OP_DROP);
	script_push_op(out, OP_CHECKSIG);
	push_htlc_suffix(out, option_anchors);
}
