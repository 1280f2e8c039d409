/* BOLT #7 query messages. */
#include "gossip/query.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "gossip/encoding.h"

/* A reply_channel_range without its arrays: type, chain_hash,
 * first_blocknum, number_of_blocks, sync_complete, len, encoding type. */
#define REPLY_FIXED_LEN (2 + 32 + 4 + 4 + 1 + 2 + 1)
/* Each TLV record's type, length (a bigsize up to 3 bytes here) and, for
 * timestamps, encoding type. */
#define REPLY_TLV_OVERHEAD ((1 + 3 + 1) + (1 + 3))
/* encoded_short_ids is a u16-long array: its encoding byte and 8191 ids. */
#define REPLY_MAX_SCIDS_BY_LEN ((65535 - 1) / 8)

struct gossip_verdict gossip_query_channel_range_check(const uint8_t *msg, size_t len,
						       struct msg_query_channel_range **out)
{
	if (!fromwire_query_channel_range(msg, len, out))
		return gossip_verdict(GOSSIP_CLOSE, "malformed query_channel_range");
	return GOSSIP_ACCEPTED;
}

/* How many channels one reply carries, with what q asked for. */
static size_t reply_max_scids(uint64_t options)
{
	size_t per = 8 + (options & QUERY_OPTION_TIMESTAMPS ? 8 : 0)
		+ (options & QUERY_OPTION_CHECKSUMS ? 8 : 0);
	size_t n = (WIRE_MAX_MESSAGE_LEN - REPLY_FIXED_LEN - REPLY_TLV_OVERHEAD) / per;

	return n < REPLY_MAX_SCIDS_BY_LEN ? n : REPLY_MAX_SCIDS_BY_LEN;
}

static struct wirebuf *reply_one(const struct msg_query_channel_range *q, uint64_t options,
				 uint32_t first, uint32_t number, bool is_last,
				 const struct graph_range_entry *e, size_t n)
{
	struct msg_reply_channel_range r;
	struct tlv_reply_channel_range_tlvs tlvs;
	struct tlv_reply_channel_range_tlvs_checksums_tlv checksums;
	struct short_channel_id *scids = oh_calloc(n + 1, sizeof(scids[0]));
	struct subtype_channel_update_timestamps *ts = oh_calloc(n + 1, sizeof(ts[0]));
	struct subtype_channel_update_checksums *cs = oh_calloc(n + 1, sizeof(cs[0]));
	struct wirebuf *ids, *out;

	for (size_t i = 0; i < n; i++) {
		scids[i] = e[i].scid;
		ts[i].timestamp_node_id_1 = e[i].timestamp[0];
		ts[i].timestamp_node_id_2 = e[i].timestamp[1];
		cs[i].checksum_node_id_1 = e[i].checksum[0];
		cs[i].checksum_node_id_2 = e[i].checksum[1];
	}
	memset(&r, 0, sizeof(r));
	memset(&tlvs, 0, sizeof(tlvs));
	ids = gossip_encode_scids(scids, n);
	r.chain_hash = q->chain_hash;
	r.first_blocknum = first;
	r.number_of_blocks = number;
	/* BOLT #7:
	 *     - MUST set `sync_complete` to `false` if this is not the final `reply_channel_range`.
	 */
	r.sync_complete = is_last;
	r.len = (uint16_t)ids->len;
	r.encoded_short_ids = ids->data;
	/* BOLT #7:
	 * - if bit 0 in `query_option_flags` is set, the receiver MAY append a `timestamps_tlv` that contains `channel_update` timestamps for all `short_channel_id`s in `encoded_short_ids`
	 * - if bit 1 in `query_option_flags` is set, the receiver MAY append a `checksums_tlv` that contains `channel_update` checksums for all `short_channel_id`s in `encoded_short_ids`
	 */
	if (options & QUERY_OPTION_TIMESTAMPS)
		tlvs.timestamps_tlv = gossip_encode_timestamps(ts, n);
	if (options & QUERY_OPTION_CHECKSUMS) {
		checksums.num_checksums = n;
		checksums.checksums = cs;
		tlvs.checksums_tlv = &checksums;
	}
	r.tlvs = &tlvs;
	out = towire_reply_channel_range(&r);
	gossip_timestamps_free(tlvs.timestamps_tlv);
	wirebuf_free(ids);
	free(scids);
	free(ts);
	free(cs);
	return out;
}

