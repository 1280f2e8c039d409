/* The funding output spent on chain (BOLT #5 "Failing a Channel" and the
 * first steps of "Unilateral Close Handling"): the channel is over, and
 * which commitment spent it decides which HTLCs we offered may be failed
 * back at once.
 *
 * An HTLC we offered can still be claimed by the peer on chain with the
 * preimage as long as the spending commitment has an output for it; until
 * that output is resolved (HTLC-timeout, or the preimage in a witness) its
 * payment stays pending.  Resolving outputs on chain (sweeping, HTLC
 * timeouts, the penalty for a revoked commitment, extracting preimages,
 * failing trimmed HTLCs once the commitment is deep) is issue 13; here we
 * only fail what can never be claimed:
 *
 *   - an HTLC in none of the valid commitments (ours, the peer's latest,
 *     and the peer's previous one while we await its revoke_and_ack):
 *     at once (BOLT #5: "if no *valid* commitment transaction contains an
 *     output corresponding to the HTLC: MAY fail the corresponding
 *     incoming HTLC sooner");
 *   - an HTLC not in the spending commitment but in another valid one:
 *     once the spend is CHANNEL_ONCHAIN_REASONABLE_DEPTH deep (BOLT #5:
 *     "once the commitment transaction has reached reasonable depth: MUST
 *     fail the corresponding incoming HTLC"), since a reorg could still
 *     confirm the other one;
 *   - a spend we do not recognise (a revoked commitment of the peer's can
 *     hold any HTLC ever committed): only HTLCs never signed into any
 *     commitment.
 *
 * An HTLC withdrawn after a reconnection with its failure held
 * (state_reestablish.c) is in a commitment we signed and the peer has
 * not revoked: a valid one we cannot build (it is not among ours).  A
 * recognised spend lacks it, so it fails once that spend is reasonably
 * deep; an unrecognised spend may be that very commitment, so it waits.
 *
 * HTLCs the peer offered are left alone: we claim them on chain with the
 * preimage, or they time out, in issue 13. */
#include "channel/state_internal.h"

#include <stdlib.h>
#include <string.h>

/* The txid of owner's commitment number n, as set describes it, at point. */
static bool commitment_txid(const struct channel *ch, const struct htlc_set *set,
			    enum channel_side owner, uint64_t n,
			    const struct pubkey *point, struct bitcoin_txid *out)
{
	const char *err;
	struct commitment *c = channel_build_commitment_of(ch, set, owner, false, n, point,
							   &err);

	if (!c)
		return false;
	bitcoin_tx_txid(out, c->tx);
	commitment_free(c);
	return true;
}

/* The HTLC set as it was before our last commitment_signed: the peer's
 * previous commitment, while it has not revoked it.  Shares the HTLCs'
 * fail reasons with ch: free only out->htlcs. */
static void set_before_our_commit(const struct channel *ch, struct htlc_set *out)
{
	*out = ch->htlcs;
	out->htlcs = wire_calloc(ch->htlcs.num + 1, sizeof(out->htlcs[0]));
	if (ch->htlcs.num)
		memcpy(out->htlcs, ch->htlcs.htlcs,
		       ch->htlcs.num * sizeof(out->htlcs[0]));
	htlc_set_undo_commit(out, CHANNEL_LOCAL);
}

enum channel_spender channel_spender_of(const struct channel *ch,
					const struct bitcoin_txid *txid)
{
	struct bitcoin_txid candidate;
	struct pubkey point;

	if (!ch->has_commitments)
		return CHANNEL_SPENT_BY_OTHER;
	channel_local_point(ch, &point, ch->commit_num[CHANNEL_LOCAL]);
	if (commitment_txid(ch, &ch->htlcs, CHANNEL_LOCAL,
			    ch->commit_num[CHANNEL_LOCAL], &point, &candidate)
	    && bitcoin_txid_eq(&candidate, txid))
		return CHANNEL_SPENT_BY_LOCAL;
	if (ch->has_remote_point[POINT_CURRENT]
	    && commitment_txid(ch, &ch->htlcs, CHANNEL_REMOTE,
			       ch->commit_num[CHANNEL_REMOTE],
			       &ch->remote_point[POINT_CURRENT], &candidate)
	    && bitcoin_txid_eq(&candidate, txid))
		return CHANNEL_SPENT_BY_REMOTE;
	if (ch->awaiting_revoke && ch->has_remote_point[POINT_PREVIOUS]
	    && ch->commit_num[CHANNEL_REMOTE] > 0) {
		struct htlc_set before;
		bool match;

		set_before_our_commit(ch, &before);
		match = commitment_txid(ch, &before, CHANNEL_REMOTE,
					ch->commit_num[CHANNEL_REMOTE] - 1,
					&ch->remote_point[POINT_PREVIOUS],
					&candidate)
			&& bitcoin_txid_eq(&candidate, txid);
		free(before.htlcs);
		if (match)
			return CHANNEL_SPENT_BY_REMOTE_PREVIOUS;
	}
	return CHANNEL_SPENT_BY_OTHER;
}

