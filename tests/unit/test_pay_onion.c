/* Tests for pay/onion, pay/hop_payload and pay/onion_error: the BOLT #4
 * vectors first (the onion, built and peeled hop by hop; the error packet
 * of onion-error-test.json and the spec's "Returning Errors" trace at
 * every hop; the blinded payment onion), then our own: tampered packets
 * get the right failure code, random routes of 1..20 hops round-trip,
 * every failure code survives create/wrap/decode from every position, the
 * failure codes and their data match the spec text, and the hop payload
 * reader rules. */
#include <inttypes.h>

#include "crypto/chacha20.h"
#include "crypto/hash.h"
#include "pay/hop_payload.h"
#include "pay/onion.h"
#include "pay/onion_error.h"
#include "tests/unit/keys.h"
#include "wire/wire.h"

static secp256k1_context *ctx;

/* A vector's payload (BigSize length in front) without its length. */
static const uint8_t *strip_length(const uint8_t *bytes, size_t len,
				   size_t *payload_len)
{
	const uint8_t *cursor = bytes;
	size_t max = len;
	uint64_t n = fromwire_bigsize(&cursor, &max);

	CHECK(cursor && n == max);
	*payload_len = max;
	return cursor;
}

/* The hops of a vector's route: pubkeys and payloads (freed by the
 * caller, payload by payload through bufs). */
static size_t load_route(struct onion_hop *hops, uint8_t **bufs, size_t max,
			 json_t *array, const char *pubkey_field)
{
	json_t *hop;
	size_t i, n = 0;

	json_array_foreach(array, i, hop) {
		size_t len;

		if (n == max)
			break;
		bufs[n] = hex_to_bytes(json_str(hop, "payload"), &len);
		hops[n].node_id = pubkey_from_hex(ctx, json_str(hop, pubkey_field));
		hops[n].payload = strip_length(bufs[n], len, &hops[n].payload_len);
		n++;
	}
	return n;
}

/* bolt04-onion-test.json: the packet, byte for byte. */
static void test_vector_onion_create(void)
{
	json_t *root = vectors_load("bolt04-onion-test.json");
	json_t *gen = json_object_get(root, "generate");
	struct privkey session = privkey_from_hex(json_str(gen, "session_key"));
	struct onion_hop hops[5];
	uint8_t *bufs[5], *ad, packet[ONION_PACKET_LEN];
	struct secret secrets[5];
	size_t ad_len, n;

	ad = hex_to_bytes(json_str(gen, "associated_data"), &ad_len);
	n = load_route(hops, bufs, 5, json_object_get(gen, "hops"), "pubkey");
	CHECK(n == 5);
	CHECK(onion_create(ctx, packet, secrets, &session, hops, n, ad, ad_len));
	CHECK(bytes_are(packet, sizeof(packet), json_str(root, "onion")));
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	free(ad);
	json_decref(root);
}

/* ... and peeled by each hop with its key: every payload, the final
 * marker only at the end, and the shared secrets the origin computed. */
