/* HTLC updates (BOLT #2 "Adding an HTLC: `update_add_htlc`" and "Removing
 * an HTLC: `update_fulfill_htlc`, `update_fail_htlc`, and
 * `update_fail_malformed_htlc`"): our updates and the peer's, with every
 * receiving-side check.
 *
 * Limits are checked on the commitment the update goes into first: the
 * receiver's next one.  Both peers compute that commitment from the same
 * messages in the same order, so a sender that checks the peer's next
 * commitment before sending never trips the peer's check on receipt. */
#include "channel/state_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"

/* BOLT #4 failure code flag of update_fail_malformed_htlc. */
#define BADONION 0x8000
/* Expiries at or above this are times, not heights (BOLT #2). */
#define CLTV_EXPIRY_LIMIT 500000000u

/* ---- Affordability ---- */

/* How much payer must keep in view (owner's commitment): with_reserve,
 * the reserve the other side asked of it; and as opener, the fee and
 * anchors of that commitment. */
static uint64_t needed_msat(const struct channel *ch,
			    const struct htlc_view *view,
			    enum channel_side owner, enum channel_side payer,
			    bool with_reserve)
{
	uint64_t need = 0;

	if (with_reserve)
		need += ch->config[channel_side_other(payer)].channel_reserve_sat
			* 1000;
	if (payer == ch->params.opener) {
		struct commitment_state state;

		memset(&state, 0, sizeof(state));
		state.feerate_per_kw = view->feerate_per_kw;
		state.htlcs = view->htlcs;
		state.num_htlcs = view->num_htlcs;
		need += commitment_opener_cost_sat(&ch->params, owner, &state)
			* 1000;
	}
	return need;
}

bool channel_can_afford(const struct channel *ch, const struct htlc_view *view,
			enum channel_side owner, enum channel_side payer,
			bool with_reserve)
{
	return view->balance_msat[payer]
		>= (int64_t)needed_msat(ch, view, owner, payer, with_reserve);
}

/* ---- Messages ---- */

struct wirebuf *channel_towire_add(const struct channel *ch,
				  const struct htlc *htlc)
{
	struct msg_update_add_htlc m;
	struct tlv_update_add_htlc_tlvs *tlvs = NULL;
	struct wirebuf *buf;

	memset(&m, 0, sizeof(m));
	m.channel_id = ch->channel_id;
	m.id = htlc->h.id;
	m.amount_msat = htlc->h.amount_msat;
	memcpy(m.payment_hash.bytes, htlc->h.payment_hash.u8, 32);
	m.cltv_expiry = htlc->h.cltv_expiry;
	memcpy(m.onion_routing_packet, htlc->onion, HTLC_ONION_LEN);
	if (htlc->has_path_key) {
		tlvs = tlv_update_add_htlc_tlvs_new();
		tlvs->blinded_path = wire_calloc(1, sizeof(*tlvs->blinded_path));
		memcpy(tlvs->blinded_path->path_key.bytes, htlc->path_key,
		       PUBKEY_CMPR_LEN);
	}
	m.tlvs = tlvs;
	buf = towire_update_add_htlc(&m);
	tlv_update_add_htlc_tlvs_free(tlvs);
	return buf;
}

struct wirebuf *channel_towire_removal(const struct channel *ch,
				      const struct htlc *htlc)
{
	switch (htlc->removal) {
	case HTLC_FULFILLED: {
		struct msg_update_fulfill_htlc m;

		m.channel_id = ch->channel_id;
		m.id = htlc->h.id;
		memcpy(m.payment_preimage, htlc->preimage.r, 32);
		return towire_update_fulfill_htlc(&m);
	}
	case HTLC_FAILED: {
		struct msg_update_fail_htlc m;

		m.channel_id = ch->channel_id;
		m.id = htlc->h.id;
		m.len = (uint16_t)htlc->fail_reason_len;
		m.reason = htlc->fail_reason;
		return towire_update_fail_htlc(&m);
	}
	case HTLC_FAILED_MALFORMED: {
		struct msg_update_fail_malformed_htlc m;

		m.channel_id = ch->channel_id;
		m.id = htlc->h.id;
		memcpy(m.sha256_of_onion.bytes, htlc->sha256_of_onion.u8, 32);
		m.failure_code = htlc->failure_code;
		return towire_update_fail_malformed_htlc(&m);
	}
	case HTLC_NOT_REMOVED:
		break;
	}
	return NULL;
}

