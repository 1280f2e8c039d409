/* Channel establishment (BOLT #2 "Channel Establishment v1"):
 *
 *   funder                                  fundee
 *   channel_open        -- open_channel -->    (checks)
 *   (checks)          <-- accept_channel --
 *   FUNDING_NEEDED event; the daemon builds the funding tx
 *   channel_funding_built -- funding_created --> (verifies, signs)
 *   (verifies)        <-- funding_signed --
 *   FUNDING_BROADCAST event
 *   channel_funding_depth -- channel_ready <--> channel_funding_depth
 *
 * Until both first commitments are signed nothing is at stake: a failure
 * or a disconnection forgets the channel. */
#include "channel/state_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel/commitment_sign.h"
#include "channel/scripts.h"
#include "crypto/secp.h"
#include "wire/features.h"

static void point_towire(const struct channel *ch, struct wire_point *out,
			 const struct pubkey *key)
{
	pubkey_serialize(ch->ctx, out->bytes, key);
}

/* The points an open_channel or accept_channel carries. */
struct announced_points {
	const struct wire_point *wire[6];
};

static const char *const point_names[6] = {
	"funding_pubkey", "revocation_basepoint", "payment_basepoint",
	"delayed_payment_basepoint", "htlc_basepoint",
	"first_per_commitment_point",
};

/* Parses the peer's keys, as msg_name carried them, into params and its
 * first point.  Returns: NULL, or why (which names the message and the
 * field that is not a valid point). */
static const char *parse_points(struct channel *ch, const char *msg_name,
				const struct announced_points *in,
				char why[OPEN_WHY_MAX])
{
	struct channel_party *them = &ch->params.party[CHANNEL_REMOTE];
	struct pubkey *out[6] = {
		&them->funding_pubkey, &them->basepoints.revocation,
		&them->basepoints.payment, &them->basepoints.delayed_payment,
		&them->basepoints.htlc, &ch->remote_point[POINT_CURRENT],
	};

	/* BOLT #2:
	 *   - `funding_pubkey`, `revocation_basepoint`, `htlc_basepoint`, `payment_basepoint`, or `delayed_payment_basepoint`
	 * are not valid secp256k1 pubkeys in compressed format.
	 */
	for (size_t i = 0; i < 6; i++) {
		if (!pubkey_parse(ch->ctx, out[i], in->wire[i]->bytes)) {
			snprintf(why, OPEN_WHY_MAX, "%s: %s is not a valid point",
				 msg_name, point_names[i]);
			return why;
		}
	}
	ch->has_remote_point[POINT_CURRENT] = true;
	ch->has_remote_keys = true;
	return NULL;
}

/* Our keys and first point, as open_channel / accept_channel carry them. */
static void our_points(const struct channel *ch, struct wire_point *funding,
		       struct wire_point *revocation, struct wire_point *payment,
		       struct wire_point *delayed, struct wire_point *htlc,
		       struct wire_point *first)
{
	const struct channel_party *us = &ch->params.party[CHANNEL_LOCAL];
	struct pubkey point;

	point_towire(ch, funding, &us->funding_pubkey);
	point_towire(ch, revocation, &us->basepoints.revocation);
	point_towire(ch, payment, &us->basepoints.payment);
	point_towire(ch, delayed, &us->basepoints.delayed_payment);
	point_towire(ch, htlc, &us->basepoints.htlc);
	channel_local_point(ch, &point, 0);
	point_towire(ch, first, &point);
}

/* The upfront_shutdown_script record we send: our script, or empty. */
static void our_upfront(const struct channel *ch, size_t *len, uint8_t **script)
{
	*len = ch->upfront_sent ? ch->shutdown_script_len[CHANNEL_LOCAL] : 0;
	*script = wire_memdup(ch->shutdown_script[CHANNEL_LOCAL], *len);
}

static void our_channel_type(const struct channel *ch, size_t *len,
			     uint8_t **bytes)
{
	struct wirebuf *buf = wirebuf_new();

	channel_type_towire(buf, ch->type);
	*bytes = wirebuf_take(buf, len);
}

/* Takes the peer's channel_type and upfront_shutdown_script records.
 * Returns: NULL, or why they are not acceptable. */
