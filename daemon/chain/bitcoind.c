/* Invariants: a call is in exactly one place: the queue, a slot (in
 * flight), or the finished list (answered from a deferred event).  While
 * the backend is down, at most one call is in flight: the trial that
 * finds out whether it is back, sent when the backoff timer fires. */
#include "daemon/chain/bitcoind.h"
#include "daemon/chain/chain_parse.h"

#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/alloc.h"
#include "crypto/util.h"
#include "daemon/log.h"

#define PROBE_TIMEOUT_SECS 5

struct bitcoind_call {
	char *method;
	char *body;		/* the serialized JSON-RPC request */
	enum bitcoind_retry retry;
	bool is_reattempt;	/* already retried once on a stale connection */
	bitcoind_callback cb;
	void *arg;
	/* Set when the answer is decided but not yet delivered. */
	json_t *result;
	int error_code;
	bool error_is_transport;
	char *error_message;
	struct bitcoind_call *next;
};

/* One HTTP connection and the call it carries. */
struct slot {
	struct bitcoind *bitcoind;
	struct evhttp_connection *evcon;
	struct bitcoind_call *call;	/* NULL when idle */
	bool is_trial;
	bool has_answered;	/* the connection has carried an answer */
	const char *transport_error;	/* from the request's error callback */
};

struct bitcoind {
	struct event_base *base;
	struct log *log;
	struct bitcoind_options opts;	/* strings owned */
	char endpoint[300];
	struct evdns_base *dns;
	char *authorization;	/* "Basic ..." or NULL */

	struct slot slots[BITCOIND_MAX_IN_FLIGHT];
	struct bitcoind_call *queue, **queue_tail;
	struct bitcoind_call *finished, **finished_tail;
	struct event *deliver_event;
	unsigned long next_id;

	/* Backend state. */
	bool is_down;
	bool is_retry_due;	/* down, and the backoff has passed */
	bool has_trial;		/* a trial is in flight */
	char *warning;		/* why it is down; NULL when up */
	bool is_warning_logged;
	unsigned backoff_secs;
	struct event *retry_event;

	/* The diagnosis probe: a bare TCP connect that learns why we cannot
	 * reach the backend (evhttp does not say). */
	struct evdns_getaddrinfo_request *probe_dns;
	evutil_socket_t probe_fd;
	struct event *probe_event;
};

static void dispatch(struct bitcoind *bitcoind);

const char *bitcoind_network_subdir(const char *network)
{
	if (strcmp(network, "testnet") == 0)
		return "testnet3";
	if (strcmp(network, "signet") == 0 || strcmp(network, "regtest") == 0)
		return network;
	return "";
}

const char *bitcoind_warning(const struct bitcoind *bitcoind)
{
	return bitcoind->warning;
}

const char *bitcoind_endpoint(const struct bitcoind *bitcoind)
{
	return bitcoind->endpoint;
}

/* ---- Credentials ---- */

/* Reads the first line of path into a malloc'd string; NULL if absent. */
static char *read_first_line(const char *path)
{
	char line[1024];
	FILE *file = fopen(path, "r");
	char *copy = NULL;

	if (!file)
		return NULL;
	if (fgets(line, sizeof(line), file)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (*line)
			copy = oh_strdup(line);
	}
	fclose(file);
	crypto_wipe(line, sizeof(line));
	return copy;
}

/* "Basic base64(userpass)". */
static char *basic_authorization(const char *userpass)
{
	size_t len = strlen(userpass);
	size_t b64_len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *header = oh_malloc(6 + b64_len);

	memcpy(header, "Basic ", 6);
	sodium_bin2base64(header + 6, b64_len, (const unsigned char *)userpass, len,
			  sodium_base64_VARIANT_ORIGINAL);
	return header;
}

/* Works out the Authorization header: the configured user and password,
 * else the cookie.  Leaves NULL (requests will be refused with 401, and
 * the warning says where we looked) when there is none. */
