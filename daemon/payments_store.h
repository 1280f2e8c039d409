/* The payments table: the queries of the payment path (sending a part,
 * resolving it, the HTLCs in flight at start-up).  Rows are read by
 * column name.  A row is one part (an HTLC with its onion) of a payment:
 * 'pending', then 'complete' with the preimage or 'failed' with what the
 * error onion said. */
#ifndef OHM_DAEMON_PAYMENTS_STORE_H
#define OHM_DAEMON_PAYMENTS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/params.h"
#include "crypto/types.h"
#include "pay/route.h"

struct db;
struct switch_origin;

/* Every unresolved part ('pending'), oldest first, to fn with its HTLC
 * (channel database id, htlc id) and withdrawn_key (0: not withdrawn).
 * Returns: false on a database error. */
bool payments_store_unresolved(struct db *db,
			       void (*fn)(void *arg, int64_t channel, uint64_t htlc_id,
					  uint64_t withdrawn_key,
					  const struct switch_origin *origin),
			       void *arg);
/* Part id's HTLC was withdrawn; its failure waits (key). */
bool payments_store_mark_withdrawn(struct db *db, int64_t id, uint64_t withdrawn_key);
/* The shared secrets (one per hop) of part id, if it is still pending.
 * Returns: 1 (secrets, *num set), 0 if it is not pending or its secrets
 * are not 1 to ROUTE_MAX_HOPS of them, -1 on a database error. */
int payments_store_pending_secrets(struct db *db, int64_t id,
				   struct secret secrets[ROUTE_MAX_HOPS], size_t *num);
/* Part id completed with preimage. */
bool payments_store_complete(struct db *db, int64_t id, const struct preimage *preimage,
			     int64_t now);
/* Part id failed: at erring_index (0: our channel) with failcode, or
 * (erring_index -1) with an error nobody could read; failreason says. */
bool payments_store_failed(struct db *db, int64_t id, int64_t erring_index, uint16_t failcode,
			   const char *failreason, int64_t now);

#endif /* OHM_DAEMON_PAYMENTS_STORE_H */
