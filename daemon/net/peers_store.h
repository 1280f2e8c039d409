/* The peers table (db/migrations): the nodes we connected to, and the
 * address an outgoing connection last reached each at (incoming ones
 * come from ports that tell nothing).  Typed functions, rows read by
 * column name. */
#ifndef OHM_DAEMON_PEERS_STORE_H
#define OHM_DAEMON_PEERS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

struct db;

/* Records that node_id connected at time now; address (NULL: keep the
 * stored one) is where we reached it.
 * Returns: false on a database error (see db_errmsg). */
bool peers_store_connected(struct db *db, const uint8_t node_id[PUBKEY_CMPR_LEN],
			   const char *address, int64_t now);

/* The address stored for node_id, copied into address[len].
 * Returns: false if there is none (or it does not fit, or on a database
 * error). */
bool peers_store_address(struct db *db, const uint8_t node_id[PUBKEY_CMPR_LEN],
			 char *address, size_t len);

#endif /* OHM_DAEMON_PEERS_STORE_H */
