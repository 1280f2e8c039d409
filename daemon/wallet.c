/* Invariants: every script in wallet_keys is in the scripts set; every
 * outpoint in utxos is in the outpoints set.  Both sets only grow between
 * start-ups (a rolled-back transaction may leave extra entries, which the
 * database lookups that follow a hit ignore), so a block can be scanned
 * without touching the database for the transactions that are not ours. */
#include "daemon/wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/address.h"
#include "bitcoin/block.h"
#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "daemon/byteset.h"
#include "daemon/chain.h"
#include "daemon/log.h"
#include "daemon/wallet_internal.h"
#include "db/db.h"

/* ---- The in-memory sets ---- */

void wallet_script_key(uint8_t key[WALLET_SCRIPT_KEY_LEN], const uint8_t *script, size_t len)
{
	memset(key, 0, WALLET_SCRIPT_KEY_LEN);
	key[0] = (uint8_t)len;
	memcpy(key + 1, script, len);
}

static uint64_t path_pack(const struct wallet_key_path *path)
{
	return ((uint64_t)path->type << 33) | ((uint64_t)path->is_change << 32) | path->index;
}

static void path_unpack(struct wallet_key_path *path, uint64_t packed)
{
	path->type = (enum wallet_addrtype)(packed >> 33);
	path->is_change = (packed >> 32) & 1;
	path->index = (uint32_t)packed;
}

/* Returns: true if script pays one of our keys, filling *path. */
bool wallet_script_is_ours(const struct wallet *wallet, const uint8_t *script, size_t len,
			   struct wallet_key_path *path)
{
	uint8_t key[WALLET_SCRIPT_KEY_LEN];
	uint64_t packed;

	if (len > WALLET_SCRIPT_MAX_LEN)
		return false;
	wallet_script_key(key, script, len);
	if (!byteset_get(wallet->scripts, key, &packed))
		return false;
	if (path)
		path_unpack(path, packed);
	return true;
}

void wallet_outpoint_key(uint8_t key[36], const struct bitcoin_txid *txid, uint32_t vout)
{
	memcpy(key, txid->shad.sha.u8, 32);
	key[32] = (uint8_t)vout;
	key[33] = (uint8_t)(vout >> 8);
	key[34] = (uint8_t)(vout >> 16);
	key[35] = (uint8_t)(vout >> 24);
}

static bool outpoint_maybe_ours(const struct wallet *wallet, const struct bitcoin_outpoint *o)
{
	uint8_t key[36];

	wallet_outpoint_key(key, &o->txid, o->vout);
	return byteset_get(wallet->outpoints, key, NULL);
}

/* ---- Keys ---- */

bool wallet_issue_key(struct wallet *wallet, enum wallet_addrtype type, bool is_change,
		      struct wallet_key_path *path, struct wirebuf *script)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db,
		"SELECT COALESCE(MAX(keyindex) + 1, 0) FROM wallet_keys"
		" WHERE addrtype = ? AND is_change = ?");
	uint8_t key[WALLET_SCRIPT_KEY_LEN];
	int64_t next;

	if (!stmt)
		return false;
	sqlite3_bind_int(stmt, 1, type);
	sqlite3_bind_int(stmt, 2, is_change);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return false;
	}
	next = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);

	path->type = type;
	path->is_change = is_change;
	/* An index whose key is invalid (probability below 2^-127) is
	 * skipped, as BIP32 says. */
	for (;; next++) {
		if (next >= BIP32_HARDENED)
			return false;
		path->index = (uint32_t)next;
		wirebuf_reset(script);
		if (wallet_keys_script(wallet->secp, script, &wallet->keys, path))
			break;
	}
	stmt = db_prepare(wallet->db,
		"INSERT INTO wallet_keys (addrtype, is_change, keyindex, script) VALUES (?, ?, ?, ?)");
	if (!stmt)
		return false;
	sqlite3_bind_int(stmt, 1, type);
	sqlite3_bind_int(stmt, 2, is_change);
	sqlite3_bind_int64(stmt, 3, next);
	sqlite3_bind_blob(stmt, 4, script->data, (int)script->len, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		sqlite3_reset(stmt);
		return false;
	}
	sqlite3_reset(stmt);
	/* Watched from now on (an extra entry is harmless if the caller's
	 * transaction rolls back). */
	wallet_script_key(key, script->data, script->len);
	byteset_put(wallet->scripts, key, path_pack(path));
	return true;
}

