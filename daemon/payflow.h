/* Where HTLCs go: an HTLC a peer offered us is peeled (BOLT #4) and either
 * paid from an invoice, forwarded over the channel its onion names, or
 * failed back with the right failure message; an HTLC we offered that the
 * next peer resolved is matched to the forward (fulfilled or failed
 * upstream) or to our own payment (daemon/payments.c).
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

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct channel_event;
struct dchannel;
struct ohmd;
struct payflow;

struct payflow *payflow_new(struct ohmd *ohmd);
void payflow_free(struct payflow *payflow);

/* From the channels. */

/* The peer's HTLC htlc_id on dc is irrevocably committed: decide it. */
void payflow_htlc_added(struct payflow *payflow, struct dchannel *dc, uint64_t htlc_id);

/* Our HTLC on dc was fulfilled or failed (ev): store what that means,
 * inside the step's transaction.  Returns: false on a database error. */
bool payflow_resolved_db(struct payflow *payflow, struct dchannel *dc,
			 const struct channel_event *ev);

/* The same, after the transaction committed: act on it upstream. */
void payflow_resolved(struct payflow *payflow, struct dchannel *dc,
		      const struct channel_event *ev);

/* dc can carry updates again (reestablished): decide its incoming HTLCs
 * still waiting, from what is stored. */
void payflow_channel_usable(struct payflow *payflow, struct dchannel *dc);

/* listforwards (filters may be NULL). */
json_t *payflow_forwards_json(struct payflow *payflow, const char *status,
			      const char *in_channel, const char *out_channel);

#endif /* OHM_DAEMON_PAYFLOW_H */