struct wirebuf *channel_towire_fee(const struct channel *ch,
				  uint32_t feerate_per_kw)
{
	struct msg_update_fee m;

	m.channel_id = ch->channel_id;
	m.feerate_per_kw = feerate_per_kw;
	return towire_update_fee(&m);
}

/* ---- Adding an HTLC ---- */

/* The checks of an HTLC just added at UPDATE_SENT: on the receiver's next
 * commitment, against the receiver's limits.  Returns: NULL, or which
 * limit it breaks. */
static const char *check_new_htlc(const struct channel *ch,
				  const struct htlc *htlc, char *why,
				  size_t why_len)
{
	enum channel_side offerer = htlc->h.offerer;
	enum channel_side receiver = channel_side_other(offerer);
	const struct channel_config *limits = &ch->config[receiver];
	struct htlc_view view;
	uint64_t total;
	size_t count;
	const char *bad = NULL;

	htlc_set_view(&view, &ch->htlcs, receiver, true);
	count = htlc_view_count(&view, offerer, &total);
	/* BOLT #2:
	 *   - if a sending node adds more than receiver `max_accepted_htlcs` HTLCs to
	 *     its local commitment transaction, OR adds more than receiver `max_htlc_value_in_flight_msat` worth of offered HTLCs to its local commitment transaction:
	 */
	if (count > limits->max_accepted_htlcs) {
		snprintf(why, why_len, "max_accepted_htlcs %u would be exceeded",
			 limits->max_accepted_htlcs);
		bad = why;
	} else if (total > limits->max_htlc_value_in_flight_msat) {
		snprintf(why, why_len, "max_htlc_value_in_flight_msat %" PRIu64
			 " would be exceeded", limits->max_htlc_value_in_flight_msat);
		bad = why;
	} else if (!channel_can_afford(ch, &view, receiver, offerer, true)) {
		/* BOLT #2:
		 *   - receiving an `amount_msat` that the sending node cannot afford at the current `feerate_per_kw` (while maintaining its channel reserve and any `to_local_anchor` and `to_remote_anchor` costs):
		 */
		snprintf(why, why_len, "amount_msat %" PRIu64 " takes the sender "
			 "below its channel_reserve_satoshis %" PRIu64
			 " plus fees", htlc->h.amount_msat,
			 ch->config[receiver].channel_reserve_sat);
		bad = why;
	}
	htlc_view_free(&view);
	return bad;
}

/* As opener, we also keep our own next commitment affordable with the new
 * HTLC in it (BOLT #2: "it cannot pay the fee for either the local or
 * remote commitment transaction"). */
static bool opener_can_afford_own(const struct channel *ch,
				  const struct htlc *htlc)
{
	struct htlc_view view;
	bool ok;

	htlc_set_view(&view, &ch->htlcs, CHANNEL_LOCAL, true);
	if (!htlc_in_commitment(htlc, CHANNEL_LOCAL, true)) {
		view.htlcs[view.num_htlcs++] = htlc->h;
		view.balance_msat[CHANNEL_LOCAL] -= (int64_t)htlc->h.amount_msat;
	}
	ok = channel_can_afford(ch, &view, CHANNEL_LOCAL, CHANNEL_LOCAL, true);
	htlc_view_free(&view);
	return ok;
}

