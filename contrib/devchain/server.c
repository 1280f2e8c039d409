/* HTTP, authentication and the JSON-RPC envelope.  See server.h.
 *
 * One callback per request: check method, path and password, parse the
 * body, run each request through rpc_execute(), write the reply.  All of
 * it runs on the event loop; no RPC blocks for long (mining a regtest
 * block takes a couple of hashes).
 */
#include "contrib/devchain/server.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium/utils.h>

#include "contrib/devchain/jsonout.h"
#include "contrib/devchain/rpc.h"
#include "crypto/util.h"
#include "wire/wirebuf.h"

/* Core's MAX_SIZE for a request body, and its header limit. */
#define MAX_BODY_SIZE 0x02000000
#define MAX_HEADERS_SIZE 8192
#define HTTP_TIMEOUT_SECONDS 30

struct server {
	struct event_base *base;
	struct evhttp *http;
	struct devchain *devchain;
	char *user_pass;
	char *cookie;
};

/* ---- Replies ---- */

static void send_json(struct evhttp_request *req, int status, const json_t *body)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct wirebuf *text = wirebuf_new();

	json_write(text, body);
	wirebuf_append(text, "\n", 1);
	evbuffer_add(out, text->data, text->len);
	wirebuf_free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_send_reply(req, status, NULL, NULL);
}

static void send_text(struct evhttp_request *req, int status, const char *reason,
		      const char *body)
{
	if (body)
		evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	evhttp_send_reply(req, status, reason, NULL);
}

static void send_unauthorized(struct evhttp_request *req)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
			  "Basic realm=\"jsonrpc\"");
	send_text(req, 401, "Unauthorized", NULL);
}

/* Core's JSONErrorReply status: 400 for a bad request, 404 for an unknown
 * method, 500 for everything else. */
static int error_status(int code)
{
	if (code == RPC_INVALID_REQUEST)
		return 400;
	if (code == RPC_METHOD_NOT_FOUND)
		return 404;
	return 500;
}

static json_t *error_object(int code, const char *message)
{
	json_t *error = json_object();
	json_object_set_new(error, "code", json_integer(code));
	json_object_set_new(error, "message", json_string(message));
	return error;
}

/* Core's JSONRPCReplyObj: 1.0 replies carry both result and error (one of
 * them null); 2.0 replies carry "jsonrpc" and only the one that applies.
 * id is NULL when the request had none.  Steals result and error. */
static json_t *reply_object(json_t *result, json_t *error, const json_t *id,
			    bool is_v2)
{
	json_t *reply = json_object();

	if (is_v2)
		json_object_set_new(reply, "jsonrpc", json_string("2.0"));
	if (!error) {
		json_object_set_new(reply, "result", result);
		if (!is_v2)
			json_object_set_new(reply, "error", json_null());
	} else {
		if (!is_v2)
			json_object_set_new(reply, "result", json_null());
		json_object_set_new(reply, "error", error);
		json_decref(result);
	}
	if (id)
		json_object_set(reply, "id", (json_t *)id);
	return reply;
}

/* ---- Requests ---- */

/* One request's outcome: the reply object, whether it is a 2.0
 * notification (no reply at all), and the HTTP status a lone request
 * would get. */
struct outcome {
	json_t *reply;
	bool is_notification;
	int status;
};

/* Core's JSONRPCRequest::parse then JSONRPCExecOne.  Errors parsing the
 * envelope always map to an HTTP error status; errors executing one do
 * only for 1.0 requests (2.0 ones answer 200). */
static struct outcome run_request(struct server *s, const json_t *request)
{
	struct outcome o = {NULL, false, 200};
	const json_t *id = NULL, *version, *method, *params;
	struct rpc_error err = {0, ""};
	bool is_v2 = false;
	json_t *result;

	if (!json_is_object(request)) {
		rpc_fail(&err, RPC_INVALID_REQUEST, "Invalid Request object");
		goto envelope_error;
	}
	/* The id first, so errors from here on carry it. */
	id = json_object_get(request, "id");
	version = json_object_get(request, "jsonrpc");
	if (version && !json_is_null(version)) {
		if (!json_is_string(version)) {
			rpc_fail(&err, RPC_INVALID_REQUEST, "jsonrpc field must be a string");
			goto envelope_error;
		}
		/* Some old documentation sent "1.0": still 1.0. */
		if (strcmp(json_string_value(version), "2.0") == 0) {
			is_v2 = true;
		} else if (strcmp(json_string_value(version), "1.0") != 0) {
			rpc_fail(&err, RPC_INVALID_REQUEST, "JSON-RPC version not supported");
			goto envelope_error;
		}
	}
	method = json_object_get(request, "method");
	if (!method || json_is_null(method)) {
		rpc_fail(&err, RPC_INVALID_REQUEST, "Missing method");
		goto envelope_error;
	}
	if (!json_is_string(method)) {
		rpc_fail(&err, RPC_INVALID_REQUEST, "Method must be a string");
		goto envelope_error;
	}
	params = json_object_get(request, "params");
	if (params && !json_is_null(params) && !json_is_array(params)
	    && !json_is_object(params)) {
		rpc_fail(&err, RPC_INVALID_REQUEST, "Params must be an array or object");
		goto envelope_error;
	}
	if (params && json_is_null(params))
		params = NULL;