/* Whether htlc is in the peer's previous commitment (awaiting_revoke). */
static bool in_remote_previous(const struct channel *ch, const struct htlc *htlc)
{
	struct htlc copy = *htlc;
	struct htlc_set one;

	memset(&one, 0, sizeof(one));
	one.htlcs = &copy;
	one.num = 1;
	one.opener = ch->htlcs.opener;
	htlc_set_undo_commit(&one, CHANNEL_LOCAL);
	return htlc_in_commitment(&copy, CHANNEL_REMOTE, false);
}

bool channel_onchain_can_fail(const struct channel *ch,
			      const struct htlc *htlc,
			      enum channel_spender spender, uint32_t depth)
{
	bool in_local, in_remote, in_previous, in_spender = false;

	/* A fulfilled one is paid: its preimage went upstream already. */
	if (htlc->h.offerer != CHANNEL_LOCAL || htlc->removal == HTLC_FULFILLED)
		return false;
	in_local = htlc_in_commitment(htlc, CHANNEL_LOCAL, false);
	in_remote = htlc_in_commitment(htlc, CHANNEL_REMOTE, false);
	in_previous = ch->awaiting_revoke && in_remote_previous(ch, htlc);
	switch (spender) {
	case CHANNEL_SPENT_BY_LOCAL:
		in_spender = in_local;
		break;
	case CHANNEL_SPENT_BY_REMOTE:
		in_spender = in_remote;
		break;
	case CHANNEL_SPENT_BY_REMOTE_PREVIOUS:
		in_spender = in_previous;
		break;
	case CHANNEL_SPENT_BY_OTHER:
		/* Perhaps a revoked commitment: it may hold anything ever
		 * signed. */
		return htlc->add_step == UPDATE_SENT;
	}
	/* In the spending commitment (even trimmed): issue 13 resolves it. */
	if (in_spender)
		return false;
	if (!in_local && !in_remote && !in_previous)
		return true;
	return depth >= CHANNEL_ONCHAIN_REASONABLE_DEPTH;
}

/* Fails htlc (one we offered) back to its origin: with the peer's own failure if
 * it sent one, else as a channel failure of ours. */
static void fail_offered(struct channel_effects *fx, const struct htlc *htlc)
{
	struct channel_event *ev = fx_htlc_event(fx, CHANNEL_EVENT_HTLC_FAILED, &htlc->h);

	if (htlc->removal == HTLC_FAILED && htlc->fail_reason_len) {
		ev->fail_reason = wire_memdup(htlc->fail_reason,
					      htlc->fail_reason_len);
		ev->fail_reason_len = htlc->fail_reason_len;
	} else if (htlc->removal == HTLC_FAILED_MALFORMED) {
		ev->is_malformed = true;
		ev->failure_code = htlc->failure_code;
		ev->sha256_of_onion = htlc->sha256_of_onion;
	} else {
		ev->is_withdrawn = true;
	}
}

/* Whether an HTLC we offered is still waiting for an outcome. */
static bool has_offered_pending(const struct channel *ch)
{
	if (ch->num_held)
		return true;
	for (size_t i = 0; i < ch->htlcs.num; i++)
		if (ch->htlcs.htlcs[i].h.offerer == CHANNEL_LOCAL
		    && ch->htlcs.htlcs[i].removal != HTLC_FULFILLED)
			return true;
	return false;
}

bool channel_funding_spent(struct channel *ch, struct channel_effects *fx,
			   const struct bitcoin_txid *txid, uint32_t depth)
{
	enum channel_spender spender;
	bool changed = false;

	if (!ch->has_commitments || ch->state == CHANNEL_FORGOTTEN)
		return fx_refuse(fx, "channel has no funding output to spend");
	/* Told at every block: nothing to build the commitments for. */
	if (ch->state == CHANNEL_ONCHAIN && !has_offered_pending(ch))
		return true;
	/* Before anything leaves the set: the candidates are built from it. */
	spender = channel_spender_of(ch, txid);
	if (ch->state != CHANNEL_ONCHAIN) {
		/* BOLT #5:
		 *   - upon the funding transaction being spent, if the channel
		 *   is NOT already closed:
		 *     - MAY send a descriptive `error`.
		 *     - SHOULD fail the channel.
		 *
		 * The error goes to a peer that reconnects. */
		if (!channel_is_finished(ch) && !ch->error_text) {
			static const char why[] =
				"the funding output is spent on chain";
			ch->error_text = wire_memdup(why, sizeof(why));
		}
		ch->state = CHANNEL_ONCHAIN;
		changed = true;
	}
	for (size_t i = 0; i < ch->htlcs.num;) {
		const struct htlc *htlc = &ch->htlcs.htlcs[i];
		if (!channel_onchain_can_fail(ch, htlc, spender, depth)) {
			i++;
			continue;
		}
		fail_offered(fx, htlc);
		/* Not in the spending commitment: dropping it leaves that
		 * commitment (and so the spender's match) as it is. */
		htlc_set_remove(&ch->htlcs, i);
		changed = true;
	}
	if (ch->num_held && spender != CHANNEL_SPENT_BY_OTHER
	    && depth >= CHANNEL_ONCHAIN_REASONABLE_DEPTH) {
		for (size_t i = 0; i < ch->num_held; i++)
			channel_report_held(fx, &ch->held[i]);
		ch->num_held = 0;
		changed = true;
	}
	return changed ? channel_step_done(ch, fx) : true;
}

