/* libsecp256k1 behind ohm's types.  Every wrapper works on a copy where
 * libsecp256k1 would modify its argument in place, so a failure never
 * leaves an output half-written, and wipes secret copies before
 * returning. */
#include "crypto/secp.h"

#include <assert.h>
#include <string.h>

#include <secp256k1_ecdh.h>

#include "crypto/util.h"

secp256k1_context *crypto_secp_context_new(void)
{
	secp256k1_context *ctx;
	uint8_t seed[32];
	int ok;

	if (!crypto_init())
		return NULL;
	/* Since libsecp256k1 0.2.0 SECP256K1_CONTEXT_SIGN and _VERIFY are
	 * deprecated synonyms of _NONE: every context can do both. */
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (!ctx)
		return NULL;
	crypto_random_bytes(seed, sizeof(seed));
	ok = secp256k1_context_randomize(ctx, seed);
	crypto_wipe(seed, sizeof(seed));
	if (!ok) {
		secp256k1_context_destroy(ctx);
		return NULL;
	}
	return ctx;
}

void crypto_secp_context_destroy(secp256k1_context *ctx)
{
	if (ctx)
		secp256k1_context_destroy(ctx);
}

bool privkey_is_valid(const secp256k1_context *ctx, const struct privkey *key)
{
	return secp256k1_ec_seckey_verify(ctx, key->secret.data) == 1;
}

void privkey_generate(const secp256k1_context *ctx, struct privkey *out)
{
	/* An invalid draw has probability about 2^-128. */
	do {
		crypto_random_bytes(out->secret.data, sizeof(out->secret.data));
	} while (!privkey_is_valid(ctx, out));
}

bool pubkey_from_privkey(const secp256k1_context *ctx, struct pubkey *out,
			 const struct privkey *key)
{
	secp256k1_pubkey tmp;

	if (!secp256k1_ec_pubkey_create(ctx, &tmp, key->secret.data))
		return false;
	out->pubkey = tmp;
	return true;
}

bool pubkey_parse(const secp256k1_context *ctx, struct pubkey *out,
		  const uint8_t in[PUBKEY_CMPR_LEN])
{
	secp256k1_pubkey tmp;

	/* With exactly 33 bytes only the 02/03 compressed forms parse. */
	if (!secp256k1_ec_pubkey_parse(ctx, &tmp, in, PUBKEY_CMPR_LEN))
		return false;
	out->pubkey = tmp;
	return true;
}

void pubkey_serialize(const secp256k1_context *ctx,
		      uint8_t out[PUBKEY_CMPR_LEN], const struct pubkey *key)
{
	size_t len = PUBKEY_CMPR_LEN;

	secp256k1_ec_pubkey_serialize(ctx, out, &len, &key->pubkey,
				      SECP256K1_EC_COMPRESSED);
	assert(len == PUBKEY_CMPR_LEN);
}

int pubkey_cmp(const secp256k1_context *ctx, const struct pubkey *a,
	       const struct pubkey *b)
{
	return secp256k1_ec_pubkey_cmp(ctx, &a->pubkey, &b->pubkey);
}

bool pubkey_eq(const secp256k1_context *ctx, const struct pubkey *a,
	       const struct pubkey *b)
{
	return pubkey_cmp(ctx, a, b) == 0;
}

bool pubkey_combine(const secp256k1_context *ctx, struct pubkey *out,
		    const struct pubkey *a, const struct pubkey *b)
{
	const secp256k1_pubkey *ins[2] = {&a->pubkey, &b->pubkey};
	secp256k1_pubkey tmp;

	if (!secp256k1_ec_pubkey_combine(ctx, &tmp, ins, 2))
		return false;
	out->pubkey = tmp;
	return true;
}

bool pubkey_tweak_add(const secp256k1_context *ctx, struct pubkey *out,
		      const struct pubkey *in, const uint8_t tweak[32])
{
	secp256k1_pubkey tmp = in->pubkey;

	if (!secp256k1_ec_pubkey_tweak_add(ctx, &tmp, tweak))
		return false;
	out->pubkey = tmp;
	return true;
}

bool pubkey_tweak_mul(const secp256k1_context *ctx, struct pubkey *out,
		      const struct pubkey *in, const uint8_t tweak[32])
{
	secp256k1_pubkey tmp = in->pubkey;

	if (!secp256k1_ec_pubkey_tweak_mul(ctx, &tmp, tweak))
		return false;
	out->pubkey = tmp;
	return true;
}

