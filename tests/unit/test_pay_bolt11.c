/* Tests for pay/bolt11: every BOLT #11 example (bolt11-invoices.json)
 * decodes to the fields the spec states and re-encodes byte for byte;
 * every invalid example fails with the error for its case; and our own
 * invoices, built here 5-bit value by value and signed independently of
 * the encoder, pin down each reader rule, amount edge cases and
 * round trips of every field kind. */
#include <inttypes.h>

#include <secp256k1_recovery.h>

#include "bitcoin/address.h"
#include "bitcoin/bech32.h"
#include "crypto/hash.h"
#include "pay/bolt11.h"
#include "tests/unit/keys.h"
#include "tests/unit/vectors.h"

static secp256k1_context *ctx;
static json_t *vectors;
static struct privkey spec_key;		/* the examples' priv_key */
/* How many breakdown lines check_expected could hold the decode to. */
static size_t breakdown_features_checked, breakdown_hops_checked;

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint8_t value_of(char c)
{
	const char *p = strchr(charset, c);

	if (!c || !p)
		test_bail_out("not a bech32 character: %c", c);
	return (uint8_t)(p - charset);
}

static char *lowercase(const char *s)
{
	char *out = strdup(s);

	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

/* ---- Invoices built by hand ---- */

/* The bech32 characters of bytes, zero-padded to 5 bits; malloc'd. */
static char *chars_of_bytes(const uint8_t *bytes, size_t len)
{
	uint8_t values[2048];
	size_t n;
	char *out = malloc(len * 2 + 2);

	if (!bech32_convert_bits(values, &n, sizeof(values), 5, bytes, len, 8,
				 true))
		test_bail_out("chars_of_bytes: too long");
	for (size_t i = 0; i < n; i++)
		out[i] = charset[values[i]];
	out[n] = '\0';
	return out;
}

/* A tagged field: its letter, data_length, then data (bech32 chars). */
static char *field(char type, const char *data)
{
	size_t len = strlen(data);
	char *out = malloc(len + 4);

	out[0] = type;
	out[1] = charset[len / 32];
	out[2] = charset[len % 32];
	memcpy(out + 3, data, len + 1);
	return out;
}

static char *field_bytes(char type, const uint8_t *bytes, size_t len)
{
	char *chars = chars_of_bytes(bytes, len), *out = field(type, chars);

	free(chars);
	return out;
}

static char *field_hex(char type, const char *hex)
{
	size_t len;
	uint8_t *bytes = hex_to_bytes(hex, &len);
	char *out = field_bytes(type, bytes, len);

	free(bytes);
	return out;
}

/* Concatenates NULL-terminated list of malloc'd strings, freeing them. */
static char *concat(char *first, ...)
{
	va_list ap;
	size_t len = 0;
	char *out, *s;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, char *))
		len += strlen(s);
	va_end(ap);
	out = calloc(len + 1, 1);
	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, char *)) {
		strcat(out, s);
		free(s);
	}
	va_end(ap);
	return out;
}

/* The usual mandatory fields: s, p and d. */
static char *usual_fields(void)
{
	return concat(field_hex('s', "1111111111111111111111111111111111111111111111111111111111111111"),
		      field_hex('p', "0001020304050607080900010203040506070809000102030405060708090102"),
		      field_bytes('d', (const uint8_t *)"coffee", 6), NULL);
}

/* An invoice of hrp and data part chars (timestamp and fields), signed
 * with key by libsecp256k1 here (not by the encoder under test);
 * high_s negates s, keeping the recovery id. */
static char *sign_raw(const char *hrp, const char *data, bool high_s,
		      const struct privkey *key)
{
	size_t len = strlen(data), n, bytes_len;
	uint8_t *values = malloc(len + SIGNATURE_COMPACT_LEN * 2 + 8);
	uint8_t bytes[4096], sig[65], sig5[104];
	char *out = malloc(strlen(hrp) + len + 128);
	secp256k1_ecdsa_recoverable_signature rsig;
	struct sha256_ctx sha;
	struct sha256 hash;
	int recid;

	for (size_t i = 0; i < len; i++)
		values[i] = value_of(data[i]);
	bech32_convert_bits(bytes, &bytes_len, sizeof(bytes), 8, values, len,
			    5, true);
	sha256_init(&sha);
	sha256_update(&sha, hrp, strlen(hrp));
	sha256_update(&sha, bytes, bytes_len);
	sha256_final(&hash, &sha);
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &rsig, hash.u8,
					      key->secret.data, NULL, NULL))
		test_bail_out("signing failed");
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig,
								&recid, &rsig);
	/* n - s, by libsecp256k1's scalar negation. */
	if (high_s && !secp256k1_ec_seckey_negate(ctx, sig + 32))
		test_bail_out("negate failed");
	sig[64] = (uint8_t)recid;
	bech32_convert_bits(sig5, &n, sizeof(sig5), 5, sig, 65, 8, true);
	memcpy(values + len, sig5, n);
	if (!bech32_encode(out, strlen(hrp) + len + 128, hrp, values, len + n,
			   BECH32_ENCODING_BECH32, SIZE_MAX))
		test_bail_out("bech32_encode failed for %s", hrp);
	free(values);
	return out;
}

/* An invoice from fields (freed), timestamp 1496314658, spec key. */
static char *invoice_of(const char *hrp, char *fields)
{
	char *data = concat(strdup("pvjluez"), fields, NULL);
	char *out = sign_raw(hrp, data, false, &spec_key);

	free(data);
	return out;
}

/* Decodes str, expecting failure with an error containing want. */
static void check_rejects(const char *str, const char *want)
{
	struct bolt11 *b11 = NULL;
	char err[BOLT11_ERROR_LEN] = "";

	CHECK_MSG(!bolt11_decode(ctx, &b11, err, str, NULL),
		  "accepted %.60s..., wanted \"%s\"", str, want);
	CHECK_MSG(strstr(err, want) != NULL, "error \"%s\", wanted \"%s\"",
		  err, want);
	CHECK(b11 == NULL);
}

