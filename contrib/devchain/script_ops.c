/* The data-only opcodes: stack shuffling, arithmetic and hashing, and the
 * stack itself.  Ported from Bitcoin Core's EvalScript; script_eval.c
 * has the control flow and the signature opcodes. */
#include "contrib/devchain/script_eval.h"

#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "contrib/devchain/sha1.h"
#include "crypto/hash.h"
#include "crypto/ripemd160.h"
#include "wire/wirebuf.h"

void stack_init(struct script_stack *stack)
{
	stack->items = NULL;
	stack->num = stack->cap = 0;
}

void stack_free(struct script_stack *stack)
{
	free(stack->items);
	stack_init(stack);
}

void stack_push(struct script_stack *stack, const uint8_t *data, size_t len)
{
	if (stack->num == stack->cap) {
		size_t cap = stack->cap ? stack->cap * 2 : 8;
		struct stack_item *items = wire_calloc(cap, sizeof(*items));
		if (stack->num)
			memcpy(items, stack->items,
			       stack->num * sizeof(*items));
		free(stack->items);
		stack->items = items;
		stack->cap = cap;
	}
	stack->items[stack->num].len = (uint16_t)len;
	if (len)
		memcpy(stack->items[stack->num].data, data, len);
	stack->num++;
}

bool stack_item_is_true(const struct stack_item *item)
{
	for (size_t i = 0; i < item->len; i++) {
		if (item->data[i] != 0) {
			/* Negative zero is still zero. */
			if (i == (size_t)item->len - 1 && item->data[i] == 0x80)
				return false;
			return true;
		}
	}
	return false;
}

static void swap_items(struct script_stack *stack, size_t depth_a, size_t depth_b)
{
	struct stack_item tmp = *stack_top(stack, depth_a);
	*stack_top(stack, depth_a) = *stack_top(stack, depth_b);
	*stack_top(stack, depth_b) = tmp;
}

/* The stack-shuffling opcodes.  Precondition: opcode is one of them. */
bool script_eval_stack_op(struct script_stack *stack, struct script_stack *alt,
			  uint8_t opcode, bool require_minimal,
			  enum script_error *err)
{
	static const uint8_t need[] = {
		[OP_TOALTSTACK - OP_TOALTSTACK] = 1,
		[OP_FROMALTSTACK - OP_TOALTSTACK] = 0,
		[OP_2DROP - OP_TOALTSTACK] = 2, [OP_2DUP - OP_TOALTSTACK] = 2,
		[OP_3DUP - OP_TOALTSTACK] = 3, [OP_2OVER - OP_TOALTSTACK] = 4,
		[OP_2ROT - OP_TOALTSTACK] = 6, [OP_2SWAP - OP_TOALTSTACK] = 4,
		[OP_IFDUP - OP_TOALTSTACK] = 1, [OP_DEPTH - OP_TOALTSTACK] = 0,
		[OP_DROP - OP_TOALTSTACK] = 1, [OP_DUP - OP_TOALTSTACK] = 1,
		[OP_NIP - OP_TOALTSTACK] = 2, [OP_OVER - OP_TOALTSTACK] = 2,
		[OP_PICK - OP_TOALTSTACK] = 2, [OP_ROLL - OP_TOALTSTACK] = 2,
		[OP_ROT - OP_TOALTSTACK] = 3, [OP_SWAP - OP_TOALTSTACK] = 2,
		[OP_TUCK - OP_TOALTSTACK] = 2,
	};
	struct stack_item a, b;
	int64_t n;

	if (stack->num < need[opcode - OP_TOALTSTACK])
		return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
	switch (opcode) {
	case OP_TOALTSTACK:
		stack_push_copy(alt, stack_top(stack, 1));
		stack_pop(stack);
		break;
	case OP_FROMALTSTACK:
		if (alt->num < 1)
			return script_fail(err, SCRIPT_ERR_INVALID_ALTSTACK_OPERATION);
		stack_push_copy(stack, stack_top(alt, 1));
		stack_pop(alt);
		break;
	case OP_2DROP:
		stack_pop(stack);
		stack_pop(stack);
		break;
	case OP_2DUP:
		a = *stack_top(stack, 2);
		b = *stack_top(stack, 1);
		stack_push_copy(stack, &a);
		stack_push_copy(stack, &b);
		break;
	case OP_3DUP: {
		struct stack_item c = *stack_top(stack, 1);
		a = *stack_top(stack, 3);
		b = *stack_top(stack, 2);
		stack_push_copy(stack, &a);
		stack_push_copy(stack, &b);
		stack_push_copy(stack, &c);
		break;
	}
	case OP_2OVER:
		a = *stack_top(stack, 4);
		b = *stack_top(stack, 3);
		stack_push_copy(stack, &a);
		stack_push_copy(stack, &b);
		break;
	case OP_2ROT:
		a = *stack_top(stack, 6);
		b = *stack_top(stack, 5);
		stack_erase(stack, 6);
		stack_erase(stack, 5);
		stack_push_copy(stack, &a);
		stack_push_copy(stack, &b);
		break;
	case OP_2SWAP:
		swap_items(stack, 4, 2);
		swap_items(stack, 3, 1);
		break;
	case OP_IFDUP:
		if (stack_item_is_true(stack_top(stack, 1)))
			stack_push_copy(stack, stack_top(stack, 1));
		break;
	case OP_DEPTH:
		stack_push_num(stack, (int64_t)stack->num);
		break;
	case OP_DROP:
		stack_pop(stack);
		break;
	case OP_DUP:
		stack_push_copy(stack, stack_top(stack, 1));
		break;
	case OP_NIP:
		stack_erase(stack, 2);
		break;
	case OP_OVER:
		stack_push_copy(stack, stack_top(stack, 2));
		break;
	case OP_PICK:
	case OP_ROLL:
		if (!stack_get_num(&n, stack_top(stack, 1), require_minimal, SCRIPTNUM_DEFAULT_LEN))
			return script_fail(err, SCRIPT_ERR_UNKNOWN_ERROR);
		stack_pop(stack);
		if (n < 0 || (uint64_t)n >= stack->num)
			return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
		a = *stack_top(stack, (size_t)n + 1);
		if (opcode == OP_ROLL)
			stack_erase(stack, (size_t)n + 1);
		stack_push_copy(stack, &a);
		break;
	case OP_ROT:
		swap_items(stack, 3, 2);
		swap_items(stack, 2, 1);
		break;
	case OP_SWAP:
		swap_items(stack, 2, 1);
		break;
	case OP_TUCK:
		/* x1 x2 -> x2 x1 x2 */
		a = *stack_top(stack, 2);
		b = *stack_top(stack, 1);
		*stack_top(stack, 2) = b;
		*stack_top(stack, 1) = a;
		stack_push_copy(stack, &b);
		break;
	}
	return true;
}

