/* The bitcoind JSON-RPC client (daemon/chain/bitcoind.c) against a scripted
 * evhttp server in the same event loop: requests and authentication,
 * JSON-RPC errors, the cookie file, and a backend that is down, warming up
 * or refusing our credentials. */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/chain/bitcoind.h"
#include "daemon/log.h"
#include "tests/unit/test.h"

enum server_mode { ANSWER, WARMING_UP, UNAUTHORIZED };

struct server {
	struct evhttp *http;
	uint16_t port;
	enum server_mode mode;
	char expected_auth[200];
	unsigned requests;
	char last_method[64];
};

struct outcome {
	bool is_done;
	json_t *result;
	bool is_transport;
	int code;
	char message[600];
};

static struct event_base *base;
static struct log *test_log;
static char test_dir[] = "/tmp/ohm-test-bitcoind-XXXXXX";

static void serve(struct evhttp_request *req, void *arg)
{
	struct server *server = arg;
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	json_t *request = json_loadb((const char *)evbuffer_pullup(body, -1),
				     evbuffer_get_length(body), 0, NULL);
	const char *method = json_string_value(json_object_get(request, "method"));
	json_t *answer;
	struct evbuffer *out = evbuffer_new();
	char *text;
	int code = 200;

	server->requests++;
	snprintf(server->last_method, sizeof(server->last_method), "%s", method ? method : "");
	if (server->mode == UNAUTHORIZED || !auth || strcmp(auth, server->expected_auth) != 0) {
		evhttp_send_reply(req, 401, "Unauthorized", NULL);
		json_decref(request);
		evbuffer_free(out);
		return;
	}
	if (server->mode == WARMING_UP) {
		answer = json_pack("{s:n, s:{s:i, s:s}, s:O}", "result", "error", "code", -28,
				   "message", "Loading block index...", "id",
				   json_object_get(request, "id"));
		code = 500;
	} else if (method && strcmp(method, "getblockcount") == 0) {
		answer = json_pack("{s:i, s:n, s:O}", "result", 42, "error", "id",
				   json_object_get(request, "id"));
	} else if (method && strcmp(method, "echo") == 0) {
		answer = json_pack("{s:O, s:n, s:O}", "result", json_object_get(request, "params"),
				   "error", "id", json_object_get(request, "id"));
	} else {
		/* Core: JSON-RPC errors come with HTTP 500 (404 for an
		 * unknown method). */
		answer = json_pack("{s:n, s:{s:i, s:s}, s:O}", "result", "error", "code", -32601,
				   "message", "Method not found", "id", json_object_get(request, "id"));
		code = 404;
	}
	text = json_dumps(answer, JSON_COMPACT);
	evbuffer_add(out, text, strlen(text));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", out);
	free(text);
	json_decref(answer);
	json_decref(request);
	evbuffer_free(out);
}

static bool server_start(struct server *server, uint16_t port)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);

	server->http = evhttp_new(base);
	bound = evhttp_bind_socket_with_handle(server->http, "127.0.0.1", port);
	if (!bound)
		return false;
	getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&addr, &len);
	server->port = ntohs(addr.sin_port);
	evhttp_set_gencb(server->http, serve, server);
	return true;
}

static void server_stop(struct server *server)
{
	evhttp_free(server->http);
	server->http = NULL;
}

/* A port nothing listens on (for a moment). */
static uint16_t unused_port(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	getsockname(fd, (struct sockaddr *)&addr, &len);
	close(fd);
	return ntohs(addr.sin_port);
}

static void answered(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct outcome *outcome = arg;

	outcome->is_done = true;
	if (result)
		outcome->result = json_incref((json_t *)result);
	if (error) {
		outcome->is_transport = error->is_transport;
		outcome->code = error->code;
		snprintf(outcome->message, sizeof(outcome->message), "%s", error->message);
	}
}

/* Runs the loop until *flag or seconds pass.  Returns: *flag. */
static bool run_until(const bool *flag, double seconds)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!*flag) {
		struct timeval tick = {0, 10000};
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 > seconds)
			break;
	}
	return *flag;
}