static void load_credentials(struct bitcoind *bitcoind)
{
	char *userpass = NULL;

	if (bitcoind->authorization) {
		crypto_wipe(bitcoind->authorization, strlen(bitcoind->authorization));
		free(bitcoind->authorization);
		bitcoind->authorization = NULL;
	}
	if (bitcoind->opts.user && bitcoind->opts.password) {
		if (asprintf(&userpass, "%s:%s", bitcoind->opts.user, bitcoind->opts.password) < 0)
			userpass = NULL;
	} else {
		char path[4200];
		/* Core's layout first, then the data directory itself (a
		 * datadir that is the network directory, as ohm-devchain's). */
		snprintf(path, sizeof(path), "%s/%s%s.cookie", bitcoind->opts.datadir,
			 bitcoind->opts.network_subdir, *bitcoind->opts.network_subdir ? "/" : "");
		userpass = read_first_line(path);
		if (!userpass && *bitcoind->opts.network_subdir) {
			snprintf(path, sizeof(path), "%s/.cookie", bitcoind->opts.datadir);
			userpass = read_first_line(path);
		}
	}
	if (userpass) {
		bitcoind->authorization = basic_authorization(userpass);
		crypto_wipe(userpass, strlen(userpass));
		free(userpass);
	}
}

/* ---- Answering calls ---- */

static void call_free(struct bitcoind_call *call)
{
	free(call->method);
	free(call->body);
	free(call->error_message);
	json_decref(call->result);
	free(call);
}

static void deliver_finished(evutil_socket_t fd, short what, void *arg)
{
	struct bitcoind *bitcoind = arg;

	/* Callbacks may queue new calls (and so new finished ones): take
	 * the list first. */
	while (bitcoind->finished) {
		struct bitcoind_call *call = bitcoind->finished;
		bitcoind->finished = call->next;
		if (!bitcoind->finished)
			bitcoind->finished_tail = &bitcoind->finished;
		struct bitcoind_error error = {
			.is_transport = call->error_is_transport,
			.code = call->error_code,
			.message = call->error_message ? call->error_message : "",
		};
		call->cb(call->result, call->result ? NULL : &error, call->arg);
		call_free(call);
	}
}

/* Answers call from the event loop, soon. */
static void finish(struct bitcoind *bitcoind, struct bitcoind_call *call)
{
	call->next = NULL;
	*bitcoind->finished_tail = call;
	bitcoind->finished_tail = &call->next;
	event_active(bitcoind->deliver_event, EV_TIMEOUT, 0);
}

static void finish_error(struct bitcoind *bitcoind, struct bitcoind_call *call,
			 bool is_transport, int code, const char *message)
{
	free(call->error_message);
	call->error_message = oh_strdup(message);
	call->error_is_transport = is_transport;
	call->error_code = code;
	finish(bitcoind, call);
}

static void queue_push_front(struct bitcoind *bitcoind, struct bitcoind_call *call)
{
	call->next = bitcoind->queue;
	bitcoind->queue = call;
	if (bitcoind->queue_tail == &bitcoind->queue)
		bitcoind->queue_tail = &call->next;
}

/* ---- Up and down ---- */

/* Sets the warning; logs it unless is_quiet (a vague reason the probe is
 * about to make precise). */
static void set_warning(struct bitcoind *bitcoind, const char *warning, bool is_quiet)
{
	if (!bitcoind->warning || strcmp(bitcoind->warning, warning) != 0) {
		free(bitcoind->warning);
		bitcoind->warning = oh_strdup(warning);
		bitcoind->is_warning_logged = false;
	}
	if (!is_quiet && !bitcoind->is_warning_logged && bitcoind->warning) {
		log_unusual(bitcoind->log, "bitcoind", "%s; retrying", bitcoind->warning);
		bitcoind->is_warning_logged = true;
	}
}

