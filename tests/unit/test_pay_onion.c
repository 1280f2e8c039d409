/* Tests for pay/onion, the Sphinx packet: the BOLT #4 vectors first (the
 * onion, built and peeled hop by hop, each hop's payload read; the blinded
 * payment onion), then our own: tampered packets get the right failure
 * code, the ECDH callback agrees with the key, a malformed payload length
 * under a good HMAC, random routes of 1..20 hops round-trip, and the routes
 * onion_create() refuses.  Failure messages and error packets are tested in
 * test_pay_onion_error.c, the hop payload reader in test_pay_hop_payload.c. */
#include "crypto/chacha20.h"
#include "crypto/hash.h"
#include "pay/hop_payload.h"
#include "pay/onion.h"
#include "pay/onion_error.h"
#include "tests/unit/keys.h"
#include "tests/unit/onion_helpers.h"
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
int main(void)
{
	ctx = keys_context_new();
	RUN(test_vector_onion_create);
	RUN(test_vector_onion_process);
	RUN(test_vector_blinded_payment_onion);
	RUN(test_tampered_onion_failure_codes);
	RUN(test_process_with_ecdh_callback);
	RUN(test_malformed_payload_length);
	RUN(test_random_routes_roundtrip);
	RUN(test_create_rejects_bad_routes);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
