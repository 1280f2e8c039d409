/* The BOLT #7 messages on the wire and the encoded_ arrays of the query
 * messages (gossip/encoding.h), with BOLT #7's extended-queries vectors
 * byte for byte, and CRC32C against RFC 3720's examples. */
#include <string.h>

#include "gossip/crc32c.h"
#include "gossip/encoding.h"
#include "tests/unit/test.h"
#include "tests/unit/vectors.h"
#include "wire/peer_wire.h"

/* RFC 3720 Appendix B.4's CRC examples, and the usual "123456789". */
static void test_crc32c_rfc3720(void)
{
	uint8_t buf[32];

	memset(buf, 0, sizeof(buf));
	CHECK(crc32c(0, buf, 32) == 0x8a9136aa);
	memset(buf, 0xff, sizeof(buf));
	CHECK(crc32c(0, buf, 32) == 0x62a8ab43);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CHECK(crc32c(0, buf, 32) == 0x46dd794e);
	/* Continued over two parts, the same as in one go. */
	CHECK(crc32c(crc32c(0, buf, 11), buf + 11, 21) == 0x46dd794e);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	CHECK(crc32c(0, buf, 32) == 0x113fdb5c);
	CHECK(crc32c(0, "123456789", 9) == 0xe3069283);
}

/* "0x69x42692" as the vectors write a short_channel_id. */
static struct short_channel_id scid_of(const char *s)
{
	struct short_channel_id scid = { 0 };

	CHECK_MSG(short_channel_id_from_str(&scid, s, strlen(s)), "scid %s", s);
	return scid;
}

static void check_scids(const uint8_t *encoded, size_t len, const json_t *ids,
			bool is_zlib)
{
	struct short_channel_id *scids = NULL;
	size_t num = 0;
	const char *why = NULL;
	const json_t *array = json_object_get(ids, "array");

	if (is_zlib) {
		CHECK(!gossip_decode_scids(encoded, len, &scids, &num, &why));
		CHECK_STREQ(why, "zlib encoding (type 1) must not be used");
		return;
	}
	CHECK(gossip_decode_scids(encoded, len, &scids, &num, &why));
	CHECK(num == json_array_size(array));
	for (size_t i = 0; i < num && i < json_array_size(array); i++)
		CHECK(scids[i].u64 == scid_of(json_str_at(array, i)).u64);
	{
		struct wirebuf *again = gossip_encode_scids(scids, num);

		CHECK(bytes_equal(again->data, again->len, encoded, len));
		wirebuf_free(again);
	}
	free(scids);
}

static bool is_zlib(const json_t *obj)
{
	return strcmp(json_str(obj, "encoding"), "COMPRESSED_ZLIB") == 0;
}

static void vector_query_channel_range(const json_t *m, const uint8_t *raw, size_t len)
{
	struct msg_query_channel_range *q;
	const json_t *records = json_object_get(json_object_get(m, "tlvStream"), "records");
	struct wirebuf *again;

	CHECK(fromwire_query_channel_range(raw, len, &q));
	if (!q)
		return;
	CHECK(bytes_are(q->chain_hash.bytes, 32, json_str(m, "chainHash")));
	CHECK(q->first_blocknum == json_integer_value(json_object_get(m, "firstBlockNum")));
	CHECK(q->number_of_blocks == json_integer_value(json_object_get(m, "numberOfBlocks")));
	if (json_array_size(records)) {
		CHECK(q->tlvs->query_option != NULL);
		CHECK(q->tlvs->query_option
		      && q->tlvs->query_option->query_option_flags
		      == (QUERY_OPTION_TIMESTAMPS | QUERY_OPTION_CHECKSUMS));
	} else {
		CHECK(!q->tlvs || !q->tlvs->query_option);
	}
	again = towire_query_channel_range(q);
	CHECK(bytes_equal(again->data, again->len, raw, len));
	wirebuf_free(again);
	msg_query_channel_range_free(q);
}

