/* Where HTLCs go: an HTLC a peer offered us is peeled (BOLT #4) and either
 * paid from an invoice, forwarded over the channel its onion names, or
 * failed back with the right failure message; an HTLC we offered that the
 * next peer resolved is matched to the forward (fulfilled or failed
 * upstream) or to our own payment (daemon/htlcs/payments.c).
 *
 * Durability: what a resolution teaches us (the preimage, or the failure)
 * is written in the same database transaction as the channel step that
 * reports it (payflow_resolved_db), before anything upstream is touched;
 * a forward is recorded in the same transaction as the outgoing HTLC.  So
 * after a crash payflow_channel_usable() finds, for every incoming HTLC
 * still undecided, either a stored outcome to pass upstream, a forward
 * still in flight, or nothing (it is then decided afresh: peeling the
 * same onion gives the same answer).
 */
#ifndef OHM_DAEMON_PAYFLOW_H
#define OHM_DAEMON_PAYFLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/channels/channels.h"
#include "daemon/htlcs/htlc_switch.h"
#include "daemon/onchain/resolvers.h"

struct channel_event;
struct chan;
struct htlcs;
struct payflow;

struct payflow *payflow_new(struct htlcs *htlcs);
void payflow_free(struct payflow *payflow);

/* From the channels. */

/* The peer's HTLC htlc_id on chan is irrevocably committed: decide it,
 * unless it is already decided (see htlc_switch.h, invariant 1). */
void payflow_htlc_added(struct payflow *payflow, struct chan *chan, uint64_t htlc_id);

/* Whose HTLC we offered an outcome belongs to: a forward or one of our
 * payment parts (origin.id 0: nobody's).  Found (in memory) when the
 * outcome is stored and kept for the action after the commit, so that
 * action goes to the same record even if the HTLC's id is offered again
 * meanwhile (see htlc_switch.h, invariant 2). */
struct payflow_owner {
	struct switch_origin origin;
};

/* The owners of the HTLCs we offered (payments.c adds its parts'). */
struct switch_origins *payflow_origins(struct payflow *payflow);

/* Our HTLC on chan was fulfilled or failed (ev): takes its owner (from
 * memory) and stores what that means, inside the step's transaction (for
 * our payment: the error onion decoded, once); or it was withdrawn
 * with its failure held (CHANNEL_EVENT_HTLC_WITHDRAWN): marks its owner
 * with the key, so that it is no longer live and the failure finds it
 * (owner then names nobody).  Returns: false on a database error. */
bool payflow_resolved_db(struct payflow *payflow, struct chan *chan,
			 const struct channel_event *ev, struct payflow_owner *owner);

/* The same, after the transaction committed: act on it upstream (or tell
 * the payment). */
void payflow_resolved(struct payflow *payflow, struct chan *chan,
		      const struct channel_event *ev, const struct payflow_owner *owner);

/* chan can carry updates again (reestablished): decide its incoming HTLCs
 * still waiting, or pass them their forward's outcome, from what is
 * stored (each at most once: see htlc_switch.h). */
void payflow_channel_usable(struct payflow *payflow, struct chan *chan);

/* What the channels tell the switch (registered at start-up): the four
 * calls above, with struct payflow_owner as the per-event owner. */
struct channels_htlc_listener payflow_channels_listener(struct payflow *payflow);

/* What the on-chain resolvers tell the switch: an HTLC we offered on a
 * closed channel fulfilled or failed on chain, handled as the channels'
 * resolved_db / resolved are. */
struct resolvers_htlc_listener payflow_resolvers_listener(struct payflow *payflow);

/* listforwards: each forward (with status, if not NULL), in order. */
struct forward_row;
void payflow_forwards(struct payflow *payflow, const char *status,
		      void (*fn)(void *arg, const struct forward_row *row), void *arg);

#endif /* OHM_DAEMON_PAYFLOW_H */
