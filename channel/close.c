/* Shutdown scripts and the legacy closing transaction (see close.h). */
#include "channel/close.h"

#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "channel/scripts.h"
#include "crypto/secp.h"
#include "wire/wirebuf.h"

bool close_script_is_valid(const uint8_t *script, size_t len,
			   bool option_shutdown_anysegwit)
{
	unsigned version;
	const uint8_t *program;
	size_t program_len;

	/* BOLT #2:
	 *   - MUST set `scriptpubkey` in one of the following forms:
	 *     1. `OP_0` `20` 20-bytes (version 0 pay to witness pubkey hash), OR
	 *     2. `OP_0` `32` 32-bytes (version 0 pay to witness script hash), OR
	 *     3. if (and only if) `option_shutdown_anysegwit` is negotiated:
	 *       * `OP_1` through `OP_16` inclusive, followed by a single push of 2 to 40 bytes
	 *         (witness program versions 1 through 16)
	 */
	if (script_is_p2wpkh(script, len) || script_is_p2wsh(script, len))
		return true;
	return option_shutdown_anysegwit
		&& script_witness_program(&version, &program, &program_len,
					  script, len)
		&& version >= 1 && version <= 16;
}

struct close_output {
	uint64_t amount_sat;
	const uint8_t *script;
	size_t script_len;
};

/* BIP69: by amount, then by script as memcmp of the common prefix, then
 * the shorter first. */
static bool output_before(const struct close_output *a,
			  const struct close_output *b)
{
	size_t common = a->script_len < b->script_len ? a->script_len
						       : b->script_len;
	int cmp;

	if (a->amount_sat != b->amount_sat)
		return a->amount_sat < b->amount_sat;
	cmp = memcmp(a->script, b->script, common);
	if (cmp)
		return cmp < 0;
	return a->script_len < b->script_len;
}

struct bitcoin_tx *close_tx_new(const struct channel_params *params,
				const struct close_outputs *outs,
				uint64_t fee_sat, uint64_t dust_limit_sat,
				bool omit_side, enum channel_side omit)
{
	struct close_output out[CHANNEL_NUM_SIDES];
	struct bitcoin_tx *tx;
	size_t n = 0;

	/* BOLT #3:
	 * Each node offering a signature:
	 *   - MUST round each output down to whole satoshis.
	 *   - MUST subtract the fee given by `fee_satoshis` from the output to the funder.
	 *   - MUST remove any output below its own `dust_limit_satoshis`.
	 *   - MAY eliminate its own output.
	 */
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++) {
		uint64_t amount = outs->balance_msat[side] / 1000;

		if (side == params->opener) {
			if (amount < fee_sat)
				return NULL;
			amount -= fee_sat;
		}
		if (amount < dust_limit_sat || (omit_side && side == omit))
			continue;
		out[n].amount_sat = amount;
		out[n].script = outs->script[side];
		out[n].script_len = outs->script_len[side];
		n++;
	}
	if (n == 2 && output_before(&out[1], &out[0])) {
		struct close_output tmp = out[0];

		out[0] = out[1];
		out[1] = tmp;
	}

	/* BOLT #3:
	 * * version: 2
	 * * locktime: 0
	 * * txin count: 1
	 *    * `txin[0]` outpoint: `txid` and `output_index` from `funding_created` message
	 *    * `txin[0]` sequence: 0xFFFFFFFF
	 */
	tx = bitcoin_tx_new(2, 0);
	bitcoin_tx_add_input(tx, &params->funding, BITCOIN_SEQUENCE_FINAL);
	for (size_t i = 0; i < n; i++)
		bitcoin_tx_add_output(tx, out[i].amount_sat, out[i].script,
				      out[i].script_len);
	return tx;
}

size_t close_tx_weight(const struct bitcoin_tx *tx)
{
	/* Marker and flag (2), then the witness: item count (1), the empty
	 * item (1), two 73-byte signatures with their lengths (2 * 74) and
	 * the 71-byte funding script with its length (72). */
	return bitcoin_tx_base_size(tx) * 4 + 2 + 1 + 1 + 2 * 74 + 72;
}

static void funding_sighash(const secp256k1_context *ctx, struct sha256 *out,
			    const struct bitcoin_tx *tx,
			    const struct channel_params *params)
{
	struct wirebuf *script = wirebuf_new();

	channel_script_funding(script, ctx,
			       &params->party[CHANNEL_LOCAL].funding_pubkey,
			       &params->party[CHANNEL_REMOTE].funding_pubkey);
	bip143_sighash(out, tx, 0, script->data, script->len,
		       params->funding_sat, SIGHASH_ALL);
	wirebuf_free(script);
}

bool close_tx_sign(const secp256k1_context *ctx, struct ecdsa_signature *sig,
		   const struct bitcoin_tx *tx,
		   const struct channel_params *params,
		   const struct privkey *funding_privkey)
{
	struct sha256 h;

	funding_sighash(ctx, &h, tx, params);
	return ecdsa_sign(ctx, sig, &h, funding_privkey);
}

bool close_tx_verify(const secp256k1_context *ctx, const struct bitcoin_tx *tx,
		     const struct channel_params *params, enum channel_side side,
		     const struct ecdsa_signature *sig)
{
	struct sha256 h;

	funding_sighash(ctx, &h, tx, params);
	return ecdsa_verify(ctx, sig, &h, &params->party[side].funding_pubkey);
}

void close_tx_finalize(const secp256k1_context *ctx, struct bitcoin_tx *tx,
		       const struct channel_params *params,
		       const struct ecdsa_signature sigs[CHANNEL_NUM_SIDES])
{
	channel_funding_witness(tx, 0, ctx,
				&params->party[CHANNEL_LOCAL].funding_pubkey,
				&sigs[CHANNEL_LOCAL],
				&params->party[CHANNEL_REMOTE].funding_pubkey,
				&sigs[CHANNEL_REMOTE]);
}

bool close_fee_range_overlap(struct close_fee_range *out,
			     const struct close_fee_range *a,
			     const struct close_fee_range *b)
{
	uint64_t lo = a->min_fee_sat > b->min_fee_sat ? a->min_fee_sat
						      : b->min_fee_sat;
	uint64_t hi = a->max_fee_sat < b->max_fee_sat ? a->max_fee_sat
						      : b->max_fee_sat;

	if (lo > hi)
		return false;
	out->min_fee_sat = lo;
	out->max_fee_sat = hi;
	return true;
}
