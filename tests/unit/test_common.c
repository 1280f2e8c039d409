/* Tests for common/: allocation, hex and JSON framing. */
#include "common/alloc.h"
#include "common/hex.h"
#include "common/json_frame.h"
#include "tests/unit/test.h"

static void test_alloc(void)
{
	char *s = oh_strdup("ohm");
	uint8_t *z = oh_calloc(4, 2), *m = oh_memdup("ab", 0);
	void *empty = oh_malloc(0);

	CHECK_STREQ(s, "ohm");
	for (int i = 0; i < 8; i++)
		CHECK(z[i] == 0);
	z = oh_realloc(z, 64);
	CHECK(z != NULL && m != NULL && empty != NULL);
	free(empty);
	free(s);
	free(z);
	free(m);
}

static void test_hex_roundtrip(void)
{
	const uint8_t data[] = {0x00, 0x01, 0xab, 0xff};
	char str[9];
	uint8_t back[4];

	CHECK_STREQ(hex_encode(str, data, sizeof(data)), "0001abff");
	CHECK(hex_decode(back, sizeof(back), "0001ABff", 8));
	CHECK_MEMEQ(back, data, sizeof(data));
}

static void test_hex_decode_rejects_bad_input(void)
{
	uint8_t out[2] = {7, 7};

	CHECK(!hex_decode(out, 2, "00g0", 4));	/* not a digit */
	CHECK(!hex_decode(out, 2, "000", 3));	/* odd length */
	CHECK(!hex_decode(out, 2, "000000", 6));	/* too long */
	CHECK(out[0] == 7 && out[1] == 7);	/* untouched on failure */
}

static enum json_frame_result scan_all(const char *s, size_t *msg_len)
{
	struct json_frame frame;
	json_frame_init(&frame);
	return json_frame_scan(&frame, s, strlen(s), msg_len);
}

static void test_json_frame_finds_message_end(void)
{
	size_t end = 0;

	CHECK(scan_all(" {\"a\":[1,{\"b\":2}]} {", &end) == JSON_FRAME_COMPLETE);
	CHECK(end == 18);
	CHECK(scan_all("{\"a\":\"}\\\"]\"}", &end) == JSON_FRAME_COMPLETE);
	CHECK(end == 12);
	CHECK(scan_all("[1,2]", &end) == JSON_FRAME_COMPLETE && end == 5);
}

static void test_json_frame_needs_more(void)
{
	size_t end = 0;

	CHECK(scan_all("", &end) == JSON_FRAME_NEED_MORE);
	CHECK(scan_all("  \n", &end) == JSON_FRAME_NEED_MORE);
	CHECK(scan_all("{\"a\": \"}", &end) == JSON_FRAME_NEED_MORE);
	CHECK(scan_all("{\"a\": [1}", &end) == JSON_FRAME_NEED_MORE);
}

static void test_json_frame_garbage(void)
{
	size_t end = 0;

	CHECK(scan_all("  hello", &end) == JSON_FRAME_GARBAGE);
	CHECK(end == 3);
	CHECK(scan_all("42", &end) == JSON_FRAME_GARBAGE && end == 1);
}

/* Feeding a message one byte at a time gives the same end as all at once. */
static void test_json_frame_incremental(void)
{
	const char *msg = "{\"method\":\"x\\\\\",\"params\":[\"]\"]}\n";
	struct json_frame frame;
	size_t end = 0, len;
	enum json_frame_result r = JSON_FRAME_NEED_MORE;

	json_frame_init(&frame);
	for (len = 1; len <= strlen(msg) && r == JSON_FRAME_NEED_MORE; len++)
		r = json_frame_scan(&frame, msg, len, &end);
	CHECK(r == JSON_FRAME_COMPLETE);
	CHECK(end == strlen(msg) - 1);
}

int main(void)
{
	RUN(test_alloc);
	RUN(test_hex_roundtrip);
	RUN(test_hex_decode_rejects_bad_input);
	RUN(test_json_frame_finds_message_end);
	RUN(test_json_frame_needs_more);
	RUN(test_json_frame_garbage);
	RUN(test_json_frame_incremental);
	return test_done();
}
