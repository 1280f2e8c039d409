/* The HTLC switch's decisions (see htlc_switch.h). */
#include "daemon/htlcs/htlc_switch.h"

#include <stdlib.h>

#include "channel/htlcs.h"
#include "common/alloc.h"

enum switch_action switch_incoming(const struct htlc *h, enum switch_record record)
{
	/* BOLT #2:
	 *   - until an incoming HTLC has been irrevocably committed:
	 *     - MUST NOT offer the corresponding outgoing HTLC
	 */
	if (!h || h->h.offerer != CHANNEL_REMOTE || h->add_step != UPDATE_COMPLETE)
		return SWITCH_WAIT;
	if (h->removal != HTLC_NOT_REMOVED)
		return SWITCH_DONE;
	switch (record) {
	case SWITCH_RECORD_NONE:
		return SWITCH_DECIDE;
	case SWITCH_RECORD_OFFERED:
	case SWITCH_RECORD_FAILED_BACK:
		return SWITCH_DONE;
	case SWITCH_RECORD_RESOLVED:
		return SWITCH_PASS_OUTCOME;
	}
	return SWITCH_DONE;
}

/* A handful of HTLCs per channel are in flight: a list searched in
 * order costs less than one query, and keeps the code short. */
struct origin_entry {
	int64_t channel;
	uint64_t htlc_id;
	uint64_t withdrawn_key;
	struct switch_origin origin;
};

struct switch_origins {
	struct origin_entry *entries;
	size_t num, max;
};

struct switch_origins *switch_origins_new(void)
{
	return oh_calloc(1, sizeof(struct switch_origins));
}

void switch_origins_free(struct switch_origins *t)
{
	if (!t)
		return;
	free(t->entries);
	free(t);
}

static struct origin_entry *find(struct switch_origins *t, int64_t channel, uint64_t htlc_id,
				 uint64_t withdrawn_key)
{
	for (size_t i = 0; i < t->num; i++)
		if (t->entries[i].channel == channel && t->entries[i].htlc_id == htlc_id
		    && t->entries[i].withdrawn_key == withdrawn_key)
			return &t->entries[i];
	return NULL;
}

void switch_origins_add(struct switch_origins *t, int64_t channel, uint64_t htlc_id,
			uint64_t withdrawn_key, const struct switch_origin *origin)
{
	struct origin_entry *e = find(t, channel, htlc_id, withdrawn_key);

	if (!e) {
		if (t->num == t->max) {
			t->max = t->max ? 2 * t->max : 16;
			t->entries = oh_realloc(t->entries, t->max * sizeof(*t->entries));
		}
		e = &t->entries[t->num++];
	}
	*e = (struct origin_entry){channel, htlc_id, withdrawn_key, *origin};
}

bool switch_origins_withdraw(struct switch_origins *t, int64_t channel, uint64_t htlc_id,
			     uint64_t key, struct switch_origin *out)
{
	struct origin_entry *e = find(t, channel, htlc_id, 0);

	if (!e)
		return false;
	/* A key names one withdrawal in the channel: no other holds it. */
	e->withdrawn_key = key;
	*out = e->origin;
	return true;
}

bool switch_origins_take(struct switch_origins *t, int64_t channel, uint64_t htlc_id,
			 uint64_t withdrawn_key, struct switch_origin *out)
{
	struct origin_entry *e = find(t, channel, htlc_id, withdrawn_key);

	if (!e)
		return false;
	*out = e->origin;
	*e = t->entries[--t->num];
	return true;
}

size_t switch_origins_count(const struct switch_origins *t)
{
	return t->num;
}
