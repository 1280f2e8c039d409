/* The SQLite wrapper: open + migrate, a statement cache, transactions, vars.
 *
 * Invariants:
 * - The schema version is PRAGMA user_version: it lives in the database
 *   header, so it changes in the same transaction as the migrations it
 *   counts and can never disagree with the tables.  PRAGMA application_id
 *   marks the file as ohm's, so a stray SQLite file is refused rather than
 *   migrated (its user_version would otherwise read as "newer ohm").
 * - Every live statement on the connection is in db->stmts (the connection
 *   is not exposed), so db_close() can finalize them all.
 * - own_error is non-empty only when the latest failure was the wrapper's
 *   own rather than SQLite's; db_prepare() and db_exec(), through which
 *   every other call goes, clear it.
 */
#include "db/db.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

/* "ohm" in ASCII: PRAGMA application_id of every ohm database. */
#define DB_APPLICATION_ID 0x006f686d
/* How long to wait for another process's lock (e.g. a backup) before
 * giving up with SQLITE_BUSY. */
#define DB_BUSY_TIMEOUT_MS 5000

/* The statement cache is a list searched by strcmp: a node has a few dozen
 * distinct statements, so a lookup costs far less than the fsync of any
 * commit, and a hash table would be code with nothing to show for it. */
struct cached_stmt {
	struct cached_stmt *next;
	sqlite3_stmt *stmt;
	char sql[];		/* the key: the text given to db_prepare */
};

struct db {
	sqlite3 *conn;
	int schema_version;
	struct cached_stmt *stmts;
	char own_error[160];
	/* The owner of an open group transaction (db_set_group_closer). */
	bool (*group_close)(void *arg);
	void *group_arg;
	/* What waits for the open transaction's commit (db_after_commit). */
	struct after_commit {
		void (*fn)(void *arg);
		void *arg;
	} *after;
	size_t num_after, max_after;
};

/* Writes "path: <message>" into err, closes conn (rolling back any open
 * transaction) and returns NULL, for db_open's failure paths.  The message
 * is formatted before the close, so it may quote sqlite3_errmsg(conn). */
