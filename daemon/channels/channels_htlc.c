/* The channels seen from payments: finding a channel to send over, and
 * offering or removing HTLCs with the payment's own records stored in the
 * same transaction as the channel step (see channels.h). */
#include "daemon/channels/channels_internal.h"

#include <stdio.h>
#include <string.h>

#include "daemon/channels/channels.h"

struct dchannel *channels_next(struct channels *chans, struct dchannel *prev)
{
	return prev ? prev->next : chans->list;
}

struct dchannel *channels_by_scid(struct channels *chans, const struct short_channel_id *scid)
{
	for (struct dchannel *dc = chans->list; dc; dc = dc->next)
		if (dc->funding_confirmed && channel_get_scid(dc->ch)->u64 == scid->u64)
			return dc;
	return NULL;
}

struct dchannel *channels_by_dbid(struct channels *chans, int64_t dbid)
{
	for (struct dchannel *dc = chans->list; dc; dc = dc->next)
		if (dc->dbid == dbid)
			return dc;
	return NULL;
}

struct dchannel *channels_usable_with(struct channels *chans,
				      const uint8_t peer_id[PUBKEY_CMPR_LEN])
{
	struct dchannel *best = NULL;

	/* The one that can send the most. */
	for (struct dchannel *dc = chans->list; dc; dc = dc->next)
		if (memcmp(dc->peer_id, peer_id, PUBKEY_CMPR_LEN) == 0 && dchannel_is_usable(dc)
		    && (!best || channel_sendable_msat(dc->ch, CHANNEL_LOCAL)
				 > channel_sendable_msat(best->ch, CHANNEL_LOCAL)))
			best = dc;
	return best;
}

int64_t dchannel_dbid(const struct dchannel *dc)
{
	return dc->dbid;
}

const uint8_t *dchannel_peer_id(const struct dchannel *dc)
{
	return dc->peer_id;
}

const struct channel *dchannel_engine(const struct dchannel *dc)
{
	return dc->ch;
}

bool dchannel_is_usable(const struct dchannel *dc)
{
	return dc->peer && channel_get_state(dc->ch) == CHANNEL_NORMAL
		&& channel_is_connected(dc->ch);
}

const struct short_channel_id *dchannel_scid(const struct dchannel *dc)
{
	return dc->funding_confirmed && channel_get_scid(dc->ch)->u64 ? channel_get_scid(dc->ch)
								       : NULL;
}

const struct msg_channel_update *dchannel_remote_update(const struct dchannel *dc)
{
	return dc->has_remote_update ? &dc->remote_update : NULL;
}

bool dchannel_offer(struct dchannel *dc, uint64_t amount_msat, const struct sha256 *payment_hash,
		    uint32_t cltv_expiry, const uint8_t *onion, channels_db_fn fn, void *arg,
		    uint64_t *htlc_id, char *why, size_t whylen)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	if (!dchannel_is_usable(dc)) {
		snprintf(why, whylen, "channel is not usable (%s, peer %s)", dchannel_state_name(dc),
			 dc->peer ? "connected" : "not connected");
		return false;
	}
	if (!channel_add_htlc(dc->ch, &fx, htlc_id, amount_msat, payment_hash, cltv_expiry, onion,
			      NULL)) {
		snprintf(why, whylen, "%s", fx.refusal ? fx.refusal : "refused");
		channel_effects_clear(&fx);
		return false;
	}
	dchannel_step_with(dc, &fx, fn, arg, *htlc_id);
	if (dc->owner->is_fatal) {
		snprintf(why, whylen, "ohmd is stopping: the HTLC could not be stored");
		return false;
	}
	return true;
}

/* One removal: the engine call's outcome applied with fn. */
static bool removed(struct dchannel *dc, struct channel_effects *fx, bool ok, uint64_t htlc_id,
		    channels_db_fn fn, void *arg, const char *what)
{
	if (!ok) {
		dchannel_refused(dc, fx, what);
		return false;
	}
	dchannel_step_with(dc, fx, fn, arg, htlc_id);
	return !dc->owner->is_fatal;
}

bool dchannel_fulfill(struct dchannel *dc, uint64_t htlc_id, const struct preimage *preimage,
		      channels_db_fn fn, void *arg)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	return removed(dc, &fx, channel_fulfill_htlc(dc->ch, &fx, htlc_id, preimage), htlc_id, fn,
		       arg, "channel_fulfill_htlc");
}

bool dchannel_fail(struct dchannel *dc, uint64_t htlc_id, const uint8_t *reason,
		   size_t reason_len, channels_db_fn fn, void *arg)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	return removed(dc, &fx, channel_fail_htlc(dc->ch, &fx, htlc_id, reason, reason_len),
		       htlc_id, fn, arg, "channel_fail_htlc");
}

bool dchannel_fail_malformed(struct dchannel *dc, uint64_t htlc_id,
			     const struct sha256 *sha256_of_onion, uint16_t failure_code,
			     channels_db_fn fn, void *arg)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	return removed(dc, &fx, channel_fail_malformed_htlc(dc->ch, &fx, htlc_id, sha256_of_onion,
							    failure_code),
		       htlc_id, fn, arg, "channel_fail_malformed_htlc");
}
