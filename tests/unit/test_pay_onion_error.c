/* Tests for pay/onion_error: failure messages and the error packets that
 * carry them back to the origin.  The BOLT #4 vectors first (the error
 * packet of onion-error-test.json, and the spec's "Returning Errors" trace
 * at every hop), then our own: every failure code survives
 * create/wrap/decode from every position, packets the origin cannot read
 * and the padding rules, and the failure codes and their data match the
 * spec text. */
#include "crypto/chacha20.h"
#include "pay/hop_payload.h"
#include "pay/onion.h"
#include "pay/onion_error.h"
#include "tests/unit/keys.h"
#include "tests/unit/onion_helpers.h"

static secp256k1_context *ctx;
/* The shared secrets of a vector's route: those onion_create() returns. */
static void route_secrets(struct secret *secrets, json_t *hops_json,
			  const char *session_hex)
{
	struct privkey session = privkey_from_hex(session_hex);
	static const uint8_t payload[2] = { 0, 0 };
	struct onion_hop hops[5];
	uint8_t packet[ONION_PACKET_LEN];
	json_t *hop;
	size_t i;

	json_array_foreach(hops_json, i, hop) {
		hops[i].node_id = pubkey_from_hex(ctx, json_str(hop, "pubkey"));
		hops[i].payload = payload;
		hops[i].payload_len = sizeof(payload);
	}
	CHECK(json_array_size(hops_json) == 5);
	CHECK(onion_create(ctx, packet, secrets, &session, hops, 5, NULL, 0));
}

/* bolt04-onion-error-test.json: node 4 fails with 0x2002; the shared
 * secrets and keys at every hop, the padded payload, the packet the
 * origin gets, and what it decodes. */
static void test_vector_error_json(void)
{
	json_t *root = vectors_load("bolt04-onion-error-test.json");
	json_t *gen = json_object_get(root, "generate");
	json_t *hops = json_object_get(gen, "hops"), *erring;
	struct secret secrets[5], key;
	struct wirebuf *packet = wirebuf_new(), *failure = wirebuf_new();
	struct onion_failure decoded;
	uint8_t *msg, *want;
	size_t msg_len, want_len, index = 99;

	route_secrets(secrets, hops, json_str(gen, "session_key"));
	for (size_t i = 0; i < 5; i++) {
		json_t *hop = json_array_get(hops, i);

		CHECK(bytes_are(secrets[i].data, 32, json_str(hop, "hop_shared_secret")));
		onion_key_generate(&key, ONION_KEY_AMMAG, &secrets[i]);
		CHECK(bytes_are(key.data, 32, json_str(hop, "ammag_key")));
	}
	erring = json_array_get(hops, 4);
	onion_key_generate(&key, ONION_KEY_UM, &secrets[4]);
	CHECK(bytes_are(key.data, 32, json_str(erring, "um_key")));

	msg = hex_to_bytes(json_str(gen, "failure_message"), &msg_len);
	CHECK(onion_error_create(packet, &secrets[4], msg, msg_len,
				 ONION_ERROR_PADDED_LEN));
	/* Undo node 4's obfuscation: its HMAC, then the vector's payload. */
	onion_error_wrap(packet->data, packet->len, &secrets[4]);
	CHECK(bytes_are(packet->data + 32, packet->len - 32,
			json_str(erring, "payload")));
	onion_error_wrap(packet->data, packet->len, &secrets[4]);
	for (size_t i = 4; i-- > 0;)
		onion_error_wrap(packet->data, packet->len, &secrets[i]);
	CHECK(bytes_are(packet->data, packet->len, json_str(root, "errorpacket")));

	want = hex_to_bytes(json_str(root, "errorpacket"), &want_len);
	CHECK(onion_error_decode(failure, &index, secrets, 5, want, want_len));
	CHECK(index == 4);
	CHECK(bytes_equal(failure->data, failure->len, msg, msg_len));
	CHECK(onion_failure_fromwire(&decoded, failure->data, failure->len));
	CHECK(decoded.code == ONION_FAILURE_TEMPORARY_NODE_FAILURE);
	free(want);
	free(msg);
	wirebuf_free(packet);
	wirebuf_free(failure);
	json_decref(root);
}

/* BOLT #4 "Test Vector / Returning Errors": the spec's own trace
 * (tests/vectors/bolt04-returning-errors-trace.json), a 320-byte failure
 * padded to 1024, packet by packet from node 4 back. */
