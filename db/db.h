/* ohm's database: one SQLite connection, opened so that a commit is on disk
 * before db_commit() returns.
 *
 * Durability: the daemon commits channel state before it sends any message
 * that depends on it, and `kill -9` (or a power cut) at any moment must lose
 * nothing it committed.  So the connection runs in WAL mode with
 * synchronous=FULL (the WAL is fsync'd at every commit), and anything that
 * changes more than one row does so between db_begin() and db_commit().
 *
 * A struct db belongs to one thread (the daemon's event loop).  It is
 * opaque: all SQL goes through db_prepare() and db_exec(), so every
 * statement on the connection is one the wrapper knows about.
 */
#ifndef OHM_DB_DB_H
#define OHM_DB_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/migrations.h"

struct db;

/* What this process's databases cost the disk since db_io_stats_install:
 * bytes written to WAL files and to the databases (checkpoints), and
 * syncs (each an fsync or fdatasync). */
struct db_io_stats {
	uint64_t wal_bytes, db_bytes, syncs;
};

/* Storage failures: fn(arg, message) is called whenever any connection of
 * the process meets an I/O error, a full disk, a corrupt file, a
 * read-only file or a lock it could not get (SQLite's error log,
 * filtered), from inside the failing call: what the process holds in
 * memory may be ahead of what is stored, whatever the caller makes of
 * the error.  fn must only note it (log, stop the event loop).  Call
 * before SQLite is first used.  Returns false if it is too late. */
bool db_set_failure_listener(void (*fn)(void *arg, const char *message), void *arg);
/* For the VFS (db_iostats.c), which sees every failed write, sync and
 * truncate, including those of an autocommit statement's commit, which
 * SQLite's error log does not report: what (a word) failed with code. */
void db_storage_failed(const char *what, int code);

/* Makes the default VFS one that counts (see db_iostats.c), for the
 * connections opened from now on.  Returns: false if SQLite's default VFS
 * cannot be wrapped (nothing is counted then). */
bool db_io_stats_install(void);
void db_io_stats(struct db_io_stats *out);

/* --dev-fault-io=KIND:N[+] (testing): counting from db_fault_io_arm()
 * (ohmd calls it once started up), the Nth write, fsync (xSync) or
 * lock of any SQLite file fails (write: SQLITE_IOERR_WRITE, fsync:
 * SQLITE_IOERR_FSYNC, lock: SQLITE_IOERR_LOCK for a file lock, SQLITE_BUSY
 * for WAL's exclusive shared-memory locks, as if another process held
 * them; full: the Nth write fails
 * with SQLITE_FULL, as on a full disk); with '+' that one and every later
 * one (a disk that stays bad).  See fault_vfs.c. */
enum db_fault_kind { DB_FAULT_WRITE, DB_FAULT_FSYNC, DB_FAULT_LOCK, DB_FAULT_FULL };
struct db_fault_spec {
	enum db_fault_kind kind;
	unsigned long nth;
	bool sticky;
};

/* Returns false with the reason in err[errlen] if text is not a spec. */
bool db_fault_spec_parse(const char *text, struct db_fault_spec *out, char *err,
			 size_t errlen);
/* Makes the default VFS one that breaks what spec says (wrapping the
 * current default; before db_io_stats_install, whose checks then see
 * the failures), for the connections
 * opened from now on.  Returns false if it cannot (once per process). */
bool db_fault_io_install(const struct db_fault_spec *spec);
/* Starts counting (before it, nothing fails).  Without install, a no-op. */
void db_fault_io_arm(void);

/* Opens or creates the database at path with journal_mode=WAL,
 * synchronous=FULL, foreign_keys=ON and a busy timeout, then applies every
 * migration it lacks in ONE transaction: all of them or none.
 *
 * Returns the open database, or NULL with a message naming path and the
 * cause in err[errlen] (err may be NULL).  Refuses a file that is not a
 * database, a database of another application, and a database whose schema
 * version is newer than num_migrations (written by a newer ohm).
 * migrations: the ordered list (normally ohm_migrations). */
struct db *db_open(const char *path, const struct db_migration *migrations,
		   size_t num_migrations, char *err, size_t errlen);

/* Finalizes every cached statement and closes the connection; an open
 * transaction is rolled back.  NULL is fine. */
void db_close(struct db *db);

/* Number of migrations applied (after db_open, the length of its list). */
int db_schema_version(const struct db *db);

