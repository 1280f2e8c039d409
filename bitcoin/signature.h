/* Transaction signatures as they appear in scriptSigs and witnesses.
 *
 * ECDSA (legacy and segwit v0): DER-encoded, low-S, followed by one
 * sighash-type byte.  Schnorr (Taproot, BIP341): 64 bytes, followed by a
 * hash-type byte unless it is SIGHASH_DEFAULT.
 */
#ifndef OHM_BITCOIN_SIGNATURE_H
#define OHM_BITCOIN_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/taproot.h"
#include "crypto/types.h"

/* DER plus the sighash byte. */
#define BITCOIN_SIGNATURE_MAX_LEN (SIGNATURE_DER_MAX_LEN + 1)
/* 64 bytes plus an optional hash-type byte. */
#define TAPROOT_SIGNATURE_MAX_LEN (BIP340_SIGNATURE_LEN + 1)

struct bitcoin_signature {
	struct ecdsa_signature sig;
	uint8_t sighash_type;
};

/* Signs a legacy or BIP143 digest with key (RFC 6979, low-S).
 * Returns: false if key is not a valid secret key. */
bool bitcoin_signature_sign(const secp256k1_context *ctx,
			    struct bitcoin_signature *out,
			    const struct sha256 *sighash,
			    const struct privkey *key, uint8_t sighash_type);

/* Returns: true if sig is key's valid low-S signature of sighash. */
bool bitcoin_signature_verify(const secp256k1_context *ctx,
			      const struct bitcoin_signature *sig,
			      const struct sha256 *sighash,
			      const struct pubkey *key);

/* Writes DER || sighash_type.  Returns: its length (at most
 * BITCOIN_SIGNATURE_MAX_LEN). */
size_t bitcoin_signature_serialize(const secp256k1_context *ctx,
				   uint8_t out[BITCOIN_SIGNATURE_MAX_LEN],
				   const struct bitcoin_signature *sig);

/* Parses strict DER (BIP66) followed by a sighash byte.
 * Returns: false if in[0..len) is not that. */
bool bitcoin_signature_parse(const secp256k1_context *ctx,
			     struct bitcoin_signature *out,
			     const uint8_t *in, size_t len);

/* Signs a BIP341 key-path sighash: tweaks internal_key with merkle_root
 * (NULL for no script tree), signs with aux_rand (see bip340_sign), and
 * writes the witness signature: 64 bytes for SIGHASH_DEFAULT, else 65 with
 * hash_type appended.  *out_len gets the length.
 * Returns: false if the key is invalid, the tweak fails, or hash_type is
 *          not a valid BIP341 hash type. */
bool taproot_sign_keypath(const secp256k1_context *ctx,
			  uint8_t out[TAPROOT_SIGNATURE_MAX_LEN],
			  size_t *out_len, const struct sha256 *sighash,
			  const struct privkey *internal_key,
			  const struct sha256 *merkle_root, uint8_t hash_type,
			  const uint8_t aux_rand[32]);

#endif /* OHM_BITCOIN_SIGNATURE_H */
