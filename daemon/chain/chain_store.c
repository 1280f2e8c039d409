/* The blocks table (chain_store.h). */
#include "daemon/chain/chain_store.h"

#include <string.h>

#include "db/db.h"

bool chain_store_tip(struct db *db, bool *has_tip, uint32_t *height,
		     struct bitcoin_blkid *hash)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT height, hash FROM blocks ORDER BY height DESC LIMIT 1");
	size_t len = 0;
	const void *bytes = NULL;
	int rc;

	if (!stmt)
		return false;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		bytes = db_col_blob(stmt, "hash", &len);
	*has_tip = bytes && len == sizeof(hash->shad.sha.u8);
	if (*has_tip) {
		*height = (uint32_t)db_col_int64(stmt, "height");
		memcpy(hash->shad.sha.u8, bytes, len);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool chain_store_block_add(struct db *db, uint32_t height, const struct bitcoin_blkid *hash,
			   const struct bitcoin_blkid *prev_hash)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO blocks (height, hash, prev_hash) VALUES (?, ?, ?)");
	bool ok;

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, height);
	sqlite3_bind_blob(stmt, 2, hash->shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, prev_hash->shad.sha.u8, 32, SQLITE_STATIC);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	return ok;
}

bool chain_store_block_delete(struct db *db, uint32_t height)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM blocks WHERE height = ?");
	bool ok;

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, height);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	return ok;
}
