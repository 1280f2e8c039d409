/* Tests for bitcoin/bech32: every BIP173 and BIP350 bech32/bech32m string
 * vector (tests/vectors/bip173-test-vectors.json and bip350-...), plus the
 * 5-bit conversion and the length limit BOLT #11 needs lifted. */
#include "bitcoin/bech32.h"
#include "tests/unit/vectors.h"

#include <stdint.h>

/* A vector's string: "string", or "string_hex" where the BIP adds raw
 * bytes JSON cannot carry (0x80, 0xFF).  Returns malloc'd string. */
static char *vector_string(const json_t *v)
{
	const char *hex = json_string_value(json_object_get(v, "string_hex"));
	size_t len;
	uint8_t *bytes;
	char *out;

	if (!hex)
		return strdup(json_str(v, "string"));
	bytes = hex_to_bytes(hex, &len);
	out = malloc(len + 1);
	memcpy(out, bytes, len);
	out[len] = '\0';
	free(bytes);
	return out;
}

/* Decodes str; returns the encoding, or NONE on failure. */
static enum bech32_encoding decode(const char *str, size_t max_len,
				   const char **err)
{
	size_t n = strlen(str) + 1, data_len;
	char *hrp = malloc(n);
	uint8_t *data = malloc(n);
	enum bech32_encoding enc = BECH32_ENCODING_NONE;

	if (!bech32_decode(&enc, hrp, n, data, &data_len, n, str, max_len,
			   err))
		enc = BECH32_ENCODING_NONE;
	free(hrp);
	free(data);
	return enc;
}

/* Valid strings decode with the right checksum and re-encode to their
 * lowercase form. */
static size_t check_valid(const json_t *vectors, enum bech32_encoding want)
{
	const json_t *v;
	size_t k;

	json_array_foreach(vectors, k, v) {
		char *str = vector_string(v);
		size_t n = strlen(str) + 1, data_len;
		char *hrp = malloc(n), *again = malloc(n + 1), *lower = malloc(n);
		uint8_t *data = malloc(n);
		enum bech32_encoding enc;
		const char *err = NULL;

		for (size_t i = 0; i < n; i++)
			lower[i] = (str[i] >= 'A' && str[i] <= 'Z')
				? (char)(str[i] - 'A' + 'a') : str[i];
		CHECK_MSG(bech32_decode(&enc, hrp, n, data, &data_len, n, str,
					BECH32_MAX_LEN, &err),
			  "%s: %s", str, err);
		CHECK_MSG(enc == want, "%s decoded as %d", str, enc);
		CHECK(bech32_encode(again, n + 1, hrp, data, data_len, want,
				    BECH32_MAX_LEN));
		CHECK_STREQ(again, lower);
		free(hrp);
		free(again);
		free(lower);
		free(data);
		free(str);
	}
	return json_array_size(vectors);
}

/* Invalid strings fail to decode as either encoding, with a reason. */
static size_t check_invalid(const json_t *vectors)
{
	const json_t *v;
	size_t i;

	json_array_foreach(vectors, i, v) {
		char *str = vector_string(v);
		const char *err = NULL;

		CHECK_MSG(decode(str, BECH32_MAX_LEN, &err)
			  == BECH32_ENCODING_NONE, "accepted %s (%s)", str,
			  json_str(v, "reason"));
		CHECK(err != NULL);
		free(str);
	}
	return json_array_size(vectors);
}

static void test_bip173_bech32_vectors(void)
{
	json_t *root = vectors_load("bip173-test-vectors.json");

	CHECK(check_valid(json_object_get(root, "bech32_valid"),
			  BECH32_ENCODING_BECH32) == 7);
	CHECK(check_invalid(json_object_get(root, "bech32_invalid")) == 12);
	json_decref(root);
}

static void test_bip350_bech32m_vectors(void)
{
	json_t *root = vectors_load("bip350-test-vectors.json");

	CHECK(check_valid(json_object_get(root, "bech32m_valid"),
			  BECH32_ENCODING_BECH32M) == 7);
	CHECK(check_invalid(json_object_get(root, "bech32m_invalid")) == 14);
	json_decref(root);
}

