/* Commands about the node itself: getinfo, help, stop, listconfigs. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels.h"
#include "daemon/commands/commands.h"
#include "daemon/config.h"
#include "db/db.h"
#include "daemon/gossip/gossip.h"
#include "daemon/rpc/jsonrpc.h"
#include "daemon/ohmd.h"
#include "daemon/net/peers.h"
#include "daemon/wallet/wallet.h"
#include "gossip/node_announcement.h"

/* The sockets we listen on, oldest first. */
static json_t *bindings_json(const struct peer_manager *peers)
{
	struct peer_binding some[8], *all = some;
	size_t n = peer_manager_bindings(peers, some, 8);
	json_t *bindings = json_array();

	if (n > 8) {
		all = oh_calloc(n, sizeof(*all));
		peer_manager_bindings(peers, all, n);
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(bindings, json_pack("{s:s, s:s, s:i}",
							  "type", all[i].is_ipv6 ? "ipv6" : "ipv4",
							  "address", all[i].address,
							  "port", (int)all[i].port));
	if (all != some)
		free(all);
	return bindings;
}

/* While anchor channels are open the wallet should hold min-emergency-msat
 * in confirmed coins to fee-bump a force close (Core Lightning keeps the
 * reserve but has no warning; ours says when it is short). */
static void emergency_warning(struct ohmd *ohmd, json_t *info)
{
	uint64_t reserve_sat, have_sat;
	char text[300];

	if (!ohmd->channels || !ohmd->wallet)
		return;
	reserve_sat = channels_emergency_reserve_sat(ohmd->channels);
	if (!reserve_sat || !wallet_bump_funds(ohmd->wallet, &have_sat) || have_sat >= reserve_sat)
		return;
	snprintf(text, sizeof(text), "The wallet's confirmed coins (%llusat) are below "
		 "min-emergency-msat (%llusat), kept to fee-bump the force close of an anchor "
		 "channel", (unsigned long long)have_sat, (unsigned long long)reserve_sat);
	json_object_set_new(info, "warning_emergency_reserve", json_string(text));
}

/* Core Lightning's getinfo "address": type ipv4, ipv6 or dns, address,
 * port. */
static json_t *announced_json(const struct ohmd *ohmd)
{
	json_t *out = json_array();

	for (size_t i = 0; i < ohmd->num_announce_addrs; i++) {
		const struct node_address *a = &ohmd->announce_addrs[i];
		char text[NODE_ADDRESS_MAX + 1];
		const char *type = "dns";

		if (a->type == NODE_ADDRESS_IPV4 || a->type == NODE_ADDRESS_IPV6) {
			type = a->type == NODE_ADDRESS_IPV4 ? "ipv4" : "ipv6";
			if (!inet_ntop(a->type == NODE_ADDRESS_IPV4 ? AF_INET : AF_INET6, a->addr,
				       text, sizeof(text)))
				continue;
		} else {
			memcpy(text, a->addr, a->len);
			text[a->len] = '\0';
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:i}", "type", type,
						     "address", text, "port", (int)a->port));
	}
	return out;
}

static void getinfo(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const struct config *config = ohmd->config;
	char color[7];
	/* address: what our node_announcement gives; binding: where we
	 * listen. */
	json_t *address = announced_json(ohmd), *binding = bindings_json(ohmd->peers);
	const char *bitcoind_warning = ohmd->chain ? chain_backend_warning(ohmd->chain) : NULL;
	struct channels_counts counts = {0};
	json_t *info;

	if (ohmd->channels)
		channels_count(ohmd->channels, NULL, &counts);
	info = json_pack(
		"{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:o, s:o, s:s, s:i, s:s, s:i, s:s}",
		"id", ohmd->node_id_hex,
		"alias", ohmd->alias,
		"color", hex_encode(color, ohmd->rgb, 3),
		"num_peers", (int)peer_manager_num_active(ohmd->peers),
		"num_pending_channels", (int)counts.pending,
		"num_active_channels", (int)counts.active,
		"num_inactive_channels", (int)counts.inactive,
		"address", address,
		"binding", binding,
		"version", OHM_VERSION,
		"blockheight", ohmd->chain ? (int)chain_height(ohmd->chain) : 0,
		"network", config->chainparams->network,
		"fees_collected_msat", 0,
		"ohm-dir", config->net_dir);
	/* Core Lightning's warnings: present only when there is one.  An
	 * unreachable bitcoind is told in the same field. */
	/* What gossip taught us (Core Lightning has no such counts). */
	if (ohmd->gossip) {
		json_object_set_new(info, "num_known_nodes",
				    json_integer((json_int_t)graph_num_nodes(gossip_graph(ohmd->gossip))));
		json_object_set_new(info, "num_known_channels",
				    json_integer((json_int_t)graph_num_channels(gossip_graph(ohmd->gossip))));
	}
	if (bitcoind_warning)
		json_object_set_new(info, "warning_bitcoind_sync", json_string(bitcoind_warning));
	if (ohmd->chain && chain_is_catching_up(ohmd->chain))
		json_object_set_new(info, "warning_lightningd_sync",
				    json_string("Still loading latest blocks from bitcoind."));
	emergency_warning(ohmd, info);
	rpc_respond(request, info);
}

static void help(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "command"));
	json_t *list = json_array();

	if (name) {
		const struct rpc_command *command = rpc_command_find(name);
		if (!command) {
			json_decref(list);
			rpc_respond_error(request, RPC_METHOD_NOT_FOUND,
					  "Unknown command '%.200s'", name);
			return;
		}
		json_array_append_new(list, rpc_command_help_json(command));
	} else {
		for (size_t i = 0; i < rpc_command_count(); i++)
			json_array_append_new(list, rpc_command_help_json(rpc_command_at(i)));
	}
	rpc_respond(request, json_pack("{s:o, s:s}", "help", list, "format-hint", "simple"));
}

static void stop(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	/* The caller hears back before the daemon goes away. */
	rpc_respond_then(request, json_string("Shutdown complete"), ohmd_shutdown);
}

static void listconfigs(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "config"));
	json_t *result = rpc_listconfigs_json(ohmd->config, name);

	if (!result) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'config': unknown option '%.200s'", name);
		return;
	}
	rpc_respond(request, result);
}

/* What the database cost the disk so far (bench/pay.py's WAL bytes and
 * syncs per payment). */
static void dev_dbstats(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct db_io_stats stats;

	db_io_stats(&stats);
	rpc_respond(request, json_pack("{s:I, s:I, s:I}", "wal_bytes", (json_int_t)stats.wal_bytes,
				       "db_bytes", (json_int_t)stats.db_bytes,
				       "syncs", (json_int_t)stats.syncs));
}

static const struct rpc_param no_params[] = {{0}};

static const struct rpc_param help_params[] = {
	{"command", RPC_PARAM_STRING, false, NULL, "show only this command"},
	{0},
};

static const struct rpc_param listconfigs_params[] = {
	{"config", RPC_PARAM_STRING, false, NULL, "show only this option"},
	{0},
};

const struct rpc_command node_commands[] = {
	{"dev-dbstats", "developer",
	 "(testing) Bytes the database wrote to its WAL and its file, and its syncs, since start",
	 no_params, dev_dbstats},
	{"getinfo", "utility", "Show this node's id, alias, peers, channels and chain",
	 no_params, getinfo},
	{"help", "utility", "List commands, or show one command's parameters",
	 help_params, help},
	{"stop", "utility", "Shut the node down cleanly", no_params, stop},
	{"listconfigs", "utility", "Show every option's value and where it was set",
	 listconfigs_params, listconfigs},
	{0},
};
