/* Tests for crypto/handshake and crypto/cryptomsg: every BOLT #8 test
 * vector (appendix A, via bolt08-transport.json) byte for byte, then the
 * failure behaviour the headers promise. */
#include "crypto/cryptomsg.h"
#include "crypto/handshake.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "tests/unit/keys.h"

static secp256k1_context *secp_ctx;
static json_t *vectors;

/* Runs one act of a vector on hs: produces and compares a "send" act, or
 * feeds a "receive" act.  Returns the step's result. */
static enum handshake_error run_act(struct handshake *hs, bool is_initiator,
				    const json_t *act)
{
	int number = (int)json_integer_value(json_object_get(act, "act"));
	bool is_send = strcmp(json_str(act, "direction"), "send") == 0;
	uint8_t out[HANDSHAKE_ACT3_LEN];
	enum handshake_error err = HANDSHAKE_WRONG_STATE;
	size_t len;
	uint8_t *in = hex_to_bytes(json_str(act, "hex"), &len);

	/* Who sends which act is fixed by the protocol. */
	CHECK(is_send == (is_initiator == (number != 2)));
	if (is_send) {
		switch (number) {
		case 1:
			err = handshake_act1_write(secp_ctx, hs, out);
			break;
		case 2:
			err = handshake_act2_write(secp_ctx, hs, out);
			break;
		case 3:
			err = handshake_act3_write(secp_ctx, hs, out);
			break;
		}
		CHECK(err != HANDSHAKE_OK || bytes_are(out, len, json_str(act, "hex")));
	} else {
		switch (number) {
		case 1:
			err = handshake_act1_read(secp_ctx, hs, in, len);
			break;
		case 2:
			err = handshake_act2_read(secp_ctx, hs, in, len);
			break;
		case 3:
			err = handshake_act3_read(secp_ctx, hs, in, len);
			break;
		}
	}
	free(in);
	return err;
}

/* Runs one initiator or responder vector from start to finish. */
static void run_handshake_vector(const json_t *test, const char *message_ck)
{
	bool is_initiator = strcmp(json_str(test, "role"), "initiator") == 0;
	const json_t *keys = json_object_get(test, "keys");
	const json_t *result = json_object_get(test, "result");
	const json_t *acts = json_object_get(test, "acts");
	bool expect_ok = json_is_true(json_object_get(result, "ok"));
	struct privkey ls = privkey_from_hex(json_str(keys, "ls_priv"));
	struct privkey e = privkey_from_hex(json_str(keys, "e_priv"));
	enum handshake_error err = HANDSHAKE_OK;
	int failed_at = 0;
	struct handshake hs;
	struct crypto_state cs;
	struct pubkey pub, remote_static, expected_remote;
	size_t i;
	const json_t *act;

	CHECK(pubkey_from_privkey(secp_ctx, &pub, &ls));
	CHECK(pubkey_is(secp_ctx, &pub, json_str(keys, "ls_pub")));
	CHECK(pubkey_from_privkey(secp_ctx, &pub, &e));
	CHECK(pubkey_is(secp_ctx, &pub, json_str(keys, "e_pub")));

	if (is_initiator) {
		expected_remote = pubkey_from_hex(secp_ctx,
						  json_str(keys, "rs_pub"));
		CHECK(handshake_init_initiator(secp_ctx, &hs, &ls,
					       &expected_remote, &e));
	} else {
		/* The initiator of the responder vectors is the initiator
		 * of the initiator vectors: static key 0x11...11. */
		expected_remote = pubkey_from_hex(secp_ctx, "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa");
		CHECK(handshake_init_responder(secp_ctx, &hs, &ls, &e));
	}

	json_array_foreach(acts, i, act) {
		err = run_act(&hs, is_initiator, act);
		if (err != HANDSHAKE_OK) {
			failed_at = (int)json_integer_value(json_object_get(act, "act"));
			break;
		}
	}

	if (expect_ok) {
		CHECK_MSG(err == HANDSHAKE_OK, "%s", handshake_error_text(&hs));
		CHECK(hs.state == HANDSHAKE_COMPLETE);
		CHECK(handshake_finish(&hs, &cs, &remote_static));
		CHECK(bytes_are(cs.sk.data, 32, json_str(result, "sk")));
		CHECK(bytes_are(cs.rk.data, 32, json_str(result, "rk")));
		CHECK(bytes_are(cs.sck.data, 32, message_ck));
		CHECK(bytes_are(cs.rck.data, 32, message_ck));
		CHECK(cs.sn == 0 && cs.rn == 0);
		CHECK(pubkey_eq(secp_ctx, &remote_static, &expected_remote));
		/* finish wipes the handshake. */
		CHECK(hs.state == HANDSHAKE_UNINITIALIZED);
		crypto_state_wipe(&cs);
	} else {
		const char *want_text = json_str(result, "error_text");

		CHECK_STREQ(handshake_error_name(err), json_str(result, "error"));
		CHECK(failed_at == json_integer_value(json_object_get(result, "at_act")));
		/* The vector's text is our text's prefix, then the words. */
		CHECK_MSG(strncmp(handshake_error_text(&hs), want_text,
				  strlen(want_text)) == 0,
			  "\"%s\" does not start with \"%s\"",
			  handshake_error_text(&hs), want_text);
		CHECK(strlen(handshake_error_text(&hs)) > strlen(want_text) + 10);
		printf("#   %s\n", handshake_error_text(&hs));
		CHECK(hs.state == HANDSHAKE_FAILED);
		CHECK(hs.error == err);
		CHECK(!handshake_finish(&hs, &cs, &remote_static));
	}
	handshake_wipe(&hs);
}

