/* BOLT #7 channel_announcement and announcement_signatures. */
#include "gossip/channel_announcement.h"

#include <string.h>

#include "channel/scripts.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "wire/features.h"

void channel_announcement_hash(struct sha256 *h, const uint8_t *msg, size_t len)
{
	struct sha256_double hash;

	/* BOLT #7:
	 *   - MUST compute the double-SHA256 hash `h` of the message, beginning at offset
	 *   256, up to the end of the message.
	 *     - Note: the hash skips the 4 signatures but hashes the rest of the message,
	 *     including any future fields appended to the end.
	 */
	/* Offset 256 of the message after its 2-byte type. */
	sha256_double(&hash, msg + CHANNEL_ANNOUNCEMENT_SIGNED_OFFSET,
		      len - CHANNEL_ANNOUNCEMENT_SIGNED_OFFSET);
	*h = hash.sha;
}

static bool sig_is_valid(const secp256k1_context *ctx, const struct wire_signature *sig,
			 const struct sha256 *h, const struct pubkey *key)
{
	struct ecdsa_signature s;

	return ecdsa_signature_parse_compact(ctx, &s, sig->bytes)
		&& ecdsa_verify(ctx, &s, h, key);
}

bool channel_announcement_has_unknown_even_features(const struct msg_channel_announcement *ann)
{
	for (size_t bit = 0; bit < (size_t)ann->len * 8; bit += 2) {
		if (feature_bit_is_set(ann->features, ann->len, bit)
		    && !feature_info_by_bit(bit))
			return true;
	}
	return false;
}

struct gossip_verdict channel_announcement_check(const secp256k1_context *ctx,
						 struct pubkey_cache *cache,
						 const struct chain_hash *our_chain,
						 const uint8_t *msg, size_t len,
						 struct msg_channel_announcement **out,
						 struct pubkey bitcoin_keys[2])
{
	struct msg_channel_announcement *ann;
	struct pubkey node[2], bitcoin[2];
	struct sha256 h;
	const char *bad = NULL;

	if (!fromwire_channel_announcement(msg, len, &ann))
		return gossip_verdict(GOSSIP_CLOSE, "malformed channel_announcement");
	/* BOLT #7:
	 *   - if the specified `chain_hash` is unknown to the receiver:
	 *     - MUST ignore the message.
	 */
	if (memcmp(&ann->chain_hash, our_chain, sizeof(*our_chain)) != 0) {
		msg_channel_announcement_free(ann);
		return gossip_verdict(GOSSIP_IGNORE, "channel_announcement for another chain");
	}
	if (!pubkey_cache_parse(cache, ctx, &node[0], ann->node_id_1.bytes))
		bad = "channel_announcement node_id_1 is not a point";
	else if (!pubkey_cache_parse(cache, ctx, &node[1], ann->node_id_2.bytes))
		bad = "channel_announcement node_id_2 is not a point";
	else if (!pubkey_parse(ctx, &bitcoin[0], ann->bitcoin_key_1.bytes))
		bad = "channel_announcement bitcoin_key_1 is not a point";
	else if (!pubkey_parse(ctx, &bitcoin[1], ann->bitcoin_key_2.bytes))
		bad = "channel_announcement bitcoin_key_2 is not a point";
	/* BOLT #7:
	 *   - MUST set `node_id_1` and `node_id_2` to the public keys of the two nodes
	 *   operating the channel, such that `node_id_1` is the lexicographically-lesser of the
	 *   two compressed keys sorted in ascending lexicographic order.
	 */
	/* Else channel_update's direction bit would name the wrong node. */
	else if (memcmp(ann->node_id_1.bytes, ann->node_id_2.bytes, PUBKEY_CMPR_LEN) >= 0)
		bad = "channel_announcement node_id_1 is not the lesser node id";
	if (bad) {
		msg_channel_announcement_free(ann);
		return gossip_verdict(GOSSIP_WARN, bad);
	}
	/* BOLT #7:
	 *     - if `bitcoin_signature_1`, `bitcoin_signature_2`, `node_signature_1` OR
	 *     `node_signature_2` are invalid OR NOT correct:
	 *       - SHOULD send a `warning`.
	 *       - MAY close the connection.
	 *       - MUST ignore the message.
	 */
	channel_announcement_hash(&h, msg, len);
	if (!sig_is_valid(ctx, &ann->node_signature_1, &h, &node[0]))
		bad = "channel_announcement node_signature_1 is not node_id_1's";
	else if (!sig_is_valid(ctx, &ann->node_signature_2, &h, &node[1]))
		bad = "channel_announcement node_signature_2 is not node_id_2's";
	else if (!sig_is_valid(ctx, &ann->bitcoin_signature_1, &h, &bitcoin[0]))
		bad = "channel_announcement bitcoin_signature_1 is not bitcoin_key_1's";
	else if (!sig_is_valid(ctx, &ann->bitcoin_signature_2, &h, &bitcoin[1]))
		bad = "channel_announcement bitcoin_signature_2 is not bitcoin_key_2's";
	if (bad) {
		msg_channel_announcement_free(ann);
		return gossip_verdict(GOSSIP_WARN, bad);
	}
	*out = ann;
	if (bitcoin_keys) {
		bitcoin_keys[0] = bitcoin[0];
		bitcoin_keys[1] = bitcoin[1];
	}
	return GOSSIP_ACCEPTED;
}

