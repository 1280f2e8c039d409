/* The JSON-RPC command table and dispatch, as Bitcoin Core's RPCHelpMan
 * and CRPCTable: each method declares its arguments (Core's names and
 * types); named arguments are mapped to positions; a wrong count is an
 * error carrying the usage text (code -1) and a wrong type a "Wrong type
 * passed" error (code -3), before the handler runs.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_RPC_H
#define OHM_CONTRIB_DEVCHAIN_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "contrib/devchain/devchain.h"

/* Core's RPCErrorCode values that ohm-devchain returns. */
enum rpc_code {
	RPC_MISC_ERROR = -1,
	RPC_TYPE_ERROR = -3,
	RPC_INVALID_ADDRESS_OR_KEY = -5,
	RPC_INVALID_PARAMETER = -8,
	RPC_DESERIALIZATION_ERROR = -22,
	RPC_VERIFY_ERROR = -25,
	RPC_VERIFY_REJECTED = -26,
	RPC_VERIFY_ALREADY_IN_CHAIN = -27,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_PARSE_ERROR = -32700,
};

struct rpc_error {
	int code;
	char message[1024];
};

#define RPC_MAX_ARGS 6

/* Core's RPCArg::Type: what MatchesType checks (AMOUNT and ANY are
 * checked by the handler, as Core skips them). */
enum rpc_arg_type {
	RPC_ARG_STR,
	RPC_ARG_NUM,
	RPC_ARG_BOOL,
	RPC_ARG_ARR,
	RPC_ARG_OBJ,
	RPC_ARG_AMOUNT,
	RPC_ARG_ANY,
};

struct rpc_arg {
	const char *name;	/* "verbosity|verbose" for an alias */
	enum rpc_arg_type type;
	bool required;
};

/* args[i] is the i-th positional argument, or NULL if not given. */
typedef json_t *(*rpc_handler)(struct devchain *d, json_t *const *args,
			       struct rpc_error *err);

struct rpc_command {
	const char *name;
	rpc_handler handler;
	const char *summary;	/* the usage text's description */
	struct rpc_arg args[RPC_MAX_ARGS];	/* ends at a NULL name */
};

/* Each rpc_*.c file's commands, ending with a NULL name. */
extern const struct rpc_command rpc_chain_commands[];
extern const struct rpc_command rpc_tx_commands[];
extern const struct rpc_command rpc_mining_commands[];
extern const struct rpc_command rpc_node_commands[];

/* Runs method with params (an array, an object or NULL).
 * Returns: the result (a new reference), or NULL with *err. */
json_t *rpc_execute(struct devchain *d, const char *method,
		    const json_t *params, struct rpc_error *err);

/* Writes Core's usage text for a command into out[len]. */
void rpc_usage(char *out, size_t len, const struct rpc_command *cmd);
/* The command named name, or NULL. */
const struct rpc_command *rpc_find(const char *name);
/* Calls cb for every command, in table order. */
void rpc_foreach(void (*cb)(void *arg, const struct rpc_command *cmd), void *arg);

/* ---- Helpers for handlers: each returns false with *err set ---- */

/* Returns NULL after setting *err, so handlers `return rpc_fail(...)`. */
json_t *rpc_fail(struct rpc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* UniValue::getInt: a number that is an integer (in int range when
 * is_int32). */
bool rpc_get_int(int64_t *out, const json_t *value, bool is_int32,
		 struct rpc_error *err);
/* Core's verbosity arguments: a bool (true = 1) or an integer. */
bool rpc_get_verbosity(int *out, const json_t *value, int default_value,
		       struct rpc_error *err);
/* Core's ParseHashV: 64 hex digits, displayed (reversed) order; name is
 * used in the message. */
bool rpc_get_hash(struct sha256_double *out, const json_t *value,
		  const char *name, struct rpc_error *err);
/* Core's AmountFromValue: a number or string of BTC, at most 8 decimals,
 * within MAX_MONEY. */
bool rpc_get_amount(uint64_t *amount_sat, const json_t *value,
		    struct rpc_error *err);
/* A block by hash argument: -5 "Block not found" if unknown. */
const struct block_index *rpc_get_block(struct devchain *d, const json_t *value,
					const char *name, struct rpc_error *err);
/* An address of this network: -5 "Error: Invalid address" otherwise.
 * script is appended to. */
bool rpc_get_address_script(struct devchain *d, struct wirebuf *script,
			    const json_t *value, struct rpc_error *err);

#endif /* OHM_CONTRIB_DEVCHAIN_RPC_H */
