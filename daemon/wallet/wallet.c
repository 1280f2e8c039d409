/* Invariants: every script in wallet_keys is in the scripts set; every
 * outpoint in utxos is in the outpoints set.  Both sets only grow between
 * start-ups (a rolled-back transaction may leave extra entries, which the
 * database lookups that follow a hit ignore), so a block can be scanned
 * without touching the database for the transactions that are not ours. */
#include "daemon/wallet/wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/address.h"
#include "bitcoin/block.h"
#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "common/byteset.h"
#include "daemon/chain/chain.h"
#include "daemon/log.h"
#include "daemon/wallet/wallet_internal.h"
#include "daemon/wallet/wallet_store.h"
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
	uint8_t key[WALLET_SCRIPT_KEY_LEN];
	int64_t next;

	if (!wallet_store_next_key_index(wallet->db, type, is_change, &next))
		return false;

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
	if (!wallet_store_key_add(wallet->db, path, script->data, script->len))
		return false;
	/* Watched from now on (an extra entry is harmless if the caller's
	 * transaction rolls back). */
	wallet_script_key(key, script->data, script->len);
	byteset_put(wallet->scripts, key, path_pack(path));
	return true;
}

/* Issues the next receiving (not change) key of type into script: in the
 * caller's database transaction if one is open and own_transaction is
 * false, else in its own (db_begin commits an open group transaction
 * first). */
static bool issue_receive_key(struct wallet *wallet, enum wallet_addrtype type,
			      bool own_transaction, struct wallet_key_path *path,
			      struct wirebuf *script, char *err, size_t errlen)
{
	bool is_own_transaction = own_transaction || !db_in_transaction(wallet->db);
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
	/* The address leaves the process in an answer: its key is
	 * committed before, never left in a group transaction. */
	bool ok = issue_receive_key(wallet, type, true, &path, script, err, errlen);

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
	bool ok = issue_receive_key(wallet, WALLET_P2WPKH, false, &path, issued, err, errlen);

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
	bool ok;

	bitcoin_tx_serialize(raw, tx, true);
	ok = wallet_store_tx_put(wallet->db, txid, raw->data, raw->len, height, txindex,
				 is_coinbase, is_ours);
	wirebuf_free(raw);
	return ok;
}

bool wallet_tx_forget(struct wallet *wallet, const struct bitcoin_txid *txid, const char *why,
		      unsigned depth)
{
	struct bitcoin_txid *children;
	size_t num_children;
	char hex[65];
	bool ok;

	/* Core allows chains of 25 unconfirmed transactions; anything this
	 * deep is a bug, not a chain. */
	if (depth > 1000)
		return false;
	/* Children first: the statement cache hands out one statement per
	 * SQL text, so the list is read whole before recursing. */
	if (!wallet_store_tx_children(wallet->db, txid, &children, &num_children))
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
	ok = wallet_store_tx_delete(wallet->db, txid);
	if (ok) {
		chain_rebroadcast_forget(wallet->chain, txid);
		log_info(wallet->log, "wallet", "forgot transaction %s: %s", txid_hex(hex, txid), why);
	}
	return ok;
}

/* Marks our output prevout spent by txid, forgetting an unconfirmed
 * transaction that spent it before (a double spend won). */
static bool utxo_spend(struct wallet *wallet, const struct bitcoin_outpoint *prevout,
		       const struct bitcoin_txid *txid)
{
	struct bitcoin_txid spender;
	bool has_spender;
	int rc = wallet_store_utxo_spender(wallet->db, prevout, &spender, &has_spender);

	if (rc <= 0)
		return rc == 0;		/* not ours after all: nothing to do */
	if (has_spender && bitcoin_txid_eq(&spender, txid))
		return true;
	if (has_spender
	    && !wallet_tx_forget(wallet, &spender, "a conflicting transaction replaced it", 0))
		return false;
	return wallet_store_utxo_set_spent(wallet->db, prevout, txid);
}

