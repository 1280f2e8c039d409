/* Disconnection and reconnection (BOLT #2 "Message Retransmission").
 *
 * On disconnection we forget the peer's unsigned updates (it sends them
 * again) but keep ours.  On reconnection each side says which
 * commitment_signed and revoke_and_ack it expects next, and we send again
 * what it missed, in the order we first sent it.
 *
 * The peer checks each of our updates against the commitment it goes
 * into, and after a reconnection that commitment may hold more of the
 * peer's own HTLCs than when we sent ours (our revocations that came
 * after our update arrived, the update did not).  As funder, a new HTLC
 * there raises the fee we pay, so an update the peer accepted once may
 * not fit now.  So: if the peer missed our last commitment_signed, we
 * undo it rather than repeat it; we then withdraw, newest first, any
 * unsigned addition (and update_fee) that would no longer fit in the
 * worst order, and sign the rest again.  A withdrawn HTLC that was only
 * ever in our update_add_htlc fails upstream at once.  One that the lost
 * commitment_signed carried may be in a commitment the peer holds after
 * all (it need not tell the truth), with an output it can claim with the
 * preimage: it leaves the set all the same (its id is offered again, as
 * the peer expects), but its failure is held until the peer revokes that
 * commitment number (both versions of it share the per-commitment point,
 * so the old one becomes penalisable) or the funding output is spent
 * without it (state_onchain.c).  BOLT #5: fail upstream only once no
 * *valid* commitment transaction has an output for the HTLC. */
#include "channel/state_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secp.h"
#include "crypto/util.h"

bool channel_disconnected(struct channel *ch, struct channel_effects *fx)
{
	uint64_t lowest;

	/* Already down: we closed the connection ourselves. */
	if (ch->link == LINK_DOWN)
		return true;
	ch->link = LINK_DOWN;
	channel_simple_close_forget(ch);
	channel_announce_forget_link(ch);
	if (channel_is_finished(ch))
		return channel_step_done(ch, fx);
	/* BOLT #2:
	 * A funding node:
	 *   - upon disconnection:
	 *     - if it has broadcast the funding transaction:
	 *       - MUST remember the channel for reconnection.
	 *     - otherwise:
	 *       - SHOULD NOT remember the channel for reconnection.
	 */
	if (!ch->has_commitments) {
		ch->state = CHANNEL_FORGOTTEN;
		fx_event(fx, CHANNEL_EVENT_FORGET);
		return channel_step_done(ch, fx);
	}
	/* BOLT #2:
	 *   - upon disconnection:
	 *     - MUST reverse any uncommitted updates sent by the other side (i.e. all
	 *     messages beginning with `update_` for which no `commitment_signed` has
	 *     been received).
	 */
	lowest = htlc_set_revert_uncommitted(&ch->htlcs, CHANNEL_REMOTE);
	if (lowest != UINT64_MAX)
		ch->next_htlc_id[CHANNEL_REMOTE] = lowest;
	/* BOLT #2:
	 * To avoid keeping state and to handle the corner case, where fees have shifted
	 * between disconnection and reconnection, negotiation restarts on reconnection.
	 */
	ch->sent_closing = ch->received_closing = false;
	if (ch->has_next_policy) {
		ch->policy = ch->next_policy;
		ch->has_next_policy = false;
	}
	if (ch->state == CHANNEL_NEGOTIATING_CLOSE)
		ch->state = CHANNEL_SHUTTING_DOWN;
	return channel_step_done(ch, fx);
}

