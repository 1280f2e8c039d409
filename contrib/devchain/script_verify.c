/* VerifyScript: what an input must satisfy, from scriptSig through P2SH to
 * the witness program (BIP16, BIP141, BIP341), and the signature checks
 * EvalScript calls.  Ported from Bitcoin Core's script/interpreter.cpp and
 * pubkey.cpp; see script_eval.c for the opcodes.
 */
#include "contrib/devchain/script_eval.h"

#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>

#include "bitcoin/script.h"
#include "bitcoin/serialize.h"
#include "bitcoin/sighash.h"
#include "bitcoin/taproot.h"
#include "crypto/hash.h"
#include "wire/wirebuf.h"

const char *script_error_string(enum script_error err)
{
	switch (err) {
	case SCRIPT_ERR_OK: return "No error";
	case SCRIPT_ERR_UNKNOWN_ERROR: return "unknown error";
	case SCRIPT_ERR_EVAL_FALSE: return "Script evaluated without error but finished with a false/empty top stack element";
	case SCRIPT_ERR_OP_RETURN: return "OP_RETURN was encountered";
	case SCRIPT_ERR_SCRIPT_SIZE: return "Script is too big";
	case SCRIPT_ERR_PUSH_SIZE: return "Push value size limit exceeded";
	case SCRIPT_ERR_OP_COUNT: return "Operation limit exceeded";
	case SCRIPT_ERR_STACK_SIZE: return "Stack size limit exceeded";
	case SCRIPT_ERR_SIG_COUNT: return "Signature count negative or greater than pubkey count";
	case SCRIPT_ERR_PUBKEY_COUNT: return "Pubkey count negative or limit exceeded";
	case SCRIPT_ERR_VERIFY: return "Script failed an OP_VERIFY operation";
	case SCRIPT_ERR_EQUALVERIFY: return "Script failed an OP_EQUALVERIFY operation";
	case SCRIPT_ERR_CHECKMULTISIGVERIFY: return "Script failed an OP_CHECKMULTISIGVERIFY operation";
	case SCRIPT_ERR_CHECKSIGVERIFY: return "Script failed an OP_CHECKSIGVERIFY operation";
	case SCRIPT_ERR_NUMEQUALVERIFY: return "Script failed an OP_NUMEQUALVERIFY operation";
	case SCRIPT_ERR_BAD_OPCODE: return "Opcode missing or not understood";
	case SCRIPT_ERR_DISABLED_OPCODE: return "Attempted to use a disabled opcode";
	case SCRIPT_ERR_INVALID_STACK_OPERATION: return "Operation not valid with the current stack size";
	case SCRIPT_ERR_INVALID_ALTSTACK_OPERATION: return "Operation not valid with the current altstack size";
	case SCRIPT_ERR_UNBALANCED_CONDITIONAL: return "Invalid OP_IF construction";
	case SCRIPT_ERR_NEGATIVE_LOCKTIME: return "Negative locktime";
	case SCRIPT_ERR_UNSATISFIED_LOCKTIME: return "Locktime requirement not satisfied";
	case SCRIPT_ERR_SIG_HASHTYPE: return "Signature hash type missing or not understood";
	case SCRIPT_ERR_SIG_DER: return "Non-canonical DER signature";
	case SCRIPT_ERR_MINIMALDATA: return "Data push larger than necessary";
	case SCRIPT_ERR_SIG_PUSHONLY: return "Only push operators allowed in signatures";
	case SCRIPT_ERR_SIG_HIGH_S: return "Non-canonical signature: S value is unnecessarily high";
	case SCRIPT_ERR_SIG_NULLDUMMY: return "Dummy CHECKMULTISIG argument must be zero";
	case SCRIPT_ERR_PUBKEYTYPE: return "Public key is neither compressed or uncompressed";
	case SCRIPT_ERR_CLEANSTACK: return "Stack size must be exactly one after execution";
	case SCRIPT_ERR_MINIMALIF: return "OP_IF/NOTIF argument must be minimal";
	case SCRIPT_ERR_SIG_NULLFAIL: return "Signature must be zero for failed CHECK(MULTI)SIG operation";
	case SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS: return "NOPx reserved for soft-fork upgrades";
	case SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM: return "Witness version reserved for soft-fork upgrades";
	case SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION: return "Taproot version reserved for soft-fork upgrades";
	case SCRIPT_ERR_DISCOURAGE_OP_SUCCESS: return "OP_SUCCESSx reserved for soft-fork upgrades";
	case SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE: return "Public key version reserved for soft-fork upgrades";
	case SCRIPT_ERR_WITNESS_PROGRAM_WRONG_LENGTH: return "Witness program has incorrect length";
	case SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY: return "Witness program was passed an empty witness";
	case SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH: return "Witness program hash mismatch";
	case SCRIPT_ERR_WITNESS_MALLEATED: return "Witness requires empty scriptSig";
	case SCRIPT_ERR_WITNESS_MALLEATED_P2SH: return "Witness requires only-redeemscript scriptSig";
	case SCRIPT_ERR_WITNESS_UNEXPECTED: return "Witness provided for non-witness script";
	case SCRIPT_ERR_WITNESS_PUBKEYTYPE: return "Using non-compressed keys in segwit";
	case SCRIPT_ERR_SCHNORR_SIG_SIZE: return "Invalid Schnorr signature size";
	case SCRIPT_ERR_SCHNORR_SIG_HASHTYPE: return "Invalid Schnorr signature hash type";
	case SCRIPT_ERR_SCHNORR_SIG: return "Invalid Schnorr signature";
	case SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE: return "Invalid Taproot control block size";
	case SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT: return "Too much signature validation relative to witness weight";
	case SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG: return "OP_CHECKMULTISIG(VERIFY) is not available in tapscript";
	case SCRIPT_ERR_TAPSCRIPT_MINIMALIF: return "OP_IF/NOTIF argument must be minimal in tapscript";
	case SCRIPT_ERR_OP_CODESEPARATOR: return "Using OP_CODESEPARATOR in non-witness script";
	case SCRIPT_ERR_SIG_FINDANDDELETE: return "Signature is found in scriptCode";
	}
	return "unknown error";
}

