/* Script building, templates and recognition. */
#include "bitcoin/script.h"

#include <string.h>

#include "bitcoin/serialize.h"
#include "crypto/hash.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"
#include "wire/wire.h"

void script_push_op(struct wirebuf *script, enum opcode op)
{
	towire_u8(script, (uint8_t)op);
}

void script_push_data(struct wirebuf *script, const void *data, size_t len)
{
	const uint8_t *bytes = data;

	/* Core's CheckMinimalPush: the shortest way to push each value. */
	if (len == 0) {
		script_push_op(script, OP_0);
		return;
	}
	if (len == 1 && bytes[0] >= 1 && bytes[0] <= 16) {
		towire_u8(script, (uint8_t)(OP_1 + bytes[0] - 1));
		return;
	}
	if (len == 1 && bytes[0] == 0x81) {
		script_push_op(script, OP_1NEGATE);
		return;
	}
	if (len < OP_PUSHDATA1) {
		towire_u8(script, (uint8_t)len);
	} else if (len <= 0xff) {
		script_push_op(script, OP_PUSHDATA1);
		towire_u8(script, (uint8_t)len);
	} else if (len <= 0xffff) {
		script_push_op(script, OP_PUSHDATA2);
		towire_le16(script, (uint16_t)len);
	} else {
		script_push_op(script, OP_PUSHDATA4);
		towire_le32(script, (uint32_t)len);
	}
	wirebuf_append(script, bytes, len);
}

size_t scriptnum_encode(uint8_t out[9], int64_t n)
{
	bool negative = n < 0;
	/* Unsigned negation is defined even for INT64_MIN. */
	uint64_t magnitude = negative ? 0 - (uint64_t)n : (uint64_t)n;
	size_t len = 0;

	while (magnitude) {
		out[len++] = magnitude & 0xff;
		magnitude >>= 8;
	}
	if (len == 0)
		return 0;
	/* The top bit of the last byte is the sign: add a byte if the
	 * magnitude already uses it. */
	if (out[len - 1] & 0x80)
		out[len++] = negative ? 0x80 : 0x00;
	else if (negative)
		out[len - 1] |= 0x80;
	return len;
}

bool scriptnum_decode(int64_t *out, const uint8_t *data, size_t len,
		      size_t max_len, bool require_minimal)
{
	uint64_t magnitude = 0;

	if (len > max_len || len > 8)
		return false;
	if (len == 0) {
		*out = 0;
		return true;
	}
	/* Core: a last byte of 0x00 or 0x80 is only allowed when the byte
	 * before it has its top bit set. */
	if (require_minimal && (data[len - 1] & 0x7f) == 0
	    && (len == 1 || !(data[len - 2] & 0x80)))
		return false;
	for (size_t i = 0; i < len; i++)
		magnitude |= (uint64_t)data[i] << (8 * i);
	if (data[len - 1] & 0x80) {
		magnitude &= ~((uint64_t)0x80 << (8 * (len - 1)));
		*out = -(int64_t)magnitude;
	} else {
		*out = (int64_t)magnitude;
	}
	return true;
}

void script_push_num(struct wirebuf *script, int64_t n)
{
	uint8_t bytes[9];
	size_t len;

	if (n == 0) {
		script_push_op(script, OP_0);
	} else if (n == -1) {
		script_push_op(script, OP_1NEGATE);
	} else if (n >= 1 && n <= 16) {
		towire_u8(script, (uint8_t)(OP_1 + n - 1));
	} else {
		len = scriptnum_encode(bytes, n);
		towire_u8(script, (uint8_t)len);
		wirebuf_append(script, bytes, len);
	}
}

void script_push_pubkey(struct wirebuf *script, const secp256k1_context *ctx,
			const struct pubkey *key)
{
	uint8_t der[PUBKEY_CMPR_LEN];

	pubkey_serialize(ctx, der, key);
	script_push_data(script, der, sizeof(der));
}

bool script_get_op(const uint8_t **cursor, size_t *max, uint8_t *opcode,
		   const uint8_t **data, size_t *data_len)
{
	size_t len;

	*data = NULL;
	*data_len = 0;
	*opcode = fromwire_u8(cursor, max);
	if (!*cursor)
		return false;
	if (*opcode > OP_PUSHDATA4)
		return true;
	if (*opcode < OP_PUSHDATA1)
		len = *opcode;
	else if (*opcode == OP_PUSHDATA1)
		len = fromwire_u8(cursor, max);
	else if (*opcode == OP_PUSHDATA2)
		len = fromwire_le16(cursor, max);
	else
		len = fromwire_le32(cursor, max);
	*data = fromwire_pull(cursor, max, len);
	if (!*cursor)
		return false;
	*data_len = len;
	return true;
}

bool script_is_push_only(const uint8_t *script, size_t len)
{
	const uint8_t *cursor = script, *data;
	size_t max = len, data_len;
	uint8_t op;

	while (max) {
		if (!script_get_op(&cursor, &max, &op, &data, &data_len))
			return false;
		/* As Core's IsPushOnly, OP_RESERVED (below OP_1) counts. */
		if (op > OP_16)
			return false;
	}
	return true;
}

/* ---- Templates ---- */

void script_p2wpkh(struct wirebuf *script, const struct ripemd160 *key_hash)
{
	script_push_op(script, OP_0);
	script_push_data(script, key_hash->u8, sizeof(key_hash->u8));
}

static void pubkey_hash160(const secp256k1_context *ctx,
			   struct ripemd160 *out, const struct pubkey *key)
{
	uint8_t der[PUBKEY_CMPR_LEN];

	pubkey_serialize(ctx, der, key);
	hash160(out, der, sizeof(der));
}

