/* Tests for wire/wire.h, wire/wirebuf.h and wire/short_channel_id.h: the
 * BOLT #1 fundamental types.  Spec vectors first (BigSize, signed
 * integers), then round trips and hostile input. */
#include <limits.h>

#include "tests/unit/vectors.h"
#include "wire/wire.h"

/* Decodes bytes as one BigSize; *ok says whether the read succeeded. */
static uint64_t bigsize_decode(const uint8_t *bytes, size_t len, bool *ok,
			       size_t *left)
{
	const uint8_t *cursor = bytes ? bytes : (const uint8_t *)"";
	size_t max = len;
	uint64_t v = fromwire_bigsize(&cursor, &max);

	*ok = cursor != NULL;
	*left = max;
	return v;
}

/* BOLT #1 Appendix A: all 18 decoding tests, 10 of which must fail. */
static void test_bigsize_decoding_vectors(void)
{
	json_t *root = vectors_load_reals("bolt01-bigsize.json");
	json_t *tests = json_object_get(root, "decoding_tests");
	size_t i, failures = 0, successes = 0;
	json_t *t;

	json_array_foreach(tests, i, t) {
		size_t len, left;
		uint8_t *bytes = hex_to_bytes(json_str(t, "bytes"), &len);
		bool ok, want_error = json_object_get(t, "exp_error") != NULL;
		uint64_t v = bigsize_decode(bytes, len, &ok, &left);

		if (want_error) {
			CHECK_MSG(!ok, "%s: decoded, expected an error",
				  json_str(t, "name"));
			failures++;
		} else {
			uint64_t want = strtoull(json_str(t, "value_str"),
						 NULL, 10);
			CHECK_MSG(ok && v == want && left == 0,
				  "%s: got %llu", json_str(t, "name"),
				  (unsigned long long)v);
			successes++;
		}
		free(bytes);
	}
	CHECK(failures == 10);
	CHECK(successes == 8);
	json_decref(root);
}

/* BOLT #1 Appendix A: all 8 encoding tests. */
static void test_bigsize_encoding_vectors(void)
{
	json_t *root = vectors_load_reals("bolt01-bigsize.json");
	json_t *tests = json_object_get(root, "encoding_tests");
	size_t i, count = 0;
	json_t *t;

	json_array_foreach(tests, i, t) {
		size_t len;
		uint8_t *want = hex_to_bytes(json_str(t, "bytes"), &len);
		uint64_t v = strtoull(json_str(t, "value_str"), NULL, 10);
		struct wirebuf *buf = wirebuf_new();

		towire_bigsize(buf, v);
		CHECK_MSG(bytes_equal(buf->data, buf->len, want, len),
			  "%s", json_str(t, "name"));
		CHECK(bigsize_len(v) == len);
		wirebuf_free(buf);
		free(want);
		count++;
	}
	CHECK(count == 8);
	json_decref(root);
}

/* A BigSize followed by more data reads only its own bytes. */
static void test_bigsize_leaves_following_bytes(void)
{
	const uint8_t bytes[] = { 0xfd, 0x01, 0x00, 0xaa };
	const uint8_t *cursor = bytes;
	size_t max = sizeof(bytes);

	CHECK(fromwire_bigsize(&cursor, &max) == 256);
	CHECK(cursor == bytes + 3 && max == 1);
	CHECK(fromwire_u8(&cursor, &max) == 0xaa);
}

/* Decodes a signed integer whose width is the encoding's length. */
static int64_t signed_decode(const uint8_t *bytes, size_t len, bool *ok)
{
	const uint8_t *cursor = bytes;
	size_t max = len;
	int64_t v = 0;

	switch (len) {
	case 1:
		v = fromwire_s8(&cursor, &max);
		break;
	case 2:
		v = fromwire_s16(&cursor, &max);
		break;
	case 4:
		v = fromwire_s32(&cursor, &max);
		break;
	case 8:
		v = fromwire_s64(&cursor, &max);
		break;
	default:
		cursor = NULL;
	}
	*ok = cursor != NULL && max == 0;
	return v;
}

/* Encodes v at the given width with the fixed-width writer. */
static void signed_encode(struct wirebuf *buf, int64_t v, size_t len)
{
	switch (len) {
	case 1:
		towire_s8(buf, (int8_t)v);
		break;
	case 2:
		towire_s16(buf, (int16_t)v);
		break;
	case 4:
		towire_s32(buf, (int32_t)v);
		break;
	case 8:
		towire_s64(buf, v);
		break;
	}
}

/* BOLT #1 Appendix D: all 23 vectors decode, and each value's minimal
 * encoding (fixed-width and minimal writers alike) is the vector's. */
