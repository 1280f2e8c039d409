/* Commands about peers: connect, disconnect, listpeers, ping. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/secp.h"
#include "daemon/channels/channels.h"
#include "daemon/commands/commands.h"
#include "daemon/config.h"
#include "daemon/gossip/gossip.h"
#include "daemon/rpc/jsonrpc.h"
#include "common/netaddr.h"
#include "daemon/ohmd.h"
#include "daemon/net/peer.h"
#include "daemon/net/peers.h"
#include "daemon/commands/rpc_params.h"
#include "wire/features.h"

/* Largest ping `ignored` length: the message is type, num_pong_bytes,
 * byteslen and ignored, and must fit in 65535 bytes. */
#define PING_MAX_IGNORED_LEN (65535 - 2 - 2 - 2)

static json_t *features_json(const struct peer *peer)
{
	const struct featurebits *bits = peer->their_features;
	char *hex;
	json_t *json;

	if (!bits)
		return json_string("");
	/* Up to 64 KiB of feature bytes: too much for the stack. */
	hex = oh_malloc(2 * bits->len + 1);
	json = json_string(hex_encode(hex, bits->bytes, bits->len));
	free(hex);
	return json;
}

/* connect's result, in Core Lightning's shape. */
static json_t *peer_connect_result(const struct peer *peer)
{
	return json_pack("{s:s, s:o, s:s, s:{s:s, s:s, s:i}}",
			 "id", peer->node_id_hex,
			 "features", features_json(peer),
			 "direction", peer_direction(peer),
			 "address",
			 "type", peer->is_ipv6 ? "ipv6" : "ipv4",
			 "address", peer->remote_host,
			 "port", (int)peer->remote_port);
}

static void connect_done(void *arg, const struct peer *peer,
			 enum peer_connect_failure failure, const char *err)
{
	struct rpc_request *request = arg;
	/* Core Lightning's codes. */
	static const int codes[] = {
		[PEER_CONNECT_NO_ADDRESS] = 400,
		[PEER_CONNECT_UNREACHABLE] = 401,
		[PEER_CONNECT_DISCONNECTED] = 402,
	};

	if (err)
		rpc_respond_error(request, codes[failure], "%s", err);
	else
		rpc_respond(request, peer_connect_result(peer));
}

static void connect_command(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *id = json_string_value(json_object_get(params, "id"));
	const char *host = json_string_value(json_object_get(params, "host"));
	json_t *port_json = json_object_get(params, "port");
	const char *at = strchr(id, '@');
	uint16_t port = ohmd->config->chainparams->default_lightning_port;
	struct netaddr addr;
	struct pubkey node_id;
	char why[400], announced[256];

	if (!rpc_parse_node_id(ohmd, request, "id", id, at ? (size_t)(at - id) : strlen(id), &node_id))
		return;
	if (port_json) {
		json_int_t value = json_integer_value(port_json);
		if (value < 1 || value > 65535) {
			rpc_respond_error(request, RPC_INVALID_PARAMS,
					  "parameter 'port' must be from 1 to 65535, got %lld",
					  (long long)value);
			return;
		}
		port = (uint16_t)value;
	}
	if (at) {
		/* id@host[:port] */
		if (host) {
			rpc_respond_error(request, RPC_INVALID_PARAMS,
					  "parameter 'host' given twice: in 'id' (after @) and as 'host'");
			return;
		}
		if (!netaddr_parse(&addr, at + 1, port, why, sizeof(why))) {
			rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'id': %s", why);
			return;
		}
		host = addr.host;
		port = addr.port;
	} else if (host && !*host) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'host' is empty");
		return;
	}
	if (strlen(id) >= 66 && memcmp(ohmd->node_id_hex, id, 66) == 0) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'id' is this node's own id");
		return;
	}
	/* No host: the address the node announces, if any (else the one
	 * we last reached it at). */
	if (!host) {
		uint8_t id_bytes[PUBKEY_CMPR_LEN];
		pubkey_serialize(ohmd->secp, id_bytes, &node_id);
		if (ohmd->gossip && gossip_node_address(ohmd->gossip, id_bytes, announced,
							sizeof(announced), &port))
			host = announced;
	}
	peer_manager_connect(ohmd->peers, &node_id, host, port, connect_done, request);
}

