/* pay/htlc_accept: BOLT #4's checks on an incoming HTLC, each branch with
 * the failure code and data the spec names. */
#include <string.h>

#include "crypto/hash.h"
#include "pay/htlc_accept.h"
#include "tests/unit/test.h"

#define HEIGHT 1000
#define MIN_FINAL 18

/* The preimage 0x42 repeated, and an HTLC paying its hash. */
static struct preimage preimage(void)
{
	struct preimage p;

	memset(p.r, 0x42, sizeof(p.r));
	return p;
}

static struct htlc_incoming htlc(uint64_t amount_msat, uint32_t cltv_expiry)
{
	struct htlc_incoming h = {amount_msat, cltv_expiry, {{0}}};
	struct preimage p = preimage();

	sha256(&h.payment_hash, p.r, sizeof(p.r));
	return h;
}

/* A final hop's payload for amount_msat at cltv, with payment_data. */
static struct hop_payload final_payload(uint64_t amount_msat, uint32_t cltv)
{
	struct hop_payload p;

	hop_payload_init(&p);
	p.has_amt_to_forward = true;
	p.amt_to_forward_msat = amount_msat;
	p.has_outgoing_cltv_value = true;
	p.outgoing_cltv_value = cltv;
	p.has_payment_data = true;
	memset(p.payment_secret.data, 0x5e, sizeof(p.payment_secret.data));
	p.payment_data_total_msat = amount_msat;
	return p;
}

/* An unpaid invoice of amount_msat asking for the payment_secret above. */
static struct htlc_invoice invoice(uint64_t amount_msat)
{
	struct htlc_invoice inv = {true, false, false, true, {{0}}, amount_msat != 0, amount_msat};

	memset(inv.payment_secret.data, 0x5e, sizeof(inv.payment_secret.data));
	return inv;
}

static bool accepted(const struct htlc_decision *d)
{
	return d->failure.code == 0 && !d->needs_channel_update;
}

/* incorrect_or_unknown_payment_details with [u64:htlc_msat][u32:height]. */
static bool is_unknown_details(const struct htlc_decision *d, uint64_t htlc_msat)
{
	return d->failure.code == ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS
		&& d->failure.code == 0x400f && d->failure.htlc_msat == htlc_msat
		&& d->failure.height == HEIGHT && !d->needs_channel_update && d->why;
}

static void test_final_accepts_invoice_payment(void)
{
	struct htlc_incoming h = htlc(50000, HEIGHT + MIN_FINAL);
	struct hop_payload p = final_payload(50000, HEIGHT + MIN_FINAL);
	struct htlc_invoice inv = invoice(50000);
	struct htlc_decision d;

	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(accepted(&d) && !d.is_keysend && !d.why);
	/* An invoice without an amount takes any. */
	inv = invoice(0);
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(accepted(&d));
	/* A keysend preimage next to an invoice: the invoice pays. */
	p.has_keysend_preimage = true;
	p.keysend_preimage = preimage();
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(accepted(&d) && !d.is_keysend);
}

/* BOLT #4: "if `amount_msat` from the final node's HTLC is below
 * `amt_to_forward`: MUST return a `final_incorrect_htlc_amount` error",
 * with [u64:incoming_htlc_amt]. */
static void test_final_incorrect_htlc_amount(void)
{
	struct htlc_incoming h = htlc(49999, HEIGHT + MIN_FINAL);
	struct hop_payload p = final_payload(50000, HEIGHT + MIN_FINAL);
	struct htlc_invoice inv = invoice(50000);
	struct htlc_decision d;
	struct wirebuf *buf = wirebuf_new();
	const uint8_t expect[] = {0x00, 0x13, 0, 0, 0, 0, 0, 0, 0xc3, 0x4f};

	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(d.failure.code == ONION_FAILURE_FINAL_INCORRECT_HTLC_AMOUNT && d.failure.code == 19);
	CHECK(d.failure.htlc_msat == 49999 && !d.needs_channel_update);
	onion_failure_towire(buf, &d.failure);
	CHECK(buf->len == sizeof(expect) && memcmp(buf->data, expect, sizeof(expect)) == 0);
	wirebuf_free(buf);
	/* Checked first: a too-late cltv as well still answers this. */
	p.outgoing_cltv_value = h.cltv_expiry + 1;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(d.failure.code == ONION_FAILURE_FINAL_INCORRECT_HTLC_AMOUNT);
}

