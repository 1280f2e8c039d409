/* BOLT #7 `channel_announcement` and `announcement_signatures`: the
 * checks a receiving node makes, the funding-output check, and signing
 * (for announcing our own channels).  Pure: the caller looks up the
 * funding output on its chain and hands the result in.
 *
 * The daemon's order for a received channel_announcement, cheapest
 * first so a flood of junk costs little:
 *   1. channel_announcement_check(): parse, chain, keys, four signatures;
 *   2. (graph) a short_channel_id already known is a duplicate (or a
 *      conflict): graph_channel_conflicts() in gossip/graph.h;
 *   3. look up the output (a cache: most channels are old), then
 *      channel_announcement_check_funding() gives the capacity;
 *   4. graph_add_channel().
 */
#ifndef OHM_GOSSIP_CHANNEL_ANNOUNCEMENT_H
#define OHM_GOSSIP_CHANNEL_ANNOUNCEMENT_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "gossip/pubkey_cache.h"
#include "gossip/verdict.h"
#include "wire/peer_wire.h"
#include "wire/wirebuf.h"

/* The depth BOLT #7 asks of a funding output before announcing it. */
#define GOSSIP_ANNOUNCE_DEPTH 6
/* We accept an announcement one block shallower: BOLT #7 "MAY accept the
 * message if the output is close to 6 confirmations, in case the
 * receiving node hasn't received the latest block(s) yet". */
#define GOSSIP_ANNOUNCE_DEPTH_SLACK 1

/* Where the signed part starts: after the type and the four signatures. */
#define CHANNEL_ANNOUNCEMENT_SIGNED_OFFSET (2 + 4 * 64)

/* The double-SHA256 every signature of msg signs: BOLT #7 "the
 * double-SHA256 hash `h` of the message, beginning at offset 256".
 * Precondition: len >= CHANNEL_ANNOUNCEMENT_SIGNED_OFFSET. */
void channel_announcement_hash(struct sha256 *h, const uint8_t *msg, size_t len);

/* Checks a received channel_announcement (msg[0..len), type included)
 * against everything that needs no chain lookup; node keys are parsed
 * through cache (NULL: none).  Returns:
 *  - GOSSIP_CLOSE if it does not parse;
 *  - GOSSIP_IGNORE if chain_hash is not our_chain;
 *  - GOSSIP_WARN if a node id or bitcoin key is not a point, node_id_1 is
 *    not the lesser, or any of the four signatures is not right;
 *  - GOSSIP_ACCEPT otherwise, with *out the decoded message (the
 *    caller's, for msg_channel_announcement_free()) and, if bitcoin_keys
 *    is not NULL, bitcoin_key_1 and bitcoin_key_2 parsed (for the funding
 *    check, so they are not parsed twice).  Outputs are set only then. */
struct gossip_verdict channel_announcement_check(const secp256k1_context *ctx,
						 struct pubkey_cache *cache,
						 const struct chain_hash *our_chain,
						 const uint8_t *msg, size_t len,
						 struct msg_channel_announcement **out,
						 struct pubkey bitcoin_keys[2]);

/* Returns true if ann's features have an even bit BOLT #9 does not
 * assign: BOLT #7 says then "MUST NOT attempt to route messages through
 * the channel" (the graph keeps the channel, not for routing). */
bool channel_announcement_has_unknown_even_features(const struct msg_channel_announcement *ann);

/* What the chain says about the output a short_channel_id names. */
struct funding_output {
	bool is_found;		/* block, transaction and output exist */
	bool is_spent;
	const uint8_t *script;	/* its scriptPubKey */
	size_t script_len;
	uint64_t amount_sat;
	uint32_t depth;		/* confirmations: tip - block height + 1 */
};

/* Checks the output against the bitcoin keys of an announcement that
 * passed channel_announcement_check().  Returns GOSSIP_IGNORE (unknown
 * output, spent, not the 2-of-2 P2WSH of bitcoin_keys[0] and [1], or not
 * deep enough), or GOSSIP_ACCEPT with *capacity_sat its value. */
struct gossip_verdict channel_announcement_check_funding(const secp256k1_context *ctx,
							 const struct pubkey bitcoin_keys[2],
							 const struct funding_output *out,
							 uint64_t *capacity_sat);

/* Encodes ann (signatures zeroed or not) and fills in the signatures it
 * is given a key for (NULL: leave that signature as it is).  Returns the
 * message on the wire, or NULL if a key is invalid.  Building our own
 * announcement: sign with our node and funding keys, then put the peer's
 * announcement_signatures in. */
struct wirebuf *channel_announcement_sign(const secp256k1_context *ctx,
					  struct msg_channel_announcement *ann,
					  const struct privkey *node_key_1,
					  const struct privkey *node_key_2,
					  const struct privkey *bitcoin_key_1,
					  const struct privkey *bitcoin_key_2);

/* Our announcement_signatures for the channel whose announcement ann we
 * built (every field set; signatures unused): our node_key and
 * funding_key (the bitcoin key of our side) sign it.  Returns NULL if a
 * key is invalid. */
struct wirebuf *announcement_signatures_create(const secp256k1_context *ctx,
					       const struct msg_channel_announcement *ann,
					       const struct channel_id *channel_id,
					       const struct privkey *node_key,
					       const struct privkey *funding_key);

/* Checks a peer's announcement_signatures for the channel whose unsigned
 * announcement we built (ann: every field set; its signatures unused).
 * peer_is_node_1 says which half of ann is the peer's.  Returns:
 *  - GOSSIP_CLOSE if it does not parse, or a signature is not the peer's
 *    (BOLT #7 "MAY send a `warning` and close the connection");
 *  - GOSSIP_WARN if channel_id or short_channel_id is not this channel's
 *    (BOLT #7 "SHOULD send a `warning`");
 *  - GOSSIP_ACCEPT with the signatures put into ann's fields for the peer. */
struct gossip_verdict announcement_signatures_check(const secp256k1_context *ctx,
						    const uint8_t *msg, size_t len,
						    const struct channel_id *channel_id,
						    struct msg_channel_announcement *ann,
						    bool peer_is_node_1);

#endif /* OHM_GOSSIP_CHANNEL_ANNOUNCEMENT_H */
