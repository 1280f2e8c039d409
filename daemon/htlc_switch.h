/* The HTLC switch's decisions, as pure functions (data in, data out): when
 * an incoming HTLC is to be decided, and which record owns the outcome of
 * an HTLC we offered.  daemon/payflow.c reads their inputs (the channel
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
 * action after the commit goes to that same record.
 */
#ifndef OHM_DAEMON_HTLC_SWITCH_H
#define OHM_DAEMON_HTLC_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A record naming an outgoing (channel, htlc id). */
struct switch_row {
	bool is_forward;	/* a forwards row; else a payments part */
	int64_t id;		/* its row id */
	bool is_live;		/* 'offered' forward, 'pending' part */
};

/* Returns: the owner among the num rows naming one outgoing HTLC: the
 *          live one; NULL if none is (a dev- HTLC, or already resolved). */
const struct switch_row *switch_owner(const struct switch_row *rows, size_t num);

#endif /* OHM_DAEMON_HTLC_SWITCH_H */