static void test_vector_onion_process(void)
{
	json_t *root = vectors_load("bolt04-onion-test.json");
	json_t *gen = json_object_get(root, "generate");
	json_t *keys = json_object_get(root, "decode");
	struct privkey session = privkey_from_hex(json_str(gen, "session_key"));
	struct onion_hop hops[5];
	uint8_t *bufs[5], *ad, packet[ONION_PACKET_LEN];
	struct secret secrets[5];
	size_t ad_len, n;

	ad = hex_to_bytes(json_str(gen, "associated_data"), &ad_len);
	n = load_route(hops, bufs, 5, json_object_get(gen, "hops"), "pubkey");
	CHECK(onion_create(ctx, packet, secrets, &session, hops, n, ad, ad_len));
	hex_to_array(packet, sizeof(packet), json_str(root, "onion"));
	CHECK(json_array_size(keys) == n);
	for (size_t i = 0; i < n; i++) {
		struct privkey key = privkey_from_hex(
			json_string_value(json_array_get(keys, i)));
		struct onion_peeled peeled;
		struct hop_payload payload;
		struct hop_payload_error err;
		struct secret ss;
		const char *why = "unset";

		CHECK(onion_process_with_key(ctx, &peeled, &ss, &why, packet,
					     ad, ad_len, NULL, &key) == 0);
		CHECK(why == NULL);
		CHECK(bytes_equal(peeled.payload, peeled.payload_len,
				  hops[i].payload, hops[i].payload_len));
		CHECK(peeled.is_final == (i == n - 1));
		CHECK_MEMEQ(ss.data, secrets[i].data, sizeof(ss.data));
		CHECK(hop_payload_decode(ctx, &payload, &err, peeled.payload,
					 peeled.payload_len, peeled.is_final,
					 false));
		CHECK(payload.has_amt_to_forward && payload.has_outgoing_cltv_value);
		CHECK(payload.has_short_channel_id == !peeled.is_final);
		if (!peeled.is_final)
			CHECK(payload.short_channel_id.u64 == i + 1);
		if (i == 0)
			CHECK(payload.amt_to_forward_msat == 15000
			      && payload.outgoing_cltv_value == 1500);
		if (i == 1)	/* an odd type, 513, kept for the caller */
			CHECK(payload.unknowns.num == 1
			      && payload.unknowns.records[0].type == 513
			      && payload.unknowns.records[0].length == 60);
		if (peeled.is_final)
			CHECK(payload.has_payment_data
			      && payload.payment_data_total_msat == 10000
			      && hop_payload_total_msat(&payload) == 10000);
		hop_payload_clear(&payload);
		memcpy(packet, peeled.next_packet, sizeof(packet));
	}
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	free(ad);
	json_decref(root);
}

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

/* The hex after the first "label = " in text[0..end). */
static char *trace_value(const char *text, const char *end, const char *label)
{
	char marker[64];
	const char *next;
	char *hex;

	snprintf(marker, sizeof(marker), "%s = ", label);
	hex = text_hex_after(text, marker, &next);
	if (!hex || next > end)
		test_bail_out("spec trace: no %s", label);
	return hex;
}

/* BOLT #4 "Test Vector / Returning Errors": the spec's own trace, a
 * 320-byte failure padded to 1024, packet by packet from node 4 back. */
