/* BOLT #7 channel_update signing and checking. */
#include "gossip/channel_update.h"

#include <string.h>

#include "crypto/hash.h"
#include "crypto/secp.h"

/* BOLT #7:
 *   - MUST set `signature` to the signature of the double-SHA256 of the entire
 *   remaining packet after `signature`, using its own `node_id`.
 *
 * The remaining packet starts after the type (2 bytes) and the signature
 * (64). */
#define SIGNED_OFFSET (2 + 64)

int channel_update_direction(const uint8_t node_id[PUBKEY_CMPR_LEN],
			     const uint8_t other[PUBKEY_CMPR_LEN])
{
	return memcmp(node_id, other, PUBKEY_CMPR_LEN) < 0 ? 0 : 1;
}

static void signed_hash(struct sha256 *out, const uint8_t *msg, size_t len)
{
	struct sha256_double hash;

	sha256_double(&hash, msg + SIGNED_OFFSET, len - SIGNED_OFFSET);
	*out = hash.sha;
}

struct wirebuf *channel_update_sign(const secp256k1_context *ctx, struct msg_channel_update *m,
				    const struct privkey *node_key)
{
	struct wirebuf *msg;
	struct ecdsa_signature sig;
	struct sha256 hash;

	memset(&m->signature, 0, sizeof(m->signature));
	msg = towire_channel_update(m);
	signed_hash(&hash, msg->data, msg->len);
	if (!ecdsa_sign(ctx, &sig, &hash, node_key)) {
		wirebuf_free(msg);
		return NULL;
	}
	ecdsa_signature_serialize_compact(ctx, m->signature.bytes, &sig);
	memcpy(msg->data + 2, m->signature.bytes, sizeof(m->signature.bytes));
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
	signed_hash(&hash, msg, len);
	ok = ecdsa_signature_parse_compact(ctx, &sig, m->signature.bytes)
		&& ecdsa_verify(ctx, &sig, &hash, node_id);
	if (ok)
		*out = *m;
	else
		*why = "channel_update signature is not the node's";
	msg_channel_update_free(m);
	return ok;
}