struct wirebuf **gossip_reply_channel_range(const struct msg_query_channel_range *q,
					    const struct graph_range_entry *entries, size_t num,
					    size_t *num_msgs)
{
	uint64_t options = q->tlvs && q->tlvs->query_option
		? q->tlvs->query_option->query_option_flags : 0;
	size_t max = reply_max_scids(options), start = 0, count = 0;
	uint64_t query_end = (uint64_t)q->first_blocknum + q->number_of_blocks;
	uint32_t first = q->first_blocknum;
	struct wirebuf **msgs = NULL;

	/* BOLT #7:
	 *   - MUST respond with one or more `reply_channel_range`:
	 */
	for (;;) {
		size_t n = num - start < max ? num - start : max;
		bool is_last = start + n == num;
		uint64_t end;
		uint32_t next_first = 0;

		if (is_last) {
			/* BOLT #7:
			 *     - the final `reply_channel_range` message:
			 *       - MUST have `first_blocknum` plus `number_of_blocks` equal or greater than the `query_channel_range` `first_blocknum` plus `number_of_blocks`.
			 */
			end = query_end;
		} else {
			uint32_t next = short_channel_id_block(&entries[start + n].scid);

			/* BOLT #7: MAY split block contents across multiple
			 * `reply_channel_range`.
			 */
			/* A block split over two replies is in both. */
			end = next == short_channel_id_block(&entries[start + n - 1].scid)
				? (uint64_t)next + 1 : next;
			next_first = next;
		}
		/* BOLT #7:
		 *     - the first `reply_channel_range` message:
		 *       - MUST set `first_blocknum` less than or equal to the `first_blocknum` in `query_channel_range`
		 *       - MUST set `first_blocknum` plus `number_of_blocks` greater than `first_blocknum` in `query_channel_range`.
		 * A range past block 2^32 - 1 ends there; from that very block,
		 * the reply still covers it (first + 1).
		 */
		if (end > UINT32_MAX)
			end = UINT32_MAX;
		if (end <= first)
			end = (uint64_t)first + 1;
		msgs = oh_realloc(msgs, (count + 1) * sizeof(msgs[0]));
		/* No entries may come as NULL: NULL + 0 is undefined too. */
		msgs[count++] = reply_one(q, options, first, (uint32_t)(end - first), is_last,
					  entries ? entries + start : NULL, n);
		if (is_last)
			break;
		start += n;
		first = next_first;
	}
	*num_msgs = count;
	return msgs;
}

void range_reply_clear(struct range_reply *r)
{
	free(r->scids);
	free(r->timestamps);
	free(r->checksums);
	memset(r, 0, sizeof(*r));
}

struct gossip_verdict gossip_reply_channel_range_check(struct range_query *rq,
						       const uint8_t *msg, size_t len,
						       struct range_reply *out)
{
	struct msg_reply_channel_range *r;
	struct range_reply got;
	/* No reply reaches past block 2^32 - 1, so neither does the query. */
	uint64_t query_end = (uint64_t)rq->first_blocknum + rq->number_of_blocks;
	uint64_t reply_end;
	const char *why = NULL;
	struct gossip_verdict v = GOSSIP_ACCEPTED;