	o.is_notification = is_v2 && !id;
	result = rpc_execute(s->devchain, json_string_value(method), params, &err);
	if (result) {
		o.reply = reply_object(result, NULL, id, is_v2);
		return o;
	}
	if (!is_v2)
		o.status = error_status(err.code);
	o.reply = reply_object(NULL, error_object(err.code, err.message), id, is_v2);
	return o;

envelope_error:
	o.status = error_status(err.code);
	o.reply = reply_object(NULL, error_object(err.code, err.message), id, is_v2);
	return o;
}

static bool authorized(struct server *s, struct evhttp_request *req)
{
	const char *header = evhttp_find_header(evhttp_request_get_input_headers(req),
						"Authorization");
	unsigned char decoded[1024];
	size_t len, b64_len;
	bool ok = false;

	if (!header || strncmp(header, "Basic ", 6) != 0)
		return false;
	header += 6;
	while (*header == ' ' || *header == '\t')
		header++;
	b64_len = strlen(header);
	while (b64_len && (header[b64_len - 1] == ' ' || header[b64_len - 1] == '\t'))
		b64_len--;
	if (sodium_base642bin(decoded, sizeof(decoded) - 1, header, b64_len, NULL,
			      &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	if (len == strlen(s->cookie) && crypto_memeq(decoded, s->cookie, len))
		ok = true;
	if (s->user_pass && len == strlen(s->user_pass)
	    && crypto_memeq(decoded, s->user_pass, len))
		ok = true;
	crypto_wipe(decoded, sizeof(decoded));
	return ok;
}

static void on_reply_sent(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	/* `stop` answered: now stop, as Core does after replying. */
	event_base_loopexit(s->base, NULL);
}

static void handle_body(struct server *s, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	json_error_t parse_error;
	json_t *request = json_loadb(body ? body : "", len, JSON_DECODE_ANY, &parse_error);
	struct outcome o;

	if (!request) {
		o.reply = reply_object(NULL, error_object(RPC_PARSE_ERROR, "Parse error"),
				       json_null(), false);
		send_json(req, 500, o.reply);
		json_decref(o.reply);
		return;
	}
	if (json_is_object(request)) {
		o = run_request(s, request);
	} else if (json_is_array(request)) {
		/* Batches always answer 200; notifications get no entry. */
		o.reply = json_array();
		o.status = 200;
		o.is_notification = false;
		for (size_t i = 0; i < json_array_size(request); i++) {
			struct outcome one = run_request(s, json_array_get(request, i));
			if (one.is_notification)
				json_decref(one.reply);
			else
				json_array_append_new(o.reply, one.reply);
		}
	} else {
		o.reply = reply_object(NULL, error_object(RPC_PARSE_ERROR,
							  "Top-level object parse error"),
				       NULL, false);
		o.status = 500;
		o.is_notification = false;
	}
	json_decref(request);
	if (s->devchain->stop_requested)
		evhttp_request_set_on_complete_cb(req, on_reply_sent, s);
	if (o.is_notification)
		send_text(req, 204, "No Content", NULL);
	else
		send_json(req, o.status, o.reply);
	json_decref(o.reply);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	const char *uri = evhttp_request_get_uri(req);
	size_t path_len = strcspn(uri, "?#");

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		send_text(req, 405, "Method Not Allowed",
			  "JSONRPC server handles only POST requests");
		return;
	}
	/* Core serves "/" and the wallet endpoints "/wallet/<name>". */
	if (!(path_len == 1 && uri[0] == '/') && strncmp(uri, "/wallet/", 8) != 0) {
		send_text(req, 404, "Not Found", NULL);
		return;
	}
	if (!authorized(s, req)) {
		if (evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization"))
			fprintf(stderr, "ohm-devchain: incorrect RPC password attempt\n");
		send_unauthorized(req);
		return;
	}
	handle_body(s, req);
}

struct server *server_start(struct event_base *base, struct devchain *d,
			    const struct server_config *cfg, char *err,
			    size_t errlen)
{
	struct server *s = wire_calloc(1, sizeof(*s));

	s->base = base;
	s->devchain = d;
	s->cookie = strdup(cfg->cookie);
	s->user_pass = cfg->user_pass ? strdup(cfg->user_pass) : NULL;
	s->http = evhttp_new(base);
	if (!s->cookie || (cfg->user_pass && !s->user_pass) || !s->http) {
		snprintf(err, errlen, "out of memory starting the RPC server");
		server_free(s);
		return NULL;
	}
	evhttp_set_max_body_size(s->http, MAX_BODY_SIZE);
	evhttp_set_max_headers_size(s->http, MAX_HEADERS_SIZE);
	evhttp_set_timeout(s->http, HTTP_TIMEOUT_SECONDS);
	/* Let every method through to on_request, which answers 405. */
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST
				   | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT
				   | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS
				   | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(s->http, on_request, s);
	if (!evhttp_bind_socket_with_handle(s->http, cfg->bind, cfg->port)) {
		snprintf(err, errlen, "Unable to bind to %s:%u on this computer. "
			 "ohm-devchain is probably already running.", cfg->bind, cfg->port);
		server_free(s);
		return NULL;
	}
	return s;
}

void server_free(struct server *s)
{
	if (!s)
		return;
	if (s->http)
		evhttp_free(s->http);
	if (s->user_pass) {
		crypto_wipe(s->user_pass, strlen(s->user_pass));
		free(s->user_pass);
	}
	if (s->cookie) {
		crypto_wipe(s->cookie, strlen(s->cookie));
		free(s->cookie);
	}
	free(s);
}