void script_p2wpkh_for_pubkey(struct wirebuf *script,
			      const secp256k1_context *ctx,
			      const struct pubkey *key)
{
	struct ripemd160 h;

	pubkey_hash160(ctx, &h, key);
	script_p2wpkh(script, &h);
}

void script_p2wsh(struct wirebuf *script, const struct sha256 *script_hash)
{
	script_push_op(script, OP_0);
	script_push_data(script, script_hash->u8, sizeof(script_hash->u8));
}

void script_p2wsh_for_witness_script(struct wirebuf *script,
				     const uint8_t *witness_script,
				     size_t witness_script_len)
{
	struct sha256 h;

	/* BIP141: P2WSH commits to the single SHA256 of the script. */
	sha256(&h, witness_script, witness_script_len);
	script_p2wsh(script, &h);
}

void script_p2tr(struct wirebuf *script, const uint8_t output_key[32])
{
	script_push_op(script, OP_1);
	script_push_data(script, output_key, 32);
}

void script_p2pkh(struct wirebuf *script, const struct ripemd160 *key_hash)
{
	script_push_op(script, OP_DUP);
	script_push_op(script, OP_HASH160);
	script_push_data(script, key_hash->u8, sizeof(key_hash->u8));
	script_push_op(script, OP_EQUALVERIFY);
	script_push_op(script, OP_CHECKSIG);
}

void script_p2pkh_for_pubkey(struct wirebuf *script,
			     const secp256k1_context *ctx,
			     const struct pubkey *key)
{
	struct ripemd160 h;

	pubkey_hash160(ctx, &h, key);
	script_p2pkh(script, &h);
}

void script_p2sh(struct wirebuf *script, const struct ripemd160 *script_hash)
{
	script_push_op(script, OP_HASH160);
	script_push_data(script, script_hash->u8, sizeof(script_hash->u8));
	script_push_op(script, OP_EQUAL);
}

void script_p2sh_for_redeem_script(struct wirebuf *script,
				   const uint8_t *redeem_script,
				   size_t redeem_script_len)
{
	struct ripemd160 h;

	hash160(&h, redeem_script, redeem_script_len);
	script_p2sh(script, &h);
}

bool script_witness_output(struct wirebuf *script, unsigned version,
			   const uint8_t *program, size_t program_len)
{
	if (version > 16 || program_len < 2
	    || program_len > WITNESS_PROGRAM_MAX_LEN)
		return false;
	towire_u8(script, version == 0 ? OP_0 : (uint8_t)(OP_1 + version - 1));
	/* A direct push even for a 2-byte program: never OP_n. */
	towire_u8(script, (uint8_t)program_len);
	wirebuf_append(script, program, program_len);
	return true;
}

void script_funding_2of2(struct wirebuf *script, const secp256k1_context *ctx,
			 const struct pubkey *a, const struct pubkey *b)
{
	/* BOLT #3:
	 * Where `pubkey1` is the lexicographically lesser of the two
	 * `funding_pubkey` in compressed format, and where `pubkey2` is the
	 * lexicographically greater of the two.
	 */
	if (pubkey_cmp(ctx, a, b) > 0) {
		const struct pubkey *tmp = a;
		a = b;
		b = tmp;
	}
	script_push_op(script, OP_2);
	script_push_pubkey(script, ctx, a);
	script_push_pubkey(script, ctx, b);
	script_push_op(script, OP_2);
	script_push_op(script, OP_CHECKMULTISIG);
}

void script_code_for_p2wpkh(struct wirebuf *script,
			    const struct ripemd160 *key_hash)
{
	/* BIP143: "For P2WPKH witness program, the scriptCode is
	 * 0x1976a914{20-byte-pubkey-hash}88ac" (here without the length,
	 * which the sighash adds). */
	script_p2pkh(script, key_hash);
}

/* ---- Recognition ---- */

bool script_is_p2wpkh(const uint8_t *script, size_t len)
{
	return len == SCRIPT_P2WPKH_LEN && script[0] == OP_0
		&& script[1] == 20;
}

bool script_is_p2wsh(const uint8_t *script, size_t len)
{
	return len == SCRIPT_P2WSH_LEN && script[0] == OP_0
		&& script[1] == 32;
}

bool script_is_p2tr(const uint8_t *script, size_t len)
{
	return len == SCRIPT_P2TR_LEN && script[0] == OP_1
		&& script[1] == 32;
}

bool script_is_p2pkh(const uint8_t *script, size_t len)
{
	return len == SCRIPT_P2PKH_LEN && script[0] == OP_DUP
		&& script[1] == OP_HASH160 && script[2] == 20
		&& script[23] == OP_EQUALVERIFY && script[24] == OP_CHECKSIG;
}

bool script_is_p2sh(const uint8_t *script, size_t len)
{
	return len == SCRIPT_P2SH_LEN && script[0] == OP_HASH160
		&& script[1] == 20 && script[22] == OP_EQUAL;
}

bool script_is_op_return(const uint8_t *script, size_t len)
{
	return len >= 1 && script[0] == OP_RETURN;
}

bool script_witness_program(unsigned *version, const uint8_t **program,
			    size_t *program_len, const uint8_t *script,
			    size_t len)
{
	/* BIP141: a 1-byte push opcode then a 2..40-byte direct push that
	 * is the rest of the script. */
	if (len < 4 || len > 42)
		return false;
	if (script[0] != OP_0 && (script[0] < OP_1 || script[0] > OP_16))
		return false;
	if ((size_t)script[1] + 2 != len)
		return false;
	*version = script[0] == OP_0 ? 0 : (unsigned)(script[0] - OP_1 + 1);
	*program = script + 2;
	*program_len = len - 2;
	return true;
}