static const char *message_test_ck(void)
{
	const json_t *msg = json_array_get(json_object_get(vectors, "message_tests"), 0);

	return json_str(msg, "ck");
}

/* Each handshake vector is its own TAP case, named as in the spec. */
static void run_handshake_vectors(const char *group, size_t expected_count)
{
	const json_t *tests = json_object_get(vectors, group);
	const json_t *test;
	size_t i;

	if (json_array_size(tests) != expected_count)
		test_bail_out("%s has %zu vectors, expected %zu", group,
			      json_array_size(tests), expected_count);
	json_array_foreach(tests, i, test) {
		test_case_failed = false;
		run_handshake_vector(test, message_test_ck());
		test_count++;
		if (test_case_failed)
			test_failures++;
		printf("%s %d - %s\n", test_case_failed ? "not ok" : "ok",
		       test_count, json_str(test, "name"));
	}
}

static void test_handshake_rejects_steps_out_of_order(void)
{
	struct privkey ls = privkey_from_hex("1111111111111111111111111111111111111111111111111111111111111111");
	struct privkey e = privkey_from_hex("1212121212121212121212121212121212121212121212121212121212121212");
	struct pubkey rs = pubkey_from_hex(secp_ctx, "028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7");
	struct privkey zero = privkey_from_hex("0000000000000000000000000000000000000000000000000000000000000000");
	uint8_t act[HANDSHAKE_ACT3_LEN];
	struct handshake hs;
	struct crypto_state cs;
	struct pubkey remote;

	/* Invalid keys are refused at init. */
	CHECK(!handshake_init_initiator(secp_ctx, &hs, &zero, &rs, &e));
	CHECK(hs.state == HANDSHAKE_UNINITIALIZED);
	CHECK(!handshake_init_responder(secp_ctx, &hs, &ls, &zero));

	CHECK(handshake_init_initiator(secp_ctx, &hs, &ls, &rs, &e));
	CHECK(handshake_act2_read(secp_ctx, &hs, act, 50) == HANDSHAKE_WRONG_STATE);
	CHECK(handshake_act3_write(secp_ctx, &hs, act) == HANDSHAKE_WRONG_STATE);
	CHECK(handshake_act1_read(secp_ctx, &hs, act, 50) == HANDSHAKE_WRONG_STATE);
	CHECK(!handshake_finish(&hs, &cs, &remote));
	/* None of that disturbed it: act one still matches the vector. */
	CHECK(hs.state == HANDSHAKE_INITIATOR_ACT1);
	CHECK(handshake_act1_write(secp_ctx, &hs, act) == HANDSHAKE_OK);
	CHECK(bytes_are(act, HANDSHAKE_ACT1_LEN, "00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a"));
	CHECK(handshake_act1_write(secp_ctx, &hs, act) == HANDSHAKE_WRONG_STATE);
	CHECK_STREQ(handshake_error_text(&hs), "");
	CHECK_STREQ(handshake_error_name(HANDSHAKE_WRONG_STATE), "WRONG_STATE");
	handshake_wipe(&hs);
	CHECK(hs.state == HANDSHAKE_UNINITIALIZED);
	CHECK(handshake_act1_write(secp_ctx, &hs, act) == HANDSHAKE_WRONG_STATE);
}

