/* BOLT #11 invoices.  The data part is handled as 5-bit values ("data5")
 * throughout: a tagged field is type (1 value), data_length (2 values)
 * and data_length values; byte-valued fields are regrouped with
 * bech32_convert_bits, strictly (padding under 5 bits and zero), so every
 * accepted field has exactly one encoding and re-encoding is exact. */
#include "pay/bolt11.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1_recovery.h>

#include "bitcoin/bech32.h"
#include "bitcoin/script.h"
#include "crypto/hash.h"
#include "crypto/secp.h"

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

static bool fail(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool fail(char *err, const char *fmt, ...)
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
static const char *field_name(uint8_t type)
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

/* ---- Construction and release ---- */

struct bolt11 *bolt11_new(const struct chainparams *chain)
{
	struct bolt11 *b11 = wire_calloc(1, sizeof(*b11));

	b11->chain = chain;
	b11->expiry = BOLT11_DEFAULT_EXPIRY;
	b11->min_final_cltv_expiry_delta =
		BOLT11_DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA;
	b11->features = featurebits_new();
	return b11;
}

void bolt11_free(struct bolt11 *b11)
{
	if (!b11)
		return;
	free(b11->description);
	for (size_t i = 0; i < b11->num_fallbacks; i++)
		free(b11->fallbacks[i].program);
	free(b11->fallbacks);
	for (size_t i = 0; i < b11->num_routes; i++)
		free(b11->routes[i].hops);
	free(b11->routes);
	featurebits_free(b11->features);
	free(b11->metadata);
	for (size_t i = 0; i < b11->num_extra_fields; i++)
		free(b11->extra_fields[i].data5);
	free(b11->extra_fields);
	free(b11->field_order);
	free(b11);
}

void bolt11_set_description(struct bolt11 *b11, const char *description,
			    size_t len)
{
	free(b11->description);
	b11->description = wire_calloc(len + 1, 1);
	if (len)
		memcpy(b11->description, description, len);
	b11->description_len = len;
}

void bolt11_set_metadata(struct bolt11 *b11, const uint8_t *metadata,
			 size_t len)
{
	free(b11->metadata);
	b11->metadata = wire_memdup(metadata, len);
	b11->metadata_len = len;
	b11->has_metadata = true;
}

/* A copy of array (num elements of size) with a zeroed one after them;
 * frees array.  For the helpers below, which build small structs: the
 * decoder sizes its arrays once. */
static void *grow_by_one(void *array, size_t num, size_t size)
{
	uint8_t *grown = wire_calloc(num + 1, size);

	if (num)
		memcpy(grown, array, num * size);
	free(array);
	return grown;
}

void bolt11_add_fallback(struct bolt11 *b11, uint8_t version,
			 const uint8_t *program, size_t program_len)
{
	struct bolt11_fallback *f;

	b11->fallbacks = grow_by_one(b11->fallbacks, b11->num_fallbacks,
				     sizeof(*f));
	f = &b11->fallbacks[b11->num_fallbacks++];
	f->version = version;
	f->program = wire_memdup(program, program_len);
	f->program_len = program_len;
}

void bolt11_add_route(struct bolt11 *b11, const struct bolt11_route_hop *hops,
		      size_t num_hops)
{
	struct bolt11_route *r;

	b11->routes = grow_by_one(b11->routes, b11->num_routes, sizeof(*r));
	r = &b11->routes[b11->num_routes++];
	r->hops = wire_memdup(hops, num_hops * sizeof(*hops));
	r->num_hops = num_hops;
}

/* ---- Small helpers ---- */

/* BOLT #11:
 * - for Bitcoin payments:
 *   - MUST set an `f` field to a valid witness version and program, OR to `17`
 *   followed by a public key hash, OR to `18` followed by a script hash.
 *
 * Returns NULL if valid, else why not. */
static const char *fallback_problem(uint8_t version, size_t program_len)
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

static void be_write(uint8_t *p, uint64_t v, size_t len)
{
	for (size_t i = len; i > 0; i--, v >>= 8)
		p[i - 1] = (uint8_t)v;
}

/* ---- Decoding ---- */

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

/* The known fields an invoice carries at most once (f and r repeat). */
static bool is_single_field(uint8_t type)
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

/* SHA256 of the hrp and data5[0..len) as bytes, zero-padded. */
static void signing_hash(struct sha256 *hash, const char *hrp,
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

/* ---- Encoding ---- */

/* Appends num values of v, most significant first. */
static void put_uint(struct wirebuf *data5, uint64_t v, size_t num)
{
	for (size_t i = num; i > 0; i--) {
		uint8_t value = (uint8_t)((v >> (5 * (i - 1))) & 31);

		wirebuf_append(data5, &value, 1);
	}
}

/* The fewest values that hold v: "no leading 0 field-elements". */
static size_t uint_len5(uint64_t v)
{
	size_t n = 0;

	for (; v; v >>= 5)
		n++;
	return n;
}

static bool put_field(struct wirebuf *data5, char *err, uint8_t type,
		      const uint8_t *values, size_t len)
{
	uint8_t header[3] = { type, (uint8_t)(len / 32), (uint8_t)(len % 32) };

	if (len > FIELD_MAX_LEN5)
		return fail(err, "%s field is too long: %zu values, at most"
			    " %u", field_name(type), len, FIELD_MAX_LEN5);
	wirebuf_append(data5, header, sizeof(header));
	wirebuf_append(data5, values, len);
	return true;
}

/* A field of lead_len 5-bit values, then bytes zero-padded.
 * BOLT #11: MUST pad field data to a multiple of 5 bits, using 0s. */
static bool put_bytes_field(struct wirebuf *data5, char *err, uint8_t type,
			    const uint8_t *lead, size_t lead_len,
			    const uint8_t *bytes, size_t len)
{
	size_t size = lead_len + (len * 8 + 4) / 5 + 1, n;
	uint8_t *values = wire_calloc(size, 1);
	bool ok;

	if (lead_len)
		memcpy(values, lead, lead_len);
	bech32_convert_bits(values + lead_len, &n, size - lead_len, 5, bytes,
			    len, 8, true);
	ok = put_field(data5, err, type, values, lead_len + n);
	free(values);
	return ok;
}

static bool put_uint_field(struct wirebuf *data5, char *err, uint8_t type,
			   uint64_t v)
{
	struct wirebuf *values = wirebuf_new();
	bool ok;

	put_uint(values, v, uint_len5(v));
	ok = put_field(data5, err, type, values->data, values->len);
	wirebuf_free(values);
	return ok;
}

/* BOLT #11:
 * - if `9` contains non-zero bits:
 *   - MUST use the minimum `data_length` possible to encode the non-zero bits
 *     with no 0 field-elements at the start.
 */
static bool put_features(struct wirebuf *data5, char *err,
			 const struct featurebits *features)
{
	size_t bits = features->len * 8, num;
	uint8_t *values;
	bool ok;

	while (bits > 0 && !featurebits_is_set(features, bits - 1))
		bits--;
	num = (bits + 4) / 5;
	values = wire_calloc(num + 1, 1);
	for (size_t i = 0; i < num; i++)
		for (size_t b = 0; b < 5; b++)
			if (featurebits_is_set(features, 5 * (num - 1 - i) + b))
				values[i] |= (uint8_t)(1u << b);
	ok = put_field(data5, err, BOLT11_FIELD_FEATURES, values, num);
	free(values);
	return ok;
}

static bool put_fallback(struct wirebuf *data5, char *err,
			 const struct bolt11_fallback *f)
{
	const char *problem = fallback_problem(f->version, f->program_len);

	if (problem)
		return fail(err, "fallback version %u: %s (not %zu)",
			    f->version, problem, f->program_len);
	return put_bytes_field(data5, err, BOLT11_FIELD_FALLBACK, &f->version,
			       1, f->program, f->program_len);
}

static bool put_route(struct wirebuf *data5, char *err,
		      const struct bolt11_route *route)
{
	size_t len = route->num_hops * ROUTE_HOP_LEN;
	uint8_t *bytes = wire_calloc(len + 1, 1);
	bool ok;

	if (route->num_hops == 0) {
		free(bytes);
		return fail(err, "route (r) hint has no hops");
	}
	for (size_t i = 0; i < route->num_hops; i++) {
		const struct bolt11_route_hop *hop = &route->hops[i];
		uint8_t *p = bytes + i * ROUTE_HOP_LEN;

		memcpy(p, hop->node_id, PUBKEY_CMPR_LEN);
		p += PUBKEY_CMPR_LEN;
		be_write(p, hop->short_channel_id.u64, 8);
		be_write(p + 8, hop->fee_base_msat, 4);
		be_write(p + 12, hop->fee_proportional_millionths, 4);
		be_write(p + 16, hop->cltv_expiry_delta, 2);
	}
	ok = put_bytes_field(data5, err, BOLT11_FIELD_ROUTE, NULL, 0, bytes,
			     len);
	free(bytes);
	return ok;
}

/* What has been written so far. */
struct emitted {
	bool single[NUM_TYPES];		/* fields allowed once */
	size_t fallbacks, routes;	/* how many of each */
	size_t next_extra[NUM_TYPES];	/* where to look for one of a type */
	bool *extra;			/* per extra field */
};

/* Writes the field allowed once of this type, unless b11 lacks it or it
 * is written already.  is_listed: it is in field_order. */
static bool emit_single(struct wirebuf *data5, char *err,
			const struct bolt11 *b11, struct emitted *done,
			uint8_t type, bool is_listed)
{
	if (done->single[type])
		return true;
	switch ((enum bolt11_field_type)type) {
	case BOLT11_FIELD_PAYMENT_HASH:
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       b11->payment_hash.u8, SHA256_LEN);
	case BOLT11_FIELD_PAYMENT_SECRET:
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       b11->payment_secret.data, SECRET_LEN);
	case BOLT11_FIELD_DESCRIPTION:
		if (!b11->description)
			return true;
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       (const uint8_t *)b11->description,
				       b11->description_len);
	case BOLT11_FIELD_DESCRIPTION_HASH:
		if (!b11->has_description_hash)
			return true;
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       b11->description_hash.u8, SHA256_LEN);
	case BOLT11_FIELD_PAYEE:
		if (!b11->has_payee_field)
			return true;
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0, b11->payee,
				       PUBKEY_CMPR_LEN);
	case BOLT11_FIELD_EXPIRY:
		if (!is_listed && b11->expiry == BOLT11_DEFAULT_EXPIRY)
			return true;
		done->single[type] = true;
		return put_uint_field(data5, err, type, b11->expiry);
	case BOLT11_FIELD_MIN_FINAL_CLTV:
		/* BOLT #11: SHOULD include one `c` field
		 * (`min_final_cltv_expiry_delta`).
		 *
		 * Unless re-encoding a decoded invoice that had none. */
		if (!is_listed && b11->num_field_order
		    && b11->min_final_cltv_expiry_delta
		    == BOLT11_DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA)
			return true;
		done->single[type] = true;
		return put_uint_field(data5, err, type,
				      b11->min_final_cltv_expiry_delta);
	case BOLT11_FIELD_FEATURES:
		/* BOLT #11: otherwise: - MUST omit the `9` field altogether. */
		if (!is_listed && b11->features->len == 0)
			return true;
		done->single[type] = true;
		return put_features(data5, err, b11->features);
	case BOLT11_FIELD_METADATA:
		if (!b11->has_metadata)
			return true;
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       b11->metadata, b11->metadata_len);
	case BOLT11_FIELD_ROUTE:
	case BOLT11_FIELD_FALLBACK:
		break;
	}
	return true;
}

