/* The onchain_resolvers table: one row per closed channel whose outputs
 * the resolver follows (daemon/onchain/resolvers.h).  Rows are read by
 * column name; writes run inside the caller's transaction (the chain's
 * block, or the channels' when a channel is handed over). */
#ifndef OHM_DAEMON_ONCHAIN_STORE_H
#define OHM_DAEMON_ONCHAIN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* Inserts or replaces channel's row.  Returns: false on a database
 * error. */
bool onchain_store_save(struct db *db, int64_t channel, const uint8_t *sweep_script,
			size_t sweep_script_len, const uint8_t *state, size_t state_len,
			bool resolved);

/* Calls each(arg, ...) for every row (blobs valid during the call only).
 * Returns: false on a database error or if each returned false. */
bool onchain_store_load(struct db *db,
			bool (*each)(void *arg, int64_t channel, const uint8_t *sweep_script,
				     size_t sweep_script_len, const uint8_t *state,
				     size_t state_len, bool resolved),
			void *arg);

/* Deletes channel's row (its channel is now a closed channel of the
 * channels' own).  Returns: false on a database error. */
bool onchain_store_delete(struct db *db, int64_t channel);

#endif /* OHM_DAEMON_ONCHAIN_STORE_H */