static struct bolt11 *check_decodes(const char *str)
{
	struct bolt11 *b11 = NULL;
	char err[BOLT11_ERROR_LEN] = "";

	CHECK_MSG(bolt11_decode(ctx, &b11, err, str, NULL), "%s: %s", err,
		  str);
	return b11;
}

/* ---- The spec's examples ---- */

/* A signer returning a fixed signature, recording the hash it signs. */
struct fixed_signer {
	uint8_t sig[SIGNATURE_COMPACT_LEN];
	int recovery_id;
	struct sha256 hash;
};

static bool sign_fixed(uint8_t sig[SIGNATURE_COMPACT_LEN], int *recovery_id,
		       const struct sha256 *hash, void *arg)
{
	struct fixed_signer *signer = arg;

	memcpy(sig, signer->sig, SIGNATURE_COMPACT_LEN);
	*recovery_id = signer->recovery_id;
	signer->hash = *hash;
	return true;
}

/* The value the breakdown gives after a "* `<chars>`: " data line that
 * follows the line starting with head (e.g. "* `9`: features"), as
 * 5-bit values; returns how many (0 if the breakdown elides it). */
static size_t breakdown_data(uint8_t *out, size_t max, const json_t *lines,
			     const char *head)
{
	size_t i, n = 0;
	const char *line;

	for (i = 0; i < json_array_size(lines); i++)
		if (strncmp(json_string_value(json_array_get(lines, i)), head,
			    strlen(head)) == 0)
			break;
	/* The head, the data_length line, then the data line. */
	if (i + 2 >= json_array_size(lines)
	    || strcmp(json_string_value(json_array_get(lines, i)), head) != 0)
		return 0;
	line = strchr(json_string_value(json_array_get(lines, i + 2)), '`');
	if (!line)
		return 0;
	for (line++; *line != '`' && n < max; line++)
		out[n++] = value_of(*line);
	return n;
}

/* The route hint hops the breakdown lists ("pubkey: ...", then
 * short_channel_id, fee_base_msat, fee_proportional_millionths and
 * cltv_expiry_delta, with ':' or '=' and optional backquotes). */
static size_t breakdown_hops(struct bolt11_route_hop *hops, size_t max,
			     const json_t *lines)
{
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(lines); i++) {
		char buf[512], *p = buf, *value;
		const char *line = json_string_value(json_array_get(lines, i));
		size_t j = 0;

		for (; *line && j < sizeof(buf) - 1; line++)
			if (*line != '`' && *line != '*')
				buf[j++] = *line;
		buf[j] = '\0';
		p += strspn(p, " ");
		value = strpbrk(p, ":=");
		if (!value)
			continue;
		*value++ = '\0';
		value += strspn(value, " ");
		p[strcspn(p, " ")] = '\0';
		if (strcmp(p, "pubkey") == 0 && n < max) {
			hex_to_array(hops[n++].node_id, PUBKEY_CMPR_LEN, value);
		} else if (n == 0) {
			continue;
		} else if (strcmp(p, "short_channel_id") == 0) {
			CHECK(short_channel_id_from_str(&hops[n - 1].short_channel_id,
							value, strlen(value)));
		} else if (strcmp(p, "fee_base_msat") == 0) {
			hops[n - 1].fee_base_msat = (uint32_t)strtoul(value, NULL, 10);
		} else if (strcmp(p, "fee_proportional_millionths") == 0) {
			hops[n - 1].fee_proportional_millionths =
				(uint32_t)strtoul(value, NULL, 10);
		} else if (strcmp(p, "cltv_expiry_delta") == 0) {
			hops[n - 1].cltv_expiry_delta =
				(uint16_t)strtoul(value, NULL, 10);
		}
	}
	return n;
}

/* amount_hrp ("2500u") in msat, computed here from the spec's table. */
static uint64_t amount_hrp_msat(const char *amount)
{
	char *end;
	uint64_t value = strtoull(amount, &end, 10);

	switch (*end) {
	case 'm':
		return value * 100000000;
	case 'u':
		return value * 100000;
	case 'n':
		return value * 100;
	case 'p':
		return value / 10;
	}
	return value * UINT64_C(100000000000);
}

static const char *network_of_prefix(const char *prefix)
{
	char *lower = lowercase(prefix);
	const char *network = strcmp(lower, "lnbc") == 0 ? "bitcoin"
		: strcmp(lower, "lntb") == 0 ? "testnet"
		: strcmp(lower, "lntbs") == 0 ? "signet" : "regtest";

	free(lower);
	return network;
}

/* The fields expected_from_spec_text states, and what the breakdown
 * spells out: features, route hints, description hash. */
