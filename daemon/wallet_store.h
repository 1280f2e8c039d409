/* The wallet's queries: typed functions over the utxos and transactions
 * tables (db/migrations), rows read by column name.  Nothing here knows
 * the chain or the keys; wallet*.c decide, this file reads and writes. */
#ifndef OHM_DAEMON_WALLET_STORE_H
#define OHM_DAEMON_WALLET_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"

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

#endif /* OHM_DAEMON_WALLET_STORE_H */
