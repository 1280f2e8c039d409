/* Tests for cli/: ohm-cli's argument parsing, request building, socket path
 * resolution and output formatting.  The socket I/O itself is exercised by
 * the integration tests against a real ohmd. */
#include <jansson.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_args.h"
#include "cli/cli_format.h"
#include "cli/cli_paths.h"
#include "tests/unit/test.h"

#define MAX_ARGS 16

/* Parses the NULL-terminated argument list as if after "ohm-cli", pid 42. */
static bool parse(struct cli_args *args, struct cli_error *err, ...)
{
	char *argv[MAX_ARGS + 1] = { "ohm-cli" };
	int argc = 1;
	va_list ap;
	char *arg;

	va_start(ap, err);
	while ((arg = va_arg(ap, char *)) != NULL && argc < MAX_ARGS)
		argv[argc++] = arg;
	va_end(ap);
	argv[argc] = NULL;
	err->message[0] = '\0';
	return cli_args_parse(args, argc, argv, 42, err);
}

/* True if value, dumped compactly in its own member order, is expected. */
static bool dumps_as(const json_t *value, const char *expected)
{
	char *json = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	bool same = json && strcmp(json, expected) == 0;

	if (!same)
		printf("# got %s, expected %s\n", json ? json : "(null)",
		       expected);
	free(json);
	return same;
}

static void test_param_value_detects_json(void)
{
	json_t *v;

	v = cli_param_value("123");
	CHECK(json_is_integer(v) && json_integer_value(v) == 123);
	json_decref(v);
	v = cli_param_value("-5");
	CHECK(json_is_integer(v) && json_integer_value(v) == -5);
	json_decref(v);
	v = cli_param_value("1.5");
	CHECK(json_is_real(v) && json_real_value(v) == 1.5);
	json_decref(v);
	v = cli_param_value("true");
	CHECK(json_is_true(v));
	json_decref(v);
	v = cli_param_value("false");
	CHECK(json_is_false(v));
	json_decref(v);
	v = cli_param_value("null");
	CHECK(json_is_null(v));
	json_decref(v);
	v = cli_param_value("[1,2]");
	CHECK(dumps_as(v, "[1,2]"));
	json_decref(v);
	v = cli_param_value("{\"a\": [true]}");
	CHECK(dumps_as(v, "{\"a\":[true]}"));
	json_decref(v);
}

static void test_param_value_falls_back_to_string(void)
{
	json_t *v;

	/* A quoted JSON string is that string, without the quotes. */
	v = cli_param_value("\"abc\"");
	CHECK(json_is_string(v));
	CHECK_STREQ(json_string_value(v), "abc");
	json_decref(v);
	v = cli_param_value("abc");
	CHECK_STREQ(json_string_value(v), "abc");
	json_decref(v);
	v = cli_param_value("");
	CHECK_STREQ(json_string_value(v), "");
	json_decref(v);
	/* Not JSON numbers, so strings: leading zero, bech32, a half array. */
	v = cli_param_value("0123");
	CHECK_STREQ(json_string_value(v), "0123");
	json_decref(v);
	v = cli_param_value("lnbcrt1u1p");
	CHECK_STREQ(json_string_value(v), "lnbcrt1u1p");
	json_decref(v);
	v = cli_param_value("[1,");
	CHECK_STREQ(json_string_value(v), "[1,");
	json_decref(v);
	/* Neither JSON nor UTF-8: nothing to send. */
	CHECK(cli_param_value("\xff\xfe") == NULL);
}

static void test_request_positional(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(parse(&args, &err, "pay", "123", "abc", "\"x y\"", "[1,2]",
		    NULL));
	CHECK(args.action == CLI_ACTION_CALL);
	CHECK_STREQ(args.method, "pay");
	CHECK(dumps_as(args.request,
		       "{\"jsonrpc\":\"2.0\",\"id\":\"ohm-cli:pay#42\","
		       "\"method\":\"pay\",\"params\":[123,\"abc\",\"x y\","
		       "[1,2]]}"));
	cli_args_free(&args);
	CHECK(args.request == NULL);
}

static void test_request_without_params(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(parse(&args, &err, "getinfo", NULL));
	CHECK(dumps_as(json_object_get(args.request, "params"), "[]"));
	cli_args_free(&args);

	CHECK(parse(&args, &err, "-k", "getinfo", NULL));
	CHECK(dumps_as(json_object_get(args.request, "params"), "{}"));
	cli_args_free(&args);
}