static const char *take_tlvs(struct channel *ch, const char *msg_name,
			     const uint8_t *type, size_t type_len,
			     bool has_type, const uint8_t *upfront,
			     size_t upfront_len, char why[OPEN_WHY_MAX])
{
	enum channel_type parsed;

	/* BOLT #2:
	 *   - if the message doesn't include a `channel_type`:
	 *     - fail the channel.
	 */
	if (!has_type) {
		snprintf(why, OPEN_WHY_MAX, "%s: channel_type is missing",
			 msg_name);
		return why;
	}
	if (!channel_type_fromwire(&parsed, type, type_len, why))
		return why;
	/* BOLT #2:
	 *   - the `channel_type` is not suitable.
	 */
	if (parsed == CHANNEL_TYPE_ANCHORS && !ch->policy.allow_anchors) {
		snprintf(why, OPEN_WHY_MAX, "%s: channel_type option_anchors "
			 "is not allowed with this peer", msg_name);
		return why;
	}
	if (ch->state == CHANNEL_AWAITING_ACCEPT && parsed != ch->type) {
		/* BOLT #2:
		 *   - if `channel_type` does not match the `channel_type` from `open_channel`:
		 *     - MUST fail the channel.
		 */
		snprintf(why, OPEN_WHY_MAX, "accept_channel: channel_type "
			 "differs from our open_channel's");
		return why;
	}
	ch->type = parsed;
	ch->params.option_anchors = parsed == CHANNEL_TYPE_ANCHORS;
	if (upfront_len
	    && !close_script_is_valid(upfront, upfront_len, &ch->features)) {
		snprintf(why, OPEN_WHY_MAX, "%s: upfront_shutdown_script is "
			 "not a valid shutdown scriptpubkey", msg_name);
		return why;
	}
	free(ch->remote_upfront_script);
	ch->remote_upfront_script = wire_memdup(upfront, upfront_len);
	ch->remote_upfront_script_len = upfront_len;
	return NULL;
}

/* The peer's config into ours. */
static void take_config(struct channel *ch, const struct channel_config *c)
{
	ch->config[CHANNEL_REMOTE] = *c;
	ch->params.party[CHANNEL_REMOTE].dust_limit_sat = c->dust_limit_sat;
	ch->params.party[CHANNEL_REMOTE].to_self_delay = c->to_self_delay;
}

