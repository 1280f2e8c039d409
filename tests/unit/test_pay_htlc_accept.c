/* pay/htlc_accept: BOLT #4's checks on an incoming HTLC, each branch with
 * the failure code and data the spec names. */
#include <string.h>

#include "crypto/hash.h"
#include "pay/htlc_accept.h"
#include "tests/unit/test.h"

#define HEIGHT 1000
#define MIN_FINAL 18

/* The preimage 0x42 repeated; the HTLCs below pay its hash. */
static struct preimage preimage(void)
{
	struct preimage p;

	memset(p.r, 0x42, sizeof(p.r));
	return p;
}

static bool accepted(const struct htlc_decision *d)
{
	return d->failure.code == 0 && !d->needs_channel_update;
}

/* Whether d's failure message is expect[0..len) (the channel_update,
 * the caller's to add, left empty). */
static bool wire_is(const struct htlc_decision *d, const uint8_t *expect, size_t len)
{
	struct wirebuf *buf = wirebuf_new();
	bool same;

	onion_failure_towire(buf, &d->failure);
	same = buf->len == len && memcmp(buf->data, expect, len) == 0;
	wirebuf_free(buf);
	return same;
}

/* An HTLC to the final node, its payload (with payment_data) and the
 * invoice it pays (50,000 msat, with a payment_secret). */
struct final_case {
	struct htlc_incoming h;
	struct hop_payload p;
	struct htlc_invoice inv;
	struct htlc_decision d;
};

/* amount_msat at cltv, for an invoice of 50,000 msat. */
static void final_init(struct final_case *c, uint64_t amount_msat, uint32_t cltv)
{
	struct preimage pre = preimage();

	memset(c, 0, sizeof(*c));
	c->h.amount_msat = amount_msat;
	c->h.cltv_expiry = cltv;
	sha256(&c->h.payment_hash, pre.r, sizeof(pre.r));
	hop_payload_init(&c->p);
	c->p.has_amt_to_forward = true;
	c->p.amt_to_forward_msat = amount_msat;
	c->p.has_outgoing_cltv_value = true;
	c->p.outgoing_cltv_value = cltv;
	c->p.has_payment_data = true;
	memset(c->p.payment_secret.data, 0x5e, sizeof(c->p.payment_secret.data));
	c->p.payment_data_total_msat = amount_msat;
	c->inv = (struct htlc_invoice){true, false, false, true, {{0}}, true, 50000, false, 0};
	memset(c->inv.payment_secret.data, 0x5e, sizeof(c->inv.payment_secret.data));
}

static const struct htlc_decision *decide_final(struct final_case *c)
{
	htlc_accept_final(&c->d, &c->h, &c->p, &c->inv, HEIGHT, MIN_FINAL);
	return &c->d;
}

/* incorrect_or_unknown_payment_details with [u64:htlc_msat][u32:height],
 * for the reason why names. */
static bool is_unknown_details(const struct htlc_decision *d, uint64_t htlc_msat,
			       const char *why)
{
	return d->failure.code == ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS
		&& d->failure.code == 0x400f && d->failure.htlc_msat == htlc_msat
		&& d->failure.height == HEIGHT && !d->needs_channel_update
		&& d->why && strstr(d->why, why);
}

static void test_final_accepts_invoice_payment(void)
{
	struct final_case c;

	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	CHECK(accepted(decide_final(&c)) && !c.d.is_keysend && !c.d.why);
	/* An invoice without an amount takes any. */
	c.inv.has_amount = false;
	c.h.amount_msat = c.p.amt_to_forward_msat = c.p.payment_data_total_msat = 1;
	CHECK(accepted(decide_final(&c)));
	/* A keysend preimage next to an invoice: the invoice pays. */
	c.p.has_keysend_preimage = true;
	c.p.keysend_preimage = preimage();
	CHECK(accepted(decide_final(&c)) && !c.d.is_keysend);
}

/* BOLT #4: "if `amount_msat` from the final node's HTLC is below
 * `amt_to_forward`: MUST return a `final_incorrect_htlc_amount` error",
 * with [u64:incoming_htlc_amt]. */
