/* Mutual close with option_simple_close (BOLT #2 "Closing Negotiation:
 * `closing_complete` and `closing_sig`").
 *
 * Once the channel is clear, each side may send closing_complete for a
 * closing transaction whose fee it pays (the "closer"); the other side
 * (the "closee") signs it, broadcasts it and answers closing_sig, and the
 * closer broadcasts it too.  There is no negotiation: each pays what it
 * likes for its own transaction.
 *
 * ohm sends one closing_complete per connection, at the policy's closing
 * feerate, once the peer's shutdown has come on that connection (after a
 * reconnection it may carry a new script: BOLT #2 has both nodes
 * "reconnect to resolve the race condition"), and only if its balance
 * pays the fee; otherwise the peer, whose funds they are, closes.  It
 * signs every valid closing_complete of the peer's, before and after its
 * own: the first transaction either way closes the channel
 * (CHANNEL_CLOSED), later ones replace it if they pay more.
 *
 * A peer that breaks these rules gets a warning and is disconnected: BOLT
 * #2 allows that or failing the channel, and nothing is at stake here
 * that a new connection cannot fix.
 */
#include "channel/state_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secp.h"

void channel_simple_close_forget(struct channel *ch)
{
	free(ch->simple_out.closee_script);
	memset(&ch->simple_out, 0, sizeof(ch->simple_out));
	ch->shutdown_on_link = false;
	ch->simple_sent_on_link = false;
}


/* The signature closing_tlvs carries for variant, or NULL. */
static const struct wire_signature *tlv_sig(const struct tlv_closing_tlvs *tlvs,
					    enum close_variant variant)
{
	if (!tlvs)
		return NULL;
	switch (variant) {
	case CLOSE_CLOSER_ONLY:
		return tlvs->closer_output_only ? &tlvs->closer_output_only->sig : NULL;
	case CLOSE_CLOSEE_ONLY:
		return tlvs->closee_output_only ? &tlvs->closee_output_only->sig : NULL;
	case CLOSE_BOTH:
		return tlvs->closer_and_closee_outputs
			? &tlvs->closer_and_closee_outputs->sig : NULL;
	}
	return NULL;
}

/* Puts sig in tlvs as variant's record. */
static void tlv_set(struct tlv_closing_tlvs *tlvs, enum close_variant variant,
		    const secp256k1_context *ctx,
		    const struct ecdsa_signature *sig)
{
	struct wire_signature *out;

	switch (variant) {
	case CLOSE_CLOSER_ONLY:
		tlvs->closer_output_only = wire_calloc(1, sizeof(*tlvs->closer_output_only));
		out = &tlvs->closer_output_only->sig;
		break;
	case CLOSE_CLOSEE_ONLY:
		tlvs->closee_output_only = wire_calloc(1, sizeof(*tlvs->closee_output_only));
		out = &tlvs->closee_output_only->sig;
		break;
	case CLOSE_BOTH:
	default:
		tlvs->closer_and_closee_outputs =
			wire_calloc(1, sizeof(*tlvs->closer_and_closee_outputs));
		out = &tlvs->closer_and_closee_outputs->sig;
		break;
	}
	ecdsa_signature_serialize_compact(ctx, out->bytes, sig);
}

/* The closing transaction c describes for variant, with our signature and
 * the peer's (theirs) on it: handed over for broadcast.  Returns: false
 * if theirs does not sign it. */
static bool broadcast(struct channel *ch, struct channel_effects *fx,
		      const struct close_simple *c, enum close_variant variant,
		      const struct wire_signature *theirs,
		      struct ecdsa_signature *ours)
{
	struct ecdsa_signature sigs[CHANNEL_NUM_SIDES];
	struct bitcoin_tx *tx = close_simple_tx_new(&ch->params, c, variant);
	struct channel_event *ev;

