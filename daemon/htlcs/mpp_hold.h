/* The parts of multi-part payments to us being held (BOLT #4 "Basic
 * Multi-Part Payments"; the decisions are pay/mpp.h's): the switch
 * (payflow.c) hands each part here; a set that completes is fulfilled
 * whole in one turn of the event loop, so every fulfill and the invoice
 * marked paid (with the sum received) share the channels' group
 * transaction, committed before any update_fulfill_htlc leaves; a set
 * still short when its timer fires (60 s after its first part, or
 * --dev-mpp-timeout) is failed whole with mpp_timeout.
 *
 * Restart: held parts are not stored.  Each is still an undecided HTLC in
 * its channel, which the switch decides afresh when the channel is
 * usable again (payflow_channel_usable): it joins a new set, whose timer
 * starts then.  A part of a set fulfilled while its channel was away
 * finds its invoice paid and is fulfilled then (htlc_accept's
 * is_late_part), so no part of a paid set is ever failed.
 */
#ifndef OHM_DAEMON_MPP_HOLD_H
#define OHM_DAEMON_MPP_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/types.h"

struct chan;
struct htlc;
struct htlcs;
struct mpp_hold;

/* Fails the peer's HTLC htlc_id on chan with failcode (the onion's
 * shared_secret to answer through): the switch's, which knows how. */
typedef void (*mpp_hold_fail_fn)(void *arg, struct chan *chan, uint64_t htlc_id,
				 const struct secret *shared_secret, uint16_t failcode,
				 const char *why);

struct mpp_hold *mpp_hold_new(struct htlcs *htlcs, mpp_hold_fail_fn fail, void *arg);
/* Lets the held parts go (they stay in their channels, undecided). */
void mpp_hold_free(struct mpp_hold *hold);

/* Whether parts paying payment_hash are held. */
bool mpp_hold_has(const struct mpp_hold *hold, const struct sha256 *payment_hash);

/* What the switch learned of a part: its HTLC (on chan), the onion's
 * shared secret, the payload's amt_to_forward and total_msat. */
struct mpp_hold_part {
	struct chan *chan;
	const struct htlc *htlc;
	const struct secret *shared_secret;
	uint64_t amt_to_forward_msat;
	uint64_t total_msat;
};

/* Holds the part, or fulfills or fails its set if it is the last (the
 * invoice for its payment_hash, read again then, gives the preimage). */
void mpp_hold_add(struct mpp_hold *hold, const struct mpp_hold_part *part);

#endif /* OHM_DAEMON_MPP_HOLD_H */
