/* The channel_gossip table's queries (see channels_gossip_store.h). */
#include "daemon/channels/channels_gossip_store.h"

#include <sqlite3.h>
#include <string.h>

#include "db/db.h"

bool channels_gossip_store_load(struct db *db, int64_t id, struct channels_gossip_row *row)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT fee_base_msat, fee_ppm, htlc_minimum_msat, htlc_maximum_msat,"
		" update_timestamp, update_disabled FROM channel_gossip WHERE channel = ?");
	int rc;

	memset(row, 0, sizeof(*row));
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		row->has_fee_base = !db_col_is_null(stmt, "fee_base_msat");
		row->fee_base_msat = (uint32_t)db_col_int64(stmt, "fee_base_msat");
		row->has_fee_ppm = !db_col_is_null(stmt, "fee_ppm");
		row->fee_ppm = (uint32_t)db_col_int64(stmt, "fee_ppm");
		row->has_htlc_min = !db_col_is_null(stmt, "htlc_minimum_msat");
		row->htlc_minimum_msat = (uint64_t)db_col_int64(stmt, "htlc_minimum_msat");
		row->has_htlc_max = !db_col_is_null(stmt, "htlc_maximum_msat");
		row->htlc_maximum_msat = (uint64_t)db_col_int64(stmt, "htlc_maximum_msat");
		row->update_timestamp = (uint32_t)db_col_int64(stmt, "update_timestamp");
		row->update_disabled = db_col_int64(stmt, "update_disabled") != 0;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static void bind_optional(sqlite3_stmt *stmt, int col, bool has, uint64_t value)
{
	if (has)
		sqlite3_bind_int64(stmt, col, (int64_t)value);
	else
		sqlite3_bind_null(stmt, col);
}

bool channels_gossip_store_save(struct db *db, int64_t id, const struct channels_gossip_row *row)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT OR REPLACE INTO channel_gossip (channel, fee_base_msat, fee_ppm,"
		" htlc_minimum_msat, htlc_maximum_msat, update_timestamp, update_disabled)"
		" VALUES (?, ?, ?, ?, ?, ?, ?)");
	bool ok;

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, id);
	bind_optional(stmt, 2, row->has_fee_base, row->fee_base_msat);
	bind_optional(stmt, 3, row->has_fee_ppm, row->fee_ppm);
	bind_optional(stmt, 4, row->has_htlc_min, row->htlc_minimum_msat);
	bind_optional(stmt, 5, row->has_htlc_max, row->htlc_maximum_msat);
	sqlite3_bind_int64(stmt, 6, row->update_timestamp);
	sqlite3_bind_int(stmt, 7, row->update_disabled ? 1 : 0);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	return ok;
}
