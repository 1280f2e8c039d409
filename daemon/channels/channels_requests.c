/* The channels seen from the channel commands: finding the channel a
 * user names, close, the dev- HTLC commands, and each channel's summary
 * for listpeerchannels, listfunds and the counts getinfo and listpeers
 * show (the commands shape the JSON: daemon/commands/rpc_channel.c). */
#include "daemon/channels/channels_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/tx.h"
#include "crypto/hash.h"
#include "daemon/chain/chain.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/onchain/resolvers.h"

/* ---- Finding ---- */

struct chan *channels_for_peer(struct channels *chans, const uint8_t peer_id[PUBKEY_CMPR_LEN])
{
	struct chan *found = NULL;

	for (struct chan *chan = chans->list; chan; chan = chan->next)
		if (memcmp(chan->peer_id, peer_id, PUBKEY_CMPR_LEN) == 0
		    && (!found || chan_needs_peer(chan)))
			found = chan;
	return found;
}

struct chan *channels_by_channel_id(struct channels *chans, const uint8_t id[32])
{
	return channels_find_by_id(chans, NULL, id);
}

/* ---- Commands ---- */

/* Closed, or closing on chain: nothing left to close or fail. */
static bool is_over(const struct chan *chan)
{
	switch (channel_get_state(chan->ch)) {
	case CHANNEL_CLOSED:
	case CHANNEL_AWAITING_UNILATERAL:
	case CHANNEL_DATA_LOSS:
	case CHANNEL_FORGOTTEN:
	case CHANNEL_ONCHAIN:
		return true;
	default:
		return false;
	}
}

void channels_close(struct channels *chans, struct chan *chan, const uint8_t *script,
		    size_t script_len, unsigned timeout_secs, channels_close_cb done, void *arg)
{
	struct channel_effects fx;
	struct timeval timeout = {timeout_secs, 0};
	struct channels_error error;
	char cid[65], text[600];

	if (chan->close_done) {
		done(arg, NULL, channels_error_fmt(&error, text, sizeof(text), CHANNELS_ERROR_FAILED,
						   "Channel is already being closed"));
		return;
	}
	if (is_over(chan)) {
		done(arg, NULL, channels_error_fmt(&error, text, sizeof(text), CHANNELS_ERROR_FAILED,
						   "Channel is in state %s",
						   chan_state_name(chan)));
		return;
	}
	channel_effects_init(&fx);
	if (!channel_shutdown(chan->ch, &fx, script, script_len)) {
		done(arg, NULL, channels_error_fmt(&error, text, sizeof(text), CHANNELS_ERROR_FAILED,
						   "%s", fx.refusal ? fx.refusal : "cannot close"));
		channel_effects_clear(&fx);
		return;
	}
	chan->close_done = done;
	chan->close_arg = arg;
	chan_set_close_cause(chan, "user");
	if (timeout_secs)
		evtimer_add(chan->close_timer, &timeout);
	log_info(channels_log(chans), "channel", "%s: closing channel %s (peer %s)", chan->peer_id_hex,
		 chan_id_hex(cid, chan), chan->peer ? "connected" : "not connected: waiting for it");
	chan_step(chan, &fx);
}

void channels_dev_fail(struct channels *chans, struct chan *chan, channels_close_cb done,
		       void *arg)
{
	struct channels_error error;
	struct channels_close_result result = {NULL, "unilateral"};
	struct bitcoin_tx *commitment;
	char cid[65], text[600];

	if (is_over(chan)) {
		done(arg, NULL, channels_error_fmt(&error, text, sizeof(text), CHANNELS_ERROR_FAILED,
						   "Channel is in state %s: nothing to fail",
						   chan_state_name(chan)));
		return;
	}
	/* Only a channel with a commitment signed by the peer can go on chain. */
	commitment = channel_signed_commitment(chan->ch);
	if (!commitment) {
		done(arg, NULL, channels_error_fmt(&error, text, sizeof(text), CHANNELS_ERROR_FAILED,
						   "Channel is in state %s: it has no signed "
						   "commitment to broadcast", chan_state_name(chan)));
		return;
	}
	log_info(channels_log(chans), "channel", "%s: dev-fail: failing channel %s",
		 chan->peer_id_hex, chan_id_hex(cid, chan));
	if (!chan->close_done) {
		/* Answered with the commitment once it is stored and broadcast. */
		bitcoin_tx_free(commitment);
		chan->close_done = done;
		chan->close_arg = arg;
		chan_set_close_cause(chan, "user");
		chan_fail_with(chan, "dev-fail: failed by the operator");
		return;
	}
	/* A close is waiting: it is answered with our commitment, and so is
	 * dev-fail. */
	chan_fail_with(chan, "dev-fail: failed by the operator");
	result.tx = commitment;
	done(arg, &result, NULL);
	bitcoin_tx_free(commitment);
}

