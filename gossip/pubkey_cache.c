/* A direct-mapped cache of parsed keys. */
#include "gossip/pubkey_cache.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "crypto/secp.h"

struct entry {
	struct pubkey key;
	uint8_t id[PUBKEY_CMPR_LEN];	/* id[0] 0: empty (no key starts so) */
};

struct pubkey_cache {
	struct entry *entries;
	size_t mask;
};

struct pubkey_cache *pubkey_cache_new(unsigned bits)
{
	struct pubkey_cache *c = oh_calloc(1, sizeof(*c));

	c->mask = ((size_t)1 << bits) - 1;
	c->entries = oh_calloc(c->mask + 1, sizeof(c->entries[0]));
	return c;
}

void pubkey_cache_free(struct pubkey_cache *c)
{
	if (!c)
		return;
	free(c->entries);
	free(c);
}

bool pubkey_cache_parse(struct pubkey_cache *c, const secp256k1_context *ctx,
			struct pubkey *out, const uint8_t id[PUBKEY_CMPR_LEN])
{
	struct entry *e;
	uint64_t h;

	if (!c)
		return pubkey_parse(ctx, out, id);
	/* x is as good as random for real keys; a key ground to collide
	 * only evicts another, which then parses again. */
	memcpy(&h, id + 1, sizeof(h));
	e = &c->entries[(h ^ (h >> 29)) & c->mask];
	if (e->id[0] && memcmp(e->id, id, PUBKEY_CMPR_LEN) == 0) {
		*out = e->key;
		return true;
	}
	if (!pubkey_parse(ctx, out, id))
		return false;
	e->key = *out;
	memcpy(e->id, id, PUBKEY_CMPR_LEN);
	return true;
}

size_t pubkey_cache_memory(const struct pubkey_cache *c)
{
	return sizeof(*c) + (c->mask + 1) * sizeof(c->entries[0]);
}
