/* The wallet's queries (wallet_store.h). */
#include "daemon/wallet/wallet_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "db/db.h"

/* Runs a statement that returns no rows.  Returns: whether it did. */
static bool step_done(sqlite3_stmt *stmt)
{
	bool ok = sqlite3_step(stmt) == SQLITE_DONE;

	sqlite3_reset(stmt);
	return ok;
}

static bool read_txid(sqlite3_stmt *stmt, const char *name, struct bitcoin_txid *txid)
{
	size_t len;
	const void *bytes = db_col_blob(stmt, name, &len);

	if (len != sizeof(txid->shad.sha.u8))
		return false;
	memcpy(txid->shad.sha.u8, bytes, len);
	return true;
}

bool wallet_store_each_utxo(struct db *db,
			    void (*each)(void *arg, const struct wallet_store_utxo *utxo),
			    void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT u.txid AS txid, u.outnum AS outnum, u.amount_sat AS amount_sat,"
		"       u.script AS script, u.reserved_til AS reserved_til,"
		"       t.blockheight AS blockheight, u.spent_by IS NOT NULL AS is_spent"
		" FROM utxos u JOIN transactions t ON t.txid = u.txid"
		" ORDER BY t.blockheight IS NULL, t.blockheight, t.txindex, u.rowid");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct wallet_store_utxo utxo = {0};

		if (!read_txid(stmt, "txid", &utxo.txid))
			continue;
		utxo.outnum = (uint32_t)db_col_int64(stmt, "outnum");
		utxo.amount_sat = (uint64_t)db_col_int64(stmt, "amount_sat");
		utxo.script = db_col_blob(stmt, "script", &utxo.script_len);
		utxo.is_reserved = !db_col_is_null(stmt, "reserved_til");
		utxo.reserved_til = (uint32_t)db_col_int64(stmt, "reserved_til");
		utxo.is_confirmed = !db_col_is_null(stmt, "blockheight");
		utxo.blockheight = (uint32_t)db_col_int64(stmt, "blockheight");
		utxo.is_spent = db_col_int64(stmt, "is_spent") != 0;
		each(arg, &utxo);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

bool wallet_store_each_tx(struct db *db,
			  void (*each)(void *arg, const struct wallet_store_tx *tx), void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT txid, rawtx, blockheight, txindex FROM transactions"
		" ORDER BY blockheight IS NULL, blockheight, txindex, rowid");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct wallet_store_tx tx = {0};

		if (!read_txid(stmt, "txid", &tx.txid))
			continue;
		tx.raw = db_col_blob(stmt, "rawtx", &tx.raw_len);
		tx.is_confirmed = !db_col_is_null(stmt, "blockheight");
		tx.blockheight = (uint32_t)db_col_int64(stmt, "blockheight");
		tx.txindex = (uint32_t)db_col_int64(stmt, "txindex");
		each(arg, &tx);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

/* ---- Keys ---- */

bool wallet_store_next_key_index(struct db *db, enum wallet_addrtype type, bool is_change,
				 int64_t *next)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT COALESCE(MAX(keyindex) + 1, 0) AS next FROM wallet_keys"
		" WHERE addrtype = ? AND is_change = ?");
	bool ok;

	if (!stmt)
		return false;
	sqlite3_bind_int(stmt, 1, type);
	sqlite3_bind_int(stmt, 2, is_change);
	ok = sqlite3_step(stmt) == SQLITE_ROW;
	if (ok)
		*next = db_col_int64(stmt, "next");
	sqlite3_reset(stmt);
	return ok;
}

bool wallet_store_key_add(struct db *db, const struct wallet_key_path *path,
			  const uint8_t *script, size_t script_len)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO wallet_keys (addrtype, is_change, keyindex, script) VALUES (?, ?, ?, ?)");

	if (!stmt)
		return false;
	sqlite3_bind_int(stmt, 1, path->type);
	sqlite3_bind_int(stmt, 2, path->is_change);
	sqlite3_bind_int64(stmt, 3, path->index);
	sqlite3_bind_blob(stmt, 4, script, (int)script_len, SQLITE_STATIC);
	return step_done(stmt);
}

