/* A channel as rows in the channels' store (daemon/channels/
 * channels_store.c, channel/state.h "Persistence as rows"), against a
 * database with ohm's real migrations: two engines run real exchanges
 * (tests/unit/channel_pair.h) while every step's rows go to the store, and
 * the channel rebuilt from what the store loads is the channel exactly;
 * a channel stored whole by an older ohm loads and is rewritten as rows;
 * damaged rows are named. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/channels/channels_store.h"
#include "db/db.h"
#include "tests/unit/test.h"
#include "tests/unit/channel_pair.h"

static const uint8_t peer_id[PUBKEY_CMPR_LEN] = {0x02, 0xaa};
static const uint8_t channel_id[32] = {0x22};

static struct db *open_db(const char *path, size_t migrations)
{
	char err[256] = "";
	struct db *db = db_open(path, ohm_migrations, migrations, err, sizeof(err));

	CHECK_MSG(db, "%s", err);
	return db;
}

/* What the daemon's row_save does with a step's changes: channel i is
 * row id i + 1. */
static void store_changes(struct pair *p, int i, const struct channel_changes *c)
{
	struct db *db = p->on_changes_arg;

	if (c->row)
		CHECK(channels_store_save(db, i + 1, peer_id, channel_id, c->row, c->row_len, NULL, 0));
	CHECK_MSG(channels_store_write_changes(db, i + 1, c), "%s", db_errmsg(db));
}

/* The stored row of channel id, loaded (NULL: a failed check). */
static struct channels_store_row *load_one(struct db *db, int64_t id,
					   struct channels_store_row **all, size_t *num)
{
	char err[256] = "";

	CHECK_MSG(channels_store_load(db, all, num, err, sizeof(err)), "%s", err);
	for (size_t k = 0; k < *num; k++)
		if ((*all)[k].id == id)
			return &(*all)[k];
	CHECK_MSG(false, "no row %lld", (long long)id);
	return NULL;
}

/* Channel i rebuilt from the store, as channels_load.c does; NULL with
 * *why if the rows do not make it. */
static struct channel *rebuild(struct pair *p, int i, struct db *db, bool *was_whole,
			       const char **why)
{
	struct channels_store_row *all = NULL, *row;
	size_t num = 0;
	struct channel *ch = NULL;
	const char *err = NULL;
	bool ok;

	row = load_one(db, i + 1, &all, &num);
	if (!row)
		goto out;
	*was_whole = row->is_whole;
	ch = channel_deserialize(p->ctx, row->snapshot, row->snapshot_len, &p->node[i].secrets,
				 &p->node[i].policy, &err);
	ok = ch != NULL;
	for (size_t k = 0; ok && !row->is_whole && k < row->num_htlcs; k++)
		ok = channel_restore_htlc(ch, row->htlcs[k].seq, row->htlcs[k].record,
					  row->htlcs[k].record_len, row->htlcs[k].onion, &err);
	if (ok && !row->is_whole && row->sigs)
		ok = channel_restore_sigs(ch, row->sigs_commit_num, row->sigs, row->sigs_len, &err);
	if (ok && !row->is_whole)
		ok = channel_restore_done(ch, &err);
	if (!ok) {
		channel_free(ch);
		ch = NULL;
		*why = err ? err : "?";
	}
out:
	channels_store_rows_free(all, num);
	return ch;
}

/* The same, which must work. */
static struct channel *from_store(struct pair *p, int i, struct db *db, bool *was_whole)
{
	const char *why = NULL;
	struct channel *ch = rebuild(p, i, db, was_whole, &why);

	CHECK_MSG(ch, "node %d from the store: %s", i, why ? why : "no row");
	return ch;
}

static bool same_channel(const struct channel *a, const struct channel *b)
{
	struct wirebuf *x = wirebuf_new(), *y = wirebuf_new();
	bool same;

	channel_serialize(x, a);
	channel_serialize(y, b);
	same = x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
	wirebuf_free(x);
	wirebuf_free(y);
	return same;
}

/* Both nodes rebuilt from the store equal the live channels. */
static void check_store(struct pair *p, struct db *db, const char *when)
{
	for (int i = 0; i < 2; i++) {
		bool whole = true;
		struct channel *ch = from_store(p, i, db, &whole);

		CHECK_MSG(ch && !whole && same_channel(ch, p->node[i].ch),
			  "%s: node %d from the store differs", when, i);
		channel_free(ch);
	}
}

static size_t count(struct db *db, const char *sql)
{
	sqlite3_stmt *stmt = db_prepare(db, sql);
	size_t n = 0;

	if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
		n = (size_t)sqlite3_column_int64(stmt, 0);
	if (stmt)
		sqlite3_reset(stmt);
	return n;
}

