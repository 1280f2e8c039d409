/* Relay policy, after Bitcoin Core's policy/policy.cpp and
 * script/solver.cpp (v28).  See standard.h. */
#include "contrib/devchain/standard.h"

#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/serialize.h"

/* Core's CPubKey::ValidSize: the length its first byte promises. */
static bool pubkey_valid_size(const uint8_t *key, size_t len)
{
	if (len == 33)
		return key[0] == 0x02 || key[0] == 0x03;
	if (len == 65)
		return key[0] == 0x04 || key[0] == 0x06 || key[0] == 0x07;
	return false;
}

/* Core's MatchMultisig: OP_m <key>... OP_n OP_CHECKMULTISIG with small
 * integers and n matching the number of keys. */
static bool match_multisig(const uint8_t *script, size_t len,
			   unsigned *required, unsigned *keys)
{
	const uint8_t *cursor = script, *data;
	size_t max = len, data_len;
	unsigned m, n = 0;
	uint8_t op;

	if (len < 1 || script[len - 1] != OP_CHECKMULTISIG)
		return false;
	max = len - 1;
	if (!script_get_op(&cursor, &max, &op, &data, &data_len)
	    || op < OP_1 || op > OP_16)
		return false;
	m = (unsigned)(op - OP_1 + 1);
	for (;;) {
		if (!script_get_op(&cursor, &max, &op, &data, &data_len))
			return false;
		if (!data || !pubkey_valid_size(data, data_len))
			break;
		n++;
	}
	/* The first non-key operation must be OP_n, and the last. */
	if (op < OP_1 || op > OP_16 || (unsigned)(op - OP_1 + 1) != n
	    || max != 0 || m > n)
		return false;
	if (required)
		*required = m;
	if (keys)
		*keys = n;
	return true;
}

enum txout_type script_classify(const uint8_t *script, size_t len,
				unsigned *required, unsigned *keys)
{
	const uint8_t *program;
	size_t program_len;
	unsigned version;

	if (len == 4 && script[0] == OP_1 && script[1] == 2
	    && script[2] == 0x4e && script[3] == 0x73)
		return TXOUT_ANCHOR;
	if (script_is_p2sh(script, len))
		return TXOUT_SCRIPTHASH;
	if (script_witness_program(&version, &program, &program_len, script, len)) {
		if (version == 0 && program_len == 20)
			return TXOUT_WITNESS_V0_KEYHASH;
		if (version == 0 && program_len == 32)
			return TXOUT_WITNESS_V0_SCRIPTHASH;
		if (version == 1 && program_len == 32)
			return TXOUT_WITNESS_V1_TAPROOT;
		if (version != 0)
			return TXOUT_WITNESS_UNKNOWN;
		return TXOUT_NONSTANDARD;
	}
	if (len >= 1 && script[0] == OP_RETURN
	    && script_is_push_only(script + 1, len - 1))
		return TXOUT_NULL_DATA;
	if ((len == 35 && script[0] == 33 && script[34] == OP_CHECKSIG
	     && pubkey_valid_size(script + 1, 33))
	    || (len == 67 && script[0] == 65 && script[66] == OP_CHECKSIG
		&& pubkey_valid_size(script + 1, 65)))
		return TXOUT_PUBKEY;
	if (script_is_p2pkh(script, len))
		return TXOUT_PUBKEYHASH;
	if (match_multisig(script, len, required, keys))
		return TXOUT_MULTISIG;
	return TXOUT_NONSTANDARD;
}

const char *txout_type_name(enum txout_type type)
{
	switch (type) {
	case TXOUT_NONSTANDARD: return "nonstandard";
	case TXOUT_ANCHOR: return "anchor";
	case TXOUT_PUBKEY: return "pubkey";
	case TXOUT_PUBKEYHASH: return "pubkeyhash";
	case TXOUT_SCRIPTHASH: return "scripthash";
	case TXOUT_MULTISIG: return "multisig";
	case TXOUT_NULL_DATA: return "nulldata";
	case TXOUT_WITNESS_V0_SCRIPTHASH: return "witness_v0_scripthash";
	case TXOUT_WITNESS_V0_KEYHASH: return "witness_v0_keyhash";
	case TXOUT_WITNESS_V1_TAPROOT: return "witness_v1_taproot";
	case TXOUT_WITNESS_UNKNOWN: return "witness_unknown";
	}
	return "nonstandard";
}