static bool emit_extra(struct wirebuf *data5, char *err,
		       const struct bolt11 *b11, struct emitted *done,
		       size_t i)
{
	const struct bolt11_field *f = &b11->extra_fields[i];

	done->extra[i] = true;
	if (f->type >= NUM_TYPES)
		return fail(err, "extra field type %u is not 0 to 31",
			    f->type);
	for (size_t j = 0; j < f->data5_len; j++)
		if (f->data5[j] >= 32)
			return fail(err, "extra field (type %u) has a value"
				    " above 31", f->type);
	return put_field(data5, err, f->type, f->data5, f->data5_len);
}

/* Writes the next unwritten field of this type in field_order. */
static bool emit_listed(struct wirebuf *data5, char *err,
			const struct bolt11 *b11, struct emitted *done,
			const struct bolt11_field_ref *ref)
{
	if (ref->type >= NUM_TYPES)
		return fail(err, "field_order type %u is not 0 to 31",
			    ref->type);
	if (ref->is_extra) {
		for (size_t i = done->next_extra[ref->type];
		     i < b11->num_extra_fields; i++) {
			if (b11->extra_fields[i].type != ref->type
			    || done->extra[i])
				continue;
			done->next_extra[ref->type] = i + 1;
			return emit_extra(data5, err, b11, done, i);
		}
		return true;
	}
	if (ref->type == BOLT11_FIELD_FALLBACK) {
		if (done->fallbacks == b11->num_fallbacks)
			return true;
		return put_fallback(data5, err,
				    &b11->fallbacks[done->fallbacks++]);
	}
	if (ref->type == BOLT11_FIELD_ROUTE) {
		if (done->routes == b11->num_routes)
			return true;
		return put_route(data5, err, &b11->routes[done->routes++]);
	}
	if (is_single_field(ref->type))
		return emit_single(data5, err, b11, done, ref->type, true);
	return true;
}