bool wallet_store_each_key(struct db *db,
			   void (*each)(void *arg, const struct wallet_key_path *path,
					const uint8_t *script, size_t script_len),
			   void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT addrtype, is_change, keyindex, script FROM wallet_keys");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct wallet_key_path path = {
			.type = (enum wallet_addrtype)db_col_int64(stmt, "addrtype"),
			.is_change = db_col_int64(stmt, "is_change") != 0,
			.index = (uint32_t)db_col_int64(stmt, "keyindex"),
		};
		size_t len;
		const uint8_t *script = db_col_blob(stmt, "script", &len);
		each(arg, &path, script, len);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

/* ---- Transactions ---- */

bool wallet_store_tx_put(struct db *db, const struct bitcoin_txid *txid, const uint8_t *raw,
			 size_t raw_len, int64_t height, size_t txindex, bool is_coinbase,
			 bool is_ours)
{
	/* A held transaction that confirms was sent by someone: it is held
	 * no longer. */
	sqlite3_stmt *stmt = db_prepare(db, height >= 0
		? "INSERT INTO transactions (txid, rawtx, blockheight, txindex, is_coinbase, is_ours)"
		  " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (txid) DO UPDATE SET"
		  " rawtx = excluded.rawtx, blockheight = excluded.blockheight,"
		  " txindex = excluded.txindex, is_held = 0"
		: "INSERT INTO transactions (txid, rawtx, blockheight, txindex, is_coinbase, is_ours)"
		  " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (txid) DO NOTHING");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, raw, (int)raw_len, SQLITE_STATIC);
	if (height >= 0) {
		sqlite3_bind_int64(stmt, 3, height);
		sqlite3_bind_int64(stmt, 4, (sqlite3_int64)txindex);
	}
	sqlite3_bind_int(stmt, 5, is_coinbase);
	sqlite3_bind_int(stmt, 6, is_ours);
	return step_done(stmt);
}

int wallet_store_tx_lookup(struct db *db, const struct bitcoin_txid *txid, bool *is_confirmed)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT blockheight IS NOT NULL AS is_confirmed FROM transactions WHERE txid = ?");
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && is_confirmed)
		*is_confirmed = db_col_int64(stmt, "is_confirmed") != 0;
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

struct bitcoin_tx *wallet_store_tx_load(struct db *db, const struct bitcoin_txid *txid)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT rawtx FROM transactions WHERE txid = ?");
	struct bitcoin_tx *tx = NULL;

	if (!stmt)
		return NULL;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		size_t len;
		const void *raw = db_col_blob(stmt, "rawtx", &len);
		tx = bitcoin_tx_parse(raw, len, NULL);
	}
	sqlite3_reset(stmt);
	return tx;
}

bool wallet_store_tx_delete(struct db *db, const struct bitcoin_txid *txid)
{
	sqlite3_stmt *stmt = db_prepare(db, "DELETE FROM transactions WHERE txid = ?");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	return step_done(stmt);
}

/* Reads every row's txid (column name) into a malloc'd list; a row
 * without a 32-byte txid is an error if is_strict, else skipped. */
static bool read_txids(sqlite3_stmt *stmt, const char *name, bool is_strict,
		       struct bitcoin_txid **txids, size_t *num)
{
	int rc;

	*txids = NULL;
	*num = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct bitcoin_txid txid;
		if (!read_txid(stmt, name, &txid)) {
			if (!is_strict)
				continue;
			rc = SQLITE_ERROR;
			break;
		}
		*txids = oh_realloc(*txids, (*num + 1) * sizeof(**txids));
		(*txids)[(*num)++] = txid;
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return true;
	free(*txids);
	*txids = NULL;
	*num = 0;
	return false;
}

bool wallet_store_txids(struct db *db, enum wallet_store_txs which, uint32_t height,
			struct bitcoin_txid **txids, size_t *num)
{
	static const char *const sql[] = {
		[WALLET_STORE_COINBASES_AT] = "SELECT txid FROM transactions"
			" WHERE blockheight = ? AND is_coinbase = 1",
		[WALLET_STORE_OURS_SENDABLE_AT] = "SELECT txid FROM transactions"
			" WHERE blockheight = ? AND is_ours = 1 AND is_held = 0 ORDER BY rowid",
		[WALLET_STORE_OTHERS_UNCONFIRMED] = "SELECT txid FROM transactions"
			" WHERE blockheight IS NULL AND is_ours = 0",
	};
	sqlite3_stmt *stmt = db_prepare(db, sql[which]);

