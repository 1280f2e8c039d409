/* BOLT #11 invoices, the reader's side: bolt11_decode parses the hrp
 * (currency and amount), the timestamp and every tagged field, with every
 * reader rule of the spec, and checks the signature; fields it does not use
 * are kept verbatim so the invoice re-encodes exactly.  Then the payer's
 * checks on a decoded invoice: fallback scripts, description hash, expiry.
 * What the reader shares with the writer is in pay/bolt11_internal.h. */
#include "pay/bolt11.h"

#include <stdlib.h>
#include <string.h>

#include <secp256k1_recovery.h>

#include "bitcoin/bech32.h"
#include "bitcoin/script.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "pay/bolt11_internal.h"

/* ---- Decoding ---- */

/* Strict UTF-8: no overlong forms, surrogates or code points past
 * U+10FFFF. */
static bool is_valid_utf8(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp, min;
		size_t more;

		if (s[i] < 0x80) {
			i++;
			continue;
		} else if ((s[i] & 0xe0) == 0xc0) {
			more = 1, cp = s[i] & 0x1f, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			more = 2, cp = s[i] & 0x0f, min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			more = 3, cp = s[i] & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < more)
			return false;
		for (size_t j = 1; j <= more; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}

static uint64_t be_read(const uint8_t *p, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++)
		v = (v << 8) | p[i];
	return v;
}

/* BOLT #11:
 * A reader:
 *   - if it does NOT understand the `prefix`:
 *     - MUST fail the payment.
 */
static bool parse_hrp(struct bolt11 *b11, char *err, const char *hrp)
{
	const char *currency = hrp + 2, *digits, *rest;
	size_t currency_len, num_digits;
	uint64_t value = 0, unit = MSAT_PER_BTC;

	if (strncmp(hrp, "ln", 2) != 0)
		return fail(err, "invoice prefix \"%s\" does not start with"
			    " \"ln\"", hrp);
	currency_len = strspn(currency, "abcdefghijklmnopqrstuvwxyz");
	for (size_t i = 0; i < NUM_CURRENCIES && !b11->chain; i++)
		if (strlen(currencies[i].currency) == currency_len
		    && strncmp(currencies[i].currency, currency,
			       currency_len) == 0)
			b11->chain = chainparams_for_network(currencies[i].network);
	if (!b11->chain)
		return fail(err, "unknown currency prefix \"%.*s\"",
			    (int)currency_len, currency);

	digits = currency + currency_len;
	num_digits = strspn(digits, "0123456789");
	rest = digits + num_digits;
	if (num_digits == 0) {
		if (*rest)
			return fail(err, "invalid amount \"%s\"", digits);
		return true;	/* "if the `amount` is empty" */
	}
	/* BOLT #11:
	 * - if `amount` contains a non-digit OR is followed by anything except
	 * a `multiplier` (see table above):
	 *   - MUST fail the payment.
	 */
	if (*rest) {
		size_t i;

		for (i = 0; i < NUM_MULTIPLIERS; i++)
			if (multipliers[i].letter == rest[0])
				break;
		if (i == NUM_MULTIPLIERS || rest[1])
			return fail(err, "invalid amount multiplier \"%s\"",
				    rest);
		unit = multipliers[i].msat;
		b11->amount_multiplier = rest[0];
	}
	/* A writer "MUST encode `amount` as a positive decimal integer with no
	 * leading 0s"; accepting them would give two spellings of one
	 * invoice. */
	if (digits[0] == '0')
		return fail(err, "invalid amount \"%.*s\": zero or a leading 0",
			    (int)num_digits, digits);
	for (size_t i = 0; i < num_digits; i++) {
		if (value > (UINT64_MAX - 9) / 10)
			return fail(err, "amount \"%.*s\" is too large",
				    (int)num_digits, digits);
		value = value * 10 + (uint64_t)(digits[i] - '0');
	}
	if (unit == 0) {
		/* BOLT #11:
		 * - if multiplier is `p` and the last decimal of `amount` is not 0:
		 *   - MUST fail the payment.
		 */
		if (value % 10 != 0)
			return fail(err, "invalid sub-millisatoshi amount"
				    " \"%.*sp\": pico amounts must end in 0",
				    (int)num_digits, digits);
		b11->amount_msat = value / 10;
	} else {
		if (value > UINT64_MAX / unit)
			return fail(err, "amount \"%.*s\" is too large",
				    (int)num_digits, digits);
		b11->amount_msat = value * unit;
	}
	b11->has_amount = true;
	return true;
}

