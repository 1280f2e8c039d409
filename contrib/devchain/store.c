/* The devchain database.  See store.h.
 *
 * Hashes and txids are stored in internal byte order.  Every statement is
 * a constant text, so db_prepare's cache holds one of each.
 */
#include "contrib/devchain/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db/db.h"
#include "wire/wirebuf.h"

/* The schema, append-only (see db/migrations.h). */
static const struct db_migration devchain_migrations[] = {
	{"CREATE TABLE vars ("
	 "  name TEXT PRIMARY KEY,"
	 "  value BLOB NOT NULL);"
	 /* Every block made, on any branch; seq orders equal-work tips. */
	 "CREATE TABLE blocks ("
	 "  hash BLOB PRIMARY KEY,"
	 "  height INTEGER NOT NULL,"
	 "  seq INTEGER NOT NULL,"
	 "  status INTEGER NOT NULL,"
	 "  data BLOB NOT NULL);"
	 "CREATE TABLE block_undo ("
	 "  hash BLOB PRIMARY KEY,"
	 "  data BLOB NOT NULL);"
	 "CREATE TABLE chain ("
	 "  height INTEGER PRIMARY KEY,"
	 "  hash BLOB NOT NULL);"
	 "CREATE TABLE utxos ("
	 "  txid BLOB NOT NULL,"
	 "  vout INTEGER NOT NULL,"
	 "  amount INTEGER NOT NULL,"
	 "  script BLOB NOT NULL,"
	 "  height INTEGER NOT NULL,"
	 "  is_coinbase INTEGER NOT NULL,"
	 "  PRIMARY KEY (txid, vout)) WITHOUT ROWID;"
	 "CREATE TABLE txindex ("
	 "  txid BLOB PRIMARY KEY,"
	 "  block_hash BLOB NOT NULL);"
	 "CREATE TABLE mempool ("
	 "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	 "  txid BLOB UNIQUE NOT NULL,"
	 "  data BLOB NOT NULL,"
	 "  time INTEGER NOT NULL);"
	 "INSERT INTO vars (name, value)"
	 " VALUES ('kind', CAST('ohm-devchain regtest' AS BLOB))"},
};

struct store {
	struct db *db;
};

static void fatal(struct store *store, const char *what)
	__attribute__((noreturn));
static void fatal(struct store *store, const char *what)
{
	fprintf(stderr, "ohm-devchain: fatal database error (%s): %s\n", what,
		db_errmsg(store->db));
	abort();
}

static sqlite3_stmt *prepare(struct store *store, const char *sql)
{
	sqlite3_stmt *stmt = db_prepare(store->db, sql);
	if (!stmt)
		fatal(store, sql);
	return stmt;
}

/* Binds a blob; a NULL pointer would bind SQL NULL, so "" stands in. */
static void bind_blob(struct store *store, sqlite3_stmt *stmt, int col,
		      const void *data, size_t len)
{
	if (sqlite3_bind_blob64(stmt, col, len ? data : "", len, SQLITE_STATIC)
	    != SQLITE_OK)
		fatal(store, "bind");
}

static void bind_int(struct store *store, sqlite3_stmt *stmt, int col,
		     int64_t value)
{
	if (sqlite3_bind_int64(stmt, col, value) != SQLITE_OK)
		fatal(store, "bind");
}