/* A failed handshake keeps its reason but has no secrets left, and
 * refuses to go on. */
static void test_handshake_failure_wipes_secrets(void)
{
	struct privkey ls = privkey_from_hex("2121212121212121212121212121212121212121212121212121212121212121");
	struct privkey e = privkey_from_hex("2222222222222222222222222222222222222222222222222222222222222222");
	uint8_t act1[HANDSHAKE_ACT1_LEN], act2[HANDSHAKE_ACT2_LEN];
	struct handshake hs;
	uint8_t zero[sizeof(struct privkey)] = {0};

	hex_to_array(act1, sizeof(act1), "00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6b");
	CHECK(handshake_init_responder(secp_ctx, &hs, &ls, &e));
	CHECK(handshake_act1_read(secp_ctx, &hs, act1, sizeof(act1)) == HANDSHAKE_ACT1_BAD_TAG);
	CHECK_MEMEQ(&hs.local_static, zero, sizeof(zero));
	CHECK_MEMEQ(&hs.ephemeral, zero, sizeof(zero));
	CHECK_MEMEQ(&hs.ck, zero, sizeof(zero));
	CHECK_MEMEQ(&hs.temp_k, zero, sizeof(zero));
	CHECK(handshake_act2_write(secp_ctx, &hs, act2) == HANDSHAKE_WRONG_STATE);
	CHECK(handshake_act1_read(secp_ctx, &hs, act1, sizeof(act1)) == HANDSHAKE_WRONG_STATE);
	/* Still the original reason. */
	CHECK(hs.error == HANDSHAKE_ACT1_BAD_TAG);
	CHECK(strncmp(handshake_error_text(&hs), "ACT1_BAD_TAG: ", 14) == 0);

	/* Too long is as wrong as too short. */
	CHECK(handshake_init_responder(secp_ctx, &hs, &ls, &e));
	CHECK(handshake_act1_read(secp_ctx, &hs, act1, 51) == HANDSHAKE_ACT1_READ_FAILED);
	handshake_wipe(&hs);
}

/* Two endpoints with random keys agree on mirrored keys and each learns
 * the other's identity. */
static void test_handshake_random_keys_roundtrip(void)
{
	struct privkey init_static, resp_static, init_e, resp_e;
	struct pubkey init_pub, resp_pub, learned_by_init, learned_by_resp;
	struct handshake initiator, responder;
	struct crypto_state init_cs, resp_cs;
	uint8_t act1[HANDSHAKE_ACT1_LEN], act2[HANDSHAKE_ACT2_LEN],
		act3[HANDSHAKE_ACT3_LEN];

	privkey_generate(secp_ctx, &init_static);
	privkey_generate(secp_ctx, &resp_static);
	privkey_generate(secp_ctx, &init_e);
	privkey_generate(secp_ctx, &resp_e);
	CHECK(pubkey_from_privkey(secp_ctx, &init_pub, &init_static));
	CHECK(pubkey_from_privkey(secp_ctx, &resp_pub, &resp_static));

	CHECK(handshake_init_initiator(secp_ctx, &initiator, &init_static,
				       &resp_pub, &init_e));
	CHECK(handshake_init_responder(secp_ctx, &responder, &resp_static,
				       &resp_e));
	CHECK(handshake_act1_write(secp_ctx, &initiator, act1) == HANDSHAKE_OK);
	CHECK(handshake_act1_read(secp_ctx, &responder, act1, sizeof(act1)) == HANDSHAKE_OK);
	CHECK(handshake_act2_write(secp_ctx, &responder, act2) == HANDSHAKE_OK);
	CHECK(handshake_act2_read(secp_ctx, &initiator, act2, sizeof(act2)) == HANDSHAKE_OK);
	CHECK(handshake_act3_write(secp_ctx, &initiator, act3) == HANDSHAKE_OK);
	CHECK(handshake_act3_read(secp_ctx, &responder, act3, sizeof(act3)) == HANDSHAKE_OK);
	CHECK(handshake_finish(&initiator, &init_cs, &learned_by_init));
	CHECK(handshake_finish(&responder, &resp_cs, &learned_by_resp));

	CHECK(pubkey_eq(secp_ctx, &learned_by_init, &resp_pub));
	CHECK(pubkey_eq(secp_ctx, &learned_by_resp, &init_pub));
	CHECK_MEMEQ(&init_cs.sk, &resp_cs.rk, sizeof(struct secret));
	CHECK_MEMEQ(&init_cs.rk, &resp_cs.sk, sizeof(struct secret));
	CHECK_MEMEQ(&init_cs.sck, &resp_cs.rck, sizeof(struct secret));

	/* An initiator that has the wrong key for the responder fails act
	 * one's MAC on the responder's side. */
	CHECK(handshake_init_initiator(secp_ctx, &initiator, &init_static,
				       &init_pub, &init_e));
	CHECK(handshake_init_responder(secp_ctx, &responder, &resp_static,
				       &resp_e));
	CHECK(handshake_act1_write(secp_ctx, &initiator, act1) == HANDSHAKE_OK);
	CHECK(handshake_act1_read(secp_ctx, &responder, act1, sizeof(act1)) == HANDSHAKE_ACT1_BAD_TAG);
	handshake_wipe(&initiator);
	handshake_wipe(&responder);
	crypto_state_wipe(&init_cs);
	crypto_state_wipe(&resp_cs);
}

