/* Signed BOLT #7 messages for the gossip tests, the fuzz targets and
 * bench/gossip: two nodes' keys from small numbers, a channel between
 * them, its announcement, updates and node announcements, signed as a
 * real origin node would. */
#ifndef OHM_TESTS_UNIT_GOSSIP_HELPERS_H
#define OHM_TESTS_UNIT_GOSSIP_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "channel/scripts.h"
#include "crypto/secp.h"
#include "gossip/channel_announcement.h"
#include "gossip/channel_update.h"
#include "gossip/node_announcement.h"

/* The regtest chain hash (BOLT #0 / bitcoin/chainparams). */
static const struct chain_hash gossip_test_chain = { {
	0x06, 0x22, 0x6e, 0x46, 0x11, 0x1a, 0x0b, 0x59, 0xca, 0xaf, 0x12, 0x60,
	0x43, 0xeb, 0x5b, 0xbf, 0x28, 0xc3, 0x4f, 0x3a, 0x5e, 0x33, 0x2a, 0x1f,
	0xc7, 0xb2, 0xb7, 0x3c, 0xf1, 0x88, 0x91, 0x0f } };

/* A node: its key and its 33-byte id. */
struct gossip_test_node {
	struct privkey key;
	struct pubkey pub;
	uint8_t id[PUBKEY_CMPR_LEN];
};

/* Node number n (n > 0): its secret key is n in 32 bytes, with a salt
 * so funding keys differ from node keys. */
static inline void gossip_test_node_make(const secp256k1_context *ctx,
					 struct gossip_test_node *node,
					 uint32_t n, uint8_t salt)
{
	memset(&node->key, 0, sizeof(node->key));
	node->key.secret.data[0] = salt;
	node->key.secret.data[28] = (uint8_t)(n >> 24);
	node->key.secret.data[29] = (uint8_t)(n >> 16);
	node->key.secret.data[30] = (uint8_t)(n >> 8);
	node->key.secret.data[31] = (uint8_t)n;
	if (!pubkey_from_privkey(ctx, &node->pub, &node->key))
		abort();
	pubkey_serialize(ctx, node->id, &node->pub);
}

/* A channel between a and b (in any order) with funding keys fa and fb:
 * the announcement's fields, node_id_1 the lesser.  *swapped says
 * whether a became node 2. */
static inline struct msg_channel_announcement
gossip_test_channel(const struct gossip_test_node *a, const struct gossip_test_node *fa,
		    const struct gossip_test_node *b, const struct gossip_test_node *fb,
		    uint64_t scid, bool *swapped)
{
	struct msg_channel_announcement m;
	bool swap = memcmp(a->id, b->id, PUBKEY_CMPR_LEN) > 0;

	memset(&m, 0, sizeof(m));
	m.chain_hash = gossip_test_chain;
	m.short_channel_id.u64 = scid;
	memcpy(m.node_id_1.bytes, (swap ? b : a)->id, PUBKEY_CMPR_LEN);
	memcpy(m.node_id_2.bytes, (swap ? a : b)->id, PUBKEY_CMPR_LEN);
	memcpy(m.bitcoin_key_1.bytes, (swap ? fb : fa)->id, PUBKEY_CMPR_LEN);
	memcpy(m.bitcoin_key_2.bytes, (swap ? fa : fb)->id, PUBKEY_CMPR_LEN);
	if (swapped)
		*swapped = swap;
	return m;
}

/* The announcement signed by all four keys (node_1's first). */
static inline struct wirebuf *
gossip_test_sign_channel(const secp256k1_context *ctx, struct msg_channel_announcement *m,
			 const struct gossip_test_node *a, const struct gossip_test_node *fa,
			 const struct gossip_test_node *b, const struct gossip_test_node *fb,
			 bool swapped)
{
	return channel_announcement_sign(ctx, m, swapped ? &b->key : &a->key,
					 swapped ? &a->key : &b->key,
					 swapped ? &fb->key : &fa->key,
					 swapped ? &fa->key : &fb->key);
}

/* A channel_update of direction dir signed by signer. */
static inline struct wirebuf *
gossip_test_update(const secp256k1_context *ctx, const struct gossip_test_node *signer,
		   uint64_t scid, int dir, uint32_t timestamp, uint32_t fee_base)
{
	struct msg_channel_update m;

	memset(&m, 0, sizeof(m));
	m.chain_hash = gossip_test_chain;
	m.short_channel_id.u64 = scid;
	m.timestamp = timestamp;
	m.message_flags = CHANNEL_UPDATE_MUST_BE_ONE;
	m.channel_flags = (uint8_t)dir;
	m.cltv_expiry_delta = 34;
	m.htlc_minimum_msat = 1;
	m.fee_base_msat = fee_base;
	m.fee_proportional_millionths = 10;
	m.htlc_maximum_msat = 500000000;
	return channel_update_sign(ctx, &m, &signer->key);
}

/* A node_announcement of node with addresses[0..addrlen). */
static inline struct wirebuf *
gossip_test_node_announcement(const secp256k1_context *ctx, const struct gossip_test_node *node,
			      uint32_t timestamp, const uint8_t *addresses, uint16_t addrlen)
{
	struct msg_node_announcement m;

	memset(&m, 0, sizeof(m));
	m.timestamp = timestamp;
	memcpy(m.node_id.bytes, node->id, PUBKEY_CMPR_LEN);
	m.rgb_color[0] = 0x11;
	memcpy(m.alias, "test node", 9);
	m.addrlen = addrlen;
	m.addresses = (uint8_t *)addresses;
	return node_announcement_sign(ctx, &m, &node->key);
}

#endif /* OHM_TESTS_UNIT_GOSSIP_HELPERS_H */
