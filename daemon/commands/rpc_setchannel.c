/* setchannel, in Core Lightning's shape: the fees and HTLC limits our
 * BOLT #7 channel_update announces for one channel, a peer's channels, or
 * all of them; a new channel_update goes out if that changed it. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "channel/state.h"
#include "common/hex.h"
#include "daemon/channels/channels.h"
#include "daemon/commands/commands.h"
#include "daemon/commands/rpc_params.h"
#include "daemon/ohmd.h"
#include "daemon/rpc/jsonrpc.h"
#include "wire/short_channel_id.h"

/* Core Lightning's setchannel takes channels that are open or opening. */
static bool is_settable(const struct chan *chan)
{
	enum channel_state state = channel_get_state(chan_engine(chan));

	return state == CHANNEL_AWAITING_LOCKIN || state == CHANNEL_NORMAL;
}

/* Whether chan is what id names: "all", a peer id, a channel_id or a
 * short_channel_id (already parsed by the caller into its forms). */
struct selector {
	bool is_all, is_peer, is_channel_id, is_scid;
	uint8_t bytes[32];
	struct short_channel_id scid;
};

static bool selects(const struct selector *sel, const struct chan *chan)
{
	if (sel->is_all)
		return true;
	if (sel->is_peer)
		return memcmp(chan_peer_id(chan), sel->bytes, PUBKEY_CMPR_LEN) == 0;
	if (sel->is_channel_id)
		return memcmp(channel_get_id(chan_engine(chan))->bytes, sel->bytes, 32) == 0;
	return chan_scid(chan) && chan_scid(chan)->u64 == sel->scid.u64;
}

static bool parse_selector(struct rpc_request *request, const char *id, struct selector *sel)
{
	size_t len = strlen(id);

	memset(sel, 0, sizeof(*sel));
	if (strcmp(id, "all") == 0)
		sel->is_all = true;
	else if (len == 2 * PUBKEY_CMPR_LEN && hex_decode(sel->bytes, PUBKEY_CMPR_LEN, id, len))
		sel->is_peer = true;
	else if (len == 64 && hex_decode(sel->bytes, 32, id, len))
		sel->is_channel_id = true;
	else if (short_channel_id_from_str(&sel->scid, id, len))
		sel->is_scid = true;
	else {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'id': expected a peer id, channel_id, short_channel_id "
				  "or \"all\", got '%.80s'", id);
		return false;
	}
	return true;
}

static json_t *channel_json(const struct chan *chan)
{
	struct channels_update_values v;
	char peer[2 * PUBKEY_CMPR_LEN + 1], cid[65], scid[SHORT_CHANNEL_ID_STR_MAX];
	json_t *out;

	chan_update_values(chan, &v);
	out = json_pack("{s:s, s:s, s:I, s:I, s:b, s:I, s:I}",
			"peer_id", hex_encode(peer, chan_peer_id(chan), PUBKEY_CMPR_LEN),
			"channel_id", hex_encode(cid, channel_get_id(chan_engine(chan))->bytes, 32),
			"fee_base_msat", (json_int_t)v.fee_base_msat,
			"fee_proportional_millionths", (json_int_t)v.fee_ppm,
			"ignore_fee_limits", 0,
			"minimum_htlc_out_msat", (json_int_t)v.htlc_minimum_msat,
			"maximum_htlc_out_msat", (json_int_t)v.htlc_maximum_msat);
	if (chan_scid(chan))
		json_object_set_new(out, "short_channel_id",
				    json_string(short_channel_id_to_str(scid, chan_scid(chan))));
	return out;
}

