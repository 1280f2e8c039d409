/* BOLT #7 channel_update signing and checking. */
#include "gossip/channel_update.h"

#include <string.h>

#include "crypto/hash.h"
#include "crypto/secp.h"
#include "gossip/crc32c.h"

/* BOLT #7:
 *   - MUST set `signature` to the signature of the double-SHA256 of the entire
 *   remaining packet after `signature`, using its own `node_id`.
 *
 * The remaining packet starts after the type (2 bytes) and the signature
 * (64). */
#define SIGNED_OFFSET (2 + 64)

uint32_t gossip_next_timestamp(uint32_t now, uint32_t last)
{
	uint32_t next = last == UINT32_MAX ? last : last + 1;

	return now > next ? now : (next ? next : 1);
}

int channel_update_direction(const uint8_t node_id[PUBKEY_CMPR_LEN],
			     const uint8_t other[PUBKEY_CMPR_LEN])
{
	return memcmp(node_id, other, PUBKEY_CMPR_LEN) < 0 ? 0 : 1;
}

void gossip_signed_hash(struct sha256 *out, const uint8_t *msg, size_t len)
{
	struct sha256_double hash;

	sha256_double(&hash, msg + SIGNED_OFFSET, len - SIGNED_OFFSET);
	*out = hash.sha;
}

bool gossip_sign_in_place(const secp256k1_context *ctx, struct wirebuf *msg,
			  const struct privkey *node_key, uint8_t sig_out[64])
{
	struct ecdsa_signature sig;
	struct sha256 hash;

	gossip_signed_hash(&hash, msg->data, msg->len);
	if (!ecdsa_sign(ctx, &sig, &hash, node_key))
		return false;
	ecdsa_signature_serialize_compact(ctx, sig_out, &sig);
	memcpy(msg->data + 2, sig_out, 64);
	return true;
}

struct wirebuf *channel_update_sign(const secp256k1_context *ctx, struct msg_channel_update *m,
				    const struct privkey *node_key)
{
	struct wirebuf *msg;

	memset(&m->signature, 0, sizeof(m->signature));
	msg = towire_channel_update(m);
	if (!gossip_sign_in_place(ctx, msg, node_key, m->signature.bytes)) {
		wirebuf_free(msg);
		return NULL;
	}
	return msg;
}

bool channel_update_check(const secp256k1_context *ctx, struct msg_channel_update *out,
			  const uint8_t *msg, size_t len, const struct pubkey *node_id,
			  const char **why)
{
	struct msg_channel_update *m;
	struct ecdsa_signature sig;
	struct sha256 hash;
	bool ok;

	if (!fromwire_channel_update(msg, len, &m)) {
		*why = "malformed channel_update";
		return false;
	}
	gossip_signed_hash(&hash, msg, len);
	ok = ecdsa_signature_parse_compact(ctx, &sig, m->signature.bytes)
		&& ecdsa_verify(ctx, &sig, &hash, node_id);
	if (ok)
		*out = *m;
	else
		*why = "channel_update signature is not the node's";
	msg_channel_update_free(m);
	return ok;
}

/* Offsets in a channel_update, type included. */
#define CU_CHAIN_HASH (2 + 64)
#define CU_TIMESTAMP (CU_CHAIN_HASH + 32 + 8)
#define CU_AFTER_TIMESTAMP (CU_TIMESTAMP + 4)

uint32_t channel_update_checksum(const uint8_t *msg, size_t len)
{
	/* BOLT #7:
	 * The checksum of a `channel_update` is the CRC32C checksum as specified in [RFC3720](https://tools.ietf.org/html/rfc3720#appendix-B.4) of this `channel_update` without its `signature` and `timestamp` fields.
	 */
	uint32_t crc = crc32c(0, msg + CU_CHAIN_HASH, CU_TIMESTAMP - CU_CHAIN_HASH);

	return crc32c(crc, msg + CU_AFTER_TIMESTAMP, len - CU_AFTER_TIMESTAMP);
}

static bool signed_by(const secp256k1_context *ctx, struct pubkey_cache *cache,
		      const struct msg_channel_update *m, const uint8_t *msg, size_t len,
		      const uint8_t node_id[PUBKEY_CMPR_LEN])
{
	struct ecdsa_signature sig;
	struct pubkey key;
	struct sha256 hash;

	gossip_signed_hash(&hash, msg, len);
	return pubkey_cache_parse(cache, ctx, &key, node_id)
		&& ecdsa_signature_parse_compact(ctx, &sig, m->signature.bytes)
		&& ecdsa_verify(ctx, &sig, &hash, &key);
}

struct gossip_verdict channel_update_check_gossip(const secp256k1_context *ctx,
						  const struct chain_hash *our_chain,
						  const uint8_t *msg, size_t len,
						  const struct channel_update_facts *facts,
						  uint32_t now,
						  struct channel_update_info *out)
{
	struct msg_channel_update *m;
	struct channel_update_info info;
	int dir;

