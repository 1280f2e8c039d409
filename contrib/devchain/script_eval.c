/* EvalScript: the main loop, conditionals, lock times and the signature
 * opcodes (script_ops.c has the data-only ones).  A line-by-line port of
 * Bitcoin Core's script/interpreter.cpp EvalScript, because consensus is
 * whatever that code does: where the two could differ, Core wins.
 *
 * Invariants: every stack element is at most MAX_SCRIPT_ELEMENT_SIZE bytes
 * (pushes over it fail first; arithmetic results are at most 5 bytes);
 * stack + altstack never exceed MAX_STACK_SIZE after an opcode completes.
 */
#include "contrib/devchain/script_eval.h"

#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "wire/wirebuf.h"

/* Core's CheckMinimalPush. */
static bool is_minimal_push(const uint8_t *data, size_t len, uint8_t opcode)
{
	if (len == 0)
		return opcode == OP_0;
	if (len == 1 && data[0] >= 1 && data[0] <= 16)
		return opcode == OP_1 + data[0] - 1;
	if (len == 1 && data[0] == 0x81)
		return opcode == OP_1NEGATE;
	if (len <= 75)
		return opcode == len;
	if (len <= 255)
		return opcode == OP_PUSHDATA1;
	if (len <= 65535)
		return opcode == OP_PUSHDATA2;
	return true;
}

static bool is_disabled(uint8_t opcode)
{
	switch (opcode) {
	case OP_CAT: case OP_SUBSTR: case OP_LEFT: case OP_RIGHT:
	case OP_INVERT: case OP_AND: case OP_OR: case OP_XOR:
	case OP_2MUL: case OP_2DIV: case OP_MUL: case OP_DIV: case OP_MOD:
	case OP_LSHIFT: case OP_RSHIFT:
		return true;
	}
	return false;
}

/* BIP65, Core's CheckLockTime. */
static bool check_lock_time(const struct script_tx_context *ctx,
			    int64_t lock_time)
{
	uint32_t tx_lock_time = ctx->tx->locktime;

	if (!((tx_lock_time < LOCKTIME_THRESHOLD && lock_time < LOCKTIME_THRESHOLD)
	      || (tx_lock_time >= LOCKTIME_THRESHOLD
		  && lock_time >= LOCKTIME_THRESHOLD)))
		return false;
	if (lock_time > (int64_t)tx_lock_time)
		return false;
	/* A final input would let the transaction ignore nLockTime. */
	return ctx->tx->inputs[ctx->input_index].sequence != BITCOIN_SEQUENCE_FINAL;
}

/* BIP112, Core's CheckSequence. */
static bool check_sequence(const struct script_tx_context *ctx, int64_t sequence)
{
	uint32_t tx_sequence = ctx->tx->inputs[ctx->input_index].sequence;
	const uint32_t mask = SEQUENCE_LOCKTIME_TYPE_FLAG | SEQUENCE_LOCKTIME_MASK;
	int64_t tx_masked, masked;

	if (ctx->tx->version < 2)
		return false;
	if (tx_sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG)
		return false;
	tx_masked = tx_sequence & mask;
	masked = sequence & mask;
	if (!((tx_masked < SEQUENCE_LOCKTIME_TYPE_FLAG
	       && masked < SEQUENCE_LOCKTIME_TYPE_FLAG)
	      || (tx_masked >= SEQUENCE_LOCKTIME_TYPE_FLAG
		  && masked >= SEQUENCE_LOCKTIME_TYPE_FLAG)))
		return false;
	return masked <= tx_masked;
}

/* The scriptCode a legacy or v0 signature commits to: the script from
 * after the last executed OP_CODESEPARATOR, and for legacy scripts
 * without the signatures themselves (Core's FindAndDelete). */
struct script_code {
	uint8_t *bytes;
	size_t len;
};

static void script_code_init(struct script_code *code, const uint8_t *script,
			     size_t script_len, size_t codesep_offset)
{
	code->len = script_len - codesep_offset;
	code->bytes = wire_memdup(script + codesep_offset, code->len);
}

