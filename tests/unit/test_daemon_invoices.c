/* Invoice settlement (daemon/htlcs/invoices.c) without processes, on an
 * in-memory database: an HTLC's payment marks its invoice paid inside the
 * channel step's transaction, and waitinvoice / waitanyinvoice hear of it
 * only once that transaction commits (issue 12, item 7); a rollback
 * undoes it unheard.  Also the waits' and delinvoice's other endings. */
#include "daemon/htlcs/invoices.h"

#include <event2/event.h>
#include <string.h>

#include "crypto/hash.h"
#include "daemon/htlcs/htlcs.h"
#include "daemon/ohmd.h"
#include "db/db.h"
#include "tests/unit/test.h"

/* invoices.c links in the channels and, through them, the command table,
 * whose stop command calls ohmd.c (the program, not in the library).
 * Nothing here runs a command. */
void ohmd_shutdown(struct ohmd *ohmd)
{
	(void)ohmd;
	abort();
}

struct heard {
	int calls;
	int code;
	char label[32];
	uint64_t pay_index;
	char status[16];
};

static void record(void *arg, const struct invoice_row *row, int code, const char *err)
{
	struct heard *h = arg;

	h->calls++;
	h->code = err ? code : 0;
	if (row) {
		snprintf(h->label, sizeof(h->label), "%s", row->label);
		h->pay_index = row->pay_index;
		snprintf(h->status, sizeof(h->status), "%s", invoices_status(row));
	}
}

struct fixture {
	struct htlcs htlcs;
	struct invoices *inv;
};

static bool setup(struct fixture *f)
{
	char err[256] = "";

	memset(f, 0, sizeof(*f));
	f->htlcs.db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));
	CHECK_MSG(f->htlcs.db, "%s", err);
	f->htlcs.base = event_base_new();
	if (!f->htlcs.db || !f->htlcs.base)
		return false;
	f->inv = invoices_new(&f->htlcs);
	return true;
}

static void teardown(struct fixture *f)
{
	invoices_free(f->inv);
	db_close(f->htlcs.db);
	if (f->htlcs.base)
		event_base_free(f->htlcs.base);
}

/* An unpaid invoice paying sha256(k, k, ...), expiring at expires_at. */
static int64_t add(struct fixture *f, const char *label, uint8_t k, uint64_t expires_at)
{
	struct invoice_row row = {
		.label = (char *)label,
		.description = (char *)"test",
		.has_amount = true,
		.amount_msat = 1000,
		.created_at = 1,
		.expires_at = expires_at,
	};
	int64_t id = 0;

	memset(row.preimage.r, k, 32);
	sha256(&row.payment_hash, row.preimage.r, 32);
	CHECK(invoices_store_add(f->htlcs.db, &row, &id));
	return id;
}

#define FUTURE 4000000000ULL

static void hash_of(struct sha256 *hash, uint8_t k)
{
	uint8_t preimage[32];

	memset(preimage, k, 32);
	sha256(hash, preimage, 32);
}