static void test_signed_integer_vectors(void)
{
	json_t *root = vectors_load("bolt01-signed-integers.json");
	json_t *tests = json_object_get(root, "tests");
	size_t i, count = 0;
	json_t *t;

	json_array_foreach(tests, i, t) {
		size_t len;
		uint8_t *bytes = hex_to_bytes(json_str(t, "bytes"), &len);
		int64_t want = strtoll(json_str(t, "value_str"), NULL, 10);
		struct wirebuf *fixed = wirebuf_new(), *minimal = wirebuf_new();
		bool ok;

		CHECK_MSG(signed_decode(bytes, len, &ok) == want && ok,
			  "decoding %s", json_str(t, "bytes"));
		CHECK_MSG(signed_minimal_len(want) == len, "minimal length %s",
			  json_str(t, "value_str"));
		signed_encode(fixed, want, len);
		towire_signed_minimal(minimal, want);
		CHECK(bytes_equal(fixed->data, fixed->len, bytes, len));
		CHECK(bytes_equal(minimal->data, minimal->len, bytes, len));
		wirebuf_free(fixed);
		wirebuf_free(minimal);
		free(bytes);
		count++;
	}
	CHECK(count == 23);
	json_decref(root);
}

static void test_unsigned_big_endian(void)
{
	const uint8_t want[] = { 0xab, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef,
				 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
				 0xef };
	struct wirebuf *buf = wirebuf_new();
	const uint8_t *cursor;
	size_t max;

	towire_u8(buf, 0xab);
	towire_u16(buf, 0x1234);
	towire_u32(buf, 0x89abcdef);
	towire_u64(buf, 0x0123456789abcdefULL);
	CHECK(buf->len == sizeof(want));
	CHECK_MEMEQ(buf->data, want, sizeof(want));

	cursor = buf->data;
	max = buf->len;
	CHECK(fromwire_u8(&cursor, &max) == 0xab);
	CHECK(fromwire_u16(&cursor, &max) == 0x1234);
	CHECK(fromwire_u32(&cursor, &max) == 0x89abcdef);
	CHECK(fromwire_u64(&cursor, &max) == 0x0123456789abcdefULL);
	CHECK(cursor && max == 0);
	wirebuf_free(buf);
}

/* Reads all of bytes as a truncated integer of the given size. */
static uint64_t tu_decode(const uint8_t *bytes, size_t len, int size,
			  bool *ok)
{
	const uint8_t *cursor = bytes;
	size_t max = len;
	uint64_t v = size == 2 ? fromwire_tu16(&cursor, &max)
		: size == 4 ? fromwire_tu32(&cursor, &max)
		: fromwire_tu64(&cursor, &max);

	*ok = cursor != NULL && max == 0;
	return v;
}

/* Every byte-length boundary round-trips through the minimal encoding. */
static void test_truncated_integers_round_trip(void)
{
	for (int shift = 0; shift < 64; shift++) {
		uint64_t values[] = { (uint64_t)1 << shift,
				      ((uint64_t)1 << shift) - 1,
				      ((uint64_t)1 << shift) | 0xff };

		for (size_t i = 0; i < 3; i++) {
			struct wirebuf *buf = wirebuf_new();
			uint64_t v = values[i];
			bool ok;

			towire_tu64(buf, v);
			CHECK(buf->len == tu64_len(v));
			CHECK(buf->len == 0 || buf->data[0] != 0);
			CHECK(tu_decode(buf->data, buf->len, 8, &ok) == v && ok);
			if (v <= UINT32_MAX) {
				wirebuf_reset(buf);
				towire_tu32(buf, (uint32_t)v);
				CHECK(tu_decode(buf->data, buf->len, 4, &ok) == v
				      && ok);
			}
			if (v <= UINT16_MAX) {
				wirebuf_reset(buf);
				towire_tu16(buf, (uint16_t)v);
				CHECK(tu_decode(buf->data, buf->len, 2, &ok) == v
				      && ok);
			}
			wirebuf_free(buf);
		}
	}
}

/* BOLT #1: "Leading zeros in truncated integers MUST be omitted", and a
 * tuN holds at most N/8 bytes. */
static void test_truncated_integers_reject_non_minimal(void)
{
	const uint8_t zero[] = { 0x00 }, padded[] = { 0x00, 0x01 };
	const uint8_t nine[9] = { 1 }, five[5] = { 1 }, three[3] = { 1 };
	bool ok;

	CHECK(tu_decode((const uint8_t *)"", 0, 8, &ok) == 0 && ok);
	tu_decode(zero, sizeof(zero), 8, &ok);
	CHECK(!ok);
	tu_decode(padded, sizeof(padded), 2, &ok);
	CHECK(!ok);
	tu_decode(padded, sizeof(padded), 4, &ok);
	CHECK(!ok);
	tu_decode(nine, sizeof(nine), 8, &ok);
	CHECK(!ok);
	tu_decode(five, sizeof(five), 4, &ok);
	CHECK(!ok);
	tu_decode(three, sizeof(three), 2, &ok);
	CHECK(!ok);
	CHECK(tu_decode(nine, 8, 8, &ok) == 0x0100000000000000ULL && ok);
}

