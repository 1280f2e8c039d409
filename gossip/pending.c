/* Held channel_updates: a small array in arrival order (bounded, so a
 * linear search is cheap next to the signature check each one costs). */
#include "gossip/pending.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "gossip/channel_update.h"
#include "wire/peer_wire.h"

struct held {
	uint64_t scid;
	uint32_t timestamp;
	uint32_t arrived;
	uint8_t direction;
	uint8_t *msg;
	size_t len;
};

struct gossip_pending {
	struct held *held;	/* by arrival */
	size_t num, max;
};

struct gossip_pending *gossip_pending_new(size_t max)
{
	struct gossip_pending *p = oh_calloc(1, sizeof(*p));

	p->max = max ? max : 1;
	p->held = oh_calloc(p->max, sizeof(p->held[0]));
	return p;
}

void gossip_pending_free(struct gossip_pending *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->num; i++)
		free(p->held[i].msg);
	free(p->held);
	free(p);
}

/* Removes entry i, keeping the arrival order; frees its message if
 * free_msg. */
static void drop(struct gossip_pending *p, size_t i, bool free_msg)
{
	if (free_msg)
		free(p->held[i].msg);
	memmove(&p->held[i], &p->held[i + 1], (p->num - i - 1) * sizeof(p->held[0]));
	p->num--;
}

bool gossip_pending_add(struct gossip_pending *p, const uint8_t *msg, size_t len, uint32_t now)
{
	struct msg_channel_update *m;
	struct held h;

	if (!fromwire_channel_update(msg, len, &m))
		return false;
	h.scid = m->short_channel_id.u64;
	h.timestamp = m->timestamp;
	h.direction = m->channel_flags & CHANNEL_UPDATE_DIRECTION;
	msg_channel_update_free(m);
	for (size_t i = 0; i < p->num; i++) {
		if (p->held[i].scid != h.scid || p->held[i].direction != h.direction)
			continue;
		if (p->held[i].timestamp >= h.timestamp)
			return false;
		drop(p, i, true);
		break;
	}
	if (p->num == p->max)
		drop(p, 0, true);
	h.arrived = now;
	h.msg = oh_memdup(msg, len);
	h.len = len;
	p->held[p->num++] = h;
	return true;
}

size_t gossip_pending_take(struct gossip_pending *p, struct short_channel_id scid,
			   struct gossip_pending_update out[2])
{
	size_t n = 0;

	for (size_t i = 0; i < p->num && n < 2;) {
		if (p->held[i].scid != scid.u64) {
			i++;
			continue;
		}
		out[n].msg = p->held[i].msg;
		out[n].len = p->held[i].len;
		n++;
		drop(p, i, false);
	}
	return n;
}

size_t gossip_pending_expire(struct gossip_pending *p, uint32_t now, uint32_t max_age)
{
	size_t n = 0;

	/* By arrival: the expired ones are at the front. */
	while (p->num && (uint64_t)p->held[0].arrived + max_age < now) {
		drop(p, 0, true);
		n++;
	}
	return n;
}

size_t gossip_pending_count(const struct gossip_pending *p)
{
	return p->num;
}