struct gossip_verdict channel_announcement_check_funding(const secp256k1_context *ctx,
							 const struct pubkey bitcoin_keys[2],
							 const struct funding_output *out,
							 uint64_t *capacity_sat)
{
	struct wirebuf *script;
	bool is_ours;

	/* BOLT #7:
	 *   - if the `short_channel_id`'s output does NOT correspond to a P2WSH (using
	 *     `bitcoin_key_1` and `bitcoin_key_2`, as specified in
	 *     [BOLT #3](03-transactions.md#funding-transaction-output)) OR the output is
	 *     spent:
	 *     - MUST ignore the message.
	 */
	if (!out->is_found)
		return gossip_verdict(GOSSIP_IGNORE, "channel_announcement: no such funding output");
	if (out->is_spent)
		return gossip_verdict(GOSSIP_IGNORE, "channel_announcement: funding output is spent");
	script = wirebuf_new();
	channel_script_funding_output(script, ctx, &bitcoin_keys[0], &bitcoin_keys[1]);
	is_ours = script->len == out->script_len
		&& memcmp(script->data, out->script, script->len) == 0;
	wirebuf_free(script);
	if (!is_ours)
		return gossip_verdict(GOSSIP_IGNORE,
				      "channel_announcement: funding output is not the 2-of-2 P2WSH of its bitcoin keys");
	/* BOLT #7:
	 *   - if the `short_channel_id`'s output does NOT have at least 6 confirmations:
	 *     - MAY accept the message if the output is close to 6 confirmations, in case
	 *       the receiving node hasn't received the latest block(s) yet.
	 *     - otherwise:
	 *       - SHOULD ignore the message.
	 */
	if (out->depth + GOSSIP_ANNOUNCE_DEPTH_SLACK < GOSSIP_ANNOUNCE_DEPTH)
		return gossip_verdict(GOSSIP_IGNORE,
				      "channel_announcement: funding output has fewer than 6 confirmations");
	*capacity_sat = out->amount_sat;
	return GOSSIP_ACCEPTED;
}

static bool sign_into(const secp256k1_context *ctx, struct wire_signature *out,
		      const struct sha256 *h, const struct privkey *key)
{
	struct ecdsa_signature sig;

	if (!key)
		return true;
	if (!ecdsa_sign(ctx, &sig, h, key))
		return false;
	ecdsa_signature_serialize_compact(ctx, out->bytes, &sig);
	return true;
}

struct wirebuf *channel_announcement_sign(const secp256k1_context *ctx,
					  struct msg_channel_announcement *ann,
					  const struct privkey *node_key_1,
					  const struct privkey *node_key_2,
					  const struct privkey *bitcoin_key_1,
					  const struct privkey *bitcoin_key_2)
{
	struct wirebuf *msg = towire_channel_announcement(ann);
	struct sha256 h;

	channel_announcement_hash(&h, msg->data, msg->len);
	wirebuf_free(msg);
	if (!sign_into(ctx, &ann->node_signature_1, &h, node_key_1)
	    || !sign_into(ctx, &ann->node_signature_2, &h, node_key_2)
	    || !sign_into(ctx, &ann->bitcoin_signature_1, &h, bitcoin_key_1)
	    || !sign_into(ctx, &ann->bitcoin_signature_2, &h, bitcoin_key_2))
		return NULL;
	return towire_channel_announcement(ann);
}