/* Waits backoff_secs, then lets one trial call through. */
static void arm_retry(struct bitcoind *bitcoind)
{
	struct timeval delay = {bitcoind->backoff_secs, 0};

	bitcoind->is_retry_due = false;
	evtimer_add(bitcoind->retry_event, &delay);
}

static void back_off(struct bitcoind *bitcoind)
{
	bitcoind->backoff_secs *= 2;
	if (bitcoind->backoff_secs > bitcoind->opts.retry_max_secs)
		bitcoind->backoff_secs = bitcoind->opts.retry_max_secs;
	arm_retry(bitcoind);
}

static void start_probe(struct bitcoind *bitcoind);

/* The backend did not answer call (NULL if none) properly, for reason. */
static void backend_failed(struct bitcoind *bitcoind, struct bitcoind_call *call,
			   bool is_trial, bool is_transport, const char *reason)
{
	char warning[600];

	if (is_transport)
		snprintf(warning, sizeof(warning), "Cannot reach bitcoind at %s: %s",
			 bitcoind->endpoint, reason);
	else
		snprintf(warning, sizeof(warning), "%s", reason);

	if (!bitcoind->is_down) {
		bitcoind->is_down = true;
		bitcoind->backoff_secs = 1;
		arm_retry(bitcoind);
	} else if (is_trial) {
		back_off(bitcoind);
	}
	if (is_transport) {
		/* evhttp does not say why a connection failed: a bare connect
		 * finds out, and its answer replaces this vaguer one. */
		if (!bitcoind->warning || !bitcoind->is_warning_logged)
			set_warning(bitcoind, warning, true);
		start_probe(bitcoind);
	} else {
		set_warning(bitcoind, warning, false);
	}

	if (!call)
		return;
	if (call->retry == BITCOIND_RETRY)
		queue_push_front(bitcoind, call);
	else
		finish_error(bitcoind, call, true, 0, bitcoind->warning ? bitcoind->warning : warning);
}

static void backend_answered(struct bitcoind *bitcoind)
{
	if (!bitcoind->is_down)
		return;
	log_info(bitcoind->log, "bitcoind", "bitcoind at %s answers again", bitcoind->endpoint);
	bitcoind->is_down = false;
	bitcoind->is_retry_due = false;
	bitcoind->backoff_secs = 0;
	free(bitcoind->warning);
	bitcoind->warning = NULL;
	evtimer_del(bitcoind->retry_event);
}

static void retry_due(evutil_socket_t fd, short what, void *arg)
{
	struct bitcoind *bitcoind = arg;

	/* Core writes a new cookie each time it starts. */
	load_credentials(bitcoind);
	bitcoind->is_retry_due = true;
	if (bitcoind->queue)
		dispatch(bitcoind);
	else
		start_probe(bitcoind);	/* nothing to try with: just connect */
}

/* ---- The diagnosis probe ---- */

static void probe_stop(struct bitcoind *bitcoind)
{
	if (bitcoind->probe_dns) {
		struct evdns_getaddrinfo_request *dns = bitcoind->probe_dns;
		bitcoind->probe_dns = NULL;
		evdns_getaddrinfo_cancel(dns);
	}
	if (bitcoind->probe_event) {
		event_free(bitcoind->probe_event);
		bitcoind->probe_event = NULL;
	}
	if (bitcoind->probe_fd >= 0) {
		evutil_closesocket(bitcoind->probe_fd);
		bitcoind->probe_fd = -1;
	}
}

/* The probe's outcome: reason is NULL if it connected, else why not. */
static void probe_done(struct bitcoind *bitcoind, const char *reason)
{
	char warning[600];

	probe_stop(bitcoind);
	if (!bitcoind->is_down)
		return;
	if (reason) {
		snprintf(warning, sizeof(warning), "Cannot reach bitcoind at %s: %s",
			 bitcoind->endpoint, reason);
		set_warning(bitcoind, warning, false);
	} else {
		/* It accepts connections; the vague reason stands. */
		set_warning(bitcoind, bitcoind->warning ? bitcoind->warning : "", false);
	}
	/* A retry with nothing queued: the probe was the trial. */
	if (bitcoind->is_retry_due && !bitcoind->queue && !bitcoind->has_trial) {
		if (reason)
			back_off(bitcoind);
		else
			backend_answered(bitcoind);
	}
}

