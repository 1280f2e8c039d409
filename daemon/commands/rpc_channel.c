/* The channel commands, in Core Lightning's names and shapes: fundchannel,
 * close, listpeerchannels; and dev-sendhtlc, dev-fulfillhtlc and
 * dev-failhtlc, which move test HTLCs until payments exist, and dev-fail,
 * which force-closes a channel at once. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "bitcoin/address.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/util.h"
#include "channel/open.h"
#include "daemon/channels/channels.h"
#include "daemon/commands/commands.h"
#include "daemon/config.h"
#include "daemon/rpc/jsonrpc.h"
#include "daemon/ohmd.h"
#include "daemon/net/peer.h"
#include "daemon/commands/rpc_channel.h"
#include "daemon/commands/rpc_params.h"
#include "daemon/commands/rpc_wallet_json.h"
#include "wire/short_channel_id.h"

/* The JSON-RPC code of a channel command's error. */
static int error_code(const struct channels_error *error)
{
	switch (error->kind) {
	case CHANNELS_ERROR_FAILED:
		return RPC_COMMAND_FAILED;
	case CHANNELS_ERROR_BAD_PARAMS:
		return RPC_INVALID_PARAMS;
	case CHANNELS_ERROR_INTERNAL:
		break;
	case CHANNELS_ERROR_WALLET:
		return rpc_wallet_error_code(error->wallet_error);
	}
	return RPC_INTERNAL_ERROR;
}

/* Answers request with error, if there is one.  Returns: whether it did. */
static bool respond_error(struct rpc_request *request, const struct channels_error *error)
{
	if (error)
		rpc_respond_error(request, error_code(error), "%s", error->message);
	return error != NULL;
}

/* The channel id names: a peer id, a channel_id, or a short_channel_id.
 * NULL: answered. */
static struct chan *find_channel(struct ohmd *ohmd, struct rpc_request *request,
				     const char *id)
{
	size_t len = strlen(id);
	uint8_t bytes[32];
	struct short_channel_id scid;
	struct chan *found = NULL;

	if (len == 2 * PUBKEY_CMPR_LEN) {
		uint8_t peer_id[PUBKEY_CMPR_LEN];
		if (hex_decode(peer_id, sizeof(peer_id), id, len))
			found = channels_for_peer(ohmd->channels, peer_id);
	} else if (len == 64 && hex_decode(bytes, sizeof(bytes), id, len)) {
		found = channels_by_channel_id(ohmd->channels, bytes);
	} else if (short_channel_id_from_str(&scid, id, len)) {
		found = channels_by_scid(ohmd->channels, &scid);
	} else {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'id': expected a peer id, channel_id or "
				  "short_channel_id, got '%.80s'", id);
		return NULL;
	}
	if (!found)
		rpc_respond_error(request, RPC_COMMAND_FAILED, "No channel found for '%.80s'", id);
	return found;
}

static void fund_done(void *arg, const struct channels_fund_result *r,
		      const struct channels_error *error)
{
	struct rpc_request *request = arg;
	char cid[65];
	json_t *result;

	if (respond_error(request, error))
		return;
	result = rpc_tx_result(r->tx);
	json_object_set_new(result, "outnum", json_integer(r->outnum));
	json_object_set_new(result, "channel_id", json_string(hex_encode(cid, r->channel_id, 32)));
	json_object_set_new(result, "channel_type", rpc_channel_type_json(r->option_anchors));
	rpc_respond(request, result);
}

static void fundchannel(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct channels_fund_params fp = {0};
	json_int_t minconf = json_integer_value(json_object_get(params, "minconf"));
	json_t *push = json_object_get(params, "push_msat");
	struct peer *peer;
	char err[300];

	if (!rpc_parse_satoshi(json_object_get(params, "amount"), "amount", NULL, &fp.amount_sat,
			       err, sizeof(err))
	    || !rpc_parse_feerate(ohmd, json_object_get(params, "feerate"), "feerate",
				  &fp.feerate_perkw, err, sizeof(err))
	    || (push && !rpc_parse_msat(push, "push_msat", &fp.push_msat, err, sizeof(err)))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		return;
	}
	/* BOLT #2:
	 *   - MUST set `funding_satoshis` to less than 2^24 satoshi.
	 *
	 * (We do not offer option_support_large_channel.)  And we open
	 * nothing smaller than we would accept. */
	if (fp.amount_sat > CHANNEL_MAX_FUNDING_SAT) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'amount': %llusat is above the largest channel, "
				  "%llusat", (unsigned long long)fp.amount_sat,
				  (unsigned long long)CHANNEL_MAX_FUNDING_SAT);
		return;
	}
	if (fp.amount_sat < 20000) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'amount': %llusat is below the smallest channel, 20000sat",
				  (unsigned long long)fp.amount_sat);
		return;
	}
	if (fp.push_msat > fp.amount_sat * 1000) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'push_msat': more than the channel's amount");
		return;
	}
	if (minconf > UINT32_MAX) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'minconf': too large");
		return;
	}
	fp.minconf = (uint32_t)minconf;
	/* Core Lightning's default: announced (BOLT #2 announce_channel). */
	fp.announce = !json_is_false(json_object_get(params, "announce"));
	peer = rpc_active_peer(ohmd, request, json_string_value(json_object_get(params, "id")));
	if (!peer)
		return;
	channels_fund(ohmd->channels, peer, &fp, fund_done, request);
}