bool privkey_tweak_add(const secp256k1_context *ctx, struct privkey *out,
		       const struct privkey *in, const uint8_t tweak[32])
{
	struct privkey tmp = *in;
	bool ok = secp256k1_ec_seckey_tweak_add(ctx, tmp.secret.data, tweak);

	if (ok)
		*out = tmp;
	CRYPTO_WIPE(&tmp);
	return ok;
}

bool privkey_tweak_mul(const secp256k1_context *ctx, struct privkey *out,
		       const struct privkey *in, const uint8_t tweak[32])
{
	struct privkey tmp = *in;
	bool ok = secp256k1_ec_seckey_tweak_mul(ctx, tmp.secret.data, tweak);

	if (ok)
		*out = tmp;
	CRYPTO_WIPE(&tmp);
	return ok;
}

bool ecdh_shared_secret(const secp256k1_context *ctx, struct secret *out,
			const struct pubkey *point,
			const struct privkey *scalar)
{
	/* BOLT #8:
	 *  * `ECDH(k, rk)`: performs an Elliptic-Curve Diffie-Hellman
	 *    operation using `k`, which is a valid `secp256k1` private key,
	 *    and `rk`, which is a valid public key
	 *      * The returned value is the SHA256 of the compressed format of
	 *        the generated point.
	 */
	/* That is exactly secp256k1_ecdh_hash_function_sha256, the default:
	 * SHA256 over (0x02 | odd(y)) || x.  test_crypto checks it against
	 * sha256(pubkey_serialize(pubkey_tweak_mul(point, scalar))). */
	struct secret tmp;
	bool ok = secp256k1_ecdh(ctx, tmp.data, &point->pubkey,
				 scalar->secret.data,
				 secp256k1_ecdh_hash_function_sha256, NULL);

	if (ok)
		*out = tmp;
	CRYPTO_WIPE(&tmp);
	return ok;
}

bool ecdsa_sign(const secp256k1_context *ctx, struct ecdsa_signature *out,
		const struct sha256 *msg_hash, const struct privkey *key)
{
	secp256k1_ecdsa_signature tmp;

	/* The default nonce function is RFC 6979; libsecp256k1 always
	 * produces the low-S form. */
	if (!secp256k1_ecdsa_sign(ctx, &tmp, msg_hash->u8, key->secret.data,
				  secp256k1_nonce_function_rfc6979, NULL))
		return false;
	out->sig = tmp;
	return true;
}

bool ecdsa_verify(const secp256k1_context *ctx,
		  const struct ecdsa_signature *sig,
		  const struct sha256 *msg_hash, const struct pubkey *key)
{
	return secp256k1_ecdsa_verify(ctx, &sig->sig, msg_hash->u8,
				      &key->pubkey) == 1;
}

bool ecdsa_signature_parse_compact(const secp256k1_context *ctx,
				   struct ecdsa_signature *out,
				   const uint8_t in[SIGNATURE_COMPACT_LEN])
{
	secp256k1_ecdsa_signature tmp;

	if (!secp256k1_ecdsa_signature_parse_compact(ctx, &tmp, in))
		return false;
	out->sig = tmp;
	return true;
}

void ecdsa_signature_serialize_compact(const secp256k1_context *ctx,
				       uint8_t out[SIGNATURE_COMPACT_LEN],
				       const struct ecdsa_signature *sig)
{
	secp256k1_ecdsa_signature_serialize_compact(ctx, out, &sig->sig);
}

bool ecdsa_signature_parse_der(const secp256k1_context *ctx,
			       struct ecdsa_signature *out,
			       const uint8_t *der, size_t der_len)
{
	secp256k1_ecdsa_signature tmp;

	if (!secp256k1_ecdsa_signature_parse_der(ctx, &tmp, der, der_len))
		return false;
	out->sig = tmp;
	return true;
}

size_t ecdsa_signature_serialize_der(const secp256k1_context *ctx,
				     uint8_t out[SIGNATURE_DER_MAX_LEN],
				     const struct ecdsa_signature *sig)
{
	size_t len = SIGNATURE_DER_MAX_LEN;
	int ok = secp256k1_ecdsa_signature_serialize_der(ctx, out, &len,
							 &sig->sig);

	/* 72 bytes always suffice for a valid signature. */
	assert(ok);
	(void)ok;
	return len;
}