	if (!fromwire_channel_update(msg, len, &m))
		return gossip_verdict(GOSSIP_CLOSE, "malformed channel_update");
	info.m = *m;
	msg_channel_update_free(m);
	dir = info.m.channel_flags & CHANNEL_UPDATE_DIRECTION;
	/* BOLT #7:
	 *   - if the specified `chain_hash` value is unknown (meaning it isn't active on
	 *   the specified chain):
	 *     - MUST ignore the channel update.
	 */
	if (memcmp(&info.m.chain_hash, our_chain, sizeof(*our_chain)) != 0)
		return gossip_verdict(GOSSIP_IGNORE, "channel_update for another chain");
	/* BOLT #7:
	 *   - if the `short_channel_id` does NOT match a previous `channel_announcement`:
	 *     - MUST ignore `channel_update`s that do NOT correspond to one of its own
	 *     channels.
	 */
	/* Ignored for now, but its announcement may be on its way. */
	if (!facts->is_known)
		return gossip_verdict(GOSSIP_DEFER, "channel_update for an unknown channel");
	/* BOLT #7:
	 *   - if the channel output has been spent:
	 *     - MUST ignore `channel_update`s, unless they have the `disable` bit set to 1.
	 */
	if (facts->is_spent && !(info.m.channel_flags & CHANNEL_UPDATE_DISABLE))
		return gossip_verdict(GOSSIP_IGNORE, "channel_update for a spent channel");
	info.checksum = channel_update_checksum(msg, len);
	if (facts->has_update[dir]) {
		/* BOLT #7:
		 *   - if `timestamp` is lower than that of the last-received
		 *   `channel_update` for this `short_channel_id` AND for `node_id`:
		 *     - SHOULD ignore the message.
		 */
		if (info.m.timestamp < facts->timestamp[dir])
			return gossip_verdict(GOSSIP_IGNORE, "channel_update older than the last one");
		/* BOLT #7:
		 *   - if the `timestamp` is equal to the last-received `channel_update` for this
		 *     `short_channel_id` AND `node_id`:
		 *     - if the fields below `timestamp` differ:
		 *       - MAY blacklist this `node_id`.
		 *       - MAY forget all channels associated with it.
		 *     - if the fields below `timestamp` are equal:
		 *       - SHOULD ignore this message
		 */
		/* The checksum covers exactly the fields below timestamp (and
		 * the chain and channel, equal here).  Only a signed update
		 * may count against its node, so that is checked first. */
		if (info.m.timestamp == facts->timestamp[dir]) {
			if (info.checksum == facts->checksum[dir])
				return gossip_verdict(GOSSIP_IGNORE, "channel_update is a duplicate");
			if (!signed_by(ctx, facts->key_cache, &info.m, msg, len, facts->node_id[dir]))
				return gossip_verdict(GOSSIP_CLOSE,
						      "channel_update signature is not the node's");
			return gossip_verdict(GOSSIP_IGNORE,
					      "channel_update: the node signed other parameters with the same timestamp");
		}
	}
	/* BOLT #7:
	 *     - if the `timestamp` is unreasonably far in the future:
	 *       - MAY discard the `channel_update`.
	 */
	if (info.m.timestamp > (uint64_t)now + GOSSIP_FUTURE_SECONDS)
		return gossip_verdict(GOSSIP_IGNORE, "channel_update timestamp is too far in the future");
	/* BOLT #7 "Recommendation on Pruning Stale Entries": older than two
	 * weeks, a channel MAY be ignored; taking it would only have it
	 * pruned at once. */
	if ((uint64_t)info.m.timestamp + GOSSIP_STALE_SECONDS < now)
		return gossip_verdict(GOSSIP_IGNORE, "channel_update is older than two weeks");
	/* BOLT #7:
	 *   - if `signature` is not a valid signature, using `node_id` of the
	 *   double-SHA256 of the entire message following the `signature` field (including
	 *   unknown fields following `fee_proportional_millionths`):
	 *     - SHOULD send a `warning` and close the connection.
	 *     - MUST NOT process the message further.
	 */
	/* The signer: BOLT #7 "`node_id_1` if the least-significant bit of
	 * flags is 0 or `node_id_2` otherwise". */
	if (!signed_by(ctx, facts->key_cache, &info.m, msg, len, facts->node_id[dir]))
		return gossip_verdict(GOSSIP_CLOSE, "channel_update signature is not the node's");
	/* BOLT #7:
	 *   - if `htlc_maximum_msat` < `htlc_minimum_msat`:
	 *     - SHOULD ignore this channel during route considerations.
	 *   - if `htlc_maximum_msat` is greater than channel capacity:
	 *     - MAY blacklist this `node_id`
	 *     - SHOULD ignore this channel during route considerations.
	 */
	info.is_routable = info.m.htlc_maximum_msat >= info.m.htlc_minimum_msat
		&& (facts->capacity_sat > UINT64_MAX / 1000
		    || info.m.htlc_maximum_msat <= facts->capacity_sat * 1000);
	info.direction = dir;
	*out = info;
	return GOSSIP_ACCEPTED;
}