bool channel_open(struct channel *ch, struct channel_effects *fx,
		  const struct channel_id *temporary_channel_id,
		  uint64_t funding_sat, uint64_t push_msat,
		  uint32_t feerate_per_kw, enum channel_type type,
		  uint8_t channel_flags)
{
	const struct channel_config *ours = &ch->config[CHANNEL_LOCAL];
	struct msg_open_channel m;
	struct tlv_open_channel_tlvs *tlvs;
	uint64_t fee_sat;

	if (ch->state != CHANNEL_AWAITING_OPEN)
		return fx_refuse(fx, "channel is %s, not new",
				 channel_state_name(ch->state));
	/* BOLT #2:
	 *   - otherwise:
	 *     - MUST set `funding_satoshis` to less than 2^24 satoshi.
	 *   - MUST set `push_msat` to equal or less than 1000 * `funding_satoshis`.
	 */
	if (funding_sat > CHANNEL_MAX_FUNDING_SAT)
		return fx_refuse(fx, "funding_satoshis must be below 2^24");
	if (push_msat > funding_sat * 1000)
		return fx_refuse(fx, "push_msat exceeds the funding amount");
	if (type == CHANNEL_TYPE_ANCHORS && !ch->policy.allow_anchors)
		return fx_refuse(fx, "option_anchors is not negotiated");
	fee_sat = open_initial_fee_sat(feerate_per_kw,
				       type == CHANNEL_TYPE_ANCHORS);
	if ((funding_sat * 1000 - push_msat) / 1000 < fee_sat)
		return fx_refuse(fx, "funding less push cannot pay the first "
				 "commitment fee");
	/* BOLT #2:
	 *   - MUST set `channel_reserve_satoshis` greater than or equal to `dust_limit_satoshis`.
	 */
	if (ours->channel_reserve_sat < ours->dust_limit_sat
	    || ours->dust_limit_sat < CHANNEL_MIN_DUST_LIMIT_SAT)
		return fx_refuse(fx, "our dust_limit_satoshis must be 354 or "
				 "more and at most our channel_reserve_satoshis");

	ch->temporary_channel_id = *temporary_channel_id;
	ch->type = type;
	ch->channel_flags = channel_flags;
	ch->push_msat = push_msat;
	ch->params.opener = CHANNEL_LOCAL;
	ch->params.funding_sat = funding_sat;
	ch->params.option_anchors = type == CHANNEL_TYPE_ANCHORS;
	htlc_set_init(&ch->htlcs, CHANNEL_LOCAL, funding_sat * 1000, push_msat,
		      feerate_per_kw);

	memset(&m, 0, sizeof(m));
	m.chain_hash = ch->policy.chain_hash;
	memcpy(m.temporary_channel_id, temporary_channel_id->bytes, 32);
	m.funding_satoshis = funding_sat;
	m.push_msat = push_msat;
	m.dust_limit_satoshis = ours->dust_limit_sat;
	m.max_htlc_value_in_flight_msat = ours->max_htlc_value_in_flight_msat;
	m.channel_reserve_satoshis = ours->channel_reserve_sat;
	m.htlc_minimum_msat = ours->htlc_minimum_msat;
	m.feerate_per_kw = feerate_per_kw;
	m.to_self_delay = ours->to_self_delay;
	m.max_accepted_htlcs = ours->max_accepted_htlcs;
	our_points(ch, &m.funding_pubkey, &m.revocation_basepoint,
		   &m.payment_basepoint, &m.delayed_payment_basepoint,
		   &m.htlc_basepoint, &m.first_per_commitment_point);
	/* BOLT #2:
	 *   - MUST set undefined bits in `channel_flags` to 0.
	 */
	m.channel_flags = channel_flags & 1;
	/* BOLT #2:
	 *   - if it includes `open_channel_tlvs`:
	 *     - MUST include `upfront_shutdown_script`.
	 */
	tlvs = tlv_open_channel_tlvs_new();
	tlvs->upfront_shutdown_script =
		wire_calloc(1, sizeof(*tlvs->upfront_shutdown_script));
	our_upfront(ch, &tlvs->upfront_shutdown_script->num_shutdown_scriptpubkey,
		    &tlvs->upfront_shutdown_script->shutdown_scriptpubkey);
	tlvs->channel_type = wire_calloc(1, sizeof(*tlvs->channel_type));
	our_channel_type(ch, &tlvs->channel_type->num_type,
			 &tlvs->channel_type->type);
	m.tlvs = tlvs;
	fx_send(fx, towire_open_channel(&m));
	tlv_open_channel_tlvs_free(tlvs);
	ch->state = CHANNEL_AWAITING_ACCEPT;
	return channel_step_done(ch, fx);
}