/* Decrypts one frame on the receiving side, header then body, as a
 * socket reader would. */
static bool receive_frame(struct crypto_state *cs, const uint8_t *frame,
			  size_t frame_len, uint8_t *msg, uint16_t *msg_len)
{
	if (frame_len < CRYPTOMSG_HEADER_LEN + CRYPTOMSG_MAC_LEN)
		return false;
	if (!cryptomsg_decrypt_header(cs, msg_len, frame))
		return false;
	if (cryptomsg_frame_len(*msg_len) != frame_len)
		return false;
	return cryptomsg_decrypt_body(cs, msg, frame + CRYPTOMSG_HEADER_LEN,
				      *msg_len + CRYPTOMSG_MAC_LEN);
}

/* BOLT #8 message encryption tests: "hello" 1002 times, outputs at 0, 1,
 * 500, 501, 1000 and 1001, both key rotations; and the responder decrypts
 * every frame. */
static void test_cryptomsg_vectors(void)
{
	const json_t *test = json_array_get(json_object_get(vectors, "message_tests"), 0);
	const json_t *outputs = json_object_get(test, "outputs");
	const json_t *rotations = json_object_get(test, "key_rotations");
	struct secret sk, rk, ck;
	struct crypto_state sender, receiver;
	uint8_t plain[5], frame[CRYPTOMSG_HEADER_LEN + 5 + CRYPTOMSG_MAC_LEN];
	uint8_t got[5];
	uint16_t got_len;
	size_t matched = 0, rotations_checked = 0;

	hex_to_array(sk.data, 32, json_str(test, "sk"));
	hex_to_array(rk.data, 32, json_str(test, "rk"));
	hex_to_array(ck.data, 32, json_str(test, "ck"));
	hex_to_array(plain, sizeof(plain), json_str(test, "plaintext_hex"));
	CHECK(json_object_size(outputs) == 6);
	CHECK(json_array_size(rotations) == 2);

	crypto_state_init(&sender, &sk, &rk, &ck);
	/* The responder's view: its rk is the initiator's sk. */
	crypto_state_init(&receiver, &rk, &sk, &ck);

	for (int i = 0; i <= 1001; i++) {
		char key[8];
		const json_t *want;

		CHECK(cryptomsg_frame_len(sizeof(plain)) == sizeof(frame));
		CHECK(cryptomsg_encrypt(&sender, frame, plain, sizeof(plain)));
		snprintf(key, sizeof(key), "%d", i);
		want = json_object_get(outputs, key);
		if (want) {
			CHECK_MSG(bytes_are(frame, sizeof(frame),
					    json_string_value(want)),
				  "message %d", i);
			matched++;
		}

		/* Message 499 used nonces 998 and 999: sk rotated once;
		 * message 999 used 998 and 999 of the second key. */
		if (i == 499 || i == 999) {
			const json_t *rot = json_array_get(rotations,
							   i == 499 ? 0 : 1);

			CHECK(sender.sn == 0);
			CHECK(bytes_are(sender.sk.data, 32, json_str(rot, "new_k")));
			CHECK(bytes_are(sender.sck.data, 32, json_str(rot, "new_ck")));
			rotations_checked++;
		} else {
			CHECK(sender.sn == (uint64_t)(2 * (i + 1) % 1000));
		}

		memset(got, 0, sizeof(got));
		CHECK_MSG(receive_frame(&receiver, frame, sizeof(frame), got,
					&got_len),
			  "receiving message %d", i);
		CHECK(got_len == sizeof(plain));
		CHECK_MEMEQ(got, plain, sizeof(plain));
	}
	CHECK(matched == 6);
	CHECK(rotations_checked == 2);
	/* Both sides rotated in step. */
	CHECK_MEMEQ(&receiver.rk, &sender.sk, sizeof(struct secret));
	CHECK_MEMEQ(&receiver.rck, &sender.sck, sizeof(struct secret));
	CHECK(receiver.rn == sender.sn);
	crypto_state_wipe(&sender);
	crypto_state_wipe(&receiver);
}

