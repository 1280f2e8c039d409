/* Tests for db/: opening and migrating, the PRAGMAs durability rests on,
 * the statement cache, transactions and vars.  Every database lives in one
 * mkdtemp directory under /tmp, removed at the end. */
#include "db/db.h"
#include "tests/unit/test.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static char test_dir[] = "/tmp/ohm-test-db-XXXXXX";

static void make_path(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", test_dir, name);
}

static void remove_test_dir(void)
{
	DIR *dir = opendir(test_dir);
	if (!dir)
		return;
	struct dirent *entry;
	char path[512];
	while ((entry = readdir(dir)) != NULL) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		make_path(path, sizeof(path), entry->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(test_dir);
}

/* The first column of a one-row query, or -1 if it fails. */
static int64_t query_int(struct db *db, const char *sql)
{
	sqlite3_stmt *stmt = db_prepare(db, sql);
	if (!stmt || sqlite3_step(stmt) != SQLITE_ROW)
		return -1;
	int64_t value = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return value;
}

static bool has_table(struct db *db, const char *name)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT 1 FROM sqlite_master "
					"WHERE type = 'table' AND name = ?1");
	if (!stmt || sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC))
		return false;
	bool found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_reset(stmt);
	return found;
}

static const struct db_migration counted[] = {
	{"CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1)"},
	{"CREATE TABLE b (x INTEGER)"},
	{"CREATE TABLE c (x INTEGER); INSERT INTO a VALUES (3)"},
};

static void test_fresh_open_applies_all_migrations(void)
{
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "fresh.db");

	struct db *db = db_open(path, ohm_migrations, ohm_migrations_count,
				err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(db_schema_version(db) == (int)ohm_migrations_count);
	CHECK(ohm_migrations_count >= 2);
	CHECK(has_table(db, "vars"));
	CHECK(has_table(db, "peers"));
	CHECK(query_int(db, "PRAGMA user_version")
	      == (int64_t)ohm_migrations_count);
	db_close(db);
}

static void test_reopen_applies_nothing_new(void)
{
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "reopen.db");

	for (int i = 0; i < 3; i++) {
		struct db *db = db_open(path, counted, 2, err, sizeof(err));
		CHECK_MSG(db, "%s", err);
		if (!db)
			return;
		CHECK(db_schema_version(db) == 2);
		/* Migration 1's INSERT ran once, however often we open. */
		CHECK(query_int(db, "SELECT count(*) FROM a") == 1);
		db_close(db);
	}
}