/* Issues the next receiving (not change) key of type into script: in the
 * caller's database transaction if one is open, else in its own. */
static bool issue_receive_key(struct wallet *wallet, enum wallet_addrtype type,
			      struct wallet_key_path *path, struct wirebuf *script, char *err,
			      size_t errlen)
{
	bool is_own_transaction = !db_in_transaction(wallet->db);
	bool ok = (!is_own_transaction || db_begin(wallet->db))
		&& wallet_issue_key(wallet, type, false, path, script)
		&& (!is_own_transaction || db_commit(wallet->db));

	if (!ok) {
		snprintf(err, errlen, "cannot store a new key: %s", db_errmsg(wallet->db));
		if (is_own_transaction)
			db_rollback(wallet->db);
	}
	return ok;
}

bool wallet_new_address(struct wallet *wallet, enum wallet_addrtype type,
			char address[ADDRESS_MAX_LEN + 1], char *err, size_t errlen)
{
	struct wirebuf *script = wirebuf_new();
	struct wallet_key_path path;
	char path_text[64];
	bool ok = issue_receive_key(wallet, type, &path, script, err, errlen);

	if (ok && !address_from_script(address, wallet->params, script->data, script->len)) {
		snprintf(err, errlen, "cannot encode an address");
		ok = false;
	} else if (ok) {
		wallet_key_path_text(path_text, &path, wallet->params);
		log_debug(wallet->log, "wallet", "new address %s (%s)", address, path_text);
	}
	wirebuf_free(script);
	return ok;
}

bool wallet_new_script(struct wallet *wallet, struct wirebuf *script, char *err, size_t errlen)
{
	struct wirebuf *issued = wirebuf_new();
	struct wallet_key_path path;
	char path_text[64];
	bool ok = issue_receive_key(wallet, WALLET_P2WPKH, &path, issued, err, errlen);

	if (ok) {
		wirebuf_append(script, issued->data, issued->len);
		wallet_key_path_text(path_text, &path, wallet->params);
		log_debug(wallet->log, "wallet", "new script (%s)", path_text);
	}
	wirebuf_free(issued);
	return ok;
}

void wallet_watch_channel_key(struct wallet *wallet, const uint8_t *script, size_t len,
			      uint64_t channel_index)
{
	struct wallet_key_path path = {.type = WALLET_CHANNEL, .index = (uint32_t)channel_index};
	uint8_t key[WALLET_SCRIPT_KEY_LEN];

	/* The path packs a 32-bit index. */
	if (len > WALLET_SCRIPT_MAX_LEN || channel_index > UINT32_MAX)
		return;
	wallet_script_key(key, script, len);
	byteset_put(wallet->scripts, key, path_pack(&path));
}

/* ---- Recording what the chain shows ---- */

static char *txid_hex(char out[65], const struct bitcoin_txid *txid)
{
	return bitcoin_txid_to_hex(out, txid);
}

/* Stores tx (or, if known, updates where it is confirmed).  height < 0:
 * unconfirmed, and a known transaction is left as it is.  A held
 * transaction that confirms was sent by someone: it is held no longer. */
bool wallet_tx_record(struct wallet *wallet, const struct bitcoin_txid *txid,
		      const struct bitcoin_tx *tx, int64_t height, size_t txindex,
		      bool is_coinbase, bool is_ours)
{
	struct wirebuf *raw = wirebuf_new();
	sqlite3_stmt *stmt = db_prepare(wallet->db, height >= 0
		? "INSERT INTO transactions (txid, rawtx, blockheight, txindex, is_coinbase, is_ours)"
		  " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (txid) DO UPDATE SET"
		  " rawtx = excluded.rawtx, blockheight = excluded.blockheight,"
		  " txindex = excluded.txindex, is_held = 0"
		: "INSERT INTO transactions (txid, rawtx, blockheight, txindex, is_coinbase, is_ours)"
		  " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (txid) DO NOTHING");
	bool ok;

	if (!stmt) {
		wirebuf_free(raw);
		return false;
	}
	bitcoin_tx_serialize(raw, tx, true);
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, raw->data, (int)raw->len, SQLITE_STATIC);
	if (height >= 0) {
		sqlite3_bind_int64(stmt, 3, height);
		sqlite3_bind_int64(stmt, 4, (sqlite3_int64)txindex);
	}
	sqlite3_bind_int(stmt, 5, is_coinbase);
	sqlite3_bind_int(stmt, 6, is_ours);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	wirebuf_free(raw);
	return ok;
}

