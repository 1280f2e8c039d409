/* The forwards table's queries (see forwards_store.h). */
#include "daemon/htlcs/forwards_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "crypto/util.h"
#include "daemon/htlcs/htlc_switch.h"
#include "db/db.h"

bool forwards_store_offered(struct db *db, int64_t in_channel, uint64_t in_htlc_id,
			    uint64_t in_msat, int64_t out_channel, uint64_t out_htlc_id,
			    uint64_t out_msat, int64_t now, int64_t *id)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO forwards (in_channel, in_htlc_id, in_msat, out_channel, out_htlc_id,"
		" out_msat, status, received_time) VALUES (?, ?, ?, ?, ?, ?, 'offered', ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, in_channel);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)in_htlc_id);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)in_msat);
	sqlite3_bind_int64(stmt, 4, out_channel);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)out_htlc_id);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)out_msat);
	sqlite3_bind_int64(stmt, 7, now);
	if (!db_step_done(stmt))
		return false;
	*id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
	return true;
}

bool forwards_store_local_failed(struct db *db, int64_t in_channel, uint64_t in_htlc_id,
				 uint64_t in_msat, uint16_t failcode, int64_t now)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT OR IGNORE INTO forwards (in_channel, in_htlc_id, in_msat, status,"
		" received_time, resolved_time, failcode) VALUES (?, ?, ?, 'local_failed', ?, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, in_channel);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)in_htlc_id);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)in_msat);
	sqlite3_bind_int64(stmt, 4, now);
	sqlite3_bind_int64(stmt, 5, now);
	sqlite3_bind_int(stmt, 6, failcode);
	return db_step_done(stmt);
}

bool forwards_store_mark_withdrawn(struct db *db, const struct switch_origin *owner,
				   uint64_t withdrawn_key)
{
	sqlite3_stmt *stmt = db_prepare(db, owner->is_forward
					? "UPDATE forwards SET withdrawn_key = ? WHERE id = ?"
					: "UPDATE payments SET withdrawn_key = ? WHERE id = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)withdrawn_key);
	sqlite3_bind_int64(stmt, 2, owner->id);
	return db_step_done(stmt);
}

bool forwards_store_settled(struct db *db, int64_t id, const struct preimage *preimage,
			    int64_t now)
{
	sqlite3_stmt *stmt = db_prepare(db, "UPDATE forwards SET status = 'settled', preimage = ?,"
					" resolved_time = ? WHERE id = ? AND status = 'offered'");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, preimage->r, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int64(stmt, 3, id);
	return db_step_done(stmt);
}

bool forwards_store_failed(struct db *db, int64_t id, const uint8_t *fail_reason,
			   size_t fail_reason_len, uint16_t failcode, int64_t now)
{
	sqlite3_stmt *stmt = db_prepare(db, "UPDATE forwards SET status = 'failed', fail_reason = ?,"
					" resolved_time = ?, failcode = ? WHERE id = ?"
					" AND status = 'offered'");

	if (!stmt)
		return false;
	if (fail_reason && fail_reason_len)
		sqlite3_bind_blob(stmt, 1, fail_reason, (int)fail_reason_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 1);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int(stmt, 3, failcode);
	sqlite3_bind_int64(stmt, 4, id);
	return db_step_done(stmt);
}

int forwards_store_by_incoming(struct db *db, int64_t in_channel, uint64_t in_htlc_id,
			       struct forward_outcome *o)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT in_channel, in_htlc_id, out_channel, status, preimage, fail_reason,"
		" failcode FROM forwards WHERE in_channel = ? AND in_htlc_id = ?");
	const char *status;
	const void *blob;
	size_t len;
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, in_channel);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)in_htlc_id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	memset(o, 0, sizeof(*o));
	o->in_channel = db_col_int64(stmt, "in_channel");
	o->in_htlc_id = (uint64_t)db_col_int64(stmt, "in_htlc_id");
	o->out_channel = db_col_int64(stmt, "out_channel");
	status = db_col_text(stmt, "status");
	blob = db_col_blob(stmt, "preimage", &len);
	o->is_settled = strcmp(status, "settled") == 0 && len == 32;
	o->is_failed = strcmp(status, "failed") == 0;
	o->is_failed_back = strcmp(status, "local_failed") == 0;
	if (o->is_settled)
		memcpy(o->preimage.r, blob, 32);
	blob = db_col_blob(stmt, "fail_reason", &len);
	if (blob) {
		o->fail_reason = oh_memdup(blob, len);
		o->fail_reason_len = len;
	}
	o->failcode = (uint16_t)db_col_int64(stmt, "failcode");
	sqlite3_reset(stmt);
	return 1;
}