bool channel_reconnected(struct channel *ch, struct channel_effects *fx)
{
	struct msg_channel_reestablish m;
	struct secret secret;
	struct pubkey point;

	if (ch->link != LINK_DOWN)
		return fx_refuse(fx, "not disconnected");
	if (ch->state == CHANNEL_FORGOTTEN)
		return fx_refuse(fx, "channel is forgotten");
	if (channel_is_finished(ch) && ch->state != CHANNEL_CLOSED) {
		/* BOLT #2:
		 *   - upon reconnection:
		 *     - if a channel is in an error state:
		 *       - SHOULD retransmit the error packet and ignore any other packets for
		 *       that channel.
		 */
		ch->link = LINK_UP;
		if (ch->error_text)
			fx_send(fx, towire_error_text(channel_get_id(ch),
						      ch->error_text));
		return channel_step_done(ch, fx);
	}

	memset(&m, 0, sizeof(m));
	m.channel_id = ch->channel_id;
	/* BOLT #2:
	 * The sending node:
	 *   - MUST set `next_commitment_number` to the commitment number of the
	 *   next `commitment_signed` it expects to receive.
	 *   - MUST set `next_revocation_number` to the commitment number of the
	 *   next `revoke_and_ack` message it expects to receive.
	 *   - MUST set `my_current_per_commitment_point` to a valid point.
	 *   - if `next_revocation_number` equals 0:
	 *     - MUST set `your_last_per_commitment_secret` to all zeroes
	 *   - otherwise:
	 *     - MUST set `your_last_per_commitment_secret` to the last `per_commitment_secret` it received
	 */
	m.next_commitment_number = ch->commit_num[CHANNEL_LOCAL] + 1;
	m.next_revocation_number = ch->commit_num[CHANNEL_REMOTE]
		- (ch->awaiting_revoke ? 1 : 0);
	if (m.next_revocation_number > 0
	    && shachain_get(&secret, &ch->remote_secrets,
			    SHACHAIN_MAX_INDEX - (m.next_revocation_number - 1))) {
		memcpy(m.your_last_per_commitment_secret, secret.data, 32);
		CRYPTO_WIPE(&secret);
	}
	channel_local_point(ch, &point, ch->commit_num[CHANNEL_LOCAL]);
	pubkey_serialize(ch->ctx, m.my_current_per_commitment_point.bytes,
			 &point);
	fx_send(fx, towire_channel_reestablish(&m));
	ch->link = LINK_REESTABLISHING;
	return channel_step_done(ch, fx);
}

/* The peer proved it has seen a revocation from us that we do not
 * remember: our commitment is revoked, and broadcasting it would lose
 * everything. */
/* The peer never got our last commitment_signed: undo it. */
static void undo_commit(struct channel *ch)
{
	htlc_set_undo_commit(&ch->htlcs, CHANNEL_LOCAL);
	ch->commit_num[CHANNEL_REMOTE]--;
	ch->remote_point[POINT_NEXT] = ch->remote_point[POINT_CURRENT];
	ch->has_remote_point[POINT_NEXT] = true;
	ch->remote_point[POINT_CURRENT] = ch->remote_point[POINT_PREVIOUS];
	ch->has_remote_point[POINT_PREVIOUS] = false;
	ch->awaiting_revoke = false;
}

/* Our newest unsigned addition, or NULL. */
static struct htlc *newest_unsigned_add(struct channel *ch, size_t *index)
{
	struct htlc *newest = NULL;

	for (size_t i = 0; i < ch->htlcs.num; i++) {
		struct htlc *htlc = &ch->htlcs.htlcs[i];

		if (htlc->h.offerer == CHANNEL_LOCAL
		    && htlc->add_step == UPDATE_SENT
		    && (!newest || htlc->h.id > newest->h.id)) {
			newest = htlc;
			*index = i;
		}
	}
	return newest;
}

/* An event about our HTLC h, withdrawn after a reconnection; key names
 * its held failure (0: not held, it fails now). */
static void withdrawn_event(struct channel_effects *fx, enum channel_event_type type,
			    const struct channel_htlc *h, uint64_t key)
{
	struct channel_event *ev = fx_htlc_event(fx, type, h);

	ev->is_withdrawn = true;
	ev->withdrawn_key = key;
}

void channel_report_held(struct channel_effects *fx,
			 const struct held_failure *held)
{
	withdrawn_event(fx, CHANNEL_EVENT_HTLC_FAILED, &held->h, held->key);
}

void channel_release_held(struct channel *ch, struct channel_effects *fx,
			  uint64_t revoked)
{
	size_t kept = 0;

	for (size_t i = 0; i < ch->num_held; i++) {
		if (ch->held[i].commit_num <= revoked)
			channel_report_held(fx, &ch->held[i]);
		else
			ch->held[kept++] = ch->held[i];
	}
	ch->num_held = kept;
}

uint32_t channel_held_expiry(const struct channel *ch)
{
	uint32_t earliest = 0;

	for (size_t i = 0; i < ch->num_held; i++)
		if (!earliest || ch->held[i].h.cltv_expiry < earliest)
			earliest = ch->held[i].h.cltv_expiry;
	return earliest;
}

void channel_held_append(struct channel *ch, const struct held_failure *held)
{
	struct held_failure *more = wire_calloc(ch->num_held + 1, sizeof(*more));

	if (ch->num_held)
		memcpy(more, ch->held, ch->num_held * sizeof(*more));
	more[ch->num_held++] = *held;
	free(ch->held);
	ch->held = more;
}