static void check_expected(const struct bolt11 *b11, const json_t *example)
{
	const json_t *want = json_object_get(example, "expected_from_spec_text");
	const json_t *lines = json_object_get(example, "breakdown");
	const char *s;
	struct bolt11_route_hop hops[8];
	uint8_t features5[64];
	size_t n;

	CHECK_STREQ(b11->chain->network,
		    network_of_prefix(json_str(want, "hrp_prefix")));
	CHECK(b11->timestamp
	      == (uint64_t)json_integer_value(json_object_get(want, "timestamp")));
	s = json_string_value(json_object_get(want, "amount_hrp"));
	CHECK(b11->has_amount == (s != NULL));
	if (s)
		CHECK_MSG(b11->amount_msat == amount_hrp_msat(s), "%s", s);
	s = json_string_value(json_object_get(want, "payment_hash"));
	if (s)
		CHECK(bytes_are(b11->payment_hash.u8, SHA256_LEN, s));
	s = json_string_value(json_object_get(want, "payment_secret"));
	CHECK(bytes_are(b11->payment_secret.data, SECRET_LEN,
			s ? s : json_str(vectors, "default_payment_secret")));
	s = json_string_value(json_object_get(want, "description"));
	if (s) {
		CHECK_STREQ(b11->description, s);
		CHECK(b11->description_len == strlen(s));
		CHECK(!b11->has_description_hash);
	} else {
		/* "Now send $24 for an entire list of things (hashed)". */
		const char *line;

		CHECK(b11->description == NULL);
		CHECK(b11->has_description_hash);
		for (size_t i = 0; i < json_array_size(lines); i++) {
			line = strstr(json_string_value(json_array_get(lines, i)),
				      "(SHA256 hex: `");
			if (line) {
				char hex[65];

				memcpy(hex, line + 14, 64);
				hex[64] = '\0';
				CHECK(bytes_are(b11->description_hash.u8,
						SHA256_LEN, hex));
			}
		}
	}
	n = (size_t)json_integer_value(json_object_get(want, "expiry_seconds"));
	CHECK(b11->expiry == (n ? n : 3600));
	n = (size_t)json_integer_value(json_object_get(want,
						       "min_final_cltv_expiry_delta"));
	CHECK(b11->min_final_cltv_expiry_delta == (n ? n : 18));
	s = json_string_value(json_object_get(want, "metadata"));
	CHECK(b11->has_metadata == (s != NULL));
	if (s)
		CHECK(bytes_are(b11->metadata, b11->metadata_len, s));
	s = json_string_value(json_object_get(want, "fallback_address"));
	CHECK(b11->num_fallbacks == (s ? 1u : 0u));
	if (s && b11->num_fallbacks == 1) {
		struct wirebuf *got = wirebuf_new(), *script = wirebuf_new();
		char err[ADDRESS_ERROR_LEN];

		CHECK_MSG(address_to_script(script, err, b11->chain, s), "%s", err);
		CHECK(bolt11_fallback_script(got, &b11->fallbacks[0]));
		CHECK(bytes_equal(got->data, got->len, script->data, script->len));
		wirebuf_free(got);
		wirebuf_free(script);
	}
	CHECK(bytes_are(b11->payee, PUBKEY_CMPR_LEN,
			json_str(want, "payee_pubkey")));

	n = breakdown_hops(hops, 8, lines);
	CHECK(b11->num_routes == (n ? 1u : 0u));
	if (n && b11->num_routes == 1) {
		breakdown_hops_checked += n;
		CHECK(b11->routes[0].num_hops == n);
		for (size_t i = 0; i < n && i < b11->routes[0].num_hops; i++) {
			const struct bolt11_route_hop *h = &b11->routes[0].hops[i];

			CHECK(memcmp(h->node_id, hops[i].node_id, 33) == 0);
			CHECK(h->short_channel_id.u64 == hops[i].short_channel_id.u64);
			CHECK(h->fee_base_msat == hops[i].fee_base_msat);
			CHECK(h->fee_proportional_millionths
			      == hops[i].fee_proportional_millionths);
			CHECK(h->cltv_expiry_delta == hops[i].cltv_expiry_delta);
		}
	}

	/* Features, where the breakdown spells out the 9 field. */
	n = breakdown_data(features5, sizeof(features5), lines,
			   "* `9`: features");
	if (n) {
		struct featurebits *bits = featurebits_new();

		for (size_t i = 0; i < n; i++)
			for (size_t b = 0; b < 5; b++)
				if ((features5[i] >> b) & 1)
					featurebits_set(bits, 5 * (n - 1 - i) + b);
		CHECK(bytes_equal(b11->features->bytes, b11->features->len,
				  bits->bytes, bits->len));
		featurebits_free(bits);
		breakdown_features_checked++;
	}
}

/* High-S: s above half the curve order. */
static bool is_high_s(const uint8_t sig[SIGNATURE_COMPACT_LEN])
{
	secp256k1_ecdsa_signature plain, normal;

	if (!secp256k1_ecdsa_signature_parse_compact(ctx, &plain, sig))
		return false;
	return secp256k1_ecdsa_signature_normalize(ctx, &normal, &plain);
}

/* Re-encoding: with the decoded signature the string comes back byte for
 * byte (lowercase) and the hash signed is the breakdown's sighash; with
 * the spec's key too, unless the example's signature is high-S (the key
 * signs low-S). */
static void check_reencodes(const struct bolt11 *b11, const json_t *example)
{
	const char *invoice = json_str(example, "invoice");
	const json_t *breakdown = json_object_get(example, "signature_breakdown");
	char *want = lowercase(invoice), *got = NULL;
	char err[BOLT11_ERROR_LEN] = "";
	struct fixed_signer signer;

	memcpy(signer.sig, b11->signature, sizeof(signer.sig));
	signer.recovery_id = b11->recovery_id;
	CHECK_MSG(bolt11_encode(ctx, &got, err, b11, sign_fixed, &signer),
		  "%s", err);
	CHECK_STREQ(got, want);
	if (breakdown) {
		CHECK(bytes_are(signer.hash.u8, SHA256_LEN,
				json_str(breakdown, "sighash_hex")));
		CHECK(bytes_are(b11->signature, SIGNATURE_COMPACT_LEN,
				json_str(breakdown, "signature_rs_hex")));
		CHECK(b11->recovery_id
		      == json_integer_value(json_object_get(breakdown,
							    "recovery_flag")));
	}
	free(got);
	got = NULL;

	CHECK_MSG(bolt11_encode_with_key(ctx, &got, err, b11, &spec_key), "%s",
		  err);
	if (!is_high_s(b11->signature)) {
		CHECK_STREQ(got, want);
	} else if (got) {
		/* Same invoice, signed low-S by the spec's key. */
		struct bolt11 *again = check_decodes(got);

		CHECK(again && !is_high_s(again->signature));
		CHECK(again && bytes_are(again->payee, PUBKEY_CMPR_LEN,
					 json_str(vectors, "payee_pubkey")));
		CHECK(again && memcmp(again->signature, b11->signature, 32) == 0);
		bolt11_free(again);
	}
	free(got);
	free(want);
}

