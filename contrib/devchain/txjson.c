/* JSON views of scripts and transactions, after Core's core_write.cpp and
 * script/descriptor.cpp.  See txjson.h. */
#include "contrib/devchain/txjson.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1_extrakeys.h>

#include "bitcoin/address.h"
#include "bitcoin/script.h"
#include "bitcoin/serialize.h"
#include "common/hex.h"
#include "contrib/devchain/jsonout.h"
#include "contrib/devchain/script_eval.h"
#include "contrib/devchain/standard.h"
#include "contrib/devchain/validate.h"
#include "wire/wirebuf.h"

/* Core's GetOpName for the opcodes that are not pushes of data. */
static const char *op_name(uint8_t op)
{
	static const char *const small[16] = {
		"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
		"13", "14", "15", "16",
	};

	if (op >= OP_1 && op <= OP_16)
		return small[op - OP_1];
	switch (op) {
	case OP_1NEGATE: return "-1";
	case OP_RESERVED: return "OP_RESERVED";
	case OP_NOP: return "OP_NOP"; case OP_VER: return "OP_VER";
	case OP_IF: return "OP_IF"; case OP_NOTIF: return "OP_NOTIF";
	case OP_VERIF: return "OP_VERIF"; case OP_VERNOTIF: return "OP_VERNOTIF";
	case OP_ELSE: return "OP_ELSE"; case OP_ENDIF: return "OP_ENDIF";
	case OP_VERIFY: return "OP_VERIFY"; case OP_RETURN: return "OP_RETURN";
	case OP_TOALTSTACK: return "OP_TOALTSTACK";
	case OP_FROMALTSTACK: return "OP_FROMALTSTACK";
	case OP_2DROP: return "OP_2DROP"; case OP_2DUP: return "OP_2DUP";
	case OP_3DUP: return "OP_3DUP"; case OP_2OVER: return "OP_2OVER";
	case OP_2ROT: return "OP_2ROT"; case OP_2SWAP: return "OP_2SWAP";
	case OP_IFDUP: return "OP_IFDUP"; case OP_DEPTH: return "OP_DEPTH";
	case OP_DROP: return "OP_DROP"; case OP_DUP: return "OP_DUP";
	case OP_NIP: return "OP_NIP"; case OP_OVER: return "OP_OVER";
	case OP_PICK: return "OP_PICK"; case OP_ROLL: return "OP_ROLL";
	case OP_ROT: return "OP_ROT"; case OP_SWAP: return "OP_SWAP";
	case OP_TUCK: return "OP_TUCK"; case OP_CAT: return "OP_CAT";
	case OP_SUBSTR: return "OP_SUBSTR"; case OP_LEFT: return "OP_LEFT";
	case OP_RIGHT: return "OP_RIGHT"; case OP_SIZE: return "OP_SIZE";
	case OP_INVERT: return "OP_INVERT"; case OP_AND: return "OP_AND";
	case OP_OR: return "OP_OR"; case OP_XOR: return "OP_XOR";
	case OP_EQUAL: return "OP_EQUAL"; case OP_EQUALVERIFY: return "OP_EQUALVERIFY";
	case OP_RESERVED1: return "OP_RESERVED1"; case OP_RESERVED2: return "OP_RESERVED2";
	case OP_1ADD: return "OP_1ADD"; case OP_1SUB: return "OP_1SUB";
	case OP_2MUL: return "OP_2MUL"; case OP_2DIV: return "OP_2DIV";
	case OP_NEGATE: return "OP_NEGATE"; case OP_ABS: return "OP_ABS";
	case OP_NOT: return "OP_NOT"; case OP_0NOTEQUAL: return "OP_0NOTEQUAL";
	case OP_ADD: return "OP_ADD"; case OP_SUB: return "OP_SUB";
	case OP_MUL: return "OP_MUL"; case OP_DIV: return "OP_DIV";
	case OP_MOD: return "OP_MOD"; case OP_LSHIFT: return "OP_LSHIFT";
	case OP_RSHIFT: return "OP_RSHIFT"; case OP_BOOLAND: return "OP_BOOLAND";
	case OP_BOOLOR: return "OP_BOOLOR"; case OP_NUMEQUAL: return "OP_NUMEQUAL";
	case OP_NUMEQUALVERIFY: return "OP_NUMEQUALVERIFY";
	case OP_NUMNOTEQUAL: return "OP_NUMNOTEQUAL";
	case OP_LESSTHAN: return "OP_LESSTHAN"; case OP_GREATERTHAN: return "OP_GREATERTHAN";
	case OP_LESSTHANOREQUAL: return "OP_LESSTHANOREQUAL";
	case OP_GREATERTHANOREQUAL: return "OP_GREATERTHANOREQUAL";
	case OP_MIN: return "OP_MIN"; case OP_MAX: return "OP_MAX";
	case OP_WITHIN: return "OP_WITHIN"; case OP_RIPEMD160: return "OP_RIPEMD160";
	case OP_SHA1: return "OP_SHA1"; case OP_SHA256: return "OP_SHA256";
	case OP_HASH160: return "OP_HASH160"; case OP_HASH256: return "OP_HASH256";
	case OP_CODESEPARATOR: return "OP_CODESEPARATOR";
	case OP_CHECKSIG: return "OP_CHECKSIG"; case OP_CHECKSIGVERIFY: return "OP_CHECKSIGVERIFY";
	case OP_CHECKMULTISIG: return "OP_CHECKMULTISIG";
	case OP_CHECKMULTISIGVERIFY: return "OP_CHECKMULTISIGVERIFY";
	case OP_NOP1: return "OP_NOP1";
	case OP_CHECKLOCKTIMEVERIFY: return "OP_CHECKLOCKTIMEVERIFY";
	case OP_CHECKSEQUENCEVERIFY: return "OP_CHECKSEQUENCEVERIFY";
	case OP_NOP4: return "OP_NOP4"; case OP_NOP5: return "OP_NOP5";
	case OP_NOP6: return "OP_NOP6"; case OP_NOP7: return "OP_NOP7";
	case OP_NOP8: return "OP_NOP8"; case OP_NOP9: return "OP_NOP9";
	case OP_NOP10: return "OP_NOP10"; case OP_CHECKSIGADD: return "OP_CHECKSIGADD";
	case OP_INVALIDOPCODE: return "OP_INVALIDOPCODE";
	}
	return "OP_UNKNOWN";
}