	/* BOLT #2:
	 *   - If the signature field is not valid for the corresponding closing transaction specified in [BOLT #3](03-transactions.md#closing-transaction):
	 *     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
	 *   - If the signature field is non-compliant with LOW-S-standard rule<sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
	 *     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
	 *
	 * close_tx_verify holds signatures to low-S. */
	if (!tx
	    || !ecdsa_signature_parse_compact(ch->ctx, &sigs[CHANNEL_REMOTE],
					      theirs->bytes)
	    || !close_tx_verify(ch->ctx, tx, &ch->params, CHANNEL_REMOTE,
				&sigs[CHANNEL_REMOTE])) {
		bitcoin_tx_free(tx);
		return false;
	}
	close_tx_sign(ch->ctx, &sigs[CHANNEL_LOCAL], tx, &ch->params,
		      &ch->secrets.funding);
	*ours = sigs[CHANNEL_LOCAL];
	close_tx_finalize(ch->ctx, tx, &ch->params, sigs);
	ev = fx_event(fx, CHANNEL_EVENT_CLOSE_BROADCAST);
	ev->tx = tx;
	ch->state = CHANNEL_CLOSED;
	return true;
}

/* ---- We close ---- */

/* Which signatures our closing_complete carries (1 << variant). */
static unsigned our_variants(const struct close_simple *c)
{
	uint64_t ours, theirs;

	close_simple_amount(c, CHANNEL_LOCAL, &ours);
	close_simple_amount(c, CHANNEL_REMOTE, &theirs);
	/* BOLT #2:
	 *   - If the local outstanding balance (in millisatoshi) is less than the remote outstanding balance:
	 *     - MUST NOT set `closer_output_only`.
	 *     - MUST set `closee_output_only` if the local output amount is dust.
	 *     - MAY set `closee_output_only` if it considers the local output amount uneconomical AND its `closer_scriptpubkey` is not `OP_RETURN`.
	 *   - Otherwise (not lesser amount, cannot remove its own output):
	 *     - MUST NOT set `closee_output_only`.
	 *
	 * BOLT #2:
	 *     - If the closee's output amount is dust:
	 *       - MUST set `closer_output_only`.
	 *       - MUST NOT set `closer_and_closee_outputs`.
	 *     - Otherwise:
	 *       - MUST set both `closer_output_only` and `closer_and_closee_outputs`.
	 */
	if (c->outs.balance_msat[CHANNEL_LOCAL] < c->outs.balance_msat[CHANNEL_REMOTE])
		return close_output_is_dust(c->outs.script[CHANNEL_LOCAL],
					    c->outs.script_len[CHANNEL_LOCAL], ours)
			? 1u << CLOSE_CLOSEE_ONLY : 1u << CLOSE_BOTH;
	if (close_output_is_dust(c->outs.script[CHANNEL_REMOTE],
				 c->outs.script_len[CHANNEL_REMOTE], theirs))
		return 1u << CLOSE_CLOSER_ONLY;
	return 1u << CLOSE_CLOSER_ONLY | 1u << CLOSE_BOTH;
}

/* Our closing_complete: the transaction with both outputs at the
 * policy's closing feerate.  Returns: false if our balance cannot pay
 * that fee (then we send none). */
static bool send_closing_complete(struct channel *ch,
				  struct channel_effects *fx)
{
	struct close_simple c;
	struct msg_closing_complete m;
	struct tlv_closing_tlvs *tlvs;
	struct bitcoin_tx *tx;
	struct simple_close_out *out = &ch->simple_out;

	memset(&c, 0, sizeof(c));
	c.closer = CHANNEL_LOCAL;
	channel_close_outputs(ch, &c.outs);
	/* BOLT #2:
	 *   - MUST set `locktime` to the desired `nLockTime` of the closing transaction.
	 */
	c.locktime = 0;
	tx = close_simple_tx_new(&ch->params, &c, CLOSE_BOTH);
	if (!tx)
		return false;
	/* BOLT #2:
	 *   - MUST set `fee_satoshis` to a fee less than or equal to its outstanding balance, rounded down to whole satoshis.
	 */
	c.fee_sat = (uint64_t)ch->policy.closing_feerate_per_kw
		* close_tx_weight(tx) / 1000;
	bitcoin_tx_free(tx);
	if (c.outs.balance_msat[CHANNEL_LOCAL] / 1000 < c.fee_sat)
		return false;