/* Text of the last failure: SQLite's message, or the wrapper's own when a
 * db_var_get_* found a value of the wrong type. */
const char *db_errmsg(const struct db *db);

/* Returns the cached statement for the single SQL statement sql, preparing
 * it the first time; the same text always gives the same statement, reset
 * and with its bindings cleared.  NULL on error (see db_errmsg), including
 * when sql holds more than one statement.
 * Preconditions: sql is a constant text (values are bound, never formatted
 * in, or the cache grows without bound); the previous user of the same SQL
 * is finished with it. Reset the statement when done so it releases its
 * read snapshot. */
sqlite3_stmt *db_prepare(struct db *db, const char *sql);

/* Reading a row by column name (never by position, so a query's column
 * list can change without silently shifting what is read).  The name is
 * the column's name in the result ("SELECT amount_msat AS amount ..."
 * names it "amount").
 * db_column_by_name returns the index, or -1 if the row has no such
 * column; the getters abort on a name the statement lacks (a programming
 * error the unit tests catch). */
int db_column_by_name(sqlite3_stmt *stmt, const char *name);
int64_t db_col_int64(sqlite3_stmt *stmt, const char *name);
/* NULL (and *len 0) for SQL NULL or an empty blob. */
const void *db_col_blob(sqlite3_stmt *stmt, const char *name, size_t *len);
/* Copies a blob of exactly len bytes into out.  Returns: false (out
 * untouched) for SQL NULL or another length. */
bool db_col_copy(sqlite3_stmt *stmt, const char *name, void *out, size_t len);
/* NULL for SQL NULL. */
const char *db_col_text(sqlite3_stmt *stmt, const char *name);
bool db_col_is_null(sqlite3_stmt *stmt, const char *name);

/* Steps a prepared statement that returns no rows to its end, then resets
 * it and drops its bindings.  Returns: false on error (see db_errmsg). */
bool db_step_done(sqlite3_stmt *stmt);

/* Runs sql, which returns no rows and may hold several statements.
 * Returns true on success, false on error (see db_errmsg). */
bool db_exec(struct db *db, const char *sql);

/* BEGIN IMMEDIATE: takes the write lock now, so a busy database fails here
 * rather than halfway through.  Precondition: no transaction is open (no
 * nesting), except a group transaction, which is committed first (see
 * db_set_group_closer).  Returns false on error. */
bool db_begin(struct db *db);

/* A group transaction: one owner (the channels) may leave a transaction
 * open across many of its steps so they share one commit.  Its close
 * function commits it (returning false on failure); db_begin calls it
 * first when a transaction is open, so other writers get their own.
 * close NULL: none. */
void db_set_group_closer(struct db *db, bool (*close)(void *arg), void *arg);

/* Commits; when it returns true the transaction is durable.  On false the
 * transaction may still be open: call db_rollback(). */
bool db_commit(struct db *db);

/* What depends on the open transaction leaving the process (an answer
 * saying a payment is stored) waits for its commit: fn(arg) runs once
 * db_commit succeeded, before it returns, in the order given; never if
 * the transaction fails or rolls back.  The same fn and arg given again
 * before then run once.  With no transaction open, fn runs now.  fn must
 * not write to the database (it may run inside db_begin's commit of a
 * group transaction).  _cancel drops the ones with arg. */
void db_after_commit(struct db *db, void (*fn)(void *arg), void *arg);
void db_after_commit_cancel(struct db *db, void *arg);

/* Discards the open transaction, if any.  Returns false on error. */
bool db_rollback(struct db *db);

/* True between db_begin() and the end of the transaction (including one
 * SQLite ended by itself after an error). */
bool db_in_transaction(const struct db *db);

/* The vars table: small named settings.  Setters insert or replace and
 * return false on error.  Getters return 1 if found (output written), 0 if
 * not found (output untouched), -1 on error, including a value of the other
 * type (see db_errmsg). */
bool db_var_set_blob(struct db *db, const char *name, const void *data,
		     size_t len);
/* Copies min(maxlen, length) bytes into data and sets *len to the full
 * length, so a caller can check for truncation. */
int db_var_get_blob(struct db *db, const char *name, void *data,
		    size_t maxlen, size_t *len);
bool db_var_set_int(struct db *db, const char *name, int64_t value);
int db_var_get_int(struct db *db, const char *name, int64_t *value);

#endif /* OHM_DB_DB_H */