uint64_t output_dust_threshold(const struct bitcoin_tx_output *out,
			       uint64_t dust_feerate_per_kvb)
{
	unsigned version;
	const uint8_t *program;
	size_t program_len;
	uint64_t size;

	/* Core's CScript::IsUnspendable. */
	if ((out->script_len > 0 && out->script[0] == OP_RETURN)
	    || out->script_len > SCRIPT_MAX_LEN)
		return 0;
	size = 8 + compactsize_len(out->script_len) + out->script_len;
	/* The input that spends it: outpoint, scriptSig length, sequence,
	 * plus a typical signature and key, witness-discounted or not. */
	if (script_witness_program(&version, &program, &program_len,
				   out->script, out->script_len))
		size += 32 + 4 + 1 + (107 / 4) + 4;
	else
		size += 32 + 4 + 1 + 107 + 4;
	return size * dust_feerate_per_kvb / 1000;
}

/* Core's IsStandard for one output. */
static bool output_is_standard(const struct bitcoin_tx_output *out,
			       enum txout_type *type)
{
	unsigned required = 0, keys = 0;

	*type = script_classify(out->script, out->script_len, &required, &keys);
	switch (*type) {
	case TXOUT_NONSTANDARD:
		return false;
	case TXOUT_MULTISIG:
		/* Bare multisig: at most 3 keys. */
		return keys >= 1 && keys <= 3 && required >= 1 && required <= keys;
	case TXOUT_NULL_DATA:
		return out->script_len <= MAX_OP_RETURN_RELAY;
	case TXOUT_ANCHOR: case TXOUT_PUBKEY: case TXOUT_PUBKEYHASH:
	case TXOUT_SCRIPTHASH: case TXOUT_WITNESS_V0_SCRIPTHASH:
	case TXOUT_WITNESS_V0_KEYHASH: case TXOUT_WITNESS_V1_TAPROOT:
	case TXOUT_WITNESS_UNKNOWN:
		return true;
	}
	return false;
}

bool policy_is_standard_tx(const struct bitcoin_tx *tx, const char **reason)
{
	size_t data_outputs = 0;

	if (tx->version > TX_MAX_STANDARD_VERSION || tx->version < 1) {
		*reason = "version";
		return false;
	}
	if (bitcoin_tx_weight(tx) > MAX_STANDARD_TX_WEIGHT) {
		*reason = "tx-size";
		return false;
	}
	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct bitcoin_tx_input *in = &tx->inputs[i];
		/* Room for a 15-of-15 P2SH multisig with compressed keys. */
		if (in->script_sig_len > MAX_STANDARD_SCRIPTSIG_SIZE) {
			*reason = "scriptsig-size";
			return false;
		}
		if (!script_is_push_only(in->script_sig, in->script_sig_len)) {
			*reason = "scriptsig-not-pushonly";
			return false;
		}
	}
	for (size_t i = 0; i < tx->num_outputs; i++) {
		const struct bitcoin_tx_output *out = &tx->outputs[i];
		enum txout_type type;
		if (!output_is_standard(out, &type)) {
			*reason = "scriptpubkey";
			return false;
		}
		if (type == TXOUT_NULL_DATA) {
			data_outputs++;
		} else if (out->amount_sat
			   < output_dust_threshold(out, DUST_RELAY_FEERATE_PER_KVB)) {
			*reason = "dust";
			return false;
		}
	}
	/* Only one OP_RETURN output is permitted. */
	if (data_outputs > 1) {
		*reason = "multi-op-return";
		return false;
	}
	return true;
}