static const char *sighash_name(uint8_t type)
{
	switch (type) {
	case 0x01: return "ALL";
	case 0x81: return "ALL|ANYONECANPAY";
	case 0x02: return "NONE";
	case 0x82: return "NONE|ANYONECANPAY";
	case 0x03: return "SINGLE";
	case 0x83: return "SINGLE|ANYONECANPAY";
	}
	return NULL;
}

static void append_str(struct wirebuf *out, const char *s)
{
	wirebuf_append(out, s, strlen(s));
}

static void append_hex(struct wirebuf *out, const uint8_t *data, size_t len)
{
	char *hex = wire_calloc(len * 2 + 1, 1);
	hex_encode(hex, data, len);
	append_str(out, hex);
	free(hex);
}

char *script_to_asm(const uint8_t *script, size_t len, bool sighash_decode)
{
	struct wirebuf *out = wirebuf_new();
	const uint8_t *cursor = script, *data;
	size_t max = len, data_len, out_len;
	bool unspendable = (len > 0 && script[0] == OP_RETURN) || len > SCRIPT_MAX_LEN;
	uint8_t op;

	while (max > 0) {
		if (out->len)
			append_str(out, " ");
		if (!script_get_op(&cursor, &max, &op, &data, &data_len)) {
			append_str(out, "[error]");
			break;
		}
		if (op > OP_PUSHDATA4) {
			append_str(out, op_name(op));
		} else if (data_len <= 4) {
			/* Short pushes read as numbers, minimal or not. */
			int64_t n = 0;
			char num[24];
			scriptnum_decode(&n, data, data_len, 4, false);
			snprintf(num, sizeof(num), "%" PRId64, n);
			append_str(out, num);
		} else {
			enum script_error err;
			const char *type = NULL;
			if (sighash_decode && !unspendable
			    && sig_check_encoding(data, data_len, SCRIPT_VERIFY_STRICTENC, &err))
				type = sighash_name(data[data_len - 1]);
			append_hex(out, data, type ? data_len - 1 : data_len);
			if (type) {
				append_str(out, "[");
				append_str(out, type);
				append_str(out, "]");
			}
		}
	}
	wirebuf_append(out, "", 1);
	return (char *)wirebuf_take(out, &out_len);
}

