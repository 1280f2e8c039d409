/* ohmd's channels at start-up: each stored row brought back as a running
 * channel, disconnected (see channels.h). */
#include "daemon/channels/channels_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels_store.h"
#include "daemon/wallet/wallet.h"
#include "wire/peer_wire.h"

/* Gives the engine its HTLC and signature rows (channel/state.h). */
static bool restore_rows(struct channel *ch, const struct channels_store_row *row,
			 const char **why)
{
	for (size_t i = 0; i < row->num_htlcs; i++)
		if (!channel_restore_htlc(ch, row->htlcs[i].seq, row->htlcs[i].record,
					  row->htlcs[i].record_len, row->htlcs[i].onion, why))
			return false;
	if (row->sigs && !channel_restore_sigs(ch, row->sigs_commit_num, row->sigs, row->sigs_len, why))
		return false;
	return channel_restore_done(ch, why);
}

/* Brings a stored channel back, disconnected. */
static bool load_row(struct channels *chans, const struct channels_store_row *row, char *err,
		     size_t errlen)
{
	struct channel_policy policy;
	struct chan *chan;
	struct channel_effects fx;
	const char *why = NULL;

	chan = chan_alloc(chans, row->peer_id);
	chan->dbid = row->id;
	if (!chan_setup(chans, chan)) {
		snprintf(err, errlen, "cannot set up channel %lld", (long long)chan->dbid);
		if (chan->close_timer)
			chan_free(chan);
		else
			free(chan);
		return false;
	}
	channels_fill_policy(chans, &policy);
	chan->ch = channel_deserialize(chans->setup.secp, row->snapshot, row->snapshot_len,
				     &chan->secrets, &policy, &why);
	if (chan->ch)
		channel_set_ecdsa_batch(chan->ch, &chans->batch);
	if (chan->ch && !row->is_whole && !restore_rows(chan->ch, row, &why)) {
		channel_free(chan->ch);
		chan->ch = NULL;
	}
	if (!chan->ch) {
		snprintf(err, errlen, "channel %lld in the database is damaged: %s",
			 (long long)chan->dbid, why ? why : "?");
		chan_free(chan);
		return false;
	}
	channel_set_snapshots(chan->ch, false);
	if (!chan_gossip_setup(chan)) {
		snprintf(err, errlen, "cannot read channel %lld's gossip state", (long long)chan->dbid);
		chan_free(chan);
		return false;
	}
	if (channel_get_failure(chan->ch))
		chan->failure = oh_strdup(channel_get_failure(chan->ch));
	chan->has_row = true;
	/* Written before HTLCs had rows: rewritten as rows now. */
	if (row->is_whole && !chan_save_soon(chan)) {
		snprintf(err, errlen, "cannot store channel %lld as rows", (long long)chan->dbid);
		return false;
	}
	chan->opened_height = row->opened_height;
	chan_set_close_cause(chan, row->close_cause[0] ? row->close_cause : NULL);
	chan->close_cause_unsaved = false;
	chan->funding_confirmed = row->chain.funding_confirmed;
	chan->funding_height = row->chain.funding_height;
	chan->funding_txindex = row->chain.funding_txindex;
	chan->is_spent = row->chain.is_spent;
	chan->spend_txid = row->chain.spend_txid;
	chan->spend_height = row->chain.spend_height;
	if (!chan_anchor_load(chan, err, errlen)) {
		chan_free(chan);
		return false;
	}
	if (row->last_tx && !chan->is_spent) {
		struct bitcoin_tx *tx = bitcoin_tx_parse(row->last_tx, row->last_tx_len, NULL);
		if (tx) {
			chain_rebroadcast_add(chans->setup.chain, tx);
			bitcoin_tx_free(tx);
		}
	}
	if (row->remote_update) {
		struct msg_channel_update *update;
		if (fromwire_channel_update(row->remote_update, row->remote_update_len, &update)) {
			chan->remote_update = *update;
			chan->has_remote_update = true;
			msg_channel_update_free(update);
		}
	}
	/* Ours to release if the channel is forgotten now. */
	if (channel_is_opener(chan->ch) && chan_has_funding(chan))
		chan->funding_tx = wallet_tx_load(chans->setup.wallet, &chan_funding(chan)->txid);
	/* The transport did not survive the restart. */
	channel_effects_init(&fx);
	if (channel_disconnected(chan->ch, &fx))
		chan_step(chan, &fx);
	else
		channel_effects_clear(&fx);
	return !chans->is_fatal;
}

bool channels_load(struct channels *chans, char *err, size_t errlen)
{
	struct channels_store_row *rows;
	size_t num;
	bool ok;

	/* Every row is read before any channel is loaded: loading applies
	 * steps, which write. */
	if (!channels_store_load(chans->setup.db, &rows, &num, err, errlen))
		return false;
	ok = true;
	for (size_t i = 0; ok && i < num; i++)
		ok = load_row(chans, &rows[i], err, errlen);
	channels_store_rows_free(rows, num);
	return ok;
}