static void probe_connected(evutil_socket_t fd, short what, void *arg)
{
	struct bitcoind *bitcoind = arg;
	int error = 0;
	socklen_t len = sizeof(error);

	if (what & EV_TIMEOUT) {
		probe_done(bitcoind, "connection timed out");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
		error = errno;
	probe_done(bitcoind, error ? strerror(error) : NULL);
}

/* Marks the probe's name lookup as in progress (the real handle may only
 * come back after its callback has run, for numeric hosts). */
#define PROBE_DNS_STARTING ((struct evdns_getaddrinfo_request *)&probe_dns_starting)
static const char probe_dns_starting;

static void probe_resolved(int result, struct evutil_addrinfo *addrs, void *arg)
{
	struct bitcoind *bitcoind = arg;
	struct timeval timeout = {PROBE_TIMEOUT_SECS, 0};
	evutil_socket_t fd;

	if (result == EVUTIL_EAI_CANCEL) {
		if (addrs)
			evutil_freeaddrinfo(addrs);
		return;
	}
	bitcoind->probe_dns = NULL;
	if (result != 0 || !addrs) {
		if (addrs)
			evutil_freeaddrinfo(addrs);
		probe_done(bitcoind, result ? evutil_gai_strerror(result) : "no address");
		return;
	}
	fd = socket(addrs->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		evutil_freeaddrinfo(addrs);
		probe_done(bitcoind, strerror(errno));
		return;
	}
	bitcoind->probe_fd = fd;
	if (connect(fd, addrs->ai_addr, (socklen_t)addrs->ai_addrlen) == 0) {
		evutil_freeaddrinfo(addrs);
		probe_done(bitcoind, NULL);
		return;
	}
	int error = errno;
	evutil_freeaddrinfo(addrs);
	if (error != EINPROGRESS) {
		probe_done(bitcoind, strerror(error));
		return;
	}
	bitcoind->probe_event = event_new(bitcoind->base, fd, EV_WRITE, probe_connected, bitcoind);
	if (!bitcoind->probe_event || event_add(bitcoind->probe_event, &timeout) != 0)
		probe_done(bitcoind, "out of memory");
}

static void start_probe(struct bitcoind *bitcoind)
{
	struct evdns_getaddrinfo_request *request;
	struct evutil_addrinfo hints;
	char port[8];

	if (bitcoind->probe_dns || bitcoind->probe_fd >= 0)
		return;		/* one is running */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", bitcoind->opts.port);
	bitcoind->probe_dns = PROBE_DNS_STARTING;
	request = evdns_getaddrinfo(bitcoind->dns, bitcoind->opts.host, port, &hints,
				    probe_resolved, bitcoind);
	/* Still starting: the callback has not run yet. */
	if (bitcoind->probe_dns == PROBE_DNS_STARTING)
		bitcoind->probe_dns = request;
}

/* ---- HTTP ---- */

static void request_error(enum evhttp_request_error error, void *arg)
{
	struct slot *slot = arg;

	switch (error) {
	case EVREQ_HTTP_TIMEOUT:
		slot->transport_error = "request timed out";
		return;
	case EVREQ_HTTP_EOF:
		slot->transport_error = "connection closed";
		return;
	case EVREQ_HTTP_INVALID_HEADER:
		slot->transport_error = "malformed HTTP answer";
		return;
	case EVREQ_HTTP_BUFFER_ERROR:
		slot->transport_error = "connection error";
		return;
	case EVREQ_HTTP_REQUEST_CANCEL:
		slot->transport_error = "request cancelled";
		return;
	case EVREQ_HTTP_DATA_TOO_LONG:
		slot->transport_error = "answer too long";
		return;
	}
	slot->transport_error = "connection failed";
}

/* Handles a complete HTTP answer with status code to call. */
static void handle_answer(struct bitcoind *bitcoind, struct bitcoind_call *call, bool is_trial,
			  int code, const char *body, size_t body_len)
{
	struct bitcoind_answer answer;
	char why[600];

	if (code == 401 || code == 403) {
		snprintf(why, sizeof(why),
			 "bitcoind at %s refused our credentials (HTTP %d): check "
			 "bitcoin-rpcuser and bitcoin-rpcpassword, or that bitcoin-datadir "
			 "holds bitcoind's .cookie", bitcoind->endpoint, code);
		backend_failed(bitcoind, call, is_trial, false, why);
		return;
	}
	if (code == 503) {
		snprintf(why, sizeof(why), "bitcoind at %s is overloaded (HTTP 503)",
			 bitcoind->endpoint);
		backend_failed(bitcoind, call, is_trial, false, why);
		return;
	}
	switch (bitcoind_answer_parse(&answer, body, body_len)) {
	case BITCOIND_ANSWER_MALFORMED:
		snprintf(why, sizeof(why), "bitcoind at %s sent a malformed answer (HTTP %d)",
			 bitcoind->endpoint, code);
		backend_failed(bitcoind, call, is_trial, false, why);
		break;
	case BITCOIND_ANSWER_WARMUP:
		snprintf(why, sizeof(why), "bitcoind at %s is starting: %s",
			 bitcoind->endpoint, answer.message);
		backend_failed(bitcoind, call, is_trial, false, why);
		break;
	case BITCOIND_ANSWER_ERROR:
		backend_answered(bitcoind);
		log_debug(bitcoind->log, "bitcoind", "%s: error %d: %s", call->method,
			  answer.code, answer.message);
		finish_error(bitcoind, call, false, answer.code, answer.message);
		break;
	case BITCOIND_ANSWER_NO_RESULT:
		snprintf(why, sizeof(why), "bitcoind at %s sent an answer without a result (HTTP %d)",
			 bitcoind->endpoint, code);
		backend_failed(bitcoind, call, is_trial, false, why);
		break;
	case BITCOIND_ANSWER_RESULT:
		backend_answered(bitcoind);
		call->result = json_incref((json_t *)answer.result);
		finish(bitcoind, call);
		break;
	}
	json_decref(answer.json);
}

static void request_done(struct evhttp_request *req, void *arg)
{
	struct slot *slot = arg;
	struct bitcoind *bitcoind = slot->bitcoind;
	struct bitcoind_call *call = slot->call;
	bool is_trial = slot->is_trial;
	int code = req ? evhttp_request_get_response_code(req) : 0;

	slot->call = NULL;
	slot->is_trial = false;
	if (is_trial)
		bitcoind->has_trial = false;
	if (code == 0) {
		const char *reason = slot->transport_error ? slot->transport_error
							   : "connection failed";
		/* Core closes idle connections: a call that met a closed
		 * keep-alive connection is sent once more before we call the
		 * backend down. */
		if (slot->has_answered && !call->is_reattempt && !bitcoind->is_down
		    && strcmp(reason, "request timed out") != 0) {
			slot->has_answered = false;
			call->is_reattempt = true;
			queue_push_front(bitcoind, call);
		} else {
			slot->has_answered = false;
			backend_failed(bitcoind, call, is_trial, true, reason);
		}
	} else {
		struct evbuffer *input = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(input);
		const char *body = (const char *)evbuffer_pullup(input, -1);
		slot->has_answered = true;
		call->is_reattempt = false;
		handle_answer(bitcoind, call, is_trial, code, body ? body : "", body ? len : 0);
	}
	dispatch(bitcoind);
}

/* Sends call on slot.  Returns false (call untouched) if it cannot. */
static bool send_call(struct bitcoind *bitcoind, struct slot *slot, struct bitcoind_call *call)
{
	struct evhttp_request *req;
	struct evkeyvalq *headers;
	char host_header[300];

	if (!slot->evcon) {
		slot->evcon = evhttp_connection_base_new(bitcoind->base, bitcoind->dns,
							 bitcoind->opts.host, bitcoind->opts.port);
		if (!slot->evcon)
			return false;
		evhttp_connection_set_timeout(slot->evcon, (int)bitcoind->opts.timeout_secs);
	}
	req = evhttp_request_new(request_done, slot);
	if (!req)
		return false;
	evhttp_request_set_error_cb(req, request_error);
	headers = evhttp_request_get_output_headers(req);
	snprintf(host_header, sizeof(host_header), "%s", bitcoind->endpoint);
	evhttp_add_header(headers, "Host", host_header);
	evhttp_add_header(headers, "Content-Type", "application/json");
	if (bitcoind->authorization)
		evhttp_add_header(headers, "Authorization", bitcoind->authorization);
	evbuffer_add(evhttp_request_get_output_buffer(req), call->body, strlen(call->body));
	slot->transport_error = NULL;
	slot->call = call;
	/* On failure libevent frees req itself. */
	if (evhttp_make_request(slot->evcon, req, EVHTTP_REQ_POST, "/") != 0) {
		slot->call = NULL;
		return false;
	}
	log_io(bitcoind->log, "bitcoind", "-> %s", call->method);
	return true;
}

static struct slot *idle_slot(struct bitcoind *bitcoind)
{
	for (size_t i = 0; i < BITCOIND_MAX_IN_FLIGHT; i++)
		if (!bitcoind->slots[i].call)
			return &bitcoind->slots[i];
	return NULL;
}

static struct bitcoind_call *queue_pop(struct bitcoind *bitcoind)
{
	struct bitcoind_call *call = bitcoind->queue;

	bitcoind->queue = call->next;
	if (!bitcoind->queue)
		bitcoind->queue_tail = &bitcoind->queue;
	call->next = NULL;
	return call;
}

/* Sends what may be sent: everything (up to the slots) while the backend
 * is up; one trial when it is down and the backoff has passed. */
static void dispatch(struct bitcoind *bitcoind)
{
	struct slot *slot;

	while (bitcoind->queue && (slot = idle_slot(bitcoind)) != NULL) {
		bool is_trial = bitcoind->is_down;
		if (is_trial && (!bitcoind->is_retry_due || bitcoind->has_trial))
			return;
		struct bitcoind_call *call = queue_pop(bitcoind);
		if (!send_call(bitcoind, slot, call)) {
			queue_push_front(bitcoind, call);
			backend_failed(bitcoind, NULL, is_trial, true, "cannot create a request");
			return;
		}
		if (is_trial) {
			slot->is_trial = true;
			bitcoind->has_trial = true;
			bitcoind->is_retry_due = false;
		}
	}
}

void bitcoind_call(struct bitcoind *bitcoind, enum bitcoind_retry retry, const char *method,
		   json_t *params, bitcoind_callback cb, void *arg)
{
	struct bitcoind_call *call = oh_calloc(1, sizeof(*call));
	json_t *request;

	request = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "1.0",
			    "id", (json_int_t)bitcoind->next_id++, "method", method,
			    "params", params ? params : json_array());
	call->method = oh_strdup(method);
	call->body = request ? json_dumps(request, JSON_COMPACT) : NULL;
	json_decref(request);
	call->retry = retry;
	call->cb = cb;
	call->arg = arg;
	if (!call->body) {
		finish_error(bitcoind, call, true, 0, "out of memory");
		return;
	}
	if (bitcoind->is_down && retry == BITCOIND_FAIL_FAST) {
		finish_error(bitcoind, call, true, 0, bitcoind->warning ? bitcoind->warning
									: "bitcoind is unreachable");
		return;
	}
	*bitcoind->queue_tail = call;
	bitcoind->queue_tail = &call->next;
	dispatch(bitcoind);
}

