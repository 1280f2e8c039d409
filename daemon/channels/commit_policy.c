/* The flush's signing policy: see commit_policy.h. */
#include "daemon/channels/commit_policy.h"

struct commit_policy_decision commit_policy_decide(const struct commit_policy_input *in)
{
	struct commit_policy_decision d = {false, 0};

	if (in->pending_updates == 0)
		return d;
	if (in->commitments_in_flight < COMMIT_POLICY_BUSY_IN_FLIGHT
	    || in->pending_updates >= COMMIT_POLICY_FULL_BATCH
	    || in->oldest_wait_usec >= COMMIT_POLICY_MAX_WAIT_USEC) {
		d.sign_now = true;
		return d;
	}
	d.wait_usec = COMMIT_POLICY_MAX_WAIT_USEC - in->oldest_wait_usec;
	return d;
}
