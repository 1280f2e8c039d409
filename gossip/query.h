/* BOLT #7 "Query Messages": checking the queries a peer sends us,
 * building our replies from the graph's answers (gossip/graph.h), checking
 * the replies to our own queries, and the gossip_timestamp_filter.  Pure:
 * the daemon keeps the per-peer state (one query at a time each way) and
 * sends what these return.
 */
#ifndef OHM_GOSSIP_QUERY_H
#define OHM_GOSSIP_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gossip/graph.h"
#include "gossip/verdict.h"
#include "wire/peer_wire.h"
#include "wire/wirebuf.h"

/* ---- query_channel_range ---- */

/* Parses a query_channel_range.  Returns GOSSIP_CLOSE if malformed, else
 * GOSSIP_ACCEPT with *out (the caller's).  A query for another chain is
 * answered too (with no channels: pass num 0 below). */
struct gossip_verdict gossip_query_channel_range_check(const uint8_t *msg, size_t len,
						       struct msg_query_channel_range **out);

/* The reply_channel_range messages answering q, from the channels
 * entries[0..num) (graph_channels_in_range() over q's range), each under
 * the 65535-byte limit, with the timestamps and checksums q asked for.
 * Returns a malloc'd array of *num_msgs (at least 1) messages: free each
 * with wirebuf_free and the array with free. */
struct wirebuf **gossip_reply_channel_range(const struct msg_query_channel_range *q,
					    const struct graph_range_entry *entries, size_t num,
					    size_t *num_msgs);

/* Our side of a query_channel_range we sent: what the replies must cover. */
struct range_query {
	struct chain_hash chain_hash;
	uint32_t first_blocknum;
	uint32_t number_of_blocks;
	uint32_t last_first_blocknum;	/* of the previous reply */
	bool has_reply;
	bool is_done;			/* the final reply came */
};

/* One reply_channel_range, decoded for the caller. */
struct range_reply {
	struct short_channel_id *scids;		/* malloc'd */
	size_t num;
	/* NULL unless the reply carried them; num entries each. */
	struct subtype_channel_update_timestamps *timestamps;	/* malloc'd */
	struct subtype_channel_update_checksums *checksums;	/* malloc'd */
};
void range_reply_clear(struct range_reply *r);

/* Checks a reply_channel_range against our query rq (updated: is_done
 * once the replies cover the range).  Returns GOSSIP_CLOSE if malformed;
 * GOSSIP_WARN if it is for another chain, does not overlap the range,
 * goes backwards, or its arrays do not decode or disagree in length;
 * GOSSIP_ACCEPT with *out filled otherwise. */
struct gossip_verdict gossip_reply_channel_range_check(struct range_query *rq,
						       const uint8_t *msg, size_t len,
						       struct range_reply *out);

/* What to ask for a channel a reply listed: query_flags for it (0: we
 * have all we need).  ours: the channel in our graph (NULL if unknown);
 * their_ts/their_cs: the reply's entries (NULL if it had none). */
uint64_t gossip_query_flags_for(const struct graph_channel *ours,
				const struct subtype_channel_update_timestamps *their_ts,
				const struct subtype_channel_update_checksums *their_cs);

/* ---- query_short_channel_ids ---- */

/* Parses a query_short_channel_ids.  Returns GOSSIP_CLOSE if malformed;
 * GOSSIP_WARN if encoded_short_ids or the query_flags do not decode (a
 * zlib encoding included) or there is not one flag per short_channel_id;
 * else GOSSIP_ACCEPT with *scids, *num and *flags (NULL when the query had
 * none), all malloc'd, and *chain_hash. */
struct gossip_verdict gossip_query_short_channel_ids_check(const uint8_t *msg, size_t len,
							   struct chain_hash *chain_hash,
							   struct short_channel_id **scids,
							   uint64_t **flags, size_t *num);

/* The reply_short_channel_ids_end that follows our answers.  BOLT #7:
 * "if does not maintain up-to-date channel information for `chain_hash`:
 * MUST set `full_information` to 0", so has_full_information is false
 * for a chain not ours (or while we are still syncing). */
struct wirebuf *gossip_reply_short_channel_ids_end(const struct chain_hash *chain_hash,
						   bool has_full_information);

/* ---- gossip_timestamp_filter ---- */

struct gossip_filter {
	uint32_t first_timestamp;
	uint32_t timestamp_range;
};

/* Parses a gossip_timestamp_filter.  Returns GOSSIP_CLOSE if malformed,
 * GOSSIP_IGNORE if it is for another chain, else GOSSIP_ACCEPT with *out
 * (which replaces the peer's previous filter). */
struct gossip_verdict gossip_timestamp_filter_check(const struct chain_hash *our_chain,
						    const uint8_t *msg, size_t len,
						    struct gossip_filter *out);

/* Whether relayed gossip with this timestamp passes the filter: BOLT #7
 * "greater or equal to `first_timestamp`, and less than `first_timestamp`
 * plus `timestamp_range`". */
bool gossip_filter_passes(const struct gossip_filter *f, uint32_t timestamp);

/* Whether a channel_announcement passes the filter: BOLT #7 says it has
 * no timestamp of its own, is never sent without a channel_update, and
 * takes "the `timestamp` of a corresponding `channel_update`" (either
 * direction's here); a spent channel's is not sent. */
bool gossip_filter_passes_channel(const struct gossip_filter *f, const struct graph_channel *c);

#endif /* OHM_GOSSIP_QUERY_H */
