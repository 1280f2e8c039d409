/* Signature hashes: legacy, BIP143 and BIP341.  Each builds the preimage in
 * a wirebuf and hashes it; the intermediate hashes are recomputed per call,
 * which is quadratic in the number of inputs but simple and plenty for the
 * transactions a Lightning node signs. */
#include "bitcoin/sighash.h"

#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/serialize.h"
#include "bitcoin/taproot.h"
#include "crypto/hash.h"
#include "wire/wire.h"

static void towire_outpoint(struct wirebuf *buf,
			    const struct bitcoin_outpoint *op)
{
	towire_bytes(buf, op->txid.shad.sha.u8, 32);
	towire_le32(buf, op->vout);
}

static void towire_output(struct wirebuf *buf,
			  const struct bitcoin_tx_output *out)
{
	towire_le64(buf, out->amount_sat);
	towire_compactsize_bytes(buf, out->script, out->script_len);
}

/* ---- Legacy ---- */

/* Core's SerializeScriptCode: the script without its OP_CODESEPARATORs.
 * Bytes after a malformed push are kept as they are. */
static void towire_script_code_legacy(struct wirebuf *buf,
				      const uint8_t *script, size_t len)
{
	struct wirebuf *clean = wirebuf_new();
	const uint8_t *cursor = script, *start = script, *data;
	size_t max = len, data_len;
	uint8_t op;

	while (max && script_get_op(&cursor, &max, &op, &data, &data_len)) {
		if (op == OP_CODESEPARATOR) {
			wirebuf_append(clean, start, cursor - 1 - start);
			start = cursor;
		}
	}
	wirebuf_append(clean, start, script + len - start);
	towire_compactsize_bytes(buf, clean->data, clean->len);
	wirebuf_free(clean);
}

bool legacy_sighash(struct sha256 *out, const struct bitcoin_tx *tx,
		    size_t input_index, const uint8_t *script_code,
		    size_t script_code_len, uint32_t sighash_type)
{
	bool anyone_can_pay = sighash_type & SIGHASH_ANYONECANPAY;
	uint32_t base = sighash_type & 0x1f;
	size_t num_outputs;
	struct wirebuf *buf;
	struct sha256_double h;

	if (input_index >= tx->num_inputs)
		return false;
	/* The historical SIGHASH_SINGLE bug, now consensus: with no
	 * matching output the "hash" is the number one. */
	if (base == SIGHASH_SINGLE && input_index >= tx->num_outputs) {
		memset(out->u8, 0, sizeof(out->u8));
		out->u8[0] = 1;
		return true;
	}

	buf = wirebuf_new();
	towire_le32(buf, tx->version);
	towire_compactsize(buf, anyone_can_pay ? 1 : tx->num_inputs);
	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct bitcoin_tx_input *in = &tx->inputs[i];

		if (anyone_can_pay && i != input_index)
			continue;
		towire_outpoint(buf, &in->prevout);
		if (i == input_index)
			towire_script_code_legacy(buf, script_code,
						  script_code_len);
		else
			towire_compactsize(buf, 0);
		/* NONE and SINGLE let other inputs change nSequence. */
		if (i != input_index
		    && (base == SIGHASH_NONE || base == SIGHASH_SINGLE))
			towire_le32(buf, 0);
		else
			towire_le32(buf, in->sequence);
	}
	if (base == SIGHASH_NONE)
		num_outputs = 0;
	else if (base == SIGHASH_SINGLE)
		num_outputs = input_index + 1;
	else
		num_outputs = tx->num_outputs;
	towire_compactsize(buf, num_outputs);
	for (size_t i = 0; i < num_outputs; i++) {
		if (base == SIGHASH_SINGLE && i != input_index) {
			/* A "null" output: value -1, empty script. */
			towire_le64(buf, UINT64_MAX);
			towire_compactsize(buf, 0);
		} else {
			towire_output(buf, &tx->outputs[i]);
		}
	}
	towire_le32(buf, tx->locktime);
	towire_le32(buf, sighash_type);
	sha256_double(&h, buf->data, buf->len);
	wirebuf_free(buf);
	*out = h.sha;
	return true;
}

/* ---- BIP143 ---- */

static void bip143_hash_prevouts(struct sha256_double *out,
				 const struct bitcoin_tx *tx)
{
	struct wirebuf *buf = wirebuf_new();

	for (size_t i = 0; i < tx->num_inputs; i++)
		towire_outpoint(buf, &tx->inputs[i].prevout);
	sha256_double(out, buf->data, buf->len);
	wirebuf_free(buf);
}