/* BOLT #4: "if the `cltv_expiry` from the final node's HTLC is below
 * `outgoing_cltv_value`: MUST return `final_incorrect_cltv_expiry`
 * error", with [u32:cltv_expiry]. */
static void test_final_incorrect_cltv_expiry(void)
{
	struct htlc_incoming h = htlc(50000, HEIGHT + MIN_FINAL);
	struct hop_payload p = final_payload(50000, HEIGHT + MIN_FINAL + 1);
	struct htlc_invoice inv = invoice(50000);
	struct htlc_decision d;
	struct wirebuf *buf = wirebuf_new();
	const uint8_t expect[] = {0x00, 0x12, 0, 0, (HEIGHT + MIN_FINAL) >> 8,
				  (HEIGHT + MIN_FINAL) & 0xff};

	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(d.failure.code == ONION_FAILURE_FINAL_INCORRECT_CLTV_EXPIRY && d.failure.code == 18);
	CHECK(d.failure.cltv_expiry == HEIGHT + MIN_FINAL && !d.needs_channel_update);
	onion_failure_towire(buf, &d.failure);
	CHECK(buf->len == sizeof(expect) && memcmp(buf->data, expect, sizeof(expect)) == 0);
	wirebuf_free(buf);
}

/* BOLT #4: "if the `cltv_expiry` value is unreasonably near the present:
 * MUST fail the HTLC. MUST return an
 * `incorrect_or_unknown_payment_details` error": nearer than our
 * min_final_cltv_expiry_delta. */
static void test_final_expiry_too_near(void)
{
	struct htlc_incoming h = htlc(50000, HEIGHT + MIN_FINAL - 1);
	struct hop_payload p = final_payload(50000, HEIGHT + MIN_FINAL - 1);
	struct htlc_invoice inv = invoice(50000);
	struct htlc_decision d;
	struct wirebuf *buf = wirebuf_new();
	const uint8_t expect[] = {0x40, 0x0f, 0, 0, 0, 0, 0, 0, 0xc3, 0x50,
				  0, 0, HEIGHT >> 8, HEIGHT & 0xff};

	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 50000));
	onion_failure_towire(buf, &d.failure);
	CHECK(buf->len == sizeof(expect) && memcmp(buf->data, expect, sizeof(expect)) == 0);
	wirebuf_free(buf);
	/* Exactly min_final_cltv_expiry_delta is enough. */
	h.cltv_expiry++;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(accepted(&d));
}

/* BOLT #4: "if the payment hash is unknown: MUST fail the HTLC", unless
 * a keysend preimage pays it. */
static void test_final_unknown_hash_and_keysend(void)
{
	struct htlc_incoming h = htlc(50000, HEIGHT + MIN_FINAL);
	struct hop_payload p = final_payload(50000, HEIGHT + MIN_FINAL);
	struct htlc_invoice none = {0};
	struct htlc_decision d;

	htlc_accept_final(&d, &h, &p, &none, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 50000) && strstr(d.why, "no invoice"));
	p.has_keysend_preimage = true;
	p.keysend_preimage = preimage();
	p.keysend_preimage.r[31] ^= 1;
	htlc_accept_final(&d, &h, &p, &none, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 50000) && strstr(d.why, "keysend"));
	p.keysend_preimage = preimage();
	htlc_accept_final(&d, &h, &p, &none, HEIGHT, MIN_FINAL);
	CHECK(accepted(&d) && d.is_keysend);
	/* Any amount: there is no invoice to hold it to. */
	h.amount_msat = p.amt_to_forward_msat = p.payment_data_total_msat = 1;
	htlc_accept_final(&d, &h, &p, &none, HEIGHT, MIN_FINAL);
	CHECK(accepted(&d) && d.is_keysend);
}

/* BOLT #4: "if the payment hash has already been paid: MAY treat the
 * payment hash as unknown"; an expired invoice is unknown as well. */
