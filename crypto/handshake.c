/* The BOLT #8 Noise_XK handshake.
 *
 * Invariants: h and ck are exactly the spec's `h` and `ck` after each
 * completed step; temp_k holds the newest of temp_k1/temp_k2/temp_k3; every
 * key stored in hs was validated when it entered (so ECDH cannot fail).
 * On any failure everything secret is wiped before returning.
 */
#include "crypto/handshake.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"

/* BOLT #8:
 * Each message sent during the initial handshake starts with a single
 * leading byte, which indicates the version used for the current handshake.
 */
#define HANDSHAKE_VERSION 0

/* Acts one and two share their layout and code. */
_Static_assert(HANDSHAKE_ACT1_LEN == HANDSHAKE_ACT2_LEN,
	       "acts one and two have the same size");

static const char protocol_name[] = "Noise_XK_secp256k1_ChaChaPoly_SHA256";
static const char prologue[] = "lightning";

/* h = SHA-256(h || data) */
static void mix_hash(struct handshake *hs, const void *data, size_t len)
{
	struct sha256_ctx sctx;

	sha256_init(&sctx);
	sha256_update(&sctx, hs->h.u8, sizeof(hs->h.u8));
	sha256_update(&sctx, data, len);
	sha256_final(&hs->h, &sctx);
}

/* ss = ECDH(scalar, point); ck, temp_k = HKDF(ck, ss) */
static void mix_key(const secp256k1_context *ctx, struct handshake *hs,
		    const struct pubkey *point, const struct privkey *scalar)
{
	struct secret ss;
	bool ok = ecdh_shared_secret(ctx, &ss, point, scalar);

	/* scalar was checked by handshake_init_*. */
	assert(ok);
	(void)ok;
	hkdf_two_keys(&hs->ck, &hs->temp_k, &hs->ck, ss.data, sizeof(ss.data));
	CRYPTO_WIPE(&ss);
}

