/* daemon/htlcs/invoices_store.c against an in-memory database with every
 * migration: invoices stored and found, and their settlement (paid once,
 * in pay_index order, only if the transaction commits; keysend rows). */
#include "daemon/htlcs/invoices_store.h"

#include <string.h>

#include "common/hex.h"
#include "crypto/hash.h"
#include "db/db.h"
#include "tests/unit/test.h"

static struct db *memory_db(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));

	CHECK_MSG(db, "%s", err);
	return db;
}

/* An unpaid invoice paying sha256(preimage = k, k, ...). */
static int64_t add(struct db *db, const char *label, uint8_t k, bool has_amount, uint64_t now)
{
	struct invoice_row row = {
		.label = (char *)label,
		.description = (char *)"a test",
		.bolt11 = (char *)"lnbcrt1test",
		.has_secret = true,
		.has_amount = has_amount,
		.amount_msat = 5000,
		.created_at = now,
		.expires_at = now + 3600,
	};
	int64_t id = 0;

	memset(row.preimage.r, k, 32);
	memset(row.payment_secret.data, k ^ 0xff, 32);
	sha256(&row.payment_hash, row.preimage.r, 32);
	CHECK_MSG(invoices_store_add(db, &row, &id), "%s", db_errmsg(db));
	return id;
}

static void hash_of(struct sha256 *hash, uint8_t k)
{
	uint8_t preimage[32];

	memset(preimage, k, 32);
	sha256(hash, preimage, 32);
}

static void test_add_find_list_delete(void)
{
	struct db *db = memory_db();
	struct invoice_row row;
	struct sha256 hash;
	int64_t id, other, dup;

	if (!db)
		return;
	id = add(db, "first", 1, true, 1000);
	other = add(db, "second", 2, false, 1000);
	CHECK(id > 0 && other > id);
	CHECK(invoices_store_by_label(db, "first", &row) == 1);
	CHECK(row.id == id);
	CHECK_STREQ(row.label, "first");
	CHECK_STREQ(row.description, "a test");
	CHECK_STREQ(row.bolt11, "lnbcrt1test");
	CHECK(row.has_amount && row.amount_msat == 5000);
	CHECK(row.has_secret && row.payment_secret.data[0] == (1 ^ 0xff));
	CHECK(row.preimage.r[31] == 1 && !row.is_paid);
	CHECK(row.created_at == 1000 && row.expires_at == 4600);
	invoice_row_clear(&row);
	hash_of(&hash, 2);
	CHECK(invoices_store_by_hash(db, &hash, &row) == 1);
	CHECK(row.id == other && !row.has_amount);
	invoice_row_clear(&row);
	CHECK(invoices_store_by_label(db, "missing", &row) == 0);
	/* A label or a payment_hash is taken once. */
	dup = 0;
	{
		struct invoice_row again = {.label = (char *)"first", .description = (char *)"x"};
		hash_of(&again.payment_hash, 3);
		CHECK(!invoices_store_add(db, &again, &dup));
	}
	CHECK(dup == 0);
	CHECK(invoices_store_delete(db, "first"));
	CHECK(invoices_store_by_label(db, "first", &row) == 0);
	db_close(db);
}

struct listed {
	char labels[4][16];
	size_t num;
};

static void list_one(void *arg, const struct invoice_row *row)
{
	struct listed *l = arg;

	if (l->num < 4)
		snprintf(l->labels[l->num++], sizeof(l->labels[0]), "%s", row->label);
}

static void test_list_filters(void)
{
	struct db *db = memory_db();
	struct listed all = {0}, one = {0}, by_hash = {0};
	struct sha256 hash;

	if (!db)
		return;
	add(db, "a", 1, true, 1000);
	add(db, "b", 2, true, 1000);
	add(db, "c", 3, true, 1000);
	CHECK(invoices_store_list(db, NULL, NULL, NULL, list_one, &all));
	CHECK(all.num == 3);
	CHECK_STREQ(all.labels[0], "a");
	CHECK_STREQ(all.labels[2], "c");
	CHECK(invoices_store_list(db, "b", NULL, NULL, list_one, &one));
	CHECK(one.num == 1);
	CHECK_STREQ(one.labels[0], "b");
	hash_of(&hash, 3);
	CHECK(invoices_store_list(db, NULL, "lnbcrt1test", &hash, list_one, &by_hash));
	CHECK(by_hash.num == 1);
	CHECK_STREQ(by_hash.labels[0], "c");
	db_close(db);
}

/* Settlement: the terms an HTLC is checked against, paid once with the
 * next pay_index, in the order waitanyinvoice reports. */
