/* getroute, in Core Lightning's shape: the route pay would take by fees
 * and risk (pay/pathfind.h), for sendpay. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "crypto/secp.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/rpc_params.h"
#include "daemon/htlcs/payments.h"
#include "daemon/ohmd.h"
#include "daemon/rpc/jsonrpc.h"
#include "pay/pathfind.h"
#include "wire/short_channel_id.h"

/* A node id parameter into out; false if it answered the request. */
static bool node_param(struct ohmd *ohmd, struct rpc_request *request, const char *name,
		       const char *text, uint8_t out[PUBKEY_CMPR_LEN])
{
	struct pubkey id;

	if (!rpc_parse_node_id(ohmd, request, name, text, strlen(text), &id))
		return false;
	pubkey_serialize(ohmd->secp, out, &id);
	return true;
}

static void getroute(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *id_text = json_string_value(json_object_get(params, "id"));
	const char *from_text = json_string_value(json_object_get(params, "fromid"));
	double riskfactor = json_number_value(json_object_get(params, "riskfactor"));
	json_t *fuzz = json_object_get(params, "fuzzpercent");
	json_int_t cltv = json_integer_value(json_object_get(params, "cltv"));
	json_int_t maxhops = json_integer_value(json_object_get(params, "maxhops"));
	uint8_t id[PUBKEY_CMPR_LEN], from[PUBKEY_CMPR_LEN];
	struct pathfind_exclude *excludes;
	struct route_hop route[ROUTE_MAX_HOPS];
	size_t num_excludes, num_hops;
	uint64_t amount_msat;
	char err[300];
	json_t *hops;

	if (!node_param(ohmd, request, "id", id_text, id)
	    || (from_text && !node_param(ohmd, request, "fromid", from_text, from)))
		return;
	if (!rpc_parse_msat(json_object_get(params, "amount_msat"), "amount_msat", &amount_msat,
			    err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		return;
	}
	if (amount_msat == 0) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'amount_msat': must be positive");
		return;
	}
	if (!(riskfactor >= 0) || riskfactor > 1e9) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'riskfactor': a number from 0 to 1000000000");
		return;
	}
	if (cltv > 2016) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'cltv': at most 2016, got %lld",
				  (long long)cltv);
		return;
	}
	/* Accepted as Core Lightning's is, but no fuzz: the same graph
	 * gives the same route (README). */
	if (fuzz && (json_number_value(fuzz) < 0 || json_number_value(fuzz) > 100)) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'fuzzpercent': a number from 0 to 100");
		return;
	}
	if (maxhops < 1 || maxhops > ROUTE_MAX_HOPS) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'maxhops': from 1 to %d, got %lld", ROUTE_MAX_HOPS,
				  (long long)maxhops);
		return;
	}
	if (!rpc_parse_excludes(ohmd, json_object_get(params, "exclude"), "exclude", &excludes,
				&num_excludes, err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		return;
	}
	if (!payments_getroute(ohmd->payments, from_text ? from : NULL, id, amount_msat, riskfactor,
			       (uint32_t)cltv, excludes, num_excludes, (size_t)maxhops, route,
			       &num_hops)) {
		free(excludes);
		rpc_respond_error(request, PAY_ROUTE_NOT_FOUND, "Could not find a route");
		return;
	}
	free(excludes);
	hops = json_array();
	for (size_t i = 0; i < num_hops; i++) {
		const uint8_t *prev = i ? route[i - 1].node_id : from_text ? from : ohmd->node_id;
		char node[2 * PUBKEY_CMPR_LEN + 1], scid[SHORT_CHANNEL_ID_STR_MAX];

		json_array_append_new(hops, json_pack("{s:s, s:s, s:i, s:I, s:i, s:s}",
			"id", hex_encode(node, route[i].node_id, PUBKEY_CMPR_LEN),
			"channel", short_channel_id_to_str(scid, &route[i].scid),
			"direction", pathfind_direction(prev, route[i].node_id),
			"amount_msat", (json_int_t)route[i].amount_msat,
			"delay", (int)route[i].delay,
			"style", "tlv"));
	}
	rpc_respond(request, json_pack("{s:o}", "route", hops));
}

static const struct rpc_param getroute_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "the destination node id"},
	{"amount_msat", RPC_PARAM_ANY, true, NULL, "what the destination gets"},
	{"riskfactor", RPC_PARAM_NUMBER, true, NULL,
	 "yearly cost of locked funds, percent (weighs delay against fees)"},
	{"cltv", RPC_PARAM_UNSIGNED, false, "9", "the destination's final CLTV delta"},
	{"fromid", RPC_PARAM_STRING, false, NULL, "the source (default: us)"},
	{"fuzzpercent", RPC_PARAM_NUMBER, false, "5", "accepted; ohm adds no fuzz"},
	{"exclude", RPC_PARAM_ARRAY, false, NULL, "short_channel_id/direction or node ids to avoid"},
	{"maxhops", RPC_PARAM_UNSIGNED, false, "20", "most hops"},
	{0},
};

const struct rpc_command route_commands[] = {
	{"getroute", "network", "Find the cheapest route to a node for an amount",
	 getroute_params, getroute},
	{0},
};