static void test_final_incorrect_htlc_amount(void)
{
	struct final_case c;
	const uint8_t expect[] = {0x00, 0x13, 0, 0, 0, 0, 0, 0, 0xc3, 0x4f};

	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	c.h.amount_msat = 49999;
	decide_final(&c);
	CHECK(c.d.failure.code == ONION_FAILURE_FINAL_INCORRECT_HTLC_AMOUNT && c.d.failure.code == 19);
	CHECK(c.d.failure.htlc_msat == 49999 && !c.d.needs_channel_update);
	CHECK(wire_is(&c.d, expect, sizeof(expect)));
	/* Checked first: a too-late cltv as well still answers this. */
	c.p.outgoing_cltv_value = c.h.cltv_expiry + 1;
	CHECK(decide_final(&c)->failure.code == ONION_FAILURE_FINAL_INCORRECT_HTLC_AMOUNT);
}

/* BOLT #4: "if the `cltv_expiry` from the final node's HTLC is below
 * `outgoing_cltv_value`: MUST return `final_incorrect_cltv_expiry`
 * error", with [u32:cltv_expiry]. */
static void test_final_incorrect_cltv_expiry(void)
{
	struct final_case c;
	const uint8_t expect[] = {0x00, 0x12, 0, 0, (HEIGHT + MIN_FINAL) >> 8,
				  (HEIGHT + MIN_FINAL) & 0xff};

	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	c.p.outgoing_cltv_value++;
	decide_final(&c);
	CHECK(c.d.failure.code == ONION_FAILURE_FINAL_INCORRECT_CLTV_EXPIRY && c.d.failure.code == 18);
	CHECK(c.d.failure.cltv_expiry == HEIGHT + MIN_FINAL && !c.d.needs_channel_update);
	CHECK(wire_is(&c.d, expect, sizeof(expect)));
}

/* BOLT #4: "if the `cltv_expiry` value is unreasonably near the present:
 * MUST fail the HTLC. MUST return an
 * `incorrect_or_unknown_payment_details` error": nearer than our
 * min_final_cltv_expiry_delta. */
static void test_final_expiry_too_near(void)
{
	struct final_case c;
	const uint8_t expect[] = {0x40, 0x0f, 0, 0, 0, 0, 0, 0, 0xc3, 0x50,
				  0, 0, HEIGHT >> 8, HEIGHT & 0xff};

	final_init(&c, 50000, HEIGHT + MIN_FINAL - 1);
	CHECK(is_unknown_details(decide_final(&c), 50000, "cltv_expiry"));
	CHECK(wire_is(&c.d, expect, sizeof(expect)));
	/* Exactly min_final_cltv_expiry_delta is enough. */
	c.h.cltv_expiry++;
	CHECK(accepted(decide_final(&c)));
}

/* An invoice is held to the min_final_cltv_expiry it asked for (the
 * default may have changed since it was made); one made before that was
 * stored, to the caller's; a keysend to KEYSEND_FINAL_CLTV at most, what
 * Core Lightning sends. */
static void test_final_expiry_floor_is_the_invoices(void)
{
	struct final_case c;

	final_init(&c, 50000, HEIGHT + 30 - 1);
	c.inv.min_final_cltv_expiry = 30;
	CHECK(is_unknown_details(decide_final(&c), 50000, "cltv_expiry"));
	c.h.cltv_expiry = c.p.outgoing_cltv_value = HEIGHT + 30;
	CHECK(accepted(decide_final(&c)));
	/* Below the caller's floor, but what the invoice asked for. */
	c.inv.min_final_cltv_expiry = MIN_FINAL - 2;
	c.h.cltv_expiry = c.p.outgoing_cltv_value = HEIGHT + MIN_FINAL - 2;
	CHECK(accepted(decide_final(&c)));
	/* Not stored: the caller's floor. */
	c.inv.min_final_cltv_expiry = 0;
	CHECK(is_unknown_details(decide_final(&c), 50000, "cltv_expiry"));
	/* A keysend: KEYSEND_FINAL_CLTV when the caller asks for more. */
	memset(&c.inv, 0, sizeof(c.inv));
	c.p.has_keysend_preimage = true;
	c.p.keysend_preimage = preimage();
	c.h.cltv_expiry = c.p.outgoing_cltv_value = HEIGHT + KEYSEND_FINAL_CLTV;
	htlc_accept_final(&c.d, &c.h, &c.p, &c.inv, HEIGHT, KEYSEND_FINAL_CLTV + 2);
	CHECK(accepted(&c.d) && c.d.is_keysend);
	c.h.cltv_expiry = c.p.outgoing_cltv_value = HEIGHT + KEYSEND_FINAL_CLTV - 1;
	htlc_accept_final(&c.d, &c.h, &c.p, &c.inv, HEIGHT, KEYSEND_FINAL_CLTV + 2);
	CHECK(is_unknown_details(&c.d, 50000, "cltv_expiry"));
	/* The caller's, when it asks for less. */
	c.h.cltv_expiry = c.p.outgoing_cltv_value = HEIGHT + 10;
	htlc_accept_final(&c.d, &c.h, &c.p, &c.inv, HEIGHT, 10);
	CHECK(accepted(&c.d) && c.d.is_keysend);
}

