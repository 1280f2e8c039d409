/* HTLC and fee bookkeeping (see channel/htlcs.h for the model).
 *
 * BOLT #2:
 * Thus each update traverses through the following states:
 *
 * The five enum update_step values are those states, in that order; an
 * update moves one step per message, and which message moves it depends
 * only on who initiated it. */
#include "channel/htlcs.h"

#include <stdlib.h>
#include <string.h>

#include "wire/wirebuf.h"

enum update_step update_step_next(enum update_step step,
				  enum channel_side initiator,
				  enum channel_side actor,
				  enum update_event event)
{
	bool by_initiator = actor == initiator;

	switch (event) {
	case UPDATE_EVENT_COMMIT:
		/* The initiator signs the receiver's commitment with its
		 * updates; the receiver signs the initiator's once it has
		 * revoked its own previous one. */
		if (by_initiator && step == UPDATE_SENT)
			return UPDATE_COMMITTED;
		if (!by_initiator && step == UPDATE_REVOKED)
			return UPDATE_ACKED;
		return step;
	case UPDATE_EVENT_REVOKE:
		if (!by_initiator && step == UPDATE_COMMITTED)
			return UPDATE_REVOKED;
		if (by_initiator && step == UPDATE_ACKED)
			return UPDATE_COMPLETE;
		return step;
	}
	return step;
}

bool update_step_in_commitment(enum update_step step,
			       enum channel_side initiator,
			       enum channel_side owner)
{
	/* BOLT #2:
	 * Counter-intuitively, these updates apply to the *other node's*
	 * commitment transaction; the node only adds those updates to its own
	 * commitment transaction when the remote node acknowledges it has
	 * applied them via `revoke_and_ack`.
	 */
	if (owner == initiator)
		return step >= UPDATE_ACKED;
	return step >= UPDATE_COMMITTED;
}

const char *htlc_state_name(const struct htlc *htlc)
{
	static const char *const offered[2][UPDATE_NUM_STEPS] = {
		{ "SENT_ADD_HTLC", "SENT_ADD_COMMIT", "RCVD_ADD_REVOCATION",
		  "RCVD_ADD_ACK_COMMIT", "SENT_ADD_ACK_REVOCATION" },
		{ "RCVD_REMOVE_HTLC", "RCVD_REMOVE_COMMIT",
		  "SENT_REMOVE_REVOCATION", "SENT_REMOVE_ACK_COMMIT",
		  "RCVD_REMOVE_ACK_REVOCATION" },
	};
	static const char *const received[2][UPDATE_NUM_STEPS] = {
		{ "RCVD_ADD_HTLC", "RCVD_ADD_COMMIT", "SENT_ADD_REVOCATION",
		  "SENT_ADD_ACK_COMMIT", "RCVD_ADD_ACK_REVOCATION" },
		{ "SENT_REMOVE_HTLC", "SENT_REMOVE_COMMIT",
		  "RCVD_REMOVE_REVOCATION", "RCVD_REMOVE_ACK_COMMIT",
		  "SENT_REMOVE_ACK_REVOCATION" },
	};
	bool removing = htlc->removal != HTLC_NOT_REMOVED;
	enum update_step step = removing ? htlc->remove_step : htlc->add_step;

	if (htlc->h.offerer == CHANNEL_LOCAL)
		return offered[removing][step];
	return received[removing][step];
}

void htlc_set_init(struct htlc_set *set, enum channel_side opener,
		   uint64_t funding_msat, uint64_t push_msat,
		   uint32_t feerate_per_kw)
{
	memset(set, 0, sizeof(*set));
	set->opener = opener;
	set->settled_msat[opener] = funding_msat - push_msat;
	set->settled_msat[channel_side_other(opener)] = push_msat;
	set->feerate[UPDATE_COMPLETE] = feerate_per_kw;
}

static void htlc_release(struct htlc *htlc)
{
	free(htlc->fail_reason);
	htlc->fail_reason = NULL;
	htlc->fail_reason_len = 0;
}

void htlc_set_clear(struct htlc_set *set)
{
	for (size_t i = 0; i < set->num; i++)
		htlc_release(&set->htlcs[i]);
	free(set->htlcs);
	set->htlcs = NULL;
	set->num = set->cap = 0;
}