/* out describes owner's commitment n at point as set has it. */
static bool describe(const struct channel *ch, const struct htlc_set *set,
		     enum channel_side owner, uint64_t n,
		     const struct pubkey *point,
		     struct channel_onchain_commitment *out)
{
	struct htlc_view view;

	htlc_set_view(&view, set, owner, false);
	if (view.balance_msat[CHANNEL_LOCAL] < 0
	    || view.balance_msat[CHANNEL_REMOTE] < 0) {
		htlc_view_free(&view);
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->state.commitment_number = n;
	out->state.feerate_per_kw = view.feerate_per_kw;
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		out->state.balance_msat[side] = (uint64_t)view.balance_msat[side];
	/* Taken over from the view: htlc_view_free would only free it. */
	out->state.htlcs = view.htlcs;
	out->state.num_htlcs = view.num_htlcs;
	out->point = *point;
	return true;
}

bool channel_onchain_view(const struct channel *ch,
			  struct channel_onchain_view *out)
{
	struct pubkey point;

	memset(out, 0, sizeof(*out));
	if (!ch->has_commitments || !ch->has_remote_point[POINT_CURRENT])
		return false;
	out->params = ch->params;
	out->remote_secrets = ch->remote_secrets;
	channel_local_point(ch, &point, ch->commit_num[CHANNEL_LOCAL]);
	if (!describe(ch, &ch->htlcs, CHANNEL_LOCAL, ch->commit_num[CHANNEL_LOCAL],
		      &point, &out->local))
		goto fail;
	out->local_htlc_sigs = wire_calloc(ch->num_local_htlc_sigs + 1,
					   sizeof(out->local_htlc_sigs[0]));
	if (ch->num_local_htlc_sigs)
		memcpy(out->local_htlc_sigs, ch->local_htlc_sigs,
		       ch->num_local_htlc_sigs * sizeof(ch->local_htlc_sigs[0]));
	out->num_local_htlc_sigs = ch->num_local_htlc_sigs;
	if (!describe(ch, &ch->htlcs, CHANNEL_REMOTE, ch->commit_num[CHANNEL_REMOTE],
		      &ch->remote_point[POINT_CURRENT], &out->remote[0]))
		goto fail;
	out->num_remote = 1;
	if (ch->awaiting_revoke && ch->has_remote_point[POINT_PREVIOUS]
	    && ch->commit_num[CHANNEL_REMOTE] > 0) {
		struct htlc_set before;
		bool ok;

		set_before_our_commit(ch, &before);
		ok = describe(ch, &before, CHANNEL_REMOTE,
			      ch->commit_num[CHANNEL_REMOTE] - 1,
			      &ch->remote_point[POINT_PREVIOUS], &out->remote[1]);
		free(before.htlcs);
		if (!ok)
			goto fail;
		out->num_remote = 2;
	}
	out->offered = wire_calloc(ch->htlcs.num + 1, sizeof(out->offered[0]));
	for (size_t i = 0; i < ch->htlcs.num; i++) {
		const struct htlc *h = &ch->htlcs.htlcs[i];
		/* One never signed is failed by channel_funding_spent. */
		if (h->h.offerer == CHANNEL_LOCAL && h->removal != HTLC_FULFILLED
		    && h->add_step != UPDATE_SENT)
			out->offered[out->num_offered++] = h->h;
	}
	return true;
fail:
	channel_onchain_view_clear(out);
	return false;
}

void channel_onchain_view_clear(struct channel_onchain_view *view)
{
	free((void *)view->local.state.htlcs);
	free(view->local_htlc_sigs);
	for (size_t i = 0; i < 2; i++)
		free((void *)view->remote[i].state.htlcs);
	free(view->offered);
	memset(view, 0, sizeof(*view));
}
