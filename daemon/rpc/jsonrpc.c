#include "daemon/rpc/jsonrpc.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/json_frame.h"
#include "daemon/log.h"

/* Stop reading from a client whose unread answers exceed this. */
#define RPC_MAX_PENDING_OUTPUT (64 * 1024 * 1024)


struct rpc_conn {
	struct rpc_server *server;
	struct bufferevent *bev;	/* NULL once the socket is gone */
	/* Bytes read but not yet handled: buf[start..len). */
	char *buf;
	size_t start, len, cap;
	struct json_frame frame;
	unsigned pending;		/* requests not answered yet */
	bool is_closing;		/* close once the output is flushed */
	bool is_throttled;		/* reading paused: output too large */
	bool is_held;			/* reading paused: too many pending */
	bool was_held;			/* logged that once */
	struct event *resume;		/* reads on once below the cap again */
	void (*after_flush)(struct ohmd *ohmd);
	struct rpc_conn *prev, *next;
};

struct rpc_request {
	struct rpc_conn *conn;
	json_t *id;			/* NULL for a notification */
	const struct rpc_command *command;
};

struct rpc_server {
	struct ohmd *ohmd;
	rpc_command_finder find;	/* the commands layer's table */
	struct log *log;
	struct evconnlistener *listener;
	char *path;
	struct rpc_conn *conns;
	unsigned long num_accepted;
	unsigned num_pending;		/* every connection's pending requests */
	bool is_busy;			/* refusing (logged once until below) */
};

static void conn_free(struct rpc_conn *conn)
{
	struct rpc_server *server = conn->server;

	if (conn->bev)
		bufferevent_free(conn->bev);
	if (conn->resume)
		event_free(conn->resume);
	if (conn->prev)
		conn->prev->next = conn->next;
	else
		server->conns = conn->next;
	if (conn->next)
		conn->next->prev = conn->prev;
	free(conn->buf);
	free(conn);
}

/* The socket is gone (or we are done with it): free the connection now,
 * or once its last outstanding request is answered. */
static void conn_drop(struct rpc_conn *conn)
{
	void (*after)(struct ohmd *) = conn->after_flush;
	struct ohmd *ohmd = conn->server->ohmd;

	if (conn->bev) {
		bufferevent_free(conn->bev);
		conn->bev = NULL;
	}
	conn->after_flush = NULL;
	if (conn->pending == 0)
		conn_free(conn);
	if (after)
		after(ohmd);
}

static void conn_process(struct rpc_conn *conn);

static bool output_is_empty(const struct rpc_conn *conn)
{
	return evbuffer_get_length(bufferevent_get_output(conn->bev)) == 0;
}

static void conn_send(struct rpc_conn *conn, json_t *message)
{
	char *text;

	if (!conn->bev)
		return;		/* the client left; nobody to tell */
	text = json_dumps(message, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text) {
		log_broken(conn->server->log, "rpc", "cannot serialize an answer");
		return;
	}
	bufferevent_write(conn->bev, text, strlen(text));
	bufferevent_write(conn->bev, "\n", 1);
	free(text);
}

/* Length of the well-formed UTF-8 sequence at text (as jansson checks
 * it: no overlong forms, surrogates or code points past U+10FFFF), or 0. */
static size_t utf8_sequence_len(const unsigned char *text)
{
	unsigned char c = text[0];
	size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
		   : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	uint32_t point = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;

	for (size_t i = 1; i < len; i++) {
		if ((text[i] & 0xC0) != 0x80)
			return 0;
		point = (point << 6) | (text[i] & 0x3F);
	}
	if ((len == 3 && (point < 0x800 || (point >= 0xD800 && point <= 0xDFFF)))
	    || (len == 4 && (point < 0x10000 || point > 0x10FFFF)))
		return 0;
	return len;
}

/* jansson refuses a string that is not UTF-8, and an answer it cannot build
 * is never sent: a message echoing a client's text, cut by "%.80s" or by
 * the message buffer in the middle of a character, would leave the request
 * unanswered.  Each byte that is not part of a character becomes '?'. */
static json_t *message_json(const char *message)
{
	json_t *text = json_string(message);
	char *copy;

	if (text)
		return text;
	copy = oh_strdup(message);
	for (size_t i = 0; copy[i];) {
		size_t len = utf8_sequence_len((const unsigned char *)copy + i);
		if (len == 0) {
			copy[i] = '?';
			len = 1;
		}
		i += len;
	}
	text = json_string(copy);
	free(copy);
	return text;
}

