/* The channels table's queries (see channels_store.h). */
#include "daemon/channels/channels_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/params.h"
#include "common/alloc.h"
#include "db/db.h"

/* Steps a statement that returns no rows, and resets it. */
static bool step_done(sqlite3_stmt *stmt)
{
	bool ok = sqlite3_step(stmt) == SQLITE_DONE;

	sqlite3_reset(stmt);
	return ok;
}

/* step_done for a statement that must change exactly one row: an HTLC
 * row the engine names but the table lacks (or has twice) is a bug that
 * would lose state at the next start, so it stops the daemon instead. */
static bool step_one(sqlite3_stmt *stmt)
{
	sqlite3 *conn = sqlite3_db_handle(stmt);

	return step_done(stmt) && sqlite3_changes(conn) == 1;
}

/* Binds txid and num at col and col + 1, or NULLs if txid is NULL. */
static void bind_txid_num(sqlite3_stmt *stmt, int col, const struct bitcoin_txid *txid,
			  int64_t num)
{
	if (txid) {
		sqlite3_bind_blob(stmt, col, txid->shad.sha.u8, 32, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, col + 1, num);
	} else {
		sqlite3_bind_null(stmt, col);
		sqlite3_bind_null(stmt, col + 1);
	}
}

bool channels_store_save(struct db *db, int64_t id, const uint8_t peer_id[PUBKEY_CMPR_LEN],
			 const uint8_t channel_id[32], const uint8_t *snapshot,
			 size_t snapshot_len, const struct bitcoin_outpoint *funding,
			 uint32_t opened_height)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO channels (id, peer_id, channel_id, snapshot, funding_txid, funding_outnum,"
		" opened_height, snapshot_form) VALUES (?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (id) DO UPDATE"
		" SET channel_id = excluded.channel_id, snapshot = excluded.snapshot,"
		" funding_txid = excluded.funding_txid, funding_outnum = excluded.funding_outnum,"
		" snapshot_form = 1");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_blob(stmt, 2, peer_id, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, channel_id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 4, snapshot, (int)snapshot_len, SQLITE_STATIC);
	bind_txid_num(stmt, 5, funding ? &funding->txid : NULL, funding ? funding->vout : 0);
	sqlite3_bind_int64(stmt, 7, opened_height);
	return step_done(stmt);
}

/* Runs sql, bound to (id, n), to its end. */
static bool exec_id_num(struct db *db, const char *sql, int64_t id, int64_t n)
{
	sqlite3_stmt *stmt = db_prepare(db, sql);

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, n);
	return step_done(stmt);
}

/* Runs sql, bound to id, to its end. */
static bool exec_id(struct db *db, const char *sql, int64_t id)
{
	sqlite3_stmt *stmt = db_prepare(db, sql);

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	return step_done(stmt);
}

/* Binds the HTLC's key (channel, offerer, htlc_id) at 1, 2, 3. */
static void bind_htlc_key(sqlite3_stmt *stmt, int64_t id, const struct channel_htlc_change *c)
{
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, (int)c->offerer);
	sqlite3_bind_int64(stmt, 3, (int64_t)c->id);
}

/* Runs sql, which names an HTLC by its key, to its end. */
static bool exec_htlc(struct db *db, const char *sql, int64_t id,
		      const struct channel_htlc_change *c)
{
	sqlite3_stmt *stmt = db_prepare(db, sql);

	if (!stmt)
		return false;
	bind_htlc_key(stmt, id, c);
	return step_one(stmt);
}

/* Deletes the HTLC's onion, if it has one. */
static bool delete_onion(struct db *db, int64_t id, const struct channel_htlc_change *c)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM channel_onions WHERE id = (SELECT onion_id"
					" FROM channel_htlcs WHERE channel = ?1 AND offerer = ?2 AND htlc_id = ?3)");

	if (!stmt)
		return false;
	bind_htlc_key(stmt, id, c);
	return step_done(stmt);
}