static void make_session(struct crypto_state *a, struct crypto_state *b)
{
	struct secret k1, k2, ck;

	crypto_random_bytes(&k1, sizeof(k1));
	crypto_random_bytes(&k2, sizeof(k2));
	crypto_random_bytes(&ck, sizeof(ck));
	crypto_state_init(a, &k1, &k2, &ck);
	crypto_state_init(b, &k2, &k1, &ck);
}

static void test_cryptomsg_rejects_tampered_frames(void)
{
	struct crypto_state a, b, b_saved;
	const char *msg = "\x00\x10 tamper with me";
	size_t msg_len = 17;
	uint8_t frame[CRYPTOMSG_HEADER_LEN + 17 + CRYPTOMSG_MAC_LEN];
	uint8_t out[17];
	uint16_t len;

	make_session(&a, &b);
	CHECK(cryptomsg_encrypt(&a, frame, (const uint8_t *)msg, msg_len));

	/* A flipped bit in the body's MAC: the header still decrypts, the
	 * body does not, and nothing unauthenticated comes out. */
	b_saved = b;
	frame[sizeof(frame) - 1] ^= 0x01;
	CHECK(cryptomsg_decrypt_header(&b, &len, frame));
	CHECK(len == msg_len);
	memset(out, 0xee, sizeof(out));
	CHECK(!cryptomsg_decrypt_body(&b, out, frame + CRYPTOMSG_HEADER_LEN,
				      len + CRYPTOMSG_MAC_LEN));
	for (size_t i = 0; i < sizeof(out); i++)
		CHECK(out[i] == 0);
	frame[sizeof(frame) - 1] ^= 0x01;

	/* A flipped bit in the body itself. */
	b = b_saved;
	frame[CRYPTOMSG_HEADER_LEN + 3] ^= 0x40;
	CHECK(cryptomsg_decrypt_header(&b, &len, frame));
	CHECK(!cryptomsg_decrypt_body(&b, out, frame + CRYPTOMSG_HEADER_LEN,
				      len + CRYPTOMSG_MAC_LEN));
	frame[CRYPTOMSG_HEADER_LEN + 3] ^= 0x40;

	/* A flipped bit in the encrypted length. */
	b = b_saved;
	frame[1] ^= 0x01;
	CHECK(!cryptomsg_decrypt_header(&b, &len, frame));
	frame[1] ^= 0x01;

	/* A body shorter than its MAC. */
	b = b_saved;
	CHECK(cryptomsg_decrypt_header(&b, &len, frame));
	CHECK(!cryptomsg_decrypt_body(&b, out, frame + CRYPTOMSG_HEADER_LEN, 15));

	/* Untampered, it decrypts. */
	b = b_saved;
	CHECK(cryptomsg_decrypt_header(&b, &len, frame));
	CHECK(cryptomsg_decrypt_body(&b, out, frame + CRYPTOMSG_HEADER_LEN,
				     len + CRYPTOMSG_MAC_LEN));
	CHECK_MEMEQ(out, msg, msg_len);

	/* Replaying it fails: the nonce has moved on. */
	CHECK(!cryptomsg_decrypt_header(&b, &len, frame));
	crypto_state_wipe(&a);
	crypto_state_wipe(&b);
	crypto_state_wipe(&b_saved);
}

