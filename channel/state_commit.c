/* Committing updates (BOLT #2 "Committing Updates So Far:
 * `commitment_signed`" and "Completing the Transition to the Updated
 * State: `revoke_and_ack`"), `update_fee`, and retransmitting what we
 * sent after a reconnection.  commitment_signed and revoke_and_ack move
 * every update one step along channel/htlcs.h's model. */
#include "channel/state_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/commitment_sign.h"
#include "crypto/secp.h"
#include "crypto/util.h"

/* One thing we sent, for retransmission in the original order. */
enum resend_kind {
	RESEND_ADD,
	RESEND_REMOVAL,
	RESEND_FEE,
	RESEND_REVOKE,
	RESEND_SHUTDOWN,
};

struct resend {
	uint64_t order;
	enum resend_kind kind;
	const struct htlc *htlc;	/* RESEND_ADD, RESEND_REMOVAL */
	uint32_t feerate_per_kw;	/* RESEND_FEE */
};

static int resend_cmp(const void *va, const void *vb)
{
	const struct resend *a = va, *b = vb;

	return a->order < b->order ? -1 : a->order > b->order;
}

/* Our updates at UPDATE_SENT, the revoke_and_ack if resend_revoke and the
 * shutdown if with_shutdown, in the order first sent. */
static size_t collect(const struct channel *ch, struct resend *r,
		      bool resend_revoke, bool with_shutdown)
{
	const struct htlc_set *set = &ch->htlcs;
	size_t n = 0;

	for (size_t i = 0; i < set->num; i++) {
		const struct htlc *htlc = &set->htlcs[i];

		if (htlc->h.offerer == CHANNEL_LOCAL
		    && htlc->add_step == UPDATE_SENT)
			r[n++] = (struct resend){ htlc->add_order, RESEND_ADD,
						  htlc, 0 };
		if (htlc_remover(htlc) == CHANNEL_LOCAL
		    && htlc->removal != HTLC_NOT_REMOVED
		    && htlc->remove_step == UPDATE_SENT)
			r[n++] = (struct resend){ htlc->remove_order,
						  RESEND_REMOVAL, htlc, 0 };
	}
	if (set->opener == CHANNEL_LOCAL && set->feerate[UPDATE_SENT])
		r[n++] = (struct resend){ set->fee_order[UPDATE_SENT],
					  RESEND_FEE, NULL,
					  set->feerate[UPDATE_SENT] };
	if (resend_revoke)
		r[n++] = (struct resend){ ch->last_revoke_order, RESEND_REVOKE,
					  NULL, 0 };
	if (with_shutdown)
		r[n++] = (struct resend){ ch->shutdown_order, RESEND_SHUTDOWN,
					  NULL, 0 };
	qsort(r, n, sizeof(*r), resend_cmp);
	return n;
}

bool channel_retransmit(struct channel *ch, struct channel_effects *fx,
			bool resend_revoke, bool recommit)
{
	struct resend *r = wire_calloc(ch->htlcs.num * 2 + 4, sizeof(*r));
	/* BOLT #2:
	 *   - upon reconnection:
	 *     - if it has sent a previous `shutdown`:
	 *       - MUST retransmit `shutdown`.
	 *
	 * In its place, unless a new commitment_signed must go before it. */
	bool shutdown_last = recommit && ch->sent_shutdown;
	size_t n = collect(ch, r, resend_revoke,
			   ch->sent_shutdown && !shutdown_last);

	for (size_t i = 0; i < n; i++) {
		struct wirebuf *msg = NULL;

		switch (r[i].kind) {
		case RESEND_ADD:
			msg = channel_towire_add(ch, r[i].htlc);
			break;
		case RESEND_REMOVAL:
			msg = channel_towire_removal(ch, r[i].htlc);
			break;
		case RESEND_FEE:
			msg = channel_towire_fee(ch, r[i].feerate_per_kw);
			break;
		case RESEND_REVOKE:
			msg = channel_towire_revoke_and_ack(ch);
			break;
		case RESEND_SHUTDOWN:
			msg = channel_towire_shutdown(ch);
			break;
		}
		fx_send(fx, msg);
	}
	free(r);
	if (recommit && htlc_set_has_changes(&ch->htlcs, CHANNEL_LOCAL)
	    && !channel_do_send_commit(ch, fx))
		return false;
	if (shutdown_last)
		fx_send(fx, channel_towire_shutdown(ch));
	return true;
}

