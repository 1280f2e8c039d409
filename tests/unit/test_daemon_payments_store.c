/* daemon/htlcs/payments_store.c and daemon/htlcs/forwards_store.c against an
 * in-memory database with every migration: a part and a forward from
 * offer to outcome, withdrawn ones, what start-up rebuilds the HTLC
 * owners from (htlc_switch.h), and the rows listings read. */
#include "daemon/htlcs/forwards_store.h"
#include "daemon/htlcs/payments_store.h"

#include <string.h>

#include "daemon/htlcs/htlc_switch.h"
#include "db/db.h"
#include "tests/unit/test.h"

static struct db *memory_db(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));

	CHECK_MSG(db, "%s", err);
	return db;
}

static const uint8_t destination[PUBKEY_CMPR_LEN] = {0x02, 0x11, [32] = 0x33};

/* Part partid (of group partid + 7) of the payment hashed k, as HTLC
 * htlc_id on channel 5. */
static int64_t add_part(struct db *db, uint8_t k, uint64_t partid, uint64_t htlc_id)
{
	struct secret secrets[2];
	struct payments_part part = {
		.partid = partid,
		.groupid = partid + 7,
		.destination = destination,
		.amount_msat = 1000,
		.amount_sent_msat = 1010,
		.created_at = 77,
		.label = "lbl",
		.bolt11 = NULL,
		.channel = 5,
		.htlc_id = htlc_id,
		.secrets = secrets,
		.num_hops = 2,
		.route_json = "[{\"id\":\"02\",\"channel\":\"1x2x3\"},{\"id\":\"03\",\"channel\":\"4x5x6\"}]",
	};
	int64_t id = 0;

	memset(part.payment_hash.u8, k, 32);
	memset(&secrets[0], 0xa1, sizeof(secrets[0]));
	memset(&secrets[1], 0xb2, sizeof(secrets[1]));
	CHECK_MSG(payments_store_add_part(db, &part, &id), "%s", db_errmsg(db));
	return id;
}

/* What a payments_store_part fn saw. */
struct seen {
	int calls;
	char status[16];
	struct payment_row row;		/* texts not kept */
	char failreason[64];
	bool has_label, has_bolt11, has_route;
};

static void see(void *arg, const struct payment_row *row)
{
	struct seen *s = arg;

	s->calls++;
	snprintf(s->status, sizeof(s->status), "%s", row->status);
	s->row = *row;
	s->row.status = s->row.label = s->row.bolt11 = s->row.failreason = s->row.route_json = NULL;
	snprintf(s->failreason, sizeof(s->failreason), "%s", row->failreason ? row->failreason : "");
	s->has_label = row->label && strcmp(row->label, "lbl") == 0;
	s->has_bolt11 = row->bolt11 != NULL;
	s->has_route = row->route_json && strstr(row->route_json, "4x5x6");
}

static void test_part_from_offer_to_outcome(void)
{
	struct db *db = memory_db();
	struct secret secrets[ROUTE_MAX_HOPS];
	struct sha256 hash;
	struct preimage preimage;
	struct seen s = {0};
	size_t num = 0;
	int64_t done, failed, unread;

	if (!db)
		return;
	done = add_part(db, 1, 0, 10);
	memset(hash.u8, 1, 32);
	CHECK(payments_store_part(db, &hash, 0, see, &s) == 1);
	CHECK(s.calls == 1 && strcmp(s.status, "pending") == 0);
	CHECK(s.row.id == done && s.row.partid == 0 && s.row.amount_msat == 1000);
	CHECK(s.row.groupid == 7 && s.row.num_parts == 0);
	CHECK(s.row.amount_sent_msat == 1010 && s.row.created_at == 77);
	CHECK(s.row.has_destination && memcmp(s.row.destination, destination, 33) == 0);
	CHECK(s.has_label && !s.has_bolt11 && s.has_route);
	CHECK(!s.row.has_completed_at && !s.row.has_preimage && !s.row.has_erring_index);
	CHECK(payments_store_part(db, &hash, 1, see, &s) == 0 && s.calls == 1);

	/* Its secrets while pending; then complete. */
	CHECK(payments_store_pending_secrets(db, done, secrets, &num) == 1);
	CHECK(num == 2 && secrets[1].data[0] == 0xb2);
	memset(preimage.r, 0x5c, 32);
	CHECK(payments_store_complete(db, done, &preimage, 99));
	CHECK(payments_store_pending_secrets(db, done, secrets, &num) == 0);
	CHECK(payments_store_part(db, &hash, 0, see, &s) == 1);
	CHECK(strcmp(s.status, "complete") == 0 && s.row.has_preimage);
	CHECK(s.row.preimage.r[0] == 0x5c && s.row.has_completed_at && s.row.completed_at == 99);

	/* A failure read at hop 2, and one nobody could read. */
	failed = add_part(db, 2, 0, 11);
	unread = add_part(db, 3, 0, 12);
	CHECK(payments_store_failed(db, failed, 2, 0x100c, "fee_insufficient", 100));
	CHECK(payments_store_failed(db, unread, -1, 0, "unreadable error onion", 100));
	memset(hash.u8, 2, 32);
	CHECK(payments_store_part(db, &hash, 0, see, &s) == 1);
	CHECK(strcmp(s.status, "failed") == 0 && s.row.has_erring_index);
	CHECK(s.row.erring_index == 2 && s.row.failcode == 0x100c);
	CHECK_STREQ(s.failreason, "fee_insufficient");
	memset(hash.u8, 3, 32);
	CHECK(payments_store_part(db, &hash, 0, see, &s) == 1);
	CHECK(!s.row.has_erring_index && s.row.failcode == 0);
	CHECK_STREQ(s.failreason, "unreadable error onion");

	/* A failed part's attempt is replaced by the next; a pending or
	 * complete one is not. */
	CHECK(add_part(db, 2, 0, 13) > failed);
	CHECK(payments_store_part(db, &hash, 0, see, &s) == 1);
	memset(hash.u8, 2, 32);
	CHECK(payments_store_part(db, &hash, 0, see, &s) == 1 && strcmp(s.status, "pending") == 0);
	{
		struct payments_part again = {.partid = 0, .destination = destination,
					      .secrets = secrets, .num_hops = 1, .route_json = "[]"};
		int64_t id = 0;
		memset(again.payment_hash.u8, 1, 32);
		CHECK(!payments_store_add_part(db, &again, &id) && id == 0);
	}
	db_close(db);
}