/* BOLT #11:
 * - if a writer offers more than one of any field type, it:
 *   - MUST specify the most-preferred field first, followed by less-preferred fields, in order.
 *
 * The fields in field_order, then the rest in canonical order. */
static bool put_fields(struct wirebuf *data5, char *err,
		       const struct bolt11 *b11)
{
	static const uint8_t head[] = {
		BOLT11_FIELD_PAYMENT_HASH, BOLT11_FIELD_PAYMENT_SECRET,
		BOLT11_FIELD_DESCRIPTION, BOLT11_FIELD_DESCRIPTION_HASH,
		BOLT11_FIELD_PAYEE, BOLT11_FIELD_EXPIRY,
		BOLT11_FIELD_MIN_FINAL_CLTV,
	};
	struct emitted done;
	bool ok = true;

	memset(&done, 0, sizeof(done));
	done.extra = wire_calloc(b11->num_extra_fields + 1, sizeof(bool));
	for (size_t i = 0; ok && i < b11->num_field_order; i++)
		ok = emit_listed(data5, err, b11, &done, &b11->field_order[i]);
	for (size_t i = 0; ok && i < sizeof(head); i++)
		ok = emit_single(data5, err, b11, &done, head[i], false);
	while (ok && done.fallbacks < b11->num_fallbacks)
		ok = put_fallback(data5, err, &b11->fallbacks[done.fallbacks++]);
	while (ok && done.routes < b11->num_routes)
		ok = put_route(data5, err, &b11->routes[done.routes++]);
	if (ok)
		ok = emit_single(data5, err, b11, &done, BOLT11_FIELD_FEATURES,
				 false);
	if (ok)
		ok = emit_single(data5, err, b11, &done, BOLT11_FIELD_METADATA,
				 false);
	for (size_t i = 0; ok && i < b11->num_extra_fields; i++)
		if (!done.extra[i])
			ok = emit_extra(data5, err, b11, &done, i);
	free(done.extra);
	return ok;
}