static struct bitcoind_options options(uint16_t port, const char *user, const char *password)
{
	struct bitcoind_options opts = {
		.host = "127.0.0.1", .port = port, .user = user, .password = password,
		.datadir = test_dir, .network_subdir = "regtest", .timeout_secs = 5,
		.retry_max_secs = 1,
	};
	return opts;
}

static void test_call_with_password(void)
{
	struct server server = {.expected_auth = "Basic dXNlcjpwYXNz"};	/* user:pass */
	struct bitcoind_options opts;
	struct bitcoind *bitcoind;
	struct outcome count = {0}, echo = {0}, unknown = {0};

	CHECK(server_start(&server, 0));
	opts = options(server.port, "user", "pass");
	bitcoind = bitcoind_new(base, test_log, &opts);
	bitcoind_call(bitcoind, BITCOIND_RETRY, "getblockcount", NULL, answered, &count);
	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "echo", json_pack("[s, i]", "x", 7), answered,
		      &echo);
	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "nosuch", NULL, answered, &unknown);
	/* Never answered from inside bitcoind_call(). */
	CHECK(!count.is_done && !echo.is_done && !unknown.is_done);
	CHECK(run_until(&unknown.is_done, 5) && count.is_done && echo.is_done);
	CHECK(json_integer_value(count.result) == 42);
	CHECK(json_is_array(echo.result) && json_integer_value(json_array_get(echo.result, 1)) == 7);
	CHECK(!unknown.result && !unknown.is_transport && unknown.code == -32601);
	CHECK_STREQ(unknown.message, "Method not found");
	CHECK(bitcoind_warning(bitcoind) == NULL);
	CHECK(server.requests == 3);
	json_decref(count.result);
	json_decref(echo.result);
	bitcoind_free(bitcoind);
	server_stop(&server);
}

static void test_cookie_files(void)
{
	struct server server = {.expected_auth = "Basic X19jb29raWVfXzphYmNk"};	/* __cookie__:abcd */
	struct bitcoind_options opts;
	struct bitcoind *bitcoind;
	struct outcome outcome = {0};
	char path[300];
	FILE *file;

	CHECK(server_start(&server, 0));
	/* Core's layout: <datadir>/regtest/.cookie. */
	snprintf(path, sizeof(path), "%s/regtest", test_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/regtest/.cookie", test_dir);
	file = fopen(path, "w");
	fputs("__cookie__:abcd\n", file);
	fclose(file);
	opts = options(server.port, NULL, NULL);
	bitcoind = bitcoind_new(base, test_log, &opts);
	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "getblockcount", NULL, answered, &outcome);
	CHECK(run_until(&outcome.is_done, 5) && json_integer_value(outcome.result) == 42);
	json_decref(outcome.result);
	bitcoind_free(bitcoind);
	unlink(path);

	/* A data directory that is the network directory: <datadir>/.cookie. */
	snprintf(path, sizeof(path), "%s/.cookie", test_dir);
	file = fopen(path, "w");
	fputs("__cookie__:abcd", file);
	fclose(file);
	memset(&outcome, 0, sizeof(outcome));
	bitcoind = bitcoind_new(base, test_log, &opts);
	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "getblockcount", NULL, answered, &outcome);
	CHECK(run_until(&outcome.is_done, 5) && json_integer_value(outcome.result) == 42);
	json_decref(outcome.result);
	bitcoind_free(bitcoind);
	unlink(path);
	server_stop(&server);
}