void channels_dev_send_htlc(struct channels *chans, struct chan *chan, uint64_t amount_msat,
			    const uint8_t preimage[32], uint32_t cltv_expiry, channels_htlc_cb done,
			    void *arg)
{
	static const uint8_t onion[HTLC_ONION_LEN];
	struct channel_effects fx;
	struct channels_error error;
	struct sha256 hash;
	uint64_t htlc_id;
	char text[600];

	sha256(&hash, preimage, 32);
	if (!cltv_expiry)
		cltv_expiry = chain_height(chans->setup.chain) + DEV_HTLC_CLTV_DELTA;
	channel_effects_init(&fx);
	if (!channel_add_htlc(chan->ch, &fx, &htlc_id, amount_msat, &hash, cltv_expiry, onion,
			      NULL)) {
		done(arg, 0, channels_error_fmt(&error, text, sizeof(text), CHANNELS_ERROR_FAILED,
						"%s", fx.refusal ? fx.refusal
						: "cannot add the HTLC"));
		channel_effects_clear(&fx);
		return;
	}
	done(arg, htlc_id, NULL);
	chan_step(chan, &fx);
}

void channels_dev_settle_htlc(struct channels *chans, struct chan *chan, uint64_t htlc_id,
			      const uint8_t *preimage, channels_htlc_cb done, void *arg)
{
	struct channel_effects fx;
	struct channels_error error;
	struct preimage p;
	char text[600];
	bool ok;
	/* A failure reason the origin cannot decode: the dev- HTLCs have no
	 * onion to answer through. */
	static const uint8_t reason[32];

	channel_effects_init(&fx);
	if (preimage && channel_get_state(chan->ch) == CHANNEL_ONCHAIN) {
		/* Closed: the HTLC's output is claimed on chain with it. */
		const struct htlc *h = channel_find_htlc(chan->ch, CHANNEL_REMOTE, htlc_id);
		struct sha256 hash;
		char why[300] = "not resolved on chain";
		memcpy(p.r, preimage, sizeof(p.r));
		sha256(&hash, p.r, sizeof(p.r));
		if (!h || memcmp(hash.u8, h->h.payment_hash.u8, sizeof(hash.u8)) != 0) {
			done(arg, htlc_id, channels_error_fmt(&error, text, sizeof(text),
							      CHANNELS_ERROR_FAILED,
							      "no HTLC %llu of the peer's with that"
							      " payment_hash", (unsigned long long)htlc_id));
			return;
		}
		if (!chans->setup.resolvers
		    || !resolvers_add_preimage(chans->setup.resolvers, chan->dbid, &p, why,
					       sizeof(why))) {
			done(arg, htlc_id, channels_error_fmt(&error, text, sizeof(text),
							      CHANNELS_ERROR_FAILED, "%s", why));
			return;
		}
		done(arg, htlc_id, NULL);
		return;
	}
	if (preimage) {
		memcpy(p.r, preimage, sizeof(p.r));
		ok = channel_fulfill_htlc(chan->ch, &fx, htlc_id, &p);
	} else {
		ok = channel_fail_htlc(chan->ch, &fx, htlc_id, reason, sizeof(reason));
	}
	if (!ok) {
		done(arg, htlc_id, channels_error_fmt(&error, text, sizeof(text),
						      CHANNELS_ERROR_FAILED, "%s",
						      fx.refusal ? fx.refusal
						      : "cannot settle the HTLC"));
		channel_effects_clear(&fx);
		return;
	}
	done(arg, htlc_id, NULL);
	chan_step(chan, &fx);
}

/* ---- Summaries ---- */