/* Core's EvalChecksigPreTapscript (and its tapscript sibling).  Pops
 * nothing: the caller owns the stack.  *success gets the result. */
static bool eval_checksig(bool *success, const struct stack_item *sig,
			  const struct stack_item *pubkey,
			  const uint8_t *script, size_t script_len,
			  size_t codesep_offset, uint32_t flags,
			  const struct script_tx_context *ctx,
			  enum sig_version sigversion,
			  struct script_exec_data *execdata,
			  enum script_error *err)
{
	if (sigversion == SIGVERSION_TAPSCRIPT) {
		*success = sig->len != 0;
		if (*success) {
			execdata->validation_weight_left -=
				VALIDATION_WEIGHT_PER_SIGOP_PASSED;
			if (execdata->validation_weight_left < 0)
				return script_fail(err, SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT);
		}
		if (pubkey->len == 0)
			return script_fail(err, SCRIPT_ERR_PUBKEYTYPE);
		if (pubkey->len == 32) {
			if (*success
			    && !sig_check_schnorr(ctx, sig->data, sig->len,
						  pubkey->data, sigversion,
						  execdata, err))
				return false;
		} else if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE) {
			return script_fail(err, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE);
		}
		return true;
	}

	struct script_code code;
	script_code_init(&code, script, script_len, codesep_offset);
	if (sigversion == SIGVERSION_BASE
	    && script_find_and_delete(code.bytes, &code.len, sig->data, sig->len)
	    && (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE)) {
		free(code.bytes);
		return script_fail(err, SCRIPT_ERR_SIG_FINDANDDELETE);
	}
	if (!sig_check_encoding(sig->data, sig->len, flags, err)
	    || !pubkey_check_encoding(pubkey->data, pubkey->len, flags,
				      sigversion, err)) {
		free(code.bytes);
		return false;
	}
	*success = sig_check_ecdsa(ctx, sig->data, sig->len, pubkey->data,
				   pubkey->len, code.bytes, code.len, sigversion);
	free(code.bytes);
	if (!*success && (flags & SCRIPT_VERIFY_NULLFAIL) && sig->len)
		return script_fail(err, SCRIPT_ERR_SIG_NULLFAIL);
	return true;
}

/* OP_CHECKMULTISIG(VERIFY), as Core (including the extra "dummy" element
 * consumed by the historical off-by-one, which BIP147 requires empty). */
static bool eval_checkmultisig(struct script_stack *stack, uint8_t opcode,
			       const uint8_t *script, size_t script_len,
			       size_t codesep_offset, uint32_t flags,
			       const struct script_tx_context *ctx,
			       enum sig_version sigversion, int *op_count,
			       enum script_error *err)
{
	bool require_minimal = flags & SCRIPT_VERIFY_MINIMALDATA;
	size_t i = 1, ikey, ikey2, isig;
	int64_t keys_count, sigs_count;
	struct script_code code;
	bool success = true;

