/* secp256k1 keys, ECDH and ECDSA over libsecp256k1.
 *
 * The daemon creates one context at start-up with crypto_secp_context_new()
 * and passes it, first, to every function here; tests do the same.  As in
 * libsecp256k1, outputs come before inputs, and a function that returns
 * false leaves its outputs untouched.  Keys on the wire are 33-byte
 * compressed points (BOLT #1 `point`); signatures are 64-byte compact r||s
 * (BOLT #1 `signature`) or DER inside Bitcoin transactions.
 */
#ifndef OHM_CRYPTO_SECP_H
#define OHM_CRYPTO_SECP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "crypto/types.h"

/* Creates a context for signing, verification and ECDH, randomized with
 * fresh CSPRNG bytes as a side-channel blinding (this also calls
 * crypto_init()).  Free it with crypto_secp_context_destroy().
 * Returns: the context, or NULL if libsodium or the randomization failed. */
secp256k1_context *crypto_secp_context_new(void);

/* Destroys a context from crypto_secp_context_new(); NULL is a no-op. */
void crypto_secp_context_destroy(secp256k1_context *ctx);

/* Returns: true if key is a valid secret key (0 < key < curve order). */
bool privkey_is_valid(const secp256k1_context *ctx, const struct privkey *key);

/* Draws a fresh valid secret key from the CSPRNG into out. */
void privkey_generate(const secp256k1_context *ctx, struct privkey *out);

/* out = key*G.
 * Returns: true on success; false if key is not a valid secret key. */
bool pubkey_from_privkey(const secp256k1_context *ctx, struct pubkey *out,
			 const struct privkey *key);

/* Parses a 33-byte compressed point (0x02 or 0x03, then x).
 * Returns: true on success; false if the prefix is wrong or x is not the
 *          x coordinate of a point on the curve. */
bool pubkey_parse(const secp256k1_context *ctx, struct pubkey *out,
		  const uint8_t in[PUBKEY_CMPR_LEN]);

/* Writes key in 33-byte compressed form. */
void pubkey_serialize(const secp256k1_context *ctx,
		      uint8_t out[PUBKEY_CMPR_LEN], const struct pubkey *key);

/* Returns: <0, 0 or >0 as a's compressed encoding sorts before, equal to
 *          or after b's (BOLT #7 and BOLT #3 order keys this way). */
int pubkey_cmp(const secp256k1_context *ctx, const struct pubkey *a,
	       const struct pubkey *b);

/* Returns: true if a and b are the same point. */
bool pubkey_eq(const secp256k1_context *ctx, const struct pubkey *a,
	       const struct pubkey *b);

/* out = a + b.
 * Returns: true on success; false if the sum is the point at infinity. */
bool pubkey_combine(const secp256k1_context *ctx, struct pubkey *out,
		    const struct pubkey *a, const struct pubkey *b);

/* out = in + tweak*G.  out may alias in.
 * Returns: true on success; false if tweak is not below the curve order or
 *          the result is the point at infinity. */
bool pubkey_tweak_add(const secp256k1_context *ctx, struct pubkey *out,
		      const struct pubkey *in, const uint8_t tweak[32]);

/* out = tweak*in.  out may alias in.
 * Returns: true on success; false if tweak is zero or not below the curve
 *          order. */
bool pubkey_tweak_mul(const secp256k1_context *ctx, struct pubkey *out,
		      const struct pubkey *in, const uint8_t tweak[32]);

/* out = in + tweak (mod n), the secret key of pubkey_tweak_add's result.
 * out may alias in.
 * Returns: true on success; false if in is invalid, tweak is not below
 *          the curve order, or the result is zero. */
bool privkey_tweak_add(const secp256k1_context *ctx, struct privkey *out,
		       const struct privkey *in, const uint8_t tweak[32]);

/* out = in * tweak (mod n).  out may alias in.
 * Returns: true on success; false if in is invalid or tweak is zero or
 *          not below the curve order. */
bool privkey_tweak_mul(const secp256k1_context *ctx, struct privkey *out,
		       const struct privkey *in, const uint8_t tweak[32]);

/* BOLT #8's ECDH(k, rk): out = SHA256(compressed(scalar*point)).
 * Runs in constant time in scalar.
 * Returns: true on success; false if scalar is not a valid secret key. */
bool ecdh_shared_secret(const secp256k1_context *ctx, struct secret *out,
			const struct pubkey *point,
			const struct privkey *scalar);

/* Signs the 32-byte digest msg_hash with key: deterministic RFC 6979
 * nonce, and always low-S (BIP 62), as Bitcoin and Lightning require.
 * Returns: true on success; false if key is not a valid secret key. */
bool ecdsa_sign(const secp256k1_context *ctx, struct ecdsa_signature *out,
		const struct sha256 *msg_hash, const struct privkey *key);

/* Returns: true if sig is key's valid low-S signature of msg_hash.
 *          High-S signatures are rejected (libsecp256k1's rule). */
bool ecdsa_verify(const secp256k1_context *ctx,
		  const struct ecdsa_signature *sig,
		  const struct sha256 *msg_hash, const struct pubkey *key);

/* Parses 64-byte compact r||s.
 * Returns: true on success; false if r or s is not below the curve order. */
bool ecdsa_signature_parse_compact(const secp256k1_context *ctx,
				   struct ecdsa_signature *out,
				   const uint8_t in[SIGNATURE_COMPACT_LEN]);

/* Writes sig as 64-byte compact r||s. */
void ecdsa_signature_serialize_compact(const secp256k1_context *ctx,
				       uint8_t out[SIGNATURE_COMPACT_LEN],
				       const struct ecdsa_signature *sig);

/* Parses a strict DER signature (BIP 66), without any sighash byte.
 * Returns: true on success; false if der[0..der_len) is not valid DER. */
bool ecdsa_signature_parse_der(const secp256k1_context *ctx,
			       struct ecdsa_signature *out,
			       const uint8_t *der, size_t der_len);

/* Writes sig in DER form.
 * Returns: the number of bytes written (at most SIGNATURE_DER_MAX_LEN). */
size_t ecdsa_signature_serialize_der(const secp256k1_context *ctx,
				     uint8_t out[SIGNATURE_DER_MAX_LEN],
				     const struct ecdsa_signature *sig);

#endif /* OHM_CRYPTO_SECP_H */
