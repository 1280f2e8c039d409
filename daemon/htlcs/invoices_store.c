/* The invoices table's queries (see invoices_store.h). */
#include "daemon/htlcs/invoices_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/util.h"
#include "db/db.h"

#define INVOICE_COLUMNS \
	"id, label, payment_hash, preimage, payment_secret, amount_msat, description, bolt11," \
	" created_at, expires_at, status, pay_index, amount_received_msat, paid_at, paid_parts," \
	" min_final_cltv"

static char *col_strdup(sqlite3_stmt *stmt, const char *name)
{
	const char *text = db_col_text(stmt, name);

	return text ? oh_strdup(text) : NULL;
}

static void row_read(sqlite3_stmt *stmt, struct invoice_row *row)
{
	memset(row, 0, sizeof(*row));
	row->id = db_col_int64(stmt, "id");
	row->label = col_strdup(stmt, "label");
	row->description = col_strdup(stmt, "description");
	row->bolt11 = col_strdup(stmt, "bolt11");
	db_col_copy(stmt, "payment_hash", row->payment_hash.u8, sizeof(row->payment_hash.u8));
	db_col_copy(stmt, "preimage", row->preimage.r, sizeof(row->preimage.r));
	row->has_secret = db_col_copy(stmt, "payment_secret", row->payment_secret.data,
				    sizeof(row->payment_secret.data));
	row->has_amount = !db_col_is_null(stmt, "amount_msat");
	row->amount_msat = (uint64_t)db_col_int64(stmt, "amount_msat");
	row->created_at = (uint64_t)db_col_int64(stmt, "created_at");
	row->expires_at = (uint64_t)db_col_int64(stmt, "expires_at");
	row->is_paid = strcmp(db_col_text(stmt, "status"), "paid") == 0;
	row->pay_index = (uint64_t)db_col_int64(stmt, "pay_index");
	row->amount_received_msat = (uint64_t)db_col_int64(stmt, "amount_received_msat");
	row->paid_at = (uint64_t)db_col_int64(stmt, "paid_at");
	/* Paid before the column: by one HTLC. */
	row->paid_parts = db_col_is_null(stmt, "paid_parts") ? row->is_paid
		: (uint64_t)db_col_int64(stmt, "paid_parts");
	row->min_final_cltv = (uint32_t)db_col_int64(stmt, "min_final_cltv");
}

void invoice_row_clear(struct invoice_row *row)
{
	free(row->label);
	free(row->description);
	free(row->bolt11);
	crypto_wipe(row, sizeof(*row));
}

/* The first row stmt (bound) finds.  Returns: 1, 0 or -1. */
static int one_row(sqlite3_stmt *stmt, struct invoice_row *row)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		row_read(stmt, row);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int invoices_store_by_label(struct db *db, const char *label, struct invoice_row *row)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT " INVOICE_COLUMNS
					" FROM invoices WHERE label = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, label, -1, SQLITE_STATIC);
	return one_row(stmt, row);
}

int invoices_store_by_hash(struct db *db, const struct sha256 *payment_hash,
			   struct invoice_row *row)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT " INVOICE_COLUMNS
					" FROM invoices WHERE payment_hash = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_blob(stmt, 1, payment_hash->u8, 32, SQLITE_STATIC);
	return one_row(stmt, row);
}

int invoices_store_paid_after(struct db *db, uint64_t lastpay_index, struct invoice_row *row)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT " INVOICE_COLUMNS " FROM invoices"
					" WHERE pay_index > ? ORDER BY pay_index LIMIT 1");

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)lastpay_index);
	return one_row(stmt, row);
}