static void test_final_paid_or_expired_invoice(void)
{
	struct htlc_incoming h = htlc(50000, HEIGHT + MIN_FINAL);
	struct hop_payload p = final_payload(50000, HEIGHT + MIN_FINAL);
	struct htlc_invoice inv = invoice(50000);
	struct htlc_decision d;

	inv.is_paid = true;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 50000) && strstr(d.why, "paid"));
	inv = invoice(50000);
	inv.is_expired = true;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 50000) && strstr(d.why, "expired"));
}

/* BOLT #4: "if the `payment_secret` doesn't match the expected value for
 * that `payment_hash`, or the `payment_secret` is required and is not
 * present: MUST fail the HTLC." */
static void test_final_payment_secret(void)
{
	struct htlc_incoming h = htlc(50000, HEIGHT + MIN_FINAL);
	struct hop_payload p = final_payload(50000, HEIGHT + MIN_FINAL);
	struct htlc_invoice inv = invoice(50000);
	struct htlc_decision d;

	p.payment_secret.data[31] ^= 1;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 50000) && strstr(d.why, "payment_secret"));
	p = final_payload(50000, HEIGHT + MIN_FINAL);
	p.has_payment_data = false;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 50000) && strstr(d.why, "payment_secret"));
	/* An invoice without a secret (keysend's) asks for none. */
	inv.has_secret = false;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(accepted(&d));
}

/* BOLT #4, without basic_mpp: "MUST fail the HTLC if `total_msat` is not
 * exactly equal to `amt_to_forward`." */
static void test_final_multi_part_refused(void)
{
	struct htlc_incoming h = htlc(50000, HEIGHT + MIN_FINAL);
	struct hop_payload p = final_payload(50000, HEIGHT + MIN_FINAL);
	struct htlc_invoice inv = invoice(50000);
	struct htlc_decision d;

	p.payment_data_total_msat = 100000;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 50000) && strstr(d.why, "multi-part"));
}

/* BOLT #4: "if the amount paid is less than the amount expected: MUST
 * fail the HTLC"; "if the amount paid is more than twice the amount
 * expected: SHOULD fail the HTLC". */
static void test_final_amount_within_invoice_bounds(void)
{
	struct htlc_incoming h = htlc(49999, HEIGHT + MIN_FINAL);
	struct hop_payload p = final_payload(49999, HEIGHT + MIN_FINAL);
	struct htlc_invoice inv = invoice(50000);
	struct htlc_decision d;

	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 49999) && strstr(d.why, "below"));
	h.amount_msat = 100000;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(accepted(&d));
	h.amount_msat = 100001;
	htlc_accept_final(&d, &h, &p, &inv, HEIGHT, MIN_FINAL);
	CHECK(is_unknown_details(&d, 100001) && strstr(d.why, "twice"));
}

/* ---- Forwarding ---- */

static const struct htlc_forward_policy policy = {1000, 10, 34};
static const struct htlc_next_channel usable = {true, true, 1000};

/* A payload forwarding amount_msat at cltv over block 500's channel. */
static struct hop_payload forward_payload(uint64_t amount_msat, uint32_t cltv)
{
	struct hop_payload p;

	hop_payload_init(&p);
	p.has_amt_to_forward = true;
	p.amt_to_forward_msat = amount_msat;
	p.has_outgoing_cltv_value = true;
	p.outgoing_cltv_value = cltv;
	p.has_short_channel_id = true;
	short_channel_id_from_parts(&p.short_channel_id, 500, 1, 0);
	return p;
}

/* A failure with the UPDATE flag: the incoming HTLC's amount and
 * cltv_expiry as data, and the channel_update asked for. */
static bool is_update_failure(const struct htlc_decision *d, uint16_t code,
			      const struct htlc_incoming *h)
{
	return d->failure.code == code && (code & ONION_FAILURE_UPDATE)
		&& d->needs_channel_update && d->failure.htlc_msat == h->amount_msat
		&& d->failure.cltv_expiry == h->cltv_expiry && d->why;
}

