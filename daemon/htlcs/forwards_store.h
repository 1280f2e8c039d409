/* The forwards table: every query on it (daemon/htlcs/payflow.c calls these).
 *
 * A row is an incoming HTLC we decided to forward ('offered', with its
 * outgoing HTLC, written in the step that offers it), its outcome
 * ('settled' with the preimage, 'failed' with the error to pass back),
 * or an incoming HTLC we failed ourselves ('local_failed').  Rows are read
 * by column name. */
#ifndef OHM_DAEMON_FORWARDS_STORE_H
#define OHM_DAEMON_FORWARDS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/params.h"
#include "crypto/types.h"

struct db;
struct switch_origin;

/* An 'offered' forward of the incoming (in_channel, in_htlc_id) as
 * (out_channel, out_htlc_id).  *id gets its row id. */
bool forwards_store_offered(struct db *db, int64_t in_channel, uint64_t in_htlc_id,
			    uint64_t in_msat, int64_t out_channel, uint64_t out_htlc_id,
			    uint64_t out_msat, int64_t now, int64_t *id);
/* An incoming HTLC we failed with failcode (kept if one is there). */
bool forwards_store_local_failed(struct db *db, int64_t in_channel, uint64_t in_htlc_id,
				 uint64_t in_msat, uint16_t failcode, int64_t now);
/* The HTLC of owner (a forward, or a payment part) was withdrawn; its
 * failure waits (key). */
bool forwards_store_mark_withdrawn(struct db *db, const struct switch_origin *owner,
				   uint64_t withdrawn_key);
/* Forward id, if still 'offered', resolved: settled with preimage, or
 * failed with fail_reason (NULL: none to pass back) and failcode. */
bool forwards_store_settled(struct db *db, int64_t id, const struct preimage *preimage,
			    int64_t now);
bool forwards_store_failed(struct db *db, int64_t id, const uint8_t *fail_reason,
			   size_t fail_reason_len, uint16_t failcode, int64_t now);

/* What a forward's outgoing side resolved to. */
struct forward_outcome {
	int64_t in_channel;
	uint64_t in_htlc_id;
	int64_t out_channel;
	bool is_settled, is_failed, is_failed_back;
	struct preimage preimage;
	uint8_t *fail_reason;		/* malloc'd, or NULL */
	size_t fail_reason_len;
	uint16_t failcode;
};
/* The forward of the incoming HTLC (in_channel, in_htlc_id).  Returns: 1
 * if there is one (o filled: forward_outcome_clear it), 0 if not, -1 if
 * the database cannot tell. */
int forwards_store_by_incoming(struct db *db, int64_t in_channel, uint64_t in_htlc_id,
			       struct forward_outcome *o);
void forward_outcome_clear(struct forward_outcome *o);

/* The owner of every HTLC we offered that is unresolved: an 'offered'
 * forward or a 'pending' payment part (the switch's records, from both
 * tables), oldest first in each, to fn with its HTLC (channel database
 * id, htlc id) and withdrawn_key (0: not withdrawn).  Returns: false on a
 * database error. */
bool forwards_store_owners(struct db *db,
			  void (*fn)(void *arg, int64_t channel, uint64_t htlc_id,
				     uint64_t withdrawn_key, const struct switch_origin *origin),
			  void *arg);

/* One row for listforwards. */
struct forward_row {
	int64_t in_channel;
	uint64_t in_htlc_id, in_msat;
	bool has_out_channel, has_out_htlc_id, has_out_msat, has_resolved_time;
	int64_t out_channel;
	uint64_t out_htlc_id, out_msat;
	const char *status;		/* valid during the call */
	int64_t received_time, resolved_time;
	uint16_t failcode;		/* 0: none */
};
/* Every forward (with status, if not NULL), in order, to fn. */
void forwards_store_list(struct db *db, const char *status,
			 void (*fn)(void *arg, const struct forward_row *row), void *arg);

#endif /* OHM_DAEMON_FORWARDS_STORE_H */
