/* Tests for pay/hop_payload, the TLV payload each hop reads from its
 * onion: every record through towire and decode, keysend's preimage and
 * custom odd records, and the BOLT #4 reader rules (which failure, naming
 * which type at which offset).  The vectors' payloads are read in
 * test_pay_onion.c. */
#include <inttypes.h>

#include "pay/hop_payload.h"
#include "pay/onion_error.h"
#include "tests/unit/keys.h"
#include "wire/wire.h"

static secp256k1_context *ctx;
/* Every record, through towire and decode. */
static void test_hop_payload_roundtrip(void)
{
	static const uint8_t metadata[3] = { 7, 8, 9 }, erd[4] = { 1, 2, 3, 4 };
	struct hop_payload p, back;
	struct hop_payload_error err;
	struct wirebuf *buf = wirebuf_new(), *again = wirebuf_new();

	hop_payload_init(&p);
	p.has_amt_to_forward = true;
	p.amt_to_forward_msat = 1000000;
	p.has_outgoing_cltv_value = true;
	p.outgoing_cltv_value = 800144;
	p.has_payment_data = true;
	memset(p.payment_secret.data, 0x99, 32);
	p.payment_data_total_msat = 3000000;
	p.has_payment_metadata = true;
	p.payment_metadata = (uint8_t *)metadata;
	p.payment_metadata_len = sizeof(metadata);
	hop_payload_towire(ctx, buf, &p);
	CHECK(hop_payload_decode(ctx, &back, &err, buf->data, buf->len, true, false));
	CHECK(back.amt_to_forward_msat == 1000000 && back.outgoing_cltv_value == 800144);
	CHECK(back.has_payment_data && back.payment_data_total_msat == 3000000);
	CHECK_MEMEQ(back.payment_secret.data, p.payment_secret.data, 32);
	CHECK(bytes_equal(back.payment_metadata, back.payment_metadata_len,
			  metadata, sizeof(metadata)));
	CHECK(hop_payload_total_msat(&back) == 3000000);
	hop_payload_towire(ctx, again, &back);
	CHECK(bytes_equal(again->data, again->len, buf->data, buf->len));
	hop_payload_clear(&back);

	/* A blinded final hop: erd, amounts and total_amount_msat. */
	hop_payload_init(&p);
	p.has_amt_to_forward = p.has_outgoing_cltv_value = true;
	p.amt_to_forward_msat = 5;
	p.has_total_amount_msat = true;
	p.total_amount_msat = 10;
	p.has_encrypted_recipient_data = true;
	p.encrypted_recipient_data = (uint8_t *)erd;
	p.encrypted_recipient_data_len = sizeof(erd);
	p.has_current_path_key = true;
	p.current_path_key = pubkey_from_hex(ctx, "02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619");
	wirebuf_reset(buf);
	hop_payload_towire(ctx, buf, &p);
	CHECK(hop_payload_decode(ctx, &back, &err, buf->data, buf->len, true, false));
	CHECK(hop_payload_total_msat(&back) == 10);
	CHECK(pubkey_eq(ctx, &back.current_path_key, &p.current_path_key));
	wirebuf_reset(again);
	hop_payload_towire(ctx, again, &back);
	CHECK(bytes_equal(again->data, again->len, buf->data, buf->len));
	hop_payload_clear(&back);
	wirebuf_free(buf);
	wirebuf_free(again);
}

/* Keysend's preimage (an even type, so a known record), and custom odd
 * records kept for the caller. */
static void test_hop_payload_keysend_and_custom_records(void)
{
	struct hop_payload p, back;
	struct hop_payload_error err;
	struct wirebuf *buf = wirebuf_new();

	hop_payload_init(&p);
	p.has_amt_to_forward = p.has_outgoing_cltv_value = true;
	p.has_keysend_preimage = true;
	memset(p.keysend_preimage.r, 0xab, sizeof(p.keysend_preimage.r));
	CHECK(hop_payload_add_unknown(&p, 65539, (const uint8_t *)"hi", 2));
	CHECK(hop_payload_add_unknown(&p, 65537, NULL, 0));
	CHECK(!hop_payload_add_unknown(&p, 65537, NULL, 0));
	CHECK(!hop_payload_add_unknown(&p, 65538, NULL, 0));
	CHECK(!hop_payload_add_unknown(&p, HOP_PAYLOAD_KEYSEND_PREIMAGE, NULL, 0));
	CHECK(!hop_payload_add_unknown(&p, HOP_PAYLOAD_AMT_TO_FORWARD, NULL, 0));
	hop_payload_towire(ctx, buf, &p);
	/* 65537, 65539, then keysend's record last: a 9-byte BigSize type. */
	CHECK(buf->len > 42
	      && bytes_are(buf->data + buf->len - 42, 10, "ff0000000146c6616c20"));
	CHECK(hop_payload_decode(ctx, &back, &err, buf->data, buf->len, true, false));
	CHECK(back.has_keysend_preimage);
	CHECK_MEMEQ(back.keysend_preimage.r, p.keysend_preimage.r, 32);
	CHECK(back.unknowns.num == 2 && back.unknowns.records[0].type == 65537
	      && back.unknowns.records[1].type == 65539);
	CHECK(hop_payload_find_unknown(&back, 65539)->length == 2);
	CHECK(hop_payload_find_unknown(&back, 3) == NULL);
	hop_payload_clear(&back);
	hop_payload_clear(&p);

	/* A preimage of the wrong size is refused, naming keysend's type. */
	wirebuf_reset(buf);
	towire_bytes(buf, "\x02\x01\x01\x04\x01\x01", 6);
	towire_bigsize(buf, HOP_PAYLOAD_KEYSEND_PREIMAGE);
	towire_bigsize(buf, 31);
	for (size_t i = 0; i < 31; i++)
		towire_u8(buf, 0);
	CHECK(!hop_payload_decode(ctx, &back, &err, buf->data, buf->len, true, false));
	CHECK(err.failure.payload_type == HOP_PAYLOAD_KEYSEND_PREIMAGE
	      && err.failure.payload_offset == 1 + 6);
	wirebuf_free(buf);
}