static json_t *error_object(int code, const char *message)
{
	return json_pack("{s:i, s:o}", "code", code, "message", message_json(message));
}

/* An error answer not tied to a parsed request (id is null). */
static void conn_send_error(struct rpc_conn *conn, const json_t *id, int code,
			    const char *message)
{
	json_t *answer = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0",
				   "id", id ? id : json_null(),
				   "error", error_object(code, message));
	conn_send(conn, answer);
	json_decref(answer);
}

static void conn_close_after_flush(struct rpc_conn *conn)
{
	conn->is_closing = true;
	bufferevent_disable(conn->bev, EV_READ);
	if (output_is_empty(conn) && conn->pending == 0)
		conn_drop(conn);
}

static void request_finish(struct rpc_request *request, json_t *answer_member,
			   const char *member_name)
{
	struct rpc_conn *conn = request->conn;

	if (request->id) {
		json_t *answer = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0",
					   "id", request->id, member_name, answer_member);
		conn_send(conn, answer);
		json_decref(answer);
		json_decref(request->id);
	} else {
		json_decref(answer_member);
	}
	free(request);
	conn->pending--;
	if (--conn->server->num_pending < RPC_MAX_PENDING)
		conn->server->is_busy = false;
	if (!conn->bev) {
		if (conn->pending == 0)
			conn_free(conn);
	} else if (conn->is_closing && conn->pending == 0 && output_is_empty(conn)) {
		conn_drop(conn);
	} else if (conn->is_held && !conn->is_throttled) {
		/* Below the cap again: read what waited, from the loop (we may
		 * be deep in a subsystem's callback, e.g. its waiter list). */
		conn->is_held = false;
		event_active(conn->resume, 0, 0);
	}
}

void rpc_respond(struct rpc_request *request, json_t *result)
{
	request_finish(request, result, "result");
}

void rpc_respond_then(struct rpc_request *request, json_t *result,
		      void (*after)(struct ohmd *ohmd))
{
	struct rpc_conn *conn = request->conn;
	struct ohmd *ohmd = conn->server->ohmd;

	if (!conn->bev) {
		rpc_respond(request, result);
		after(ohmd);
		return;
	}
	conn->after_flush = after;
	rpc_respond(request, result);
}

void rpc_respond_error(struct rpc_request *request, int code, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	request_finish(request, error_object(code, message), "error");
}

void rpc_respond_error_data(struct rpc_request *request, int code, json_t *data,
			    const char *fmt, ...)
{
	char message[1024];
	json_t *error;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	error = error_object(code, message);
	json_object_set_new(error, "data", data);
	request_finish(request, error, "error");
}

static bool id_is_valid(const json_t *id)
{
	return json_is_string(id) || json_is_number(id) || json_is_null(id);
}

/* Handles one complete message text. */
static void conn_handle_message(struct rpc_conn *conn, const char *text, size_t len)
{
	struct rpc_server *server = conn->server;
	json_error_t parse_error;
	json_t *message, *id, *version, *method, *params, *named;
	const struct rpc_command *command;
	struct rpc_request *request;
	char why[512];

	message = json_loadb(text, len, JSON_REJECT_DUPLICATES, &parse_error);
	if (!message) {
		snprintf(why, sizeof(why), "Parse error: %s (line %d, column %d)",
			 parse_error.text, parse_error.line, parse_error.column);
		conn_send_error(conn, NULL, RPC_PARSE_ERROR, why);
		return;
	}
	if (json_is_array(message)) {
		conn_send_error(conn, NULL, RPC_INVALID_REQUEST,
				"Invalid request: batch requests are not supported");
		goto out;
	}
	id = json_object_get(message, "id");
	if (id && !id_is_valid(id)) {
		conn_send_error(conn, NULL, RPC_INVALID_REQUEST,
				"Invalid request: 'id' must be a string, a number or null");
		goto out;
	}
	version = json_object_get(message, "jsonrpc");
	if (version && (!json_is_string(version) || strcmp(json_string_value(version), "2.0"))) {
		conn_send_error(conn, id, RPC_INVALID_REQUEST,
				"Invalid request: 'jsonrpc' must be \"2.0\"");
		goto out;
	}
	method = json_object_get(message, "method");
	if (!json_is_string(method)) {
		conn_send_error(conn, id, RPC_INVALID_REQUEST,
				method ? "Invalid request: 'method' must be a string"
				       : "Invalid request: missing 'method'");
		goto out;
	}
	params = json_object_get(message, "params");
	if (params && !json_is_array(params) && !json_is_object(params)) {
		conn_send_error(conn, id, RPC_INVALID_REQUEST,
				"Invalid request: 'params' must be an array or an object");
		goto out;
	}
	command = server->find(json_string_value(method));
	if (!command) {
		snprintf(why, sizeof(why), "Unknown command '%.200s'", json_string_value(method));
		if (id)
			conn_send_error(conn, id, RPC_METHOD_NOT_FOUND, why);
		goto out;
	}
	named = rpc_params_parse(command, params, why, sizeof(why));
	if (!named) {
		if (id)
			conn_send_error(conn, id, RPC_INVALID_PARAMS, why);
		goto out;
	}

	if (server->num_pending >= RPC_MAX_PENDING) {
		if (!server->is_busy)
			log_unusual(server->log, "rpc", "refusing a request: %u pending, the "
				    "most we hold (and more until some are answered)",
				    server->num_pending);
		server->is_busy = true;
		snprintf(why, sizeof(why), "Server busy: %u requests pending, the most ohmd holds; "
			 "try again once some are answered", server->num_pending);
		if (id)
			conn_send_error(conn, id, RPC_SERVER_BUSY, why);
		json_decref(named);
		goto out;
	}
	log_debug(server->log, "rpc", "%s", command->name);
	request = oh_malloc(sizeof(*request));
	request->conn = conn;
	request->id = id ? json_incref(id) : NULL;
	request->command = command;
	conn->pending++;
	server->num_pending++;
	command->handler(server->ohmd, request, named);
	json_decref(named);
out:
	json_decref(message);
}

