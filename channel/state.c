/* The channel engine's lifecycle: effects, creating and freeing a channel,
 * failing it, dispatching peer messages, and reading it. */
#include "channel/state_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/commitment_sign.h"
#include "channel/fee.h"
#include "channel/scripts.h"
#include "crypto/secp.h"
#include "crypto/util.h"

const char *channel_state_name(enum channel_state state)
{
	switch (state) {
	case CHANNEL_AWAITING_OPEN:
		return "CHANNEL_AWAITING_OPEN";
	case CHANNEL_AWAITING_ACCEPT:
		return "CHANNEL_AWAITING_ACCEPT";
	case CHANNEL_AWAITING_FUNDING_TX:
		return "CHANNEL_AWAITING_FUNDING_TX";
	case CHANNEL_AWAITING_FUNDING_CREATED:
		return "CHANNEL_AWAITING_FUNDING_CREATED";
	case CHANNEL_AWAITING_FUNDING_SIGNED:
		return "CHANNEL_AWAITING_FUNDING_SIGNED";
	case CHANNEL_AWAITING_LOCKIN:
		return "CHANNEL_AWAITING_LOCKIN";
	case CHANNEL_NORMAL:
		return "CHANNEL_NORMAL";
	case CHANNEL_SHUTTING_DOWN:
		return "CHANNEL_SHUTTING_DOWN";
	case CHANNEL_NEGOTIATING_CLOSE:
		return "CHANNEL_NEGOTIATING_CLOSE";
	case CHANNEL_CLOSED:
		return "CHANNEL_CLOSED";
	case CHANNEL_AWAITING_UNILATERAL:
		return "CHANNEL_AWAITING_UNILATERAL";
	case CHANNEL_DATA_LOSS:
		return "CHANNEL_DATA_LOSS";
	case CHANNEL_FORGOTTEN:
		return "CHANNEL_FORGOTTEN";
	case CHANNEL_ONCHAIN:
		return "CHANNEL_ONCHAIN";
	}
	return "CHANNEL_INVALID_STATE";
}

/* ---- Effects ---- */

void channel_effects_init(struct channel_effects *fx)
{
	memset(fx, 0, sizeof(*fx));
}

void channel_effects_clear(struct channel_effects *fx)
{
	free(fx->snapshot);
	for (size_t i = 0; i < fx->num_msgs; i++)
		wirebuf_free(fx->msgs[i]);
	free(fx->msgs);
	for (size_t i = 0; i < fx->num_events; i++) {
		free(fx->events[i].fail_reason);
		free(fx->events[i].funding_script);
		bitcoin_tx_free(fx->events[i].tx);
		free(fx->events[i].announcement);
	}
	free(fx->events);
	free(fx->failure);
	free(fx->refusal);
	free(fx->disconnect);
	channel_effects_init(fx);
}

/* Grows *array of *num elements of size by one, zeroed; returns it. */
static void *grow(void *array, size_t num, size_t size)
{
	uint8_t *more = wire_calloc(num + 1, size);

	if (num)
		memcpy(more, array, num * size);
	free(array);
	return more;
}

void fx_send(struct channel_effects *fx, struct wirebuf *msg)
{
	fx->msgs = grow(fx->msgs, fx->num_msgs, sizeof(fx->msgs[0]));
	fx->msgs[fx->num_msgs++] = msg;
}

struct channel_event *fx_event(struct channel_effects *fx,
			       enum channel_event_type type)
{
	fx->events = grow(fx->events, fx->num_events, sizeof(fx->events[0]));
	fx->events[fx->num_events].type = type;
	return &fx->events[fx->num_events++];
}

struct channel_event *fx_htlc_event(struct channel_effects *fx,
				    enum channel_event_type type,
				    const struct channel_htlc *h)
{
	struct channel_event *ev = fx_event(fx, type);

	ev->offerer = h->offerer;
	ev->htlc_id = h->id;
	ev->amount_msat = h->amount_msat;
	ev->payment_hash = h->payment_hash;
	ev->cltv_expiry = h->cltv_expiry;
	return ev;
}