static void vector_reply_channel_range(const json_t *m, const uint8_t *raw, size_t len)
{
	struct msg_reply_channel_range *r;
	const json_t *ids = json_object_get(m, "shortChannelIds");
	const json_t *ts = json_object_get(m, "timestamps");
	const json_t *cs = json_object_get(m, "checksums");
	struct wirebuf *again;

	CHECK(fromwire_reply_channel_range(raw, len, &r));
	if (!r)
		return;
	CHECK(r->first_blocknum == json_integer_value(json_object_get(m, "firstBlockNum")));
	CHECK(r->number_of_blocks == json_integer_value(json_object_get(m, "numberOfBlocks")));
	CHECK(r->sync_complete == json_integer_value(json_object_get(m, "complete")));
	check_scids(r->encoded_short_ids, r->len, ids, is_zlib(ids));
	if (ts) {
		struct subtype_channel_update_timestamps *got = NULL;
		const json_t *want = json_object_get(ts, "timestamps");
		size_t num = 0;
		const char *why = NULL;

		CHECK(r->tlvs && r->tlvs->timestamps_tlv);
		if (is_zlib(ts)) {
			CHECK(!gossip_decode_timestamps(r->tlvs->timestamps_tlv, &got, &num, &why));
			CHECK_STREQ(why, "zlib encoding (type 1) must not be used");
		} else {
			CHECK(gossip_decode_timestamps(r->tlvs->timestamps_tlv, &got, &num, &why));
			CHECK(num == json_array_size(want));
			for (size_t i = 0; i < num; i++) {
				const json_t *w = json_array_get(want, i);

				CHECK(got[i].timestamp_node_id_1
				      == json_integer_value(json_object_get(w, "timestamp1")));
				CHECK(got[i].timestamp_node_id_2
				      == json_integer_value(json_object_get(w, "timestamp2")));
			}
			free(got);
		}
	}
	if (cs) {
		const json_t *want = json_object_get(cs, "checksums");
		const struct tlv_reply_channel_range_tlvs_checksums_tlv *rec =
			r->tlvs ? r->tlvs->checksums_tlv : NULL;

		CHECK(rec && rec->num_checksums == json_array_size(want));
		for (size_t i = 0; rec && i < rec->num_checksums; i++) {
			const json_t *w = json_array_get(want, i);

			CHECK(rec->checksums[i].checksum_node_id_1
			      == json_integer_value(json_object_get(w, "checksum1")));
			CHECK(rec->checksums[i].checksum_node_id_2
			      == json_integer_value(json_object_get(w, "checksum2")));
		}
	}
	again = towire_reply_channel_range(r);
	CHECK(bytes_equal(again->data, again->len, raw, len));
	wirebuf_free(again);
	msg_reply_channel_range_free(r);
}

static void vector_query_short_channel_ids(const json_t *m, const uint8_t *raw, size_t len)
{
	struct msg_query_short_channel_ids *q;
	const json_t *ids = json_object_get(m, "shortChannelIds");
	const json_t *records = json_object_get(json_object_get(m, "tlvStream"), "records");
	struct wirebuf *again;

	CHECK(fromwire_query_short_channel_ids(raw, len, &q));
	if (!q)
		return;
	check_scids(q->encoded_short_ids, q->len, ids, is_zlib(ids));
	if (json_array_size(records)) {
		const json_t *rec = json_array_get(records, 0);
		const json_t *want = json_object_get(rec, "array");
		uint64_t *flags = NULL;
		size_t num = 0;
		const char *why = NULL;

		CHECK(q->tlvs && q->tlvs->query_flags);
		if (q->tlvs && q->tlvs->query_flags) {
			if (is_zlib(rec)) {
				CHECK(!gossip_decode_query_flags(q->tlvs->query_flags, &flags,
								 &num, &why));
				CHECK_STREQ(why, "zlib encoding (type 1) must not be used");
			} else {
				CHECK(gossip_decode_query_flags(q->tlvs->query_flags, &flags,
								&num, &why));
				CHECK(num == json_array_size(want));
				for (size_t i = 0; i < num; i++)
					CHECK(flags[i] == (uint64_t)json_integer_value(
						      json_array_get(want, i)));
				free(flags);
			}
		}
	}
	again = towire_query_short_channel_ids(q);
	CHECK(bytes_equal(again->data, again->len, raw, len));
	wirebuf_free(again);
	msg_query_short_channel_ids_free(q);
}

