/* The blocks table (db/migrations): the blocks the chain client has
 * processed, one per height.  Typed functions, rows read by column name. */
#ifndef OHM_DAEMON_CHAIN_STORE_H
#define OHM_DAEMON_CHAIN_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "bitcoin/block.h"

struct db;

/* The highest block stored: *has_tip false if there is none.
 * Returns: false on a database error. */
bool chain_store_tip(struct db *db, bool *has_tip, uint32_t *height,
		     struct bitcoin_blkid *hash);

/* Stores block hash at height, child of prev_hash.  Returns: false on a
 * database error (a height or hash stored already is one). */
bool chain_store_block_add(struct db *db, uint32_t height, const struct bitcoin_blkid *hash,
			   const struct bitcoin_blkid *prev_hash);

/* Forgets the block at height.  Returns: false on a database error. */
bool chain_store_block_delete(struct db *db, uint32_t height);

#endif /* OHM_DAEMON_CHAIN_STORE_H */