static void test_rows_follow_a_channel(void)
{
	struct db *db = open_db(":memory:", ohm_migrations_count);
	struct pair_options o;
	struct pair p;
	struct preimage pre;
	struct sha256 hash;
	uint8_t reason[300];
	uint64_t id;

	if (!db)
		return;
	pair_default_options(&o);
	pair_init(&p, &o);
	p.on_changes = store_changes;
	p.on_changes_arg = db;
	CHECK(pair_open(&p));
	check_store(&p, db, "open");
	/* Both ways, above and below dust: HTLC signatures and none. */
	for (uint64_t k = 1; k <= 6; k++)
		CHECK(pair_add_htlc_k(&p, (int)(k % 2), k % 3 ? 20000000 : 200000, k, &id));
	check_store(&p, db, "added, unsigned");
	CHECK(count(db, "SELECT count(*) FROM channel_onions") == 6);
	pair_settle(&p);
	check_store(&p, db, "committed");
	CHECK(count(db, "SELECT count(*) FROM channel_htlcs") == 12);
	/* Irrevocably added: only the onions of the HTLCs the peer
	 * offered are kept (to decode), one copy per node. */
	CHECK(count(db, "SELECT count(*) FROM channel_onions") == 6);
	CHECK(count(db, "SELECT count(*) FROM channel_sigs") == 2);
	/* Node 0's HTLC 1 (k 4) fulfilled, node 1's HTLC 0 (k 1) failed. */
	pair_preimage(&pre, &hash, 4);
	CHECK(PAIR_CALL(&p, 1, channel_fulfill_htlc, 1, &pre));
	memset(reason, 0x33, sizeof(reason));
	CHECK(PAIR_CALL(&p, 0, channel_fail_htlc, 0, reason, sizeof(reason)));
	check_store(&p, db, "removals sent");
	pair_settle(&p);
	check_store(&p, db, "removals committed");
	CHECK(count(db, "SELECT count(*) FROM channel_htlcs") == 8);
	CHECK(count(db, "SELECT count(*) FROM channel_onions") == 4);
	/* A restart, then more: the rebuilt channels go on writing rows
	 * that load back. */
	pair_disconnect(&p);
	pair_reload(&p, 0);
	pair_reload(&p, 1);
	pair_reconnect(&p);
	CHECK(pair_add_htlc_k(&p, 0, 30000000, 7, &id));
	pair_settle(&p);
	check_store(&p, db, "after a restart");
	/* A forgotten channel takes its rows along. */
	CHECK(channels_store_delete(db, 1));
	CHECK(count(db, "SELECT count(*) FROM channel_htlcs WHERE channel = 1") == 0);
	CHECK(count(db, "SELECT count(*) FROM channel_onions WHERE channel = 1") == 0);
	CHECK(count(db, "SELECT count(*) FROM channel_sigs WHERE channel = 1") == 0);
	pair_free(&p);
	db_close(db);
}

/* A database of an ohm before rows (schema 12): the whole channel in
 * snapshot.  After the migration it loads as it was, is written as rows,
 * and loads from those. */