bool wallet_utxo_add(struct wallet *wallet, const struct bitcoin_txid *txid, uint32_t vout,
		     const struct bitcoin_tx_output *out, const struct wallet_key_path *path)
{
	uint8_t key[36];
	bool ok = wallet_store_utxo_add(wallet->db, txid, vout, out, path);

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

struct bitcoin_tx *wallet_tx_load(struct wallet *wallet, const struct bitcoin_txid *txid)
{
	return wallet_store_tx_load(wallet->db, txid);
}

static bool block_disconnected(void *arg, uint32_t height, char *err, size_t errlen)
{
	struct wallet *wallet = arg;
	struct bitcoin_txid *txids;
	size_t num;
	bool ok;

	/* A coinbase cannot come back: it and whatever spends it go. */
	ok = wallet_store_txids(wallet->db, WALLET_STORE_COINBASES_AT, height, &txids, &num);
	for (size_t i = 0; ok && i < num; i++)
		ok = wallet_tx_forget(wallet, &txids[i], "its block left the best chain", 0);
	/* Ours go back to being re-sent until confirmed again (a confirmed
	 * one is never held, but a held one must never be sent). */
	free(txids);
	txids = NULL;
	if (ok) {
		ok = wallet_store_txids(wallet->db, WALLET_STORE_OURS_SENDABLE_AT, height,
					&txids, &num);
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
	if (!ok || !wallet_store_unconfirm_height(wallet->db, height)) {
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

	if (!tx_touches_us(wallet, tx) || wallet_store_tx_lookup(wallet->db, txid, NULL) != 0)
		return;
	/* A transaction spending what a confirmed one already spent cannot
	 * be valid: our view is a poll behind. */
	for (size_t i = 0; i < tx->num_inputs; i++) {
		struct bitcoin_txid spender;
		bool has_spender, is_confirmed = false;
		if (!outpoint_maybe_ours(wallet, &tx->inputs[i].prevout))
			continue;
		if (wallet_store_utxo_spender(wallet->db, &tx->inputs[i].prevout, &spender,
					      &has_spender) > 0
		    && has_spender && wallet_store_tx_lookup(wallet->db, &spender, &is_confirmed) > 0
		    && is_confirmed)
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
	struct bitcoin_txid *gone;
	size_t num, num_gone = 0;
	bool ok = true;

	if (!wallet_store_txids(wallet->db, WALLET_STORE_OTHERS_UNCONFIRMED, 0, &gone, &num))
		return;
	for (size_t i = 0; i < num; i++)
		if (!byteset_get(txids, gone[i].shad.sha.u8, NULL))
			gone[num_gone++] = gone[i];
	if (num_gone == 0) {
		free(gone);
		return;
	}
	/* Someone else's unconfirmed transaction that left the mempool
	 * (replaced, expired, its block reorged away) is not ours to keep. */
	ok = db_begin(wallet->db);
	for (size_t i = 0; ok && i < num_gone; i++)
		if (wallet_store_tx_lookup(wallet->db, &gone[i], NULL) > 0)
			ok = wallet_tx_forget(wallet, &gone[i], "it left the mempool", 0);
	if (!ok || !db_commit(wallet->db)) {
		log_broken(wallet->log, "wallet", "cannot forget transactions: %s",
			   db_errmsg(wallet->db));
		db_rollback(wallet->db);
	}
	free(gone);
}

/* ---- Start-up ---- */

static void key_loaded(void *arg, const struct wallet_key_path *path, const uint8_t *script,
		       size_t script_len)
{
	struct wallet *wallet = arg;
	uint8_t key[WALLET_SCRIPT_KEY_LEN];

	if (script_len > WALLET_SCRIPT_MAX_LEN)
		return;
	wallet_script_key(key, script, script_len);
	byteset_put(wallet->scripts, key, path_pack(path));
}

static void outpoint_loaded(void *arg, const struct bitcoin_txid *txid, uint32_t vout)
{
	struct wallet *wallet = arg;
	uint8_t key[36];

	wallet_outpoint_key(key, txid, vout);
	byteset_put(wallet->outpoints, key, 0);
}

static void resend_loaded(void *arg, const struct bitcoin_tx *tx)
{
	struct wallet *wallet = arg;
	struct bitcoin_txid txid;
	char hex[65];

	chain_rebroadcast_add(wallet->chain, tx);
	bitcoin_tx_txid(&txid, tx);
	log_info(wallet->log, "wallet", "re-sending our unconfirmed transaction %s",
		 txid_hex(hex, &txid));
}

static bool load_sets(struct wallet *wallet, char *err, size_t errlen)
{
	/* Our unconfirmed transactions are re-sent until confirmed; held
	 * ones wait for their channel (wallet_fund_unhold). */
	if (wallet_store_each_key(wallet->db, key_loaded, wallet)
	    && wallet_store_each_outpoint(wallet->db, outpoint_loaded, wallet)
	    && wallet_store_each_sendable(wallet->db, resend_loaded, wallet))
		return true;
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