static void test_spec_error_trace(void)
{
	char *spec = spec_read("bolts", "04-onion-routing.md");
	const char *trace = strstr(spec, "# creating error message");
	const char *blocks[6];
	struct wirebuf *packet = wirebuf_new(), *failure = wirebuf_new();
	struct secret secrets[5], key;
	struct onion_failure decoded;
	char *failure_hex, *payload_hex, *hex;
	uint8_t *msg, *stream;
	size_t msg_len, index = 99;
	json_t *root = vectors_load("bolt04-onion-error-test.json");
	json_t *hops = json_object_get(json_object_get(root, "generate"), "hops");

	if (!trace)
		test_bail_out("no error trace in BOLT #4");
	/* blocks[0]: creation; blocks[1..5]: forwarding at nodes 4..0. */
	blocks[0] = trace;
	for (size_t b = 1; b < 6; b++) {
		blocks[b] = strstr(blocks[b - 1] + 1, "# forwarding error packet");
		if (!blocks[b])
			test_bail_out("spec trace: forwarding block %zu missing", b);
	}
	route_secrets(secrets, hops, "4141414141414141414141414141414141414141414141414141414141414141");

	/* The trace's encoded_failure_message runs on into pad_len and pad,
	 * the payload less failure_len: the failure is what failure_len
	 * says of it. */
	failure_hex = trace_value(blocks[0], blocks[1], "encoded_failure_message");
	payload_hex = trace_value(blocks[0], blocks[1], "payload");
	CHECK_STREQ(failure_hex, payload_hex + 4);
	msg = hex_to_bytes(failure_hex, &msg_len);
	msg_len = strtoul((char[5]){ payload_hex[0], payload_hex[1],
				     payload_hex[2], payload_hex[3], '\0' },
			  NULL, 16);
	CHECK(msg_len == 320);
	hex = trace_value(blocks[0], blocks[1], "shared_secret");
	CHECK(bytes_are(secrets[4].data, 32, hex));
	free(hex);
	hex = trace_value(blocks[0], blocks[1], "um_key");
	onion_key_generate(&key, ONION_KEY_UM, &secrets[4]);
	CHECK(bytes_are(key.data, 32, hex));
	free(hex);

	/* failure_len + pad_len: the payload less its two lengths. */
	CHECK(onion_error_create(packet, &secrets[4], msg, msg_len,
				 strlen(payload_hex) / 2 - 4));
	onion_error_wrap(packet->data, packet->len, &secrets[4]);
	hex = trace_value(blocks[0], blocks[1], "raw_error_packet");
	CHECK(bytes_are(packet->data, packet->len, hex));
	free(hex);
	onion_error_wrap(packet->data, packet->len, &secrets[4]);

	for (size_t b = 1; b < 6; b++) {
		size_t node = 5 - b;
		const char *end = b < 5 ? blocks[b + 1] : blocks[b] + strlen(blocks[b]);
		char marker[64];

		if (b > 1)
			onion_error_wrap(packet->data, packet->len, &secrets[node]);
		hex = trace_value(blocks[b], end, "shared_secret");
		CHECK(bytes_are(secrets[node].data, 32, hex));
		free(hex);
		hex = trace_value(blocks[b], end, "ammag_key");
		onion_key_generate(&key, ONION_KEY_AMMAG, &secrets[node]);
		CHECK(bytes_are(key.data, 32, hex));
		free(hex);
		hex = trace_value(blocks[b], end, "stream");
		stream = malloc(strlen(hex) / 2);
		chacha20_stream(stream, strlen(hex) / 2, &key,
				(const uint8_t[CHACHA20_NONCE_LEN]){ 0 });
		CHECK(bytes_are(stream, strlen(hex) / 2, hex));
		free(stream);
		free(hex);
		snprintf(marker, sizeof(marker), "error packet for node %zu:", node);
		hex = text_hex_after(blocks[b], marker, NULL);
		CHECK_MSG(hex && bytes_are(packet->data, packet->len, hex),
			  "error packet for node %zu", node);
		free(hex);
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
	free(failure_hex);
	free(payload_hex);
	wirebuf_free(packet);
	wirebuf_free(failure);
	json_decref(root);
	free(spec);
}

/* bolt04-blinded-payment-onion-test.json: an onion through Alice into a
 * blinded route Bob -> Carol -> Dave -> Eve, built, then peeled with each
 * hop's path_key from update_add_htlc (Carol onwards; Bob, the
 * introduction point, finds his in the payload). */
static void test_vector_blinded_payment_onion(void)
{
	json_t *root = vectors_load("bolt04-blinded-payment-onion-test.json");
	json_t *gen = json_object_get(root, "generate");
	json_t *route = json_object_get(json_object_get(gen, "full_route"), "hops");
	json_t *decrypt = json_object_get(json_object_get(root, "decrypt"), "hops");
	const char *first_path_key = json_str(json_object_get(gen, "blinded_route"),
					      "first_path_key");
	struct privkey session = privkey_from_hex(json_str(gen, "session_key"));
	struct onion_hop hops[5];
	uint8_t *bufs[5], *ad, packet[ONION_PACKET_LEN];
	struct secret secrets[5];
	size_t ad_len, n;

	ad = hex_to_bytes(json_str(gen, "associated_data"), &ad_len);
	n = load_route(hops, bufs, 5, route, "pubkey");
	CHECK(n == 5 && json_array_size(decrypt) == n);
	CHECK(onion_create(ctx, packet, secrets, &session, hops, n, ad, ad_len));
	CHECK(bytes_are(packet, sizeof(packet), json_str(gen, "onion")));

	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(decrypt, i);
		struct privkey key = privkey_from_hex(json_str(d, "node_privkey"));
		bool has_path_key = i >= 2;
		struct pubkey path_key;
		struct onion_peeled peeled;
		struct hop_payload payload;
		struct hop_payload_error err;
		struct secret ss;

		CHECK_MSG(bytes_are(packet, sizeof(packet), json_str(d, "onion")),
			  "onion for %s", json_str(d, "alias"));
		if (has_path_key)
			path_key = pubkey_from_hex(ctx, json_str(json_array_get(decrypt, i - 1),
								 "next_path_key"));
		CHECK(onion_process_with_key(ctx, &peeled, &ss, NULL, packet, ad,
					     ad_len, has_path_key ? &path_key : NULL,
					     &key) == 0);
		CHECK(bytes_equal(peeled.payload, peeled.payload_len,
				  hops[i].payload, hops[i].payload_len));
		CHECK(peeled.is_final == (i == n - 1));
		CHECK_MEMEQ(ss.data, secrets[i].data, sizeof(ss.data));
		CHECK_MSG(hop_payload_decode(ctx, &payload, &err, peeled.payload,
					     peeled.payload_len, peeled.is_final,
					     has_path_key),
			  "%s's payload: %s", json_str(d, "alias"), err.why);
		if (i == 0)
			CHECK(payload.short_channel_id.u64 == 10
			      && payload.amt_to_forward_msat == 110125
			      && payload.outgoing_cltv_value == 749150);
		if (i == 1)
			CHECK(payload.has_current_path_key
			      && pubkey_is(ctx, &payload.current_path_key, first_path_key)
			      && payload.has_encrypted_recipient_data);
		if (i == 2 || i == 3)
			CHECK(!payload.has_current_path_key
			      && payload.has_encrypted_recipient_data
			      && !payload.has_amt_to_forward);
		if (i == 4)
			CHECK(payload.amt_to_forward_msat == 100000
			      && payload.outgoing_cltv_value == 749000
			      && hop_payload_total_msat(&payload) == 150000);
		hop_payload_clear(&payload);
		memcpy(packet, peeled.next_packet, sizeof(packet));
	}
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	free(ad);
	json_decref(root);
}

