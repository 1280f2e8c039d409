/* When the flush signs a channel's pending updates (BOLT #2
 * commitment_signed): now, or after waiting a little for more.
 *
 * A commitment_signed costs one signature per HTLC output of the peer's
 * commitment, however few updates it covers, so signing fewer, fuller
 * commitments is cheaper; but every microsecond an update waits is
 * latency.  The policy: an idle node (no commitment of ours in flight on
 * any channel) signs at once, so one payment at a time is as fast as the
 * loop allows; a busy node lets a channel's first updates wait up to
 * COMMIT_POLICY_MAX_WAIT_USEC for others to join, unless
 * COMMIT_POLICY_FULL_BATCH of them are already pending.  A channel whose
 * commitment is in flight cannot sign anyway (BOLT #2: it needs the
 * peer's next per_commitment_point from revoke_and_ack); its updates pile
 * up meanwhile and are signed together when the revocation comes.
 *
 * Pure: no I/O, no clock (the wait is an input).
 */
#ifndef OHM_DAEMON_COMMIT_POLICY_H
#define OHM_DAEMON_COMMIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest an update waits for others before it is signed. */
#define COMMIT_POLICY_MAX_WAIT_USEC 500
/* This many pending updates are signed at once, whatever the wait. */
#define COMMIT_POLICY_FULL_BATCH 32
/* Commitments in flight on other channels from which the node counts as
 * busy (more updates are on their way). */
#define COMMIT_POLICY_BUSY_IN_FLIGHT 2

struct commit_policy_input {
	/* The channel's updates not yet in a commitment_signed of ours
	 * (0: nothing to sign). */
	size_t pending_updates;
	/* How long the oldest of them has waited. */
	uint64_t oldest_wait_usec;
	/* Our commitment_signed awaiting revoke_and_ack, on the node's
	 * other channels. */
	size_t commitments_in_flight;
};

struct commit_policy_decision {
	/* Sign now; else, if wait_usec, ask again after it (0: nothing to
	 * sign). */
	bool sign_now;
	uint64_t wait_usec;
};

struct commit_policy_decision commit_policy_decide(const struct commit_policy_input *in);

#endif /* OHM_DAEMON_COMMIT_POLICY_H */