void channels_count(const struct channels *chans, const uint8_t *peer_id,
		    struct channels_counts *counts)
{
	memset(counts, 0, sizeof(*counts));
	for (const struct chan *chan = chans->list; chan; chan = chan->next) {
		enum channel_state state = channel_get_state(chan->ch);
		if (peer_id && memcmp(chan->peer_id, peer_id, PUBKEY_CMPR_LEN) != 0)
			continue;
		if (state < CHANNEL_NORMAL)
			counts->pending++;
		else if (state == CHANNEL_NORMAL || state == CHANNEL_SHUTTING_DOWN)
			counts->active++;
		else
			counts->inactive++;
	}
}

bool channels_have_anchors(const struct channels *chans)
{
	for (const struct chan *chan = chans->list; chan; chan = chan->next)
		if (!chan->forgotten && channel_get_state(chan->ch) != CHANNEL_FORGOTTEN
		    && channel_get_params(chan->ch)->option_anchors)
			return true;
	return false;
}

uint64_t channels_emergency_reserve_sat(const struct channels *chans)
{
	return channels_have_anchors(chans) ? chans->setup.config->min_emergency_msat / 1000 : 0;
}

void chan_summary(const struct chan *chan, struct channel_summary *s)
{
	const struct channel_params *params = channel_get_params(chan->ch);
	const struct channel_config *ours = channel_get_config(chan->ch, CHANNEL_LOCAL);
	const struct channel_config *theirs = channel_get_config(chan->ch, CHANNEL_REMOTE);
	uint64_t capacity_msat = params->funding_sat * 1000;
	struct htlc_view view;

	memset(s, 0, sizeof(*s));
	s->peer_id = chan->peer_id;
	s->peer_connected = chan->peer != NULL;
	s->is_reestablished = channel_is_connected(chan->ch);
	s->state = chan_state_name(chan);
	s->is_opener = channel_is_opener(chan->ch);
	memcpy(s->channel_id, channel_get_id(chan->ch)->bytes, 32);
	s->is_private = !(channel_get_flags(chan->ch) & 1);
	s->option_anchors = params->option_anchors;
	s->funding_sat = params->funding_sat;
	s->has_funding = chan_has_funding(chan);
	if (s->has_funding)
		s->funding = params->funding;
	s->scid = chan_scid(chan);
	s->is_spent = chan->is_spent;
	s->spend_txid = chan->spend_txid;
	s->spend_height = chan->spend_height;
	s->is_awaiting_lockin = channel_get_state(chan->ch) == CHANNEL_AWAITING_LOCKIN;
	s->minimum_depth = channel_get_config(chan->ch, s->is_opener ? CHANNEL_REMOTE
					      : CHANNEL_LOCAL)->minimum_depth;
	s->depth = chan->funding_confirmed ? chan->depth_told : 0;
	s->failure = chan->failure;
	channel_get_view(chan->ch, CHANNEL_LOCAL, &view);
	s->feerate_perkw = view.feerate_per_kw;
	s->to_us_msat = view.balance_msat[CHANNEL_LOCAL] > 0 ? view.balance_msat[CHANNEL_LOCAL] : 0;
	htlc_view_free(&view);
	s->spendable_msat = channel_sendable_msat(chan->ch, CHANNEL_LOCAL);
	s->receivable_msat = channel_sendable_msat(chan->ch, CHANNEL_REMOTE);
	s->our_reserve_msat = theirs->channel_reserve_sat * 1000;
	s->their_reserve_msat = ours->channel_reserve_sat * 1000;
	s->htlc_minimum_in_msat = ours->htlc_minimum_msat;
	s->htlc_minimum_out_msat = theirs->htlc_minimum_msat;
	s->our_to_self_delay = params->party[CHANNEL_REMOTE].to_self_delay;
	s->their_to_self_delay = params->party[CHANNEL_LOCAL].to_self_delay;
	s->max_accepted_htlcs = ours->max_accepted_htlcs;
	s->dust_limit_msat = ours->dust_limit_sat * 1000;
	s->local_htlc_minimum_msat = theirs->htlc_minimum_msat;
	s->local_htlc_maximum_msat = theirs->max_htlc_value_in_flight_msat < capacity_msat
		? theirs->max_htlc_value_in_flight_msat : capacity_msat;
	s->remote_update = chan_remote_update(chan);
	s->htlcs = channel_get_htlcs(chan->ch);
}