/* *value: msat in units of letter (0 for bitcoin); false if inexact. */
static bool amount_in_unit(uint64_t *value, uint64_t msat, char letter)
{
	uint64_t unit = MSAT_PER_BTC;

	if (letter == 'p') {
		if (msat > UINT64_MAX / 10)
			return false;
		*value = msat * 10;
		return true;
	}
	if (letter) {
		size_t i;

		for (i = 0; i < NUM_MULTIPLIERS; i++)
			if (multipliers[i].letter == letter)
				break;
		if (i == NUM_MULTIPLIERS)
			return false;
		unit = multipliers[i].msat;
	}
	if (msat % unit != 0)
		return false;
	*value = msat / unit;
	return true;
}

/* BOLT #11:
 * - SHOULD use the shortest representation possible, by using the largest
 *   multiplier or omitting the multiplier.
 *
 * (After the multiplier the invoice was decoded with, if any.) */
static bool put_hrp(char *hrp, size_t size, char *err,
		    const struct bolt11 *b11)
{
	static const char letters[] = { 0, 'm', 'u', 'n', 'p' };
	const char *currency = NULL;
	uint64_t value;
	char letter[2] = "";
	size_t i;

	for (i = 0; b11->chain && i < NUM_CURRENCIES && !currency; i++)
		if (strcmp(b11->chain->network, currencies[i].network) == 0)
			currency = currencies[i].currency;
	if (!currency)
		return fail(err, "invoice has no network with a BOLT #11"
			    " currency prefix");
	if (!b11->has_amount) {
		snprintf(hrp, size, "ln%s", currency);
		return true;
	}
	if (b11->amount_msat == 0)
		return fail(err, "amount must be positive");
	if (amount_in_unit(&value, b11->amount_msat, b11->amount_multiplier)) {
		letter[0] = b11->amount_multiplier;
	} else {
		for (i = 0; i < sizeof(letters); i++)
			if (amount_in_unit(&value, b11->amount_msat, letters[i]))
				break;
		if (i == sizeof(letters))
			return fail(err, "amount %" PRIu64 " msat is too large",
				    b11->amount_msat);
		letter[0] = letters[i];
	}
	snprintf(hrp, size, "ln%s%" PRIu64 "%s", currency, value, letter);
	return true;
}

/* The signer's output must be what a reader will accept: a valid
 * recoverable signature, and with `n` a low-S one by that key. */
