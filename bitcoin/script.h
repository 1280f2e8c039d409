/* Bitcoin Script: the opcodes, a builder that appends to a struct wirebuf,
 * the output templates Lightning uses, and recognition of them.
 *
 * Templates: P2WPKH and P2WSH (BIP141), P2TR (BIP341; the key tweak lives
 * in bitcoin/taproot.h), P2PKH and P2SH, and BOLT #3's 2-of-2 funding
 * script.  Other BOLT #3 scripts (to_local, HTLCs) are built from
 * script_push_op / script_push_data / script_push_num.
 *
 * The builder always uses the minimal push (BIP62 / Core's MINIMALDATA
 * rule), so what we write passes standardness checks.
 */
#ifndef OHM_BITCOIN_SCRIPT_H
#define OHM_BITCOIN_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "crypto/types.h"
#include "wire/wirebuf.h"

enum opcode {
	/* push value */
	OP_0 = 0x00,
	OP_FALSE = OP_0,
	OP_PUSHDATA1 = 0x4c,
	OP_PUSHDATA2 = 0x4d,
	OP_PUSHDATA4 = 0x4e,
	OP_1NEGATE = 0x4f,
	OP_RESERVED = 0x50,
	OP_1 = 0x51,
	OP_TRUE = OP_1,
	OP_2 = 0x52, OP_3 = 0x53, OP_4 = 0x54, OP_5 = 0x55, OP_6 = 0x56,
	OP_7 = 0x57, OP_8 = 0x58, OP_9 = 0x59, OP_10 = 0x5a, OP_11 = 0x5b,
	OP_12 = 0x5c, OP_13 = 0x5d, OP_14 = 0x5e, OP_15 = 0x5f, OP_16 = 0x60,

	/* control */
	OP_NOP = 0x61,
	OP_VER = 0x62,
	OP_IF = 0x63,
	OP_NOTIF = 0x64,
	OP_VERIF = 0x65,
	OP_VERNOTIF = 0x66,
	OP_ELSE = 0x67,
	OP_ENDIF = 0x68,
	OP_VERIFY = 0x69,
	OP_RETURN = 0x6a,

	/* stack */
	OP_TOALTSTACK = 0x6b,
	OP_FROMALTSTACK = 0x6c,
	OP_2DROP = 0x6d,
	OP_2DUP = 0x6e,
	OP_3DUP = 0x6f,
	OP_2OVER = 0x70,
	OP_2ROT = 0x71,
	OP_2SWAP = 0x72,
	OP_IFDUP = 0x73,
	OP_DEPTH = 0x74,
	OP_DROP = 0x75,
	OP_DUP = 0x76,
	OP_NIP = 0x77,
	OP_OVER = 0x78,
	OP_PICK = 0x79,
	OP_ROLL = 0x7a,
	OP_ROT = 0x7b,
	OP_SWAP = 0x7c,
	OP_TUCK = 0x7d,

	/* splice */
	OP_CAT = 0x7e,
	OP_SUBSTR = 0x7f,
	OP_LEFT = 0x80,
	OP_RIGHT = 0x81,
	OP_SIZE = 0x82,

	/* bit logic */
	OP_INVERT = 0x83,
	OP_AND = 0x84,
	OP_OR = 0x85,
	OP_XOR = 0x86,
	OP_EQUAL = 0x87,
	OP_EQUALVERIFY = 0x88,
	OP_RESERVED1 = 0x89,
	OP_RESERVED2 = 0x8a,

	/* numeric */
	OP_1ADD = 0x8b,
	OP_1SUB = 0x8c,
	OP_2MUL = 0x8d,
	OP_2DIV = 0x8e,
	OP_NEGATE = 0x8f,
	OP_ABS = 0x90,
	OP_NOT = 0x91,
	OP_0NOTEQUAL = 0x92,
	OP_ADD = 0x93,
	OP_SUB = 0x94,
	OP_MUL = 0x95,
	OP_DIV = 0x96,
	OP_MOD = 0x97,
	OP_LSHIFT = 0x98,
	OP_RSHIFT = 0x99,
	OP_BOOLAND = 0x9a,
	OP_BOOLOR = 0x9b,
	OP_NUMEQUAL = 0x9c,
	OP_NUMEQUALVERIFY = 0x9d,
	OP_NUMNOTEQUAL = 0x9e,
	OP_LESSTHAN = 0x9f,
	OP_GREATERTHAN = 0xa0,
	OP_LESSTHANOREQUAL = 0xa1,
	OP_GREATERTHANOREQUAL = 0xa2,
	OP_MIN = 0xa3,
	OP_MAX = 0xa4,
	OP_WITHIN = 0xa5,

