/* Node RPCs: getnetworkinfo, uptime, setmocktime, help, stop.  Shapes
 * follow Core v28's rpc/net.cpp, rpc/node.cpp and rpc/server.cpp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contrib/devchain/jsonout.h"
#include "contrib/devchain/rpc.h"
#include "contrib/devchain/standard.h"

/* The Core release whose RPC behaviour ohm-devchain mirrors. */
#define DEVCHAIN_CORE_VERSION 280000
#define DEVCHAIN_PROTOCOL_VERSION 70016
#define DEVCHAIN_SUBVERSION "/ohm-devchain:0.1.0/"

static json_t *network_json(const char *name, bool reachable)
{
	json_t *obj = json_object();

	json_object_set_new(obj, "name", json_string(name));
	json_object_set_new(obj, "limited", json_boolean(!reachable));
	json_object_set_new(obj, "reachable", json_boolean(reachable));
	json_object_set_new(obj, "proxy", json_string(""));
	json_object_set_new(obj, "proxy_randomize_credentials", json_false());
	return obj;
}

static json_t *rpc_getnetworkinfo(struct devchain *d, json_t *const *args,
				  struct rpc_error *err)
{
	json_t *obj = json_object(), *names = json_array(), *networks = json_array();
	static const char *const services[] = {"NETWORK", "WITNESS", "NETWORK_LIMITED", "P2P_V2"};

	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		json_array_append_new(names, json_string(services[i]));
	json_array_append_new(networks, network_json("ipv4", true));
	json_array_append_new(networks, network_json("ipv6", true));
	json_array_append_new(networks, network_json("onion", false));
	json_array_append_new(networks, network_json("i2p", false));
	json_array_append_new(networks, network_json("cjdns", false));
	json_object_set_new(obj, "version", json_integer(DEVCHAIN_CORE_VERSION));
	json_object_set_new(obj, "subversion", json_string(DEVCHAIN_SUBVERSION));
	json_object_set_new(obj, "protocolversion", json_integer(DEVCHAIN_PROTOCOL_VERSION));
	json_object_set_new(obj, "localservices", json_string("0000000000000c09"));
	json_object_set_new(obj, "localservicesnames", names);
	json_object_set_new(obj, "localrelay", json_true());
	json_object_set_new(obj, "timeoffset", json_integer(0));
	json_object_set_new(obj, "networkactive", json_true());
	json_object_set_new(obj, "connections", json_integer(0));
	json_object_set_new(obj, "connections_in", json_integer(0));
	json_object_set_new(obj, "connections_out", json_integer(0));
	json_object_set_new(obj, "networks", networks);
	json_object_set_new(obj, "relayfee", json_amount(MIN_RELAY_FEERATE_PER_KVB));
	json_object_set_new(obj, "incrementalfee", json_amount(INCREMENTAL_RELAY_FEERATE_PER_KVB));
	json_object_set_new(obj, "localaddresses", json_array());
	json_object_set_new(obj, "warnings", json_array());
	return obj;
}

static json_t *rpc_uptime(struct devchain *d, json_t *const *args,
			  struct rpc_error *err)
{
	return json_integer((json_int_t)(time(NULL) - d->start_time));
}

static json_t *rpc_setmocktime(struct devchain *d, json_t *const *args,
			       struct rpc_error *err)
{
	int64_t t;

	if (!rpc_get_int(&t, args[0], false, err))
		return NULL;
	if (t < 0)
		return rpc_fail(err, RPC_INVALID_PARAMETER,
				"Mocktime cannot be negative: %lld.", (long long)t);
	d->mocktime = t;
	return json_null();
}

struct help_state {
	struct wirebuf *out;
};

static void help_line(void *arg, const struct rpc_command *cmd)
{
	struct help_state *help = arg;
	char usage[1024];

	rpc_usage(usage, sizeof(usage), cmd);
	/* Just the first line: the call. */
	usage[strcspn(usage, "\n")] = '\0';
	if (help->out->len)
		wirebuf_append(help->out, "\n", 1);
	wirebuf_append(help->out, usage, strlen(usage));
}

static json_t *rpc_help(struct devchain *d, json_t *const *args,
			struct rpc_error *err)
{
	char usage[1024];

	if (args[0]) {
		const struct rpc_command *cmd = rpc_find(json_string_value(args[0]));
		if (!cmd) {
			snprintf(usage, sizeof(usage), "help: unknown command: %s",
				 json_string_value(args[0]));
			return json_string(usage);
		}
		rpc_usage(usage, sizeof(usage), cmd);
		return json_string(usage);
	} else {
		struct help_state help = {wirebuf_new()};
		json_t *text;
		rpc_foreach(help_line, &help);
		wirebuf_append(help.out, "", 1);
		text = json_string((const char *)help.out->data);
		wirebuf_free(help.out);
		return text;
	}
}

static json_t *rpc_stop(struct devchain *d, json_t *const *args,
			struct rpc_error *err)
{
	/* The server sends this answer, then the process stops. */
	d->stop_requested = true;
	return json_string("ohm-devchain stopping");
}

const struct rpc_command rpc_node_commands[] = {
	{"getnetworkinfo", rpc_getnetworkinfo,
	 "Returns an object containing various state info regarding P2P networking.", {{0}}},
	{"uptime", rpc_uptime, "Returns the total uptime of the server.", {{0}}},
	{"setmocktime", rpc_setmocktime,
	 "Set the local time to given timestamp (0 to go back to the real clock).",
	 {{"timestamp", RPC_ARG_NUM, true}}},
	{"help", rpc_help, "List all commands, or get help for a specified command.",
	 {{"command", RPC_ARG_STR, false}}},
	{"stop", rpc_stop, "Request a graceful shutdown of ohm-devchain.",
	 {{"wait", RPC_ARG_NUM, false}}},
	{NULL, NULL, NULL, {{0}}},
};