/* data5[0..len) as bytes into a new buffer (*out_len of them), with the
 * strict padding rule; NULL if the padding is wrong. */
static uint8_t *data5_to_bytes(const uint8_t *data5, size_t len,
			       size_t *out_len)
{
	uint8_t *bytes = wire_calloc(len * 5 / 8 + 1, 1);

	if (!bech32_convert_bits(bytes, out_len, len * 5 / 8 + 1, 8, data5,
				 len, 5, false)) {
		free(bytes);
		return NULL;
	}
	return bytes;
}

/* Decodes a byte-valued field, naming it in the error. */
static uint8_t *field_bytes(char *err, uint8_t type, const uint8_t *data5,
			    size_t len, size_t *out_len)
{
	uint8_t *bytes = data5_to_bytes(data5, len, out_len);

	if (!bytes)
		fail(err, "%s field has invalid padding bits", field_name(type));
	return bytes;
}

/* A fixed-length field into out[0..out_len). */
static bool fixed_field(char *err, uint8_t type, const uint8_t *data5,
			size_t len, uint8_t *out, size_t out_len)
{
	size_t n;
	uint8_t *bytes = field_bytes(err, type, data5, len, &n);

	if (!bytes)
		return false;
	memcpy(out, bytes, out_len);
	free(bytes);
	return true;
}

/* BOLT #11:
 * - if a `c`, `x`, or `9` field is provided which has a non-minimal `data_length`
 * (i.e. begins with 0 field elements):
 *   - SHOULD treat the invoice as invalid.
 */
static bool check_minimal(char *err, uint8_t type, const uint8_t *data5,
			  size_t len)
{
	if (len > 0 && data5[0] == 0)
		return fail(err, "%s field is not minimally encoded"
			    " (starts with a zero value)", field_name(type));
	return true;
}