/* The transactions spending outputs of txid (its children). */
static bool tx_children(struct wallet *wallet, const struct bitcoin_txid *txid,
			struct bitcoin_txid **children, size_t *num_children)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db,
		"SELECT DISTINCT spent_by FROM utxos WHERE txid = ? AND spent_by IS NOT NULL");
	int rc;

	*children = NULL;
	*num_children = 0;
	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(stmt, 0) != 32)
			continue;
		*children = oh_realloc(*children, (*num_children + 1) * sizeof(**children));
		memcpy((*children)[(*num_children)++].shad.sha.u8, sqlite3_column_blob(stmt, 0), 32);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

bool wallet_tx_forget(struct wallet *wallet, const struct bitcoin_txid *txid, const char *why,
		      unsigned depth)
{
	struct bitcoin_txid *children;
	size_t num_children;
	sqlite3_stmt *stmt;
	char hex[65];
	bool ok;

	/* Core allows chains of 25 unconfirmed transactions; anything this
	 * deep is a bug, not a chain. */
	if (depth > 1000)
		return false;
	/* Children first: the statement cache hands out one statement per
	 * SQL text, so the list is read whole before recursing. */
	if (!tx_children(wallet, txid, &children, &num_children))
		return false;
	ok = true;
	for (size_t i = 0; ok && i < num_children; i++)
		ok = wallet_tx_forget(wallet, &children[i], "it spends a forgotten transaction",
				      depth + 1);
	free(children);
	if (!ok)
		return false;
	/* Its outputs go (ON DELETE CASCADE); what it spent is free again
	 * (ON DELETE SET NULL). */
	stmt = db_prepare(wallet->db, "DELETE FROM transactions WHERE txid = ?");
	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	if (ok) {
		chain_rebroadcast_forget(wallet->chain, txid);
		log_info(wallet->log, "wallet", "forgot transaction %s: %s", txid_hex(hex, txid), why);
	}
	return ok;
}

/* A transaction we know of, and whether it is confirmed. */
static int tx_lookup(struct wallet *wallet, const struct bitcoin_txid *txid, bool *is_confirmed)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db,
		"SELECT blockheight IS NOT NULL FROM transactions WHERE txid = ?");
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && is_confirmed)
		*is_confirmed = sqlite3_column_int(stmt, 0) != 0;
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* What spends our output prevout: 1 with *spender (or a zero txid if
 * nothing), 0 if prevout is not one of our outputs, -1 on error. */
static int utxo_spender(struct wallet *wallet, const struct bitcoin_outpoint *prevout,
			struct bitcoin_txid *spender, bool *has_spender)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db,
		"SELECT spent_by FROM utxos WHERE txid = ? AND outnum = ?");
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_blob(stmt, 1, prevout->txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, prevout->vout);
	rc = sqlite3_step(stmt);
	*has_spender = rc == SQLITE_ROW && sqlite3_column_bytes(stmt, 0) == 32;
	if (*has_spender)
		memcpy(spender->shad.sha.u8, sqlite3_column_blob(stmt, 0), 32);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Marks our output prevout spent by txid, forgetting an unconfirmed
 * transaction that spent it before (a double spend won). */
static bool utxo_spend(struct wallet *wallet, const struct bitcoin_outpoint *prevout,
		       const struct bitcoin_txid *txid)
{
	struct bitcoin_txid spender;
	bool has_spender;
	sqlite3_stmt *stmt;
	int rc = utxo_spender(wallet, prevout, &spender, &has_spender);
	bool ok;

	if (rc <= 0)
		return rc == 0;		/* not ours after all: nothing to do */
	if (has_spender && bitcoin_txid_eq(&spender, txid))
		return true;
	if (has_spender
	    && !wallet_tx_forget(wallet, &spender, "a conflicting transaction replaced it", 0))
		return false;
	stmt = db_prepare(wallet->db, "UPDATE utxos SET spent_by = ? WHERE txid = ? AND outnum = ?");
	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, prevout->txid.shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, prevout->vout);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	return ok;
}

