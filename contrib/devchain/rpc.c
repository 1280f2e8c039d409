/* Command dispatch and argument checking, after Core's rpc/server.cpp and
 * rpc/util.cpp.  See rpc.h. */
#include "contrib/devchain/rpc.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bitcoin/address.h"
#include "bitcoin/serialize.h"
#include "contrib/devchain/validate.h"

static const struct rpc_command *const command_tables[] = {
	rpc_chain_commands,
	rpc_tx_commands,
	rpc_mining_commands,
	rpc_node_commands,
};

json_t *rpc_fail(struct rpc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return NULL;
}

const struct rpc_command *rpc_find(const char *name)
{
	for (size_t t = 0; t < sizeof(command_tables) / sizeof(command_tables[0]); t++)
		for (const struct rpc_command *c = command_tables[t]; c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

void rpc_foreach(void (*cb)(void *arg, const struct rpc_command *cmd), void *arg)
{
	for (size_t t = 0; t < sizeof(command_tables) / sizeof(command_tables[0]); t++)
		for (const struct rpc_command *c = command_tables[t]; c->name; c++)
			cb(arg, c);
}

/* The first name of an "a|b" pattern, into out. */
static const char *primary_name(char out[64], const char *pattern)
{
	size_t len = strcspn(pattern, "|");
	snprintf(out, 64, "%.*s", (int)len, pattern);
	return out;
}

static bool name_matches(const char *pattern, const char *name)
{
	size_t len = strlen(name);

	while (*pattern) {
		size_t part = strcspn(pattern, "|");
		if (part == len && strncmp(pattern, name, len) == 0)
			return true;
		pattern += part;
		if (*pattern == '|')
			pattern++;
	}
	return false;
}

/* "getblockhash height", with optional arguments in "( )" as Core. */
void rpc_usage(char *out, size_t len, const struct rpc_command *cmd)
{
	size_t n = (size_t)snprintf(out, len, "%s", cmd->name);
	size_t optional = 0;

	for (size_t i = 0; cmd->args[i].name && n < len; i++) {
		char name[64];
		if (!cmd->args[i].required && optional++ == 0)
			n += (size_t)snprintf(out + n, len - n, " (");
		n += (size_t)snprintf(out + n, len - n, " %s",
				      primary_name(name, cmd->args[i].name));
	}
	if (optional && n < len)
		n += (size_t)snprintf(out + n, len - n, " )");
	if (n < len)
		snprintf(out + n, len - n, "\n\n%s\n", cmd->summary);
}

static const char *type_name(json_type type)
{
	switch (type) {
	case JSON_NULL: return "null";
	case JSON_TRUE: case JSON_FALSE: return "bool";
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: case JSON_REAL: return "number";
	}
	return "null";
}

/* Core's RPCArg::MatchesType.  Returns: NULL if it matches, else the
 * expected type's name. */
static const char *type_mismatch(const struct rpc_arg *arg, const json_t *value)
{
	json_type type = value ? json_typeof(value) : JSON_NULL;

	if (!arg->required && type == JSON_NULL)
		return NULL;
	switch (arg->type) {
	case RPC_ARG_STR:
		return type == JSON_STRING ? NULL : "string";
	case RPC_ARG_NUM:
		return type == JSON_INTEGER || type == JSON_REAL ? NULL : "number";
	case RPC_ARG_BOOL:
		return type == JSON_TRUE || type == JSON_FALSE ? NULL : "bool";
	case RPC_ARG_ARR:
		return type == JSON_ARRAY ? NULL : "array";
	case RPC_ARG_OBJ:
		return type == JSON_OBJECT ? NULL : "object";
	case RPC_ARG_AMOUNT:
	case RPC_ARG_ANY:
		return NULL;
	}
	return NULL;
}

/* Maps params to positions; checks the count and the types. */
static bool bind_args(const struct rpc_command *cmd, const json_t *params,
		      json_t **args, struct rpc_error *err)
{
	size_t num_args = 0, required = 0, given = 0;
	char usage[1024], mismatches[900] = "";
	size_t mlen = 0;

	while (num_args < RPC_MAX_ARGS && cmd->args[num_args].name) {
		if (cmd->args[num_args].required)
			required = num_args + 1;
		num_args++;
	}
	if (params && json_is_object(params)) {
		const char *key;
		json_t *value;
		json_object_foreach((json_t *)params, key, value) {
			size_t i;
			for (i = 0; i < num_args; i++)
				if (name_matches(cmd->args[i].name, key))
					break;
			if (i == num_args) {
				rpc_fail(err, RPC_INVALID_PARAMETER,
					 "Unknown named parameter %s", key);
				return false;
			}
			args[i] = value;
			if (i + 1 > given)
				given = i + 1;
		}
	} else if (params) {
		given = json_array_size(params);
		for (size_t i = 0; i < given && i < num_args; i++)
			args[i] = json_array_get(params, i);
	}
	if (given < required || given > num_args) {
		rpc_usage(usage, sizeof(usage), cmd);
		rpc_fail(err, RPC_MISC_ERROR, "%s", usage);
		return false;
	}
	for (size_t i = 0; i < num_args; i++) {
		const char *expected = type_mismatch(&cmd->args[i], args[i]);
		if (!expected)
			continue;
		mlen += (size_t)snprintf(mismatches + mlen, sizeof(mismatches) - mlen,
					 "%s\n    \"Position %zu (%s)\": \"JSON value of type %s is not of expected type %s\"",
					 mlen ? "," : "", i + 1, cmd->args[i].name,
					 type_name(args[i] ? json_typeof(args[i]) : JSON_NULL),
					 expected);
		if (mlen >= sizeof(mismatches))
			break;
	}
	if (mlen) {
		rpc_fail(err, RPC_TYPE_ERROR, "Wrong type passed:\n{%s\n}", mismatches);
		return false;
	}
	/* JSON null is "not given" to handlers. */
	for (size_t i = 0; i < num_args; i++)
		if (args[i] && json_is_null(args[i]))
			args[i] = NULL;
	return true;
}

json_t *rpc_execute(struct devchain *d, const char *method,
		    const json_t *params, struct rpc_error *err)
{
	const struct rpc_command *cmd = rpc_find(method);
	json_t *args[RPC_MAX_ARGS] = {NULL};

	if (!cmd)
		return rpc_fail(err, RPC_METHOD_NOT_FOUND, "Method not found");
	if (!bind_args(cmd, params, args, err))
		return NULL;
	return cmd->handler(d, args, err);
}

bool rpc_get_int(int64_t *out, const json_t *value, bool is_int32,
		 struct rpc_error *err)
{
	if (json_is_integer(value)) {
		*out = json_integer_value(value);
		if (!is_int32 || (*out >= INT32_MIN && *out <= INT32_MAX))
			return true;
	} else if (!json_is_real(value)) {
		rpc_fail(err, RPC_MISC_ERROR, "JSON value of type %s is not of expected type number",
			 type_name(value ? json_typeof(value) : JSON_NULL));
		return false;
	}
	/* A fraction, or out of range: UniValue cannot parse it as one. */
	rpc_fail(err, RPC_MISC_ERROR, "JSON integer out of range");
	return false;
}

bool rpc_get_verbosity(int *out, const json_t *value, int default_value,
		       struct rpc_error *err)
{
	int64_t n;

	if (!value) {
		*out = default_value;
		return true;
	}
	if (json_is_boolean(value)) {
		*out = json_is_true(value) ? 1 : 0;
		return true;
	}
	if (!rpc_get_int(&n, value, true, err))
		return false;
	*out = (int)n;
	return true;
}

bool rpc_get_hash(struct sha256_double *out, const json_t *value,
		  const char *name, struct rpc_error *err)
{
	const char *hex = json_string_value(value);
	size_t len = json_string_length(value);

	if (hex && hex_decode_reversed(out->sha.u8, 32, hex, len))
		return true;
	if (len != 64)
		rpc_fail(err, RPC_INVALID_PARAMETER,
			 "%s must be of length 64 (not %zu, for '%s')", name, len,
			 hex ? hex : "");
	else
		rpc_fail(err, RPC_INVALID_PARAMETER,
			 "%s must be hexadecimal string (not '%s')", name, hex);
	return false;
}

/* Core's ParseFixedPoint for 8 decimals, on a decimal string. */
static bool parse_fixed_point(uint64_t *out, const char *s)
{
	uint64_t whole = 0, frac = 0;
	int decimals = 0;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		whole = whole * 10 + (uint64_t)(*s - '0');
		if (whole > 21000000)
			return false;
	}
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		for (; isdigit((unsigned char)*s); s++) {
			if (++decimals > 8)
				return false;
			frac = frac * 10 + (uint64_t)(*s - '0');
		}
	}
	if (*s)
		return false;
	while (decimals++ < 8)
		frac *= 10;
	*out = whole * COIN + frac;
	return true;
}