static bool uint_field(uint64_t *out, char *err, uint8_t type,
		       const uint8_t *data5, size_t len)
{
	uint64_t v = 0;

	if (!check_minimal(err, type, data5, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (v >> 59)
			return fail(err, "%s field is too large for 64 bits",
				    field_name(type));
		v = (v << 5) | data5[i];
	}
	*out = v;
	return true;
}

/* The default "known" invoice features: BOLT #9 rows for context 9, and
 * the ASSUMED ones (invoices still set var_onion_optin and
 * payment_secret). */
static bool is_known_feature(const struct featurebits *known, size_t bit)
{
	const struct feature_info *info;

	if (known)
		return featurebits_is_set(known, bit & ~(size_t)1)
			|| featurebits_is_set(known, bit | 1);
	info = feature_info_by_bit(bit);
	return info && (info->is_assumed
			|| feature_in_context(info, FEATURE_CTX_INVOICE));
}

static bool features_field(struct bolt11 *b11, char *err,
			   const uint8_t *data5, size_t len,
			   const struct featurebits *known)
{
	size_t num_bytes = (len * 5 + 7) / 8;
	uint8_t *bytes = wire_calloc(num_bytes + 1, 1);
	struct featurebits *bits;
	char why[FEATURES_WHY_MAX];

	if (!check_minimal(err, BOLT11_FIELD_FEATURES, data5, len)) {
		free(bytes);
		return false;
	}
	/* BOLT #11: The field is big-endian.  The least-significant bit is
	 * numbered 0, which is _even_, and the next most significant bit is
	 * numbered 1, which is _odd_. */
	for (size_t i = 0; i < len; i++)
		for (size_t b = 0; b < 5; b++)
			if (data5[i] & (1u << b)) {
				size_t bit = 5 * (len - 1 - i) + b;

				bytes[num_bytes - 1 - bit / 8] |=
					(uint8_t)(1u << (bit % 8));
			}
	bits = featurebits_from_bytes(bytes, num_bytes);
	free(bytes);
	/* BOLT #11:
	 * - if the `9` field contains unknown _odd_ bits that are non-zero:
	 *   - MUST ignore the bit.
	 * - if the `9` field contains unknown _even_ bits that are non-zero:
	 *   - MUST fail the payment.
	 *   - SHOULD indicate the unknown bit to the user.
	 */
	for (size_t bit = 0; bit < bits->len * 8; bit += 2) {
		if (featurebits_is_set(bits, bit)
		    && !is_known_feature(known, bit)) {
			featurebits_free(bits);
			return fail(err, "features (9) field requires unknown"
				    " feature bit %zu", bit);
		}
	}
	/* BOLT #11:
	 * - if the feature vector does not set all known, transitive feature dependencies:
	 *   - MUST NOT attempt the payment.
	 */
	if (!features_check_dependencies(bits, why)) {
		featurebits_free(bits);
		return fail(err, "features (9) field: %s", why);
	}
	featurebits_free(b11->features);
	b11->features = bits;
	return true;
}

/* Returns false to fail; *is_extra if the field is kept verbatim. */
static bool fallback_field(struct bolt11 *b11, char *err,
			   const uint8_t *data5, size_t len, bool *is_extra)
{
	const char *problem;
	uint8_t *program;
	size_t program_len;

	if (len == 0)
		return fail(err, "fallback (f) field is empty");
	/* BOLT #11: MUST skip over `f` fields that use an unknown `version`. */
	if (data5[0] > BOLT11_FALLBACK_P2SH) {
		*is_extra = true;
		return true;
	}
	program = field_bytes(err, BOLT11_FIELD_FALLBACK, data5 + 1, len - 1,
			      &program_len);
	if (!program)
		return false;
	problem = fallback_problem(data5[0], program_len);
	if (problem) {
		free(program);
		return fail(err, "fallback (f) field version %u: %s (not %zu)",
			    data5[0], problem, program_len);
	}
	/* Room was made by decode_fields. */
	b11->fallbacks[b11->num_fallbacks].version = data5[0];
	b11->fallbacks[b11->num_fallbacks].program = program;
	b11->fallbacks[b11->num_fallbacks].program_len = program_len;
	b11->num_fallbacks++;
	return true;
}

static bool route_field(struct bolt11 *b11, char *err, const uint8_t *data5,
			size_t len)
{
	size_t num_bytes, num_hops;
	uint8_t *bytes = field_bytes(err, BOLT11_FIELD_ROUTE, data5, len,
				     &num_bytes);
	struct bolt11_route_hop *hops;

	if (!bytes)
		return false;
	if (num_bytes == 0 || num_bytes % ROUTE_HOP_LEN != 0) {
		free(bytes);
		return fail(err, "route (r) field is %zu bytes, not a whole"
			    " number of %u-byte hops", num_bytes,
			    ROUTE_HOP_LEN);
	}
	num_hops = num_bytes / ROUTE_HOP_LEN;
	hops = wire_calloc(num_hops, sizeof(*hops));
	for (size_t i = 0; i < num_hops; i++) {
		const uint8_t *p = bytes + i * ROUTE_HOP_LEN;

		memcpy(hops[i].node_id, p, PUBKEY_CMPR_LEN);
		p += PUBKEY_CMPR_LEN;
		hops[i].short_channel_id.u64 = be_read(p, 8);
		hops[i].fee_base_msat = (uint32_t)be_read(p + 8, 4);
		hops[i].fee_proportional_millionths = (uint32_t)be_read(p + 12, 4);
		hops[i].cltv_expiry_delta = (uint16_t)be_read(p + 16, 2);
	}
	/* Room was made by decode_fields. */
	b11->routes[b11->num_routes].hops = hops;
	b11->routes[b11->num_routes].num_hops = num_hops;
	b11->num_routes++;
	free(bytes);
	return true;
}

/* Decodes one tagged field into b11.  seen[type] says a field of that
 * type was already used: a repeat is kept verbatim (the first one is the
 * one to use, as for `p`: "SHOULD use the first `p` field").  Sets
 * *is_extra if the field goes to extra_fields. */
static bool decode_field(const secp256k1_context *ctx, struct bolt11 *b11,
			 char *err, uint8_t type, const uint8_t *data5,
			 size_t len, bool seen[NUM_TYPES],
			 const struct featurebits *known, bool *is_extra)
{
	size_t want_len = 0, n;
	uint8_t payee[PUBKEY_CMPR_LEN];
	struct pubkey key;
	uint8_t *bytes;

	*is_extra = false;
	switch (type) {
	case BOLT11_FIELD_PAYMENT_HASH:
	case BOLT11_FIELD_PAYMENT_SECRET:
	case BOLT11_FIELD_DESCRIPTION_HASH:
		want_len = 52;
		break;
	case BOLT11_FIELD_PAYEE:
		want_len = 53;
		break;
	}
	/* BOLT #11:
	 * - MUST fail the payment if any field with fixed `data_length` (`p`, `h`, `s`, `n`) does not have the correct length (52, 52, 52, 53).
	 */
	if (want_len && len != want_len)
		return fail(err, "%s field has data_length %zu, not %zu",
			    field_name(type), len, want_len);

	if (type == BOLT11_FIELD_FALLBACK)
		return fallback_field(b11, err, data5, len, is_extra);
	if (type == BOLT11_FIELD_ROUTE)
		return route_field(b11, err, data5, len);
	if (!is_single_field(type) || seen[type]) {
		*is_extra = true;
		return true;
	}
	seen[type] = true;

	switch ((enum bolt11_field_type)type) {
	case BOLT11_FIELD_PAYMENT_HASH:
		return fixed_field(err, type, data5, len, b11->payment_hash.u8,
				   sizeof(b11->payment_hash.u8));
	case BOLT11_FIELD_PAYMENT_SECRET:
		return fixed_field(err, type, data5, len,
				   b11->payment_secret.data,
				   sizeof(b11->payment_secret.data));
	case BOLT11_FIELD_DESCRIPTION_HASH:
		b11->has_description_hash = true;
		return fixed_field(err, type, data5, len,
				   b11->description_hash.u8,
				   sizeof(b11->description_hash.u8));
	case BOLT11_FIELD_PAYEE:
		if (!fixed_field(err, type, data5, len, payee, sizeof(payee)))
			return false;
		if (!pubkey_parse(ctx, &key, payee))
			return fail(err, "payee (n) field is not a valid"
				    " public key");
		memcpy(b11->payee, payee, sizeof(payee));
		b11->has_payee_field = true;
		return true;
	case BOLT11_FIELD_DESCRIPTION:
		bytes = field_bytes(err, type, data5, len, &n);
		if (!bytes)
			return false;
		if (!is_valid_utf8(bytes, n)) {
			free(bytes);
			return fail(err, "description (d) field is not valid"
				    " UTF-8");
		}
		bolt11_set_description(b11, (const char *)bytes, n);
		free(bytes);
		return true;
	case BOLT11_FIELD_METADATA:
		bytes = field_bytes(err, type, data5, len, &n);
		if (!bytes)
			return false;
		bolt11_set_metadata(b11, bytes, n);
		free(bytes);
		return true;
	case BOLT11_FIELD_EXPIRY:
		return uint_field(&b11->expiry, err, type, data5, len);
	case BOLT11_FIELD_MIN_FINAL_CLTV:
		return uint_field(&b11->min_final_cltv_expiry_delta, err, type,
				  data5, len);
	case BOLT11_FIELD_FEATURES:
		return features_field(b11, err, data5, len, known);
	case BOLT11_FIELD_ROUTE:
	case BOLT11_FIELD_FALLBACK:
		break;
	}
	return true;
}

/* BOLT #11:
 * A reader:
 *   - MUST check that the `signature` is valid (see the `n` tagged field specified below).
 */
static bool check_signature(const secp256k1_context *ctx, struct bolt11 *b11,
			    char *err, const struct sha256 *hash)
{
	secp256k1_ecdsa_recoverable_signature rsig;
	secp256k1_ecdsa_signature sig, normal;
	secp256k1_pubkey key;
	size_t len = PUBKEY_CMPR_LEN;

	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(
		    ctx, &rsig, b11->signature, b11->recovery_id))
		return fail(err, "signature r or s is not below the curve"
			    " order");
	/* BOLT #11:
	 * - if a valid `n` field is provided:
	 *   - MUST use the `n` field to validate the signature instead of performing public-key recovery.
	 *   - If the signature is not compliant with the low-S standard rule<sup>[low-S](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
	 *     - MUST fail the payment
	 */
	if (b11->has_payee_field) {
		secp256k1_ecdsa_recoverable_signature_convert(ctx, &sig, &rsig);
		if (!secp256k1_ec_pubkey_parse(ctx, &key, b11->payee,
					       sizeof(b11->payee)))
			return fail(err, "payee (n) field is not a valid"
				    " public key");
		if (secp256k1_ecdsa_verify(ctx, &sig, hash->u8, &key))
			return true;
		if (secp256k1_ecdsa_signature_normalize(ctx, &normal, &sig)
		    && secp256k1_ecdsa_verify(ctx, &normal, hash->u8, &key))
			return fail(err, "signature is high-S, which is not"
				    " allowed with a payee (n) field");
		return fail(err, "signature does not verify against payee"
			    " (n)");
	}
	/* BOLT #11:
	 * - otherwise:
	 *   - MUST perform ECDSA public-key recovery and accept both high-S and low-S signatures.
	 *
	 * libsecp256k1's recovery does not insist on low-S. */
	if (!secp256k1_ecdsa_recover(ctx, &key, &rsig, hash->u8))
		return fail(err, "signature is not recoverable (recovery id"
			    " %d)", b11->recovery_id);
	secp256k1_ec_pubkey_serialize(ctx, b11->payee, &len, &key,
				      SECP256K1_EC_COMPRESSED);
	return true;
}