/* ---- update_fee ---- */

/* Whether the opener can pay feerate's fee on owner's next commitment
 * (and keep its reserve, if with_reserve). */
static bool fee_affordable_with(const struct channel *ch,
				enum channel_side owner,
				uint32_t feerate_per_kw, bool with_reserve)
{
	struct htlc_view view;
	bool ok;

	htlc_set_view(&view, &ch->htlcs, owner, true);
	view.feerate_per_kw = feerate_per_kw;
	ok = channel_can_afford(ch, &view, owner, ch->params.opener,
				with_reserve);
	htlc_view_free(&view);
	return ok;
}

static bool fee_affordable(const struct channel *ch, enum channel_side owner,
			   uint32_t feerate_per_kw)
{
	return fee_affordable_with(ch, owner, feerate_per_kw, false);
}

/* Our own proposals keep the reserve the peer asked of us. */
static bool fee_affordable_both(const struct channel *ch,
				uint32_t feerate_per_kw)
{
	return fee_affordable_with(ch, CHANNEL_REMOTE, feerate_per_kw, true)
		&& fee_affordable_with(ch, CHANNEL_LOCAL, feerate_per_kw, true);
}

uint32_t channel_max_affordable_feerate(const struct channel *ch)
{
	uint32_t low = 1, high = UINT32_MAX;

	if (ch->params.opener != CHANNEL_LOCAL || !ch->has_commitments
	    || !fee_affordable_both(ch, low))
		return 0;
	/* The fee grows with the feerate: the highest affordable one is
	 * where it stops fitting.  Invariant: low fits. */
	while (low < high) {
		uint32_t mid = low + (high - low) / 2 + 1;
		if (fee_affordable_both(ch, mid))
			low = mid;
		else
			high = mid - 1;
	}
	return low;
}

uint32_t channel_next_feerate(const struct channel *ch)
{
	struct htlc_view view;
	uint32_t feerate;

	if (ch->htlcs.feerate[UPDATE_SENT])
		return ch->htlcs.feerate[UPDATE_SENT];
	htlc_set_view(&view, &ch->htlcs, CHANNEL_REMOTE, true);
	feerate = view.feerate_per_kw;
	htlc_view_free(&view);
	return feerate;
}

bool channel_update_fee(struct channel *ch, struct channel_effects *fx,
			uint32_t feerate_per_kw)
{
	uint32_t min_feerate = open_min_feerate(&ch->policy,
						ch->params.option_anchors);

	if (!channel_is_operational(ch))
		return fx_refuse(fx, "channel is %s%s",
				 channel_state_name(ch->state),
				 ch->link == LINK_UP ? "" : " and disconnected");
	/* BOLT #2:
	 * The node _not responsible_ for paying the Bitcoin fee:
	 *   - MUST NOT send `update_fee`.
	 */
	if (ch->params.opener != CHANNEL_LOCAL)
		return fx_refuse(fx, "only the funder sends update_fee");
	if (feerate_per_kw < min_feerate
	    || feerate_per_kw > ch->policy.max_feerate_per_kw)
		return fx_refuse(fx, "feerate_per_kw %u is outside %u..%u",
				 feerate_per_kw, min_feerate,
				 ch->policy.max_feerate_per_kw);
	/* BOLT #2 would allow it until the channel is clear; we leave the
	 * feerate alone once a close is under way (the closing transaction
	 * negotiates its own fee). */
	if (ch->shutdown_wanted || ch->sent_shutdown || ch->received_shutdown)
		return fx_refuse(fx, "no update_fee once a shutdown is under way");
	/* One unsigned update_fee at a time: a second would replace the
	 * first, and a retransmission could no longer repeat what the peer
	 * checked our later updates against. */
	if (ch->htlcs.feerate[UPDATE_SENT])
		return fx_refuse(fx, "an update_fee is already waiting for "
				 "channel_send_commit");
	if (!fee_affordable(ch, CHANNEL_REMOTE, feerate_per_kw)
	    || !fee_affordable(ch, CHANNEL_LOCAL, feerate_per_kw))
		return fx_refuse(fx, "we cannot afford feerate_per_kw %u",
				 feerate_per_kw);
	htlc_set_update_fee(&ch->htlcs, feerate_per_kw);
	fx_send(fx, channel_towire_fee(ch, feerate_per_kw));
	return channel_step_done(ch, fx);
}