struct htlc *htlc_set_add(struct htlc_set *set, const struct htlc *htlc)
{
	if (set->num == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct htlc *more = wire_calloc(cap, sizeof(*more));

		if (set->num)
			memcpy(more, set->htlcs, set->num * sizeof(*more));
		free(set->htlcs);
		set->htlcs = more;
		set->cap = cap;
	}
	set->htlcs[set->num] = *htlc;
	set->htlcs[set->num].seq = ++set->last_seq;
	return &set->htlcs[set->num++];
}

void htlc_set_remove(struct htlc_set *set, size_t index)
{
	htlc_release(&set->htlcs[index]);
	memmove(&set->htlcs[index], &set->htlcs[index + 1],
		(set->num - index - 1) * sizeof(set->htlcs[0]));
	set->num--;
}

struct htlc *htlc_set_find(const struct htlc_set *set,
			   enum channel_side offerer, uint64_t id)
{
	for (size_t i = 0; i < set->num; i++)
		if (set->htlcs[i].h.offerer == offerer
		    && set->htlcs[i].h.id == id)
			return &set->htlcs[i];
	return NULL;
}

/* The step an update would be at in owner's next commitment: the one the
 * other side signs next. */
static enum update_step step_for(enum update_step step,
				 enum channel_side initiator,
				 enum channel_side owner, bool is_next)
{
	if (!is_next)
		return step;
	return update_step_next(step, initiator, channel_side_other(owner),
				UPDATE_EVENT_COMMIT);
}

/* Whether the HTLC's removal is applied to that commitment. */
static bool removal_applied(const struct htlc *htlc, enum channel_side owner,
			    bool is_next)
{
	enum channel_side remover = htlc_remover(htlc);

	return htlc->removal != HTLC_NOT_REMOVED
		&& update_step_in_commitment(step_for(htlc->remove_step,
						      remover, owner, is_next),
					     remover, owner);
}

bool htlc_in_commitment(const struct htlc *htlc, enum channel_side owner,
			bool is_next)
{
	enum channel_side offerer = htlc->h.offerer;

	return update_step_in_commitment(step_for(htlc->add_step, offerer,
						  owner, is_next),
					 offerer, owner)
		&& !removal_applied(htlc, owner, is_next);
}

/* Whether a retransmission by initiator may put its update before the
 * removal takes effect on the other side's commitment: initiator's own
 * unsigned removals, and the other side's removals our revoke_and_ack
 * moved to UPDATE_REVOKED (that revoke_and_ack may be one we send again,
 * after the update). */
static bool removal_uncertain(const struct htlc *htlc,
			      enum channel_side initiator)
{
	if (htlc->removal == HTLC_NOT_REMOVED)
		return false;
	if (htlc_remover(htlc) == initiator)
		return htlc->remove_step == UPDATE_SENT;
	return htlc->remove_step == UPDATE_REVOKED;
}

/* htlc_set_view, optionally leaving out the removals a retransmission by
 * skip_removals_by cannot count on (removal_uncertain). */
static void compute_view(struct htlc_view *out, const struct htlc_set *set,
			 enum channel_side owner, bool is_next, bool skip,
			 enum channel_side skip_removals_by)
{
	memset(out, 0, sizeof(*out));
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		out->balance_msat[side] = (int64_t)set->settled_msat[side];
	out->htlcs = wire_calloc(set->num ? set->num : 1,
				 sizeof(out->htlcs[0]));
	for (size_t i = 0; i < set->num; i++) {
		const struct htlc *htlc = &set->htlcs[i];
		enum channel_side offerer = htlc->h.offerer;
		int64_t amount = (int64_t)htlc->h.amount_msat;

		if (skip && removal_uncertain(htlc, skip_removals_by)) {
			struct htlc kept = *htlc;

			kept.removal = HTLC_NOT_REMOVED;
			if (htlc_in_commitment(&kept, owner, is_next)) {
				out->balance_msat[offerer] -= amount;
				out->htlcs[out->num_htlcs++] = htlc->h;
			}
		} else if (htlc_in_commitment(htlc, owner, is_next)) {
			out->balance_msat[offerer] -= amount;
			out->htlcs[out->num_htlcs++] = htlc->h;
		} else if (htlc->removal == HTLC_FULFILLED
			   && removal_applied(htlc, owner, is_next)) {
			out->balance_msat[offerer] -= amount;
			out->balance_msat[channel_side_other(offerer)] += amount;
		}
	}
	/* The most recent update_fee applied to this commitment: lower
	 * steps are newer. */
	for (size_t step = 0; step < UPDATE_NUM_STEPS; step++) {
		if (set->feerate[step]
		    && update_step_in_commitment(
			       step_for(step, set->opener, owner, is_next),
			       set->opener, owner)) {
			out->feerate_per_kw = set->feerate[step];
			break;
		}
	}
}

