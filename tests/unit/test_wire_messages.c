/* Tests for wire/peer_wire.h: the BOLT #1 messages generated from
 * wire/peer_wire.csv.  The Appendix C init vectors first, then known
 * encodings, round trips, truncation at every byte, and the type rules. */
#include "tests/unit/vectors.h"
#include "wire/peer_wire.h"

/* BOLT #1 Appendix C: 2 valid and 3 invalid init messages.  The valid
 * ones re-serialise byte for byte, unknown extension records included. */
static void test_init_extension_vectors(void)
{
	json_t *root = vectors_load("bolt01-tlv.json");
	json_t *tests = json_object_get(root, "init_message_extension_tests");
	size_t i, num_valid = 0, num_invalid = 0;
	json_t *t;

	json_array_foreach(tests, i, t) {
		bool valid = json_is_true(json_object_get(t, "valid"));
		size_t len;
		uint8_t *bytes = hex_to_bytes(json_str(t, "message_hex"), &len);
		struct msg_init *init = NULL;
		bool ok = fromwire_init(bytes, len, &init);

		CHECK_MSG(ok == valid, "%s", json_str(t, "explanation"));
		if (ok) {
			struct wirebuf *again = towire_init(init);

			CHECK(init->gflen == 0 && init->flen == 0);
			CHECK(bytes_equal(again->data, again->len, bytes, len));
			wirebuf_free(again);
			num_valid++;
		} else {
			CHECK(init == NULL);
			num_invalid++;
		}
		msg_init_free(init);
		free(bytes);
	}
	CHECK(num_valid == 2 && num_invalid == 3);
	json_decref(root);
}

/* The extension with two unknown odd records is kept for signatures. */
static void test_init_keeps_unknown_extension(void)
{
	size_t len;
	uint8_t *bytes = hex_to_bytes("001000000000c9012acb0104", &len);
	struct msg_init *init = NULL;

	CHECK(fromwire_init(bytes, len, &init));
	CHECK(init->tlvs && !init->tlvs->networks && !init->tlvs->remote_addr);
	CHECK(init->tlvs->unknowns.num == 2);
	CHECK(init->tlvs->unknowns.records[0].type == 0xc9);
	CHECK(init->tlvs->unknowns.records[0].value[0] == 0x2a);
	CHECK(init->tlvs->unknowns.records[1].type == 0xcb);
	CHECK(init->tlvs->unknowns.records[1].value[0] == 0x04);
	msg_init_free(init);
	free(bytes);
}

/* An init with every field, checked against bytes written out by hand. */
static void test_init_known_encoding_and_round_trip(void)
{
	uint8_t global[] = { 0x02 }, features[] = { 0x01, 0x00 };
	uint8_t addr[] = { 0x01, 127, 0, 0, 1, 0x26, 0x07 };
	struct chain_hash chains[2];
	struct tlv_init_tlvs_networks networks = { 2, chains };
	struct tlv_init_tlvs_remote_addr remote = { sizeof(addr), addr };
	struct tlv_init_tlvs tlvs = { .networks = &networks,
				      .remote_addr = &remote };
	struct msg_init msg = { 1, global, 2, features, &tlvs }, *back = NULL;
	struct wirebuf *buf, *again;
	size_t len;
	uint8_t *want;

	memset(&chains[0], 0x11, sizeof(chains[0]));
	memset(&chains[1], 0x22, sizeof(chains[1]));
	want = hex_to_bytes("0010" "0001" "02" "0002" "0100"
			    "01" "40"
			    "1111111111111111111111111111111111111111111111111111111111111111"
			    "2222222222222222222222222222222222222222222222222222222222222222"
			    "03" "07" "017f0000012607", &len);
	buf = towire_init(&msg);
	CHECK(bytes_equal(buf->data, buf->len, want, len));

	CHECK(fromwire_init(buf->data, buf->len, &back));
	CHECK(back->gflen == 1 && back->globalfeatures[0] == 0x02);
	CHECK(back->flen == 2 && back->features[0] == 0x01);
	CHECK(back->tlvs->networks->num_chains == 2);
	CHECK_MEMEQ(&back->tlvs->networks->chains[1], &chains[1], 32);
	CHECK(back->tlvs->remote_addr->num_data == sizeof(addr));
	CHECK_MEMEQ(back->tlvs->remote_addr->data, addr, sizeof(addr));
	CHECK(back->tlvs->unknowns.num == 0);
	again = towire_init(back);
	CHECK(bytes_equal(again->data, again->len, want, len));

	wirebuf_free(again);
	msg_init_free(back);
	wirebuf_free(buf);
	free(want);
}