static bool set_error(enum script_error *err, enum script_error value)
{
	*err = value;
	return false;
}

/* ---- Signature and key encodings ---- */

/* BIP66's IsValidSignatureEncoding: strict DER plus a hashtype byte. */
static bool is_valid_signature_encoding(const uint8_t *sig, size_t len)
{
	size_t len_r, len_s;

	if (len < 9 || len > 73)
		return false;
	if (sig[0] != 0x30 || sig[1] != len - 3)
		return false;
	len_r = sig[3];
	if (5 + len_r >= len)
		return false;
	len_s = sig[5 + len_r];
	if (len_r + len_s + 7 != len)
		return false;
	if (sig[2] != 0x02 || len_r == 0 || (sig[4] & 0x80))
		return false;
	if (len_r > 1 && sig[4] == 0x00 && !(sig[5] & 0x80))
		return false;
	if (sig[len_r + 4] != 0x02 || len_s == 0 || (sig[len_r + 6] & 0x80))
		return false;
	if (len_s > 1 && sig[len_r + 6] == 0x00 && !(sig[len_r + 7] & 0x80))
		return false;
	return true;
}

/* Parses DER (without the hashtype byte).  Core parses laxly; under the
 * consensus DERSIG rule every signature that reaches here is strict DER,
 * which libsecp256k1's strict parser accepts. */
static bool parse_der(const secp256k1_context *secp,
		      secp256k1_ecdsa_signature *out, const uint8_t *der,
		      size_t len)
{
	return secp256k1_ecdsa_signature_parse_der(secp, out, der, len) == 1;
}

bool sig_check_encoding(const uint8_t *sig, size_t sig_len, uint32_t flags,
			enum script_error *err)
{
	/* An empty signature is the compact way to provide an invalid one
	 * (e.g. for CHECKMULTISIG NOT). */
	if (sig_len == 0)
		return true;
	if ((flags & (SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_LOW_S
		      | SCRIPT_VERIFY_STRICTENC))
	    && !is_valid_signature_encoding(sig, sig_len))
		return set_error(err, SCRIPT_ERR_SIG_DER);
	if (flags & SCRIPT_VERIFY_LOW_S) {
		/* Core's IsLowDERSignature: normalizing must change nothing.
		 * The static context is enough for parsing. */
		secp256k1_ecdsa_signature parsed;
		if (!parse_der(secp256k1_context_static, &parsed, sig, sig_len - 1)
		    || secp256k1_ecdsa_signature_normalize(secp256k1_context_static,
							   NULL, &parsed))
			return set_error(err, SCRIPT_ERR_SIG_HIGH_S);
	}
	if (flags & SCRIPT_VERIFY_STRICTENC) {
		uint8_t type = sig[sig_len - 1] & (uint8_t)~SIGHASH_ANYONECANPAY;
		if (type < SIGHASH_ALL || type > SIGHASH_SINGLE)
			return set_error(err, SCRIPT_ERR_SIG_HASHTYPE);
	}
	return true;
}