/* How many tagged fields of each type data5[TIMESTAMP_LEN5..end) holds
 * (up to one that runs past end, which decode_fields reports). */
static size_t count_fields(size_t counts[NUM_TYPES], const uint8_t *data5,
			   size_t end)
{
	size_t pos = TIMESTAMP_LEN5, total = 0;

	while (end - pos >= 3) {
		size_t len = (size_t)data5[pos + 1] * 32 + data5[pos + 2];

		if (len > end - pos - 3)
			break;
		counts[data5[pos]]++;
		total++;
		pos += 3 + len;
	}
	return total;
}

/* The tagged fields of data5[TIMESTAMP_LEN5..end) into b11, whose arrays
 * are allocated here once: growing them per field would make a long
 * string cost quadratic time. */
static bool decode_fields(const secp256k1_context *ctx, struct bolt11 *b11,
			  char *err, bool seen[NUM_TYPES], const uint8_t *data5,
			  size_t end, const struct featurebits *known)
{
	size_t pos = TIMESTAMP_LEN5, counts[NUM_TYPES] = { 0 };
	size_t total = count_fields(counts, data5, end);

	b11->field_order = wire_calloc(total, sizeof(*b11->field_order));
	b11->extra_fields = wire_calloc(total, sizeof(*b11->extra_fields));
	b11->fallbacks = wire_calloc(counts[BOLT11_FIELD_FALLBACK],
				     sizeof(*b11->fallbacks));
	b11->routes = wire_calloc(counts[BOLT11_FIELD_ROUTE],
				  sizeof(*b11->routes));
	while (pos < end) {
		uint8_t type;
		size_t len;
		bool is_extra;

		if (end - pos < 3)
			return fail(err, "tagged field truncated: %zu values"
				    " before the signature, a field needs 3",
				    end - pos);
		type = data5[pos];
		len = (size_t)data5[pos + 1] * 32 + data5[pos + 2];
		pos += 3;
		if (len > end - pos)
			return fail(err, "%s field (type %u) has data_length"
				    " %zu, past the signature",
				    field_name(type), type, len);
		if (!decode_field(ctx, b11, err, type, data5 + pos, len, seen,
				  known, &is_extra))
			return false;
		if (is_extra) {
			struct bolt11_field *f =
				&b11->extra_fields[b11->num_extra_fields++];

			f->type = type;
			f->data5 = wire_memdup(data5 + pos, len);
			f->data5_len = len;
		}
		b11->field_order[b11->num_field_order].type = type;
		b11->field_order[b11->num_field_order].is_extra = is_extra;
		b11->num_field_order++;
		pos += len;
	}
	return true;
}