static char *vformat(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));
static char *vformat(const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	return wire_memdup(buf, strlen(buf) + 1);
}

bool fx_refuse(struct channel_effects *fx, const char *fmt, ...)
{
	va_list ap;

	free(fx->refusal);
	va_start(ap, fmt);
	fx->refusal = vformat(fmt, ap);
	va_end(ap);
	return false;
}

/* ---- Creating ---- */

static void set_script(uint8_t **script, size_t *len, const uint8_t *bytes,
		       size_t n)
{
	free(*script);
	*script = wire_memdup(bytes, n);
	*len = n;
}

struct channel *channel_new(const secp256k1_context *ctx,
			    const struct channel_setup *setup)
{
	struct channel *ch;
	struct channel_party *us;

	if (!close_script_is_valid(setup->shutdown_script,
				   setup->shutdown_script_len, &setup->features))
		return NULL;
	ch = wire_calloc(1, sizeof(*ch));
	ch->ctx = ctx;
	ch->secrets = *setup->secrets;
	ch->policy = setup->policy;
	ch->features = setup->features;
	ch->state = CHANNEL_AWAITING_OPEN;
	ch->link = LINK_UP;
	ch->config[CHANNEL_LOCAL] = setup->config;
	us = &ch->params.party[CHANNEL_LOCAL];
	if (!channel_secrets_public(ctx, &us->funding_pubkey, &us->basepoints,
				    &ch->secrets)) {
		channel_free(ch);
		return NULL;
	}
	us->dust_limit_sat = setup->config.dust_limit_sat;
	us->to_self_delay = setup->config.to_self_delay;
	set_script(&ch->shutdown_script[CHANNEL_LOCAL],
		   &ch->shutdown_script_len[CHANNEL_LOCAL],
		   setup->shutdown_script, setup->shutdown_script_len);
	ch->upfront_sent = setup->upfront_shutdown_script;
	shachain_init(&ch->remote_secrets);
	return ch;
}

void channel_free(struct channel *ch)
{
	if (!ch)
		return;
	channel_secrets_wipe(&ch->secrets);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		free(ch->shutdown_script[side]);
	free(ch->remote_upfront_script);
	channel_simple_close_forget(ch);
	channel_announce_forget_link(ch);
	CRYPTO_WIPE(&ch->node_key);
	free(ch->local_htlc_sigs);
	htlc_set_clear(&ch->htlcs);
	free(ch->held);
	free(ch->error_text);
	channel_stored_free(ch);
	free(ch);
}

void channel_set_ecdsa_batch(struct channel *ch, const struct ecdsa_batch *batch)
{
	ch->batch = batch;
}

void channel_set_policy(struct channel *ch, const struct channel_policy *policy)
{
	/* BOLT #2 holds the peer's closing_signed to "the overlap between
	 * the sent and received `fee_range`", and ours comes from the
	 * policy: while a closing_signed of ours is out, the range it sent
	 * stays ours. */
	if (ch->sent_closing) {
		ch->next_policy = *policy;
		ch->has_next_policy = true;
		return;
	}
	ch->policy = *policy;
}

void channel_set_features(struct channel *ch,
			  const struct close_features *features)
{
	ch->features = *features;
}

/* ---- Commitments ---- */

void channel_local_point(const struct channel *ch, struct pubkey *out,
			 uint64_t n)
{
	/* Our seed is valid (channel_new checked the secrets) and n stays
	 * far below 2^48, so this cannot fail. */
	channel_per_commitment_point_from_seed(ch->ctx, out,
					       &ch->secrets.shachain_seed, n);
}

struct commitment *channel_build_commitment(const struct channel *ch,
					    enum channel_side owner,
					    bool is_next, uint64_t n,
					    const struct pubkey *point,
					    const char **err)
{
	return channel_build_commitment_of(ch, &ch->htlcs, owner, is_next, n, point, err);
}