static void test_backend_down_then_up(void)
{
	struct server server = {.expected_auth = "Basic dXNlcjpwYXNz"};
	uint16_t port = unused_port();
	struct bitcoind_options opts = options(port, "user", "pass");
	struct bitcoind *bitcoind = bitcoind_new(base, test_log, &opts);
	struct outcome fast = {0}, patient = {0}, later = {0};
	char expected[100];
	bool is_warned = false;

	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "getblockcount", NULL, answered, &fast);
	bitcoind_call(bitcoind, BITCOIND_RETRY, "getblockcount", NULL, answered, &patient);
	CHECK(run_until(&fast.is_done, 5));
	CHECK(fast.is_transport && !fast.result);
	CHECK(strstr(fast.message, "Cannot reach bitcoind at 127.0.0.1:") == fast.message);
	/* The warning says why, precisely. */
	snprintf(expected, sizeof(expected), "Cannot reach bitcoind at 127.0.0.1:%u: Connection refused",
		 port);
	for (int i = 0; i < 100 && !is_warned; i++) {
		bool never = false;
		run_until(&never, 0.02);
		is_warned = bitcoind_warning(bitcoind)
			&& strcmp(bitcoind_warning(bitcoind), expected) == 0;
	}
	CHECK_MSG(is_warned, "%s", bitcoind_warning(bitcoind) ? bitcoind_warning(bitcoind) : "none");
	/* While down, a fail-fast call is answered at once with the warning. */
	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "getblockcount", NULL, answered, &later);
	CHECK(run_until(&later.is_done, 1) && later.is_transport);
	CHECK_STREQ(later.message, expected);
	CHECK(!patient.is_done);

	/* It comes up: the patient call is answered, the warning goes. */
	CHECK(server_start(&server, port));
	CHECK(run_until(&patient.is_done, 10));
	CHECK(json_integer_value(patient.result) == 42);
	CHECK(bitcoind_warning(bitcoind) == NULL);
	json_decref(patient.result);
	bitcoind_free(bitcoind);
	server_stop(&server);
}

static void test_warming_up_and_refused_credentials(void)
{
	struct server server = {.expected_auth = "Basic dXNlcjpwYXNz", .mode = WARMING_UP};
	struct bitcoind_options opts;
	struct bitcoind *bitcoind;
	struct outcome outcome = {0}, fast = {0};
	bool never = false;

	CHECK(server_start(&server, 0));
	opts = options(server.port, "user", "pass");
	bitcoind = bitcoind_new(base, test_log, &opts);
	bitcoind_call(bitcoind, BITCOIND_RETRY, "getblockcount", NULL, answered, &outcome);
	run_until(&never, 0.3);
	CHECK(!outcome.is_done);
	CHECK(bitcoind_warning(bitcoind) && strstr(bitcoind_warning(bitcoind),
						   "is starting: Loading block index..."));
	server.mode = UNAUTHORIZED;
	run_until(&never, 1.5);
	CHECK(!outcome.is_done);
	CHECK(bitcoind_warning(bitcoind) && strstr(bitcoind_warning(bitcoind),
						   "refused our credentials (HTTP 401)"));
	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "getblockcount", NULL, answered, &fast);
	CHECK(run_until(&fast.is_done, 1) && strstr(fast.message, "refused our credentials"));
	/* Fixed: the queued call goes through at the next retry. */
	server.mode = ANSWER;
	CHECK(run_until(&outcome.is_done, 5) && json_integer_value(outcome.result) == 42);
	CHECK(bitcoind_warning(bitcoind) == NULL);
	json_decref(outcome.result);
	bitcoind_free(bitcoind);
	server_stop(&server);
}

static void test_free_drops_pending_calls(void)
{
	struct bitcoind_options opts = options(unused_port(), "user", "pass");
	struct bitcoind *bitcoind = bitcoind_new(base, test_log, &opts);
	struct outcome outcome = {0};
	bool never = false;

	bitcoind_call(bitcoind, BITCOIND_RETRY, "getblockcount", NULL, answered, &outcome);
	run_until(&never, 0.1);
	bitcoind_free(bitcoind);
	run_until(&never, 0.1);
	CHECK(!outcome.is_done);
	CHECK_STREQ(bitcoind_network_subdir("bitcoin"), "");
	CHECK_STREQ(bitcoind_network_subdir("testnet"), "testnet3");
	CHECK_STREQ(bitcoind_network_subdir("signet"), "signet");
}

int main(void)
{
	if (!mkdtemp(test_dir)) {
		printf("Bail out! mkdtemp %s failed\n", test_dir);
		return 1;
	}
	base = event_base_new();
	test_log = log_new("/dev/null", LOG_IO);
	RUN(test_call_with_password);
	RUN(test_cookie_files);
	RUN(test_backend_down_then_up);
	RUN(test_warming_up_and_refused_credentials);
	RUN(test_free_drops_pending_calls);
	log_free(test_log);
	event_base_free(base);
	char path[300];
	snprintf(path, sizeof(path), "%s/regtest", test_dir);
	rmdir(path);
	rmdir(test_dir);
	return test_done();
}
