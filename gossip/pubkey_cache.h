/* Parsed node keys, so the gossip checks do not decompress the same point
 * for every message a node signs: parsing a 33-byte key costs about a
 * tenth of verifying a signature with it, and a busy node signs many
 * channel_announcements and channel_updates.  Direct-mapped and of fixed
 * size (a miss just parses, and takes the slot), so it costs the same
 * memory at any network size.  Pure; owned by its caller.
 */
#ifndef OHM_GOSSIP_PUBKEY_CACHE_H
#define OHM_GOSSIP_PUBKEY_CACHE_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

struct pubkey_cache;

/* A cache of 2^bits keys (about 100 bytes each). */
struct pubkey_cache *pubkey_cache_new(unsigned bits);
void pubkey_cache_free(struct pubkey_cache *c);

/* pubkey_parse() through the cache: cache may be NULL (then it just
 * parses).  Returns false if id is not a valid compressed point. */
bool pubkey_cache_parse(struct pubkey_cache *c, const secp256k1_context *ctx,
			struct pubkey *out, const uint8_t id[PUBKEY_CMPR_LEN]);

/* Bytes the cache holds. */
size_t pubkey_cache_memory(const struct pubkey_cache *c);

#endif /* OHM_GOSSIP_PUBKEY_CACHE_H */