void htlc_set_view(struct htlc_view *out, const struct htlc_set *set,
		   enum channel_side owner, bool is_next)
{
	compute_view(out, set, owner, is_next, false, CHANNEL_LOCAL);
}

void htlc_set_view_for_replay(struct htlc_view *out, const struct htlc_set *set,
			      enum channel_side initiator)
{
	enum channel_side owner = channel_side_other(initiator);

	compute_view(out, set, owner, true, true, initiator);
	/* The feerate before initiator's pending update_fee, if higher. */
	if (set->opener == initiator && set->feerate[UPDATE_SENT]) {
		for (size_t step = 1; step < UPDATE_NUM_STEPS; step++) {
			if (set->feerate[step]
			    && update_step_in_commitment(
				       step_for(step, initiator, owner, true),
				       initiator, owner)) {
				if (set->feerate[step] > out->feerate_per_kw)
					out->feerate_per_kw = set->feerate[step];
				break;
			}
		}
	}
}

void htlc_view_free(struct htlc_view *view)
{
	free(view->htlcs);
	view->htlcs = NULL;
	view->num_htlcs = 0;
}

size_t htlc_view_count(const struct htlc_view *view, enum channel_side offerer,
		       uint64_t *total_msat)
{
	size_t n = 0;

	*total_msat = 0;
	for (size_t i = 0; i < view->num_htlcs; i++) {
		if (view->htlcs[i].offerer != offerer)
			continue;
		n++;
		*total_msat += view->htlcs[i].amount_msat;
	}
	return n;
}

static bool moves(enum update_step step, enum channel_side initiator,
		  enum channel_side actor, enum update_event event)
{
	return update_step_next(step, initiator, actor, event) != step;
}

bool htlc_set_has_changes(const struct htlc_set *set, enum channel_side actor)
{
	for (size_t i = 0; i < set->num; i++) {
		const struct htlc *htlc = &set->htlcs[i];

		if (moves(htlc->add_step, htlc->h.offerer, actor,
			  UPDATE_EVENT_COMMIT))
			return true;
		if (htlc->removal != HTLC_NOT_REMOVED
		    && moves(htlc->remove_step, htlc_remover(htlc), actor,
			     UPDATE_EVENT_COMMIT))
			return true;
	}
	for (size_t step = 0; step < UPDATE_NUM_STEPS; step++)
		if (set->feerate[step]
		    && moves(step, set->opener, actor, UPDATE_EVENT_COMMIT))
			return true;
	return false;
}

bool htlc_set_has_uncommitted(const struct htlc_set *set,
			      enum channel_side initiator)
{
	for (size_t i = 0; i < set->num; i++) {
		const struct htlc *htlc = &set->htlcs[i];

		if (htlc->h.offerer == initiator
		    && htlc->add_step == UPDATE_SENT)
			return true;
		if (htlc_remover(htlc) == initiator
		    && htlc->removal != HTLC_NOT_REMOVED
		    && htlc->remove_step == UPDATE_SENT)
			return true;
	}
	return set->opener == initiator && set->feerate[UPDATE_SENT];
}

bool htlc_set_is_empty(const struct htlc_set *set)
{
	if (set->num)
		return false;
	for (size_t step = 0; step < UPDATE_COMPLETE; step++)
		if (set->feerate[step])
			return false;
	return true;
}

