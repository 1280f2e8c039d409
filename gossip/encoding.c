/* The encoded_ arrays of BOLT #7's query messages: type 0 only. */
#include "gossip/encoding.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define SCID_LEN 8
#define TIMESTAMPS_LEN 8

/* The reason for an encoding type we do not decode. */
static const char *bad_encoding(uint8_t type)
{
	/* BOLT #7:
	 * * `1`: Previously used for zlib compression, this encoding MUST NOT be used.
	 */
	if (type == GOSSIP_ENCODING_ZLIB)
		return "zlib encoding (type 1) must not be used";
	return "unknown encoding type";
}

bool gossip_decode_scids(const uint8_t *encoded, size_t len,
			 struct short_channel_id **out, size_t *num,
			 const char **why)
{
	const uint8_t *cursor = encoded;
	size_t max = len, n;
	uint8_t type = fromwire_u8(&cursor, &max);
	struct short_channel_id *scids = NULL;

	if (!cursor) {
		*why = "encoded_short_ids has no encoding type";
		return false;
	}
	if (type != GOSSIP_ENCODING_UNCOMPRESSED) {
		*why = bad_encoding(type);
		return false;
	}
	/* BOLT #7:
	 *   - if `encoded_short_ids` does not decode into a whole number of `short_channel_id`:
	 *     - MAY send a `warning`.
	 */
	if (max % SCID_LEN) {
		*why = "encoded_short_ids is not a whole number of short_channel_ids";
		return false;
	}
	n = max / SCID_LEN;
	if (n) {
		scids = oh_calloc(n, sizeof(scids[0]));
		for (size_t i = 0; i < n; i++)
			fromwire_short_channel_id(&cursor, &max, &scids[i]);
	}
	*out = scids;
	*num = n;
	return true;
}

struct wirebuf *gossip_encode_scids(const struct short_channel_id *scids,
				    size_t num)
{
	struct wirebuf *buf = wirebuf_new();

	towire_u8(buf, GOSSIP_ENCODING_UNCOMPRESSED);
	for (size_t i = 0; i < num; i++)
		towire_short_channel_id(buf, &scids[i]);
	return buf;
}

bool gossip_decode_query_flags(const struct tlv_query_short_channel_ids_tlvs_query_flags *rec,
			       uint64_t **out, size_t *num, const char **why)
{
	const uint8_t *cursor = rec->encoded_query_flags;
	size_t max = rec->num_encoded_query_flags, n = 0;
	uint64_t *flags;

	if (rec->encoding_type != GOSSIP_ENCODING_UNCOMPRESSED) {
		*why = bad_encoding(rec->encoding_type);
		return false;
	}
	/* At most one flag per byte. */
	flags = max ? oh_calloc(max, sizeof(flags[0])) : NULL;
	/* BOLT #7: Query flags must be minimally encoded, which means that
	 * one flag will be encoded with a single byte.
	 */
	/* fromwire_bigsize refuses any other encoding. */
	while (cursor && max)
		flags[n++] = fromwire_bigsize(&cursor, &max);
	if (!cursor) {
		free(flags);
		*why = "encoded_query_flags is not a list of minimal bigsizes";
		return false;
	}
	*out = flags;
	*num = n;
	return true;
}

struct tlv_query_short_channel_ids_tlvs_query_flags *
gossip_encode_query_flags(const uint64_t *flags, size_t num)
{
	struct tlv_query_short_channel_ids_tlvs_query_flags *rec = oh_calloc(1, sizeof(*rec));
	struct wirebuf *buf = wirebuf_new();

	for (size_t i = 0; i < num; i++)
		towire_bigsize(buf, flags[i]);
	rec->encoding_type = GOSSIP_ENCODING_UNCOMPRESSED;
	rec->encoded_query_flags = wirebuf_take(buf, &rec->num_encoded_query_flags);
	return rec;
}

void gossip_query_flags_free(struct tlv_query_short_channel_ids_tlvs_query_flags *rec)
{
	if (!rec)
		return;
	free(rec->encoded_query_flags);
	free(rec);
}

bool gossip_decode_timestamps(const struct tlv_reply_channel_range_tlvs_timestamps_tlv *rec,
			      struct subtype_channel_update_timestamps **out,
			      size_t *num, const char **why)
{
	const uint8_t *cursor = rec->encoded_timestamps;
	size_t max = rec->num_encoded_timestamps, n;
	struct subtype_channel_update_timestamps *ts = NULL;

	if (rec->encoding_type != GOSSIP_ENCODING_UNCOMPRESSED) {
		*why = bad_encoding(rec->encoding_type);
		return false;
	}
	if (max % TIMESTAMPS_LEN) {
		*why = "encoded_timestamps is not a whole number of timestamp pairs";
		return false;
	}
	n = max / TIMESTAMPS_LEN;
	if (n) {
		ts = oh_calloc(n, sizeof(ts[0]));
		for (size_t i = 0; i < n; i++)
			fromwire_subtype_channel_update_timestamps(&cursor, &max, &ts[i]);
	}
	*out = ts;
	*num = n;
	return true;
}

struct tlv_reply_channel_range_tlvs_timestamps_tlv *
gossip_encode_timestamps(const struct subtype_channel_update_timestamps *ts,
			 size_t num)
{
	struct tlv_reply_channel_range_tlvs_timestamps_tlv *rec = oh_calloc(1, sizeof(*rec));
	struct wirebuf *buf = wirebuf_new();

	for (size_t i = 0; i < num; i++)
		towire_subtype_channel_update_timestamps(buf, &ts[i]);
	rec->encoding_type = GOSSIP_ENCODING_UNCOMPRESSED;
	rec->encoded_timestamps = wirebuf_take(buf, &rec->num_encoded_timestamps);
	return rec;
}

void gossip_timestamps_free(struct tlv_reply_channel_range_tlvs_timestamps_tlv *rec)
{
	if (!rec)
		return;
	free(rec->encoded_timestamps);
	free(rec);
}