/* Cutting an init anywhere fails, except where the cut leaves a shorter
 * valid message: right after `features`, or between TLV records. */
static void test_init_truncated_at_every_byte(void)
{
	size_t len;
	uint8_t *bytes = hex_to_bytes("0010" "0001" "02" "0002" "0100"
				      "01" "20"
				      "4444444444444444444444444444444444444444444444444444444444444444"
				      "03" "01" "aa" "05" "00", &len);
	const size_t boundaries[] = { 9, 9 + 34, 9 + 34 + 3, 9 + 34 + 3 + 2 };

	for (size_t cut = 0; cut <= len; cut++) {
		struct msg_init *init = NULL;
		bool want = false;

		for (size_t b = 0; b < 4; b++)
			want |= cut == boundaries[b];
		CHECK_MSG(fromwire_init(bytes, cut, &init) == want,
			  "cut at %zu", cut);
		msg_init_free(init);
	}
	CHECK(len == boundaries[3]);
	free(bytes);
}

/* A networks record must hold whole chain hashes. */
static void test_init_rejects_partial_chain_hash(void)
{
	size_t len;
	uint8_t *bytes = hex_to_bytes("001000000000" "01" "21"
				      "4444444444444444444444444444444444444444444444444444444444444444"
				      "44", &len);
	struct msg_init *init = NULL;

	CHECK(!fromwire_init(bytes, len, &init));
	CHECK(!fromwire_init(bytes, len - 1, &init));	/* length > bytes */
	bytes[7] = 0x20;				/* exactly 32: fine */
	CHECK(fromwire_init(bytes, len - 1, &init));
	CHECK(init->tlvs->networks->num_chains == 1);
	msg_init_free(init);
	free(bytes);
}

/* A length prefix larger than the message fails without trusting it. */
static void test_oversized_lengths_fail(void)
{
	const uint8_t ping[] = { 0x00, 0x12, 0x00, 0x04, 0xff, 0xff, 0x00 };
	const uint8_t init[] = { 0x00, 0x10, 0xff, 0xff, 0x00 };
	const uint8_t error[36] = { 0x00, 0x11, [34] = 0x00, [35] = 0x01 };
	struct msg_ping *p = NULL;
	struct msg_init *i = NULL;
	struct msg_error *e = NULL;

	CHECK(!fromwire_ping(ping, sizeof(ping), &p) && !p);
	CHECK(!fromwire_init(init, sizeof(init), &i) && !i);
	CHECK(!fromwire_error(error, sizeof(error), &e) && !e);
}

static void test_error_and_warning_round_trip(void)
{
	struct channel_id cid;
	uint8_t text[] = "bad";
	struct msg_error err = { .len = 3, .data = text }, *err_back = NULL;
	struct msg_warning warn = { .len = 0 }, *warn_back = NULL;
	struct wirebuf *buf;

	memset(&cid, 0xab, sizeof(cid));
	err.channel_id = cid;
	buf = towire_error(&err);
	CHECK(buf->len == 2 + 32 + 2 + 3);
	CHECK(buf->data[0] == 0 && buf->data[1] == 17);
	CHECK(fromwire_error(buf->data, buf->len, &err_back));
	CHECK_MEMEQ(&err_back->channel_id, &cid, sizeof(cid));
	CHECK(err_back->len == 3 && memcmp(err_back->data, "bad", 3) == 0);
	CHECK(!fromwire_warning(buf->data, buf->len, &warn_back));
	wirebuf_free(buf);

	buf = towire_warning(&warn);
	CHECK(buf->len == 36 && buf->data[1] == 1);
	CHECK(fromwire_warning(buf->data, buf->len, &warn_back));
	CHECK(warn_back->len == 0 && warn_back->data == NULL);
	CHECK(channel_id_is_all_zero(&warn_back->channel_id));
	CHECK(!channel_id_is_all_zero(&err_back->channel_id));
	wirebuf_free(buf);
	msg_error_free(err_back);
	msg_warning_free(warn_back);
}

