/* The peers table (peers_store.h). */
#include "daemon/net/peers_store.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

bool peers_store_connected(struct db *db, const uint8_t node_id[PUBKEY_CMPR_LEN],
			   const char *address, int64_t now)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO peers (node_id, address, last_connected) VALUES (?, ?, ?)"
		" ON CONFLICT (node_id) DO UPDATE SET"
		" address = COALESCE(excluded.address, address),"
		" last_connected = excluded.last_connected");
	bool ok;

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, node_id, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	if (address)
		sqlite3_bind_text(stmt, 2, address, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)now);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	return ok;
}

bool peers_store_address(struct db *db, const uint8_t node_id[PUBKEY_CMPR_LEN],
			 char *address, size_t len)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT address FROM peers WHERE node_id = ?");
	const char *text = NULL;
	bool found = false;

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, node_id, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		text = db_col_text(stmt, "address");
	if (text && strlen(text) < len) {
		memcpy(address, text, strlen(text) + 1);
		found = true;
	}
	sqlite3_reset(stmt);
	return found;
}
