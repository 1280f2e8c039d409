/* The channels' chain listener: where each funding transaction confirmed
 * and what spent it (stored with the block), and what a new tip means for
 * each channel (lock-in depth, a funding output that does not pay the
 * channel, an offered HTLC past its deadline, a spent funding output that
 * ends the channel). */
#include "daemon/channels/channels_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "channel/deadline.h"
#include "channel/scripts.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels_store.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/onchain/resolvers.h"
#include "daemon/wallet/wallet.h"
#include "db/db.h"
#include "wire/short_channel_id.h"

/* ---- The chain ---- */

static bool row_update_chain(struct chan *chan)
{
	struct channels_store_chain chain = {
		.funding_confirmed = chan->funding_confirmed,
		.funding_height = chan->funding_height,
		.funding_txindex = chan->funding_txindex,
		.is_spent = chan->is_spent,
		.spend_txid = chan->spend_txid,
		.spend_height = chan->spend_height,
	};

	return channels_store_set_chain(chan->owner->setup.db, chan->dbid, &chain);
}

/* Whether tx's output outnum is the channel's funding output. */
static bool pays_channel(const struct chan *chan, const struct bitcoin_tx *tx, uint32_t outnum)
{
	const struct channel_params *params = channel_get_params(chan->ch);
	struct wirebuf *script;
	bool ok;

	if (outnum >= tx->num_outputs || tx->outputs[outnum].amount_sat != params->funding_sat)
		return false;
	script = wirebuf_new();
	channel_script_funding_output(script, chan->owner->setup.secp,
				      &params->party[CHANNEL_LOCAL].funding_pubkey,
				      &params->party[CHANNEL_REMOTE].funding_pubkey);
	ok = tx->outputs[outnum].script_len == script->len
		&& memcmp(tx->outputs[outnum].script, script->data, script->len) == 0;
	wirebuf_free(script);
	return ok;
}

/* The funding output is spent in block (at height): the resolver follows
 * the outputs from now on (BOLT #5), from the channel as it stands before
 * the engine drops anything, with the preimages of the peer's HTLCs we
 * fulfilled. */
static bool hand_over(struct chan *chan, uint32_t height, const struct bitcoin_block *block,
		      char *err, size_t errlen)
{
	struct channels *chans = chan->owner;
	struct channel_onchain_view view;
	const struct htlc_set *set = channel_get_htlcs(chan->ch);
	struct preimage *preimages;
	struct channel_htlc *known;
	size_t num = 0, num_known;
	bool ok;

	if (!chans->setup.resolvers || !channel_onchain_view(chan->ch, &view))
		return true;
	preimages = oh_calloc(set->num + 1, sizeof(*preimages));
	for (size_t i = 0; i < set->num; i++)
		if (set->htlcs[i].h.offerer == CHANNEL_REMOTE
		    && set->htlcs[i].removal == HTLC_FULFILLED)
			preimages[num++] = set->htlcs[i].preimage;
	if (!channels_store_htlcs_seen(chans->setup.db, chan->dbid, &known, &num_known)) {
		snprintf(err, errlen, "cannot read a channel's HTLCs: %s", db_errmsg(chans->setup.db));
		free(preimages);
		channel_onchain_view_clear(&view);
		return false;
	}
	ok = resolvers_watch(chans->setup.resolvers, chan->dbid, &view, preimages, num, known,
			     num_known, height, block->txs, block->num_txs, err, errlen);
	free(known);
	free(preimages);
	channel_onchain_view_clear(&view);
	return ok;
}