/* The one- and two-operand arithmetic opcodes. */
bool script_eval_arithmetic(struct script_stack *stack, uint8_t opcode,
			    bool require_minimal, enum script_error *err)
{
	int64_t a, b, result = 0;
	bool unary = opcode >= OP_1ADD && opcode <= OP_0NOTEQUAL;
	size_t operands = unary ? 1 : opcode == OP_WITHIN ? 3 : 2;

	if (stack->num < operands)
		return script_fail(err, SCRIPT_ERR_INVALID_STACK_OPERATION);
	if (opcode == OP_WITHIN) {
		int64_t x, min, max;
		if (!stack_get_num(&x, stack_top(stack, 3), require_minimal, SCRIPTNUM_DEFAULT_LEN)
		    || !stack_get_num(&min, stack_top(stack, 2), require_minimal, SCRIPTNUM_DEFAULT_LEN)
		    || !stack_get_num(&max, stack_top(stack, 1), require_minimal, SCRIPTNUM_DEFAULT_LEN))
			return script_fail(err, SCRIPT_ERR_UNKNOWN_ERROR);
		stack_pop(stack);
		stack_pop(stack);
		stack_pop(stack);
		stack_push_bool(stack, min <= x && x < max);
		return true;
	}
	if (unary) {
		if (!stack_get_num(&a, stack_top(stack, 1), require_minimal, SCRIPTNUM_DEFAULT_LEN))
			return script_fail(err, SCRIPT_ERR_UNKNOWN_ERROR);
		switch (opcode) {
		case OP_1ADD: result = a + 1; break;
		case OP_1SUB: result = a - 1; break;
		case OP_NEGATE: result = -a; break;
		case OP_ABS: result = a < 0 ? -a : a; break;
		case OP_NOT: result = a == 0; break;
		case OP_0NOTEQUAL: result = a != 0; break;
		}
		stack_pop(stack);
		stack_push_num(stack, result);
		return true;
	}
	if (!stack_get_num(&a, stack_top(stack, 2), require_minimal, SCRIPTNUM_DEFAULT_LEN)
	    || !stack_get_num(&b, stack_top(stack, 1), require_minimal, SCRIPTNUM_DEFAULT_LEN))
		return script_fail(err, SCRIPT_ERR_UNKNOWN_ERROR);
	switch (opcode) {
	case OP_ADD: result = a + b; break;
	case OP_SUB: result = a - b; break;
	case OP_BOOLAND: result = a != 0 && b != 0; break;
	case OP_BOOLOR: result = a != 0 || b != 0; break;
	case OP_NUMEQUAL: case OP_NUMEQUALVERIFY: result = a == b; break;
	case OP_NUMNOTEQUAL: result = a != b; break;
	case OP_LESSTHAN: result = a < b; break;
	case OP_GREATERTHAN: result = a > b; break;
	case OP_LESSTHANOREQUAL: result = a <= b; break;
	case OP_GREATERTHANOREQUAL: result = a >= b; break;
	case OP_MIN: result = a < b ? a : b; break;
	case OP_MAX: result = a > b ? a : b; break;
	}
	stack_pop(stack);
	stack_pop(stack);
	stack_push_num(stack, result);
	if (opcode == OP_NUMEQUALVERIFY) {
		if (!stack_item_is_true(stack_top(stack, 1)))
			return script_fail(err, SCRIPT_ERR_NUMEQUALVERIFY);
		stack_pop(stack);
	}
	return true;
}

void script_eval_hash(struct script_stack *stack, uint8_t opcode)
{
	struct stack_item *item = stack_top(stack, 1);
	uint8_t out[32];
	size_t out_len = 32;

	switch (opcode) {
	case OP_RIPEMD160: {
		struct ripemd160 h;
		ripemd160(&h, item->data, item->len);
		memcpy(out, h.u8, 20);
		out_len = 20;
		break;
	}
	case OP_SHA1:
		sha1(out, item->data, item->len);
		out_len = 20;
		break;
	case OP_SHA256: {
		struct sha256 h;
		sha256(&h, item->data, item->len);
		memcpy(out, h.u8, 32);
		break;
	}
	case OP_HASH160: {
		struct ripemd160 h;
		hash160(&h, item->data, item->len);
		memcpy(out, h.u8, 20);
		out_len = 20;
		break;
	}
	case OP_HASH256: {
		struct sha256_double h;
		sha256_double(&h, item->data, item->len);
		memcpy(out, h.sha.u8, 32);
		break;
	}
	}
	stack_pop(stack);
	stack_push(stack, out, out_len);
}
