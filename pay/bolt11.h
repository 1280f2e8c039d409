/* BOLT #11 invoices: decoding a payment request string into a struct
 * bolt11, with every reader rule of the spec, and encoding (and signing)
 * one.
 *
 * An invoice is bech32 (without the 90-character limit): the hrp "ln" +
 * currency + optional amount, then a 35-bit timestamp, tagged fields and a
 * 65-byte recoverable signature over SHA256(hrp || data part as bytes).
 *
 * Decoding keeps everything needed to re-encode the same string byte for
 * byte: fields it does not use (unknown types, `f` of unknown versions, a
 * repeat of a field allowed once) are kept verbatim in extra_fields, and
 * field_order records the order the fields came in.  bolt11_encode writes
 * a freshly built struct (field_order empty) in a canonical order instead.
 *
 * Ownership: bolt11_new() and bolt11_decode() allocate, bolt11_free()
 * releases everything a struct bolt11 points to, so set pointer members
 * with the bolt11_set_* / bolt11_add_* helpers (or malloc them yourself).
 * Errors are written into a caller's buffer of BOLT11_ERROR_LEN bytes (or
 * NULL) as a sentence naming the field: "missing payment_hash (p) field".
 *
 * Pure: no I/O, no globals, no clock (bolt11_is_expired takes "now").
 */
#ifndef OHM_PAY_BOLT11_H
#define OHM_PAY_BOLT11_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/chainparams.h"
#include "crypto/types.h"
#include "wire/features.h"
#include "wire/short_channel_id.h"
#include "wire/wirebuf.h"

#define BOLT11_ERROR_LEN 256

/* BOLT #11 defaults when `x` or `c` is absent. */
#define BOLT11_DEFAULT_EXPIRY 3600
#define BOLT11_DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA 18

/* A tagged field's 5-bit `type`, named after what it carries; the
 * comment is its letter in the string. */
enum bolt11_field_type {
	BOLT11_FIELD_PAYMENT_HASH = 1,		/* p */
	BOLT11_FIELD_ROUTE = 3,			/* r */
	BOLT11_FIELD_FEATURES = 5,		/* 9 */
	BOLT11_FIELD_EXPIRY = 6,		/* x */
	BOLT11_FIELD_FALLBACK = 9,		/* f */
	BOLT11_FIELD_DESCRIPTION = 13,		/* d */
	BOLT11_FIELD_PAYMENT_SECRET = 16,	/* s */
	BOLT11_FIELD_PAYEE = 19,		/* n */
	BOLT11_FIELD_DESCRIPTION_HASH = 23,	/* h */
	BOLT11_FIELD_MIN_FINAL_CLTV = 24,	/* c */
	BOLT11_FIELD_METADATA = 27,		/* m */
};

/* An on-chain fallback address (`f`): version 0..16 is a witness version
 * and program (2..40 bytes; 20 or 32 for version 0), 17 a P2PKH and 18 a
 * P2SH hash (20 bytes).  bolt11_fallback_script gives its scriptPubKey. */
#define BOLT11_FALLBACK_P2PKH 17
#define BOLT11_FALLBACK_P2SH 18

struct bolt11_fallback {
	uint8_t version;
	uint8_t *program;
	size_t program_len;
};

/* One hop of a route hint (`r`): the channel from node_id onwards. */
struct bolt11_route_hop {
	uint8_t node_id[PUBKEY_CMPR_LEN];	/* as written; not checked */
	struct short_channel_id short_channel_id;
	uint32_t fee_base_msat;
	uint32_t fee_proportional_millionths;
	uint16_t cltv_expiry_delta;
};

/* One `r` field: a private route, from a public node to the payee. */
struct bolt11_route {
	struct bolt11_route_hop *hops;
	size_t num_hops;
};

/* A tagged field kept verbatim: its 5-bit values. */
struct bolt11_field {
	uint8_t type;		/* 0..31 */
	uint8_t *data5;		/* data5_len values, each 0..31 */
	size_t data5_len;	/* at most 1023 */
};

/* Where a field appeared: type, and whether it is in extra_fields (else
 * it is the next unwritten one of that type among the typed members). */
struct bolt11_field_ref {
	uint8_t type;
	bool is_extra;
};

struct bolt11 {
	/* Human-readable part. */
	const struct chainparams *chain;	/* from lnbc, lntb, lntbs, lnbcrt */
	bool has_amount;
	uint64_t amount_msat;			/* > 0 when has_amount */
	/* The multiplier the amount was written with ('m', 'u', 'n', 'p' or
	 * 0 for whole bitcoin); bolt11_encode uses it if it can express
	 * amount_msat exactly, else the largest one that can. */
	char amount_multiplier;

	uint64_t timestamp;			/* seconds since 1970, < 2^35 */
	struct sha256 payment_hash;		/* p: always present */
	struct secret payment_secret;		/* s: always present */
	char *description;			/* d: NUL-terminated, or NULL */
	size_t description_len;			/* without the NUL */
	bool has_description_hash;
	struct sha256 description_hash;		/* h */
	/* The payee's node id: from `n` (has_payee_field) or recovered from
	 * the signature.  bolt11_encode writes `n` iff has_payee_field. */
	uint8_t payee[PUBKEY_CMPR_LEN];
	bool has_payee_field;
	uint64_t expiry;			/* x, seconds; default 3600 */
	uint64_t min_final_cltv_expiry_delta;	/* c; default 18 */
	struct bolt11_fallback *fallbacks;	/* f, most preferred first */
	size_t num_fallbacks;
	struct bolt11_route *routes;		/* r, most preferred first */
	size_t num_routes;
	struct featurebits *features;		/* 9; never NULL, maybe empty */
	bool has_metadata;
	uint8_t *metadata;			/* m */
	size_t metadata_len;