static bool is_compressed_pubkey(const uint8_t *key, size_t len)
{
	return len == 33 && (key[0] == 0x02 || key[0] == 0x03);
}

static bool is_compressed_or_uncompressed_pubkey(const uint8_t *key, size_t len)
{
	return is_compressed_pubkey(key, len) || (len == 65 && key[0] == 0x04);
}

bool pubkey_check_encoding(const uint8_t *pubkey, size_t pubkey_len,
			   uint32_t flags, enum sig_version sigversion,
			   enum script_error *err)
{
	if ((flags & SCRIPT_VERIFY_STRICTENC)
	    && !is_compressed_or_uncompressed_pubkey(pubkey, pubkey_len))
		return set_error(err, SCRIPT_ERR_PUBKEYTYPE);
	/* Only compressed keys are accepted in segwit. */
	if ((flags & SCRIPT_VERIFY_WITNESS_PUBKEYTYPE)
	    && sigversion == SIGVERSION_WITNESS_V0
	    && !is_compressed_pubkey(pubkey, pubkey_len))
		return set_error(err, SCRIPT_ERR_WITNESS_PUBKEYTYPE);
	return true;
}

/* ---- Signature checks ---- */

bool sig_check_ecdsa(const struct script_tx_context *ctx,
		     const uint8_t *sig, size_t sig_len,
		     const uint8_t *pubkey, size_t pubkey_len,
		     const uint8_t *script_code, size_t script_code_len,
		     enum sig_version sigversion)
{
	secp256k1_ecdsa_signature parsed;
	secp256k1_pubkey key;
	struct sha256 sighash;
	uint32_t hash_type;

	/* Core's CPubKey::IsValid: the length its first byte promises. */
	if (pubkey_len == 0
	    || pubkey_len != ((pubkey[0] == 2 || pubkey[0] == 3) ? 33
			      : (pubkey[0] == 4 || pubkey[0] == 6 || pubkey[0] == 7) ? 65
			      : 0))
		return false;
	if (sig_len == 0)
		return false;
	hash_type = sig[sig_len - 1];
	if (sigversion == SIGVERSION_WITNESS_V0) {
		if (!bip143_sighash(&sighash, ctx->tx, ctx->input_index,
				    script_code, script_code_len,
				    ctx->spent_outputs[ctx->input_index].amount_sat,
				    hash_type))
			return false;
	} else if (!legacy_sighash(&sighash, ctx->tx, ctx->input_index,
				   script_code, script_code_len, hash_type)) {
		return false;
	}
	if (!secp256k1_ec_pubkey_parse(ctx->secp, &key, pubkey, pubkey_len))
		return false;
	if (!parse_der(ctx->secp, &parsed, sig, sig_len - 1))
		return false;
	/* Consensus accepts high-S: libsecp256k1 only verifies low-S. */
	secp256k1_ecdsa_signature_normalize(ctx->secp, &parsed, &parsed);
	return secp256k1_ecdsa_verify(ctx->secp, &parsed, sighash.u8, &key) == 1;
}

bool sig_check_schnorr(const struct script_tx_context *ctx,
		       const uint8_t *sig, size_t sig_len,
		       const uint8_t pubkey[32], enum sig_version sigversion,
		       const struct script_exec_data *execdata,
		       enum script_error *err)
{
	struct taproot_script_path path, *script_path = NULL;
	uint8_t hash_type = SIGHASH_DEFAULT;
	struct xonly_pubkey key;
	struct sha256 sighash;

