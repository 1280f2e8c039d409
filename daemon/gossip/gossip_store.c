/* The gossip table (gossip_store.h). */
#include "daemon/gossip/gossip_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "db/db.h"

#define TYPE_CHANNEL_ANNOUNCEMENT 256
#define TYPE_NODE_ANNOUNCEMENT 257
#define TYPE_CHANNEL_UPDATE 258

/* Steps a statement that changes rows, then resets it. */
static bool step_done(sqlite3_stmt *stmt)
{
	bool ok = sqlite3_step(stmt) == SQLITE_DONE;

	sqlite3_reset(stmt);
	return ok;
}

bool gossip_store_add_channel(struct db *db, uint64_t id, struct short_channel_id scid,
			      const uint8_t *msg, size_t len, uint64_t amount_sat,
			      const struct bitcoin_txid *funding_txid)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO gossip (id, type, scid, msg, amount_sat, funding_txid)"
		" VALUES (?, 256, ?, ?, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)scid.u64);
	sqlite3_bind_blob(stmt, 3, msg, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)amount_sat);
	sqlite3_bind_blob(stmt, 5, funding_txid->shad.sha.u8, 32, SQLITE_STATIC);
	return step_done(stmt);
}

bool gossip_store_add_update(struct db *db, uint64_t id, struct short_channel_id scid,
			     const uint8_t *msg, size_t len)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO gossip (id, type, scid, msg) VALUES (?, 258, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)scid.u64);
	sqlite3_bind_blob(stmt, 3, msg, (int)len, SQLITE_STATIC);
	return step_done(stmt);
}

bool gossip_store_add_node(struct db *db, uint64_t id, const uint8_t node_id[PUBKEY_CMPR_LEN],
			   const uint8_t *msg, size_t len)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO gossip (id, type, node_id, msg) VALUES (?, 257, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	sqlite3_bind_blob(stmt, 2, node_id, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, msg, (int)len, SQLITE_STATIC);
	return step_done(stmt);
}

bool gossip_store_get(struct db *db, uint64_t id, uint8_t **msg, size_t *len)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT msg FROM gossip WHERE id = ?");
	bool found = false;

	*msg = NULL;
	*len = 0;
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		size_t n;
		const void *blob = db_col_blob(stmt, "msg", &n);
		if (blob) {
			*msg = oh_malloc(n);
			memcpy(*msg, blob, n);
			*len = n;
			found = true;
		}
	}
	sqlite3_reset(stmt);
	return found;
}

bool gossip_store_channel(struct db *db, struct short_channel_id scid, uint8_t **msg,
			  size_t *len, struct bitcoin_txid *funding_txid)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT msg, funding_txid FROM gossip WHERE scid = ? AND type = 256");
	bool found = false;

	if (msg)
		*msg = NULL;
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)scid.u64);
	if (sqlite3_step(stmt) == SQLITE_ROW
	    && db_col_copy(stmt, "funding_txid", funding_txid->shad.sha.u8, 32)) {
		found = true;
		if (msg) {
			const void *blob = db_col_blob(stmt, "msg", len);
			*msg = oh_malloc(*len ? *len : 1);
			memcpy(*msg, blob, *len);
		}
	}
	sqlite3_reset(stmt);
	return found;
}

bool gossip_store_delete(struct db *db, uint64_t id)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM gossip WHERE id = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	return step_done(stmt);
}

bool gossip_store_delete_channel(struct db *db, struct short_channel_id scid)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM gossip WHERE scid = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)scid.u64);
	return step_done(stmt);
}

bool gossip_store_delete_node(struct db *db, const uint8_t node_id[PUBKEY_CMPR_LEN])
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM gossip WHERE node_id = ?");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, node_id, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	return step_done(stmt);
}

bool gossip_store_set_spent(struct db *db, struct short_channel_id scid, uint32_t height)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"UPDATE gossip SET spent_height = ? WHERE scid = ? AND type = 256");

	if (!stmt)
		return false;
	if (height)
		sqlite3_bind_int64(stmt, 1, height);
	else
		sqlite3_bind_null(stmt, 1);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)scid.u64);
	return step_done(stmt);
}

bool gossip_store_spent_at(struct db *db, uint32_t height,
			   void (*fn)(void *arg, struct short_channel_id scid), void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT scid FROM gossip WHERE type = 256 AND spent_height = ?");
	struct short_channel_id *scids = NULL;
	size_t num = 0;
	int rc;

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, height);
	/* Collected first: fn may write. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		scids = oh_realloc(scids, (num + 1) * sizeof(*scids));
		scids[num++].u64 = (uint64_t)db_col_int64(stmt, "scid");
	}
	sqlite3_reset(stmt);
	for (size_t i = 0; i < num && rc == SQLITE_DONE; i++)
		fn(arg, scids[i]);
	free(scids);
	return rc == SQLITE_DONE;
}

bool gossip_store_load(struct db *db, bool (*fn)(void *arg, const struct gossip_store_row *row),
		       void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT id, type, scid, msg, amount_sat, funding_txid, spent_height"
		" FROM gossip ORDER BY id");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct gossip_store_row row = {0};

		row.id = (uint64_t)db_col_int64(stmt, "id");
		row.type = (uint16_t)db_col_int64(stmt, "type");
		row.msg = db_col_blob(stmt, "msg", &row.len);
		if (!db_col_is_null(stmt, "scid"))
			row.scid.u64 = (uint64_t)db_col_int64(stmt, "scid");
		if (row.type == TYPE_CHANNEL_ANNOUNCEMENT) {
			row.amount_sat = (uint64_t)db_col_int64(stmt, "amount_sat");
			db_col_copy(stmt, "funding_txid", row.funding_txid.shad.sha.u8, 32);
			if (!db_col_is_null(stmt, "spent_height"))
				row.spent_height = (uint32_t)db_col_int64(stmt, "spent_height");
		}
		if (!fn(arg, &row)) {
			sqlite3_reset(stmt);
			return true;
		}
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}
