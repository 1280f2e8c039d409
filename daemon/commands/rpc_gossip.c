/* Commands about the network graph (daemon/gossip/): listchannels and
 * listnodes, in Core Lightning's shapes. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "crypto/secp.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/rpc_params.h"
#include "daemon/gossip/gossip.h"
#include "daemon/ohmd.h"
#include "daemon/rpc/jsonrpc.h"
#include "gossip/node_announcement.h"
#include "wire/peer_wire.h"

static json_t *hex_json(const uint8_t *bytes, size_t len)
{
	char *text = malloc(2 * len + 1);
	json_t *j;

	if (!text)
		abort();
	hex_encode(text, bytes, len);
	j = json_string(text);
	free(text);
	return j;
}

/* The features of channel chan's announcement, as hex. */
static json_t *channel_features_json(struct ohmd *ohmd, const struct graph_channel *chan)
{
	struct msg_channel_announcement *ann;
	uint8_t *msg;
	size_t len;
	json_t *j = NULL;

	if (gossip_get_message(ohmd->gossip, chan->announcement, &msg, &len)) {
		if (fromwire_channel_announcement(msg, len, &ann)) {
			j = hex_json(ann->features, ann->len);
			msg_channel_announcement_free(ann);
		}
		free(msg);
	}
	return j ? j : json_string("");
}

struct list_channels {
	struct ohmd *ohmd;
	const uint8_t *source, *destination;	/* NULL: any */
	json_t *channels;
};

/* One entry per direction with a channel_update (Core Lightning). */
static void add_direction(struct list_channels *lc, const struct graph_channel *chan, int d)
{
	const struct graph_direction *dir = &chan->dir[d];
	char scid[SHORT_CHANNEL_ID_STR_MAX];

	if (!dir->has_update)
		return;
	if (lc->source && memcmp(lc->source, chan->node_id[d], PUBKEY_CMPR_LEN) != 0)
		return;
	if (lc->destination && memcmp(lc->destination, chan->node_id[!d], PUBKEY_CMPR_LEN) != 0)
		return;
	json_array_append_new(lc->channels, json_pack(
		"{s:o, s:o, s:s, s:b, s:I, s:i, s:i, s:b, s:I, s:I, s:I, s:i, s:I, s:I, s:o}",
		"source", hex_json(chan->node_id[d], PUBKEY_CMPR_LEN),
		"destination", hex_json(chan->node_id[!d], PUBKEY_CMPR_LEN),
		"short_channel_id", short_channel_id_to_str(scid, &chan->scid),
		"public", 1,
		"amount_msat", (json_int_t)(chan->capacity_sat * 1000),
		"message_flags", (int)dir->message_flags,
		"channel_flags", (int)dir->channel_flags,
		"active", !dir->is_disabled && !chan->is_spent,
		"last_update", (json_int_t)dir->timestamp,
		"base_fee_millisatoshi", (json_int_t)dir->fee_base_msat,
		"fee_per_millionth", (json_int_t)dir->fee_proportional_millionths,
		"delay", (int)dir->cltv_expiry_delta,
		"htlc_minimum_msat", (json_int_t)dir->htlc_minimum_msat,
		"htlc_maximum_msat", (json_int_t)dir->htlc_maximum_msat,
		"features", channel_features_json(lc->ohmd, chan)));
}

static bool list_channel(void *arg, const struct graph_channel *chan)
{
	add_direction(arg, chan, 0);
	add_direction(arg, chan, 1);
	return true;
}

/* Parses the optional node id parameter name into out[33]; false if it
 * answered the request with an error. */
static bool node_id_param(struct ohmd *ohmd, struct rpc_request *request, json_t *params,
			  const char *name, uint8_t out[PUBKEY_CMPR_LEN], bool *given)
{
	const char *text = json_string_value(json_object_get(params, name));
	struct pubkey id;

	*given = text != NULL;
	if (!text)
		return true;
	if (!rpc_parse_node_id(ohmd, request, name, text, strlen(text), &id))
		return false;
	pubkey_serialize(ohmd->secp, out, &id);
	return true;
}

static void listchannels(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *scid_text = json_string_value(json_object_get(params, "short_channel_id"));
	uint8_t source[PUBKEY_CMPR_LEN], destination[PUBKEY_CMPR_LEN];
	struct list_channels lc = { .ohmd = ohmd };
	bool has_source, has_destination;

	if (!node_id_param(ohmd, request, params, "source", source, &has_source)
	    || !node_id_param(ohmd, request, params, "destination", destination, &has_destination))
		return;
	if ((scid_text != NULL) + has_source + has_destination > 1) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "Can only specify one of `short_channel_id`, `source` or `destination`");
		return;
	}
	lc.source = has_source ? source : NULL;
	lc.destination = has_destination ? destination : NULL;
	lc.channels = json_array();
	if (scid_text) {
		struct short_channel_id scid;
		struct graph_channel chan;
		if (!short_channel_id_from_str(&scid, scid_text, strlen(scid_text))) {
			json_decref(lc.channels);
			rpc_respond_error(request, RPC_INVALID_PARAMS,
					  "parameter 'short_channel_id': should be a short_channel_id "
					  "(BLOCKxTXxOUT), not '%.100s'", scid_text);
			return;
		}
		if (graph_get_channel(gossip_graph(ohmd->gossip), scid, &chan))
			list_channel(&lc, &chan);
	} else {
		graph_foreach_channel(gossip_graph(ohmd->gossip), list_channel, &lc);
	}
	rpc_respond(request, json_pack("{s:o}", "channels", lc.channels));
}