bool channel_add_htlc(struct channel *ch, struct channel_effects *fx,
		      uint64_t *id, uint64_t amount_msat,
		      const struct sha256 *payment_hash, uint32_t cltv_expiry,
		      const uint8_t onion[HTLC_ONION_LEN],
		      const uint8_t *path_key)
{
	struct htlc htlc, *added;
	char why[160];
	const char *bad;

	if (!channel_is_operational(ch))
		return fx_refuse(fx, "channel is %s%s",
				 channel_state_name(ch->state),
				 ch->link == LINK_UP ? "" : " and disconnected");
	/* BOLT #2:
	 *   - MUST NOT send an `update_add_htlc` after a `shutdown`.
	 */
	if (ch->shutdown_wanted || ch->sent_shutdown || ch->received_shutdown)
		return fx_refuse(fx, "channel is shutting down");
	/* BOLT #2:
	 *   - MUST offer `amount_msat` greater than 0.
	 *   - MUST NOT offer `amount_msat` below the receiving node's `htlc_minimum_msat`
	 *   - MUST set `cltv_expiry` less than 500000000.
	 */
	if (amount_msat == 0)
		return fx_refuse(fx, "amount_msat must be greater than 0");
	if (amount_msat < ch->config[CHANNEL_REMOTE].htlc_minimum_msat)
		return fx_refuse(fx, "amount_msat %" PRIu64 " is below the "
				 "peer's htlc_minimum_msat %" PRIu64, amount_msat,
				 ch->config[CHANNEL_REMOTE].htlc_minimum_msat);
	if (cltv_expiry >= CLTV_EXPIRY_LIMIT)
		return fx_refuse(fx, "cltv_expiry must be below 500000000");

	memset(&htlc, 0, sizeof(htlc));
	htlc.h.id = ch->next_htlc_id[CHANNEL_LOCAL];
	htlc.h.offerer = CHANNEL_LOCAL;
	htlc.h.amount_msat = amount_msat;
	htlc.h.payment_hash = *payment_hash;
	htlc.h.cltv_expiry = cltv_expiry;
	memcpy(htlc.onion, onion, HTLC_ONION_LEN);
	if (path_key) {
		htlc.has_path_key = true;
		memcpy(htlc.path_key, path_key, PUBKEY_CMPR_LEN);
	}
	htlc.add_step = UPDATE_SENT;
	htlc.add_order = ch->htlcs.next_order + 1;
	added = htlc_set_add(&ch->htlcs, &htlc);
	bad = check_new_htlc(ch, added, why, sizeof(why));
	if (!bad && ch->params.opener == CHANNEL_LOCAL
	    && !opener_can_afford_own(ch, added)) {
		snprintf(why, sizeof(why), "amount_msat %" PRIu64 " leaves us "
			 "unable to pay our own commitment's fee", amount_msat);
		bad = why;
	}
	if (bad) {
		htlc_set_remove(&ch->htlcs, ch->htlcs.num - 1);
		return fx_refuse(fx, "%s", bad);
	}
	ch->htlcs.next_order++;
	/* BOLT #2:
	 *   - for the first HTLC it offers:
	 *     - MUST set `id` to 0.
	 *   - MUST increase the value of `id` by 1 for each successive offer.
	 */
	ch->next_htlc_id[CHANNEL_LOCAL]++;
	*id = added->h.id;
	fx_send(fx, channel_towire_add(ch, added));
	return channel_step_done(ch, fx);
}

