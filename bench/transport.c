/* bench/transport: how fast is the BOLT #8 transport?
 *
 * Measures, in-process and single-threaded:
 *  (a) full three-act handshakes per second between an initiator and a
 *      responder, each with a fresh random ephemeral key (key generation
 *      included, as the daemon pays for it too);
 *  (b) 1 KiB message throughput through cryptomsg: encrypt on one side,
 *      decrypt header and body on the other;
 *  (c) the ceiling for (b): raw libsodium ChaCha20-Poly1305 IETF
 *      encryption of 1 KiB buffers.
 * Prints one JSON object per line.  Takes an optional argument: seconds
 * per measurement (default 1).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium/crypto_aead_chacha20poly1305.h>

#include "crypto/cryptomsg.h"
#include "crypto/handshake.h"
#include "crypto/secp.h"
#include "crypto/util.h"

#define MSG_LEN 1024

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_metric(const char *metric, double value, const char *unit)
{
	printf("{\"bench\":\"transport\",\"metric\":\"%s\",\"value\":%.1f,"
	       "\"unit\":\"%s\"}\n", metric, value, unit);
	fflush(stdout);
}

/* One full handshake; returns false (and says why) if it fails. */
static bool handshake_once(const secp256k1_context *ctx,
			   const struct privkey *init_static,
			   const struct privkey *resp_static,
			   const struct pubkey *resp_pub)
{
	struct privkey init_e, resp_e;
	struct handshake initiator, responder;
	struct crypto_state init_cs, resp_cs;
	struct pubkey remote;
	uint8_t act1[HANDSHAKE_ACT1_LEN], act2[HANDSHAKE_ACT2_LEN],
		act3[HANDSHAKE_ACT3_LEN];
	bool ok;

	privkey_generate(ctx, &init_e);
	privkey_generate(ctx, &resp_e);
	ok = handshake_init_initiator(ctx, &initiator, init_static, resp_pub,
				      &init_e) &&
	     handshake_init_responder(ctx, &responder, resp_static, &resp_e) &&
	     handshake_act1_write(ctx, &initiator, act1) == HANDSHAKE_OK &&
	     handshake_act1_read(ctx, &responder, act1, sizeof(act1)) ==
		     HANDSHAKE_OK &&
	     handshake_act2_write(ctx, &responder, act2) == HANDSHAKE_OK &&
	     handshake_act2_read(ctx, &initiator, act2, sizeof(act2)) ==
		     HANDSHAKE_OK &&
	     handshake_act3_write(ctx, &initiator, act3) == HANDSHAKE_OK &&
	     handshake_act3_read(ctx, &responder, act3, sizeof(act3)) ==
		     HANDSHAKE_OK &&
	     handshake_finish(&initiator, &init_cs, &remote) &&
	     handshake_finish(&responder, &resp_cs, &remote);
	if (!ok)
		fprintf(stderr, "handshake failed: %s%s\n",
			handshake_error_text(&initiator),
			handshake_error_text(&responder));
	handshake_wipe(&initiator);
	handshake_wipe(&responder);
	crypto_state_wipe(&init_cs);
	crypto_state_wipe(&resp_cs);
	CRYPTO_WIPE(&init_e);
	CRYPTO_WIPE(&resp_e);
	return ok;
}

static bool bench_handshakes(const secp256k1_context *ctx, double seconds)
{
	struct privkey init_static, resp_static;
	struct pubkey resp_pub;
	double start, elapsed;
	unsigned long count = 0;

	privkey_generate(ctx, &init_static);
	privkey_generate(ctx, &resp_static);
	if (!pubkey_from_privkey(ctx, &resp_pub, &resp_static))
		return false;

	start = now_seconds();
	do {
		/* Check the clock every 16 handshakes. */
		for (int i = 0; i < 16; i++, count++)
			if (!handshake_once(ctx, &init_static, &resp_static,
					    &resp_pub))
				return false;
		elapsed = now_seconds() - start;
	} while (elapsed < seconds);

	print_metric("handshakes_per_sec", (double)count / elapsed, "1/s");
	return true;
}

static bool bench_messages(double seconds)
{
	struct crypto_state sender, receiver;
	struct secret k1, k2, ck;
	uint8_t msg[MSG_LEN], back[MSG_LEN];
	uint8_t frame[CRYPTOMSG_HEADER_LEN + MSG_LEN + CRYPTOMSG_MAC_LEN];
	double start, elapsed;
	unsigned long count = 0;
	uint16_t len;

	crypto_random_bytes(&k1, sizeof(k1));
	crypto_random_bytes(&k2, sizeof(k2));
	crypto_random_bytes(&ck, sizeof(ck));
	crypto_random_bytes(msg, sizeof(msg));
	crypto_state_init(&sender, &k1, &k2, &ck);
	crypto_state_init(&receiver, &k2, &k1, &ck);

	start = now_seconds();
	do {
		for (int i = 0; i < 256; i++, count++) {
			if (!cryptomsg_encrypt(&sender, frame, msg, sizeof(msg)) ||
			    !cryptomsg_decrypt_header(&receiver, &len, frame) ||
			    len != MSG_LEN ||
			    !cryptomsg_decrypt_body(&receiver, back,
						    frame + CRYPTOMSG_HEADER_LEN,
						    (size_t)len + CRYPTOMSG_MAC_LEN)) {
				fprintf(stderr, "message %lu failed\n", count);
				return false;
			}
		}
		elapsed = now_seconds() - start;
	} while (elapsed < seconds);

	if (memcmp(back, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "message round trip corrupted data\n");
		return false;
	}
	print_metric("msg_1k_encrypt_decrypt_per_sec", (double)count / elapsed,
		     "1/s");
	print_metric("msg_1k_encrypt_decrypt_mb_per_sec",
		     (double)count * MSG_LEN / elapsed / 1e6, "MB/s");
	crypto_state_wipe(&sender);
	crypto_state_wipe(&receiver);
	return true;
}

static bool bench_raw_aead(double seconds)
{
	uint8_t key[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {0};
	uint8_t msg[MSG_LEN], out[MSG_LEN + crypto_aead_chacha20poly1305_ietf_ABYTES];
	unsigned long long out_len;
	double start, elapsed;
	unsigned long count = 0;

	crypto_random_bytes(key, sizeof(key));
	crypto_random_bytes(msg, sizeof(msg));
	start = now_seconds();
	do {
		for (int i = 0; i < 256; i++, count++) {
			nonce[4] = (uint8_t)count;
			crypto_aead_chacha20poly1305_ietf_encrypt(
				out, &out_len, msg, sizeof(msg), NULL, 0, NULL,
				nonce, key);
		}
		elapsed = now_seconds() - start;
	} while (elapsed < seconds);

	print_metric("raw_aead_1k_encrypt_per_sec", (double)count / elapsed,
		     "1/s");
	print_metric("raw_aead_1k_encrypt_mb_per_sec",
		     (double)count * MSG_LEN / elapsed / 1e6, "MB/s");
	return true;
}

int main(int argc, char *argv[])
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	secp256k1_context *ctx;
	bool ok;

	if (seconds <= 0) {
		fprintf(stderr, "usage: %s [seconds-per-measurement]\n", argv[0]);
		return 2;
	}
	ctx = crypto_secp_context_new();
	if (!ctx) {
		fprintf(stderr, "could not initialise libsodium/libsecp256k1\n");
		return 1;
	}
	ok = bench_handshakes(ctx, seconds) && bench_messages(seconds) &&
	     bench_raw_aead(seconds);
	crypto_secp_context_destroy(ctx);
	return ok ? 0 : 1;
}