/* BOLT #7's bolt07/extended-queries.json: every vector parses, its
 * values are the listed ones, and it encodes back to the same bytes; the
 * zlib-encoded arrays are refused. */
static void test_extended_queries_vectors(void)
{
	json_t *root = vectors_load("bolt07-extended-queries.json");
	json_t *tests = json_object_get(root, "tests"), *t;
	size_t i, seen = 0, zlib = 0;

	json_array_foreach(tests, i, t) {
		const json_t *m = json_object_get(t, "msg");
		const char *type = json_str(m, "type");
		size_t len;
		uint8_t *raw = hex_to_bytes(json_str(t, "hex"), &len);

		char *dump = json_dumps(m, 0);

		if (strstr(dump, "COMPRESSED_ZLIB"))
			zlib++;
		free(dump);
		if (strcmp(type, "QueryChannelRange") == 0)
			vector_query_channel_range(m, raw, len);
		else if (strcmp(type, "ReplyChannelRange") == 0)
			vector_reply_channel_range(m, raw, len);
		else if (strcmp(type, "QueryShortChannelIds") == 0)
			vector_query_short_channel_ids(m, raw, len);
		else
			CHECK_MSG(false, "unknown vector type %s", type);
		seen++;
		free(raw);
	}
	CHECK(seen == 10);
	CHECK(zlib == 5);
	json_decref(root);
}

static void test_scids_refused(void)
{
	struct short_channel_id *scids = NULL;
	size_t num = 99;
	const char *why = NULL;
	const uint8_t empty_list[] = { 0 };
	const uint8_t partial[] = { 0, 1, 2, 3 };
	const uint8_t unknown[] = { 2, 0, 0, 0, 0, 0, 0, 0, 1 };

	CHECK(!gossip_decode_scids(NULL, 0, &scids, &num, &why));
	CHECK_STREQ(why, "encoded_short_ids has no encoding type");
	CHECK(gossip_decode_scids(empty_list, 1, &scids, &num, &why));
	CHECK(num == 0 && scids == NULL);
	CHECK(!gossip_decode_scids(partial, sizeof(partial), &scids, &num, &why));
	CHECK_STREQ(why, "encoded_short_ids is not a whole number of short_channel_ids");
	CHECK(!gossip_decode_scids(unknown, sizeof(unknown), &scids, &num, &why));
	CHECK_STREQ(why, "unknown encoding type");
}

static void test_query_flags_roundtrip(void)
{
	uint64_t flags[] = { 1, 2, 4, 31, 0, 300 }, *back = NULL;
	struct tlv_query_short_channel_ids_tlvs_query_flags *rec =
		gossip_encode_query_flags(flags, 6);
	size_t num = 0;
	const char *why = NULL;

	/* 300 takes three bytes (fd012c); the rest one each. */
	CHECK(rec->num_encoded_query_flags == 5 + 3);
	CHECK(gossip_decode_query_flags(rec, &back, &num, &why));
	CHECK(num == 6 && memcmp(back, flags, sizeof(flags)) == 0);
	free(back);
	/* A non-minimal bigsize: fd0001. */
	rec->encoded_query_flags[5] = 0xfd;
	rec->encoded_query_flags[6] = 0x00;
	rec->encoded_query_flags[7] = 0x01;
	CHECK(!gossip_decode_query_flags(rec, &back, &num, &why));
	CHECK_STREQ(why, "encoded_query_flags is not a list of minimal bigsizes");
	rec->encoding_type = 1;
	CHECK(!gossip_decode_query_flags(rec, &back, &num, &why));
	CHECK_STREQ(why, "zlib encoding (type 1) must not be used");
	gossip_query_flags_free(rec);
}