/* The vector's onion, its associated data and its first hop's key. */
static void vector_packet(uint8_t packet[ONION_PACKET_LEN], uint8_t ad[32],
			  struct privkey *first_hop_key)
{
	json_t *root = vectors_load("bolt04-onion-test.json");

	hex_to_array(packet, ONION_PACKET_LEN, json_str(root, "onion"));
	hex_to_array(ad, 32, json_str(json_object_get(root, "generate"),
				      "associated_data"));
	*first_hop_key = privkey_from_hex(
		json_string_value(json_array_get(json_object_get(root, "decode"), 0)));
	json_decref(root);
}

/* Each tampering gets its code, and nothing is written; with a path_key
 * every failure is invalid_onion_blinding. */
static void test_tampered_onion_failure_codes(void)
{
	static const struct {
		size_t offset;
		uint8_t xor;
		uint16_t code;
		const char *what;
	} cases[] = {
		{ 0, 0x01, ONION_FAILURE_INVALID_ONION_VERSION, "version 1" },
		{ 0, 0xff, ONION_FAILURE_INVALID_ONION_VERSION, "version 255" },
		{ 1, 0x06, ONION_FAILURE_INVALID_ONION_KEY, "key prefix 04" },
		{ 1, 0x02, ONION_FAILURE_INVALID_ONION_KEY, "key prefix 00" },
		{ 1, 0x01, ONION_FAILURE_INVALID_ONION_HMAC, "the other y" },
		{ 40, 0x80, ONION_FAILURE_INVALID_ONION_HMAC, "hop_payloads" },
		{ ONION_PACKET_LEN - 33, 0x01, ONION_FAILURE_INVALID_ONION_HMAC,
		  "last hop_payloads byte" },
		{ ONION_PACKET_LEN - 1, 0x01, ONION_FAILURE_INVALID_ONION_HMAC, "hmac" },
	};
	uint8_t packet[ONION_PACKET_LEN], bad[ONION_PACKET_LEN], ad[32];
	struct privkey key;
	struct pubkey path_key = pubkey_from_hex(ctx, "02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619");
	struct onion_peeled peeled, untouched;
	struct secret ss, ss_untouched;
	const char *why;

	vector_packet(packet, ad, &key);
	memset(&untouched, 0xaa, sizeof(untouched));
	memset(&ss_untouched, 0xaa, sizeof(ss_untouched));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(bad, packet, sizeof(bad));
		bad[cases[i].offset] ^= cases[i].xor;
		peeled = untouched;
		ss = ss_untouched;
		why = NULL;
		CHECK_MSG(onion_process_with_key(ctx, &peeled, &ss, &why, bad, ad,
						 sizeof(ad), NULL, &key)
			  == cases[i].code, "%s", cases[i].what);
		CHECK(why != NULL);
		CHECK(memcmp(&peeled, &untouched, sizeof(peeled)) == 0);
		CHECK(memcmp(&ss, &ss_untouched, sizeof(ss)) == 0);
		CHECK_MSG(onion_process_with_key(ctx, &peeled, &ss, NULL, bad, ad,
						 sizeof(ad), &path_key, &key)
			  == ONION_FAILURE_INVALID_ONION_BLINDING, "%s", cases[i].what);
	}

	/* An x coordinate that is no point's. */
	memcpy(bad, packet, sizeof(bad));
	memset(bad + 2, 0xff, 32);
	CHECK(onion_process_with_key(ctx, &peeled, &ss, NULL, bad, ad, sizeof(ad),
				     NULL, &key) == ONION_FAILURE_INVALID_ONION_KEY);
	/* Other associated data (another payment hash), another node. */
	ad[0] ^= 1;
	CHECK(onion_process_with_key(ctx, &peeled, &ss, NULL, packet, ad,
				     sizeof(ad), NULL, &key)
	      == ONION_FAILURE_INVALID_ONION_HMAC);
	ad[0] ^= 1;
	key.secret.data[31] ^= 1;
	CHECK(onion_process_with_key(ctx, &peeled, &ss, NULL, packet, ad,
				     sizeof(ad), NULL, &key)
	      == ONION_FAILURE_INVALID_ONION_HMAC);
	key.secret.data[31] ^= 1;
	/* The untampered packet passes; with a path_key it cannot (the key
	 * is tweaked): invalid_onion_blinding. */
	CHECK(onion_process_with_key(ctx, &peeled, &ss, NULL, packet, ad,
				     sizeof(ad), NULL, &key) == 0);
	CHECK(onion_process_with_key(ctx, &peeled, &ss, NULL, packet, ad,
				     sizeof(ad), &path_key, &key)
	      == ONION_FAILURE_INVALID_ONION_BLINDING);
}

