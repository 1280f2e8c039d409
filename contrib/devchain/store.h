/* ohm-devchain's database: every block ever made (with undo data for
 * disconnecting it), the active chain, the UTXO set, a transaction index
 * of the active chain (Core's -txindex=1) and the persisted mempool (Core's
 * mempool.dat), in one SQLite file through db/db.h: WAL, synchronous=FULL.
 *
 * A failed SQLite call here is an I/O failure, never bad input, and
 * leaves the in-memory chain out of step with the disk, so it ends the
 * process with a message (as Core's AbortNode does): the functions below
 * do not return errors.  Changes happen between store_begin() and
 * store_commit(); a caller that must undo part of a transaction uses a
 * savepoint.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_STORE_H
#define OHM_CONTRIB_DEVCHAIN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "contrib/devchain/validate.h"

struct store;

/* Block status, as stored: Core's BLOCK_FAILED_VALID / _CHILD. */
enum block_status {
	BLOCK_STATUS_VALID = 0,
	BLOCK_STATUS_FAILED = 1,	/* invalidated, or failed to connect */
	BLOCK_STATUS_FAILED_CHILD = 2,	/* descends from a failed block */
};

/* One stored block, as store_blocks_load() hands it over. */
struct stored_block {
	struct sha256_double hash;
	uint32_t height;
	uint64_t seq;
	enum block_status status;
	const uint8_t *data;	/* the serialized block, valid in the callback */
	size_t len;
};

/* Opens (creating if needed) the database at path.
 * Returns: the store, or NULL with the reason in err[errlen]. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *store);

void store_begin(struct store *store);
void store_commit(struct store *store);
/* Savepoints nest inside a transaction: release keeps, rollback undoes. */
void store_savepoint(struct store *store);
void store_savepoint_release(struct store *store);
void store_savepoint_rollback(struct store *store);

/* ---- Blocks ---- */
void store_block_add(struct store *store, const struct sha256_double *hash,
		     uint32_t height, uint64_t seq, enum block_status status,
		     const uint8_t *data, size_t len);
void store_block_set_status(struct store *store,
			    const struct sha256_double *hash,
			    enum block_status status);
/* Returns: the serialized block (free() it) with *len, or NULL if unknown. */
uint8_t *store_block_data(struct store *store, const struct sha256_double *hash,
			  size_t *len);
/* Calls cb for every block, lowest height first. */
void store_blocks_load(struct store *store,
		       void (*cb)(void *arg, const struct stored_block *block),
		       void *arg);
/* Total bytes of stored blocks (getblockchaininfo's size_on_disk). */
uint64_t store_blocks_size(struct store *store);

/* ---- Undo data: the coins a block spent, to disconnect it ---- */
void store_undo_put(struct store *store, const struct sha256_double *hash,
		    const uint8_t *data, size_t len);
uint8_t *store_undo_get(struct store *store, const struct sha256_double *hash,
			size_t *len);

/* ---- The active chain: height -> block hash ---- */
void store_chain_set(struct store *store, uint32_t height,
		     const struct sha256_double *hash);
void store_chain_remove(struct store *store, uint32_t height);
/* Returns: the number of heights stored; hashes[0..n) gets them when not
 * NULL (call with NULL first to size it). */
size_t store_chain_load(struct store *store, struct sha256_double *hashes,
			size_t max);

/* ---- The UTXO set ---- */
/* Returns: true and fills *coin (free its script with coin_clear) if
 *          outpoint is unspent in the active chain. */
bool store_coin_get(struct store *store, const struct bitcoin_outpoint *outpoint,
		    struct coin *coin);
void store_coin_add(struct store *store, const struct bitcoin_outpoint *outpoint,
		    const struct coin *coin);
void store_coin_delete(struct store *store,
		       const struct bitcoin_outpoint *outpoint);
/* Returns: true if any output of txid is unspent. */
bool store_tx_has_unspent(struct store *store, const struct bitcoin_txid *txid);

/* ---- Transaction index of the active chain ---- */
void store_txindex_add(struct store *store, const struct bitcoin_txid *txid,
		       const struct sha256_double *block_hash);
void store_txindex_delete(struct store *store, const struct bitcoin_txid *txid);
/* Returns: true and the containing block if txid is in the active chain. */
bool store_txindex_get(struct store *store, const struct bitcoin_txid *txid,
		       struct sha256_double *block_hash);

/* ---- The persisted mempool ---- */
void store_mempool_add(struct store *store, const struct bitcoin_txid *txid,
		       const uint8_t *data, size_t len, int64_t time);
void store_mempool_delete(struct store *store, const struct bitcoin_txid *txid);
void store_mempool_clear(struct store *store);
/* Calls cb for every stored transaction in the order they entered. */
void store_mempool_load(struct store *store,
			void (*cb)(void *arg, const uint8_t *data, size_t len,
				   int64_t time),
			void *arg);

#endif /* OHM_CONTRIB_DEVCHAIN_STORE_H */