/* Cuts the buffered bytes into messages and handles each. */
static void conn_process(struct rpc_conn *conn)
{
	size_t msg_len;

	conn->is_held = false;	/* set again below if still at the cap */
	while (conn->bev && !conn->is_closing) {
		if (evbuffer_get_length(bufferevent_get_output(conn->bev)) > RPC_MAX_PENDING_OUTPUT) {
			/* The client is not reading its answers: wait for it. */
			conn->is_throttled = true;
			bufferevent_disable(conn->bev, EV_READ);
			break;
		}
		if (conn->pending >= RPC_MAX_PENDING_PER_CONNECTION) {
			/* Each pending request holds memory: wait for answers. */
			if (!conn->was_held)
				log_info(conn->server->log, "rpc", "a client has %u requests pending: "
					 "reading its next once one is answered", conn->pending);
			conn->is_held = conn->was_held = true;
			bufferevent_disable(conn->bev, EV_READ);
			break;
		}
		const char *unread = conn->buf + conn->start;
		size_t unread_len = conn->len - conn->start;
		switch (json_frame_scan(&conn->frame, unread, unread_len, &msg_len)) {
		case JSON_FRAME_NEED_MORE:
			if (unread_len > RPC_MAX_REQUEST_BYTES)
				goto too_large;
			goto compact;
		case JSON_FRAME_GARBAGE: {
			char why[128];
			snprintf(why, sizeof(why),
				 "Parse error: expected '{' to start a request, got byte 0x%02x",
				 (unsigned char)unread[msg_len - 1]);
			conn_send_error(conn, NULL, RPC_PARSE_ERROR, why);
			/* There is no telling where the next message starts. */
			conn_close_after_flush(conn);
			return;
		}
		case JSON_FRAME_COMPLETE:
			if (msg_len > RPC_MAX_REQUEST_BYTES)
				goto too_large;
			conn->start += msg_len;
			json_frame_init(&conn->frame);
			conn_handle_message(conn, unread, msg_len);
			break;
		}
	}
compact:
	/* Keep only the unhandled tail, at the front of the buffer. */
	if (conn->start > 0) {
		memmove(conn->buf, conn->buf + conn->start, conn->len - conn->start);
		conn->len -= conn->start;
		conn->start = 0;
	}
	return;

too_large:
	{
		char why[128];
		snprintf(why, sizeof(why), "Invalid request: larger than the %d-byte limit",
			 RPC_MAX_REQUEST_BYTES);
		log_unusual(conn->server->log, "rpc", "closing a client that sent an oversized request");
		conn_send_error(conn, NULL, RPC_INVALID_REQUEST, why);
		conn_close_after_flush(conn);
	}
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct rpc_conn *conn = arg;
	struct evbuffer *input = bufferevent_get_input(bev);
	size_t avail = evbuffer_get_length(input);

	if (conn->is_closing) {
		evbuffer_drain(input, avail);
		return;
	}
	if (conn->len + avail > conn->cap) {
		size_t cap = conn->cap ? conn->cap : 4096;
		while (cap < conn->len + avail)
			cap *= 2;
		conn->buf = oh_realloc(conn->buf, cap);
		conn->cap = cap;
	}
	evbuffer_remove(input, conn->buf + conn->len, avail);
	conn->len += avail;
	conn_process(conn);
}

