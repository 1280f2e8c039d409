/* The channels table's store functions (daemon/channels/channels_store.c) against
 * an in-memory database with ohm's real migrations: what is saved is what
 * is loaded, field by field, and a damaged row is named. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel/params.h"
#include "daemon/channels/channels_store.h"
#include "daemon/channels/closed_store.h"
#include "db/db.h"
#include "tests/unit/test.h"

static struct db *open_db(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));

	CHECK_MSG(db, "%s", err);
	return db;
}

/* Loads every row, expecting exactly want of them. */
static struct channels_store_row *load(struct db *db, size_t want)
{
	struct channels_store_row *rows;
	size_t num = 99;
	char err[256] = "";

	CHECK_MSG(channels_store_load(db, &rows, &num, err, sizeof(err)), "%s", err);
	CHECK_MSG(num == want, "%zu rows, want %zu", num, want);
	if (num != want) {
		channels_store_rows_free(rows, num);
		return NULL;
	}
	return rows;
}

static const uint8_t peer_a[PUBKEY_CMPR_LEN] = {0x02, 0xaa, 0x01};
static const uint8_t peer_b[PUBKEY_CMPR_LEN] = {0x03, 0xbb, 0x02};
static const uint8_t temporary_id[32] = {0x11};
static const uint8_t channel_id[32] = {0x22};

static void test_save_inserts_then_updates(void)
{
	struct db *db = open_db();
	struct bitcoin_outpoint funding = {.vout = 3};
	struct channels_store_row *rows;

	if (!db)
		return;
	memset(funding.txid.shad.sha.u8, 0x44, 32);
	CHECK(channels_store_save(db, 1, peer_a, temporary_id, (const uint8_t *)"snap1", 5, NULL,
				  700));
	rows = load(db, 1);
	if (rows) {
		CHECK(rows[0].id == 1);
		CHECK_MEMEQ(rows[0].peer_id, peer_a, PUBKEY_CMPR_LEN);
		CHECK(rows[0].snapshot_len == 5 && memcmp(rows[0].snapshot, "snap1", 5) == 0);
		CHECK(!rows[0].chain.funding_confirmed && !rows[0].chain.is_spent);
		CHECK(!rows[0].last_tx && !rows[0].remote_update);
		CHECK(rows[0].opened_height == 700);
		channels_store_rows_free(rows, 1);
	}
	/* The update keeps peer_id and opened_height (only the insert
	 * writes them) and takes the funding outpoint. */
	CHECK(channels_store_save(db, 1, peer_b, channel_id, (const uint8_t *)"snapshot2", 9,
				  &funding, 800));
	rows = load(db, 1);
	if (rows) {
		CHECK_MEMEQ(rows[0].peer_id, peer_a, PUBKEY_CMPR_LEN);
		CHECK(rows[0].snapshot_len == 9 && memcmp(rows[0].snapshot, "snapshot2", 9) == 0);
		CHECK(rows[0].opened_height == 700);
		channels_store_rows_free(rows, 1);
	}
	db_close(db);
}

static void test_chain_last_tx_and_update_round_trip(void)
{
	struct db *db = open_db();
	struct channels_store_chain chain = {
		.funding_confirmed = true, .funding_height = 120, .funding_txindex = 7,
		.is_spent = true, .spend_height = 130,
	};
	struct channels_store_chain none = {0};
	struct channels_store_row *rows;

	if (!db)
		return;
	memset(chain.spend_txid.shad.sha.u8, 0x5c, 32);
	CHECK(channels_store_save(db, 4, peer_a, channel_id, (const uint8_t *)"s", 1, NULL, 0));
	CHECK(channels_store_set_chain(db, 4, &chain));
	CHECK(channels_store_set_last_tx(db, 4, (const uint8_t *)"\x02\x00\x00\x00", 4));
	CHECK(channels_store_set_remote_update(db, 4, (const uint8_t *)"\x01\x02\x03", 3));
	rows = load(db, 1);
	if (rows) {
		CHECK(rows[0].chain.funding_confirmed);
		CHECK(rows[0].chain.funding_height == 120 && rows[0].chain.funding_txindex == 7);
		CHECK(rows[0].chain.is_spent && rows[0].chain.spend_height == 130);
		CHECK_MEMEQ(rows[0].chain.spend_txid.shad.sha.u8, chain.spend_txid.shad.sha.u8, 32);
		CHECK(rows[0].last_tx_len == 4 && memcmp(rows[0].last_tx, "\x02\0\0\0", 4) == 0);
		CHECK(rows[0].remote_update_len == 3
		      && memcmp(rows[0].remote_update, "\x01\x02\x03", 3) == 0);
		CHECK(rows[0].opened_height == 0);
		channels_store_rows_free(rows, 1);
	}
	/* A reorganisation takes both back. */
	CHECK(channels_store_set_chain(db, 4, &none));
	rows = load(db, 1);
	if (rows) {
		CHECK(!rows[0].chain.funding_confirmed && !rows[0].chain.is_spent);
		channels_store_rows_free(rows, 1);
	}
	db_close(db);
}