static void bip143_hash_sequence(struct sha256_double *out,
				 const struct bitcoin_tx *tx)
{
	struct wirebuf *buf = wirebuf_new();

	for (size_t i = 0; i < tx->num_inputs; i++)
		towire_le32(buf, tx->inputs[i].sequence);
	sha256_double(out, buf->data, buf->len);
	wirebuf_free(buf);
}

static void bip143_hash_outputs(struct sha256_double *out,
				const struct bitcoin_tx_output *outputs,
				size_t num_outputs)
{
	struct wirebuf *buf = wirebuf_new();

	for (size_t i = 0; i < num_outputs; i++)
		towire_output(buf, &outputs[i]);
	sha256_double(out, buf->data, buf->len);
	wirebuf_free(buf);
}

void bip143_sighash_preimage(struct wirebuf *out, const struct bitcoin_tx *tx,
			     size_t input_index, const uint8_t *script_code,
			     size_t script_code_len, uint64_t amount_sat,
			     uint32_t sighash_type)
{
	const struct bitcoin_tx_input *in = &tx->inputs[input_index];
	bool anyone_can_pay = sighash_type & SIGHASH_ANYONECANPAY;
	uint32_t base = sighash_type & 0x1f;
	struct sha256_double prevouts, sequence, outputs;

	/* BIP143: "If the ANYONECANPAY flag is not set, hashPrevouts is the
	 * double SHA256 of the serialization of all input outpoints;
	 * Otherwise, hashPrevouts is a uint256 of 0x0000......0000." */
	memset(&prevouts, 0, sizeof(prevouts));
	if (!anyone_can_pay)
		bip143_hash_prevouts(&prevouts, tx);
	/* "If none of the ANYONECANPAY, SINGLE, NONE sighash type is set,
	 * hashSequence is the double SHA256 of the serialization of nSequence
	 * of all inputs; Otherwise, hashSequence is a uint256 of 0x0000..." */
	memset(&sequence, 0, sizeof(sequence));
	if (!anyone_can_pay && base != SIGHASH_SINGLE && base != SIGHASH_NONE)
		bip143_hash_sequence(&sequence, tx);
	/* "If the sighash type is neither SINGLE nor NONE, hashOutputs is the
	 * double SHA256 of the serialization of all output amount ... with
	 * scriptPubKey; If sighash type is SINGLE and the input index is
	 * smaller than the number of outputs, hashOutputs is the double
	 * SHA256 of the output amount with scriptPubKey of the same index as
	 * the input; Otherwise, hashOutputs is a uint256 of 0x0000......0000"
	 */
	memset(&outputs, 0, sizeof(outputs));
	if (base != SIGHASH_SINGLE && base != SIGHASH_NONE)
		bip143_hash_outputs(&outputs, tx->outputs, tx->num_outputs);
	else if (base == SIGHASH_SINGLE && input_index < tx->num_outputs)
		bip143_hash_outputs(&outputs, &tx->outputs[input_index], 1);

	towire_le32(out, tx->version);
	towire_bytes(out, prevouts.sha.u8, 32);
	towire_bytes(out, sequence.sha.u8, 32);
	towire_outpoint(out, &in->prevout);
	towire_compactsize_bytes(out, script_code, script_code_len);
	towire_le64(out, amount_sat);
	towire_le32(out, in->sequence);
	towire_bytes(out, outputs.sha.u8, 32);
	towire_le32(out, tx->locktime);
	towire_le32(out, sighash_type);
}

bool bip143_sighash(struct sha256 *out, const struct bitcoin_tx *tx,
		    size_t input_index, const uint8_t *script_code,
		    size_t script_code_len, uint64_t amount_sat,
		    uint32_t sighash_type)
{
	struct wirebuf *buf;
	struct sha256_double h;

	if (input_index >= tx->num_inputs)
		return false;
	buf = wirebuf_new();
	bip143_sighash_preimage(buf, tx, input_index, script_code,
				script_code_len, amount_sat, sighash_type);
	sha256_double(&h, buf->data, buf->len);
	wirebuf_free(buf);
	*out = h.sha;
	return true;
}

/* ---- BIP341 ---- */

bool bip341_hash_type_is_valid(uint8_t hash_type)
{
	/* BIP341: "hash_type ... 0x00, 0x01, 0x02, 0x03, 0x81, 0x82, or
	 * 0x83"; anything else fails. */
	return hash_type <= 0x03 || (hash_type >= 0x81 && hash_type <= 0x83);
}

/* The single SHA256 of buf's contents, then buf is emptied for reuse. */
static void sha256_and_reset(struct sha256 *out, struct wirebuf *buf)
{
	sha256(out, buf->data, buf->len);
	wirebuf_reset(buf);
}