/* Records a failure: wipes all secrets, keeps the reason. */
static enum handshake_error handshake_fail(struct handshake *hs,
					   enum handshake_error err,
					   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum handshake_error handshake_fail(struct handshake *hs,
					   enum handshake_error err,
					   const char *fmt, ...)
{
	va_list ap;
	int n;

	handshake_wipe(hs);
	hs->state = HANDSHAKE_FAILED;
	hs->error = err;
	n = snprintf(hs->error_text, sizeof(hs->error_text), "%s",
		     handshake_error_name(err));
	va_start(ap, fmt);
	vsnprintf(hs->error_text + n, sizeof(hs->error_text) - (size_t)n, fmt,
		  ap);
	va_end(ap);
	return err;
}

/* BOLT #8:
 * Before the start of Act One, both sides initialize their per-sessions
 * state as follows:
 *
 *  1. `h = SHA-256(protocolName)`
 *     * where `protocolName = "Noise_XK_secp256k1_ChaChaPoly_SHA256"`
 *       encoded as an ASCII string
 *
 *  2. `ck = h`
 *
 *  3. `h = SHA-256(h || prologue)`
 *     * where `prologue` is the ASCII string: `lightning`
 *
 * As a concluding step, both sides mix the responder's public key into the
 * handshake digest:
 */
static bool handshake_start(const secp256k1_context *ctx,
			    struct handshake *hs,
			    const struct privkey *local_static,
			    const struct privkey *ephemeral, bool is_initiator)
{
	memset(hs, 0, sizeof(*hs));
	if (!pubkey_from_privkey(ctx, &hs->local_static_pub, local_static) ||
	    !pubkey_from_privkey(ctx, &hs->ephemeral_pub, ephemeral)) {
		handshake_wipe(hs);
		return false;
	}
	hs->local_static = *local_static;
	hs->ephemeral = *ephemeral;
	hs->is_initiator = is_initiator;

	sha256(&hs->h, protocol_name, strlen(protocol_name));
	memcpy(hs->ck.data, hs->h.u8, sizeof(hs->ck.data));
	mix_hash(hs, prologue, strlen(prologue));
	return true;
}

static void mix_hash_pubkey(const secp256k1_context *ctx, struct handshake *hs,
			    const struct pubkey *key)
{
	uint8_t compressed[PUBKEY_CMPR_LEN];

	pubkey_serialize(ctx, compressed, key);
	mix_hash(hs, compressed, sizeof(compressed));
}

bool handshake_init_initiator(const secp256k1_context *ctx,
			      struct handshake *hs,
			      const struct privkey *local_static,
			      const struct pubkey *remote_static,
			      const struct privkey *ephemeral)
{
	if (!handshake_start(ctx, hs, local_static, ephemeral, true))
		return false;
	hs->remote_static = *remote_static;
	/* BOLT #8:
	 *  * The initiating node mixes in the responding node's static public
	 *    key serialized in Bitcoin's compressed format:
	 *    * `h = SHA-256(h || rs.pub.serializeCompressed())`
	 */
	mix_hash_pubkey(ctx, hs, remote_static);
	hs->state = HANDSHAKE_INITIATOR_ACT1;
	return true;
}

bool handshake_init_responder(const secp256k1_context *ctx,
			      struct handshake *hs,
			      const struct privkey *local_static,
			      const struct privkey *ephemeral)
{
	if (!handshake_start(ctx, hs, local_static, ephemeral, false))
		return false;
	/* BOLT #8:
	 *  * The responding node mixes in their local static public key
	 *    serialized in Bitcoin's compressed format:
	 *    * `h = SHA-256(h || ls.pub.serializeCompressed())`
	 */
	mix_hash_pubkey(ctx, hs, &hs->local_static_pub);
	hs->state = HANDSHAKE_RESPONDER_ACT1;
	return true;
}

/* Acts one and two have the same shape and sender actions:
 *   e.pub into h; ck, temp_k = HKDF(ck, ECDH(e.priv, remote));
 *   c = encryptWithAD(temp_k, 0, h, zero); c into h;
 *   send 0 || e.pub || c
 * where remote is rs for act one and re for act two. */
static void ephemeral_act_write(const secp256k1_context *ctx,
				struct handshake *hs,
				const struct pubkey *remote,
				uint8_t out[HANDSHAKE_ACT1_LEN])
{
	uint8_t *epub = out + 1, *c = out + 1 + PUBKEY_CMPR_LEN;

	out[0] = HANDSHAKE_VERSION;
	pubkey_serialize(ctx, epub, &hs->ephemeral_pub);
	mix_hash(hs, epub, PUBKEY_CMPR_LEN);
	mix_key(ctx, hs, remote, &hs->ephemeral);
	aead_encrypt(c, &hs->temp_k, 0, hs->h.u8, sizeof(hs->h.u8), NULL, 0);
	mix_hash(hs, c, AEAD_MAC_LEN);
}

enum handshake_error handshake_act1_write(const secp256k1_context *ctx,
					  struct handshake *hs,
					  uint8_t out[HANDSHAKE_ACT1_LEN])
{
	if (hs->state != HANDSHAKE_INITIATOR_ACT1)
		return HANDSHAKE_WRONG_STATE;
	/* BOLT #8:
	 * 3. `es = ECDH(e.priv, rs)`
	 *      * The initiator performs an ECDH between its newly generated
	 *        ephemeral key and the remote node's static public key.
	 */
	ephemeral_act_write(ctx, hs, &hs->remote_static, out);
	hs->state = HANDSHAKE_INITIATOR_ACT2;
	return HANDSHAKE_OK;
}

enum handshake_error handshake_act2_write(const secp256k1_context *ctx,
					  struct handshake *hs,
					  uint8_t out[HANDSHAKE_ACT2_LEN])
{
	if (hs->state != HANDSHAKE_RESPONDER_ACT2)
		return HANDSHAKE_WRONG_STATE;
	/* BOLT #8:
	 * 3. `ee = ECDH(e.priv, re)`
	 *      * where `re` is the ephemeral key of the initiator, which was
	 *        received during Act One
	 */
	ephemeral_act_write(ctx, hs, &hs->remote_ephemeral, out);
	hs->state = HANDSHAKE_RESPONDER_ACT3;
	return HANDSHAKE_OK;
}

/* How ephemeral_act_read() reports failures for act one and act two. */
struct ephemeral_act {
	const char *name;
	enum handshake_error read_failed, bad_version, bad_pubkey, bad_tag;
	const char *bad_tag_meaning;
};

static const struct ephemeral_act act_one = {
	"act one",
	HANDSHAKE_ACT1_READ_FAILED, HANDSHAKE_ACT1_BAD_VERSION,
	HANDSHAKE_ACT1_BAD_PUBKEY, HANDSHAKE_ACT1_BAD_TAG,
	" (the initiator does not know our node key)",
};

static const struct ephemeral_act act_two = {
	"act two",
	HANDSHAKE_ACT2_READ_FAILED, HANDSHAKE_ACT2_BAD_VERSION,
	HANDSHAKE_ACT2_BAD_PUBKEY, HANDSHAKE_ACT2_BAD_TAG,
	"",
};

/* The receiver side of acts one and two:
 *   read exactly 50 bytes; check v; parse re; re into h;
 *   ck, temp_k = HKDF(ck, ECDH(local, re)); decryptWithAD(temp_k, 0, h, c);
 *   c into h. */
static enum handshake_error ephemeral_act_read(const secp256k1_context *ctx,
					       struct handshake *hs,
					       const struct ephemeral_act *act,
					       const struct privkey *local,
					       const uint8_t *in, size_t len)
{
	const uint8_t *re = in + 1, *c = in + 1 + PUBKEY_CMPR_LEN;

	/* BOLT #8:
	 * 1. Read _exactly_ 50 bytes from the network buffer.
	 */
	if (len != HANDSHAKE_ACT1_LEN)
		return handshake_fail(hs, act->read_failed,
				      ": %s must be %d bytes, got %zu",
				      act->name, HANDSHAKE_ACT1_LEN, len);

	/* BOLT #8:
	 * 3. If `v` is an unrecognized handshake version, then the responder
	 *     MUST abort the connection attempt.
	 */
	if (in[0] != HANDSHAKE_VERSION)
		return handshake_fail(hs, act->bad_version,
				      " %u: %s has handshake version %u;"
				      " only version 0 is known",
				      in[0], act->name, in[0]);

	/* BOLT #8:
	 *     * The raw bytes of the remote party's ephemeral public key
	 *       (`re`) are to be deserialized into a point on the curve using
	 *       affine coordinates as encoded by the key's serialized composed
	 *       format.
	 */
	if (!pubkey_parse(ctx, &hs->remote_ephemeral, re))
		return handshake_fail(hs, act->bad_pubkey,
				      ": %s ephemeral key is not a valid"
				      " compressed secp256k1 point",
				      act->name);

	/* A parsed compressed key serializes back to the same bytes. */
	mix_hash(hs, re, PUBKEY_CMPR_LEN);
	mix_key(ctx, hs, &hs->remote_ephemeral, local);

	/* BOLT #8 (act one):
	 *     * If the MAC check in this operation fails, then the initiator
	 *       does _not_ know the responder's static public key. If this is
	 *       the case, then the responder MUST terminate the connection
	 *       without any further messages.
	 */
	/* BOLT #8 (act two):
	 *     * If the MAC check in this operation fails, then the initiator
	 *       MUST terminate the connection without any further messages.
	 */
	if (!aead_decrypt(NULL, &hs->temp_k, 0, hs->h.u8, sizeof(hs->h.u8), c,
			  AEAD_MAC_LEN))
		return handshake_fail(hs, act->bad_tag,
				      ": %s MAC check failed%s", act->name,
				      act->bad_tag_meaning);
	mix_hash(hs, c, AEAD_MAC_LEN);
	return HANDSHAKE_OK;
}

enum handshake_error handshake_act1_read(const secp256k1_context *ctx,
					 struct handshake *hs,
					 const uint8_t *in, size_t len)
{
	enum handshake_error err;

	if (hs->state != HANDSHAKE_RESPONDER_ACT1)
		return HANDSHAKE_WRONG_STATE;
	/* BOLT #8:
	 * 5. `es = ECDH(s.priv, re)`
	 */
	err = ephemeral_act_read(ctx, hs, &act_one, &hs->local_static, in,
				 len);
	if (err == HANDSHAKE_OK)
		hs->state = HANDSHAKE_RESPONDER_ACT2;
	return err;
}

enum handshake_error handshake_act2_read(const secp256k1_context *ctx,
					 struct handshake *hs,
					 const uint8_t *in, size_t len)
{
	enum handshake_error err;

	if (hs->state != HANDSHAKE_INITIATOR_ACT2)
		return HANDSHAKE_WRONG_STATE;
	/* BOLT #8:
	 * 5. `ee = ECDH(e.priv, re)`
	 */
	err = ephemeral_act_read(ctx, hs, &act_two, &hs->ephemeral, in, len);
	if (err == HANDSHAKE_OK)
		hs->state = HANDSHAKE_INITIATOR_ACT3;
	return err;
}

enum handshake_error handshake_act3_write(const secp256k1_context *ctx,
					  struct handshake *hs,
					  uint8_t out[HANDSHAKE_ACT3_LEN])
{
	uint8_t spub[PUBKEY_CMPR_LEN];
	uint8_t *c = out + 1, *t = out + 1 + PUBKEY_CMPR_LEN + AEAD_MAC_LEN;

	if (hs->state != HANDSHAKE_INITIATOR_ACT3)
		return HANDSHAKE_WRONG_STATE;

	/* BOLT #8:
	 * 1. `c = encryptWithAD(temp_k2, 1, h, s.pub.serializeCompressed())`
	 *     * where `s` is the static public key of the initiator
	 * 2. `h = SHA-256(h || c)`
	 * 3. `se = ECDH(s.priv, re)`
	 *     * where `re` is the ephemeral public key of the responder
	 * 4. `ck, temp_k3 = HKDF(ck, se)`
	 *     * The final intermediate shared secret is mixed into the running
	 *       chaining key.
	 * 5. `t = encryptWithAD(temp_k3, 0, h, zero)`
	 *      * where `zero` is a zero-length plaintext
	 */
	out[0] = HANDSHAKE_VERSION;
	pubkey_serialize(ctx, spub, &hs->local_static_pub);
	aead_encrypt(c, &hs->temp_k, 1, hs->h.u8, sizeof(hs->h.u8), spub,
		     sizeof(spub));
	mix_hash(hs, c, PUBKEY_CMPR_LEN + AEAD_MAC_LEN);
	mix_key(ctx, hs, &hs->remote_ephemeral, &hs->local_static);
	aead_encrypt(t, &hs->temp_k, 0, hs->h.u8, sizeof(hs->h.u8), NULL, 0);
	hs->state = HANDSHAKE_COMPLETE;
	return HANDSHAKE_OK;
}

enum handshake_error handshake_act3_read(const secp256k1_context *ctx,
					 struct handshake *hs,
					 const uint8_t *in, size_t len)
{
	uint8_t spub[PUBKEY_CMPR_LEN];
	const uint8_t *c = in + 1, *t = in + 1 + PUBKEY_CMPR_LEN + AEAD_MAC_LEN;

	if (hs->state != HANDSHAKE_RESPONDER_ACT3)
		return HANDSHAKE_WRONG_STATE;

	/* BOLT #8:
	 * 1. Read _exactly_ 66 bytes from the network buffer.
	 */
	if (len != HANDSHAKE_ACT3_LEN)
		return handshake_fail(hs, HANDSHAKE_ACT3_READ_FAILED,
				      ": act three must be %d bytes, got %zu",
				      HANDSHAKE_ACT3_LEN, len);

	/* BOLT #8:
	 * 3. If `v` is an unrecognized handshake version, then the responder
	 *     MUST abort the connection attempt.
	 */
	if (in[0] != HANDSHAKE_VERSION)
		return handshake_fail(hs, HANDSHAKE_ACT3_BAD_VERSION,
				      " %u: act three has handshake version %u;"
				      " only version 0 is known",
				      in[0], in[0]);

	/* BOLT #8:
	 * 4. `rs = decryptWithAD(temp_k2, 1, h, c)`
	 *      * At this point, the responder has recovered the static public
	 *        key of the initiator.
	 *      * If the MAC check in this operation fails, then the responder
	 *        MUST terminate the connection without any further messages.
	 */
	if (!aead_decrypt(spub, &hs->temp_k, 1, hs->h.u8, sizeof(hs->h.u8), c,
			  PUBKEY_CMPR_LEN + AEAD_MAC_LEN))
		return handshake_fail(hs, HANDSHAKE_ACT3_BAD_CIPHERTEXT,
				      ": act three MAC check on the encrypted"
				      " static key failed");

	/* BOLT #8:
	 * 5. `h = SHA-256(h || c)`
	 */
	mix_hash(hs, c, PUBKEY_CMPR_LEN + AEAD_MAC_LEN);

	/* ECDH(e.priv, rs) below needs `rs` to be a valid public key. */
	if (!pubkey_parse(ctx, &hs->remote_static, spub))
		return handshake_fail(hs, HANDSHAKE_ACT3_BAD_PUBKEY,
				      ": act three static key is not a valid"
				      " compressed secp256k1 point");

	/* BOLT #8:
	 * 6. `se = ECDH(e.priv, rs)`
	 *      * where `e` is the responder's original ephemeral key
	 * 7. `ck, temp_k3 = HKDF(ck, se)`
	 * 8. `p = decryptWithAD(temp_k3, 0, h, t)`
	 *      * If the MAC check in this operation fails, then the responder
	 *        MUST terminate the connection without any further messages.
	 */
	mix_key(ctx, hs, &hs->remote_static, &hs->ephemeral);
	if (!aead_decrypt(NULL, &hs->temp_k, 0, hs->h.u8, sizeof(hs->h.u8), t,
			  AEAD_MAC_LEN))
		return handshake_fail(hs, HANDSHAKE_ACT3_BAD_TAG,
				      ": act three final MAC check failed");
	hs->state = HANDSHAKE_COMPLETE;
	return HANDSHAKE_OK;
}

bool handshake_finish(struct handshake *hs, struct crypto_state *cs,
		      struct pubkey *remote_static)
{
	struct secret k1, k2;

	if (hs->state != HANDSHAKE_COMPLETE)
		return false;

	/* BOLT #8 (initiator):
	 * 6. `sk, rk = HKDF(ck, zero)`
	 *      * where `zero` is a zero-length plaintext,
	 */
	/* BOLT #8 (responder):
	 * 9. `rk, sk = HKDF(ck, zero)`
	 *      * where `zero` is a zero-length plaintext,
	 */
	hkdf_two_keys(&k1, &k2, &hs->ck, NULL, 0);
	if (hs->is_initiator)
		crypto_state_init(cs, &k1, &k2, &hs->ck);
	else
		crypto_state_init(cs, &k2, &k1, &hs->ck);
	*remote_static = hs->remote_static;

	CRYPTO_WIPE(&k1);
	CRYPTO_WIPE(&k2);
	handshake_wipe(hs);
	return true;
}

void handshake_wipe(struct handshake *hs)
{
	CRYPTO_WIPE(hs);
	hs->state = HANDSHAKE_UNINITIALIZED;
}

const char *handshake_error_name(enum handshake_error err)
{
	switch (err) {
	case HANDSHAKE_OK:
		return "OK";
	case HANDSHAKE_ACT1_READ_FAILED:
		return "ACT1_READ_FAILED";
	case HANDSHAKE_ACT1_BAD_VERSION:
		return "ACT1_BAD_VERSION";
	case HANDSHAKE_ACT1_BAD_PUBKEY:
		return "ACT1_BAD_PUBKEY";
	case HANDSHAKE_ACT1_BAD_TAG:
		return "ACT1_BAD_TAG";
	case HANDSHAKE_ACT2_READ_FAILED:
		return "ACT2_READ_FAILED";
	case HANDSHAKE_ACT2_BAD_VERSION:
		return "ACT2_BAD_VERSION";
	case HANDSHAKE_ACT2_BAD_PUBKEY:
		return "ACT2_BAD_PUBKEY";
	case HANDSHAKE_ACT2_BAD_TAG:
		return "ACT2_BAD_TAG";
	case HANDSHAKE_ACT3_READ_FAILED:
		return "ACT3_READ_FAILED";
	case HANDSHAKE_ACT3_BAD_VERSION:
		return "ACT3_BAD_VERSION";
	case HANDSHAKE_ACT3_BAD_CIPHERTEXT:
		return "ACT3_BAD_CIPHERTEXT";
	case HANDSHAKE_ACT3_BAD_PUBKEY:
		return "ACT3_BAD_PUBKEY";
	case HANDSHAKE_ACT3_BAD_TAG:
		return "ACT3_BAD_TAG";
	case HANDSHAKE_WRONG_STATE:
		return "WRONG_STATE";
	}
	return "UNKNOWN";	/* not an enum handshake_error value */
}

const char *handshake_error_text(const struct handshake *hs)
{
	return hs->state == HANDSHAKE_FAILED ? hs->error_text : "";
}