static void setchannel(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct channels_update_params p = {0};
	struct selector sel;
	json_t *value, *channels;
	char err[200];
	struct chan *chan;
	uint64_t msat;
	bool any = false;

	if (!parse_selector(request, json_string_value(json_object_get(params, "id")), &sel))
		return;
	if ((value = json_object_get(params, "feebase")) && !json_is_null(value)) {
		if (!rpc_parse_msat(value, "feebase", &msat, err, sizeof(err))) {
			rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
			return;
		}
		if (msat > UINT32_MAX) {
			rpc_respond_error(request, RPC_INVALID_PARAMS,
					  "parameter 'feebase': above %u msat", UINT32_MAX);
			return;
		}
		p.has_fee_base = true;
		p.fee_base_msat = (uint32_t)msat;
	}
	if ((value = json_object_get(params, "feeppm")) && !json_is_null(value)) {
		if (json_integer_value(value) > UINT32_MAX) {
			rpc_respond_error(request, RPC_INVALID_PARAMS,
					  "parameter 'feeppm': above %u", UINT32_MAX);
			return;
		}
		p.has_fee_ppm = true;
		p.fee_ppm = (uint32_t)json_integer_value(value);
	}
	if ((value = json_object_get(params, "htlcmin")) && !json_is_null(value)) {
		if (!rpc_parse_msat(value, "htlcmin", &p.htlc_minimum_msat, err, sizeof(err))) {
			rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
			return;
		}
		p.has_htlc_min = true;
	}
	if ((value = json_object_get(params, "htlcmax")) && !json_is_null(value)) {
		if (!rpc_parse_msat(value, "htlcmax", &p.htlc_maximum_msat, err, sizeof(err))) {
			rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
			return;
		}
		p.has_htlc_max = true;
	}
	/* Checked on every channel first, so an error changes nothing. */
	for (chan = channels_next(ohmd->channels, NULL); chan;
	     chan = channels_next(ohmd->channels, chan)) {
		struct channels_update_values v;
		uint64_t min, max;
		if (!is_settable(chan) || !selects(&sel, chan))
			continue;
		any = true;
		chan_update_values(chan, &v);
		min = p.has_htlc_min && p.htlc_minimum_msat > v.htlc_minimum_msat
			? p.htlc_minimum_msat : v.htlc_minimum_msat;
		max = p.has_htlc_max && p.htlc_maximum_msat < v.htlc_maximum_msat
			? p.htlc_maximum_msat : v.htlc_maximum_msat;
		if (min > max) {
			rpc_respond_error(request, RPC_INVALID_PARAMS,
					  "htlcmin %llu msat is above htlcmax %llu msat",
					  (unsigned long long)min, (unsigned long long)max);
			return;
		}
	}
	if (!any) {
		rpc_respond_error(request, RPC_COMMAND_FAILED,
				  sel.is_peer ? "Could not find any active channels of peer with that id"
					      : "Could not find any active channel for '%.80s'",
				  json_string_value(json_object_get(params, "id")));
		return;
	}
	channels = json_array();
	for (chan = channels_next(ohmd->channels, NULL); chan;
	     chan = channels_next(ohmd->channels, chan)) {
		if (!is_settable(chan) || !selects(&sel, chan))
			continue;
		if (!chan_set_update(chan, &p, err, sizeof(err))) {
			json_decref(channels);
			rpc_respond_error(request, RPC_INTERNAL_ERROR, "%s", err);
			return;
		}
		json_array_append_new(channels, channel_json(chan));
	}
	rpc_respond(request, json_pack("{s:o}", "channels", channels));
}

static const struct rpc_param setchannel_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL,
	 "peer id, channel_id, short_channel_id, or \"all\""},
	{"feebase", RPC_PARAM_ANY, false, NULL, "base fee in millisatoshis (or NNNmsat)"},
	{"feeppm", RPC_PARAM_UNSIGNED, false, NULL, "proportional fee in millionths"},
	{"htlcmin", RPC_PARAM_ANY, false, NULL, "smallest HTLC we forward (msat)"},
	{"htlcmax", RPC_PARAM_ANY, false, NULL, "largest HTLC we forward (msat)"},
	{0},
};

const struct rpc_command setchannel_commands[] = {
	{"setchannel", "channels", "Set the fees and HTLC limits our channel_update announces",
	 setchannel_params, setchannel},
	{0},
};