static void test_timestamps_roundtrip(void)
{
	struct subtype_channel_update_timestamps ts[2] = { { 1, 2 }, { 0, 0xffffffff } }, *back;
	struct tlv_reply_channel_range_tlvs_timestamps_tlv *rec = gossip_encode_timestamps(ts, 2);
	size_t num = 0;
	const char *why = NULL;

	CHECK(rec->num_encoded_timestamps == 16);
	CHECK(gossip_decode_timestamps(rec, &back, &num, &why));
	CHECK(num == 2 && back[1].timestamp_node_id_2 == 0xffffffff
	      && back[0].timestamp_node_id_1 == 1);
	free(back);
	rec->num_encoded_timestamps = 15;
	CHECK(!gossip_decode_timestamps(rec, &back, &num, &why));
	CHECK_STREQ(why, "encoded_timestamps is not a whole number of timestamp pairs");
	rec->num_encoded_timestamps = 16;
	gossip_timestamps_free(rec);
}

/* Each announcement message: encode, decode, the same fields, the same
 * bytes again, and a truncated copy refused. */
#define ROUNDTRIP(name, m, expect_len)                                        \
	do {                                                                  \
		struct wirebuf *w_ = towire_##name(&(m)), *w2_;               \
		struct msg_##name *back_ = NULL;                              \
		CHECK(w_->len == (expect_len));                               \
		CHECK(fromwire_##name(w_->data, w_->len, &back_));            \
		if (back_) {                                                  \
			w2_ = towire_##name(back_);                           \
			CHECK(bytes_equal(w2_->data, w2_->len, w_->data,      \
					  w_->len));                          \
			wirebuf_free(w2_);                                    \
			msg_##name##_free(back_);                             \
		}                                                             \
		CHECK(!fromwire_##name(w_->data, w_->len - 1, &back_));       \
		wirebuf_free(w_);                                             \
	} while (0)

static void test_announcements_roundtrip(void)
{
	uint8_t features[2] = { 0x10, 0x01 }, addresses[7] = { 1, 127, 0, 0, 1, 0x26, 0x07 };
	struct msg_channel_announcement ca;
	struct msg_node_announcement na;
	struct msg_announcement_signatures as;
	struct msg_reply_short_channel_ids_end end;
	struct msg_gossip_timestamp_filter f;

	memset(&ca, 0x42, sizeof(ca));
	ca.len = 2;
	ca.features = features;
	ROUNDTRIP(channel_announcement, ca, 2 + 4 * 64 + 2 + 2 + 32 + 8 + 4 * 33);
	memset(&na, 0x43, sizeof(na));
	na.flen = 2;
	na.features = features;
	na.addrlen = 7;
	na.addresses = addresses;
	ROUNDTRIP(node_announcement, na, 2 + 64 + 2 + 2 + 4 + 33 + 3 + 32 + 2 + 7);
	memset(&as, 0x44, sizeof(as));
	ROUNDTRIP(announcement_signatures, as, 2 + 32 + 8 + 64 + 64);
	memset(&end, 0x45, sizeof(end));
	ROUNDTRIP(reply_short_channel_ids_end, end, 2 + 32 + 1);
	memset(&f, 0x46, sizeof(f));
	ROUNDTRIP(gossip_timestamp_filter, f, 2 + 32 + 4 + 4);
}

int main(void)
{
	RUN(test_crc32c_rfc3720);
	RUN(test_extended_queries_vectors);
	RUN(test_scids_refused);
	RUN(test_query_flags_roundtrip);
	RUN(test_timestamps_roundtrip);
	RUN(test_announcements_roundtrip);
	return test_done();
}