struct counted {
	size_t num;
	char statuses[8][16];
};

static void count_row(void *arg, const struct payment_row *row)
{
	struct counted *c = arg;

	if (c->num < 8)
		snprintf(c->statuses[c->num], 16, "%s", row->status);
	c->num++;
}

static void test_list_filters(void)
{
	struct db *db = memory_db();
	struct counted all = {0}, pending = {0}, one = {0};
	struct preimage preimage = {{0}};
	struct sha256 hash;

	if (!db)
		return;
	add_part(db, 1, 0, 1);
	CHECK(payments_store_complete(db, add_part(db, 2, 0, 2), &preimage, 5));
	add_part(db, 2, 1, 3);
	CHECK(payments_store_list(db, NULL, NULL, NULL, count_row, &all));
	CHECK(all.num == 3);
	CHECK_STREQ(all.statuses[1], "complete");
	CHECK(payments_store_list(db, NULL, NULL, "pending", count_row, &pending));
	CHECK(pending.num == 2);
	memset(hash.u8, 2, 32);
	CHECK(payments_store_list(db, NULL, &hash, "complete", count_row, &one));
	CHECK(one.num == 1);
	db_close(db);
}

/* What start-up rebuilds the owners of our HTLCs from: the unresolved
 * parts and forwards, oldest first, with their withdrawal keys. */
struct rebuilt {
	struct switch_origins *origins;
	size_t num;
};

static void rebuild(void *arg, int64_t channel, uint64_t htlc_id, uint64_t key,
		    const struct switch_origin *origin)
{
	struct rebuilt *r = arg;

	switch_origins_add(r->origins, channel, htlc_id, key, origin);
	r->num++;
}

static void test_unresolved_rebuild_the_owners(void)
{
	struct db *db = memory_db();
	struct rebuilt r = {switch_origins_new(), 0};
	struct switch_origin got;
	struct preimage preimage = {{0}};
	int64_t part, marked, fwd, done_fwd, failed_fwd;

	if (!db) {
		switch_origins_free(r.origins);
		return;
	}
	part = add_part(db, 1, 4, 20);
	marked = add_part(db, 2, 0, 21);
	{
		struct switch_origin owner = {.is_forward = false, .id = marked};
		CHECK(forwards_store_mark_withdrawn(db, &owner, 777));
	}
	CHECK(payments_store_complete(db, add_part(db, 3, 0, 22), &preimage, 1));
	CHECK(forwards_store_offered(db, 8, 30, 2000, 5, 23, 1900, 50, &fwd));
	CHECK(forwards_store_offered(db, 8, 31, 2000, 5, 24, 1900, 50, &done_fwd));
	CHECK(forwards_store_offered(db, 8, 32, 2000, 5, 25, 1900, 50, &failed_fwd));
	CHECK(forwards_store_settled(db, done_fwd, &preimage, 60));
	CHECK(forwards_store_failed(db, failed_fwd, NULL, 0, 0x1007, 60));
	CHECK(forwards_store_local_failed(db, 8, 33, 2000, 0x400f, 61));

	CHECK(forwards_store_owners(db, rebuild, &r));
	CHECK(r.num == 3 && switch_origins_count(r.origins) == 3);
	CHECK(switch_origins_take(r.origins, 5, 20, 0, &got));
	CHECK(!got.is_forward && got.id == part && got.partid == 4 && got.payment_hash.u8[0] == 1);
	CHECK(!switch_origins_take(r.origins, 5, 21, 0, &got));
	CHECK(switch_origins_take(r.origins, 5, 21, 777, &got) && got.id == marked);
	CHECK(switch_origins_take(r.origins, 5, 23, 0, &got));
	CHECK(got.is_forward && got.id == fwd && got.in_channel == 8 && got.in_htlc_id == 30);
	CHECK(switch_origins_count(r.origins) == 0);
	switch_origins_free(r.origins);
	db_close(db);
}