	*txids = NULL;
	*num = 0;
	if (!stmt)
		return false;
	if (which != WALLET_STORE_OTHERS_UNCONFIRMED)
		sqlite3_bind_int64(stmt, 1, height);
	return read_txids(stmt, "txid", which != WALLET_STORE_OTHERS_UNCONFIRMED, txids, num);
}

bool wallet_store_tx_children(struct db *db, const struct bitcoin_txid *txid,
			      struct bitcoin_txid **children, size_t *num)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT DISTINCT spent_by FROM utxos WHERE txid = ? AND spent_by IS NOT NULL");

	*children = NULL;
	*num = 0;
	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	return read_txids(stmt, "spent_by", false, children, num);
}

bool wallet_store_unconfirm_height(struct db *db, uint32_t height)
{
	sqlite3_stmt *stmt = db_prepare(db, "UPDATE transactions SET blockheight = NULL,"
					" txindex = NULL WHERE blockheight = ?");

	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, height);
	return step_done(stmt);
}

bool wallet_store_each_sendable(struct db *db,
				void (*each)(void *arg, const struct bitcoin_tx *tx), void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT rawtx FROM transactions"
		" WHERE blockheight IS NULL AND is_ours = 1 AND is_held = 0 ORDER BY rowid");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		size_t len;
		const void *raw = db_col_blob(stmt, "rawtx", &len);
		struct bitcoin_tx *tx = bitcoin_tx_parse(raw, len, NULL);
		if (!tx)
			continue;
		each(arg, tx);
		bitcoin_tx_free(tx);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

/* ---- Outputs ---- */

bool wallet_store_utxo_add(struct db *db, const struct bitcoin_txid *txid, uint32_t vout,
			   const struct bitcoin_tx_output *out, const struct wallet_key_path *path)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"INSERT INTO utxos (txid, outnum, amount_sat, script, addrtype, is_change, keyindex)"
		" VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (txid, outnum) DO NOTHING");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, vout);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)out->amount_sat);
	sqlite3_bind_blob(stmt, 4, out->script, (int)out->script_len, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, path->type);
	sqlite3_bind_int(stmt, 6, path->is_change);
	sqlite3_bind_int64(stmt, 7, path->index);
	return step_done(stmt);
}

int wallet_store_utxo_spender(struct db *db, const struct bitcoin_outpoint *prevout,
			      struct bitcoin_txid *spender, bool *has_spender)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"SELECT spent_by FROM utxos WHERE txid = ? AND outnum = ?");
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_blob(stmt, 1, prevout->txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, prevout->vout);
	rc = sqlite3_step(stmt);
	*has_spender = rc == SQLITE_ROW && read_txid(stmt, "spent_by", spender);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

bool wallet_store_utxo_set_spent(struct db *db, const struct bitcoin_outpoint *prevout,
				 const struct bitcoin_txid *txid)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"UPDATE utxos SET spent_by = ? WHERE txid = ? AND outnum = ?");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, prevout->txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, prevout->vout);
	return step_done(stmt);
}

