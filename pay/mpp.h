/* Receiving multi-part payments (BOLT #4 "Basic Multi-Part Payments"):
 * the final node's HTLC sets.  An HTLC whose payload says it is a part
 * (total_msat above its amt_to_forward: pay/htlc_accept.h sets is_part)
 * joins the set of its payment_hash; the set is held, neither fulfilled
 * nor failed, until the sum of its parts' amt_to_forward reaches
 * total_msat (then every part is fulfilled), or until timeout_secs after
 * its first part (then every part is failed with mpp_timeout).
 *
 * The caller (daemon/htlcs/mpp_hold.c) does the I/O: it fulfils or fails
 * the parts an outcome names, all in the same turn, and asks
 * mpp_sets_expire() when the next deadline comes.  Held parts are not
 * stored: an HTLC held when ohmd stops is decided afresh at start-up (it
 * is still in its channel, undecided) and joins a new set, whose timer
 * starts then.
 *
 * Pure: no I/O, no globals, no clock (now, in seconds, is a parameter).
 * Out of memory aborts (common/alloc.h).
 */
#ifndef OHM_PAY_MPP_H
#define OHM_PAY_MPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

/* BOLT #4:
 *       - SHOULD wait for at least 60 seconds after the initial HTLC.
 */
#define MPP_TIMEOUT_SECS 60

/* One held HTLC, named by its channel (database id) and HTLC id. */
struct mpp_part {
	int64_t channel;
	uint64_t htlc_id;
	uint64_t amount_msat;		/* the HTLC's: what we receive */
	uint64_t amt_to_forward_msat;	/* what counts toward total_msat */
	/* The caller's, carried along: the onion's shared secret, to
	 * answer a failure through (wiped when the part is let go). */
	struct secret shared_secret;
};

/* What mpp_sets_add() says about a part. */
enum mpp_verdict {
	MPP_HOLD,		/* added: wait for more parts */
	MPP_ALREADY_HELD,	/* that HTLC is in the set already: nothing changes */
	MPP_FULFILL_ALL,	/* the set is complete: fulfil every part in out */
	MPP_FAIL_ALL,		/* fail every part in out with out->failcode */
};

/* A set let go: its parts (the new one included) and what to do. */
struct mpp_outcome {
	struct sha256 payment_hash;
	struct mpp_part *parts;		/* owned: mpp_outcome_clear() */
	size_t num_parts;
	uint64_t received_msat;		/* the sum of the HTLCs' amounts */
	uint16_t failcode;		/* MPP_FAIL_ALL / expired: the failure */
	const char *why;		/* static text for the log */
};
/* Wipes and frees out's parts. */
void mpp_outcome_clear(struct mpp_outcome *out);

struct mpp_sets;

/* No sets; a set expires timeout_secs after its first part. */
struct mpp_sets *mpp_sets_new(uint64_t timeout_secs);
void mpp_sets_free(struct mpp_sets *sets);

/* part, of a payment of total_msat for payment_hash, arrived at now.
 * Returns: MPP_HOLD or MPP_ALREADY_HELD (out untouched), or, the set
 * being let go (removed), MPP_FULFILL_ALL or MPP_FAIL_ALL with out
 * filled (mpp_outcome_clear() it). */
enum mpp_verdict mpp_sets_add(struct mpp_sets *sets, const struct sha256 *payment_hash,
			      uint64_t total_msat, const struct mpp_part *part, uint64_t now,
			      struct mpp_outcome *out);

/* One set whose deadline is at or before now, removed into out (failcode
 * mpp_timeout).  Returns: false if none (call until it returns false). */
bool mpp_sets_expire(struct mpp_sets *sets, uint64_t now, struct mpp_outcome *out);

/* The earliest deadline of the sets held.  Returns: false if none. */
bool mpp_sets_next_deadline(const struct mpp_sets *sets, uint64_t *deadline);

/* Whether parts of payment_hash are held. */
bool mpp_sets_has(const struct mpp_sets *sets, const struct sha256 *payment_hash);

/* The number of parts held, over every set. */
size_t mpp_sets_count_parts(const struct mpp_sets *sets);

/* ---- Sending: a new part against the payment's others ---- */

/* A part already sent for the payment_hash (another partid). */
struct mpp_sent_part {
	uint64_t partid;
	bool is_pending, is_complete;	/* neither: failed */
	uint64_t total_msat;		/* the total its payload named */
	uint64_t delivered_msat;	/* its amt_to_forward at the payee */
};

enum mpp_send_verdict {
	MPP_SEND_OK,
	MPP_SEND_ALREADY_PAID,		/* a part succeeded: the payment is done */
	MPP_SEND_MIXED,			/* a single payment and parts */
	MPP_SEND_TOTAL_CHANGED,		/* a pending part named another total */
	MPP_SEND_ENOUGH_IN_FLIGHT,	/* the pending parts reach the total */
};

/* Whether part partid (0: a single payment) naming total_msat may be sent
 * next to parts[0..num).  *pending_msat gets what the pending parts
 * deliver. */
enum mpp_send_verdict mpp_send_check(const struct mpp_sent_part *parts, size_t num,
				     uint64_t partid, uint64_t total_msat,
				     uint64_t *pending_msat);

#endif /* OHM_PAY_MPP_H */