static void test_error_text_helpers(void)
{
	struct wirebuf *buf = towire_warning_text(NULL, "no common network");
	struct msg_warning *warn = NULL;
	struct msg_error *err = NULL;
	char *long_text = malloc(70001);

	CHECK(fromwire_warning(buf->data, buf->len, &warn));
	CHECK(channel_id_is_all_zero(&warn->channel_id));
	CHECK(warn->len == 17 && memcmp(warn->data, "no common network", 17) == 0);
	CHECK(error_data_is_printable(warn->data, warn->len));
	wirebuf_free(buf);
	msg_warning_free(warn);

	memset(long_text, 'x', 70000);
	long_text[70000] = '\0';
	buf = towire_error_text(NULL, long_text);
	CHECK(buf->len == WIRE_MAX_MESSAGE_LEN);
	CHECK(fromwire_error(buf->data, buf->len, &err));
	CHECK(err->len == WIRE_MAX_ERROR_DATA_LEN);
	wirebuf_free(buf);
	msg_error_free(err);
	free(long_text);

	CHECK(error_data_is_printable((const uint8_t *)" ~", 2));
	CHECK(!error_data_is_printable((const uint8_t *)"a\n", 2));
	CHECK(!error_data_is_printable((const uint8_t *)"\x7f", 1));
	CHECK(!error_data_is_printable((const uint8_t *)"\x80", 1));
}

static void test_ping_pong(void)
{
	uint8_t zeros[4] = { 0 };
	struct msg_ping ping = { 10, 4, zeros }, *ping_back = NULL;
	struct msg_pong pong = { 10, NULL }, *pong_back = NULL;
	const uint8_t want_ping[] = { 0x00, 0x12, 0x00, 0x0a, 0x00, 0x04,
				      0, 0, 0, 0 };
	const uint8_t pong_with_extension[] = { 0x00, 0x13, 0x00, 0x00,
						0x02, 0x00 };
	struct wirebuf *buf = towire_ping(&ping);

	CHECK(bytes_equal(buf->data, buf->len, want_ping, sizeof(want_ping)));
	CHECK(fromwire_ping(buf->data, buf->len, &ping_back));
	CHECK(ping_back->num_pong_bytes == 10 && ping_back->byteslen == 4);
	CHECK(ping_wants_pong(ping_back));
	wirebuf_free(buf);

	pong.byteslen = 0;
	buf = towire_pong(&pong);
	CHECK(buf->len == 4);
	CHECK(fromwire_pong(buf->data, buf->len, &pong_back));
	CHECK(pong_back->byteslen == 0);
	msg_pong_free(pong_back);
	pong_back = NULL;
	/* pong has no TLV stream: trailing bytes, even an even TLV type,
	 * are an extension we may ignore. */
	CHECK(fromwire_pong(pong_with_extension, sizeof(pong_with_extension),
			    &pong_back));
	msg_pong_free(pong_back);

	ping_back->num_pong_bytes = 65531;
	CHECK(ping_wants_pong(ping_back));
	ping_back->num_pong_bytes = 65532;
	CHECK(!ping_wants_pong(ping_back));
	msg_ping_free(ping_back);
	wirebuf_free(buf);
}