static void test_keywords_split_at_first_equals(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(parse(&args, &err, "-k", "invoice", "a=b=c", "amount_msat=1000",
		    "label=\"x\"", "description=", NULL));
	CHECK(dumps_as(json_object_get(args.request, "params"),
		       "{\"a\":\"b=c\",\"amount_msat\":1000,\"label\":\"x\","
		       "\"description\":\"\"}"));
	cli_args_free(&args);
}

static void test_keywords_without_equals_is_an_error(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(!parse(&args, &err, "--keywords", "connect", "id=02ab",
		     "localhost", NULL));
	CHECK(strstr(err.message, "'localhost'") != NULL);
	CHECK(strstr(err.message, "key=value") != NULL);
	CHECK(args.request == NULL);

	CHECK(!parse(&args, &err, "-k", "connect", "=x", NULL));
	CHECK(strstr(err.message, "'=x'") != NULL);
}

static void test_keywords_duplicate_key_is_an_error(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(!parse(&args, &err, "-k", "pay", "amount=1", "label=a",
		     "amount=2", NULL));
	CHECK(strstr(err.message, "'amount'") != NULL);
	CHECK(strstr(err.message, "more than once") != NULL);
}

static void test_options_in_both_forms(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(parse(&args, &err, "--ohm-dir=/a", "--network=signet",
		    "--rpc-file=sock", "getinfo", NULL));
	CHECK_STREQ(args.ohm_dir, "/a");
	CHECK_STREQ(args.network, "signet");
	CHECK_STREQ(args.rpc_file, "sock");
	CHECK(!args.use_keywords && args.output == CLI_OUTPUT_DEFAULT);
	cli_args_free(&args);

	CHECK(parse(&args, &err, "--ohm-dir", "/b", "--network", "testnet",
		    "--rpc-file", "/s", "getinfo", NULL));
	CHECK_STREQ(args.ohm_dir, "/b");
	CHECK_STREQ(args.network, "testnet");
	CHECK_STREQ(args.rpc_file, "/s");
	cli_args_free(&args);

	CHECK(parse(&args, &err, "getinfo", NULL));
	CHECK(args.ohm_dir == NULL && args.network == NULL
	      && args.rpc_file == NULL);
	cli_args_free(&args);
}

static void test_flag_options(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(parse(&args, &err, "-k", "-H", "getinfo", NULL));
	CHECK(args.use_keywords && args.output == CLI_OUTPUT_HUMAN);
	cli_args_free(&args);

	CHECK(parse(&args, &err, "--keywords", "--human-readable", "--json",
		    "getinfo", NULL));
	CHECK(args.use_keywords && args.output == CLI_OUTPUT_JSON);
	cli_args_free(&args);

	/* Flags combine, and the last of -k/-o wins. */
	CHECK(parse(&args, &err, "-kJ", "-o", "getinfo", "1", NULL));
	CHECK(!args.use_keywords && args.output == CLI_OUTPUT_JSON);
	CHECK(dumps_as(json_object_get(args.request, "params"), "[1]"));
	cli_args_free(&args);

	CHECK(parse(&args, &err, "--order", "-k", "getinfo", NULL));
	CHECK(args.use_keywords);
	cli_args_free(&args);
}

static void test_help_and_version_need_no_method(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(parse(&args, &err, "-h", NULL));
	CHECK(args.action == CLI_ACTION_USAGE && args.request == NULL);
	CHECK(parse(&args, &err, "--help", "getinfo", NULL));
	CHECK(args.action == CLI_ACTION_USAGE && args.request == NULL);
	CHECK(parse(&args, &err, "-V", NULL));
	CHECK(args.action == CLI_ACTION_VERSION);
	CHECK(parse(&args, &err, "--network=regtest", "--version", NULL));
	CHECK(args.action == CLI_ACTION_VERSION);
	cli_args_free(&args);

	CHECK(strstr(cli_args_usage(), "ohm-cli help") != NULL);
	CHECK(strstr(cli_args_usage(), "--ohm-dir") != NULL);
	CHECK(strstr(cli_args_usage(), "--human-readable") != NULL);
	CHECK(strstr(cli_args_usage(), "Exit codes") != NULL);
}