	if (sig_len != 64 && sig_len != 65)
		return set_error(err, SCRIPT_ERR_SCHNORR_SIG_SIZE);
	if (sig_len == 65) {
		hash_type = sig[64];
		/* BIP341: an explicit 0x00 would make two encodings. */
		if (hash_type == SIGHASH_DEFAULT)
			return set_error(err, SCRIPT_ERR_SCHNORR_SIG_HASHTYPE);
	}
	if (sigversion == SIGVERSION_TAPSCRIPT) {
		path.tapleaf_hash = execdata->tapleaf_hash;
		path.codesep_pos = execdata->codesep_pos;
		script_path = &path;
	}
	if (!bip341_sighash(&sighash, ctx->tx, ctx->input_index,
			    ctx->spent_outputs, hash_type, execdata->annex,
			    execdata->annex_len, script_path))
		return set_error(err, SCRIPT_ERR_SCHNORR_SIG_HASHTYPE);
	if (!xonly_pubkey_parse(ctx->secp, &key, pubkey)
	    || !bip340_verify(ctx->secp, sig, sighash.u8, sizeof(sighash.u8), &key))
		return set_error(err, SCRIPT_ERR_SCHNORR_SIG);
	return true;
}

/* ---- FindAndDelete ---- */

/* Core's `CScript() << sig`: a data push that never uses OP_1..OP_16. */
static size_t push_encoding(uint8_t *out, const uint8_t *data, size_t len)
{
	size_t n = 0;

	if (len < OP_PUSHDATA1) {
		out[n++] = (uint8_t)len;
	} else if (len <= 0xff) {
		out[n++] = OP_PUSHDATA1;
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = OP_PUSHDATA2;
		out[n++] = (uint8_t)len;
		out[n++] = (uint8_t)(len >> 8);
	}
	memcpy(out + n, data, len);
	return n + len;
}

size_t script_find_and_delete(uint8_t *script, size_t *len,
			      const uint8_t *sig, size_t sig_len)
{
	uint8_t pattern[MAX_SCRIPT_ELEMENT_SIZE + 3];
	size_t pattern_len = push_encoding(pattern, sig, sig_len);
	size_t found = 0, out = 0, pc = 0, copied_from = 0;

	/* Matches only at opcode boundaries, as Core: copy each operation
	 * unless the pattern starts there. */
	for (;;) {
		memmove(script + out, script + copied_from, pc - copied_from);
		out += pc - copied_from;
		while (*len - pc >= pattern_len
		       && memcmp(script + pc, pattern, pattern_len) == 0) {
			pc += pattern_len;
			found++;
		}
		copied_from = pc;

		const uint8_t *cursor = script + pc, *data;
		size_t max = *len - pc, data_len;
		uint8_t opcode;
		if (max == 0 || !script_get_op(&cursor, &max, &opcode, &data, &data_len))
			break;
		pc = *len - max;
	}
	/* A trailing undecodable fragment is kept as is. */
	memmove(script + out, script + copied_from, *len - copied_from);
	out += *len - copied_from;
	*len = out;
	return found;
}

/* ---- VerifyScript ---- */

static void stack_from_witness(struct script_stack *stack,
			       const struct bitcoin_witness_item *items,
			       size_t num)
{
	for (size_t i = 0; i < num; i++)
		stack_push(stack, items[i].data, items[i].len);
}

/* Core's ExecuteWitnessScript: runs a v0 witness script or a tapscript on
 * the witness items (the script, control block and annex removed). */
static bool execute_witness_script(const struct bitcoin_witness_item *items,
				   size_t num_items, const uint8_t *script,
				   size_t script_len, uint32_t flags,
				   const struct script_tx_context *ctx,
				   enum sig_version sigversion,
				   struct script_exec_data *execdata,
				   enum script_error *err)
{
	struct script_stack stack;
	bool ok;

