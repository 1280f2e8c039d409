/* `pay`'s route choice and retry policy (see retry.h). */
#include "pay/retry.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "wire/peer_wire.h"

void pay_retry_init(struct pay_retry *r, const struct pay_target *target)
{
	size_t num_edges = 0;

	memset(r, 0, sizeof(*r));
	r->target = *target;
	for (size_t h = 0; h < target->num_hints; h++)
		num_edges += target->hint_lens[h];
	r->edges = oh_calloc(num_edges + 1, sizeof(*r->edges));
	r->hint_lens = oh_calloc(target->num_hints + 1, sizeof(*r->hint_lens));
	r->hint_updated = oh_calloc(target->num_hints + 1, sizeof(*r->hint_updated));
	/* keysend has no hints (and NULL pointers memcpy must not see). */
	if (num_edges)
		memcpy(r->edges, target->hint_edges, num_edges * sizeof(*r->edges));
	if (target->num_hints)
		memcpy(r->hint_lens, target->hint_lens, target->num_hints * sizeof(*r->hint_lens));
	r->target.hint_edges = r->edges;
	r->target.hint_lens = r->hint_lens;
	r->max_excludes = target->num_excludes + 8;
	r->excludes = oh_calloc(r->max_excludes, sizeof(*r->excludes));
	if (target->num_excludes)
		memcpy(r->excludes, target->excludes, target->num_excludes * sizeof(*r->excludes));
	r->num_excludes = target->num_excludes;
	r->target.excludes = NULL;
	r->target.num_excludes = 0;
}

void pay_retry_clear(struct pay_retry *r)
{
	free(r->edges);
	free(r->hint_lens);
	free(r->hint_updated);
	free(r->excluded);
	free(r->excludes);
	free(r->updated);
	memset(r, 0, sizeof(*r));
}

/* Never dropped (the old daemon code skipped it when realloc failed,
 * and retried the same route). */
static void exclude(struct pay_retry *r, const struct short_channel_id *scid)
{
	if (r->num_excluded == r->max_excluded) {
		r->max_excluded = r->max_excluded ? 2 * r->max_excluded : 8;
		r->excluded = oh_realloc(r->excluded, r->max_excluded * sizeof(*r->excluded));
	}
	r->excluded[r->num_excluded++] = *scid;
}

void pay_retry_unsendable(struct pay_retry *r)
{
	exclude(r, &r->route[0].scid);
}

/* A failure that came with the channel_update of the channel it names: a
 * route hint's fees or CLTV delta were out of date.  Returns: whether a
 * hint was updated (once per hint), so the same route is worth a retry. */
static bool apply_update(struct pay_retry *r, const struct onion_failure *f, size_t erring)
{
	struct msg_channel_update *update;
	const uint8_t *bytes = f->channel_update;
	size_t len = f->channel_update_len, offset = 0;
	bool applied = false;
	uint8_t *prefixed;
	bool ok;

	if (!len || erring == 0 || erring >= r->num_hops)
		return false;
	/* BOLT #4 carries the message with its type; older nodes left the
	 * type out. */
	if (len >= 2 && bytes[0] == 0x01 && bytes[1] == 0x02)
		offset = 2;
	prefixed = oh_malloc(len - offset + 2);
	prefixed[0] = 0x01;
	prefixed[1] = 0x02;
	memcpy(prefixed + 2, bytes + offset, len - offset);
	ok = fromwire_channel_update(prefixed, len - offset + 2, &update);
	free(prefixed);
	if (!ok)
		return false;
	for (size_t h = 0, base = 0; h < r->target.num_hints; base += r->hint_lens[h], h++) {
		for (size_t e = 0; e < r->hint_lens[h]; e++) {
			struct route_edge *edge = &r->edges[base + e];
			if (edge->scid.u64 != update->short_channel_id.u64 || r->hint_updated[h])
				continue;
			edge->fee_base_msat = update->fee_base_msat;
			edge->fee_proportional_millionths = update->fee_proportional_millionths;
			edge->cltv_expiry_delta = update->cltv_expiry_delta;
			r->hint_updated[h] = true;
			applied = true;
		}
	}
	msg_channel_update_free(update);
	return applied;
}

/* What a failure at erring_index teaches beyond the graph: a hint's
 * update, else the channel after the erring node is excluded. */
static void failed_channel(struct pay_retry *r, int64_t erring_index,
			   const struct onion_failure *failure)
{
	size_t at;

	if (failure && erring_index >= 0 && apply_update(r, failure, (size_t)erring_index))
		return;
	/* Avoid the channel after the erring node next time (for index 0,
	 * our own first channel). */
	at = erring_index < 0 ? 0 : (size_t)erring_index;
	exclude(r, &r->route[at < r->num_hops ? at : r->num_hops - 1].scid);
}

