/* BOLT #4 "Returning Errors" / "Payload Format" requirements for an
 * incoming HTLC whose onion peeled and whose payload decoded
 * (pay/onion.h, pay/hop_payload.h): accept it as the final node, forward
 * it, or fail it with the exact failure code and data the spec asks for.
 *
 * The caller looks things up (the invoice for the payment_hash, the
 * channel the payload names, the block height, our forwarding policy)
 * and passes them in as plain structs; these functions only decide.  The
 * caller then does the I/O: fulfils, offers the outgoing HTLC, or sends
 * the failure (adding the outgoing channel's channel_update where the
 * decision asks for one).
 *
 * Pure: no I/O, no globals, no allocation (they run for every HTLC).
 */
#ifndef OHM_PAY_HTLC_ACCEPT_H
#define OHM_PAY_HTLC_ACCEPT_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/types.h"
#include "pay/hop_payload.h"
#include "pay/onion_error.h"

/* An outgoing HTLC's CLTV must leave us this many blocks to act. */
#define HTLC_ACCEPT_MIN_BLOCKS_TO_EXPIRY 3
/* BOLT #4 expiry_too_far: more than this ahead of the tip. */
#define HTLC_ACCEPT_MAX_CLTV_AHEAD 2016

/* The incoming HTLC, as update_add_htlc gave it. */
struct htlc_incoming {
	uint64_t amount_msat;
	uint32_t cltv_expiry;
	struct sha256 payment_hash;
};

/* What we know of the invoice for the HTLC's payment_hash. */
struct htlc_invoice {
	bool is_found;			/* the rest is meaningful only if set */
	bool is_paid;
	bool is_expired;
	bool has_secret;		/* keysend invoices have none */
	struct secret payment_secret;
	bool has_amount;
	uint64_t amount_msat;
	/* Parts of a multi-part payment to it are held (pay/mpp.h). */
	bool has_held_parts;
	/* The min_final_cltv_expiry_delta it asked for; 0: unknown (the
	 * caller's floor applies). */
	uint32_t min_final_cltv_expiry;
};

/* Our forwarding policy (what our channel_update advertises). */
struct htlc_forward_policy {
	uint32_t fee_base_msat;
	uint32_t fee_proportional_millionths;
	uint32_t cltv_expiry_delta;
};

/* The channel the payload's short_channel_id names. */
struct htlc_next_channel {
	bool is_known;			/* we have a channel with that scid */
	bool is_usable;			/* it can take an HTLC now */
	uint64_t htlc_minimum_msat;	/* the peer's htlc_minimum_msat */
};

/* What to do with the HTLC. */
struct htlc_decision {
	/* failure.code 0: accept (final) or forward; otherwise answer
	 * this failure, its data filled in. */
	struct onion_failure failure;
	/* The failure carries the outgoing channel's channel_update (the
	 * caller's to add: it is the channel's current one). */
	bool needs_channel_update;
	const char *why;		/* static text for the log, or NULL */
	/* Forward: the outgoing HTLC. */
	uint64_t out_amount_msat;
	uint32_t out_cltv_expiry;
	/* Final, accepted without an invoice: paid by the payload's
	 * keysend_preimage. */
	bool is_keysend;
	/* Final, a part of a multi-part payment of total_msat (BOLT #4
	 * "Basic Multi-Part Payments"): hold it in its HTLC set
	 * (pay/mpp.h) rather than fulfil it now; or, is_late_part, its
	 * invoice is paid already (by its set): fulfil it (the spec's
	 * "MAY succeed in accepting the HTLC"). */
	bool is_part;
	bool is_late_part;
	uint64_t total_msat;
};

/* keysend's final CLTV delta: what we send and the least we take for a
 * keysend (Core Lightning sends 22). */
#define KEYSEND_FINAL_CLTV 22

/* The final node's checks on htlc, whose payload is payload, at block
 * height: against invoice, or for a keysend payment without one.  An
 * invoice is held to the min_final_cltv_expiry it asked for, else (made
 * before that was stored) to min_final_cltv_expiry_delta; a keysend to
 * the lower of that and KEYSEND_FINAL_CLTV.
 * Fills *d: failure.code 0 to fulfil (with the invoice's preimage, or
 * the keysend preimage if d->is_keysend), or to hold (d->is_part). */
void htlc_accept_final(struct htlc_decision *d, const struct htlc_incoming *htlc,
		       const struct hop_payload *payload, const struct htlc_invoice *invoice,
		       uint32_t height, uint32_t min_final_cltv_expiry_delta);

/* A forwarding node's checks on htlc, whose payload names next, at
 * block height, charging policy.  Fills *d: failure.code 0 to offer an
 * HTLC of d->out_amount_msat expiring at d->out_cltv_expiry on next. */
void htlc_accept_forward(struct htlc_decision *d, const struct htlc_incoming *htlc,
			 const struct hop_payload *payload, const struct htlc_next_channel *next,
			 const struct htlc_forward_policy *policy, uint32_t height);

#endif /* OHM_PAY_HTLC_ACCEPT_H */