static void conn_resume(evutil_socket_t fd, short events, void *arg)
{
	struct rpc_conn *conn = arg;

	if (!conn->bev || conn->is_closing || conn->is_throttled)
		return;
	bufferevent_enable(conn->bev, EV_READ);
	conn_process(conn);
}

/* Called when the output buffer has drained completely. */
static void conn_write(struct bufferevent *bev, void *arg)
{
	struct rpc_conn *conn = arg;

	if (conn->after_flush || (conn->is_closing && conn->pending == 0)) {
		conn_drop(conn);
		return;
	}
	if (conn->is_throttled) {
		conn->is_throttled = false;
		bufferevent_enable(bev, EV_READ);
		conn_process(conn);
	}
}

static void conn_event(struct bufferevent *bev, short events, void *arg)
{
	struct rpc_conn *conn = arg;

	if ((events & BEV_EVENT_EOF) && !(events & BEV_EVENT_ERROR)) {
		/* The client closed its side; answer what it asked, then close. */
		conn_close_after_flush(conn);
		return;
	}
	conn_drop(conn);
}

static void server_accept(struct evconnlistener *listener, evutil_socket_t fd,
			  struct sockaddr *addr, int socklen, void *arg)
{
	struct rpc_server *server = arg;
	struct event_base *base = evconnlistener_get_base(listener);
	struct rpc_conn *conn = oh_calloc(1, sizeof(*conn));

	conn->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	conn->resume = event_new(base, -1, 0, conn_resume, conn);
	if (!conn->bev || !conn->resume) {
		if (conn->bev)
			bufferevent_free(conn->bev);
		else
			close(fd);
		if (conn->resume)
			event_free(conn->resume);
		free(conn);
		return;
	}
	conn->server = server;
	json_frame_init(&conn->frame);
	conn->next = server->conns;
	if (server->conns)
		server->conns->prev = conn;
	server->conns = conn;
	server->num_accepted++;
	bufferevent_setcb(conn->bev, conn_read, conn_write, conn_event, conn);
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
}

static void server_accept_error(struct evconnlistener *listener, void *arg)
{
	struct rpc_server *server = arg;
	/* EMFILE and the like: log and carry on; the listener stays up. */
	log_unusual(server->log, "rpc", "accept failed: %s", strerror(errno));
}

struct rpc_server *rpc_server_new(struct ohmd *ohmd, rpc_command_finder find,
				  struct event_base *base, struct log *log, const char *path,
				  char *err, size_t errlen)
{
	struct sockaddr_un addr;
	struct rpc_server *server;
	mode_t old_mask;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "RPC socket path %s is longer than %zu bytes",
			 path, sizeof(addr.sun_path) - 1);
		return NULL;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	strcpy(addr.sun_path, path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create RPC socket: %s", strerror(errno));
		return NULL;
	}
	/* We hold the data directory's lock, so a socket file left there is a
	 * crashed ohmd's. */
	unlink(path);
	old_mask = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (rc != 0 || chmod(path, 0600) != 0) {
		snprintf(err, errlen, "cannot bind RPC socket %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}

	server = oh_calloc(1, sizeof(*server));
	server->path = oh_strdup(path);
	server->ohmd = ohmd;
	server->find = find;
	server->log = log;
	server->listener = evconnlistener_new(base, server_accept, server,
					      LEV_OPT_CLOSE_ON_FREE, 1024, fd);
	if (!server->listener) {
		snprintf(err, errlen, "cannot listen on RPC socket %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(server->path);
		free(server);
		return NULL;
	}
	evconnlistener_set_error_cb(server->listener, server_accept_error);
	return server;
}

void rpc_server_free(struct rpc_server *server)
{
	if (!server)
		return;
	evconnlistener_free(server->listener);
	while (server->conns) {
		struct rpc_conn *conn = server->conns;
		/* Requests still waiting are abandoned with the daemon. */
		conn->after_flush = NULL;
		conn->pending = 0;
		conn_free(conn);
	}
	unlink(server->path);
	free(server->path);
	free(server);
}