	if (sigversion == SIGVERSION_TAPSCRIPT) {
		/* BIP342: OP_SUCCESSx anywhere makes the script succeed,
		 * overriding every other rule. */
		const uint8_t *cursor = script, *data;
		size_t max = script_len, data_len;
		uint8_t op;
		while (max > 0) {
			if (!script_get_op(&cursor, &max, &op, &data, &data_len))
				return set_error(err, SCRIPT_ERR_BAD_OPCODE);
			if (op == 80 || op == 98 || (op >= 126 && op <= 129)
			    || (op >= 131 && op <= 134) || (op >= 137 && op <= 138)
			    || (op >= 141 && op <= 142) || (op >= 149 && op <= 153)
			    || (op >= 187 && op <= 254)) {
				if (flags & SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS)
					return set_error(err, SCRIPT_ERR_DISCOURAGE_OP_SUCCESS);
				*err = SCRIPT_ERR_OK;
				return true;
			}
		}
		if (num_items > MAX_STACK_SIZE)
			return set_error(err, SCRIPT_ERR_STACK_SIZE);
	}
	for (size_t i = 0; i < num_items; i++)
		if (items[i].len > MAX_SCRIPT_ELEMENT_SIZE)
			return set_error(err, SCRIPT_ERR_PUSH_SIZE);

	stack_init(&stack);
	stack_from_witness(&stack, items, num_items);
	ok = script_eval(&stack, script, script_len, flags, ctx, sigversion,
			 execdata, err);
	/* Scripts inside a witness implicitly require clean stacks. */
	if (ok && stack.num != 1)
		ok = set_error(err, SCRIPT_ERR_CLEANSTACK);
	else if (ok && !stack_item_is_true(&stack.items[0]))
		ok = set_error(err, SCRIPT_ERR_EVAL_FALSE);
	stack_free(&stack);
	return ok;
}

/* BIP341's control block check: does the witness program commit to
 * internal key P and the merkle root of this leaf's path? */
static bool verify_taproot_commitment(const secp256k1_context *secp,
				      const uint8_t *control, size_t control_len,
				      const uint8_t program[32],
				      const struct sha256 *tapleaf_hash)
{
	size_t path_len = (control_len - TAPROOT_CONTROL_BASE_SIZE)
			  / TAPROOT_CONTROL_NODE_SIZE;
	struct xonly_pubkey internal, output;
	struct sha256 k = *tapleaf_hash;
	uint8_t output_bytes[32];
	int parity;

	if (!xonly_pubkey_parse(secp, &internal, control + 1))
		return false;
	for (size_t i = 0; i < path_len; i++) {
		struct sha256 node;
		memcpy(node.u8, control + TAPROOT_CONTROL_BASE_SIZE
		       + TAPROOT_CONTROL_NODE_SIZE * i, 32);
		taproot_branch_hash(&k, &k, &node);
	}
	if (!taproot_tweak_pubkey(secp, &output, &parity, &internal, &k))
		return false;
	xonly_pubkey_serialize(secp, output_bytes, &output);
	return memcmp(output_bytes, program, 32) == 0
	       && parity == (control[0] & 1);
}

static bool verify_taproot(const struct bitcoin_tx_input *in,
			   const uint8_t program[32], uint32_t flags,
			   const struct script_tx_context *ctx,
			   enum script_error *err)
{
	const struct bitcoin_witness_item *items = in->witness;
	size_t num = in->num_witness;
	struct script_exec_data execdata = {.codesep_pos = 0xffffffff};
	const struct bitcoin_witness_item *control, *script;

	if (!(flags & SCRIPT_VERIFY_TAPROOT)) {
		*err = SCRIPT_ERR_OK;
		return true;
	}
	if (num == 0)
		return set_error(err, SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY);
	/* BIP341: a last item starting 0x50 (with two or more) is the
	 * annex, which signatures commit to. */
	if (num >= 2 && items[num - 1].len > 0
	    && items[num - 1].data[0] == TAPROOT_ANNEX_TAG) {
		execdata.annex = items[num - 1].data;
		execdata.annex_len = items[num - 1].len;
		num--;
	}
	if (num == 1) {
		/* Key path. */
		if (!sig_check_schnorr(ctx, items[0].data, items[0].len, program,
				       SIGVERSION_TAPROOT, &execdata, err))
			return false;
		*err = SCRIPT_ERR_OK;
		return true;
	}
	/* Script path: ... script, control block. */
	control = &items[num - 1];
	script = &items[num - 2];
	num -= 2;
	if (control->len < TAPROOT_CONTROL_BASE_SIZE
	    || control->len > TAPROOT_CONTROL_BASE_SIZE
			      + TAPROOT_CONTROL_NODE_SIZE * TAPROOT_CONTROL_MAX_NODE_COUNT
	    || (control->len - TAPROOT_CONTROL_BASE_SIZE) % TAPROOT_CONTROL_NODE_SIZE)
		return set_error(err, SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE);
	taproot_leaf_hash(&execdata.tapleaf_hash, control->data[0] & TAPROOT_LEAF_MASK,
			  script->data, script->len);
	if (!verify_taproot_commitment(ctx->secp, control->data, control->len,
				       program, &execdata.tapleaf_hash))
		return set_error(err, SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
	if ((control->data[0] & TAPROOT_LEAF_MASK) == TAPROOT_LEAF_TAPSCRIPT) {
		/* BIP342: the budget is the whole witness's serialized size
		 * plus 50. */
		int64_t witness_size = (int64_t)compactsize_len(in->num_witness);
		for (size_t i = 0; i < in->num_witness; i++)
			witness_size += (int64_t)(compactsize_len(in->witness[i].len)
						  + in->witness[i].len);
		execdata.validation_weight_left = witness_size + VALIDATION_WEIGHT_OFFSET;
		return execute_witness_script(items, num, script->data, script->len,
					      flags, ctx, SIGVERSION_TAPSCRIPT,
					      &execdata, err);
	}
	if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION)
		return set_error(err, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION);
	*err = SCRIPT_ERR_OK;
	return true;
}