bool channels_block_connected(void *arg, uint32_t height, const struct bitcoin_blkid *hash,
			    const struct bitcoin_block *block, char *err, size_t errlen)
{
	struct channels *chans = arg;
	struct bitcoin_txid *txids;

	if (!chans->list)
		return true;
	txids = oh_calloc(block->num_txs + 1, sizeof(*txids));
	for (size_t i = 0; i < block->num_txs; i++)
		bitcoin_tx_txid(&txids[i], block->txs[i]);
	for (struct chan *chan = chans->list; chan; chan = chan->next) {
		const struct bitcoin_outpoint *funding;
		bool changed = false;
		if (!chan_has_funding(chan))
			continue;
		funding = chan_funding(chan);
		/* What this block already taught us counts as new again: if the
		 * chain's transaction rolled back (and the block is retried),
		 * memory kept it but the row did not. */
		if (chan->funding_confirmed && chan->funding_height == height)
			chan->funding_confirmed = false;
		if (chan->is_spent && chan->spend_height == height)
			chan->is_spent = false;
		for (size_t i = 0; i < block->num_txs; i++) {
			const struct bitcoin_tx *tx = block->txs[i];
			if (!chan->funding_confirmed && bitcoin_txid_eq(&txids[i], &funding->txid)) {
				chan->funding_confirmed = true;
				chan->funding_height = height;
				chan->funding_txindex = (uint32_t)i;
				chan->is_funding_bad = !pays_channel(chan, tx, funding->vout);
				changed = true;
			}
			for (size_t j = 0; !chan->is_spent && j < tx->num_inputs; j++) {
				const struct bitcoin_outpoint *prev = &tx->inputs[j].prevout;
				if (prev->vout == funding->vout
				    && bitcoin_txid_eq(&prev->txid, &funding->txid)) {
					chan->is_spent = true;
					chan->spend_txid = txids[i];
					chan->spend_height = height;
					changed = true;
				}
			}
		}
		if (changed && !row_update_chain(chan)) {
			snprintf(err, errlen, "cannot store a channel's funding: %s",
				 db_errmsg(chans->setup.db));
			free(txids);
			return false;
		}
		if (changed && chan->is_spent && chan->spend_height == height
		    && !hand_over(chan, height, block, err, errlen)) {
			free(txids);
			return false;
		}
	}
	free(txids);
	return true;
}

/* A spend in the mempool may still be replaced (or never confirm): the
 * channel ends only when a block has it, but the operator hears of it. */
void channels_mempool_tx(void *arg, const struct bitcoin_tx *tx, const struct bitcoin_txid *txid)
{
	struct channels *chans = arg;

	for (struct chan *chan = chans->list; chan; chan = chan->next) {
		const struct bitcoin_outpoint *funding;
		char cid[65], hex[65];
		if (chan->is_spent || !chan_has_funding(chan)
		    || channel_get_state(chan->ch) == CHANNEL_ONCHAIN)
			continue;
		funding = chan_funding(chan);
		for (size_t i = 0; i < tx->num_inputs; i++) {
			if (tx->inputs[i].prevout.vout != funding->vout
			    || !bitcoin_txid_eq(&tx->inputs[i].prevout.txid, &funding->txid))
				continue;
			log_info(channels_log(chans), "channel",
				 "%s: channel %s: funding output spent in the mempool by %s: the"
				 " channel ends once that confirms", chan->peer_id_hex,
				 chan_id_hex(cid, chan), bitcoin_txid_to_hex(hex, txid));
			break;
		}
	}
}

bool channels_block_disconnected(void *arg, uint32_t height, char *err, size_t errlen)
{
	struct channels *chans = arg;

	for (struct chan *chan = chans->list; chan; chan = chan->next) {
		bool changed = false;
		if (chan->funding_confirmed && chan->funding_height == height) {
			chan->funding_confirmed = false;
			chan->is_funding_bad = false;
			changed = true;
		}
		if (chan->is_spent && chan->spend_height == height) {
			chan->is_spent = false;
			changed = true;
		}
		if (changed && !row_update_chain(chan)) {
			snprintf(err, errlen, "cannot store a channel's funding: %s",
				 db_errmsg(chans->setup.db));
			return false;
		}
	}
	return true;
}

/* deadline_check's question: whether the switch knows the preimage of
 * the peer's HTLC (arg: the chan). */