struct test_ecdh {
	const struct privkey *key;
	int calls;
	bool fails;
};

static bool test_ecdh_fn(void *arg, struct secret *out,
			 const struct pubkey *point)
{
	struct test_ecdh *t = arg;

	t->calls++;
	return !t->fails && ecdh_shared_secret(ctx, out, point, t->key);
}

/* The callback form gives what the key form gives; a failing ECDH is
 * invalid_onion_key. */
static void test_process_with_ecdh_callback(void)
{
	uint8_t packet[ONION_PACKET_LEN], ad[32];
	struct privkey key;
	struct test_ecdh t = { &key, 0, false };
	struct onion_peeled a, b;
	struct secret ss_a, ss_b;

	vector_packet(packet, ad, &key);
	CHECK(onion_process_with_key(ctx, &a, &ss_a, NULL, packet, ad, sizeof(ad),
				     NULL, &key) == 0);
	CHECK(onion_process(ctx, &b, &ss_b, NULL, packet, ad, sizeof(ad), NULL,
			    test_ecdh_fn, &t) == 0);
	CHECK(t.calls == 1);
	CHECK(bytes_equal(a.payload, a.payload_len, b.payload, b.payload_len));
	CHECK(a.is_final == b.is_final);
	CHECK_MEMEQ(a.next_packet, b.next_packet, sizeof(a.next_packet));
	CHECK_MEMEQ(ss_a.data, ss_b.data, sizeof(ss_a.data));
	t.fails = true;
	CHECK(onion_process(ctx, &b, &ss_b, NULL, packet, ad, sizeof(ad), NULL,
			    test_ecdh_fn, &t) == ONION_FAILURE_INVALID_ONION_KEY);
}