static bool write_htlc(struct db *db, int64_t id, const struct channel_htlc_change *c)
{
	sqlite3_stmt *stmt;

	if (c->is_delete)
		return delete_onion(db, id, c)
			&& exec_htlc(db, "DELETE FROM channel_htlcs"
				     " WHERE channel = ? AND offerer = ? AND htlc_id = ?", id, c);
	if (c->is_new && c->onion) {
		stmt = db_prepare(db, "INSERT INTO channel_onions (channel, onion) VALUES (?, ?)");
		if (!stmt)
			return false;
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_blob(stmt, 2, c->onion, HTLC_ONION_LEN, SQLITE_STATIC);
		if (!step_one(stmt))
			return false;
		/* Its id is the connection's last_insert_rowid(). */
		stmt = db_prepare(db, "INSERT INTO channel_htlcs (channel, offerer, htlc_id, seq, record,"
				  " onion_id) VALUES (?1, ?2, ?3, ?4, ?5, last_insert_rowid())");
	} else if (c->is_new) {
		stmt = db_prepare(db, "INSERT INTO channel_htlcs (channel, offerer, htlc_id, seq, record)"
				  " VALUES (?1, ?2, ?3, ?4, ?5)");
	} else if (c->drop_onion) {
		if (!delete_onion(db, id, c))
			return false;
		stmt = db_prepare(db, "UPDATE channel_htlcs SET record = ?5, onion_id = NULL"
				  " WHERE channel = ?1 AND offerer = ?2 AND htlc_id = ?3 AND seq = ?4");
	} else {
		stmt = db_prepare(db, "UPDATE channel_htlcs SET record = ?5"
				  " WHERE channel = ?1 AND offerer = ?2 AND htlc_id = ?3 AND seq = ?4");
	}
	if (!stmt)
		return false;
	bind_htlc_key(stmt, id, c);
	sqlite3_bind_int64(stmt, 4, (int64_t)c->seq);
	sqlite3_bind_blob(stmt, 5, c->record, (int)c->record_len, SQLITE_STATIC);
	return step_one(stmt);
}

bool channels_store_write_changes(struct db *db, int64_t id, const struct channel_changes *changes)
{
	sqlite3_stmt *stmt;

	if (changes->replace_all
	    && !(exec_id(db, "DELETE FROM channel_htlcs WHERE channel = ?", id)
		 && exec_id(db, "DELETE FROM channel_onions WHERE channel = ?", id)
		 && exec_id(db, "DELETE FROM channel_sigs WHERE channel = ?", id)))
		return false;
	for (size_t i = 0; i < changes->num_htlcs; i++)
		if (!write_htlc(db, id, &changes->htlcs[i]))
			return false;
	if (!changes->has_sigs)
		return true;
	stmt = db_prepare(db, "INSERT INTO channel_sigs (channel, commit_num, htlc_sigs) VALUES (?, ?, ?)"
			  " ON CONFLICT (channel, commit_num) DO UPDATE SET htlc_sigs = excluded.htlc_sigs");
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (int64_t)changes->sigs_commit_num);
	sqlite3_bind_blob(stmt, 3, changes->sigs, (int)changes->sigs_len, SQLITE_STATIC);
	/* Only the latest commitment's are kept (channel/state.h). */
	return step_done(stmt)
		&& exec_id_num(db, "DELETE FROM channel_sigs WHERE channel = ? AND commit_num < ?", id,
			       (int64_t)changes->sigs_commit_num);
}

bool channels_store_delete(struct db *db, int64_t id)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM channels WHERE id = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	if (!step_done(stmt))
		return false;
	stmt = db_prepare(db, "DELETE FROM channel_htlcs_seen WHERE channel = ?");
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	return step_done(stmt);
}

bool channels_store_note_htlc(struct db *db, int64_t id, const struct channel_htlc *htlc)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT OR IGNORE INTO channel_htlcs_seen"
		" (channel, offerer, htlc_id, payment_hash, amount_msat, cltv_expiry)"
		" VALUES (?, ?, ?, ?, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, htlc->offerer);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)htlc->id);
	sqlite3_bind_blob(stmt, 4, htlc->payment_hash.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)htlc->amount_msat);
	sqlite3_bind_int64(stmt, 6, htlc->cltv_expiry);
	return step_done(stmt);
}

bool channels_store_htlcs_seen(struct db *db, int64_t id, struct channel_htlc **out,
			       size_t *num)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT offerer, htlc_id, payment_hash, amount_msat, cltv_expiry"
		" FROM channel_htlcs_seen WHERE channel = ? ORDER BY offerer, htlc_id");
	size_t cap = 8;
	int rc;

	*out = NULL;
	*num = 0;
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	*out = oh_calloc(cap, sizeof(**out));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct channel_htlc *h;
		if (*num == cap) {
			cap *= 2;
			*out = oh_realloc(*out, cap * sizeof(**out));
		}
		h = &(*out)[(*num)++];
		memset(h, 0, sizeof(*h));
		h->offerer = db_col_int64(stmt, "offerer") ? CHANNEL_REMOTE : CHANNEL_LOCAL;
		h->id = (uint64_t)db_col_int64(stmt, "htlc_id");
		db_col_copy(stmt, "payment_hash", h->payment_hash.u8, 32);
		h->amount_msat = (uint64_t)db_col_int64(stmt, "amount_msat");
		h->cltv_expiry = (uint32_t)db_col_int64(stmt, "cltv_expiry");
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*num = 0;
		return false;
	}
	return true;
}

