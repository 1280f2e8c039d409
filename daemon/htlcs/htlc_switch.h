/* The HTLC switch's decisions, as pure functions (data in, data out): when
 * an incoming HTLC is to be decided, and which record owns the outcome of
 * an HTLC we offered.  daemon/htlcs/payflow.c reads their inputs (the channel
 * engine, the forwards and payments tables) and does what they answer.
 *
 * Invariant 1: an incoming HTLC is decided at most once.  Its decision is
 * on record the moment it is made, in the step that carries it: a removal
 * in its channel's engine (fulfilled or failed back), or its forwards row,
 * UNIQUE (in_channel, in_htlc_id), stored with the outgoing HTLC.  Both
 * triggers (CHANNEL_EVENT_HTLC_ADDED, and the re-scan when a channel
 * becomes usable, which may already see an HTLC whose HTLC_ADDED is still
 * queued in the same turn) ask switch_incoming(), which answers
 * SWITCH_DECIDE only while nothing is on record.  An incoming HTLC's id is
 * never reused once it is committed (BOLT #2), so (channel, id) names one.
 *
 * Invariant 2: an HTLC we offered has one owner, the record that is live
 * for its (channel, id): a forward still 'offered' or a payment part still
 * 'pending', with no withdrawn_key.  An id can be reused (an HTLC is
 * withdrawn after a reconnection, and its id offered again), but only
 * after the withdrawal, in the same transaction, either resolved the old
 * record (CHANNEL_EVENT_HTLC_FAILED: the peer never had it) or marked it
 * with the engine's withdrawn_key (CHANNEL_EVENT_HTLC_WITHDRAWN: the peer
 * may hold a commitment with it, so its failure waits), so at most one
 * record is live.  A marked record is still unresolved; it is owned by
 * the HTLC_FAILED carrying its key (unique in the channel), and by
 * nothing else.  The owner is found when the outcome is stored, and the
 * action after the commit goes to that same record.  The owners are kept
 * in memory (struct switch_origins), so finding one costs no query.
 */
#ifndef OHM_DAEMON_HTLC_SWITCH_H
#define OHM_DAEMON_HTLC_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

struct htlc;

/* The forwards row of an incoming HTLC. */
enum switch_record {
	SWITCH_RECORD_NONE,		/* no row: never forwarded */
	SWITCH_RECORD_OFFERED,		/* forwarded, outcome not known yet */
	SWITCH_RECORD_RESOLVED,		/* settled or failed downstream */
	SWITCH_RECORD_FAILED_BACK,	/* failed by us ('local_failed') */
};

enum switch_action {
	SWITCH_WAIT,		/* not irrevocably committed (or not there) */
	SWITCH_DECIDE,		/* nothing on record: peel and decide it */
	SWITCH_PASS_OUTCOME,	/* its forward resolved: pass that upstream */
	SWITCH_DONE,		/* decided: removed, or its forward in flight */
};

/* What to do with h, an HTLC the peer offered (NULL: no longer there),
 * whose forwards row is record. */
enum switch_action switch_incoming(const struct htlc *h, enum switch_record record);

/* Who an HTLC we offered belongs to, kept in memory from the step that
 * offers it to the step that resolves it (and rebuilt at start-up from
 * the unresolved forwards and payment parts), so an outcome goes straight
 * to its owner. */
struct switch_origin {
	bool is_forward;	/* a forward; else one of our payment parts */
	int64_t id;		/* its forwards or payments row (0: nobody) */
	int64_t in_channel;	/* a forward: the incoming HTLC */
	uint64_t in_htlc_id;
	struct sha256 payment_hash;	/* a part: (payment_hash, partid) */
	uint64_t partid;
};

/* The origins of the HTLCs we offered that are not resolved yet, by
 * (channel database id, htlc id, withdrawn_key): at most one live
 * (withdrawn_key 0) per HTLC (invariant 2). */
struct switch_origins;

struct switch_origins *switch_origins_new(void);
void switch_origins_free(struct switch_origins *t);
/* HTLC htlc_id on channel was offered for origin (or, at start-up, is
 * still unresolved, marked with withdrawn_key).  A newer origin replaces
 * one with the same key (the newest record is the live one). */
void switch_origins_add(struct switch_origins *t, int64_t channel, uint64_t htlc_id,
			uint64_t withdrawn_key, const struct switch_origin *origin);
/* CHANNEL_EVENT_HTLC_WITHDRAWN: the live owner of (channel, htlc_id) is
 * marked with key: no longer live, owned by the failure carrying key.
 * Returns: false if nothing is live there (a dev- HTLC). */
bool switch_origins_withdraw(struct switch_origins *t, int64_t channel, uint64_t htlc_id,
			     uint64_t key, struct switch_origin *out);
/* An outcome of (channel, htlc_id), for the record marked with
 * withdrawn_key (0: the live one): removes its owner into out.
 * Returns: false if it has none (a dev- HTLC, or resolved already). */
bool switch_origins_take(struct switch_origins *t, int64_t channel, uint64_t htlc_id,
			 uint64_t withdrawn_key, struct switch_origin *out);
size_t switch_origins_count(const struct switch_origins *t);

#endif /* OHM_DAEMON_HTLC_SWITCH_H */