static void test_appended_migration_upgrades_existing_db(void)
{
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "upgrade.db");

	struct db *db = db_open(path, counted, 2, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(!has_table(db, "c"));
	db_close(db);

	db = db_open(path, counted, 3, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(db_schema_version(db) == 3);
	CHECK(has_table(db, "c"));
	CHECK(query_int(db, "SELECT count(*) FROM a") == 2);
	CHECK(query_int(db, "SELECT sum(x) FROM a") == 4);
	db_close(db);
}

static void test_failing_migration_rolls_back_everything(void)
{
	static const struct db_migration failing[] = {
		{"CREATE TABLE a (x INTEGER)"},
		{"CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1)"},
		{"CREATE TABLE c (x INTEGER)"},
		{"CREATE TABLE d (x INTEGER); THIS IS NOT SQL"},
	};
	char path[256], err[512] = "";
	make_path(path, sizeof(path), "failing.db");

	struct db *db = db_open(path, failing, 1, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	db_close(db);

	db = db_open(path, failing, 4, err, sizeof(err));
	CHECK(!db);
	db_close(db);
	CHECK_MSG(strstr(err, path), "%s", err);
	CHECK_MSG(strstr(err, "migration 4 of 4 failed"), "%s", err);
	CHECK_MSG(strstr(err, "syntax error"), "%s", err);

	db = db_open(path, failing, 1, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(db_schema_version(db) == 1);
	CHECK(query_int(db, "PRAGMA user_version") == 1);
	CHECK(!has_table(db, "b"));
	CHECK(!has_table(db, "c"));
	CHECK(!has_table(db, "d"));
	CHECK(query_int(db, "SELECT count(*) FROM a") == 0);
	db_close(db);

	/* On a fresh file too: nothing at all is left behind. */
	make_path(path, sizeof(path), "failing-fresh.db");
	CHECK(!db_open(path, failing, 4, err, sizeof(err)));
	db = db_open(path, NULL, 0, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(query_int(db, "PRAGMA user_version") == 0);
	CHECK(query_int(db, "SELECT count(*) FROM sqlite_master") == 0);
	db_close(db);
}

static void test_migration_may_not_commit(void)
{
	static const struct db_migration committing[] = {
		{"CREATE TABLE a (x INTEGER); COMMIT"},
	};
	char path[256], err[512] = "";
	make_path(path, sizeof(path), "committing.db");

	CHECK(!db_open(path, committing, 1, err, sizeof(err)));
	CHECK_MSG(strstr(err, "migration 1 ended the transaction"), "%s", err);
}

static void test_newer_version_is_refused(void)
{
	char path[256], err[512] = "";
	make_path(path, sizeof(path), "newer.db");

	struct db *db = db_open(path, counted, 3, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	db_close(db);

	CHECK(!db_open(path, counted, 2, err, sizeof(err)));
	CHECK_MSG(strstr(err, path), "%s", err);
	CHECK_MSG(strstr(err, "written by a newer version of ohm"), "%s", err);
	CHECK_MSG(strstr(err, "schema version 3"), "%s", err);
	CHECK_MSG(strstr(err, "up to 2"), "%s", err);

	/* Refusing changed nothing: the newer ohm still opens it. */
	db = db_open(path, counted, 3, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (db)
		CHECK(query_int(db, "SELECT count(*) FROM a") == 2);
	db_close(db);
}

static void test_other_sqlite_database_is_refused(void)
{
	char path[256], err[512] = "";
	make_path(path, sizeof(path), "other-app.db");

	sqlite3 *conn;
	CHECK(sqlite3_open(path, &conn) == SQLITE_OK);
	CHECK(sqlite3_exec(conn, "CREATE TABLE theirs (x); "
			   "PRAGMA user_version = 7", NULL, NULL, NULL)
	      == SQLITE_OK);
	CHECK(sqlite3_close(conn) == SQLITE_OK);

	CHECK(!db_open(path, ohm_migrations, ohm_migrations_count, err,
		       sizeof(err)));
	CHECK_MSG(strstr(err, "not an ohm database"), "%s", err);
	CHECK_MSG(strstr(err, path), "%s", err);
}

static void test_pragmas_are_set(void)
{
	static const struct db_migration family[] = {
		{"CREATE TABLE parent (id INTEGER PRIMARY KEY);"
		 "CREATE TABLE child ("
		 "  parent_id INTEGER REFERENCES parent (id))"},
	};
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "pragmas.db");

	struct db *db = db_open(path, family, 1, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	sqlite3_stmt *stmt = db_prepare(db, "PRAGMA journal_mode");
	CHECK(stmt && sqlite3_step(stmt) == SQLITE_ROW);
	CHECK_STREQ((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_reset(stmt);
	CHECK(query_int(db, "PRAGMA synchronous") == 2);
	CHECK(query_int(db, "PRAGMA foreign_keys") == 1);
	/* ...and enforced, not merely reported. */
	CHECK(!db_exec(db, "INSERT INTO child VALUES (42)"));
	CHECK_MSG(strstr(db_errmsg(db), "FOREIGN KEY"), "%s", db_errmsg(db));
	db_close(db);
}

/* New databases get 1 KB pages (fewer WAL bytes per commit); one made
 * before keeps its 4 KB pages and still opens and migrates. */
static void test_page_size_of_new_and_old_databases(void)
{
	char path[256], err[256] = "";
	sqlite3 *conn;
	struct db *db;

	make_path(path, sizeof(path), "pages-new.db");
	db = db_open(path, counted, 2, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(query_int(db, "PRAGMA page_size") == 1024);
	db_close(db);

	make_path(path, sizeof(path), "pages-old.db");
	CHECK(sqlite3_open(path, &conn) == SQLITE_OK);
	CHECK(sqlite3_exec(conn, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;"
			   " PRAGMA application_id = 7301229; CREATE TABLE a (x);"
			   " PRAGMA user_version = 1", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_close(conn) == SQLITE_OK);
	db = db_open(path, counted, 2, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(query_int(db, "PRAGMA page_size") == 4096);
	CHECK(query_int(db, "PRAGMA user_version") == 2);
	db_close(db);
}

static void test_prepare_caches_and_resets(void)
{
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "cache.db");

	struct db *db = db_open(path, NULL, 0, err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	sqlite3_stmt *first = db_prepare(db, "SELECT ?1");
	CHECK(first);
	if (!first) {
		db_close(db);
		return;
	}
	CHECK(sqlite3_bind_int(first, 1, 5) == SQLITE_OK);
	CHECK(sqlite3_step(first) == SQLITE_ROW);
	CHECK(sqlite3_column_int(first, 0) == 5);
	/* Left mid-result on purpose: the cache must reset it. */
	CHECK(db_prepare(db, "SELECT 2") != first);

	sqlite3_stmt *again = db_prepare(db, "SELECT ?1");
	CHECK(again == first);
	CHECK(!sqlite3_stmt_busy(again));
	CHECK(sqlite3_step(again) == SQLITE_ROW);
	CHECK(sqlite3_column_type(again, 0) == SQLITE_NULL);	/* unbound */
	CHECK(sqlite3_step(again) == SQLITE_DONE);

	CHECK(!db_prepare(db, "SELEKT 1"));
	CHECK_MSG(strstr(db_errmsg(db), "syntax error"), "%s", db_errmsg(db));
	CHECK(!db_prepare(db, "SELECT 1; SELECT 2"));
	CHECK_MSG(strstr(db_errmsg(db), "one SQL statement"), "%s",
		  db_errmsg(db));
	/* Trailing blanks are allowed, and part of the key. */
	sqlite3_stmt *three = db_prepare(db, "SELECT 3;  \n");
	CHECK(three && db_prepare(db, "SELECT 3;  \n") == three);
	db_close(db);
}

/* Columns read by name; and db_open works on an in-memory database with
 * every migration (what the store unit tests use). */
static void test_columns_by_name_in_memory(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count,
				err, sizeof(err));
	sqlite3_stmt *stmt;
	size_t len = 99;

	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(db_schema_version(db) == (int)ohm_migrations_count);
	stmt = db_prepare(db, "SELECT 7 AS seven, 'x' AS letter, NULL AS absent,"
			  " x'0102' AS two");
	CHECK_MSG(stmt, "%s", db_errmsg(db));
	if (!stmt) {
		db_close(db);
		return;
	}
	CHECK(sqlite3_step(stmt) == SQLITE_ROW);
	CHECK(db_column_by_name(stmt, "letter") == 1);
	CHECK(db_column_by_name(stmt, "missing") == -1);
	CHECK(db_col_int64(stmt, "seven") == 7);
	CHECK_STREQ(db_col_text(stmt, "letter"), "x");
	CHECK(db_col_is_null(stmt, "absent") && !db_col_is_null(stmt, "seven"));
	CHECK(db_col_blob(stmt, "absent", &len) == NULL && len == 0);
	CHECK(memcmp(db_col_blob(stmt, "two", &len), "\x01\x02", 2) == 0 && len == 2);
	sqlite3_reset(stmt);
	db_close(db);
}

/* What waits for a commit runs after it, in order, and never after a
 * rollback or a failed commit. */
struct after_log {
	char order[16];
	size_t num;
	struct db *db;
	bool committed_when_run;
};

static void after_note(struct after_log *log, char c)
{
	if (log->num + 1 < sizeof(log->order))
		log->order[log->num++] = c;
	log->committed_when_run = !db_in_transaction(log->db);
}

static void after_a(void *arg) { after_note(arg, 'a'); }
static void after_b(void *arg) { after_note(arg, 'b'); }

static void test_after_commit(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count,
				err, sizeof(err));
	struct after_log log = {.db = db}, other = {.db = db}, many[12];

	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	memset(many, 0, sizeof(many));
	for (int i = 0; i < 12; i++)
		many[i].db = db;
	/* No transaction: at once. */
	db_after_commit(db, after_a, &log);
	CHECK_STREQ(log.order, "a");
	CHECK(db_begin(db));
	db_after_commit(db, after_b, &log);
	db_after_commit(db, after_a, &log);
	db_after_commit(db, after_b, &other);
	db_after_commit_cancel(db, &other);
	CHECK_STREQ(log.order, "a");
	CHECK(db_commit(db));
	CHECK_STREQ(log.order, "aba");
	CHECK(log.committed_when_run);
	CHECK(other.num == 0);
	/* Rolled back: dropped. */
	CHECK(db_begin(db));
	db_after_commit(db, after_a, &log);
	CHECK(db_rollback(db));
	CHECK(db_begin(db));
	CHECK(db_commit(db));
	CHECK_STREQ(log.order, "aba");
	/* A commit that fails (a deferred foreign key): dropped too. */
	CHECK(db_exec(db, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
		      " CREATE TABLE c (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)"));
	CHECK(db_begin(db));
	CHECK(db_exec(db, "INSERT INTO c VALUES (42)"));
	db_after_commit(db, after_b, &log);
	CHECK(!db_commit(db));
	CHECK(db_rollback(db));
	CHECK(db_begin(db));
	CHECK(db_commit(db));
	CHECK_STREQ(log.order, "aba");
	/* The same fn and arg run once; many, past the first allocation. */
	CHECK(db_begin(db));
	for (int i = 0; i < 3; i++)
		db_after_commit(db, after_b, &other);
	for (int i = 0; i < 12; i++)
		db_after_commit(db, i % 2 ? after_a : after_b, &many[i]);
	CHECK(db_commit(db));
	CHECK(other.num == 1);
	for (int i = 0; i < 12; i++)
		CHECK(many[i].num == 1 && many[i].order[0] == (i % 2 ? 'a' : 'b'));
	db_close(db);
}

static void test_vars_round_trip(void)
{
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "vars.db");

	struct db *db = db_open(path, ohm_migrations, ohm_migrations_count,
				err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	const uint8_t id[33] = {0x02, 0xaa, 0xbb, [32] = 0xcc};
	uint8_t got[40];
	size_t len = 0;
	int64_t value = 7;

	CHECK(db_var_get_blob(db, "node_id", got, sizeof(got), &len) == 0);
	CHECK(db_var_get_int(db, "height", &value) == 0);
	CHECK(value == 7);	/* untouched when not found */

	CHECK(db_var_set_blob(db, "node_id", id, sizeof(id)));
	CHECK(db_var_get_blob(db, "node_id", got, sizeof(got), &len) == 1);
	CHECK(len == sizeof(id));
	CHECK_MEMEQ(got, id, sizeof(id));

	/* Truncated read: copies maxlen bytes, reports the full length. */
	memset(got, 0, sizeof(got));
	CHECK(db_var_get_blob(db, "node_id", got, 4, &len) == 1);
	CHECK(len == sizeof(id));
	CHECK_MEMEQ(got, id, 4);
	CHECK(got[4] == 0);

	CHECK(db_var_set_blob(db, "node_id", "xy", 2));	/* replaces */
	CHECK(db_var_get_blob(db, "node_id", got, sizeof(got), &len) == 1);
	CHECK(len == 2 && got[0] == 'x' && got[1] == 'y');
	CHECK(db_var_set_blob(db, "empty", NULL, 0));
	CHECK(db_var_get_blob(db, "empty", NULL, 0, &len) == 1);
	CHECK(len == 0);

	CHECK(db_var_set_int(db, "height", INT64_MIN));
	CHECK(db_var_get_int(db, "height", &value) == 1);
	CHECK(value == INT64_MIN);
	CHECK(db_var_set_int(db, "height", INT64_MAX));
	CHECK(db_var_get_int(db, "height", &value) == 1);
	CHECK(value == INT64_MAX);
	CHECK(query_int(db, "SELECT count(*) FROM vars") == 3);

	/* Reading a value as the other type is an error with words. */
	CHECK(db_var_get_int(db, "node_id", &value) == -1);
	CHECK_MSG(strstr(db_errmsg(db), "'node_id' is not an integer"), "%s",
		  db_errmsg(db));
	CHECK(db_var_get_blob(db, "height", got, sizeof(got), &len) == -1);
	CHECK_MSG(strstr(db_errmsg(db), "'height' is not a blob"), "%s",
		  db_errmsg(db));
	db_close(db);

	/* Still there after a reopen. */
	db = db_open(path, ohm_migrations, ohm_migrations_count, err,
		     sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (db)
		CHECK(db_var_get_int(db, "height", &value) == 1
		      && value == INT64_MAX);
	db_close(db);
}

static void test_var_errors_carry_sqlite_text(void)
{
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "var-errors.db");

	struct db *db = db_open(path, ohm_migrations, ohm_migrations_count,
				err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	/* An error at step time survives the wrapper's reset. */
	CHECK(db_exec(db, "CREATE TRIGGER frozen BEFORE INSERT ON vars "
		      "BEGIN SELECT RAISE(ABORT, 'vars are frozen'); END"));
	CHECK(!db_var_set_int(db, "height", 1));
	CHECK_MSG(strstr(db_errmsg(db), "vars are frozen"), "%s",
		  db_errmsg(db));
	/* An error at prepare time. */
	CHECK(db_exec(db, "DROP TABLE vars"));
	CHECK(db_var_get_int(db, "height", &(int64_t){0}) == -1);
	CHECK_MSG(strstr(db_errmsg(db), "no such table: vars"), "%s",
		  db_errmsg(db));
	CHECK(!db_exec(db, "NOT SQL"));
	CHECK_MSG(strstr(db_errmsg(db), "syntax error"), "%s", db_errmsg(db));
	db_close(db);
}

static void test_rollback_discards_and_commit_keeps(void)
{
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "txn.db");

	struct db *db = db_open(path, ohm_migrations, ohm_migrations_count,
				err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	int64_t value = 0;

	CHECK(!db_in_transaction(db));
	CHECK(db_begin(db));
	CHECK(db_in_transaction(db));
	CHECK(db_var_set_int(db, "a", 1));
	CHECK(db_var_set_int(db, "b", 2));
	CHECK(db_rollback(db));
	CHECK(!db_in_transaction(db));
	CHECK(db_var_get_int(db, "a", &value) == 0);
	CHECK(db_var_get_int(db, "b", &value) == 0);
	CHECK(db_rollback(db));	/* nothing open: a no-op */

	CHECK(db_begin(db));
	CHECK(db_var_set_int(db, "a", 1));
	CHECK(db_var_set_int(db, "b", 2));
	CHECK(db_commit(db));
	CHECK(!db_in_transaction(db));
	CHECK(db_var_get_int(db, "b", &value) == 1 && value == 2);

	CHECK(!db_commit(db));	/* nothing to commit: an error, not a crash */
	CHECK_MSG(strstr(db_errmsg(db), "no transaction is active"), "%s",
		  db_errmsg(db));
	db_close(db);
}

/* kill -9 right after a commit loses nothing; kill -9 inside a
 * transaction loses exactly that transaction. */
static void test_commit_survives_kill(void)
{
	char path[256], err[256] = "";
	make_path(path, sizeof(path), "kill.db");

	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct db *db = db_open(path, ohm_migrations,
					ohm_migrations_count, NULL, 0);
		if (db && db_begin(db) && db_var_set_int(db, "kept", 1)
		    && db_var_set_int(db, "kept2", 2) && db_commit(db)
		    && db_begin(db))
			db_var_set_int(db, "lost", 3);
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	struct db *db = db_open(path, ohm_migrations, ohm_migrations_count,
				err, sizeof(err));
	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	int64_t value = 0;
	CHECK(db_var_get_int(db, "kept", &value) == 1 && value == 1);
	CHECK(db_var_get_int(db, "kept2", &value) == 1 && value == 2);
	CHECK(db_var_get_int(db, "lost", &value) == 0);
	db_close(db);
}

static void test_bad_path_fails_with_message(void)
{
	char path[256], err[256] = "";

	make_path(path, sizeof(path), "no/such/dir/ohm.db");
	CHECK(!db_open(path, ohm_migrations, ohm_migrations_count, err,
		       sizeof(err)));
	CHECK_MSG(strstr(err, path), "%s", err);
	CHECK_MSG(strstr(err, "unable to open"), "%s", err);

	make_path(path, sizeof(path), "garbage.db");
	FILE *f = fopen(path, "wb");
	CHECK(f);
	if (!f)
		return;
	for (int i = 0; i < 4096; i++)
		fputc((i * 7 + 3) & 0xff, f);
	fclose(f);
	CHECK(!db_open(path, ohm_migrations, ohm_migrations_count, err,
		       sizeof(err)));
	CHECK_MSG(strstr(err, path), "%s", err);
	CHECK_MSG(strstr(err, "file is not a database"), "%s", err);

	/* A short err buffer is truncated, never overrun; NULL is fine. */
	char tiny[8];
	memset(tiny, 'z', sizeof(tiny));
	CHECK(!db_open(path, ohm_migrations, ohm_migrations_count, tiny,
		       sizeof(tiny)));
	CHECK(tiny[sizeof(tiny) - 1] == '\0');
	CHECK(!db_open(path, ohm_migrations, ohm_migrations_count, NULL, 0));
	db_close(NULL);
}

/* --dev-fault-io's spec, and its VFS under the failure listener: the
 * armed Nth write fails the commit, and the listener hears of it. */
static void test_fault_spec_parse(void)
{
	struct db_fault_spec spec;
	char err[160];

	CHECK(db_fault_spec_parse("write:3", &spec, err, sizeof(err)));
	CHECK(spec.kind == DB_FAULT_WRITE && spec.nth == 3 && !spec.sticky);
	CHECK(db_fault_spec_parse("full:1+", &spec, err, sizeof(err)));
	CHECK(spec.kind == DB_FAULT_FULL && spec.nth == 1 && spec.sticky);
	CHECK(db_fault_spec_parse("fsync:20", &spec, err, sizeof(err)) && spec.kind == DB_FAULT_FSYNC);
	CHECK(db_fault_spec_parse("lock:2+", &spec, err, sizeof(err)) && spec.kind == DB_FAULT_LOCK);
	const char *bad[] = {"", "write", "write:", "write:0", "write:-1", "write:3x", "write:3++",
			     "writes:3", "read:1", ":3", "write: 3", "write:+"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_MSG(!db_fault_spec_parse(bad[i], &spec, err, sizeof(err)), "%s", bad[i]);
		CHECK_MSG(strstr(err, "KIND:N"), "%s: %s", bad[i], err);
	}
}

static int failures_heard;

static void heard_failure(void *arg, const char *message)
{
	(void)arg;
	if (strstr(message, "disk I/O error"))
		failures_heard++;
}

static void test_fault_vfs_fails_commit_and_is_heard(void)
{
	char path[256];
	make_path(path, sizeof(path), "fault.db");

	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* The child's own SQLite: the listener must come first. */
		struct db_fault_spec spec = {DB_FAULT_WRITE, 1, false};
		sqlite3_shutdown();
		if (!db_set_failure_listener(heard_failure, NULL) || !db_fault_io_install(&spec)
		    || !db_io_stats_install())
			_exit(10);
		struct db *db = db_open(path, ohm_migrations, ohm_migrations_count, NULL, 0);
		if (!db)
			_exit(11);
		db_fault_io_arm();
		bool ok = db_begin(db) && db_var_set_int(db, "x", 1) && db_commit(db);
		if (ok)
			_exit(12);
		db_rollback(db);
		if (failures_heard < 1)
			_exit(13);
		/* Only the first write failed: the next commit goes through. */
		if (!db_begin(db) || !db_var_set_int(db, "y", 2) || !db_commit(db))
			_exit(14);
		db_close(db);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}

int main(void)
{
	if (!mkdtemp(test_dir)) {
		printf("Bail out! mkdtemp %s failed\n", test_dir);
		return 1;
	}
	RUN(test_fresh_open_applies_all_migrations);
	RUN(test_reopen_applies_nothing_new);
	RUN(test_appended_migration_upgrades_existing_db);
	RUN(test_failing_migration_rolls_back_everything);
	RUN(test_migration_may_not_commit);
	RUN(test_newer_version_is_refused);
	RUN(test_other_sqlite_database_is_refused);
	RUN(test_pragmas_are_set);
	RUN(test_page_size_of_new_and_old_databases);
	RUN(test_prepare_caches_and_resets);
	RUN(test_columns_by_name_in_memory);
	RUN(test_after_commit);
	RUN(test_vars_round_trip);
	RUN(test_var_errors_carry_sqlite_text);
	RUN(test_rollback_discards_and_commit_keeps);
	RUN(test_commit_survives_kill);
	RUN(test_bad_path_fails_with_message);
	RUN(test_fault_spec_parse);
	RUN(test_fault_vfs_fails_commit_and_is_heard);
	remove_test_dir();
	return test_done();
}