struct wirebuf *announcement_signatures_create(const secp256k1_context *ctx,
					       const struct msg_channel_announcement *ann,
					       const struct channel_id *channel_id,
					       const struct privkey *node_key,
					       const struct privkey *funding_key)
{
	struct msg_announcement_signatures as;
	struct wirebuf *unsigned_ann = towire_channel_announcement(ann);
	struct sha256 h;

	/* BOLT #7:
	 * The `announcement_signatures` message is created by constructing a `channel_announcement` message,
	 * corresponding to the newly confirmed channel funding transaction, and signing it with the secrets
	 * matching an endpoint's `node_id` and `bitcoin_key`.
	 */
	channel_announcement_hash(&h, unsigned_ann->data, unsigned_ann->len);
	wirebuf_free(unsigned_ann);
	memset(&as, 0, sizeof(as));
	as.channel_id = *channel_id;
	as.short_channel_id = ann->short_channel_id;
	if (!sign_into(ctx, &as.node_signature, &h, node_key)
	    || !sign_into(ctx, &as.bitcoin_signature, &h, funding_key))
		return NULL;
	return towire_announcement_signatures(&as);
}

struct gossip_verdict announcement_signatures_check(const secp256k1_context *ctx,
						    const uint8_t *msg, size_t len,
						    const struct channel_id *channel_id,
						    struct msg_channel_announcement *ann,
						    bool peer_is_node_1)
{
	struct msg_announcement_signatures *as;
	struct pubkey node, bitcoin;
	struct wirebuf *unsigned_ann;
	struct sha256 h;
	const char *bad = NULL;

	if (!fromwire_announcement_signatures(msg, len, &as))
		return gossip_verdict(GOSSIP_CLOSE, "malformed announcement_signatures");
	/* BOLT #7:
	 *   - If the `short_channel_id` doesn't match one of its funding transactions:
	 *     - SHOULD send a `warning`.
	 */
	if (memcmp(&as->channel_id, channel_id, sizeof(*channel_id)) != 0) {
		msg_announcement_signatures_free(as);
		return gossip_verdict(GOSSIP_WARN, "announcement_signatures for another channel_id");
	}
	if (as->short_channel_id.u64 != ann->short_channel_id.u64) {
		msg_announcement_signatures_free(as);
		return gossip_verdict(GOSSIP_WARN,
				      "announcement_signatures short_channel_id is not our funding transaction's");
	}
	if (!pubkey_parse(ctx, &node, (peer_is_node_1 ? ann->node_id_1 : ann->node_id_2).bytes)
	    || !pubkey_parse(ctx, &bitcoin,
			     (peer_is_node_1 ? ann->bitcoin_key_1 : ann->bitcoin_key_2).bytes)) {
		msg_announcement_signatures_free(as);
		return gossip_verdict(GOSSIP_CLOSE, "announcement_signatures: the peer's keys are not points");
	}
	unsigned_ann = towire_channel_announcement(ann);
	channel_announcement_hash(&h, unsigned_ann->data, unsigned_ann->len);
	wirebuf_free(unsigned_ann);
	/* BOLT #7:
	 *   - If the `node_signature` OR the `bitcoin_signature` is NOT correct:
	 *     - MAY send a `warning` and close the connection, or send an `error` and fail the channel.
	 */
	if (!sig_is_valid(ctx, &as->node_signature, &h, &node))
		bad = "announcement_signatures node_signature is not right";
	else if (!sig_is_valid(ctx, &as->bitcoin_signature, &h, &bitcoin))
		bad = "announcement_signatures bitcoin_signature is not right";
	if (bad) {
		msg_announcement_signatures_free(as);
		return gossip_verdict(GOSSIP_CLOSE, bad);
	}
	if (peer_is_node_1) {
		ann->node_signature_1 = as->node_signature;
		ann->bitcoin_signature_1 = as->bitcoin_signature;
	} else {
		ann->node_signature_2 = as->node_signature;
		ann->bitcoin_signature_2 = as->bitcoin_signature;
	}
	msg_announcement_signatures_free(as);
	return GOSSIP_ACCEPTED;
}