static const char *address_type_name(enum node_address_type type)
{
	switch (type) {
	case NODE_ADDRESS_IPV4:
		return "ipv4";
	case NODE_ADDRESS_IPV6:
		return "ipv6";
	case NODE_ADDRESS_TORV2:
		return "torv2";
	case NODE_ADDRESS_TORV3:
		return "torv3";
	case NODE_ADDRESS_DNS:
		return "dns";
	}
	return "unknown";
}

/* A node as Core Lightning lists it: nodeid, and, once it announced
 * itself, alias, color, last_timestamp, features, addresses. */
static json_t *node_json(struct ohmd *ohmd, const struct graph_node *node)
{
	json_t *j = json_pack("{s:o}", "nodeid", hex_json(node->id, PUBKEY_CMPR_LEN));
	struct msg_node_announcement *m;
	struct node_addresses addrs = {0};
	json_t *addresses;
	const char *why;
	uint8_t *msg;
	size_t len;
	char alias[33];

	if (!node->has_announcement
	    || !gossip_get_message(ohmd->gossip, node->announcement, &msg, &len))
		return j;
	if (!fromwire_node_announcement(msg, len, &m)) {
		free(msg);
		return j;
	}
	/* The alias is zero-padded UTF-8. */
	memcpy(alias, m->alias, 32);
	alias[32] = '\0';
	addresses = json_string(alias);	/* NULL: not UTF-8 */
	json_object_set_new(j, "alias", addresses ? addresses : json_string(""));
	json_object_set_new(j, "color", hex_json(m->rgb_color, 3));
	json_object_set_new(j, "last_timestamp", json_integer(m->timestamp));
	json_object_set_new(j, "features", hex_json(m->features, m->flen));
	addresses = json_array();
	node_addresses_parse(&addrs, m->addresses, m->addrlen, &why);
	for (size_t i = 0; i < addrs.num; i++) {
		char host[NODE_ADDRESS_MAX + 1];
		if (!node_address_host(&addrs.addrs[i], host, sizeof(host)))
			continue;
		json_array_append_new(addresses, json_pack("{s:s, s:s, s:i}",
			"type", address_type_name(addrs.addrs[i].type),
			"address", host, "port", (int)addrs.addrs[i].port));
	}
	json_object_set_new(j, "addresses", addresses);
	node_addresses_clear(&addrs);
	msg_node_announcement_free(m);
	free(msg);
	return j;
}

struct list_nodes {
	struct ohmd *ohmd;
	json_t *nodes;
};

static bool list_node(void *arg, const struct graph_node *node)
{
	struct list_nodes *ln = arg;

	json_array_append_new(ln->nodes, node_json(ln->ohmd, node));
	return true;
}

static void listnodes(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct list_nodes ln = { .ohmd = ohmd, .nodes = json_array() };
	uint8_t id[PUBKEY_CMPR_LEN];
	bool has_id;

	if (!node_id_param(ohmd, request, params, "id", id, &has_id)) {
		json_decref(ln.nodes);
		return;
	}
	if (has_id) {
		struct graph_node node;
		if (graph_get_node(gossip_graph(ohmd->gossip), id, &node))
			list_node(&ln, &node);
	} else {
		graph_foreach_node(gossip_graph(ohmd->gossip), list_node, &ln);
	}
	rpc_respond(request, json_pack("{s:o}", "nodes", ln.nodes));
}

static const struct rpc_param listchannels_params[] = {
	{"short_channel_id", RPC_PARAM_STRING, false, NULL, "show only this channel"},
	{"source", RPC_PARAM_STRING, false, NULL, "show only directions from this node"},
	{"destination", RPC_PARAM_STRING, false, NULL, "show only directions to this node"},
	{0},
};

static const struct rpc_param listnodes_params[] = {
	{"id", RPC_PARAM_STRING, false, NULL, "show only this node"},
	{0},
};

const struct rpc_command gossip_commands[] = {
	{"listchannels", "network", "List the public channels the node knows from gossip, "
	 "one entry per direction", listchannels_params, listchannels},
	{"listnodes", "network", "List the nodes the node knows from gossip", listnodes_params,
	 listnodes},
	{0},
};