static void test_spec_error_trace(void)
{
	json_t *trace = vectors_load("bolt04-returning-errors-trace.json");
	json_t *creation = json_object_get(trace, "creation");
	json_t *forwarding = json_object_get(trace, "forwarding");
	struct wirebuf *packet = wirebuf_new(), *failure = wirebuf_new();
	struct secret secrets[5], key;
	struct onion_failure decoded;
	const char *failure_hex, *payload_hex, *hex;
	uint8_t *msg, *stream;
	size_t msg_len, index = 99;
	json_t *root = vectors_load("bolt04-onion-error-test.json");
	json_t *hops = json_object_get(json_object_get(root, "generate"), "hops");

	if (json_array_size(forwarding) != 5)
		test_bail_out("spec trace: %zu forwarding blocks, not 5",
			      json_array_size(forwarding));
	route_secrets(secrets, hops, "4141414141414141414141414141414141414141414141414141414141414141");

	/* The trace's encoded_failure_message runs on into pad_len and pad,
	 * the payload less failure_len: the failure is what failure_len
	 * says of it. */
	failure_hex = json_str(creation, "encoded_failure_message");
	payload_hex = json_str(creation, "payload");
	if (strlen(payload_hex) < 8)
		test_bail_out("spec trace: payload too short");
	CHECK_STREQ(failure_hex, payload_hex + 4);
	msg = hex_to_bytes(failure_hex, &msg_len);
	msg_len = strtoul((char[5]){ payload_hex[0], payload_hex[1],
				     payload_hex[2], payload_hex[3], '\0' },
			  NULL, 16);
	CHECK(msg_len == 320);
	CHECK(bytes_are(secrets[4].data, 32, json_str(creation, "shared_secret")));
	onion_key_generate(&key, ONION_KEY_UM, &secrets[4]);
	CHECK(bytes_are(key.data, 32, json_str(creation, "um_key")));

	/* failure_len + pad_len: the payload less its two lengths. */
	CHECK(onion_error_create(packet, &secrets[4], msg, msg_len,
				 strlen(payload_hex) / 2 - 4));
	onion_error_wrap(packet->data, packet->len, &secrets[4]);
	CHECK(bytes_are(packet->data, packet->len,
			json_str(creation, "raw_error_packet")));
	onion_error_wrap(packet->data, packet->len, &secrets[4]);

	for (size_t b = 1; b < 6; b++) {
		size_t node = 5 - b;
		json_t *hop = json_array_get(forwarding, b - 1);

		CHECK(json_integer_value(json_object_get(hop, "node"))
		      == (json_int_t)node);
		if (b > 1)
			onion_error_wrap(packet->data, packet->len, &secrets[node]);
		CHECK(bytes_are(secrets[node].data, 32,
				json_str(hop, "shared_secret")));
		onion_key_generate(&key, ONION_KEY_AMMAG, &secrets[node]);
		CHECK(bytes_are(key.data, 32, json_str(hop, "ammag_key")));
		hex = json_str(hop, "stream");
		stream = malloc(strlen(hex) / 2 + 1);
		chacha20_stream(stream, strlen(hex) / 2, &key,
				(const uint8_t[CHACHA20_NONCE_LEN]){ 0 });
		CHECK(bytes_are(stream, strlen(hex) / 2, hex));
		free(stream);
		CHECK_MSG(bytes_are(packet->data, packet->len,
				    json_str(hop, "error_packet")),
			  "error packet for node %zu", node);
	}

	CHECK(onion_error_decode(failure, &index, secrets, 5, packet->data,
				 packet->len));
	CHECK(index == 4);
	CHECK(bytes_equal(failure->data, failure->len, msg, msg_len));
	/* The TLV stream after the data is ignored. */
	CHECK(onion_failure_fromwire(&decoded, failure->data, failure->len));
	CHECK(decoded.code == ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS);
	CHECK(decoded.htlc_msat == 100 && decoded.height == 800000);

	free(msg);
	wirebuf_free(packet);
	wirebuf_free(failure);
	json_decref(root);
	json_decref(trace);
}
static const uint16_t all_failure_codes[] = {
	ONION_FAILURE_INVALID_REALM,
	ONION_FAILURE_TEMPORARY_NODE_FAILURE,
	ONION_FAILURE_PERMANENT_NODE_FAILURE,
	ONION_FAILURE_REQUIRED_NODE_FEATURE_MISSING,
	ONION_FAILURE_INVALID_ONION_VERSION,
	ONION_FAILURE_INVALID_ONION_HMAC,
	ONION_FAILURE_INVALID_ONION_KEY,
	ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE,
	ONION_FAILURE_PERMANENT_CHANNEL_FAILURE,
	ONION_FAILURE_REQUIRED_CHANNEL_FEATURE_MISSING,
	ONION_FAILURE_UNKNOWN_NEXT_PEER,
	ONION_FAILURE_AMOUNT_BELOW_MINIMUM,
	ONION_FAILURE_FEE_INSUFFICIENT,
	ONION_FAILURE_INCORRECT_CLTV_EXPIRY,
	ONION_FAILURE_EXPIRY_TOO_SOON,
	ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS,
	ONION_FAILURE_FINAL_INCORRECT_CLTV_EXPIRY,
	ONION_FAILURE_FINAL_INCORRECT_HTLC_AMOUNT,
	ONION_FAILURE_CHANNEL_DISABLED,
	ONION_FAILURE_EXPIRY_TOO_FAR,
	ONION_FAILURE_INVALID_ONION_PAYLOAD,
	ONION_FAILURE_MPP_TIMEOUT,
	ONION_FAILURE_INVALID_ONION_BLINDING,
};