#define POINT "0c2102eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619"

/* The reader rules: which failure, which type, which offset (counting
 * the one-byte length in front of these short payloads). */
static void test_hop_payload_reader_rules(void)
{
	static const struct {
		const char *hex;
		bool is_final, has_path_key;
		uint16_t code;		/* 0: accepted */
		uint64_t type;
		uint16_t offset;
	} cases[] = {
		/* amt 10000, cltv 1000, scid 1 */
		{ "02022710040203e80608" "0000000000000001", false, false, 0, 0, 0 },
		{ "02022710040203e8", true, false, 0, 0, 0 },
		{ "02022710040203e8", false, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 6, 0 },
		{ "040203e8", true, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 2, 0 },
		{ "02022710", true, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 4, 0 },
		/* unknown even type 20 after three good records */
		{ "02022710040203e80608" "0000000000000001" "1400", false, false,
		  ONION_FAILURE_INVALID_ONION_PAYLOAD, 20, 19 },
		/* unknown odd type 21 is fine */
		{ "02022710040203e81500", true, false, 0, 0, 0 },
		/* amt with a leading zero */
		{ "02020010040203e8", true, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 2, 1 },
		/* amt twice: the second is at fault */
		{ "0202271002022710040203e8", true, false,
		  ONION_FAILURE_INVALID_ONION_PAYLOAD, 2, 5 },
		/* cltv's length overruns the payload */
		{ "020227100402e8", true, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 4, 5 },
		/* scid too short */
		{ "02022710040203e806070000000000000001", false, false,
		  ONION_FAILURE_INVALID_ONION_PAYLOAD, 6, 9 },
		/* a type cut short */
		{ "02022710fd", true, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 0, 5 },
		/* a path_key in update_add_htlc but no encrypted_recipient_data */
		{ "02022710040203e8", true, true, ONION_FAILURE_INVALID_ONION_BLINDING, 0, 0 },
		/* current_path_key without encrypted_recipient_data */
		{ "02022710040203e8" POINT, true, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 12, 0 },
		{ "02022710040203e80608" "0000000000000001" POINT, false, false,
		  ONION_FAILURE_INVALID_ONION_BLINDING, 0, 0 },
		/* introduction point: erd and current_path_key only */
		{ "0a02abcd" POINT, false, false, 0, 0, 0 },
		{ "02022710" "0a02abcd" POINT, false, false, ONION_FAILURE_INVALID_ONION_BLINDING, 0, 0 },
		{ "0a02abcd", false, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 12, 0 },
		/* inside: erd only, with the path_key from update_add_htlc */
		{ "0a02abcd", false, true, 0, 0, 0 },
		{ "0a02abcd" POINT, false, true, ONION_FAILURE_INVALID_ONION_BLINDING, 0, 0 },
		{ "0a02abcd0608" "0000000000000001", false, true,
		  ONION_FAILURE_INVALID_ONION_BLINDING, 0, 0 },
		/* blinded final node: needs amt, cltv and total_amount_msat */
		{ "02022710040203e80a02abcd12022710", true, true, 0, 0, 0 },
		{ "02022710040203e80a02abcd", true, true, ONION_FAILURE_INVALID_ONION_BLINDING, 0, 0 },
		{ "02022710040203e80a02abcd10010112022710", true, true,
		  ONION_FAILURE_INVALID_ONION_BLINDING, 0, 0 },
		/* one-hop blinded path: the introduction point is final */
		{ "02022710040203e80a02abcd" POINT "12022710", true, false, 0, 0, 0 },
		{ "02022710040203e80a02abcd" POINT, true, false,
		  ONION_FAILURE_INVALID_ONION_PAYLOAD, 18, 0 },
		/* current_path_key that is not a point */
		{ "0a02abcd0c2104eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619",
		  true, false, ONION_FAILURE_INVALID_ONION_PAYLOAD, 12, 5 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hop_payload p;
		struct hop_payload_error err;
		size_t len;
		uint8_t *bytes = hex_to_bytes(cases[i].hex, &len);
		bool ok = hop_payload_decode(ctx, &p, &err, bytes, len,
					     cases[i].is_final,
					     cases[i].has_path_key);

		CHECK_MSG(ok == (cases[i].code == 0), "case %zu: %s", i,
			  ok ? "accepted" : err.why);
		if (ok)
			hop_payload_clear(&p);
		else {
			CHECK_MSG(err.failure.code == cases[i].code, "case %zu", i);
			CHECK_MSG(err.failure.payload_type == cases[i].type
				  && err.failure.payload_offset == cases[i].offset,
				  "case %zu: type %" PRIu64 " offset %u", i,
				  err.failure.payload_type,
				  err.failure.payload_offset);
			CHECK(err.why != NULL);
		}
		free(bytes);
	}
}
int main(void)
{
	ctx = keys_context_new();
	RUN(test_hop_payload_roundtrip);
	RUN(test_hop_payload_keysend_and_custom_records);
	RUN(test_hop_payload_reader_rules);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