static struct db *open_fail(sqlite3 *conn, const char *path, char *err,
			    size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static struct db *open_fail(sqlite3 *conn, const char *path, char *err,
			    size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		int n = snprintf(err, errlen, "%s: ", path);
		if (n >= 0 && (size_t)n < errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	/* Fails only with live statements, and db_open finalizes its own. */
	int rc = sqlite3_close(conn);
	assert(rc == SQLITE_OK);
	(void)rc;
	return NULL;
}

/* Runs a one-row query (a PRAGMA) and returns its first column as text in
 * text[textlen] and/or as an integer in *value.  False on error or no row. */
static bool query_one(sqlite3 *conn, const char *sql, char *text,
		      size_t textlen, int64_t *value)
{
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(conn, sql, -1, &stmt, NULL) != SQLITE_OK)
		return false;
	bool ok = sqlite3_step(stmt) == SQLITE_ROW;
	if (ok && text) {
		const unsigned char *s = sqlite3_column_text(stmt, 0);
		snprintf(text, textlen, "%s", s ? (const char *)s : "");
	}
	if (ok && value)
		*value = sqlite3_column_int64(stmt, 0);
	/* finalize repeats a step error, which errmsg already holds. */
	sqlite3_finalize(stmt);
	return ok;
}

/* The page size of a database db_open creates (a string for the PRAGMA). */
#define DB_NEW_PAGE_SIZE "1024"

/* Each setting, and what reading it back must say: SQLite silently ignores
 * a PRAGMA it does not support or cannot apply (WAL on ":memory:", foreign
 * keys in a build without them), and durability must not rest on that. */
static const struct {
	const char *set, *get, *want;
} db_pragmas[] = {
	{"PRAGMA journal_mode = WAL", "PRAGMA journal_mode", "wal"},
	{"PRAGMA synchronous = FULL", "PRAGMA synchronous", "2"},
	{"PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1"},
	/* Debian's SQLite zeroes every freed page by default, so each page an
	 * HTLC's onion or row leaves is one more WAL frame; FAST still zeroes
	 * deleted rows on the pages a commit writes anyway. */
	{"PRAGMA secure_delete = FAST", "PRAGMA secure_delete", "2"},
};

/* Applies migrations[version..num) and stamps the new version inside the
 * open transaction.  Returns false with the cause in why[whylen]; the
 * caller rolls back. */
static bool migrate(sqlite3 *conn, const struct db_migration *migrations,
		    size_t num, int64_t version, char *why, size_t whylen)
{
	for (size_t i = (size_t)version; i < num; i++) {
		if (sqlite3_exec(conn, migrations[i].sql, NULL, NULL, NULL)
		    != SQLITE_OK) {
			snprintf(why, whylen, "migration %zu of %zu failed: %s "
				 "(nothing applied; schema version stays %"
				 PRId64 ")", i + 1, num, sqlite3_errmsg(conn),
				 version);
			return false;
		}
		/* A COMMIT in a migration would break all-or-nothing. */
		if (sqlite3_get_autocommit(conn)) {
			snprintf(why, whylen, "migration %zu ended the "
				 "transaction (migrations must not BEGIN, "
				 "COMMIT or ROLLBACK)", i + 1);
			return false;
		}
	}
	char sql[96];
	snprintf(sql, sizeof(sql),
		 "PRAGMA user_version = %zu; PRAGMA application_id = %d",
		 num, DB_APPLICATION_ID);
	if (sqlite3_exec(conn, sql, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(why, whylen, "cannot record schema version: %s",
			 sqlite3_errmsg(conn));
		return false;
	}
	return true;
}

struct db *db_open(const char *path, const struct db_migration *migrations,
		   size_t num_migrations, char *err, size_t errlen)
{
	/* user_version is a 32-bit signed integer. */
	assert(num_migrations <= INT32_MAX);

	sqlite3 *conn = NULL;
	int rc = sqlite3_open_v2(path, &conn,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				 NULL);
	/* On failure conn is NULL only if SQLite had no memory for it. */
	if (rc != SQLITE_OK)
		return open_fail(conn, path, err, errlen, "%s", conn
				 ? sqlite3_errmsg(conn) : sqlite3_errstr(rc));
	/* SQLite quietly opens read-only when it may not write. */
	if (sqlite3_db_readonly(conn, "main") != 0)
		return open_fail(conn, path, err, errlen,
				 "cannot open the database for writing");
	if (sqlite3_busy_timeout(conn, DB_BUSY_TIMEOUT_MS) != SQLITE_OK)
		return open_fail(conn, path, err, errlen, "%s",
				 sqlite3_errmsg(conn));

	/* A new database only (an existing one keeps its own): every page a
	 * commit dirties is a whole WAL frame, and HTLC rows, index entries
	 * and the channel row are small, so 1 KB pages write about a third
	 * less per payment than 4 KB ones (an onion takes an overflow page). */
	if (sqlite3_exec(conn, "PRAGMA page_size = " DB_NEW_PAGE_SIZE, NULL, NULL, NULL)
	    != SQLITE_OK)
		return open_fail(conn, path, err, errlen, "%s", sqlite3_errmsg(conn));
	size_t num_pragmas = sizeof(db_pragmas) / sizeof(db_pragmas[0]);
	for (size_t i = 0; i < num_pragmas; i++) {
		char got[16];
		if (sqlite3_exec(conn, db_pragmas[i].set, NULL, NULL, NULL)
		    != SQLITE_OK
		    || !query_one(conn, db_pragmas[i].get, got, sizeof(got),
				  NULL))
			return open_fail(conn, path, err, errlen, "%s",
					 sqlite3_errmsg(conn));
		/* An in-memory database (the unit tests') has no WAL. */
		if (strcmp(got, db_pragmas[i].want) != 0
		    && !(strcmp(path, ":memory:") == 0 && strcmp(got, "memory") == 0))
			return open_fail(conn, path, err, errlen,
					 "%s did not take effect (reads back "
					 "as '%s')", db_pragmas[i].set, got);
	}

	/* Read the version inside the write transaction, so a second process
	 * opening the same file cannot migrate it under us. */
	int64_t version, app_id, schema_objects;
	if (sqlite3_exec(conn, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK
	    || !query_one(conn, "PRAGMA user_version", NULL, 0, &version)
	    || !query_one(conn, "PRAGMA application_id", NULL, 0, &app_id)
	    || !query_one(conn, "SELECT count(*) FROM sqlite_master", NULL, 0,
			  &schema_objects))
		return open_fail(conn, path, err, errlen, "%s",
				 sqlite3_errmsg(conn));
	/* Ours, or empty: migrate() stamps our id with the first batch. */
	bool is_empty = app_id == 0 && version == 0 && schema_objects == 0;
	if ((app_id != DB_APPLICATION_ID && !is_empty) || version < 0)
		return open_fail(conn, path, err, errlen,
				 "not an ohm database (application_id %"
				 PRId64 ", user_version %" PRId64 ")",
				 app_id, version);
	if ((uint64_t)version > num_migrations)
		return open_fail(conn, path, err, errlen,
				 "database was written by a newer version of "
				 "ohm (schema version %" PRId64 "; this ohm "
				 "knows versions up to %zu)", version,
				 num_migrations);
	char why[512];
	if ((uint64_t)version < num_migrations
	    && !migrate(conn, migrations, num_migrations, version, why,
			sizeof(why)))
		return open_fail(conn, path, err, errlen, "%s", why);
	if (sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return open_fail(conn, path, err, errlen, "cannot commit "
				 "migrations: %s", sqlite3_errmsg(conn));

	struct db *db = calloc(1, sizeof(*db));
	if (!db)
		return open_fail(conn, path, err, errlen, "out of memory");
	db->conn = conn;
	db->schema_version = (int)num_migrations;
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	struct cached_stmt *next;
	for (struct cached_stmt *c = db->stmts; c; c = next) {
		next = c->next;
		/* finalize repeats the statement's last error: already seen. */
		sqlite3_finalize(c->stmt);
		free(c);
	}
	/* Cannot be busy: every statement was finalized above. */
	int rc = sqlite3_close(db->conn);
	assert(rc == SQLITE_OK);
	(void)rc;
	free(db->after);
	free(db);
}

int db_schema_version(const struct db *db)
{
	return db->schema_version;
}

const char *db_errmsg(const struct db *db)
{
	return db->own_error[0] ? db->own_error : sqlite3_errmsg(db->conn);
}

/* True if s is only white space (what may follow a single statement). */
static bool is_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

int db_column_by_name(sqlite3_stmt *stmt, const char *name)
{
	int n = sqlite3_column_count(stmt);

	for (int i = 0; i < n; i++) {
		const char *col = sqlite3_column_name(stmt, i);

		if (col && strcmp(col, name) == 0)
			return i;
	}
	return -1;
}

static int column_or_abort(sqlite3_stmt *stmt, const char *name)
{
	int i = db_column_by_name(stmt, name);

	if (i < 0) {
		fprintf(stderr, "ohm: no column \"%s\" in: %s\n", name,
			sqlite3_sql(stmt));
		abort();
	}
	return i;
}

int64_t db_col_int64(sqlite3_stmt *stmt, const char *name)
{
	return sqlite3_column_int64(stmt, column_or_abort(stmt, name));
}

const void *db_col_blob(sqlite3_stmt *stmt, const char *name, size_t *len)
{
	int i = column_or_abort(stmt, name);
	const void *p = sqlite3_column_blob(stmt, i);

	*len = p ? (size_t)sqlite3_column_bytes(stmt, i) : 0;
	return p;
}

bool db_col_copy(sqlite3_stmt *stmt, const char *name, void *out, size_t len)
{
	size_t got;
	const void *blob = db_col_blob(stmt, name, &got);

	if (!blob || got != len)
		return false;
	memcpy(out, blob, len);
	return true;
}

const char *db_col_text(sqlite3_stmt *stmt, const char *name)
{
	return (const char *)sqlite3_column_text(stmt, column_or_abort(stmt, name));
}

bool db_col_is_null(sqlite3_stmt *stmt, const char *name)
{
	return sqlite3_column_type(stmt, column_or_abort(stmt, name)) == SQLITE_NULL;
}

sqlite3_stmt *db_prepare(struct db *db, const char *sql)
{
	db->own_error[0] = '\0';
	for (struct cached_stmt *c = db->stmts; c; c = c->next) {
		if (strcmp(c->sql, sql) == 0) {
			/* reset repeats the last step's error, if any; the
			 * caller who stepped it has seen that already. */
			sqlite3_reset(c->stmt);
			sqlite3_clear_bindings(c->stmt);
			return c->stmt;
		}
	}

	sqlite3_stmt *stmt;
	const char *tail;
	if (sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &stmt, &tail) != SQLITE_OK)
		return NULL;
	if (!stmt || !is_blank(tail)) {
		sqlite3_finalize(stmt);
		snprintf(db->own_error, sizeof(db->own_error),
			 "db_prepare needs exactly one SQL statement");
		return NULL;
	}
	size_t len = strlen(sql);
	struct cached_stmt *c = malloc(sizeof(*c) + len + 1);
	if (!c) {
		sqlite3_finalize(stmt);
		snprintf(db->own_error, sizeof(db->own_error), "out of memory");
		return NULL;
	}
	memcpy(c->sql, sql, len + 1);
	c->stmt = stmt;
	c->next = db->stmts;
	db->stmts = c;
	return stmt;
}

bool db_exec(struct db *db, const char *sql)
{
	db->own_error[0] = '\0';
	return sqlite3_exec(db->conn, sql, NULL, NULL, NULL) == SQLITE_OK;
}

void db_set_group_closer(struct db *db, bool (*close)(void *arg), void *arg)
{
	db->group_close = close;
	db->group_arg = arg;
}

bool db_begin(struct db *db)
{
	/* An open group transaction commits first: whoever begins wants
	 * its own unit of work. */
	if (db_in_transaction(db) && db->group_close && !db->group_close(db->group_arg))
		return false;
	assert(!db_in_transaction(db));
	return db_exec(db, "BEGIN IMMEDIATE");
}

void db_after_commit(struct db *db, void (*fn)(void *arg), void *arg)
{
	if (!db_in_transaction(db)) {
		fn(arg);
		return;
	}
	for (size_t i = 0; i < db->num_after; i++)
		if (db->after[i].fn == fn && db->after[i].arg == arg)
			return;
	if (db->num_after == db->max_after) {
		db->max_after = db->max_after ? 2 * db->max_after : 8;
		db->after = oh_realloc(db->after, db->max_after * sizeof(*db->after));
	}
	db->after[db->num_after++] = (struct after_commit){fn, arg};
}

void db_after_commit_cancel(struct db *db, void *arg)
{
	size_t kept = 0;

	for (size_t i = 0; i < db->num_after; i++)
		if (db->after[i].arg != arg)
			db->after[kept++] = db->after[i];
	db->num_after = kept;
}

bool db_commit(struct db *db)
{
	bool ok = db_exec(db, "COMMIT");
	struct after_commit *after = db->after;
	size_t num = db->num_after, max = db->max_after;

	/* Not committed: what waited for it never happens.  The list is
	 * taken out first, so what runs may register more. */
	db->num_after = 0;
	if (!ok || !num)
		return ok;
	db->after = NULL;
	db->max_after = 0;
	for (size_t i = 0; i < num; i++)
		after[i].fn(after[i].arg);
	if (!db->after) {
		db->after = after;
		db->max_after = max;
	} else {
		free(after);
	}
	return ok;
}

bool db_rollback(struct db *db)
{
	db->num_after = 0;
	if (!db_in_transaction(db))
		return true;
	return db_exec(db, "ROLLBACK");
}

static void (*failure_fn)(void *arg, const char *message);
static void *failure_arg;

void db_storage_failed(const char *what, int code)
{
	char message[160];

	snprintf(message, sizeof(message), "%s: %s (%d)", what, sqlite3_errstr(code), code);
	if (failure_fn)
		failure_fn(failure_arg, message);
}

static void sqlite_log(void *arg, int code, const char *message)
{
	(void)arg;
	switch (code & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_READONLY:
	case SQLITE_BUSY:
		if (failure_fn)
			failure_fn(failure_arg, message);
		break;
	default:		/* notices, warnings, constraint errors */
		break;
	}
}

bool db_set_failure_listener(void (*fn)(void *arg, const char *message), void *arg)
{
	failure_fn = fn;
	failure_arg = arg;
	return sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL) == SQLITE_OK;
}

bool db_in_transaction(const struct db *db)
{
	return sqlite3_get_autocommit(db->conn) == 0;
}

/* Resets a statement (keeping a failed step's message for db_errmsg) and
 * drops its bindings, which may point into the caller's memory. */
static void stmt_release(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

bool db_step_done(sqlite3_stmt *stmt)
{
	bool ok = sqlite3_step(stmt) == SQLITE_DONE;
	stmt_release(stmt);
	return ok;
}

static const char var_set_sql[] =
	"INSERT INTO vars (name, value) VALUES (?1, ?2)"
	" ON CONFLICT (name) DO UPDATE SET value = excluded.value";
static const char var_get_sql[] = "SELECT value FROM vars WHERE name = ?1";

bool db_var_set_blob(struct db *db, const char *name, const void *data,
		     size_t len)
{
	sqlite3_stmt *stmt = db_prepare(db, var_set_sql);
	if (!stmt)
		return false;
	/* A NULL pointer would bind SQL NULL; "" binds an empty blob. */
	if (sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC) != SQLITE_OK
	    || sqlite3_bind_blob64(stmt, 2, data ? data : "", len,
				   SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_clear_bindings(stmt);
		return false;
	}
	return db_step_done(stmt);
}

bool db_var_set_int(struct db *db, const char *name, int64_t value)
{
	sqlite3_stmt *stmt = db_prepare(db, var_set_sql);
	if (!stmt)
		return false;
	if (sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC) != SQLITE_OK
	    || sqlite3_bind_int64(stmt, 2, value) != SQLITE_OK) {
		sqlite3_clear_bindings(stmt);
		return false;
	}
	return db_step_done(stmt);
}

/* Looks name up.  Returns 1 with the row in *stmt if found with type
 * want_type (the caller reads it, then calls stmt_release), 0 if not
 * found, -1 on error (a wrong type sets own_error). */
static int var_lookup(struct db *db, const char *name, int want_type,
		      sqlite3_stmt **stmt)
{
	*stmt = db_prepare(db, var_get_sql);
	if (!*stmt)
		return -1;
	if (sqlite3_bind_text(*stmt, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_clear_bindings(*stmt);
		return -1;
	}
	int rc = sqlite3_step(*stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(*stmt, 0) == want_type)
		return 1;
	if (rc == SQLITE_ROW)
		snprintf(db->own_error, sizeof(db->own_error),
			 "var '%s' is not %s", name,
			 want_type == SQLITE_BLOB ? "a blob" : "an integer");
	stmt_release(*stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int db_var_get_blob(struct db *db, const char *name, void *data,
		    size_t maxlen, size_t *len)
{
	sqlite3_stmt *stmt;
	int found = var_lookup(db, name, SQLITE_BLOB, &stmt);
	if (found != 1)
		return found;
	const void *value = sqlite3_column_blob(stmt, 0);
	size_t value_len = (size_t)sqlite3_column_bytes(stmt, 0);
	if (value_len && !value) {	/* out of memory fetching it */
		stmt_release(stmt);
		return -1;
	}
	/* memcpy's pointers must be valid even for 0 bytes: guard. */
	if (value_len && maxlen)
		memcpy(data, value, value_len < maxlen ? value_len : maxlen);
	if (len)
		*len = value_len;
	stmt_release(stmt);
	return 1;
}

int db_var_get_int(struct db *db, const char *name, int64_t *value)
{
	sqlite3_stmt *stmt;
	int found = var_lookup(db, name, SQLITE_INTEGER, &stmt);
	if (found != 1)
		return found;
	*value = sqlite3_column_int64(stmt, 0);
	stmt_release(stmt);
	return 1;
}