static void test_load_orders_by_id_and_delete_removes(void)
{
	struct db *db = open_db();
	struct channels_store_row *rows;

	if (!db)
		return;
	CHECK(channels_store_save(db, 9, peer_b, channel_id, (const uint8_t *)"nine", 4, NULL, 0));
	CHECK(channels_store_save(db, 2, peer_a, temporary_id, (const uint8_t *)"two", 3, NULL, 0));
	rows = load(db, 2);
	if (rows) {
		CHECK(rows[0].id == 2 && rows[1].id == 9);
		channels_store_rows_free(rows, 2);
	}
	CHECK(channels_store_delete(db, 2));
	rows = load(db, 1);
	if (rows) {
		CHECK(rows[0].id == 9);
		channels_store_rows_free(rows, 1);
	}
	CHECK(channels_store_delete(db, 9));
	rows = load(db, 0);
	channels_store_rows_free(rows, 0);
	db_close(db);
}

static void test_damaged_row_is_named(void)
{
	struct db *db = open_db();
	struct channels_store_row *rows = (void *)1;
	size_t num = 99;
	char err[256] = "";

	if (!db)
		return;
	CHECK(channels_store_save(db, 1, peer_a, channel_id, (const uint8_t *)"ok", 2, NULL, 0));
	/* An empty snapshot: nothing to restore the engine from. */
	CHECK(db_exec(db, "INSERT INTO channels (id, peer_id, channel_id, snapshot) VALUES"
		      " (5, zeroblob(33), zeroblob(32), x'')"));
	CHECK(!channels_store_load(db, &rows, &num, err, sizeof(err)));
	CHECK(rows == NULL && num == 0);
	CHECK_STREQ(err, "channel 5 in the database is damaged");
	db_close(db);
}

static void test_next_index_never_repeats(void)
{
	struct db *db = open_db();
	int64_t a = 0, b = 0, c = 0;

	if (!db)
		return;
	CHECK(channels_store_next_index(db, &a));
	CHECK(channels_store_next_index(db, &b));
	CHECK(channels_store_save(db, b, peer_a, channel_id, (const uint8_t *)"x", 1, NULL, 0));
	CHECK(channels_store_delete(db, b));
	CHECK(channels_store_next_index(db, &c));
	CHECK(a == 1 && b == 2 && c == 3);
	db_close(db);
}

static void test_errors_when_the_table_is_gone(void)
{
	struct db *db = open_db();
	struct channels_store_row *rows;
	struct channels_store_chain chain = {0};
	size_t num;
	char err[256] = "";

	if (!db)
		return;
	CHECK(db_exec(db, "PRAGMA foreign_keys = OFF; DROP TABLE channels"));
	CHECK(!channels_store_save(db, 1, peer_a, channel_id, (const uint8_t *)"x", 1, NULL, 0));
	CHECK(!channels_store_delete(db, 1));
	CHECK(!channels_store_set_chain(db, 1, &chain));
	CHECK(!channels_store_set_last_tx(db, 1, (const uint8_t *)"x", 1));
	CHECK(!channels_store_set_remote_update(db, 1, (const uint8_t *)"x", 1));
	CHECK(!channels_store_load(db, &rows, &num, err, sizeof(err)));
	CHECK_MSG(strncmp(err, "cannot read channels: ", 22) == 0, "%s", err);
	db_close(db);
}

/* The HTLCs a channel carried: each noted once (again is a no-op), read
 * back by channel, gone with the channel's row. */
