/* The JSON-RPC server over HTTP, as Bitcoin Core's httpserver.cpp and
 * httprpc.cpp (v28): POST only (405 otherwise), HTTP basic auth (401 with
 * a WWW-Authenticate challenge on a missing or bad password), JSON-RPC 1.0
 * and 2.0 requests and batches, Core's reply envelope and HTTP status
 * codes, and a 32 MiB body limit.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_SERVER_H
#define OHM_CONTRIB_DEVCHAIN_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "contrib/devchain/devchain.h"

struct server_config {
	const char *bind;	/* address to listen on */
	uint16_t port;
	const char *user_pass;	/* "user:password", or NULL for none */
	const char *cookie;	/* "__cookie__:<hex>", always accepted */
};

struct server;

/* Listens on cfg->bind:cfg->port.  The strings in cfg are copied.
 * Returns: the server, or NULL with the reason in err. */
struct server *server_start(struct event_base *base, struct devchain *d,
			    const struct server_config *cfg, char *err,
			    size_t errlen);

/* Stops listening and frees the server; NULL is a no-op. */
void server_free(struct server *server);

#endif /* OHM_CONTRIB_DEVCHAIN_SERVER_H */
