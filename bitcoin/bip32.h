/* BIP32 hierarchical deterministic keys: the master key from a seed,
 * private and public child derivation, paths like m/84'/1'/0'/0/5,
 * fingerprints, and the Base58Check xprv/xpub (tprv/tpub) serialization.
 *
 * A struct bip32_key is a plain value the caller owns; one holding a
 * private key must be wiped with bip32_key_wipe() when done.  As in
 * crypto/secp.h, a function returning false leaves its outputs untouched.
 */
#ifndef OHM_BITCOIN_BIP32_H
#define OHM_BITCOIN_BIP32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/chainparams.h"
#include "crypto/types.h"

/* Index i >= 2^31 is hardened child i - 2^31, written i' or ih. */
#define BIP32_HARDENED 0x80000000u
/* "Extended keys are serialized as 78 bytes" before Base58Check. */
#define BIP32_SERIALIZED_LEN 78
/* 78 bytes and a 4-byte checksum are 111 Base58 digits. */
#define BIP32_STRING_MAX_LEN 112
/* The most indices bip32_parse_path accepts: depth is a byte. */
#define BIP32_MAX_DEPTH 255
#define BIP32_FINGERPRINT_LEN 4

struct bip32_key {
	uint8_t depth;
	uint8_t parent_fingerprint[BIP32_FINGERPRINT_LEN];
	uint32_t child_number;
	uint8_t chain_code[32];
	bool is_private;
	struct privkey privkey;	/* valid only if is_private */
	struct pubkey pubkey;	/* always valid */
};

/* BIP32 master key: I = HMAC-SHA512("Bitcoin seed", seed).
 * Returns: false if the seed is not 16 to 64 bytes ("between 128 and 512
 *          bits") or I_L is not a valid secret key (probability < 2^-127;
 *          the BIP says to "proceed with" another seed). */
bool bip32_from_seed(const secp256k1_context *ctx, struct bip32_key *out,
		     const uint8_t *seed, size_t seed_len);

/* Derives child index of parent: private (CKDpriv) if parent is private,
 * else public (CKDpub).  out may alias parent.
 * Returns: false if parent is public and index is hardened, or the child
 *          key is invalid (probability < 2^-127; use the next index). */
bool bip32_derive_child(const secp256k1_context *ctx, struct bip32_key *out,
			const struct bip32_key *parent, uint32_t index);

/* Parses "m/84'/1'/0'/0/5" ("h" or "H" also mark hardened; a leading "m/"
 * is optional, and "m" alone is the empty path) into indices.
 * Returns: false with *err naming the problem on a malformed path, an
 *          index of 2^31 or more, or more than max_indices components. */
bool bip32_parse_path(uint32_t *indices, size_t *num_indices,
		      size_t max_indices, const char *path, const char **err);

/* Derives root's descendant at path (see bip32_parse_path).
 * Returns: false with *err naming the problem. */
bool bip32_derive_path(const secp256k1_context *ctx, struct bip32_key *out,
		       const struct bip32_key *root, const char *path,
		       const char **err);

/* The public half of key (BIP32 N()). */
void bip32_key_neuter(struct bip32_key *out, const struct bip32_key *key);

/* A key's fingerprint: the first 4 bytes of HASH160(compressed pubkey). */
void bip32_fingerprint(const secp256k1_context *ctx,
		       uint8_t out[BIP32_FINGERPRINT_LEN],
		       const struct bip32_key *key);

/* Writes key as xprv/xpub (bitcoin) or tprv/tpub (test networks),
 * according to whether it is private. */
void bip32_serialize(const secp256k1_context *ctx,
		     char out[BIP32_STRING_MAX_LEN + 1],
		     const struct bip32_key *key,
		     const struct chainparams *params);

/* Parses an extended key for network params, rejecting every invalid key
 * of BIP32 test vector 5: bad checksum, unknown version, a public version
 * with private key data or vice versa, a bad key prefix, a secret key not
 * in 1..n-1, a point not on the curve, and depth 0 with a non-zero parent
 * fingerprint or child number.
 * Returns: false with *err naming the problem. */
bool bip32_parse(const secp256k1_context *ctx, struct bip32_key *out,
		 const struct chainparams *params, const char *str,
		 const char **err);

/* Zeroes key, secret included. */
void bip32_key_wipe(struct bip32_key *key);

#endif /* OHM_BITCOIN_BIP32_H */
