/* The channels seen from RPC: finding a channel by peer id, channel_id or
 * short_channel_id, close, the dev- HTLC commands, and the JSON of
 * listpeerchannels, listfunds and the counts getinfo and listpeers show. */
#include "daemon/channels_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/scripts.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "daemon/chain.h"
#include "daemon/config.h"
#include "daemon/jsonrpc.h"
#include "daemon/log.h"
#include "daemon/ohmd.h"
#include "crypto/util.h"
#include "daemon/peer.h"
#include "wire/short_channel_id.h"

/* ---- RPC ---- */

/* The channel id names: a peer id (its only channel still open, else the
 * newest), a channel_id, or a short_channel_id.  NULL: answered. */
static struct dchannel *find_for_rpc(struct channels *m, struct rpc_request *request,
				     const char *id)
{
	size_t len = strlen(id);
	uint8_t bytes[32];
	struct short_channel_id scid;
	struct dchannel *found = NULL;

	if (len == 2 * PUBKEY_CMPR_LEN) {
		uint8_t peer_id[PUBKEY_CMPR_LEN];
		if (hex_decode(peer_id, sizeof(peer_id), id, len)) {
			for (struct dchannel *dc = m->list; dc; dc = dc->next)
				if (memcmp(dc->peer_id, peer_id, sizeof(peer_id)) == 0
				    && (!found || dchannel_needs_peer(dc)))
					found = dc;
		}
	} else if (len == 64 && hex_decode(bytes, sizeof(bytes), id, len)) {
		found = channels_find_by_id(m, NULL, bytes);
	} else if (short_channel_id_from_str(&scid, id, len)) {
		for (struct dchannel *dc = m->list; dc; dc = dc->next)
			if (dc->funding_confirmed
			    && channel_get_scid(dc->ch)->u64 == scid.u64)
				found = dc;
	} else {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter 'id': expected a peer id, channel_id or "
				  "short_channel_id, got '%.80s'", id);
		return NULL;
	}
	if (!found)
		rpc_respond_error(request, RPC_LIGHTNINGD, "No channel found for '%.80s'", id);
	return found;
}

void channels_close(struct channels *m, struct rpc_request *request, const char *id,
		    const uint8_t *script, size_t script_len, unsigned timeout_secs)
{
	struct dchannel *dc = find_for_rpc(m, request, id);
	struct channel_effects fx;
	struct timeval timeout = {timeout_secs, 0};
	char cid[65];

	if (!dc)
		return;
	if (dc->close_request) {
		rpc_respond_error(request, RPC_LIGHTNINGD, "Channel is already being closed");
		return;
	}
	switch (channel_get_state(dc->ch)) {
	case CHANNEL_CLOSED:
	case CHANNEL_AWAITING_UNILATERAL:
	case CHANNEL_DATA_LOSS:
	case CHANNEL_FORGOTTEN:
	case CHANNEL_ONCHAIN:
		rpc_respond_error(request, RPC_LIGHTNINGD, "Channel is in state %s",
				  dchannel_state_name(dc));
		return;
	default:
		break;
	}
	channel_effects_init(&fx);
	if (!channel_shutdown(dc->ch, &fx, script, script_len)) {
		rpc_respond_error(request, RPC_LIGHTNINGD, "%s",
				  fx.refusal ? fx.refusal : "cannot close");
		channel_effects_clear(&fx);
		return;
	}
	dc->close_request = request;
	if (timeout_secs)
		evtimer_add(dc->close_timer, &timeout);
	log_info(channels_log(m), "channel", "%s: closing channel %s (peer %s)", dc->peer_id_hex,
		 dchannel_id_hex(cid, dc), dc->peer ? "connected" : "not connected: waiting for it");
	dchannel_apply(dc, &fx);
}

static json_t *htlcs_json(const struct dchannel *dc)
{
	const struct htlc_set *set = channel_get_htlcs(dc->ch);
	json_t *list = json_array();

	for (size_t i = 0; i < set->num; i++) {
		const struct htlc *h = &set->htlcs[i];
		char hash[65];
		json_array_append_new(list, json_pack(
			"{s:s, s:I, s:I, s:I, s:s, s:s}",
			"direction", h->h.offerer == CHANNEL_LOCAL ? "out" : "in",
			"id", (json_int_t)h->h.id,
			"amount_msat", (json_int_t)h->h.amount_msat,
			"expiry", (json_int_t)h->h.cltv_expiry,
			"payment_hash", hex_encode(hash, h->h.payment_hash.u8, 32),
			"state", htlc_state_name(h)));
	}
	return list;
}