static void test_everything_after_method_is_a_param(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(parse(&args, &err, "-H", "echo", "--bogus", "-k", "-5", NULL));
	CHECK_STREQ(args.method, "echo");
	CHECK(!args.use_keywords);
	CHECK(dumps_as(json_object_get(args.request, "params"),
		       "[\"--bogus\",\"-k\",-5]"));
	cli_args_free(&args);

	/* "--" ends the options, so a METHOD may start with '-'. */
	CHECK(parse(&args, &err, "--", "-odd", NULL));
	CHECK_STREQ(args.method, "-odd");
	cli_args_free(&args);
}

static void test_bad_command_lines(void)
{
	struct cli_args args;
	struct cli_error err;

	CHECK(!parse(&args, &err, "--bogus", "getinfo", NULL));
	CHECK(strstr(err.message, "unknown option '--bogus'") != NULL);
	CHECK(!parse(&args, &err, "--bogus=1", "getinfo", NULL));
	CHECK(strstr(err.message, "unknown option '--bogus'") != NULL);
	CHECK(!parse(&args, &err, "-kx", "getinfo", NULL));
	CHECK(strstr(err.message, "unknown option '-x'") != NULL);
	CHECK(!parse(&args, &err, NULL));
	CHECK(strstr(err.message, "METHOD") != NULL);
	CHECK(!parse(&args, &err, "-k", "-H", NULL));
	CHECK(strstr(err.message, "METHOD") != NULL);
	CHECK(!parse(&args, &err, "--ohm-dir", NULL));
	CHECK(strstr(err.message, "--ohm-dir needs a value") != NULL);
	CHECK(!parse(&args, &err, "--rpc-file=", "getinfo", NULL));
	CHECK(strstr(err.message, "--rpc-file needs a value") != NULL);
	CHECK(!parse(&args, &err, "--keywords=yes", "getinfo", NULL));
	CHECK(strstr(err.message, "--keywords takes no value") != NULL);
	CHECK(!parse(&args, &err, "--network=mainnet", "getinfo", NULL));
	CHECK(strstr(err.message, "unknown network 'mainnet'") != NULL);
	CHECK(!parse(&args, &err, "", NULL));
	CHECK(strstr(err.message, "METHOD") != NULL);
	CHECK(args.request == NULL);
}

static void test_default_paths_from_home(void)
{
	char dir[PATH_MAX], rpc[PATH_MAX];
	struct cli_error err;

	CHECK(cli_paths_ohm_dir(dir, sizeof(dir), NULL, "/home/alice", &err));
	CHECK_STREQ(dir, "/home/alice/.ohm");
	CHECK(cli_paths_ohm_dir(dir, sizeof(dir), "/srv/ohm//", NULL, &err));
	CHECK_STREQ(dir, "/srv/ohm");
	CHECK(cli_paths_ohm_dir(dir, sizeof(dir), "/", NULL, &err));
	CHECK_STREQ(dir, "/");
	CHECK(!cli_paths_ohm_dir(dir, sizeof(dir), NULL, NULL, &err));
	CHECK(strstr(err.message, "--ohm-dir") != NULL);
	CHECK(!cli_paths_ohm_dir(dir, sizeof(dir), NULL, "", &err));
	CHECK(!cli_paths_ohm_dir(dir, 8, NULL, "/home/alice", &err));

	CHECK(cli_paths_rpc(rpc, sizeof(rpc), "/home/alice/.ohm", "regtest",
			    NULL, &err));
	CHECK_STREQ(rpc, "/home/alice/.ohm/regtest/ohm-rpc");
	CHECK(!cli_paths_rpc(rpc, 10, "/home/alice/.ohm", "regtest", NULL,
			     &err));
}

static void test_rpc_file_absolute_or_relative(void)
{
	char rpc[PATH_MAX];
	struct cli_error err;

	CHECK(cli_paths_rpc(rpc, sizeof(rpc), "/d", "bitcoin", "/run/ohm.sock",
			    &err));
	CHECK_STREQ(rpc, "/run/ohm.sock");
	CHECK(cli_paths_rpc(rpc, sizeof(rpc), "/d", "bitcoin", "my-rpc",
			    &err));
	CHECK_STREQ(rpc, "/d/bitcoin/my-rpc");
	CHECK(cli_paths_rpc(rpc, sizeof(rpc), "/d", "signet", "sub/rpc",
			    &err));
	CHECK_STREQ(rpc, "/d/signet/sub/rpc");
}