/* Everything after bech32: hrp (lowercase) and data5[0..len). */
static bool decode_parts(const secp256k1_context *ctx, struct bolt11 *b11,
			 char *err, const char *hrp, const uint8_t *data5,
			 size_t len, const struct featurebits *known)
{
	size_t end, sig_len;
	bool seen[NUM_TYPES] = { false };
	uint8_t sig[RECOVERABLE_SIGNATURE_LEN + 1];
	struct sha256 hash;

	if (!parse_hrp(b11, err, hrp))
		return false;
	if (len < TIMESTAMP_LEN5 + SIGNATURE_LEN5)
		return fail(err, "invoice too short: %zu data values, the"
			    " timestamp and signature alone need %u", len,
			    TIMESTAMP_LEN5 + SIGNATURE_LEN5);
	end = len - SIGNATURE_LEN5;
	for (size_t i = 0; i < TIMESTAMP_LEN5; i++)
		b11->timestamp = (b11->timestamp << 5) | data5[i];
	if (!decode_fields(ctx, b11, err, seen, data5, end, known))
		return false;

	if (!seen[BOLT11_FIELD_PAYMENT_HASH])
		return fail(err, "missing payment_hash (p) field");
	/* BOLT #11:
	 * - if a valid `s` field is not provided:
	 *   - MUST fail the payment.
	 */
	if (!seen[BOLT11_FIELD_PAYMENT_SECRET])
		return fail(err, "missing payment_secret (s) field");
	/* BOLT #11:
	 * - MUST fail the payment if neither a `d` field nor a `h` field is present, or if both are present.
	 */
	if (!b11->description && !b11->has_description_hash)
		return fail(err, "missing description (d) or description_hash"
			    " (h) field");
	if (b11->description && b11->has_description_hash)
		return fail(err, "both description (d) and description_hash"
			    " (h) fields present");

	/* 104 values are exactly 65 bytes: r || s || recovery id. */
	bech32_convert_bits(sig, &sig_len, sizeof(sig), 8, data5 + end,
			    SIGNATURE_LEN5, 5, false);
	memcpy(b11->signature, sig, SIGNATURE_COMPACT_LEN);
	b11->recovery_id = sig[SIGNATURE_COMPACT_LEN];
	/* BOLT #11: a trailing 1-byte recovery id in {0,1,2,3}. */
	if (b11->recovery_id > 3)
		return fail(err, "signature recovery id %d is not 0 to 3",
			    b11->recovery_id);
	signing_hash(&hash, hrp, data5, end);
	return check_signature(ctx, b11, err, &hash);
}