/* ---- Life cycle ---- */

struct bitcoind *bitcoind_new(struct event_base *base, struct log *log,
			      const struct bitcoind_options *opts)
{
	struct bitcoind *bitcoind = oh_calloc(1, sizeof(*bitcoind));

	bitcoind->base = base;
	bitcoind->log = log;
	bitcoind->opts = *opts;
	bitcoind->opts.host = oh_strdup(opts->host);
	bitcoind->opts.user = opts->user ? oh_strdup(opts->user) : NULL;
	bitcoind->opts.password = opts->password ? oh_strdup(opts->password) : NULL;
	bitcoind->opts.datadir = oh_strdup(opts->datadir);
	bitcoind->opts.network_subdir = oh_strdup(opts->network_subdir);
	if (bitcoind->opts.retry_max_secs < 1)
		bitcoind->opts.retry_max_secs = 1;
	if (bitcoind->opts.timeout_secs < 1)
		bitcoind->opts.timeout_secs = 60;
	bitcoind->probe_fd = -1;
	bitcoind->queue_tail = &bitcoind->queue;
	bitcoind->finished_tail = &bitcoind->finished;
	snprintf(bitcoind->endpoint, sizeof(bitcoind->endpoint),
		 strchr(opts->host, ':') ? "[%s]:%u" : "%s:%u", opts->host, opts->port);
	for (size_t i = 0; i < BITCOIND_MAX_IN_FLIGHT; i++)
		bitcoind->slots[i].bitcoind = bitcoind;
	bitcoind->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS
				       | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!bitcoind->dns)
		bitcoind->dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	bitcoind->deliver_event = event_new(base, -1, 0, deliver_finished, bitcoind);
	bitcoind->retry_event = evtimer_new(base, retry_due, bitcoind);
	if (!bitcoind->dns || !bitcoind->deliver_event || !bitcoind->retry_event) {
		bitcoind_free(bitcoind);
		return NULL;
	}
	load_credentials(bitcoind);
	if (!bitcoind->authorization)
		log_info(log, "bitcoind", "no bitcoind credentials yet: neither bitcoin-rpcuser "
			 "and bitcoin-rpcpassword nor a .cookie under %s", opts->datadir);
	return bitcoind;
}

