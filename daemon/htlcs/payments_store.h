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
#include "crypto/secp.h"
#include "crypto/types.h"
#include "pay/route.h"

struct db;

/* A part being sent: its row, stored with its HTLC. */
struct payments_part {
	struct sha256 payment_hash;
	uint64_t partid;
	uint64_t groupid;
	const uint8_t *destination;	/* PUBKEY_CMPR_LEN */
	uint64_t amount_msat;		/* what the destination gets */
	uint64_t amount_sent_msat;	/* what our channel carries */
	int64_t created_at;
	const char *label, *bolt11;	/* NULL: none */
	int64_t channel;		/* database id */
	uint64_t htlc_id;
	const struct secret *secrets;	/* one per hop */
	size_t num_hops;
	const char *route_json;
};
/* Stores part as 'pending', replacing a failed attempt of the same
 * (payment_hash, partid).  *id gets its row id.  Returns: false on an
 * error (a pending or complete part is there). */
bool payments_store_add_part(struct db *db, const struct payments_part *part, int64_t *id);

/* One part as stored; the texts are valid during the call they are
 * given to. */
struct payment_row {
	int64_t id;
	struct sha256 payment_hash;
	uint64_t partid;
	uint64_t groupid;
	uint32_t num_parts;		/* pay's answer: parts summed (else 0) */
	const char *status;		/* pending, complete or failed */
	bool has_destination;
	uint8_t destination[PUBKEY_CMPR_LEN];
	uint64_t amount_msat, amount_sent_msat;
	int64_t created_at;
	bool has_completed_at;
	int64_t completed_at;
	const char *label, *bolt11;	/* NULL: none */
	bool has_preimage;
	struct preimage preimage;
	bool has_erring_index;		/* a failure someone could read */
	int64_t erring_index;
	uint16_t failcode;
	const char *failreason;		/* NULL: none */
	const char *route_json;		/* NULL: none */
};
/* The part (payment_hash, partid), to fn.  Returns: 1, 0 if there is
 * none, -1 on a database error. */
int payments_store_part(struct db *db, const struct sha256 *payment_hash, uint64_t partid,
			void (*fn)(void *arg, const struct payment_row *row), void *arg);
/* Every part matching the filters (each NULL: any), in order, to fn.
 * Returns: false on a database error. */
bool payments_store_list(struct db *db, const char *bolt11, const struct sha256 *payment_hash,
			 const char *status,
			 void (*fn)(void *arg, const struct payment_row *row), void *arg);

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