static void test_whole_snapshot_migrates(void)
{
	char path[] = "/tmp/ohm-test-rows-XXXXXX";
	char file[64];
	int fd = mkstemp(path);
	struct db *db;
	struct pair_options o;
	struct pair p;
	struct wirebuf *whole = wirebuf_new();
	struct channel *ch;
	struct channel_changes c;
	sqlite3_stmt *stmt;
	bool was_whole = false;
	uint64_t id;

	CHECK(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(file, sizeof(file), "%s.sqlite3", path);
	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	for (uint64_t k = 1; k <= 4; k++)
		CHECK(pair_add_htlc_k(&p, 0, 20000000, k, &id));
	pair_settle(&p);
	CHECK(pair_add_htlc_k(&p, 0, 20000000, 5, &id));	/* unsigned */
	channel_serialize(whole, p.node[0].ch);

	db = open_db(file, 12);
	stmt = db ? db_prepare(db, "INSERT INTO channels (id, peer_id, channel_id, snapshot)"
			       " VALUES (1, ?, ?, ?)") : NULL;
	CHECK(stmt != NULL);
	if (stmt) {
		sqlite3_bind_blob(stmt, 1, peer_id, PUBKEY_CMPR_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(stmt, 2, channel_id, 32, SQLITE_STATIC);
		sqlite3_bind_blob(stmt, 3, whole->data, (int)whole->len, SQLITE_STATIC);
		CHECK(db_step_done(stmt));
	}
	db_close(db);

	db = open_db(file, ohm_migrations_count);
	ch = db ? from_store(&p, 0, db, &was_whole) : NULL;
	CHECK(ch && was_whole && same_channel(ch, p.node[0].ch));
	if (ch) {
		/* What channels_load has the next group commit write. */
		channel_set_snapshots(ch, false);
		channel_changes_take(ch, &c);
		CHECK(c.replace_all && c.row && c.num_htlcs == 5 && c.has_sigs);
		CHECK(channels_store_save(db, 1, peer_id, channel_id, c.row, c.row_len, NULL, 0));
		CHECK(channels_store_write_changes(db, 1, &c));
		channel_changes_free(&c);
		channel_free(ch);
		ch = from_store(&p, 0, db, &was_whole);
		CHECK(ch && !was_whole && same_channel(ch, p.node[0].ch));
		channel_free(ch);
	}
	db_close(db);
	wirebuf_free(whole);
	pair_free(&p);
	for (int k = 0; k < 3; k++) {
		static const char *const suffix[] = {"", "-wal", "-shm"};
		char name[96];

		snprintf(name, sizeof(name), "%s%s", file, suffix[k]);
		unlink(name);
	}
}

static void test_damaged_rows_are_named(void)
{
	struct db *db = open_db(":memory:", ohm_migrations_count);
	struct channels_store_row *rows = (void *)1;
	struct pair_options o;
	struct pair p;
	struct channel *ch;
	bool whole;
	size_t num = 99;
	char err[256] = "";
	const char *why = NULL;
	uint64_t id;

	if (!db)
		return;
	pair_default_options(&o);
	pair_init(&p, &o);
	p.on_changes = store_changes;
	p.on_changes_arg = db;
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 20000000, 1, &id));
	pair_settle(&p);
	p.on_changes = NULL;
	/* A record cut short: the engine says what is wrong. */
	CHECK(db_exec(db, "UPDATE channel_htlcs SET record = substr(record, 1, 20) WHERE channel = 1"));
	ch = rebuild(&p, 0, db, &whole, &why);
	CHECK(ch == NULL);
	CHECK_STREQ(why, "truncated HTLC record");
	/* The signatures of another commitment than the channel's latest,
	 * or none. */
	CHECK(db_exec(db, "UPDATE channel_sigs SET commit_num = commit_num + 5 WHERE channel = 2"));
	ch = rebuild(&p, 1, db, &whole, &why);
	CHECK(ch == NULL);
	CHECK_STREQ(why, "HTLC signatures of another commitment");
	CHECK(db_exec(db, "DELETE FROM channel_sigs WHERE channel = 2"));
	ch = rebuild(&p, 1, db, &whole, &why);
	CHECK(ch == NULL);
	CHECK_STREQ(why, "the HTLC signatures of our commitment are missing");
	/* An onion of the wrong length cannot be stored; a damaged load is
	 * named by channel. */
	CHECK(!db_exec(db, "INSERT INTO channel_onions (channel, onion) VALUES (1, x'00')"));
	CHECK(db_exec(db, "UPDATE channel_htlcs SET record = NULL WHERE channel = 1") == false);
	CHECK(db_exec(db, "PRAGMA ignore_check_constraints = ON;"
		      " UPDATE channel_onions SET onion = x'00' WHERE channel = 2"));
	CHECK(!channels_store_load(db, &rows, &num, err, sizeof(err)));
	CHECK(rows == NULL && num == 0);
	CHECK_MSG(strncmp(err, "the HTLCs of channel 2 in the database are damaged", 50) == 0, "%s", err);
	pair_free(&p);
	db_close(db);
}

/* A change that names a row the store lacks is refused, not skipped:
 * the daemon stops rather than lose the HTLC at its next start. */
static void test_change_of_a_missing_row_fails(void)
{
	struct db *db = open_db(":memory:", ohm_migrations_count);
	uint8_t record[8] = {1, 2, 3};
	struct channel_htlc_change h = {
		.offerer = CHANNEL_REMOTE, .id = 7, .seq = 3, .record = record,
		.record_len = sizeof(record),
	};
	struct channel_changes c = {.htlcs = &h, .num_htlcs = 1};

	if (!db)
		return;
	CHECK(channels_store_save(db, 1, peer_id, channel_id, (const uint8_t *)"row", 3, NULL, 0));
	CHECK(!channels_store_write_changes(db, 1, &c));
	h.is_delete = true;
	CHECK(!channels_store_write_changes(db, 1, &c));
	h.is_delete = false;
	h.is_new = true;
	CHECK(channels_store_write_changes(db, 1, &c));
	/* The same HTLC twice. */
	CHECK(!channels_store_write_changes(db, 1, &c));
	h.is_new = false;
	h.seq = 4;			/* another HTLC with that id */
	CHECK(!channels_store_write_changes(db, 1, &c));
	h.seq = 3;
	CHECK(channels_store_write_changes(db, 1, &c));
	db_close(db);
}

int main(void)
{
	RUN(test_rows_follow_a_channel);
	RUN(test_whole_snapshot_migrates);
	RUN(test_damaged_rows_are_named);
	RUN(test_change_of_a_missing_row_fails);
	return test_done();
}
