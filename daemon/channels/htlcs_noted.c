#include "daemon/channels/htlcs_noted.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/htlcs.h"
#include "common/alloc.h"
#include "common/byteset.h"

/* offerer, id, payment_hash */
#define NOTED_KEY_LEN (1 + 8 + 32)

struct htlcs_noted {
	struct byteset *keys;
};

struct htlcs_noted *htlcs_noted_new(void)
{
	struct htlcs_noted *noted = oh_calloc(1, sizeof(*noted));

	noted->keys = byteset_new(NOTED_KEY_LEN);
	return noted;
}

void htlcs_noted_free(struct htlcs_noted *noted)
{
	if (!noted)
		return;
	byteset_free(noted->keys);
	free(noted);
}

static void noted_key(uint8_t key[NOTED_KEY_LEN], const struct channel_htlc *h)
{
	key[0] = (uint8_t)h->offerer;
	memcpy(key + 1, &h->id, 8);
	memcpy(key + 9, h->payment_hash.u8, 32);
}

/* Only the HTLCs still in set are kept: one gone from the channel has
 * been noted for good (were it added again, as after a reconnection, the
 * note is written again: the store ignores a row it has). */
bool htlcs_noted_update(struct htlcs_noted *noted, const struct htlc_set *set,
			bool (*note)(void *arg, const struct channel_htlc *htlc), void *arg)
{
	struct byteset *kept = byteset_new(NOTED_KEY_LEN);

	for (size_t i = 0; i < set->num; i++) {
		const struct channel_htlc *h = &set->htlcs[i].h;
		uint8_t key[NOTED_KEY_LEN];

		noted_key(key, h);
		if (!byteset_get(noted->keys, key, NULL)) {
			if (!note(arg, h)) {
				byteset_free(kept);
				return false;
			}
			byteset_put(noted->keys, key, 0);
		}
		byteset_put(kept, key, 0);
	}
	byteset_free(noted->keys);
	noted->keys = kept;
	return true;
}

size_t htlcs_noted_count(const struct htlcs_noted *noted)
{
	return byteset_count(noted->keys);
}