	memset(&m, 0, sizeof(m));
	m.channel_id = ch->channel_id;
	/* BOLT #2:
	 *   - MUST set `closer_scriptpubkey` to its desired output script.
	 *   - MUST set `closee_scriptpubkey` to the last script it received from its peer (from `closing_complete` or from the initial `shutdown`).
	 */
	m.closer_scriptpubkey = ch->shutdown_script[CHANNEL_LOCAL];
	m.closer_scriptpubkey_len = (uint16_t)ch->shutdown_script_len[CHANNEL_LOCAL];
	m.closee_scriptpubkey = ch->shutdown_script[CHANNEL_REMOTE];
	m.closee_scriptpubkey_len = (uint16_t)ch->shutdown_script_len[CHANNEL_REMOTE];
	m.fee_satoshis = c.fee_sat;
	m.locktime = c.locktime;
	tlvs = tlv_closing_tlvs_new();
	out->variants = our_variants(&c);
	/* BOLT #2:
	 *   - MUST set `signature` fields as valid signature using its `funding_pubkey` of:
	 */
	for (int v = 1; v <= CLOSE_NUM_VARIANTS; v++) {
		struct ecdsa_signature sig;

		if (!(out->variants & (1u << v)))
			continue;
		tx = close_simple_tx_new(&ch->params, &c, (enum close_variant)v);
		close_tx_sign(ch->ctx, &sig, tx, &ch->params, &ch->secrets.funding);
		bitcoin_tx_free(tx);
		tlv_set(tlvs, (enum close_variant)v, ch->ctx, &sig);
	}
	m.tlvs = tlvs;
	fx_send(fx, towire_closing_complete(&m));
	tlv_closing_tlvs_free(tlvs);

	out->is_out = true;
	out->fee_sat = c.fee_sat;
	out->locktime = c.locktime;
	free(out->closee_script);
	out->closee_script = wire_memdup(m.closee_scriptpubkey,
					 m.closee_scriptpubkey_len);
	out->closee_script_len = m.closee_scriptpubkey_len;
	return true;
}

void channel_simple_close_progress(struct channel *ch,
				   struct channel_effects *fx)
{
	/* BOLT #2:
	 * Both nodes:
	 *   - After a `shutdown` has been sent and received, AND no HTLCs remain in either commitment transaction:
	 *     - SHOULD send a `closing_complete` message.
	 */
	if (ch->state != CHANNEL_NEGOTIATING_CLOSE || ch->link != LINK_UP
	    || !ch->shutdown_on_link || ch->simple_sent_on_link)
		return;
	ch->simple_sent_on_link = true;
	send_closing_complete(ch, fx);
}

/* closing_sig for our closing_complete. */
bool channel_handle_closing_sig(struct channel *ch, struct channel_effects *fx,
				const uint8_t *msg, size_t len)
{
	struct msg_closing_sig *m;
	struct simple_close_out *out = &ch->simple_out;
	struct close_simple c;
	struct ecdsa_signature ours;
	enum close_variant which = CLOSE_BOTH;
	unsigned count = 0;
	bool matches, ok;

	if (!ch->features.option_simple_close)
		return channel_warn_disconnect(ch, fx, "closing_sig, but we did "
					       "not negotiate option_simple_close");
	if (!fromwire_closing_sig(msg, len, &m))
		return channel_warn_disconnect(ch, fx, "malformed closing_sig");
	/* Nothing of ours is out on this connection: a stale answer. */
	if (!out->is_out) {
		msg_closing_sig_free(m);
		return true;
	}
	/* BOLT #2:
	 * The receiver of `closing_sig`:
	 *   - If `closer_scriptpubkey`, `closee_scriptpubkey`, `fee_satoshis` or `locktime` don't match what was sent in `closing_complete`:
	 *     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
	 */
	matches = channel_same_script(m->closer_scriptpubkey,
				      m->closer_scriptpubkey_len,
				      ch->shutdown_script[CHANNEL_LOCAL],
				      ch->shutdown_script_len[CHANNEL_LOCAL])
		&& channel_same_script(m->closee_scriptpubkey,
				       m->closee_scriptpubkey_len,
				       out->closee_script, out->closee_script_len)
		&& m->fee_satoshis == out->fee_sat && m->locktime == out->locktime;
	if (!matches) {
		msg_closing_sig_free(m);
		return channel_warn_disconnect(ch, fx, "closing_sig: scripts, "
					       "fee_satoshis or locktime are not "
					       "those of our closing_complete");
	}
	/* BOLT #2:
	 *   - If `tlvs` does not contain exactly one signature:
	 *     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
	 *   - If `tlvs` does not contain one of the TLV fields sent in `closing_complete`:
	 *     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
	 */
	for (int v = 1; v <= CLOSE_NUM_VARIANTS; v++) {
		if (tlv_sig(m->tlvs, (enum close_variant)v)) {
			count++;
			which = (enum close_variant)v;
		}
	}
	if (count != 1 || !(out->variants & (1u << which))) {
		msg_closing_sig_free(m);
		return channel_warn_disconnect(ch, fx, "closing_sig: %u "
					       "signatures, or one we did not "
					       "ask for", count);
	}
	memset(&c, 0, sizeof(c));
	c.closer = CHANNEL_LOCAL;
	channel_close_outputs(ch, &c.outs);
	c.outs.script[CHANNEL_REMOTE] = out->closee_script;
	c.outs.script_len[CHANNEL_REMOTE] = out->closee_script_len;
	c.fee_sat = out->fee_sat;
	c.locktime = out->locktime;
	/* BOLT #2:
	 *   - otherwise:
	 *     - MUST broadcast the corresponding closing transaction.
	 */
	ok = broadcast(ch, fx, &c, which, tlv_sig(m->tlvs, which), &ours);
	msg_closing_sig_free(m);
	if (!ok)
		return channel_warn_disconnect(ch, fx, "closing_sig: signature "
					       "is not valid for our closing "
					       "transaction");
	free(out->closee_script);
	memset(out, 0, sizeof(*out));
	return channel_step_done(ch, fx);
}