static void test_config_network_text(void)
{
	char network[CLI_NETWORK_MAX] = "unset";
	struct cli_error err;

	CHECK(cli_config_network(network, "", &err));
	CHECK_STREQ(network, "");
	CHECK(cli_config_network(network, "# network=bitcoin\nalias=x=y\n"
				 "log-level=debug\nregtest\n", &err));
	CHECK_STREQ(network, "");
	CHECK(cli_config_network(network, "alias=me\n  network = signet \r\n"
				 "port=9735", &err));
	CHECK_STREQ(network, "signet");
	/* The last line wins; no final newline needed. */
	CHECK(cli_config_network(network, "network=testnet\nnetwork=bitcoin",
				 &err));
	CHECK_STREQ(network, "bitcoin");
	/* Keys are whole words. */
	CHECK(cli_config_network(network, "mynetwork=testnet\nnetworks=x\n",
				 &err));
	CHECK_STREQ(network, "");

	strcpy(network, "kept");
	CHECK(!cli_config_network(network, "network=mainnet\n", &err));
	CHECK(strstr(err.message, "unknown network 'mainnet'") != NULL);
	CHECK(!cli_config_network(network, "network=regtestregtestregtest\n",
				  &err));
	CHECK(!cli_config_network(network, "network=\n", &err));
	CHECK_STREQ(network, "kept");
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}

/* Resolves the paths for `ohm-cli <option...> getinfo` with HOME=home. */
static bool resolve(struct cli_paths *paths, struct cli_error *err,
		    const char *home, const char *option1, const char *option2)
{
	struct cli_args args;
	bool ok;

	if (!option1)
		ok = parse(&args, err, "getinfo", NULL);
	else if (!option2)
		ok = parse(&args, err, option1, "getinfo", NULL);
	else
		ok = parse(&args, err, option1, option2, "getinfo", NULL);
	if (!ok)
		return false;
	ok = cli_paths_resolve(paths, &args, home, err);
	cli_args_free(&args);
	return ok;
}

static void test_network_from_config_file(void)
{
	char home[] = "/tmp/ohm-test-cli-XXXXXX";
	/* Small buffers, sized so the compiler can see nothing truncates. */
	char ohm_dir[64], config[128], ohm_dir_option[128], expected[128];
	struct cli_paths paths;
	struct cli_error err;

	CHECK(mkdtemp(home) != NULL);
	snprintf(ohm_dir, sizeof(ohm_dir), "%s/.ohm", home);
	snprintf(config, sizeof(config), "%s/config", ohm_dir);
	snprintf(ohm_dir_option, sizeof(ohm_dir_option), "--ohm-dir=%s",
		 ohm_dir);

	/* No <ohm-dir> yet, so no config: regtest under $HOME/.ohm. */
	CHECK(resolve(&paths, &err, home, NULL, NULL));
	CHECK_STREQ(paths.ohm_dir, ohm_dir);
	CHECK_STREQ(paths.network, "regtest");
	snprintf(expected, sizeof(expected), "%s/regtest/ohm-rpc", ohm_dir);
	CHECK_STREQ(paths.rpc_path, expected);

	CHECK(mkdir(ohm_dir, 0700) == 0);
	CHECK(write_file(config, "# ohm config\nalias=bob\nnetwork=signet\n"));
	CHECK(resolve(&paths, &err, home, NULL, NULL));
	CHECK_STREQ(paths.network, "signet");
	snprintf(expected, sizeof(expected), "%s/signet/ohm-rpc", ohm_dir);
	CHECK_STREQ(paths.rpc_path, expected);

	/* --ohm-dir finds the same config without HOME. */
	CHECK(resolve(&paths, &err, NULL, ohm_dir_option, NULL));
	CHECK_STREQ(paths.network, "signet");

	/* The command line beats the config. */
	CHECK(resolve(&paths, &err, home, "--network=testnet", NULL));
	CHECK_STREQ(paths.network, "testnet");
	snprintf(expected, sizeof(expected), "%s/testnet/ohm-rpc", ohm_dir);
	CHECK_STREQ(paths.rpc_path, expected);

	CHECK(resolve(&paths, &err, home, "--rpc-file=/tmp/x.sock", NULL));
	CHECK_STREQ(paths.rpc_path, "/tmp/x.sock");

	/* A bad network in the config is named with the file. */
	CHECK(write_file(config, "network=moon\n"));
	CHECK(!resolve(&paths, &err, home, NULL, NULL));
	CHECK(strstr(err.message, config) != NULL);
	CHECK(strstr(err.message, "'moon'") != NULL);
	CHECK(resolve(&paths, &err, home, "--network", "bitcoin"));
	CHECK_STREQ(paths.network, "bitcoin");

	/* A config that exists but cannot be read is an error too. */
	CHECK(unlink(config) == 0);
	CHECK(mkdir(config, 0700) == 0);
	CHECK(!resolve(&paths, &err, home, NULL, NULL));
	CHECK(strstr(err.message, "cannot read") != NULL);

	CHECK(rmdir(config) == 0);
	CHECK(rmdir(ohm_dir) == 0);
	CHECK(rmdir(home) == 0);
}

