/* Value types shared by crypto/ and every layer built on it.
 *
 * Fixed-size byte strings get their own struct so the compiler tells a
 * hash from a key from a secret.  A struct pubkey holds libsecp256k1's
 * parsed point (not its 33-byte encoding): parse once at the edge, then
 * every curve operation is cheap.  Use pubkey_serialize() to compare or
 * print one.  Anything holding a struct secret or struct privkey is wiped
 * with crypto_wipe() when its owner is done with it.
 */
#ifndef OHM_CRYPTO_TYPES_H
#define OHM_CRYPTO_TYPES_H

#include <secp256k1.h>
#include <stdint.h>

#define SHA256_LEN 32
#define RIPEMD160_LEN 20
#define SECRET_LEN 32
#define PRIVKEY_LEN 32
#define PUBKEY_CMPR_LEN 33		/* 02/03 prefix and x */
#define SIGNATURE_COMPACT_LEN 64	/* r || s, big-endian */
#define SIGNATURE_DER_MAX_LEN 72

struct sha256 {
	uint8_t u8[SHA256_LEN];
};

/* SHA256(SHA256(x)): Bitcoin's txids and block hashes. */
struct sha256_double {
	struct sha256 sha;
};

struct ripemd160 {
	uint8_t u8[RIPEMD160_LEN];
};

/* 32 secret bytes: a symmetric key, a chaining key, a shared secret. */
struct secret {
	uint8_t data[SECRET_LEN];
};

/* A secp256k1 secret key.  Not every 32-byte string is one: see
 * privkey_is_valid(). */
struct privkey {
	struct secret secret;
};

struct pubkey {
	secp256k1_pubkey pubkey;
};

/* An ECDSA signature as libsecp256k1 holds it; convert with the
 * ecdsa_signature_{parse,serialize}_{compact,der} functions. */
struct ecdsa_signature {
	secp256k1_ecdsa_signature sig;
};

#endif /* OHM_CRYPTO_TYPES_H */
