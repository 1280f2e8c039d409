/* The commitment feerate as ohmd runs it (BOLT #2 "Updating Fees"): each
 * channel's bounds follow bitcoind's estimates, and as funder we propose
 * the feerate daemon/channels/fee_policy.c asks for whenever the estimates change
 * and once a reconnection is reestablished.  The flush signs the
 * update_fee with everything else of that turn. */
#include "daemon/channels/channels_internal.h"

#include "daemon/chain/chain.h"
#include "daemon/config.h"
#include "daemon/channels/fee_policy.h"
#include "daemon/log.h"

void channels_fee_estimates(const struct channels *chans, struct fee_estimates *est)
{
	est->urgent_perkw = chain_feerate(chans->setup.chain, FEERATE_URGENT);
	est->normal_perkw = chain_feerate(chans->setup.chain, FEERATE_NORMAL);
	est->slow_perkw = chain_feerate(chans->setup.chain, FEERATE_SLOW);
}

static enum channel_type chan_type(const struct chan *chan)
{
	return channel_get_params(chan->ch)->option_anchors ? CHANNEL_TYPE_ANCHORS
		: CHANNEL_TYPE_STATIC_REMOTEKEY;
}

void chan_update_fee(struct chan *chan)
{
	struct channels *chans = chan->owner;
	struct fee_estimates est;
	struct channel_effects fx;
	uint32_t current, feerate;

	/* BOLT #2: only the funder sends update_fee; we do while the
	 * channel is normal (not once a shutdown is under way). */
	if (!channel_is_opener(chan->ch) || channel_get_state(chan->ch) != CHANNEL_NORMAL
	    || !channel_is_connected(chan->ch) || !chan->peer || chan->forgotten)
		return;
	channels_fee_estimates(chans, &est);
	current = channel_next_feerate(chan->ch);
	/* What we can afford (a search over built commitments) matters only
	 * to a raise: ask for it only when the policy wants one. */
	feerate = fee_policy_update_feerate(&est, chan_type(chan), current, UINT32_MAX);
	if (feerate > current)
		feerate = fee_policy_update_feerate(&est, chan_type(chan), current,
						    channel_max_affordable_feerate(chan->ch));
	if (!feerate)
		return;
	log_info(channels_log(chans), "channel", "%s: update_fee from %u to %u perkw (urgent estimate %u)",
		 chan->peer_id_hex, current, feerate, est.urgent_perkw);
	channel_effects_init(&fx);
	if (channel_update_fee(chan->ch, &fx, feerate))
		chan_step(chan, &fx);
	else
		chan_refused(chan, &fx, "channel_update_fee");
}

void channels_feerates_changed(void *arg)
{
	struct channels *chans = arg;
	struct channel_policy policy;

	channels_fill_policy(chans, &policy);
	for (struct chan *chan = chans->list; chan && !chans->is_fatal; chan = chan->next) {
		if (chan->forgotten)
			continue;
		channel_set_policy(chan->ch, &policy);
		chan_update_fee(chan);
		chan_anchor_fees_changed(chan);
	}
}