/* Parses JSON for a formatting test; aborts on a typo in the test. */
static json_t *json(const char *text)
{
	json_error_t error;
	json_t *value = json_loads(text, JSON_DECODE_ANY, &error);

	if (!value) {
		printf("Bail out! bad test JSON: %s\n", error.text);
		exit(1);
	}
	return value;
}

/* Checks that format(value) gives expected, and frees both. */
static void check_format(char *(*format)(const json_t *), json_t *value,
			 const char *expected)
{
	char *text = format(value);

	CHECK_STREQ(text, expected);
	free(text);
	json_decref(value);
}

static void test_format_json_keeps_order_and_utf8(void)
{
	check_format(cli_format_json,
		     json("{\"z\":1,\"a\":{\"y\":[1,\"caf\\u00e9\"]},"
			  "\"m\":{}}"),
		     "{\n"
		     "   \"z\": 1,\n"
		     "   \"a\": {\n"
		     "      \"y\": [\n"
		     "         1,\n"
		     "         \"caf\xc3\xa9\"\n"
		     "      ]\n"
		     "   },\n"
		     "   \"m\": {}\n"
		     "}\n");
	check_format(cli_format_json, json("\"just a string\""),
		     "\"just a string\"\n");
}

static void test_format_human_nested(void)
{
	check_format(cli_format_human,
		     json("{\"id\":\"02ab\",\"blockheight\":101,"
			  "\"synced\":true,\"alias\":null,\"fee\":1.5,"
			  "\"address\":[{\"type\":\"ipv4\",\"port\":9735}],"
			  "\"features\":[\"a\",\"b\"],"
			  "\"balance\":{\"onchain\":{\"confirmed_sat\":5},"
			  "\"channels\":[]},"
			  "\"matrix\":[[1],[]],\"extra\":{}}"),
		     "id: 02ab\n"
		     "blockheight: 101\n"
		     "synced: true\n"
		     "alias: null\n"
		     "fee: 1.5\n"
		     "address[0]:\n"
		     "   type: ipv4\n"
		     "   port: 9735\n"
		     "features[0]: a\n"
		     "features[1]: b\n"
		     "balance:\n"
		     "   onchain:\n"
		     "      confirmed_sat: 5\n"
		     "   channels: []\n"
		     "matrix[0][0]: 1\n"
		     "matrix[1]: []\n"
		     "extra: {}\n");
	check_format(cli_format_human, json("{}"), "");
	/* Not an object: JSON. */
	check_format(cli_format_human, json("\"abc\""), "\"abc\"\n");
	check_format(cli_format_human, json("[1]"), "[\n   1\n]\n");
}

static const char help_list[] =
	"{\"help\":["
	"{\"command\":\"connect id [host] [port]\",\"category\":\"network\","
	"\"description\":\"Connect to a peer.\",\"params\":[]},"
	"{\"command\":\"getinfo\",\"category\":\"utility\","
	"\"description\":\"Show node information.\"}"
	"],\"format-hint\":\"simple\"}";

static const char help_one[] =
	"{\"help\":[{\"command\":\"connect id [host] [port]\","
	"\"category\":\"network\",\"description\":\"Connect to a peer.\","
	"\"params\":["
	"{\"name\":\"id\",\"type\":\"string\",\"required\":true,"
	"\"default\":null,\"description\":\"The peer's node id.\"},"
	"{\"name\":\"host\",\"type\":\"string\",\"required\":false,"
	"\"default\":null,\"description\":\"Its address.\"},"
	"{\"name\":\"port\",\"type\":\"u16\",\"required\":false,"
	"\"default\":9735,\"description\":\"Its port.\"},"
	"{\"name\":\"style\",\"required\":false,\"default\":\"fast\"}"
	"]}],\"format-hint\":\"simple\"}";

static void test_format_help_list(void)
{
	check_format(cli_format_help, json(help_list),
		     "connect id [host] [port]\n"
		     "    Connect to a peer.\n"
		     "\n"
		     "getinfo\n"
		     "    Show node information.\n"
		     "\n"
		     "---\n"
		     "run `ohm-cli help <command>` for a command's "
		     "parameters\n");
}