static void call_list_free(struct bitcoind_call *call)
{
	while (call) {
		struct bitcoind_call *next = call->next;
		call_free(call);
		call = next;
	}
}

void bitcoind_free(struct bitcoind *bitcoind)
{
	if (!bitcoind)
		return;
	for (size_t i = 0; i < BITCOIND_MAX_IN_FLIGHT; i++) {
		struct slot *slot = &bitcoind->slots[i];
		/* Frees the in-flight request without calling it back. */
		if (slot->evcon)
			evhttp_connection_free(slot->evcon);
		if (slot->call)
			call_free(slot->call);
	}
	call_list_free(bitcoind->queue);
	call_list_free(bitcoind->finished);
	probe_stop(bitcoind);
	if (bitcoind->dns)
		evdns_base_free(bitcoind->dns, 0);
	if (bitcoind->deliver_event)
		event_free(bitcoind->deliver_event);
	if (bitcoind->retry_event)
		event_free(bitcoind->retry_event);
	if (bitcoind->authorization) {
		crypto_wipe(bitcoind->authorization, strlen(bitcoind->authorization));
		free(bitcoind->authorization);
	}
	if (bitcoind->opts.password) {
		crypto_wipe((char *)bitcoind->opts.password, strlen(bitcoind->opts.password));
		free((char *)bitcoind->opts.password);
	}
	free((char *)bitcoind->opts.host);
	free((char *)bitcoind->opts.user);
	free((char *)bitcoind->opts.datadir);
	free((char *)bitcoind->opts.network_subdir);
	free(bitcoind->warning);
	free(bitcoind);
}
