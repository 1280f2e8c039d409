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

/* Brings a stored channel back, disconnected. */
static bool load_row(struct channels *chans, const struct channels_store_row *row, char *err,
		     size_t errlen)
{
	struct channel_policy policy;
	struct dchannel *dc;
	struct channel_effects fx;
	const char *why = NULL;

	dc = dchannel_alloc(chans, row->peer_id);
	dc->dbid = row->id;
	if (!dchannel_setup(chans, dc)) {
		snprintf(err, errlen, "cannot set up channel %lld", (long long)dc->dbid);
		if (dc->close_timer)
			dchannel_free(dc);
		else
			free(dc);
		return false;
	}
	channels_fill_policy(chans, &policy);
	dc->ch = channel_deserialize(chans->setup.secp, row->snapshot, row->snapshot_len,
				     &dc->secrets, &policy, &why);
	if (!dc->ch) {
		snprintf(err, errlen, "channel %lld in the database is damaged: %s",
			 (long long)dc->dbid, why ? why : "?");
		dchannel_free(dc);
		return false;
	}
	if (channel_get_failure(dc->ch))
		dc->failure = oh_strdup(channel_get_failure(dc->ch));
	dc->has_row = true;
	dc->opened_height = row->opened_height;
	dc->funding_confirmed = row->chain.funding_confirmed;
	dc->funding_height = row->chain.funding_height;
	dc->funding_txindex = row->chain.funding_txindex;
	dc->is_spent = row->chain.is_spent;
	dc->spend_txid = row->chain.spend_txid;
	dc->spend_height = row->chain.spend_height;
	if (row->last_tx && !dc->is_spent) {
		struct bitcoin_tx *tx = bitcoin_tx_parse(row->last_tx, row->last_tx_len, NULL);
		if (tx) {
			chain_rebroadcast_add(chans->setup.chain, tx);
			bitcoin_tx_free(tx);
		}
	}
	if (row->remote_update) {
		struct msg_channel_update *update;
		if (fromwire_channel_update(row->remote_update, row->remote_update_len, &update)) {
			dc->remote_update = *update;
			dc->has_remote_update = true;
			msg_channel_update_free(update);
		}
	}
	/* Ours to release if the channel is forgotten now. */
	if (channel_is_opener(dc->ch) && dchannel_has_funding(dc))
		dc->funding_tx = wallet_tx_load(chans->setup.wallet, &dchannel_funding(dc)->txid);
	/* The transport did not survive the restart. */
	channel_effects_init(&fx);
	if (channel_disconnected(dc->ch, &fx))
		dchannel_step(dc, &fx);
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
