/* When an HTLC forces the channel on chain: see deadline.h. */
#include "channel/deadline.h"

#include <inttypes.h>
#include <stdio.h>

uint32_t deadline_fulfilled(uint32_t cltv_expiry, uint32_t cltv_expiry_delta)
{
	/* BOLT #2:
	 * 3. the deadline for received HTLCs this node has fulfilled: the deadline after
	 *    which the channel has to be failed and the HTLC fulfilled on-chain before
	 *    its `cltv_expiry`.
	 */
	uint32_t margin = (cltv_expiry_delta + 1) / 2;

	return cltv_expiry > margin ? cltv_expiry - margin : 0;
}

/* Whether htlc is in either side's latest commitment. */
static bool in_a_commitment(const struct htlc *htlc)
{
	return htlc_in_commitment(htlc, CHANNEL_LOCAL, false)
		|| htlc_in_commitment(htlc, CHANNEL_REMOTE, false);
}

/* Whether the HTLC the peer offered is one we fulfil (or will). */
static bool is_fulfilled(const struct htlc *htlc, deadline_preimage_known_fn known, void *arg)
{
	if (htlc->removal == HTLC_FULFILLED)
		return true;
	return htlc->removal == HTLC_NOT_REMOVED && known && known(arg, htlc->h.id);
}

/* Keeps the hit with the earliest deadline in *best. */
static void consider(struct deadline_hit *best, enum deadline_reason reason, uint64_t htlc_id,
		     uint32_t cltv_expiry, uint32_t deadline, uint32_t height)
{
	if (height < deadline)
		return;
	if (best->reason != DEADLINE_NONE && best->deadline <= deadline)
		return;
	*best = (struct deadline_hit){
		.reason = reason,
		.htlc_id = htlc_id,
		.cltv_expiry = cltv_expiry,
		.deadline = deadline,
	};
}

bool deadline_check(struct deadline_hit *out, const struct htlc_set *set, uint32_t held_expiry,
		    uint32_t height, uint32_t cltv_expiry_delta, deadline_preimage_known_fn known,
		    void *arg)
{
	*out = (struct deadline_hit){.reason = DEADLINE_NONE};
	for (size_t i = 0; i < set->num; i++) {
		const struct htlc *h = &set->htlcs[i];

		if (!in_a_commitment(h))
			continue;
		if (h->h.offerer == CHANNEL_LOCAL) {
			/* BOLT #2:
			 *   - if an HTLC which it offered is in either node's current
			 *   commitment transaction, AND is past this timeout deadline:
			 *     - SHOULD send an `error` to the receiving peer (if connected).
			 *     - MUST fail the channel.
			 */
			if (h->removal == HTLC_NOT_REMOVED)
				consider(out, DEADLINE_OFFERED, h->h.id, h->h.cltv_expiry,
					 h->h.cltv_expiry + DEADLINE_OFFERED_GRACE, height);
		} else {
			/* BOLT #2:
			 *   - if an HTLC it has fulfilled is in either node's current commitment
			 *   transaction, AND is past this fulfillment deadline:
			 *     - SHOULD send an `error` to the offering peer (if connected).
			 *     - MUST fail the channel.
			 *
			 * The deadline first: known() may be a lookup. */
			uint32_t deadline = deadline_fulfilled(h->h.cltv_expiry, cltv_expiry_delta);
			if (height >= deadline && is_fulfilled(h, known, arg))
				consider(out, DEADLINE_FULFILLED, h->h.id, h->h.cltv_expiry,
					 deadline, height);
		}
	}
	/* A withdrawn HTLC whose failure waits for the peer's revocation:
	 * the peer may hold a commitment with it, so it times out the same
	 * way as one we offered. */
	if (held_expiry)
		consider(out, DEADLINE_WITHDRAWN, 0, held_expiry,
			 held_expiry + DEADLINE_OFFERED_GRACE, height);
	return out->reason != DEADLINE_NONE;
}

const char *deadline_describe(char *buf, size_t len, const struct deadline_hit *hit)
{
	switch (hit->reason) {
	case DEADLINE_NONE:
		snprintf(buf, len, "no HTLC past its deadline");
		return buf;
	case DEADLINE_OFFERED:
		snprintf(buf, len, "offered HTLC %" PRIu64 " expired at block %" PRIu32
			 " (its deadline, block %" PRIu32 ", has come)",
			 hit->htlc_id, hit->cltv_expiry, hit->deadline);
		return buf;
	case DEADLINE_FULFILLED:
		snprintf(buf, len, "received HTLC %" PRIu64 ", whose preimage we know, expires at "
			 "block %" PRIu32 " and its fulfillment deadline, block %" PRIu32
			 ", has come: claiming it on chain", hit->htlc_id, hit->cltv_expiry,
			 hit->deadline);
		return buf;
	case DEADLINE_WITHDRAWN:
		snprintf(buf, len, "withdrawn HTLC expired at block %" PRIu32 " and the peer"
			 " has not revoked the commitment that may hold it", hit->cltv_expiry);
		return buf;
	}
	snprintf(buf, len, "?");
	return buf;
}
