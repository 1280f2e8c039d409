/* Mutual close (BOLT #2 "Closing Initiation: `shutdown`" and "Legacy
 * Closing Negotiation: `closing_signed`"; with option_simple_close the
 * negotiation is state_close_simple.c's).
 *
 * shutdown goes out once every update (the peer's too) is signed into
 * the peer's commitment; after both, HTLCs drain; once none is left (and
 * no update or revocation is outstanding) the funder proposes a fee with
 * its fee_range, and the fundee agrees or counters within the overlap.  We
 * always send fee_range; a peer that does not gets the legacy "strictly
 * between" negotiation.  Both sides end with a fully signed closing
 * transaction. */
#include "channel/state_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secp.h"

struct wirebuf *channel_towire_shutdown(const struct channel *ch)
{
	struct msg_shutdown m;

	m.channel_id = ch->channel_id;
	m.len = (uint16_t)ch->shutdown_script_len[CHANNEL_LOCAL];
	m.scriptpubkey = ch->shutdown_script[CHANNEL_LOCAL];
	return towire_shutdown(&m);
}

bool channel_same_script(const uint8_t *a, size_t a_len, const uint8_t *b,
			 size_t b_len)
{
	return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

bool channel_breaks_upfront(const struct channel *ch, const uint8_t *script,
			    size_t len)
{
	return ch->remote_upfront_script_len
		&& !channel_same_script(script, len, ch->remote_upfront_script,
					ch->remote_upfront_script_len);
}

bool channel_shutdown(struct channel *ch, struct channel_effects *fx,
		      const uint8_t *script, size_t script_len)
{
	if (!ch->has_commitments || channel_is_finished(ch))
		return fx_refuse(fx, "channel is %s",
				 channel_state_name(ch->state));
	if (ch->shutdown_wanted || ch->sent_shutdown)
		return fx_refuse(fx, "shutdown already sent");
	if (script) {
		if (script_len > UINT16_MAX
		    || !close_script_is_valid(script, script_len, &ch->features))
			return fx_refuse(fx, "not a valid shutdown scriptpubkey");
		/* BOLT #2:
		 *   - if it sent a non-zero-length `shutdown_scriptpubkey` in `open_channel` or `accept_channel`:
		 *     - MUST send the same value in `scriptpubkey`.
		 */
		if (ch->upfront_sent
		    && !channel_same_script(script, script_len,
				    ch->shutdown_script[CHANNEL_LOCAL],
				    ch->shutdown_script_len[CHANNEL_LOCAL]))
			return fx_refuse(fx, "we committed to another "
					 "upfront_shutdown_script");
		free(ch->shutdown_script[CHANNEL_LOCAL]);
		ch->shutdown_script[CHANNEL_LOCAL] = wire_memdup(script,
								 script_len);
		ch->shutdown_script_len[CHANNEL_LOCAL] = script_len;
	}
	ch->shutdown_wanted = true;
	return channel_step_done(ch, fx);
}


/* A shutdown retransmitted with option_simple_close: BOLT #2 gives "the
 * opportunity for both nodes to send their latest output script in
 * `shutdown`" on reconnection, so it may carry a new one.  Takes m. */
static bool new_script(struct channel *ch, struct channel_effects *fx,
		       struct msg_shutdown *m)
{
	if (!close_script_is_valid(m->scriptpubkey, m->len, &ch->features)) {
		msg_shutdown_free(m);
		return channel_warn_disconnect(ch, fx, "shutdown: scriptpubkey "
					       "is not a valid shutdown form");
	}
	if (channel_breaks_upfront(ch, m->scriptpubkey, m->len)) {
		msg_shutdown_free(m);
		return channel_fail_with(ch, fx, "shutdown: scriptpubkey is not "
					 "the upfront_shutdown_script");
	}
	free(ch->shutdown_script[CHANNEL_REMOTE]);
	ch->shutdown_script[CHANNEL_REMOTE] = m->scriptpubkey;
	ch->shutdown_script_len[CHANNEL_REMOTE] = m->len;
	m->scriptpubkey = NULL;
	msg_shutdown_free(m);
	ch->shutdown_on_link = true;
	return channel_step_done(ch, fx);
}

bool channel_handle_shutdown(struct channel *ch, struct channel_effects *fx,
			     const uint8_t *msg, size_t len)
{
	struct msg_shutdown *m;
	bool ok;

	/* BOLT #2:
	 * A receiving node:
	 *   - if it hasn't received a `funding_signed` (if it is a funder) or a `funding_created` (if it is a fundee):
	 *     - SHOULD send an `error` and fail the channel.
	 */
	if (!ch->has_commitments)
		return channel_fail_with(ch, fx, "shutdown before funding");
	if (!fromwire_shutdown(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed shutdown");
	if (ch->received_shutdown && ch->features.option_simple_close)
		return new_script(ch, fx, m);
	if (ch->received_shutdown) {
		/* Retransmitted on reconnection: the same script again. */
		ok = channel_same_script(m->scriptpubkey, m->len,
				 ch->shutdown_script[CHANNEL_REMOTE],
				 ch->shutdown_script_len[CHANNEL_REMOTE]);
		msg_shutdown_free(m);
		if (!ok)
			return channel_fail_with(ch, fx, "shutdown: a second "
						 "shutdown with another "
						 "scriptpubkey");
		return true;
	}
	/* BOLT #2:
	 *   - if the `scriptpubkey` is not in one of the above forms:
	 *     - SHOULD send a `warning`.
	 *
	 * and we cannot close to it, so we ignore the shutdown. */
	if (!close_script_is_valid(m->scriptpubkey, m->len, &ch->features)) {
		msg_shutdown_free(m);
		fx_send(fx, towire_warning_text(&ch->channel_id,
						"shutdown: scriptpubkey is not "
						"a valid shutdown form"));
		return true;
	}
	/* BOLT #2:
	 *   - if both nodes advertised the `option_upfront_shutdown_script` feature, and the receiving node received a non-zero-length `shutdown_scriptpubkey` in `open_channel` or `accept_channel`, and that `shutdown_scriptpubkey` is not equal to `scriptpubkey`:
	 *     - MAY send a `warning`.
	 *     - MUST fail the connection.
	 *
	 * We fail the channel: the peer broke a promise about where funds go. */
	if (channel_breaks_upfront(ch, m->scriptpubkey, m->len)) {
		msg_shutdown_free(m);
		return channel_fail_with(ch, fx, "shutdown: scriptpubkey is not "
					 "the upfront_shutdown_script");
	}
	/* BOLT #2:
	 *   - if there are updates pending on the receiving node's commitment transaction:
	 *     - MUST NOT send a `shutdown`.
	 */
	if (htlc_set_has_uncommitted(&ch->htlcs, CHANNEL_REMOTE)) {
		msg_shutdown_free(m);
		return channel_fail_with(ch, fx, "shutdown with updates not "
					 "yet signed");
	}
	free(ch->shutdown_script[CHANNEL_REMOTE]);
	ch->shutdown_script[CHANNEL_REMOTE] = m->scriptpubkey;
	ch->shutdown_script_len[CHANNEL_REMOTE] = m->len;
	m->scriptpubkey = NULL;
	msg_shutdown_free(m);
	ch->received_shutdown = true;
	ch->shutdown_on_link = ch->features.option_simple_close;
	/* BOLT #2:
	 *   - once there are no outstanding updates on the peer, UNLESS it has already sent a `shutdown`:
	 *     - MUST reply to a `shutdown` message with a `shutdown`
	 */
	ch->shutdown_wanted = true;
	if (ch->state == CHANNEL_NORMAL || ch->state == CHANNEL_AWAITING_LOCKIN)
		ch->state = CHANNEL_SHUTTING_DOWN;
	return channel_step_done(ch, fx);
}

/* ---- Fee negotiation ---- */

void channel_close_outputs(const struct channel *ch, struct close_outputs *out)
{
	struct htlc_view view;

	htlc_set_view(&view, &ch->htlcs, CHANNEL_LOCAL, false);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++) {
		out->script[side] = ch->shutdown_script[side];
		out->script_len[side] = ch->shutdown_script_len[side];
		out->balance_msat[side] = (uint64_t)view.balance_msat[side];
	}
	htlc_view_free(&view);
}

/* Our fee_range and the fee we would like, for this closing transaction. */
static uint64_t our_fees(const struct channel *ch,
			 const struct close_outputs *outs,
			 struct close_fee_range *range)
{
	struct bitcoin_tx *tx = close_tx_new(&ch->params, outs, 0, 0, false,
					     CHANNEL_LOCAL);
	uint64_t weight = close_tx_weight(tx);
	uint64_t opener_sat = outs->balance_msat[ch->params.opener] / 1000;
	uint64_t ideal = ch->policy.closing_feerate_per_kw * weight / 1000;
	uint64_t high = ch->policy.max_feerate_per_kw * weight / 1000;

	bitcoin_tx_free(tx);
	range->min_fee_sat = ch->policy.min_feerate_per_kw * weight / 1000;
	/* BOLT #2:
	 *   - if it is not the funder:
	 *     - SHOULD set `max_fee_satoshis` to at least the `max_fee_satoshis` received
	 *     - SHOULD set `min_fee_satoshis` to a fairly low value
	 *
	 * The fundee pays nothing, so any fee the funder can pay is fine. */
	range->max_fee_sat = ch->params.opener == CHANNEL_LOCAL
		? (high > ideal ? high : ideal) : opener_sat;
	if (range->max_fee_sat > opener_sat)
		range->max_fee_sat = opener_sat;
	if (range->min_fee_sat > range->max_fee_sat)
		range->min_fee_sat = range->max_fee_sat;
	if (ideal < range->min_fee_sat)
		ideal = range->min_fee_sat;
	if (ideal > range->max_fee_sat)
		ideal = range->max_fee_sat;
	return ideal;
}

/* Signs tx and sends closing_signed for fee_sat with our range. */
static void send_closing_signed(struct channel *ch, struct channel_effects *fx,
				uint64_t fee_sat, const struct bitcoin_tx *tx,
				const struct close_fee_range *range)
{
	struct msg_closing_signed m;
	struct tlv_closing_signed_tlvs *tlvs;
	struct ecdsa_signature sig;

	close_tx_sign(ch->ctx, &sig, tx, &ch->params, &ch->secrets.funding);
	memset(&m, 0, sizeof(m));
	m.channel_id = ch->channel_id;
	m.fee_satoshis = fee_sat;
	ecdsa_signature_serialize_compact(ch->ctx, m.signature.bytes, &sig);
	/* BOLT #2:
	 *   - SHOULD set `fee_range` according to the minimum and maximum fees it is
	 *   prepared to pay for a close transaction.
	 */
	tlvs = tlv_closing_signed_tlvs_new();
	tlvs->fee_range = wire_calloc(1, sizeof(*tlvs->fee_range));
	tlvs->fee_range->min_fee_satoshis = range->min_fee_sat;
	tlvs->fee_range->max_fee_satoshis = range->max_fee_sat;
	m.tlvs = tlvs;
	fx_send(fx, towire_closing_signed(&m));
	tlv_closing_signed_tlvs_free(tlvs);
	ch->sent_closing = true;
	ch->closing_fee_sent = fee_sat;
}

/* Our own variant of the closing transaction: below our dust limit out. */
static struct bitcoin_tx *our_variant(const struct channel *ch,
				      const struct close_outputs *outs,
				      uint64_t fee_sat)
{
	return close_tx_new(&ch->params, outs, fee_sat,
			    ch->config[CHANNEL_LOCAL].dust_limit_sat, false,
			    CHANNEL_LOCAL);
}

bool channel_is_clear(const struct channel *ch)
{
	return ch->sent_shutdown && ch->received_shutdown
		&& htlc_set_is_empty(&ch->htlcs) && !ch->awaiting_revoke;
}

bool channel_close_progress(struct channel *ch, struct channel_effects *fx)
{
	if (!ch->has_commitments)
		return true;
	if (ch->shutdown_wanted && !ch->sent_shutdown) {
		/* BOLT #2:
		 *   - if there are updates pending on the receiving node's commitment transaction:
		 *     - MUST NOT send a `shutdown`.
		 *
		 * Pending there is anything our commitment_signed would
		 * carry: our unsigned updates, and the peer's that we
		 * acknowledged but have not signed back (an update_fee
		 * from a funder that sends shutdown right after it). */
		if (htlc_set_has_changes(&ch->htlcs, CHANNEL_LOCAL)) {
			if (!channel_is_operational(ch) || ch->awaiting_revoke
			    || !ch->has_remote_point[POINT_NEXT])
				return true;
			if (!channel_do_send_commit(ch, fx))
				return false;
		}
		fx_send(fx, channel_towire_shutdown(ch));
		ch->sent_shutdown = true;
		ch->shutdown_order = ++ch->htlcs.next_order;
		if (ch->state == CHANNEL_NORMAL
		    || ch->state == CHANNEL_AWAITING_LOCKIN)
			ch->state = CHANNEL_SHUTTING_DOWN;
	}
	if (ch->state == CHANNEL_SHUTTING_DOWN && channel_is_clear(ch))
		ch->state = CHANNEL_NEGOTIATING_CLOSE;
	if (ch->features.option_simple_close) {
		channel_simple_close_progress(ch, fx);
		return true;
	}
	/* BOLT #2:
	 * The funding node:
	 *   - after `shutdown` has been received, AND no HTLCs remain in either commitment transaction:
	 *     - SHOULD send a `closing_signed` message.
	 */
	if (ch->state == CHANNEL_NEGOTIATING_CLOSE
	    && ch->params.opener == CHANNEL_LOCAL && !ch->sent_closing) {
		struct close_outputs outs;
		struct close_fee_range range;
		struct bitcoin_tx *tx;
		uint64_t fee;

		channel_close_outputs(ch, &outs);
		fee = our_fees(ch, &outs, &range);
		tx = our_variant(ch, &outs, fee);
		send_closing_signed(ch, fx, fee, tx, &range);
		bitcoin_tx_free(tx);
	}
	return true;
}

/* Both signatures on tx: hand it over, the channel is closed. */
static void finish_close(struct channel *ch, struct channel_effects *fx,
			 struct bitcoin_tx *tx,
			 const struct ecdsa_signature *theirs)
{
	struct ecdsa_signature sigs[CHANNEL_NUM_SIDES];
	struct channel_event *ev;

	close_tx_sign(ch->ctx, &sigs[CHANNEL_LOCAL], tx, &ch->params,
		      &ch->secrets.funding);
	sigs[CHANNEL_REMOTE] = *theirs;
	close_tx_finalize(ch->ctx, tx, &ch->params, sigs);
	ev = fx_event(fx, CHANNEL_EVENT_CLOSE_BROADCAST);
	ev->tx = tx;
	ch->state = CHANNEL_CLOSED;
}

/* The variant of the closing transaction for fee_sat that sig signs: the
 * peer's outputs above its dust limit, with or without its own output.
 * Returns: NULL if neither verifies. */
static struct bitcoin_tx *their_variant(const struct channel *ch,
					const struct close_outputs *outs,
					uint64_t fee_sat,
					const struct ecdsa_signature *sig)
{
	/* BOLT #2:
	 *   - if the `signature` is not valid for either variant of closing transaction
	 *   specified in [BOLT #3](03-transactions.md#closing-transaction) OR non-compliant with LOW-S-standard rule<sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
	 */
	for (int omit = 0; omit < 2; omit++) {
		struct bitcoin_tx *tx = close_tx_new(
			&ch->params, outs, fee_sat,
			ch->config[CHANNEL_REMOTE].dust_limit_sat, omit,
			CHANNEL_REMOTE);

		if (tx && close_tx_verify(ch->ctx, tx, &ch->params,
					  CHANNEL_REMOTE, sig))
			return tx;
		bitcoin_tx_free(tx);
	}
	return NULL;
}

/* We agree to fee_sat: say so (unless we proposed it), and finish. */
static bool agree(struct channel *ch, struct channel_effects *fx,
		  uint64_t fee_sat, struct bitcoin_tx *tx,
		  const struct ecdsa_signature *theirs,
		  const struct close_fee_range *range)
{
	if (!ch->sent_closing || ch->closing_fee_sent != fee_sat)
		send_closing_signed(ch, fx, fee_sat, tx, range);
	finish_close(ch, fx, tx, theirs);
	return channel_step_done(ch, fx);
}

static bool in_range(uint64_t fee, const struct close_fee_range *r)
{
	return fee >= r->min_fee_sat && fee <= r->max_fee_sat;
}

/* We closed, but the peer negotiates again (our last closing_signed was
 * lost with the connection): tell it the fee we agreed on, which it
 * accepted once and will again. */
static bool repeat_agreement(struct channel *ch, struct channel_effects *fx)
{
	struct close_outputs outs;
	struct close_fee_range ours;
	struct bitcoin_tx *tx;

	channel_close_outputs(ch, &outs);
	our_fees(ch, &outs, &ours);
	tx = our_variant(ch, &outs, ch->closing_fee_sent);
	if (tx)
		send_closing_signed(ch, fx, ch->closing_fee_sent, tx, &ours);
	bitcoin_tx_free(tx);
	return channel_step_done(ch, fx);
}

bool channel_handle_closing_signed(struct channel *ch,
				   struct channel_effects *fx,
				   const uint8_t *msg, size_t len)
{
	struct msg_closing_signed *m;
	struct close_outputs outs;
	struct close_fee_range ours, theirs, overlap;
	struct ecdsa_signature sig;
	struct bitcoin_tx *tx, *counter;
	uint64_t fee, ideal, proposal;
	bool has_range;

	if (ch->features.option_simple_close)
		return channel_warn_disconnect(ch, fx, "closing_signed, but we "
					       "negotiated option_simple_close");
	if (ch->state == CHANNEL_CLOSED)
		return repeat_agreement(ch, fx);
	if (ch->state == CHANNEL_SHUTTING_DOWN && channel_is_clear(ch))
		ch->state = CHANNEL_NEGOTIATING_CLOSE;
	if (ch->state != CHANNEL_NEGOTIATING_CLOSE)
		return channel_fail_with(ch, fx, "closing_signed before the "
					 "channel is clear");
	if (!fromwire_closing_signed(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed closing_signed");
	fee = m->fee_satoshis;
	has_range = m->tlvs && m->tlvs->fee_range;
	if (has_range) {
		theirs.min_fee_sat = m->tlvs->fee_range->min_fee_satoshis;
		theirs.max_fee_sat = m->tlvs->fee_range->max_fee_satoshis;
	}
	if (!ecdsa_signature_parse_compact(ch->ctx, &sig, m->signature.bytes)) {
		msg_closing_signed_free(m);
		return channel_fail_with(ch, fx, "closing_signed: signature is "
					 "not a valid encoding");
	}
	msg_closing_signed_free(m);

	channel_close_outputs(ch, &outs);
	tx = their_variant(ch, &outs, fee, &sig);
	if (!tx)
		return channel_fail_with(ch, fx, "closing_signed: signature is "
					 "not valid for fee_satoshis %" PRIu64,
					 fee);
	ch->received_closing = true;
	ch->closing_fee_received = fee;
	ideal = our_fees(ch, &outs, &ours);

	/* BOLT #2:
	 *   - if `fee_satoshis` is equal to its previously sent `fee_satoshis`:
	 *     - SHOULD sign and broadcast the final closing transaction.
	 */
	if (ch->sent_closing && fee == ch->closing_fee_sent)
		return agree(ch, fx, fee, tx, &sig, &ours);
	if (has_range) {
		/* BOLT #2:
		 *   - if the message contains a `fee_range`:
		 *     - if there is no overlap between that and its own `fee_range`:
		 *       - SHOULD send a warning
		 *       - MUST fail the channel if it doesn't receive a satisfying `fee_range` after a reasonable amount of time
		 */
		if (!close_fee_range_overlap(&overlap, &ours, &theirs)) {
			bitcoin_tx_free(tx);
			return channel_fail_with(ch, fx, "closing_signed: "
						 "fee_range does not overlap "
						 "ours %" PRIu64 "..%" PRIu64,
						 ours.min_fee_sat,
						 ours.max_fee_sat);
		}
		/* BOLT #2:
		 *       - if it is the funder:
		 *         - if `fee_satoshis` is not in the overlap between the sent and received `fee_range`:
		 *           - MUST fail the channel
		 *         - otherwise:
		 *           - MUST reply with the same `fee_satoshis`.
		 *       - otherwise (it is not the funder):
		 *         - if it has already sent a `closing_signed`:
		 *           - if `fee_satoshis` is not the same as the value it sent:
		 *             - MUST fail the channel
		 *         - otherwise:
		 *           - MUST propose a `fee_satoshis` in the overlap between received and (about-to-be) sent `fee_range`.
		 */
		if (in_range(fee, &overlap)
		    && (ch->params.opener == CHANNEL_LOCAL || !ch->sent_closing))
			return agree(ch, fx, fee, tx, &sig, &ours);
		bitcoin_tx_free(tx);
		if (ch->params.opener == CHANNEL_LOCAL || ch->sent_closing)
			return channel_fail_with(ch, fx, "closing_signed: "
						 "fee_satoshis %" PRIu64
						 " is not what we can agree to",
						 fee);
		proposal = ideal < overlap.min_fee_sat ? overlap.min_fee_sat
			: ideal > overlap.max_fee_sat ? overlap.max_fee_sat
						      : ideal;
	} else {
		/* BOLT #2:
		 *   - otherwise, if the receiver agrees with the fee:
		 *     - SHOULD reply with a `closing_signed` with the same `fee_satoshis` value.
		 *   - otherwise:
		 *     - MUST propose a value "strictly between" the received `fee_satoshis`
		 *     and its previously-sent `fee_satoshis`.
		 */
		if (in_range(fee, &ours))
			return agree(ch, fx, fee, tx, &sig, &ours);
		bitcoin_tx_free(tx);
		proposal = ch->sent_closing
			? (ch->closing_fee_sent + fee) / 2 : ideal;
		if (proposal == fee || proposal == ch->closing_fee_sent)
			return channel_fail_with(ch, fx, "closing_signed: "
						 "fee_satoshis %" PRIu64
						 " and ours cannot converge",
						 fee);
	}
	counter = our_variant(ch, &outs, proposal);
	send_closing_signed(ch, fx, proposal, counter, &ours);
	bitcoin_tx_free(counter);
	return channel_step_done(ch, fx);
}
