/* The wallet's queries: typed functions over the utxos and transactions
 * tables (db/migrations), rows read by column name.  Nothing here knows
 * the chain or the keys; wallet*.c decide, this file reads and writes. */
#ifndef OHM_DAEMON_WALLET_STORE_H
#define OHM_DAEMON_WALLET_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "daemon/wallet/wallet_keys.h"

struct db;

/* One row of utxos, with its transaction's confirmation. */
struct wallet_store_utxo {
	struct bitcoin_txid txid;
	uint32_t outnum;
	uint64_t amount_sat;
	const uint8_t *script;		/* valid during the callback only */
	size_t script_len;
	bool is_reserved;		/* reserved_til is set */
	uint32_t reserved_til;
	bool is_confirmed;		/* blockheight is set */
	uint32_t blockheight;
	bool is_spent;			/* spent_by is set */
};

/* Calls each(arg, utxo) for every stored utxo, confirmed ones first by
 * block and position, then unconfirmed ones as stored.
 * Returns: false on a database error (after the rows read so far). */
bool wallet_store_each_utxo(struct db *db,
			    void (*each)(void *arg, const struct wallet_store_utxo *utxo),
			    void *arg);

/* One row of transactions. */
struct wallet_store_tx {
	struct bitcoin_txid txid;
	const uint8_t *raw;		/* valid during the callback only */
	size_t raw_len;
	bool is_confirmed;		/* blockheight is set */
	uint32_t blockheight;
	uint32_t txindex;
};

/* Calls each(arg, tx) for every stored transaction, in the same order.
 * Returns: false on a database error. */
bool wallet_store_each_tx(struct db *db,
			  void (*each)(void *arg, const struct wallet_store_tx *tx), void *arg);

/* ---- Keys (wallet_keys) ---- */

/* *next: one past the highest index handed out of type and is_change (0
 * if none).  Returns: false on a database error. */
bool wallet_store_next_key_index(struct db *db, enum wallet_addrtype type, bool is_change,
				 int64_t *next);

/* Stores the key at path, paying script.  Returns: false on a database
 * error. */
bool wallet_store_key_add(struct db *db, const struct wallet_key_path *path,
			  const uint8_t *script, size_t script_len);

/* Calls each(arg, path, script, len) for every key handed out.
 * Returns: false on a database error. */
bool wallet_store_each_key(struct db *db,
			   void (*each)(void *arg, const struct wallet_key_path *path,
					const uint8_t *script, size_t script_len),
			   void *arg);

/* ---- Transactions ---- */

/* Stores txid (raw), confirmed at height (txindex-th in its block): a
 * known one moves there and is held no longer.  height < 0: unconfirmed,
 * and a known one is left as it is.  Returns: false on a database error. */
bool wallet_store_tx_put(struct db *db, const struct bitcoin_txid *txid, const uint8_t *raw,
			 size_t raw_len, int64_t height, size_t txindex, bool is_coinbase,
			 bool is_ours);

/* 1 if txid is stored (*is_confirmed, if not NULL, says whether it is
 * confirmed), 0 if not, -1 on a database error. */
int wallet_store_tx_lookup(struct db *db, const struct bitcoin_txid *txid, bool *is_confirmed);

/* txid, parsed (bitcoin_tx_free() it); NULL if unknown or on error. */
struct bitcoin_tx *wallet_store_tx_load(struct db *db, const struct bitcoin_txid *txid);

/* Deletes txid: its outputs go with it, what it spent is unspent again
 * (the schema's ON DELETE).  Returns: false on a database error. */
bool wallet_store_tx_delete(struct db *db, const struct bitcoin_txid *txid);

/* Which transactions wallet_store_txids lists. */
enum wallet_store_txs {
	WALLET_STORE_COINBASES_AT,	/* the coinbase confirmed at height */
	WALLET_STORE_OURS_SENDABLE_AT,	/* ours, not held, confirmed at height */
	WALLET_STORE_OTHERS_UNCONFIRMED,	/* not ours, unconfirmed (height unused) */
};

/* The txids of which (malloc'd into *txids, *num of them; free() it),
 * ours in the order stored.  Returns: false on a database error. */
bool wallet_store_txids(struct db *db, enum wallet_store_txs which, uint32_t height,
			struct bitcoin_txid **txids, size_t *num);

/* The transactions spending outputs of txid (malloc'd; free() it).
 * Returns: false on a database error. */