bool descriptor_checksum(char out[9], const char *desc)
{
	static const char input_charset[] =
		"0123456789()[],'/*abcdefgh@:$%{}"
		"IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~"
		"ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
	static const char checksum_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	static const uint64_t generator[5] = {
		0xf5dee51989, 0xa9fdca3312, 0x1bab10e32d, 0x3706b1677a, 0x644d626ffd,
	};
	uint64_t c = 1;
	unsigned cls = 0, clscount = 0;

/* BIP380's PolyMod step. */
#define POLYMOD(val)                                                        \
	do {                                                                \
		uint64_t c0 = c >> 35;                                      \
		c = ((c & 0x7ffffffffull) << 5) ^ (uint64_t)(val);          \
		for (int g_ = 0; g_ < 5; g_++)                              \
			if (c0 >> g_ & 1)                                   \
				c ^= generator[g_];                         \
	} while (0)

	for (const char *p = desc; *p; p++) {
		const char *pos = strchr(input_charset, *p);
		size_t index;
		if (!pos)
			return false;
		index = (size_t)(pos - input_charset);
		POLYMOD(index & 31);
		cls = cls * 3 + (unsigned)(index >> 5);
		if (++clscount == 3) {
			POLYMOD(cls);
			cls = clscount = 0;
		}
	}
	if (clscount > 0)
		POLYMOD(cls);
	for (int j = 0; j < 8; j++)
		POLYMOD(0);
	c ^= 1;
	for (int j = 0; j < 8; j++)
		out[j] = checksum_charset[(c >> (5 * (7 - j))) & 31];
	out[8] = '\0';
#undef POLYMOD
	return true;
}

/* Core's InferDescriptor without a signing provider: pk() and multi()
 * for bare keys, rawtr() for valid Taproot keys, addr() for anything
 * with an address, raw() for the rest. */
static void infer_descriptor(struct wirebuf *out, const struct chainparams *params,
			     const uint8_t *script, size_t len)
{
	enum txout_type type;
	unsigned required, keys;
	char address[ADDRESS_MAX_LEN + 1];
	secp256k1_xonly_pubkey xonly;

	type = script_classify(script, len, &required, &keys);
	if (type == TXOUT_PUBKEY) {
		append_str(out, "pk(");
		append_hex(out, script + 1, len - 2);
		append_str(out, ")");
	} else if (type == TXOUT_MULTISIG) {
		const uint8_t *cursor = script + 1, *data;
		size_t max = len - 2, data_len;
		uint8_t op;
		char num[8];
		snprintf(num, sizeof(num), "%u", required);
		append_str(out, "multi(");
		append_str(out, num);
		for (unsigned i = 0; i < keys; i++) {
			script_get_op(&cursor, &max, &op, &data, &data_len);
			append_str(out, ",");
			append_hex(out, data, data_len);
		}
		append_str(out, ")");
	} else if (type == TXOUT_WITNESS_V1_TAPROOT
		   && secp256k1_xonly_pubkey_parse(secp256k1_context_static,
						   &xonly, script + 2)) {
		append_str(out, "rawtr(");
		append_hex(out, script + 2, 32);
		append_str(out, ")");
	} else if (type != TXOUT_NONSTANDARD && type != TXOUT_NULL_DATA
		   && address_from_script(address, params, script, len)) {
		append_str(out, "addr(");
		append_str(out, address);
		append_str(out, ")");
	} else {
		append_str(out, "raw(");
		append_hex(out, script, len);
		append_str(out, ")");
	}
}

json_t *script_pubkey_json(const struct chainparams *params,
			   const uint8_t *script, size_t len)
{
	json_t *obj = json_object();
	struct wirebuf *desc = wirebuf_new();
	char *asm_str = script_to_asm(script, len, false);
	char *hex = wire_calloc(len * 2 + 1, 1);
	char checksum[9], address[ADDRESS_MAX_LEN + 1];
	enum txout_type type = script_classify(script, len, NULL, NULL);

	infer_descriptor(desc, params, script, len);
	wirebuf_append(desc, "", 1);
	descriptor_checksum(checksum, (const char *)desc->data);
	desc->len--;
	append_str(desc, "#");
	append_str(desc, checksum);
	wirebuf_append(desc, "", 1);
	hex_encode(hex, script, len);

	json_object_set_new(obj, "asm", json_string(asm_str));
	json_object_set_new(obj, "desc", json_string((const char *)desc->data));
	json_object_set_new(obj, "hex", json_string(hex));
	/* Bare public keys have a destination but Core shows no address. */
	if (type != TXOUT_PUBKEY && type != TXOUT_NONSTANDARD
	    && type != TXOUT_NULL_DATA && type != TXOUT_MULTISIG
	    && address_from_script(address, params, script, len))
		json_object_set_new(obj, "address", json_string(address));
	json_object_set_new(obj, "type", json_string(txout_type_name(type)));
	free(asm_str);
	free(hex);
	wirebuf_free(desc);
	return obj;
}