bool wallet_utxo_add(struct wallet *wallet, const struct bitcoin_txid *txid, uint32_t vout,
		     const struct bitcoin_tx_output *out, const struct wallet_key_path *path)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db,
		"INSERT INTO utxos (txid, outnum, amount_sat, script, addrtype, is_change, keyindex)"
		" VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (txid, outnum) DO NOTHING");
	uint8_t key[36];
	bool ok;

	if (!stmt)
		return false;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, vout);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)out->amount_sat);
	sqlite3_bind_blob(stmt, 4, out->script, (int)out->script_len, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 5, path->type);
	sqlite3_bind_int(stmt, 6, path->is_change);
	sqlite3_bind_int64(stmt, 7, path->index);
	ok = sqlite3_step(stmt) == SQLITE_DONE;
	sqlite3_reset(stmt);
	wallet_outpoint_key(key, txid, vout);
	byteset_put(wallet->outpoints, key, 0);
	return ok;
}

/* Returns: true if tx pays or spends anything of ours (as far as the
 * in-memory sets tell). */
static bool tx_touches_us(const struct wallet *wallet, const struct bitcoin_tx *tx)
{
	for (size_t i = 0; i < tx->num_outputs; i++)
		if (wallet_script_is_ours(wallet, tx->outputs[i].script, tx->outputs[i].script_len,
					  NULL))
			return true;
	for (size_t i = 0; i < tx->num_inputs; i++)
		if (outpoint_maybe_ours(wallet, &tx->inputs[i].prevout))
			return true;
	return false;
}

/* Records tx (confirmed at height, or unconfirmed if height < 0): its
 * spends of our outputs and its outputs to us. */
static bool tx_apply(struct wallet *wallet, const struct bitcoin_tx *tx,
		     const struct bitcoin_txid *txid, int64_t height, size_t txindex,
		     bool is_coinbase)
{
	if (!wallet_tx_record(wallet, txid, tx, height, txindex, is_coinbase, false))
		return false;
	for (size_t i = 0; i < tx->num_inputs; i++)
		if (outpoint_maybe_ours(wallet, &tx->inputs[i].prevout)
		    && !utxo_spend(wallet, &tx->inputs[i].prevout, txid))
			return false;
	for (size_t i = 0; i < tx->num_outputs; i++) {
		struct wallet_key_path path;
		if (wallet_script_is_ours(wallet, tx->outputs[i].script, tx->outputs[i].script_len,
					  &path)
		    && !wallet_utxo_add(wallet, txid, (uint32_t)i, &tx->outputs[i], &path))
			return false;
	}
	return true;
}

static bool block_connected(void *arg, uint32_t height, const struct bitcoin_blkid *hash,
			    const struct bitcoin_block *block, char *err, size_t errlen)
{
	struct wallet *wallet = arg;

	for (size_t i = 0; i < block->num_txs; i++) {
		const struct bitcoin_tx *tx = block->txs[i];
		struct bitcoin_txid txid;
		char hex[65];

		if (!tx_touches_us(wallet, tx))
			continue;
		bitcoin_tx_txid(&txid, tx);
		if (!tx_apply(wallet, tx, &txid, height, i, i == 0)) {
			snprintf(err, errlen, "wallet: cannot record %s of block %u: %s",
				 txid_hex(hex, &txid), height, db_errmsg(wallet->db));
			return false;
		}
		log_debug(wallet->log, "wallet", "block %u: transaction %s", height,
			  txid_hex(hex, &txid));
	}
	return true;
}

/* The txids (and raw transactions) of a query taking one height. */
static bool txids_at_height(struct wallet *wallet, const char *sql, uint32_t height,
			    struct bitcoin_txid **txids, size_t *num)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db, sql);
	int rc;

	*txids = NULL;
	*num = 0;
	if (!stmt)
		return false;
	sqlite3_bind_int64(stmt, 1, height);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(stmt, 0) != 32) {
			rc = SQLITE_ERROR;
			break;
		}
		*txids = oh_realloc(*txids, (*num + 1) * sizeof(**txids));
		memcpy((*txids)[(*num)++].shad.sha.u8, sqlite3_column_blob(stmt, 0), 32);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE;
}

struct bitcoin_tx *wallet_tx_load(struct wallet *wallet, const struct bitcoin_txid *txid)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db, "SELECT rawtx FROM transactions WHERE txid = ?");
	struct bitcoin_tx *tx = NULL;

	if (!stmt)
		return NULL;
	sqlite3_bind_blob(stmt, 1, txid->shad.sha.u8, 32, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		tx = bitcoin_tx_parse(sqlite3_column_blob(stmt, 0),
				      (size_t)sqlite3_column_bytes(stmt, 0), NULL);
	sqlite3_reset(stmt);
	return tx;
}