static void close_done(void *arg, const struct channels_close_result *r,
		       const struct channels_error *error)
{
	struct rpc_request *request = arg;
	json_t *result;

	if (respond_error(request, error))
		return;
	result = rpc_tx_result(r->tx);
	json_object_set_new(result, "type", json_string(r->type));
	rpc_respond(request, result);
}

static void close_command(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *destination = json_string_value(json_object_get(params, "destination"));
	json_int_t timeout = json_integer_value(json_object_get(params, "unilateraltimeout"));
	struct wirebuf *script = wirebuf_new();
	char why[ADDRESS_ERROR_LEN];
	struct chan *chan;

	if (destination && !address_to_script(script, why, ohmd->config->chainparams, destination)) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "parameter 'destination': %s", why);
		wirebuf_free(script);
		return;
	}
	if (timeout > 10 * 365 * 86400) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'unilateraltimeout': more than ten years");
		wirebuf_free(script);
		return;
	}
	chan = find_channel(ohmd, request, json_string_value(json_object_get(params, "id")));
	if (chan)
		channels_close(ohmd->channels, chan, destination ? script->data : NULL,
			       destination ? script->len : 0, (unsigned)timeout, close_done,
			       request);
	wirebuf_free(script);
}

/* dev-fail answers Core Lightning's {} with our commitment's tx and txid. */
static void dev_fail_done(void *arg, const struct channels_close_result *r,
			  const struct channels_error *error)
{
	struct rpc_request *request = arg;

	if (!respond_error(request, error))
		rpc_respond(request, rpc_tx_result(r->tx));
}

static void dev_fail(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct chan *chan = find_channel(ohmd, request,
					 json_string_value(json_object_get(params, "id")));

	if (chan)
		channels_dev_fail(ohmd->channels, chan, dev_fail_done, request);
}

static void listpeerchannels(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	const char *id = json_string_value(json_object_get(params, "id"));
	uint8_t peer_id[PUBKEY_CMPR_LEN];
	struct pubkey node_id;

	if (id) {
		if (!rpc_parse_node_id(ohmd, request, "id", id, strlen(id), &node_id))
			return;
		hex_decode(peer_id, sizeof(peer_id), id, strlen(id));
	}
	rpc_respond(request, json_pack("{s:o}", "channels",
				       rpc_channels_list_json(ohmd, id ? peer_id : NULL)));
}

/* A 32-byte hex parameter (NULL if absent); false: answered. */
static bool parse_hex32(struct rpc_request *request, json_t *params, const char *name,
			uint8_t out[32], bool *present)
{
	const char *text = json_string_value(json_object_get(params, name));

	*present = text != NULL;
	if (text && (strlen(text) != 64 || !hex_decode(out, 32, text, 64))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter '%s': expected 64 hex digits", name);
		return false;
	}
	return true;
}

/* What dev-sendhtlc answers: the HTLC and the preimage it pays. */
struct dev_htlc {
	struct rpc_request *request;
	const uint8_t *preimage;	/* NULL: dev-fulfillhtlc, dev-failhtlc */
};

static void dev_htlc_done(void *arg, uint64_t htlc_id, const struct channels_error *error)
{
	const struct dev_htlc *dev = arg;
	struct sha256 hash;
	char hash_hex[65], preimage_hex[65];

	if (respond_error(dev->request, error))
		return;
	if (!dev->preimage) {
		rpc_respond(dev->request, json_pack("{s:I}", "htlc_id", (json_int_t)htlc_id));
		return;
	}
	sha256(&hash, dev->preimage, 32);
	rpc_respond(dev->request, json_pack("{s:I, s:s, s:s}", "htlc_id", (json_int_t)htlc_id,
					    "payment_hash", hex_encode(hash_hex, hash.u8, 32),
					    "preimage", hex_encode(preimage_hex, dev->preimage, 32)));
}

static void dev_sendhtlc(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	struct dev_htlc dev = {request, NULL};
	struct chan *chan;
	uint8_t preimage[32];
	uint64_t amount_msat;
	json_int_t cltv = json_integer_value(json_object_get(params, "cltv_expiry"));
	bool present;
	char err[300];

	if (!rpc_parse_msat(json_object_get(params, "amount_msat"), "amount_msat", &amount_msat,
			    err, sizeof(err))) {
		rpc_respond_error(request, RPC_INVALID_PARAMS, "%s", err);
		return;
	}
	if (cltv >= 500000000) {
		/* BOLT #2:
		 *   - MUST set `cltv_expiry` less than 500000000.
		 */
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'cltv_expiry': must be a block height below 500000000");
		return;
	}
	if (!parse_hex32(request, params, "preimage", preimage, &present))
		return;
	if (!present)
		crypto_random_bytes(preimage, sizeof(preimage));
	chan = find_channel(ohmd, request, json_string_value(json_object_get(params, "id")));
	if (!chan)
		return;
	dev.preimage = preimage;
	channels_dev_send_htlc(ohmd->channels, chan, amount_msat, preimage, (uint32_t)cltv,
			       dev_htlc_done, &dev);
}