/* Every failure code, every data field set, from every position of a
 * five-hop route: the origin names the erring hop and reads the same
 * message back. */
static void test_failure_codes_roundtrip_every_position(void)
{
	static const uint8_t channel_update[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	uint64_t rng = 0x6661696c;
	struct secret secrets[5];

	for (size_t i = 0; i < 5; i++)
		rng_bytes(&rng, secrets[i].data, sizeof(secrets[i].data));
	for (size_t c = 0; c < sizeof(all_failure_codes) / sizeof(all_failure_codes[0]); c++) {
		struct onion_failure f, back;
		struct wirebuf *msg = wirebuf_new(), *again = wirebuf_new();

		onion_failure_init(&f, all_failure_codes[c]);
		memset(f.sha256_of_onion.u8, 0x11, SHA256_LEN);
		f.htlc_msat = 123456789;
		f.cltv_expiry = 700000;
		f.height = 800001;
		f.disabled_flags = 1;
		f.payload_type = HOP_PAYLOAD_KEYSEND_PREIMAGE;
		f.payload_offset = 77;
		f.channel_update = channel_update;
		f.channel_update_len = sizeof(channel_update);
		onion_failure_towire(msg, &f);
		CHECK_MSG(onion_failure_name(f.code) != NULL, "code %04x", f.code);

		for (size_t erring = 0; erring < 5; erring++) {
			struct wirebuf *packet = wirebuf_new(), *failure = wirebuf_new();
			size_t index = 99;

			CHECK(onion_error_create(packet, &secrets[erring], msg->data,
						 msg->len, ONION_ERROR_PADDED_LEN));
			CHECK(packet->len == 32 + 2 + ONION_ERROR_PADDED_LEN + 2);
			for (size_t i = erring; i-- > 0;)
				onion_error_wrap(packet->data, packet->len, &secrets[i]);
			CHECK_MSG(onion_error_decode(failure, &index, secrets, 5,
						     packet->data, packet->len)
				  && index == erring,
				  "%s from hop %zu", onion_failure_name(f.code), erring);
			CHECK(bytes_equal(failure->data, failure->len, msg->data, msg->len));
			/* One flipped bit and no hop's HMAC matches. */
			packet->data[packet->len / 2] ^= 4;
			CHECK(!onion_error_decode(failure, &index, secrets, 5,
						  packet->data, packet->len));
			wirebuf_free(packet);
			wirebuf_free(failure);
		}

		CHECK(onion_failure_fromwire(&back, msg->data, msg->len));
		CHECK(back.code == f.code);
		onion_failure_towire(again, &back);
		CHECK(bytes_equal(again->data, again->len, msg->data, msg->len));
		/* A byte short does not parse. */
		CHECK(!onion_failure_fromwire(&back, msg->data, msg->len - 1));
		wirebuf_free(msg);
		wirebuf_free(again);
	}
}

/* Error packets the origin cannot read, and the padding rules. */
static void test_error_packet_edges(void)
{
	struct secret secrets[2];
	uint8_t big[300] = { 0x40, 0x0f };
	struct wirebuf *packet = wirebuf_new(), *failure = wirebuf_new();
	size_t index = 99;

	memset(secrets[0].data, 1, 32);
	memset(secrets[1].data, 2, 32);
	CHECK(!onion_error_decode(failure, &index, secrets, 2, big, 31));
	CHECK(!onion_error_decode(failure, &index, secrets, 2, big, 0));
	CHECK(!onion_error_decode(failure, &index, secrets, 2, big, sizeof(big)));
	CHECK(index == 99 && failure->len == 0);

	/* A failure longer than 256 bytes is not cut, nor padded further. */
	CHECK(onion_error_create(packet, &secrets[1], big, sizeof(big),
				 ONION_ERROR_PADDED_LEN));
	CHECK(packet->len == 32 + 2 + sizeof(big) + 2);
	onion_error_wrap(packet->data, packet->len, &secrets[0]);
	CHECK(onion_error_decode(failure, &index, secrets, 2, packet->data,
				 packet->len) && index == 1);
	CHECK(bytes_equal(failure->data, failure->len, big, sizeof(big)));
	/* A request below 256 still pads to 256. */
	wirebuf_reset(packet);
	CHECK(onion_error_create(packet, &secrets[0], big, 2, 10));
	CHECK(packet->len == 32 + 2 + ONION_ERROR_PADDED_LEN + 2);
	CHECK(!onion_error_create(packet, &secrets[0], big, 2, 65536));
	wirebuf_free(packet);
	wirebuf_free(failure);
}

/* The wire size of a field type in the spec's "2. data:" lists, for a
 * zero value (a zero BigSize is one byte, an empty channel_update none). */
static size_t spec_field_size(const char *type, size_t len)
{
	static const struct { const char *type; size_t size; } sizes[] = {
		{ "sha256", 32 }, { "u16", 2 }, { "u32", 4 }, { "u64", 8 },
		{ "bigsize", 1 }, { "len*byte", 0 },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (strlen(sizes[i].type) == len && strncmp(type, sizes[i].type, len) == 0)
			return sizes[i].size;
	CHECK_MSG(false, "unknown field type %.*s", (int)len, type);
	return 0;
}

/* BOLT #4 "Failure Messages" (tests/vectors/bolt04-failure-messages.json),
 * definition by definition: the code from its flags and number, our name
 * for it, and the size of its data. */
static void test_failure_codes_match_spec(void)
{
	json_t *root = vectors_load("bolt04-failure-messages.json");
	json_t *messages = json_object_get(root, "failure_messages"), *m, *field;
	size_t i, j;

	json_array_foreach(messages, i, m) {
		uint16_t code = 0;
		size_t data_size = 0;
		const char *name = json_str(m, "name");
		struct onion_failure f;
		struct wirebuf *buf = wirebuf_new();

		/* "PERM|NODE|2": flags and a number. */
		for (const char *p = json_str(m, "type"); *p; p += *p == '|') {
			size_t n = strcspn(p, "|");

			if (strncmp(p, "BADONION", n) == 0)
				code |= ONION_FAILURE_BADONION;
			else if (strncmp(p, "PERM", n) == 0)
				code |= ONION_FAILURE_PERM;
			else if (strncmp(p, "NODE", n) == 0)
				code |= ONION_FAILURE_NODE;
			else if (strncmp(p, "UPDATE", n) == 0)
				code |= ONION_FAILURE_UPDATE;
			else
				code |= (uint16_t)strtoul(p, NULL, 10);
			p += n;
		}
		CHECK_STREQ(onion_failure_name(code), name);

		/* "2. data:" then "   * [`type`:`field`]" lines. */
		json_array_foreach(json_object_get(m, "data"), j, field) {
			const char *type = json_str_at(field, 0);

			data_size += spec_field_size(type, strlen(type));
		}
		onion_failure_init(&f, code);
		onion_failure_towire(buf, &f);
		CHECK_MSG(buf->len == 2 + data_size, "%s: %zu bytes, spec %zu",
			  name, buf->len, 2 + data_size);
		wirebuf_free(buf);
	}
	CHECK(json_array_size(messages) == 22);
	CHECK(onion_failure_name(0x1234) == NULL);
	CHECK_STREQ(onion_failure_name(ONION_FAILURE_INVALID_REALM), "invalid_realm");
	json_decref(root);
}

int main(void)
{
	ctx = keys_context_new();
	RUN(test_vector_error_json);
	RUN(test_spec_error_trace);
	RUN(test_failure_codes_roundtrip_every_position);
	RUN(test_error_packet_edges);
	RUN(test_failure_codes_match_spec);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