/* 1,000,000 msat forwarded for 1000 + 10 ppm = 1010 msat and 34 blocks. */
static void test_forward_accepts(void)
{
	struct htlc_incoming h = htlc(1001010, HEIGHT + 100 + 34);
	struct hop_payload p = forward_payload(1000000, HEIGHT + 100);
	struct htlc_decision d;

	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(accepted(&d) && !d.why);
	CHECK(d.out_amount_msat == 1000000 && d.out_cltv_expiry == HEIGHT + 100);
}

/* BOLT #4: "if the receiving peer specified by the onion is NOT known:
 * return an `unknown_next_peer` error" (PERM|10, no data). */
static void test_forward_unknown_next_peer(void)
{
	struct htlc_incoming h = htlc(1001010, HEIGHT + 134);
	struct hop_payload p = forward_payload(1000000, HEIGHT + 100);
	struct htlc_next_channel unknown = {false, false, 0};
	struct htlc_decision d;
	struct wirebuf *buf = wirebuf_new();
	const uint8_t expect[] = {0x40, 0x0a};

	htlc_accept_forward(&d, &h, &p, &unknown, &policy, HEIGHT);
	CHECK(d.failure.code == ONION_FAILURE_UNKNOWN_NEXT_PEER && d.failure.code == 0x400a);
	CHECK(!d.needs_channel_update && d.why);
	onion_failure_towire(buf, &d.failure);
	CHECK(buf->len == sizeof(expect) && memcmp(buf->data, expect, sizeof(expect)) == 0);
	wirebuf_free(buf);
}

/* BOLT #4: a transient error in the outgoing channel: "return a
 * `temporary_channel_failure` error" (UPDATE|7, with channel_update). */
static void test_forward_channel_not_usable(void)
{
	struct htlc_incoming h = htlc(1001010, HEIGHT + 134);
	struct hop_payload p = forward_payload(1000000, HEIGHT + 100);
	struct htlc_next_channel down = {true, false, 1000};
	struct htlc_decision d;

	htlc_accept_forward(&d, &h, &p, &down, &policy, HEIGHT);
	CHECK(is_update_failure(&d, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE, &h));
	CHECK(d.failure.code == 0x1007);
}

/* BOLT #4: "if the HTLC does NOT pay a sufficient fee: ... return a
 * `fee_insufficient` error" (UPDATE|12, [u64:htlc_msat]). */
static void test_forward_fee_insufficient(void)
{
	struct htlc_incoming h = htlc(1001009, HEIGHT + 134);
	struct hop_payload p = forward_payload(1000000, HEIGHT + 100);
	struct htlc_decision d;
	struct wirebuf *buf = wirebuf_new();

	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(is_update_failure(&d, ONION_FAILURE_FEE_INSUFFICIENT, &h));
	CHECK(d.failure.code == 0x100c);
	onion_failure_towire(buf, &d.failure);
	/* code, htlc_msat, a zero-length channel_update (the caller's). */
	CHECK(buf->len == 2 + 8 + 2 && buf->data[0] == 0x10 && buf->data[1] == 0x0c);
	CHECK(buf->data[9] == (1001009 & 0xff));
	wirebuf_free(buf);
	/* Less in than out. */
	h.amount_msat = 999999;
	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(is_update_failure(&d, ONION_FAILURE_FEE_INSUFFICIENT, &h));
	/* A fee that overflows 64 bits is never paid. */
	p.amt_to_forward_msat = UINT64_MAX - 10;
	h.amount_msat = UINT64_MAX;
	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(is_update_failure(&d, ONION_FAILURE_FEE_INSUFFICIENT, &h));
	/* Checked before the CLTV delta. */
	h = htlc(1001009, HEIGHT + 100);
	p = forward_payload(1000000, HEIGHT + 100);
	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(d.failure.code == ONION_FAILURE_FEE_INSUFFICIENT);
}

/* BOLT #4: "if the incoming `cltv_expiry` minus the `outgoing_cltv_value`
 * is below the `cltv_expiry_delta` for the outgoing channel: ... return
 * an `incorrect_cltv_expiry` error" (UPDATE|13, [u32:cltv_expiry]). */
