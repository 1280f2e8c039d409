/* BOLT #7 `channel_update`: what a node charges and allows for forwarding
 * over one direction of a channel, signed by that node.  ohm sends one to
 * the peer of each private channel (so the peer can put us in its invoices'
 * route hints) and puts ours in BOLT #4 failure messages.  Pure.
 */
#ifndef OHM_GOSSIP_CHANNEL_UPDATE_H
#define OHM_GOSSIP_CHANNEL_UPDATE_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "wire/peer_wire.h"
#include "wire/wirebuf.h"

/* channel_flags bits. */
#define CHANNEL_UPDATE_DIRECTION 1
#define CHANNEL_UPDATE_DISABLE 2
/* message_flags bit 0 (must_be_one). */
#define CHANNEL_UPDATE_MUST_BE_ONE 1

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

#endif /* OHM_GOSSIP_CHANNEL_UPDATE_H */