static void test_forward_outcomes(void)
{
	struct db *db = memory_db();
	struct forward_outcome o;
	struct preimage preimage;
	const uint8_t reason[3] = {9, 8, 7};
	int64_t settled, failed, malformed;

	if (!db)
		return;
	memset(preimage.r, 0x77, 32);
	CHECK(forwards_store_by_incoming(db, 8, 30, &o) == 0);
	CHECK(forwards_store_offered(db, 8, 30, 2000, 5, 1, 1900, 50, &settled));
	CHECK(forwards_store_offered(db, 8, 31, 2000, 5, 2, 1900, 50, &failed));
	CHECK(forwards_store_offered(db, 8, 32, 2000, 5, 3, 1900, 50, &malformed));
	/* An incoming HTLC is forwarded once: (in_channel, in_htlc_id). */
	{
		int64_t again = 0;
		CHECK(!forwards_store_offered(db, 8, 30, 2000, 6, 9, 1900, 51, &again));
	}
	CHECK(forwards_store_by_incoming(db, 8, 30, &o) == 1);
	CHECK(!o.is_settled && !o.is_failed && !o.is_failed_back && o.out_channel == 5);
	forward_outcome_clear(&o);

	CHECK(forwards_store_settled(db, settled, &preimage, 60));
	CHECK(forwards_store_failed(db, failed, reason, sizeof(reason), 0, 60));
	CHECK(forwards_store_failed(db, malformed, NULL, 0, 0xc005, 60));
	/* Resolved once: a second outcome changes nothing. */
	CHECK(forwards_store_failed(db, settled, reason, sizeof(reason), 0x1007, 61));
	CHECK(forwards_store_by_incoming(db, 8, 30, &o) == 1);
	CHECK(o.is_settled && o.preimage.r[0] == 0x77 && !o.fail_reason);
	forward_outcome_clear(&o);
	CHECK(forwards_store_by_incoming(db, 8, 31, &o) == 1);
	CHECK(o.is_failed && o.fail_reason_len == 3 && memcmp(o.fail_reason, reason, 3) == 0);
	CHECK(o.in_channel == 8 && o.in_htlc_id == 31 && o.failcode == 0);
	forward_outcome_clear(&o);
	CHECK(forwards_store_by_incoming(db, 8, 32, &o) == 1);
	CHECK(o.is_failed && !o.fail_reason && o.failcode == 0xc005);
	forward_outcome_clear(&o);
	/* Failed back by us: kept once. */
	CHECK(forwards_store_local_failed(db, 8, 40, 2000, 0x400f, 70));
	CHECK(forwards_store_local_failed(db, 8, 40, 2000, 0x2002, 71));
	CHECK(forwards_store_by_incoming(db, 8, 40, &o) == 1);
	CHECK(o.is_failed_back && o.failcode == 0x400f);
	forward_outcome_clear(&o);
	db_close(db);
}

struct fwd_list {
	size_t num;
	struct forward_row rows[8];
	char statuses[8][16];
};

static void list_fwd(void *arg, const struct forward_row *row)
{
	struct fwd_list *l = arg;

	if (l->num < 8) {
		l->rows[l->num] = *row;
		snprintf(l->statuses[l->num], 16, "%s", row->status);
		l->rows[l->num].status = NULL;
	}
	l->num++;
}

static void test_forward_list(void)
{
	struct db *db = memory_db();
	struct fwd_list all = {0}, failed = {0};
	int64_t id;

	if (!db)
		return;
	CHECK(forwards_store_offered(db, 8, 30, 2000, 5, 1, 1900, 50, &id));
	CHECK(forwards_store_local_failed(db, 8, 31, 3000, 0x400f, 51));
	forwards_store_list(db, NULL, list_fwd, &all);
	CHECK(all.num == 2);
	CHECK_STREQ(all.statuses[0], "offered");
	CHECK(all.rows[0].has_out_channel && all.rows[0].out_channel == 5);
	CHECK(all.rows[0].has_out_msat && all.rows[0].out_msat == 1900);
	CHECK(!all.rows[0].has_resolved_time && all.rows[0].received_time == 50);
	CHECK(!all.rows[1].has_out_channel && !all.rows[1].has_out_htlc_id);
	CHECK(all.rows[1].has_resolved_time && all.rows[1].failcode == 0x400f);
	forwards_store_list(db, "local_failed", list_fwd, &failed);
	CHECK(failed.num == 1 && failed.rows[0].in_htlc_id == 31 && failed.rows[0].in_msat == 3000);
	db_close(db);
}

int main(void)
{
	RUN(test_part_from_offer_to_outcome);
	RUN(test_list_filters);
	RUN(test_unresolved_rebuild_the_owners);
	RUN(test_forward_outcomes);
	RUN(test_forward_list);
	return test_done();
}
