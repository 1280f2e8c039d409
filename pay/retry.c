/* `pay`'s route choice and retry policy (see retry.h). */
#include "pay/retry.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "pay/split.h"
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
	free(r->limits);
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

/* Hop at of r->route carried less than amount_msat this time: later
 * parts over it carry less.  Returns: false if that leaves no room for a
 * part (the caller excludes the channel instead). */
static bool limit(struct pay_retry *r, size_t at, uint64_t amount_msat)
{
	const uint8_t *from = r->route[at - 1].node_id;
	int direction = pathfind_direction(from, r->route[at].node_id);
	size_t i;

	if (amount_msat <= PAY_SPLIT_MIN_PART_MSAT)
		return false;
	for (i = 0; i < r->num_limits; i++)
		if (r->limits[i].scid.u64 == r->route[at].scid.u64
		    && r->limits[i].direction == direction)
			break;
	if (i == r->num_limits) {
		r->limits = oh_realloc(r->limits, (r->num_limits + 1) * sizeof(*r->limits));
		r->limits[i] = (struct pathfind_cap){r->route[at].scid, direction, UINT64_MAX, 0};
		r->num_limits++;
	}
	if (r->limits[i].max_msat > amount_msat - 1)
		r->limits[i].max_msat = amount_msat - 1;
	return true;
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
	at = at < r->num_hops ? at : r->num_hops - 1;
	/* With parts, a channel short of balance (BOLT #4's "not enough
	 * balance" case) may still carry a smaller one. */
	if (r->target.allow_mpp && failure && erring_index > 0
	    && failure->code == ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE
	    && limit(r, at, r->route[at].amount_msat))
		return;
	exclude(r, &r->route[at].scid);
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

/* The query for amount_msat with fee_budget_msat (before the
 * exemption of small fees) and caps, into q; its exclusions in *x
 * (the caller frees). */
static void build_query(const struct pay_retry *r, struct pathfind_query *q,
			struct pathfind_exclude **x, const uint8_t source[PUBKEY_CMPR_LEN],
			const struct pathfind_local *locals, size_t num_locals,
			const struct scorer *scorer, uint64_t now, uint64_t amount_msat,
			uint64_t fee_budget_msat)
{
	const struct pay_target *t = &r->target;
	size_t num_edges = 0, all = r->num_excludes + r->num_excluded;

	*x = oh_calloc(all + 1, sizeof(**x));
	for (size_t h = 0; h < t->num_hints; h++)
		num_edges += r->hint_lens[h];
	if (r->num_excludes)
		memcpy(*x, r->excludes, r->num_excludes * sizeof(**x));
	for (size_t i = 0; i < r->num_excluded; i++) {
		(*x)[r->num_excludes + i].scid = r->excluded[i];
		(*x)[r->num_excludes + i].direction = -1;
	}
	memset(q, 0, sizeof(*q));
	memcpy(q->source, source, PUBKEY_CMPR_LEN);
	memcpy(q->destination, t->destination, PUBKEY_CMPR_LEN);
	q->amount_msat = amount_msat;
	/* Delays relative to now; made absolute by the caller. */
	q->final_cltv = t->min_final_cltv_expiry + PAY_RETRY_FINAL_CLTV_MARGIN;
	q->riskfactor = 10;
	q->maxfee_msat = t->maxfee_is_fixed || fee_budget_msat > PAY_RETRY_EXEMPT_FEE_MSAT
		? fee_budget_msat : PAY_RETRY_EXEMPT_FEE_MSAT;
	q->maxdelay = t->maxdelay;
	q->maxhops = t->maxhops ? t->maxhops : ROUTE_MAX_HOPS;
	q->excludes = *x;
	q->num_excludes = all;
	q->extra = r->edges;
	q->num_extra = num_edges;
	q->use_locals = true;
	q->locals = locals;
	q->num_locals = num_locals;
	q->scorer = scorer;
	q->now = now;
	q->caps = r->limits;
	q->num_caps = r->num_limits;
}

enum pay_retry_verdict pay_retry_route(struct pay_retry *r, struct pathfinder *pf,
				       const struct graph *g,
				       const uint8_t source[PUBKEY_CMPR_LEN],
				       const struct pathfind_local *locals, size_t num_locals,
				       const struct scorer *scorer, uint64_t now, uint32_t height)
{
	const struct pay_target *t = &r->target;
	struct pathfind_exclude *x;
	struct pathfind_query q;
	bool found;

	if (now > t->deadline)
		return PAY_RETRY_OUT_OF_TIME;
	build_query(r, &q, &x, source, locals, num_locals, scorer, now, t->amount_msat,
		    t->maxfee_msat);
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

/* One route for the whole of q's amount, or (allow_mpp) parts. */
static size_t find_parts(const struct pay_retry *r, struct pathfinder *pf, const struct graph *g,
			 const struct pathfind_query *q, struct pay_split_part *parts,
			 size_t max_parts)
{
	if (pathfind(pf, g, q, parts[0].route, &parts[0].num_hops)) {
		parts[0].amount_msat = q->amount_msat;
		return 1;
	}
	if (!r->target.allow_mpp)
		return 0;
	return pay_split(pf, g, q, PAY_SPLIT_MIN_PART_MSAT, max_parts, parts);
}

enum pay_retry_verdict pay_retry_parts(struct pay_retry *r, struct pathfinder *pf,
				       const struct graph *g,
				       const uint8_t source[PUBKEY_CMPR_LEN],
				       const struct pathfind_local *locals, size_t num_locals,
				       const struct scorer *scorer, uint64_t now, uint32_t height,
				       uint64_t amount_msat, uint64_t fee_used_msat,
				       const struct pathfind_cap *in_flight, size_t num_in_flight,
				       struct pay_split_part *parts, size_t max_parts,
				       size_t *num_parts)
{
	const struct pay_target *t = &r->target;
	uint64_t budget = t->maxfee_msat > fee_used_msat ? t->maxfee_msat - fee_used_msat : 0;
	struct pathfind_cap *caps;
	struct pathfind_exclude *x;
	struct pathfind_query q;

	*num_parts = 0;
	if (now > t->deadline)
		return PAY_RETRY_OUT_OF_TIME;
	if (!max_parts)
		return PAY_RETRY_NO_ROUTE;
	build_query(r, &q, &x, source, locals, num_locals, scorer, now, amount_msat, budget);
	/* What this payment learned, and what its parts in flight take. */
	caps = oh_calloc(r->num_limits + num_in_flight + 1, sizeof(*caps));
	if (r->num_limits)
		memcpy(caps, r->limits, r->num_limits * sizeof(*caps));
	if (num_in_flight)
		memcpy(caps + r->num_limits, in_flight, num_in_flight * sizeof(*caps));
	q.caps = caps;
	q.num_caps = r->num_limits + num_in_flight;
	*num_parts = find_parts(r, pf, g, &q, parts, max_parts);
	if (!*num_parts) {
		bool beyond;
		q.maxfee_msat = UINT64_MAX;
		q.maxdelay = UINT32_MAX;
		beyond = find_parts(r, pf, g, &q, parts, max_parts) != 0;
		free(caps);
		free(x);
		return beyond ? PAY_RETRY_TOO_EXPENSIVE : PAY_RETRY_NO_ROUTE;
	}
	free(caps);
	free(x);
	for (size_t p = 0; p < *num_parts; p++)
		for (size_t i = 0; i < parts[p].num_hops; i++)
			parts[p].route[i].delay += height;
	return PAY_RETRY_SEND;
}

void pay_retry_set_route(struct pay_retry *r, const struct route_hop *route, size_t num_hops)
{
	memcpy(r->route, route, num_hops * sizeof(*route));
	r->num_hops = num_hops;
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
		/* With parts, a channel short of balance carries less next
		 * time, whatever update came with the failure (a fresh
		 * timestamp is no reason to send the same amount again). */
		if (r->target.allow_mpp && at > 0 && at < r->num_hops
		    && failure->code == ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE
		    && limit(r, at, r->route[at].amount_msat))
			return PAY_RETRY_SEND;
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