static void test_valid_examples(void)
{
	const json_t *examples = json_object_get(vectors, "valid_examples");
	size_t decoded = 0, superseded = 0;

	for (size_t i = 0; i < json_array_size(examples); i++) {
		const json_t *example = json_array_get(examples, i);
		const char *invoice = json_str(example, "invoice");
		struct bolt11 *b11;

		/* "Same, but including fields which must be ignored": its
		 * wrong-length p, h, s and n fields were skipped under the
		 * old rule; the current reader rule (followed here, see
		 * vectors/README.md) fails them. */
		if (json_object_get(example, "spec_conflict")) {
			check_rejects(invoice, "payment_hash (p) field has"
				      " data_length 51, not 52");
			superseded++;
			continue;
		}
		b11 = check_decodes(invoice);
		if (!b11)
			continue;
		decoded++;
		check_expected(b11, example);
		check_reencodes(b11, example);
		bolt11_free(b11);
	}
	printf("# %zu valid examples decoded and re-encoded, %zu superseded"
	       " by the current reader rules\n", decoded, superseded);
	printf("# breakdowns: %zu features fields, %zu route hint hops\n",
	       breakdown_features_checked, breakdown_hops_checked);
	CHECK(decoded == 15 && superseded == 1);
	CHECK(breakdown_features_checked >= 5 && breakdown_hops_checked == 3);
}

/* The error each invalid example must fail with, by its "reason". */
static const struct {
	const char *reason;
	const char *error;
} invalid_errors[] = {
	{ "Same, but adding invalid unknown feature 100",
	  "features (9) field requires unknown feature bit 100" },
	{ "Bech32 checksum is invalid.", "bad bech32 checksum" },
	{ "Malformed bech32 string (no 1)", "bech32 separator '1' missing" },
	{ "Malformed bech32 string (mixed case)", "bech32 string has mixed case" },
	{ "Signature is not recoverable.", "signature is not recoverable" },
	{ "String is too short.", "invoice too short" },
	{ "Invalid multiplier", "invalid amount multiplier \"x\"" },
	{ "Invalid sub-millisatoshi precision.", "invalid sub-millisatoshi amount" },
	{ "Missing required `s` field.", "missing payment_secret (s) field" },
	{ "Non canonical signature (high-S) with 'n' field defined",
	  "signature is high-S, which is not allowed with a payee (n) field" },
};

static void test_invalid_examples(void)
{
	const json_t *examples = json_object_get(vectors, "invalid_examples");
	size_t rejected = 0;

	for (size_t i = 0; i < json_array_size(examples); i++) {
		const json_t *example = json_array_get(examples, i);
		const char *reason = json_str(example, "reason");
		size_t j;

		for (j = 0; j < sizeof(invalid_errors) / sizeof(invalid_errors[0]); j++)
			if (strcmp(invalid_errors[j].reason, reason) == 0)
				break;
		CHECK_MSG(j < sizeof(invalid_errors) / sizeof(invalid_errors[0]),
			  "no expected error for \"%s\"", reason);
		if (j == sizeof(invalid_errors) / sizeof(invalid_errors[0]))
			continue;
		check_rejects(json_str(example, "invoice"), invalid_errors[j].error);
		rejected++;
	}
	printf("# %zu invalid examples rejected\n", rejected);
	CHECK(rejected == 10);
}

/* ---- Our own invoices ---- */

static void test_handmade_invoice_decodes(void)
{
	char *str = invoice_of("lnbc", usual_fields());
	struct bolt11 *b11 = check_decodes(str);
	char *again = NULL;

	CHECK(b11 && !b11->has_amount && b11->timestamp == 1496314658);
	CHECK(b11 && b11->description_len == 6
	      && strcmp(b11->description, "coffee") == 0);
	CHECK(b11 && b11->expiry == 3600
	      && b11->min_final_cltv_expiry_delta == 18);
	CHECK(b11 && !b11->has_payee_field
	      && bytes_are(b11->payee, 33, json_str(vectors, "payee_pubkey")));
	CHECK(b11 && bolt11_encode_with_key(ctx, &again, NULL, b11, &spec_key));
	CHECK_STREQ(again, str);
	free(again);
	bolt11_free(b11);
	free(str);
}