	/* Fields decoding did not use, and the order of all fields. */
	struct bolt11_field *extra_fields;
	size_t num_extra_fields;
	struct bolt11_field_ref *field_order;
	size_t num_field_order;

	/* As decoded (bolt11_encode signs afresh). */
	uint8_t signature[SIGNATURE_COMPACT_LEN];	/* r || s */
	int recovery_id;				/* 0..3 */
};

/* A new invoice for chain with no fields: no amount, timestamp 0, zero
 * hashes, expiry and min_final_cltv_expiry_delta at their defaults.
 * Never NULL; release with bolt11_free(). */
struct bolt11 *bolt11_new(const struct chainparams *chain);

/* Releases b11 and everything it points to.  b11 may be NULL. */
void bolt11_free(struct bolt11 *b11);

/* Sets the description to a copy of description[0..len) (replacing any). */
void bolt11_set_description(struct bolt11 *b11, const char *description,
			    size_t len);

/* Sets the payment metadata to a copy of metadata[0..len). */
void bolt11_set_metadata(struct bolt11 *b11, const uint8_t *metadata,
			 size_t len);

/* Appends a fallback (copying program); see struct bolt11_fallback. */
void bolt11_add_fallback(struct bolt11 *b11, uint8_t version,
			 const uint8_t *program, size_t program_len);

/* Appends a route hint of num_hops hops (copied). */
void bolt11_add_route(struct bolt11 *b11, const struct bolt11_route_hop *hops,
		      size_t num_hops);

/* Decodes an invoice string (either case) into a new *out, applying the
 * reader requirements of BOLT #11: bech32 checksum, known currency prefix,
 * amount and multiplier, fixed field lengths, minimal `x`/`c`/`9`, exactly
 * one of `d` and `h`, `p` and `s` present, and the signature (checked
 * against `n`, low-S only, if present; else the payee is recovered from
 * it, high-S accepted).
 *
 * known_features says which feature pairs the caller understands: an even
 * (required) `9` bit is known if known_features has either bit of its
 * pair.  NULL means every BOLT #9 feature allowed in invoices (context 9)
 * or ASSUMED.  An unknown even bit fails the decode, naming the bit;
 * unknown odd bits are ignored.  A feature without its BOLT #9 dependency
 * fails too.
 *
 * A `p`, `h`, `s` or `n` of the wrong data_length fails the decode, as
 * BOLT #11 now says (older text, and its "fields which must be ignored"
 * example, skipped them).  A repeat of a field allowed once is kept in
 * extra_fields and the first one used; so is an `f` of unknown version.
 * Where the spec is silent, anything that would not re-encode to the same
 * string also fails, each with its own message: an amount with a leading
 * 0, non-zero padding bits, a `d` that is not UTF-8, an `f` or `r` of the
 * wrong size, an `x` or `c` over 64 bits.
 *
 * The `h` field cannot be checked here: see
 * bolt11_description_hash_matches().
 * Returns: true with *out set; false with err filled and *out untouched. */
bool bolt11_decode(const secp256k1_context *ctx, struct bolt11 **out,
		   char *err, const char *str,
		   const struct featurebits *known_features);

/* Produces the signature for bolt11_encode: the compact r||s and recovery
 * id (0..3) of a recoverable ECDSA signature of hash by the payee's key.
 * Returns: false if it cannot sign. */
typedef bool (*bolt11_sign_fn)(uint8_t sig[SIGNATURE_COMPACT_LEN],
			       int *recovery_id, const struct sha256 *hash,
			       void *arg);

/* Encodes b11 as a lowercase invoice string in a new malloc'd *out,
 * signing SHA256(hrp || data part, zero-padded to a byte) with sign.
 * Fields come in field_order (as decoded) and then, for any not listed
 * there, in the canonical order p, s, d/h, n, x, c, f..., r..., 9, m,
 * extra fields.  A field listed in field_order is written even if it
 * holds the default.  Unlisted, x is written only if not the default, 9
 * only if some bit is set, and c always for a built struct (empty
 * field_order), else only if not the default.
 * Returns: false (with err filled, *out untouched) if b11 breaks a writer
 *          requirement (no network, zero amount, both or neither of
 *          description and description_hash, a field too long for its
 *          10-bit length, a bad fallback), signing fails, or the signature
 *          does not verify (low-S) against payee when has_payee_field. */
bool bolt11_encode(const secp256k1_context *ctx, char **out, char *err,
		   const struct bolt11 *b11, bolt11_sign_fn sign,
		   void *sign_arg);

/* bolt11_encode signing with key (RFC 6979 nonces, low-S). */
bool bolt11_encode_with_key(const secp256k1_context *ctx, char **out,
			    char *err, const struct bolt11 *b11,
			    const struct privkey *key);

/* Returns: true if b11 has a description_hash and it is
 *          SHA256(description[0..len)), which a payer MUST check. */
bool bolt11_description_hash_matches(const struct bolt11 *b11,
				    const void *description, size_t len);

/* Returns: true if timestamp + expiry is at or before now (seconds since
 *          1970): a payer SHOULD NOT pay it any more. */
bool bolt11_is_expired(const struct bolt11 *b11, uint64_t now);

/* Appends the scriptPubKey that fallback pays.
 * Returns: false (nothing appended) if the version or program is
 *          invalid. */
bool bolt11_fallback_script(struct wirebuf *script,
			    const struct bolt11_fallback *fallback);

#endif /* OHM_PAY_BOLT11_H */
