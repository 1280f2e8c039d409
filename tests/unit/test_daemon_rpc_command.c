/* Tests for daemon/rpc_command: the parameter table drives checking. */
#include "daemon/rpc/rpc_command.h"
#include "tests/unit/test.h"

static void dummy_handler(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
}

static const struct rpc_param connect_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "node id"},
	{"host", RPC_PARAM_STRING, false, NULL, "host"},
	{"port", RPC_PARAM_UNSIGNED, false, "9735", "port"},
	{0},
};

static const struct rpc_command connect_command = {
	"connect", "network", "Connect to a peer", connect_params, dummy_handler,
};

static char err[512];

static json_t *parse_text(const char *params_json)
{
	json_t *params = params_json ? json_loads(params_json, 0, NULL) : NULL;
	json_t *named;

	err[0] = '\0';
	named = rpc_params_parse(&connect_command, params, err, sizeof(err));
	json_decref(params);
	return named;
}

static void test_positional_and_named_agree(void)
{
	json_t *a = parse_text("[\"02ab\", \"localhost\", 1234]");
	json_t *b = parse_text("{\"port\": 1234, \"id\": \"02ab\", \"host\": \"localhost\"}");

	CHECK(a && b);
	CHECK(json_equal(a, b));
	CHECK(json_integer_value(json_object_get(a, "port")) == 1234);
	json_decref(a);
	json_decref(b);
}

static void test_defaults_filled_and_null_means_absent(void)
{
	json_t *named = parse_text("[\"02ab\", null]");

	CHECK(named != NULL);
	CHECK(json_object_get(named, "host") == NULL);
	CHECK(json_integer_value(json_object_get(named, "port")) == 9735);
	json_decref(named);
}

#define CHECK_PARSE_ERROR(text, expected)                                       \
	do {                                                                    \
		json_t *n_ = parse_text(text);                                  \
		CHECK(n_ == NULL);                                              \
		json_decref(n_);                                                \
		CHECK_STREQ(err, (expected));                                   \
	} while (0)

static void test_errors_name_the_parameter(void)
{
	CHECK_PARSE_ERROR("[]", "missing required parameter 'id'");
	CHECK_PARSE_ERROR(NULL, "missing required parameter 'id'");
	CHECK_PARSE_ERROR("[1]", "parameter 'id' must be a string, got integer");
	CHECK_PARSE_ERROR("[\"x\", \"h\", -1]", "parameter 'port' must be an unsigned integer, got -1");
	CHECK_PARSE_ERROR("[\"x\", \"h\", \"80\"]", "parameter 'port' must be an unsigned integer, got string");
	CHECK_PARSE_ERROR("[\"x\", \"h\", 1, 2]", "too many parameters: connect takes at most 3, got 4");
	CHECK_PARSE_ERROR("{\"id\": \"x\", \"colour\": 1}", "unknown parameter 'colour' for connect");
	CHECK_PARSE_ERROR("{\"host\": \"h\"}", "missing required parameter 'id'");
}

static const struct rpc_param label_params[] = {
	{"label", RPC_PARAM_ANY, true, NULL, "label"},
	{"note", RPC_PARAM_STRING, false, NULL, "note"},
	{0},
};

static const struct rpc_command label_command = {
	"label", "test", "Take a label and a note", label_params, dummy_handler,
};

static json_t *parse_label(const char *params_json)
{
	json_t *params = json_loads(params_json, 0, NULL);
	json_t *named;

	if (!params)
		test_bail_out("bad JSON in the test: %s", params_json);
	named = rpc_params_parse(&label_command, params, err, sizeof(err));
	json_decref(params);
	return named;
}

/* A string of exactly len bytes, 'x' then as many 'é' as fit, in JSON. */
static void json_text(char *out, size_t len)
{
	size_t i = 0;

	out[i++] = '"';
	if (len % 2)
		out[i++] = 'x';
	for (size_t n = 0; n < len / 2; n++)
		i += (size_t)sprintf(out + i, "\u00e9");
	out[i++] = '"';
	out[i] = '\0';
}

/* Every string has a cap (its name's, or RPC_TEXT_MAX), counted in bytes. */
static void test_strings_are_capped(void)
{
	char *long_note = malloc(RPC_TEXT_MAX + 100), *args = malloc(8 * RPC_LABEL_MAX);
	const struct rpc_param description = {"description", RPC_PARAM_STRING, true, NULL, ""};
	const struct rpc_param bolt11 = {"bolt11", RPC_PARAM_STRING, true, NULL, ""};
	json_t *named;

	CHECK(rpc_param_max_bytes(&label_params[0]) == 1024);
	CHECK(rpc_param_max_bytes(&description) == 639);
	CHECK(rpc_param_max_bytes(&bolt11) == 7089);
	strcpy(args, "[");
	json_text(args + 1, RPC_LABEL_MAX);
	strcat(args, "]");
	CHECK((named = parse_label(args)) != NULL);
	json_decref(named);
	CHECK((named = parse_label("[123456789012]")) != NULL);	/* a number: no cap */
	json_decref(named);
	strcpy(args, "{\"label\": ");
	json_text(args + strlen(args), RPC_LABEL_MAX + 1);
	strcat(args, "}");
	CHECK(parse_label(args) == NULL);
	CHECK_STREQ(err, "parameter 'label': at most 1024 bytes, got 1025");
	free(args);

	snprintf(long_note, RPC_TEXT_MAX + 100, "[\"l\", \"%0*d\"]", RPC_TEXT_MAX, 0);
	CHECK((named = parse_label(long_note)) != NULL);
	json_decref(named);
	snprintf(long_note, RPC_TEXT_MAX + 100, "[\"l\", \"%0*d\"]", RPC_TEXT_MAX + 1, 0);
	CHECK(parse_label(long_note) == NULL);
	CHECK_STREQ(err, "parameter 'note': at most 1024 bytes, got 1025");
	free(long_note);
}

static void test_usage_and_help(void)
{
	char *usage = rpc_command_usage(&connect_command);
	json_t *help = rpc_command_help_json(&connect_command);
	json_t *port;

	CHECK_STREQ(usage, "connect id [host] [port]");
	CHECK_STREQ(json_string_value(json_object_get(help, "command")), "connect id [host] [port]");
	CHECK(json_array_size(json_object_get(help, "params")) == 3);
	port = json_array_get(json_object_get(help, "params"), 2);
	CHECK_STREQ(json_string_value(json_object_get(port, "type")), "unsigned integer");
	CHECK(json_is_false(json_object_get(port, "required")));
	CHECK(json_integer_value(json_object_get(port, "default")) == 9735);
	free(usage);
	json_decref(help);
}

int main(void)
{
	RUN(test_positional_and_named_agree);
	RUN(test_defaults_filled_and_null_means_absent);
	RUN(test_errors_name_the_parameter);
	RUN(test_strings_are_capped);
	RUN(test_usage_and_help);
	return test_done();
}
