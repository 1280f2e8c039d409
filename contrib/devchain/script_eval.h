/* Inside the interpreter: the stack, EvalScript, and the signature checks
 * it calls.  interpreter.h is the public face; this header is shared by
 * script_eval.c (opcodes) and script_verify.c (VerifyScript, witness
 * programs, signatures) only.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_SCRIPT_EVAL_H
#define OHM_CONTRIB_DEVCHAIN_SCRIPT_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "bitcoin/script.h"
#include "contrib/devchain/interpreter.h"
#include "crypto/types.h"

/* Core's limits (script/script.h). */
#define MAX_SCRIPT_ELEMENT_SIZE 520
#define MAX_OPS_PER_SCRIPT 201
#define MAX_PUBKEYS_PER_MULTISIG 20
#define MAX_SCRIPT_SIZE 10000
#define MAX_STACK_SIZE 1000
#define LOCKTIME_THRESHOLD 500000000u
/* BIP342: the validation weight each signature costs, and the budget's
 * starting offset. */
#define VALIDATION_WEIGHT_PER_SIGOP_PASSED 50
#define VALIDATION_WEIGHT_OFFSET 50
/* BIP68 sequence fields. */
#define SEQUENCE_LOCKTIME_DISABLE_FLAG (1u << 31)
#define SEQUENCE_LOCKTIME_TYPE_FLAG (1u << 22)
#define SEQUENCE_LOCKTIME_MASK 0x0000ffffu
/* BIP341: the annex's first byte, and the leaf-version bits of the
 * control block's first byte. */
#define TAPROOT_ANNEX_TAG 0x50
#define TAPROOT_LEAF_MASK 0xfe
#define TAPROOT_CONTROL_BASE_SIZE 33
#define TAPROOT_CONTROL_NODE_SIZE 32
#define TAPROOT_CONTROL_MAX_NODE_COUNT 128

/* Core's SigVersion: which rules and which signature hash apply. */
enum sig_version {
	SIGVERSION_BASE,	/* legacy scripts and P2SH redeem scripts */
	SIGVERSION_WITNESS_V0,	/* BIP141/BIP143 */
	SIGVERSION_TAPROOT,	/* BIP341 key path */
	SIGVERSION_TAPSCRIPT,	/* BIP342 script path */
};

/* A stack element: every one is at most MAX_SCRIPT_ELEMENT_SIZE bytes,
 * which pushes, witness items and the interpreter's own results all
 * respect, so elements need no allocation of their own. */
struct stack_item {
	uint16_t len;
	uint8_t data[MAX_SCRIPT_ELEMENT_SIZE];
};

struct script_stack {
	struct stack_item *items;	/* items[num - 1] is the top */
	size_t num, cap;
};

/* What BIP341/BIP342 signatures commit to beyond the transaction, and the
 * tapscript signature budget (Core's ScriptExecutionData). */
struct script_exec_data {
	const uint8_t *annex;		/* with its 0x50 tag; NULL if absent */
	size_t annex_len;
	struct sha256 tapleaf_hash;	/* script path only */
	uint32_t codesep_pos;		/* last executed OP_CODESEPARATOR */
	int64_t validation_weight_left;
};

void stack_init(struct script_stack *stack);
void stack_free(struct script_stack *stack);
/* Precondition: len <= MAX_SCRIPT_ELEMENT_SIZE. */
void stack_push(struct script_stack *stack, const uint8_t *data, size_t len);
/* Core's CastToBool: false for any encoding of zero, incl. negative zero. */
bool stack_item_is_true(const struct stack_item *item);

/* Arithmetic operands are at most 4 bytes; CLTV/CSV allow 5. */
#define SCRIPTNUM_DEFAULT_LEN 4

/* Core's stacktop(i) for i = -1 (top), -2, ...  Callers check depth. */
static inline struct stack_item *stack_top(struct script_stack *stack,
					   size_t depth)
{
	return &stack->items[stack->num - depth];
}

static inline void stack_pop(struct script_stack *stack)
{
	stack->num--;
}

static inline void stack_push_bool(struct script_stack *stack, bool value)
{
	static const uint8_t one = 1;
	stack_push(stack, &one, value ? 1 : 0);
}