bool channel_handle_open_channel(struct channel *ch, struct channel_effects *fx,
				 const uint8_t *msg, size_t len)
{
	struct channel_config *ours = &ch->config[CHANNEL_LOCAL], theirs;
	struct announced_points points;
	struct msg_open_channel *m;
	struct msg_accept_channel a;
	struct tlv_accept_channel_tlvs *tlvs;
	char why[OPEN_WHY_MAX];
	const char *bad;

	if (ch->state != CHANNEL_AWAITING_OPEN)
		return channel_fail_with(ch, fx, "open_channel for a channel "
					 "already being opened");
	if (!fromwire_open_channel(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed open_channel");
	memcpy(ch->temporary_channel_id.bytes, m->temporary_channel_id, 32);
	if (!open_check_open_channel(m, &ch->policy,
				     m->tlvs && m->tlvs->channel_type
				     && feature_bit_is_set(
					     m->tlvs->channel_type->type,
					     m->tlvs->channel_type->num_type,
					     FEATURE_ANCHORS),
				     why)) {
		msg_open_channel_free(m);
		return channel_fail_with(ch, fx, "%s", why);
	}
	bad = take_tlvs(ch, "open_channel",
			m->tlvs && m->tlvs->channel_type
				? m->tlvs->channel_type->type : NULL,
			m->tlvs && m->tlvs->channel_type
				? m->tlvs->channel_type->num_type : 0,
			m->tlvs && m->tlvs->channel_type,
			m->tlvs && m->tlvs->upfront_shutdown_script
				? m->tlvs->upfront_shutdown_script
					  ->shutdown_scriptpubkey : NULL,
			m->tlvs && m->tlvs->upfront_shutdown_script
				? m->tlvs->upfront_shutdown_script
					  ->num_shutdown_scriptpubkey : 0,
			why);
	if (!bad) {
		points = (struct announced_points){ {
			&m->funding_pubkey, &m->revocation_basepoint,
			&m->payment_basepoint, &m->delayed_payment_basepoint,
			&m->htlc_basepoint, &m->first_per_commitment_point } };
		bad = parse_points(ch, "open_channel", &points, why);
	}
	/* BOLT #2:
	 * The sender:
	 *   - if `channel_type` includes `option_zeroconf`:
	 *     - MUST set `minimum_depth` to zero.
	 *   - otherwise:
	 *     - SHOULD set `minimum_depth` to a number of blocks it considers reasonable to avoid double-spending of the funding transaction.
	 *   - MUST set `channel_reserve_satoshis` greater than or equal to `dust_limit_satoshis` from the `open_channel` message.
	 *   - MUST set `dust_limit_satoshis` less than or equal to `channel_reserve_satoshis` from the `open_channel` message.
	 */
	if (!bad && ours->dust_limit_sat > m->channel_reserve_satoshis) {
		snprintf(why, sizeof(why), "open_channel: channel_reserve_"
			 "satoshis %llu is below our dust_limit_satoshis %llu",
			 (unsigned long long)m->channel_reserve_satoshis,
			 (unsigned long long)ours->dust_limit_sat);
		bad = why;
	}
	if (bad) {
		msg_open_channel_free(m);
		return channel_fail_with(ch, fx, "%s", bad);
	}
	if (ours->channel_reserve_sat < m->dust_limit_satoshis)
		ours->channel_reserve_sat = m->dust_limit_satoshis;

	open_config_from_open(&theirs, m);
	take_config(ch, &theirs);
	ch->channel_flags = m->channel_flags;
	ch->push_msat = m->push_msat;
	ch->params.opener = CHANNEL_REMOTE;
	ch->params.funding_sat = m->funding_satoshis;
	htlc_set_init(&ch->htlcs, CHANNEL_REMOTE, m->funding_satoshis * 1000,
		      m->push_msat, m->feerate_per_kw);
	msg_open_channel_free(m);

	memset(&a, 0, sizeof(a));
	memcpy(a.temporary_channel_id, ch->temporary_channel_id.bytes, 32);
	a.dust_limit_satoshis = ours->dust_limit_sat;
	a.max_htlc_value_in_flight_msat = ours->max_htlc_value_in_flight_msat;
	a.channel_reserve_satoshis = ours->channel_reserve_sat;
	a.htlc_minimum_msat = ours->htlc_minimum_msat;
	a.minimum_depth = ours->minimum_depth;
	a.to_self_delay = ours->to_self_delay;
	a.max_accepted_htlcs = ours->max_accepted_htlcs;
	our_points(ch, &a.funding_pubkey, &a.revocation_basepoint,
		   &a.payment_basepoint, &a.delayed_payment_basepoint,
		   &a.htlc_basepoint, &a.first_per_commitment_point);
	/* BOLT #2:
	 *   - MUST set `channel_type` to the `channel_type` from `open_channel`.
	 */
	tlvs = tlv_accept_channel_tlvs_new();
	tlvs->upfront_shutdown_script =
		wire_calloc(1, sizeof(*tlvs->upfront_shutdown_script));
	our_upfront(ch, &tlvs->upfront_shutdown_script->num_shutdown_scriptpubkey,
		    &tlvs->upfront_shutdown_script->shutdown_scriptpubkey);
	tlvs->channel_type = wire_calloc(1, sizeof(*tlvs->channel_type));
	our_channel_type(ch, &tlvs->channel_type->num_type,
			 &tlvs->channel_type->type);
	a.tlvs = tlvs;
	fx_send(fx, towire_accept_channel(&a));
	tlv_accept_channel_tlvs_free(tlvs);
	ch->state = CHANNEL_AWAITING_FUNDING_CREATED;
	return channel_step_done(ch, fx);
}

bool channel_handle_accept_channel(struct channel *ch,
				   struct channel_effects *fx,
				   const uint8_t *msg, size_t len)
{
	struct channel_config theirs;
	struct announced_points points;
	struct msg_accept_channel *m;
	struct channel_event *ev;
	struct wirebuf *script;
	char why[OPEN_WHY_MAX];
	const char *bad;

	if (ch->state != CHANNEL_AWAITING_ACCEPT)
		return channel_fail_with(ch, fx, "unexpected accept_channel");
	if (!fromwire_accept_channel(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed accept_channel");
	/* BOLT #2:
	 * The `temporary_channel_id` MUST be the same as the `temporary_channel_id` in
	 * the `open_channel` message.
	 */
	if (memcmp(m->temporary_channel_id, ch->temporary_channel_id.bytes,
		   32) != 0) {
		msg_accept_channel_free(m);
		return channel_fail_with(ch, fx, "accept_channel: "
					 "temporary_channel_id differs");
	}
	bad = open_check_accept_channel(m, &ch->config[CHANNEL_LOCAL],
					&ch->policy, why) ? NULL : why;
	if (!bad)
		bad = take_tlvs(ch, "accept_channel",
				m->tlvs && m->tlvs->channel_type
					? m->tlvs->channel_type->type : NULL,
				m->tlvs && m->tlvs->channel_type
					? m->tlvs->channel_type->num_type : 0,
				m->tlvs && m->tlvs->channel_type,
				m->tlvs && m->tlvs->upfront_shutdown_script
					? m->tlvs->upfront_shutdown_script
						  ->shutdown_scriptpubkey : NULL,
				m->tlvs && m->tlvs->upfront_shutdown_script
					? m->tlvs->upfront_shutdown_script
						  ->num_shutdown_scriptpubkey : 0,
				why);
	if (!bad) {
		points = (struct announced_points){ {
			&m->funding_pubkey, &m->revocation_basepoint,
			&m->payment_basepoint, &m->delayed_payment_basepoint,
			&m->htlc_basepoint, &m->first_per_commitment_point } };
		bad = parse_points(ch, "accept_channel", &points, why);
	}
	if (bad) {
		msg_accept_channel_free(m);
		return channel_fail_with(ch, fx, "%s", bad);
	}
	open_config_from_accept(&theirs, m);
	take_config(ch, &theirs);
	msg_accept_channel_free(m);

	ev = fx_event(fx, CHANNEL_EVENT_FUNDING_NEEDED);
	script = wirebuf_new();
	channel_script_funding_output(
		script, ch->ctx, &ch->params.party[CHANNEL_LOCAL].funding_pubkey,
		&ch->params.party[CHANNEL_REMOTE].funding_pubkey);
	ev->funding_script = wirebuf_take(script, &ev->funding_script_len);
	ev->funding_sat = ch->params.funding_sat;
	ch->state = CHANNEL_AWAITING_FUNDING_TX;
	return channel_step_done(ch, fx);
}

/* BOLT #2:
 * Some messages use a `channel_id` to identify the channel. It's
 * derived from the funding transaction by combining the `funding_txid`
 * and the `funding_output_index`, using big-endian exclusive-OR
 * (i.e. `funding_output_index` alters the last 2 bytes).
 */
static void set_funding(struct channel *ch, const struct bitcoin_outpoint *funding)
{
	ch->params.funding = *funding;
	memcpy(ch->channel_id.bytes, funding->txid.shad.sha.u8, 32);
	ch->channel_id.bytes[30] ^= (uint8_t)(funding->vout >> 8);
	ch->channel_id.bytes[31] ^= (uint8_t)(funding->vout & 0xff);
	ch->has_channel_id = true;
}

/* Our signature on the peer's first commitment.  Returns: false if it
 * cannot be built (the amounts cannot be). */
static bool sign_first_remote(struct channel *ch, struct wire_signature *out,
			      const char **err)
{
	struct ecdsa_signature sig, none;
	struct commitment *c;
	bool ok;

	c = channel_build_commitment(ch, CHANNEL_REMOTE, false, 0,
				     &ch->remote_point[POINT_CURRENT], err);
	if (!c)
		return false;
	ok = commitment_counterparty_sign(ch->ctx, &sig, &none, c,
					  &ch->secrets.funding,
					  &ch->secrets.htlc_basepoint_secret);
	commitment_free(c);
	if (!ok) {
		*err = "cannot sign the first commitment";
		return false;
	}
	ecdsa_signature_serialize_compact(ch->ctx, out->bytes, &sig);
	return true;
}

/* Checks the peer's signature on our first commitment and keeps it. */
static bool verify_first_local(struct channel *ch,
			       const struct wire_signature *wire_sig,
			       const char **err)
{
	struct ecdsa_signature sig;
	struct commitment *c;
	struct pubkey point;
	bool ok;

	if (!ecdsa_signature_parse_compact(ch->ctx, &sig, wire_sig->bytes)) {
		*err = "signature is not a valid signature";
		return false;
	}
	channel_local_point(ch, &point, 0);
	c = channel_build_commitment(ch, CHANNEL_LOCAL, false, 0, &point, err);
	if (!c)
		return false;
	ok = commitment_counterparty_verify(ch->ctx, c, &sig, NULL, 0, err);
	commitment_free(c);
	if (ok)
		ch->local_commit_sig = sig;
	return ok;
}

bool channel_funding_built(struct channel *ch, struct channel_effects *fx,
			   const struct bitcoin_outpoint *funding)
{
	struct msg_funding_created m;
	const char *err;

	if (ch->state != CHANNEL_AWAITING_FUNDING_TX)
		return fx_refuse(fx, "channel is %s, not awaiting a funding "
				 "transaction", channel_state_name(ch->state));
	if (funding->vout > UINT16_MAX)
		return fx_refuse(fx, "funding output index must fit in 16 bits");
	memset(&m, 0, sizeof(m));
	set_funding(ch, funding);
	if (!sign_first_remote(ch, &m.signature, &err))
		return channel_fail_with(ch, fx, "funding: %s", err);
	memcpy(m.temporary_channel_id, ch->temporary_channel_id.bytes, 32);
	memcpy(m.funding_txid.bytes, funding->txid.shad.sha.u8, 32);
	m.funding_output_index = (uint16_t)funding->vout;
	fx_send(fx, towire_funding_created(&m));
	ch->state = CHANNEL_AWAITING_FUNDING_SIGNED;
	return channel_step_done(ch, fx);
}

bool channel_handle_funding_created(struct channel *ch,
				    struct channel_effects *fx,
				    const uint8_t *msg, size_t len)
{
	struct msg_funding_created *m;
	struct msg_funding_signed s;
	struct bitcoin_outpoint funding;
	const char *err;

	if (ch->state != CHANNEL_AWAITING_FUNDING_CREATED)
		return channel_fail_with(ch, fx, "unexpected funding_created");
	if (!fromwire_funding_created(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed funding_created");
	memcpy(funding.txid.shad.sha.u8, m->funding_txid.bytes, 32);
	funding.vout = m->funding_output_index;
	set_funding(ch, &funding);
	/* BOLT #2:
	 * The recipient:
	 *   - if `signature` is incorrect OR non-compliant with LOW-S-standard rule<sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
	 *     - MUST send a `warning` and close the connection, or send an
	 *       `error` and fail the channel.
	 */
	if (!verify_first_local(ch, &m->signature, &err)) {
		msg_funding_created_free(m);
		return channel_fail_with(ch, fx, "funding_created: %s", err);
	}
	msg_funding_created_free(m);
	memset(&s, 0, sizeof(s));
	if (!sign_first_remote(ch, &s.signature, &err))
		return channel_fail_with(ch, fx, "funding_created: %s", err);
	s.channel_id = ch->channel_id;
	fx_send(fx, towire_funding_signed(&s));
	ch->has_commitments = true;
	ch->state = CHANNEL_AWAITING_LOCKIN;
	return channel_step_done(ch, fx);
}

bool channel_handle_funding_signed(struct channel *ch,
				   struct channel_effects *fx,
				   const uint8_t *msg, size_t len)
{
	struct msg_funding_signed *m;
	const char *err;
	bool ok;

	if (ch->state != CHANNEL_AWAITING_FUNDING_SIGNED)
		return channel_fail_with(ch, fx, "unexpected funding_signed");
	if (!fromwire_funding_signed(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed funding_signed");
	ok = verify_first_local(ch, &m->signature, &err);
	msg_funding_signed_free(m);
	if (!ok)
		return channel_fail_with(ch, fx, "funding_signed: %s", err);
	/* BOLT #2:
	 *   - MUST NOT broadcast the funding transaction before receipt of a valid `funding_signed`.
	 *   - on receipt of a valid `funding_signed`:
	 *     - SHOULD broadcast the funding transaction.
	 */
	fx_event(fx, CHANNEL_EVENT_FUNDING_BROADCAST);
	ch->has_commitments = true;
	ch->state = CHANNEL_AWAITING_LOCKIN;
	return channel_step_done(ch, fx);
}

struct wirebuf *channel_towire_channel_ready(const struct channel *ch)
{
	struct msg_channel_ready m;
	struct pubkey point;

	memset(&m, 0, sizeof(m));
	m.channel_id = ch->channel_id;
	/* BOLT #2:
	 *   - MUST set `second_per_commitment_point` to the per-commitment point to be used
	 *   for commitment transaction #1, derived as specified in
	 *   [BOLT #3](03-transactions.md#per-commitment-secret-requirements).
	 */
	channel_local_point(ch, &point, 1);
	point_towire(ch, &m.second_per_commitment_point, &point);
	return towire_channel_ready(&m);
}

/* Both channel_ready exchanged: normal operation. */
static void maybe_normal(struct channel *ch, struct channel_effects *fx)
{
	if (ch->state == CHANNEL_AWAITING_LOCKIN && ch->sent_channel_ready
	    && ch->received_channel_ready) {
		ch->state = CHANNEL_NORMAL;
		fx_event(fx, CHANNEL_EVENT_NORMAL);
	}
}

bool channel_funding_depth(struct channel *ch, struct channel_effects *fx,
			   uint32_t depth, const struct short_channel_id *scid)
{
	/* The fundee asks for minimum_depth; both wait for it. */
	const struct channel_config *asker =
		&ch->config[ch->params.opener == CHANNEL_LOCAL ? CHANNEL_REMOTE
							       : CHANNEL_LOCAL];
	uint32_t needed = asker->minimum_depth ? asker->minimum_depth : 1;

	if (!ch->has_commitments || channel_is_finished(ch))
		return fx_refuse(fx, "channel is %s",
				 channel_state_name(ch->state));
	ch->funding_depth = depth;
	if (scid)
		ch->scid = *scid;
	/* BOLT #2:
	 *   - if it is not the node opening the channel:
	 *     - SHOULD wait until the funding transaction has reached `minimum_depth` before
	 *       sending this message.
	 */
	if (depth >= needed && !ch->sent_channel_ready
	    && ch->state == CHANNEL_AWAITING_LOCKIN) {
		ch->sent_channel_ready = true;
		/* If the link is down, channel_reestablish resends it. */
		if (ch->link == LINK_UP)
			fx_send(fx, channel_towire_channel_ready(ch));
		maybe_normal(ch, fx);
	}
	return channel_step_done(ch, fx);
}

bool channel_handle_channel_ready(struct channel *ch,
				  struct channel_effects *fx,
				  const uint8_t *msg, size_t len)
{
	struct msg_channel_ready *m;
	struct pubkey point;
	bool ok;

	if (!ch->has_commitments)
		return channel_fail_with(ch, fx, "channel_ready before funding");
	/* BOLT #2:
	 *   - upon reconnection:
	 *     - MUST ignore any redundant `channel_ready` it receives.
	 */
	if (ch->received_channel_ready)
		return true;
	if (!fromwire_channel_ready(msg, len, &m))
		return channel_fail_with(ch, fx, "malformed channel_ready");
	ok = pubkey_parse(ch->ctx, &point, m->second_per_commitment_point.bytes);
	msg_channel_ready_free(m);
	if (!ok)
		return channel_fail_with(ch, fx, "channel_ready: "
					 "second_per_commitment_point is not "
					 "a valid point");
	ch->remote_point[POINT_NEXT] = point;
	ch->has_remote_point[POINT_NEXT] = true;
	ch->received_channel_ready = true;
	maybe_normal(ch, fx);
	return channel_step_done(ch, fx);
}