static void disconnect_command(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct peer *peer = rpc_active_peer(ohmd, request,
					json_string_value(json_object_get(params, "id")));

	/* force matters once channels exist: without it, a peer with live
	 * channels stays connected. */
	if (!peer)
		return;
	peer_close(peer, "disconnect command");
	rpc_respond(request, json_object());
}

static json_t *peer_json(struct ohmd *ohmd, const struct peer *peer)
{
	struct channels_counts counts = {0};

	if (ohmd->channels)
		channels_count(ohmd->channels, peer->node_id_bytes, &counts);
	return json_pack("{s:s, s:b, s:i, s:[s], s:o}",
			 "id", peer->node_id_hex,
			 "connected", 1,
			 "num_channels", (int)(counts.pending + counts.active + counts.inactive),
			 "netaddr", peer->address,
			 "features", features_json(peer));
}

static void listpeers_command(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *id = json_string_value(json_object_get(params, "id"));
	json_t *list = json_array();
	struct pubkey node_id;
	uint8_t bytes[PUBKEY_CMPR_LEN];

	if (id) {
		if (!rpc_parse_node_id(ohmd, request, "id", id, strlen(id), &node_id)) {
			json_decref(list);
			return;
		}
		pubkey_serialize(ohmd->secp, bytes, &node_id);
	}
	for (struct peer *p = peer_manager_first(ohmd->peers); p; p = peer_manager_next(p))
		if (!id || memcmp(p->node_id_bytes, bytes, sizeof(bytes)) == 0)
			json_array_append_new(list, peer_json(ohmd, p));
	rpc_respond(request, json_pack("{s:o}", "peers", list));
}

static void ping_done(void *arg, size_t totlen, const char *err)
{
	struct rpc_request *request = arg;

	if (err)
		rpc_respond_error(request, RPC_COMMAND_FAILED, "%s", err);
	else
		rpc_respond(request, json_pack("{s:I}", "totlen", (json_int_t)totlen));
}

static void ping_command(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	json_int_t len = json_integer_value(json_object_get(params, "len"));
	json_int_t pongbytes = json_integer_value(json_object_get(params, "pongbytes"));
	struct peer *peer;

	if (len > PING_MAX_IGNORED_LEN) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'len' must be at most %d, got %lld",
				  PING_MAX_IGNORED_LEN, (long long)len);
		return;
	}
	if (pongbytes > 65535) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'pongbytes' must be at most 65535, got %lld",
				  (long long)pongbytes);
		return;
	}
	peer = rpc_active_peer(ohmd, request, json_string_value(json_object_get(params, "id")));
	if (!peer)
		return;
	if (!peer_send_ping(peer, (uint16_t)pongbytes, (uint16_t)len, ping_done, request))
		rpc_respond_error(request, RPC_COMMAND_FAILED, "cannot send ping to %s", peer->node_id_hex);
}

static const struct rpc_param connect_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "node id, or id@host[:port]"},
	{"host", RPC_PARAM_STRING, false, NULL,
	 "host name or address (default: the node's announced address, else the last known)"},
	{"port", RPC_PARAM_UNSIGNED, false, NULL, "port (default 9735)"},
	{0},
};

static const struct rpc_param disconnect_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "node id of the peer"},
	{"force", RPC_PARAM_BOOLEAN, false, "false", "disconnect even with active channels"},
	{0},
};

static const struct rpc_param listpeers_params[] = {
	{"id", RPC_PARAM_STRING, false, NULL, "show only this peer"},
	{0},
};

static const struct rpc_param ping_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "node id of the peer"},
	{"len", RPC_PARAM_UNSIGNED, false, "128", "bytes of padding in the ping"},
	{"pongbytes", RPC_PARAM_UNSIGNED, false, "128", "bytes to ask for in the pong"},
	{0},
};

const struct rpc_command peer_commands[] = {
	{"connect", "network", "Connect to a peer and exchange init; returns its id, features, "
	 "direction and address", connect_params, connect_command},
	{"disconnect", "network", "Close the connection to a peer", disconnect_params,
	 disconnect_command},
	{"listpeers", "network", "List connected peers", listpeers_params, listpeers_command},
	{"ping", "network", "Send a ping and wait for the pong; returns its total length",
	 ping_params, ping_command},
	{0},
};
