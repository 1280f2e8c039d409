/* Shutdown scripts and the closing transactions (see close.h). */
#include "channel/close.h"

#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "channel/scripts.h"
#include "crypto/secp.h"
#include "wire/wirebuf.h"

/* BOLT #2:
 *     4. if (and only if) `option_simple_close` is negotiated:
 *       * `OP_RETURN` followed by one of:
 *         * `6` to `75` inclusive followed by exactly that many bytes
 *         * `76` followed by `76` to `80` followed by exactly that many bytes
 */
static bool is_op_return_form(const uint8_t *script, size_t len)
{
	if (len < 2 || script[0] != OP_RETURN)
		return false;
	if (script[1] >= 6 && script[1] <= 75)
		return len == 2 + (size_t)script[1];
	return script[1] == OP_PUSHDATA1 && len >= 3 && script[2] >= 76
		&& script[2] <= 80 && len == 3 + (size_t)script[2];
}

bool close_script_is_valid(const uint8_t *script, size_t len,
			   const struct close_features *features)
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
	if (features->option_simple_close && is_op_return_form(script, len))
		return true;
	return features->option_shutdown_anysegwit
		&& script_witness_program(&version, &program, &program_len,
					  script, len)
		&& version >= 1 && version <= 16;
}

bool close_output_is_dust(const uint8_t *script, size_t len,
			  uint64_t amount_sat)
{
	unsigned version;
	const uint8_t *program;
	size_t program_len;
	uint64_t threshold = 546;

	/* BOLT #3 "Dust Limits": p2pkh 546, p2sh 540, p2wpkh 294, p2wsh
	 * 330, unknown segwit versions 354; OP_RETURN outputs are never
	 * dust (a zero-value one is standard). */
	if (script_is_op_return(script, len))
		return false;
	if (script_is_p2sh(script, len))
		threshold = 540;
	else if (script_is_p2wpkh(script, len))
		threshold = 294;
	else if (script_is_p2wsh(script, len))
		threshold = 330;
	else if (script_witness_program(&version, &program, &program_len,
					script, len))
		threshold = 354;
	return amount_sat < threshold;
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

/* The closing transaction paying out[0..n) in BIP69 order. */
static struct bitcoin_tx *build(const struct channel_params *params,
				uint32_t locktime, uint32_t sequence,
				struct close_output out[CHANNEL_NUM_SIDES], size_t n)
{
	struct bitcoin_tx *tx;

	if (n == 2 && output_before(&out[1], &out[0])) {
		struct close_output tmp = out[0];

		out[0] = out[1];
		out[1] = tmp;
	}
	tx = bitcoin_tx_new(2, locktime);
	bitcoin_tx_add_input(tx, &params->funding, sequence);
	for (size_t i = 0; i < n; i++)
		bitcoin_tx_add_output(tx, out[i].amount_sat, out[i].script,
				      out[i].script_len);
	return tx;
}

struct bitcoin_tx *close_tx_new(const struct channel_params *params,
				const struct close_outputs *outs,
				uint64_t fee_sat, uint64_t dust_limit_sat,
				bool omit_side, enum channel_side omit)
{
	struct close_output out[CHANNEL_NUM_SIDES];
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
	/* BOLT #3:
	 * * version: 2
	 * * locktime: 0
	 * * txin count: 1
	 *    * `txin[0]` outpoint: `txid` and `output_index` from `funding_created` message
	 *    * `txin[0]` sequence: 0xFFFFFFFF
	 */
	return build(params, 0, BITCOIN_SEQUENCE_FINAL, out, n);
}

bool close_simple_amount(const struct close_simple *close,
			 enum channel_side side, uint64_t *amount_sat)
{
	uint64_t amount = close->outs.balance_msat[side] / 1000;

	/* BOLT #3:
	 *   - MUST round each output down to whole satoshis.
	 *   - MUST subtract the fee given by `fee_satoshis` from the closer output.
	 *   - MUST set the output amount to 0 if the `scriptpubkey` is `OP_RETURN`.
	 */
	if (side == close->closer) {
		if (amount < close->fee_sat)
			return false;
		amount -= close->fee_sat;
	}
	if (script_is_op_return(close->outs.script[side],
				close->outs.script_len[side]))
		amount = 0;
	*amount_sat = amount;
	return true;
}

struct bitcoin_tx *close_simple_tx_new(const struct channel_params *params,
				       const struct close_simple *close,
				       enum close_variant variant)
{
	struct close_output out[CHANNEL_NUM_SIDES];
	size_t n = 0;

	for (size_t s = 0; s < CHANNEL_NUM_SIDES; s++) {
		enum channel_side side = (enum channel_side)s;
		bool is_closer = side == close->closer;
		uint64_t amount;

		if (!close_simple_amount(close, side, &amount))
			return NULL;
		if ((is_closer && variant == CLOSE_CLOSEE_ONLY)
		    || (!is_closer && variant == CLOSE_CLOSER_ONLY))
			continue;
		out[n].amount_sat = amount;
		out[n].script = close->outs.script[side];
		out[n].script_len = close->outs.script_len[side];
		n++;
	}
	/* BOLT #3:
	 * * version: 2
	 * * locktime: `locktime` from the `closing_complete` message
	 * * txin count: 1
	 *    * `txin[0]` outpoint: `txid` and `output_index` of the channel output
	 *    * `txin[0]` sequence: 0xFFFFFFFD
	 */
	return build(params, close->locktime, 0xFFFFFFFDu, out, n);
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