bool wallet_store_tx_children(struct db *db, const struct bitcoin_txid *txid,
			      struct bitcoin_txid **children, size_t *num);

/* Makes every transaction confirmed at height unconfirmed.
 * Returns: false on a database error. */
bool wallet_store_unconfirm_height(struct db *db, uint32_t height);

/* Calls each(arg, tx) for every unconfirmed transaction of ours not held
 * (the ones to re-send), in the order stored; rows that do not parse are
 * skipped.  Returns: false on a database error. */
bool wallet_store_each_sendable(struct db *db,
				void (*each)(void *arg, const struct bitcoin_tx *tx), void *arg);

/* ---- Outputs (utxos) ---- */

/* Stores our output txid:vout (kept if known).  Returns: false on a
 * database error. */
bool wallet_store_utxo_add(struct db *db, const struct bitcoin_txid *txid, uint32_t vout,
			   const struct bitcoin_tx_output *out, const struct wallet_key_path *path);

/* 1 if prevout is one of our outputs (*has_spender and *spender: what
 * spends it), 0 if not, -1 on a database error. */
int wallet_store_utxo_spender(struct db *db, const struct bitcoin_outpoint *prevout,
			      struct bitcoin_txid *spender, bool *has_spender);

/* Marks our output prevout spent by txid.  Returns: false on a database
 * error. */
bool wallet_store_utxo_set_spent(struct db *db, const struct bitcoin_outpoint *prevout,
				 const struct bitcoin_txid *txid);

/* Calls each(arg, txid, vout) for every output stored.
 * Returns: false on a database error. */
bool wallet_store_each_outpoint(struct db *db,
				void (*each)(void *arg, const struct bitcoin_txid *txid,
					     uint32_t vout),
				void *arg);

/* ---- Spending ---- */

/* One of our outputs with what decides whether it may be spent. */
#define WALLET_STORE_COIN_SCRIPT_MAX 34
struct wallet_store_coin {
	struct bitcoin_outpoint outpoint;
	uint64_t amount_sat;
	/* The first bytes of the script (ours are at most 34); script_len is
	 * its whole length. */
	uint8_t script[WALLET_STORE_COIN_SCRIPT_MAX];
	size_t script_len;
	struct wallet_key_path path;
	bool is_confirmed;		/* blockheight is set */
	uint32_t blockheight;
	bool is_coinbase;
	bool is_spent;
	bool is_reserved;		/* reserved_til is set */
	uint32_t reserved_til;
	bool is_held;			/* its transaction is held back */
};

/* Reads our output outpoint into *coin.
 * Returns: 1, 0 if it is not ours, -1 on a database error. */
int wallet_store_coin(struct db *db, const struct bitcoin_outpoint *outpoint,
		      struct wallet_store_coin *coin);

/* Calls each(arg, coin) for every unspent output; each returns false to
 * stop (then this returns false too, as on a database error). */
bool wallet_store_each_unspent_coin(struct db *db,
				    bool (*each)(void *arg, const struct wallet_store_coin *coin),
				    void *arg);

/* Marks our coin outpoint spent by txid and reserved until reserved_til.
 * Returns: false if it is not there unspent, or on a database error. */
bool wallet_store_coin_take(struct db *db, const struct bitcoin_outpoint *outpoint,
			    const struct bitcoin_txid *txid, uint32_t reserved_til);

/* Frees the reservations of the coins txid spends.  Returns: false on a
 * database error. */
bool wallet_store_unreserve_spent_by(struct db *db, const struct bitcoin_txid *txid);

/* Sets whether our transaction txid is held back.  Returns: 1, 0 if txid
 * is not a transaction we made, -1 on a database error. */
int wallet_store_tx_set_held(struct db *db, const struct bitcoin_txid *txid, bool is_held);

/* *held: whether txid is held back (false if unknown).  Returns: false on
 * a database error (*held untouched). */
bool wallet_store_tx_is_held(struct db *db, const struct bitcoin_txid *txid, bool *held);

/* Runs write(arg) inside a savepoint of the caller's transaction: if it
 * returns false, everything it wrote is undone and the transaction goes
 * on as before.  Precondition: inside a database transaction.
 * Returns: 1 if write succeeded and is kept, 0 if it failed (undone), -1
 * on a database error of the savepoint itself (what write did may not be
 * undone: the caller rolls its transaction back). */
int wallet_store_savepoint(struct db *db, bool (*write)(void *arg), void *arg);

#endif /* OHM_DAEMON_WALLET_STORE_H */
