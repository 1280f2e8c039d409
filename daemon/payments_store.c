/* The payments table's queries (see payments_store.h). */
#include "daemon/payments_store.h"

#include <sqlite3.h>
#include <string.h>

#include "daemon/htlc_switch.h"
#include "db/db.h"

static bool step_done(sqlite3_stmt *stmt)
{
	bool ok = sqlite3_step(stmt) == SQLITE_DONE;

	sqlite3_reset(stmt);
	return ok;
}

bool payments_store_unresolved(struct db *db,
			       void (*fn)(void *arg, int64_t channel, uint64_t htlc_id,
					  uint64_t withdrawn_key,
					  const struct switch_origin *origin),
			       void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT id, payment_hash, partid, channel, htlc_id, withdrawn_key FROM payments"
		" WHERE status = 'pending' AND htlc_id IS NOT NULL ORDER BY id");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct switch_origin origin = {
			.is_forward = false,
			.id = db_col_int64(stmt, "id"),
			.partid = (uint64_t)db_col_int64(stmt, "partid"),
		};
		size_t len;
		const void *hash = db_col_blob(stmt, "payment_hash", &len);
		if (len == sizeof(origin.payment_hash.u8))
			memcpy(origin.payment_hash.u8, hash, len);
		fn(arg, db_col_int64(stmt, "channel"), (uint64_t)db_col_int64(stmt, "htlc_id"),
		   (uint64_t)db_col_int64(stmt, "withdrawn_key"), &origin);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

bool payments_store_mark_withdrawn(struct db *db, int64_t id, uint64_t withdrawn_key)
{
	sqlite3_stmt *stmt = db_prepare(db, "UPDATE payments SET withdrawn_key = ? WHERE id = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)withdrawn_key);
	sqlite3_bind_int64(stmt, 2, id);
	return step_done(stmt);
}

int payments_store_pending_secrets(struct db *db, int64_t id,
				   struct secret secrets[ROUTE_MAX_HOPS], size_t *num)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT shared_secrets FROM payments"
					" WHERE id = ? AND status = 'pending'");
	int rc, found = 0;

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		size_t len;
		const void *blob = db_col_blob(stmt, "shared_secrets", &len);
		*num = len / sizeof(struct secret);
		if (*num && *num <= ROUTE_MAX_HOPS && len % sizeof(struct secret) == 0) {
			memcpy(secrets, blob, len);
			found = 1;
		}
	} else if (rc != SQLITE_DONE) {
		found = -1;
	}
	sqlite3_reset(stmt);
	return found;
}

bool payments_store_complete(struct db *db, int64_t id, const struct preimage *preimage,
			     int64_t now)
{
	sqlite3_stmt *stmt = db_prepare(db, "UPDATE payments SET status = 'complete',"
					" preimage = ?, completed_at = ? WHERE id = ?");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, preimage->r, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int64(stmt, 3, id);
	return step_done(stmt);
}

bool payments_store_failed(struct db *db, int64_t id, int64_t erring_index, uint16_t failcode,
			   const char *failreason, int64_t now)
{
	sqlite3_stmt *stmt = db_prepare(db, "UPDATE payments SET status = 'failed', completed_at = ?,"
					" erring_index = ?, failcode = ?, failreason = ? WHERE id = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, now);
	if (erring_index >= 0) {
		sqlite3_bind_int64(stmt, 2, erring_index);
		sqlite3_bind_int(stmt, 3, failcode);
	} else {
		sqlite3_bind_null(stmt, 2);
		sqlite3_bind_null(stmt, 3);
	}
	sqlite3_bind_text(stmt, 4, failreason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, id);
	return step_done(stmt);
}