static bool block_disconnected(void *arg, uint32_t height, char *err, size_t errlen)
{
	struct wallet *wallet = arg;
	struct bitcoin_txid *txids;
	size_t num;
	sqlite3_stmt *stmt;
	bool ok;

	/* A coinbase cannot come back: it and whatever spends it go. */
	ok = txids_at_height(wallet, "SELECT txid FROM transactions"
			     " WHERE blockheight = ? AND is_coinbase = 1", height, &txids, &num);
	for (size_t i = 0; ok && i < num; i++)
		ok = wallet_tx_forget(wallet, &txids[i], "its block left the best chain", 0);
	/* Ours go back to being re-sent until confirmed again (a confirmed
	 * one is never held, but a held one must never be sent). */
	free(txids);
	txids = NULL;
	if (ok) {
		ok = txids_at_height(wallet, "SELECT txid FROM transactions WHERE blockheight = ?"
				     " AND is_ours = 1 AND is_held = 0 ORDER BY rowid",
				     height, &txids, &num);
	}
	for (size_t i = 0; ok && i < num; i++) {
		struct bitcoin_tx *tx = wallet_tx_load(wallet, &txids[i]);
		if (tx)
			chain_rebroadcast_add(wallet->chain, tx);
		bitcoin_tx_free(tx);
	}
	free(txids);
	/* The rest are unconfirmed again: back in the mempool, or soon
	 * forgotten if they do not return there. */
	stmt = ok ? db_prepare(wallet->db, "UPDATE transactions SET blockheight = NULL,"
			       " txindex = NULL WHERE blockheight = ?") : NULL;
	if (stmt) {
		sqlite3_bind_int64(stmt, 1, height);
		ok = sqlite3_step(stmt) == SQLITE_DONE;
		sqlite3_reset(stmt);
	}
	if (!ok || !stmt) {
		snprintf(err, errlen, "wallet: cannot undo block %u: %s", height,
			 db_errmsg(wallet->db));
		return false;
	}
	return true;
}

static void mempool_tx(void *arg, const struct bitcoin_tx *tx, const struct bitcoin_txid *txid)
{
	struct wallet *wallet = arg;
	char hex[65];

	if (!tx_touches_us(wallet, tx) || tx_lookup(wallet, txid, NULL) != 0)
		return;
	/* A transaction spending what a confirmed one already spent cannot
	 * be valid: our view is a poll behind. */
	for (size_t i = 0; i < tx->num_inputs; i++) {
		struct bitcoin_txid spender;
		bool has_spender, is_confirmed = false;
		if (!outpoint_maybe_ours(wallet, &tx->inputs[i].prevout))
			continue;
		if (utxo_spender(wallet, &tx->inputs[i].prevout, &spender, &has_spender) > 0
		    && has_spender && tx_lookup(wallet, &spender, &is_confirmed) > 0 && is_confirmed)
			return;
	}
	if (!db_begin(wallet->db) || !tx_apply(wallet, tx, txid, -1, 0, false)
	    || !db_commit(wallet->db)) {
		log_broken(wallet->log, "wallet", "cannot record mempool transaction %s: %s",
			   txid_hex(hex, txid), db_errmsg(wallet->db));
		db_rollback(wallet->db);
		return;
	}
	log_info(wallet->log, "wallet", "unconfirmed transaction %s", txid_hex(hex, txid));
}

static void mempool_snapshot(void *arg, const struct byteset *txids)
{
	struct wallet *wallet = arg;
	sqlite3_stmt *stmt = db_prepare(wallet->db, "SELECT txid FROM transactions"
					" WHERE blockheight IS NULL AND is_ours = 0");
	struct bitcoin_txid *gone = NULL;
	size_t num_gone = 0;
	bool ok = true;

	if (!stmt)
		return;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if (sqlite3_column_bytes(stmt, 0) != 32
		    || byteset_get(txids, sqlite3_column_blob(stmt, 0), NULL))
			continue;
		gone = oh_realloc(gone, (num_gone + 1) * sizeof(*gone));
		memcpy(gone[num_gone++].shad.sha.u8, sqlite3_column_blob(stmt, 0), 32);
	}
	sqlite3_reset(stmt);
	if (num_gone == 0) {
		free(gone);
		return;
	}
	/* Someone else's unconfirmed transaction that left the mempool
	 * (replaced, expired, its block reorged away) is not ours to keep. */
	ok = db_begin(wallet->db);
	for (size_t i = 0; ok && i < num_gone; i++)
		if (tx_lookup(wallet, &gone[i], NULL) > 0)
			ok = wallet_tx_forget(wallet, &gone[i], "it left the mempool", 0);
	if (!ok || !db_commit(wallet->db)) {
		log_broken(wallet->log, "wallet", "cannot forget transactions: %s",
			   db_errmsg(wallet->db));
		db_rollback(wallet->db);
	}
	free(gone);
}