bool invoices_store_list(struct db *db, const char *label, const char *bolt11,
			 const struct sha256 *payment_hash,
			 void (*fn)(void *arg, const struct invoice_row *row), void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT " INVOICE_COLUMNS " FROM invoices"
					" WHERE (?1 IS NULL OR label = ?1)"
					" AND (?2 IS NULL OR bolt11 = ?2)"
					" AND (?3 IS NULL OR payment_hash = ?3) ORDER BY id");
	struct invoice_row row;
	int rc;

	if (!stmt)
		return false;
	if (label)
		sqlite3_bind_text(stmt, 1, label, -1, SQLITE_STATIC);
	if (bolt11)
		sqlite3_bind_text(stmt, 2, bolt11, -1, SQLITE_STATIC);
	if (payment_hash)
		sqlite3_bind_blob(stmt, 3, payment_hash->u8, 32, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		row_read(stmt, &row);
		fn(arg, &row);
		invoice_row_clear(&row);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

bool invoices_store_add(struct db *db, const struct invoice_row *row, int64_t *id)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO invoices (label, payment_hash, preimage, payment_secret, amount_msat,"
		" description, bolt11, created_at, expires_at, min_final_cltv)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_text(stmt, 1, row->label, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, row->payment_hash.u8, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, row->preimage.r, 32, SQLITE_STATIC);
	if (row->has_secret)
		sqlite3_bind_blob(stmt, 4, row->payment_secret.data, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 4);
	if (row->has_amount)
		sqlite3_bind_int64(stmt, 5, (sqlite3_int64)row->amount_msat);
	else
		sqlite3_bind_null(stmt, 5);
	sqlite3_bind_text(stmt, 6, row->description, -1, SQLITE_STATIC);
	if (row->bolt11)
		sqlite3_bind_text(stmt, 7, row->bolt11, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 7);
	sqlite3_bind_int64(stmt, 8, (sqlite3_int64)row->created_at);
	sqlite3_bind_int64(stmt, 9, (sqlite3_int64)row->expires_at);
	if (row->min_final_cltv)
		sqlite3_bind_int64(stmt, 10, row->min_final_cltv);
	else
		sqlite3_bind_null(stmt, 10);
	if (!db_step_done(stmt))
		return false;
	*id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
	return true;
}

bool invoices_store_delete(struct db *db, const char *label)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM invoices WHERE label = ?");

	if (!stmt)
		return false;
	sqlite3_bind_text(stmt, 1, label, -1, SQLITE_STATIC);
	return db_step_done(stmt);
}

int invoices_store_terms(struct db *db, const struct sha256 *payment_hash,
			 struct invoice_terms *terms)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT id, preimage, payment_secret, amount_msat, status, expires_at,"
		" min_final_cltv FROM invoices WHERE payment_hash = ?");
	int rc, found = 0;

	if (!stmt)
		return -1;
	sqlite3_bind_blob(stmt, 1, payment_hash->u8, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		memset(terms, 0, sizeof(*terms));
		terms->id = db_col_int64(stmt, "id");
		found = db_col_copy(stmt, "preimage", terms->preimage.r, sizeof(terms->preimage.r));
		terms->has_secret = db_col_copy(stmt, "payment_secret", terms->payment_secret.data,
					      sizeof(terms->payment_secret.data));
		terms->has_amount = !db_col_is_null(stmt, "amount_msat");
		terms->amount_msat = (uint64_t)db_col_int64(stmt, "amount_msat");
		terms->is_paid = strcmp(db_col_text(stmt, "status"), "paid") == 0;
		terms->expires_at = (uint64_t)db_col_int64(stmt, "expires_at");
		terms->min_final_cltv = (uint32_t)db_col_int64(stmt, "min_final_cltv");
	} else if (rc != SQLITE_DONE) {
		found = -1;
	}
	sqlite3_reset(stmt);
	return found;
}

bool invoices_store_mark_paid(struct db *db, int64_t id, uint64_t amount_msat, uint64_t parts,
			      uint64_t now)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"UPDATE invoices SET status = 'paid', amount_received_msat = ?, paid_at = ?,"
		" paid_parts = ?,"
		" pay_index = (SELECT COALESCE(MAX(pay_index), 0) + 1 FROM invoices)"
		" WHERE id = ? AND status = 'unpaid'");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)amount_msat);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)parts);
	sqlite3_bind_int64(stmt, 4, id);
	return db_step_done(stmt);
}

bool invoices_store_add_keysend(struct db *db, const struct preimage *preimage, uint64_t now,
				int64_t *id)
{
	struct sha256 hash;
	char label[80], hex[65];
	sqlite3_stmt *stmt = db_prepare(db, "INSERT INTO invoices (label, payment_hash, preimage,"
					" description, created_at, expires_at)"
					" VALUES (?, ?, ?, 'keysend', ?, ?)");

	if (!stmt)
		return false;
	sha256(&hash, preimage->r, 32);
	snprintf(label, sizeof(label), "keysend-%s", hex_encode(hex, hash.u8, 32));
	sqlite3_bind_text(stmt, 1, label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(stmt, 2, hash.u8, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(stmt, 3, preimage->r, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)now);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)now);
	if (!db_step_done(stmt))
		return false;
	*id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
	return true;
}