bool channel_handle_update_add_htlc(struct channel *ch,
				    struct channel_effects *fx,
				    const uint8_t *msg, size_t len)
{
	struct msg_update_add_htlc *m;
	struct htlc htlc;
	char why[160];
	const char *bad;
	uint64_t expected = ch->next_htlc_id[CHANNEL_REMOTE];

	if (!channel_is_operational(ch))
		return channel_fail_with(ch, fx, "update_add_htlc while %s",
					 channel_state_name(ch->state));
	if (ch->received_shutdown)
		return channel_fail_with(ch, fx, "update_add_htlc after shutdown");
	if (!fromwire_update_add_htlc(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed update_add_htlc");
	if (m->id != expected) {
		uint64_t got = m->id;

		msg_update_add_htlc_free(m);
		/* BOLT #2:
		 *   - if the sender did not previously acknowledge the commitment of that HTLC:
		 *     - MUST ignore a repeated `id` value after a reconnection.
		 */
		if (got < expected
		    && htlc_set_find(&ch->htlcs, CHANNEL_REMOTE, got))
			return true;
		return channel_fail_with(ch, fx, "update_add_htlc: id %" PRIu64
					 ", expected %" PRIu64, got, expected);
	}
	/* BOLT #2:
	 *   - receiving an `amount_msat` equal to 0, OR less than its own `htlc_minimum_msat`:
	 */
	if (m->amount_msat == 0
	    || m->amount_msat < ch->config[CHANNEL_LOCAL].htlc_minimum_msat) {
		uint64_t amount = m->amount_msat;

		msg_update_add_htlc_free(m);
		return channel_fail_with(ch, fx, "update_add_htlc: amount_msat %"
					 PRIu64 " is below htlc_minimum_msat %"
					 PRIu64, amount,
					 ch->config[CHANNEL_LOCAL].htlc_minimum_msat);
	}
	/* BOLT #2:
	 *   - if sending node sets `cltv_expiry` to greater or equal to 500000000:
	 */
	if (m->cltv_expiry >= CLTV_EXPIRY_LIMIT) {
		msg_update_add_htlc_free(m);
		return channel_fail_with(ch, fx, "update_add_htlc: cltv_expiry "
					 "is 500000000 or more");
	}
	memset(&htlc, 0, sizeof(htlc));
	htlc.h.id = m->id;
	htlc.h.offerer = CHANNEL_REMOTE;
	htlc.h.amount_msat = m->amount_msat;
	memcpy(htlc.h.payment_hash.u8, m->payment_hash.bytes, 32);
	htlc.h.cltv_expiry = m->cltv_expiry;
	memcpy(htlc.onion, m->onion_routing_packet, HTLC_ONION_LEN);
	if (m->tlvs && m->tlvs->blinded_path) {
		htlc.has_path_key = true;
		memcpy(htlc.path_key, m->tlvs->blinded_path->path_key.bytes,
		       PUBKEY_CMPR_LEN);
	}
	msg_update_add_htlc_free(m);
	htlc.add_step = UPDATE_SENT;
	htlc_set_add(&ch->htlcs, &htlc);
	ch->next_htlc_id[CHANNEL_REMOTE]++;
	bad = check_new_htlc(ch, &ch->htlcs.htlcs[ch->htlcs.num - 1], why,
			     sizeof(why));
	if (bad)
		return channel_fail_with(ch, fx, "update_add_htlc: %s", bad);
	return channel_step_done(ch, fx);
}

/* ---- Removing an HTLC ---- */

/* The HTLC the peer offered with id, if we may remove it now. */
static struct htlc *our_removable(struct channel *ch,
				  struct channel_effects *fx, uint64_t id)
{
	struct htlc *htlc;

	if (!channel_is_operational(ch)) {
		fx_refuse(fx, "channel is %s%s", channel_state_name(ch->state),
			  ch->link == LINK_UP ? "" : " and disconnected");
		return NULL;
	}
	htlc = htlc_set_find(&ch->htlcs, CHANNEL_REMOTE, id);
	/* BOLT #2:
	 *   - until the corresponding HTLC is irrevocably committed in both sides'
	 *   commitment transactions:
	 *     - MUST NOT send an `update_fulfill_htlc`, `update_fail_htlc`, or
	 * `update_fail_malformed_htlc`.
	 */
	if (!htlc || htlc->add_step != UPDATE_COMPLETE) {
		fx_refuse(fx, "no irrevocably committed incoming HTLC %" PRIu64,
			  id);
		return NULL;
	}
	if (htlc->removal != HTLC_NOT_REMOVED) {
		fx_refuse(fx, "HTLC %" PRIu64 " is already being removed", id);
		return NULL;
	}
	return htlc;
}

static bool send_removal(struct channel *ch, struct channel_effects *fx,
			 struct htlc *htlc, enum htlc_removal removal)
{
	htlc->removal = removal;
	htlc->remove_step = UPDATE_SENT;
	htlc->remove_order = ++ch->htlcs.next_order;
	fx_send(fx, channel_towire_removal(ch, htlc));
	return channel_step_done(ch, fx);
}

bool channel_fulfill_htlc(struct channel *ch, struct channel_effects *fx,
			  uint64_t id, const struct preimage *preimage)
{
	struct htlc *htlc = our_removable(ch, fx, id);
	struct sha256 hash;

	if (!htlc)
		return false;
	sha256(&hash, preimage->r, sizeof(preimage->r));
	if (memcmp(&hash, &htlc->h.payment_hash, sizeof(hash)) != 0)
		return fx_refuse(fx, "preimage does not hash to HTLC %" PRIu64
				 "'s payment_hash", id);
	htlc->preimage = *preimage;
	return send_removal(ch, fx, htlc, HTLC_FULFILLED);
}

bool channel_fail_htlc(struct channel *ch, struct channel_effects *fx,
		       uint64_t id, const uint8_t *reason, size_t reason_len)
{
	struct htlc *htlc;

	if (reason_len > UINT16_MAX)
		return fx_refuse(fx, "reason is longer than 65535 bytes");
	htlc = our_removable(ch, fx, id);
	if (!htlc)
		return false;
	htlc->fail_reason = wire_memdup(reason, reason_len);
	htlc->fail_reason_len = reason_len;
	return send_removal(ch, fx, htlc, HTLC_FAILED);
}

bool channel_fail_malformed_htlc(struct channel *ch,
				 struct channel_effects *fx, uint64_t id,
				 const struct sha256 *sha256_of_onion,
				 uint16_t failure_code)
{
	struct htlc *htlc;

	if (!(failure_code & BADONION))
		return fx_refuse(fx, "failure_code lacks the BADONION bit");
	htlc = our_removable(ch, fx, id);
	if (!htlc)
		return false;
	htlc->sha256_of_onion = *sha256_of_onion;
	htlc->failure_code = failure_code;
	return send_removal(ch, fx, htlc, HTLC_FAILED_MALFORMED);
}

/* The HTLC we offered that the peer names in a removal, or NULL after
 * failing the channel. */
static struct htlc *their_removable(struct channel *ch,
				    struct channel_effects *fx,
				    const char *msg_name, uint64_t id)
{
	struct htlc *htlc;

	if (!channel_is_operational(ch)) {
		channel_fail_with(ch, fx, "%s while %s", msg_name,
				  channel_state_name(ch->state));
		return NULL;
	}
	htlc = htlc_set_find(&ch->htlcs, CHANNEL_LOCAL, id);
	/* BOLT #2:
	 *   - if the `id` does not correspond to an HTLC in its current commitment transaction:
	 *     - MUST send a `warning` and close the connection, or send an
	 *       `error` and fail the channel.
	 *
	 * And the peer may only remove it once irrevocably committed, which
	 * for an HTLC we offered means we sent the last revoke_and_ack. */
	if (!htlc || htlc->add_step != UPDATE_COMPLETE
	    || htlc->removal != HTLC_NOT_REMOVED) {
		channel_fail_with(ch, fx, "%s: id %" PRIu64 " is not a "
				  "committed HTLC we offered", msg_name, id);
		return NULL;
	}
	return htlc;
}

bool channel_handle_update_fulfill_htlc(struct channel *ch,
					struct channel_effects *fx,
					const uint8_t *msg, size_t len)
{
	struct msg_update_fulfill_htlc *m;
	struct channel_event *ev;
	struct htlc *htlc;
	struct sha256 hash;

	if (!fromwire_update_fulfill_htlc(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed update_fulfill_htlc");
	htlc = their_removable(ch, fx, "update_fulfill_htlc", m->id);
	if (!htlc) {
		msg_update_fulfill_htlc_free(m);
		return true;
	}
	/* BOLT #2:
	 *   - if the `payment_preimage` value in `update_fulfill_htlc`
	 *   doesn't SHA256 hash to the corresponding HTLC `payment_hash`:
	 */
	sha256(&hash, m->payment_preimage, 32);
	if (memcmp(&hash, &htlc->h.payment_hash, sizeof(hash)) != 0) {
		msg_update_fulfill_htlc_free(m);
		return channel_fail_with(ch, fx, "update_fulfill_htlc: "
					 "payment_preimage does not hash to "
					 "payment_hash");
	}
	memcpy(htlc->preimage.r, m->payment_preimage, 32);
	msg_update_fulfill_htlc_free(m);
	htlc->removal = HTLC_FULFILLED;
	htlc->remove_step = UPDATE_SENT;
	/* BOLT #2:
	 *   - upon receiving an `update_fulfill_htlc` for an outgoing HTLC, OR upon discovering the `payment_preimage` from an on-chain HTLC spend:
	 *     - MUST fulfill the incoming HTLC that corresponds to that outgoing HTLC.
	 */
	ev = fx_htlc_event(fx, CHANNEL_EVENT_HTLC_FULFILLED, &htlc->h);
	ev->preimage = htlc->preimage;
	return channel_step_done(ch, fx);
}

bool channel_handle_update_fail_htlc(struct channel *ch,
				     struct channel_effects *fx,
				     const uint8_t *msg, size_t len)
{
	struct msg_update_fail_htlc *m;
	struct htlc *htlc;

	if (!fromwire_update_fail_htlc(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed update_fail_htlc");
	htlc = their_removable(ch, fx, "update_fail_htlc", m->id);
	if (!htlc) {
		msg_update_fail_htlc_free(m);
		return true;
	}
	htlc->removal = HTLC_FAILED;
	htlc->remove_step = UPDATE_SENT;
	htlc->fail_reason = m->reason;
	htlc->fail_reason_len = m->len;
	m->reason = NULL;
	msg_update_fail_htlc_free(m);
	return channel_step_done(ch, fx);
}

bool channel_handle_update_fail_malformed_htlc(struct channel *ch,
					       struct channel_effects *fx,
					       const uint8_t *msg, size_t len)
{
	struct msg_update_fail_malformed_htlc *m;
	struct htlc *htlc;

	if (!fromwire_update_fail_malformed_htlc(msg, len, &m))
		return channel_fail_with(ch, fx,
					 "malformed update_fail_malformed_htlc");
	htlc = their_removable(ch, fx, "update_fail_malformed_htlc", m->id);
	if (!htlc) {
		msg_update_fail_malformed_htlc_free(m);
		return true;
	}
	/* BOLT #2:
	 *   - if the `BADONION` bit in `failure_code` is not set for
	 *   `update_fail_malformed_htlc`:
	 */
	if (!(m->failure_code & BADONION)) {
		msg_update_fail_malformed_htlc_free(m);
		return channel_fail_with(ch, fx, "update_fail_malformed_htlc: "
					 "failure_code lacks the BADONION bit");
	}
	htlc->removal = HTLC_FAILED_MALFORMED;
	htlc->remove_step = UPDATE_SENT;
	memcpy(htlc->sha256_of_onion.u8, m->sha256_of_onion.bytes, 32);
	htlc->failure_code = m->failure_code;
	msg_update_fail_malformed_htlc_free(m);
	return channel_step_done(ch, fx);
}