static void step_done(struct store *store, sqlite3_stmt *stmt)
{
	if (sqlite3_step(stmt) != SQLITE_DONE)
		fatal(store, sqlite3_sql(stmt));
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Steps to the next row: true for a row, false when done. */
static bool step_row(struct store *store, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return true;
	if (rc != SQLITE_DONE)
		fatal(store, sqlite3_sql(stmt));
	return false;
}

static void release(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* A malloc'd copy of column col (a blob), with *len. */
static uint8_t *column_dup(sqlite3_stmt *stmt, int col, size_t *len)
{
	*len = (size_t)sqlite3_column_bytes(stmt, col);
	return wire_memdup(sqlite3_column_blob(stmt, col), *len);
}

static void column_hash(sqlite3_stmt *stmt, int col, struct sha256_double *out)
{
	const void *p = sqlite3_column_blob(stmt, col);
	memset(out, 0, sizeof(*out));
	if (p && sqlite3_column_bytes(stmt, col) == (int)sizeof(*out))
		memcpy(out, p, sizeof(*out));
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	size_t n = sizeof(devchain_migrations) / sizeof(devchain_migrations[0]);
	struct db *db = db_open(path, devchain_migrations, n, err, errlen);
	struct store *store;
	char kind[64] = "";
	size_t kind_len = 0;

	if (!db)
		return NULL;
	/* An ohmd database has the same application id: check ours. */
	if (db_var_get_blob(db, "kind", kind, sizeof(kind) - 1, &kind_len) != 1
	    || strcmp(kind, "ohm-devchain regtest") != 0) {
		snprintf(err, errlen, "%s: not an ohm-devchain database", path);
		db_close(db);
		return NULL;
	}
	store = wire_calloc(1, sizeof(*store));
	store->db = db;
	return store;
}

void store_close(struct store *store)
{
	if (!store)
		return;
	db_close(store->db);
	free(store);
}

void store_begin(struct store *store)
{
	if (!db_begin(store->db))
		fatal(store, "BEGIN");
}

void store_commit(struct store *store)
{
	if (!db_commit(store->db))
		fatal(store, "COMMIT");
}

void store_savepoint(struct store *store)
{
	if (!db_exec(store->db, "SAVEPOINT devchain"))
		fatal(store, "SAVEPOINT");
}

void store_savepoint_release(struct store *store)
{
	if (!db_exec(store->db, "RELEASE devchain"))
		fatal(store, "RELEASE");
}

void store_savepoint_rollback(struct store *store)
{
	if (!db_exec(store->db, "ROLLBACK TO devchain; RELEASE devchain"))
		fatal(store, "ROLLBACK TO");
}

void store_block_add(struct store *store, const struct sha256_double *hash,
		     uint32_t height, uint64_t seq, enum block_status status,
		     const uint8_t *data, size_t len)
{
	sqlite3_stmt *stmt = prepare(store,
		"INSERT INTO blocks (hash, height, seq, status, data)"
		" VALUES (?1, ?2, ?3, ?4, ?5)");
	bind_blob(store, stmt, 1, hash, sizeof(*hash));
	bind_int(store, stmt, 2, height);
	bind_int(store, stmt, 3, (int64_t)seq);
	bind_int(store, stmt, 4, status);
	bind_blob(store, stmt, 5, data, len);
	step_done(store, stmt);
}

void store_block_set_status(struct store *store,
			    const struct sha256_double *hash,
			    enum block_status status)
{
	sqlite3_stmt *stmt = prepare(store,
		"UPDATE blocks SET status = ?2 WHERE hash = ?1");
	bind_blob(store, stmt, 1, hash, sizeof(*hash));
	bind_int(store, stmt, 2, status);
	step_done(store, stmt);
}

uint8_t *store_block_data(struct store *store, const struct sha256_double *hash,
			  size_t *len)
{
	sqlite3_stmt *stmt = prepare(store, "SELECT data FROM blocks WHERE hash = ?1");
	uint8_t *data = NULL;

	bind_blob(store, stmt, 1, hash, sizeof(*hash));
	if (step_row(store, stmt))
		data = column_dup(stmt, 0, len);
	release(stmt);
	return data;
}

void store_blocks_load(struct store *store,
		       void (*cb)(void *arg, const struct stored_block *block),
		       void *arg)
{
	sqlite3_stmt *stmt = prepare(store,
		"SELECT hash, height, seq, status, data FROM blocks"
		" ORDER BY height, seq");

	while (step_row(store, stmt)) {
		struct stored_block block;
		column_hash(stmt, 0, &block.hash);
		block.height = (uint32_t)sqlite3_column_int64(stmt, 1);
		block.seq = (uint64_t)sqlite3_column_int64(stmt, 2);
		block.status = (enum block_status)sqlite3_column_int(stmt, 3);
		block.data = sqlite3_column_blob(stmt, 4);
		block.len = (size_t)sqlite3_column_bytes(stmt, 4);
		cb(arg, &block);
	}
	release(stmt);
}

uint64_t store_blocks_size(struct store *store)
{
	sqlite3_stmt *stmt = prepare(store,
		"SELECT coalesce(sum(length(data)), 0) FROM blocks");
	uint64_t size = 0;

	if (step_row(store, stmt))
		size = (uint64_t)sqlite3_column_int64(stmt, 0);
	release(stmt);
	return size;
}

void store_undo_put(struct store *store, const struct sha256_double *hash,
		    const uint8_t *data, size_t len)
{
	sqlite3_stmt *stmt = prepare(store,
		"INSERT OR REPLACE INTO block_undo (hash, data) VALUES (?1, ?2)");
	bind_blob(store, stmt, 1, hash, sizeof(*hash));
	bind_blob(store, stmt, 2, data, len);
	step_done(store, stmt);
}

uint8_t *store_undo_get(struct store *store, const struct sha256_double *hash,
			size_t *len)
{
	sqlite3_stmt *stmt = prepare(store,
		"SELECT data FROM block_undo WHERE hash = ?1");
	uint8_t *data = NULL;

	*len = 0;
	bind_blob(store, stmt, 1, hash, sizeof(*hash));
	if (step_row(store, stmt)) {
		data = column_dup(stmt, 0, len);
		/* An empty blob still means "found". */
		if (!data)
			data = wire_calloc(1, 1);
	}
	release(stmt);
	return data;
}

void store_chain_set(struct store *store, uint32_t height,
		     const struct sha256_double *hash)
{
	sqlite3_stmt *stmt = prepare(store,
		"INSERT OR REPLACE INTO chain (height, hash) VALUES (?1, ?2)");
	bind_int(store, stmt, 1, height);
	bind_blob(store, stmt, 2, hash, sizeof(*hash));
	step_done(store, stmt);
}

void store_chain_remove(struct store *store, uint32_t height)
{
	sqlite3_stmt *stmt = prepare(store, "DELETE FROM chain WHERE height = ?1");
	bind_int(store, stmt, 1, height);
	step_done(store, stmt);
}

size_t store_chain_load(struct store *store, struct sha256_double *hashes,
			size_t max)
{
	sqlite3_stmt *stmt = prepare(store,
		"SELECT height, hash FROM chain ORDER BY height");
	size_t n = 0;

	while (step_row(store, stmt)) {
		/* Heights are contiguous from 0 by construction. */
		if (hashes && n < max)
			column_hash(stmt, 1, &hashes[n]);
		n++;
	}
	release(stmt);
	return n;
}

bool store_coin_get(struct store *store, const struct bitcoin_outpoint *outpoint,
		    struct coin *coin)
{
	sqlite3_stmt *stmt = prepare(store,
		"SELECT amount, script, height, is_coinbase FROM utxos"
		" WHERE txid = ?1 AND vout = ?2");
	bool found;

	bind_blob(store, stmt, 1, &outpoint->txid, sizeof(outpoint->txid));
	bind_int(store, stmt, 2, outpoint->vout);
	found = step_row(store, stmt);
	if (found) {
		coin->out.amount_sat = (uint64_t)sqlite3_column_int64(stmt, 0);
		coin->out.script = column_dup(stmt, 1, &coin->out.script_len);
		coin->height = (uint32_t)sqlite3_column_int64(stmt, 2);
		coin->is_coinbase = sqlite3_column_int(stmt, 3) != 0;
	}
	release(stmt);
	return found;
}

void store_coin_add(struct store *store, const struct bitcoin_outpoint *outpoint,
		    const struct coin *coin)
{
	sqlite3_stmt *stmt = prepare(store,
		"INSERT OR REPLACE INTO utxos"
		" (txid, vout, amount, script, height, is_coinbase)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	bind_blob(store, stmt, 1, &outpoint->txid, sizeof(outpoint->txid));
	bind_int(store, stmt, 2, outpoint->vout);
	bind_int(store, stmt, 3, (int64_t)coin->out.amount_sat);
	bind_blob(store, stmt, 4, coin->out.script, coin->out.script_len);
	bind_int(store, stmt, 5, coin->height);
	bind_int(store, stmt, 6, coin->is_coinbase);
	step_done(store, stmt);
}

void store_coin_delete(struct store *store,
		       const struct bitcoin_outpoint *outpoint)
{
	sqlite3_stmt *stmt = prepare(store,
		"DELETE FROM utxos WHERE txid = ?1 AND vout = ?2");
	bind_blob(store, stmt, 1, &outpoint->txid, sizeof(outpoint->txid));
	bind_int(store, stmt, 2, outpoint->vout);
	step_done(store, stmt);
}

bool store_tx_has_unspent(struct store *store, const struct bitcoin_txid *txid)
{
	sqlite3_stmt *stmt = prepare(store,
		"SELECT 1 FROM utxos WHERE txid = ?1 LIMIT 1");
	bool found;

	bind_blob(store, stmt, 1, txid, sizeof(*txid));
	found = step_row(store, stmt);
	release(stmt);
	return found;
}

void store_txindex_add(struct store *store, const struct bitcoin_txid *txid,
		       const struct sha256_double *block_hash)
{
	sqlite3_stmt *stmt = prepare(store,
		"INSERT OR REPLACE INTO txindex (txid, block_hash) VALUES (?1, ?2)");
	bind_blob(store, stmt, 1, txid, sizeof(*txid));
	bind_blob(store, stmt, 2, block_hash, sizeof(*block_hash));
	step_done(store, stmt);
}

void store_txindex_delete(struct store *store, const struct bitcoin_txid *txid)
{
	sqlite3_stmt *stmt = prepare(store, "DELETE FROM txindex WHERE txid = ?1");
	bind_blob(store, stmt, 1, txid, sizeof(*txid));
	step_done(store, stmt);
}

bool store_txindex_get(struct store *store, const struct bitcoin_txid *txid,
		       struct sha256_double *block_hash)
{
	sqlite3_stmt *stmt = prepare(store,
		"SELECT block_hash FROM txindex WHERE txid = ?1");
	bool found;

	bind_blob(store, stmt, 1, txid, sizeof(*txid));
	found = step_row(store, stmt);
	if (found)
		column_hash(stmt, 0, block_hash);
	release(stmt);
	return found;
}

void store_mempool_add(struct store *store, const struct bitcoin_txid *txid,
		       const uint8_t *data, size_t len, int64_t time)
{
	sqlite3_stmt *stmt = prepare(store,
		"INSERT OR REPLACE INTO mempool (txid, data, time) VALUES (?1, ?2, ?3)");
	bind_blob(store, stmt, 1, txid, sizeof(*txid));
	bind_blob(store, stmt, 2, data, len);
	bind_int(store, stmt, 3, time);
	step_done(store, stmt);
}

void store_mempool_delete(struct store *store, const struct bitcoin_txid *txid)
{
	sqlite3_stmt *stmt = prepare(store, "DELETE FROM mempool WHERE txid = ?1");
	bind_blob(store, stmt, 1, txid, sizeof(*txid));
	step_done(store, stmt);
}

void store_mempool_clear(struct store *store)
{
	sqlite3_stmt *stmt = prepare(store, "DELETE FROM mempool");
	step_done(store, stmt);
}

void store_mempool_load(struct store *store,
			void (*cb)(void *arg, const uint8_t *data, size_t len,
				   int64_t time),
			void *arg)
{
	sqlite3_stmt *stmt = prepare(store,
		"SELECT data, time FROM mempool ORDER BY seq");

	/* The callback may write to the mempool table (re-accepting), so
	 * read everything first. */
	struct row { uint8_t *data; size_t len; int64_t time; } *rows = NULL;
	size_t n = 0;
	while (step_row(store, stmt)) {
		struct row *grown = wire_calloc(n + 1, sizeof(*grown));
		if (n)
			memcpy(grown, rows, n * sizeof(*rows));
		free(rows);
		rows = grown;
		rows[n].data = column_dup(stmt, 0, &rows[n].len);
		rows[n].time = sqlite3_column_int64(stmt, 1);
		n++;
	}
	release(stmt);
	for (size_t i = 0; i < n; i++) {
		cb(arg, rows[i].data, rows[i].len, rows[i].time);
		free(rows[i].data);
	}
	free(rows);
}