/* Holds the failure of htlc, withdrawn from the peer's commitment n. */
static void hold(struct channel *ch, struct channel_effects *fx,
		 const struct htlc *htlc, uint64_t n)
{
	struct held_failure held = { htlc->h, n, htlc->add_order };

	channel_held_append(ch, &held);
	withdrawn_event(fx, CHANNEL_EVENT_HTLC_WITHDRAWN, &htlc->h, held.key);
}

/* Withdraws our unsigned additions, newest first (so the ids the peer
 * sees stay consecutive), then our unsigned update_fee, until the rest
 * fits the peer's next commitment in any order.  Those with add_order up
 * to signed_order were in our lost commitment_signed for the peer's
 * commitment undone (0: none was lost). */
static void withdraw_what_no_longer_fits(struct channel *ch,
					 struct channel_effects *fx,
					 uint64_t signed_order, uint64_t undone)
{
	for (;;) {
		struct htlc_view view;
		struct htlc *htlc;
		size_t index = 0;
		bool fits;

		htlc = newest_unsigned_add(ch, &index);
		htlc_set_view_for_replay(&view, &ch->htlcs, CHANNEL_LOCAL);
		fits = channel_can_afford(ch, &view, CHANNEL_REMOTE,
					  CHANNEL_LOCAL, htlc != NULL);
		htlc_view_free(&view);
		if (fits)
			return;
		if (!htlc) {
			if (ch->htlcs.feerate[UPDATE_SENT]
			    && ch->params.opener == CHANNEL_LOCAL) {
				ch->htlcs.feerate[UPDATE_SENT] = 0;
				ch->htlcs.fee_order[UPDATE_SENT] = 0;
				continue;
			}
			return;
		}
		if (htlc->add_order <= signed_order) {
			hold(ch, fx, htlc, undone);
		} else {
			withdrawn_event(fx, CHANNEL_EVENT_HTLC_FAILED, &htlc->h, 0);
		}
		ch->next_htlc_id[CHANNEL_LOCAL] = htlc->h.id;
		htlc_set_remove(&ch->htlcs, index);
	}
}

/* The newest add_order among our additions our last commitment_signed
 * carried (UPDATE_COMMITTED: the peer has not revoked for them yet), 0 if
 * none.  Every addition we sent before it is among them. */
static uint64_t last_signed_order(const struct channel *ch)
{
	uint64_t order = 0;

	for (size_t i = 0; i < ch->htlcs.num; i++) {
		const struct htlc *htlc = &ch->htlcs.htlcs[i];

		if (htlc->h.offerer == CHANNEL_LOCAL
		    && htlc->add_step == UPDATE_COMMITTED
		    && htlc->add_order > order)
			order = htlc->add_order;
	}
	return order;
}

static bool fell_behind(struct channel *ch, struct channel_effects *fx,
			uint64_t next_revocation_number)
{
	/* BOLT #2:
	 *   - if `next_revocation_number` is greater than expected above, AND
	 *     `your_last_per_commitment_secret` is correct for that
	 *     `next_revocation_number` minus 1:
	 *     - MUST NOT broadcast its commitment transaction.
	 *     - SHOULD send an `error` to request the peer to fail the channel.
	 */
	ch->state = CHANNEL_DATA_LOSS;
	ch->link = LINK_UP;
	return channel_fail_with(ch, fx, "we have lost channel state: the "
				 "peer expects revocation %" PRIu64 " but our "
				 "latest commitment is %" PRIu64
				 "; please fail the channel",
				 next_revocation_number,
				 ch->commit_num[CHANNEL_LOCAL]);
}

/* Whether secret is our per-commitment secret for commitment n. */
static bool is_our_secret(const struct channel *ch, const uint8_t secret[32],
			  uint64_t n)
{
	struct secret ours;
	bool same;

	if (!channel_per_commitment_secret(&ours, &ch->secrets.shachain_seed, n))
		return false;
	same = crypto_memeq(ours.data, secret, 32);
	CRYPTO_WIPE(&ours);
	return same;
}