static bool preimage_known(void *arg, uint64_t htlc_id)
{
	struct chan *chan = arg;
	const struct channels_htlc_listener *htlc = &chan->owner->htlc;

	return htlc->preimage_known && htlc->preimage_known(htlc->arg, chan, htlc_id);
}

/* BOLT #2's deadlines (channel/deadline.h): an HTLC we offered past its
 * cltv_expiry, or one we received and can fulfil too close to it, fails
 * the channel; our commitment goes on chain and the resolver claims or
 * times the HTLC out. */
static bool htlc_deadline_passed(struct chan *chan, uint32_t height)
{
	struct deadline_hit hit;
	char why[300];

	if (!deadline_check(&hit, channel_get_htlcs(chan->ch), channel_held_expiry(chan->ch), height,
			    chan->owner->setup.config->cltv_delta, preimage_known, chan))
		return false;
	deadline_describe(why, sizeof(why), &hit);
	chan_set_close_cause(chan, "protocol");
	chan_fail_with(chan, why);
	return true;
}

/* Whether the channel has commitments (funds at stake on chain). */
static bool has_commitments(const struct chan *chan)
{
	enum channel_state state = channel_get_state(chan->ch);

	return state >= CHANNEL_AWAITING_LOCKIN && state != CHANNEL_FORGOTTEN;
}

/* The wallet watches our to_remote output: on the peer's commitment it
 * pays P2WPKH to our payment_basepoint (option_static_remotekey, BOLT #3
 * "to_remote Output"), a coin of ours the moment that commitment
 * confirms.  With option_anchors it is a P2WSH with a CSV of 1 instead,
 * which the resolver sweeps to the wallet (onchain/onchain.h).  Done once per channel: before any block is processed
 * (channels_start), or at the first tip after it opened. */
static void watch_to_remote(struct chan *chan)
{
	struct channels *chans = chan->owner;
	struct wirebuf *script;

	if (chan->is_to_remote_watched || !has_commitments(chan)
	    || channel_get_params(chan->ch)->option_anchors)
		return;
	chan->is_to_remote_watched = true;
	script = wirebuf_new();
	script_p2wpkh_for_pubkey(script, chans->setup.secp,
				 &channel_get_params(chan->ch)->party[CHANNEL_LOCAL].basepoints.payment);
	wallet_watch_channel_key(chans->setup.wallet, script->data, script->len, (uint64_t)chan->dbid);
	wirebuf_free(script);
}

static const char *spender_name(enum channel_spender spender)
{
	switch (spender) {
	case CHANNEL_SPENT_BY_LOCAL:
		return "our commitment";
	case CHANNEL_SPENT_BY_REMOTE:
		return "the peer's commitment";
	case CHANNEL_SPENT_BY_REMOTE_PREVIOUS:
		return "the peer's previous commitment";
	case CHANNEL_SPENT_BY_OTHER:
		break;
	}
	return "a transaction that is none of the valid commitments";
}

/* Our commitment can never confirm once another transaction spent the
 * funding output: if a failure handed it to the chain after that block
 * was processed, it is not re-sent any more (the chain forgets one that
 * was waiting when the block came). */
static void forget_losing_commitment(struct chan *chan)
{
	struct bitcoin_tx *ours = channel_signed_commitment(chan->ch);
	struct bitcoin_txid txid;

	if (!ours)
		return;
	bitcoin_tx_txid(&txid, ours);
	if (!bitcoin_txid_eq(&txid, &chan->spend_txid))
		chain_rebroadcast_forget(chan->owner->setup.chain, &txid);
	bitcoin_tx_free(ours);
}

/* The funding output is spent, so the channel is over, whatever the
 * connection (BOLT #5): the engine moves to CHANNEL_ONCHAIN (for good: it
 * is stored) and fails the HTLCs we offered that can no longer be
 * claimed, now or once the spend is deep enough. */
