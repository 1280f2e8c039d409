/* Hashing and key derivation over libsodium.  HKDF is not in libsodium
 * 1.0.18, so it is built here from HMAC exactly as RFC 5869 section 2
 * describes; everything else forwards. */
#include "crypto/hash.h"

#include <string.h>

#include "crypto/util.h"

void sha256(struct sha256 *out, const void *data, size_t len)
{
	crypto_hash_sha256(out->u8, data, len);
}

void sha256_init(struct sha256_ctx *ctx)
{
	crypto_hash_sha256_init(&ctx->state);
}

void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
	crypto_hash_sha256_update(&ctx->state, data, len);
}

void sha256_final(struct sha256 *out, struct sha256_ctx *ctx)
{
	crypto_hash_sha256_final(&ctx->state, out->u8);
	CRYPTO_WIPE(ctx);
}

void sha256_double(struct sha256_double *out, const void *data, size_t len)
{
	struct sha256 once;

	sha256(&once, data, len);
	sha256(&out->sha, once.u8, sizeof(once.u8));
}

void hmac_sha256(uint8_t out[HMAC_SHA256_LEN], const void *key, size_t key_len,
		 const void *data, size_t len)
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_init(&ctx, key, key_len);
	hmac_sha256_update(&ctx, data, len);
	hmac_sha256_final(out, &ctx);
}

void hmac_sha256_init(struct hmac_sha256_ctx *ctx, const void *key,
		      size_t key_len)
{
	crypto_auth_hmacsha256_init(&ctx->state, key, key_len);
}

void hmac_sha256_update(struct hmac_sha256_ctx *ctx, const void *data,
			size_t len)
{
	crypto_auth_hmacsha256_update(&ctx->state, data, len);
}

void hmac_sha256_final(uint8_t out[HMAC_SHA256_LEN],
		       struct hmac_sha256_ctx *ctx)
{
	crypto_auth_hmacsha256_final(&ctx->state, out);
	CRYPTO_WIPE(ctx);
}

bool hkdf_sha256(uint8_t *out, size_t out_len,
		 const void *salt, size_t salt_len,
		 const void *ikm, size_t ikm_len,
		 const void *info, size_t info_len)
{
	static const uint8_t zero_salt[HMAC_SHA256_LEN];
	uint8_t prk[HMAC_SHA256_LEN], t[HMAC_SHA256_LEN];
	struct hmac_sha256_ctx ctx;

	if (out_len == 0 || out_len > HKDF_SHA256_MAX_LEN)
		return false;

	/* RFC 5869 2.2: PRK = HMAC-Hash(salt, IKM); salt defaults to
	 * HashLen zeros. */
	if (salt_len == 0) {
		salt = zero_salt;
		salt_len = sizeof(zero_salt);
	}
	hmac_sha256(prk, salt, salt_len, ikm, ikm_len);

	/* RFC 5869 2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i). */
	for (size_t done = 0, i = 1; done < out_len; i++) {
		const uint8_t counter = (uint8_t)i;
		size_t n = out_len - done < sizeof(t) ? out_len - done
						       : sizeof(t);

		hmac_sha256_init(&ctx, prk, sizeof(prk));
		if (i > 1)
			hmac_sha256_update(&ctx, t, sizeof(t));
		if (info_len)
			hmac_sha256_update(&ctx, info, info_len);
		hmac_sha256_update(&ctx, &counter, 1);
		hmac_sha256_final(t, &ctx);
		memcpy(out + done, t, n);
		done += n;
	}
	crypto_wipe(prk, sizeof(prk));
	crypto_wipe(t, sizeof(t));
	return true;
}

void hkdf_two_keys(struct secret *out1, struct secret *out2,
		   const struct secret *salt, const void *ikm, size_t ikm_len)
{
	/* BOLT #8:
	 *     evaluated with a zero-length `info` field
	 *      * All invocations of `HKDF` implicitly return 64 bytes of
	 *        cryptographic randomness using the extract-and-expand
	 *        component of the `HKDF`.
	 */
	uint8_t okm[2 * SECRET_LEN];

	/* Into a temporary first: the outputs may alias salt or ikm. */
	hkdf_sha256(okm, sizeof(okm), salt->data, sizeof(salt->data),
		    ikm, ikm_len, NULL, 0);
	memcpy(out1->data, okm, SECRET_LEN);
	memcpy(out2->data, okm + SECRET_LEN, SECRET_LEN);
	crypto_wipe(okm, sizeof(okm));
}