struct commitment *channel_build_commitment_of(const struct channel *ch,
					       const struct htlc_set *set,
					       enum channel_side owner,
					       bool is_next, uint64_t n,
					       const struct pubkey *point,
					       const char **err)
{
	struct htlc_view view;
	struct commitment_state state;
	struct commitment *c;

	htlc_set_view(&view, set, owner, is_next);
	if (view.balance_msat[CHANNEL_LOCAL] < 0
	    || view.balance_msat[CHANNEL_REMOTE] < 0) {
		htlc_view_free(&view);
		*err = "a balance would be negative";
		return NULL;
	}
	memset(&state, 0, sizeof(state));
	state.commitment_number = n;
	state.feerate_per_kw = view.feerate_per_kw;
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		state.balance_msat[side] = (uint64_t)view.balance_msat[side];
	state.htlcs = view.htlcs;
	state.num_htlcs = view.num_htlcs;
	c = commitment_new(ch->ctx, &ch->params, owner, point, &state, err);
	htlc_view_free(&view);
	return c;
}

struct bitcoin_tx *channel_signed_commitment(const struct channel *ch)
{
	struct ecdsa_signature ours;
	struct bitcoin_tx *tx = NULL;
	struct commitment *c;
	struct pubkey point;
	const char *err;

	if (!ch->has_commitments)
		return NULL;
	channel_local_point(ch, &point, ch->commit_num[CHANNEL_LOCAL]);
	c = channel_build_commitment(ch, CHANNEL_LOCAL, false,
				     ch->commit_num[CHANNEL_LOCAL], &point,
				     &err);
	if (c && commitment_owner_sign(ch->ctx, &ours, c,
				       &ch->secrets.funding))
		tx = commitment_signed_tx(ch->ctx, c, &ours,
					  &ch->local_commit_sig);
	commitment_free(c);
	return tx;
}

/* ---- Failing ---- */

/* BOLT #2 / BOLT #5 "Failing a Channel": stop, and put our latest
 * commitment on chain (unless nothing is at stake yet, or we are the one
 * who lost state). */
static void fail_channel(struct channel *ch, struct channel_effects *fx,
			 bool send_error, char *why)
{
	const struct channel_id *id = channel_get_id(ch);
	struct channel_event *ev;

	free(fx->failure);
	fx->failure = why;
	if (send_error) {
		fx_send(fx, towire_error_text(id, why));
		free(ch->error_text);
		ch->error_text = wire_memdup(why, strlen(why) + 1);
	}
	/* Nothing of ours to broadcast: we lost state, or the mutual close is
	 * agreed and its transaction handed over (our commitment would only
	 * compete with it). */
	if (ch->state == CHANNEL_DATA_LOSS || ch->state == CHANNEL_CLOSED)
		return;
	if (!ch->has_commitments) {
		ch->state = CHANNEL_FORGOTTEN;
		fx_event(fx, CHANNEL_EVENT_FORGET);
		return;
	}
	ev = fx_event(fx, CHANNEL_EVENT_COMMITMENT_BROADCAST);
	ev->tx = channel_signed_commitment(ch);
	ch->state = CHANNEL_AWAITING_UNILATERAL;
}

