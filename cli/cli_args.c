/* ohm-cli's argument parsing and request building; see cli_args.h.
 *
 * Invariant: on success args->request is a complete JSON-RPC request for
 * CLI_ACTION_CALL and NULL otherwise; on failure nothing is left allocated.
 */
#include "cli/cli_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cli_option_id {
	OPT_OHM_DIR,
	OPT_NETWORK,
	OPT_RPC_FILE,
	OPT_KEYWORDS,
	OPT_ORDER,
	OPT_HUMAN,
	OPT_JSON,
	OPT_HELP,
	OPT_VERSION,
};

struct cli_option {
	enum cli_option_id id;
	const char *long_name;	/* without the leading "--" */
	char short_name;	/* '\0' if none */
	bool takes_value;
};

static const struct cli_option cli_options[] = {
	{ OPT_OHM_DIR, "ohm-dir", '\0', true },
	{ OPT_NETWORK, "network", '\0', true },
	{ OPT_RPC_FILE, "rpc-file", '\0', true },
	{ OPT_KEYWORDS, "keywords", 'k', false },
	{ OPT_ORDER, "order", 'o', false },
	{ OPT_HUMAN, "human-readable", 'H', false },
	{ OPT_JSON, "json", 'J', false },
	{ OPT_HELP, "help", 'h', false },
	{ OPT_VERSION, "version", 'V', false },
};

#define NUM_OPTIONS (sizeof(cli_options) / sizeof(cli_options[0]))

static const char *const known_networks[] = {
	"bitcoin", "testnet", "signet", "regtest",
};

bool cli_error_set(struct cli_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

bool cli_network_is_known(const char *network)
{
	size_t count = sizeof(known_networks) / sizeof(known_networks[0]);

	for (size_t i = 0; i < count; i++)
		if (strcmp(network, known_networks[i]) == 0)
			return true;
	return false;
}

static const struct cli_option *find_long(const char *name, size_t name_len)
{
	for (size_t i = 0; i < NUM_OPTIONS; i++)
		if (strlen(cli_options[i].long_name) == name_len
		    && memcmp(cli_options[i].long_name, name, name_len) == 0)
			return &cli_options[i];
	return NULL;
}

static const struct cli_option *find_short(char name)
{
	for (size_t i = 0; i < NUM_OPTIONS; i++)
		if (cli_options[i].short_name == name)
			return &cli_options[i];
	return NULL;
}

/* Records one option; value is NULL for flags. */
static bool apply_option(struct cli_args *args, const struct cli_option *opt,
			 const char *value, struct cli_error *err)
{
	switch (opt->id) {
	case OPT_OHM_DIR:
		args->ohm_dir = value;
		return true;
	case OPT_NETWORK:
		if (!cli_network_is_known(value))
			return cli_error_set(err, "unknown network '%s' "
					     "(expected bitcoin, testnet, "
					     "signet or regtest)", value);
		args->network = value;
		return true;
	case OPT_RPC_FILE:
		args->rpc_file = value;
		return true;
	case OPT_KEYWORDS:
		args->use_keywords = true;
		return true;
	case OPT_ORDER:
		args->use_keywords = false;
		return true;
	case OPT_HUMAN:
		args->output = CLI_OUTPUT_HUMAN;
		return true;
	case OPT_JSON:
		args->output = CLI_OUTPUT_JSON;
		return true;
	case OPT_HELP:
		args->action = CLI_ACTION_USAGE;
		return true;
	case OPT_VERSION:
		if (args->action != CLI_ACTION_USAGE)
			args->action = CLI_ACTION_VERSION;
		return true;
	}
	return cli_error_set(err, "internal error: unhandled option --%s",
			     opt->long_name);
}

/* "--name=value" or "--name value" (the value is then argv[*i + 1]). */
static bool parse_long_option(struct cli_args *args, int argc,
			      char *const argv[], int *i, struct cli_error *err)
{
	const char *name = argv[*i] + 2;
	const char *equals = strchr(name, '=');
	size_t name_len = equals ? (size_t)(equals - name) : strlen(name);
	const struct cli_option *opt = find_long(name, name_len);
	const char *value = NULL;

	if (!opt)
		return cli_error_set(err, "unknown option '--%.*s'",
				     (int)name_len, name);
	if (!opt->takes_value) {
		if (equals)
			return cli_error_set(err, "option --%s takes no value",
					     opt->long_name);
		return apply_option(args, opt, NULL, err);
	}
	if (equals)
		value = equals + 1;
	else if (*i + 1 < argc)
		value = argv[++*i];
	if (!value || value[0] == '\0')
		return cli_error_set(err, "option --%s needs a value",
				     opt->long_name);
	return apply_option(args, opt, value, err);
}

/* "-kH": one or more single-letter flags. */
static bool parse_short_options(struct cli_args *args, const char *arg,
				struct cli_error *err)
{
	for (const char *c = arg + 1; *c; c++) {
		const struct cli_option *opt = find_short(*c);

		if (!opt)
			return cli_error_set(err, "unknown option '-%c'", *c);
		if (!apply_option(args, opt, NULL, err))
			return false;
	}
	return true;
}

json_t *cli_param_value(const char *arg)
{
	json_t *value = json_loads(arg, JSON_DECODE_ANY, NULL);

	if (value)
		return value;
	/* Not JSON, so the user meant a plain string; NULL if not UTF-8. */
	return json_string(arg);
}

static json_t *positional_params(char *const params[], size_t count,
				 struct cli_error *err)
{
	json_t *array = json_array();

	for (size_t i = 0; i < count; i++) {
		json_t *value = cli_param_value(params[i]);

		if (!value) {
			cli_error_set(err, "parameter '%s' is not valid UTF-8",
				      params[i]);
			json_decref(array);
			return NULL;
		}
		json_array_append_new(array, value);
	}
	return array;
}

static json_t *keyword_params(char *const params[], size_t count,
			      struct cli_error *err)
{
	json_t *object = json_object();

	for (size_t i = 0; i < count; i++) {
		const char *equals = strchr(params[i], '=');
		json_t *value;
		char *key;

		if (!equals) {
			cli_error_set(err, "parameter '%s' is not of the form "
				      "key=value (as -k needs)", params[i]);
			goto error;
		}
		if (equals == params[i]) {
			cli_error_set(err, "parameter '%s' has an empty key",
				      params[i]);
			goto error;
		}
		key = strndup(params[i], (size_t)(equals - params[i]));
		if (!key) {
			cli_error_set(err, "out of memory");
			goto error;
		}
		if (json_object_get(object, key)) {
			cli_error_set(err, "parameter '%s' is given more than "
				      "once", key);
			free(key);
			goto error;
		}
		value = cli_param_value(equals + 1);
		/* json_object_set_new() frees value on failure. */
		if (!value || json_object_set_new(object, key, value) != 0) {
			cli_error_set(err, "parameter '%s' is not valid UTF-8",
				      params[i]);
			free(key);
			goto error;
		}
		free(key);
	}
	return object;

error:
	json_decref(object);
	return NULL;
}

json_t *cli_request_new(const char *method, char *const params[],
			size_t count, bool use_keywords, long pid,
			struct cli_error *err)
{
	json_t *request, *params_json, *method_json, *id_json;

	method_json = json_string(method);
	if (!method_json) {
		cli_error_set(err, "method '%s' is not valid UTF-8", method);
		return NULL;
	}
	if (use_keywords)
		params_json = keyword_params(params, count, err);
	else
		params_json = positional_params(params, count, err);
	if (!params_json) {
		json_decref(method_json);
		return NULL;
	}
	id_json = json_sprintf("ohm-cli:%s#%ld", method, pid);
	request = json_pack("{s:s, s:o, s:o, s:o}",
			    "jsonrpc", "2.0",
			    "id", id_json,
			    "method", method_json,
			    "params", params_json);
	if (!request)
		cli_error_set(err, "out of memory building the request");
	return request;
}

bool cli_args_parse(struct cli_args *args, int argc, char *const argv[],
		    long pid, struct cli_error *err)
{
	int i;

	memset(args, 0, sizeof(*args));
	args->action = CLI_ACTION_CALL;
	args->output = CLI_OUTPUT_DEFAULT;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-')
			break;
		if (arg[1] == '-') {
			if (!parse_long_option(args, argc, argv, &i, err))
				return false;
		} else if (arg[1] == '\0') {
			return cli_error_set(err, "unknown option '-'");
		} else if (!parse_short_options(args, arg, err)) {
			return false;
		}
	}

	/* -h and -V need no METHOD and ignore one. */
	if (args->action != CLI_ACTION_CALL)
		return true;
	if (i >= argc)
		return cli_error_set(err, "no METHOD given (try `ohm-cli "
				     "help` for the list of commands)");
	if (argv[i][0] == '\0')
		return cli_error_set(err, "METHOD is empty");

	args->method = argv[i];
	args->request = cli_request_new(args->method, argv + i + 1,
					(size_t)(argc - i - 1),
					args->use_keywords, pid, err);
	return args->request != NULL;
}