	if (!fromwire_reply_channel_range(msg, len, &r))
		return gossip_verdict(GOSSIP_CLOSE, "malformed reply_channel_range");
	/* (A query from block 2^32 - 1 itself still asks for that block.) */
	if (query_end > UINT32_MAX)
		query_end = rq->first_blocknum == UINT32_MAX ? (uint64_t)UINT32_MAX + 1 : UINT32_MAX;
	memset(&got, 0, sizeof(got));
	reply_end = (uint64_t)r->first_blocknum + r->number_of_blocks;
	if (memcmp(&r->chain_hash, &rq->chain_hash, sizeof(rq->chain_hash)) != 0)
		v = gossip_verdict(GOSSIP_WARN, "reply_channel_range for another chain");
	else if (rq->is_done)
		v = gossip_verdict(GOSSIP_WARN, "reply_channel_range after the final one");
	/* The first reply starts at or before our first block; every reply
	 * overlaps the range ("we require that each reply be relevant"). */
	else if (!rq->has_reply && r->first_blocknum > rq->first_blocknum)
		v = gossip_verdict(GOSSIP_WARN, "first reply_channel_range starts after the query");
	else if (reply_end <= rq->first_blocknum || r->first_blocknum >= query_end)
		v = gossip_verdict(GOSSIP_WARN, "reply_channel_range outside the query's blocks");
	/* BOLT #7:
	 *     - successive `reply_channel_range` message:
	 *       - MUST have `first_blocknum` equal or greater than the previous `first_blocknum`.
	 */
	else if (rq->has_reply && r->first_blocknum < rq->last_first_blocknum)
		v = gossip_verdict(GOSSIP_WARN, "reply_channel_range goes back");
	else if (!gossip_decode_scids(r->encoded_short_ids, r->len, &got.scids, &got.num, &why))
		v = gossip_verdict(GOSSIP_WARN, why);
	else if (r->tlvs && r->tlvs->timestamps_tlv) {
		size_t n = 0;

		if (!gossip_decode_timestamps(r->tlvs->timestamps_tlv, &got.timestamps, &n, &why))
			v = gossip_verdict(GOSSIP_WARN, why);
		else if (n != got.num)
			v = gossip_verdict(GOSSIP_WARN,
					   "reply_channel_range timestamps do not match its short_channel_ids");
	}
	if (v.action == GOSSIP_ACCEPT && r->tlvs && r->tlvs->checksums_tlv) {
		const struct tlv_reply_channel_range_tlvs_checksums_tlv *c = r->tlvs->checksums_tlv;

		if (c->num_checksums != got.num)
			v = gossip_verdict(GOSSIP_WARN,
					   "reply_channel_range checksums do not match its short_channel_ids");
		else if (got.num)
			got.checksums = oh_memdup(c->checksums, got.num * sizeof(c->checksums[0]));
	}
	if (v.action != GOSSIP_ACCEPT) {
		range_reply_clear(&got);
		msg_reply_channel_range_free(r);
		return v;
	}
	rq->has_reply = true;
	rq->last_first_blocknum = r->first_blocknum;
	/* BOLT #7 Rationale: "simply check if `first_blocknum` plus
	 * `number_of_blocks` equals or exceeds the `first_blocknum` plus
	 * `number_of_blocks` it asked for". */
	if (reply_end >= query_end)
		rq->is_done = true;
	*out = got;
	msg_reply_channel_range_free(r);
	return GOSSIP_ACCEPTED;
}

uint64_t gossip_query_flags_for(const struct graph_channel *ours,
				const struct subtype_channel_update_timestamps *their_ts,
				const struct subtype_channel_update_checksums *their_cs)
{
	uint64_t flags = 0;

	if (!ours)
		return QUERY_FLAG_CHANNEL_ANNOUNCEMENT | QUERY_FLAG_CHANNEL_UPDATE_1
			| QUERY_FLAG_CHANNEL_UPDATE_2 | QUERY_FLAG_NODE_ANNOUNCEMENT_1
			| QUERY_FLAG_NODE_ANNOUNCEMENT_2;
	if (!their_ts)
		return 0;
	for (int d = 0; d < 2; d++) {
		uint32_t ts = d ? their_ts->timestamp_node_id_2 : their_ts->timestamp_node_id_1;
		const struct graph_direction *o = &ours->dir[d];

		if (ts == 0 || (o->has_update && ts <= o->timestamp))
			continue;
		/* Newer, but the same parameters: nothing to learn. */
		if (their_cs && o->has_update
		    && (d ? their_cs->checksum_node_id_2 : their_cs->checksum_node_id_1) == o->checksum)
			continue;
		flags |= QUERY_FLAG_CHANNEL_UPDATE_1 << d;
	}
	return flags;
}

