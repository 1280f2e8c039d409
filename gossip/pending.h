/* channel_updates held for channels not announced yet.  BOLT #7 says to
 * ignore an update whose short_channel_id matches no channel_announcement
 * (channel_update_check_gossip() says GOSSIP_DEFER), but one often
 * arrives just before its announcement, so the daemon holds it briefly
 * here and checks it again once the announcement is accepted.
 *
 * Bounded: at most `max` updates (a new one pushes out the oldest), one
 * per short_channel_id and direction (the newest timestamp), and each for
 * a limited time (gossip_pending_expire).  Nothing here is checked (the
 * signer is unknown until the announcement comes), so a peer flooding it
 * only pushes out other held updates; the daemon may bound it per peer
 * too.  Pure.
 */
#ifndef OHM_GOSSIP_PENDING_H
#define OHM_GOSSIP_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/short_channel_id.h"

/* How long an update waits for its announcement: a staggered broadcast
 * is 60 seconds, so two of them and some. */
#define GOSSIP_PENDING_SECONDS 180

struct gossip_pending;

/* A held update: the caller's once taken, free msg with free(). */
struct gossip_pending_update {
	uint8_t *msg;
	size_t len;
};

/* An empty holder of at most max updates (max > 0). */
struct gossip_pending *gossip_pending_new(size_t max);
void gossip_pending_free(struct gossip_pending *p);

/* Holds a copy of msg, a channel_update (already parsed once: the caller
 * got GOSSIP_DEFER for it), received at UNIX time now.  Returns false,
 * holding nothing, if it does not parse or an update of the same channel
 * and direction with a timestamp as new is held already. */
bool gossip_pending_add(struct gossip_pending *p, const uint8_t *msg, size_t len, uint32_t now);

/* Takes the updates held for scid (at most one per direction) into out,
 * in the order they arrived.  Returns how many (0 to 2). */
size_t gossip_pending_take(struct gossip_pending *p, struct short_channel_id scid,
			   struct gossip_pending_update out[2]);

/* Drops the updates held since before now - max_age.  Returns how many. */
size_t gossip_pending_expire(struct gossip_pending *p, uint32_t now, uint32_t max_age);

/* How many updates are held. */
size_t gossip_pending_count(const struct gossip_pending *p);

#endif /* OHM_GOSSIP_PENDING_H */