void cli_args_free(struct cli_args *args)
{
	json_decref(args->request);
	args->request = NULL;
}

const char *cli_args_usage(void)
{
	return
	"Usage: ohm-cli [options] METHOD [params...]\n"
	"Sends one JSON-RPC call to ohmd and prints the answer.\n"
	"\n"
	"Options (before METHOD; --opt=V and --opt V both work):\n"
	"  --ohm-dir D          ohm's directory (default $HOME/.ohm)\n"
	"  --network N          bitcoin, testnet, signet or regtest (default:\n"
	"                       network= from <ohm-dir>/config, else regtest)\n"
	"  --rpc-file F         the RPC socket (default ohm-rpc; relative to\n"
	"                       <ohm-dir>/<network>/ unless absolute)\n"
	"  -k, --keywords       params are key=value pairs, sent by name\n"
	"  -o, --order          params are sent by position (the default)\n"
	"  -H, --human-readable print the result as `key: value` lines\n"
	"  -J, --json           print the result as JSON, even for help\n"
	"  -h, --help           show this help\n"
	"  -V, --version        show ohm-cli's version\n"
	"\n"
	"A param that is valid JSON (123, true, null, [1,2], \"text\") is\n"
	"sent as that value; anything else is sent as a string.\n"
	"\n"
	"Exit codes:\n"
	"  0  success\n"
	"  1  ohmd returned an error (printed as JSON)\n"
	"  2  cannot reach ohmd, or it gave no valid answer\n"
	"  3  usage error\n"
	"\n"
	"Run `ohm-cli help` for ohmd's commands, `ohm-cli help <command>` for\n"
	"one command's parameters.\n";
}