static void dev_settle(struct ohmd *ohmd, struct rpc_request *request, json_t *params,
		       bool is_fulfill)
{
	struct dev_htlc dev = {request, NULL};
	struct chan *chan;
	uint8_t preimage[32];
	bool present = false;

	if (is_fulfill && !parse_hex32(request, params, "preimage", preimage, &present))
		return;
	chan = find_channel(ohmd, request, json_string_value(json_object_get(params, "id")));
	if (!chan)
		return;
	channels_dev_settle_htlc(ohmd->channels, chan,
				 (uint64_t)json_integer_value(json_object_get(params, "htlc_id")),
				 is_fulfill ? preimage : NULL, dev_htlc_done, &dev);
}

static void dev_fulfillhtlc(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	dev_settle(ohmd, request, params, true);
}

static void dev_failhtlc(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
	dev_settle(ohmd, request, params, false);
}

static const struct rpc_param fundchannel_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "node id of the connected peer"},
	{"amount", RPC_PARAM_ANY, true, NULL, "channel size in satoshis (or NNNsat, NNNmsat)"},
	{"feerate", RPC_PARAM_ANY, false, "\"normal\"",
	 "funding transaction feerate: urgent, normal, slow, NNNperkw, NNNperkb or perkw"},
	{"announce", RPC_PARAM_BOOLEAN, false, "true",
	 "announce the channel to the network (false: a private channel)"},
	{"minconf", RPC_PARAM_UNSIGNED, false, "1", "confirmations a coin needs to be spent"},
	{"push_msat", RPC_PARAM_ANY, false, NULL, "millisatoshis given to the peer at opening"},
	{0},
};

static const struct rpc_param close_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "peer id, channel_id or short_channel_id"},
	{"unilateraltimeout", RPC_PARAM_UNSIGNED, false, "172800",
	 "seconds before closing unilaterally (0: wait for the peer forever)"},
	{"destination", RPC_PARAM_STRING, false, NULL, "address to pay our funds (default: wallet)"},
	{0},
};

static const struct rpc_param listpeerchannels_params[] = {
	{"id", RPC_PARAM_STRING, false, NULL, "only this peer's channels"},
	{0},
};

static const struct rpc_param dev_sendhtlc_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "peer id, channel_id or short_channel_id"},
	{"amount_msat", RPC_PARAM_ANY, true, NULL, "HTLC amount"},
	{"preimage", RPC_PARAM_STRING, false, NULL, "32 bytes hex (default: random)"},
	{"cltv_expiry", RPC_PARAM_UNSIGNED, false, "0", "block height (default: tip + 144)"},
	{0},
};

static const struct rpc_param dev_fulfillhtlc_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "peer id, channel_id or short_channel_id"},
	{"htlc_id", RPC_PARAM_UNSIGNED, true, NULL, "id of an HTLC the peer offered"},
	{"preimage", RPC_PARAM_STRING, true, NULL, "its payment preimage, 32 bytes hex"},
	{0},
};

static const struct rpc_param dev_fail_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "peer id, channel_id or short_channel_id"},
	{0},
};

static const struct rpc_param dev_failhtlc_params[] = {
	{"id", RPC_PARAM_STRING, true, NULL, "peer id, channel_id or short_channel_id"},
	{"htlc_id", RPC_PARAM_UNSIGNED, true, NULL, "id of an HTLC the peer offered"},
	{0},
};

const struct rpc_command channel_commands[] = {
	{"fundchannel", "channels", "Open a channel with a connected peer, funded by the wallet",
	 fundchannel_params, fundchannel},
	{"close", "channels", "Close a channel, mutually (or unilaterally after a timeout)",
	 close_params, close_command},
	{"listpeerchannels", "channels", "List channels with their state and balances",
	 listpeerchannels_params, listpeerchannels},
	{"dev-sendhtlc", "developer", "(testing) Offer an HTLC with a dummy onion",
	 dev_sendhtlc_params, dev_sendhtlc},
	{"dev-fulfillhtlc", "developer", "(testing) Fulfill an HTLC the peer offered",
	 dev_fulfillhtlc_params, dev_fulfillhtlc},
	{"dev-failhtlc", "developer", "(testing) Fail an HTLC the peer offered",
	 dev_failhtlc_params, dev_failhtlc},
	{"dev-fail", "developer", "(testing) Fail a channel: broadcast our commitment at once",
	 dev_fail_params, dev_fail},
	{0},
};
