/* The JSON of listpeerchannels and listfunds' "channels", from each
 * channel's summary (channels.h). */
#include "daemon/commands/rpc_channel.h"

#include <stdio.h>
#include <string.h>

#include "bitcoin/tx.h"
#include "channel/htlcs.h"
#include "common/hex.h"
#include "daemon/channels/channels.h"
#include "daemon/config.h"
#include "daemon/ohmd.h"
#include "daemon/chain/chain.h"
#include "daemon/onchain/resolvers.h"
#include "wire/peer_wire.h"
#include "wire/short_channel_id.h"

json_t *rpc_channel_type_json(bool option_anchors)
{
	return option_anchors
		? json_pack("{s:[i,i], s:[s,s]}", "bits", 12, 22, "names",
			    "static_remotekey/even", "anchors/even")
		: json_pack("{s:[i], s:[s]}", "bits", 12, "names", "static_remotekey/even");
}

static json_t *htlcs_json(const struct htlc_set *set)
{
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
static json_t *status_json(const struct channel_summary *s)
{
	json_t *lines = json_array();
	char line[700];

	snprintf(line, sizeof(line), "%s:%s", s->state,
		 !s->peer_connected ? "Peer not connected"
		 : s->is_reestablished ? "Peer connected" : "Reestablishing with the peer");
	json_array_append_new(lines, json_string(line));
	if (s->is_awaiting_lockin) {
		snprintf(line, sizeof(line), "%s:Funding needs %u confirmations, has %u", s->state,
			 s->minimum_depth, s->depth);
		json_array_append_new(lines, json_string(line));
	}
	if (s->failure) {
		snprintf(line, sizeof(line), "%s:%s", s->state, s->failure);
		json_array_append_new(lines, json_string(line));
	}
	if (s->is_spent) {
		char txid[65];
		snprintf(line, sizeof(line), "%s:Funding output spent by %s at block %u", s->state,
			 bitcoin_txid_to_hex(txid, &s->spend_txid), s->spend_height);
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
static json_t *updates_json(const struct config *config, const struct chan *chan,
			    const struct channel_summary *s)
{
	const struct msg_channel_update *r = s->remote_update;
	json_t *updates = json_object();
	struct channels_update_values v;

	/* Ours: what our channel_update says (setchannel's values). */
	chan_update_values(chan, &v);
	json_object_set_new(updates, "local", update_json(
		v.htlc_minimum_msat, v.htlc_maximum_msat, config->cltv_delta,
		v.fee_base_msat, v.fee_ppm));
	if (r)
		json_object_set_new(updates, "remote", update_json(
			r->htlc_minimum_msat, r->htlc_maximum_msat, r->cltv_expiry_delta,
			r->fee_base_msat, r->fee_proportional_millionths));
	return updates;
}

/* What the on-chain resolver follows: how the channel closed and each
 * output, with what resolved it or how many blocks it still waits. */
static json_t *onchain_json(const struct onchain *oc, uint32_t tip)
{
	json_t *obj = json_object(), *outputs = json_array();

	json_object_set_new(obj, "close", json_string(onchain_close_name(onchain_get_close(oc))));
	json_object_set_new(obj, "resolved", json_boolean(onchain_is_resolved(oc)));
	for (size_t i = 0; i < onchain_num_outputs(oc); i++) {
		struct onchain_output_info info;
		char txid[65], outpoint[80];
		json_t *o;

		onchain_get_output(oc, i, &info);
		snprintf(outpoint, sizeof(outpoint), "%s:%u",
			 bitcoin_txid_to_hex(txid, &info.outpoint.txid), info.outpoint.vout);
		o = json_pack("{s:s, s:s, s:I, s:b}", "outpoint", outpoint,
			      "kind", onchain_output_kind_name(info.kind),
			      "amount_msat", (json_int_t)info.amount_sat * 1000,
			      "resolved", info.is_resolved);
		if (info.is_dust)
			json_object_set_new(o, "dust", json_true());
		else if (info.is_resolved && (info.kind != ONCHAIN_OUT_WALLET
					      && info.kind != ONCHAIN_OUT_THEIRS
					      && info.kind != ONCHAIN_OUT_ANCHOR))
			json_object_set_new(o, "resolved_by", json_string(
				bitcoin_txid_to_hex(txid, &info.resolved_by)));
		if (!info.is_resolved && info.spendable_height && info.spendable_height != UINT32_MAX)
			json_object_set_new(o, "blocks_left", json_integer(
				info.spendable_height > tip + 1 ? info.spendable_height - tip - 1 : 0));
		json_array_append_new(outputs, o);
	}
	json_object_set_new(obj, "outputs", outputs);
	return obj;
}

static json_t *channel_json(const struct ohmd *ohmd, const struct chan *chan)
{
	const struct config *config = ohmd->config;
	const struct onchain *oc = resolvers_find(ohmd->resolvers, chan_dbid(chan));
	struct channel_summary s;
	char peer[2 * PUBKEY_CMPR_LEN + 1], cid[65], hex[65], scid[SHORT_CHANNEL_ID_STR_MAX];
	json_t *obj;

	chan_summary(chan, &s);
	obj = json_pack("{s:s, s:b, s:s, s:s, s:s, s:I, s:I}",
			"peer_id", hex_encode(peer, s.peer_id, PUBKEY_CMPR_LEN),
			"peer_connected", s.peer_connected,
			"state", s.state,
			"opener", s.is_opener ? "local" : "remote",
			"channel_id", hex_encode(cid, s.channel_id, 32),
			"to_us_msat", (json_int_t)s.to_us_msat,
			"total_msat", (json_int_t)(s.funding_sat * 1000));
	if (s.has_funding) {
		json_object_set_new(obj, "funding_txid",
				    json_string(bitcoin_txid_to_hex(hex, &s.funding.txid)));
		json_object_set_new(obj, "funding_outnum", json_integer(s.funding.vout));
	}
	if (s.scid)
		json_object_set_new(obj, "short_channel_id",
				    json_string(short_channel_id_to_str(scid, s.scid)));
	if (s.is_spent)
		json_object_set_new(obj, "close_txid",
				    json_string(bitcoin_txid_to_hex(hex, &s.spend_txid)));
	json_object_set_new(obj, "private", json_boolean(s.is_private));
	json_object_set_new(obj, "feerate", json_pack("{s:I, s:I}",
		"perkw", (json_int_t)s.feerate_perkw,
		"perkb", (json_int_t)s.feerate_perkw * 4));
	json_object_set_new(obj, "our_reserve_msat", json_integer((json_int_t)s.our_reserve_msat));
	json_object_set_new(obj, "their_reserve_msat",
			    json_integer((json_int_t)s.their_reserve_msat));
	json_object_set_new(obj, "spendable_msat", json_integer((json_int_t)s.spendable_msat));
	json_object_set_new(obj, "receivable_msat", json_integer((json_int_t)s.receivable_msat));
	json_object_set_new(obj, "minimum_htlc_in_msat",
			    json_integer((json_int_t)s.htlc_minimum_in_msat));
	json_object_set_new(obj, "minimum_htlc_out_msat",
			    json_integer((json_int_t)s.htlc_minimum_out_msat));
	json_object_set_new(obj, "our_to_self_delay", json_integer(s.our_to_self_delay));
	json_object_set_new(obj, "their_to_self_delay", json_integer(s.their_to_self_delay));
	json_object_set_new(obj, "max_accepted_htlcs", json_integer(s.max_accepted_htlcs));
	json_object_set_new(obj, "dust_limit_msat", json_integer((json_int_t)s.dust_limit_msat));
	json_object_set_new(obj, "channel_type", rpc_channel_type_json(s.option_anchors));
	json_object_set_new(obj, "updates", updates_json(config, chan, &s));
	json_object_set_new(obj, "htlcs", htlcs_json(s.htlcs));
	json_object_set_new(obj, "status", status_json(&s));
	if (oc)
		json_object_set_new(obj, "onchain", onchain_json(oc, chain_height(ohmd->chain)));
	return obj;
}

json_t *rpc_channels_list_json(struct ohmd *ohmd, const uint8_t *peer_id)
{
	struct channels *channels = ohmd->channels;
	json_t *list = json_array();

	for (struct chan *chan = channels_next(channels, NULL); chan;
	     chan = channels_next(channels, chan))
		if ((!peer_id || memcmp(chan_peer_id(chan), peer_id, PUBKEY_CMPR_LEN) == 0)
		    && !chan_is_closed_out(chan))
			json_array_insert_new(list, 0, channel_json(ohmd, chan));
	return list;
}

json_t *channels_funds_json(struct channels *channels)
{
	json_t *list = json_array();

	for (struct chan *chan = channels_next(channels, NULL); chan;
	     chan = channels_next(channels, chan)) {
		struct channel_summary s;
		char peer[2 * PUBKEY_CMPR_LEN + 1], cid[65], hex[65], scid[SHORT_CHANNEL_ID_STR_MAX];
		json_t *obj;

		chan_summary(chan, &s);
		if (!s.has_funding || chan_is_closed_out(chan))
			continue;
		obj = json_pack("{s:s, s:b, s:s, s:s, s:I, s:I, s:s, s:i}",
				"peer_id", hex_encode(peer, s.peer_id, PUBKEY_CMPR_LEN),
				"connected", s.peer_connected,
				"state", s.state,
				"channel_id", hex_encode(cid, s.channel_id, 32),
				"our_amount_msat", (json_int_t)s.to_us_msat,
				"amount_msat", (json_int_t)s.funding_sat * 1000,
				"funding_txid", bitcoin_txid_to_hex(hex, &s.funding.txid),
				"funding_output", (int)s.funding.vout);
		if (s.scid)
			json_object_set_new(obj, "short_channel_id",
					    json_string(short_channel_id_to_str(scid, s.scid)));
		json_array_insert_new(list, 0, obj);
	}
	return list;
}