static inline void stack_push_num(struct script_stack *stack, int64_t n)
{
	uint8_t bytes[9];
	stack_push(stack, bytes, scriptnum_encode(bytes, n));
}

/* Copies a stack element, for pushes of an element of the same stack
 * (whose storage the push may move). */
static inline void stack_push_copy(struct script_stack *stack,
				   const struct stack_item *item)
{
	struct stack_item copy = *item;
	stack_push(stack, copy.data, copy.len);
}

static inline void stack_erase(struct script_stack *stack, size_t depth)
{
	size_t index = stack->num - depth;
	memmove(&stack->items[index], &stack->items[index + 1],
		(stack->num - index - 1) * sizeof(stack->items[0]));
	stack->num--;
}

static inline bool script_fail(enum script_error *err, enum script_error value)
{
	*err = value;
	return false;
}

/* Core's CScriptNum(vch, fRequireMinimal, nMaxNumSize): a failure is
 * thrown there and caught as SCRIPT_ERR_UNKNOWN_ERROR. */
static inline bool stack_get_num(int64_t *out, const struct stack_item *item,
				 bool require_minimal, size_t max_len)
{
	return scriptnum_decode(out, item->data, item->len, max_len,
				require_minimal);
}

/* The stack-shuffling opcodes (OP_TOALTSTACK..OP_TUCK), the arithmetic
 * ones (OP_1ADD..OP_WITHIN) and the hashes (OP_RIPEMD160..OP_HASH256), as
 * EvalScript runs them.  Precondition: opcode is one of the family.
 * Returns: false with *err set on failure (hashes cannot fail, but need a
 * non-empty stack). */
bool script_eval_stack_op(struct script_stack *stack, struct script_stack *alt,
			  uint8_t opcode, bool require_minimal,
			  enum script_error *err);
bool script_eval_arithmetic(struct script_stack *stack, uint8_t opcode,
			    bool require_minimal, enum script_error *err);
void script_eval_hash(struct script_stack *stack, uint8_t opcode);

/* Core's EvalScript: runs script on stack.
 * Returns: false with *err set if the script fails. */
bool script_eval(struct script_stack *stack, const uint8_t *script,
		 size_t script_len, uint32_t flags,
		 const struct script_tx_context *ctx, enum sig_version sigversion,
		 struct script_exec_data *execdata, enum script_error *err);

/* Core's CheckSignatureEncoding and CheckPubKeyEncoding.
 * Returns: false with *err set if the encoding breaks a flag's rule. */
bool sig_check_encoding(const uint8_t *sig, size_t sig_len, uint32_t flags,
			enum script_error *err);
bool pubkey_check_encoding(const uint8_t *pubkey, size_t pubkey_len,
			   uint32_t flags, enum sig_version sigversion,
			   enum script_error *err);

/* Core's CheckECDSASignature: does sig (DER || hashtype) by pubkey sign
 * this input's legacy or BIP143 signature hash over script_code?
 * Precondition: the encodings passed the checks above. */
bool sig_check_ecdsa(const struct script_tx_context *ctx,
		     const uint8_t *sig, size_t sig_len,
		     const uint8_t *pubkey, size_t pubkey_len,
		     const uint8_t *script_code, size_t script_code_len,
		     enum sig_version sigversion);

/* Core's CheckSchnorrSignature for a 32-byte x-only pubkey: key path
 * (sigversion TAPROOT) or tapscript.
 * Returns: false with *err (SCHNORR_SIG_SIZE, _HASHTYPE or SCHNORR_SIG). */
bool sig_check_schnorr(const struct script_tx_context *ctx,
		       const uint8_t *sig, size_t sig_len,
		       const uint8_t pubkey[32], enum sig_version sigversion,
		       const struct script_exec_data *execdata,
		       enum script_error *err);

/* Core's FindAndDelete of a push of sig from script[0..*len) in place.
 * Returns: the number of occurrences removed. */
size_t script_find_and_delete(uint8_t *script, size_t *len,
			      const uint8_t *sig, size_t sig_len);

#endif /* OHM_CONTRIB_DEVCHAIN_SCRIPT_EVAL_H */
