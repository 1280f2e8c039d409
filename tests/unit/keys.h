/* Keys from hex, and a key compared with hex, for the unit tests that use
 * crypto/secp.h.  As there, a function that needs the curve takes the
 * libsecp256k1 context first.  Bad hex bails out (see vectors.h). */
#ifndef OHM_TESTS_UNIT_KEYS_H
#define OHM_TESTS_UNIT_KEYS_H

#include "crypto/secp.h"
#include "tests/unit/vectors.h"

/* A randomized context (libsodium initialised first), or bail out. */
static inline secp256k1_context *keys_context_new(void)
{
	secp256k1_context *ctx = crypto_secp_context_new();

	if (!ctx)
		test_bail_out("cannot initialise libsodium or libsecp256k1");
	return ctx;
}

/* The secret key hex spells (32 bytes), valid or not. */
static inline struct privkey privkey_from_hex(const char *hex)
{
	struct privkey key;

	hex_to_array(key.secret.data, sizeof(key.secret.data), hex);
	return key;
}

/* The public key hex spells (33 bytes, compressed); if it is not a point
 * on the curve the case fails and the key is all zero. */
static inline struct pubkey pubkey_from_hex(const secp256k1_context *ctx,
					    const char *hex)
{
	uint8_t der[PUBKEY_CMPR_LEN];
	struct pubkey key;

	memset(&key, 0, sizeof(key));
	hex_to_array(der, sizeof(der), hex);
	CHECK_MSG(pubkey_parse(ctx, &key, der), "not a public key: %s", hex);
	return key;
}

/* True if key's compressed form is hex; otherwise prints both. */
static inline bool pubkey_is(const secp256k1_context *ctx,
			     const struct pubkey *key, const char *hex)
{
	uint8_t der[PUBKEY_CMPR_LEN];

	pubkey_serialize(ctx, der, key);
	return bytes_are(der, sizeof(der), hex);
}

#endif /* OHM_TESTS_UNIT_KEYS_H */
