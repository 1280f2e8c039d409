/* SHA-256, double SHA-256, HMAC-SHA256 and HKDF-SHA256 (RFC 5869).
 *
 * Thin wrappers over libsodium.  BOLT #8 builds its Noise handshake from
 * these ("SHA-256 is chosen as the hash function"; `HKDF(salt,ikm)`),
 * BOLT #4 its onion keys (HMAC-SHA256) and Bitcoin its txids (double
 * SHA-256).  Streaming contexts are plain structs the caller owns; the
 * final call wipes them.
 */
#ifndef OHM_CRYPTO_HASH_H
#define OHM_CRYPTO_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium/crypto_auth_hmacsha256.h>
#include <sodium/crypto_hash_sha256.h>

#include "crypto/types.h"

#define HMAC_SHA256_LEN 32
/* RFC 5869: L <= 255*HashLen. */
#define HKDF_SHA256_MAX_LEN (255 * 32)

struct sha256_ctx {
	crypto_hash_sha256_state state;
};

struct hmac_sha256_ctx {
	crypto_auth_hmacsha256_state state;
};

/* out = SHA256(data[0..len)). */
void sha256(struct sha256 *out, const void *data, size_t len);

/* Streaming SHA-256: init, any number of updates, then final, which writes
 * the digest and wipes ctx. */
void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(struct sha256 *out, struct sha256_ctx *ctx);

/* out = SHA256(SHA256(data[0..len))). */
void sha256_double(struct sha256_double *out, const void *data, size_t len);

/* out = HMAC-SHA256(key[0..key_len), data[0..len)).  Any key length. */
void hmac_sha256(uint8_t out[HMAC_SHA256_LEN], const void *key, size_t key_len,
		 const void *data, size_t len);

/* Streaming HMAC-SHA256, mirroring the SHA-256 functions above. */
void hmac_sha256_init(struct hmac_sha256_ctx *ctx, const void *key,
		      size_t key_len);
void hmac_sha256_update(struct hmac_sha256_ctx *ctx, const void *data,
			size_t len);
void hmac_sha256_final(uint8_t out[HMAC_SHA256_LEN],
		       struct hmac_sha256_ctx *ctx);

/* RFC 5869 HKDF-SHA256: extract with salt, expand with info to out_len
 * bytes.  An empty salt (salt_len 0) means 32 zero bytes, per the RFC.
 * Returns: true on success; false, writing nothing, if out_len is 0 or
 *          greater than HKDF_SHA256_MAX_LEN. */
bool hkdf_sha256(uint8_t *out, size_t out_len,
		 const void *salt, size_t salt_len,
		 const void *ikm, size_t ikm_len,
		 const void *info, size_t info_len);

/* BOLT #8's HKDF(salt, ikm): HKDF-SHA256 with a 32-byte salt and empty
 * info, returning 64 bytes split into out1 (first 32) and out2 (last 32).
 * The outputs may alias the inputs, so `ck, k = HKDF(ck, k)` is
 * hkdf_two_keys(&ck, &k, &ck, k.data, sizeof(k.data)). */
void hkdf_two_keys(struct secret *out1, struct secret *out2,
		   const struct secret *salt, const void *ikm, size_t ikm_len);

#endif /* OHM_CRYPTO_HASH_H */