/* Rewrites a one-hop onion's decrypted hop_payloads with edit and seals
 * it again (rho stream, then the mu HMAC), as only its origin could. */
static void reseal(uint8_t packet[ONION_PACKET_LEN], const struct secret *ss,
		   const uint8_t *edit, size_t edit_len)
{
	static const uint8_t zero_nonce[CHACHA20_NONCE_LEN];
	uint8_t *hop_payloads = packet + 1 + PUBKEY_CMPR_LEN;
	struct hmac_sha256_ctx hmac;
	struct secret rho, mu;

	onion_key_generate(&rho, ONION_KEY_RHO, ss);
	onion_key_generate(&mu, ONION_KEY_MU, ss);
	chacha20_xor(hop_payloads, hop_payloads, ONION_HOP_PAYLOADS_LEN, &rho,
		     zero_nonce);
	memcpy(hop_payloads, edit, edit_len);
	chacha20_xor(hop_payloads, hop_payloads, ONION_HOP_PAYLOADS_LEN, &rho,
		     zero_nonce);
	hmac_sha256_init(&hmac, mu.data, sizeof(mu.data));
	hmac_sha256_update(&hmac, hop_payloads, ONION_HOP_PAYLOADS_LEN);
	hmac_sha256_final(hop_payloads + ONION_HOP_PAYLOADS_LEN, &hmac);
}

/* With a good HMAC, a malformed payload length is invalid_onion_payload,
 * and the shared secret comes back to wrap that error with. */
static void test_malformed_payload_length(void)
{
	static const struct {
		const char *edit;
		uint16_t code;
		size_t payload_len;
	} cases[] = {
		{ "00", ONION_FAILURE_INVALID_ONION_PAYLOAD, 0 },
		{ "01", ONION_FAILURE_INVALID_ONION_PAYLOAD, 0 },
		{ "fd0010", ONION_FAILURE_INVALID_ONION_PAYLOAD, 0 },
		{ "fe00000100", ONION_FAILURE_INVALID_ONION_PAYLOAD, 0 },
		{ "fd04f2", ONION_FAILURE_INVALID_ONION_PAYLOAD, 0 },
		{ "fd0500", ONION_FAILURE_INVALID_ONION_PAYLOAD, 0 },
		{ "fd04f1", 0, 1265 },		/* fills hop_payloads exactly */
		{ "02", 0, 2 },
	};
	struct privkey session, node;
	struct onion_hop hop;
	uint8_t payload[2] = { 1, 2 }, packet[ONION_PACKET_LEN], edit[8];
	struct secret ss, got;
	struct onion_peeled peeled;
	const char *why;

	memset(session.secret.data, 0x11, 32);
	memset(node.secret.data, 0x22, 32);
	CHECK(pubkey_from_privkey(ctx, &hop.node_id, &node));
	hop.payload = payload;
	hop.payload_len = sizeof(payload);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t edit_len = strlen(cases[i].edit) / 2;

		CHECK(onion_create(ctx, packet, &ss, &session, &hop, 1, NULL, 0));
		hex_to_array(edit, edit_len, cases[i].edit);
		reseal(packet, &ss, edit, edit_len);
		memset(&got, 0, sizeof(got));
		CHECK_MSG(onion_process_with_key(ctx, &peeled, &got, &why, packet,
						 NULL, 0, NULL, &node)
			  == cases[i].code, "length %s", cases[i].edit);
		CHECK_MEMEQ(got.data, ss.data, sizeof(ss.data));
		if (cases[i].code == 0)
			CHECK(peeled.payload_len == cases[i].payload_len);
		else
			CHECK(why != NULL);
	}
}