void htlc_set_apply(struct htlc_set *set, enum channel_side actor,
		    enum update_event event, htlc_complete_fn on_complete,
		    void *arg)
{
	for (size_t i = 0; i < set->num; i++) {
		struct htlc *htlc = &set->htlcs[i];
		enum update_step before = htlc->add_step;

		htlc->add_step = update_step_next(before, htlc->h.offerer,
						  actor, event);
		if (htlc->add_step == UPDATE_COMPLETE && before != UPDATE_COMPLETE
		    && on_complete)
			on_complete(arg, htlc, false);
		if (htlc->removal == HTLC_NOT_REMOVED)
			continue;
		before = htlc->remove_step;
		htlc->remove_step = update_step_next(before, htlc_remover(htlc),
						     actor, event);
		if (htlc->remove_step != UPDATE_COMPLETE
		    || before == UPDATE_COMPLETE)
			continue;
		if (on_complete)
			on_complete(arg, htlc, true);
		/* A failed HTLC leaves the balances as they were. */
		if (htlc->removal == HTLC_FULFILLED) {
			set->settled_msat[htlc->h.offerer] -= htlc->h.amount_msat;
			set->settled_msat[htlc_remover(htlc)] += htlc->h.amount_msat;
		}
		htlc_set_remove(set, i);
		i--;
	}

	/* Fee updates: move from the oldest step down, so a newer update
	 * replaces an older one that it catches up with. */
	for (size_t step = UPDATE_COMPLETE; step-- > 0;) {
		enum update_step next;

		if (!set->feerate[step])
			continue;
		next = update_step_next(step, set->opener, actor, event);
		if (next == step)
			continue;
		set->feerate[next] = set->feerate[step];
		set->fee_order[next] = set->fee_order[step];
		set->feerate[step] = 0;
		set->fee_order[step] = 0;
	}
}

uint64_t htlc_set_revert_uncommitted(struct htlc_set *set,
				     enum channel_side initiator)
{
	uint64_t lowest = UINT64_MAX;

	for (size_t i = 0; i < set->num; i++) {
		struct htlc *htlc = &set->htlcs[i];

		if (htlc->h.offerer == initiator
		    && htlc->add_step == UPDATE_SENT) {
			if (htlc->h.id < lowest)
				lowest = htlc->h.id;
			htlc_set_remove(set, i);
			i--;
			continue;
		}
		if (htlc_remover(htlc) == initiator
		    && htlc->removal != HTLC_NOT_REMOVED
		    && htlc->remove_step == UPDATE_SENT) {
			htlc_release(htlc);
			htlc->removal = HTLC_NOT_REMOVED;
			htlc->remove_step = UPDATE_SENT;
			htlc->remove_order = 0;
		}
	}
	if (set->opener == initiator) {
		set->feerate[UPDATE_SENT] = 0;
		set->fee_order[UPDATE_SENT] = 0;
	}
	return lowest;
}

/* The step before next for an update initiator sent, if actor's
 * commitment_signed moved it there; else next itself. */
static enum update_step undo_commit_step(enum update_step step,
					 enum channel_side initiator,
					 enum channel_side actor)
{
	if (actor == initiator && step == UPDATE_COMMITTED)
		return UPDATE_SENT;
	if (actor != initiator && step == UPDATE_ACKED)
		return UPDATE_REVOKED;
	return step;
}

void htlc_set_undo_commit(struct htlc_set *set, enum channel_side actor)
{
	for (size_t i = 0; i < set->num; i++) {
		struct htlc *htlc = &set->htlcs[i];

		htlc->add_step = undo_commit_step(htlc->add_step,
						  htlc->h.offerer, actor);
		if (htlc->removal != HTLC_NOT_REMOVED)
			htlc->remove_step = undo_commit_step(htlc->remove_step,
							     htlc_remover(htlc),
							     actor);
	}
	if (set->opener == actor && set->feerate[UPDATE_COMMITTED]) {
		if (!set->feerate[UPDATE_SENT]) {
			set->feerate[UPDATE_SENT] = set->feerate[UPDATE_COMMITTED];
			set->fee_order[UPDATE_SENT] = set->fee_order[UPDATE_COMMITTED];
		}
		set->feerate[UPDATE_COMMITTED] = 0;
		set->fee_order[UPDATE_COMMITTED] = 0;
	}
	/* The other side's update_fee that commitment acknowledged: a newer
	 * one may have reached UPDATE_REVOKED meanwhile, and supersedes it. */
	if (set->opener != actor && set->feerate[UPDATE_ACKED]) {
		if (!set->feerate[UPDATE_REVOKED]) {
			set->feerate[UPDATE_REVOKED] = set->feerate[UPDATE_ACKED];
			set->fee_order[UPDATE_REVOKED] = set->fee_order[UPDATE_ACKED];
		}
		set->feerate[UPDATE_ACKED] = 0;
		set->fee_order[UPDATE_ACKED] = 0;
	}
}

void htlc_set_update_fee(struct htlc_set *set, uint32_t feerate_per_kw)
{
	set->feerate[UPDATE_SENT] = feerate_per_kw;
	set->fee_order[UPDATE_SENT] = ++set->next_order;
}