static void test_cryptomsg_length_limits(void)
{
	struct crypto_state a, b, a_saved;
	uint8_t *msg = malloc(CRYPTOMSG_MAX_MSG_LEN + 1);
	uint8_t *frame = malloc(cryptomsg_frame_len(CRYPTOMSG_MAX_MSG_LEN + 1));
	uint8_t *back = malloc(CRYPTOMSG_MAX_MSG_LEN);
	uint16_t len;

	make_session(&a, &b);
	for (size_t i = 0; i <= CRYPTOMSG_MAX_MSG_LEN; i++)
		msg[i] = (uint8_t)(i * 31);

	/* One byte over the maximum is refused, and changes nothing. */
	a_saved = a;
	memset(frame, 0xaa, cryptomsg_frame_len(CRYPTOMSG_MAX_MSG_LEN + 1));
	CHECK(!cryptomsg_encrypt(&a, frame, msg, CRYPTOMSG_MAX_MSG_LEN + 1));
	CHECK(!cryptomsg_encrypt(&a, frame, msg, 1000000));
	CHECK_MEMEQ(&a, &a_saved, sizeof(a));
	CHECK(frame[0] == 0xaa && frame[CRYPTOMSG_HEADER_LEN] == 0xaa);

	/* Exactly the maximum goes through. */
	CHECK(cryptomsg_encrypt(&a, frame, msg, CRYPTOMSG_MAX_MSG_LEN));
	CHECK(cryptomsg_decrypt_header(&b, &len, frame));
	CHECK(len == CRYPTOMSG_MAX_MSG_LEN);
	CHECK(cryptomsg_decrypt_body(&b, back, frame + CRYPTOMSG_HEADER_LEN,
				     (size_t)len + CRYPTOMSG_MAC_LEN));
	CHECK_MEMEQ(back, msg, CRYPTOMSG_MAX_MSG_LEN);
	CHECK(cryptomsg_frame_len(CRYPTOMSG_MAX_MSG_LEN) == CRYPTOMSG_MAX_FRAME_LEN);
	CHECK(CRYPTOMSG_MAX_FRAME_LEN == 65569);

	/* Decrypting the body in place works too (the daemon does it). */
	CHECK(cryptomsg_encrypt(&a, frame, msg, CRYPTOMSG_MAX_MSG_LEN));
	CHECK(cryptomsg_decrypt_header(&b, &len, frame));
	CHECK(cryptomsg_decrypt_body(&b, frame + CRYPTOMSG_HEADER_LEN,
				     frame + CRYPTOMSG_HEADER_LEN,
				     (size_t)len + CRYPTOMSG_MAC_LEN));
	CHECK_MEMEQ(frame + CRYPTOMSG_HEADER_LEN, msg, CRYPTOMSG_MAX_MSG_LEN);

	/* So does an empty one. */
	CHECK(cryptomsg_encrypt(&a, frame, msg, 0));
	CHECK(cryptomsg_decrypt_header(&b, &len, frame));
	CHECK(len == 0);
	CHECK(cryptomsg_decrypt_body(&b, back, frame + CRYPTOMSG_HEADER_LEN,
				     CRYPTOMSG_MAC_LEN));

	crypto_state_wipe(&a);
	crypto_state_wipe(&b);
	crypto_state_wipe(&a_saved);
	free(msg);
	free(frame);
	free(back);
}

int main(void)
{
	secp_ctx = keys_context_new();
	vectors = vectors_load("bolt08-transport.json");

	run_handshake_vectors("initiator_tests", 5);
	run_handshake_vectors("responder_tests", 10);
	RUN(test_handshake_rejects_steps_out_of_order);
	RUN(test_handshake_failure_wipes_secrets);
	RUN(test_handshake_random_keys_roundtrip);
	RUN(test_cryptomsg_vectors);
	RUN(test_cryptomsg_rejects_tampered_frames);
	RUN(test_cryptomsg_length_limits);

	json_decref(vectors);
	crypto_secp_context_destroy(secp_ctx);
	return test_done();
}
