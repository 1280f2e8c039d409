/* Fuzz target: what a peer can send before and after the BOLT 8 handshake:
 * act one and act three at a responder, act two at an initiator, and
 * encrypted frames at an established session. */
#include <string.h>

#include "common/hex.h"
#include "crypto/cryptomsg.h"
#include "crypto/handshake.h"
#include "crypto/secp.h"
#include "tests/fuzz/fuzz.h"

/* Acts and a frame from the BOLT 8 test vectors. */
const struct fuzz_seed fuzz_seeds[] = {
	{"00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a"},
	{"0002466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae"},
	{"00b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba"},
	{"cf2b30ddf0cf3f80e7c35a6e6730b59fe802473180f396d88a8fb0db8cbcf25d2f214cf9ea1d95"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

static secp256k1_context *ctx;

static void key_from_byte(struct privkey *key, uint8_t b)
{
	memset(key->secret.data, b, sizeof(key->secret.data));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct handshake hs;
	struct privkey ls, e;
	struct pubkey rs;
	struct crypto_state cs;
	struct secret sk, rk, ck;
	uint8_t act2[HANDSHAKE_ACT2_LEN], rs_bytes[PUBKEY_CMPR_LEN];
	uint8_t body[CRYPTOMSG_MAX_MSG_LEN + CRYPTOMSG_MAC_LEN];
	uint16_t len;

	if (!ctx)
		ctx = crypto_secp_context_new();

	/* Responder: act one, then (if it passed) act three from the rest. */
	key_from_byte(&ls, 0x21);
	key_from_byte(&e, 0x22);
	handshake_init_responder(ctx, &hs, &ls, &e);
	if (handshake_act1_read(ctx, &hs, data, size < 50 ? size : 50) == HANDSHAKE_OK
	    && handshake_act2_write(ctx, &hs, act2) == HANDSHAKE_OK && size > 50)
		handshake_act3_read(ctx, &hs, data + 50, size - 50);
	handshake_wipe(&hs);

	/* Initiator: act two. */
	key_from_byte(&ls, 0x11);
	key_from_byte(&e, 0x12);
	hex_decode(rs_bytes, sizeof(rs_bytes),
		   "028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7", 66);
	pubkey_parse(ctx, &rs, rs_bytes);
	handshake_init_initiator(ctx, &hs, &ls, &rs, &e);
	if (handshake_act1_write(ctx, &hs, act2) == HANDSHAKE_OK)
		handshake_act2_read(ctx, &hs, data, size);
	handshake_wipe(&hs);

	/* Established session: a frame header, then its body. */
	memset(&sk, 0x96, sizeof(sk));
	memset(&rk, 0x96, sizeof(rk));
	memset(&ck, 0x91, sizeof(ck));
	crypto_state_init(&cs, &sk, &rk, &ck);
	if (size >= CRYPTOMSG_HEADER_LEN && cryptomsg_decrypt_header(&cs, &len, data)) {
		size_t body_len = size - CRYPTOMSG_HEADER_LEN;
		if (body_len > sizeof(body))
			body_len = sizeof(body);
		cryptomsg_decrypt_body(&cs, body, data + CRYPTOMSG_HEADER_LEN, body_len);
	}
	crypto_state_wipe(&cs);
	return 0;
}