bool bip341_sighash_preimage(struct wirebuf *out, const struct bitcoin_tx *tx,
			     size_t input_index,
			     const struct bitcoin_tx_output *spent_outputs,
			     uint8_t hash_type, const uint8_t *annex,
			     size_t annex_len,
			     const struct taproot_script_path *script_path)
{
	/* SIGHASH_DEFAULT signs as SIGHASH_ALL. */
	uint8_t output_type = hash_type == SIGHASH_DEFAULT
		? SIGHASH_ALL : (hash_type & 0x03);
	bool anyone_can_pay = hash_type & SIGHASH_ANYONECANPAY;
	const struct bitcoin_tx_input *in;
	struct wirebuf *tmp;
	struct sha256 h;
	uint8_t spend_type;

	if (input_index >= tx->num_inputs || !bip341_hash_type_is_valid(hash_type))
		return false;
	/* BIP341: "If hash_type & 3 equals SIGHASH_SINGLE and input_index
	 * does not have a corresponding output: fail". */
	if (output_type == SIGHASH_SINGLE && input_index >= tx->num_outputs)
		return false;
	in = &tx->inputs[input_index];
	tmp = wirebuf_new();

	towire_u8(out, 0x00);	/* "the sighash epoch 0x00" */
	/* Control */
	towire_u8(out, hash_type);
	/* Transaction data */
	towire_le32(out, tx->version);
	towire_le32(out, tx->locktime);
	if (!anyone_can_pay) {
		for (size_t i = 0; i < tx->num_inputs; i++)
			towire_outpoint(tmp, &tx->inputs[i].prevout);
		sha256_and_reset(&h, tmp);
		towire_bytes(out, h.u8, 32);		/* sha_prevouts */
		for (size_t i = 0; i < tx->num_inputs; i++)
			towire_le64(tmp, spent_outputs[i].amount_sat);
		sha256_and_reset(&h, tmp);
		towire_bytes(out, h.u8, 32);		/* sha_amounts */
		for (size_t i = 0; i < tx->num_inputs; i++)
			towire_compactsize_bytes(tmp, spent_outputs[i].script,
						 spent_outputs[i].script_len);
		sha256_and_reset(&h, tmp);
		towire_bytes(out, h.u8, 32);		/* sha_scriptpubkeys */
		for (size_t i = 0; i < tx->num_inputs; i++)
			towire_le32(tmp, tx->inputs[i].sequence);
		sha256_and_reset(&h, tmp);
		towire_bytes(out, h.u8, 32);		/* sha_sequences */
	}
	if (output_type != SIGHASH_NONE && output_type != SIGHASH_SINGLE) {
		for (size_t i = 0; i < tx->num_outputs; i++)
			towire_output(tmp, &tx->outputs[i]);
		sha256_and_reset(&h, tmp);
		towire_bytes(out, h.u8, 32);		/* sha_outputs */
	}
	/* Data about this input: "spend_type = (ext_flag * 2) +
	 * annex_present", ext_flag 1 for a BIP342 script path. */
	spend_type = (script_path ? 2 : 0) + (annex ? 1 : 0);
	towire_u8(out, spend_type);
	if (anyone_can_pay) {
		towire_outpoint(out, &in->prevout);
		towire_output(out, &spent_outputs[input_index]);
		towire_le32(out, in->sequence);
	} else {
		towire_le32(out, (uint32_t)input_index);
	}
	if (annex) {
		/* "sha_annex: the SHA256 of (compact_size(size of annex) ||
		 * annex)" */
		towire_compactsize_bytes(tmp, annex, annex_len);
		sha256_and_reset(&h, tmp);
		towire_bytes(out, h.u8, 32);
	}
	/* Data about this output */
	if (output_type == SIGHASH_SINGLE) {
		towire_output(tmp, &tx->outputs[input_index]);
		sha256_and_reset(&h, tmp);
		towire_bytes(out, h.u8, 32);		/* sha_single_output */
	}
	/* BIP342 extension */
	if (script_path) {
		towire_bytes(out, script_path->tapleaf_hash.u8, 32);
		towire_u8(out, 0x00);			/* key_version */
		towire_le32(out, script_path->codesep_pos);
	}
	wirebuf_free(tmp);
	return true;
}

bool bip341_sighash(struct sha256 *out, const struct bitcoin_tx *tx,
		    size_t input_index,
		    const struct bitcoin_tx_output *spent_outputs,
		    uint8_t hash_type, const uint8_t *annex, size_t annex_len,
		    const struct taproot_script_path *script_path)
{
	struct wirebuf *buf = wirebuf_new();
	bool ok = bip341_sighash_preimage(buf, tx, input_index, spent_outputs,
					  hash_type, annex, annex_len,
					  script_path);

	if (ok)
		bip340_tagged_hash(out, "TapSighash", buf->data, buf->len);
	wirebuf_free(buf);
	return ok;
}
