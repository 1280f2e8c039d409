/* BOLT #4's checks on an incoming HTLC, in the order ohm has always made
 * them (the spec's "SHOULD select the first error it encounters" leaves
 * the order to us; the integration tests pin the codes down). */
#include "pay/htlc_accept.h"

#include <string.h>

#include "crypto/hash.h"
#include "crypto/util.h"
#include "pay/route.h"

static void decision_init(struct htlc_decision *d)
{
	memset(d, 0, sizeof(*d));
	onion_failure_init(&d->failure, 0);
}

/* incorrect_or_unknown_payment_details, as a final node answers any
 * problem with what it was paid (so probing learns nothing more). */
static void fail_unknown(struct htlc_decision *d, const struct htlc_incoming *htlc,
			 uint32_t height, const char *why)
{
	d->failure.code = ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS;
	d->failure.htlc_msat = htlc->amount_msat;
	d->failure.height = height;
	d->why = why;
}

/* The keysend payment without an invoice: its preimage must be the
 * payment_hash's. */
static void accept_keysend(struct htlc_decision *d, const struct htlc_incoming *htlc,
			   const struct hop_payload *payload, uint32_t height)
{
	struct sha256 hash;

	if (!payload->has_keysend_preimage) {
		fail_unknown(d, htlc, height, "no invoice for this payment_hash");
		return;
	}
	sha256(&hash, payload->keysend_preimage.r, sizeof(payload->keysend_preimage.r));
	if (memcmp(hash.u8, htlc->payment_hash.u8, 32) != 0) {
		fail_unknown(d, htlc, height, "keysend preimage does not match");
		return;
	}
	d->is_keysend = true;
}

/* A part of a multi-part payment whose secret matched.
 *
 * BOLT #4:
 *   - MUST fail the HTLC if dictated by Requirements under [Failure Messages](#failure-messages)
 *     - Note: "amount paid" specified there is the `total_msat` field.
 */
static void accept_part(struct htlc_decision *d, const struct htlc_incoming *htlc,
			const struct hop_payload *payload, const struct htlc_invoice *invoice,
			uint32_t height)
{
	uint64_t total_msat = payload->payment_data_total_msat;

	if (invoice->has_amount && total_msat < invoice->amount_msat) {
		fail_unknown(d, htlc, height, "total_msat below the invoice's amount");
		return;
	}
	if (invoice->has_amount && total_msat - invoice->amount_msat > invoice->amount_msat) {
		fail_unknown(d, htlc, height, "total_msat more than twice the invoice's amount");
		return;
	}
	d->is_part = !invoice->is_paid;
	d->is_late_part = invoice->is_paid;
	d->total_msat = total_msat;
}