static void test_format_help_one_command(void)
{
	check_format(cli_format_help, json(help_one),
		     "connect id [host] [port]\n"
		     "    Connect to a peer.\n"
		     "\n"
		     "parameters:\n"
		     "  id (string, required): The peer's node id.\n"
		     "  host (string, optional): Its address.\n"
		     "  port (u16, optional, default 9735): Its port.\n"
		     "  style (optional, default fast)\n");
	check_format(cli_format_help,
		     json("{\"help\":[{\"command\":\"stop\","
			  "\"description\":\"Stop ohmd.\",\"params\":[]}]}"),
		     "stop\n    Stop ohmd.\n\nparameters: none\n");
}

static void test_format_help_other_shapes_are_json(void)
{
	const char *bad[] = {
		"{\"foo\":1}",
		"{\"help\":\"text\"}",
		"{\"help\":[]}",
		"{\"help\":[{\"description\":\"no command\"}]}",
		"{\"help\":[{\"command\":1}]}",
		"{\"help\":[{\"command\":\"x\",\"params\":[{\"type\":1}]}]}",
		("{\"help\":[{\"command\":\"x\",\"params\":[{\"name\":\"a\","
		 "\"type\":1}]}]}"),
		"{\"help\":[{\"command\":\"x\",\"params\":{}}]}",
		"{\"help\":[{\"command\":\"x\",\"description\":5}]}",
		"[1]",
	};
	json_t *result;
	char *text;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		result = json(bad[i]);
		text = cli_format_help(result);
		CHECK_MSG(text == NULL, "%s", bad[i]);
		free(text);
		json_decref(result);
	}

	/* cli_format_result() then falls back to JSON. */
	result = json("{\"foo\":1}");
	text = cli_format_result(result, "help", CLI_OUTPUT_DEFAULT);
	CHECK_STREQ(text, "{\n   \"foo\": 1\n}\n");
	free(text);
	json_decref(result);
}

static void test_format_result_by_output(void)
{
	json_t *help = json(help_list), *info = json("{\"id\":\"02ab\"}");
	char *text;

	/* help is laid out for reading unless -J. */
	text = cli_format_result(help, "help", CLI_OUTPUT_DEFAULT);
	CHECK(text && strncmp(text, "connect id", 10) == 0);
	free(text);
	text = cli_format_result(help, "help", CLI_OUTPUT_HUMAN);
	CHECK(text && strncmp(text, "connect id", 10) == 0);
	free(text);
	text = cli_format_result(help, "help", CLI_OUTPUT_JSON);
	CHECK(text && strncmp(text, "{\n   \"help\": [", 14) == 0);
	free(text);
	/* Only the help method gets help's layout. */
	text = cli_format_result(help, "listhelp", CLI_OUTPUT_DEFAULT);
	CHECK(text && text[0] == '{');
	free(text);

	text = cli_format_result(info, "getinfo", CLI_OUTPUT_DEFAULT);
	CHECK_STREQ(text, "{\n   \"id\": \"02ab\"\n}\n");
	free(text);
	text = cli_format_result(info, "getinfo", CLI_OUTPUT_HUMAN);
	CHECK_STREQ(text, "id: 02ab\n");
	free(text);
	json_decref(help);
	json_decref(info);
}

int main(void)
{
	RUN(test_param_value_detects_json);
	RUN(test_param_value_falls_back_to_string);
	RUN(test_request_positional);
	RUN(test_request_without_params);
	RUN(test_keywords_split_at_first_equals);
	RUN(test_keywords_without_equals_is_an_error);
	RUN(test_keywords_duplicate_key_is_an_error);
	RUN(test_options_in_both_forms);
	RUN(test_flag_options);
	RUN(test_help_and_version_need_no_method);
	RUN(test_everything_after_method_is_a_param);
	RUN(test_bad_command_lines);
	RUN(test_default_paths_from_home);
	RUN(test_rpc_file_absolute_or_relative);
	RUN(test_config_network_text);
	RUN(test_network_from_config_file);
	RUN(test_format_json_keeps_order_and_utf8);
	RUN(test_format_human_nested);
	RUN(test_format_help_list);
	RUN(test_format_help_one_command);
	RUN(test_format_help_other_shapes_are_json);
	RUN(test_format_result_by_output);
	return test_done();
}