/* UPDATE channels SET <a blob column> = ? WHERE id = ? */
static bool set_blob(struct db *db, const char *sql, int64_t id, const uint8_t *data, size_t len)
{
	sqlite3_stmt *stmt = db_prepare(db, sql);

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, data, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, id);
	return step_done(stmt);
}

bool channels_store_set_last_tx(struct db *db, int64_t id, const uint8_t *tx, size_t tx_len)
{
	return set_blob(db, "UPDATE channels SET last_tx = ? WHERE id = ?", id, tx, tx_len);
}

bool channels_store_set_remote_update(struct db *db, int64_t id, const uint8_t *msg, size_t len)
{
	return set_blob(db, "UPDATE channels SET remote_update = ? WHERE id = ?", id, msg, len);
}

bool channels_store_set_chain(struct db *db, int64_t id, const struct channels_store_chain *chain)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"UPDATE channels SET funding_height = ?, funding_txindex = ?,"
		" spend_txid = ?, spend_height = ? WHERE id = ?");

	if (!stmt)
		return false;
	if (chain->funding_confirmed) {
		sqlite3_bind_int64(stmt, 1, chain->funding_height);
		sqlite3_bind_int64(stmt, 2, chain->funding_txindex);
	} else {
		sqlite3_bind_null(stmt, 1);
		sqlite3_bind_null(stmt, 2);
	}
	bind_txid_num(stmt, 3, chain->is_spent ? &chain->spend_txid : NULL, chain->spend_height);
	sqlite3_bind_int64(stmt, 5, id);
	return step_done(stmt);
}

/* A copy of a blob column (NULL if it is NULL or empty). */
static uint8_t *blob_dup(sqlite3_stmt *stmt, const char *name, size_t *len)
{
	const void *data = db_col_blob(stmt, name, len);

	return data ? oh_memdup(data, *len) : NULL;
}

/* Copies the current row out.  Returns: false if it is damaged. */
static bool row_read(sqlite3_stmt *stmt, struct channels_store_row *row)
{
	size_t len;
	const void *peer_id = db_col_blob(stmt, "peer_id", &len);
	const void *spend_txid;

	memset(row, 0, sizeof(*row));
	row->id = db_col_int64(stmt, "id");
	if (!peer_id || len != PUBKEY_CMPR_LEN)
		return false;
	memcpy(row->peer_id, peer_id, PUBKEY_CMPR_LEN);
	row->snapshot = blob_dup(stmt, "snapshot", &row->snapshot_len);
	if (!db_col_is_null(stmt, "funding_height")) {
		row->chain.funding_confirmed = true;
		row->chain.funding_height = (uint32_t)db_col_int64(stmt, "funding_height");
		row->chain.funding_txindex = (uint32_t)db_col_int64(stmt, "funding_txindex");
	}
	spend_txid = db_col_blob(stmt, "spend_txid", &len);
	if (spend_txid && len == 32) {
		row->chain.is_spent = true;
		memcpy(row->chain.spend_txid.shad.sha.u8, spend_txid, 32);
		row->chain.spend_height = (uint32_t)db_col_int64(stmt, "spend_height");
	}
	row->last_tx = blob_dup(stmt, "last_tx", &row->last_tx_len);
	row->remote_update = blob_dup(stmt, "remote_update", &row->remote_update_len);
	row->opened_height = (uint32_t)db_col_int64(stmt, "opened_height");
	if (db_col_text(stmt, "close_cause"))
		snprintf(row->close_cause, sizeof(row->close_cause), "%s",
			 db_col_text(stmt, "close_cause"));
	row->is_whole = db_col_int64(stmt, "snapshot_form") == 0;
	return row->snapshot != NULL;
}

/* A row's HTLCs and signatures.  Returns: false on a database error or
 * a damaged row. */
static bool rows_read(struct db *db, struct channels_store_row *row)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT h.seq AS seq, h.record AS record, o.onion AS onion FROM channel_htlcs h"
		" LEFT JOIN channel_onions o ON o.id = h.onion_id WHERE h.channel = ? ORDER BY h.seq");
	int rc;
	bool ok = true;

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, row->id);
	while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct channels_store_htlc *h;
		size_t onion_len;

		row->htlcs = oh_realloc(row->htlcs, (row->num_htlcs + 1) * sizeof(*row->htlcs));
		h = &row->htlcs[row->num_htlcs++];
		h->seq = (uint64_t)db_col_int64(stmt, "seq");
		h->record = blob_dup(stmt, "record", &h->record_len);
		h->onion = blob_dup(stmt, "onion", &onion_len);
		ok = h->record && (!h->onion || onion_len == HTLC_ONION_LEN);
	}
	if (ok && rc != SQLITE_DONE)
		ok = false;
	sqlite3_reset(stmt);
	if (!ok)
		return false;
	stmt = db_prepare(db, "SELECT commit_num, htlc_sigs FROM channel_sigs WHERE channel = ?"
			  " ORDER BY commit_num DESC LIMIT 1");
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, row->id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		row->sigs_commit_num = (uint64_t)db_col_int64(stmt, "commit_num");
		row->sigs = blob_dup(stmt, "htlc_sigs", &row->sigs_len);
		/* No signature at all is two zero bytes, not an empty blob. */
		ok = row->sigs != NULL;
	} else {
		ok = rc == SQLITE_DONE;
	}
	sqlite3_reset(stmt);
	return ok;
}

