/* The wallet's queries (wallet_store.h). */
#include "daemon/wallet_store.h"

#include <string.h>

#include "db/db.h"

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