/* BOLT #4: "if the payment hash is unknown: MUST fail the HTLC", unless
 * a keysend preimage pays it. */
static void test_final_unknown_hash_and_keysend(void)
{
	struct final_case c;

	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	memset(&c.inv, 0, sizeof(c.inv));
	CHECK(is_unknown_details(decide_final(&c), 50000, "no invoice"));
	c.p.has_keysend_preimage = true;
	c.p.keysend_preimage = preimage();
	c.p.keysend_preimage.r[31] ^= 1;
	CHECK(is_unknown_details(decide_final(&c), 50000, "keysend"));
	c.p.keysend_preimage = preimage();
	CHECK(accepted(decide_final(&c)) && c.d.is_keysend);
	/* Any amount: there is no invoice to hold it to. */
	c.h.amount_msat = c.p.amt_to_forward_msat = c.p.payment_data_total_msat = 1;
	CHECK(accepted(decide_final(&c)) && c.d.is_keysend);
}

/* BOLT #4: "if the payment hash has already been paid: MAY treat the
 * payment hash as unknown"; an expired invoice is unknown as well. */
static void test_final_paid_or_expired_invoice(void)
{
	struct final_case c;

	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	c.inv.is_paid = true;
	CHECK(is_unknown_details(decide_final(&c), 50000, "paid"));
	c.inv.is_paid = false;
	c.inv.is_expired = true;
	CHECK(is_unknown_details(decide_final(&c), 50000, "expired"));
}

/* BOLT #4: "if the `payment_secret` doesn't match the expected value for
 * that `payment_hash`, or the `payment_secret` is required and is not
 * present: MUST fail the HTLC." */
static void test_final_payment_secret(void)
{
	struct final_case c;

	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	c.p.payment_secret.data[31] ^= 1;
	CHECK(is_unknown_details(decide_final(&c), 50000, "payment_secret"));
	c.p.payment_secret.data[31] ^= 1;
	c.p.has_payment_data = false;
	CHECK(is_unknown_details(decide_final(&c), 50000, "payment_secret"));
	/* An invoice without a secret (keysend's) asks for none. */
	c.inv.has_secret = false;
	CHECK(accepted(decide_final(&c)));
}

/* BOLT #4 "Basic Multi-Part Payments": a part (total_msat above its
 * amt_to_forward) of an invoice's payment is held (is_part), "amount
 * paid" being total_msat for the invoice's bounds; its payment_secret is
 * checked as for a single payment. */