	if (stack->num < i)
		return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
	if (!stack_get_num(&keys_count, stack_top(stack, i), require_minimal,
		     SCRIPTNUM_DEFAULT_LEN))
		return script_fail(err, SCRIPT_ERR_UNKNOWN_ERROR);
	if (keys_count < 0 || keys_count > MAX_PUBKEYS_PER_MULTISIG)
		return script_fail(err, SCRIPT_ERR_PUBKEY_COUNT);
	*op_count += (int)keys_count;
	if (*op_count > MAX_OPS_PER_SCRIPT)
		return script_fail(err, SCRIPT_ERR_OP_COUNT);
	ikey = ++i;
	/* ikey2 is the position of the last non-signature item. */
	ikey2 = (size_t)keys_count + 2;
	i += (size_t)keys_count;
	if (stack->num < i)
		return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
	if (!stack_get_num(&sigs_count, stack_top(stack, i), require_minimal,
		     SCRIPTNUM_DEFAULT_LEN))
		return script_fail(err, SCRIPT_ERR_UNKNOWN_ERROR);
	if (sigs_count < 0 || sigs_count > keys_count)
		return script_fail(err, SCRIPT_ERR_SIG_COUNT);
	isig = ++i;
	i += (size_t)sigs_count;
	if (stack->num < i)
		return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);

	script_code_init(&code, script, script_len, codesep_offset);
	for (int64_t k = 0; k < sigs_count; k++) {
		const struct stack_item *sig = stack_top(stack, isig + (size_t)k);
		if (sigversion == SIGVERSION_BASE
		    && script_find_and_delete(code.bytes, &code.len, sig->data,
					      sig->len)
		    && (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE)) {
			free(code.bytes);
			return script_fail(err, SCRIPT_ERR_SIG_FINDANDDELETE);
		}
	}
	while (success && sigs_count > 0) {
		const struct stack_item *sig = stack_top(stack, isig);
		const struct stack_item *pubkey = stack_top(stack, ikey);
		/* Note how this makes the exact order of pubkey/signature
		 * evaluation distinguishable by CHECKMULTISIG NOT if the
		 * STRICTENC flag is set (Core's comment). */
		if (!sig_check_encoding(sig->data, sig->len, flags, err)
		    || !pubkey_check_encoding(pubkey->data, pubkey->len, flags,
					      sigversion, err)) {
			free(code.bytes);
			return false;
		}
		if (sig_check_ecdsa(ctx, sig->data, sig->len, pubkey->data,
				    pubkey->len, code.bytes, code.len,
				    sigversion)) {
			isig++;
			sigs_count--;
		}
		ikey++;
		keys_count--;
		/* More signatures left than keys means failure. */
		if (sigs_count > keys_count)
			success = false;
	}
	free(code.bytes);

	/* Clean up the arguments; on failure every signature must be empty
	 * under NULLFAIL. */
	while (i-- > 1) {
		if (!success && (flags & SCRIPT_VERIFY_NULLFAIL) && !ikey2
		    && stack_top(stack, 1)->len)
			return script_fail(err, SCRIPT_ERR_SIG_NULLFAIL);
		if (ikey2 > 0)
			ikey2--;
		stack_pop(stack);
	}
	if (stack->num < 1)
		return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
	if ((flags & SCRIPT_VERIFY_NULLDUMMY) && stack_top(stack, 1)->len)
		return script_fail(err, SCRIPT_ERR_SIG_NULLDUMMY);
	stack_pop(stack);
	stack_push_bool(stack, success);
	if (opcode == OP_CHECKMULTISIGVERIFY) {
		if (!success)
			return script_fail(err, SCRIPT_ERR_CHECKMULTISIGVERIFY);
		stack_pop(stack);
	}
	return true;
}

/* Core's ConditionStack: the OP_IF nesting as a depth and the position of
 * the first false branch, which is all execution needs to know. */
struct condition_stack {
	size_t size;
	size_t first_false;	/* == NO_FALSE when every branch is taken */
};
#define NO_FALSE ((size_t)-1)

static void cond_push(struct condition_stack *c, bool value)
{
	if (c->first_false == NO_FALSE && !value)
		c->first_false = c->size;
	c->size++;
}

static void cond_pop(struct condition_stack *c)
{
	c->size--;
	if (c->first_false == c->size)
		c->first_false = NO_FALSE;
}

static void cond_toggle_top(struct condition_stack *c)
{
	if (c->first_false == NO_FALSE)
		c->first_false = c->size - 1;
	else if (c->first_false == c->size - 1)
		c->first_false = NO_FALSE;
}

/* Everything EvalScript's main loop needs besides the stacks. */
struct eval_state {
	const uint8_t *script;
	size_t script_len;
	uint32_t flags;
	const struct script_tx_context *ctx;
	enum sig_version sigversion;
	struct script_exec_data *execdata;
	size_t codesep_offset;	/* Core's pbegincodehash */
	int op_count;
};