/* Once a read fails, the cursor stays NULL and every read yields zero. */
static void test_cursor_failure_is_sticky(void)
{
	const uint8_t bytes[] = { 0x12, 0x34, 0x56 };
	const uint8_t *cursor = bytes;
	size_t max = sizeof(bytes);
	struct chain_hash hash;

	memset(&hash, 0xff, sizeof(hash));
	CHECK(fromwire_u32(&cursor, &max) == 0);
	CHECK(cursor == NULL && max == 0);
	CHECK(fromwire_u8(&cursor, &max) == 0);
	CHECK(fromwire_bigsize(&cursor, &max) == 0);
	CHECK(fromwire_tu64(&cursor, &max) == 0);
	CHECK(fromwire_pull(&cursor, &max, 0) == NULL);
	fromwire_chain_hash(&cursor, &max, &hash);
	CHECK(hash.bytes[0] == 0 && hash.bytes[31] == 0);
	CHECK(cursor == NULL);
}

/* The 32/33/64/8-byte types round-trip and fail cleanly when short. */
static void test_fixed_size_types(void)
{
	struct chain_hash ch, ch2;
	struct channel_id cid, cid2;
	struct wire_sha256 sha, sha2;
	struct wire_point point, point2;
	struct wire_signature sig, sig2;
	struct short_channel_id scid = { 0x0102030405060708ULL }, scid2;
	struct wirebuf *buf = wirebuf_new();
	const uint8_t *cursor;
	size_t max;

	memset(&ch, 1, sizeof(ch));
	memset(&cid, 2, sizeof(cid));
	memset(&sha, 3, sizeof(sha));
	memset(&point, 4, sizeof(point));
	memset(&sig, 5, sizeof(sig));
	towire_chain_hash(buf, &ch);
	towire_channel_id(buf, &cid);
	towire_sha256(buf, &sha);
	towire_point(buf, &point);
	towire_signature(buf, &sig);
	towire_short_channel_id(buf, &scid);
	CHECK(buf->len == 32 + 32 + 32 + 33 + 64 + 8);
	CHECK(buf->data[buf->len - 8] == 0x01 && buf->data[buf->len - 1] == 8);

	cursor = buf->data;
	max = buf->len;
	fromwire_chain_hash(&cursor, &max, &ch2);
	fromwire_channel_id(&cursor, &max, &cid2);
	fromwire_sha256(&cursor, &max, &sha2);
	fromwire_point(&cursor, &max, &point2);
	fromwire_signature(&cursor, &max, &sig2);
	fromwire_short_channel_id(&cursor, &max, &scid2);
	CHECK(cursor && max == 0);
	CHECK_MEMEQ(&ch, &ch2, sizeof(ch));
	CHECK_MEMEQ(&cid, &cid2, sizeof(cid));
	CHECK_MEMEQ(&sha, &sha2, sizeof(sha));
	CHECK_MEMEQ(&point, &point2, sizeof(point));
	CHECK_MEMEQ(&sig, &sig2, sizeof(sig));
	CHECK(scid.u64 == scid2.u64);

	/* One byte short of a signature. */
	cursor = buf->data;
	max = 63;
	fromwire_signature(&cursor, &max, &sig2);
	CHECK(cursor == NULL && sig2.bytes[0] == 0);
	wirebuf_free(buf);
}

/* A length prefix from a peer cannot claim more than the buffer holds,
 * even when count * size would overflow. */
static void test_array_fits_rejects_huge_counts(void)
{
	const uint8_t bytes[64] = { 0 };
	const uint8_t *cursor = bytes;
	size_t max = sizeof(bytes);

	CHECK(fromwire_array_fits(&cursor, &max, 2, 32));
	CHECK(fromwire_array_fits(&cursor, &max, 0, 32));
	CHECK(cursor && max == 64);
	CHECK(!fromwire_array_fits(&cursor, &max, SIZE_MAX / 2 + 1, 2));
	CHECK(cursor == NULL);
	cursor = bytes;
	max = sizeof(bytes);
	CHECK(!fromwire_array_fits(&cursor, &max, 3, 32));
	CHECK(cursor == NULL);
}