/* ---- The peer closes ---- */

/* The signature BOLT #2 has the closee check, in tlvs.
 * Returns: false if it is missing. */
static bool closee_selects(const struct close_simple *c,
			   const struct tlv_closing_tlvs *tlvs,
			   enum close_variant *which)
{
	uint64_t ours;

	close_simple_amount(c, CHANNEL_LOCAL, &ours);
	/* BOLT #2:
	 *   - Select a signature for validation:
	 *     - If the local output amount is dust:
	 *       - MUST use `closer_output_only`.
	 *     - Otherwise, if it considers the local output amount uneconomical AND its `closee_scriptpubkey` is not `OP_RETURN`:
	 *       - MUST use `closer_output_only`.
	 *     - Otherwise, if `closer_and_closee_outputs` is present:
	 *       - MUST use `closer_and_closee_outputs`.
	 *     - Otherwise:
	 *       - MUST use `closee_output_only`.
	 *
	 * An output above dust is never uneconomical to us. */
	if (close_output_is_dust(c->outs.script[CHANNEL_LOCAL],
				 c->outs.script_len[CHANNEL_LOCAL], ours))
		*which = CLOSE_CLOSER_ONLY;
	else if (tlv_sig(tlvs, CLOSE_BOTH))
		*which = CLOSE_BOTH;
	else
		*which = CLOSE_CLOSEE_ONLY;
	/* BOLT #2:
	 *   - If the selected signature field does not exist:
	 *     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
	 */
	return tlv_sig(tlvs, *which) != NULL;
}

/* Why closing_complete m cannot be signed, or NULL; fills c. */
static const char *check_closing_complete(const struct channel *ch,
					  const struct msg_closing_complete *m,
					  struct close_simple *c)
{
	uint64_t closer_sat;

	/* BOLT #2, for the receiver of `closing_complete` (aka. "the closee"):
	 *
	 * BOLT #2:
	 *   - If `closee_scriptpubkey` does not match the last script it sent (from `closing_complete` or from the initial `shutdown`):
	 *     - SHOULD ignore `closing_complete`.
	 *     - SHOULD send a `warning`.
	 *     - SHOULD close the connection.
	 */
	if (!channel_same_script(m->closee_scriptpubkey,
				 m->closee_scriptpubkey_len,
				 ch->shutdown_script[CHANNEL_LOCAL],
				 ch->shutdown_script_len[CHANNEL_LOCAL]))
		return "closee_scriptpubkey is not our shutdown script";
	/* BOLT #2:
	 *   - If `closer_scriptpubkey` is invalid (as detailed in the [`shutdown` requirements](#closing-initiation-shutdown)):
	 *     - SHOULD ignore `closing_complete`.
	 *     - SHOULD send a `warning`.
	 *     - SHOULD close the connection.
	 *
	 * And a promised upfront_shutdown_script is kept (BOLT #2: changing
	 * the output address only "if `upfront_shutdown_script` was not
	 * negotiated"). */
	if (!close_script_is_valid(m->closer_scriptpubkey,
				   m->closer_scriptpubkey_len, &ch->features))
		return "closer_scriptpubkey is not a valid shutdown form";
	if (channel_breaks_upfront(ch, m->closer_scriptpubkey,
				   m->closer_scriptpubkey_len))
		return "closer_scriptpubkey is not your upfront_shutdown_script";
	memset(c, 0, sizeof(*c));
	c->closer = CHANNEL_REMOTE;
	channel_close_outputs(ch, &c->outs);
	c->outs.script[CHANNEL_REMOTE] = m->closer_scriptpubkey;
	c->outs.script_len[CHANNEL_REMOTE] = m->closer_scriptpubkey_len;
	c->fee_sat = m->fee_satoshis;
	c->locktime = m->locktime;
	/* BOLT #2:
	 *   - If `fee_satoshis` is greater than the closer's outstanding balance:
	 *     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
	 */
	if (!close_simple_amount(c, CHANNEL_REMOTE, &closer_sat))
		return "fee_satoshis is above your balance";
	return NULL;
}

