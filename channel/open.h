/* BOLT #2 "Channel Establishment v1": the parameters each side announces in
 * open_channel / accept_channel, our limits for what a peer may announce,
 * the receiving-side checks of both messages, and `channel_type` (BOLT #2
 * "Defined Channel Types", BOLT #9 context T).
 *
 * Checks return true if the message is acceptable; otherwise false with a
 * sentence in why naming the offending field, which becomes the text of
 * the `error` we send.  They need no keys: points are checked where they
 * are parsed (channel/state_open.c).
 */
#ifndef OHM_CHANNEL_OPEN_H
#define OHM_CHANNEL_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/peer_wire.h"
#include "wire/wirebuf.h"

/* Room for any sentence the checks write. */
#define OPEN_WHY_MAX 200

/* The most HTLCs either side may accept (BOLT #2, for message size). */
#define CHANNEL_MAX_ACCEPTED_HTLCS_LIMIT 483
/* The lowest dust limit a peer may announce (BOLT #2, see BOLT #3). */
#define CHANNEL_MIN_DUST_LIMIT_SAT 354
/* Without option_support_large_channel: funding below 2^24 satoshi. */
#define CHANNEL_MAX_FUNDING_SAT ((UINT64_C(1) << 24) - 1)

/* What one side announces in open_channel or accept_channel, besides its
 * keys, and keeps for the life of the channel.  Each limit protects the
 * announcing side, and binds the other. */
struct channel_config {
	/* No output below this on the announcer's own transactions. */
	uint64_t dust_limit_sat;
	/* Most value the other side may have offered to the announcer. */
	uint64_t max_htlc_value_in_flight_msat;
	/* What the other side must keep as its own balance. */
	uint64_t channel_reserve_sat;
	/* The smallest HTLC the announcer accepts. */
	uint64_t htlc_minimum_msat;
	/* The CSV delay on the other side's to-self outputs. */
	uint16_t to_self_delay;
	/* Most HTLCs the other side may have offered to the announcer. */
	uint16_t max_accepted_htlcs;
	/* accept_channel only: confirmations before channel_ready. */
	uint32_t minimum_depth;
};

/* Our node's limits on what a peer may announce, and its fee opinions.
 * The daemon fills this from its configuration and fee estimates. */
struct channel_policy {
	struct chain_hash chain_hash;		/* our chain */
	uint16_t max_to_self_delay;		/* e.g. 2016 */
	uint32_t max_minimum_depth;		/* e.g. 144 */
	uint64_t min_funding_sat;
	uint64_t max_dust_limit_sat;		/* e.g. 10000 */
	/* Feerates we consider sane, for open_channel and update_fee. */
	uint32_t min_feerate_per_kw, max_feerate_per_kw;
	/* The lowest instead for an option_anchors channel, whose
	 * commitment its owner can fee-bump through its anchor (BOLT #2
	 * rationale: it only needs to enter the mempool). */
	uint32_t min_anchors_feerate_per_kw;
	/* The feerate we would pay on a mutual close, and the lowest. */
	uint32_t closing_feerate_per_kw;
	/* Negotiated with this peer (BOLT #9) and wanted. */
	bool allow_anchors;
};

/* The channel types ohm supports (BOLT #2 "Defined Channel Types"). */
enum channel_type {
	CHANNEL_TYPE_STATIC_REMOTEKEY,	/* bit 12 */
	CHANNEL_TYPE_ANCHORS,		/* bits 22 and 12 */
};

/* Appends channel_type's smallest bitmap. */
void channel_type_towire(struct wirebuf *out, enum channel_type type);

/* Reads a channel_type bitmap.
 * Returns: false, with why, if it is not a type ohm supports (including
 *          the option_scid_alias and option_zeroconf variations). */
bool channel_type_fromwire(enum channel_type *out, const uint8_t *bytes,
			   size_t len, char why[OPEN_WHY_MAX]);

/* Returns: the lowest feerate_per_kw policy accepts for a channel with or
 *          without option_anchors. */
uint32_t open_min_feerate(const struct channel_policy *policy,
			  bool option_anchors);

/* The receiving side's checks of an open_channel, apart from its points
 * and channel_type. */
bool open_check_open_channel(const struct msg_open_channel *m,
			     const struct channel_policy *policy,
			     bool option_anchors, char why[OPEN_WHY_MAX]);

/* The funder's checks of an accept_channel replying to our open_channel,
 * which announced ours, apart from its points and channel_type. */
bool open_check_accept_channel(const struct msg_accept_channel *m,
			       const struct channel_config *ours,
			       const struct channel_policy *policy,
			       char why[OPEN_WHY_MAX]);

/* The config a message announced. */
void open_config_from_open(struct channel_config *out,
			   const struct msg_open_channel *m);
void open_config_from_accept(struct channel_config *out,
			     const struct msg_accept_channel *m);

/* Returns: what the opener pays on the first commitment: its base fee at
 *          feerate_per_kw with no HTLCs, plus the two anchors. */
uint64_t open_initial_fee_sat(uint32_t feerate_per_kw, bool option_anchors);

#endif /* OHM_CHANNEL_OPEN_H */