void htlc_accept_final(struct htlc_decision *d, const struct htlc_incoming *htlc,
		       const struct hop_payload *payload, const struct htlc_invoice *invoice,
		       uint32_t height, uint32_t min_final_cltv_expiry_delta)
{
	bool is_part;

	decision_init(d);
	/* BOLT #4:
	 *   - if `amount_msat` from the final node's HTLC is below `amt_to_forward`:
	 *     - MUST return a `final_incorrect_htlc_amount` error.
	 */
	if (payload->amt_to_forward_msat > htlc->amount_msat) {
		d->failure.code = ONION_FAILURE_FINAL_INCORRECT_HTLC_AMOUNT;
		d->failure.htlc_msat = htlc->amount_msat;
		return;
	}
	/* BOLT #4:
	 *   - if the `cltv_expiry` from the final node's HTLC is below `outgoing_cltv_value`:
	 *     - MUST return `final_incorrect_cltv_expiry` error.
	 */
	if (payload->outgoing_cltv_value > htlc->cltv_expiry) {
		d->failure.code = ONION_FAILURE_FINAL_INCORRECT_CLTV_EXPIRY;
		d->failure.cltv_expiry = htlc->cltv_expiry;
		return;
	}
	/* BOLT #4:
	 *   - if the `cltv_expiry` value is unreasonably near the present:
	 *     - MUST fail the HTLC.
	 *     - MUST return an `incorrect_or_unknown_payment_details` error.
	 */
	if (invoice->is_found && invoice->min_final_cltv_expiry)
		min_final_cltv_expiry_delta = invoice->min_final_cltv_expiry;
	else if (!invoice->is_found && payload->has_keysend_preimage
		 && min_final_cltv_expiry_delta > KEYSEND_FINAL_CLTV)
		min_final_cltv_expiry_delta = KEYSEND_FINAL_CLTV;
	if (htlc->cltv_expiry < height + min_final_cltv_expiry_delta) {
		fail_unknown(d, htlc, height, "cltv_expiry too near");
		return;
	}
	/* BOLT #4:
	 *   - if the payment hash is unknown:
	 *     - MUST fail the HTLC.
	 *     - MUST return an `incorrect_or_unknown_payment_details` error.
	 */
	if (!invoice->is_found) {
		accept_keysend(d, htlc, payload, height);
		return;
	}
	is_part = invoice->has_secret && payload->has_payment_data
		&& (payload->payment_data_total_msat != payload->amt_to_forward_msat
		    || invoice->has_held_parts);
	/* BOLT #4:
	 *   - if the payment hash has already been paid:
	 *     - MAY treat the payment hash as unknown.
	 *     - MAY succeed in accepting the HTLC.
	 *
	 * A single payment paid twice is refused as ever; a part of a set
	 * that completed (one whose channel was away then, or a payer's
	 * extra part) is accepted, as Core Lightning does, once its secret
	 * is checked below. */
	if (invoice->is_paid && !is_part) {
		fail_unknown(d, htlc, height, "invoice already paid");
		return;
	}
	if (invoice->is_expired) {
		fail_unknown(d, htlc, height, "invoice expired");
		return;
	}
	/* BOLT #4:
	 *   - if the `payment_secret` doesn't match the expected value for that `payment_hash`,
	 *     or the `payment_secret` is required and is not present:
	 *     - MUST fail the HTLC.
	 *     - MUST return an `incorrect_or_unknown_payment_details` error.
	 */
	if (invoice->has_secret
	    && (!payload->has_payment_data
		|| !crypto_memeq(payload->payment_secret.data, invoice->payment_secret.data, 32))) {
		fail_unknown(d, htlc, height, "wrong or missing payment_secret");
		return;
	}
	/* BOLT #4:
	 *   - if it does not support `basic_mpp`:
	 *     - MUST fail the HTLC if `total_msat` is not exactly equal to `amt_to_forward`.
	 *
	 * We support it for invoices, which all have a payment_secret
	 * ("MUST require `payment_secret` for all HTLCs in the set"), not
	 * for the rows keysend payments leave behind.
	 */
	if (payload->has_payment_data && !is_part
	    && payload->payment_data_total_msat != payload->amt_to_forward_msat) {
		fail_unknown(d, htlc, height, "a part of a multi-part payment without a secret");
		return;
	}
	if (is_part) {
		accept_part(d, htlc, payload, invoice, height);
		return;
	}
	/* BOLT #4:
	 *   - if the amount paid is less than the amount expected:
	 *     - MUST fail the HTLC.
	 *     - MUST return an `incorrect_or_unknown_payment_details` error.
	 */
	if (invoice->has_amount && htlc->amount_msat < invoice->amount_msat) {
		fail_unknown(d, htlc, height, "amount below the invoice's");
		return;
	}
	/* BOLT #4:
	 *   - if the amount paid is more than twice the amount expected:
	 *     - SHOULD fail the HTLC.
	 *     - SHOULD return an `incorrect_or_unknown_payment_details` error.
	 */
	if (invoice->has_amount && htlc->amount_msat > 2 * invoice->amount_msat)
		fail_unknown(d, htlc, height, "more than twice the invoice's amount");
}

/* A failure of the UPDATE kind: BOLT #4 has it report "the current
 * channel setting for the outgoing channel" (its channel_update). */
static void fail_update(struct htlc_decision *d, const struct htlc_incoming *htlc,
			uint16_t code, const char *why)
{
	d->failure.code = code;
	d->failure.htlc_msat = htlc->amount_msat;
	d->failure.cltv_expiry = htlc->cltv_expiry;
	d->needs_channel_update = true;
	d->why = why;
}