static bool check_new_signature(const secp256k1_context *ctx, char *err,
				const struct bolt11 *b11,
				const uint8_t sig[SIGNATURE_COMPACT_LEN],
				int recovery_id, const struct sha256 *hash)
{
	secp256k1_ecdsa_recoverable_signature rsig;
	secp256k1_ecdsa_signature plain;
	secp256k1_pubkey key;

	if (recovery_id < 0 || recovery_id > 3
	    || !secp256k1_ecdsa_recoverable_signature_parse_compact(
		    ctx, &rsig, sig, recovery_id))
		return fail(err, "signer returned an invalid signature");
	if (!b11->has_payee_field)
		return secp256k1_ecdsa_recover(ctx, &key, &rsig, hash->u8)
			|| fail(err, "signer returned an unrecoverable"
				" signature");
	secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rsig);
	if (!secp256k1_ec_pubkey_parse(ctx, &key, b11->payee, PUBKEY_CMPR_LEN))
		return fail(err, "payee is not a valid public key");
	if (!secp256k1_ecdsa_verify(ctx, &plain, hash->u8, &key))
		return fail(err, "signature does not verify against payee"
			    " (n)");
	return true;
}

bool bolt11_encode(const secp256k1_context *ctx, char **out, char *err,
		   const struct bolt11 *b11, bolt11_sign_fn sign,
		   void *sign_arg)
{
	struct wirebuf *data5 = wirebuf_new();
	uint8_t sig[RECOVERABLE_SIGNATURE_LEN] = { 0 };
	int recovery_id = -1;
	char hrp[64];
	struct sha256 hash;
	size_t size, unsigned_len;
	char *str = NULL;
	bool ok;

	/* BOLT #11:
	 * - MUST include either exactly one `d` or exactly one `h` field.
	 */
	if (!b11->description == !b11->has_description_hash)
		ok = fail(err, "an invoice needs exactly one of description"
			  " and description_hash");
	else if (b11->timestamp >> 35)
		ok = fail(err, "timestamp %" PRIu64 " does not fit 35 bits",
			  b11->timestamp);
	else
		ok = put_hrp(hrp, sizeof(hrp), err, b11);
	if (ok) {
		put_uint(data5, b11->timestamp, TIMESTAMP_LEN5);
		ok = put_fields(data5, err, b11);
	}
	if (ok) {
		unsigned_len = data5->len;
		signing_hash(&hash, hrp, data5->data, unsigned_len);
		ok = sign(sig, &recovery_id, &hash, sign_arg)
			? check_new_signature(ctx, err, b11, sig, recovery_id,
					      &hash)
			: fail(err, "signing the invoice failed");
	}
	if (ok) {
		size_t n;
		uint8_t sig5[SIGNATURE_LEN5];

		sig[SIGNATURE_COMPACT_LEN] = (uint8_t)recovery_id;
		bech32_convert_bits(sig5, &n, sizeof(sig5), 5, sig,
				    RECOVERABLE_SIGNATURE_LEN, 8, true);
		wirebuf_append(data5, sig5, n);
		size = strlen(hrp) + 1 + data5->len + BECH32_CHECKSUM_LEN + 1;
		str = wire_calloc(size, 1);
		/* BOLT #11: MAY exceed the 90-character limit specified in
		 * BIP-0173. */
		ok = bech32_encode(str, size, hrp, data5->data, data5->len,
				   BECH32_ENCODING_BECH32, SIZE_MAX)
			|| fail(err, "bech32 encoding failed");
	}
	wirebuf_free(data5);
	if (!ok) {
		free(str);
		return false;
	}
	*out = str;
	return true;
}

struct key_signer {
	const secp256k1_context *ctx;
	const struct privkey *key;
};

static bool sign_with_key(uint8_t sig[SIGNATURE_COMPACT_LEN],
			  int *recovery_id, const struct sha256 *hash,
			  void *arg)
{
	const struct key_signer *signer = arg;
	secp256k1_ecdsa_recoverable_signature rsig;

	if (!secp256k1_ecdsa_sign_recoverable(signer->ctx, &rsig, hash->u8,
					      signer->key->secret.data, NULL,
					      NULL))
		return false;
	secp256k1_ecdsa_recoverable_signature_serialize_compact(
		signer->ctx, sig, recovery_id, &rsig);
	return true;
}

bool bolt11_encode_with_key(const secp256k1_context *ctx, char **out,
			    char *err, const struct bolt11 *b11,
			    const struct privkey *key)
{
	struct key_signer signer = { ctx, key };

	return bolt11_encode(ctx, out, err, b11, sign_with_key, &signer);
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