static json_t *hex_string(const uint8_t *data, size_t len)
{
	char *hex = wire_calloc(len * 2 + 1, 1);
	json_t *s;

	hex_encode(hex, data, len);
	s = json_string(hex);
	free(hex);
	return s;
}

json_t *hash_json(const struct sha256_double *hash)
{
	char hex[65];
	return json_string(hex_encode_reversed(hex, hash->sha.u8, 32));
}

json_t *tx_hex_json(const struct bitcoin_tx *tx)
{
	struct wirebuf *raw = wirebuf_new();
	json_t *s;

	bitcoin_tx_serialize(raw, tx, true);
	s = hex_string(raw->data, raw->len);
	wirebuf_free(raw);
	return s;
}

static json_t *vin_json(const struct bitcoin_tx *tx, size_t i, bool is_coinbase)
{
	const struct bitcoin_tx_input *in = &tx->inputs[i];
	json_t *obj = json_object();

	if (is_coinbase) {
		json_object_set_new(obj, "coinbase", hex_string(in->script_sig, in->script_sig_len));
	} else {
		json_t *script_sig = json_object();
		char *asm_str = script_to_asm(in->script_sig, in->script_sig_len, true);
		json_object_set_new(obj, "txid", hash_json(&in->prevout.txid.shad));
		json_object_set_new(obj, "vout", json_integer(in->prevout.vout));
		json_object_set_new(script_sig, "asm", json_string(asm_str));
		json_object_set_new(script_sig, "hex",
				    hex_string(in->script_sig, in->script_sig_len));
		json_object_set_new(obj, "scriptSig", script_sig);
		free(asm_str);
	}
	if (in->num_witness) {
		json_t *witness = json_array();
		for (size_t j = 0; j < in->num_witness; j++)
			json_array_append_new(witness, hex_string(in->witness[j].data,
								  in->witness[j].len));
		json_object_set_new(obj, "txinwitness", witness);
	}
	json_object_set_new(obj, "sequence", json_integer(in->sequence));
	return obj;
}

json_t *tx_json(const struct chainparams *params, const struct bitcoin_tx *tx,
		const struct tx_json_extra *extra)
{
	json_t *obj = json_object(), *vin = json_array(), *vout = json_array();
	struct bitcoin_txid txid, wtxid;
	bool is_coinbase = tx_is_coinbase(tx);

	bitcoin_tx_txid(&txid, tx);
	bitcoin_tx_wtxid(&wtxid, tx);
	json_object_set_new(obj, "txid", hash_json(&txid.shad));
	json_object_set_new(obj, "hash", hash_json(&wtxid.shad));
	json_object_set_new(obj, "version", json_integer(tx->version));
	json_object_set_new(obj, "size", json_integer((json_int_t)bitcoin_tx_total_size(tx)));
	json_object_set_new(obj, "vsize", json_integer((json_int_t)bitcoin_tx_vsize(tx)));
	json_object_set_new(obj, "weight", json_integer((json_int_t)bitcoin_tx_weight(tx)));
	json_object_set_new(obj, "locktime", json_integer(tx->locktime));
	for (size_t i = 0; i < tx->num_inputs; i++)
		json_array_append_new(vin, vin_json(tx, i, is_coinbase));
	json_object_set_new(obj, "vin", vin);
	for (size_t i = 0; i < tx->num_outputs; i++) {
		const struct bitcoin_tx_output *out = &tx->outputs[i];
		json_t *o = json_object();
		json_object_set_new(o, "value", json_amount(out->amount_sat));
		json_object_set_new(o, "n", json_integer((json_int_t)i));
		json_object_set_new(o, "scriptPubKey",
				    script_pubkey_json(params, out->script, out->script_len));
		json_array_append_new(vout, o);
	}
	json_object_set_new(obj, "vout", vout);
	if (extra && extra->has_fee)
		json_object_set_new(obj, "fee", json_amount(extra->fee_sat));
	if (extra && extra->block_hash_hex)
		json_object_set_new(obj, "blockhash", json_string(extra->block_hash_hex));
	if (!extra || extra->include_hex)
		json_object_set_new(obj, "hex", tx_hex_json(tx));
	return obj;
}