	/* crypto */
	OP_RIPEMD160 = 0xa6,
	OP_SHA1 = 0xa7,
	OP_SHA256 = 0xa8,
	OP_HASH160 = 0xa9,
	OP_HASH256 = 0xaa,
	OP_CODESEPARATOR = 0xab,
	OP_CHECKSIG = 0xac,
	OP_CHECKSIGVERIFY = 0xad,
	OP_CHECKMULTISIG = 0xae,
	OP_CHECKMULTISIGVERIFY = 0xaf,

	/* expansion */
	OP_NOP1 = 0xb0,
	OP_CHECKLOCKTIMEVERIFY = 0xb1,	/* BIP65, was OP_NOP2 */
	OP_CHECKSEQUENCEVERIFY = 0xb2,	/* BIP112, was OP_NOP3 */
	OP_NOP4 = 0xb3, OP_NOP5 = 0xb4, OP_NOP6 = 0xb5, OP_NOP7 = 0xb6,
	OP_NOP8 = 0xb7, OP_NOP9 = 0xb8, OP_NOP10 = 0xb9,

	/* BIP342 (tapscript only) */
	OP_CHECKSIGADD = 0xba,

	OP_INVALIDOPCODE = 0xff,
};

/* Scripts longer than this fail (Core: MAX_SCRIPT_SIZE). */
#define SCRIPT_MAX_LEN 10000
/* The longest data push a legacy or segwit v0 script may execute. */
#define SCRIPT_MAX_ELEMENT_LEN 520
/* The CScriptNum operand limit; CSV and CLTV allow 5 bytes. */
#define SCRIPTNUM_MAX_LEN 5

/* Standard template sizes. */
#define SCRIPT_P2WPKH_LEN 22	/* OP_0 <20> */
#define SCRIPT_P2WSH_LEN 34	/* OP_0 <32> */
#define SCRIPT_P2TR_LEN 34	/* OP_1 <32> */
#define SCRIPT_P2PKH_LEN 25	/* DUP HASH160 <20> EQUALVERIFY CHECKSIG */
#define SCRIPT_P2SH_LEN 23	/* HASH160 <20> EQUAL */
#define WITNESS_PROGRAM_MAX_LEN 40

/* ---- Building ---- */

/* Appends one opcode. */
void script_push_op(struct wirebuf *script, enum opcode op);

/* Appends a push of data[0..len) in its minimal form: OP_0 for empty
 * data, OP_1..OP_16 / OP_1NEGATE for the single bytes 1..16 / 0x81, a
 * direct push up to 75 bytes, then OP_PUSHDATA1/2/4. */
void script_push_data(struct wirebuf *script, const void *data, size_t len);

/* Appends a push of n as a CScriptNum, minimally: OP_0, OP_1NEGATE,
 * OP_1..OP_16, or the little-endian sign-magnitude bytes.  This is how
 * OP_CHECKSEQUENCEVERIFY / OP_CHECKLOCKTIMEVERIFY operands are written. */
void script_push_num(struct wirebuf *script, int64_t n);

/* Appends a push of key's 33-byte compressed encoding. */
void script_push_pubkey(struct wirebuf *script, const secp256k1_context *ctx,
			const struct pubkey *key);

/* CScriptNum: writes n's minimal little-endian sign-magnitude encoding
 * (empty for 0) into out.  Returns: its length, 0 to 9. */
size_t scriptnum_encode(uint8_t out[9], int64_t n);

/* Decodes a CScriptNum of at most max_len bytes (4 for arithmetic, 5 for
 * CSV/CLTV).  With require_minimal, rejects encodings with a superfluous
 * zero byte (Core's MINIMALDATA).
 * Returns: true and writes *out; false if len > max_len (max_len <= 8) or
 *          the encoding is not minimal when required. */