static void test_error_messages_name_the_problem(void)
{
	const char *err = NULL;

	CHECK(decode("a12uel5m", BECH32_MAX_LEN, &err) == BECH32_ENCODING_NONE);
	CHECK_STREQ(err, "bad bech32 checksum");
	CHECK(decode("A12uel5l", BECH32_MAX_LEN, &err) == BECH32_ENCODING_NONE);
	CHECK_STREQ(err, "bech32 string has mixed case");
	CHECK(decode("pzry9x0s0muk", BECH32_MAX_LEN, &err)
	      == BECH32_ENCODING_NONE);
	CHECK_STREQ(err, "bech32 separator '1' missing");
	CHECK(decode("mm1crxm3i", BECH32_MAX_LEN, &err) == BECH32_ENCODING_NONE);
	CHECK_STREQ(err, "invalid character in bech32 checksum");
}

/* BOLT #11 invoices are longer than 90 characters: the limit is the
 * caller's. */
static void test_length_limit_is_a_parameter(void)
{
	uint8_t data[200];
	char str[300];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = i % 32;
	CHECK(!bech32_encode(str, sizeof(str), "lnbc", data, sizeof(data),
			     BECH32_ENCODING_BECH32, BECH32_MAX_LEN));
	CHECK(bech32_encode(str, sizeof(str), "lnbc", data, sizeof(data),
			    BECH32_ENCODING_BECH32, SIZE_MAX));
	CHECK(strlen(str) == 4 + 1 + 200 + 6);
	CHECK(decode(str, BECH32_MAX_LEN, NULL) == BECH32_ENCODING_NONE);
	CHECK(decode(str, SIZE_MAX, NULL) == BECH32_ENCODING_BECH32);
	/* Too small an output buffer is refused, not overrun. */
	CHECK(!bech32_encode(str, 211, "lnbc", data, sizeof(data),
			     BECH32_ENCODING_BECH32, SIZE_MAX));
	/* Uppercase hrp and out-of-range values are refused. */
	CHECK(!bech32_encode(str, sizeof(str), "BC", data, 3,
			     BECH32_ENCODING_BECH32, SIZE_MAX));
	data[0] = 32;
	CHECK(!bech32_encode(str, sizeof(str), "bc", data, 3,
			     BECH32_ENCODING_BECH32, SIZE_MAX));
}

static void test_convert_bits(void)
{
	const uint8_t bytes[] = { 0xff, 0x00, 0x80 };
	uint8_t five[8], back[8];
	size_t n5, n8;

	/* 24 bits pad to 5 groups of 5 (25 bits). */
	CHECK(bech32_convert_bits(five, &n5, sizeof(five), 5, bytes, 3, 8,
				  true));
	CHECK(n5 == 5);
	CHECK(five[0] == 31 && five[1] == 28 && five[2] == 0 && five[3] == 8
	      && five[4] == 0);
	CHECK(bech32_convert_bits(back, &n8, sizeof(back), 8, five, n5, 5,
				  false));
	CHECK(n8 == 3);
	CHECK_MEMEQ(back, bytes, 3);
	/* Non-zero padding bits are refused without padding. */
	five[4] = 1;
	CHECK(!bech32_convert_bits(back, &n8, sizeof(back), 8, five, n5, 5,
				   false));
	/* Leftover of 5+ bits ("zero padding of more than 4 bits"). */
	five[4] = 0;
	memset(five + 5, 0, 1);
	CHECK(!bech32_convert_bits(back, &n8, sizeof(back), 8, five, 6, 5,
				   false));
	/* An input value wider than in_bits, and a short output. */
	five[0] = 32;
	CHECK(!bech32_convert_bits(back, &n8, sizeof(back), 8, five, 5, 5,
				   false));
	CHECK(!bech32_convert_bits(five, &n5, 4, 5, bytes, 3, 8, true));
}

int main(void)
{
	RUN(test_bip173_bech32_vectors);
	RUN(test_bip350_bech32m_vectors);
	RUN(test_error_messages_name_the_problem);
	RUN(test_length_limit_is_a_parameter);
	RUN(test_convert_bits);
	return test_done();
}