void htlc_accept_forward(struct htlc_decision *d, const struct htlc_incoming *htlc,
			 const struct hop_payload *payload, const struct htlc_next_channel *next,
			 const struct htlc_forward_policy *policy, uint32_t height)
{
	struct route_edge ours = {
		.fee_base_msat = policy->fee_base_msat,
		.fee_proportional_millionths = policy->fee_proportional_millionths,
	};
	uint64_t fee;

	decision_init(d);
	/* BOLT #4:
	 *   - if the receiving peer specified by the onion is NOT known:
	 *     - return an `unknown_next_peer` error.
	 */
	if (!next->is_known) {
		d->failure.code = ONION_FAILURE_UNKNOWN_NEXT_PEER;
		d->why = "no channel with that short_channel_id";
		return;
	}
	/* BOLT #4:
	 *   - if during forwarding to its receiving peer, an otherwise unspecified,
	 *   transient error occurs in the outgoing channel (e.g. channel capacity reached,
	 *   too many in-flight HTLCs, etc.):
	 *     - return a `temporary_channel_failure` error.
	 */
	if (!next->is_usable) {
		fail_update(d, htlc, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE,
			    "next channel not usable now");
		return;
	}
	/* BOLT #4:
	 *   - if the HTLC does NOT pay a sufficient fee:
	 *     - report the amount of the incoming HTLC and the current channel setting for
	 *     the outgoing channel.
	 *     - return a `fee_insufficient` error.
	 *
	 * The fee is BOLT #7's, on amt_to_forward (route_fee()).
	 */
	if (!route_fee(&fee, &ours, payload->amt_to_forward_msat)
	    || htlc->amount_msat < payload->amt_to_forward_msat
	    || htlc->amount_msat - payload->amt_to_forward_msat < fee) {
		fail_update(d, htlc, ONION_FAILURE_FEE_INSUFFICIENT, "fee too low");
		return;
	}
	/* BOLT #4:
	 *  -  if the incoming `cltv_expiry` minus the `outgoing_cltv_value` is below the
	 *     `cltv_expiry_delta` for the outgoing channel:
	 *
	 * return an `incorrect_cltv_expiry` error.  Its cltv_expiry is the
	 * incoming HTLC's (the spec says the outgoing one's; kept as ohm has
	 * always answered).
	 */
	if (htlc->cltv_expiry < payload->outgoing_cltv_value
	    || htlc->cltv_expiry - payload->outgoing_cltv_value < policy->cltv_expiry_delta) {
		fail_update(d, htlc, ONION_FAILURE_INCORRECT_CLTV_EXPIRY,
			    "cltv_expiry delta too small");
		return;
	}
	/* BOLT #4:
	 *   - if the `cltv_expiry` is unreasonably near the present:
	 *     - report the current channel setting for the outgoing channel.
	 *     - return an `expiry_too_soon` error.
	 */
	if (payload->outgoing_cltv_value < height + HTLC_ACCEPT_MIN_BLOCKS_TO_EXPIRY) {
		fail_update(d, htlc, ONION_FAILURE_EXPIRY_TOO_SOON, "expiry too soon");
		return;
	}
	/* BOLT #4:
	 *   - if the `cltv_expiry` is more than `max_htlc_cltv` in the future:
	 *     - return an `expiry_too_far` error.
	 */
	if (payload->outgoing_cltv_value > height + HTLC_ACCEPT_MAX_CLTV_AHEAD) {
		d->failure.code = ONION_FAILURE_EXPIRY_TOO_FAR;
		d->why = "expiry too far";
		return;
	}
	/* BOLT #4:
	 *   - if the HTLC amount is less than the currently specified minimum amount:
	 *
	 * return an `amount_below_minimum` error.  Its htlc_msat is the
	 * incoming HTLC's (the spec says the outgoing one's; kept as ohm has
	 * always answered).
	 */
	if (payload->amt_to_forward_msat < next->htlc_minimum_msat) {
		fail_update(d, htlc, ONION_FAILURE_AMOUNT_BELOW_MINIMUM,
			    "below the next channel's minimum");
		return;
	}
	d->out_amount_msat = payload->amt_to_forward_msat;
	d->out_cltv_expiry = payload->outgoing_cltv_value;
}
