/* listclosedchannels, in Core Lightning's shape: the channels whose close
 * is irrevocably resolved on chain (daemon/channels/closed_store.h), with
 * how they closed and what came back to the wallet. */
#include <jansson.h>
#include <string.h>

#include "common/hex.h"
#include "daemon/channels/channels.h"
#include "daemon/channels/closed_store.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/rpc_channel.h"
#include "daemon/commands/rpc_params.h"
#include "daemon/ohmd.h"
#include "daemon/rpc/jsonrpc.h"
#include "wire/short_channel_id.h"

static void closed_json(void *arg, const struct closed_channel *c)
{
	json_t *list = arg, *obj;
	char peer[2 * PUBKEY_CMPR_LEN + 1], cid[65], hex[65], scid[SHORT_CHANNEL_ID_STR_MAX];

	obj = json_pack("{s:s, s:s, s:s, s:b, s:o, s:I, s:I, s:I, s:s, s:i, s:b, s:I, s:I}",
			"peer_id", hex_encode(peer, c->peer_id, PUBKEY_CMPR_LEN),
			"channel_id", hex_encode(cid, c->channel_id, 32),
			"opener", c->is_opener ? "local" : "remote",
			"private", c->is_private,
			"channel_type", rpc_channel_type_json(c->option_anchors),
			"total_local_commitments", (json_int_t)c->local_commitments,
			"total_remote_commitments", (json_int_t)c->remote_commitments,
			"total_htlcs_sent", (json_int_t)c->htlcs_sent,
			"funding_txid", bitcoin_txid_to_hex(hex, &c->funding.txid),
			"funding_outnum", (int)c->funding.vout,
			"leased", 0,
			"total_msat", (json_int_t)(c->funding_sat * 1000),
			"final_to_us_msat", (json_int_t)c->final_to_us_msat);
	if (c->has_scid) {
		struct short_channel_id id = {.u64 = c->scid};
		json_object_set_new(obj, "short_channel_id",
				    json_string(short_channel_id_to_str(scid, &id)));
	}
	if (c->has_closer)
		json_object_set_new(obj, "closer", json_string(c->is_closer ? "local" : "remote"));
	json_object_set_new(obj, "last_commitment_txid",
			    json_string(bitcoin_txid_to_hex(hex, &c->close_txid)));
	json_object_set_new(obj, "last_commitment_fee_msat",
			    json_integer((json_int_t)(c->close_fee_sat * 1000)));
	json_object_set_new(obj, "close_cause", json_string(c->close_cause));
	/* ohm's own: the resolver's name for the close, where it confirmed,
	 * and what it paid the wallet. */
	json_object_set_new(obj, "close_type", json_string(c->close_type));
	json_object_set_new(obj, "close_height", json_integer(c->close_height));
	if (c->has_to_wallet)
		json_object_set_new(obj, "to_wallet_msat",
				    json_integer((json_int_t)(c->to_wallet_sat * 1000)));
	json_array_append_new(list, obj);
}

static void listclosedchannels(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *id = json_string_value(json_object_get(params, "id"));
	uint8_t peer_id[PUBKEY_CMPR_LEN];
	struct pubkey node_id;
	json_t *list;

	if (id) {
		if (!rpc_parse_node_id(ohmd, request, "id", id, strlen(id), &node_id))
			return;
		hex_decode(peer_id, sizeof(peer_id), id, strlen(id));
	}
	list = json_array();
	if (!channels_list_closed(ohmd->channels, id ? peer_id : NULL, closed_json, list)) {
		json_decref(list);
		rpc_respond_error(request, RPC_INTERNAL_ERROR, "cannot read the closed channels");
		return;
	}
	rpc_respond(request, json_pack("{s:o}", "closedchannels", list));
}

static const struct rpc_param listclosedchannels_params[] = {
	{"id", RPC_PARAM_STRING, false, NULL, "only this peer's closed channels"},
	{0},
};

const struct rpc_command closed_commands[] = {
	{"listclosedchannels", "channels",
	 "List channels closed and resolved on chain, with how they closed",
	 listclosedchannels_params, listclosedchannels},
	{0},
};