bool scriptnum_decode(int64_t *out, const uint8_t *data, size_t len,
		      size_t max_len, bool require_minimal);

/* ---- Parsing ---- */

/* Reads one operation at the cursor: *opcode gets the opcode byte, and for
 * pushes (opcode <= OP_PUSHDATA4) *data and *data_len the pushed bytes (a
 * pointer into the script).  Fails the cursor on a truncated push.
 * Returns: true if an operation was read. */
bool script_get_op(const uint8_t **cursor, size_t *max, uint8_t *opcode,
		   const uint8_t **data, size_t *data_len);

/* Returns: true if script is a sequence of well-formed operations
 *          containing only pushes (OP_0..OP_16, no OP_RESERVED). */
bool script_is_push_only(const uint8_t *script, size_t len);

/* ---- Templates ---- */

/* BIP141 P2WPKH: OP_0 <20-byte HASH160(pubkey)>. */
void script_p2wpkh(struct wirebuf *script, const struct ripemd160 *key_hash);
void script_p2wpkh_for_pubkey(struct wirebuf *script,
			      const secp256k1_context *ctx,
			      const struct pubkey *key);

/* BIP141 P2WSH: OP_0 <32-byte SHA256(witness script)>. */
void script_p2wsh(struct wirebuf *script, const struct sha256 *script_hash);
void script_p2wsh_for_witness_script(struct wirebuf *script,
				     const uint8_t *witness_script,
				     size_t witness_script_len);

/* BIP341 P2TR: OP_1 <32-byte x-only output key>.  bitcoin/taproot.h
 * computes the output key from an internal key. */
void script_p2tr(struct wirebuf *script, const uint8_t output_key[32]);

/* P2PKH: OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG. */
void script_p2pkh(struct wirebuf *script, const struct ripemd160 *key_hash);
void script_p2pkh_for_pubkey(struct wirebuf *script,
			     const secp256k1_context *ctx,
			     const struct pubkey *key);

/* BIP16 P2SH: OP_HASH160 <20-byte HASH160(redeem script)> OP_EQUAL. */
void script_p2sh(struct wirebuf *script, const struct ripemd160 *script_hash);
void script_p2sh_for_redeem_script(struct wirebuf *script,
				   const uint8_t *redeem_script,
				   size_t redeem_script_len);

/* Any witness version and program (BIP141: OP_n <program>).
 * Returns: false (nothing written) unless version <= 16 and the program is
 *          2..40 bytes. */
bool script_witness_output(struct wirebuf *script, unsigned version,
			   const uint8_t *program, size_t program_len);

/* BOLT #3 funding output witness script:
 *   2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG
 * "Where pubkey1 is the lexicographically lesser of the two
 * funding_pubkey in compressed format". */
void script_funding_2of2(struct wirebuf *script, const secp256k1_context *ctx,
			 const struct pubkey *a, const struct pubkey *b);

/* BOLT #3 P2WPKH spends and BIP143 use this scriptCode for a P2WPKH
 * input: the P2PKH script of the same key hash. */
void script_code_for_p2wpkh(struct wirebuf *script,
			    const struct ripemd160 *key_hash);

/* ---- Recognition ---- */

bool script_is_p2wpkh(const uint8_t *script, size_t len);
bool script_is_p2wsh(const uint8_t *script, size_t len);
bool script_is_p2tr(const uint8_t *script, size_t len);
bool script_is_p2pkh(const uint8_t *script, size_t len);
bool script_is_p2sh(const uint8_t *script, size_t len);

/* Returns: true if the script starts with OP_RETURN (provably
 *          unspendable; a data carrier). */
bool script_is_op_return(const uint8_t *script, size_t len);

/* BIP141: "A scriptPubKey (or redeemScript as defined in BIP16/P2SH) that
 * consists of a 1-byte push opcode (for 0 to 16) followed by a data push
 * between 2 and 40 bytes gets a new special meaning."
 * Returns: true, setting *version and *program (pointing into script) and
 *          *program_len; false if script is not a witness program. */
bool script_witness_program(unsigned *version, const uint8_t **program,
			    size_t *program_len, const uint8_t *script,
			    size_t len);

#endif /* OHM_BITCOIN_SCRIPT_H */