/* Core Lightning's "status" lines: "STATE:what is going on". */
static json_t *status_json(const struct dchannel *dc)
{
	json_t *lines = json_array();
	char line[700];

	snprintf(line, sizeof(line), "%s:%s", dchannel_state_name(dc),
		 !dc->peer ? "Peer not connected"
		 : channel_is_connected(dc->ch) ? "Peer connected" : "Reestablishing with the peer");
	json_array_append_new(lines, json_string(line));
	if (channel_get_state(dc->ch) == CHANNEL_AWAITING_LOCKIN) {
		/* The fundee's minimum_depth is the one that counts. */
		snprintf(line, sizeof(line), "%s:Funding needs %u confirmations, has %u",
			 dchannel_state_name(dc), channel_get_config(dc->ch, channel_is_opener(dc->ch)
							    ? CHANNEL_REMOTE
							    : CHANNEL_LOCAL)->minimum_depth,
			 dc->funding_confirmed ? dc->depth_told : 0);
		json_array_append_new(lines, json_string(line));
	}
	if (dc->failure) {
		snprintf(line, sizeof(line), "%s:%s", dchannel_state_name(dc), dc->failure);
		json_array_append_new(lines, json_string(line));
	}
	if (dc->is_spent) {
		char txid[65];
		snprintf(line, sizeof(line), "%s:Funding output spent by %s at block %u",
			 dchannel_state_name(dc), bitcoin_txid_to_hex(txid, &dc->spend_txid),
			 dc->spend_height);
		json_array_append_new(lines, json_string(line));
	}
	return lines;
}

static json_t *update_json(uint64_t htlc_min, uint64_t htlc_max, unsigned cltv_delta,
			   unsigned fee_base, unsigned fee_ppm)
{
	return json_pack("{s:I, s:I, s:i, s:I, s:I}",
			 "htlc_minimum_msat", (json_int_t)htlc_min,
			 "htlc_maximum_msat", (json_int_t)htlc_max,
			 "cltv_expiry_delta", (int)cltv_delta,
			 "fee_base_msat", (json_int_t)fee_base,
			 "fee_proportional_millionths", (json_int_t)fee_ppm);
}

/* Core Lightning's "updates": what each side charges to forward over the
 * channel ("remote" once the peer's channel_update arrived). */
static json_t *updates_json(const struct dchannel *dc)
{
	const struct config *config = dc->owner->ohmd->config;
	const struct channel_config *theirs = channel_get_config(dc->ch, CHANNEL_REMOTE);
	const struct msg_channel_update *r = &dc->remote_update;
	uint64_t capacity_msat = channel_get_params(dc->ch)->funding_sat * 1000;
	json_t *updates = json_object();

	json_object_set_new(updates, "local", update_json(
		theirs->htlc_minimum_msat,
		theirs->max_htlc_value_in_flight_msat < capacity_msat
		? theirs->max_htlc_value_in_flight_msat : capacity_msat,
		config->cltv_delta, config->fee_base_msat, config->fee_per_satoshi));
	if (dc->has_remote_update)
		json_object_set_new(updates, "remote", update_json(
			r->htlc_minimum_msat, r->htlc_maximum_msat, r->cltv_expiry_delta,
			r->fee_base_msat, r->fee_proportional_millionths));
	return updates;
}

json_t *dchannel_type_json(const struct dchannel *dc)
{
	return channel_get_params(dc->ch)->option_anchors
		? json_pack("{s:[i,i], s:[s,s]}", "bits", 12, 22, "names",
			    "static_remotekey/even", "anchors/even")
		: json_pack("{s:[i], s:[s]}", "bits", 12, "names", "static_remotekey/even");
}