/* xorshift64*: deterministic test data. */
static uint64_t rng_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

static void rng_bytes(uint64_t *state, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(rng_next(state) >> 32);
}

static struct privkey rng_privkey(uint64_t *state)
{
	struct privkey key;

	do
		rng_bytes(state, key.secret.data, sizeof(key.secret.data));
	while (!privkey_is_valid(ctx, &key));
	return key;
}

/* Routes of 1 to 20 hops with random keys and payload sizes: every hop
 * gets its payload, only the last is final, secrets agree. */
static void test_random_routes_roundtrip(void)
{
	static uint8_t payloads[20][ONION_MAX_PAYLOAD_LEN];
	uint64_t rng = 0x6f6e696f6e;

	for (size_t n = 1; n <= 20; n++) {
		struct privkey keys[20], session = rng_privkey(&rng);
		struct onion_hop hops[20];
		struct secret secrets[20];
		uint8_t packet[ONION_PACKET_LEN], ad[32];
		size_t cap = ONION_HOP_PAYLOADS_LEN / n - 3 - ONION_HMAC_LEN;

		rng_bytes(&rng, ad, sizeof(ad));
		for (size_t i = 0; i < n; i++) {
			keys[i] = rng_privkey(&rng);
			CHECK(pubkey_from_privkey(ctx, &hops[i].node_id, &keys[i]));
			hops[i].payload_len = 2 + rng_next(&rng) % (cap - 1);
			rng_bytes(&rng, payloads[i], hops[i].payload_len);
			hops[i].payload = payloads[i];
		}
		CHECK(onion_create(ctx, packet, secrets, &session, hops, n, ad,
				   sizeof(ad)));
		for (size_t i = 0; i < n; i++) {
			struct onion_peeled peeled;
			struct secret ss;

			CHECK_MSG(onion_process_with_key(ctx, &peeled, &ss, NULL,
							 packet, ad, sizeof(ad),
							 NULL, &keys[i]) == 0,
				  "hop %zu of %zu", i, n);
			CHECK(bytes_equal(peeled.payload, peeled.payload_len,
					  hops[i].payload, hops[i].payload_len));
			CHECK(peeled.is_final == (i == n - 1));
			CHECK_MEMEQ(ss.data, secrets[i].data, sizeof(ss.data));
			memcpy(packet, peeled.next_packet, sizeof(packet));
		}
	}
}