static void test_short_channel_id_parts_and_string(void)
{
	struct short_channel_id scid = { 0 };
	char str[SHORT_CHANNEL_ID_STR_MAX];

	CHECK(short_channel_id_from_parts(&scid, 539268, 845, 1));
	CHECK(short_channel_id_block(&scid) == 539268);
	CHECK(short_channel_id_txindex(&scid) == 845);
	CHECK(short_channel_id_outnum(&scid) == 1);
	CHECK_STREQ(short_channel_id_to_str(str, &scid), "539268x845x1");
	CHECK(scid.u64 == ((uint64_t)539268 << 40 | (uint64_t)845 << 16 | 1));

	/* The BOLT #1 TLV vector's scid: 0x0000000000000226 is 0x0x550. */
	scid.u64 = 0x226;
	CHECK_STREQ(short_channel_id_to_str(str, &scid), "0x0x550");

	CHECK(short_channel_id_from_parts(&scid, 0xFFFFFF, 0xFFFFFF, 0xFFFF));
	CHECK(scid.u64 == UINT64_MAX);
	CHECK_STREQ(short_channel_id_to_str(str, &scid),
		    "16777215x16777215x65535");
	CHECK(strlen(str) + 1 == sizeof(str));
	CHECK(!short_channel_id_from_parts(&scid, 0x1000000, 0, 0));
	CHECK(!short_channel_id_from_parts(&scid, 0, 0x1000000, 0));
	CHECK(scid.u64 == UINT64_MAX);	/* untouched on failure */
}

static bool scid_parses(const char *s, uint64_t *out)
{
	struct short_channel_id scid = { 0 };
	bool ok = short_channel_id_from_str(&scid, s, strlen(s));

	*out = scid.u64;
	return ok;
}

static void test_short_channel_id_from_str(void)
{
	const char *bad[] = { "", "x", "1x2", "1x2x", "x1x2", "1xx3",
			      "1x2x3x4", "1x2x3 ", " 1x2x3", "+1x2x3",
			      "-1x2x3", "1X2X3", "1x2x0x3", "16777216x0x0",
			      "0x16777216x0", "0x0x65536",
			      "99999999999x0x0", "1x2xa" };
	uint64_t v;

	CHECK(scid_parses("539268x845x1", &v));
	CHECK(v == ((uint64_t)539268 << 40 | (uint64_t)845 << 16 | 1));
	CHECK(scid_parses("0x0x550", &v) && v == 0x226);
	CHECK(scid_parses("16777215x16777215x65535", &v) && v == UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(!scid_parses(bad[i], &v), "accepted \"%s\"", bad[i]);
	/* Only len bytes are read: no NUL needed. */
	CHECK(short_channel_id_from_str(&(struct short_channel_id){ 0 },
					"1x2x3junk", 5));
}

static void test_wirebuf_grows_and_hands_over(void)
{
	struct wirebuf *buf = wirebuf_new();
	uint8_t *bytes;
	size_t len;

	CHECK(buf->len == 0);
	for (int i = 0; i < 10000; i++)
		towire_u8(buf, (uint8_t)i);
	CHECK(buf->len == 10000 && buf->cap >= buf->len);
	CHECK(buf->data[9999] == (uint8_t)9999);
	wirebuf_append(buf, NULL, 0);
	CHECK(buf->len == 10000);
	bytes = wirebuf_take(buf, &len);
	CHECK(len == 10000 && bytes[255] == 255);
	free(bytes);

	buf = wirebuf_new();
	towire_u16(buf, 7);
	wirebuf_reset(buf);
	CHECK(buf->len == 0);
	CHECK(wirebuf_take(buf, &len) == NULL && len == 0);
	wirebuf_free(NULL);
}

static void test_alloc_helpers(void)
{
	uint8_t *copy = wire_memdup("abc", 3);

	CHECK(copy && memcmp(copy, "abc", 3) == 0);
	free(copy);
	CHECK(wire_memdup("abc", 0) == NULL);
	CHECK(wire_calloc(0, 8) == NULL);
}

int main(void)
{
	RUN(test_bigsize_decoding_vectors);
	RUN(test_bigsize_encoding_vectors);
	RUN(test_bigsize_leaves_following_bytes);
	RUN(test_signed_integer_vectors);
	RUN(test_unsigned_big_endian);
	RUN(test_truncated_integers_round_trip);
	RUN(test_truncated_integers_reject_non_minimal);
	RUN(test_cursor_failure_is_sticky);
	RUN(test_fixed_size_types);
	RUN(test_array_fits_rejects_huge_counts);
	RUN(test_short_channel_id_parts_and_string);
	RUN(test_short_channel_id_from_str);
	RUN(test_wirebuf_grows_and_hands_over);
	RUN(test_alloc_helpers);
	return test_done();
}