static json_t *channel_json(const struct dchannel *dc)
{
	const struct channel_params *params = channel_get_params(dc->ch);
	const struct channel_config *ours = channel_get_config(dc->ch, CHANNEL_LOCAL);
	const struct channel_config *theirs = channel_get_config(dc->ch, CHANNEL_REMOTE);
	struct htlc_view view;
	char cid[65], hex[65], scid[SHORT_CHANNEL_ID_STR_MAX];
	json_t *obj;
	uint64_t total_msat = params->funding_sat * 1000;

	channel_get_view(dc->ch, CHANNEL_LOCAL, &view);
	obj = json_pack("{s:s, s:b, s:s, s:s, s:s, s:I, s:I}",
			"peer_id", dc->peer_id_hex,
			"peer_connected", dc->peer != NULL,
			"state", dchannel_state_name(dc),
			"opener", channel_is_opener(dc->ch) ? "local" : "remote",
			"channel_id", dchannel_id_hex(cid, dc),
			"to_us_msat", (json_int_t)(view.balance_msat[CHANNEL_LOCAL] > 0
						   ? view.balance_msat[CHANNEL_LOCAL] : 0),
			"total_msat", (json_int_t)total_msat);
	if (dchannel_has_funding(dc)) {
		json_object_set_new(obj, "funding_txid",
				    json_string(bitcoin_txid_to_hex(hex, &params->funding.txid)));
		json_object_set_new(obj, "funding_outnum", json_integer(params->funding.vout));
	}
	if (dc->funding_confirmed && channel_get_scid(dc->ch)->u64)
		json_object_set_new(obj, "short_channel_id",
				    json_string(short_channel_id_to_str(scid,
									channel_get_scid(dc->ch))));
	if (dc->is_spent)
		json_object_set_new(obj, "close_txid",
				    json_string(bitcoin_txid_to_hex(hex, &dc->spend_txid)));
	json_object_set_new(obj, "private", json_boolean(!(channel_get_flags(dc->ch) & 1)));
	json_object_set_new(obj, "feerate", json_pack("{s:I, s:I}",
		"perkw", (json_int_t)view.feerate_per_kw,
		"perkb", (json_int_t)view.feerate_per_kw * 4));
	json_object_set_new(obj, "our_reserve_msat",
			    json_integer((json_int_t)theirs->channel_reserve_sat * 1000));
	json_object_set_new(obj, "their_reserve_msat",
			    json_integer((json_int_t)ours->channel_reserve_sat * 1000));
	json_object_set_new(obj, "spendable_msat",
			    json_integer((json_int_t)channel_sendable_msat(dc->ch, CHANNEL_LOCAL)));
	json_object_set_new(obj, "receivable_msat",
			    json_integer((json_int_t)channel_sendable_msat(dc->ch, CHANNEL_REMOTE)));
	json_object_set_new(obj, "minimum_htlc_in_msat",
			    json_integer((json_int_t)ours->htlc_minimum_msat));
	json_object_set_new(obj, "minimum_htlc_out_msat",
			    json_integer((json_int_t)theirs->htlc_minimum_msat));
	json_object_set_new(obj, "our_to_self_delay",
			    json_integer(params->party[CHANNEL_REMOTE].to_self_delay));
	json_object_set_new(obj, "their_to_self_delay",
			    json_integer(params->party[CHANNEL_LOCAL].to_self_delay));
	json_object_set_new(obj, "max_accepted_htlcs", json_integer(ours->max_accepted_htlcs));
	json_object_set_new(obj, "dust_limit_msat",
			    json_integer((json_int_t)ours->dust_limit_sat * 1000));
	json_object_set_new(obj, "channel_type", dchannel_type_json(dc));
	json_object_set_new(obj, "updates", updates_json(dc));
	json_object_set_new(obj, "htlcs", htlcs_json(dc));
	json_object_set_new(obj, "status", status_json(dc));
	htlc_view_free(&view);
	return obj;
}

json_t *channels_list_json(struct channels *m, const uint8_t *peer_id)
{
	json_t *list = json_array();

	for (struct dchannel *dc = m->list; dc; dc = dc->next)
		if (!peer_id || memcmp(dc->peer_id, peer_id, PUBKEY_CMPR_LEN) == 0)
			json_array_insert_new(list, 0, channel_json(dc));
	return list;
}

void channels_count(const struct channels *m, const uint8_t *peer_id,
		    struct channels_counts *counts)
{
	memset(counts, 0, sizeof(*counts));
	for (const struct dchannel *dc = m->list; dc; dc = dc->next) {
		enum channel_state state = channel_get_state(dc->ch);
		if (peer_id && memcmp(dc->peer_id, peer_id, PUBKEY_CMPR_LEN) != 0)
			continue;
		if (state < CHANNEL_NORMAL)
			counts->pending++;
		else if (state == CHANNEL_NORMAL || state == CHANNEL_SHUTTING_DOWN)
			counts->active++;
		else
			counts->inactive++;
	}
}