struct gossip_verdict gossip_query_short_channel_ids_check(const uint8_t *msg, size_t len,
							   struct chain_hash *chain_hash,
							   struct short_channel_id **scids,
							   uint64_t **flags, size_t *num)
{
	struct msg_query_short_channel_ids *q;
	struct short_channel_id *ids = NULL;
	uint64_t *fl = NULL;
	size_t n = 0, nflags = 0;
	const char *why = NULL;

	if (!fromwire_query_short_channel_ids(msg, len, &q))
		return gossip_verdict(GOSSIP_CLOSE, "malformed query_short_channel_ids");
	/* BOLT #7:
	 *   - if the first byte of `encoded_short_ids` is not a known encoding type:
	 *     - MAY send a `warning`.
	 *     - MAY close the connection.
	 *   - if `encoded_short_ids` does not decode into a whole number of `short_channel_id`:
	 *     - MAY send a `warning`.
	 *     - MAY close the connection.
	 */
	if (!gossip_decode_scids(q->encoded_short_ids, q->len, &ids, &n, &why)) {
		msg_query_short_channel_ids_free(q);
		return gossip_verdict(GOSSIP_WARN, why);
	}
	/* BOLT #7:
	 *   - if the incoming message includes `query_short_channel_ids_tlvs`:
	 *     - if `encoding_type` is not a known encoding type:
	 *       - MAY send a `warning`.
	 *       - MAY close the connection.
	 *     - if `encoded_query_flags` does not decode to exactly one flag per `short_channel_id`:
	 *       - MAY send a `warning`.
	 *       - MAY close the connection.
	 */
	if (q->tlvs && q->tlvs->query_flags) {
		if (!gossip_decode_query_flags(q->tlvs->query_flags, &fl, &nflags, &why)) {
			free(ids);
			msg_query_short_channel_ids_free(q);
			return gossip_verdict(GOSSIP_WARN, why);
		}
		if (nflags != n) {
			free(ids);
			free(fl);
			msg_query_short_channel_ids_free(q);
			return gossip_verdict(GOSSIP_WARN,
					      "encoded_query_flags does not have one flag per short_channel_id");
		}
	}
	*chain_hash = q->chain_hash;
	*scids = ids;
	*flags = fl;
	*num = n;
	msg_query_short_channel_ids_free(q);
	return GOSSIP_ACCEPTED;
}

struct gossip_verdict gossip_timestamp_filter_check(const struct chain_hash *our_chain,
						    const uint8_t *msg, size_t len,
						    struct gossip_filter *out)
{
	struct msg_gossip_timestamp_filter *f;

	if (!fromwire_gossip_timestamp_filter(msg, len, &f))
		return gossip_verdict(GOSSIP_CLOSE, "malformed gossip_timestamp_filter");
	if (memcmp(&f->chain_hash, our_chain, sizeof(*our_chain)) != 0) {
		msg_gossip_timestamp_filter_free(f);
		return gossip_verdict(GOSSIP_IGNORE, "gossip_timestamp_filter for another chain");
	}
	out->first_timestamp = f->first_timestamp;
	out->timestamp_range = f->timestamp_range;
	msg_gossip_timestamp_filter_free(f);
	return GOSSIP_ACCEPTED;
}

bool gossip_filter_passes(const struct gossip_filter *f, uint32_t timestamp)
{
	/* BOLT #7:
	 *   - SHOULD send all gossip messages whose `timestamp` is greater or
	 *     equal to `first_timestamp`, and less than `first_timestamp` plus
	 *     `timestamp_range`.
	 */
	return timestamp >= f->first_timestamp
		&& (uint64_t)timestamp < (uint64_t)f->first_timestamp + f->timestamp_range;
}

bool gossip_filter_passes_channel(const struct gossip_filter *f, const struct graph_channel *c)
{
	/* BOLT #7:
	 *   - If a `channel_announcement` has no corresponding `channel_update`s:
	 *     - MUST NOT send the `channel_announcement`.
	 *   - If the funding output of the `channel_announcement` has been spent:
	 *     - SHOULD NOT send the `channel_announcement`.
	 */
	if (c->is_spent)
		return false;
	for (int d = 0; d < 2; d++) {
		if (c->dir[d].has_update && gossip_filter_passes(f, c->dir[d].timestamp))
			return true;
	}
	return false;
}

struct wirebuf *gossip_reply_short_channel_ids_end(const struct chain_hash *chain_hash,
						   bool has_full_information)
{
	struct msg_reply_short_channel_ids_end end = { *chain_hash, has_full_information };

	return towire_reply_short_channel_ids_end(&end);
}