static void test_final_multi_part(void)
{
	struct final_case c;

	final_init(&c, 20000, HEIGHT + MIN_FINAL);
	c.p.payment_data_total_msat = 50000;
	CHECK(accepted(decide_final(&c)));
	CHECK(c.d.is_part && !c.d.is_late_part && !c.d.is_keysend);
	CHECK(c.d.total_msat == 50000);
	/* Up to twice the invoice's amount. */
	c.p.payment_data_total_msat = 100000;
	CHECK(accepted(decide_final(&c)) && c.d.is_part && c.d.total_msat == 100000);
	c.p.payment_data_total_msat = 100001;
	CHECK(is_unknown_details(decide_final(&c), 20000, "twice"));
	c.p.payment_data_total_msat = 49999;
	CHECK(is_unknown_details(decide_final(&c), 20000, "below"));
	c.p.payment_data_total_msat = 50000;
	c.p.payment_secret.data[0] ^= 1;
	CHECK(is_unknown_details(decide_final(&c), 20000, "payment_secret"));
	c.p.payment_secret.data[0] ^= 1;
	/* An invoice without an amount takes any total. */
	c.inv.has_amount = false;
	c.p.payment_data_total_msat = 7000000;
	CHECK(accepted(decide_final(&c)) && c.d.is_part);
	/* A single payment (total_msat == amt_to_forward) is not a part. */
	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	CHECK(accepted(decide_final(&c)) && !c.d.is_part);
	/* ... unless parts of a set for the invoice are held: it joins
	 * them (and pay/mpp fails the set if the totals disagree). */
	c.inv.has_held_parts = true;
	CHECK(accepted(decide_final(&c)) && c.d.is_part && c.d.total_msat == 50000);
}

/* BOLT #4: "if the payment hash has already been paid: MAY treat the
 * payment hash as unknown. MAY succeed in accepting the HTLC": a single
 * payment is refused as ever; a part of a set already fulfilled is
 * accepted (is_late_part), its secret and total checked. */
static void test_final_late_part(void)
{
	struct final_case c;

	final_init(&c, 20000, HEIGHT + MIN_FINAL);
	c.p.payment_data_total_msat = 50000;
	c.inv.is_paid = true;
	CHECK(accepted(decide_final(&c)) && c.d.is_late_part && !c.d.is_part);
	c.p.payment_secret.data[0] ^= 1;
	CHECK(is_unknown_details(decide_final(&c), 20000, "payment_secret"));
	c.p.payment_secret.data[0] ^= 1;
	c.p.payment_data_total_msat = 40000;
	CHECK(is_unknown_details(decide_final(&c), 20000, "below"));
	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	c.inv.is_paid = true;
	CHECK(is_unknown_details(decide_final(&c), 50000, "already paid"));
}

/* BOLT #4, without basic_mpp: "MUST fail the HTLC if `total_msat` is not
 * exactly equal to `amt_to_forward`": an invoice without a secret (the
 * row a keysend leaves) takes no parts. */
static void test_final_multi_part_without_secret(void)
{
	struct final_case c;

	final_init(&c, 50000, HEIGHT + MIN_FINAL);
	c.inv.has_secret = false;
	c.p.payment_data_total_msat = 100000;
	CHECK(is_unknown_details(decide_final(&c), 50000, "multi-part"));
	CHECK(!c.d.is_part);
}

/* BOLT #4: "if the amount paid is less than the amount expected: MUST
 * fail the HTLC"; "if the amount paid is more than twice the amount
 * expected: SHOULD fail the HTLC". */
static void test_final_amount_within_invoice_bounds(void)
{
	struct final_case c;

	final_init(&c, 49999, HEIGHT + MIN_FINAL);
	CHECK(is_unknown_details(decide_final(&c), 49999, "below"));
	c.h.amount_msat = 100000;
	CHECK(accepted(decide_final(&c)));
	c.h.amount_msat = 100001;
	CHECK(is_unknown_details(decide_final(&c), 100001, "twice"));
}

/* ---- Forwarding ---- */

/* An HTLC to forward, its payload, the channel it names and our policy
 * (1000 msat + 10 ppm, 34 blocks). */
struct forward_case {
	struct htlc_incoming h;
	struct hop_payload p;
	struct htlc_next_channel next;
	struct htlc_forward_policy policy;
	struct htlc_decision d;
};

/* Forwards 1,000,000 msat expiring at HEIGHT + 100 out, over a usable
 * channel with htlc_minimum_msat 1000; in_msat and in_cltv come in. */