/* ---- Start-up ---- */

static bool load_sets(struct wallet *wallet, char *err, size_t errlen)
{
	sqlite3_stmt *stmt = db_prepare(wallet->db,
		"SELECT addrtype, is_change, keyindex, script FROM wallet_keys");
	int rc;

	if (!stmt)
		goto fail;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct wallet_key_path path = {
			.type = (enum wallet_addrtype)sqlite3_column_int(stmt, 0),
			.is_change = sqlite3_column_int(stmt, 1) != 0,
			.index = (uint32_t)sqlite3_column_int64(stmt, 2),
		};
		uint8_t key[WALLET_SCRIPT_KEY_LEN];
		size_t len = (size_t)sqlite3_column_bytes(stmt, 3);
		if (len > WALLET_SCRIPT_MAX_LEN)
			continue;
		wallet_script_key(key, sqlite3_column_blob(stmt, 3), len);
		byteset_put(wallet->scripts, key, path_pack(&path));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		goto fail;

	stmt = db_prepare(wallet->db, "SELECT txid, outnum FROM utxos");
	if (!stmt)
		goto fail;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct bitcoin_txid txid;
		uint8_t key[36];
		if (sqlite3_column_bytes(stmt, 0) != 32)
			continue;
		memcpy(txid.shad.sha.u8, sqlite3_column_blob(stmt, 0), 32);
		wallet_outpoint_key(key, &txid, (uint32_t)sqlite3_column_int64(stmt, 1));
		byteset_put(wallet->outpoints, key, 0);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		goto fail;

	/* Our unconfirmed transactions are re-sent until confirmed; held
	 * ones wait for their channel (wallet_fund_unhold). */
	stmt = db_prepare(wallet->db, "SELECT rawtx FROM transactions"
			  " WHERE blockheight IS NULL AND is_ours = 1 AND is_held = 0 ORDER BY rowid");
	if (!stmt)
		goto fail;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct bitcoin_tx *tx = bitcoin_tx_parse(sqlite3_column_blob(stmt, 0),
							 (size_t)sqlite3_column_bytes(stmt, 0), NULL);
		struct bitcoin_txid txid;
		char hex[65];
		if (!tx)
			continue;
		chain_rebroadcast_add(wallet->chain, tx);
		bitcoin_tx_txid(&txid, tx);
		log_info(wallet->log, "wallet", "re-sending our unconfirmed transaction %s",
			 txid_hex(hex, &txid));
		bitcoin_tx_free(tx);
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return true;
fail:
	snprintf(err, errlen, "cannot load the wallet: %s", db_errmsg(wallet->db));
	return false;
}

struct wallet *wallet_new(const secp256k1_context *secp, struct log *log, struct db *db,
			  struct chain *chain, const struct chainparams *params,
			  const uint8_t node_secret[32], char *err, size_t errlen)
{
	struct wallet *wallet = oh_calloc(1, sizeof(*wallet));
	struct chain_listener listener = {
		.block_connected = block_connected,
		.block_disconnected = block_disconnected,
		.mempool_tx = mempool_tx,
		.mempool_snapshot = mempool_snapshot,
	};

	wallet->secp = secp;
	wallet->log = log;
	wallet->db = db;
	wallet->chain = chain;
	wallet->params = params;
	wallet->scripts = byteset_new(WALLET_SCRIPT_KEY_LEN);
	wallet->outpoints = byteset_new(36);
	if (!wallet_keys_init(secp, &wallet->keys, node_secret, params)) {
		snprintf(err, errlen, "cannot derive the wallet keys from the node secret");
		wallet_free(wallet);
		return NULL;
	}
	if (!load_sets(wallet, err, errlen)) {
		wallet_free(wallet);
		return NULL;
	}
	listener.arg = wallet;
	chain_add_listener(chain, &listener);
	return wallet;
}

void wallet_free(struct wallet *wallet)
{
	if (!wallet)
		return;
	wallet_withdraws_abort(wallet);
	wallet_keys_wipe(&wallet->keys);
	byteset_free(wallet->scripts);
	byteset_free(wallet->outpoints);
	free(wallet);
}
