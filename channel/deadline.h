/* When an HTLC forces the channel on chain (BOLT #2 "Delays" ... its
 * "Requirements": the deadline for offered HTLCs and the fulfillment
 * deadline for received HTLCs we fulfilled).  Pure: the engine's HTLCs,
 * which preimages we know, and the block height in; the HTLC that makes
 * us fail the channel, and why, out.
 *
 * The margins (Core Lightning's, which LND and Eclair accept):
 *  - an HTLC we offered goes on chain once height >= cltv_expiry + 1
 *    (CLN htlc_out_deadline; BOLT #2: "1 or 2 blocks is reasonable");
 *  - an HTLC we received and know the preimage of goes on chain once
 *    height >= cltv_expiry - (cltv_expiry_delta + 1) / 2, 17 blocks for
 *    the default delta of 34 (CLN htlc_in_deadline; BOLT #2: "18 blocks
 *    is reasonable"; LND uses 10), so that the HTLC-success transaction
 *    confirms before the peer can time the HTLC out.
 * Trimmed HTLCs count too: BOLT #2's requirement has no exception for
 * them (Core Lightning does the same; LND skips them). */
#ifndef OHM_CHANNEL_DEADLINE_H
#define OHM_CHANNEL_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "channel/htlcs.h"

/* BOLT #2 "G": blocks past an offered HTLC's cltv_expiry. */
#define DEADLINE_OFFERED_GRACE 1

enum deadline_reason {
	DEADLINE_NONE,
	DEADLINE_OFFERED,	/* we offered it; past cltv_expiry + grace */
	DEADLINE_FULFILLED,	/* we received it and know its preimage */
	DEADLINE_WITHDRAWN,	/* withdrawn by us, its failure held: the
				 * peer may still hold it (channel_held_expiry) */
};

/* The HTLC that forces the channel on chain. */
struct deadline_hit {
	enum deadline_reason reason;
	uint64_t htlc_id;	/* not for DEADLINE_WITHDRAWN */
	uint32_t cltv_expiry;
	uint32_t deadline;	/* the height it fails the channel at */
};

/* Whether we know the preimage of the HTLC the peer offered with htlc_id
 * (fulfilled by us, or known to the switch and not yet sent). */
typedef bool (*deadline_preimage_known_fn)(void *arg, uint64_t htlc_id);

/* The height at which a received HTLC with cltv_expiry that we can fulfil
 * must be on chain, for our cltv_expiry_delta (0 if that is already
 * below the genesis block). */
uint32_t deadline_fulfilled(uint32_t cltv_expiry, uint32_t cltv_expiry_delta);

/* The first HTLC of set (then the held withdrawn ones, earliest
 * held_expiry, 0 for none) that is in either side's latest commitment and
 * past its deadline at height.  known may be NULL: only the HTLCs we
 * fulfilled count then.  Returns: whether one is (out filled), false with
 * out->reason DEADLINE_NONE otherwise. */
bool deadline_check(struct deadline_hit *out, const struct htlc_set *set, uint32_t held_expiry,
		    uint32_t height, uint32_t cltv_expiry_delta, deadline_preimage_known_fn known,
		    void *arg);

/* A few words for the log ("offered HTLC 3 expired at block 120"); buf
 * gets at most len bytes. */
const char *deadline_describe(char *buf, size_t len, const struct deadline_hit *hit);

#endif /* OHM_CHANNEL_DEADLINE_H */