static void test_forward_incorrect_cltv_expiry(void)
{
	struct htlc_incoming h = htlc(1001010, HEIGHT + 100 + 33);
	struct hop_payload p = forward_payload(1000000, HEIGHT + 100);
	struct htlc_decision d;

	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(is_update_failure(&d, ONION_FAILURE_INCORRECT_CLTV_EXPIRY, &h));
	CHECK(d.failure.code == 0x100d);
	/* An outgoing expiry after the incoming one. */
	h.cltv_expiry = HEIGHT + 99;
	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(is_update_failure(&d, ONION_FAILURE_INCORRECT_CLTV_EXPIRY, &h));
}

/* BOLT #4: "if the `cltv_expiry` is unreasonably near the present: ...
 * return an `expiry_too_soon` error" (UPDATE|14): fewer than
 * HTLC_ACCEPT_MIN_BLOCKS_TO_EXPIRY blocks to act on the outgoing HTLC. */
static void test_forward_expiry_too_soon(void)
{
	uint32_t out = HEIGHT + HTLC_ACCEPT_MIN_BLOCKS_TO_EXPIRY - 1;
	struct htlc_incoming h = htlc(1001010, out + 34);
	struct hop_payload p = forward_payload(1000000, out);
	struct htlc_decision d;

	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(is_update_failure(&d, ONION_FAILURE_EXPIRY_TOO_SOON, &h));
	CHECK(d.failure.code == 0x100e);
	p.outgoing_cltv_value++;
	h.cltv_expiry++;
	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(accepted(&d));
}

/* BOLT #4: "if the `cltv_expiry` is more than `max_htlc_cltv` in the
 * future: return an `expiry_too_far` error" (21, no data). */
static void test_forward_expiry_too_far(void)
{
	uint32_t out = HEIGHT + HTLC_ACCEPT_MAX_CLTV_AHEAD;
	struct htlc_incoming h = htlc(1001010, out + 34);
	struct hop_payload p = forward_payload(1000000, out);
	struct htlc_decision d;

	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(accepted(&d));
	p.outgoing_cltv_value++;
	h.cltv_expiry++;
	htlc_accept_forward(&d, &h, &p, &usable, &policy, HEIGHT);
	CHECK(d.failure.code == ONION_FAILURE_EXPIRY_TOO_FAR && d.failure.code == 21);
	CHECK(!d.needs_channel_update && d.why);
}

/* BOLT #4: "if the HTLC amount is less than the currently specified
 * minimum amount: ... return an `amount_below_minimum` error" (UPDATE|11,
 * [u64:htlc_msat]). */
static void test_forward_amount_below_minimum(void)
{
	struct htlc_incoming h = htlc(1000 + 1000 + 1, HEIGHT + 134);
	struct hop_payload p = forward_payload(1000, HEIGHT + 100);
	struct htlc_next_channel next = {true, true, 1001};
	struct htlc_decision d;

	htlc_accept_forward(&d, &h, &p, &next, &policy, HEIGHT);
	CHECK(is_update_failure(&d, ONION_FAILURE_AMOUNT_BELOW_MINIMUM, &h));
	CHECK(d.failure.code == 0x100b);
	next.htlc_minimum_msat = 1000;
	htlc_accept_forward(&d, &h, &p, &next, &policy, HEIGHT);
	CHECK(accepted(&d) && d.out_amount_msat == 1000);
}

int main(void)
{
	RUN(test_final_accepts_invoice_payment);
	RUN(test_final_incorrect_htlc_amount);
	RUN(test_final_incorrect_cltv_expiry);
	RUN(test_final_expiry_too_near);
	RUN(test_final_unknown_hash_and_keysend);
	RUN(test_final_paid_or_expired_invoice);
	RUN(test_final_payment_secret);
	RUN(test_final_multi_part_refused);
	RUN(test_final_amount_within_invoice_bounds);
	RUN(test_forward_accepts);
	RUN(test_forward_unknown_next_peer);
	RUN(test_forward_channel_not_usable);
	RUN(test_forward_fee_insufficient);
	RUN(test_forward_incorrect_cltv_expiry);
	RUN(test_forward_expiry_too_soon);
	RUN(test_forward_expiry_too_far);
	RUN(test_forward_amount_below_minimum);
	return test_done();
}
