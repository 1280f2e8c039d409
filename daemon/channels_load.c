/* ohmd's channels at start-up: each stored row brought back as a running
 * channel, disconnected (see channels.h). */
#include "daemon/channels_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/chain.h"
#include "daemon/ohmd.h"
#include "daemon/wallet.h"
#include "db/db.h"
#include "wire/peer_wire.h"

/* One channels row, copied out of the statement. */
struct row {
	int64_t id;
	uint8_t peer_id[PUBKEY_CMPR_LEN];
	uint8_t *snapshot;
	size_t snapshot_len;
	bool funding_confirmed;
	uint32_t funding_height, funding_txindex;
	bool is_spent;
	struct bitcoin_txid spend_txid;
	uint32_t spend_height;
	uint8_t *last_tx;
	size_t last_tx_len;
	uint8_t *remote_update;
	size_t remote_update_len;
	uint32_t opened_height;
};

static uint8_t *blob_dup(sqlite3_stmt *stmt, int col, size_t *len)
{
	const void *data = sqlite3_column_blob(stmt, col);
	uint8_t *copy;

	*len = (size_t)sqlite3_column_bytes(stmt, col);
	if (!data)
		return NULL;
	copy = malloc(*len ? *len : 1);
	if (copy)
		memcpy(copy, data, *len);
	return copy;
}

static bool row_read(sqlite3_stmt *stmt, struct row *row)
{
	size_t len;
	uint8_t *peer_id = blob_dup(stmt, 1, &len);

	memset(row, 0, sizeof(*row));
	row->id = sqlite3_column_int64(stmt, 0);
	if (!peer_id || len != PUBKEY_CMPR_LEN) {
		free(peer_id);
		return false;
	}
	memcpy(row->peer_id, peer_id, PUBKEY_CMPR_LEN);
	free(peer_id);
	row->snapshot = blob_dup(stmt, 2, &row->snapshot_len);
	if (sqlite3_column_type(stmt, 3) != SQLITE_NULL) {
		row->funding_confirmed = true;
		row->funding_height = (uint32_t)sqlite3_column_int64(stmt, 3);
		row->funding_txindex = (uint32_t)sqlite3_column_int64(stmt, 4);
	}
	if (sqlite3_column_bytes(stmt, 5) == 32) {
		row->is_spent = true;
		memcpy(row->spend_txid.shad.sha.u8, sqlite3_column_blob(stmt, 5), 32);
		row->spend_height = (uint32_t)sqlite3_column_int64(stmt, 6);
	}
	row->last_tx = blob_dup(stmt, 7, &row->last_tx_len);
	row->remote_update = blob_dup(stmt, 8, &row->remote_update_len);
	row->opened_height = (uint32_t)sqlite3_column_int64(stmt, 9);
	return row->snapshot != NULL;
}

/* Brings a stored channel back, disconnected. */
static bool load_row(struct channels *m, const struct row *row, char *err, size_t errlen)
{
	struct channel_policy policy;
	struct dchannel *dc;
	struct channel_effects fx;
	const char *why = NULL;

	dc = dchannel_alloc(m, row->peer_id);
	if (!dc) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	dc->dbid = row->id;
	if (!dchannel_setup(m, dc)) {
		snprintf(err, errlen, "cannot set up channel %lld", (long long)dc->dbid);
		if (dc->close_timer)
			dchannel_free(dc);
		else
			free(dc);
		return false;
	}
	channels_fill_policy(m, &policy);
	dc->ch = channel_deserialize(m->ohmd->secp, row->snapshot, row->snapshot_len,
				     &dc->secrets, &policy, &why);
	if (!dc->ch) {
		snprintf(err, errlen, "channel %lld in the database is damaged: %s",
			 (long long)dc->dbid, why ? why : "?");
		dchannel_free(dc);
		return false;
	}
	if (channel_get_failure(dc->ch))
		dc->failure = strdup(channel_get_failure(dc->ch));
	dc->has_row = true;
	dc->opened_height = row->opened_height;
	dc->funding_confirmed = row->funding_confirmed;
	dc->funding_height = row->funding_height;
	dc->funding_txindex = row->funding_txindex;
	dc->is_spent = row->is_spent;
	dc->spend_txid = row->spend_txid;
	dc->spend_height = row->spend_height;
	if (row->last_tx && !dc->is_spent) {
		struct bitcoin_tx *tx = bitcoin_tx_parse(row->last_tx, row->last_tx_len, NULL);
		if (tx) {
			chain_rebroadcast_add(m->ohmd->chain, tx);
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
		dc->funding_tx = wallet_tx_load(m->ohmd->wallet, &dchannel_funding(dc)->txid);
	/* The transport did not survive the restart. */
	channel_effects_init(&fx);
	if (channel_disconnected(dc->ch, &fx))
		dchannel_apply(dc, &fx);
	else
		channel_effects_clear(&fx);
	return !m->is_fatal;
}

bool channels_load(struct channels *m, char *err, size_t errlen)
{
	struct row *rows = NULL;
	size_t num = 0;
	sqlite3_stmt *stmt;
	bool ok = true;
	int rc;

	/* Every row is read before any channel is loaded: loading applies
	 * steps, which write. */
	stmt = db_prepare(m->ohmd->db, "SELECT id, peer_id, snapshot, funding_height, funding_txindex,"
			  " spend_txid, spend_height, last_tx, remote_update, opened_height FROM channels"
			  " ORDER BY id");
	if (!stmt) {
		snprintf(err, errlen, "cannot read channels: %s", db_errmsg(m->ohmd->db));
		return false;
	}
	while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct row *more = realloc(rows, (num + 1) * sizeof(*rows));
		if (!more) {
			snprintf(err, errlen, "out of memory");
			ok = false;
			break;
		}
		rows = more;
		if (!row_read(stmt, &rows[num])) {
			snprintf(err, errlen, "channel %lld in the database is damaged",
				 (long long)rows[num].id);
			ok = false;
		}
		num++;
	}
	sqlite3_reset(stmt);
	for (size_t i = 0; ok && i < num; i++)
		ok = load_row(m, &rows[i], err, errlen);
	for (size_t i = 0; i < num; i++) {
		free(rows[i].snapshot);
		free(rows[i].last_tx);
		free(rows[i].remote_update);
	}
	free(rows);
	return ok;
}