static void test_settlement(void)
{
	struct db *db = memory_db();
	struct invoice_terms terms;
	struct invoice_row row;
	struct sha256 hash;
	int64_t a, b;

	if (!db)
		return;
	a = add(db, "a", 1, true, 1000);
	b = add(db, "b", 2, false, 1000);
	hash_of(&hash, 1);
	CHECK(invoices_store_terms(db, &hash, &terms) == 1);
	CHECK(terms.id == a && terms.has_amount && terms.amount_msat == 5000);
	CHECK(terms.has_secret && !terms.is_paid && terms.expires_at == 4600);
	CHECK(terms.preimage.r[0] == 1);
	hash_of(&hash, 9);
	CHECK(invoices_store_terms(db, &hash, &terms) == 0);
	CHECK(invoices_store_paid_after(db, 0, &row) == 0);

	/* b first: pay_index 1 (by a multi-part payment of 3 HTLCs). */
	CHECK(invoices_store_by_label(db, "b", &row) == 1 && row.paid_parts == 0);
	invoice_row_clear(&row);
	CHECK(invoices_store_mark_paid(db, b, 7000, 3, 2000));
	CHECK(invoices_store_mark_paid(db, a, 5000, 1, 2001));
	/* Paying a paid invoice again changes nothing. */
	CHECK(invoices_store_mark_paid(db, b, 9999, 1, 3000));
	CHECK(invoices_store_by_label(db, "b", &row) == 1);
	CHECK(row.is_paid && row.pay_index == 1 && row.amount_received_msat == 7000);
	CHECK(row.paid_at == 2000 && row.paid_parts == 3);
	invoice_row_clear(&row);
	hash_of(&hash, 1);
	CHECK(invoices_store_terms(db, &hash, &terms) == 1 && terms.is_paid);
	CHECK(invoices_store_paid_after(db, 0, &row) == 1);
	CHECK_STREQ(row.label, "b");
	invoice_row_clear(&row);
	CHECK(invoices_store_paid_after(db, 1, &row) == 1);
	CHECK(row.pay_index == 2);
	CHECK_STREQ(row.label, "a");
	invoice_row_clear(&row);
	CHECK(invoices_store_paid_after(db, 2, &row) == 0);
	db_close(db);
}

/* A payment marked in a transaction that rolls back was never made: the
 * invoice is unpaid, and the next payment takes pay_index 1. */
static void test_settlement_is_undone_by_a_rollback(void)
{
	struct db *db = memory_db();
	struct invoice_row row;
	int64_t a, b;

	if (!db)
		return;
	a = add(db, "a", 1, true, 1000);
	b = add(db, "b", 2, true, 1000);
	CHECK(db_begin(db));
	CHECK(invoices_store_mark_paid(db, a, 5000, 1, 2000));
	CHECK(db_rollback(db));
	CHECK(invoices_store_by_label(db, "a", &row) == 1 && !row.is_paid);
	invoice_row_clear(&row);
	CHECK(db_begin(db));
	CHECK(invoices_store_mark_paid(db, b, 5000, 1, 2000));
	CHECK(db_commit(db));
	CHECK(invoices_store_paid_after(db, 0, &row) == 1 && row.pay_index == 1);
	CHECK_STREQ(row.label, "b");
	invoice_row_clear(&row);
	db_close(db);
}

/* A keysend has no invoice: it gets one, labelled by its hash, without a
 * bolt11 or a payment_secret, paid like any other. */
static void test_keysend_row(void)
{
	struct db *db = memory_db();
	struct preimage preimage;
	struct invoice_row row;
	struct sha256 hash;
	int64_t id = 0;
	char label[80], hex[65];

	if (!db)
		return;
	memset(preimage.r, 0x42, 32);
	sha256(&hash, preimage.r, 32);
	CHECK(invoices_store_add_keysend(db, &preimage, 5000, &id));
	CHECK(invoices_store_mark_paid(db, id, 123, 1, 5000));
	snprintf(label, sizeof(label), "keysend-%s", hex_encode(hex, hash.u8, 32));
	CHECK(invoices_store_by_label(db, label, &row) == 1);
	CHECK(row.id == id && row.is_paid && row.pay_index == 1);
	CHECK(row.amount_received_msat == 123);
	CHECK(!row.bolt11 && !row.has_secret && !row.has_amount);
	CHECK_STREQ(row.description, "keysend");
	CHECK(memcmp(row.preimage.r, preimage.r, 32) == 0);
	invoice_row_clear(&row);
	/* The same keysend again: its hash is taken. */
	CHECK(!invoices_store_add_keysend(db, &preimage, 5001, &id));
	db_close(db);
}

int main(void)
{
	RUN(test_add_find_list_delete);
	RUN(test_list_filters);
	RUN(test_settlement);
	RUN(test_settlement_is_undone_by_a_rollback);
	RUN(test_keysend_row);
	return test_done();
}