bool channel_warn_disconnect(struct channel *ch, struct channel_effects *fx,
			     const char *fmt, ...)
{
	char text[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fx_send(fx, towire_warning_text(&ch->channel_id, text));
	free(fx->disconnect);
	fx->disconnect = wire_memdup(text, strlen(text) + 1);
	return channel_disconnected(ch, fx);
}

bool channel_is_finished(const struct channel *ch)
{
	switch (ch->state) {
	case CHANNEL_AWAITING_OPEN:
	case CHANNEL_AWAITING_ACCEPT:
	case CHANNEL_AWAITING_FUNDING_TX:
	case CHANNEL_AWAITING_FUNDING_CREATED:
	case CHANNEL_AWAITING_FUNDING_SIGNED:
	case CHANNEL_AWAITING_LOCKIN:
	case CHANNEL_NORMAL:
	case CHANNEL_SHUTTING_DOWN:
	case CHANNEL_NEGOTIATING_CLOSE:
		return false;
	case CHANNEL_CLOSED:
	case CHANNEL_AWAITING_UNILATERAL:
	case CHANNEL_DATA_LOSS:
	case CHANNEL_FORGOTTEN:
	case CHANNEL_ONCHAIN:
		return true;
	}
	return true;
}

bool channel_fail_with(struct channel *ch, struct channel_effects *fx,
		       const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = vformat(fmt, ap);
	va_end(ap);
	fail_channel(ch, fx, true, why);
	return channel_step_done(ch, fx);
}

bool channel_fail(struct channel *ch, struct channel_effects *fx,
		  const char *why)
{
	if (channel_is_finished(ch))
		return fx_refuse(fx, "channel is already %s",
				 channel_state_name(ch->state));
	return channel_fail_with(ch, fx, "%s", why);
}

bool channel_forget_unfunded(struct channel *ch, struct channel_effects *fx,
			     const char *why)
{
	if (ch->params.opener != CHANNEL_REMOTE || ch->state != CHANNEL_AWAITING_LOCKIN)
		return fx_refuse(fx, "only a fundee waiting for lock-in forgets a channel");
	/* BOLT #2:
	 * A non-funding node (fundee):
	 *   - SHOULD forget the channel if it does not see the correct funding
	 *     transaction after a timeout of 2016 blocks.
	 *
	 * Our commitment spends nothing that exists: no broadcast. */
	ch->has_commitments = false;
	return channel_fail_with(ch, fx, "%s", why);
}

/* ---- Steps ---- */

bool channel_is_operational(const struct channel *ch)
{
	return ch->link == LINK_UP
		&& (ch->state == CHANNEL_NORMAL
		    || ch->state == CHANNEL_SHUTTING_DOWN);
}

bool channel_step_done(struct channel *ch, struct channel_effects *fx)
{
	struct wirebuf *snapshot;

	if (!channel_is_finished(ch) && ch->link == LINK_UP) {
		channel_announce_progress(ch, fx);
		channel_close_progress(ch, fx);
	}
	fx->changed = true;
	if (ch->no_snapshots)
		return true;
	snapshot = wirebuf_new();
	channel_serialize(snapshot, ch);
	free(fx->snapshot);
	fx->snapshot = wirebuf_take(snapshot, &fx->snapshot_len);
	return true;
}

/* ---- Peer messages ---- */

/* The channel_id (or temporary_channel_id) a channel message names. */
static bool message_channel_id(struct channel_id *out, uint16_t type,
			       const uint8_t *msg, size_t len)
{
	const uint8_t *cursor = msg + 2;
	size_t max = len - 2;

	if (type == WIRE_OPEN_CHANNEL)
		fromwire_pull(&cursor, &max, sizeof(struct chain_hash));
	fromwire_channel_id(&cursor, &max, out);
	return cursor != NULL;
}

static bool names_us(const struct channel *ch, const struct channel_id *id)
{
	return memcmp(id, &ch->temporary_channel_id, sizeof(*id)) == 0
		|| (ch->has_channel_id
		    && memcmp(id, &ch->channel_id, sizeof(*id)) == 0);
}

/* The peer's `error` fails the channel; its `warning` changes nothing.
 *
 * BOLT #1:
 *   - upon receiving `error`:
 *     - if `channel_id` is all zero:
 *       - MUST fail all channels with the sending node.
 *     - otherwise:
 *       - MUST fail the channel referred to by `channel_id`, if that channel is with the
 *       sending node.
 */
static bool handle_error(struct channel *ch, struct channel_effects *fx,
			 const uint8_t *msg, size_t len)
{
	struct msg_error *m;
	char text[200], why[256];
	size_t n;

	if (!fromwire_error(msg, len, &m))
		return fx_refuse(fx, "malformed error message");
	n = m->len < sizeof(text) - 1 ? m->len : sizeof(text) - 1;
	if (error_data_is_printable(m->data, n)) {
		if (n)	/* data is NULL when empty */
			memcpy(text, m->data, n);
		text[n] = '\0';
	} else {
		snprintf(text, sizeof(text), "(%u unprintable bytes)", m->len);
	}
	msg_error_free(m);
	if (channel_is_finished(ch))
		return channel_step_done(ch, fx);
	snprintf(why, sizeof(why), "peer sent error: %s", text);
	fail_channel(ch, fx, false, wire_memdup(why, strlen(why) + 1));
	return channel_step_done(ch, fx);
}

bool channel_handle_message(struct channel *ch, struct channel_effects *fx,
			    const uint8_t *msg, size_t len)
{
	struct channel_id id;
	uint16_t type;

	if (!fromwire_peektype(msg, len, &type))
		return fx_refuse(fx, "message has no type");
	if (!message_channel_id(&id, type, msg, len))
		return fx_refuse(fx, "message too short for a channel_id");
	if (type != WIRE_OPEN_CHANNEL && !names_us(ch, &id)
	    && !((type == WIRE_ERROR || type == WIRE_WARNING)
		 && channel_id_is_all_zero(&id)))
		return fx_refuse(fx, "message for another channel");
	if (type == WIRE_OPEN_CHANNEL && ch->state == CHANNEL_AWAITING_OPEN)
		ch->temporary_channel_id = id;
	if (type == WIRE_ERROR)
		return handle_error(ch, fx, msg, len);
	/* Once failed, only errors matter.  Once closed, the peer may still
	 * need our last closing_signed, after a reconnection. */
	if (channel_is_finished(ch)
	    && !(ch->state == CHANNEL_CLOSED
		 && (type == WIRE_CHANNEL_REESTABLISH
		     || type == WIRE_CLOSING_SIGNED
		     || type == WIRE_CLOSING_COMPLETE
		     || type == WIRE_CLOSING_SIG)))
		return true;
	/* BOLT #2:
	 *       - MUST wait to receive the other node's `channel_reestablish`
	 *         message before sending any other messages for that channel.
	 *
	 * And the peer waits for ours: anything else before it is stale. */
	if (ch->link == LINK_DOWN
	    || (ch->link == LINK_REESTABLISHING
		&& type != WIRE_CHANNEL_REESTABLISH))
		return true;

	switch ((enum peer_wire)type) {
	case WIRE_OPEN_CHANNEL:
		return channel_handle_open_channel(ch, fx, msg, len);
	case WIRE_ACCEPT_CHANNEL:
		return channel_handle_accept_channel(ch, fx, msg, len);
	case WIRE_FUNDING_CREATED:
		return channel_handle_funding_created(ch, fx, msg, len);
	case WIRE_FUNDING_SIGNED:
		return channel_handle_funding_signed(ch, fx, msg, len);
	case WIRE_CHANNEL_READY:
		return channel_handle_channel_ready(ch, fx, msg, len);
	case WIRE_SHUTDOWN:
		return channel_handle_shutdown(ch, fx, msg, len);
	case WIRE_CLOSING_SIGNED:
		return channel_handle_closing_signed(ch, fx, msg, len);
	case WIRE_CLOSING_COMPLETE:
		return channel_handle_closing_complete(ch, fx, msg, len);
	case WIRE_CLOSING_SIG:
		return channel_handle_closing_sig(ch, fx, msg, len);
	case WIRE_UPDATE_ADD_HTLC:
		return channel_handle_update_add_htlc(ch, fx, msg, len);
	case WIRE_UPDATE_FULFILL_HTLC:
		return channel_handle_update_fulfill_htlc(ch, fx, msg, len);
	case WIRE_UPDATE_FAIL_HTLC:
		return channel_handle_update_fail_htlc(ch, fx, msg, len);
	case WIRE_UPDATE_FAIL_MALFORMED_HTLC:
		return channel_handle_update_fail_malformed_htlc(ch, fx, msg,
								 len);
	case WIRE_COMMITMENT_SIGNED:
		return channel_handle_commitment_signed(ch, fx, msg, len);
	case WIRE_REVOKE_AND_ACK:
		return channel_handle_revoke_and_ack(ch, fx, msg, len);
	case WIRE_UPDATE_FEE:
		return channel_handle_update_fee(ch, fx, msg, len);
	case WIRE_CHANNEL_REESTABLISH:
		return channel_handle_channel_reestablish(ch, fx, msg, len);
	case WIRE_ANNOUNCEMENT_SIGNATURES:
		return channel_handle_announcement_signatures(ch, fx, msg, len);
	case WIRE_WARNING:
		return true;
	case WIRE_ERROR:
	case WIRE_INIT:
	case WIRE_PING:
	case WIRE_PONG:
	case WIRE_CHANNEL_UPDATE:
	case WIRE_CHANNEL_ANNOUNCEMENT:
	case WIRE_NODE_ANNOUNCEMENT:
	case WIRE_QUERY_SHORT_CHANNEL_IDS:
	case WIRE_REPLY_SHORT_CHANNEL_IDS_END:
	case WIRE_QUERY_CHANNEL_RANGE:
	case WIRE_REPLY_CHANNEL_RANGE:
	case WIRE_GOSSIP_TIMESTAMP_FILTER:
		break;
	}
	return fx_refuse(fx, "message type %u is not a channel message", type);
}

/* ---- Reading ---- */

enum channel_state channel_get_state(const struct channel *ch)
{
	return ch->state;
}

const struct channel_id *channel_get_id(const struct channel *ch)
{
	return ch->has_channel_id ? &ch->channel_id : &ch->temporary_channel_id;
}

bool channel_is_opener(const struct channel *ch)
{
	return ch->params.opener == CHANNEL_LOCAL;
}

const struct channel_params *channel_get_params(const struct channel *ch)
{
	return &ch->params;
}

uint8_t channel_get_flags(const struct channel *ch)
{
	return ch->channel_flags;
}

const char *channel_get_failure(const struct channel *ch)
{
	return ch->error_text;
}

const struct channel_config *channel_get_config(const struct channel *ch,
					       enum channel_side side)
{
	return &ch->config[side];
}

const struct short_channel_id *channel_get_scid(const struct channel *ch)
{
	return &ch->scid;
}

uint64_t channel_sendable_msat(const struct channel *ch, enum channel_side side)
{
	enum channel_side other = channel_side_other(side);
	struct htlc_view view;
	uint64_t in_flight_msat, limit_msat;
	int64_t left;

	if (ch->state != CHANNEL_NORMAL)
		return 0;
	/* The HTLC would go into the other side's next commitment first. */
	htlc_set_view(&view, &ch->htlcs, other, true);
	htlc_view_count(&view, side, &in_flight_msat);
	left = view.balance_msat[side]
		- (int64_t)(ch->config[other].channel_reserve_sat * 1000);
	if (ch->params.opener == side)
		left -= (int64_t)(1000 * (channel_commitment_fee_sat(view.feerate_per_kw,
								     view.num_htlcs + 1,
								     ch->params.option_anchors)
					  + (ch->params.option_anchors
					     ? 2 * CHANNEL_ANCHOR_OUTPUT_SAT : 0)));
	htlc_view_free(&view);
	limit_msat = ch->config[other].max_htlc_value_in_flight_msat;
	if (left <= 0 || in_flight_msat >= limit_msat)
		return 0;
	if ((uint64_t)left > limit_msat - in_flight_msat)
		return limit_msat - in_flight_msat;
	return (uint64_t)left;
}

uint64_t channel_commitment_number(const struct channel *ch,
				   enum channel_side side)
{
	return ch->commit_num[side];
}

bool channel_can_send_commit(const struct channel *ch)
{
	return channel_is_operational(ch) && !ch->awaiting_revoke
		&& ch->has_remote_point[POINT_NEXT]
		&& htlc_set_has_changes(&ch->htlcs, CHANNEL_LOCAL);
}

bool channel_awaits_revoke(const struct channel *ch)
{
	return ch->awaiting_revoke;
}

bool channel_is_connected(const struct channel *ch)
{
	return ch->link == LINK_UP;
}

void channel_get_view(const struct channel *ch, enum channel_side owner,
		      struct htlc_view *out)
{
	htlc_set_view(out, &ch->htlcs, owner, false);
}

const struct htlc_set *channel_get_htlcs(const struct channel *ch)
{
	return &ch->htlcs;
}

const struct htlc *channel_find_htlc(const struct channel *ch,
				     enum channel_side offerer, uint64_t id)
{
	return htlc_set_find(&ch->htlcs, offerer, id);
}