/* Core's VerifyWitnessProgram. */
static bool verify_witness_program(const struct bitcoin_tx_input *in,
				   unsigned version, const uint8_t *program,
				   size_t program_len, uint32_t flags,
				   bool is_p2sh,
				   const struct script_tx_context *ctx,
				   enum script_error *err)
{
	struct script_exec_data execdata = {.codesep_pos = 0xffffffff};
	const struct bitcoin_witness_item *items = in->witness;
	size_t num = in->num_witness;

	if (version == 0 && program_len == 32) {
		const struct bitcoin_witness_item *script;
		struct sha256 hash;
		if (num == 0)
			return set_error(err, SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY);
		script = &items[num - 1];
		sha256(&hash, script->data, script->len);
		if (memcmp(hash.u8, program, 32) != 0)
			return set_error(err, SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
		return execute_witness_script(items, num - 1, script->data,
					      script->len, flags, ctx,
					      SIGVERSION_WITNESS_V0, &execdata, err);
	}
	if (version == 0 && program_len == 20) {
		/* BIP141: P2WPKH runs the P2PKH script of the key hash. */
		struct ripemd160 key_hash;
		struct wirebuf *code;
		bool ok;
		if (num != 2)
			return set_error(err, SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
		memcpy(key_hash.u8, program, 20);
		code = wirebuf_new();
		script_code_for_p2wpkh(code, &key_hash);
		ok = execute_witness_script(items, num, code->data, code->len,
					    flags, ctx, SIGVERSION_WITNESS_V0,
					    &execdata, err);
		wirebuf_free(code);
		return ok;
	}
	if (version == 0)
		return set_error(err, SCRIPT_ERR_WITNESS_PROGRAM_WRONG_LENGTH);
	if (version == 1 && program_len == 32 && !is_p2sh)
		return verify_taproot(in, program, flags, ctx, err);
	/* Pay-to-anchor (OP_1 <0x4e73>) is standard to spend. */
	if (version == 1 && program_len == 2 && program[0] == 0x4e
	    && program[1] == 0x73 && !is_p2sh) {
		*err = SCRIPT_ERR_OK;
		return true;
	}
	if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM)
		return set_error(err, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM);
	/* Future versions succeed, for soft-fork compatibility. */
	*err = SCRIPT_ERR_OK;
	return true;
}

/* Does script_sig consist of exactly one push of redeem (Core compares it
 * with `CScript() << redeem`)? */
static bool is_single_push_of(const uint8_t *script_sig, size_t len,
			      const uint8_t *redeem, size_t redeem_len)
{
	uint8_t expected[MAX_SCRIPT_ELEMENT_SIZE + 3];

	if (redeem_len > MAX_SCRIPT_ELEMENT_SIZE)
		return false;
	return len == push_encoding(expected, redeem, redeem_len)
	       && memcmp(script_sig, expected, len) == 0;
}

bool script_verify_input(enum script_error *err,
			 const struct script_tx_context *ctx, uint32_t flags)
{
	const struct bitcoin_tx_input *in = &ctx->tx->inputs[ctx->input_index];
	const struct bitcoin_tx_output *spent = &ctx->spent_outputs[ctx->input_index];
	struct script_exec_data execdata = {.codesep_pos = 0xffffffff};
	struct script_stack stack, stack_copy;
	const uint8_t *program;
	size_t program_len;
	unsigned version;
	bool had_witness = false, ok = false;

	if ((flags & SCRIPT_VERIFY_SIGPUSHONLY)
	    && !script_is_push_only(in->script_sig, in->script_sig_len))
		return set_error(err, SCRIPT_ERR_SIG_PUSHONLY);

	/* scriptSig and scriptPubKey run one after the other on one stack,
	 * never concatenated. */
	stack_init(&stack);
	stack_init(&stack_copy);
	if (!script_eval(&stack, in->script_sig, in->script_sig_len, flags, ctx,
			 SIGVERSION_BASE, &execdata, err))
		goto out;
	if (flags & SCRIPT_VERIFY_P2SH)
		for (size_t i = 0; i < stack.num; i++)
			stack_push(&stack_copy, stack.items[i].data, stack.items[i].len);
	if (!script_eval(&stack, spent->script, spent->script_len, flags, ctx,
			 SIGVERSION_BASE, &execdata, err))
		goto out;
	if (stack.num == 0 || !stack_item_is_true(&stack.items[stack.num - 1])) {
		set_error(err, SCRIPT_ERR_EVAL_FALSE);
		goto out;
	}

	/* Bare witness programs. */
	if ((flags & SCRIPT_VERIFY_WITNESS)
	    && script_witness_program(&version, &program, &program_len,
				      spent->script, spent->script_len)) {
		had_witness = true;
		if (in->script_sig_len != 0) {
			set_error(err, SCRIPT_ERR_WITNESS_MALLEATED);
			goto out;
		}
		if (!verify_witness_program(in, version, program, program_len,
					    flags, false, ctx, err))
			goto out;
		/* The stack is not clean for witness programs: skip the
		 * CLEANSTACK check below. */
		stack.num = 1;
	}

	/* BIP16: the last push of a push-only scriptSig is the redeem
	 * script. */
	if ((flags & SCRIPT_VERIFY_P2SH)
	    && script_is_p2sh(spent->script, spent->script_len)) {
		struct stack_item redeem;
		if (!script_is_push_only(in->script_sig, in->script_sig_len)) {
			set_error(err, SCRIPT_ERR_SIG_PUSHONLY);
			goto out;
		}
		/* The scriptPubKey's HASH160 EQUAL ran on a copy, so the
		 * copy holds at least the redeem script. */
		stack_free(&stack);
		stack = stack_copy;
		stack_init(&stack_copy);
		redeem = stack.items[stack.num - 1];
		stack.num--;
		if (!script_eval(&stack, redeem.data, redeem.len, flags, ctx,
				 SIGVERSION_BASE, &execdata, err))
			goto out;
		if (stack.num == 0 || !stack_item_is_true(&stack.items[stack.num - 1])) {
			set_error(err, SCRIPT_ERR_EVAL_FALSE);
			goto out;
		}
		if ((flags & SCRIPT_VERIFY_WITNESS)
		    && script_witness_program(&version, &program, &program_len,
					      redeem.data, redeem.len)) {
			had_witness = true;
			if (!is_single_push_of(in->script_sig, in->script_sig_len,
					       redeem.data, redeem.len)) {
				set_error(err, SCRIPT_ERR_WITNESS_MALLEATED_P2SH);
				goto out;
			}
			if (!verify_witness_program(in, version, program,
						    program_len, flags, true,
						    ctx, err))
				goto out;
			stack.num = 1;
		}
	}

	/* CLEANSTACK only after P2SH, so a P2SH scriptSig's own pushes do
	 * not count. */
	if ((flags & SCRIPT_VERIFY_CLEANSTACK) && stack.num != 1) {
		set_error(err, SCRIPT_ERR_CLEANSTACK);
		goto out;
	}
	if ((flags & SCRIPT_VERIFY_WITNESS) && !had_witness && in->num_witness) {
		set_error(err, SCRIPT_ERR_WITNESS_UNEXPECTED);
		goto out;
	}
	*err = SCRIPT_ERR_OK;
	ok = true;
out:
	stack_free(&stack);
	stack_free(&stack_copy);
	return ok;
}
