/* The channels seen from payments: finding a channel to send over, and
 * offering or removing HTLCs with the payment's own records stored in the
 * same transaction as the channel step (see channels.h). */
#include "daemon/channels/channels_internal.h"

#include <stdio.h>
#include <string.h>

#include "daemon/channels/channels.h"

struct chan *channels_next(struct channels *chans, struct chan *prev)
{
	return prev ? prev->next : chans->list;
}

struct chan *channels_by_scid(struct channels *chans, const struct short_channel_id *scid)
{
	for (struct chan *chan = chans->list; chan; chan = chan->next)
		if (chan->funding_confirmed && channel_get_scid(chan->ch)->u64 == scid->u64)
			return chan;
	return NULL;
}

struct chan *channels_by_dbid(struct channels *chans, int64_t dbid)
{
	for (struct chan *chan = chans->list; chan; chan = chan->next)
		if (chan->dbid == dbid)
			return chan;
	return NULL;
}

struct chan *channels_usable_with(struct channels *chans,
				      const uint8_t peer_id[PUBKEY_CMPR_LEN])
{
	struct chan *best = NULL;

	/* The one that can send the most. */
	for (struct chan *chan = chans->list; chan; chan = chan->next)
		if (memcmp(chan->peer_id, peer_id, PUBKEY_CMPR_LEN) == 0 && chan_is_usable(chan)
		    && (!best || channel_sendable_msat(chan->ch, CHANNEL_LOCAL)
				 > channel_sendable_msat(best->ch, CHANNEL_LOCAL)))
			best = chan;
	return best;
}

int64_t chan_dbid(const struct chan *chan)
{
	return chan->dbid;
}

const uint8_t *chan_peer_id(const struct chan *chan)
{
	return chan->peer_id;
}

const struct channel *chan_engine(const struct chan *chan)
{
	return chan->ch;
}

bool chan_is_usable(const struct chan *chan)
{
	return chan->peer && channel_get_state(chan->ch) == CHANNEL_NORMAL
		&& channel_is_connected(chan->ch);
}

const struct short_channel_id *chan_scid(const struct chan *chan)
{
	return chan->funding_confirmed && channel_get_scid(chan->ch)->u64 ? channel_get_scid(chan->ch)
								       : NULL;
}

const struct msg_channel_update *chan_remote_update(const struct chan *chan)
{
	return chan->has_remote_update ? &chan->remote_update : NULL;
}

bool chan_offer(struct chan *chan, uint64_t amount_msat, const struct sha256 *payment_hash,
		    uint32_t cltv_expiry, const uint8_t *onion, channels_db_fn fn, void *arg,
		    uint64_t *htlc_id, char *why, size_t whylen)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	if (!chan_is_usable(chan)) {
		snprintf(why, whylen, "channel is not usable (%s, peer %s)", chan_state_name(chan),
			 chan->peer ? "connected" : "not connected");
		return false;
	}
	if (!channel_add_htlc(chan->ch, &fx, htlc_id, amount_msat, payment_hash, cltv_expiry, onion,
			      NULL)) {
		snprintf(why, whylen, "%s", fx.refusal ? fx.refusal : "refused");
		channel_effects_clear(&fx);
		return false;
	}
	chan_step_with(chan, &fx, fn, arg, *htlc_id);
	if (chan->owner->is_fatal) {
		snprintf(why, whylen, "ohmd is stopping: the HTLC could not be stored");
		return false;
	}
	return true;
}

/* One removal: the engine call's outcome applied with fn. */
static bool removed(struct chan *chan, struct channel_effects *fx, bool ok, uint64_t htlc_id,
		    channels_db_fn fn, void *arg, const char *what)
{
	if (!ok) {
		chan_refused(chan, fx, what);
		return false;
	}
	chan_step_with(chan, fx, fn, arg, htlc_id);
	return !chan->owner->is_fatal;
}

bool chan_fulfill(struct chan *chan, uint64_t htlc_id, const struct preimage *preimage,
		      channels_db_fn fn, void *arg)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	return removed(chan, &fx, channel_fulfill_htlc(chan->ch, &fx, htlc_id, preimage), htlc_id, fn,
		       arg, "channel_fulfill_htlc");
}

bool chan_fail(struct chan *chan, uint64_t htlc_id, const uint8_t *reason,
		   size_t reason_len, channels_db_fn fn, void *arg)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	return removed(chan, &fx, channel_fail_htlc(chan->ch, &fx, htlc_id, reason, reason_len),
		       htlc_id, fn, arg, "channel_fail_htlc");
}

bool chan_fail_malformed(struct chan *chan, uint64_t htlc_id,
			     const struct sha256 *sha256_of_onion, uint16_t failure_code,
			     channels_db_fn fn, void *arg)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	return removed(chan, &fx, channel_fail_malformed_htlc(chan->ch, &fx, htlc_id, sha256_of_onion,
							    failure_code),
		       htlc_id, fn, arg, "channel_fail_malformed_htlc");
}
