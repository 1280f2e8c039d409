/* The JSON-RPC command table.  Each command declares its parameters once
 * (name, type, required or optional, default, description) and that one
 * declaration drives parameter checking, `help`, and through `help` the
 * CLI's help text.
 *
 * rpc_params_parse() is pure: it turns the request's "params" (an array of
 * positional values or an object of named ones) into one object of named
 * values with defaults filled in, or an error message naming the parameter.
 */
#ifndef OHM_DAEMON_RPC_COMMAND_H
#define OHM_DAEMON_RPC_COMMAND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct ohmd;
struct rpc_request;

/* JSON-RPC 2.0 error codes, and ours (Core Lightning's where it has one). */
enum rpc_error_code {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
	RPC_INTERNAL_ERROR = -32603,
	/* JSON-RPC 2.0's range for server errors: too many requests pending. */
	RPC_SERVER_BUSY = -32000,
	/* A command failed for a reason it explains (Core Lightning: LIGHTNINGD). */
	RPC_COMMAND_FAILED = -1,
};

enum rpc_param_type {
	RPC_PARAM_STRING,
	RPC_PARAM_INTEGER,	/* any JSON integer */
	RPC_PARAM_UNSIGNED,	/* a JSON integer >= 0 */
	RPC_PARAM_NUMBER,	/* integer or real */
	RPC_PARAM_BOOLEAN,
	RPC_PARAM_OBJECT,
	RPC_PARAM_ARRAY,
	RPC_PARAM_ANY,
};

/* The longest a string parameter may be, in bytes (README, "JSON-RPC"): a
 * longer one is refused with "parameter 'NAME': at most N bytes, got M".
 * The cap goes by the parameter's name, which means the same in every
 * command (rpc_param_max_bytes); any other string gets RPC_TEXT_MAX. */
#define RPC_TEXT_MAX 1024
#define RPC_LABEL_MAX 1024	/* "label": invoices' and payments' */
/* BOLT #11: a tagged field's data_length is 10 bits, so a `d` field holds
 * at most 1023 5-bit values: 639 whole bytes. */
#define RPC_DESCRIPTION_MAX 639
/* A BOLT 11 invoice: BOLT 11 sets no length, LND refuses past 7089
 * characters (the most a QR code holds), so no wallet makes longer ones. */
#define RPC_INVSTRING_MAX 7089
/* "destination": BIP 173 makes a bech32 address at most 90 characters
 * (keysend's node id is 66). */
#define RPC_ADDRESS_MAX 90
#define RPC_HOST_MAX 255	/* "host": a DNS name */

struct rpc_param {
	const char *name;
	enum rpc_param_type type;
	bool is_required;
	const char *default_json;	/* JSON text of the default, or NULL */
	const char *description;
};

/* A handler answers through rpc_respond() / rpc_respond_error(), now or
 * later (the request stays valid until answered). params is the object
 * rpc_params_parse() built; it is freed after the handler returns, so a
 * handler that answers later takes its own reference. */
typedef void (*rpc_handler)(struct ohmd *ohmd, struct rpc_request *request,
			    json_t *params);

struct rpc_command {
	const char *name;
	const char *category;
	const char *description;
	const struct rpc_param *params;	/* ends with a { NULL } entry */
	rpc_handler handler;
};

/* The most bytes a string value of param may have. */
size_t rpc_param_max_bytes(const struct rpc_param *param);

/* Name of a parameter type as it appears in help and in errors. */
const char *rpc_param_type_name(enum rpc_param_type type);

/* Checks params (NULL, an array or an object) against command, string
 * lengths included; returns a new object of named values, or NULL with a
 * message in err[errlen]. */
json_t *rpc_params_parse(const struct rpc_command *command, const json_t *params,
			 char *err, size_t errlen);

/* "connect id [host] [port]": the usage line, malloc'd. */
char *rpc_command_usage(const struct rpc_command *command);

/* One entry of the help result: command, category, description, params. */
json_t *rpc_command_help_json(const struct rpc_command *command);

#endif /* OHM_DAEMON_RPC_COMMAND_H */