static void test_waiters_hear_only_committed_payments(void)
{
	struct fixture f;
	struct heard any = {0}, one = {0}, late = {0};
	struct invoice_match match;
	struct sha256 hash;
	int64_t a, b;

	if (!setup(&f))
		return;
	a = add(&f, "a", 1, FUTURE);
	b = add(&f, "b", 2, FUTURE);
	invoices_wait_any(f.inv, 0, 0, record, &any);
	invoices_wait(f.inv, "a", record, &one);
	CHECK(any.calls == 0 && one.calls == 0);

	/* The channel step that fulfils the HTLC: paid in its transaction,
	 * heard at its commit. */
	hash_of(&hash, 1);
	CHECK(invoices_find(f.inv, &hash, &match) && match.id == a && !match.is_paid);
	CHECK(match.has_amount && match.amount_msat == 1000 && !match.is_expired);
	CHECK(db_begin(f.htlcs.db));
	CHECK(invoices_mark_paid_db(f.inv, &a, 1000, 1, NULL));
	CHECK_MSG(any.calls == 0 && one.calls == 0, "answered before the commit");
	/* A wait that arrives now must not read the uncommitted row. */
	invoices_wait_any(f.inv, 0, 0, record, &late);
	CHECK(late.calls == 0);
	CHECK(db_commit(f.htlcs.db));
	CHECK(any.calls == 1 && any.code == 0 && any.pay_index == 1);
	CHECK_STREQ(any.label, "a");
	CHECK(one.calls == 1 && one.code == 0);
	CHECK_STREQ(one.status, "paid");
	CHECK(late.calls == 1 && late.pay_index == 1);
	CHECK(invoices_find(f.inv, &hash, &match) && match.is_paid);

	/* Rolled back (the step could not be stored): never heard, unpaid. */
	memset(&any, 0, sizeof(any));
	invoices_wait_any(f.inv, 1, 0, record, &any);
	CHECK(db_begin(f.htlcs.db));
	CHECK(invoices_mark_paid_db(f.inv, &b, 1000, 1, NULL));
	CHECK(db_rollback(f.htlcs.db));
	CHECK(any.calls == 0);
	hash_of(&hash, 2);
	CHECK(invoices_find(f.inv, &hash, &match) && !match.is_paid);
	/* Paid again for real: pay_index 2, heard once. */
	CHECK(db_begin(f.htlcs.db));
	CHECK(invoices_mark_paid_db(f.inv, &b, 1500, 1, NULL));
	CHECK(db_commit(f.htlcs.db));
	CHECK(any.calls == 1 && any.pay_index == 2);
	CHECK_STREQ(any.label, "b");
	/* Shutting down ends a wait still open. */
	memset(&any, 0, sizeof(any));
	invoices_wait_any(f.inv, 2, 0, record, &any);
	invoices_free(f.inv);
	f.inv = NULL;
	CHECK(any.calls == 1 && any.code == INVOICE_ERR_STOPPING);
	teardown(&f);
}

/* A keysend has no invoice: one is made in the same transaction. */
static void test_keysend_settles_in_the_transaction(void)
{
	struct fixture f;
	struct heard any = {0};
	struct invoice_match match;
	struct sha256 hash;
	uint8_t preimage[32];
	int64_t id = 0;

	if (!setup(&f))
		return;
	memset(preimage, 0x33, 32);
	sha256(&hash, preimage, 32);
	CHECK(!invoices_find(f.inv, &hash, &match));
	invoices_wait_any(f.inv, 0, 0, record, &any);
	CHECK(db_begin(f.htlcs.db));
	CHECK(invoices_mark_paid_db(f.inv, &id, 777, 1, preimage));
	CHECK(id > 0 && any.calls == 0);
	CHECK(db_commit(f.htlcs.db));
	CHECK(any.calls == 1 && any.pay_index == 1 && strncmp(any.label, "keysend-", 8) == 0);
	CHECK(invoices_find(f.inv, &hash, &match) && match.is_paid && match.id == id);
	CHECK(memcmp(match.preimage.r, preimage, 32) == 0 && !match.has_secret);
	teardown(&f);
}

static void test_other_endings(void)
{
	struct fixture f;
	struct heard h = {0};
	struct invoice_match match;
	struct sha256 hash;

	if (!setup(&f))
		return;
	add(&f, "old", 5, 10);		/* expired long ago */
	add(&f, "new", 6, FUTURE);
	invoices_wait(f.inv, "missing", record, &h);
	CHECK(h.calls == 1 && h.code == INVOICE_NOT_FOUND);
	memset(&h, 0, sizeof(h));
	invoices_wait(f.inv, "old", record, &h);
	CHECK(h.calls == 1 && h.code == INVOICE_EXPIRED_DURING_WAIT);
	hash_of(&hash, 5);
	CHECK(invoices_find(f.inv, &hash, &match) && match.is_expired && !match.is_paid);

	memset(&h, 0, sizeof(h));
	invoices_delete(f.inv, "new", "paid", record, &h);
	CHECK(h.calls == 1 && h.code == INVOICE_STATUS_UNEXPECTED);
	memset(&h, 0, sizeof(h));
	invoices_delete(f.inv, "new", "unpaid", record, &h);
	CHECK(h.calls == 1 && h.code == 0);
	CHECK_STREQ(h.label, "new");
	memset(&h, 0, sizeof(h));
	invoices_delete(f.inv, "new", "unpaid", record, &h);
	CHECK(h.calls == 1 && h.code == INVOICE_NOT_FOUND);
	teardown(&f);
}

int main(void)
{
	RUN(test_waiters_hear_only_committed_payments);
	RUN(test_keysend_settles_in_the_transaction);
	RUN(test_other_endings);
	return test_done();
}
