/* BOLT #7 `channel_update`: what a node charges and allows for forwarding
 * over one direction of a channel, signed by that node.  ohm sends one to
 * the peer of each private channel (so the peer can put us in its invoices'
 * route hints) and puts ours in BOLT #4 failure messages; received as
 * gossip, channel_update_check_gossip() says what to do with it.  Pure.
 */
#ifndef OHM_GOSSIP_CHANNEL_UPDATE_H
#define OHM_GOSSIP_CHANNEL_UPDATE_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "gossip/pubkey_cache.h"
#include "gossip/verdict.h"
#include "wire/peer_wire.h"
#include "wire/wirebuf.h"

/* BOLT #7 "Recommendation on Pruning Stale Entries": two weeks. */
#define GOSSIP_STALE_SECONDS 1209600
/* How far in the future a timestamp may be (BOLT #7 "if the `timestamp`
 * is unreasonably far in the future: MAY discard"): a day of clock skew. */
#define GOSSIP_FUTURE_SECONDS 86400

/* channel_flags bits. */
#define CHANNEL_UPDATE_DIRECTION 1
#define CHANNEL_UPDATE_DISABLE 2
/* message_flags bit 0 (must_be_one). */
#define CHANNEL_UPDATE_MUST_BE_ONE 1

/* The timestamp of our next channel_update (or node_announcement) after
 * one with timestamp last (0: none yet), at UNIX time now: BOLT #7 "MUST
 * set `timestamp` to greater than 0, AND to greater than any
 * previously-sent `channel_update` for this `short_channel_id`" (for
 * node_announcement: "greater than that of any previous"), based on the
 * clock unless that would go back. */
uint32_t gossip_next_timestamp(uint32_t now, uint32_t last);

/* What a node signs in a channel_update or node_announcement (BOLT #7):
 * the double-SHA256 of the message after its type and signature. */
void gossip_signed_hash(struct sha256 *out, const uint8_t *msg, size_t len);

/* Signs msg (a channel_update or node_announcement whose signature is
 * zero) with node_key: the signature goes into msg and sig_out.
 * Returns: false if signing failed. */
bool gossip_sign_in_place(const secp256k1_context *ctx, struct wirebuf *msg,
			  const struct privkey *node_key, uint8_t sig_out[64]);

/* Returns: the direction bit for node_id's updates on a channel with
 *          other: 0 if node_id is node_1, the lesser of the two. */
int channel_update_direction(const uint8_t node_id[PUBKEY_CMPR_LEN],
			     const uint8_t other[PUBKEY_CMPR_LEN]);

/* Signs m (every field but the signature set) with node_key; returns the
 * signed message on the wire. */
struct wirebuf *channel_update_sign(const secp256k1_context *ctx, struct msg_channel_update *m,
				    const struct privkey *node_key);

/* Parses msg and checks its signature is node_id's.  Returns: false, with
 * why (naming what is wrong), if it is malformed or not node_id's. */
bool channel_update_check(const secp256k1_context *ctx, struct msg_channel_update *out,
			  const uint8_t *msg, size_t len, const struct pubkey *node_id,
			  const char **why);

/* The CRC32C of a channel_update "without its `signature` and
 * `timestamp` fields" (BOLT #7 reply_channel_range): chain_hash and
 * short_channel_id, then everything after the timestamp (unknown
 * trailing fields too), without the type.
 * Precondition: msg[0..len) parsed as a channel_update. */
uint32_t channel_update_checksum(const uint8_t *msg, size_t len);

/* What the graph knows of the channel a gossip channel_update is for. */
struct channel_update_facts {
	bool is_known;		/* announced (or one of our own channels) */
	bool is_spent;		/* its funding output is spent */
	uint64_t capacity_sat;
	uint8_t node_id[2][PUBKEY_CMPR_LEN];	/* node_id_1, node_id_2 */
	/* The latest accepted update of each direction, if any. */
	bool has_update[2];
	uint32_t timestamp[2];
	uint32_t checksum[2];
	/* Optional (NULL: parse each time): the caller's cache of parsed
	 * node keys (graph_channel_update_facts() leaves it NULL). */
	struct pubkey_cache *key_cache;
};

/* A channel_update that passed channel_update_check_gossip(). */
struct channel_update_info {
	struct msg_channel_update m;
	int direction;		/* 0: node_id_1 signed it */
	uint32_t checksum;	/* channel_update_checksum() */
	/* False if routing must skip this direction: htlc_maximum_msat
	 * below htlc_minimum_msat or above the capacity. */
	bool is_routable;
};

/* Checks a channel_update received as gossip (msg[0..len), type
 * included) against what we know of its channel, at UNIX time now.
 * Returns:
 *  - GOSSIP_CLOSE if it does not parse or its signature is not the
 *    signer's (BOLT #7 "SHOULD send a `warning` and close the
 *    connection");
 *  - GOSSIP_IGNORE for another chain, a spent channel (unless it
 *    disables), a timestamp not newer than the last one of its direction,
 *    too far in the future or older than two weeks;
 *  - GOSSIP_DEFER for a channel not (yet) announced;
 *  - GOSSIP_ACCEPT with *out filled. */
struct gossip_verdict channel_update_check_gossip(const secp256k1_context *ctx,
						  const struct chain_hash *our_chain,
						  const uint8_t *msg, size_t len,
						  const struct channel_update_facts *facts,
						  uint32_t now,
						  struct channel_update_info *out);

#endif /* OHM_GOSSIP_CHANNEL_UPDATE_H */