static bool eval_opcode(struct eval_state *st, struct script_stack *stack,
			struct script_stack *alt, struct condition_stack *cond,
			uint8_t opcode, bool exec, enum script_error *err)
{
	bool require_minimal = st->flags & SCRIPT_VERIFY_MINIMALDATA;
	bool tapscript = st->sigversion == SIGVERSION_TAPSCRIPT;

	switch (opcode) {
	case OP_1NEGATE:
	case OP_1: case OP_2: case OP_3: case OP_4: case OP_5: case OP_6:
	case OP_7: case OP_8: case OP_9: case OP_10: case OP_11: case OP_12:
	case OP_13: case OP_14: case OP_15: case OP_16:
		stack_push_num(stack, (int64_t)opcode - (OP_1 - 1));
		return true;
	case OP_NOP:
		return true;
	case OP_CHECKLOCKTIMEVERIFY:
	case OP_CHECKSEQUENCEVERIFY: {
		bool is_cltv = opcode == OP_CHECKLOCKTIMEVERIFY;
		int64_t value;
		if (!(st->flags & (is_cltv ? SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY
				       : SCRIPT_VERIFY_CHECKSEQUENCEVERIFY)))
			return true;	/* not enabled: a NOP2/NOP3 */
		if (stack->num < 1)
			return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
		/* Five bytes, so times up to 2^39 fit (BIP65). */
		if (!stack_get_num(&value, stack_top(stack, 1), require_minimal, 5))
			return script_fail(err, SCRIPT_ERR_UNKNOWN_ERROR);
		if (value < 0)
			return script_fail(err, SCRIPT_ERR_NEGATIVE_LOCKTIME);
		if (is_cltv) {
			if (!check_lock_time(st->ctx, value))
				return script_fail(err, SCRIPT_ERR_UNSATISFIED_LOCKTIME);
		} else if (!(value & SEQUENCE_LOCKTIME_DISABLE_FLAG)
			   && !check_sequence(st->ctx, value)) {
			return script_fail(err, SCRIPT_ERR_UNSATISFIED_LOCKTIME);
		}
		return true;
	}
	case OP_NOP1: case OP_NOP4: case OP_NOP5: case OP_NOP6: case OP_NOP7:
	case OP_NOP8: case OP_NOP9: case OP_NOP10:
		if (st->flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS)
			return script_fail(err, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS);
		return true;
	case OP_IF:
	case OP_NOTIF: {
		bool value = false;
		if (exec) {
			const struct stack_item *item;
			if (stack->num < 1)
				return script_fail(err, SCRIPT_ERR_UNBALANCED_CONDITIONAL);
			item = stack_top(stack, 1);
			bool is_minimal = item->len == 0
				|| (item->len == 1 && item->data[0] == 1);
			/* BIP342: consensus in tapscript; policy in v0. */
			if (tapscript && !is_minimal)
				return script_fail(err, SCRIPT_ERR_TAPSCRIPT_MINIMALIF);
			if (st->sigversion == SIGVERSION_WITNESS_V0
			    && (st->flags & SCRIPT_VERIFY_MINIMALIF) && !is_minimal)
				return script_fail(err, SCRIPT_ERR_MINIMALIF);
			value = stack_item_is_true(item);
			if (opcode == OP_NOTIF)
				value = !value;
			stack_pop(stack);
		}
		cond_push(cond, value);
		return true;
	}
	case OP_ELSE:
		if (cond->size == 0)
			return script_fail(err, SCRIPT_ERR_UNBALANCED_CONDITIONAL);
		cond_toggle_top(cond);
		return true;
	case OP_ENDIF:
		if (cond->size == 0)
			return script_fail(err, SCRIPT_ERR_UNBALANCED_CONDITIONAL);
		cond_pop(cond);
		return true;
	case OP_VERIFY:
		if (stack->num < 1)
			return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
		if (!stack_item_is_true(stack_top(stack, 1)))
			return script_fail(err, SCRIPT_ERR_VERIFY);
		stack_pop(stack);
		return true;
	case OP_RETURN:
		return script_fail(err, SCRIPT_ERR_OP_RETURN);
	case OP_TOALTSTACK: case OP_FROMALTSTACK: case OP_2DROP: case OP_2DUP:
	case OP_3DUP: case OP_2OVER: case OP_2ROT: case OP_2SWAP: case OP_IFDUP:
	case OP_DEPTH: case OP_DROP: case OP_DUP: case OP_NIP: case OP_OVER:
	case OP_PICK: case OP_ROLL: case OP_ROT: case OP_SWAP: case OP_TUCK:
		return script_eval_stack_op(stack, alt, opcode, require_minimal, err);
	case OP_SIZE:
		if (stack->num < 1)
			return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
		stack_push_num(stack, stack_top(stack, 1)->len);
		return true;
	case OP_EQUAL:
	case OP_EQUALVERIFY: {
		const struct stack_item *a, *b;
		bool equal;
		if (stack->num < 2)
			return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
		a = stack_top(stack, 2);
		b = stack_top(stack, 1);
		equal = a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
		stack_pop(stack);
		stack_pop(stack);
		stack_push_bool(stack, equal);
		if (opcode == OP_EQUALVERIFY) {
			if (!equal)
				return script_fail(err, SCRIPT_ERR_EQUALVERIFY);
			stack_pop(stack);
		}
		return true;
	}
	case OP_1ADD: case OP_1SUB: case OP_NEGATE: case OP_ABS: case OP_NOT:
	case OP_0NOTEQUAL: case OP_ADD: case OP_SUB: case OP_BOOLAND:
	case OP_BOOLOR: case OP_NUMEQUAL: case OP_NUMEQUALVERIFY:
	case OP_NUMNOTEQUAL: case OP_LESSTHAN: case OP_GREATERTHAN:
	case OP_LESSTHANOREQUAL: case OP_GREATERTHANOREQUAL: case OP_MIN:
	case OP_MAX: case OP_WITHIN:
		return script_eval_arithmetic(stack, opcode, require_minimal, err);
	case OP_RIPEMD160: case OP_SHA1: case OP_SHA256: case OP_HASH160:
	case OP_HASH256:
		if (stack->num < 1)
			return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
		script_eval_hash(stack, opcode);
		return true;
	case OP_CODESEPARATOR:
		/* script_eval records where: signatures hash the script
		 * from here on, and tapscript commits to the position. */
		return true;
	case OP_CHECKSIG:
	case OP_CHECKSIGVERIFY: {
		bool success;
		if (stack->num < 2)
			return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
		if (!eval_checksig(&success, stack_top(stack, 2), stack_top(stack, 1),
				   st->script, st->script_len, st->codesep_offset,
				   st->flags, st->ctx, st->sigversion,
				   st->execdata, err))
			return false;
		stack_pop(stack);
		stack_pop(stack);
		stack_push_bool(stack, success);
		if (opcode == OP_CHECKSIGVERIFY) {
			if (!success)
				return script_fail(err, SCRIPT_ERR_CHECKSIGVERIFY);
			stack_pop(stack);
		}
		return true;
	}
	case OP_CHECKSIGADD: {
		bool success;
		int64_t n;
		/* BIP342: only in tapscript; elsewhere an unknown opcode. */
		if (!tapscript)
			return script_fail(err, SCRIPT_ERR_BAD_OPCODE);
		if (stack->num < 3)
			return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
		if (!stack_get_num(&n, stack_top(stack, 2), require_minimal, SCRIPTNUM_DEFAULT_LEN))
			return script_fail(err, SCRIPT_ERR_UNKNOWN_ERROR);
		if (!eval_checksig(&success, stack_top(stack, 3), stack_top(stack, 1),
				   st->script, st->script_len, st->codesep_offset,
				   st->flags, st->ctx, st->sigversion,
				   st->execdata, err))
			return false;
		stack_pop(stack);
		stack_pop(stack);
		stack_pop(stack);
		stack_push_num(stack, n + (success ? 1 : 0));
		return true;
	}
	case OP_CHECKMULTISIG:
	case OP_CHECKMULTISIGVERIFY:
		if (tapscript)
			return script_fail(err, SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG);
		return eval_checkmultisig(stack, opcode, st->script,
					  st->script_len, st->codesep_offset,
					  st->flags, st->ctx, st->sigversion,
					  &st->op_count, err);
	default:
		return script_fail(err, SCRIPT_ERR_BAD_OPCODE);
	}
}