bool channels_store_load(struct db *db, struct channels_store_row **rows, size_t *num,
			 char *err, size_t errlen)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT id, peer_id, snapshot, funding_height, funding_txindex, spend_txid,"
		 " spend_height, last_tx, remote_update, opened_height, snapshot_form, close_cause FROM channels"
		" ORDER BY id");
	bool ok = true;
	int rc = SQLITE_DONE;

	*rows = NULL;
	*num = 0;
	if (!stmt) {
		snprintf(err, errlen, "cannot read channels: %s", db_errmsg(db));
		return false;
	}
	while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*rows = oh_realloc(*rows, (*num + 1) * sizeof(**rows));
		if (!row_read(stmt, &(*rows)[*num])) {
			snprintf(err, errlen, "channel %lld in the database is damaged",
				 (long long)(*rows)[*num].id);
			ok = false;
		}
		(*num)++;
	}
	if (ok && rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot read channels: %s", db_errmsg(db));
		ok = false;
	}
	sqlite3_reset(stmt);
	for (size_t i = 0; ok && i < *num; i++) {
		if ((*rows)[i].is_whole || rows_read(db, &(*rows)[i]))
			continue;
		snprintf(err, errlen, "the HTLCs of channel %lld in the database are damaged: %s",
			 (long long)(*rows)[i].id, db_errmsg(db));
		ok = false;
	}
	if (!ok) {
		channels_store_rows_free(*rows, *num);
		*rows = NULL;
		*num = 0;
	}
	return ok;
}

void channels_store_rows_free(struct channels_store_row *rows, size_t num)
{
	for (size_t i = 0; i < num; i++) {
		free(rows[i].snapshot);
		free(rows[i].last_tx);
		free(rows[i].remote_update);
		for (size_t k = 0; k < rows[i].num_htlcs; k++) {
			free(rows[i].htlcs[k].record);
			free(rows[i].htlcs[k].onion);
		}
		free(rows[i].htlcs);
		free(rows[i].sigs);
	}
	free(rows);
}

bool channels_store_next_index(struct db *db, int64_t *index)
{
	int64_t next = 1;

	if (db_var_get_int(db, "next_channel_index", &next) < 0)
		return false;
	*index = next;
	return db_var_set_int(db, "next_channel_index", next + 1);
}

bool channels_store_set_bump(struct db *db, int64_t id, const struct channels_store_bump *bump)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT OR REPLACE INTO anchor_bumps (channel, commitment_txid, child_txid,"
		" child_fee_sat, child_weight, package_feerate_perkw, broadcast_height)"
		" VALUES (?, ?, ?, ?, ?, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_blob(stmt, 2, bump->commitment_txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, bump->child_txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (int64_t)bump->child_fee_sat);
	sqlite3_bind_int64(stmt, 5, bump->child_weight);
	sqlite3_bind_int64(stmt, 6, bump->package_perkw);
	sqlite3_bind_int64(stmt, 7, bump->broadcast_height);
	return step_done(stmt);
}

bool channels_store_delete_bump(struct db *db, int64_t id)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM anchor_bumps WHERE channel = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	return step_done(stmt);
}

int channels_store_bump(struct db *db, int64_t id, struct channels_store_bump *bump)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT commitment_txid, child_txid, child_fee_sat, child_weight,"
		" package_feerate_perkw, broadcast_height FROM anchor_bumps WHERE channel = ?");
	int rc, found = -1;

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		found = 0;
	} else if (rc == SQLITE_ROW
		   && db_col_copy(stmt, "commitment_txid", bump->commitment_txid.shad.sha.u8, 32)
		   && db_col_copy(stmt, "child_txid", bump->child_txid.shad.sha.u8, 32)) {
		bump->child_fee_sat = (uint64_t)db_col_int64(stmt, "child_fee_sat");
		bump->child_weight = (uint32_t)db_col_int64(stmt, "child_weight");
		bump->package_perkw = (uint32_t)db_col_int64(stmt, "package_feerate_perkw");
		bump->broadcast_height = (uint32_t)db_col_int64(stmt, "broadcast_height");
		found = 1;
	}
	sqlite3_reset(stmt);
	return found;
}