bool channel_handle_update_fee(struct channel *ch, struct channel_effects *fx,
			       const uint8_t *msg, size_t len)
{
	struct msg_update_fee *m;
	uint32_t feerate;

	if (!channel_is_operational(ch))
		return channel_fail_with(ch, fx, "update_fee while %s",
					 channel_state_name(ch->state));
	if (!fromwire_update_fee(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed update_fee");
	feerate = m->feerate_per_kw;
	msg_update_fee_free(m);
	/* BOLT #2:
	 *   - if the sender is not responsible for paying the Bitcoin fee:
	 *     - MUST send a `warning` and close the connection, or send an
	 *       `error` and fail the channel.
	 */
	if (ch->params.opener != CHANNEL_REMOTE)
		return channel_fail_with(ch, fx, "update_fee from the peer, "
					 "which is not the funder");
	/* BOLT #2:
	 *   - if the `update_fee` is too low for timely processing, OR is unreasonably large:
	 *     - MUST send a `warning` and close the connection, or send an
	 *       `error` and fail the channel.
	 *
	 * Estimates differ between nodes: a warning, not a force close.
	 * With option_anchors the floor is lower:
	 *
	 * With `option_anchors`, `feerate_per_kw` is not as critical anymore to guarantee
	 * confirmation as it was in the legacy commitment format, but it still needs to
	 * be enough to be able to enter the mempool (satisfy min relay fee and mempool
	 * min fee).
	 */
	if (feerate < open_min_feerate(&ch->policy, ch->params.option_anchors)
	    || feerate > ch->policy.max_feerate_per_kw)
		return channel_warn_disconnect(ch, fx, "update_fee: feerate_per_kw "
					   "%u is outside %u..%u", feerate,
					   open_min_feerate(&ch->policy,
							    ch->params.option_anchors),
					   ch->policy.max_feerate_per_kw);
	/* BOLT #2:
	 *   - if the sender cannot afford the new fee rate on the receiving node's
	 *   current commitment transaction:
	 */
	htlc_set_update_fee(&ch->htlcs, feerate);
	if (!fee_affordable(ch, CHANNEL_LOCAL, feerate))
		return channel_fail_with(ch, fx, "update_fee: the funder cannot "
					 "afford feerate_per_kw %u", feerate);
	return channel_step_done(ch, fx);
}

/* ---- commitment_signed ---- */

struct wirebuf *channel_towire_commitment_signed(const struct channel *ch)
{
	struct msg_commitment_signed m;
	struct tlv_commitment_signed_tlvs *tlvs;
	struct ecdsa_signature sig, *htlc_sigs;
	struct wirebuf *buf = NULL;
	struct commitment *c;
	const char *err;

	c = channel_build_commitment(ch, CHANNEL_REMOTE, false,
				     ch->commit_num[CHANNEL_REMOTE],
				     &ch->remote_point[POINT_CURRENT], &err);
	if (!c)
		return NULL;
	htlc_sigs = wire_calloc(c->num_htlc_outputs + 1, sizeof(*htlc_sigs));
	/* BOLT #2:
	 *   - MUST include one `htlc_signature` for every HTLC transaction corresponding
	 *     to the ordering of the commitment transaction (see [BOLT #3](03-transactions.md#transaction-input-and-output-ordering)).
	 */
	if (commitment_counterparty_sign_batch(ch->ctx, ch->batch, &sig,
					       htlc_sigs, c,
					       &ch->secrets.funding,
					       &ch->secrets.htlc_basepoint_secret)) {
		memset(&m, 0, sizeof(m));
		m.channel_id = ch->channel_id;
		ecdsa_signature_serialize_compact(ch->ctx, m.signature.bytes,
						  &sig);
		m.num_htlcs = (uint16_t)c->num_htlc_outputs;
		m.htlc_signature = wire_calloc(c->num_htlc_outputs + 1,
					       sizeof(m.htlc_signature[0]));
		for (size_t k = 0; k < c->num_htlc_outputs; k++)
			ecdsa_signature_serialize_compact(
				ch->ctx, m.htlc_signature[k].bytes,
				&htlc_sigs[k]);
		/* BOLT #2:
		 *   - MUST set `funding_txid` to the funding transaction spent by this commitment
		 *     transaction.
		 */
		tlvs = tlv_commitment_signed_tlvs_new();
		tlvs->funding_txid = wire_calloc(1, sizeof(*tlvs->funding_txid));
		memcpy(tlvs->funding_txid->funding_txid.bytes,
		       ch->params.funding.txid.shad.sha.u8, 32);
		m.tlvs = tlvs;
		buf = towire_commitment_signed(&m);
		tlv_commitment_signed_tlvs_free(tlvs);
		free(m.htlc_signature);
	}
	free(htlc_sigs);
	commitment_free(c);
	return buf;
}

bool channel_do_send_commit(struct channel *ch, struct channel_effects *fx)
{
	struct wirebuf *msg;

	htlc_set_apply(&ch->htlcs, CHANNEL_LOCAL, UPDATE_EVENT_COMMIT, NULL,
		       NULL);
	ch->commit_num[CHANNEL_REMOTE]++;
	ch->remote_point[POINT_PREVIOUS] = ch->remote_point[POINT_CURRENT];
	ch->has_remote_point[POINT_PREVIOUS] = true;
	ch->remote_point[POINT_CURRENT] = ch->remote_point[POINT_NEXT];
	ch->has_remote_point[POINT_NEXT] = false;
	ch->awaiting_revoke = true;
	msg = channel_towire_commitment_signed(ch);
	if (!msg) {
		channel_fail_with(ch, fx, "cannot build the peer's commitment %"
				  PRIu64, ch->commit_num[CHANNEL_REMOTE]);
		return false;
	}
	fx_send(fx, msg);
	return true;
}

bool channel_send_commit(struct channel *ch, struct channel_effects *fx)
{
	if (!channel_is_operational(ch))
		return fx_refuse(fx, "channel is %s%s",
				 channel_state_name(ch->state),
				 ch->link == LINK_UP ? "" : " and disconnected");
	if (ch->awaiting_revoke)
		return fx_refuse(fx, "awaiting revoke_and_ack");
	if (!htlc_set_has_changes(&ch->htlcs, CHANNEL_LOCAL))
		return fx_refuse(fx, "no changes to sign");
	if (!ch->has_remote_point[POINT_NEXT])
		return fx_refuse(fx, "no per-commitment point for the peer's "
				 "next commitment");
	channel_do_send_commit(ch, fx);
	return channel_step_done(ch, fx);
}

/* Events for updates that just became irrevocable. */
static void on_complete(void *arg, const struct htlc *htlc, bool is_removal)
{
	struct channel_effects *fx = arg;

	if (!is_removal && htlc->h.offerer == CHANNEL_REMOTE) {
		fx_htlc_event(fx, CHANNEL_EVENT_HTLC_ADDED, &htlc->h);
	} else if (is_removal && htlc->h.offerer == CHANNEL_LOCAL
		   && htlc->removal != HTLC_FULFILLED) {
		/* BOLT #2:
		 *   - until the removal of an outgoing HTLC is irrevocably committed, OR until the outgoing on-chain HTLC output has been spent via the HTLC-timeout transaction (with sufficient depth):
		 *     - MUST NOT fail the incoming HTLC (`update_fail_htlc`) that corresponds
		 * to that outgoing HTLC.
		 */
		struct channel_event *ev = fx_htlc_event(fx, CHANNEL_EVENT_HTLC_FAILED,
							 &htlc->h);

		ev->fail_reason = wire_memdup(htlc->fail_reason,
					      htlc->fail_reason_len);
		ev->fail_reason_len = htlc->fail_reason_len;
		ev->is_malformed = htlc->removal == HTLC_FAILED_MALFORMED;
		ev->failure_code = htlc->failure_code;
		ev->sha256_of_onion = htlc->sha256_of_onion;
	}
}

struct wirebuf *channel_towire_revoke_and_ack(const struct channel *ch)
{
	struct msg_revoke_and_ack m;
	struct secret secret;
	struct pubkey next;
	struct wirebuf *buf;

	memset(&m, 0, sizeof(m));
	m.channel_id = ch->channel_id;
	/* BOLT #2:
	 *   - MUST set `per_commitment_secret` to the secret used to generate keys for
	 *   the previous commitment transaction.
	 *   - MUST set `next_per_commitment_point` to the values for its next commitment
	 *   transaction.
	 */
	channel_per_commitment_secret(&secret, &ch->secrets.shachain_seed,
				      ch->commit_num[CHANNEL_LOCAL] - 1);
	memcpy(m.per_commitment_secret, secret.data, 32);
	channel_local_point(ch, &next, ch->commit_num[CHANNEL_LOCAL] + 1);
	pubkey_serialize(ch->ctx, m.next_per_commitment_point.bytes, &next);
	buf = towire_revoke_and_ack(&m);
	CRYPTO_WIPE(&secret);
	crypto_wipe(m.per_commitment_secret, sizeof(m.per_commitment_secret));
	return buf;
}

/* Parses commitment_signed's signatures.  Returns: false if one is not a
 * valid encoding. */
static bool parse_sigs(const struct channel *ch,
		       const struct msg_commitment_signed *m,
		       struct ecdsa_signature *sig,
		       struct ecdsa_signature *htlc_sigs)
{
	if (!ecdsa_signature_parse_compact(ch->ctx, sig, m->signature.bytes))
		return false;
	for (size_t k = 0; k < m->num_htlcs; k++)
		if (!ecdsa_signature_parse_compact(ch->ctx, &htlc_sigs[k],
						   m->htlc_signature[k].bytes))
			return false;
	return true;
}

bool channel_handle_commitment_signed(struct channel *ch,
				      struct channel_effects *fx,
				      const uint8_t *msg, size_t len)
{
	struct msg_commitment_signed *m;
	struct ecdsa_signature sig, *htlc_sigs;
	struct commitment *c;
	struct pubkey point;
	uint64_t n = ch->commit_num[CHANNEL_LOCAL] + 1;
	const char *err = NULL;
	bool ok;

	if (!channel_is_operational(ch))
		return channel_fail_with(ch, fx, "commitment_signed while %s",
					 channel_state_name(ch->state));
	if (!fromwire_commitment_signed(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed commitment_signed");
	/* BOLT #2:
	 * A sending node:
	 *   - MUST NOT send a `commitment_signed` message that does not include any
	 * updates.
	 */
	if (!htlc_set_has_changes(&ch->htlcs, CHANNEL_REMOTE)) {
		msg_commitment_signed_free(m);
		return channel_fail_with(ch, fx, "commitment_signed without "
					 "any updates");
	}
	htlc_sigs = wire_calloc(m->num_htlcs + 1, sizeof(*htlc_sigs));
	ok = parse_sigs(ch, m, &sig, htlc_sigs);
	channel_local_point(ch, &point, n);
	c = channel_build_commitment(ch, CHANNEL_LOCAL, true, n, &point, &err);
	/* BOLT #2:
	 * A receiving node:
	 *   - once all pending updates are applied:
	 *     - if `signature` is not valid for its local commitment transaction OR non-compliant with LOW-S-standard rule <sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
	 *
	 * commitment_counterparty_verify_batch() checks the count and every HTLC
	 * signature too. */
	if (!ok)
		err = "a signature is not a valid encoding";
	else if (c)
		ok = commitment_counterparty_verify_batch(ch->ctx, ch->batch,
							  c, &sig, htlc_sigs,
							  m->num_htlcs, &err);
	else
		ok = false;
	commitment_free(c);
	if (!ok) {
		free(htlc_sigs);
		msg_commitment_signed_free(m);
		return channel_fail_with(ch, fx, "commitment_signed: %s", err);
	}
	htlc_set_apply(&ch->htlcs, CHANNEL_REMOTE, UPDATE_EVENT_COMMIT, NULL,
		       NULL);
	ch->commit_num[CHANNEL_LOCAL] = n;
	ch->local_commit_sig = sig;
	free(ch->local_htlc_sigs);
	ch->local_htlc_sigs = htlc_sigs;
	ch->num_local_htlc_sigs = m->num_htlcs;
	msg_commitment_signed_free(m);

	/* BOLT #2:
	 *   - Otherwise:
	 *     - MUST respond with a `revoke_and_ack` message.
	 */
	fx_send(fx, channel_towire_revoke_and_ack(ch));
	htlc_set_apply(&ch->htlcs, CHANNEL_LOCAL, UPDATE_EVENT_REVOKE,
		       on_complete, fx);
	ch->last_revoke_order = ++ch->htlcs.next_order;
	return channel_step_done(ch, fx);
}

bool channel_handle_revoke_and_ack(struct channel *ch,
				   struct channel_effects *fx,
				   const uint8_t *msg, size_t len)
{
	struct msg_revoke_and_ack *m;
	struct privkey key;
	struct pubkey point, next;
	const char *bad = NULL;
	uint64_t revoked = ch->commit_num[CHANNEL_REMOTE] - 1;

	if (!channel_is_operational(ch))
		return channel_fail_with(ch, fx, "revoke_and_ack while %s",
					 channel_state_name(ch->state));
	if (!ch->awaiting_revoke)
		return channel_fail_with(ch, fx, "unexpected revoke_and_ack");
	if (!fromwire_revoke_and_ack(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed revoke_and_ack");
	memcpy(key.secret.data, m->per_commitment_secret, 32);
	/* BOLT #2:
	 *   - if `per_commitment_secret` is not a valid secret key or does not generate the previous `per_commitment_point`:
	 *     - MUST send an `error` and fail the channel.
	 */
	if (!pubkey_from_privkey(ch->ctx, &point, &key)
	    || !pubkey_eq(ch->ctx, &point, &ch->remote_point[POINT_PREVIOUS]))
		bad = "per_commitment_secret does not generate the previous "
		      "per_commitment_point";
	/* BOLT #2:
	 *   - if the `per_commitment_secret` was not generated by the protocol in [BOLT #3](03-transactions.md#per-commitment-secret-requirements):
	 *     - MAY send a `warning` and close the connection, or send an
	 *       `error` and fail the channel.
	 */
	else if (!shachain_insert(&ch->remote_secrets,
				  SHACHAIN_MAX_INDEX - revoked, &key.secret))
		bad = "per_commitment_secret was not generated by the protocol";
	else if (!pubkey_parse(ch->ctx, &next, m->next_per_commitment_point.bytes))
		bad = "next_per_commitment_point is not a valid point";
	CRYPTO_WIPE(&key);
	msg_revoke_and_ack_free(m);
	if (bad)
		return channel_fail_with(ch, fx, "revoke_and_ack: %s", bad);
	ch->remote_point[POINT_NEXT] = next;
	ch->has_remote_point[POINT_NEXT] = true;
	ch->has_remote_point[POINT_PREVIOUS] = false;
	ch->awaiting_revoke = false;
	htlc_set_apply(&ch->htlcs, CHANNEL_REMOTE, UPDATE_EVENT_REVOKE,
		       on_complete, fx);
	/* A withdrawn HTLC held for this commitment: the version the peer
	 * may hold is now revoked, so it can no longer be claimed without
	 * our penalty taking everything. */
	channel_release_held(ch, fx, revoked);
	return channel_step_done(ch, fx);
}