static void test_htlcs_seen_kept_per_channel(void)
{
	struct db *db = open_db();
	struct channel_htlc h = {.id = 4, .offerer = CHANNEL_REMOTE, .amount_msat = 5000000,
				 .cltv_expiry = 700};
	struct channel_htlc *out;
	size_t num;

	if (!db)
		return;
	memset(h.payment_hash.u8, 0x5a, 32);
	CHECK(channels_store_note_htlc(db, 1, &h));
	CHECK(channels_store_note_htlc(db, 1, &h));
	h.offerer = CHANNEL_LOCAL;
	CHECK(channels_store_note_htlc(db, 1, &h));
	CHECK(channels_store_note_htlc(db, 2, &h));
	CHECK(channels_store_htlcs_seen(db, 1, &out, &num));
	CHECK(num == 2);
	if (num == 2) {
		CHECK(out[0].offerer == CHANNEL_LOCAL && out[1].offerer == CHANNEL_REMOTE);
		CHECK(out[1].id == 4 && out[1].amount_msat == 5000000 && out[1].cltv_expiry == 700
		      && out[1].payment_hash.u8[31] == 0x5a);
	}
	free(out);
	CHECK(channels_store_delete(db, 1));
	CHECK(channels_store_htlcs_seen(db, 1, &out, &num) && num == 0);
	free(out);
	CHECK(channels_store_htlcs_seen(db, 2, &out, &num) && num == 1);
	free(out);
	db_close(db);
}

/* Migration 20 rebuilds channel_htlcs_seen WITHOUT ROWID and keeps its
 * rows. */