json_t *channels_funds_json(struct channels *m)
{
	json_t *list = json_array();

	for (struct dchannel *dc = m->list; dc; dc = dc->next) {
		const struct channel_params *params = channel_get_params(dc->ch);
		struct htlc_view view;
		char cid[65], hex[65], scid[SHORT_CHANNEL_ID_STR_MAX];
		json_t *obj;

		if (!dchannel_has_funding(dc))
			continue;
		channel_get_view(dc->ch, CHANNEL_LOCAL, &view);
		obj = json_pack("{s:s, s:b, s:s, s:s, s:I, s:I, s:s, s:i}",
				"peer_id", dc->peer_id_hex,
				"connected", dc->peer != NULL,
				"state", dchannel_state_name(dc),
				"channel_id", dchannel_id_hex(cid, dc),
				"our_amount_msat", (json_int_t)(view.balance_msat[CHANNEL_LOCAL] > 0
								? view.balance_msat[CHANNEL_LOCAL] : 0),
				"amount_msat", (json_int_t)params->funding_sat * 1000,
				"funding_txid", bitcoin_txid_to_hex(hex, &params->funding.txid),
				"funding_output", (int)params->funding.vout);
		if (dc->funding_confirmed && channel_get_scid(dc->ch)->u64)
			json_object_set_new(obj, "short_channel_id",
					    json_string(short_channel_id_to_str(
						    scid, channel_get_scid(dc->ch))));
		htlc_view_free(&view);
		json_array_insert_new(list, 0, obj);
	}
	return list;
}

void channels_dev_send_htlc(struct channels *m, struct rpc_request *request, const char *id,
			    uint64_t amount_msat, const uint8_t preimage[32], uint32_t cltv_expiry)
{
	struct dchannel *dc = find_for_rpc(m, request, id);
	static const uint8_t onion[HTLC_ONION_LEN];
	struct channel_effects fx;
	struct sha256 hash;
	uint64_t htlc_id;
	char hash_hex[65], preimage_hex[65];

	if (!dc)
		return;
	sha256(&hash, preimage, 32);
	if (!cltv_expiry)
		cltv_expiry = chain_height(m->ohmd->chain) + DEV_HTLC_CLTV_DELTA;
	channel_effects_init(&fx);
	if (!channel_add_htlc(dc->ch, &fx, &htlc_id, amount_msat, &hash, cltv_expiry, onion,
			      NULL)) {
		rpc_respond_error(request, RPC_LIGHTNINGD, "%s",
				  fx.refusal ? fx.refusal : "cannot add the HTLC");
		channel_effects_clear(&fx);
		return;
	}
	rpc_respond(request, json_pack("{s:I, s:s, s:s}", "htlc_id", (json_int_t)htlc_id,
				       "payment_hash", hex_encode(hash_hex, hash.u8, 32),
				       "preimage", hex_encode(preimage_hex, preimage, 32)));
	dchannel_apply(dc, &fx);
}

void channels_dev_settle_htlc(struct channels *m, struct rpc_request *request,
			      const char *id, uint64_t htlc_id, const uint8_t *preimage)
{
	struct dchannel *dc = find_for_rpc(m, request, id);
	struct channel_effects fx;
	struct preimage p;
	bool ok;
	/* A failure reason the origin cannot decode: the dev- HTLCs have no
	 * onion to answer through. */
	static const uint8_t reason[32];

	if (!dc)
		return;
	channel_effects_init(&fx);
	if (preimage) {
		memcpy(p.r, preimage, sizeof(p.r));
		ok = channel_fulfill_htlc(dc->ch, &fx, htlc_id, &p);
	} else {
		ok = channel_fail_htlc(dc->ch, &fx, htlc_id, reason, sizeof(reason));
	}
	if (!ok) {
		rpc_respond_error(request, RPC_LIGHTNINGD, "%s",
				  fx.refusal ? fx.refusal : "cannot settle the HTLC");
		channel_effects_clear(&fx);
		return;
	}
	rpc_respond(request, json_pack("{s:I}", "htlc_id", (json_int_t)htlc_id));
	dchannel_apply(dc, &fx);
}

