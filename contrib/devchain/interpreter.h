/* The Bitcoin Script interpreter: does an input's scriptSig and witness
 * satisfy the scriptPubKey it spends?  Mirrors Bitcoin Core's
 * script/interpreter.cpp (VerifyScript, EvalScript) for legacy scripts,
 * P2SH (BIP16), segwit v0 P2WPKH and P2WSH (BIP141/BIP143) and Taproot
 * key-path and script-path spends (BIP341/BIP342), with the same
 * verification flags and the same error codes and messages, so ohm-devchain
 * can reject a transaction with the words Core would use.
 *
 * Pure: no I/O, no globals, no clock.  Everything a signature or a lock
 * time check needs comes in struct script_tx_context.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_INTERPRETER_H
#define OHM_CONTRIB_DEVCHAIN_INTERPRETER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"

/* Verification flags: Core's SCRIPT_VERIFY_* with the same meaning. */
enum script_verify_flag {
	SCRIPT_VERIFY_P2SH = 1u << 0,
	SCRIPT_VERIFY_STRICTENC = 1u << 1,
	SCRIPT_VERIFY_DERSIG = 1u << 2,
	SCRIPT_VERIFY_LOW_S = 1u << 3,
	SCRIPT_VERIFY_NULLDUMMY = 1u << 4,
	SCRIPT_VERIFY_SIGPUSHONLY = 1u << 5,
	SCRIPT_VERIFY_MINIMALDATA = 1u << 6,
	SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS = 1u << 7,
	SCRIPT_VERIFY_CLEANSTACK = 1u << 8,
	SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY = 1u << 9,
	SCRIPT_VERIFY_CHECKSEQUENCEVERIFY = 1u << 10,
	SCRIPT_VERIFY_WITNESS = 1u << 11,
	SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM = 1u << 12,
	SCRIPT_VERIFY_MINIMALIF = 1u << 13,
	SCRIPT_VERIFY_NULLFAIL = 1u << 14,
	SCRIPT_VERIFY_WITNESS_PUBKEYTYPE = 1u << 15,
	SCRIPT_VERIFY_CONST_SCRIPTCODE = 1u << 16,
	SCRIPT_VERIFY_TAPROOT = 1u << 17,
	SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION = 1u << 18,
	SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS = 1u << 19,
	SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE = 1u << 20,
};

/* Consensus rules as of Taproot: what every block must satisfy (Core's
 * MANDATORY_SCRIPT_VERIFY_FLAGS and block flags). */
#define SCRIPT_VERIFY_MANDATORY                                             \
	(SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_NULLDUMMY \
	 | SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY                                 \
	 | SCRIPT_VERIFY_CHECKSEQUENCEVERIFY | SCRIPT_VERIFY_WITNESS        \
	 | SCRIPT_VERIFY_TAPROOT)

/* Relay policy: Core's STANDARD_SCRIPT_VERIFY_FLAGS. */
#define SCRIPT_VERIFY_STANDARD                                              \
	(SCRIPT_VERIFY_MANDATORY | SCRIPT_VERIFY_STRICTENC                   \
	 | SCRIPT_VERIFY_MINIMALDATA                                         \
	 | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS                          \
	 | SCRIPT_VERIFY_CLEANSTACK | SCRIPT_VERIFY_MINIMALIF                \
	 | SCRIPT_VERIFY_NULLFAIL | SCRIPT_VERIFY_LOW_S                      \
	 | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM               \
	 | SCRIPT_VERIFY_WITNESS_PUBKEYTYPE | SCRIPT_VERIFY_CONST_SCRIPTCODE \
	 | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION              \
	 | SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS                               \
	 | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE)

/* Core's ScriptError, in Core's order; script_error_string() gives Core's
 * text for each. */
