/* The closed_channels table's queries (see closed_store.h). */
#include "daemon/channels/closed_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"

bool closed_store_add(struct db *db, const struct closed_channel *c)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT OR REPLACE INTO closed_channels (id, peer_id, channel_id, scid, opener, closer,"
		" is_private, option_anchors, local_commitments, remote_commitments, htlcs_sent,"
		" funding_txid, funding_outnum, funding_sat, final_to_us_msat, close_txid,"
		" close_fee_sat, close_height, close_type, close_cause, to_wallet_sat)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, c->id);
	sqlite3_bind_blob(stmt, 2, c->peer_id, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, c->channel_id, 32, SQLITE_STATIC);
	if (c->has_scid)
		sqlite3_bind_int64(stmt, 4, (sqlite3_int64)c->scid);
	sqlite3_bind_int64(stmt, 5, c->is_opener ? 0 : 1);
	if (c->has_closer)
		sqlite3_bind_int64(stmt, 6, c->is_closer ? 0 : 1);
	sqlite3_bind_int64(stmt, 7, c->is_private);
	sqlite3_bind_int64(stmt, 8, c->option_anchors);
	sqlite3_bind_int64(stmt, 9, (sqlite3_int64)c->local_commitments);
	sqlite3_bind_int64(stmt, 10, (sqlite3_int64)c->remote_commitments);
	sqlite3_bind_int64(stmt, 11, (sqlite3_int64)c->htlcs_sent);
	sqlite3_bind_blob(stmt, 12, c->funding.txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 13, c->funding.vout);
	sqlite3_bind_int64(stmt, 14, (sqlite3_int64)c->funding_sat);
	sqlite3_bind_int64(stmt, 15, (sqlite3_int64)c->final_to_us_msat);
	sqlite3_bind_blob(stmt, 16, c->close_txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 17, (sqlite3_int64)c->close_fee_sat);
	sqlite3_bind_int64(stmt, 18, c->close_height);
	sqlite3_bind_text(stmt, 19, c->close_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 20, c->close_cause, -1, SQLITE_STATIC);
	if (c->has_to_wallet)
		sqlite3_bind_int64(stmt, 21, c->to_wallet_sat);
	return db_step_done(stmt);
}

static void copy_text(char *out, size_t len, const char *text)
{
	snprintf(out, len, "%s", text ? text : "");
}

static void read_row(sqlite3_stmt *stmt, struct closed_channel *c)
{
	memset(c, 0, sizeof(*c));
	c->id = db_col_int64(stmt, "id");
	db_col_copy(stmt, "peer_id", c->peer_id, PUBKEY_CMPR_LEN);
	db_col_copy(stmt, "channel_id", c->channel_id, 32);
	c->has_scid = !db_col_is_null(stmt, "scid");
	c->scid = (uint64_t)db_col_int64(stmt, "scid");
	c->is_opener = db_col_int64(stmt, "opener") == 0;
	c->has_closer = !db_col_is_null(stmt, "closer");
	c->is_closer = c->has_closer && db_col_int64(stmt, "closer") == 0;
	c->is_private = db_col_int64(stmt, "is_private") != 0;
	c->option_anchors = db_col_int64(stmt, "option_anchors") != 0;
	c->local_commitments = (uint64_t)db_col_int64(stmt, "local_commitments");
	c->remote_commitments = (uint64_t)db_col_int64(stmt, "remote_commitments");
	c->htlcs_sent = (uint64_t)db_col_int64(stmt, "htlcs_sent");
	db_col_copy(stmt, "funding_txid", c->funding.txid.shad.sha.u8, 32);
	c->funding.vout = (uint32_t)db_col_int64(stmt, "funding_outnum");
	c->funding_sat = (uint64_t)db_col_int64(stmt, "funding_sat");
	c->final_to_us_msat = (uint64_t)db_col_int64(stmt, "final_to_us_msat");
	db_col_copy(stmt, "close_txid", c->close_txid.shad.sha.u8, 32);
	c->close_fee_sat = (uint64_t)db_col_int64(stmt, "close_fee_sat");
	c->close_height = (uint32_t)db_col_int64(stmt, "close_height");
	copy_text(c->close_type, sizeof(c->close_type), db_col_text(stmt, "close_type"));
	copy_text(c->close_cause, sizeof(c->close_cause), db_col_text(stmt, "close_cause"));
	c->has_to_wallet = !db_col_is_null(stmt, "to_wallet_sat");
	c->to_wallet_sat = db_col_int64(stmt, "to_wallet_sat");
}

bool closed_store_list(struct db *db, const uint8_t *peer_id,
		       void (*each)(void *arg, const struct closed_channel *c), void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT id, peer_id, channel_id, scid, opener, closer, is_private, option_anchors,"
		" local_commitments, remote_commitments, htlcs_sent, funding_txid, funding_outnum,"
		" funding_sat, final_to_us_msat, close_txid, close_fee_sat, close_height, close_type,"
		" close_cause, to_wallet_sat FROM closed_channels WHERE ?1 IS NULL OR peer_id = ?1"
		" ORDER BY close_height, id");
	int rc;

	if (!stmt)
		return false;
	if (peer_id)
		sqlite3_bind_blob(stmt, 1, peer_id, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct closed_channel c;
		read_row(stmt, &c);
		each(arg, &c);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

bool closed_store_set_cause(struct db *db, int64_t channel, const char *cause)
{
	sqlite3_stmt *stmt = db_prepare(db, "UPDATE channels SET close_cause = ? WHERE id = ?");

	if (!stmt)
		return false;
	if (cause)
		sqlite3_bind_text(stmt, 1, cause, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, channel);
	return db_step_done(stmt);
}