static void test_htlcs_seen_survive_migration_20(void)
{
	char file[] = "/tmp/ohm-test-seen-XXXXXX", err[256] = "", name[64];
	struct channel_htlc h = {.id = 9, .offerer = CHANNEL_REMOTE, .amount_msat = 7000,
				 .cltv_expiry = 800};
	struct channel_htlc *out = NULL;
	sqlite3_stmt *stmt;
	size_t num = 0;
	int fd = mkstemp(file);
	struct db *db;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	unlink(file);
	memset(h.payment_hash.u8, 0x77, 32);
	db = db_open(file, ohm_migrations, 19, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	CHECK(db && channels_store_note_htlc(db, 3, &h));
	db_close(db);
	db = db_open(file, ohm_migrations, ohm_migrations_count, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (db) {
		CHECK(channels_store_htlcs_seen(db, 3, &out, &num) && num == 1);
		CHECK(num == 1 && out[0].id == 9 && out[0].offerer == CHANNEL_REMOTE
		      && out[0].amount_msat == 7000 && out[0].cltv_expiry == 800
		      && out[0].payment_hash.u8[0] == 0x77);
		free(out);
		/* The same HTLC again changes nothing (INSERT OR IGNORE). */
		CHECK(channels_store_note_htlc(db, 3, &h));
		CHECK(channels_store_htlcs_seen(db, 3, &out, &num) && num == 1);
		free(out);
		stmt = db_prepare(db, "SELECT sql FROM sqlite_master WHERE name = 'channel_htlcs_seen'");
		CHECK(stmt && sqlite3_step(stmt) == SQLITE_ROW
		      && strstr((const char *)sqlite3_column_text(stmt, 0), "WITHOUT ROWID"));
		if (stmt)
			sqlite3_reset(stmt);
		db_close(db);
	}
	for (int k = 0; k < 3; k++) {
		static const char *const suffix[] = {"", "-wal", "-shm"};

		snprintf(name, sizeof(name), "%s%s", file, suffix[k]);
		unlink(name);
	}
}

static void test_bump_round_trip_and_goes_with_the_channel(void)
{
	struct db *db = open_db();
	struct channels_store_bump bump = {
		.child_fee_sat = 5891, .child_weight = 700, .package_perkw = 4000,
		.broadcast_height = 812,
	}, got;

	if (!db)
		return;
	memset(bump.commitment_txid.shad.sha.u8, 0x31, 32);
	memset(bump.child_txid.shad.sha.u8, 0x32, 32);
	CHECK(channels_store_save(db, 1, peer_a, channel_id, (const uint8_t *)"s", 1, NULL, 700));
	CHECK(channels_store_bump(db, 1, &got) == 0);
	CHECK(channels_store_set_bump(db, 1, &bump));
	memset(&got, 0, sizeof(got));
	CHECK(channels_store_bump(db, 1, &got) == 1);
	CHECK(memcmp(&got, &bump, sizeof(got)) == 0);
	/* A replacement overwrites it. */
	bump.child_fee_sat = 7400;
	bump.child_txid.shad.sha.u8[0] = 0x33;
	bump.package_perkw = 5000;
	bump.broadcast_height = 814;
	CHECK(channels_store_set_bump(db, 1, &bump));
	CHECK(channels_store_bump(db, 1, &got) == 1 && memcmp(&got, &bump, sizeof(got)) == 0);
	CHECK(channels_store_delete_bump(db, 1));
	CHECK(channels_store_bump(db, 1, &got) == 0);
	/* A bump for no channel is refused; one goes with its channel. */
	CHECK(!channels_store_set_bump(db, 2, &bump));
	CHECK(channels_store_set_bump(db, 1, &bump));
	CHECK(channels_store_delete(db, 1));
	CHECK(channels_store_bump(db, 1, &got) == 0);
	db_close(db);
}

/* closed_store.h: a closed channel round trips field by field (NULLs
 * too), listed in the order they closed, filtered by peer; the cause of
 * a live channel's close is loaded with its row. */
struct closed_list {
	struct closed_channel got[4];
	size_t num;
};

static void collect(void *arg, const struct closed_channel *c)
{
	struct closed_list *list = arg;

	if (list->num < 4)
		list->got[list->num] = *c;
	list->num++;
}

static void test_closed_round_trip_and_filter(void)
{
	struct db *db = open_db();
	struct closed_channel a, b;
	struct closed_list list = {0};
	struct channels_store_row *rows;

	if (!db)
		return;
	memset(&a, 0, sizeof(a));
	a.id = 7;
	memcpy(a.peer_id, peer_a, PUBKEY_CMPR_LEN);
	memcpy(a.channel_id, channel_id, 32);
	a.has_scid = true;
	a.scid = 0x0000650000020001ULL;
	a.is_opener = true;
	a.has_closer = true;
	a.is_closer = false;
	a.option_anchors = true;
	a.local_commitments = 12;
	a.remote_commitments = 13;
	a.htlcs_sent = 4;
	memset(a.funding.txid.shad.sha.u8, 0x44, 32);
	a.funding.vout = 1;
	a.funding_sat = 500000;
	a.final_to_us_msat = 399999123;
	memset(a.close_txid.shad.sha.u8, 0x55, 32);
	a.close_fee_sat = 1234;
	a.close_height = 900;
	strcpy(a.close_type, "remote");
	strcpy(a.close_cause, "onchain");
	a.has_to_wallet = true;
	a.to_wallet_sat = -321;
	/* b: no scid, no closer, nothing known of the wallet; closed first. */
	b = a;
	b.id = 3;
	memcpy(b.peer_id, peer_b, PUBKEY_CMPR_LEN);
	b.has_scid = b.has_closer = b.has_to_wallet = false;
	b.scid = 0;
	b.is_closer = false;
	b.to_wallet_sat = 0;
	b.is_opener = false;
	b.is_private = true;
	b.close_height = 800;
	memset(b.close_cause, 0, sizeof(b.close_cause));
	strcpy(b.close_type, "mutual");
	strcpy(b.close_cause, "user");
	CHECK(closed_store_add(db, &a));
	CHECK(closed_store_add(db, &b));
	CHECK(closed_store_list(db, NULL, collect, &list));
	CHECK(list.num == 2);
	CHECK(memcmp(&list.got[0], &b, sizeof(b)) == 0);
	CHECK(memcmp(&list.got[1], &a, sizeof(a)) == 0);
	list.num = 0;
	CHECK(closed_store_list(db, peer_a, collect, &list));
	CHECK(list.num == 1 && list.got[0].id == 7);
	list.num = 0;
	{
		/* A peer with no closed channel. */
		static const uint8_t stranger[PUBKEY_CMPR_LEN] = {0x02, 0xcc};
		CHECK(closed_store_list(db, stranger, collect, &list));
		CHECK(list.num == 0);
	}

	CHECK(channels_store_save(db, 1, peer_a, channel_id, (const uint8_t *)"s", 1, NULL, 0));
	rows = load(db, 1);
	if (rows) {
		CHECK(rows[0].close_cause[0] == '\0');
		channels_store_rows_free(rows, 1);
	}
	CHECK(closed_store_set_cause(db, 1, "protocol"));
	rows = load(db, 1);
	if (rows) {
		CHECK(strcmp(rows[0].close_cause, "protocol") == 0);
		channels_store_rows_free(rows, 1);
	}
	db_close(db);
}

int main(void)
{
	RUN(test_save_inserts_then_updates);
	RUN(test_bump_round_trip_and_goes_with_the_channel);
	RUN(test_chain_last_tx_and_update_round_trip);
	RUN(test_load_orders_by_id_and_delete_removes);
	RUN(test_damaged_row_is_named);
	RUN(test_next_index_never_repeats);
	RUN(test_errors_when_the_table_is_gone);
	RUN(test_htlcs_seen_kept_per_channel);
	RUN(test_htlcs_seen_survive_migration_20);
	RUN(test_closed_round_trip_and_filter);
	return test_done();
}
