/* The JSON-RPC 2.0 server on ohmd's Unix socket.
 *
 * Many clients at once; each connection's bytes are cut into messages with
 * common/json_frame (a message may arrive over many reads, or many in one
 * read) and answered in the order their handlers respond.  A message larger
 * than RPC_MAX_REQUEST_BYTES is refused and that connection closed; so is a
 * stream that does not start with '{' or '['.  Batches are refused.
 * Requests without an "id" member are notifications: run, never answered.
 *
 * The socket is created mode 0600: whoever can talk to it controls the node.
 */
#ifndef OHM_DAEMON_JSONRPC_H
#define OHM_DAEMON_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

#include "daemon/rpc/rpc_command.h"

#define RPC_MAX_REQUEST_BYTES (16 * 1024 * 1024)
/* Requests handled but not answered yet (a `pay`, a `waitinvoice`): a
 * connection with RPC_MAX_PENDING_PER_CONNECTION of them is read no further
 * until one is answered (what it sends waits in the socket); past
 * RPC_MAX_PENDING in all, a request is refused with RPC_SERVER_BUSY. */
#define RPC_MAX_PENDING_PER_CONNECTION 64
#define RPC_MAX_PENDING 1024

struct event_base;
struct log;
struct ohmd;
struct rpc_server;

/* The command named name, or NULL: the command table is the commands
 * layer's (daemon/commands/commands.h), given to the server, which serves it. */
typedef const struct rpc_command *(*rpc_command_finder)(const char *name);

/* Binds and listens on path (replacing a stale socket: the caller holds the
 * data directory's lock); find looks the requests' methods up.  NULL with a
 * message in err[errlen] on failure. */
struct rpc_server *rpc_server_new(struct ohmd *ohmd, rpc_command_finder find,
				  struct event_base *base, struct log *log, const char *path,
				  char *err, size_t errlen);

/* Closes every connection and removes the socket file. */
void rpc_server_free(struct rpc_server *server);


/* Answers request with result (reference stolen) and frees request. */
void rpc_respond(struct rpc_request *request, json_t *result);

/* Answers request with an error whose message is printf-formatted. */
void rpc_respond_error(struct rpc_request *request, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like rpc_respond, then calls after(ohmd) once the answer has left (or
 * the client has gone).  For `stop`: the client hears back first. */
/* An error with a "data" member (taken over), as Core Lightning gives
 * for failed payments. */
void rpc_respond_error_data(struct rpc_request *request, int code, json_t *data,
			    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void rpc_respond_then(struct rpc_request *request, json_t *result,
		      void (*after)(struct ohmd *ohmd));

#endif /* OHM_DAEMON_JSONRPC_H */