static void forward_init(struct forward_case *c, uint64_t in_msat, uint32_t in_cltv)
{
	memset(c, 0, sizeof(*c));
	c->h.amount_msat = in_msat;
	c->h.cltv_expiry = in_cltv;
	hop_payload_init(&c->p);
	c->p.has_amt_to_forward = true;
	c->p.amt_to_forward_msat = 1000000;
	c->p.has_outgoing_cltv_value = true;
	c->p.outgoing_cltv_value = HEIGHT + 100;
	c->p.has_short_channel_id = true;
	short_channel_id_from_parts(&c->p.short_channel_id, 500, 1, 0);
	c->next = (struct htlc_next_channel){true, true, 1000};
	c->policy = (struct htlc_forward_policy){1000, 10, 34};
}

static const struct htlc_decision *decide_forward(struct forward_case *c)
{
	htlc_accept_forward(&c->d, &c->h, &c->p, &c->next, &c->policy, HEIGHT);
	return &c->d;
}

/* A failure with the UPDATE flag: the incoming HTLC's amount and
 * cltv_expiry as data, and the channel_update asked for. */
static bool is_update_failure(const struct forward_case *c, uint16_t code)
{
	return c->d.failure.code == code && (code & ONION_FAILURE_UPDATE)
		&& c->d.needs_channel_update && c->d.failure.htlc_msat == c->h.amount_msat
		&& c->d.failure.cltv_expiry == c->h.cltv_expiry && c->d.why;
}

/* 1,000,000 msat forwarded for 1000 + 10 ppm = 1010 msat and 34 blocks. */
static void test_forward_accepts(void)
{
	struct forward_case c;

	forward_init(&c, 1001010, HEIGHT + 100 + 34);
	CHECK(accepted(decide_forward(&c)) && !c.d.why);
	CHECK(c.d.out_amount_msat == 1000000 && c.d.out_cltv_expiry == HEIGHT + 100);
}

/* BOLT #4: "if the receiving peer specified by the onion is NOT known:
 * return an `unknown_next_peer` error" (PERM|10, no data). */
static void test_forward_unknown_next_peer(void)
{
	struct forward_case c;
	const uint8_t expect[] = {0x40, 0x0a};

	forward_init(&c, 1001010, HEIGHT + 134);
	c.next = (struct htlc_next_channel){false, false, 0};
	decide_forward(&c);
	CHECK(c.d.failure.code == ONION_FAILURE_UNKNOWN_NEXT_PEER && c.d.failure.code == 0x400a);
	CHECK(!c.d.needs_channel_update && c.d.why);
	CHECK(wire_is(&c.d, expect, sizeof(expect)));
}

/* BOLT #4: a transient error in the outgoing channel: "return a
 * `temporary_channel_failure` error" (UPDATE|7, with channel_update). */
static void test_forward_channel_not_usable(void)
{
	struct forward_case c;

	forward_init(&c, 1001010, HEIGHT + 134);
	c.next.is_usable = false;
	decide_forward(&c);
	CHECK(is_update_failure(&c, ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE));
	CHECK(c.d.failure.code == 0x1007);
}

/* BOLT #4: "if the HTLC does NOT pay a sufficient fee: ... return a
 * `fee_insufficient` error" (UPDATE|12, [u64:htlc_msat]). */
static void test_forward_fee_insufficient(void)
{
	struct forward_case c;
	/* code, htlc_msat, a zero-length channel_update (the caller's). */
	const uint8_t expect[] = {0x10, 0x0c, 0, 0, 0, 0, 0, 0x0f, 0x46, 0x31, 0, 0};

	forward_init(&c, 1001009, HEIGHT + 134);
	decide_forward(&c);
	CHECK(is_update_failure(&c, ONION_FAILURE_FEE_INSUFFICIENT) && c.d.failure.code == 0x100c);
	CHECK(wire_is(&c.d, expect, sizeof(expect)));
	/* Less in than out. */
	c.h.amount_msat = 999999;
	decide_forward(&c);
	CHECK(is_update_failure(&c, ONION_FAILURE_FEE_INSUFFICIENT));
	/* A fee that overflows 64 bits is never paid. */
	c.p.amt_to_forward_msat = UINT64_MAX - 10;
	c.h.amount_msat = UINT64_MAX;
	decide_forward(&c);
	CHECK(is_update_failure(&c, ONION_FAILURE_FEE_INSUFFICIENT));
	/* Checked before the CLTV delta. */
	forward_init(&c, 1001009, HEIGHT + 100);
	CHECK(decide_forward(&c)->failure.code == ONION_FAILURE_FEE_INSUFFICIENT);
}