bool channel_handle_closing_complete(struct channel *ch,
				     struct channel_effects *fx,
				     const uint8_t *msg, size_t len)
{
	struct msg_closing_complete *m;
	struct msg_closing_sig reply;
	struct tlv_closing_tlvs *tlvs;
	struct close_simple c;
	struct ecdsa_signature ours;
	enum close_variant which;
	const char *why;

	if (!ch->features.option_simple_close)
		return channel_warn_disconnect(ch, fx, "closing_complete, but we "
					       "did not negotiate "
					       "option_simple_close");
	if (ch->state == CHANNEL_SHUTTING_DOWN && channel_is_clear(ch))
		ch->state = CHANNEL_NEGOTIATING_CLOSE;
	if (ch->state != CHANNEL_NEGOTIATING_CLOSE
	    && ch->state != CHANNEL_CLOSED)
		return channel_warn_disconnect(ch, fx, "closing_complete before "
					       "the channel is clear");
	if (!fromwire_closing_complete(msg, len, &m))
		return channel_warn_disconnect(ch, fx, "malformed "
					       "closing_complete");
	why = check_closing_complete(ch, m, &c);
	if (!why && !closee_selects(&c, m->tlvs, &which))
		why = "the signature we must check is missing";
	/* BOLT #2:
	 *   - MUST generate the remote closing transaction as specified in [BOLT #3](03-transactions.md#closing-transaction).
	 *
	 * BOLT #2:
	 *   - MUST sign and broadcast the corresponding closing transaction.
	 */
	if (!why && !broadcast(ch, fx, &c, which, tlv_sig(m->tlvs, which),
			       &ours))
		why = "signature is not valid for its closing transaction";
	if (why) {
		msg_closing_complete_free(m);
		return channel_warn_disconnect(ch, fx, "closing_complete: %s",
					       why);
	}
	/* BOLT #2:
	 *   - MUST send `closing_sig` with a single valid signature in the same TLV field as the `closing_complete`.
	 */
	memset(&reply, 0, sizeof(reply));
	reply.channel_id = ch->channel_id;
	reply.closer_scriptpubkey = m->closer_scriptpubkey;
	reply.closer_scriptpubkey_len = m->closer_scriptpubkey_len;
	reply.closee_scriptpubkey = m->closee_scriptpubkey;
	reply.closee_scriptpubkey_len = m->closee_scriptpubkey_len;
	reply.fee_satoshis = m->fee_satoshis;
	reply.locktime = m->locktime;
	tlvs = tlv_closing_tlvs_new();
	tlv_set(tlvs, which, ch->ctx, &ours);
	reply.tlvs = tlvs;
	fx_send(fx, towire_closing_sig(&reply));
	tlv_closing_tlvs_free(tlvs);
	/* BOLT #2:
	 *   - MUST use `closer_scriptpubkey` for its own future `closing_complete` messages.
	 */
	free(ch->shutdown_script[CHANNEL_REMOTE]);
	ch->shutdown_script[CHANNEL_REMOTE] = m->closer_scriptpubkey;
	ch->shutdown_script_len[CHANNEL_REMOTE] = m->closer_scriptpubkey_len;
	m->closer_scriptpubkey = NULL;
	msg_closing_complete_free(m);
	return channel_step_done(ch, fx);
}