unsigned script_sigop_count(const uint8_t *script, size_t len, bool accurate)
{
	const uint8_t *cursor = script, *data;
	size_t max = len, data_len;
	uint8_t op, last_op = OP_INVALIDOPCODE;
	unsigned count = 0;

	while (max > 0 && script_get_op(&cursor, &max, &op, &data, &data_len)) {
		if (op == OP_CHECKSIG || op == OP_CHECKSIGVERIFY) {
			count++;
		} else if (op == OP_CHECKMULTISIG || op == OP_CHECKMULTISIGVERIFY) {
			if (accurate && last_op >= OP_1 && last_op <= OP_16)
				count += (unsigned)(last_op - OP_1 + 1);
			else
				count += 20;
		}
		last_op = op;
	}
	return count;
}

/* The last push of a push-only scriptSig: a P2SH redeem script.
 * Returns: false if there is none (or the scriptSig is not push-only). */
static bool last_push(const uint8_t *script_sig, size_t len,
		      const uint8_t **redeem, size_t *redeem_len)
{
	const uint8_t *cursor = script_sig, *data;
	size_t max = len, data_len;
	bool found = false;
	uint8_t op;

	while (max > 0) {
		if (!script_get_op(&cursor, &max, &op, &data, &data_len) || op > OP_16)
			return false;
		/* OP_1..OP_16 and OP_1NEGATE push one-byte numbers, not
		 * scripts that could carry sigops; treat them as such. */
		*redeem = data;
		*redeem_len = data ? data_len : 0;
		found = true;
	}
	return found;
}

bool policy_are_inputs_standard(const struct bitcoin_tx *tx,
				const struct bitcoin_tx_output *spent_outputs)
{
	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct bitcoin_tx_output *prev = &spent_outputs[i];
		enum txout_type type = script_classify(prev->script,
						       prev->script_len, NULL, NULL);
		const uint8_t *redeem;
		size_t redeem_len;

		if (type == TXOUT_NONSTANDARD || type == TXOUT_WITNESS_UNKNOWN)
			return false;
		if (type == TXOUT_SCRIPTHASH) {
			if (!last_push(tx->inputs[i].script_sig,
				       tx->inputs[i].script_sig_len, &redeem,
				       &redeem_len))
				return false;
			if (script_sigop_count(redeem, redeem_len, true) > MAX_P2SH_SIGOPS)
				return false;
		}
	}
	return true;
}

bool policy_is_witness_standard(const struct bitcoin_tx *tx,
				const struct bitcoin_tx_output *spent_outputs)
{
	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct bitcoin_tx_input *in = &tx->inputs[i];
		const struct bitcoin_tx_output *prev = &spent_outputs[i];
		const uint8_t *script = prev->script, *program;
		size_t script_len = prev->script_len, program_len, n;
		unsigned version;
		bool is_p2sh = false;

		if (in->num_witness == 0)
			continue;
		if (script_is_p2sh(script, script_len)) {
			if (!last_push(in->script_sig, in->script_sig_len,
				       &script, &script_len))
				return false;
			is_p2sh = true;
		}
		/* A witness must spend a witness program... */
		if (!script_witness_program(&version, &program, &program_len,
					    script, script_len))
			return false;
		/* ...and pay-to-anchor takes none. */
		if (!is_p2sh && version == 1 && program_len == 2
		    && program[0] == 0x4e && program[1] == 0x73)
			return false;
		n = in->num_witness;
		if (version == 0 && program_len == 32) {
			if (in->witness[n - 1].len > MAX_STANDARD_P2WSH_SCRIPT_SIZE
			    || n - 1 > MAX_STANDARD_P2WSH_STACK_ITEMS)
				return false;
			for (size_t j = 0; j + 1 < n; j++)
				if (in->witness[j].len > MAX_STANDARD_P2WSH_STACK_ITEM_SIZE)
					return false;
		}
		if (version == 1 && program_len == 32 && !is_p2sh) {
			/* Annexes are non-standard until they mean something. */
			if (n >= 2 && in->witness[n - 1].len
			    && in->witness[n - 1].data[0] == 0x50)
				return false;
			if (n >= 2 && in->witness[n - 1].len
			    && (in->witness[n - 1].data[0] & 0xfe) == 0xc0) {
				for (size_t j = 0; j + 2 < n; j++)
					if (in->witness[j].len
					    > MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE)
						return false;
			}
		}
	}
	return true;
}
