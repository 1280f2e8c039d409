/* ohm-cli's command line: turns argv into options and the JSON-RPC 2.0
 * request to send to ohmd.  Pure: no I/O, no environment, no globals; the
 * caller passes in everything from outside (argv, the process id).
 *
 *	ohm-cli [options] METHOD [params...]
 *
 * Options come before METHOD; everything after it is a parameter.  A
 * parameter that parses as JSON is sent as that value, anything else as a
 * JSON string, so `ohm-cli pay 1000 abc` sends [1000, "abc"].
 */
#ifndef OHM_CLI_CLI_ARGS_H
#define OHM_CLI_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* ohm-cli's exit status: the contract scripts rely on. */
enum cli_exit {
	CLI_EXIT_OK = 0,		/* the call returned a result */
	CLI_EXIT_RPC_ERROR = 1,		/* ohmd answered with an error */
	CLI_EXIT_UNREACHABLE = 2,	/* no (sane) answer from ohmd */
	CLI_EXIT_USAGE = 3,		/* bad command line or setup */
};

/* A failure on outside input, in words fit for the user. */
struct cli_error {
	char message[512];
};

/* Writes the printf-style message into err (truncating a long one) and
 * returns false, so a failing path can `return cli_error_set(err, ...)`. */
bool cli_error_set(struct cli_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum cli_action {
	CLI_ACTION_CALL,	/* send the request */
	CLI_ACTION_USAGE,	/* -h: print cli_args_usage() */
	CLI_ACTION_VERSION,	/* -V: print the version */
};

enum cli_output {
	CLI_OUTPUT_DEFAULT,	/* pretty JSON; `help` laid out for reading */
	CLI_OUTPUT_JSON,	/* -J: pretty JSON, always */
	CLI_OUTPUT_HUMAN,	/* -H: `key: value` lines */
};

struct cli_args {
	enum cli_action action;
	/* Options as given, or NULL when absent; they point into argv. */
	const char *ohm_dir;
	const char *network;
	const char *rpc_file;
	bool use_keywords;	/* -k: params is an object */
	enum cli_output output;
	/* For CLI_ACTION_CALL only (else NULL): */
	const char *method;
	json_t *request;	/* owned; release with cli_args_free() */
};

/* Parses argv[1..argc) into *args.  pid goes into the request id
 * ("ohm-cli:<method>#<pid>") so ohmd's log can tell callers apart.
 * Returns true on success; on failure returns false with err->message
 * naming the offending argument, and *args holds nothing to free. */
bool cli_args_parse(struct cli_args *args, int argc, char *const argv[],
		    long pid, struct cli_error *err);

/* Releases what cli_args_parse() allocated; safe after a failed parse. */
void cli_args_free(struct cli_args *args);

/* The JSON value one parameter stands for: arg parsed as JSON (any value,
 * e.g. 123, true, null, "quoted", [1,2]) or, if it is not JSON, arg as a
 * string.  Returns a new reference, or NULL if arg is not valid UTF-8. */
json_t *cli_param_value(const char *arg);

/* Builds {"jsonrpc":"2.0","id":"ohm-cli:<method>#<pid>","method":...,
 * "params":...} from the count parameters in params[].  Positional: params
 * is an array of cli_param_value()s.  use_keywords: each parameter must be
 * key=value (split at the first '='), params is an object and a key may
 * appear once.  Returns a new reference, or NULL with err->message set. */
json_t *cli_request_new(const char *method, char *const params[],
			size_t count, bool use_keywords, long pid,
			struct cli_error *err);

/* True for the networks ohmd knows: bitcoin, testnet, signet, regtest. */
bool cli_network_is_known(const char *network);

/* ohm-cli's --help text: options, exit codes, and where command help is. */
const char *cli_args_usage(void);

#endif /* OHM_CLI_CLI_ARGS_H */