bool channel_handle_channel_reestablish(struct channel *ch,
					struct channel_effects *fx,
					const uint8_t *msg, size_t len)
{
	struct msg_channel_reestablish *m;
	uint64_t next_commit, next_revoke, our_next_revoke;
	uint64_t signed_order = 0, undone = 0;
	bool resend_commit = false, resend_revoke = false, secret_ok;

	if (ch->link != LINK_REESTABLISHING)
		return channel_fail_with(ch, fx, "unexpected channel_reestablish");
	if (!fromwire_channel_reestablish(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed channel_reestablish");
	next_commit = m->next_commitment_number;
	next_revoke = m->next_revocation_number;
	secret_ok = next_revoke == 0
		|| is_our_secret(ch, m->your_last_per_commitment_secret,
				 next_revoke - 1);
	msg_channel_reestablish_free(m);
	/* The revoke_and_ack it expects next is for our commitment before
	 * the latest, or (if it got our last one) the latest. */
	our_next_revoke = ch->commit_num[CHANNEL_LOCAL];

	/* BOLT #2:
	 * A node:
	 *   - if `next_commitment_number` is zero:
	 *     - MUST immediately fail the channel and broadcast any relevant latest commitment
	 *       transaction.
	 */
	if (next_commit == 0) {
		ch->link = LINK_UP;
		return channel_fail_with(ch, fx, "channel_reestablish: "
					 "next_commitment_number is 0");
	}
	if (next_revoke > our_next_revoke && secret_ok)
		return fell_behind(ch, fx, next_revoke);
	ch->link = LINK_UP;
	/* BOLT #2:
	 *   - otherwise:
	 *     - if `your_last_per_commitment_secret` does not match the expected values:
	 *       - SHOULD send an `error` and fail the channel.
	 */
	if (!secret_ok)
		return channel_fail_with(ch, fx, "channel_reestablish: "
					 "your_last_per_commitment_secret is "
					 "not our secret %" PRIu64,
					 next_revoke - 1);
	/* BOLT #2:
	 *   - if `next_revocation_number` is equal to the commitment number of
	 *   the last `revoke_and_ack` the receiving node sent, AND the receiving node
	 *   hasn't already received a `closing_signed`:
	 *     - MUST re-send the `revoke_and_ack`.
	 */
	if (our_next_revoke > 0 && next_revoke == our_next_revoke - 1)
		resend_revoke = true;
	else if (next_revoke != our_next_revoke)
		return channel_fail_with(ch, fx, "channel_reestablish: "
					 "next_revocation_number %" PRIu64
					 ", expected %" PRIu64, next_revoke,
					 our_next_revoke);
	/* BOLT #2:
	 *   - if `next_commitment_number` is equal to the commitment number of
	 *   the last `commitment_signed` message the receiving node has sent:
	 *     - MUST reuse the same commitment number for its next `commitment_signed`.
	 *   - otherwise:
	 *     - if `next_commitment_number` is not equal to the commitment number of the
	 *       next `commitment_signed` that the receiving node would send:
	 *       - SHOULD send an `error` and fail the channel.
	 *
	 * We undo the lost one, so the next one gets its number. */
	if (ch->awaiting_revoke && next_commit == ch->commit_num[CHANNEL_REMOTE])
		resend_commit = true;
	else if (next_commit != ch->commit_num[CHANNEL_REMOTE] + 1)
		return channel_fail_with(ch, fx, "channel_reestablish: "
					 "next_commitment_number %" PRIu64
					 ", expected %" PRIu64, next_commit,
					 ch->commit_num[CHANNEL_REMOTE] + 1);
	if (resend_commit) {
		undone = ch->commit_num[CHANNEL_REMOTE];
		signed_order = last_signed_order(ch);
		undo_commit(ch);
	}
	withdraw_what_no_longer_fits(ch, fx, signed_order, undone);

	/* BOLT #2:
	 *   - if `next_commitment_number` is 1 in both the `channel_reestablish` it
	 *     sent and received, and none of those `channel_reestablish` messages
	 *     contain `my_current_funding_locked` or `next_funding` for a splice transaction:
	 *     - MUST retransmit `channel_ready`.
	 */
	if (next_commit == 1 && ch->commit_num[CHANNEL_LOCAL] == 0
	    && ch->sent_channel_ready)
		fx_send(fx, channel_towire_channel_ready(ch));

	/* BOLT #2:
	 *     - if it has previously sent a `commitment_signed` that needs to be
	 *     retransmitted:
	 *       - MUST retransmit `revoke_and_ack` and `commitment_signed` in the same
	 *       relative order as initially transmitted.
	 *
	 * Our new commitment_signed is built for the order we send in now:
	 * the peer computes the commitment from that order, so it matches. */
	if (!channel_retransmit(ch, fx, resend_revoke, resend_commit))
		return true;
	return channel_step_done(ch, fx);
}