/* A message of another type, or too short for a type, is not M. */
static void test_wrong_or_missing_type(void)
{
	const uint8_t pong[] = { 0x00, 0x13, 0x00, 0x00 };
	struct msg_ping *ping = NULL;
	struct msg_pong *p = NULL;
	uint16_t type = 0;

	CHECK(!fromwire_ping(pong, sizeof(pong), &ping) && !ping);
	CHECK(!fromwire_pong(pong, 1, &p) && !p);
	CHECK(!fromwire_pong(pong, 0, &p) && !p);
	CHECK(!fromwire_pong(NULL, 0, &p) && !p);
	CHECK(fromwire_peektype(pong, sizeof(pong), &type) && type == 19);
	CHECK(!fromwire_peektype(pong, 1, &type));
}

/* BOLT #1 "it's ok to be odd". */
static void test_unknown_message_types(void)
{
	const uint16_t known[] = { 1, 16, 17, 18, 19 };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK(peer_wire_name(known[i]) != NULL);
		CHECK(!peer_wire_is_unknown_odd(known[i]));
		CHECK(!peer_wire_is_unknown_even(known[i]));
	}
	CHECK_STREQ(peer_wire_name(WIRE_INIT), "init");
	CHECK_STREQ(peer_wire_name(WIRE_WARNING), "warning");
	CHECK(peer_wire_name(7) == NULL);
	CHECK(peer_wire_is_unknown_odd(7));	/* peer_storage: not ours yet */
	CHECK(peer_wire_is_unknown_even(2));	/* stfu */
	CHECK(peer_wire_is_unknown_even(0));
	CHECK(peer_wire_is_unknown_even(32768));
	CHECK(peer_wire_is_unknown_odd(65535));
	CHECK(!peer_wire_is_unknown_odd(32768));
	CHECK(!peer_wire_is_unknown_even(65535));
}

static void test_networks_compatibility(void)
{
	struct chain_hash ours, other;
	struct chain_hash both[2];
	struct tlv_init_tlvs_networks networks = { 0, NULL };
	struct tlv_init_tlvs tlvs = { 0 };

	memset(&ours, 1, sizeof(ours));
	memset(&other, 2, sizeof(other));
	both[0] = other;
	both[1] = ours;
	CHECK(init_networks_compatible(NULL, &ours));
	CHECK(init_networks_compatible(&tlvs, &ours));
	tlvs.networks = &networks;
	CHECK(!init_networks_compatible(&tlvs, &ours));	/* empty list */
	networks.chains = both;
	networks.num_chains = 1;
	CHECK(!init_networks_compatible(&tlvs, &ours));
	networks.num_chains = 2;
	CHECK(init_networks_compatible(&tlvs, &ours));
}

/* Every message decodes what it encodes when arrays are empty. */
static void test_empty_messages_round_trip(void)
{
	struct msg_init init = { 0 }, *init_back = NULL;
	struct wirebuf *buf = towire_init(&init);
	const uint8_t want[] = { 0x00, 0x10, 0, 0, 0, 0 };

	CHECK(bytes_equal(buf->data, buf->len, want, sizeof(want)));
	CHECK(fromwire_init(buf->data, buf->len, &init_back));
	CHECK(init_back->tlvs != NULL);
	msg_init_free(init_back);
	wirebuf_free(buf);
}

int main(void)
{
	RUN(test_init_extension_vectors);
	RUN(test_init_keeps_unknown_extension);
	RUN(test_init_known_encoding_and_round_trip);
	RUN(test_init_truncated_at_every_byte);
	RUN(test_init_rejects_partial_chain_hash);
	RUN(test_oversized_lengths_fail);
	RUN(test_error_and_warning_round_trip);
	RUN(test_error_text_helpers);
	RUN(test_ping_pong);
	RUN(test_wrong_or_missing_type);
	RUN(test_unknown_message_types);
	RUN(test_networks_compatibility);
	RUN(test_empty_messages_round_trip);
	return test_done();
}
