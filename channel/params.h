/* What a channel's transactions are built from: the parameters both sides
 * fixed when opening (BOLT #2 open_channel / accept_channel /
 * funding_created), and the HTLCs a commitment carries.
 *
 * Sides are named from our node's point of view: CHANNEL_LOCAL is us,
 * CHANNEL_REMOTE the peer.  A commitment transaction has an *owner* (the
 * side that can broadcast it); BOLT #3's "local" and "remote" keys are
 * relative to that owner, and channel/commitment.c does the translation,
 * so callers never swap anything by hand.
 */
#ifndef OHM_CHANNEL_PARAMS_H
#define OHM_CHANNEL_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "channel/keys.h"
#include "crypto/types.h"

enum channel_side {
	CHANNEL_LOCAL = 0,
	CHANNEL_REMOTE = 1,
};
#define CHANNEL_NUM_SIDES 2

static inline enum channel_side channel_side_other(enum channel_side side)
{
	return side == CHANNEL_LOCAL ? CHANNEL_REMOTE : CHANNEL_LOCAL;
}

/* What one side announced for the life of the channel. */
struct channel_party {
	struct pubkey funding_pubkey;
	struct channel_basepoints basepoints;
	/* Outputs below this are not produced on THIS side's commitment
	 * and HTLC transactions. */
	uint64_t dust_limit_sat;
	/* BOLT #2 to_self_delay as this side sent it: the CSV delay on the
	 * OTHER side's to_local and HTLC-transaction outputs. */
	uint16_t to_self_delay;
};

/* The channel's fixed parameters. */
struct channel_params {
	struct bitcoin_outpoint funding;
	uint64_t funding_sat;
	/* The side that sent open_channel: it pays the commitment fee and
	 * the anchors, and its payment_basepoint comes first in the
	 * commitment number obscuring factor. */
	enum channel_side opener;
	/* option_anchors was negotiated (the channel type has bit 22);
	 * option_static_remotekey always applies. */
	bool option_anchors;
	struct channel_party party[CHANNEL_NUM_SIDES];
};

struct preimage {
	uint8_t r[32];
};

/* One HTLC as a commitment carries it. */
struct channel_htlc {
	uint64_t id;			/* BOLT #2 id, unique per offerer */
	enum channel_side offerer;	/* who sent update_add_htlc */
	uint64_t amount_msat;
	struct sha256 payment_hash;
	uint32_t cltv_expiry;
};

#endif /* OHM_CHANNEL_PARAMS_H */