bool script_eval(struct script_stack *stack, const uint8_t *script,
		 size_t script_len, uint32_t flags,
		 const struct script_tx_context *ctx, enum sig_version sigversion,
		 struct script_exec_data *execdata, enum script_error *err)
{
	struct eval_state st = {
		.script = script, .script_len = script_len, .flags = flags,
		.ctx = ctx, .sigversion = sigversion, .execdata = execdata,
	};
	struct condition_stack cond = {0, NO_FALSE};
	const uint8_t *cursor = script;
	size_t max = script_len;
	struct script_stack alt;
	uint32_t opcode_pos = 0;
	bool pre_tapscript = sigversion == SIGVERSION_BASE
		|| sigversion == SIGVERSION_WITNESS_V0;
	bool ok = true;

	*err = SCRIPT_ERR_UNKNOWN_ERROR;
	if (pre_tapscript && script_len > MAX_SCRIPT_SIZE)
		return script_fail(err, SCRIPT_ERR_SCRIPT_SIZE);
	execdata->codesep_pos = 0xffffffff;
	stack_init(&alt);
	while (ok && max > 0) {
		bool exec = cond.first_false == NO_FALSE;
		const uint8_t *data;
		size_t data_len;
		uint8_t opcode;

		if (!script_get_op(&cursor, &max, &opcode, &data, &data_len)) {
			ok = script_fail(err, SCRIPT_ERR_BAD_OPCODE);
			break;
		}
		if (data_len > MAX_SCRIPT_ELEMENT_SIZE) {
			ok = script_fail(err, SCRIPT_ERR_PUSH_SIZE);
			break;
		}
		if (pre_tapscript && opcode > OP_16
		    && ++st.op_count > MAX_OPS_PER_SCRIPT) {
			ok = script_fail(err, SCRIPT_ERR_OP_COUNT);
			break;
		}
		/* CVE-2010-5137: fail even in an unexecuted branch. */
		if (is_disabled(opcode)) {
			ok = script_fail(err, SCRIPT_ERR_DISABLED_OPCODE);
			break;
		}
		if (opcode == OP_CODESEPARATOR && sigversion == SIGVERSION_BASE
		    && (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE)) {
			ok = script_fail(err, SCRIPT_ERR_OP_CODESEPARATOR);
			break;
		}
		if (exec && opcode <= OP_PUSHDATA4) {
			if ((flags & SCRIPT_VERIFY_MINIMALDATA)
			    && !is_minimal_push(data, data_len, opcode)) {
				ok = script_fail(err, SCRIPT_ERR_MINIMALDATA);
				break;
			}
			stack_push(stack, data, data_len);
		} else if (exec || (opcode >= OP_IF && opcode <= OP_ENDIF)) {
			ok = eval_opcode(&st, stack, &alt, &cond, opcode, exec, err);
			if (ok && opcode == OP_CODESEPARATOR) {
				st.codesep_offset = script_len - max;
				execdata->codesep_pos = opcode_pos;
			}
		}
		if (ok && stack->num + alt.num > MAX_STACK_SIZE)
			ok = script_fail(err, SCRIPT_ERR_STACK_SIZE);
		opcode_pos++;
	}
	stack_free(&alt);
	if (ok && cond.size != 0)
		ok = script_fail(err, SCRIPT_ERR_UNBALANCED_CONDITIONAL);
	if (ok)
		*err = SCRIPT_ERR_OK;
	return ok;
}