bool bolt11_decode(const secp256k1_context *ctx, struct bolt11 **out,
		   char *err, const char *str,
		   const struct featurebits *known_features)
{
	size_t size = strlen(str) + 1, len;
	char *hrp = wire_calloc(size, 1);
	uint8_t *data5 = wire_calloc(size, 1);
	enum bech32_encoding encoding;
	const char *why;
	struct bolt11 *b11 = NULL;
	bool ok;

	/* BOLT #11:
	 * A reader:
	 *   - MUST parse the address as Bech32, as specified in BIP-0173 (also without the character limit).
	 */
	ok = bech32_decode(&encoding, hrp, size, data5, &len, size, str,
			   SIZE_MAX, &why);
	if (!ok) {
		fail(err, "%s", why);
	} else if (encoding != BECH32_ENCODING_BECH32) {
		ok = fail(err, "bad bech32 checksum (it is a bech32m one)");
	} else {
		b11 = bolt11_new(NULL);
		ok = decode_parts(ctx, b11, err, hrp, data5, len,
				  known_features);
	}
	free(hrp);
	free(data5);
	if (!ok) {
		bolt11_free(b11);
		return false;
	}
	*out = b11;
	return true;
}

/* ---- A payer's checks on a decoded invoice ---- */

bool bolt11_fallback_script(struct wirebuf *script,
			    const struct bolt11_fallback *fallback)
{
	struct ripemd160 hash;

	if (fallback_problem(fallback->version, fallback->program_len))
		return false;
	if (fallback->version == BOLT11_FALLBACK_P2PKH
	    || fallback->version == BOLT11_FALLBACK_P2SH) {
		memcpy(hash.u8, fallback->program, sizeof(hash.u8));
		if (fallback->version == BOLT11_FALLBACK_P2PKH)
			script_p2pkh(script, &hash);
		else
			script_p2sh(script, &hash);
		return true;
	}
	return script_witness_output(script, fallback->version,
				     fallback->program, fallback->program_len);
}

bool bolt11_description_hash_matches(const struct bolt11 *b11,
				    const void *description, size_t len)
{
	struct sha256 hash;

	if (!b11->has_description_hash)
		return false;
	sha256(&hash, description, len);
	return memcmp(hash.u8, b11->description_hash.u8, SHA256_LEN) == 0;
}

/* BOLT #11:
 * A payer:
 *   - after the `timestamp` plus `expiry` has passed:
 *     - SHOULD NOT attempt a payment.
 */
bool bolt11_is_expired(const struct bolt11 *b11, uint64_t now)
{
	if (b11->expiry > UINT64_MAX - b11->timestamp)
		return false;
	return b11->timestamp + b11->expiry <= now;
}