bool rpc_get_amount(uint64_t *amount_sat, const json_t *value,
		    struct rpc_error *err)
{
	if (json_is_string(value)) {
		if (!parse_fixed_point(amount_sat, json_string_value(value))) {
			rpc_fail(err, RPC_TYPE_ERROR, "Invalid amount");
			return false;
		}
	} else if (json_is_number(value)) {
		double btc = json_number_value(value), sats = btc * 1e8;
		if (btc < 0 || btc > 21e6) {
			rpc_fail(err, RPC_TYPE_ERROR, btc < 0 ? "Amount out of range"
				 : "Invalid amount");
			return false;
		}
		/* More than 8 decimals cannot be a whole satoshi. */
		if (fabs(sats - round(sats)) > 1e-4) {
			rpc_fail(err, RPC_TYPE_ERROR, "Invalid amount");
			return false;
		}
		*amount_sat = (uint64_t)llround(sats);
	} else {
		rpc_fail(err, RPC_TYPE_ERROR, "Amount is not a number or string");
		return false;
	}
	if (*amount_sat > MAX_MONEY) {
		rpc_fail(err, RPC_TYPE_ERROR, "Amount out of range");
		return false;
	}
	return true;
}

const struct block_index *rpc_get_block(struct devchain *d, const json_t *value,
					const char *name, struct rpc_error *err)
{
	struct sha256_double hash;
	const struct block_index *index;

	if (!rpc_get_hash(&hash, value, name, err))
		return NULL;
	index = chain_lookup(d->chain, &hash);
	if (!index)
		rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
	return index;
}

bool rpc_get_address_script(struct devchain *d, struct wirebuf *script,
			    const json_t *value, struct rpc_error *err)
{
	char why[ADDRESS_ERROR_LEN];

	if (!json_is_string(value)
	    || !address_to_script(script, why, d->params, json_string_value(value))) {
		rpc_fail(err, RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address");
		return false;
	}
	return true;
}
