/* BOLT #7 "Query Messages": the encoded_ arrays of the query messages
 * (encoded_short_ids, encoded_query_flags, encoded_timestamps).
 *
 * BOLT #7:
 * Encoding types:
 * * `0`: uncompressed array of `short_channel_id` types, in ascending order.
 * * `1`: Previously used for zlib compression, this encoding MUST NOT be used.
 *
 * So only type 0 is decoded; type 1 is refused with its own reason.  Pure.
 */
#ifndef OHM_GOSSIP_ENCODING_H
#define OHM_GOSSIP_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/peer_wire.h"
#include "wire/short_channel_id.h"
#include "wire/wirebuf.h"

#define GOSSIP_ENCODING_UNCOMPRESSED 0
#define GOSSIP_ENCODING_ZLIB 1

/* query_flags bits (query_short_channel_ids). */
#define QUERY_FLAG_CHANNEL_ANNOUNCEMENT 1
#define QUERY_FLAG_CHANNEL_UPDATE_1 2
#define QUERY_FLAG_CHANNEL_UPDATE_2 4
#define QUERY_FLAG_NODE_ANNOUNCEMENT_1 8
#define QUERY_FLAG_NODE_ANNOUNCEMENT_2 16

/* query_option_flags bits (query_channel_range). */
#define QUERY_OPTION_TIMESTAMPS 1
#define QUERY_OPTION_CHECKSUMS 2

/* Decodes encoded_short_ids (its first byte is the encoding type).
 * Returns: true with *out (malloc'd, NULL if *num is 0) and *num; false
 *          with *why if the encoding type is missing, zlib or unknown, or
 *          the rest is not a whole number of short_channel_ids. */
bool gossip_decode_scids(const uint8_t *encoded, size_t len,
			 struct short_channel_id **out, size_t *num,
			 const char **why);

/* encoded_short_ids for scids[0..num) with encoding type 0.  The caller
 * orders them (BOLT #7: "in ascending order").  Free with wirebuf_free. */
struct wirebuf *gossip_encode_scids(const struct short_channel_id *scids,
				    size_t num);

/* Decodes a query_flags record: one minimal bigsize per flag.
 * Returns: true with *out (malloc'd, NULL if *num is 0) and *num; false
 *          with *why on a bad encoding type or a bad bigsize. */
bool gossip_decode_query_flags(const struct tlv_query_short_channel_ids_tlvs_query_flags *rec,
			       uint64_t **out, size_t *num, const char **why);

/* A query_flags record (encoding type 0) for flags[0..num).  Free with
 * tlv_query_short_channel_ids_tlvs_free() after moving it into a stream,
 * or with gossip_query_flags_free(). */
struct tlv_query_short_channel_ids_tlvs_query_flags *
gossip_encode_query_flags(const uint64_t *flags, size_t num);
void gossip_query_flags_free(struct tlv_query_short_channel_ids_tlvs_query_flags *rec);

/* Decodes a timestamps_tlv record: (u32, u32) per short_channel_id.
 * Returns: true with *out (malloc'd, NULL if *num is 0) and *num; false
 *          with *why on a bad encoding type or a partial entry. */
bool gossip_decode_timestamps(const struct tlv_reply_channel_range_tlvs_timestamps_tlv *rec,
			      struct subtype_channel_update_timestamps **out,
			      size_t *num, const char **why);

/* A timestamps_tlv record (encoding type 0) for ts[0..num).  Free as for
 * gossip_encode_query_flags, or with gossip_timestamps_free(). */
struct tlv_reply_channel_range_tlvs_timestamps_tlv *
gossip_encode_timestamps(const struct subtype_channel_update_timestamps *ts,
			 size_t num);
void gossip_timestamps_free(struct tlv_reply_channel_range_tlvs_timestamps_tlv *rec);

#endif /* OHM_GOSSIP_ENCODING_H */
