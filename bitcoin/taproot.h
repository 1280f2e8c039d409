/* BIP340 Schnorr signatures and x-only keys, and BIP341 Taproot key
 * tweaking, over libsecp256k1's extrakeys and schnorrsig modules.
 *
 * As in crypto/secp.h: the secp256k1 context comes first, outputs before
 * inputs, and a function that returns false leaves its outputs untouched.
 * Signing takes its auxiliary randomness as an argument: this layer does
 * no I/O, so the caller draws it (crypto_random_bytes) or, in tests, fixes
 * it.
 */
#ifndef OHM_BITCOIN_TAPROOT_H
#define OHM_BITCOIN_TAPROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include "crypto/hash.h"
#include "crypto/types.h"
#include "wire/wirebuf.h"

#define XONLY_PUBKEY_LEN 32
#define BIP340_SIGNATURE_LEN 64
/* BIP341: the leaf version of BIP342 tapscript. */
#define TAPROOT_LEAF_TAPSCRIPT 0xc0

/* A BIP340 public key: a point with even y, identified by its x. */
struct xonly_pubkey {
	secp256k1_xonly_pubkey pubkey;
};

/* BIP340: hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag) || x). */
void bip340_tagged_hash(struct sha256 *out, const char *tag,
			const void *data, size_t len);

/* Starts a streaming tagged hash: feed it with sha256_update and finish
 * with sha256_final. */
void bip340_tagged_hash_init(struct sha256_ctx *sctx, const char *tag);

/* Parses 32 bytes as an x coordinate.
 * Returns: false if it is not on the curve. */
bool xonly_pubkey_parse(const secp256k1_context *ctx, struct xonly_pubkey *out,
			const uint8_t in[XONLY_PUBKEY_LEN]);

void xonly_pubkey_serialize(const secp256k1_context *ctx,
			    uint8_t out[XONLY_PUBKEY_LEN],
			    const struct xonly_pubkey *key);

/* The x-only key of a full point; *parity (if not NULL) gets 1 when key's
 * y is odd, i.e. when its secret must be negated to sign for out. */
void xonly_pubkey_from_pubkey(const secp256k1_context *ctx,
			      struct xonly_pubkey *out, int *parity,
			      const struct pubkey *key);

/* out = the x-only key of secret key.
 * Returns: false if key is not a valid secret key. */
bool xonly_pubkey_from_privkey(const secp256k1_context *ctx,
			       struct xonly_pubkey *out,
			       const struct privkey *key);

/* BIP340 signature of msg[0..msg_len) (any length; Taproot signs 32-byte
 * sighashes) with key and 32 bytes of auxiliary randomness (NULL means
 * all zero, which is safe but gives up the side-channel protection).
 * Returns: false if key is not a valid secret key. */
bool bip340_sign(const secp256k1_context *ctx,
		 uint8_t sig[BIP340_SIGNATURE_LEN], const void *msg,
		 size_t msg_len, const struct privkey *key,
		 const uint8_t aux_rand[32]);

/* Returns: true if sig is a valid BIP340 signature of msg by key. */
bool bip340_verify(const secp256k1_context *ctx,
		   const uint8_t sig[BIP340_SIGNATURE_LEN], const void *msg,
		   size_t msg_len, const struct xonly_pubkey *key);

/* BIP341 tapleaf hash: hashTapLeaf(leaf_version || compact_size(len) ||
 * script). */
void taproot_leaf_hash(struct sha256 *out, uint8_t leaf_version,
		       const uint8_t *script, size_t script_len);

/* BIP341 branch hash: hashTapBranch of the two children, smaller first. */
void taproot_branch_hash(struct sha256 *out, const struct sha256 *a,
			 const struct sha256 *b);

/* BIP341 taproot_tweak_pubkey: t = hashTapTweak(x(P) || merkle_root),
 * Q = P + tG.  merkle_root NULL means no script tree (key path only; the
 * tweak then commits to P alone).  *parity (if not NULL) gets Q's y parity,
 * which a script-path control block needs.
 * Returns: false if t is not below the curve order or Q is infinity
 *          (negligible probability). */
bool taproot_tweak_pubkey(const secp256k1_context *ctx,
			  struct xonly_pubkey *output_key, int *parity,
			  const struct xonly_pubkey *internal_key,
			  const struct sha256 *merkle_root);

/* BIP341 taproot_tweak_seckey: the secret key of taproot_tweak_pubkey's
 * output key, negating internal_key first if its point has odd y.
 * Returns: false if internal_key is invalid or the tweak fails. */
bool taproot_tweak_privkey(const secp256k1_context *ctx,
			   struct privkey *out,
			   const struct privkey *internal_key,
			   const struct sha256 *merkle_root);

/* Appends the P2TR scriptPubKey OP_1 <Q> for internal_key and merkle_root
 * (NULL for a key-path-only output).
 * Returns: false (nothing written) if the tweak fails. */
bool taproot_output_script(const secp256k1_context *ctx,
			   struct wirebuf *script,
			   const struct xonly_pubkey *internal_key,
			   const struct sha256 *merkle_root);

#endif /* OHM_BITCOIN_TAPROOT_H */
