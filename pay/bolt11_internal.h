/* What pay/bolt11_decode.c and pay/bolt11_encode.c share: the layout of
 * the data part, the currency and multiplier tables, errors that name a
 * field, the fallback and allowed-once field rules, and the hash that is
 * signed.  Nothing outside pay/bolt11_*.c includes this.
 *
 * The data part is handled as 5-bit values ("data5") throughout: a tagged
 * field is type (1 value), data_length (2 values) and data_length values;
 * byte-valued fields are regrouped with bech32_convert_bits, strictly
 * (padding under 5 bits and zero), so every accepted field has exactly one
 * encoding and re-encoding is exact. */
#ifndef OHM_PAY_BOLT11_INTERNAL_H
#define OHM_PAY_BOLT11_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/bech32.h"
#include "bitcoin/script.h"
#include "crypto/hash.h"
#include "pay/bolt11.h"

#define TIMESTAMP_LEN5 7		/* 35 bits */
#define SIGNATURE_LEN5 104		/* 520 bits: r || s || recovery id */
#define RECOVERABLE_SIGNATURE_LEN 65
#define FIELD_MAX_LEN5 1023		/* a 10-bit data_length */
#define ROUTE_HOP_LEN 51		/* 33 + 8 + 4 + 4 + 2 bytes */
#define NUM_TYPES 32

/* BOLT #11:
 * `prefix`: `ln` + BIP-0173 currency prefix (e.g. `lnbc` for Bitcoin mainnet,
 * `lntb` for Bitcoin testnet, `lntbs` for Bitcoin signet, and `lnbcrt` for
 * Bitcoin regtest)
 */
static const struct {
	const char *currency;
	const char *network;	/* as in bitcoin/chainparams.h */
} currencies[] = {
	{ "bc", "bitcoin" },
	{ "tb", "testnet" },
	{ "tbs", "signet" },
	{ "bcrt", "regtest" },
};
#define NUM_CURRENCIES (sizeof(currencies) / sizeof(currencies[0]))

/* Millisatoshi per unit of each multiplier; 'p' is a tenth of one. */
#define MSAT_PER_BTC UINT64_C(100000000000)
static const struct {
	char letter;
	uint64_t msat;
} multipliers[] = {
	{ 'm', UINT64_C(100000000) },
	{ 'u', UINT64_C(100000) },
	{ 'n', UINT64_C(100) },
	{ 'p', 0 },
};
#define NUM_MULTIPLIERS (sizeof(multipliers) / sizeof(multipliers[0]))

/* Writes the error into err (if not NULL); returns false. */
static inline bool fail(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline bool fail(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, BOLT11_ERROR_LEN, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* How errors name a field: its spec name and letter. */
static inline const char *field_name(uint8_t type)
{
	switch ((enum bolt11_field_type)type) {
	case BOLT11_FIELD_PAYMENT_HASH:
		return "payment_hash (p)";
	case BOLT11_FIELD_ROUTE:
		return "route (r)";
	case BOLT11_FIELD_FEATURES:
		return "features (9)";
	case BOLT11_FIELD_EXPIRY:
		return "expiry (x)";
	case BOLT11_FIELD_FALLBACK:
		return "fallback (f)";
	case BOLT11_FIELD_DESCRIPTION:
		return "description (d)";
	case BOLT11_FIELD_PAYMENT_SECRET:
		return "payment_secret (s)";
	case BOLT11_FIELD_PAYEE:
		return "payee (n)";
	case BOLT11_FIELD_DESCRIPTION_HASH:
		return "description_hash (h)";
	case BOLT11_FIELD_MIN_FINAL_CLTV:
		return "min_final_cltv_expiry_delta (c)";
	case BOLT11_FIELD_METADATA:
		return "metadata (m)";
	}
	return "unknown";
}

/* BOLT #11:
 * - for Bitcoin payments:
 *   - MUST set an `f` field to a valid witness version and program, OR to `17`
 *   followed by a public key hash, OR to `18` followed by a script hash.
 *
 * Returns NULL if valid, else why not. */
static inline const char *fallback_problem(uint8_t version,
					   size_t program_len)
{
	if (version == BOLT11_FALLBACK_P2PKH || version == BOLT11_FALLBACK_P2SH)
		return program_len == RIPEMD160_LEN ? NULL
			: "a P2PKH or P2SH hash must be 20 bytes";
	if (version > 16)
		return "unknown version";
	/* BIP141: programs of 2 to 40 bytes; version 0 only 20 or 32. */
	if (version == 0 && program_len != 20 && program_len != 32)
		return "a version 0 witness program must be 20 or 32 bytes";
	if (program_len < 2 || program_len > WITNESS_PROGRAM_MAX_LEN)
		return "a witness program must be 2 to 40 bytes";
	return NULL;
}

/* The known fields an invoice carries at most once (f and r repeat). */
static inline bool is_single_field(uint8_t type)
{
	switch ((enum bolt11_field_type)type) {
	case BOLT11_FIELD_PAYMENT_HASH:
	case BOLT11_FIELD_FEATURES:
	case BOLT11_FIELD_EXPIRY:
	case BOLT11_FIELD_DESCRIPTION:
	case BOLT11_FIELD_PAYMENT_SECRET:
	case BOLT11_FIELD_PAYEE:
	case BOLT11_FIELD_DESCRIPTION_HASH:
	case BOLT11_FIELD_MIN_FINAL_CLTV:
	case BOLT11_FIELD_METADATA:
		return true;
	case BOLT11_FIELD_ROUTE:
	case BOLT11_FIELD_FALLBACK:
		return false;
	}
	return false;
}

/* SHA256 of the hrp and data5[0..len) as bytes, zero-padded. */
static inline void signing_hash(struct sha256 *hash, const char *hrp,
				const uint8_t *data5, size_t len)
{
	size_t size = (len * 5 + 7) / 8 + 1, n;
	uint8_t *bytes = wire_calloc(size, 1);
	struct sha256_ctx sha;

	bech32_convert_bits(bytes, &n, size, 8, data5, len, 5, true);
	sha256_init(&sha);
	sha256_update(&sha, hrp, strlen(hrp));
	sha256_update(&sha, bytes, n);
	sha256_final(hash, &sha);
	free(bytes);
}

#endif /* OHM_PAY_BOLT11_INTERNAL_H */
