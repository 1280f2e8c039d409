/* The payments table's queries (see payments_store.h). */
#include "daemon/htlcs/payments_store.h"

#include <sqlite3.h>
#include <string.h>

#include "crypto/util.h"
#include "db/db.h"

bool payments_store_add_part(struct db *db, const struct payments_part *part, int64_t *id)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM payments WHERE payment_hash = ?"
					" AND partid = ? AND status = 'failed'");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, part->payment_hash.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)part->partid);
	if (!db_step_done(stmt))
		return false;
	stmt = db_prepare(db, "INSERT INTO payments (payment_hash, partid, status, destination,"
			  " amount_msat, amount_sent_msat, created_at, label, bolt11, channel,"
			  " htlc_id, shared_secrets, route, groupid)"
			  " VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, part->payment_hash.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)part->partid);
	sqlite3_bind_blob(stmt, 3, part->destination, PUBKEY_CMPR_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)part->amount_msat);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)part->amount_sent_msat);
	sqlite3_bind_int64(stmt, 6, part->created_at);
	if (part->label)
		sqlite3_bind_text(stmt, 7, part->label, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 7);
	if (part->bolt11)
		sqlite3_bind_text(stmt, 8, part->bolt11, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 8);
	sqlite3_bind_int64(stmt, 9, part->channel);
	sqlite3_bind_int64(stmt, 10, (sqlite3_int64)part->htlc_id);
	sqlite3_bind_blob(stmt, 11, part->secrets, (int)(part->num_hops * sizeof(struct secret)),
			  SQLITE_STATIC);
	sqlite3_bind_text(stmt, 12, part->route_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 13, (sqlite3_int64)part->groupid);
	if (!db_step_done(stmt))
		return false;
	*id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
	return true;
}

#define PAYMENT_COLUMNS \
	"id, payment_hash, partid, status, destination, amount_msat, amount_sent_msat," \
	" created_at, completed_at, label, bolt11, preimage, erring_index, failcode," \
	" failreason, route, groupid"

static void row_read(sqlite3_stmt *stmt, struct payment_row *row)
{
	memset(row, 0, sizeof(*row));
	row->id = db_col_int64(stmt, "id");
	db_col_copy(stmt, "payment_hash", row->payment_hash.u8, sizeof(row->payment_hash.u8));
	row->partid = (uint64_t)db_col_int64(stmt, "partid");
	row->groupid = (uint64_t)db_col_int64(stmt, "groupid");
	row->status = db_col_text(stmt, "status");
	row->has_destination = db_col_copy(stmt, "destination", row->destination,
					 sizeof(row->destination));
	row->amount_msat = (uint64_t)db_col_int64(stmt, "amount_msat");
	row->amount_sent_msat = (uint64_t)db_col_int64(stmt, "amount_sent_msat");
	row->created_at = db_col_int64(stmt, "created_at");
	row->has_completed_at = !db_col_is_null(stmt, "completed_at");
	row->completed_at = db_col_int64(stmt, "completed_at");
	row->label = db_col_text(stmt, "label");
	row->bolt11 = db_col_text(stmt, "bolt11");
	row->has_preimage = db_col_copy(stmt, "preimage", row->preimage.r, sizeof(row->preimage.r));
	row->has_erring_index = !db_col_is_null(stmt, "erring_index");
	row->erring_index = db_col_int64(stmt, "erring_index");
	row->failcode = (uint16_t)db_col_int64(stmt, "failcode");
	row->failreason = db_col_text(stmt, "failreason");
	row->route_json = db_col_text(stmt, "route");
}

int payments_store_part(struct db *db, const struct sha256 *payment_hash, uint64_t partid,
			void (*fn)(void *arg, const struct payment_row *row), void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT " PAYMENT_COLUMNS " FROM payments"
					" WHERE payment_hash = ? AND partid = ?");
	struct payment_row row;
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_blob(stmt, 1, payment_hash->u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)partid);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		row_read(stmt, &row);
		fn(arg, &row);
		crypto_wipe(&row.preimage, sizeof(row.preimage));
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

bool payments_store_list(struct db *db, const char *bolt11, const struct sha256 *payment_hash,
			 const char *status,
			 void (*fn)(void *arg, const struct payment_row *row), void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT " PAYMENT_COLUMNS " FROM payments"
					" WHERE (?1 IS NULL OR bolt11 = ?1)"
					" AND (?2 IS NULL OR payment_hash = ?2)"
					" AND (?3 IS NULL OR status = ?3) ORDER BY id");
	struct payment_row row;
	int rc;

	if (!stmt)
		return false;
	if (bolt11)
		sqlite3_bind_text(stmt, 1, bolt11, -1, SQLITE_STATIC);
	if (payment_hash)
		sqlite3_bind_blob(stmt, 2, payment_hash->u8, 32, SQLITE_STATIC);
	if (status)
		sqlite3_bind_text(stmt, 3, status, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		row_read(stmt, &row);
		fn(arg, &row);
	}
	crypto_wipe(&row.preimage, sizeof(row.preimage));
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
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
	return db_step_done(stmt);
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
	return db_step_done(stmt);
}