bool wallet_store_each_outpoint(struct db *db,
				void (*each)(void *arg, const struct bitcoin_txid *txid,
					     uint32_t vout),
				void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT txid, outnum FROM utxos");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct bitcoin_txid txid;
		if (read_txid(stmt, "txid", &txid))
			each(arg, &txid, (uint32_t)db_col_int64(stmt, "outnum"));
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

/* ---- Spending ---- */

#define COIN_COLUMNS \
	"SELECT u.txid AS txid, u.outnum AS outnum, u.amount_sat AS amount_sat," \
	"       u.script AS script, u.addrtype AS addrtype, u.is_change AS is_change," \
	"       u.keyindex AS keyindex, t.blockheight AS blockheight," \
	"       t.is_coinbase AS is_coinbase, u.spent_by IS NOT NULL AS is_spent," \
	"       u.reserved_til AS reserved_til, t.is_held AS is_held" \
	" FROM utxos u JOIN transactions t ON t.txid = u.txid"

static bool read_coin(sqlite3_stmt *stmt, struct wallet_store_coin *coin)
{
	memset(coin, 0, sizeof(*coin));
	if (!read_txid(stmt, "txid", &coin->outpoint.txid))
		return false;
	coin->outpoint.vout = (uint32_t)db_col_int64(stmt, "outnum");
	coin->amount_sat = (uint64_t)db_col_int64(stmt, "amount_sat");
	const void *script = db_col_blob(stmt, "script", &coin->script_len);
	if (script)
		memcpy(coin->script, script, coin->script_len < sizeof(coin->script)
		       ? coin->script_len : sizeof(coin->script));
	coin->path.type = (enum wallet_addrtype)db_col_int64(stmt, "addrtype");
	coin->path.is_change = db_col_int64(stmt, "is_change") != 0;
	coin->path.index = (uint32_t)db_col_int64(stmt, "keyindex");
	coin->is_confirmed = !db_col_is_null(stmt, "blockheight");
	coin->blockheight = (uint32_t)db_col_int64(stmt, "blockheight");
	coin->is_coinbase = db_col_int64(stmt, "is_coinbase") != 0;
	coin->is_spent = db_col_int64(stmt, "is_spent") != 0;
	coin->is_reserved = !db_col_is_null(stmt, "reserved_til");
	coin->reserved_til = (uint32_t)db_col_int64(stmt, "reserved_til");
	coin->is_held = db_col_int64(stmt, "is_held") != 0;
	return true;
}

int wallet_store_coin(struct db *db, const struct bitcoin_outpoint *outpoint,
		      struct wallet_store_coin *coin)
{
	sqlite3_stmt *stmt = db_prepare(db, COIN_COLUMNS " WHERE u.txid = ? AND u.outnum = ?");
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_blob(stmt, 1, outpoint->txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, outpoint->vout);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && !read_coin(stmt, coin))
		rc = SQLITE_DONE;
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

bool wallet_store_each_unspent_coin(struct db *db,
				    bool (*each)(void *arg, const struct wallet_store_coin *coin),
				    void *arg)
{
	sqlite3_stmt *stmt = db_prepare(db, COIN_COLUMNS " WHERE u.spent_by IS NULL");
	int rc;

	if (!stmt)
		return false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct wallet_store_coin coin;
		if (read_coin(stmt, &coin) && !each(arg, &coin)) {
			rc = SQLITE_ERROR;
			break;
		}
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

bool wallet_store_coin_take(struct db *db, const struct bitcoin_outpoint *outpoint,
			    const struct bitcoin_txid *txid, uint32_t reserved_til)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"UPDATE utxos SET spent_by = ?, reserved_til = ?"
		" WHERE txid = ? AND outnum = ? AND spent_by IS NULL");
	bool ok;

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, reserved_til);
	sqlite3_bind_blob(stmt, 3, outpoint->txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, outpoint->vout);
	ok = sqlite3_step(stmt) == SQLITE_DONE && sqlite3_changes(sqlite3_db_handle(stmt)) == 1;
	sqlite3_reset(stmt);
	return ok;
}

bool wallet_store_unreserve_spent_by(struct db *db, const struct bitcoin_txid *txid)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"UPDATE utxos SET reserved_til = NULL WHERE spent_by = ?");

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	return step_done(stmt);
}

int wallet_store_tx_set_held(struct db *db, const struct bitcoin_txid *txid, bool is_held)
{
	sqlite3_stmt *stmt = db_prepare(db,
		"UPDATE transactions SET is_held = ? WHERE txid = ? AND is_ours = 1");
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_int(stmt, 1, is_held);
	sqlite3_bind_blob(stmt, 2, txid->shad.sha.u8, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt) != SQLITE_DONE ? -1
		: sqlite3_changes(sqlite3_db_handle(stmt)) == 1 ? 1 : 0;
	sqlite3_reset(stmt);
	return rc;
}

bool wallet_store_tx_is_held(struct db *db, const struct bitcoin_txid *txid, bool *held)
{
	sqlite3_stmt *stmt = db_prepare(db, "SELECT is_held FROM transactions WHERE txid = ?");
	int rc;

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*held = rc == SQLITE_ROW && db_col_int64(stmt, "is_held") != 0;
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

int wallet_store_savepoint(struct db *db, bool (*write)(void *arg), void *arg)
{
	bool ok;

	if (!db_exec(db, "SAVEPOINT wallet_write"))
		return -1;
	ok = write(arg);
	if (!ok && !db_exec(db, "ROLLBACK TO wallet_write")) {
		db_exec(db, "RELEASE wallet_write");
		return -1;
	}
	if (!db_exec(db, "RELEASE wallet_write"))
		return -1;
	return ok ? 1 : 0;
}