/* BOLT #4: "if the incoming `cltv_expiry` minus the `outgoing_cltv_value`
 * is below the `cltv_expiry_delta` for the outgoing channel: ... return
 * an `incorrect_cltv_expiry` error" (UPDATE|13, [u32:cltv_expiry]). */
static void test_forward_incorrect_cltv_expiry(void)
{
	struct forward_case c;

	forward_init(&c, 1001010, HEIGHT + 100 + 33);
	decide_forward(&c);
	CHECK(is_update_failure(&c, ONION_FAILURE_INCORRECT_CLTV_EXPIRY) && c.d.failure.code == 0x100d);
	/* An outgoing expiry after the incoming one. */
	c.h.cltv_expiry = HEIGHT + 99;
	decide_forward(&c);
	CHECK(is_update_failure(&c, ONION_FAILURE_INCORRECT_CLTV_EXPIRY));
}

/* BOLT #4: "if the `cltv_expiry` is unreasonably near the present: ...
 * return an `expiry_too_soon` error" (UPDATE|14): fewer than
 * HTLC_ACCEPT_MIN_BLOCKS_TO_EXPIRY blocks to act on the outgoing HTLC. */
static void test_forward_expiry_too_soon(void)
{
	uint32_t out = HEIGHT + HTLC_ACCEPT_MIN_BLOCKS_TO_EXPIRY - 1;
	struct forward_case c;

	forward_init(&c, 1001010, out + 34);
	c.p.outgoing_cltv_value = out;
	decide_forward(&c);
	CHECK(is_update_failure(&c, ONION_FAILURE_EXPIRY_TOO_SOON) && c.d.failure.code == 0x100e);
	c.p.outgoing_cltv_value++;
	c.h.cltv_expiry++;
	CHECK(accepted(decide_forward(&c)));
}

/* BOLT #4: "if the `cltv_expiry` is more than `max_htlc_cltv` in the
 * future: return an `expiry_too_far` error" (21, no data). */
static void test_forward_expiry_too_far(void)
{
	uint32_t out = HEIGHT + HTLC_ACCEPT_MAX_CLTV_AHEAD;
	struct forward_case c;

	forward_init(&c, 1001010, out + 34);
	c.p.outgoing_cltv_value = out;
	CHECK(accepted(decide_forward(&c)));
	c.p.outgoing_cltv_value++;
	c.h.cltv_expiry++;
	decide_forward(&c);
	CHECK(c.d.failure.code == ONION_FAILURE_EXPIRY_TOO_FAR && c.d.failure.code == 21);
	CHECK(!c.d.needs_channel_update && c.d.why);
}

/* BOLT #4: "if the HTLC amount is less than the currently specified
 * minimum amount: ... return an `amount_below_minimum` error" (UPDATE|11,
 * [u64:htlc_msat]). */
static void test_forward_amount_below_minimum(void)
{
	struct forward_case c;

	forward_init(&c, 1000 + 1000 + 1, HEIGHT + 134);
	c.p.amt_to_forward_msat = 1000;
	c.next.htlc_minimum_msat = 1001;
	decide_forward(&c);
	CHECK(is_update_failure(&c, ONION_FAILURE_AMOUNT_BELOW_MINIMUM) && c.d.failure.code == 0x100b);
	c.next.htlc_minimum_msat = 1000;
	CHECK(accepted(decide_forward(&c)) && c.d.out_amount_msat == 1000);
}

int main(void)
{
	RUN(test_final_accepts_invoice_payment);
	RUN(test_final_incorrect_htlc_amount);
	RUN(test_final_incorrect_cltv_expiry);
	RUN(test_final_expiry_too_near);
	RUN(test_final_expiry_floor_is_the_invoices);
	RUN(test_final_unknown_hash_and_keysend);
	RUN(test_final_paid_or_expired_invoice);
	RUN(test_final_payment_secret);
	RUN(test_final_multi_part);
	RUN(test_final_late_part);
	RUN(test_final_multi_part_without_secret);
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
