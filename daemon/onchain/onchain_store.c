/* The onchain_resolvers table (onchain_store.h). */
#include "daemon/onchain/onchain_store.h"

#include "db/db.h"

bool onchain_store_save(struct db *db, int64_t channel, const uint8_t *sweep_script,
			size_t sweep_script_len, const uint8_t *state, size_t state_len,
			bool resolved)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT OR REPLACE INTO onchain_resolvers (channel, sweep_script, state, resolved)"
		" VALUES (?, ?, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, channel);
	sqlite3_bind_blob(stmt, 2, sweep_script, (int)sweep_script_len, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, state, (int)state_len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, resolved);
	return db_step_done(stmt);
}

bool onchain_store_load(struct db *db,
			bool (*each)(void *arg, int64_t channel, const uint8_t *sweep_script,
				     size_t sweep_script_len, const uint8_t *state,
				     size_t state_len, bool resolved),
			void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT channel, sweep_script, state, resolved FROM onchain_resolvers"
		" ORDER BY channel");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		size_t script_len, state_len;
		const uint8_t *script = db_col_blob(stmt, "sweep_script", &script_len);
		const uint8_t *state = db_col_blob(stmt, "state", &state_len);
		if (!each(arg, db_col_int64(stmt, "channel"), script, script_len, state, state_len,
			  db_col_int64(stmt, "resolved") != 0)) {
			sqlite3_reset(stmt);
			return false;
		}
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

bool onchain_store_delete(struct db *db, int64_t channel)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM onchain_resolvers WHERE channel = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, channel);
	return db_step_done(stmt);
}