static void exclude_node(struct pay_retry *r, const uint8_t id[PUBKEY_CMPR_LEN])
{
	if (r->num_excludes == r->max_excludes) {
		r->max_excludes = 2 * r->max_excludes;
		r->excludes = oh_realloc(r->excludes, r->max_excludes * sizeof(*r->excludes));
	}
	memset(&r->excludes[r->num_excludes], 0, sizeof(r->excludes[0]));
	r->excludes[r->num_excludes].is_node = true;
	memcpy(r->excludes[r->num_excludes++].node_id, id, PUBKEY_CMPR_LEN);
}

enum pay_retry_verdict pay_retry_route(struct pay_retry *r, struct pathfinder *pf,
				       const struct graph *g,
				       const uint8_t source[PUBKEY_CMPR_LEN],
				       const struct pathfind_local *locals, size_t num_locals,
				       const struct scorer *scorer, uint64_t now, uint32_t height)
{
	const struct pay_target *t = &r->target;
	size_t num_edges = 0, all = r->num_excludes + r->num_excluded;
	struct pathfind_exclude *x = oh_calloc(all + 1, sizeof(*x));
	struct pathfind_query q;
	bool found;

	if (now > t->deadline) {
		free(x);
		return PAY_RETRY_OUT_OF_TIME;
	}
	for (size_t h = 0; h < t->num_hints; h++)
		num_edges += r->hint_lens[h];
	if (r->num_excludes)
		memcpy(x, r->excludes, r->num_excludes * sizeof(*x));
	for (size_t i = 0; i < r->num_excluded; i++) {
		x[r->num_excludes + i].scid = r->excluded[i];
		x[r->num_excludes + i].direction = -1;
	}
	memset(&q, 0, sizeof(q));
	memcpy(q.source, source, PUBKEY_CMPR_LEN);
	memcpy(q.destination, t->destination, PUBKEY_CMPR_LEN);
	q.amount_msat = t->amount_msat;
	/* Delays relative to now; made absolute below. */
	q.final_cltv = t->min_final_cltv_expiry + PAY_RETRY_FINAL_CLTV_MARGIN;
	q.riskfactor = 10;
	q.maxfee_msat = t->maxfee_is_fixed || t->maxfee_msat > PAY_RETRY_EXEMPT_FEE_MSAT
		? t->maxfee_msat : PAY_RETRY_EXEMPT_FEE_MSAT;
	q.maxdelay = t->maxdelay;
	q.maxhops = t->maxhops ? t->maxhops : ROUTE_MAX_HOPS;
	q.excludes = x;
	q.num_excludes = all;
	q.extra = r->edges;
	q.num_extra = num_edges;
	q.use_locals = true;
	q.locals = locals;
	q.num_locals = num_locals;
	q.scorer = scorer;
	q.now = now;
	found = pathfind(pf, g, &q, r->route, &r->num_hops);
	if (!found) {
		/* Is there one beyond the limits? */
		q.maxfee_msat = UINT64_MAX;
		q.maxdelay = UINT32_MAX;
		found = pathfind(pf, g, &q, r->route, &r->num_hops);
		free(x);
		r->num_hops = 0;
		return found ? PAY_RETRY_TOO_EXPENSIVE : PAY_RETRY_NO_ROUTE;
	}
	free(x);
	for (size_t i = 0; i < r->num_hops; i++)
		r->route[i].delay += height;
	return PAY_RETRY_SEND;
}

static bool was_updated(const struct pay_retry *r, struct short_channel_id scid)
{
	for (size_t i = 0; i < r->num_updated; i++)
		if (r->updated[i].u64 == scid.u64)
			return true;
	return false;
}

enum pay_retry_verdict pay_retry_failed_graph(struct pay_retry *r, int64_t erring_index,
					      const struct onion_failure *failure,
					      bool graph_took)
{
	/* The destination itself refused: no other route helps. */
	if (erring_index == (int64_t)r->num_hops)
		return PAY_RETRY_DESTINATION_REFUSED;
	if (failure && erring_index >= 0) {
		size_t at = (size_t)erring_index;
		/* The channel out of the erring node, with its fees or CLTV
		 * delta out of date: once more with the new ones. */
		if (graph_took && at < r->num_hops && !was_updated(r, r->route[at].scid)) {
			r->updated = oh_realloc(r->updated, (r->num_updated + 1) * sizeof(*r->updated));
			r->updated[r->num_updated++] = r->route[at].scid;
			return PAY_RETRY_SEND;
		}
		/* BOLT #4: NODE failures are the erring node's (not ours, not
		 * the destination's: that refused above). */
		if ((failure->code & ONION_FAILURE_NODE) && at > 0 && at < r->num_hops)
			exclude_node(r, r->route[at - 1].node_id);
	}
	failed_channel(r, erring_index, failure);
	return PAY_RETRY_SEND;
}
