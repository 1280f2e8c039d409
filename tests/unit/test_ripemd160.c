/* Tests for crypto/ripemd160: the RIPEMD-160 authors' published test
 * vectors, streaming in awkward chunk sizes, and HASH160. */
#include "common/hex.h"
#include "crypto/ripemd160.h"
#include "tests/unit/vectors.h"

static bool ripemd160_of_string_is(const char *msg, const char *hex)
{
	struct ripemd160 digest;

	ripemd160(&digest, msg, strlen(msg));
	return bytes_are(digest.u8, sizeof(digest.u8), hex);
}

/* From the RIPEMD-160 page by Bosselaers
 * (homes.esat.kuleuven.be/~bosselae/ripemd160.html). */
static void test_ripemd160_matches_authors_vectors(void)
{
	CHECK(ripemd160_of_string_is(
		"", "9c1185a5c5e9fc54612808977ee8f548b2258d31"));
	CHECK(ripemd160_of_string_is(
		"a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe"));
	CHECK(ripemd160_of_string_is(
		"abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"));
	CHECK(ripemd160_of_string_is(
		"message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36"));
	CHECK(ripemd160_of_string_is(
		"abcdefghijklmnopqrstuvwxyz",
		"f71c27109c692c1b56bbdceb5b9d2865b3708dbc"));
	CHECK(ripemd160_of_string_is(
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		"12a053384a9c0c88e405a06c27dcf49ada62eb2b"));
	CHECK(ripemd160_of_string_is(
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		"b0e20b6e3116640286ed3a87a5713079b21f5189"));
	CHECK(ripemd160_of_string_is(
		"1234567890123456789012345678901234567890"
		"1234567890123456789012345678901234567890",
		"9b752e45573d4b39f4dbd3323cab82bf63326bfb"));
}

static void test_ripemd160_million_a(void)
{
	static uint8_t a[1000000];
	struct ripemd160 digest;

	memset(a, 'a', sizeof(a));
	ripemd160(&digest, a, sizeof(a));
	CHECK(bytes_are(digest.u8, sizeof(digest.u8), "52783243c1697bdbe16d37f97f68f08325dc1528"));
}

/* Padding edge cases: lengths around the 55/56/64-byte boundaries, and
 * every split point of the input, must agree with the one-shot digest. */
static void test_ripemd160_streaming_matches_one_shot(void)
{
	uint8_t data[200];
	struct ripemd160 one_shot, streamed;
	struct ripemd160_ctx ctx;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);

	for (size_t len = 0; len <= sizeof(data); len++) {
		ripemd160(&one_shot, data, len);
		for (size_t split = 0; split <= len; split += 13) {
			ripemd160_init(&ctx);
			ripemd160_update(&ctx, data, split);
			ripemd160_update(&ctx, NULL, 0);
			ripemd160_update(&ctx, data + split, len - split);
			ripemd160_final(&streamed, &ctx);
			CHECK_MSG(memcmp(&one_shot, &streamed,
					 sizeof(one_shot)) == 0,
				  "len %zu split %zu", len, split);
		}
	}

	/* Byte-at-a-time over the million-'a' vector's first block sizes. */
	ripemd160_init(&ctx);
	for (size_t i = 0; i < 1000000; i++)
		ripemd160_update(&ctx, "a", 1);
	ripemd160_final(&streamed, &ctx);
	CHECK(bytes_are(streamed.u8, sizeof(streamed.u8), "52783243c1697bdbe16d37f97f68f08325dc1528"));
}

static void test_hash160_of_generator(void)
{
	/* HASH160 of the compressed generator point G, the key hash of
	 * secret key 1 (address 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH). */
	uint8_t g[33];
	struct ripemd160 digest;

	CHECK(hex_decode(g, sizeof(g),
			 "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
			 66));
	hash160(&digest, g, sizeof(g));
	CHECK(bytes_are(digest.u8, sizeof(digest.u8), "751e76e8199196d454941c45d1b3a323f1433bd6"));
}

int main(void)
{
	RUN(test_ripemd160_matches_authors_vectors);
	RUN(test_ripemd160_million_a);
	RUN(test_ripemd160_streaming_matches_one_shot);
	RUN(test_hash160_of_generator);
	return test_done();
}