static void test_amounts(void)
{
	static const struct {
		const char *hrp;
		uint64_t msat;
	} cases[] = {
		{ "lnbc10p", 1 },		/* the smallest amount */
		{ "lnbc20p", 2 },
		{ "lnbc1n", 100 },
		{ "lnbc1230p", 123 },
		{ "lnbc1u", 100000 },
		{ "lnbc1m", 100000000 },
		{ "lnbc1", UINT64_C(100000000000) },
		{ "lnbc21000000", UINT64_C(2100000000000000000) },
		{ "lnbc2500u", 250000000 },
		{ "lnbc2500000n", 250000000 },	/* not the shortest: kept */
		{ "lnbc25000000000p", UINT64_C(2500000000) },
		{ "lnbc1844674407370955160p", UINT64_C(184467440737095516) },
		{ "lntb5m", 500000000 },
		{ "lntbs5m", 500000000 },
		{ "lnbcrt5m", 500000000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *str = invoice_of(cases[i].hrp, usual_fields()), *again = NULL;
		struct bolt11 *b11 = check_decodes(str);

		if (!b11)
			continue;
		CHECK_MSG(b11->has_amount && b11->amount_msat == cases[i].msat,
			  "%s: %" PRIu64, cases[i].hrp, b11->amount_msat);
		CHECK(bolt11_encode_with_key(ctx, &again, NULL, b11, &spec_key));
		CHECK_STREQ(again, str);
		free(again);
		bolt11_free(b11);
		free(str);
	}
}

/* A struct's amount is written with its multiplier, or the largest that
 * is exact. */
static void test_amount_encoding(void)
{
	static const struct {
		uint64_t msat;
		char multiplier;
		const char *prefix;
	} cases[] = {
		{ 1, 0, "lnbc10p1" },
		{ 10, 0, "lnbc100p1" },
		{ 100, 0, "lnbc1n1" },
		{ 250000000, 0, "lnbc2500u1" },
		{ 250000000, 'n', "lnbc2500000n1" },
		{ 250000000, 'm', "lnbc2500u1" },	/* 2.5m is not exact */
		{ UINT64_C(100000000000), 0, "lnbc11" },
		{ UINT64_C(100000000000), 'p', "lnbc1000000000000p1" },
		{ UINT64_C(2100000000000000000), 0, "lnbc210000001" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bolt11 *b11 = bolt11_new(chainparams_for_network("bitcoin"));
		char *str = NULL, err[BOLT11_ERROR_LEN] = "";

		b11->has_amount = true;
		b11->amount_msat = cases[i].msat;
		b11->amount_multiplier = cases[i].multiplier;
		bolt11_set_description(b11, "x", 1);
		CHECK_MSG(bolt11_encode_with_key(ctx, &str, err, b11, &spec_key),
			  "%s", err);
		CHECK_MSG(str && strncmp(str, cases[i].prefix,
					 strlen(cases[i].prefix)) == 0,
			  "%s, wanted %s", str, cases[i].prefix);
		free(str);
		bolt11_free(b11);
	}
}

static void test_amount_errors(void)
{
	static const struct {
		const char *hrp;
		const char *error;
	} cases[] = {
		{ "lnbc1p", "invalid sub-millisatoshi amount \"1p\"" },
		{ "lnbc15p", "invalid sub-millisatoshi amount" },
		{ "lnbc2500x", "invalid amount multiplier \"x\"" },
		{ "lnbc25mm", "invalid amount multiplier \"mm\"" },
		{ "lnbc0", "invalid amount \"0\": zero or a leading 0" },
		{ "lnbc025m", "invalid amount \"025\"" },
		{ "lnbc18446744073709551616p", "is too large" },
		{ "lnbc184467440737095517", "is too large" },
		{ "lnbc-1m", "invalid amount \"-1m\"" },
		{ "lnxy1m", "unknown currency prefix \"xy\"" },
		{ "lntbx", "unknown currency prefix \"tbx\"" },
		{ "lnbcrtx", "unknown currency prefix \"bcrtx\"" },
		{ "bc1m", "does not start with \"ln\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *str = invoice_of(cases[i].hrp, usual_fields());

		check_rejects(str, cases[i].error);
		free(str);
	}
}

static void test_field_errors(void)
{
	static const uint8_t zeros[64];
	const char *const secret = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *const hash = "0001020304050607080900010203040506070809000102030405060708090102";
	uint8_t bad_utf8[] = { 'a', 0xc0, 0x80 };	/* overlong NUL */
	uint8_t bad_key[33] = { 0x05, 1 };	/* no such prefix */
	struct {
		char *fields;
		const char *error;
	} cases[] = {
		{ concat(field_hex('s', secret), field_hex('d', "00"), NULL),
		  "missing payment_hash (p) field" },
		{ concat(field_hex('p', hash), field_hex('d', "00"), NULL),
		  "missing payment_secret (s) field" },
		{ concat(field_hex('p', hash), field_hex('s', secret), NULL),
		  "missing description (d) or description_hash (h) field" },
		{ concat(usual_fields(), field_hex('h', hash), NULL),
		  "both description (d) and description_hash (h) fields" },
		/* Fixed lengths: one value short or long. */
		{ concat(usual_fields(), field('p', "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"), NULL),
		  "payment_hash (p) field has data_length 51, not 52" },
		{ concat(usual_fields(), field('s', "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"), NULL),
		  "payment_secret (s) field has data_length 53, not 52" },
		{ concat(usual_fields(), field('h', "qq"), NULL),
		  "description_hash (h) field has data_length 2, not 52" },
		{ concat(usual_fields(), field('n', "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"), NULL),
		  "payee (n) field has data_length 52, not 53" },
		{ concat(usual_fields(), field_bytes('n', bad_key, 33), NULL),
		  "payee (n) field is not a valid public key" },
		/* 52 values end in 4 padding bits, which must be zero. */
		{ concat(field('p', "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqp"),
			 field_hex('s', secret), field_hex('d', "00"), NULL),
		  "payment_hash (p) field has invalid padding bits" },
		{ concat(usual_fields(), field('x', "qp"), NULL),
		  "expiry (x) field is not minimally encoded" },
		{ concat(usual_fields(), field('c', "qz"), NULL),
		  "min_final_cltv_expiry_delta (c) field is not minimally encoded" },
		{ concat(usual_fields(), field('9', "qsgq"), NULL),
		  "features (9) field is not minimally encoded" },
		{ concat(usual_fields(), field('x', "lllllllllllll"), NULL),
		  "expiry (x) field is too large for 64 bits" },
		{ concat(usual_fields(), field('9', "pqqqqqqqqqqqqqqqqqqqq"), NULL),
		  "features (9) field requires unknown feature bit 100" },
		/* option_anchors: known to BOLT #9, but not in invoices. */
		{ concat(usual_fields(), field('9', "yqqqq"), NULL),
		  "features (9) field requires unknown feature bit 22" },
		/* basic_mpp (16) needs payment_secret, which is ASSUMED. */
		{ concat(usual_fields(), field('9', "zqqq"), NULL), NULL },
		{ concat(usual_fields(), field('9', "gqqqqqqqqq"), NULL),
		  NULL },	/* bit 48, payment_metadata: known */
		{ concat(usual_fields(), field_bytes('d', bad_utf8, 3), NULL),
		  NULL },	/* a second d: kept verbatim, not checked */
		{ concat(field_bytes('d', bad_utf8, 3), field_hex('s', secret),
			 field_hex('p', hash), NULL),
		  "description (d) field is not valid UTF-8" },
		{ concat(usual_fields(), field('f', ""), NULL),
		  "fallback (f) field is empty" },
		{ concat(usual_fields(), field('f', "3qqqq"), NULL),
		  "fallback (f) field version 17: a P2PKH or P2SH hash must be 20 bytes (not 2)" },
		{ concat(usual_fields(), field('f', "qqqqq"), NULL),
		  "fallback (f) field version 0: a version 0 witness program must be 20 or 32 bytes" },
		{ concat(usual_fields(), field('f', "pqq"), NULL),
		  "fallback (f) field version 1: a witness program must be 2 to 40 bytes (not 1)" },
		{ concat(usual_fields(), field_bytes('r', zeros, 50), NULL),
		  "route (r) field is 50 bytes, not a whole number of 51-byte hops" },
		{ concat(usual_fields(), field('r', ""), NULL),
		  "route (r) field is 0 bytes" },
		{ concat(usual_fields(), strdup("pp"), NULL),
		  "tagged field truncated: 2 values before the signature" },
		{ concat(usual_fields(), strdup("ppq"), NULL),
		  "payment_hash (p) field (type 1) has data_length 32, past the signature" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *str = invoice_of("lnbc", cases[i].fields);

		if (cases[i].error) {
			check_rejects(str, cases[i].error);
		} else {
			struct bolt11 *b11 = check_decodes(str);

			bolt11_free(b11);
		}
		free(str);
	}
}

static void test_signature_rules(void)
{
	struct privkey other = privkey_from_hex("0101010101010101010101010101010101010101010101010101010101010101");
	uint8_t payee[33];
	char *fields, *data, *str, *payee_field;
	struct bolt11 *b11;

	hex_to_array(payee, 33, json_str(vectors, "payee_pubkey"));
	payee_field = field_bytes('n', payee, 33);

	/* n present: must verify, low-S only. */
	fields = concat(usual_fields(), strdup(payee_field), NULL);
	data = concat(strdup("pvjluez"), fields, NULL);
	str = sign_raw("lnbc", data, false, &spec_key);
	b11 = check_decodes(str);
	CHECK(b11 && b11->has_payee_field);
	bolt11_free(b11);
	free(str);
	str = sign_raw("lnbc", data, true, &spec_key);
	check_rejects(str, "signature is high-S, which is not allowed with a"
		      " payee (n) field");
	free(str);
	str = sign_raw("lnbc", data, false, &other);
	check_rejects(str, "signature does not verify against payee (n)");
	free(str);
	free(data);

	/* No n: recovered, high-S accepted, giving some other key. */
	data = concat(strdup("pvjluez"), usual_fields(), NULL);
	str = sign_raw("lnbc", data, true, &spec_key);
	b11 = check_decodes(str);
	CHECK(b11 && !b11->has_payee_field);
	CHECK(b11 && memcmp(b11->payee, payee, 33) != 0);
	bolt11_free(b11);
	free(str);
	free(data);
	free(payee_field);
}

/* Replaces the last 6 characters (the checksum) with a valid one. */
static void fix_checksum(char *str)
{
	size_t len = strlen(str), sep = (size_t)(strrchr(str, '1') - str), n = 0;
	uint8_t values[4096], checksum[6];
	char hrp[128];

	memcpy(hrp, str, sep);
	hrp[sep] = '\0';
	for (size_t i = sep + 1; i < len - 6; i++)
		values[n++] = value_of(str[i]);
	bech32_create_checksum(checksum, hrp, values, n, BECH32_ENCODING_BECH32);
	for (size_t i = 0; i < 6; i++)
		str[len - 6 + i] = charset[checksum[i]];
}

static void test_signature_bytes(void)
{
	char *str = invoice_of("lnbc", usual_fields());
	size_t len = strlen(str);
	char *bad = strdup(str);
	uint8_t values[2];

	/* The recovery id is the last byte: the low 3 bits of the value
	 * before last, and all 5 of the last one.  Set it to 4. */
	values[0] = (uint8_t)(value_of(bad[len - 8]) & ~7u);
	values[1] = 4;
	bad[len - 8] = charset[values[0]];
	bad[len - 7] = charset[values[1]];
	fix_checksum(bad);
	check_rejects(bad, "signature recovery id 4 is not 0 to 3");

	/* r all ones: above the curve order. */
	strcpy(bad, str);
	for (size_t i = len - 6 - 104; i < len - 6 - 104 + 51; i++)
		bad[i] = 'l';
	fix_checksum(bad);
	check_rejects(bad, "signature r or s is not below the curve order");

	/* A bech32m checksum is not bech32's. */
	{
		size_t sep = (size_t)(strrchr(str, '1') - str), n = 0;
		uint8_t v[4096], checksum[6];

		strcpy(bad, str);
		for (size_t i = sep + 1; i < len - 6; i++)
			v[n++] = value_of(str[i]);
		bech32_create_checksum(checksum, "lnbc", v, n,
				       BECH32_ENCODING_BECH32M);
		for (size_t i = 0; i < 6; i++)
			bad[len - 6 + i] = charset[checksum[i]];
		check_rejects(bad, "bad bech32 checksum (it is a bech32m one)");
	}
	free(bad);
	free(str);
}

/* Fields decoding does not use are kept, in place, and written back:
 * an `f` of unknown version, an unknown type, repeats of `p`. */
static void test_kept_fields(void)
{
	static const uint8_t pkh[20] = { 0x11, 0x22, 0x33 };
	char *f17 = concat(strdup("3"), chars_of_bytes(pkh, sizeof(pkh)), NULL);
	char *fields = concat(field('f', "nqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"),	/* version 19 */
			      field_hex('p', "0001020304050607080900010203040506070809000102030405060708090102"),
			      field('2', "qqq"),			/* type 10 */
			      field('f', f17),
			      usual_fields(),				/* s, p again, d */
			      field_hex('p', "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"),
			      NULL);
	char *str = invoice_of("lnbc", fields), *again = NULL;
	struct bolt11 *b11 = check_decodes(str);

	free(f17);
	if (!b11) {
		free(str);
		return;
	}
	CHECK(bytes_are(b11->payment_hash.u8, 32, "0001020304050607080900010203040506070809000102030405060708090102"));
	CHECK(b11->num_fallbacks == 1
	      && b11->fallbacks[0].version == BOLT11_FALLBACK_P2PKH
	      && bytes_equal(b11->fallbacks[0].program,
			     b11->fallbacks[0].program_len, pkh, sizeof(pkh)));
	CHECK(b11->num_extra_fields == 4);
	CHECK(b11->num_extra_fields == 4 && b11->extra_fields[0].type == 9
	      && b11->extra_fields[0].data5_len == 33
	      && b11->extra_fields[1].type == 10
	      && b11->extra_fields[1].data5_len == 3
	      && b11->extra_fields[2].type == 1
	      && b11->extra_fields[3].type == 1);
	CHECK(b11->num_field_order == 8);
	CHECK(bolt11_encode_with_key(ctx, &again, NULL, b11, &spec_key));
	CHECK_STREQ(again, str);
	free(again);
	bolt11_free(b11);
	free(str);
}

/* Every field kind, built as a struct, encoded and decoded back. */
static void test_roundtrip_all_fields(void)
{
	struct bolt11 *b11 = bolt11_new(chainparams_for_network("regtest"));
	struct bolt11 *back = NULL;
	struct bolt11_route_hop hops[2];
	uint8_t program[32], p2pkh[20], metadata[] = { 0x01, 0xfa, 0xfa, 0xf0 };
	uint8_t unknown5[] = { 1, 2, 3, 31 };
	char *str = NULL, err[BOLT11_ERROR_LEN] = "";
	struct pubkey key;

	memset(hops, 0, sizeof(hops));
	for (size_t i = 0; i < 2; i++) {
		hops[i].node_id[0] = 0x02;
		memset(hops[i].node_id + 1, 0x30 + (int)i, 32);
		CHECK(short_channel_id_from_parts(&hops[i].short_channel_id,
						  700000 + (uint32_t)i, 12, 1));
		hops[i].fee_base_msat = 0xffffffff;
		hops[i].fee_proportional_millionths = 1000 + (uint32_t)i;
		hops[i].cltv_expiry_delta = 0xffff;
	}
	memset(program, 0x5a, sizeof(program));
	memset(p2pkh, 0x17, sizeof(p2pkh));
	b11->has_amount = true;
	b11->amount_msat = 1;
	b11->timestamp = (UINT64_C(1) << 35) - 1;
	memset(b11->payment_hash.u8, 0xab, 32);
	memset(b11->payment_secret.data, 0xcd, 32);
	bolt11_set_description(b11, "ナンセンス 1杯", strlen("ナンセンス 1杯"));
	CHECK(pubkey_from_privkey(ctx, &key, &spec_key));
	pubkey_serialize(ctx, b11->payee, &key);
	b11->has_payee_field = true;
	b11->expiry = UINT64_MAX;
	b11->min_final_cltv_expiry_delta = 0;
	bolt11_add_fallback(b11, 1, program, 32);
	bolt11_add_fallback(b11, 0, program, 20);
	bolt11_add_fallback(b11, BOLT11_FALLBACK_P2PKH, p2pkh, 20);
	bolt11_add_route(b11, hops, 2);
	bolt11_add_route(b11, hops + 1, 1);
	featurebits_set(b11->features, 9);
	featurebits_set(b11->features, 14);
	featurebits_set(b11->features, 17);
	featurebits_set(b11->features, 48);
	featurebits_set(b11->features, 1001);	/* unknown, odd */
	bolt11_set_metadata(b11, metadata, sizeof(metadata));
	b11->extra_fields = calloc(1, sizeof(*b11->extra_fields));
	b11->extra_fields[0].type = 31;
	b11->extra_fields[0].data5 = malloc(sizeof(unknown5));
	memcpy(b11->extra_fields[0].data5, unknown5, sizeof(unknown5));
	b11->extra_fields[0].data5_len = sizeof(unknown5);
	b11->num_extra_fields = 1;

	CHECK_MSG(bolt11_encode_with_key(ctx, &str, err, b11, &spec_key), "%s",
		  err);
	CHECK(str && strncmp(str, "lnbcrt10p1", 10) == 0);
	back = str ? check_decodes(str) : NULL;
	if (back) {
		char *again = NULL;

		CHECK(back->chain == b11->chain);
		CHECK(back->has_amount && back->amount_msat == 1);
		CHECK(back->timestamp == b11->timestamp);
		CHECK(memcmp(&back->payment_hash, &b11->payment_hash, 32) == 0);
		CHECK(memcmp(&back->payment_secret, &b11->payment_secret, 32) == 0);
		CHECK_STREQ(back->description, b11->description);
		CHECK(back->has_payee_field
		      && memcmp(back->payee, b11->payee, 33) == 0);
		CHECK(back->expiry == UINT64_MAX);
		CHECK(back->min_final_cltv_expiry_delta == 0);
		CHECK(back->num_fallbacks == 3);
		for (size_t i = 0; i < 3 && i < back->num_fallbacks; i++) {
			CHECK(back->fallbacks[i].version == b11->fallbacks[i].version);
			CHECK(bytes_equal(back->fallbacks[i].program,
					  back->fallbacks[i].program_len,
					  b11->fallbacks[i].program,
					  b11->fallbacks[i].program_len));
		}
		CHECK(back->num_routes == 2);
		for (size_t i = 0; i < 2 && i < back->num_routes; i++) {
			CHECK(back->routes[i].num_hops == b11->routes[i].num_hops);
			CHECK(memcmp(back->routes[i].hops, b11->routes[i].hops,
				     b11->routes[i].num_hops * sizeof(hops[0])) == 0);
		}
		CHECK(bytes_equal(back->features->bytes, back->features->len,
				  b11->features->bytes, b11->features->len));
		CHECK(back->has_metadata
		      && bytes_equal(back->metadata, back->metadata_len,
				     metadata, sizeof(metadata)));
		CHECK(back->num_extra_fields == 1
		      && back->extra_fields[0].type == 31
		      && bytes_equal(back->extra_fields[0].data5,
				     back->extra_fields[0].data5_len,
				     unknown5, sizeof(unknown5)));
		/* And once decoded, it re-encodes to the same string. */
		CHECK(bolt11_encode_with_key(ctx, &again, NULL, back, &spec_key));
		CHECK_STREQ(again, str);
		free(again);
	}
	bolt11_free(back);
	bolt11_free(b11);
	free(str);
}

/* A fresh struct: canonical order, c always, x and 9 only when set. */
static void test_canonical_encoding(void)
{
	struct bolt11 *b11 = bolt11_new(chainparams_for_network("bitcoin"));
	char *str = NULL, *want;

	b11->timestamp = 1496314658;
	hex_to_array(b11->payment_hash.u8, 32, "0001020304050607080900010203040506070809000102030405060708090102");
	hex_to_array(b11->payment_secret.data, 32, "1111111111111111111111111111111111111111111111111111111111111111");
	bolt11_set_description(b11, "coffee", 6);
	CHECK(bolt11_encode_with_key(ctx, &str, NULL, b11, &spec_key));
	want = invoice_of("lnbc", concat(field_hex('p', "0001020304050607080900010203040506070809000102030405060708090102"),
					 field_hex('s', "1111111111111111111111111111111111111111111111111111111111111111"),
					 field_bytes('d', (const uint8_t *)"coffee", 6),
					 field('c', "j"), NULL));
	CHECK_STREQ(str, want);
	free(str);
	free(want);
	bolt11_free(b11);
}

static void test_encode_errors(void)
{
	struct bolt11 *b11 = bolt11_new(chainparams_for_network("bitcoin"));
	struct privkey other = privkey_from_hex("0101010101010101010101010101010101010101010101010101010101010101");
	char *str = NULL, err[BOLT11_ERROR_LEN] = "";
	char long_text[640];
	uint8_t program[41] = { 0 };
	struct pubkey key;

	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	CHECK(strstr(err, "exactly one of description and description_hash"));
	b11->has_description_hash = true;
	bolt11_set_description(b11, "x", 1);
	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	CHECK(strstr(err, "exactly one of description and description_hash"));
	b11->has_description_hash = false;

	b11->has_amount = true;
	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	CHECK_STREQ(err, "amount must be positive");
	b11->amount_msat = 1000;

	b11->timestamp = UINT64_C(1) << 35;
	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	CHECK(strstr(err, "does not fit 35 bits"));
	b11->timestamp = 0;

	/* 639 bytes fit a field; 640 do not. */
	memset(long_text, 'a', sizeof(long_text));
	bolt11_set_description(b11, long_text, 639);
	CHECK(bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	free(str);
	str = NULL;
	bolt11_set_description(b11, long_text, 640);
	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	CHECK_STREQ(err, "description (d) field is too long: 1024 values, at most 1023");
	bolt11_set_description(b11, "x", 1);

	bolt11_add_fallback(b11, 0, program, 41);
	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	CHECK(strstr(err, "fallback version 0"));
	b11->fallbacks[0].version = 19;
	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	CHECK(strstr(err, "unknown version"));
	b11->fallbacks[0].version = 16;
	b11->fallbacks[0].program_len = 40;
	CHECK(bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	free(str);
	str = NULL;

	CHECK(pubkey_from_privkey(ctx, &key, &spec_key));
	pubkey_serialize(ctx, b11->payee, &key);
	b11->has_payee_field = true;
	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &other));
	CHECK_STREQ(err, "signature does not verify against payee (n)");
	CHECK(bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	free(str);
	str = NULL;

	b11->chain = NULL;
	CHECK(!bolt11_encode_with_key(ctx, &str, err, b11, &spec_key));
	CHECK(strstr(err, "no network"));
	CHECK(str == NULL);
	bolt11_free(b11);
}

static void test_features_hook(void)
{
	char *str = invoice_of("lnbc", concat(usual_fields(),
					      field('9', "pqqqqqqqqqqqqqqqqqqqq"), NULL));
	struct featurebits *known = featurebits_new();
	struct bolt11 *b11 = NULL;
	char err[BOLT11_ERROR_LEN] = "";

	/* Knowing the pair by its odd bit is knowing it. */
	featurebits_set(known, 101);
	CHECK_MSG(bolt11_decode(ctx, &b11, err, str, known), "%s", err);
	CHECK(b11 && featurebits_is_set(b11->features, 100));
	bolt11_free(b11);
	b11 = NULL;
	/* A caller that knows nothing refuses payment_metadata (48). */
	free(str);
	str = invoice_of("lnbc", concat(usual_fields(), field('9', "gqqqqqqqqq"), NULL));
	featurebits_clear(known, 101);
	CHECK(!bolt11_decode(ctx, &b11, err, str, known));
	CHECK_STREQ(err, "features (9) field requires unknown feature bit 48");
	CHECK(bolt11_decode(ctx, &b11, err, str, NULL));
	bolt11_free(b11);
	featurebits_free(known);
	free(str);
}

static void test_expiry_and_description_hash(void)
{
	const json_t *examples = json_object_get(vectors, "valid_examples");
	const char *cake = "One piece of chocolate cake, one icecream cone, one pickle, one slice of swiss cheese, one slice of salami, one lollypop, one piece of cherry pie, one sausage, one cupcake, and one slice of watermelon";
	struct bolt11 *b11;

	/* Example 4: "Now send $24 for an entire list of things (hashed)". */
	b11 = check_decodes(json_str(json_array_get(examples, 3), "invoice"));
	CHECK(b11 && bolt11_description_hash_matches(b11, cake, strlen(cake)));
	CHECK(b11 && !bolt11_description_hash_matches(b11, cake, 10));
	bolt11_free(b11);

	/* Example 2: one minute from 1496314658. */
	b11 = check_decodes(json_str(json_array_get(examples, 1), "invoice"));
	CHECK(b11 && !bolt11_is_expired(b11, 1496314658 + 59));
	CHECK(b11 && bolt11_is_expired(b11, 1496314658 + 60));
	CHECK(b11 && !bolt11_description_hash_matches(b11, "", 0));
	if (b11) {
		b11->expiry = UINT64_MAX;
		CHECK(!bolt11_is_expired(b11, UINT64_MAX));
	}
	bolt11_free(b11);
}

int main(void)
{
	ctx = keys_context_new();
	vectors = vectors_load("bolt11-invoices.json");
	spec_key = privkey_from_hex(json_str(vectors, "priv_key"));

	RUN(test_valid_examples);
	RUN(test_invalid_examples);
	RUN(test_handmade_invoice_decodes);
	RUN(test_amounts);
	RUN(test_amount_encoding);
	RUN(test_amount_errors);
	RUN(test_field_errors);
	RUN(test_signature_rules);
	RUN(test_signature_bytes);
	RUN(test_kept_fields);
	RUN(test_roundtrip_all_fields);
	RUN(test_canonical_encoding);
	RUN(test_encode_errors);
	RUN(test_features_hook);
	RUN(test_expiry_and_description_hash);

	json_decref(vectors);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