void forward_outcome_clear(struct forward_outcome *o)
{
	free(o->fail_reason);
	o->fail_reason = NULL;
	crypto_wipe(&o->preimage, sizeof(o->preimage));
}

bool forwards_store_owners(struct db *db,
			  void (*fn)(void *arg, int64_t channel, uint64_t htlc_id,
				     uint64_t withdrawn_key, const struct switch_origin *origin),
			  void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT 1 AS is_forward, id, out_channel AS channel, out_htlc_id AS htlc_id,"
		" withdrawn_key, in_channel, in_htlc_id, NULL AS payment_hash, NULL AS partid"
		" FROM forwards WHERE status = 'offered' AND out_htlc_id IS NOT NULL"
		" UNION ALL SELECT 0, id, channel, htlc_id, withdrawn_key, NULL, NULL,"
		" payment_hash, partid FROM payments WHERE status = 'pending'"
		" AND htlc_id IS NOT NULL ORDER BY is_forward, id");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct switch_origin origin = {
			.is_forward = db_col_int64(stmt, "is_forward") != 0,
			.id = db_col_int64(stmt, "id"),
			.in_channel = db_col_int64(stmt, "in_channel"),
			.in_htlc_id = (uint64_t)db_col_int64(stmt, "in_htlc_id"),
			.partid = (uint64_t)db_col_int64(stmt, "partid"),
		};
		db_col_copy(stmt, "payment_hash", origin.payment_hash.u8,
			    sizeof(origin.payment_hash.u8));
		fn(arg, db_col_int64(stmt, "channel"), (uint64_t)db_col_int64(stmt, "htlc_id"),
		   (uint64_t)db_col_int64(stmt, "withdrawn_key"), &origin);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

void forwards_store_list(struct db *db, const char *status,
			 void (*fn)(void *arg, const struct forward_row *row), void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT in_channel, in_htlc_id, in_msat, out_channel, out_htlc_id, out_msat,"
		" status, received_time, resolved_time, failcode FROM forwards"
		" WHERE ?1 IS NULL OR status = ?1 ORDER BY id");

	if (!stmt)
		return;
	if (status)
		sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct forward_row row = {
			.in_channel = db_col_int64(stmt, "in_channel"),
			.in_htlc_id = (uint64_t)db_col_int64(stmt, "in_htlc_id"),
			.in_msat = (uint64_t)db_col_int64(stmt, "in_msat"),
			.has_out_channel = !db_col_is_null(stmt, "out_channel"),
			.has_out_htlc_id = !db_col_is_null(stmt, "out_htlc_id"),
			.has_out_msat = !db_col_is_null(stmt, "out_msat"),
			.has_resolved_time = !db_col_is_null(stmt, "resolved_time"),
			.out_channel = db_col_int64(stmt, "out_channel"),
			.out_htlc_id = (uint64_t)db_col_int64(stmt, "out_htlc_id"),
			.out_msat = (uint64_t)db_col_int64(stmt, "out_msat"),
			.status = db_col_text(stmt, "status"),
			.received_time = db_col_int64(stmt, "received_time"),
			.resolved_time = db_col_int64(stmt, "resolved_time"),
			.failcode = (uint16_t)db_col_int64(stmt, "failcode"),
		};
		fn(arg, &row);
	}
	sqlite3_reset(stmt);
}
