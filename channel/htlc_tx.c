/* HTLC-timeout and HTLC-success transactions (BOLT #3). */
#include "channel/htlc_tx.h"

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "channel/fee.h"
#include "channel/scripts.h"

struct bitcoin_tx *htlc_tx_new(const secp256k1_context *ctx,
			       const struct bitcoin_outpoint *commitment_output,
			       uint64_t htlc_amount_sat, bool is_timeout,
			       uint32_t cltv_expiry, uint32_t feerate_per_kw,
			       bool option_anchors,
			       const struct pubkey *revocation_pubkey,
			       uint16_t to_self_delay,
			       const struct pubkey *local_delayed_pubkey)
{
	uint64_t fee_sat = is_timeout
		? channel_htlc_timeout_fee_sat(feerate_per_kw, option_anchors)
		: channel_htlc_success_fee_sat(feerate_per_kw, option_anchors);
	struct wirebuf *script, *output;
	struct bitcoin_tx *tx;

	if (fee_sat > htlc_amount_sat)
		return NULL;

	/* BOLT #3:
	 * * version: 2
	 * * locktime: `0` for HTLC-success, `cltv_expiry` for HTLC-timeout
	 */
	tx = bitcoin_tx_new(2, is_timeout ? cltv_expiry : 0);

	/* BOLT #3:
	 *    * `txin[0]` sequence: `0` (set to `1` for `option_anchors`)
	 */
	bitcoin_tx_add_input(tx, commitment_output, option_anchors ? 1 : 0);

	/* BOLT #3:
	 *    * `txout[0]` amount: the HTLC `amount_msat` divided by 1000
	 *    (rounding down) minus fees in satoshis (see [Fee
	 *    Calculation](#fee-calculation))
	 *    * `txout[0]` script: version-0 P2WSH with witness script as shown
	 *    below
	 */
	script = wirebuf_new();
	output = wirebuf_new();
	channel_script_to_local(script, ctx, revocation_pubkey, to_self_delay,
				local_delayed_pubkey);
	script_p2wsh_for_witness_script(output, script->data, script->len);
	bitcoin_tx_add_output(tx, htlc_amount_sat - fee_sat, output->data,
			      output->len);
	wirebuf_free(script);
	wirebuf_free(output);
	return tx;
}

uint8_t htlc_tx_counterparty_sighash_type(bool option_anchors)
{
	/* BOLT #3:
	 * * if `option_anchors` applies to this commitment transaction,
	 * `SIGHASH_SINGLE|SIGHASH_ANYONECANPAY` is used as described in [BOLT
	 * #5](05-onchain.md#generation-of-htlc-transactions).
	 */
	return option_anchors ? SIGHASH_SINGLE | SIGHASH_ANYONECANPAY
			      : SIGHASH_ALL;
}

bool htlc_tx_sighash(struct sha256 *out, const struct bitcoin_tx *tx,
		     const uint8_t *htlc_script, size_t htlc_script_len,
		     uint64_t htlc_amount_sat, uint8_t sighash_type)
{
	return bip143_sighash(out, tx, 0, htlc_script, htlc_script_len,
			      htlc_amount_sat, sighash_type);
}

/* Pushes DER || sighash byte onto input 0's witness. */
static void push_signature(struct bitcoin_tx *tx, const secp256k1_context *ctx,
			   const struct bitcoin_signature *sig)
{
	uint8_t der[BITCOIN_SIGNATURE_MAX_LEN];
	size_t len = bitcoin_signature_serialize(ctx, der, sig);

	bitcoin_tx_push_witness(tx, 0, der, len);
}

void htlc_tx_set_witness(struct bitcoin_tx *tx, const secp256k1_context *ctx,
			 const struct bitcoin_signature *counterparty_sig,
			 const struct bitcoin_signature *owner_sig,
			 const struct preimage *preimage,
			 const uint8_t *htlc_script, size_t htlc_script_len)
{
	/* BOLT #3:
	 *    * `txin[0]` witness stack: `0 <remotehtlcsig> <localhtlcsig>
	 *    <payment_preimage>` for HTLC-success, `0 <remotehtlcsig>
	 *    <localhtlcsig> <>` for HTLC-timeout
	 */
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, NULL, 0);
	push_signature(tx, ctx, counterparty_sig);
	push_signature(tx, ctx, owner_sig);
	if (preimage)
		bitcoin_tx_push_witness(tx, 0, preimage->r, sizeof(preimage->r));
	else
		bitcoin_tx_push_witness(tx, 0, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, htlc_script, htlc_script_len);
}