enum script_error {
	SCRIPT_ERR_OK,
	SCRIPT_ERR_UNKNOWN_ERROR,
	SCRIPT_ERR_EVAL_FALSE,
	SCRIPT_ERR_OP_RETURN,
	SCRIPT_ERR_SCRIPT_SIZE,
	SCRIPT_ERR_PUSH_SIZE,
	SCRIPT_ERR_OP_COUNT,
	SCRIPT_ERR_STACK_SIZE,
	SCRIPT_ERR_SIG_COUNT,
	SCRIPT_ERR_PUBKEY_COUNT,
	SCRIPT_ERR_VERIFY,
	SCRIPT_ERR_EQUALVERIFY,
	SCRIPT_ERR_CHECKMULTISIGVERIFY,
	SCRIPT_ERR_CHECKSIGVERIFY,
	SCRIPT_ERR_NUMEQUALVERIFY,
	SCRIPT_ERR_BAD_OPCODE,
	SCRIPT_ERR_DISABLED_OPCODE,
	SCRIPT_ERR_INVALID_STACK_OPERATION,
	SCRIPT_ERR_INVALID_ALTSTACK_OPERATION,
	SCRIPT_ERR_UNBALANCED_CONDITIONAL,
	SCRIPT_ERR_NEGATIVE_LOCKTIME,
	SCRIPT_ERR_UNSATISFIED_LOCKTIME,
	SCRIPT_ERR_SIG_HASHTYPE,
	SCRIPT_ERR_SIG_DER,
	SCRIPT_ERR_MINIMALDATA,
	SCRIPT_ERR_SIG_PUSHONLY,
	SCRIPT_ERR_SIG_HIGH_S,
	SCRIPT_ERR_SIG_NULLDUMMY,
	SCRIPT_ERR_PUBKEYTYPE,
	SCRIPT_ERR_CLEANSTACK,
	SCRIPT_ERR_MINIMALIF,
	SCRIPT_ERR_SIG_NULLFAIL,
	SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS,
	SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM,
	SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION,
	SCRIPT_ERR_DISCOURAGE_OP_SUCCESS,
	SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE,
	SCRIPT_ERR_WITNESS_PROGRAM_WRONG_LENGTH,
	SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY,
	SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH,
	SCRIPT_ERR_WITNESS_MALLEATED,
	SCRIPT_ERR_WITNESS_MALLEATED_P2SH,
	SCRIPT_ERR_WITNESS_UNEXPECTED,
	SCRIPT_ERR_WITNESS_PUBKEYTYPE,
	SCRIPT_ERR_SCHNORR_SIG_SIZE,
	SCRIPT_ERR_SCHNORR_SIG_HASHTYPE,
	SCRIPT_ERR_SCHNORR_SIG,
	SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE,
	SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT,
	SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG,
	SCRIPT_ERR_TAPSCRIPT_MINIMALIF,
	SCRIPT_ERR_OP_CODESEPARATOR,
	SCRIPT_ERR_SIG_FINDANDDELETE,
};

/* Returns: Core's message for err, e.g. SCRIPT_ERR_EVAL_FALSE's "Script
 *          evaluated without error but finished with a false/empty top
 *          stack element". */
const char *script_error_string(enum script_error err);

/* What the input being verified is, and what it spends.  spent_outputs
 * holds the output each input of tx spends (tx->num_inputs of them):
 * BIP143 signs the amount of its own, BIP341 all of them. */
struct script_tx_context {
	const secp256k1_context *secp;
	const struct bitcoin_tx *tx;
	size_t input_index;
	const struct bitcoin_tx_output *spent_outputs;
};

/* Core's VerifyScript for input ctx->input_index of ctx->tx under flags
 * (a combination of enum script_verify_flag, e.g. SCRIPT_VERIFY_STANDARD).
 * Returns: true if the input's scriptSig and witness satisfy the spent
 *          scriptPubKey; false with *err set to the first failure. */
bool script_verify_input(enum script_error *err,
			 const struct script_tx_context *ctx, uint32_t flags);

#endif /* OHM_CONTRIB_DEVCHAIN_INTERPRETER_H */