/* What onion_create() refuses, writing nothing. */
static void test_create_rejects_bad_routes(void)
{
	static uint8_t payload[ONION_MAX_PAYLOAD_LEN + 1];
	struct privkey session, zero;
	struct onion_hop hops[2];
	struct secret secrets[2], untouched;
	uint8_t packet[ONION_PACKET_LEN], before[ONION_PACKET_LEN];

	memset(session.secret.data, 0x33, 32);
	memset(&zero, 0, sizeof(zero));
	hops[0].node_id = pubkey_from_hex(ctx, "02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619");
	hops[1].node_id = pubkey_from_hex(ctx, "0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c");
	hops[0].payload = hops[1].payload = payload;
	memset(packet, 0x5a, sizeof(packet));
	memcpy(before, packet, sizeof(packet));
	memset(&untouched, 0x5a, sizeof(untouched));
	secrets[0] = secrets[1] = untouched;

	hops[0].payload_len = 600;
	hops[1].payload_len = 630;	/* 635 + 665 = 1300: fits exactly */
	CHECK(onion_create(ctx, packet, secrets, &session, hops, 2, NULL, 0));
	memcpy(packet, before, sizeof(packet));
	secrets[0] = secrets[1] = untouched;

	hops[1].payload_len = 631;
	CHECK(!onion_create(ctx, packet, secrets, &session, hops, 2, NULL, 0));
	hops[1].payload_len = 1;
	CHECK(!onion_create(ctx, packet, secrets, &session, hops, 2, NULL, 0));
	hops[0].payload_len = ONION_MAX_PAYLOAD_LEN + 1;
	CHECK(!onion_create(ctx, packet, secrets, &session, hops, 1, NULL, 0));
	hops[0].payload_len = 2;
	CHECK(!onion_create(ctx, packet, secrets, &session, hops, 0, NULL, 0));
	CHECK(!onion_create(ctx, packet, secrets, &zero, hops, 1, NULL, 0));
	CHECK_MEMEQ(packet, before, sizeof(packet));
	CHECK(memcmp(&secrets[0], &untouched, sizeof(untouched)) == 0);
	hops[0].payload_len = ONION_MAX_PAYLOAD_LEN;
	CHECK(onion_create(ctx, packet, secrets, &session, hops, 1, NULL, 0));
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

/* BOLT #4 "Failure Messages", definition by definition: the code from
 * its flags and number, our name for it, and the size of its data. */
static void test_failure_codes_match_spec(void)
{
	char *spec = spec_read("bolts", "04-onion-routing.md");
	const char *p = strstr(spec, "## Failure Messages");
	const char *end = p ? strstr(p, "### Requirements") : NULL;
	size_t count = 0;

	if (!end)
		test_bail_out("no Failure Messages section in BOLT #4");
	while ((p = strstr(p, "1. type: ")) && p < end) {
		uint16_t code = 0;
		size_t data_size = 0, name_len;
		const char *name, *line;
		char name_copy[64];
		struct onion_failure f;
		struct wirebuf *buf = wirebuf_new();

		for (p += strlen("1. type: "); *p != ' '; p += *p == '|') {
			size_t n = strcspn(p, "| ");

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
		name = strchr(p, '`') + 1;
		name_len = strcspn(name, "`");
		snprintf(name_copy, sizeof(name_copy), "%.*s", (int)name_len, name);
		CHECK_STREQ(onion_failure_name(code), name_copy);

		/* "2. data:" then "   * [`type`:`field`]" lines. */
		line = strchr(p, '\n') + 1;
		if (strncmp(line, "2. data:", 8) == 0) {
			for (line = strchr(line, '\n') + 1;
			     strncmp(line, "   * [`", 7) == 0;
			     line = strchr(line, '\n') + 1)
				data_size += spec_field_size(line + 7,
							     strcspn(line + 7, "`"));
		}
		onion_failure_init(&f, code);
		onion_failure_towire(buf, &f);
		CHECK_MSG(buf->len == 2 + data_size, "%s: %zu bytes, spec %zu",
			  name_copy, buf->len, 2 + data_size);
		wirebuf_free(buf);
		count++;
	}
	CHECK(count == 22);
	CHECK(onion_failure_name(0x1234) == NULL);
	CHECK_STREQ(onion_failure_name(ONION_FAILURE_INVALID_REALM), "invalid_realm");
	free(spec);
}

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
	RUN(test_vector_onion_create);
	RUN(test_vector_onion_process);
	RUN(test_vector_error_json);
	RUN(test_spec_error_trace);
	RUN(test_vector_blinded_payment_onion);
	RUN(test_tampered_onion_failure_codes);
	RUN(test_process_with_ecdh_callback);
	RUN(test_malformed_payload_length);
	RUN(test_random_routes_roundtrip);
	RUN(test_create_rejects_bad_routes);
	RUN(test_failure_codes_roundtrip_every_position);
	RUN(test_error_packet_edges);
	RUN(test_failure_codes_match_spec);
	RUN(test_hop_payload_roundtrip);
	RUN(test_hop_payload_keysend_and_custom_records);
	RUN(test_hop_payload_reader_rules);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