static void funding_spent(struct chan *chan, uint32_t height)
{
	struct channel_effects fx;
	bool was_onchain = channel_get_state(chan->ch) == CHANNEL_ONCHAIN;
	char cid[65], txid[65];

	if (height < chan->spend_height)
		return;
	if (!was_onchain)
		forget_losing_commitment(chan);
	channel_effects_init(&fx);
	if (!channel_funding_spent(chan->ch, &fx, &chan->spend_txid, height - chan->spend_height + 1)) {
		chan_refused(chan, &fx, "channel_funding_spent");
		return;
	}
	if (!was_onchain)
		log_info(channels_log(chan->owner), "channel",
			 "%s: channel %s: funding output spent by %s (%s) at block %u: closed on chain",
			 chan->peer_id_hex, chan_id_hex(cid, chan),
			 bitcoin_txid_to_hex(txid, &chan->spend_txid),
			 spender_name(channel_spender_of(chan->ch, &chan->spend_txid)), chan->spend_height);
	if (fx.changed || fx.num_events || fx.num_msgs)
		chan_step(chan, &fx);
	else
		channel_effects_clear(&fx);
}

/* Tells the engine the funding transaction's depth at height (once per
 * depth), with the short_channel_id it gives the channel. */
static void tell_depth(struct chan *chan, uint32_t height, struct channel_effects *fx)
{
	uint32_t depth = height - chan->funding_height + 1;
	struct short_channel_id scid;

	if (depth == chan->depth_told
	    || !short_channel_id_from_parts(&scid, chan->funding_height, chan->funding_txindex,
					    (uint16_t)chan_funding(chan)->vout))
		return;
	chan->depth_told = depth;
	if (channel_funding_depth(chan->ch, fx, depth, &scid))
		chan_step(chan, fx);
	else
		chan_refused(chan, fx, "channel_funding_depth");
	channel_effects_init(fx);
}

/* Tells one channel what the chain says at height. */
void channels_channel_tip(struct chan *chan, uint32_t height)
{
	struct channel_effects fx;
	enum channel_state state = channel_get_state(chan->ch);

	channel_effects_init(&fx);
	watch_to_remote(chan);
	if (chan->is_spent && has_commitments(chan)) {
		funding_spent(chan, height);
		return;
	}
	if (chan->funding_confirmed && chan->is_funding_bad && state < CHANNEL_CLOSED) {
		chan_fail_with(chan, "the funding transaction does not pay the channel");
		return;
	}
	if (!chan->funding_confirmed && state == CHANNEL_AWAITING_LOCKIN
	    && !channel_is_opener(chan->ch) && chan->opened_height
	    && height >= chan->opened_height + chan->owner->setup.config->fundee_timeout_blocks) {
		if (channel_forget_unfunded(chan->ch, &fx, "the funding transaction did not confirm "
					    "in time"))
			chan_step(chan, &fx);
		else
			chan_refused(chan, &fx, "channel_forget_unfunded");
		return;
	}
	if (chan->funding_confirmed && state == CHANNEL_AWAITING_LOCKIN && height >= chan->funding_height) {
		tell_depth(chan, height, &fx);
		return;
	}
	/* An announced channel waits for BOLT #7's 6 confirmations before
	 * announcement_signatures: the engine hears the depth until then. */
	if (chan->funding_confirmed && (state == CHANNEL_NORMAL || state == CHANNEL_SHUTTING_DOWN)
	    && (channel_get_flags(chan->ch) & 1) && height >= chan->funding_height
	    && chan->depth_told < CHANNEL_ANNOUNCE_DEPTH)
		tell_depth(chan, height, &fx);
	if (state == CHANNEL_NORMAL || state == CHANNEL_SHUTTING_DOWN)
		htlc_deadline_passed(chan, height);
}

void channels_tip_changed(void *arg, uint32_t height)
{
	struct channels *chans = arg;
	struct chan *chan, *next;

	for (chan = chans->list; chan; chan = next) {
		next = chan->next;
		chan_anchor_tip(chan, height);
		channels_channel_tip(chan, height);
	}
}

