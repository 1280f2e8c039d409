/* The channel_gossip table's store functions
 * (daemon/channels/channels_gossip_store.c) against an in-memory database
 * with ohm's real migrations: no row reads as all defaults, what is saved
 * is what is loaded (unset values stay NULL), a save replaces. */
#include <string.h>

#include "daemon/channels/channels_gossip_store.h"
#include "db/db.h"
#include "tests/unit/test.h"

static struct db *open_db(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));

	CHECK_MSG(db, "%s", err);
	return db;
}

static void test_no_row_is_defaults(void)
{
	struct db *db = open_db();
	struct channels_gossip_row row;

	if (!db)
		return;
	memset(&row, 0xff, sizeof(row));
	CHECK(channels_gossip_store_load(db, 7, &row));
	CHECK(!row.has_fee_base && !row.has_fee_ppm && !row.has_htlc_min && !row.has_htlc_max);
	CHECK(row.update_timestamp == 0 && !row.update_disabled);
	db_close(db);
}

static void test_round_trip_and_replace(void)
{
	struct db *db = open_db();
	struct channels_gossip_row row = {0}, got;

	if (!db)
		return;
	row.has_fee_base = true;
	row.fee_base_msat = 4294967295u;
	row.has_htlc_max = true;
	row.htlc_maximum_msat = 16777215000ULL;
	row.update_timestamp = 4000000000u;
	row.update_disabled = true;
	CHECK(channels_gossip_store_save(db, 3, &row));
	CHECK(channels_gossip_store_load(db, 3, &got));
	CHECK(got.has_fee_base && got.fee_base_msat == 4294967295u);
	CHECK(!got.has_fee_ppm && !got.has_htlc_min);
	CHECK(got.has_htlc_max && got.htlc_maximum_msat == 16777215000ULL);
	CHECK(got.update_timestamp == 4000000000u && got.update_disabled);
	/* Another channel's row is its own. */
	CHECK(channels_gossip_store_load(db, 4, &got) && !got.has_fee_base);

	row.has_fee_ppm = true;
	row.fee_ppm = 12;
	row.update_timestamp = 4000000001u;
	row.update_disabled = false;
	CHECK(channels_gossip_store_save(db, 3, &row));
	CHECK(channels_gossip_store_load(db, 3, &got));
	CHECK(got.has_fee_ppm && got.fee_ppm == 12);
	CHECK(got.update_timestamp == 4000000001u && !got.update_disabled);
	db_close(db);
}

static void test_errors_when_the_table_is_gone(void)
{
	struct db *db = open_db();
	struct channels_gossip_row row = {0};

	if (!db)
		return;
	CHECK(db_exec(db, "DROP TABLE channel_gossip"));
	CHECK(!channels_gossip_store_save(db, 1, &row));
	CHECK(!channels_gossip_store_load(db, 1, &row));
	db_close(db);
}

int main(void)
{
	RUN(test_no_row_is_defaults);
	RUN(test_round_trip_and_replace);
	RUN(test_errors_when_the_table_is_gone);
	return test_done();
}
